//! The service layer: what the Worker does, independent of HTTP and of D1. Every function takes
//! an `Executor`, plus the clock and fresh ids from its caller, so host tests drive it over
//! SQLite deterministically.

pub mod api_tokens;
pub mod bot_keys;
pub mod bot_settings;
pub mod conversations;
pub mod credential_cache;
pub mod data_rights;
pub mod escalation;
pub mod inbound_mail;
pub mod invitations;
pub mod labels;
pub mod live_members;
pub mod mail;
pub mod mail_compose;
pub mod mail_message;
pub mod mail_outbox;
pub mod mail_settings;
pub mod maintenance;
pub mod members;
pub mod notices;
pub mod notifications;
pub mod operator_tickets;
pub mod operator_tools;
pub mod operators;
pub mod quoted_text;
pub mod reports;
pub mod routing;
pub mod saved_views;
pub mod sessions;
pub mod site_cache;
pub mod site_secrets;
pub mod site_settings;
pub mod sites;
pub mod sla;
pub mod summaries;
pub mod sync_connections;
pub mod sync_links;
pub mod sync_pull;
pub mod teams;
pub mod ticket_actions;
pub mod tickets;
pub mod tools;
pub mod turnstile_keys;
pub mod visitor_thread;

use thiserror::Error;
use ticketbooth_shared::TransitionError;
use ticketbooth_shared::new_ticket::ValidationErrors;

use crate::store::StoreError;

#[derive(Debug, Error, PartialEq)]
pub enum ServiceError {
    #[error("no such site")]
    SiteNotFound,
    #[error("ticketing is switched off for this site")]
    TicketingDisabled,
    #[error("the site has taken its daily cap of visitor tickets")]
    DailyCapReached {
        /// Until the next UTC midnight, when the count starts again.
        retry_after_secs: i64,
    },
    #[error("the request has invalid fields")]
    Validation(ValidationErrors),
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    #[error("no such ticket")]
    TicketNotFound,
    /// No such member, token or site for this operator.
    #[error("not found")]
    NotFound,
    #[error("not signed in, or the token is not valid")]
    NotSignedIn,
    #[error("the operator's role does not allow this")]
    Forbidden,
    #[error("the ticket changed since it was read")]
    StaleEdit,
    #[error(transparent)]
    TransitionRefused(TransitionError),
    #[error("a snooze must end in the future")]
    SnoozeInPast,
    /// A waiting side asked of a ticket that is not pending (or cannot become pending).
    #[error(transparent)]
    NotPending(ticketbooth_shared::waiting::NotPending),
    #[error("the assignee is not a member of this site who works tickets")]
    AssigneeNotMember,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A request that was understood and refused by a rule of sign-in, membership or settings. Each
/// has its own machine-readable code (`ApiError::Refused`) and a message that says what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("That email and password do not match an account. Check both and try again.")]
    InvalidCredentials,
    #[error("Your account is not a member of any site yet. Ask an owner for an invitation.")]
    NoSites,
    #[error("This form was sent from another site. Open the page in Ticketbooth and try again.")]
    CrossSite,
    #[error(
        "This form has expired (you signed out, or in again, since it was opened). Reload the page and try again."
    )]
    FormExpired,
    #[error("A site needs at least one owner: make someone else an owner first.")]
    LastOwner,
    #[error("Only an owner can make someone an owner or change an owner's role.")]
    OwnerOnly,
    #[error("This invitation link was already used or has expired. Ask for a new one.")]
    InvitationInvalid,
    #[error(
        "This email already has an account without a password. Ask the site's owner to run \
         `cargo xtask add-operator` for it."
    )]
    AccountWithoutPassword,
    #[error("That site key is taken. Pick another one.")]
    SiteKeyTaken,
    #[error("This ticket is closed. Open a new ticket to write to the team again.")]
    TicketClosed,
    #[error(
        "This Ticketbooth has no SECRETS_KEY, so it can neither store nor read a site's secrets. \
         Its operator sets one with `wrangler secret put SECRETS_KEY` (README, Deploy)."
    )]
    SecretsKeyMissing,
    #[error(
        "Only an owner of a site can create another site. Ask the deployment's operator \
         (`cargo xtask add-site`) or an owner of your site."
    )]
    SiteCreationOwnersOnly,
    #[error(
        "You are already a member of this site, and an invitation never changes a role: nothing \
         was changed. Ask an owner or admin to change your role on the members page."
    )]
    AlreadyMember,
    #[error(
        "No provider is configured for summaries: set up the site's bot (Settings → Bots) first, \
         or write the summary by hand."
    )]
    NoSummaryProvider,
    #[error(
        "Summaries are switched off for this site: an owner or admin can switch them on in \
         Settings → Bots, or write the summary by hand."
    )]
    SummariesOff,
    #[error("No ticket carries this label (any more). Reload the labels page.")]
    LabelNotFound,
    #[error(
        "That label is already in use. Nothing was changed: to put both together, merge the \
         label into it instead."
    )]
    LabelTaken,
    #[error(
        "Labels have two levels at most: a label with sublabels can only be renamed or merged \
         into a top-level label. Nothing was changed."
    )]
    LabelTooDeep,
    #[error("Pick another label: that is the label's own name. Nothing was changed.")]
    LabelSame,
    #[error("That team no longer exists. Reload the teams page.")]
    TeamNotFound,
    #[error("The site already has a team by that name. Pick another name.")]
    TeamNameTaken,
    #[error("Only a member of this site who works tickets (not a guest) can join a team.")]
    TeamMemberNotEligible,
    #[error("That person is already in this team.")]
    AlreadyInTeam,
    #[error("That routing rule no longer exists. Reload the teams page.")]
    RuleNotFound,
    #[error(
        "This site is not connected to a help desk: an owner or admin connects one in \
         Settings → Sync first."
    )]
    SyncNotConnected,
    #[error(
        "This ticket's sync has ended (its remote ticket was deleted, or the connection was \
         disconnected): it is not pushed again."
    )]
    SyncLinkEnded,
    #[error("This ticket is synced by the {} connection; its reference is read-only.", .0.name())]
    SyncManaged(ticketbooth_shared::sync::Platform),
    #[error("This site is already connected to a help desk: disconnect it first.")]
    SyncAlreadyConnected,
    #[error(
        "The number of tickets to push changed since the page was shown: nothing was pushed. \
         Check the new number below and confirm again."
    )]
    SyncCountChanged,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Refusal::InvalidCredentials => 401,
            Refusal::NoSites
            | Refusal::CrossSite
            | Refusal::FormExpired
            | Refusal::OwnerOnly
            | Refusal::SiteCreationOwnersOnly => 403,
            Refusal::LastOwner
            | Refusal::AccountWithoutPassword
            | Refusal::SiteKeyTaken
            | Refusal::TicketClosed
            | Refusal::AlreadyMember
            | Refusal::NoSummaryProvider
            | Refusal::SummariesOff
            | Refusal::LabelTaken
            | Refusal::LabelTooDeep
            | Refusal::TeamNameTaken
            | Refusal::AlreadyInTeam
            | Refusal::SyncNotConnected
            | Refusal::SyncLinkEnded
            | Refusal::SyncManaged(_)
            | Refusal::SyncAlreadyConnected
            | Refusal::SyncCountChanged => 409,
            Refusal::LabelNotFound | Refusal::TeamNotFound | Refusal::RuleNotFound => 404,
            Refusal::LabelSame | Refusal::TeamMemberNotEligible => 422,
            Refusal::InvitationInvalid => 410,
            Refusal::SecretsKeyMissing => 503,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Refusal::InvalidCredentials => "invalid_credentials",
            Refusal::NoSites => "no_sites",
            Refusal::CrossSite => "cross_site_request",
            Refusal::FormExpired => "csrf_token_invalid",
            Refusal::LastOwner => "last_owner",
            Refusal::OwnerOnly => "owner_only",
            Refusal::InvitationInvalid => "invitation_invalid",
            Refusal::AccountWithoutPassword => "account_without_password",
            Refusal::SiteKeyTaken => "site_key_taken",
            Refusal::TicketClosed => "ticket_closed",
            Refusal::SecretsKeyMissing => "secrets_key_missing",
            Refusal::SiteCreationOwnersOnly => "site_creation_owners_only",
            Refusal::AlreadyMember => "already_a_member",
            Refusal::NoSummaryProvider => "no_summary_provider",
            Refusal::SummariesOff => "summaries_off",
            Refusal::LabelNotFound => "label_not_found",
            Refusal::LabelTaken => "label_taken",
            Refusal::LabelTooDeep => "label_too_deep",
            Refusal::LabelSame => "label_same",
            Refusal::TeamNotFound => "team_not_found",
            Refusal::TeamNameTaken => "team_name_taken",
            Refusal::TeamMemberNotEligible => "team_member_not_eligible",
            Refusal::AlreadyInTeam => "already_in_team",
            Refusal::RuleNotFound => "rule_not_found",
            Refusal::SyncNotConnected => "sync_not_connected",
            Refusal::SyncLinkEnded => "sync_link_ended",
            Refusal::SyncManaged(_) => "sync_managed",
            Refusal::SyncAlreadyConnected => "sync_already_connected",
            Refusal::SyncCountChanged => "sync_count_changed",
        }
    }
}
