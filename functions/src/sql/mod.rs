//! Every SQL statement the Worker runs, one module per table. Each function returns a
//! `Statement` with `?N` parameters; nothing here interpolates input into SQL text. Every
//! statement on tenant data filters by `site_id`.

pub mod bot_keys;
pub mod comments;
pub mod conversations;
pub mod email_recipients;
pub mod idempotency_keys;
pub mod invitations;
pub mod labels;
pub mod mails;
pub mod messages;
pub mod notifications;
pub mod operator_tokens;
pub mod operators;
pub mod reports;
pub mod routing_rules;
pub mod saved_views;
pub mod sessions;
pub mod site_members;
pub mod site_secrets;
pub mod sites;
pub mod sync_comments;
pub mod sync_connections;
pub mod sync_links;
pub mod sync_webhook_events;
pub mod team_members;
pub mod teams;
pub mod ticket_conversations;
pub mod ticket_events;
pub mod ticket_search;
pub mod ticket_status_counts;
pub mod tickets;

use crate::store::Statement;

/// The number of rows the previous statement of the same batch changed, as a row `{n}`: how a
/// batch learns whether a guarded write applied without a second round trip.
pub fn changes() -> Statement {
    Statement::new("SELECT changes() AS n", vec![])
}
