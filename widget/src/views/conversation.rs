//! The conversation: the message list (in a `role=log` region, so new messages are announced)
//! and the composer. Messages are keyed (a stored one by its `seq`, one still to be sent by
//! its Idempotency-Key) and an element is rebuilt only when what it shows changed, so a render
//! never moves focus or the visitor's scroll position; the list follows new messages only
//! when the visitor was already at its end. When the bot asks for the visitor's contact, a
//! small form (`ContactCard`, built once and kept) stands in the list at that message. Under
//! the composer, "Talk to a person" hands the conversation over (gone while a person is
//! awaited); the server's note of it reads "a person will follow up here".

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement, KeyboardEvent, Node};

use crate::app::{dispatch, fresh_key};
use crate::chat::Line;
use crate::dom::{Listener, attr, show, skeleton, text};
use crate::i18n::{Strings, push_number};
use crate::state::{Contact, Msg, Problem, State};
use crate::views::field::FieldRow;
use ticketbooth_shared::chat_message::{AuthorKind, MessageText};

const SPEC: &str = "div|cv
 div|lg|role=log
  ol|ms
  p|nt|hidden=
 div|cmp
  textarea|in|rows=2
  button|sn|type=button
   icon||d=M4 12l16-8-6 16-2-7-8-1z
 p|cn|aria-live=polite
 p|er|role=alert
 button|tp|type=button";

/// One message: who, what, when (or how its sending goes), a retry button when it was not
/// sent, and a ticket card on the system message of a ticket opened from the conversation.
const ITEM: &str = "li
 span|au
 p|bx
 div|tk
  span|tc
  span|st
 span|tm
 button|rt|type=button";

/// The in-chat contact form, in its list item.
const CONTACT: &str = "li|m sys cf
 form||novalidate=|aria-labelledby=tb-cf-h
  p|cfh|id=tb-cf-h
  div|f
   label||for=tb-cf-n
   input||id=tb-cf-n|type=text|autocomplete=name|aria-describedby=tb-cf-n-e
   p|er|id=tb-cf-n-e|hidden=
  div|f
   label||for=tb-cf-e
   input||id=tb-cf-e|type=email|autocomplete=email|aria-describedby=tb-cf-e-e
   p|er|id=tb-cf-e-e|hidden=
  p|er|role=alert
  button|btn|type=submit";

/// The contact form the bot's `needs_contact` message asks the visitor to fill.
struct ContactCard {
    root: Element,
    name: FieldRow,
    email: FieldRow,
    failed: Element,
    button: Element,
    _listeners: [Listener; 2],
}

impl ContactCard {
    fn new(list: &Element, s: &Strings) -> ContactCard {
        let n = skeleton(list, CONTACT);
        // Built once, and placed in the list only while a message asks for it.
        n.at(0).remove();
        text(&n.at(2), s.contact_ask);
        text(&n.at(12), s.contact_give);
        let name = FieldRow::input(&n.at(4), n.at(5), &n.at(6), s.name);
        let email = FieldRow::input(&n.at(8), n.at(9), &n.at(10), s.email);
        let (ni, ei) = (name.control(), email.control());
        let read = move || {
            Msg::ChatContactEdited(Contact {
                name: ni.value(),
                email: ei.value(),
            })
        };
        let read2 = read.clone();
        let _listeners = [
            Listener::new(&n.at(1), "input", move |_| dispatch(read())),
            Listener::new(&n.at(1), "submit", move |ev| {
                ev.prevent_default();
                dispatch(read2());
                dispatch(Msg::ChatContactSubmitted);
            }),
        ];
        ContactCard {
            root: n.at(0),
            name,
            email,
            failed: n.at(11),
            button: n.at(12),
            _listeners,
        }
    }

    fn render(&self, state: &State, s: &Strings) {
        let form = &state.chat.contact;
        self.name.set_value(&form.name);
        self.email.set_value(&form.email);
        let problem = |e: Option<_>| e.map(Problem::Local);
        self.name
            .render(problem(form.name_error).as_ref(), s, false);
        self.email
            .render(problem(form.email_error).as_ref(), s, false);
        text(
            &self.failed,
            if form.failed.is_some() {
                s.contact_failed
            } else {
                ""
            },
        );
        attr(
            &self.button,
            "aria-disabled",
            form.sending.then_some("true"),
        );
    }
}

/// What a list item is: a stored message, or one of the visitor's waiting to be sent.
#[derive(PartialEq)]
enum Key {
    Seq(i64),
    /// The contact form, at the message that asks for it.
    Contact,
    Out(String),
    /// The bot's reply while it streams.
    Typing,
}

struct Shown {
    key: Key,
    /// Everything the element shows, so an unchanged message is left alone.
    sig: String,
    el: Element,
}

pub struct Conversation {
    pub root: HtmlElement,
    pub input: HtmlElement,
    list: Element,
    /// "Nobody has answered yet", under the messages, when nobody has.
    nobody: HtmlElement,
    /// The panel's scrolling body.
    scroller: Element,
    count: Element,
    problem: Element,
    /// "Talk to a person".
    person: HtmlElement,
    shown: Vec<Shown>,
    contact: ContactCard,
    _listeners: [Listener; 5],
}

impl Conversation {
    pub fn new(parent: &Element, scroller: &Element, s: &Strings) -> Conversation {
        let n = skeleton(parent, SPEC);
        attr(&n.at(1), "aria-label", Some(s.chat_log));
        attr(&n.at(5), "aria-label", Some(s.message));
        attr(&n.at(6), "aria-label", Some(s.send_message));
        text(
            &n.at(3),
            &[s.nobody_yet, s.subtitle, s.nobody_ticket].concat(),
        );
        text(&n.at(10), s.talk_to_person);
        let input = n.html(5);
        let typed: HtmlTextAreaElement = input.clone().unchecked_into();
        let _listeners = [
            Listener::new(&n.at(5), "input", move |_| {
                dispatch(Msg::ChatEdited(typed.value()))
            }),
            Listener::new(&n.at(5), "keydown", |ev| {
                // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition
                // only ends the composition.
                let key: &KeyboardEvent = ev.unchecked_ref();
                if key.key() == "Enter" && !key.shift_key() && !key.is_composing() {
                    key.prevent_default();
                    dispatch(Msg::ChatSubmit {
                        fresh_key: fresh_key(),
                    });
                }
            }),
            Listener::new(&n.at(6), "click", |_| {
                dispatch(Msg::ChatSubmit {
                    fresh_key: fresh_key(),
                })
            }),
            Listener::new(&n.at(10), "click", |_| dispatch(Msg::ChatEscalate)),
            // One listener for every message's retry button.
            Listener::new(&n.at(2), "click", |ev| {
                let target: Option<Element> = ev.target().map(JsCast::unchecked_into);
                if target.is_some_and(|t| t.closest(".rt").ok().flatten().is_some()) {
                    dispatch(Msg::ChatRetry);
                }
            }),
        ];
        Conversation {
            root: n.html(0),
            input,
            list: n.at(2),
            nobody: n.html(3),
            scroller: scroller.clone(),
            count: n.at(8),
            problem: n.at(9),
            person: n.html(10),
            shown: Vec::new(),
            contact: ContactCard::new(&n.at(2), s),
            _listeners,
        }
    }

    pub fn render(&mut self, state: &State, s: &Strings) {
        let chat = &state.chat;
        let area: &HtmlTextAreaElement = self.input.unchecked_ref();
        if area.value() != chat.input {
            area.set_value(&chat.input);
        }
        // The limit, shown before sending: the count appears near it and says when it is over.
        let chars = chat.input_chars();
        let mut count = String::new();
        if chars > MessageText::MAX_CHARS * 9 / 10 {
            push_number(&mut count, chars);
            count.push_str(" / ");
            push_number(&mut count, MessageText::MAX_CHARS);
            if chat.input_too_long() {
                count.push_str(s.over_limit);
            }
        }
        text(&self.count, &count);
        attr(
            &self.count,
            "class",
            Some(if chat.input_too_long() {
                "cn bad"
            } else {
                "cn"
            }),
        );
        attr(
            &self.input,
            "aria-invalid",
            (chat.input_too_long() || chat.problem.is_some()).then_some("true"),
        );
        let problem = match (&chat.problem, &chat.refused) {
            (Some(e), _) => s.field_error(*e),
            (None, Some(_)) => s.message_refused.into(),
            (None, None) if chat.escalate_failed => s.talk_failed.into(),
            (None, None) => String::new(),
        };
        text(&self.problem, &problem);
        show(&self.person, chat.person_offered());
        attr(
            &self.person,
            "aria-disabled",
            chat.escalating.then_some("true"),
        );
        self.contact.render(state, s);
        show(&self.nobody, chat.unanswered() && chat.typing.is_none());
        self.render_list(state, s);
    }

    fn render_list(&mut self, state: &State, s: &Strings) {
        let chat = &state.chat;
        let at_end = {
            let sc = &self.scroller;
            sc.scroll_height() - sc.scroll_top() - sc.client_height() < 40
        };
        let failed = chat.stalled || !state.online;
        // `None`: the contact form (kept whole, so typing in it is never disturbed).
        let mut wanted: Vec<(Key, String, Option<Item>)> = Vec::new();
        let mut previous: Option<(AuthorKind, Option<&str>)> = None;
        let asked = chat.contact_asked();
        for line in &chat.lines {
            let who = (line.author, line.name.as_deref());
            let grouped = line.author != AuthorKind::System && previous == Some(who);
            previous = Some(who);
            if line.needs_contact && asked == Some(line.seq) {
                wanted.push((Key::Contact, String::new(), None));
                continue;
            }
            let mut item = Item::stored(line, grouped, s);
            if line.escalated {
                // The server's note, in the visitor's language.
                item.text = s.person_follows.into();
            }
            if line.needs_contact {
                // Answered (or asked again further down): the thanks line, or what was asked.
                let given = chat.contact.given.is_some_and(|g| g >= line.seq);
                item.text = if given {
                    s.contact_thanks
                } else {
                    s.contact_ask
                }
                .into();
            }
            wanted.push((Key::Seq(line.seq), item.sig(), Some(item)));
        }
        for out in &chat.outbox {
            let grouped = previous == Some((AuthorKind::Visitor, None));
            previous = Some((AuthorKind::Visitor, None));
            let item = Item {
                class: if grouped { "m me grp" } else { "m me" },
                author: s.you.into(),
                text: out.text.clone(),
                status: if failed { s.not_sent } else { s.sending }.into(),
                retry: failed,
                card: None,
            };
            wanted.push((Key::Out(out.key.clone()), item.sig(), Some(item)));
        }
        if let Some(t) = &chat.typing {
            let item = Item {
                class: "m bot typing",
                author: bot_label(t.name.as_deref(), s),
                text: if t.text.is_empty() {
                    "…".into()
                } else {
                    t.text.clone()
                },
                status: s.typing.into(),
                retry: false,
                card: None,
            };
            wanted.push((Key::Typing, item.sig(), Some(item)));
        }
        if self.shown.len() == wanted.len()
            && self
                .shown
                .iter()
                .zip(&wanted)
                .all(|(a, (k, sig, _))| a.key == *k && a.sig == *sig)
        {
            return;
        }
        let mut old = std::mem::take(&mut self.shown);
        let mut next: Option<Node> = self.list.first_child();
        for (key, sig, item) in wanted {
            let el = match old.iter().position(|o| o.key == key && o.sig == sig) {
                Some(i) => old.swap_remove(i).el,
                None => match item {
                    Some(item) => item.build(&self.list, s),
                    None => self.contact.root.clone(),
                },
            };
            let node: &Node = &el;
            if next.as_ref() == Some(node) {
                next = el.next_sibling();
            } else {
                let _ = self.list.insert_before(&el, next.as_ref());
            }
            self.shown.push(Shown { key, sig, el });
        }
        for gone in old {
            gone.el.remove();
        }
        if at_end {
            self.scroller.set_scroll_top(self.scroller.scroll_height());
        }
    }
}

/// What one list item shows.
struct Item {
    class: &'static str,
    author: String,
    text: String,
    status: String,
    retry: bool,
    card: Option<(String, &'static str, &'static str)>,
}

impl Item {
    fn stored(line: &Line, grouped: bool, s: &Strings) -> Item {
        let (class, author) = match line.author {
            AuthorKind::Visitor => ("m me", s.you.to_owned()),
            AuthorKind::Operator => ("m op", line.name.clone().unwrap_or_else(|| s.team.into())),
            // The bot is named, and says it is a bot: a visitor must know who answers.
            AuthorKind::Bot => ("m bot", bot_label(line.name.as_deref(), s)),
            AuthorKind::System => ("m sys", String::new()),
        };
        let class = match (grouped, class) {
            (true, "m me") => "m me grp",
            (true, "m op") => "m op grp",
            (true, "m bot") => "m bot grp",
            (_, c) => c,
        };
        let mut status = String::new();
        if line.author == AuthorKind::Visitor {
            status.push_str(s.sent);
            status.push_str(" · ");
        }
        push_time(&mut status, &line.at);
        Item {
            class,
            author,
            text: line.text.clone(),
            status,
            retry: false,
            card: line
                .ticket
                .as_ref()
                .map(|c| (c.code.clone(), s.status(c.status), c.status.as_str())),
        }
    }

    fn sig(&self) -> String {
        let (code, label, _) = self.card.clone().unwrap_or_default();
        [
            self.class,
            self.author.as_str(),
            self.text.as_str(),
            self.status.as_str(),
            if self.retry { "r" } else { "" },
            code.as_str(),
            label,
        ]
        .join("\u{1f}")
    }

    fn build(&self, list: &Element, s: &Strings) -> Element {
        let n = skeleton(list, ITEM);
        attr(&n.at(0), "class", Some(self.class));
        text(&n.at(1), &self.author);
        show(&n.html(1), !self.author.is_empty());
        text(&n.at(2), &self.text);
        match &self.card {
            Some((code, label, status)) => {
                attr(&n.at(3), "aria-label", Some(s.ticket));
                text(&n.at(4), code);
                text(&n.at(5), label);
                attr(&n.at(5), "data-s", Some(status));
            }
            None => show(&n.html(3), false),
        }
        text(&n.at(6), &self.status);
        text(&n.at(7), s.retry);
        show(&n.html(7), self.retry);
        n.at(0)
    }
}

/// The bot by its name, and as a bot: a visitor must know who answers.
fn bot_label(name: Option<&str>, s: &Strings) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(name) => [name, " · ", s.bot].concat(),
        None => s.bot.to_owned(),
    }
}

/// Appends a message's local time as `HH:MM` (the browser's clock and zone; nothing when the
/// server's time does not parse).
fn push_time(out: &mut String, at: &str) {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(at));
    if date.get_time().is_nan() {
        return;
    }
    let (h, m) = (date.get_hours(), date.get_minutes());
    for part in [h, m] {
        if part < 10 {
            out.push('0');
        }
        push_number(out, part as usize);
        out.push(':');
    }
    out.pop();
}
