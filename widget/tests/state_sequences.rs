//! Property test over `state::update` (host only): random sequences of messages — the
//! visitor's, the host page's, the network's — against a small model of the Worker that
//! validates with `shared`'s own `NewTicket::parse` and remembers Idempotency-Keys as the real
//! one does. After every step the state must be coherent, and from wherever a sequence ends a
//! visitor who does the obvious thing on a working network must get a ticket: no dead end.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;

use proptest::prelude::*;
use ticketbooth_shared::api::{CreateTicketRequest, TranscriptAuthor, TranscriptEntry};
use ticketbooth_shared::new_ticket::{NewTicket, ValidationErrors};
use ticketbooth_widget::api::create_request;
use ticketbooth_widget::state::{
    Config, Contact, Effect, Msg, Notice, Screen, SendOutcome, State, update,
};

/// The Worker's create path, as far as the widget can tell: validation first (a refused body
/// burns no key), then the key (same body: the same ticket; another body: refused).
#[derive(Default, Debug)]
struct Server {
    contact_required: bool,
    keys: HashMap<String, (CreateTicketRequest, String)>,
    tickets: u32,
}

impl Server {
    fn answer(&mut self, key: Option<&str>, body: &CreateTicketRequest) -> SendOutcome {
        let Some(key) = key else {
            return SendOutcome::Refused("idempotency_key_required".into());
        };
        if let Err(ValidationErrors(fields)) = NewTicket::parse(body, self.contact_required) {
            return SendOutcome::Invalid(
                fields
                    .into_iter()
                    .map(|(k, e)| (k.to_owned(), e.to_string()))
                    .collect(),
            );
        }
        match self.keys.get(key) {
            // A replay: the server hands the token only to a caller who proves the visitor.
            Some((first, code)) if first == body => SendOutcome::Created {
                code: code.clone(),
                token: None,
            },
            Some(_) => SendOutcome::Refused("idempotency_key_reused".into()),
            None => {
                self.tickets += 1;
                let code = format!("TKT-{}", self.tickets);
                self.keys
                    .insert(key.to_owned(), (body.clone(), code.clone()));
                SendOutcome::Created {
                    code,
                    token: Some("tok".into()),
                }
            }
        }
    }
}

/// What can happen next.
#[derive(Debug, Clone)]
enum Step {
    Msg(Msg),
    /// The request in flight reaches the server and its answer comes back.
    Deliver,
    /// The request reaches the server, which acts on it, but the answer is lost.
    LoseAnswer,
    /// The request never arrives (offline, DNS, a 5xx before the Worker).
    LoseRequest,
}

struct World {
    state: State,
    server: Server,
    /// The create request sent and not answered yet: its key and body, as `app.rs` sends them.
    in_flight: Option<(Option<String>, CreateTicketRequest)>,
    keys_minted: u32,
    /// Set when a `Created` answer reached the widget.
    created: bool,
}

impl World {
    fn new(contact_required: bool) -> World {
        let (state, effects) = State::new(None, Default::default(), false, true);
        assert!(effects.is_empty());
        World {
            state,
            server: Server {
                contact_required,
                ..Server::default()
            },
            in_flight: None,
            keys_minted: 0,
            created: false,
        }
    }

    fn fresh_key(&mut self) -> String {
        self.keys_minted += 1;
        format!("key-{}", self.keys_minted)
    }

    /// Runs a message and every effect it asks for, like `app.rs` does.
    fn send(&mut self, msg: Msg) {
        let mut queue = vec![msg];
        while let Some(msg) = queue.pop() {
            if matches!(msg, Msg::Sent(SendOutcome::Created { .. })) {
                self.created = true;
            }
            for effect in update(&mut self.state, msg) {
                match effect {
                    Effect::Send => {
                        assert!(self.in_flight.is_none(), "two creates in flight at once");
                        let body = create_request(&self.state.draft, self.state.contact.as_ref());
                        self.in_flight = Some((self.state.draft.key.clone(), body));
                    }
                    Effect::FetchTickets => queue.push(Msg::TicketsLoaded(Some(Vec::new()))),
                    _ => {}
                }
            }
        }
        self.check();
    }

    /// Whether the visitor can do this now: the controls that send a message are only on
    /// screen in the open panel, on their own screen (the launcher, the host page and the
    /// network can act at any time).
    fn possible(&self, msg: &Msg) -> bool {
        let s = &self.state;
        match msg {
            Msg::ContactEdited(_) | Msg::ContactSubmitted => s.open && s.screen == Screen::Contact,
            Msg::DraftEdited { .. } | Msg::Submit { .. } => s.open && s.screen == Screen::Form,
            Msg::StartTicket => s.open && s.screen == Screen::Home,
            Msg::ShowTickets => s.open && matches!(s.screen, Screen::Home | Screen::Done { .. }),
            Msg::Back => s.open && s.screen != Screen::Home,
            _ => true,
        }
    }

    fn step(&mut self, step: Step) {
        match step {
            Step::Msg(msg) if !self.possible(&msg) => {}
            Step::Msg(Msg::Submit { .. }) => {
                let fresh_key = self.fresh_key();
                self.send(Msg::Submit { fresh_key });
            }
            Step::Msg(msg) => self.send(msg),
            Step::Deliver => self.deliver(),
            Step::LoseAnswer => {
                if let Some((key, body)) = self.in_flight.take() {
                    self.server.answer(key.as_deref(), &body);
                    self.send(Msg::Sent(SendOutcome::Unreachable));
                }
            }
            Step::LoseRequest => {
                if self.in_flight.take().is_some() {
                    self.send(Msg::Sent(SendOutcome::Unreachable));
                }
            }
        }
    }

    fn deliver(&mut self) {
        if let Some((key, body)) = self.in_flight.take() {
            let outcome = self.server.answer(key.as_deref(), &body);
            self.send(Msg::Sent(outcome));
        }
    }

    /// What must hold after every step.
    fn check(&self) {
        let s = &self.state;
        assert_eq!(
            s.sending,
            self.in_flight.is_some(),
            "`sending` is true exactly while a create is in flight: {s:#?}"
        );
        if s.draft.queued {
            assert!(s.draft.key.is_some(), "a queued draft has its key: {s:#?}");
        }
        // "Check the highlighted fields" with nothing highlighted on this screen is the dead
        // end of issue 7 (a 422 on the host's transcript).
        if s.notice == Notice::FixFields && matches!(s.screen, Screen::Form | Screen::Contact) {
            assert!(
                s.errors.iter().any(|(f, _)| f.screen() == s.screen),
                "FixFields with no field highlighted on {:?}: {s:#?}",
                s.screen
            );
        }
    }

    /// A visitor who does the obvious thing on a working network: reopen, start a ticket, fill
    /// in what is asked, send. Must end with a ticket within a few rounds (each round may
    /// reveal one more problem: a contact the site requires, a refused transcript, a burnt key).
    fn recover(&mut self) {
        for _ in 0..4 {
            self.deliver();
            self.send(Msg::Online);
            self.deliver();
            if self.created {
                return;
            }
            self.send(Msg::Open);
            if self.state.disabled() {
                // The site said ticketing is off: the widget offers no ticket, correctly.
                assert!(!self.state.sending);
                return;
            }
            if !matches!(self.state.screen, Screen::Form | Screen::Contact) {
                self.send(Msg::Back);
                self.send(Msg::StartTicket);
            }
            if self.state.screen == Screen::Contact {
                self.send(Msg::ContactEdited(Contact {
                    name: "Ada".into(),
                    email: "ada@example.com".into(),
                }));
                self.send(Msg::ContactSubmitted);
            }
            assert_eq!(self.state.screen, Screen::Form, "{:#?}", self.state);
            self.send(Msg::DraftEdited {
                subject: "Printer on fire".into(),
                description: "Since Monday".into(),
            });
            let fresh_key = self.fresh_key();
            self.send(Msg::Submit { fresh_key });
            self.deliver();
            if self.created {
                return;
            }
        }
        panic!(
            "dead end: no ticket after four honest attempts: {:#?}",
            self.state
        );
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_owned()),
        Just("Printer on fire".to_owned()),
        Just("Ada".to_owned()),
        Just("x".repeat(300)),
    ]
}

fn contact() -> impl Strategy<Value = Contact> {
    prop_oneof![
        Just(Contact {
            name: "Ada".into(),
            email: "ada@example.com".into()
        }),
        Just(Contact {
            name: "Grace".into(),
            email: "grace@example.org".into()
        }),
        Just(Contact {
            name: " ".into(),
            email: "ada@localhost".into()
        }),
    ]
}

fn transcript() -> impl Strategy<Value = Vec<TranscriptEntry>> {
    let line = prop_oneof![
        Just("Hello".to_owned()),
        Just("My deploy is stuck.".to_owned()),
        // A blank line: the server refuses the transcript (a 422 on no visible field).
        Just("  ".to_owned()),
    ];
    prop::collection::vec(
        (
            line,
            prop_oneof![Just(TranscriptAuthor::Visitor), Just(TranscriptAuthor::Bot)],
        )
            .prop_map(|(text, author)| TranscriptEntry { author, text }),
        0..3,
    )
}

fn step(contact_required: bool) -> impl Strategy<Value = Step> {
    let msg = prop_oneof![
        Just(Msg::Toggle),
        Just(Msg::Open),
        Just(Msg::Show),
        Just(Msg::Close),
        // Mostly on: a disabled site ends every sequence early.
        prop::bool::weighted(0.9).prop_map(move |enabled| Msg::ConfigLoaded(Config {
            enabled,
            contact_required,
            cta_label: String::new(),
            turnstile: None,
        })),
        Just(Msg::StartTicket),
        Just(Msg::ShowTickets),
        Just(Msg::Back),
        contact().prop_map(Msg::ContactEdited),
        Just(Msg::ContactSubmitted),
        (text(), text()).prop_map(|(subject, description)| Msg::DraftEdited {
            subject,
            description
        }),
        Just(Msg::Submit {
            fresh_key: String::new()
        }),
        (text(), text(), transcript()).prop_map(|(subject, description, transcript)| {
            Msg::Prefill {
                subject,
                description,
                transcript,
            }
        }),
        contact().prop_map(Msg::Identify),
        Just(Msg::Online),
        Just(Msg::Offline),
        Just(Msg::TokenRenewed("renewed".to_owned())),
    ];
    prop_oneof![
        6 => msg.prop_map(Step::Msg),
        2 => Just(Step::Deliver),
        1 => Just(Step::LoseAnswer),
        1 => Just(Step::LoseRequest),
    ]
}

fn case() -> impl Strategy<Value = (bool, Vec<Step>)> {
    any::<bool>()
        .prop_flat_map(|required| (Just(required), prop::collection::vec(step(required), 0..40)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_messages_leads_to_a_dead_end((required, steps) in case()) {
        let mut world = World::new(required);
        for step in steps {
            world.step(step);
        }
        world.created = false;
        world.recover();
    }
}

/// Issue 7's first reproduction: `openTicket` with a blank transcript line. The 422 names no
/// field the visitor sees; it must read as a refusal, and the next send must go through.
#[test]
fn a_refused_transcript_is_a_refusal_not_check_the_highlighted_fields() {
    let mut world = World::new(false);
    world.send(Msg::Prefill {
        subject: "From chat".into(),
        description: "Handing over".into(),
        transcript: vec![TranscriptEntry {
            author: TranscriptAuthor::Visitor,
            text: "   ".into(),
        }],
    });
    world.step(Step::Msg(Msg::Submit {
        fresh_key: String::new(),
    }));
    world.deliver();
    assert_eq!(
        world.state.notice,
        Notice::Refused("validation_failed".into())
    );
    assert!(world.state.errors.is_empty());
    assert!(!world.created);
    world.step(Step::Msg(Msg::Submit {
        fresh_key: String::new(),
    }));
    world.deliver();
    assert!(world.created, "{:#?}", world.state);
}

/// Issue 7's second reproduction: the answer to a create is lost, then `identify()` changes
/// the requester, so the resend carries another body under the same key. The burnt key must
/// be replaced, not re-sent forever.
#[test]
fn a_burnt_key_is_replaced_by_a_fresh_one() {
    let mut world = World::new(false);
    world.send(Msg::Open);
    world.send(Msg::StartTicket);
    world.send(Msg::DraftEdited {
        subject: "Printer on fire".into(),
        description: String::new(),
    });
    world.step(Step::Msg(Msg::Submit {
        fresh_key: String::new(),
    }));
    let first_key = world.state.draft.key.clone().unwrap();
    world.step(Step::LoseAnswer);
    assert!(world.state.draft.queued);
    world.send(Msg::Identify(Contact {
        name: "Ada".into(),
        email: "ada@example.com".into(),
    }));
    world.send(Msg::Online);
    world.deliver();
    assert_eq!(
        world.state.notice,
        Notice::Refused("idempotency_key_reused".into())
    );
    assert_eq!(world.state.draft.key, None, "the burnt key is dropped");
    world.step(Step::Msg(Msg::Submit {
        fresh_key: String::new(),
    }));
    assert_ne!(world.state.draft.key.as_deref(), Some(first_key.as_str()));
    world.deliver();
    assert!(world.created);
}

// ---------------------------------------------------------------------------------------------
// The chat: random sequences of the visitor's typing and sends, the network delivering,
// losing or reordering, operators writing, the live room pushing copies, reloads and the
// conversation expiring — against a model of the chat API that numbers messages and remembers
// Idempotency-Keys as the real one does. After every step nothing is shown twice; from
// wherever a sequence ends, a working network delivers every message the visitor sent and
// shows the conversation exactly as the server holds it: nothing lost, nothing twice.

mod chat {
    use std::collections::HashMap;

    use proptest::prelude::*;
    use ticketbooth_shared::chat_message::AuthorKind;
    use ticketbooth_widget::chat::{ChatEffect, Line, ReadResult, Saved, SendResult};
    use ticketbooth_widget::state::{Effect, Msg, State, update};

    #[derive(Default, Debug)]
    struct ChatServer {
        conversations: HashMap<String, Vec<Line>>,
        started: u32,
        /// Messages of conversations that expired, by key: sent, then gone with them.
        expired_keys: Vec<String>,
    }

    impl ChatServer {
        fn start(&mut self) -> String {
            self.started += 1;
            let id = format!("c{}", self.started);
            self.conversations.insert(id.clone(), Vec::new());
            id
        }

        fn add(
            &mut self,
            conversation: &str,
            author: AuthorKind,
            text: &str,
            key: Option<&str>,
        ) -> Option<Line> {
            let lines = self.conversations.get_mut(conversation)?;
            if let Some(key) = key
                && let Some(line) = lines.iter().find(|l| l.key.as_deref() == Some(key))
            {
                return Some(line.clone());
            }
            let line = Line {
                seq: lines.len() as i64 + 1,
                author,
                name: (author == AuthorKind::Operator).then(|| "Ada".to_owned()),
                text: text.to_owned(),
                at: "2026-12-07T10:00:00Z".into(),
                ticket: None,
                key: key.map(str::to_owned),
                needs_contact: false,
                escalated: false,
            };
            lines.push(line.clone());
            Some(line)
        }

        fn send(&mut self, conversation: &str, key: &str, text: &str) -> SendResult {
            match self.add(conversation, AuthorKind::Visitor, text, Some(key)) {
                Some(line) => SendResult::Stored(line),
                None => SendResult::Gone,
            }
        }

        fn read(&self, conversation: &str, after: i64) -> ReadResult {
            match self.conversations.get(conversation) {
                Some(lines) => {
                    ReadResult::Lines(lines.iter().filter(|l| l.seq > after).cloned().collect())
                }
                None => ReadResult::Gone,
            }
        }

        fn expire_all(&mut self) {
            for (_, lines) in self.conversations.drain() {
                self.expired_keys
                    .extend(lines.into_iter().filter_map(|l| l.key));
            }
        }
    }

    /// A request about the conversation, sent and not answered yet.
    #[derive(Debug, Clone)]
    enum Request {
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
    }

    #[derive(Debug, Clone)]
    enum Step {
        Msg(Msg),
        /// The oldest request in flight reaches the server and its answer comes back.
        Deliver,
        /// The newest request in flight is answered before the older ones.
        DeliverNewest,
        /// The oldest reaches the server, which acts on it; its answer is lost.
        LoseAnswer,
        /// The oldest never arrives.
        LoseRequest,
        /// An operator writes in the current conversation.
        Operator,
        /// The live room pushes a copy of one of the conversation's messages (again, late or
        /// out of order: sockets reconnect).
        Push(usize),
        /// The page reloads: requests in flight reach the server, their answers are lost.
        Reload,
        /// Every conversation expires (24 h without a message).
        Expire,
        /// The socket the widget opened opens.
        SocketUp,
        /// The socket closes (or fails to open).
        SocketDown,
    }

    struct World {
        state: State,
        server: ChatServer,
        in_flight: Vec<Request>,
        saved: Saved,
        keys: u32,
        /// Every message the visitor got past the composer, by key.
        submitted: Vec<String>,
        /// The conversation whose WebSocket the widget opened (opening, or open).
        socket: Option<String>,
    }

    impl World {
        fn new() -> World {
            let (state, _) = State::new(None, Default::default(), true, true);
            World {
                state,
                server: ChatServer::default(),
                in_flight: Vec::new(),
                saved: Saved::default(),
                keys: 0,
                submitted: Vec::new(),
                socket: None,
            }
        }

        fn send(&mut self, msg: Msg) {
            let before: Vec<String> = self
                .state
                .chat
                .outbox
                .iter()
                .map(|o| o.key.clone())
                .collect();
            let effects = update(&mut self.state, msg);
            for o in &self.state.chat.outbox {
                if !before.contains(&o.key) && !self.submitted.contains(&o.key) {
                    self.submitted.push(o.key.clone());
                }
            }
            self.run(effects);
            self.check();
        }

        fn run(&mut self, effects: Vec<Effect>) {
            for effect in effects {
                let Effect::Chat(effect) = effect else {
                    continue;
                };
                match effect {
                    ChatEffect::Save => self.saved = self.state.chat.saved(),
                    ChatEffect::Start => {
                        assert!(
                            !self
                                .in_flight
                                .iter()
                                .any(|r| matches!(r, Request::Start | Request::Send { .. })),
                            "a start with a start or a send in flight"
                        );
                        self.in_flight.push(Request::Start);
                    }
                    ChatEffect::Send {
                        conversation,
                        key,
                        text,
                    } => {
                        assert!(
                            !self
                                .in_flight
                                .iter()
                                .any(|r| matches!(r, Request::Start | Request::Send { .. })),
                            "two sends in flight at once: out of order"
                        );
                        self.in_flight.push(Request::Send {
                            conversation,
                            key,
                            text,
                        });
                    }
                    ChatEffect::Read {
                        conversation,
                        after,
                    } => self.in_flight.push(Request::Read {
                        conversation,
                        after,
                    }),
                    ChatEffect::Connect { conversation } => self.socket = Some(conversation),
                    ChatEffect::Disconnect => self.socket = None,
                    // These sequences never show the contact form.
                    ChatEffect::GiveContact { .. } => unreachable!("no contact form was asked"),
                    // Nor a "Talk to a person" press.
                    ChatEffect::Escalate { .. } => unreachable!("nobody asked for a person"),
                }
            }
        }

        fn fresh_key(&mut self) -> String {
            self.keys += 1;
            format!("m-{}", self.keys)
        }

        /// The server acts on a request; returns the answer as a message.
        fn act(&mut self, request: Request) -> Msg {
            match request {
                Request::Start => Msg::ConversationStarted(Some(self.server.start())),
                Request::Send {
                    conversation,
                    key,
                    text,
                } => {
                    let result = self.server.send(&conversation, &key, &text);
                    Msg::MessageSent { key, result }
                }
                Request::Read {
                    conversation,
                    after,
                } => {
                    let result = self.server.read(&conversation, after);
                    Msg::MessagesRead {
                        conversation,
                        result,
                    }
                }
            }
        }

        fn unanswered(request: Request) -> Msg {
            match request {
                Request::Start => Msg::ConversationStarted(None),
                Request::Send { key, .. } => Msg::MessageSent {
                    key,
                    result: SendResult::Unreachable,
                },
                Request::Read { conversation, .. } => Msg::MessagesRead {
                    conversation,
                    result: ReadResult::Unreachable,
                },
            }
        }

        fn step(&mut self, step: Step) {
            match step {
                Step::Msg(Msg::ChatSubmit { .. }) => {
                    let fresh_key = self.fresh_key();
                    self.send(Msg::ChatSubmit { fresh_key });
                }
                Step::Msg(Msg::HostSend { text, .. }) => {
                    let fresh_key = self.fresh_key();
                    self.send(Msg::HostSend { text, fresh_key });
                }
                Step::Msg(msg) => self.send(msg),
                Step::Deliver if !self.in_flight.is_empty() => {
                    let request = self.in_flight.remove(0);
                    let answer = self.act(request);
                    self.send(answer);
                }
                Step::DeliverNewest => {
                    if let Some(request) = self.in_flight.pop() {
                        let answer = self.act(request);
                        self.send(answer);
                    }
                }
                Step::LoseAnswer if !self.in_flight.is_empty() => {
                    let request = self.in_flight.remove(0);
                    self.act(request.clone());
                    self.send(Self::unanswered(request));
                }
                Step::LoseRequest if !self.in_flight.is_empty() => {
                    let request = self.in_flight.remove(0);
                    self.send(Self::unanswered(request));
                }
                Step::Deliver | Step::LoseAnswer | Step::LoseRequest => {}
                Step::Operator => {
                    if let Some(id) = self.state.chat.id.clone() {
                        self.server
                            .add(&id, AuthorKind::Operator, "Hello from the team", None);
                    }
                }
                Step::Push(i) => {
                    let line = self
                        .state
                        .chat
                        .id
                        .as_ref()
                        .and_then(|id| self.server.conversations.get(id))
                        .filter(|lines| !lines.is_empty())
                        .map(|lines| lines[i % lines.len()].clone());
                    if let Some(line) = line {
                        self.send(Msg::LiveMessage(line));
                    }
                }
                Step::Reload => {
                    for request in std::mem::take(&mut self.in_flight) {
                        self.act(request);
                    }
                    self.socket = None;
                    let (mut state, fx) = State::new(None, Default::default(), true, true);
                    let mut effects = fx;
                    effects.extend(state.restore_chat(self.saved.clone()));
                    self.state = state;
                    self.run(effects);
                    self.check();
                }
                Step::Expire => self.server.expire_all(),
                Step::SocketUp => {
                    if let Some(id) = self.socket.clone() {
                        self.send(Msg::LiveUp(id));
                    }
                }
                Step::SocketDown => {
                    if let Some(id) = self.socket.take() {
                        self.send(Msg::LiveDown(id));
                    }
                }
            }
        }

        /// What must hold after every step: each message shown once.
        fn check(&self) {
            let chat = &self.state.chat;
            for pair in chat.lines.windows(2) {
                assert!(
                    pair[0].seq < pair[1].seq,
                    "a seq shown twice or out of order: {chat:#?}"
                );
            }
            for line in &chat.lines {
                if let Some(key) = &line.key {
                    assert!(
                        chat.outbox.iter().all(|o| &o.key != key),
                        "a message shown both as sent and as waiting: {chat:#?}"
                    );
                }
            }
            let mut keys: Vec<&String> = chat.outbox.iter().map(|o| &o.key).collect();
            keys.dedup();
            assert_eq!(keys.len(), chat.outbox.len(), "an outbox entry twice");
            assert!(
                chat.lines
                    .iter()
                    .take_while(|l| l.seq <= chat.cursor)
                    .count() as i64
                    == chat.cursor,
                "the cursor passes a gap: {chat:#?}"
            );
        }

        /// A working network from now on: every message goes out, and the list ends up as
        /// the server holds the conversation.
        fn recover(&mut self) {
            // What an open socket would have pushed, a read brings: close it.
            self.step(Step::SocketDown);
            self.send(Msg::Online);
            for _ in 0..60 {
                while !self.in_flight.is_empty() {
                    self.step(Step::Deliver);
                }
                if self.state.chat.outbox.is_empty() {
                    self.send(Msg::Poll);
                    if self.in_flight.is_empty() {
                        break;
                    }
                } else {
                    self.send(Msg::ChatRetry);
                }
            }
            let chat = &self.state.chat;
            assert!(
                chat.outbox.is_empty(),
                "dead end: messages never sent: {chat:#?}"
            );
            let on_server: &[Line] = chat
                .id
                .as_ref()
                .and_then(|id| self.server.conversations.get(id))
                .map_or(&[], Vec::as_slice);
            assert_eq!(
                chat.lines, on_server,
                "the list differs from the server's conversation"
            );
            // Nothing lost: every message the visitor sent reached the server.
            let stored: Vec<&str> = self
                .server
                .conversations
                .values()
                .flatten()
                .filter_map(|l| l.key.as_deref())
                .chain(self.server.expired_keys.iter().map(String::as_str))
                .collect();
            for key in &self.submitted {
                assert!(stored.contains(&key.as_str()), "message {key} lost");
            }
            // Nothing twice: each key at most once in every conversation.
            for lines in self.server.conversations.values() {
                let mut keys: Vec<_> = lines.iter().filter_map(|l| l.key.clone()).collect();
                let n = keys.len();
                keys.sort();
                keys.dedup();
                assert_eq!(keys.len(), n, "a message stored twice");
            }
        }
    }

    fn typed() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("  \n ".to_owned()),
            Just("Hello".to_owned()),
            Just("Where is my order?".to_owned()),
            Just("x".repeat(4_001)),
        ]
    }

    fn step() -> impl Strategy<Value = Step> {
        let msg = prop_oneof![
            2 => typed().prop_map(Msg::ChatEdited),
            3 => Just(Msg::ChatSubmit { fresh_key: String::new() }),
            1 => typed().prop_map(|text| Msg::HostSend { text, fresh_key: String::new() }),
            1 => Just(Msg::ChatRetry),
            1 => Just(Msg::Poll),
            1 => Just(Msg::Online),
            1 => Just(Msg::Offline),
            1 => Just(Msg::Toggle),
        ];
        prop_oneof![
            6 => msg.prop_map(Step::Msg),
            4 => Just(Step::Deliver),
            1 => Just(Step::DeliverNewest),
            1 => Just(Step::LoseAnswer),
            1 => Just(Step::LoseRequest),
            1 => Just(Step::Operator),
            1 => (0usize..8).prop_map(Step::Push),
            1 => Just(Step::Reload),
            1 => Just(Step::Expire),
            1 => Just(Step::SocketUp),
            1 => Just(Step::SocketDown),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn no_chat_message_is_lost_or_shown_twice(steps in prop::collection::vec(step(), 0..50)) {
            let mut world = World::new();
            for step in steps {
                world.step(step);
            }
            world.recover();
        }
    }
}
