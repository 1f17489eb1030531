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
