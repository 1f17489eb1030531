//! The Ticketbooth ticket domain, shared by the Worker (`functions`) and the widget.
//!
//! Architecture invariant: this crate does no I/O and depends on neither `worker` nor
//! `web-sys`. Every type that crosses a trust boundary is a newtype with a private field and a
//! `parse` constructor, so code that holds one never re-validates it.
//!
//! Code map:
//! - `api` — the JSON shapes of the public widget API (a wire contract: additive changes only).
//! - `ticket_text`, `comment_body`, `chat_message`, `requester`, `label`, `sync_ref` — the
//!   checked text of a ticket, a comment, a chat message, who asked, a label, a mirror's ref.
//! - `new_ticket` — a create-ticket request, parsed; `ticket_query` — the ticket list's filters.
//! - `status` — the status machine; `priority`; `role` — who may do what (`Role::permits`).
//! - `event` — the audit trail's events; `ticket_code` — `TKT-42`; `site_key` — `data-site`.
//! - `ids` — UUID ids and client keys; `hex` — lowercase hex; `timestamp` — epoch milliseconds.
//! - `tools` — the bot tools' parameters and JSON Schemas.
//! - `operator_tools` — the operator tools an agent calls with an operator API token.
//! - `classification` — a ticket's topic and intent, and its source as the product names it.
//! - `field_error` — why one field was refused, shared by every `parse`.
//! - `waiting` — whom a pending ticket waits on (the team or the customer).
//! - `sla` — the SLA policy (targets per priority, business hours) and its clock.
//! - `sla_standing` — where a ticket stands against its SLA targets (time left, overdue).
//! - `routing` — routing rules: their conditions and which one a ticket matches first.
//! - `sync` — external sync: platforms, a link's state, the `sync=` filter, status mapping.

pub mod api;
pub mod chat_message;
pub mod classification;
pub mod comment_body;
pub mod event;
pub mod field_error;
pub mod hex;
pub mod ids;
pub mod label;
pub mod new_ticket;
pub mod operator_tools;
pub mod priority;
pub mod requester;
pub mod role;
pub mod routing;
pub mod site_key;
pub mod sla;
pub mod sla_standing;
pub mod status;
pub mod sync;
pub mod sync_ref;
pub mod ticket_code;
pub mod ticket_query;
pub mod ticket_text;
pub mod timestamp;
pub mod tools;
pub mod waiting;

pub use field_error::FieldError;
pub use priority::Priority;
pub use status::{Status, TransitionError};
