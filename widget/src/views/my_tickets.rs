//! "My tickets": the visitor's tickets, newest first, with their visitor-facing status.

use web_sys::{Element, HtmlElement};

use crate::dom::{attr, show, skeleton, text};
use crate::i18n::Strings;
use crate::state::{Screen, State, TicketRow, Tickets};

const SPEC: &str = "section
 h3||tabindex=-1
 p
 ul";

const ROW: &str = "li
 div|row
  span|tc
  span|st
 div|sj";

pub struct MyTickets {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    line: HtmlElement,
    list: Element,
    /// What the list shows now, so a render that changes nothing touches no element.
    shown: Vec<TicketRow>,
}

impl MyTickets {
    pub fn new(parent: &Element, s: &Strings) -> MyTickets {
        let n = skeleton(parent, SPEC);
        text(&n.at(1), s.tickets_title);
        MyTickets {
            root: n.html(0),
            heading: n.html(1),
            line: n.html(2),
            list: n.at(3),
            shown: Vec::new(),
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
        if self.shown.as_slice() == rows {
            return;
        }
        self.list.set_text_content(None);
        for row in rows {
            let n = skeleton(&self.list, ROW);
            text(&n.at(2), &row.code);
            text(&n.at(3), s.status(row.status));
            attr(&n.at(3), "data-s", Some(row.status.as_str()));
            text(&n.at(4), &row.subject);
        }
        self.shown = rows.to_vec();
    }
}
