//! The route table: a path and a method, parsed into a `Route` or refused with 404/405.

use ticketbooth_shared::ids::{ConversationId, TicketId};
use ticketbooth_shared::operator_tools::OperatorTool;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::tools::Tool;

use super::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Health,
    /// The public widget API of one site, under `/api/v1/sites/{site}/`.
    Site(SiteKey, SitePage),
    /// The operators' dashboard under `/app`.
    App(AppPage),
    /// The operators' JSON API under `/api/v1/` (bearer API tokens only).
    Operator(OperatorApi),
    /// `GET /api/v1/tools`: the bot tools' definitions (OpenAI and Anthropic formats).
    Tools,
    /// `POST /mcp`: the MCP server (Streamable HTTP), bot keys only.
    Mcp,
    /// `POST /api/v1/sync/{connection id}/webhook`: a help desk's webhook (no session, no
    /// CORS: server to server; its signature admits it).
    SyncHook(i64),
}

/// One change an operator can make to a ticket: the last segment of
/// `/app/tickets/{code}/{verb}` and `/api/v1/tickets/{code}/{verb}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Status,
    Priority,
    Assign,
    Edit,
    AddLabel,
    RemoveLabel,
    Comment,
    Snooze,
    Spam,
    Sync,
    Delete,
    /// The summary written by hand (`summary`).
    Summary,
    /// Ask the provider for a new summary, through the Queue.
    RefreshSummary,
    /// Whom a pending ticket waits on (`waiting_on`: `team` or `customer`).
    Waiting,
    /// Sets, changes or clears the topic and intent.
    Classify,
    /// Puts the ticket in a team (`team`: its id or name; null or empty: no team).
    Team,
    /// Pushes the ticket to the site's connected help desk by hand (a pending link, or a
    /// failed one re-armed). Not a `Change`: it writes a link, no event.
    Push,
}

impl Verb {
    pub const ALL: [Verb; 17] = [
        Verb::Status,
        Verb::Priority,
        Verb::Assign,
        Verb::Edit,
        Verb::AddLabel,
        Verb::RemoveLabel,
        Verb::Comment,
        Verb::Snooze,
        Verb::Spam,
        Verb::Sync,
        Verb::Delete,
        Verb::Summary,
        Verb::RefreshSummary,
        Verb::Waiting,
        Verb::Classify,
        Verb::Team,
        Verb::Push,
    ];

    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Status => "status",
            Verb::Priority => "priority",
            Verb::Assign => "assign",
            Verb::Edit => "edit",
            Verb::AddLabel => "labels-add",
            Verb::RemoveLabel => "labels-remove",
            Verb::Comment => "comment",
            Verb::Snooze => "snooze",
            Verb::Spam => "spam",
            Verb::Sync => "sync",
            Verb::Delete => "delete",
            Verb::Summary => "summary",
            Verb::RefreshSummary => "summary-refresh",
            Verb::Waiting => "waiting",
            Verb::Classify => "classify",
            Verb::Team => "team",
            Verb::Push => "push",
        }
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == raw)
            .ok_or(ApiError::NotFound)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum OperatorApi {
    /// `POST /api/v1/tickets` creates (with an `Idempotency-Key`).
    Tickets,
    /// `GET` reads one ticket with its comments, labels and events; `DELETE` deletes it.
    Ticket(TicketCode),
    /// `POST /api/v1/tickets/{code}/{verb}` (also `PATCH`).
    Action(TicketCode, Verb),
    /// `POST /api/v1/tickets/bulk`
    Bulk,
    /// `GET /api/v1/openapi.json`
    OpenApi,
    /// `GET /api/v1/export?format=jsonl|csv`: every ticket of the site (owners and admins).
    Export,
    /// `POST /api/v1/erase`: one requester's personal data (owners and admins).
    Erase,
    /// `POST /api/v1/tools/{name}`: an operator's agent calls an operator tool.
    Tool(OperatorTool),
    /// `GET /api/v1/labels`: the site's labels as a tree with ticket counts.
    Labels,
    /// `GET /api/v1/teams`: the site's teams with their members.
    Teams,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SitePage {
    /// `GET …/config`
    Config,
    /// `POST …/tickets` creates, `GET` lists the visitor's own.
    Tickets,
    /// `GET …/tickets/{id}`
    Ticket(TicketId),
    /// `GET` the visitor's ticket's public thread, `POST` a reply.
    TicketComments(TicketId),
    /// `POST …/tools/{name}`: a bot elsewhere calls a tool (bot key).
    Tool(Tool),
    /// `POST …/conversations` starts one.
    Conversations,
    /// `POST …/conversations/{id}/messages` sends (with an `Idempotency-Key`), `GET
    /// …?after={seq}` reads since a cursor.
    Messages(ConversationId),
    /// `GET …/conversations/{id}/live?token=…`: a WebSocket to the conversation's live room
    /// (browsers cannot set `Authorization` on a WebSocket, so the token is in the query).
    Live(ConversationId),
    /// `PUT …/conversations/{id}/contact`: the visitor's name and email, given in the chat.
    Contact(ConversationId),
    /// `POST …/conversations/{id}/escalate`: the visitor's "Talk to a person".
    Escalate(ConversationId),
    /// `GET` asks, `POST …/email/unsubscribe?to=…&sig=…` opts an address out of the site's
    /// mail (the List-Unsubscribe link, `api::unsubscribe`).
    Unsubscribe,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppPage {
    /// `/app` → redirects to the list.
    Home,
    /// `GET` shows the form, `POST` signs in.
    Login,
    /// `POST /app/logout`
    Logout,
    /// `GET /app/tickets?…` (filters: `shared::ticket_query`; `view=board` for the board)
    Tickets,
    /// `GET /app/tickets/{code}`
    Ticket(TicketCode),
    /// `POST /app/tickets/{code}/{verb}`; `GET …/delete` is the confirmation page.
    TicketAction(TicketCode, Verb),
    /// `GET /app/tickets/new` shows the blank form, `POST` creates.
    NewTicket,
    /// `POST /app/tickets/bulk`: one action over the tickets ticked on the list.
    Bulk,
    /// `POST /app/logout/everywhere`: every session of this operator.
    LogoutEverywhere,
    /// `GET /app/inbox`: the site's live conversations.
    Inbox,
    /// `GET /app/inbox/{id}`: one conversation.
    Conversation(ConversationId),
    /// `POST /app/inbox/{id}/reply`: an operator's message.
    ConversationReply(ConversationId),
    /// `POST /app/conversations/{id}/ticket`: a ticket made from the conversation.
    ConversationTicket(ConversationId),
    /// `POST /app/conversations/{id}/attach`: links the conversation to an existing ticket.
    ConversationAttach(ConversationId),
    /// `GET /app/conversations/{id}/live`: the operator's WebSocket to the live room.
    ConversationLive(ConversationId),
    /// `POST /app/conversations/{id}/hand-back`: the bot answers the conversation again.
    ConversationHandBack(ConversationId),
    /// `POST /app/sites/switch`: the site switcher.
    SwitchSite,
    /// `GET` shows the form, `POST` creates a site.
    NewSite,
    /// `GET /app/invite/{token}` shows the invitation, `POST` accepts it.
    Invitation(String),
    /// `/app/settings/…`: members, API tokens, the site's settings.
    Settings(SettingsPage),
    /// `POST /app/views`: saves the current filters under a name.
    Views,
    /// `POST /app/views/{id}`: renames (`action=rename`) or deletes (`action=delete`) one.
    View(String),
    /// `GET /app/labels`: the site's labels as a tree with ticket counts (owners and admins).
    Labels,
    /// `/app/labels/{verb}`: a change to a label and its sublabels on every ticket.
    LabelAction(LabelVerb),
    /// `GET /app/reports?from=&to=`: the site's reports (owners and admins).
    Reports,
    /// `GET /app/reports.csv?from=&to=&section=`: one section of them as CSV.
    ReportsCsv,
    /// `GET /app/notices.json`: the header's notice counts (its light poll).
    Notices,
    /// `GET /app/teams`: teams and routing rules (owners and admins); `POST` one change
    /// (`do=…`), or an operator's own away switch (`do=away`).
    Teams,
}

/// What the labels page does to a label (and its sublabels), on every ticket of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelVerb {
    /// `POST`: a new name (`to`).
    Rename,
    /// `GET` the confirmation (`label`, `into`), `POST` moves every ticket onto `into`.
    Merge,
    /// `GET` the confirmation (`label`), `POST` removes it from every ticket.
    Delete,
}

impl LabelVerb {
    pub const ALL: [LabelVerb; 3] = [LabelVerb::Rename, LabelVerb::Merge, LabelVerb::Delete];

    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelVerb::Rename => "rename",
            LabelVerb::Merge => "merge",
            LabelVerb::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingsPage {
    /// `GET` lists members and invitations, `POST` invites.
    Members,
    /// `POST /app/settings/members/{operator id}`: change role or remove.
    Member(String),
    /// `POST /app/settings/invitations/{invitation id}`: revokes a pending invitation.
    Invitation(String),
    /// `GET` lists API tokens, `POST` creates one.
    Tokens,
    /// `GET` shows, `POST` changes the signed-in operator's own password.
    Account,
    /// `POST /app/settings/tokens/{token id}`: revokes it.
    Token(String),
    /// `GET` shows, `POST` saves the site's settings.
    Site,
    /// `GET` shows, `POST` saves the site's e-mail (owners, admins) and the operator's own
    /// mails (everyone).
    Email,
    /// `GET` shows the data-rights page, `POST` erases one requester's personal data.
    Data,
    /// `GET /app/settings/data/export?format=jsonl|csv` downloads every ticket.
    Export,
    /// `POST /app/settings/identity`: a new identity secret, shown once.
    Identity,
    /// `POST /app/settings/cap`: the daily widget ticket cap.
    Cap,
    /// `POST /app/settings/turnstile`: Turnstile's keys on, or off.
    Turnstile,
    /// `GET` shows what bots may do and the bot keys; `POST` creates a key.
    Bots,
    /// `POST /app/settings/bots/capabilities`: the vertical and the ticketing override.
    BotCapabilities,
    /// `POST /app/settings/bots/assistant`: the bot in the chat.
    BotAssistant,
    /// `POST /app/settings/bots/summaries`: may tickets go to the provider for summaries.
    BotSummaries,
    /// `GET` the webhook and its recent deliveries, `POST` sets the URL (and a secret).
    Webhooks,
    /// `POST /app/settings/webhooks/test`: sends a test event.
    WebhookTest,
    /// `GET` shows, `POST` saves the site's SLA policy.
    Sla,
    /// `POST /app/settings/bots/{id}` revokes a bot key.
    BotKey(String),
    /// `GET` shows the help-desk connection (or the connect form), `POST` one change (`do=…`).
    Sync,
}

impl AppPage {
    /// One page of every kind the route table parses, with placeholder ids (ticket `TKT-1`,
    /// ids of zeros): lets a test walk the whole table (the CSRF gate's test posts to each).
    /// `path` gives each one's path. Walked through `after`, whose exhaustive match does not
    /// compile when a page is added until the page has its place in the walk.
    pub fn every() -> Vec<AppPage> {
        let mut all = Vec::new();
        let mut next = Some(AppPage::Home);
        while let Some(page) = next {
            next = page.after();
            all.push(page);
        }
        all
    }

    /// The next page in `every`'s walk; `None` after the last.
    fn after(&self) -> Option<AppPage> {
        let code = || TicketCode::parse("TKT-1").expect("a ticket code");
        let conversation = || ConversationId::parse(ZEROS).expect("a conversation id");
        Some(match self {
            AppPage::Home => AppPage::Login,
            AppPage::Login => AppPage::Logout,
            AppPage::Logout => AppPage::LogoutEverywhere,
            AppPage::LogoutEverywhere => AppPage::Tickets,
            AppPage::Tickets => AppPage::Ticket(code()),
            AppPage::Ticket(_) => AppPage::TicketAction(code(), Verb::ALL[0]),
            AppPage::TicketAction(_, verb) => {
                match Verb::ALL.iter().skip_while(|v| *v != verb).nth(1) {
                    Some(next) => AppPage::TicketAction(code(), *next),
                    None => AppPage::NewTicket,
                }
            }
            AppPage::NewTicket => AppPage::Bulk,
            AppPage::Bulk => AppPage::Inbox,
            AppPage::Inbox => AppPage::Conversation(conversation()),
            AppPage::Conversation(_) => AppPage::ConversationReply(conversation()),
            AppPage::ConversationReply(_) => AppPage::ConversationTicket(conversation()),
            AppPage::ConversationTicket(_) => AppPage::ConversationAttach(conversation()),
            AppPage::ConversationAttach(_) => AppPage::ConversationLive(conversation()),
            AppPage::ConversationLive(_) => AppPage::ConversationHandBack(conversation()),
            AppPage::ConversationHandBack(_) => AppPage::SwitchSite,
            AppPage::SwitchSite => AppPage::NewSite,
            AppPage::NewSite => AppPage::Invitation(ZEROS.repeat(2)),
            AppPage::Invitation(_) => AppPage::Settings(SettingsPage::Members),
            AppPage::Settings(page) => match page.after() {
                Some(next) => AppPage::Settings(next),
                None => AppPage::Views,
            },
            AppPage::Views => AppPage::View(ZEROS.to_owned()),
            AppPage::View(_) => AppPage::Labels,
            AppPage::Labels => AppPage::LabelAction(LabelVerb::ALL[0]),
            AppPage::LabelAction(verb) => {
                match LabelVerb::ALL.iter().skip_while(|v| *v != verb).nth(1) {
                    Some(next) => AppPage::LabelAction(*next),
                    None => AppPage::Reports,
                }
            }
            AppPage::Reports => AppPage::ReportsCsv,
            AppPage::ReportsCsv => AppPage::Notices,
            AppPage::Notices => AppPage::Teams,
            AppPage::Teams => return None,
        })
    }

    /// The path that `Route::parse` reads as this page.
    pub fn path(&self) -> String {
        match self {
            AppPage::Home => "/app".to_owned(),
            AppPage::Login => "/app/login".to_owned(),
            AppPage::Logout => "/app/logout".to_owned(),
            AppPage::LogoutEverywhere => "/app/logout/everywhere".to_owned(),
            AppPage::Tickets => "/app/tickets".to_owned(),
            AppPage::Ticket(code) => format!("/app/tickets/{code}"),
            AppPage::TicketAction(code, verb) => format!("/app/tickets/{code}/{}", verb.as_str()),
            AppPage::NewTicket => "/app/tickets/new".to_owned(),
            AppPage::Bulk => "/app/tickets/bulk".to_owned(),
            AppPage::Inbox => "/app/conversations".to_owned(),
            AppPage::Conversation(id) => format!("/app/conversations/{}", id.as_ref()),
            AppPage::ConversationReply(id) => format!("/app/conversations/{}/reply", id.as_ref()),
            AppPage::ConversationTicket(id) => format!("/app/conversations/{}/ticket", id.as_ref()),
            AppPage::ConversationAttach(id) => format!("/app/conversations/{}/attach", id.as_ref()),
            AppPage::ConversationLive(id) => format!("/app/conversations/{}/live", id.as_ref()),
            AppPage::ConversationHandBack(id) => {
                format!("/app/conversations/{}/hand-back", id.as_ref())
            }
            AppPage::SwitchSite => "/app/sites/switch".to_owned(),
            AppPage::NewSite => "/app/sites/new".to_owned(),
            AppPage::Invitation(token) => format!("/app/invite/{token}"),
            AppPage::Settings(page) => format!("/app/settings/{}", page.path()),
            AppPage::Views => "/app/views".to_owned(),
            AppPage::View(id) => format!("/app/views/{id}"),
            AppPage::Labels => "/app/labels".to_owned(),
            AppPage::LabelAction(verb) => format!("/app/labels/{}", verb.as_str()),
            AppPage::Reports => "/app/reports".to_owned(),
            AppPage::ReportsCsv => "/app/reports.csv".to_owned(),
            AppPage::Notices => "/app/notices.json".to_owned(),
            AppPage::Teams => "/app/teams".to_owned(),
        }
    }
}

impl SettingsPage {
    /// One settings page of every kind (placeholder ids), as `AppPage::every`.
    pub fn every() -> Vec<SettingsPage> {
        let mut all = Vec::new();
        let mut next = Some(SettingsPage::Members);
        while let Some(page) = next {
            next = page.after();
            all.push(page);
        }
        all
    }

    /// The next page in `every`'s walk (an exhaustive match, as `AppPage::after`).
    fn after(&self) -> Option<SettingsPage> {
        let id = || ZEROS.to_owned();
        Some(match self {
            SettingsPage::Members => SettingsPage::Member(id()),
            SettingsPage::Member(_) => SettingsPage::Invitation(id()),
            SettingsPage::Invitation(_) => SettingsPage::Tokens,
            SettingsPage::Tokens => SettingsPage::Token(id()),
            SettingsPage::Token(_) => SettingsPage::Account,
            SettingsPage::Account => SettingsPage::Site,
            SettingsPage::Site => SettingsPage::Email,
            SettingsPage::Email => SettingsPage::Data,
            SettingsPage::Data => SettingsPage::Export,
            SettingsPage::Export => SettingsPage::Identity,
            SettingsPage::Identity => SettingsPage::Cap,
            SettingsPage::Cap => SettingsPage::Turnstile,
            SettingsPage::Turnstile => SettingsPage::Bots,
            SettingsPage::Bots => SettingsPage::BotCapabilities,
            SettingsPage::BotCapabilities => SettingsPage::BotAssistant,
            SettingsPage::BotAssistant => SettingsPage::BotSummaries,
            SettingsPage::BotSummaries => SettingsPage::BotKey(id()),
            SettingsPage::BotKey(_) => SettingsPage::Webhooks,
            SettingsPage::Webhooks => SettingsPage::WebhookTest,
            SettingsPage::WebhookTest => SettingsPage::Sla,
            SettingsPage::Sla => SettingsPage::Sync,
            SettingsPage::Sync => return None,
        })
    }

    /// The path under `/app/settings/`.
    fn path(&self) -> String {
        match self {
            SettingsPage::Members => "members".to_owned(),
            SettingsPage::Member(id) => format!("members/{id}"),
            SettingsPage::Invitation(id) => format!("invitations/{id}"),
            SettingsPage::Tokens => "tokens".to_owned(),
            SettingsPage::Token(id) => format!("tokens/{id}"),
            SettingsPage::Account => "account".to_owned(),
            SettingsPage::Site => "site".to_owned(),
            SettingsPage::Email => "email".to_owned(),
            SettingsPage::Data => "data".to_owned(),
            SettingsPage::Export => "data/export".to_owned(),
            SettingsPage::Identity => "identity".to_owned(),
            SettingsPage::Cap => "cap".to_owned(),
            SettingsPage::Turnstile => "turnstile".to_owned(),
            SettingsPage::Bots => "bots".to_owned(),
            SettingsPage::BotCapabilities => "bots/capabilities".to_owned(),
            SettingsPage::BotAssistant => "bots/assistant".to_owned(),
            SettingsPage::BotSummaries => "bots/summaries".to_owned(),
            SettingsPage::BotKey(id) => format!("bots/{id}"),
            SettingsPage::Webhooks => "webhooks".to_owned(),
            SettingsPage::WebhookTest => "webhooks/test".to_owned(),
            SettingsPage::Sla => "sla".to_owned(),
            SettingsPage::Sync => "sync".to_owned(),
        }
    }
}

/// The placeholder id of `AppPage::every`: 32 hex digits, ours in form, nobody's in fact.
const ZEROS: &str = "00000000000000000000000000000000";

/// Ids we mint: `len` lowercase hex digits. Anything else is not ours (404).
fn hex_id(raw: &str, len: usize) -> Result<String, ApiError> {
    let ours = raw.len() == len
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ours {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::NotFound)
    }
}

/// A sync connection's id in a webhook URL: a positive integer (D1's ids stay below 2^53).
fn connection_of(raw: &str) -> Result<i64, ApiError> {
    let digits = !raw.is_empty() && raw.len() <= 15 && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(id) if digits && id > 0 => Ok(id),
        _ => Err(ApiError::NotFound),
    }
}

impl Route {
    /// Parses a path; an unknown path, a malformed site key or a malformed id is a 404.
    pub fn parse(path: &str) -> Result<Self, ApiError> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["healthz"] => Ok(Route::Health),
            ["mcp"] => Ok(Route::Mcp),
            ["api", "v1", "tools"] => Ok(Route::Tools),
            ["api", "v1", "tools", name] => OperatorTool::parse(name)
                .map(|tool| Route::Operator(OperatorApi::Tool(tool)))
                .ok_or(ApiError::NotFound),
            ["app"] | ["app", ""] => Ok(Route::App(AppPage::Home)),
            ["app", "login"] => Ok(Route::App(AppPage::Login)),
            ["app", "logout"] => Ok(Route::App(AppPage::Logout)),
            ["app", "logout", "everywhere"] => Ok(Route::App(AppPage::LogoutEverywhere)),
            ["app", "sites", "switch"] => Ok(Route::App(AppPage::SwitchSite)),
            ["app", "sites", "new"] => Ok(Route::App(AppPage::NewSite)),
            ["app", "invite", token] => Ok(Route::App(AppPage::Invitation(hex_id(token, 64)?))),
            ["app", "settings", rest @ ..] => {
                let page = match rest {
                    ["members"] => SettingsPage::Members,
                    ["members", id] => SettingsPage::Member(hex_id(id, 32)?),
                    ["invitations", id] => SettingsPage::Invitation(hex_id(id, 32)?),
                    ["tokens"] => SettingsPage::Tokens,
                    ["account"] => SettingsPage::Account,
                    ["tokens", id] => SettingsPage::Token(hex_id(id, 32)?),
                    ["site"] => SettingsPage::Site,
                    ["email"] => SettingsPage::Email,
                    ["data"] => SettingsPage::Data,
                    ["identity"] => SettingsPage::Identity,
                    ["cap"] => SettingsPage::Cap,
                    ["turnstile"] => SettingsPage::Turnstile,
                    ["bots"] => SettingsPage::Bots,
                    ["bots", "capabilities"] => SettingsPage::BotCapabilities,
                    ["bots", "assistant"] => SettingsPage::BotAssistant,
                    ["bots", "summaries"] => SettingsPage::BotSummaries,
                    ["webhooks"] => SettingsPage::Webhooks,
                    ["webhooks", "test"] => SettingsPage::WebhookTest,
                    ["sla"] => SettingsPage::Sla,
                    ["sync"] => SettingsPage::Sync,
                    ["bots", id] => SettingsPage::BotKey(hex_id(id, 32)?),
                    ["data", "export"] => SettingsPage::Export,
                    _ => return Err(ApiError::NotFound),
                };
                Ok(Route::App(AppPage::Settings(page)))
            }
            ["app", "views"] => Ok(Route::App(AppPage::Views)),
            ["app", "views", id] => Ok(Route::App(AppPage::View(hex_id(id, 32)?))),
            ["app", "labels"] => Ok(Route::App(AppPage::Labels)),
            ["app", "reports"] => Ok(Route::App(AppPage::Reports)),
            ["app", "reports.csv"] => Ok(Route::App(AppPage::ReportsCsv)),
            ["app", "notices.json"] => Ok(Route::App(AppPage::Notices)),
            ["app", "teams"] => Ok(Route::App(AppPage::Teams)),
            ["app", "labels", verb] => Ok(Route::App(AppPage::LabelAction(
                LabelVerb::ALL
                    .into_iter()
                    .find(|v| v.as_str() == *verb)
                    .ok_or(ApiError::NotFound)?,
            ))),
            // `/app/conversations` is the inbox's name; `/app/inbox` stays for old links.
            ["app", "inbox" | "conversations"] => Ok(Route::App(AppPage::Inbox)),
            ["app", "inbox" | "conversations", id] => {
                Ok(Route::App(AppPage::Conversation(conversation_of(id)?)))
            }
            ["app", "inbox" | "conversations", id, action] => {
                let id = conversation_of(id)?;
                Ok(Route::App(match *action {
                    "reply" => AppPage::ConversationReply(id),
                    "ticket" => AppPage::ConversationTicket(id),
                    "attach" => AppPage::ConversationAttach(id),
                    "live" => AppPage::ConversationLive(id),
                    "hand-back" => AppPage::ConversationHandBack(id),
                    _ => return Err(ApiError::NotFound),
                }))
            }
            ["app", "tickets"] => Ok(Route::App(AppPage::Tickets)),
            ["app", "tickets", "new"] => Ok(Route::App(AppPage::NewTicket)),
            ["app", "tickets", "bulk"] => Ok(Route::App(AppPage::Bulk)),
            ["app", "tickets", code] => Ok(Route::App(AppPage::Ticket(code_of(code)?))),
            ["app", "tickets", code, verb] => Ok(Route::App(AppPage::TicketAction(
                code_of(code)?,
                Verb::parse(verb)?,
            ))),
            ["api", "v1", "sync", id, "webhook"] => Ok(Route::SyncHook(connection_of(id)?)),
            ["api", "v1", "openapi.json"] => Ok(Route::Operator(OperatorApi::OpenApi)),
            ["api", "v1", "export"] => Ok(Route::Operator(OperatorApi::Export)),
            ["api", "v1", "erase"] => Ok(Route::Operator(OperatorApi::Erase)),
            ["api", "v1", "labels"] => Ok(Route::Operator(OperatorApi::Labels)),
            ["api", "v1", "teams"] => Ok(Route::Operator(OperatorApi::Teams)),
            ["api", "v1", "tickets"] => Ok(Route::Operator(OperatorApi::Tickets)),
            ["api", "v1", "tickets", "bulk"] => Ok(Route::Operator(OperatorApi::Bulk)),
            ["api", "v1", "tickets", code] => {
                Ok(Route::Operator(OperatorApi::Ticket(code_of(code)?)))
            }
            ["api", "v1", "tickets", code, verb] => Ok(Route::Operator(OperatorApi::Action(
                code_of(code)?,
                Verb::parse(verb)?,
            ))),
            ["api", "v1", "sites", site, rest @ ..] => {
                let site = SiteKey::parse(site).map_err(|_| ApiError::SiteNotFound)?;
                let page = match rest {
                    ["config"] => SitePage::Config,
                    ["tickets"] => SitePage::Tickets,
                    ["tickets", id] => {
                        SitePage::Ticket(TicketId::parse(id).map_err(|_| ApiError::NotFound)?)
                    }
                    ["tickets", id, "comments"] => SitePage::TicketComments(
                        TicketId::parse(id).map_err(|_| ApiError::NotFound)?,
                    ),
                    ["tools", name] => SitePage::Tool(Tool::parse(name).ok_or(ApiError::NotFound)?),
                    ["conversations"] => SitePage::Conversations,
                    ["conversations", id, "messages"] => SitePage::Messages(
                        ConversationId::parse(id).map_err(|_| ApiError::NotFound)?,
                    ),
                    ["conversations", id, "contact"] => SitePage::Contact(
                        ConversationId::parse(id).map_err(|_| ApiError::NotFound)?,
                    ),
                    ["conversations", id, "escalate"] => SitePage::Escalate(
                        ConversationId::parse(id).map_err(|_| ApiError::NotFound)?,
                    ),
                    ["email", "unsubscribe"] => SitePage::Unsubscribe,
                    ["conversations", id, "live"] => {
                        SitePage::Live(ConversationId::parse(id).map_err(|_| ApiError::NotFound)?)
                    }
                    _ => return Err(ApiError::NotFound),
                };
                Ok(Route::Site(site, page))
            }
            _ => Err(ApiError::NotFound),
        }
    }

    /// Whether this route answers `method` (one of `allow()`'s).
    pub fn takes(&self, method: &str) -> bool {
        self.allow().split(", ").any(|m| m == method)
    }

    /// The value of the `Allow` header: every method this route answers.
    pub fn allow(&self) -> &'static str {
        match self {
            Route::Health
            | Route::App(
                AppPage::Home
                | AppPage::Tickets
                | AppPage::Ticket(_)
                | AppPage::Settings(SettingsPage::Export)
                | AppPage::Inbox
                | AppPage::Conversation(_)
                | AppPage::ConversationLive(_)
                | AppPage::Labels
                | AppPage::Reports
                | AppPage::ReportsCsv
                | AppPage::Notices,
            ) => "GET",
            Route::App(
                AppPage::Login
                | AppPage::NewTicket
                | AppPage::NewSite
                | AppPage::Invitation(_)
                | AppPage::TicketAction(_, Verb::Delete)
                | AppPage::LabelAction(LabelVerb::Merge | LabelVerb::Delete)
                | AppPage::Teams
                | AppPage::Settings(
                    SettingsPage::Members
                    | SettingsPage::Tokens
                    | SettingsPage::Account
                    | SettingsPage::Bots
                    | SettingsPage::Webhooks
                    | SettingsPage::Sla
                    | SettingsPage::Sync
                    | SettingsPage::Site
                    | SettingsPage::Email
                    | SettingsPage::Data,
                ),
            ) => "GET, POST",
            Route::App(
                AppPage::Logout
                | AppPage::ConversationReply(_)
                | AppPage::ConversationTicket(_)
                | AppPage::ConversationAttach(_)
                | AppPage::ConversationHandBack(_)
                | AppPage::LogoutEverywhere
                | AppPage::SwitchSite
                | AppPage::TicketAction(..)
                | AppPage::Bulk
                | AppPage::Views
                | AppPage::View(_)
                | AppPage::LabelAction(LabelVerb::Rename)
                | AppPage::Settings(
                    SettingsPage::Member(_)
                    | SettingsPage::Invitation(_)
                    | SettingsPage::Token(_)
                    | SettingsPage::Identity
                    | SettingsPage::Cap
                    | SettingsPage::Turnstile
                    | SettingsPage::BotCapabilities
                    | SettingsPage::BotAssistant
                    | SettingsPage::BotSummaries
                    | SettingsPage::WebhookTest
                    | SettingsPage::BotKey(_),
                ),
            ) => "POST",
            // No OPTIONS: the operator API grants no cross-origin access (bearer tokens belong
            // in scripts and servers, not in other sites' pages).
            Route::Operator(OperatorApi::Tickets) => "GET, POST",
            Route::Operator(OperatorApi::Bulk | OperatorApi::Erase | OperatorApi::Tool(_)) => {
                "POST"
            }
            Route::Operator(OperatorApi::Ticket(_)) => "GET, DELETE",
            Route::Operator(OperatorApi::Action(..)) => "POST, PATCH",
            Route::Operator(
                OperatorApi::OpenApi
                | OperatorApi::Export
                | OperatorApi::Labels
                | OperatorApi::Teams,
            ) => "GET",
            Route::Site(_, SitePage::Config | SitePage::Ticket(_)) => "GET, OPTIONS",
            Route::Site(_, SitePage::Live(_)) => "GET",
            Route::Tools => "GET",
            // GET would open a server-to-client stream; this server has nothing to push.
            Route::Mcp => "POST",
            Route::SyncHook(_) => "POST",
            Route::Site(_, SitePage::Tool(_)) => "POST",
            Route::Site(
                _,
                SitePage::Tickets | SitePage::Messages(_) | SitePage::TicketComments(_),
            ) => "GET, POST, OPTIONS",
            Route::Site(_, SitePage::Conversations) => "POST, OPTIONS",
            Route::Site(_, SitePage::Contact(_)) => "PUT, OPTIONS",
            Route::Site(_, SitePage::Escalate(_)) => "POST, OPTIONS",
            Route::Site(_, SitePage::Unsubscribe) => "GET, POST",
        }
    }
}

impl Route {
    /// The route as the Worker's log names it: its path with every variable segment replaced
    /// by its name (`/api/v1/sites/{site}/tickets/{id}`), never the path itself, which holds
    /// ticket codes, conversation ids and invitation tokens. Verbs and tool names, a fixed
    /// set, stay.
    pub fn template(&self) -> String {
        let fixed = match self {
            Route::Health => "/healthz",
            Route::Mcp => "/mcp",
            Route::Tools => "/api/v1/tools",
            Route::SyncHook(_) => "/api/v1/sync/{connection}/webhook",
            Route::Operator(OperatorApi::Tickets) => "/api/v1/tickets",
            Route::Operator(OperatorApi::Ticket(_)) => "/api/v1/tickets/{code}",
            Route::Operator(OperatorApi::Action(_, verb)) => {
                return format!("/api/v1/tickets/{{code}}/{}", verb.as_str());
            }
            Route::Operator(OperatorApi::Bulk) => "/api/v1/tickets/bulk",
            Route::Operator(OperatorApi::OpenApi) => "/api/v1/openapi.json",
            Route::Operator(OperatorApi::Export) => "/api/v1/export",
            Route::Operator(OperatorApi::Erase) => "/api/v1/erase",
            Route::Operator(OperatorApi::Tool(tool)) => {
                return format!("/api/v1/tools/{}", tool.name());
            }
            Route::Operator(OperatorApi::Labels) => "/api/v1/labels",
            Route::Operator(OperatorApi::Teams) => "/api/v1/teams",
            Route::Site(_, page) => match page {
                SitePage::Config => "/api/v1/sites/{site}/config",
                SitePage::Tickets => "/api/v1/sites/{site}/tickets",
                SitePage::Ticket(_) => "/api/v1/sites/{site}/tickets/{id}",
                SitePage::TicketComments(_) => "/api/v1/sites/{site}/tickets/{id}/comments",
                SitePage::Tool(tool) => {
                    return format!("/api/v1/sites/{{site}}/tools/{}", tool.name());
                }
                SitePage::Conversations => "/api/v1/sites/{site}/conversations",
                SitePage::Messages(_) => "/api/v1/sites/{site}/conversations/{id}/messages",
                SitePage::Live(_) => "/api/v1/sites/{site}/conversations/{id}/live",
                SitePage::Contact(_) => "/api/v1/sites/{site}/conversations/{id}/contact",
                SitePage::Escalate(_) => "/api/v1/sites/{site}/conversations/{id}/escalate",
                SitePage::Unsubscribe => "/api/v1/sites/{site}/email/unsubscribe",
            },
            Route::App(page) => match page {
                AppPage::Home => "/app",
                AppPage::Login => "/app/login",
                AppPage::Logout => "/app/logout",
                AppPage::LogoutEverywhere => "/app/logout/everywhere",
                AppPage::Tickets => "/app/tickets",
                AppPage::Ticket(_) => "/app/tickets/{code}",
                AppPage::TicketAction(_, verb) => {
                    return format!("/app/tickets/{{code}}/{}", verb.as_str());
                }
                AppPage::NewTicket => "/app/tickets/new",
                AppPage::Bulk => "/app/tickets/bulk",
                AppPage::Inbox => "/app/conversations",
                AppPage::Conversation(_) => "/app/conversations/{id}",
                AppPage::ConversationReply(_) => "/app/conversations/{id}/reply",
                AppPage::ConversationTicket(_) => "/app/conversations/{id}/ticket",
                AppPage::ConversationAttach(_) => "/app/conversations/{id}/attach",
                AppPage::ConversationLive(_) => "/app/conversations/{id}/live",
                AppPage::ConversationHandBack(_) => "/app/conversations/{id}/hand-back",
                AppPage::SwitchSite => "/app/sites/switch",
                AppPage::NewSite => "/app/sites/new",
                AppPage::Invitation(_) => "/app/invite/{token}",
                AppPage::Views => "/app/views",
                AppPage::View(_) => "/app/views/{id}",
                AppPage::Labels => "/app/labels",
                AppPage::LabelAction(verb) => return format!("/app/labels/{}", verb.as_str()),
                AppPage::Reports => "/app/reports",
                AppPage::ReportsCsv => "/app/reports.csv",
                AppPage::Notices => "/app/notices.json",
                AppPage::Teams => "/app/teams",
                AppPage::Settings(settings) => match settings {
                    SettingsPage::Members => "/app/settings/members",
                    SettingsPage::Member(_) => "/app/settings/members/{id}",
                    SettingsPage::Invitation(_) => "/app/settings/invitations/{id}",
                    SettingsPage::Tokens => "/app/settings/tokens",
                    SettingsPage::Token(_) => "/app/settings/tokens/{id}",
                    SettingsPage::Account => "/app/settings/account",
                    SettingsPage::Site => "/app/settings/site",
                    SettingsPage::Email => "/app/settings/email",
                    SettingsPage::Data => "/app/settings/data",
                    SettingsPage::Export => "/app/settings/data/export",
                    SettingsPage::Identity => "/app/settings/identity",
                    SettingsPage::Cap => "/app/settings/cap",
                    SettingsPage::Turnstile => "/app/settings/turnstile",
                    SettingsPage::Bots => "/app/settings/bots",
                    SettingsPage::BotCapabilities => "/app/settings/bots/capabilities",
                    SettingsPage::BotAssistant => "/app/settings/bots/assistant",
                    SettingsPage::BotSummaries => "/app/settings/bots/summaries",
                    SettingsPage::BotKey(_) => "/app/settings/bots/{id}",
                    SettingsPage::Webhooks => "/app/settings/webhooks",
                    SettingsPage::WebhookTest => "/app/settings/webhooks/test",
                    SettingsPage::Sla => "/app/settings/sla",
                    SettingsPage::Sync => "/app/settings/sync",
                },
            },
        };
        fixed.to_owned()
    }
}

/// A request as the Worker's log names it: the method (one of HTTP's, else `OTHER`) and the
/// route's template; a path no route takes is `(no route)`, never the path a client sent.
pub fn template(method: &str, path: &str) -> String {
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "OTHER",
    };
    match Route::parse(path) {
        Ok(route) => format!("{method} {}", route.template()),
        Err(_) => format!("{method} (no route)"),
    }
}

/// A code in a path; malformed is simply not found.
fn conversation_of(raw: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(raw).map_err(|_| ApiError::NotFound)
}

fn code_of(raw: &str) -> Result<TicketCode, ApiError> {
    TicketCode::parse(raw).map_err(|_| ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_route() {
        let site = SiteKey::parse("acme").unwrap();
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(Route::parse("/healthz").unwrap(), Route::Health);
        assert_eq!(Route::parse("/app/").unwrap(), Route::App(AppPage::Home));
        assert_eq!(
            Route::parse("/app/tickets").unwrap(),
            Route::App(AppPage::Tickets)
        );
        let code = TicketCode::parse("TKT-7").unwrap();
        assert_eq!(
            Route::parse("/app/tickets/TKT-7").unwrap(),
            Route::App(AppPage::Ticket(code))
        );
        assert_eq!(
            Route::parse("/app/tickets/new").unwrap(),
            Route::App(AppPage::NewTicket)
        );
        for verb in Verb::ALL {
            let code = TicketCode::parse("TKT-7").unwrap();
            assert_eq!(
                Route::parse(&format!("/app/tickets/TKT-7/{}", verb.as_str())).unwrap(),
                Route::App(AppPage::TicketAction(code.clone(), verb))
            );
            assert_eq!(
                Route::parse(&format!("/api/v1/tickets/TKT-7/{}", verb.as_str())).unwrap(),
                Route::Operator(OperatorApi::Action(code, verb))
            );
        }
        assert_eq!(
            Route::parse("/api/v1/tickets/bulk").unwrap(),
            Route::Operator(OperatorApi::Bulk)
        );
        assert_eq!(
            Route::parse("/api/v1/tickets/TKT-7").unwrap(),
            Route::Operator(OperatorApi::Ticket(TicketCode::parse("TKT-7").unwrap()))
        );
        assert_eq!(
            Route::parse("/api/v1/sites/acme/config").unwrap(),
            Route::Site(site.clone(), SitePage::Config)
        );
        assert_eq!(
            Route::parse("/api/v1/sites/acme/tickets").unwrap(),
            Route::Site(site.clone(), SitePage::Tickets)
        );
        assert_eq!(
            Route::parse(&format!("/api/v1/sites/acme/tickets/{id}")).unwrap(),
            Route::Site(site.clone(), SitePage::Ticket(TicketId::parse(id).unwrap()))
        );
        assert_eq!(
            Route::parse("/api/v1/sites/acme/conversations").unwrap(),
            Route::Site(site.clone(), SitePage::Conversations)
        );
        assert_eq!(
            Route::parse(&format!("/api/v1/sites/acme/conversations/{id}/messages")).unwrap(),
            Route::Site(site, SitePage::Messages(ConversationId::parse(id).unwrap()))
        );
        assert!(Route::parse("/api/v1/sites/acme/conversations/nothex/messages").is_err());
    }

    #[test]
    fn parses_the_account_and_settings_routes() {
        let id = "0123456789abcdef0123456789abcdef";
        let token = id.repeat(2);
        let app = |path: &str| Route::parse(path).unwrap();
        assert_eq!(
            app("/app/logout/everywhere"),
            Route::App(AppPage::LogoutEverywhere)
        );
        assert_eq!(app("/app/sites/switch"), Route::App(AppPage::SwitchSite));
        assert_eq!(app("/app/sites/new"), Route::App(AppPage::NewSite));
        assert_eq!(
            app(&format!("/app/invite/{token}")),
            Route::App(AppPage::Invitation(token.clone()))
        );
        assert_eq!(
            app(&format!("/app/settings/members/{id}")),
            Route::App(AppPage::Settings(SettingsPage::Member(id.into())))
        );
        assert_eq!(
            app(&format!("/app/settings/tokens/{id}")),
            Route::App(AppPage::Settings(SettingsPage::Token(id.into())))
        );
        assert_eq!(
            app("/app/settings/site"),
            Route::App(AppPage::Settings(SettingsPage::Site))
        );
        assert_eq!(app("/app/settings/site").allow(), "GET, POST");
        assert_eq!(app(&format!("/app/settings/tokens/{id}")).allow(), "POST");
        for bad in [
            "/app/invite/short",
            "/app/settings/members/ABCDEF0123456789abcdef0123456789",
            "/app/settings/nope",
            &format!("/app/settings/tokens/{id}/x"),
        ] {
            assert!(
                matches!(Route::parse(bad), Err(ApiError::NotFound)),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_page_is_walked_once_and_its_path_parses_back_to_it() {
        let every = AppPage::every();
        for page in &every {
            assert_eq!(
                Route::parse(&page.path()).unwrap(),
                Route::App(page.clone()),
                "{}",
                page.path()
            );
        }
        let mut paths: Vec<String> = every.iter().map(AppPage::path).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), every.len(), "a page walked twice");
        assert_eq!(
            every
                .iter()
                .filter(|p| matches!(p, AppPage::Settings(_)))
                .count(),
            SettingsPage::every().len()
        );
        assert_eq!(
            every
                .iter()
                .filter(|p| matches!(p, AppPage::TicketAction(..)))
                .count(),
            Verb::ALL.len()
        );
    }

    #[test]
    fn refuses_unknown_paths_with_the_right_404() {
        for path in [
            "/",
            "/healthz/",
            "/api",
            "/api/v1/sites/acme",
            "/api/v1/sites/acme/nope",
            "/api/v2/sites/acme/config",
            "/app/tickets/TKT-1/explode",
            "/app/tickets/nope/status",
            "/api/v1/tickets/TKT-1/status/x",
        ] {
            assert!(
                matches!(Route::parse(path), Err(ApiError::NotFound)),
                "{path}"
            );
        }
        assert!(matches!(
            Route::parse("/api/v1/sites/ACME/config"),
            Err(ApiError::SiteNotFound)
        ));
        assert!(matches!(
            Route::parse("/api/v1/sites/acme/tickets/TKT-1"),
            Err(ApiError::NotFound)
        ));
    }
}
