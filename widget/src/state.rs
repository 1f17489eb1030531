//! The widget's whole state and the one function that changes it: `update(state, msg)`.
//!
//! Pure: no DOM, no network, no storage, no clock, no randomness. Whatever needs the outside
//! world is asked for through the returned `Effect`s, which `app.rs` carries out; whatever
//! comes back from the outside world (a reply, an `online` event, a fresh uuid) arrives as a
//! `Msg`. That is what lets `cargo test -p ticketbooth-widget` check every flow on the host.

use serde::{Deserialize, Serialize};
use ticketbooth_shared::Status;
use ticketbooth_shared::api::{TranscriptEntry, field};
use ticketbooth_shared::chat_message::AuthorKind;
use ticketbooth_shared::field_error::FieldError;
use ticketbooth_shared::requester::{Email, RequesterName};
use ticketbooth_shared::ticket_text::{Description, Subject};

use crate::chat::{Chat, ChatEffect, ContactResult, Line, ReadResult, Saved, SendResult};
use crate::i18n::Strings;

/// The parts of the site's `config` the widget acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub enabled: bool,
    pub contact_required: bool,
    pub cta_label: String,
    /// Turnstile's human check, when the site asks for one.
    pub turnstile: Option<Turnstile>,
}

/// What the config says about Turnstile: the site key, and where its script comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turnstile {
    pub site_key: String,
    pub script_url: String,
}

/// The human check's progress in the ticket form (memory only: a token lives 300 s and is
/// spent by one create, so a reload asks again).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HumanCheck {
    /// `RenderHumanCheck` went out since the last ticket was created.
    pub rendered: bool,
    /// The token Turnstile's callback gave, until it expires, fails or is spent.
    pub token: Option<String>,
}

/// Name and email as the visitor gave them (validated, trimmed). Stored as
/// `{"name", "email"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

/// The ticket being written. Kept in localStorage on every change, so it survives a reload
/// and an offline period (as `{subject, description, transcript, key, queued}`; anything
/// missing reads as empty).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub subject: String,
    pub description: String,
    /// The host's chat, from `openTicket`; not shown, sent with the ticket.
    pub transcript: Vec<TranscriptEntry>,
    /// The `Idempotency-Key` of this draft: minted on its first send, reused by every retry,
    /// dropped when the ticket exists, or when the server says it was burnt by another body
    /// (`idempotency_key_reused`), so the next send goes out under a fresh one.
    pub key: Option<String>,
    /// Sent at least once without an answer (offline, 5xx): the body is frozen and goes out
    /// again, with the same key, when the network returns.
    pub queued: bool,
    /// The conversation the ticket grows out of (the in-chat "Open a ticket"): sent as
    /// `?conversation_id=`, so the server links it and takes its transcript.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
}

impl Draft {
    pub fn is_empty(&self) -> bool {
        self.subject.is_empty()
            && self.description.is_empty()
            && self.transcript.is_empty()
            && self.key.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// The conversation (message list and composer), with the "Open a ticket" call to action
    /// under it and "My tickets".
    Home,
    /// Name and email, when the site requires them and they are not known.
    Contact,
    /// Subject and description.
    Form,
    /// The ticket exists: its code.
    Done { code: String },
    /// The visitor's tickets with their visitor-facing status.
    Tickets,
    /// One ticket's thread (by id): the team's customer-facing replies and the visitor's own,
    /// with a reply box.
    Thread { id: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Subject,
    Description,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::Name,
        Field::Email,
        Field::Subject,
        Field::Description,
    ];

    /// The key the server uses for this field in `error.fields`.
    pub fn wire_key(self) -> &'static str {
        match self {
            Field::Name => field::REQUESTER_NAME,
            Field::Email => field::REQUESTER_EMAIL,
            Field::Subject => field::SUBJECT,
            Field::Description => field::DESCRIPTION,
        }
    }

    /// The screen this field is shown (and its error highlighted) on.
    pub fn screen(self) -> Screen {
        match self {
            Field::Name | Field::Email => Screen::Contact,
            Field::Subject | Field::Description => Screen::Form,
        }
    }

    pub fn from_wire_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.wire_key() == key)
    }

    fn check(self, raw: &str) -> Result<(), FieldError> {
        match self {
            Field::Name => RequesterName::parse(raw).map(drop),
            Field::Email => Email::check(raw),
            Field::Subject => Subject::parse(raw).map(drop),
            Field::Description => Description::parse(raw).map(drop),
        }
    }
}

/// Why a field is refused: our own verdict (translated by the view), or the server's message
/// when our rules found nothing wrong (the server has the last word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Local(FieldError),
    Server(String),
}

/// A line above the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    None,
    /// Some fields need fixing (announced; the details are next to the fields).
    FixFields,
    /// No answer from the server: the draft is kept and goes out when the network returns.
    Queued,
    /// The server refused for a reason the visitor cannot fix by editing the fields they see
    /// (`ticketing_disabled`, `origin_not_allowed`, a `validation_failed` on the host's
    /// transcript, …): its error code.
    Refused(String),
    /// The send waits for the human check (not done yet, or its token expired or failed).
    HumanCheck,
}

/// One row of "My tickets".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub status: Status,
    /// The id of the team's latest customer-facing reply (ids only grow): the ticket is unread
    /// while the visitor has not opened its thread since it arrived.
    pub latest_reply: Option<i64>,
    /// Pending and waiting on the customer: the team asked the visitor something.
    pub waiting_for_you: bool,
}

impl TicketRow {
    /// The status as the visitor reads it, and its `data-s` (which colours it): "Waiting for
    /// your reply" for a ticket waiting on them, their status otherwise.
    pub fn shown_status(&self, s: &Strings) -> (&'static str, &'static str) {
        if self.waiting_for_you {
            (s.waiting_for_you, "waiting")
        } else {
            (s.status(self.status), self.status.as_str())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tickets {
    /// Not fetched since the last change.
    Stale,
    Loading,
    Loaded(Vec<TicketRow>),
    Failed,
}

/// The server's answer to a create, as `api.rs` classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Created {
        code: String,
        /// Absent when a replay came back to a caller who could not prove the visitor (the
        /// server hands out no token for a replayed request); the ticket was still made.
        token: Option<String>,
    },
    /// 422 `validation_failed`: `(wire key, server message)` per field.
    Invalid(Vec<(String, String)>),
    /// A 4xx the visitor cannot fix by editing, with its error code.
    Refused(String),
    /// No answer, or a 5xx: try again later with the same key.
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub open: bool,
    pub screen: Screen,
    pub config: Option<Config>,
    pub contact: Option<Contact>,
    /// What the visitor typed into the contact prompt (kept when it is refused).
    pub contact_input: Contact,
    pub draft: Draft,
    pub errors: Vec<(Field, Problem)>,
    pub notice: Notice,
    pub sending: bool,
    pub online: bool,
    /// A visitor token is stored: "My tickets" has something to show.
    pub has_token: bool,
    /// The host's signed identity (`Ticketbooth.identify(jwt)`): sent with each ticket, and
    /// the contact prompt is skipped (the server takes name and email from it). Memory only:
    /// the host signs a short-lived one on every page.
    pub identity: Option<String>,
    pub tickets: Tickets,
    pub chat: Chat,
    /// Messages from others that arrived while the panel was closed (the launcher's badge).
    pub unread: u32,
    pub thread: Thread,
    pub human: HumanCheck,
    /// Per ticket, the latest team reply the visitor has seen (by opening its thread); kept in
    /// localStorage as `[[id, reply id], …]`, only for the tickets the list last showed.
    pub seen: Vec<(String, i64)>,
}

/// One comment of a ticket's thread, as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadComment {
    /// The team's (an operator's customer-facing comment), else the visitor's own reply.
    pub from_team: bool,
    pub name: Option<String>,
    pub body: String,
    pub at: String,
}

/// The thread on screen: its comments (`None` while loading) and the reply being written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Thread {
    pub comments: Option<Vec<ThreadComment>>,
    pub failed: bool,
    pub reply: String,
    /// The reply's Idempotency-Key: minted on its first send, reused by every retry.
    pub key: Option<String>,
    pub sending: bool,
    /// Why the last reply did not go (an error code, or `unreachable`).
    pub notice: Option<String>,
}

/// The server's answer to a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Written (or replayed): the comment, and the ticket's status after it.
    Done(ThreadComment, Status),
    Refused(String),
    Unreachable,
}

/// Everything that can happen to the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Toggle,
    Open,
    /// Open without taking focus from the page (`data-open`: the visitor did not ask).
    Show,
    Close,
    ConfigLoaded(Config),
    /// The "Open a ticket" call to action.
    StartTicket,
    ShowTickets,
    Back,
    /// Typing in the contact prompt.
    ContactEdited(Contact),
    ContactSubmitted,
    /// Typing in the ticket form.
    DraftEdited {
        subject: String,
        description: String,
    },
    /// The form's submit; `fresh_key` is a new uuid the draft takes if it has no key yet.
    Submit {
        fresh_key: String,
    },
    /// `Ticketbooth.openTicket(...)` from the host page.
    Prefill {
        subject: String,
        description: String,
        transcript: Vec<TranscriptEntry>,
    },
    /// `Ticketbooth.identify({name, email})`: name and email the host passes on (unsigned).
    Identify(Contact),
    /// `Ticketbooth.identify(jwt)`: the visitor as the site's backend signed them.
    IdentifySigned(String),
    Sent(SendOutcome),
    Online,
    Offline,
    TicketsLoaded(Option<Vec<TicketRow>>),
    /// A reply carried a renewed visitor token: it replaces the stored one.
    TokenRenewed(String),
    /// Typing in the chat's composer.
    ChatEdited(String),
    /// The composer's Send, or Enter; `fresh_key` is the message's Idempotency-Key.
    ChatSubmit {
        fresh_key: String,
    },
    /// `Ticketbooth.send(text)` from the host page: the text goes out as if typed.
    HostSend {
        text: String,
        fresh_key: String,
    },
    /// "Retry" on a message that was not sent.
    ChatRetry,
    /// Typing in the chat's contact form (asked for by the bot).
    ChatContactEdited(Contact),
    ChatContactSubmitted,
    /// The server's answer to the chat's contact form.
    ChatContactGiven(ContactResult),
    /// "Talk to a person" pressed.
    ChatEscalate,
    /// The server's answer to it: whether it was reached.
    ChatEscalated(bool),
    /// The answer to starting a conversation: its id, or `None` when there was no answer.
    ConversationStarted(Option<String>),
    MessageSent {
        key: String,
        result: SendResult,
    },
    MessagesRead {
        conversation: String,
        result: ReadResult,
    },
    /// A message the live room pushed.
    LiveMessage(Line),
    /// A typing frame from the live room: the bot's reply so far.
    Typing {
        name: Option<String>,
        text: String,
    },
    /// The conversation's WebSocket opened.
    LiveUp(String),
    /// The conversation's WebSocket closed, or could not open.
    LiveDown(String),
    /// The polling timer: read what is new when no socket brings it.
    Poll,
    /// A row of "My tickets": its thread.
    OpenThread(String),
    ThreadLoaded {
        id: String,
        comments: Option<Vec<ThreadComment>>,
    },
    ThreadEdited(String),
    ThreadSubmit {
        fresh_key: String,
    },
    ThreadReplied {
        id: String,
        outcome: ReplyOutcome,
    },
    /// Turnstile's script has loaded: the check can be drawn.
    HumanScriptLoaded,
    /// Turnstile's `callback`: the visitor passed, with this token.
    HumanPassed(String),
    /// Turnstile's `expired-callback` or `error-callback`: the token is gone.
    HumanLost,
}

/// What `app.rs` must do after an update (the view is always re-rendered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    SaveDraft,
    ClearDraft,
    SaveContact,
    /// POST the draft (with its key, the contact and the stored token).
    Send,
    SaveToken(String),
    FetchTickets,
    /// Dispatch `ticketbooth:ticket-created` on the host page.
    Announce {
        code: String,
    },
    /// Move focus into the panel (its current screen's first control).
    FocusPanel,
    /// Give focus back to where it was before the panel opened.
    RestoreFocus,
    /// Focus the first field with an error.
    FocusError,
    /// Talk to the chat API or keep the chat in storage (`chat.rs`).
    Chat(ChatEffect),
    /// Dispatch `ticketbooth:message` on the host page, for a message that arrived.
    AnnounceMessage {
        author: AuthorKind,
        text: String,
    },
    /// Dispatch `ticketbooth:unread` with the launcher's count.
    AnnounceUnread(u32),
    /// Store `State::seen`.
    SaveSeen,
    FetchThread {
        id: String,
    },
    /// POST the reply under its key.
    SendReply {
        id: String,
        key: String,
        body: String,
    },
    /// Load Turnstile's script if it is not loaded, then draw the check in the ticket form
    /// (or reset it, for a fresh token).
    RenderHumanCheck,
}

impl State {
    /// The state at mount, from what localStorage held.
    pub fn new(
        contact: Option<Contact>,
        draft: Draft,
        has_token: bool,
        online: bool,
    ) -> (State, Vec<Effect>) {
        let queued = draft.queued;
        let state = State {
            open: false,
            screen: Screen::Home,
            contact_input: contact.clone().unwrap_or_default(),
            contact,
            draft,
            errors: Vec::new(),
            notice: if queued { Notice::Queued } else { Notice::None },
            sending: false,
            online,
            has_token,
            identity: None,
            tickets: Tickets::Stale,
            config: None,
            chat: Chat::new(Saved::default()),
            unread: 0,
            thread: Thread::default(),
            human: HumanCheck::default(),
            seen: Vec::new(),
        };
        let mut effects = Vec::new();
        let mut state = state;
        if has_token {
            // A team reply since the last visit marks the launcher before the panel opens.
            state.tickets = Tickets::Loading;
            effects.push(Effect::FetchTickets);
        }
        if queued && online {
            state.sending = true;
            effects.push(Effect::Send);
        }
        (state, effects)
    }

    /// The chat as localStorage held it: its history is read and its outbox sent.
    pub fn restore_chat(&mut self, saved: Saved) -> Vec<Effect> {
        self.chat = Chat::new(saved);
        let fx = self.chat.on_mount(self.online);
        fx.into_iter().map(Effect::Chat).collect()
    }

    /// Where "Open a ticket" leads: the contact prompt when the site wants a contact and none
    /// is known, else the form.
    fn ticket_entry(&self) -> Screen {
        let required = self.config.as_ref().is_some_and(|c| c.contact_required);
        if required && self.contact.is_none() && self.identity.is_none() {
            Screen::Contact
        } else {
            Screen::Form
        }
    }

    pub fn error_for(&self, field: Field) -> Option<&Problem> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, p)| p)
    }

    /// "Please check the highlighted fields." goes once no field is highlighted any more.
    fn settle_notice(&mut self) {
        if self.errors.is_empty() && self.notice == Notice::FixFields {
            self.notice = Notice::None;
        }
    }

    /// The row of "My tickets" a thread belongs to.
    pub fn thread_row(&self, id: &str) -> Option<&TicketRow> {
        match &self.tickets {
            Tickets::Loaded(rows) => rows.iter().find(|r| r.id == id),
            _ => None,
        }
    }

    /// The site's Turnstile, when its config names one.
    pub fn turnstile(&self) -> Option<&Turnstile> {
        self.config.as_ref().and_then(|c| c.turnstile.as_ref())
    }

    /// A team reply arrived on this ticket since the visitor last opened its thread.
    pub fn is_unread(&self, row: &TicketRow) -> bool {
        let seen = self.seen.iter().find(|(id, _)| *id == row.id);
        row.latest_reply > seen.map(|(_, r)| *r)
    }

    /// The launcher's count: chat messages that arrived while the panel was closed, and the
    /// tickets with an unread reply (nothing while the panel is open).
    pub fn badge(&self) -> u32 {
        if self.open {
            return 0;
        }
        let tickets = match &self.tickets {
            Tickets::Loaded(rows) => rows.iter().filter(|r| self.is_unread(r)).count(),
            _ => 0,
        };
        self.unread + tickets as u32
    }

    /// Ticketing is off for this site (known only once the config is in).
    pub fn disabled(&self) -> bool {
        self.config.as_ref().is_some_and(|c| !c.enabled)
    }
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = step(state, msg);
    // The human check is drawn when the form is first shown (whichever message led there),
    // not at config time: its token lives 300 s, and a visitor who never opens the form
    // never loads Turnstile.
    if state.screen == Screen::Form && state.turnstile().is_some() && !state.human.rendered {
        state.human.rendered = true;
        fx.push(Effect::RenderHumanCheck);
    }
    fx
}

fn step(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Toggle => {
            return step(state, if state.open { Msg::Close } else { Msg::Open });
        }
        Msg::Show => {
            let mut fx = step(state, Msg::Open);
            fx.retain(|e| *e != Effect::FocusPanel);
            return fx;
        }
        Msg::Open => {
            if !state.open {
                let badge = state.badge();
                state.open = true;
                state.unread = 0;
                if badge > 0 {
                    fx.push(Effect::AnnounceUnread(0));
                }
                if state.screen == Screen::Tickets {
                    fx.push(Effect::FetchTickets);
                    state.tickets = Tickets::Loading;
                }
            }
            fx.push(Effect::FocusPanel);
        }
        Msg::Close => {
            if state.open {
                state.open = false;
                if matches!(state.screen, Screen::Done { .. }) {
                    state.screen = Screen::Home;
                }
                fx.push(Effect::RestoreFocus);
                // Tickets whose thread the visitor did not open stay on the launcher.
                if state.badge() > 0 {
                    fx.push(Effect::AnnounceUnread(state.badge()));
                }
            }
        }
        Msg::ConfigLoaded(config) => {
            state.config = Some(config);
            // A visitor quicker than the config reply opened the form before the site said
            // it wants a contact: ask for it now rather than have the server refuse the send.
            if state.screen == Screen::Form && state.ticket_entry() == Screen::Contact {
                state.screen = Screen::Contact;
                state.errors.clear();
                state.settle_notice();
                if state.open {
                    fx.push(Effect::FocusPanel);
                }
            }
        }
        Msg::StartTicket => {
            if !state.disabled() {
                if !state.draft.queued
                    && let Some(id) = state.chat.id.clone()
                {
                    // From the chat: the ticket takes the conversation's transcript, and its
                    // subject starts as the visitor's first message (editable).
                    if state.draft.subject.is_empty()
                        && let Some(first) = state
                            .chat
                            .lines
                            .iter()
                            .find(|l| l.author == AuthorKind::Visitor)
                    {
                        state.draft.subject = subject_from(&first.text);
                    }
                    state.draft.conversation = Some(id);
                    fx.push(Effect::SaveDraft);
                }
                state.screen = state.ticket_entry();
                state.errors.clear();
                if !matches!(state.notice, Notice::Queued) {
                    state.notice = Notice::None;
                }
                fx.push(Effect::FocusPanel);
            }
        }
        Msg::ShowTickets => {
            state.screen = Screen::Tickets;
            state.tickets = Tickets::Loading;
            fx.push(Effect::FetchTickets);
            fx.push(Effect::FocusPanel);
        }
        Msg::Back if matches!(state.screen, Screen::Thread { .. }) => {
            // Back to the list, fresh: a reply may have moved the ticket's status.
            state.screen = Screen::Tickets;
            state.tickets = Tickets::Loading;
            fx.push(Effect::FetchTickets);
            fx.push(Effect::FocusPanel);
        }
        Msg::Back => {
            state.screen = Screen::Home;
            state.errors.clear();
            state.settle_notice();
            fx.push(Effect::FocusPanel);
        }
        Msg::ContactEdited(input) => {
            // A field the visitor changes loses its error (as the ticket form's do).
            let old = std::mem::replace(&mut state.contact_input, input);
            let new = &state.contact_input;
            let (name, email) = (old.name != new.name, old.email != new.email);
            state.errors.retain(|(f, _)| match f {
                Field::Name => !name,
                Field::Email => !email,
                _ => true,
            });
            state.settle_notice();
        }
        Msg::ContactSubmitted => {
            let Contact { name, email } = &state.contact_input;
            // `Email::check`, not `parse`: same verdict, without Unicode's case tables (the
            // server normalizes the address).
            let parsed = (RequesterName::parse(name), Email::check(email));
            state.errors.clear();
            match parsed {
                (Ok(name), Ok(())) => {
                    let contact = Contact {
                        name: name.as_ref().to_owned(),
                        email: email.trim().to_owned(),
                    };
                    state.contact_input = contact.clone();
                    state.contact = Some(contact);
                    state.notice = Notice::None;
                    state.screen = Screen::Form;
                    fx.push(Effect::SaveContact);
                    fx.push(Effect::FocusPanel);
                }
                (name, email) => {
                    if let Err(e) = name {
                        state.errors.push((Field::Name, Problem::Local(e)));
                    }
                    if let Err(e) = email {
                        state.errors.push((Field::Email, Problem::Local(e)));
                    }
                    state.notice = Notice::FixFields;
                    fx.push(Effect::FocusError);
                }
            }
        }
        Msg::DraftEdited {
            subject,
            description,
        } => {
            if !state.draft.queued && !state.sending {
                state.draft.subject = subject;
                state.draft.description = description;
                state
                    .errors
                    .retain(|(f, _)| !matches!(f, Field::Subject | Field::Description));
                state.settle_notice();
                fx.push(Effect::SaveDraft);
            }
        }
        Msg::Submit { fresh_key } => {
            if state.sending || state.disabled() {
                return fx;
            }
            if !state.draft.queued {
                state.errors.clear();
                for f in [Field::Subject, Field::Description] {
                    let raw = if f == Field::Subject {
                        &state.draft.subject
                    } else {
                        &state.draft.description
                    };
                    if let Err(e) = f.check(raw) {
                        state.errors.push((f, Problem::Local(e)));
                    }
                }
                if !state.errors.is_empty() {
                    state.notice = Notice::FixFields;
                    fx.push(Effect::FocusError);
                    return fx;
                }
                // Without a token the server can only refuse (`turnstile_required`).
                if state.turnstile().is_some() && state.human.token.is_none() {
                    state.notice = Notice::HumanCheck;
                    return fx;
                }
            }
            if state.draft.key.is_none() {
                state.draft.key = Some(fresh_key);
            }
            state.sending = true;
            state.notice = if state.draft.queued {
                Notice::Queued
            } else {
                Notice::None
            };
            fx.push(Effect::SaveDraft);
            fx.push(Effect::Send);
        }
        Msg::Prefill {
            subject,
            description,
            transcript,
        } => {
            if !state.draft.queued && !state.sending {
                state.draft.subject = subject;
                state.draft.description = description;
                state.draft.transcript = transcript;
                state
                    .errors
                    .retain(|(f, _)| !matches!(f, Field::Subject | Field::Description));
                fx.push(Effect::SaveDraft);
            }
            if !state.disabled() {
                state.screen = state.ticket_entry();
                // The errors of the screen left behind are not shown on the new one.
                let screen = state.screen.clone();
                state.errors.retain(|(f, _)| f.screen() == screen);
            }
            state.settle_notice();
            state.open = true;
            fx.push(Effect::FocusPanel);
        }
        Msg::Identify(contact) => {
            if Field::Name.check(&contact.name).is_ok()
                && Field::Email.check(&contact.email).is_ok()
            {
                state.contact_input = contact.clone();
                state.contact = Some(contact);
                // The host vouched for both: nothing is left to fix in the contact prompt.
                state
                    .errors
                    .retain(|(f, _)| !matches!(f, Field::Name | Field::Email));
                state.settle_notice();
                fx.push(Effect::SaveContact);
                if state.screen == Screen::Contact {
                    state.screen = Screen::Form;
                }
            }
        }
        Msg::IdentifySigned(token) => {
            state.identity = Some(token);
            if state.screen == Screen::Contact {
                state.screen = Screen::Form;
            }
        }
        Msg::Sent(outcome) => {
            state.sending = false;
            match outcome {
                SendOutcome::Created { code, token } => {
                    let from_chat = state.draft.conversation.is_some();
                    // The token is spent: the next ticket's form draws a fresh check.
                    state.human = HumanCheck::default();
                    state.draft = Draft::default();
                    state.errors.clear();
                    state.notice = Notice::None;
                    state.tickets = Tickets::Stale;
                    // From the chat, the ticket shows as a card in the conversation (the
                    // server's system message): back to it, and read the card now.
                    state.screen = if from_chat {
                        Screen::Home
                    } else {
                        Screen::Done { code: code.clone() }
                    };
                    fx.push(Effect::ClearDraft);
                    fx.extend(state.chat.read().into_iter().map(Effect::Chat));
                    if let Some(token) = token {
                        state.has_token = true;
                        fx.push(Effect::SaveToken(token));
                    }
                    fx.push(Effect::Announce { code });
                    if state.open {
                        fx.push(Effect::FocusPanel);
                    }
                }
                SendOutcome::Invalid(fields) => {
                    state.draft.queued = false;
                    state.errors.clear();
                    for (key, message) in fields {
                        if key == field::TRANSCRIPT {
                            // The host page's transcript: the visitor can neither see nor fix
                            // it, so it is dropped and the next send goes without it.
                            state.draft.transcript.clear();
                        }
                        let Some(f) = Field::from_wire_key(&key) else {
                            continue;
                        };
                        let raw = match f {
                            Field::Name => state.contact.as_ref().map(|c| c.name.as_str()),
                            Field::Email => state.contact.as_ref().map(|c| c.email.as_str()),
                            Field::Subject => Some(state.draft.subject.as_str()),
                            Field::Description => Some(state.draft.description.as_str()),
                        };
                        let problem = match f.check(raw.unwrap_or("")) {
                            Err(e) => Problem::Local(e),
                            Ok(()) => Problem::Server(message),
                        };
                        state.errors.push((f, problem));
                    }
                    if state.errors.is_empty() {
                        // Nothing the visitor could fix is highlighted: say it was refused
                        // rather than "check the highlighted fields".
                        state.notice = Notice::Refused("validation_failed".into());
                        state.screen = Screen::Form;
                        fx.push(Effect::SaveDraft);
                        return fx;
                    }
                    // A refused name or email is fixed in the contact prompt.
                    if state.error_for(Field::Name).is_some()
                        || state.error_for(Field::Email).is_some()
                    {
                        state.contact = None;
                        state.screen = Screen::Contact;
                    } else {
                        state.screen = Screen::Form;
                    }
                    state.notice = Notice::FixFields;
                    fx.push(Effect::SaveDraft);
                    fx.push(Effect::FocusError);
                }
                SendOutcome::Refused(code) => {
                    state.draft.queued = false;
                    if code == "idempotency_key_reused" {
                        // The key is burnt (another body went out under it, e.g. a lost
                        // answer, then `identify()` changed the requester): resending it can
                        // only be refused again. The next send mints a fresh one.
                        state.draft.key = None;
                    }
                    if let (true, Some(c)) = (code == "ticketing_disabled", state.config.as_mut()) {
                        c.enabled = false;
                    }
                    if code == "not_found" {
                        // The conversation expired meanwhile: the ticket goes out on its own.
                        state.draft.conversation = None;
                        state.draft.key = None;
                    }
                    if code == "identity_invalid" {
                        // Expired or refused: the visitor can still give name and email.
                        state.identity = None;
                        state.draft.key = None;
                        state.screen = state.ticket_entry();
                    }
                    // siteverify refused the token, or it went out under a key now dropped
                    // (spent, and a fresh key cannot replay its verdict): a fresh check.
                    if state.human.token.is_some()
                        && (code.starts_with("turnstile_") || state.draft.key.is_none())
                    {
                        state.human.token = None;
                        fx.push(Effect::RenderHumanCheck);
                    }
                    state.notice = Notice::Refused(code);
                    fx.push(Effect::SaveDraft);
                }
                SendOutcome::Unreachable => {
                    state.draft.queued = true;
                    state.notice = Notice::Queued;
                    fx.push(Effect::SaveDraft);
                }
            }
        }
        Msg::Online => {
            state.online = true;
            if state.draft.queued && !state.sending {
                state.sending = true;
                fx.push(Effect::Send);
            }
            fx.extend(state.chat.on_resume().into_iter().map(Effect::Chat));
        }
        Msg::Offline => state.online = false,
        Msg::TicketsLoaded(rows) => {
            let badge = state.badge();
            state.tickets = match rows {
                Some(rows) => Tickets::Loaded(rows),
                None => Tickets::Failed,
            };
            if state.badge() != badge {
                fx.push(Effect::AnnounceUnread(state.badge()));
            }
        }
        Msg::TokenRenewed(token) => {
            state.has_token = true;
            fx.push(Effect::SaveToken(token));
        }
        Msg::ChatEdited(text) => state.chat.on_input(text),
        Msg::ChatSubmit { fresh_key } => {
            let chat = state.chat.on_submit(fresh_key, state.online);
            fx.extend(chat.into_iter().map(Effect::Chat));
        }
        Msg::HostSend { text, fresh_key } => {
            // The composer keeps what the visitor was typing.
            // A text the page passes that the rules refuse is the page's bug: nothing is sent
            // and nothing is shown to the visitor.
            let typing = std::mem::replace(&mut state.chat.input, text);
            let problem = state.chat.problem.take();
            let chat = state.chat.on_submit(fresh_key, state.online);
            state.chat.input = typing;
            state.chat.problem = problem;
            fx.extend(chat.into_iter().map(Effect::Chat));
        }
        Msg::ChatContactEdited(input) => state.chat.on_contact_input(input.name, input.email),
        Msg::ChatContactSubmitted => {
            fx.extend(state.chat.on_contact_submit().into_iter().map(Effect::Chat));
        }
        Msg::ChatEscalate => fx.extend(state.chat.on_escalate().into_iter().map(Effect::Chat)),
        Msg::ChatEscalated(reached) => {
            fx.extend(
                state
                    .chat
                    .on_escalated(reached)
                    .into_iter()
                    .map(Effect::Chat),
            );
        }
        Msg::ChatContactGiven(result) => {
            let kept = result == ContactResult::Kept;
            fx.extend(
                state
                    .chat
                    .on_contact_given(result)
                    .into_iter()
                    .map(Effect::Chat),
            );
            if kept {
                // Known from now on, as the contact prompt's: the ticket form starts with it.
                let form = &state.chat.contact;
                let contact = Contact {
                    name: form.name.trim().to_owned(),
                    email: form.email.trim().to_owned(),
                };
                state.contact_input = contact.clone();
                state.contact = Some(contact);
                fx.push(Effect::SaveContact);
                // The form leaves the list: focus goes back to the composer, not the page.
                if state.screen == Screen::Home {
                    fx.push(Effect::FocusPanel);
                }
            }
        }
        Msg::ChatRetry => {
            fx.extend(state.chat.on_resume().into_iter().map(Effect::Chat));
        }
        Msg::ConversationStarted(id) => {
            fx.extend(state.chat.on_started(id).into_iter().map(Effect::Chat));
        }
        Msg::MessageSent { key, result } => {
            fx.extend(
                state
                    .chat
                    .on_sent(&key, result)
                    .into_iter()
                    .map(Effect::Chat),
            );
        }
        Msg::MessagesRead {
            conversation,
            result,
        } => {
            let known = state.chat.lines.len();
            fx.extend(
                state
                    .chat
                    .on_read(&conversation, result)
                    .into_iter()
                    .map(Effect::Chat),
            );
            announce_new(state, known, &mut fx);
        }
        Msg::LiveMessage(line) => {
            let known = state.chat.lines.len();
            fx.extend(state.chat.on_live(line).into_iter().map(Effect::Chat));
            announce_new(state, known, &mut fx);
        }
        Msg::Typing { name, text } => state.chat.on_typing(name, text),
        Msg::LiveUp(id) => fx.extend(state.chat.on_live_up(&id).into_iter().map(Effect::Chat)),
        Msg::LiveDown(id) => fx.extend(state.chat.on_live_down(&id).into_iter().map(Effect::Chat)),
        Msg::Poll => {
            fx.extend(state.chat.on_tick().into_iter().map(Effect::Chat));
        }
        Msg::OpenThread(id) => {
            if let Tickets::Loaded(rows) = &state.tickets
                && let Some(row) = rows.iter().find(|r| r.id == id)
            {
                if let Some(reply) = row.latest_reply {
                    // Seen; and what the list no longer shows is forgotten.
                    state
                        .seen
                        .retain(|(t, _)| *t != id && rows.iter().any(|r| r.id == *t));
                    state.seen.push((id.clone(), reply));
                    fx.push(Effect::SaveSeen);
                }
                state.screen = Screen::Thread { id: id.clone() };
                state.thread = Thread::default();
                fx.push(Effect::FetchThread { id });
                fx.push(Effect::FocusPanel);
            }
        }
        Msg::ThreadLoaded { id, comments } => {
            if state.screen == (Screen::Thread { id }) {
                state.thread.failed = comments.is_none();
                state.thread.comments = comments;
            }
        }
        Msg::ThreadEdited(text) => {
            if !state.thread.sending {
                state.thread.reply = text;
                state.thread.notice = None;
            }
        }
        Msg::ThreadSubmit { fresh_key } => {
            if let Screen::Thread { id } = &state.screen
                && !state.thread.sending
                && !state.thread.reply.trim().is_empty()
            {
                let key = state.thread.key.get_or_insert(fresh_key).clone();
                state.thread.sending = true;
                state.thread.notice = None;
                fx.push(Effect::SendReply {
                    id: id.clone(),
                    key,
                    body: state.thread.reply.clone(),
                });
            }
        }
        Msg::ThreadReplied { id, outcome } => {
            if state.screen != (Screen::Thread { id: id.clone() }) {
                return fx;
            }
            state.thread.sending = false;
            match outcome {
                ReplyOutcome::Done(comment, status) => {
                    state.thread.reply.clear();
                    state.thread.key = None;
                    state.thread.comments.get_or_insert_default().push(comment);
                    if let Tickets::Loaded(rows) = &mut state.tickets
                        && let Some(row) = rows.iter_mut().find(|r| r.id == id)
                    {
                        row.status = status;
                        // The server's rule: a reply hands a ticket waiting on them back to
                        // the team.
                        row.waiting_for_you = false;
                    }
                }
                ReplyOutcome::Refused(code) => {
                    if code == "idempotency_key_reused" {
                        state.thread.key = None;
                    }
                    if code == "ticket_closed"
                        && let Tickets::Loaded(rows) = &mut state.tickets
                        && let Some(row) = rows.iter_mut().find(|r| r.id == id)
                    {
                        row.status = Status::Closed;
                    }
                    state.thread.notice = Some(code);
                }
                ReplyOutcome::Unreachable => state.thread.notice = Some("unreachable".into()),
            }
        }
        Msg::HumanScriptLoaded => {
            if state.human.rendered {
                fx.push(Effect::RenderHumanCheck);
            }
        }
        Msg::HumanPassed(token) => {
            state.human.token = Some(token);
            let refused =
                matches!(&state.notice, Notice::Refused(c) if c.starts_with("turnstile_"));
            if refused || state.notice == Notice::HumanCheck {
                state.notice = Notice::None;
            }
        }
        Msg::HumanLost => {
            // Expired or failed: the submit says so, and the check is drawn again. A queued
            // draft keeps its own line (it went out with its token under its key).
            state.human.token = None;
            if state.notice != Notice::Queued {
                state.notice = Notice::HumanCheck;
            }
            fx.push(Effect::RenderHumanCheck);
        }
    }
    fx
}

/// A subject from the visitor's first message: its first line, cut to the subject's limit on
/// a character boundary.
fn subject_from(text: &str) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    first.chars().take(Subject::MAX_CHARS).collect()
}

/// `ticketbooth:message` for each message the list gained that someone else wrote (the
/// visitor's own are announced by nobody: the page knows what it sent).
fn announce_new(state: &mut State, known: usize, fx: &mut Vec<Effect>) {
    // A contact given earlier (the prompt, the host's `identify`) fills the chat's form.
    if let Some(c) = &state.contact {
        state.chat.prefill_contact(&c.name, &c.email);
    }
    if state.chat.lines.len() <= known {
        return;
    }
    // New lines are the newest ones unless a gap was filled; either way, those past the
    // count known before are at most the ones that arrived.
    let arrived = state.chat.lines.len() - known;
    let mut news = 0;
    for line in state.chat.lines.iter().rev().take(arrived).rev() {
        if line.author != AuthorKind::Visitor {
            news += 1;
            fx.push(Effect::AnnounceMessage {
                author: line.author,
                text: line.text.clone(),
            });
        }
    }
    if news > 0 && !state.open {
        state.unread += news;
        fx.push(Effect::AnnounceUnread(state.badge()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, FR};
    use ticketbooth_shared::api::TranscriptAuthor;

    fn fresh() -> State {
        State::new(None, Draft::default(), false, true).0
    }

    fn with_config(contact_required: bool) -> State {
        let mut s = fresh();
        update(
            &mut s,
            Msg::ConfigLoaded(Config {
                enabled: true,
                contact_required,
                cta_label: "Open a ticket".into(),
                turnstile: None,
            }),
        );
        s
    }

    fn type_draft(s: &mut State, subject: &str, description: &str) {
        update(
            s,
            Msg::DraftEdited {
                subject: subject.into(),
                description: description.into(),
            },
        );
    }

    fn submit(s: &mut State) -> Vec<Effect> {
        update(
            s,
            Msg::Submit {
                fresh_key: "key-00000001".into(),
            },
        )
    }

    #[test]
    fn toggle_opens_and_closes_and_gives_focus_back() {
        let mut s = fresh();
        assert_eq!(update(&mut s, Msg::Toggle), vec![Effect::FocusPanel]);
        assert!(s.open);
        assert_eq!(update(&mut s, Msg::Toggle), vec![Effect::RestoreFocus]);
        assert!(!s.open);
        assert_eq!(
            update(&mut s, Msg::Close),
            vec![],
            "closing twice does nothing"
        );
    }

    #[test]
    fn open_on_load_does_not_take_focus_from_the_page() {
        let mut s = fresh();
        assert_eq!(update(&mut s, Msg::Show), vec![]);
        assert!(s.open);
    }

    #[test]
    fn the_cta_asks_for_contact_only_when_required_and_unknown() {
        let mut s = with_config(false);
        update(&mut s, Msg::StartTicket);
        assert_eq!(s.screen, Screen::Form);

        let mut s = with_config(true);
        update(&mut s, Msg::StartTicket);
        assert_eq!(s.screen, Screen::Contact);

        update(
            &mut s,
            Msg::Identify(Contact {
                name: "Ada".into(),
                email: "ada@example.com".into(),
            }),
        );
        assert_eq!(
            s.screen,
            Screen::Form,
            "an identified visitor skips the prompt"
        );
    }

    #[test]
    fn a_config_that_arrives_after_the_click_still_asks_for_the_contact() {
        let mut s = fresh();
        update(&mut s, Msg::StartTicket);
        assert_eq!(
            s.screen,
            Screen::Form,
            "no config yet: straight to the form"
        );
        s.open = true;
        let fx = update(
            &mut s,
            Msg::ConfigLoaded(Config {
                enabled: true,
                contact_required: true,
                cta_label: "Open a ticket".into(),
                turnstile: None,
            }),
        );
        assert_eq!(s.screen, Screen::Contact);
        assert_eq!(
            fx,
            vec![Effect::FocusPanel],
            "focus moves to the name field"
        );
    }

    #[test]
    fn a_signed_identity_skips_the_prompt_until_the_server_refuses_it() {
        let mut s = with_config(true);
        update(&mut s, Msg::StartTicket);
        assert_eq!(s.screen, Screen::Contact);
        update(
            &mut s,
            Msg::IdentifySigned("header.payload.signature".into()),
        );
        assert_eq!(
            s.screen,
            Screen::Form,
            "the signed visitor skips the prompt"
        );
        assert!(
            s.contact.is_none(),
            "the server takes name and email from the token"
        );
        type_draft(&mut s, "Refund", "Order 12");
        assert_eq!(submit(&mut s), vec![Effect::SaveDraft, Effect::Send]);
        // Expired: the visitor gives name and email instead, under a fresh key.
        update(
            &mut s,
            Msg::Sent(SendOutcome::Refused("identity_invalid".into())),
        );
        assert_eq!(s.identity, None);
        assert_eq!(s.draft.key, None);
        assert_eq!(s.screen, Screen::Contact);
        assert_eq!(s.draft.subject, "Refund", "the draft is kept");
    }

    #[test]
    fn the_contact_prompt_validates_with_the_server_rules() {
        let mut s = with_config(true);
        update(&mut s, Msg::StartTicket);
        update(
            &mut s,
            Msg::ContactEdited(Contact {
                name: " ".into(),
                email: "ada@localhost".into(),
            }),
        );
        let fx = update(&mut s, Msg::ContactSubmitted);
        assert_eq!(fx, vec![Effect::FocusError]);
        assert_eq!(s.screen, Screen::Contact);
        assert_eq!(
            s.errors,
            vec![
                (Field::Name, Problem::Local(FieldError::Required)),
                (Field::Email, Problem::Local(FieldError::InvalidEmail)),
            ]
        );
        assert_eq!(s.notice, Notice::FixFields);
        // Correcting the name clears its error only; the summary stays while one remains.
        update(
            &mut s,
            Msg::ContactEdited(Contact {
                name: " Ada ".into(),
                email: "ada@localhost".into(),
            }),
        );
        assert_eq!(
            s.errors,
            vec![(Field::Email, Problem::Local(FieldError::InvalidEmail))]
        );
        assert_eq!(s.notice, Notice::FixFields);
        update(
            &mut s,
            Msg::ContactEdited(Contact {
                name: " Ada ".into(),
                email: "Ada@Example.COM".into(),
            }),
        );
        assert!(s.errors.is_empty());
        assert_eq!(s.notice, Notice::None, "no field left to check: no summary");
        let fx = update(&mut s, Msg::ContactSubmitted);
        assert_eq!(fx, vec![Effect::SaveContact, Effect::FocusPanel]);
        assert_eq!(s.screen, Screen::Form);
        assert!(s.errors.is_empty());
        assert_eq!(
            s.contact,
            Some(Contact {
                name: "Ada".into(),
                email: "Ada@Example.COM".into()
            })
        );
    }

    #[test]
    fn an_invalid_form_is_not_sent() {
        let mut s = with_config(false);
        update(&mut s, Msg::StartTicket);
        type_draft(&mut s, "   ", "");
        assert_eq!(submit(&mut s), vec![Effect::FocusError]);
        assert!(!s.sending);
        assert_eq!(
            s.draft.key, None,
            "no key is minted for a draft that is not sent"
        );
        assert_eq!(
            s.error_for(Field::Subject),
            Some(&Problem::Local(FieldError::Required))
        );
        assert_eq!(s.notice, Notice::FixFields);
        type_draft(&mut s, "Printer on fire", "");
        assert!(s.errors.is_empty(), "editing clears the form's errors");
        assert_eq!(s.notice, Notice::None, "and the summary line with them");
    }

    #[test]
    fn a_created_ticket_clears_the_draft_and_announces_its_code() {
        let mut s = with_config(false);
        update(&mut s, Msg::Open);
        update(&mut s, Msg::StartTicket);
        type_draft(&mut s, "Printer on fire", "Since Monday");
        assert_eq!(submit(&mut s), vec![Effect::SaveDraft, Effect::Send]);
        assert!(s.sending);
        assert_eq!(s.draft.key.as_deref(), Some("key-00000001"));
        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Created {
                code: "TKT-1".into(),
                token: Some("tok".into()),
            }),
        );
        assert_eq!(
            fx,
            vec![
                Effect::ClearDraft,
                Effect::SaveToken("tok".into()),
                Effect::Announce {
                    code: "TKT-1".into()
                },
                Effect::FocusPanel,
            ]
        );
        assert_eq!(
            s.screen,
            Screen::Done {
                code: "TKT-1".into()
            }
        );
        assert!(s.draft.is_empty());
        assert!(s.has_token);
    }

    #[test]
    fn an_unreachable_server_queues_the_draft_and_online_sends_it_once_with_the_same_key() {
        let mut s = with_config(false);
        update(&mut s, Msg::StartTicket);
        type_draft(&mut s, "Printer on fire", "");
        submit(&mut s);
        update(&mut s, Msg::Offline);
        update(&mut s, Msg::Sent(SendOutcome::Unreachable));
        assert!(s.draft.queued);
        assert_eq!(s.notice, Notice::Queued);
        assert!(!s.sending);

        type_draft(&mut s, "Something else", "");
        assert_eq!(
            s.draft.subject, "Printer on fire",
            "a queued draft is frozen"
        );

        assert_eq!(update(&mut s, Msg::Online), vec![Effect::Send]);
        assert!(s.sending);
        assert_eq!(update(&mut s, Msg::Online), vec![], "one send at a time");
        // A press on Send while queued resends with the same key, never a new one.
        update(&mut s, Msg::Sent(SendOutcome::Unreachable));
        update(
            &mut s,
            Msg::Submit {
                fresh_key: "another-key-2".into(),
            },
        );
        assert_eq!(s.draft.key.as_deref(), Some("key-00000001"));
    }

    #[test]
    fn a_queued_draft_goes_out_at_mount_when_online() {
        let draft = Draft {
            subject: "Printer on fire".into(),
            key: Some("key-00000001".into()),
            queued: true,
            ..Draft::default()
        };
        let (s, fx) = State::new(None, draft.clone(), false, true);
        assert_eq!(fx, vec![Effect::Send]);
        assert!(s.sending);
        let (s, fx) = State::new(None, draft, false, false);
        assert_eq!(fx, vec![]);
        assert_eq!(s.notice, Notice::Queued);
    }

    #[test]
    fn server_field_errors_land_next_to_their_fields() {
        let mut s = with_config(false);
        update(&mut s, Msg::StartTicket);
        type_draft(&mut s, "Fine", "");
        submit(&mut s);
        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Invalid(vec![
                ("subject".into(), "Not on this site.".into()),
                ("unknown".into(), "ignored".into()),
            ])),
        );
        assert_eq!(fx, vec![Effect::SaveDraft, Effect::FocusError]);
        assert_eq!(s.screen, Screen::Form);
        assert_eq!(
            s.errors,
            vec![(Field::Subject, Problem::Server("Not on this site.".into()))]
        );
        assert_eq!(
            s.draft.key.as_deref(),
            Some("key-00000001"),
            "the key stays"
        );

        // A refused email sends the visitor back to the contact prompt.
        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Invalid(vec![(
                "requester.email".into(),
                "Enter a valid email address.".into(),
            )])),
        );
        assert_eq!(fx, vec![Effect::SaveDraft, Effect::FocusError]);
        assert_eq!(s.screen, Screen::Contact);
        assert_eq!(
            s.error_for(Field::Email),
            Some(&Problem::Local(FieldError::Required)),
            "no contact known: our own rule explains it"
        );
    }

    fn with_turnstile() -> State {
        let mut s = fresh();
        update(
            &mut s,
            Msg::ConfigLoaded(Config {
                enabled: true,
                contact_required: false,
                cta_label: "Open a ticket".into(),
                turnstile: Some(Turnstile {
                    site_key: "0x4AAAAAAAsitekey".into(),
                    script_url: "https://challenges.example/api.js".into(),
                }),
            }),
        );
        s
    }

    fn fill(s: &mut State) {
        update(
            s,
            Msg::DraftEdited {
                subject: "Printer".into(),
                description: "It is on fire.".into(),
            },
        );
    }

    #[test]
    fn the_human_check_is_drawn_when_the_form_shows_and_only_for_a_site_that_asks() {
        let mut s = with_turnstile();
        assert!(
            !update(&mut s, Msg::Open).contains(&Effect::RenderHumanCheck),
            "not before the form is shown"
        );
        let fx = update(&mut s, Msg::StartTicket);
        assert!(fx.contains(&Effect::RenderHumanCheck));
        // Once: going back and forth keeps the check (and its token).
        update(&mut s, Msg::Back);
        assert!(!update(&mut s, Msg::StartTicket).contains(&Effect::RenderHumanCheck));
        // The script's load asks for the draw again.
        assert_eq!(
            update(&mut s, Msg::HumanScriptLoaded),
            vec![Effect::RenderHumanCheck]
        );

        let mut plain = with_config(false);
        assert!(!update(&mut plain, Msg::StartTicket).contains(&Effect::RenderHumanCheck));
        assert!(update(&mut plain, Msg::HumanScriptLoaded).is_empty());
    }

    #[test]
    fn a_send_waits_for_the_human_check_and_goes_out_with_its_token() {
        let mut s = with_turnstile();
        update(&mut s, Msg::StartTicket);
        fill(&mut s);
        assert!(submit(&mut s).is_empty(), "no token: nothing goes out");
        assert_eq!(s.notice, Notice::HumanCheck);
        assert!(!s.sending);

        update(&mut s, Msg::HumanPassed("pass-1".into()));
        assert_eq!(s.notice, Notice::None, "the check passed: the line goes");
        assert_eq!(submit(&mut s), vec![Effect::SaveDraft, Effect::Send]);
        assert_eq!(s.human.token.as_deref(), Some("pass-1"));

        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Created {
                code: "TKT-1".into(),
                token: None,
            }),
        );
        assert!(!fx.contains(&Effect::RenderHumanCheck));
        assert_eq!(
            s.human,
            HumanCheck::default(),
            "spent: the next form draws anew"
        );
        update(&mut s, Msg::Close);
        update(&mut s, Msg::Open);
        assert!(update(&mut s, Msg::StartTicket).contains(&Effect::RenderHumanCheck));
    }

    #[test]
    fn a_refused_or_expired_token_is_dropped_said_and_the_check_drawn_again() {
        let mut s = with_turnstile();
        update(&mut s, Msg::StartTicket);
        fill(&mut s);
        update(&mut s, Msg::HumanPassed("forged".into()));
        submit(&mut s);
        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Refused("turnstile_failed".into())),
        );
        assert!(fx.contains(&Effect::RenderHumanCheck));
        assert_eq!(s.human.token, None);
        assert_eq!(s.notice, Notice::Refused("turnstile_failed".into()));
        assert!(
            submit(&mut s).is_empty(),
            "not again with the refused token"
        );
        assert_eq!(s.notice, Notice::HumanCheck);

        update(&mut s, Msg::HumanPassed("pass-2".into()));
        let fx = update(&mut s, Msg::HumanLost);
        assert_eq!(fx, vec![Effect::RenderHumanCheck]);
        assert_eq!(s.human.token, None, "expired");
        assert_eq!(s.notice, Notice::HumanCheck, "the submit says so");

        // Another refusal that keeps the key keeps the token (a retry replays its verdict).
        update(&mut s, Msg::HumanPassed("pass-3".into()));
        submit(&mut s);
        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Refused("rate_limited".into())),
        );
        assert!(!fx.contains(&Effect::RenderHumanCheck));
        assert_eq!(s.human.token.as_deref(), Some("pass-3"));
    }

    #[test]
    fn a_disabled_site_offers_no_ticket() {
        let mut s = fresh();
        update(
            &mut s,
            Msg::ConfigLoaded(Config {
                enabled: false,
                contact_required: false,
                cta_label: String::new(),
                turnstile: None,
            }),
        );
        update(&mut s, Msg::StartTicket);
        assert_eq!(s.screen, Screen::Home);
        let mut s = with_config(false);
        update(&mut s, Msg::StartTicket);
        type_draft(&mut s, "Hi", "");
        submit(&mut s);
        update(
            &mut s,
            Msg::Sent(SendOutcome::Refused("ticketing_disabled".into())),
        );
        assert!(s.disabled());
        assert_eq!(s.notice, Notice::Refused("ticketing_disabled".into()));
    }

    #[test]
    fn prefill_opens_the_form_with_the_hosts_text() {
        let mut s = with_config(false);
        let fx = update(
            &mut s,
            Msg::Prefill {
                subject: "From chat".into(),
                description: "…".into(),
                transcript: vec![TranscriptEntry {
                    author: TranscriptAuthor::Bot,
                    text: "Hello".into(),
                }],
            },
        );
        assert_eq!(fx, vec![Effect::SaveDraft, Effect::FocusPanel]);
        assert!(s.open);
        assert_eq!(s.screen, Screen::Form);
        assert_eq!(s.draft.transcript.len(), 1);
    }

    #[test]
    fn my_tickets_are_fetched_each_time_they_are_shown() {
        let mut s = fresh();
        let fx = update(&mut s, Msg::ShowTickets);
        assert_eq!(fx, vec![Effect::FetchTickets, Effect::FocusPanel]);
        assert_eq!(s.tickets, Tickets::Loading);
        update(&mut s, Msg::TicketsLoaded(None));
        assert_eq!(s.tickets, Tickets::Failed);
        update(&mut s, Msg::Close);
        update(&mut s, Msg::Open);
        assert_eq!(
            s.tickets,
            Tickets::Loading,
            "reopening on the list refreshes it"
        );
    }

    #[test]
    fn a_renewed_token_replaces_the_stored_one() {
        let mut s = fresh();
        assert!(!s.has_token);
        let fx = update(&mut s, Msg::TokenRenewed("new".into()));
        assert_eq!(fx, vec![Effect::SaveToken("new".into())]);
        assert!(s.has_token);
    }

    fn chatting(s: &mut State) {
        use crate::chat::SendResult;
        update(
            s,
            Msg::ChatEdited("My printer is on fire\nsince Monday".into()),
        );
        update(
            s,
            Msg::ChatSubmit {
                fresh_key: "m1".into(),
            },
        );
        update(s, Msg::ConversationStarted(Some("conv1".into())));
        update(
            s,
            Msg::MessageSent {
                key: "m1".into(),
                result: SendResult::Stored(Line {
                    seq: 1,
                    author: AuthorKind::Visitor,
                    name: None,
                    text: "My printer is on fire\nsince Monday".into(),
                    at: "2026-12-07T10:00:00Z".into(),
                    ticket: None,
                    key: Some("m1".into()),
                    needs_contact: false,
                    escalated: false,
                }),
            },
        );
    }

    #[test]
    fn the_in_chat_cta_links_the_conversation_and_starts_the_subject_from_the_first_message() {
        let mut s = with_config(false);
        update(&mut s, Msg::Open);
        chatting(&mut s);
        assert_eq!(s.chat.id.as_deref(), Some("conv1"));
        update(&mut s, Msg::StartTicket);
        assert_eq!(s.screen, Screen::Form);
        assert_eq!(s.draft.subject, "My printer is on fire");
        assert_eq!(s.draft.conversation.as_deref(), Some("conv1"));
        type_draft(&mut s, "Printer fire (edited)", "");
        submit(&mut s);
        let fx = update(
            &mut s,
            Msg::Sent(SendOutcome::Created {
                code: "TKT-9".into(),
                token: None,
            }),
        );
        assert_eq!(
            s.screen,
            Screen::Home,
            "back to the chat, where the card shows"
        );
        assert!(fx.contains(&Effect::Chat(ChatEffect::Read {
            conversation: "conv1".into(),
            after: 1
        })));
        assert_eq!(s.draft.conversation, None);
    }

    #[test]
    fn a_ticket_from_an_expired_conversation_goes_out_on_its_own() {
        let mut s = with_config(false);
        chatting(&mut s);
        update(&mut s, Msg::StartTicket);
        submit(&mut s);
        update(&mut s, Msg::Sent(SendOutcome::Refused("not_found".into())));
        assert_eq!(s.draft.conversation, None);
        assert_eq!(
            s.draft.key, None,
            "a fresh key for the body without the link"
        );
        assert_eq!(submit(&mut s), vec![Effect::SaveDraft, Effect::Send]);
    }

    #[test]
    fn messages_from_others_are_announced_once_and_the_visitors_own_never() {
        let mut s = with_config(false);
        chatting(&mut s);
        let reply = Line {
            seq: 2,
            author: AuthorKind::Operator,
            name: Some("Ada".into()),
            text: "On it".into(),
            at: "2026-12-07T10:01:00Z".into(),
            ticket: None,
            key: None,
            needs_contact: false,
            escalated: false,
        };
        let fx = update(&mut s, Msg::LiveMessage(reply.clone()));
        assert_eq!(
            fx,
            vec![
                Effect::AnnounceMessage {
                    author: AuthorKind::Operator,
                    text: "On it".into()
                },
                Effect::AnnounceUnread(1),
            ]
        );
        assert_eq!(
            update(&mut s, Msg::LiveMessage(reply)),
            vec![],
            "a copy is not news"
        );
        assert_eq!(s.unread, 1, "the panel is closed: the launcher counts it");
        let fx = update(&mut s, Msg::Open);
        assert_eq!(fx, vec![Effect::AnnounceUnread(0), Effect::FocusPanel]);
        assert_eq!(s.unread, 0);
    }

    #[test]
    fn the_host_pages_send_leaves_the_composer_alone() {
        let mut s = fresh();
        update(&mut s, Msg::ChatEdited("half a tho".into()));
        let fx = update(
            &mut s,
            Msg::HostSend {
                text: "From the page".into(),
                fresh_key: "h1".into(),
            },
        );
        assert_eq!(
            fx,
            vec![
                Effect::Chat(ChatEffect::Save),
                Effect::Chat(ChatEffect::Start)
            ]
        );
        assert_eq!(s.chat.input, "half a tho");
        assert_eq!(s.chat.outbox[0].text, "From the page");
    }

    #[test]
    fn a_thread_reply_goes_once_under_one_key_and_moves_the_tickets_status() {
        let mut s = fresh();
        update(&mut s, Msg::ShowTickets);
        update(
            &mut s,
            Msg::TicketsLoaded(Some(vec![TicketRow {
                id: "t1".into(),
                code: "TKT-1".into(),
                subject: "Printer".into(),
                status: Status::Resolved,
                latest_reply: None,
                waiting_for_you: false,
            }])),
        );
        let fx = update(&mut s, Msg::OpenThread("t1".into()));
        assert_eq!(
            fx,
            vec![Effect::FetchThread { id: "t1".into() }, Effect::FocusPanel]
        );
        update(&mut s, Msg::ThreadEdited("Still broken".into()));
        let fx = update(
            &mut s,
            Msg::ThreadSubmit {
                fresh_key: "r1".into(),
            },
        );
        assert_eq!(
            fx,
            vec![Effect::SendReply {
                id: "t1".into(),
                key: "r1".into(),
                body: "Still broken".into()
            }]
        );
        assert_eq!(
            update(
                &mut s,
                Msg::ThreadSubmit {
                    fresh_key: "r2".into()
                }
            ),
            vec![],
            "one reply in flight"
        );
        update(
            &mut s,
            Msg::ThreadReplied {
                id: "t1".into(),
                outcome: ReplyOutcome::Unreachable,
            },
        );
        let fx = update(
            &mut s,
            Msg::ThreadSubmit {
                fresh_key: "r3".into(),
            },
        );
        assert!(
            matches!(&fx[..], [Effect::SendReply { key, .. }] if key == "r1"),
            "a retry keeps its key: {fx:?}"
        );
        let mine = ThreadComment {
            from_team: false,
            name: None,
            body: "Still broken".into(),
            at: "2026-12-07T10:00:00Z".into(),
        };
        update(
            &mut s,
            Msg::ThreadReplied {
                id: "t1".into(),
                outcome: ReplyOutcome::Done(mine.clone(), Status::Open),
            },
        );
        assert_eq!(s.thread.comments, Some(vec![mine]));
        assert_eq!(s.thread.reply, "");
        assert_eq!(
            s.thread_row("t1").map(|r| r.status),
            Some(Status::Open),
            "reopened"
        );
        let fx = update(&mut s, Msg::Back);
        assert_eq!(s.screen, Screen::Tickets, "back to the list, refreshed");
        assert!(fx.contains(&Effect::FetchTickets));
    }

    #[test]
    fn every_wire_key_maps_back_to_its_field() {
        for f in Field::ALL {
            assert_eq!(Field::from_wire_key(f.wire_key()), Some(f));
        }
    }

    /// The bot's `needs_contact` message, as a read brings it.
    fn asked_for_contact(s: &mut State, seq: i64) -> Vec<Effect> {
        update(
            s,
            Msg::LiveMessage(Line {
                seq,
                author: AuthorKind::System,
                name: None,
                text: "Contact details needed".into(),
                at: "2026-12-07T10:01:00Z".into(),
                ticket: None,
                key: None,
                needs_contact: true,
                escalated: false,
            }),
        )
    }

    #[test]
    fn the_chats_contact_form_checks_then_gives_the_details_and_remembers_them() {
        let mut s = with_config(true);
        chatting(&mut s);
        assert_eq!(s.chat.contact_asked(), None, "nothing asked yet");
        // Submitting with no form shown sends nothing.
        assert_eq!(update(&mut s, Msg::ChatContactSubmitted), vec![]);
        asked_for_contact(&mut s, 2);
        assert_eq!(s.chat.contact_asked(), Some(2));

        // Refused locally, with the server's rules, field by field: nothing goes out.
        update(
            &mut s,
            Msg::ChatContactEdited(Contact {
                name: " ".into(),
                email: "ann@".into(),
            }),
        );
        assert_eq!(update(&mut s, Msg::ChatContactSubmitted), vec![]);
        assert_eq!(s.chat.contact.name_error, Some(FieldError::Required));
        assert_eq!(s.chat.contact.email_error, Some(FieldError::InvalidEmail));
        // Fixing a field clears its error only.
        update(
            &mut s,
            Msg::ChatContactEdited(Contact {
                name: "  Ann ".into(),
                email: "ann@".into(),
            }),
        );
        assert_eq!(s.chat.contact.name_error, None);
        assert_eq!(s.chat.contact.email_error, Some(FieldError::InvalidEmail));
        update(
            &mut s,
            Msg::ChatContactEdited(Contact {
                name: "  Ann ".into(),
                email: " ann@example.com ".into(),
            }),
        );
        let fx = update(&mut s, Msg::ChatContactSubmitted);
        assert_eq!(
            fx,
            vec![Effect::Chat(ChatEffect::GiveContact {
                conversation: "conv1".into(),
                name: "Ann".into(),
                email: "ann@example.com".into(),
            })]
        );
        // A double click while it is in flight sends nothing more.
        assert_eq!(update(&mut s, Msg::ChatContactSubmitted), vec![]);

        // Unreachable: the form stays, says so, and can be sent again.
        update(&mut s, Msg::ChatContactGiven(ContactResult::Unreachable));
        assert_eq!(s.chat.contact.failed.as_deref(), Some("unreachable"));
        assert_eq!(s.chat.contact_asked(), Some(2));
        assert_eq!(update(&mut s, Msg::ChatContactSubmitted).len(), 1);

        // Kept: the thanks line replaces the form, remembered in storage, and the widget
        // knows the contact from now on (the ticket form's prompt is skipped).
        let fx = update(&mut s, Msg::ChatContactGiven(ContactResult::Kept));
        assert_eq!(
            fx,
            vec![
                Effect::Chat(ChatEffect::Save),
                Effect::SaveContact,
                Effect::FocusPanel
            ]
        );
        assert_eq!(s.chat.contact_asked(), None);
        assert_eq!(s.chat.saved().contact_given, Some(2));
        assert_eq!(
            s.contact,
            Some(Contact {
                name: "Ann".into(),
                email: "ann@example.com".into(),
            })
        );
        assert_eq!(s.ticket_entry(), Screen::Form);
        // A reload keeps the answer; a later question shows the form again.
        let reloaded = Chat::new(s.chat.saved());
        assert_eq!(reloaded.contact.given, Some(2));
        asked_for_contact(&mut s, 3);
        assert_eq!(s.chat.contact_asked(), Some(3));
    }

    #[test]
    fn a_contact_given_earlier_prefills_the_chats_form_without_overwriting_typing() {
        let mut s = with_config(true);
        update(
            &mut s,
            Msg::Identify(Contact {
                name: "Bea".into(),
                email: "bea@example.com".into(),
            }),
        );
        chatting(&mut s);
        asked_for_contact(&mut s, 2);
        assert_eq!(s.chat.contact.name, "Bea");
        assert_eq!(s.chat.contact.email, "bea@example.com");
        update(
            &mut s,
            Msg::ChatContactEdited(Contact {
                name: "Bea B".into(),
                email: "bea@example.com".into(),
            }),
        );
        asked_for_contact(&mut s, 3);
        assert_eq!(s.chat.contact.name, "Bea B", "what the visitor typed stays");
    }

    fn row(id: &str, latest_reply: Option<i64>) -> TicketRow {
        TicketRow {
            id: id.into(),
            code: "TKT-1".into(),
            subject: "Printer".into(),
            status: Status::Pending,
            latest_reply,
            waiting_for_you: false,
        }
    }

    #[test]
    fn a_ticket_waiting_on_the_visitor_says_so_in_their_words() {
        let mut waiting = row("t1", None);
        assert_eq!(waiting.shown_status(&EN), ("We're on it", "pending"));
        waiting.waiting_for_you = true;
        assert_eq!(
            waiting.shown_status(&EN),
            ("Waiting for your reply", "waiting")
        );
        assert_eq!(
            waiting.shown_status(&FR),
            ("En attente de votre réponse", "waiting")
        );
    }

    #[test]
    fn a_team_reply_marks_the_ticket_unread_until_its_thread_is_opened() {
        let (mut s, fx) = State::new(None, Draft::default(), true, true);
        assert_eq!(
            fx,
            vec![Effect::FetchTickets],
            "a visitor with tickets: read at mount"
        );
        let fx = update(
            &mut s,
            Msg::TicketsLoaded(Some(vec![row("t1", Some(7)), row("t2", None)])),
        );
        assert_eq!(fx, vec![Effect::AnnounceUnread(1)], "on the launcher");
        assert_eq!(s.badge(), 1);
        update(&mut s, Msg::Open);
        assert_eq!(
            s.badge(),
            0,
            "nothing on the launcher while the panel is open"
        );
        update(&mut s, Msg::ShowTickets);
        update(
            &mut s,
            Msg::TicketsLoaded(Some(vec![row("t1", Some(7)), row("t2", None)])),
        );
        assert!(s.thread_row("t1").is_some_and(|r| s.is_unread(r)));
        assert!(
            s.thread_row("t2").is_some_and(|r| !s.is_unread(r)),
            "no reply: nothing new"
        );
        // Closed unopened: the ticket is back on the launcher.
        assert_eq!(
            update(&mut s, Msg::Close),
            vec![Effect::RestoreFocus, Effect::AnnounceUnread(1)]
        );
        update(&mut s, Msg::Open);
        update(
            &mut s,
            Msg::TicketsLoaded(Some(vec![row("t1", Some(7)), row("t2", None)])),
        );
        let fx = update(&mut s, Msg::OpenThread("t1".into()));
        assert!(fx.contains(&Effect::SaveSeen), "{fx:?}");
        assert_eq!(s.seen, vec![("t1".to_owned(), 7)]);
        assert!(s.thread_row("t1").is_some_and(|r| !s.is_unread(r)));
        assert_eq!(update(&mut s, Msg::Close), vec![Effect::RestoreFocus]);
        assert_eq!(s.badge(), 0);

        // The next reply marks it again.
        let fx = update(
            &mut s,
            Msg::TicketsLoaded(Some(vec![row("t1", Some(9)), row("t2", None)])),
        );
        assert_eq!(fx, vec![Effect::AnnounceUnread(1)]);
    }

    #[test]
    fn the_launcher_counts_chat_messages_and_unread_tickets_together() {
        let mut s = with_config(false);
        chatting(&mut s);
        s.seen = vec![("gone".into(), 3)];
        update(&mut s, Msg::TicketsLoaded(Some(vec![row("t1", Some(4))])));
        let fx = update(
            &mut s,
            Msg::LiveMessage(Line {
                seq: 2,
                author: AuthorKind::Operator,
                name: Some("Ada".into()),
                text: "On it".into(),
                at: "2026-12-07T10:01:00Z".into(),
                ticket: None,
                key: None,
                needs_contact: false,
                escalated: false,
            }),
        );
        assert!(fx.contains(&Effect::AnnounceUnread(2)), "{fx:?}");
        update(&mut s, Msg::Open);
        update(&mut s, Msg::OpenThread("t1".into()));
        assert_eq!(
            s.seen,
            vec![("t1".to_owned(), 4)],
            "a ticket the list no longer shows is forgotten"
        );
    }
}
