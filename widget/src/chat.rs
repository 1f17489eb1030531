//! The conversation's part of the widget state, and the pure rules that move it: which
//! messages are shown, which of the visitor's are still to be sent, and what to ask the
//! network for next. `state::update` calls `Chat::on_*` and turns the returned `ChatEffect`s
//! into its own `Effect`s; nothing here touches the DOM, the network or storage.
//!
//! The rules that keep the list honest:
//! - Stored messages are keyed by their `seq` (gapless per conversation): one arriving twice
//!   (a read after the live room already brought it) is shown once.
//! - The read cursor is the end of the gapless run from 1, not the highest `seq` seen: a send's
//!   answer (seq 7) arriving before the operator's reply (seq 6) must not make the next read
//!   skip 6.
//! - The visitor's own messages wait in the outbox, in order, one in flight at a time, each
//!   under its own Idempotency-Key (kept with it in storage): a retry, a second tab or a
//!   reload resends the same key, which the server answers with the message it already wrote.
//!   A stored message carrying a key of the outbox takes its place (its answer was lost).
//! - Contact: when the bot needs the visitor's name and email, a `needs_contact` message
//!   carries a small form; the last such message shows it, until the server keeps what was
//!   given (then a thanks line, remembered in storage by that message's `seq`).
//! - A person: "Talk to a person" asks the server to hand the conversation over (once; the
//!   button goes while a person is awaited). The server's `escalated` message — from the
//!   button, the bot's hand-off or its failure — shows as "a person will follow up here", and
//!   the conversation waits for a person until the bot speaks again (handed back).
//! - Live: the conversation's WebSocket pushes each new message; a (re)connect reads after the
//!   cursor, and while the socket is down — it may never open behind a proxy or a CSP — the
//!   polling tick reads instead and reconnects with a growing wait.

use serde::{Deserialize, Serialize};
use ticketbooth_shared::Status;
use ticketbooth_shared::api::ChatMessage;
use ticketbooth_shared::chat_message::{AuthorKind, MessageText};
use ticketbooth_shared::field_error::FieldError;
use ticketbooth_shared::requester::{Email, RequesterName};

/// A stored message, as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub seq: i64,
    pub author: AuthorKind,
    /// The bot's or the operator's display name.
    pub name: Option<String>,
    pub text: String,
    /// RFC 3339, as the server wrote it.
    pub at: String,
    /// The ticket a system message announces (opened from this conversation).
    pub ticket: Option<Card>,
    /// The visitor's own Idempotency-Key, on their messages.
    pub key: Option<String>,
    /// The bot needs the visitor's contact details: the form goes here.
    pub needs_contact: bool,
    /// The conversation was handed to a person here.
    pub escalated: bool,
}

/// A ticket opened from the conversation, as its card shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub code: String,
    pub status: Status,
}

impl From<ChatMessage> for Line {
    fn from(m: ChatMessage) -> Line {
        Line {
            seq: m.seq,
            author: m.author,
            name: m.author_name,
            text: m.text,
            at: m.created_at,
            ticket: m.ticket.map(|t| Card {
                code: t.code,
                status: t.status,
            }),
            key: m.idempotency_key,
            needs_contact: m.needs_contact,
            escalated: m.escalated,
        }
    }
}

/// A message the visitor sent that the server has not confirmed yet. Stored (with the
/// conversation id) as `{"id", "outbox": [{"key", "text"}]}`, so a reload resends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    pub key: String,
    pub text: String,
}

/// What localStorage keeps of the chat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub id: Option<String>,
    pub outbox: Vec<Outgoing>,
    /// The `seq` of the contact form the visitor answered (its thanks line stays).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_given: Option<i64>,
}

/// The in-chat contact form: what is typed, what is wrong with it, how its sending goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub name_error: Option<FieldError>,
    pub email_error: Option<FieldError>,
    pub sending: bool,
    /// Why the last try did not go: the server's error code, or `unreachable`.
    pub failed: Option<String>,
    /// The `seq` of the form the server kept an answer to.
    pub given: Option<i64>,
}

/// How giving the contact ended, as `api.rs` classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactResult {
    Kept,
    /// A 4xx (its code): the visitor can correct and try again.
    Refused(String),
    Unreachable,
}

/// The one request about the conversation in flight, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busy {
    Idle,
    Starting,
    /// The outbox's first message, by key.
    Sending(String),
}

/// How a send ended, as `api.rs` classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Stored(Line),
    /// The conversation is gone (expired after 24 h, purged): 404.
    Gone,
    /// A 4xx that resending cannot change, with its code.
    Refused(String),
    /// No answer, 408, 429 or 5xx: the same key goes out again later.
    Unreachable,
}

/// How a read ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadResult {
    Lines(Vec<Line>),
    Gone,
    Unreachable,
}

/// What the chat asks of the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEffect {
    /// Keep `Saved` in localStorage.
    Save,
    Start,
    Send {
        conversation: String,
        key: String,
        text: String,
    },
    Read {
        conversation: String,
        after: i64,
    },
    /// Open the conversation's WebSocket (closing any other).
    Connect {
        conversation: String,
    },
    /// Close the WebSocket: the conversation is gone.
    Disconnect,
    /// `POST …/escalate`: the visitor asks for a person.
    Escalate {
        conversation: String,
    },
    /// `PUT …/contact`: the name and email the form holds (checked, trimmed).
    GiveContact {
        conversation: String,
        name: String,
        email: String,
    },
}

/// The conversation's WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveState {
    /// Closed (or never opened): polling reads; a reconnect is tried once `wait` ticks pass.
    Down {
        failures: u32,
        wait: u32,
    },
    /// After `failures` sockets in a row that closed without a message getting through.
    Connecting {
        failures: u32,
    },
    Up,
}

/// The bot's reply while it streams (the live room's typing frames): its name and the text so
/// far, and how many polling ticks ago the last frame came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    pub name: Option<String>,
    pub text: String,
    pub age: u32,
}

/// Ticks (of the polling timer) without a frame after which a streamed reply is dropped: the
/// bot failed, and the stored message will not come.
const TYPING_TICKS: u32 = 10;

/// With the socket up, every how many ticks the conversation is read anyway.
const SAFETY_TICKS: u32 = 10;

/// Ticks (3 s each) after the visitor's last message with no answer, after which the chat says
/// honestly that nobody has answered yet.
pub const UNANSWERED_TICKS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    pub id: Option<String>,
    /// Stored messages, by `seq`, each once.
    pub lines: Vec<Line>,
    /// The end of the gapless run of `seq`s from 1: what `?after=` asks from.
    pub cursor: i64,
    pub outbox: Vec<Outgoing>,
    /// The last send was not answered: the outbox waits for the network or a retry.
    pub stalled: bool,
    pub busy: Busy,
    /// A read is in flight.
    pub reading: bool,
    /// What the composer holds.
    pub input: String,
    /// Why the composer's text was not sent (empty, too long, forbidden characters).
    pub problem: Option<FieldError>,
    /// The server refused a message for good (its code); its text went back to the composer.
    pub refused: Option<String>,
    pub live: LiveState,
    pub typing: Option<Typing>,
    /// Polling ticks seen (for the reads made while the socket is up).
    pub ticks: u32,
    /// Ticks since the visitor's message that nobody has answered yet (`None` when the last
    /// message is someone else's, or there is none).
    pub waiting: Option<u32>,
    pub contact: ContactForm,
    /// "Talk to a person" is on its way to the server.
    pub escalating: bool,
    /// The last "Talk to a person" did not reach the server.
    pub escalate_failed: bool,
}

impl Chat {
    pub fn new(saved: Saved) -> Chat {
        Chat {
            id: saved.id,
            lines: Vec::new(),
            cursor: 0,
            outbox: saved.outbox,
            stalled: false,
            busy: Busy::Idle,
            reading: false,
            input: String::new(),
            problem: None,
            refused: None,
            live: LiveState::Down {
                failures: 0,
                wait: 0,
            },
            typing: None,
            ticks: 0,
            waiting: None,
            contact: ContactForm {
                given: saved.contact_given,
                ..ContactForm::default()
            },
            escalating: false,
            escalate_failed: false,
        }
    }

    /// The conversation waits for a person: it was handed over, and the bot has not answered
    /// a visitor message since (the bot's reply of the turn that handed it over comes after
    /// the note; once an operator hands it back, the bot answers the visitor again).
    pub fn waiting_for_person(&self) -> bool {
        let Some(at) = self.lines.iter().rposition(|l| l.escalated) else {
            return false;
        };
        let after = &self.lines[at + 1..];
        let asked = after.iter().position(|l| l.author == AuthorKind::Visitor);
        !asked.is_some_and(|v| after[v..].iter().any(|l| l.author == AuthorKind::Bot))
    }

    /// "Talk to a person" is offered: there is a conversation, and it is not waiting already.
    pub fn person_offered(&self) -> bool {
        self.id.is_some() && !self.waiting_for_person()
    }

    /// "Talk to a person": once at a time.
    pub fn on_escalate(&mut self) -> Vec<ChatEffect> {
        let Some(conversation) = self.id.clone() else {
            return Vec::new();
        };
        if self.escalating || !self.person_offered() {
            return Vec::new();
        }
        self.escalating = true;
        self.escalate_failed = false;
        vec![ChatEffect::Escalate { conversation }]
    }

    /// The server's answer: handed over, the conversation is read (its note, the ticket's
    /// card); not reached, the visitor may press again.
    pub fn on_escalated(&mut self, reached: bool) -> Vec<ChatEffect> {
        self.escalating = false;
        self.escalate_failed = !reached;
        if reached { self.read() } else { Vec::new() }
    }

    /// The visitor's last message has waited long enough without an answer to say so.
    pub fn unanswered(&self) -> bool {
        self.waiting.is_some_and(|t| t >= UNANSWERED_TICKS)
    }

    pub fn saved(&self) -> Saved {
        Saved {
            id: self.id.clone(),
            outbox: self.outbox.clone(),
            contact_given: self.contact.given,
        }
    }

    /// The message whose contact form is shown (the last that asks), unless already answered.
    pub fn contact_asked(&self) -> Option<i64> {
        let seq = self.lines.iter().rev().find(|l| l.needs_contact)?.seq;
        (self.contact.given.is_none_or(|given| given < seq)).then_some(seq)
    }

    /// Fills an untouched form with a contact the widget already knows.
    pub fn prefill_contact(&mut self, name: &str, email: &str) {
        let form = &mut self.contact;
        if form.name.is_empty() && form.email.is_empty() {
            name.clone_into(&mut form.name);
            email.clone_into(&mut form.email);
        }
    }

    /// Typing in the contact form: a changed field loses its error.
    pub fn on_contact_input(&mut self, name: String, email: String) {
        let form = &mut self.contact;
        if form.name != name {
            form.name_error = None;
        }
        if form.email != email {
            form.email_error = None;
        }
        form.name = name;
        form.email = email;
        form.failed = None;
    }

    /// The form's submit: checked with the server's rules (`Email::check`, not `parse`: the
    /// same verdict without Unicode's case tables in the Wasm), then sent once at a time.
    pub fn on_contact_submit(&mut self) -> Vec<ChatEffect> {
        let (Some(conversation), Some(_)) = (self.id.clone(), self.contact_asked()) else {
            return Vec::new();
        };
        let form = &mut self.contact;
        if form.sending {
            return Vec::new();
        }
        let name = RequesterName::parse(&form.name);
        let email = Email::check(&form.email);
        form.name_error = name.as_ref().err().copied();
        form.email_error = email.err();
        form.failed = None;
        let Ok(name) = name else {
            return Vec::new();
        };
        if form.email_error.is_some() {
            return Vec::new();
        }
        form.sending = true;
        vec![ChatEffect::GiveContact {
            conversation,
            name: name.as_ref().to_owned(),
            email: form.email.trim().to_owned(),
        }]
    }

    /// The server's answer: kept, the thanks line replaces the form (and is remembered).
    pub fn on_contact_given(&mut self, result: ContactResult) -> Vec<ChatEffect> {
        let asked = self.contact_asked();
        let form = &mut self.contact;
        form.sending = false;
        match result {
            ContactResult::Kept => {
                form.given = asked.or(form.given);
                return vec![ChatEffect::Save];
            }
            ContactResult::Refused(code) => form.failed = Some(code),
            ContactResult::Unreachable => form.failed = Some("unreachable".into()),
        }
        Vec::new()
    }

    /// The characters the composer holds (what the 4,000 limit counts, before trimming).
    pub fn input_chars(&self) -> usize {
        self.input.chars().count()
    }

    /// Over the limit: shown before the visitor tries to send.
    pub fn input_too_long(&self) -> bool {
        self.input
            .trim()
            .chars()
            .nth(MessageText::MAX_CHARS)
            .is_some()
    }

    /// At mount: the history of the current conversation, and whatever the outbox holds.
    pub fn on_mount(&mut self, online: bool) -> Vec<ChatEffect> {
        let mut fx = self.read();
        fx.extend(self.connect());
        if online {
            fx.extend(self.pump());
        }
        fx
    }

    pub fn on_input(&mut self, text: String) {
        self.input = text;
        self.problem = None;
        self.refused = None;
    }

    /// The composer's Send (or Enter): validated with the server's own rule, queued under
    /// `fresh_key`, and sent when nothing is ahead of it.
    pub fn on_submit(&mut self, fresh_key: String, online: bool) -> Vec<ChatEffect> {
        let text = match MessageText::parse(&self.input) {
            Ok(text) => text,
            Err(e) => {
                self.problem = Some(e);
                return Vec::new();
            }
        };
        self.outbox.push(Outgoing {
            key: fresh_key,
            text: text.as_ref().to_owned(),
        });
        self.input.clear();
        self.problem = None;
        self.refused = None;
        let mut fx = vec![ChatEffect::Save];
        if online {
            fx.extend(self.pump());
        }
        fx
    }

    /// "Retry", or the network coming back: the stalled outbox goes out again.
    pub fn on_resume(&mut self) -> Vec<ChatEffect> {
        self.stalled = false;
        let mut fx = self.pump();
        fx.extend(self.read());
        fx
    }

    pub fn on_started(&mut self, id: Option<String>) -> Vec<ChatEffect> {
        if self.busy != Busy::Starting {
            return Vec::new();
        }
        self.busy = Busy::Idle;
        match id {
            Some(id) => {
                self.id = Some(id);
                self.lines.clear();
                self.cursor = 0;
                let mut fx = vec![ChatEffect::Save];
                fx.extend(self.connect());
                fx.extend(self.pump());
                fx
            }
            None => {
                self.stalled = true;
                Vec::new()
            }
        }
    }

    pub fn on_sent(&mut self, key: &str, result: SendResult) -> Vec<ChatEffect> {
        if self.busy != Busy::Sending(key.to_owned()) {
            return Vec::new();
        }
        self.busy = Busy::Idle;
        let mut fx = Vec::new();
        match result {
            SendResult::Stored(line) => {
                self.merge(vec![line]);
                fx.push(ChatEffect::Save);
            }
            SendResult::Gone => {
                // Expired: the next send starts a new conversation, the outbox kept in order.
                self.forget_conversation();
                fx.push(ChatEffect::Save);
                fx.push(ChatEffect::Disconnect);
            }
            SendResult::Refused(code) => {
                // Resending cannot help: the text goes back to the composer (if it is free)
                // so the visitor can change it, and the rest of the outbox goes on.
                if let Some(pos) = self.outbox.iter().position(|o| o.key == key) {
                    let o = self.outbox.remove(pos);
                    if self.input.is_empty() {
                        self.input = o.text;
                    }
                }
                self.refused = Some(code);
                fx.push(ChatEffect::Save);
            }
            SendResult::Unreachable => {
                self.stalled = true;
                return fx;
            }
        }
        fx.extend(self.pump());
        fx
    }

    pub fn on_read(&mut self, conversation: &str, result: ReadResult) -> Vec<ChatEffect> {
        if self.id.as_deref() != Some(conversation) {
            // An answer about a conversation the widget has left since.
            return Vec::new();
        }
        self.reading = false;
        match result {
            ReadResult::Lines(lines) => {
                let before = self.outbox.len();
                self.merge(lines);
                if self.outbox.len() != before {
                    return vec![ChatEffect::Save];
                }
            }
            ReadResult::Gone if self.busy == Busy::Idle => {
                self.forget_conversation();
                return vec![ChatEffect::Save, ChatEffect::Disconnect];
            }
            ReadResult::Gone | ReadResult::Unreachable => {}
        }
        Vec::new()
    }

    /// A message the live room pushed.
    pub fn on_live(&mut self, line: Line) -> Vec<ChatEffect> {
        let before = self.outbox.len();
        self.merge(vec![line]);
        if self.outbox.len() != before {
            vec![ChatEffect::Save]
        } else {
            Vec::new()
        }
    }

    /// A typing frame: the bot's reply so far.
    pub fn on_typing(&mut self, name: Option<String>, text: String) {
        self.typing = Some(Typing { name, text, age: 0 });
    }

    /// The socket of `conversation` opened: read what came while it was down.
    pub fn on_live_up(&mut self, conversation: &str) -> Vec<ChatEffect> {
        if self.id.as_deref() != Some(conversation) {
            return Vec::new();
        }
        self.live = LiveState::Up;
        self.read()
    }

    /// The socket of `conversation` closed (or never opened): polling takes over, and a
    /// reconnect waits 2, 4, 8, then 10 ticks.
    pub fn on_live_down(&mut self, conversation: &str) -> Vec<ChatEffect> {
        if self.id.as_deref() != Some(conversation) {
            return Vec::new();
        }
        let failures = match self.live {
            LiveState::Down { failures, .. } | LiveState::Connecting { failures } => failures + 1,
            // One that was up and closed starts its count again.
            LiveState::Up => 1,
        };
        self.live = LiveState::Down {
            failures,
            wait: (1u32 << failures.min(4)).min(10),
        };
        self.read()
    }

    /// The polling timer: with no socket up, read after the cursor, and reconnect when the
    /// wait is over; a streamed reply with no frame for a while is dropped.
    pub fn on_tick(&mut self) -> Vec<ChatEffect> {
        if let Some(w) = &mut self.waiting {
            *w = w.saturating_add(1);
        }
        if let Some(t) = &mut self.typing {
            t.age += 1;
            if t.age > TYPING_TICKS {
                self.typing = None;
            }
        }
        let mut fx = Vec::new();
        // A stalled outbox is tried again on every tick: the API may be back without the
        // browser noticing (a blocked route, a 5xx), and each retry reuses its key.
        if self.stalled {
            fx.extend(self.on_resume());
            return fx;
        }
        self.ticks = self.ticks.wrapping_add(1);
        // With the socket up, a read now and then anyway: a proxy may keep a socket open
        // that delivers nothing.
        if self.id.is_none()
            || (self.live == LiveState::Up && !self.ticks.is_multiple_of(SAFETY_TICKS))
        {
            return fx;
        }
        fx.extend(self.read());
        if let LiveState::Down { failures, wait } = self.live {
            if wait == 0 {
                fx.extend(self.connect());
            } else {
                self.live = LiveState::Down {
                    failures,
                    wait: wait - 1,
                };
            }
        }
        fx
    }

    fn connect(&mut self) -> Vec<ChatEffect> {
        let failures = match self.live {
            LiveState::Down { failures, .. } | LiveState::Connecting { failures } => failures,
            LiveState::Up => 0,
        };
        match &self.id {
            Some(id) => {
                self.live = LiveState::Connecting { failures };
                vec![ChatEffect::Connect {
                    conversation: id.clone(),
                }]
            }
            None => Vec::new(),
        }
    }

    /// A read after the cursor, unless one is in flight or there is no conversation yet.
    pub fn read(&mut self) -> Vec<ChatEffect> {
        match &self.id {
            Some(id) if !self.reading => {
                self.reading = true;
                vec![ChatEffect::Read {
                    conversation: id.clone(),
                    after: self.cursor,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Sends the outbox's first message when nothing is in flight and it is not stalled;
    /// starts the conversation first when there is none.
    fn pump(&mut self) -> Vec<ChatEffect> {
        if self.busy != Busy::Idle || self.stalled {
            return Vec::new();
        }
        let Some(next) = self.outbox.first() else {
            return Vec::new();
        };
        match &self.id {
            None => {
                self.busy = Busy::Starting;
                vec![ChatEffect::Start]
            }
            Some(id) => {
                self.busy = Busy::Sending(next.key.clone());
                vec![ChatEffect::Send {
                    conversation: id.clone(),
                    key: next.key.clone(),
                    text: next.text.clone(),
                }]
            }
        }
    }

    fn forget_conversation(&mut self) {
        self.id = None;
        self.lines.clear();
        self.cursor = 0;
        self.reading = false;
        self.typing = None;
        self.waiting = None;
        self.live = LiveState::Down {
            failures: 0,
            wait: 0,
        };
    }

    /// Adds stored messages: each `seq` once, in order; a visitor message whose key is in the
    /// outbox leaves the outbox (it was sent: its answer was lost, or another tab sent it).
    fn merge(&mut self, lines: Vec<Line>) {
        for line in lines {
            if let Some(key) = &line.key {
                self.outbox.retain(|o| &o.key != key);
            }
            if line.author == AuthorKind::Bot {
                // The stored reply replaces the streamed one.
                self.typing = None;
            }
            match self.lines.binary_search_by_key(&line.seq, |l| l.seq) {
                // Shown already; a newer copy may carry a newer ticket status.
                Ok(i) => self.lines[i] = line,
                Err(i) => self.lines.insert(i, line),
            }
        }
        // Waiting for an answer while the last word is the visitor's (a streamed reply counts
        // as an answer coming).
        self.waiting = match self.lines.last() {
            Some(l) if l.author == AuthorKind::Visitor => self.waiting.or(Some(0)),
            _ => None,
        };
        while self
            .lines
            .get(usize::try_from(self.cursor).unwrap_or(usize::MAX))
            .is_some_and(|l| l.seq == self.cursor + 1)
        {
            self.cursor += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: i64, author: AuthorKind, text: &str, key: Option<&str>) -> Line {
        Line {
            seq,
            author,
            name: None,
            text: text.into(),
            at: "2026-12-07T10:00:00Z".into(),
            ticket: None,
            key: key.map(Into::into),
            needs_contact: false,
            escalated: false,
        }
    }

    #[test]
    fn talk_to_a_person_goes_once_and_the_button_waits_until_the_bot_answers_the_visitor_again() {
        let mut chat = Chat::new(Saved::default());
        assert!(!chat.person_offered(), "no conversation yet");
        assert_eq!(chat.on_escalate(), vec![]);
        chat.id = Some("c1".into());
        chat.merge(vec![line(1, AuthorKind::Visitor, "Hi", Some("k1"))]);
        chat.cursor = 1;
        assert!(chat.person_offered());
        assert_eq!(
            chat.on_escalate(),
            vec![ChatEffect::Escalate {
                conversation: "c1".into()
            }]
        );
        // A second press while the first is on its way sends nothing.
        assert_eq!(chat.on_escalate(), vec![]);
        // Not reached: say so, and the visitor may press again.
        assert_eq!(chat.on_escalated(false), vec![]);
        assert!(chat.escalate_failed);
        assert_eq!(chat.on_escalate().len(), 1);
        // Reached: the conversation is read (the note, the card).
        assert_eq!(
            chat.on_escalated(true),
            vec![ChatEffect::Read {
                conversation: "c1".into(),
                after: 1
            }]
        );
        let mut note = line(2, AuthorKind::System, "Handed to a person", None);
        note.escalated = true;
        chat.merge(vec![note]);
        assert!(chat.waiting_for_person());
        assert!(!chat.person_offered());
        assert_eq!(chat.on_escalate(), vec![]);
        // The bot's reply of the turn that handed over comes after the note: still waiting.
        chat.merge(vec![line(3, AuthorKind::Bot, "A person will help", None)]);
        assert!(chat.waiting_for_person());
        // The visitor writes; nobody but a person answers yet.
        chat.merge(vec![line(4, AuthorKind::Visitor, "Thanks", Some("k2"))]);
        assert!(chat.waiting_for_person());
        // Handed back: the bot answers the visitor again, and the button comes back.
        chat.merge(vec![line(5, AuthorKind::Bot, "Back again", None)]);
        assert!(chat.person_offered());
    }

    fn typed(chat: &mut Chat, text: &str, key: &str) -> Vec<ChatEffect> {
        chat.on_input(text.into());
        chat.on_submit(key.into(), true)
    }

    #[test]
    fn the_first_message_starts_the_conversation_then_goes_out() {
        let mut c = Chat::new(Saved::default());
        assert_eq!(c.on_mount(true), vec![], "opening starts nothing");
        assert_eq!(
            typed(&mut c, " Hello ", "k1"),
            vec![ChatEffect::Save, ChatEffect::Start]
        );
        assert_eq!(c.input, "");
        assert_eq!(c.outbox[0].text, "Hello");
        assert_eq!(typed(&mut c, "Again", "k2"), vec![ChatEffect::Save]);
        assert_eq!(
            c.on_started(Some("c1".into())),
            vec![
                ChatEffect::Save,
                ChatEffect::Connect {
                    conversation: "c1".into()
                },
                ChatEffect::Send {
                    conversation: "c1".into(),
                    key: "k1".into(),
                    text: "Hello".into()
                }
            ]
        );
        let fx = c.on_sent(
            "k1",
            SendResult::Stored(line(1, AuthorKind::Visitor, "Hello", Some("k1"))),
        );
        assert_eq!(
            fx,
            vec![
                ChatEffect::Save,
                ChatEffect::Send {
                    conversation: "c1".into(),
                    key: "k2".into(),
                    text: "Again".into()
                }
            ],
            "in order, one at a time"
        );
        assert_eq!(c.outbox.len(), 1);
        assert_eq!(c.cursor, 1);
    }

    #[test]
    fn empty_and_too_long_are_refused_before_sending() {
        let mut c = Chat::new(Saved::default());
        assert_eq!(typed(&mut c, "  \n ", "k1"), vec![]);
        assert_eq!(c.problem, Some(FieldError::Required));
        c.on_input("é".repeat(4_001));
        assert!(c.input_too_long(), "shown before sending");
        assert_eq!(c.on_submit("k1".into(), true), vec![]);
        assert_eq!(c.problem, Some(FieldError::TooLong { max: 4_000 }));
        c.on_input("é".repeat(4_000));
        assert!(!c.input_too_long());
    }

    #[test]
    fn a_lost_answer_is_retried_under_the_same_key_and_shown_once() {
        let mut c = Chat::new(Saved {
            id: Some("c1".into()),
            outbox: Vec::new(),
            ..Saved::default()
        });
        typed(&mut c, "Hello", "k1");
        assert_eq!(c.on_sent("k1", SendResult::Unreachable), vec![]);
        assert!(c.stalled);
        assert_eq!(typed(&mut c, "Second", "k2"), vec![ChatEffect::Save]);
        // The message did reach the server: a read brings it, with its key.
        c.reading = true;
        c.on_read(
            "c1",
            ReadResult::Lines(vec![line(1, AuthorKind::Visitor, "Hello", Some("k1"))]),
        );
        assert_eq!(c.outbox.len(), 1, "k1 left the outbox");
        let fx = c.on_resume();
        assert_eq!(
            fx[0],
            ChatEffect::Send {
                conversation: "c1".into(),
                key: "k2".into(),
                text: "Second".into()
            }
        );
    }

    #[test]
    fn the_cursor_never_skips_a_gap() {
        let mut c = Chat::new(Saved {
            id: Some("c1".into()),
            outbox: Vec::new(),
            ..Saved::default()
        });
        typed(&mut c, "Hi", "k1");
        c.on_sent(
            "k1",
            SendResult::Stored(line(3, AuthorKind::Visitor, "Hi", Some("k1"))),
        );
        assert_eq!(c.cursor, 0, "1 and 2 are still unseen");
        c.on_live(line(1, AuthorKind::Operator, "Hello", None));
        assert_eq!(c.cursor, 1);
        c.on_live(line(2, AuthorKind::Operator, "How can I help?", None));
        c.on_live(line(2, AuthorKind::Operator, "How can I help?", None));
        assert_eq!(c.cursor, 3);
        assert_eq!(
            c.lines.iter().map(|l| l.seq).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn an_expired_conversation_gives_way_to_a_new_one_with_the_outbox_kept() {
        let mut c = Chat::new(Saved {
            id: Some("old".into()),
            outbox: Vec::new(),
            ..Saved::default()
        });
        typed(&mut c, "Still there?", "k1");
        assert_eq!(
            c.on_sent("k1", SendResult::Gone),
            vec![ChatEffect::Save, ChatEffect::Disconnect, ChatEffect::Start]
        );
        assert_eq!(c.id, None);
        assert_eq!(c.outbox.len(), 1);
    }

    #[test]
    fn a_socket_that_cannot_open_leaves_polling_on_and_is_retried_later_and_later() {
        let mut c = Chat::new(Saved {
            id: Some("c1".into()),
            outbox: Vec::new(),
            ..Saved::default()
        });
        c.on_mount(true);
        c.reading = false;
        let read = ChatEffect::Read {
            conversation: "c1".into(),
            after: 0,
        };
        assert_eq!(
            c.on_live_down("c1"),
            vec![read.clone()],
            "the cursor catches up"
        );
        c.reading = false;
        // Two ticks of polling, then a reconnect; then four ticks.
        assert_eq!(c.on_tick(), vec![read.clone()]);
        c.reading = false;
        assert_eq!(c.on_tick(), vec![read.clone()]);
        c.reading = false;
        assert_eq!(
            c.on_tick(),
            vec![
                read.clone(),
                ChatEffect::Connect {
                    conversation: "c1".into()
                }
            ]
        );
        c.reading = false;
        c.on_live_down("c1");
        assert_eq!(
            c.live,
            LiveState::Down {
                failures: 2,
                wait: 4
            }
        );
        // Up: the socket brings messages; a tick reads only now and then.
        c.reading = false;
        assert_eq!(c.on_live_up("c1"), vec![read.clone()]);
        c.reading = false;
        let reads = (0..20)
            .filter(|_| {
                let read = !c.on_tick().is_empty();
                c.reading = false;
                read
            })
            .count();
        assert_eq!(reads, 2, "a safety read every tenth tick");
        assert_eq!(c.on_live_down("other"), vec![], "a stale socket's close");
    }

    #[test]
    fn the_streamed_reply_gives_way_to_the_stored_one() {
        let mut c = Chat::new(Saved::default());
        c.on_typing(Some("Robin".into()), "Let me".into());
        c.on_typing(Some("Robin".into()), "Let me check".into());
        assert_eq!(
            c.typing.as_ref().map(|t| t.text.as_str()),
            Some("Let me check")
        );
        c.on_live(line(1, AuthorKind::Bot, "Let me check that.", None));
        assert_eq!(c.typing, None);
        c.on_typing(None, "Stuck".into());
        for _ in 0..=TYPING_TICKS {
            c.on_tick();
        }
        assert_eq!(c.typing, None, "a reply that stopped streaming goes");
    }

    #[test]
    fn a_message_nobody_answers_is_said_to_wait_until_someone_does() {
        let mut c = Chat::new(Saved {
            id: Some("c1".into()),
            outbox: Vec::new(),
            ..Saved::default()
        });
        c.on_live(line(1, AuthorKind::Visitor, "Hello?", Some("k1")));
        for _ in 0..UNANSWERED_TICKS - 1 {
            c.on_tick();
        }
        assert!(!c.unanswered());
        c.on_live(line(2, AuthorKind::Visitor, "Anyone?", Some("k2")));
        c.on_tick();
        assert!(c.unanswered(), "counted from the first unanswered message");
        c.on_live(line(3, AuthorKind::Operator, "Here!", None));
        assert!(!c.unanswered());
        assert_eq!(c.waiting, None);
    }

    #[test]
    fn a_refused_message_goes_back_to_the_composer() {
        let mut c = Chat::new(Saved {
            id: Some("c1".into()),
            outbox: Vec::new(),
            ..Saved::default()
        });
        typed(&mut c, "Hi", "k1");
        c.on_sent("k1", SendResult::Refused("forbidden".into()));
        assert_eq!(c.input, "Hi");
        assert!(c.outbox.is_empty());
        assert_eq!(c.refused.as_deref(), Some("forbidden"));
    }
}
