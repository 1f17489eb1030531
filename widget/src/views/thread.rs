//! A ticket's thread: its code, subject and status, the team's customer-facing replies and the
//! visitor's own, and a reply box (a resolved ticket reopens on reply; a closed one says so and
//! offers a new ticket instead).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};

use crate::app::{dispatch, fresh_key};
use crate::dom::{Listener, attr, show, skeleton, text};
use crate::i18n::Strings;
use crate::state::{Msg, Screen, State, ThreadComment};
use ticketbooth_shared::Status;

const SPEC: &str = "section
 h3||tabindex=-1
 div|row
  span|tc
  span|st
 p
 ol|ms
 p|nt
 form|rp|novalidate=
  textarea|in|rows=3
  button|btn|type=submit
 button|btn alt|type=button";

const ITEM: &str = "li
 span|au
 p|bx
 span|tm";

pub struct ThreadView {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    code: Element,
    status: Element,
    line: HtmlElement,
    list: Element,
    notice: HtmlElement,
    form: HtmlElement,
    input: HtmlTextAreaElement,
    send: HtmlElement,
    new_ticket: HtmlElement,
    /// What the list shows now, so a render that changes nothing touches no element.
    shown: Option<Vec<ThreadComment>>,
    _listeners: [Listener; 3],
}

impl ThreadView {
    pub fn new(parent: &Element, s: &Strings) -> ThreadView {
        let n = skeleton(parent, SPEC);
        attr(&n.at(9), "aria-label", Some(s.reply));
        text(&n.at(10), s.send_reply);
        text(&n.at(11), s.cta);
        let input: HtmlTextAreaElement = n.at(9).unchecked_into();
        let typed = input.clone();
        let _listeners = [
            Listener::new(&n.at(9), "input", move |_| {
                dispatch(Msg::ThreadEdited(typed.value()))
            }),
            Listener::new(&n.at(8), "submit", |ev| {
                ev.prevent_default();
                dispatch(Msg::ThreadSubmit {
                    fresh_key: fresh_key(),
                });
            }),
            Listener::new(&n.at(11), "click", |_| dispatch(Msg::StartTicket)),
        ];
        ThreadView {
            root: n.html(0),
            heading: n.html(1),
            code: n.at(3),
            status: n.at(4),
            line: n.html(5),
            list: n.at(6),
            notice: n.html(7),
            form: n.html(8),
            input,
            send: n.html(10),
            new_ticket: n.html(11),
            shown: None,
            _listeners,
        }
    }

    pub fn render(&mut self, state: &State, s: &Strings) {
        let Screen::Thread { id } = &state.screen else {
            return;
        };
        let Some(row) = state.thread_row(id) else {
            return;
        };
        let t = &state.thread;
        text(&self.heading, &row.subject);
        text(&self.code, &row.code);
        let (label, shade) = row.shown_status(s);
        text(&self.status, label);
        attr(&self.status, "data-s", Some(shade));
        let closed = row.status == Status::Closed;
        let line = match (&t.comments, t.failed) {
            (_, true) => s.tickets_failed,
            (None, _) => s.tickets_loading,
            (Some(c), _) if c.is_empty() => s.thread_empty,
            _ => "",
        };
        text(&self.line, line);
        show(&self.line, !line.is_empty());
        let notice = match t.notice.as_deref() {
            _ if closed => s.thread_closed,
            None => "",
            Some("unreachable") => s.thread_unreachable,
            Some(_) => s.refused,
        };
        text(&self.notice, notice);
        show(&self.notice, !notice.is_empty());
        show(&self.form, !closed);
        show(&self.new_ticket, closed);
        if self.input.value() != t.reply {
            self.input.set_value(&t.reply);
        }
        attr(&self.send, "disabled", t.sending.then_some(""));
        if self.shown.as_ref() == t.comments.as_ref() {
            return;
        }
        self.list.set_text_content(None);
        for c in t.comments.iter().flatten() {
            let n = skeleton(&self.list, ITEM);
            let (class, who) = if c.from_team {
                ("m op", c.name.as_deref().unwrap_or(s.team))
            } else {
                ("m me", s.you)
            };
            attr(&n.at(0), "class", Some(class));
            text(&n.at(1), who);
            text(&n.at(2), &c.body);
            text(&n.at(3), c.at.get(..10).unwrap_or(""));
        }
        self.shown = t.comments.clone();
    }
}
