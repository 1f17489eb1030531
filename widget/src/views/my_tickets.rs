//! "My tickets": the visitor's tickets, newest first, with their visitor-facing status, and
//! "New reply" (a dot and the words) on those with a team reply the visitor has not opened.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::app::dispatch;
use crate::dom::{Listener, attr, show, skeleton, text};
use crate::i18n::Strings;
use crate::state::{Msg, Screen, State, TicketRow, Tickets};

const SPEC: &str = "section
 h3||tabindex=-1
 p
 ul";

/// A row opens the ticket's thread (the list's one click listener finds which).
const ROW: &str = "li
 button|tr|type=button
  div|row
   span|tc
   span|st
  div|sj
  span|nw";

pub struct MyTickets {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    line: HtmlElement,
    list: Element,
    /// What the list shows now (each row and whether it is unread), so a render that changes
    /// nothing touches no element.
    shown: Vec<(TicketRow, bool)>,
    _open: Listener,
}

impl MyTickets {
    pub fn new(parent: &Element, s: &Strings) -> MyTickets {
        let n = skeleton(parent, SPEC);
        text(&n.at(1), s.tickets_title);
        let _open = Listener::new(&n.at(3), "click", |ev| {
            let target: Option<Element> = ev.target().map(JsCast::unchecked_into);
            let id = target
                .and_then(|t| t.closest("button.tr").ok().flatten())
                .and_then(|b| b.get_attribute("data-id"));
            if let Some(id) = id {
                dispatch(Msg::OpenThread(id));
            }
        });
        MyTickets {
            root: n.html(0),
            heading: n.html(1),
            line: n.html(2),
            list: n.at(3),
            shown: Vec::new(),
            _open,
        }
    }

    pub fn render(&mut self, state: &State, s: &Strings) {
        if state.screen != Screen::Tickets {
            return;
        }
        let (line, rows): (&str, &[TicketRow]) = match &state.tickets {
            Tickets::Loaded(rows) if rows.is_empty() => (s.tickets_empty, &[]),
            Tickets::Loaded(rows) => ("", rows),
            Tickets::Failed if !state.has_token => (s.tickets_empty, &[]),
            Tickets::Failed => (s.tickets_failed, &[]),
            Tickets::Stale | Tickets::Loading => (s.tickets_loading, &[]),
        };
        text(&self.line, line);
        show(&self.line, !line.is_empty());
        let shown: Vec<(TicketRow, bool)> = rows
            .iter()
            .map(|r| (r.clone(), state.is_unread(r)))
            .collect();
        if self.shown == shown {
            return;
        }
        self.list.set_text_content(None);
        for (row, unread) in &shown {
            let n = skeleton(&self.list, ROW);
            attr(&n.at(1), "data-id", Some(&row.id));
            text(&n.at(3), &row.code);
            let (label, shade) = row.shown_status(s);
            text(&n.at(4), label);
            attr(&n.at(4), "data-s", Some(shade));
            text(&n.at(5), &row.subject);
            text(&n.html(6), s.tickets_new_reply);
            show(&n.html(6), *unread);
        }
        self.shown = shown;
    }
}
