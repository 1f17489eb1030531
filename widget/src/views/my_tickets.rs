//! "My tickets": the visitor's tickets, newest first, with their visitor-facing status.

use std::cell::RefCell;

use crate::dom::{Js, attr, el, show, text, text_el};
use crate::i18n::Strings;
use crate::js;
use crate::state::{Screen, State, TicketRow, Tickets};

pub struct MyTickets {
    pub root: Js,
    pub heading: Js,
    line: Js,
    list: Js,
    /// What the list shows now, so a render that changes nothing touches no element.
    shown: RefCell<Vec<TicketRow>>,
}

impl MyTickets {
    pub fn new(parent: &Js) -> MyTickets {
        let root = el(parent, "section", "");
        let heading = el(&root, "h3", "");
        attr(&heading, "tabindex", Some("-1"));
        let line = el(&root, "p", "");
        let list = el(&root, "ul", "");
        MyTickets {
            root,
            heading,
            line,
            list,
            shown: RefCell::new(Vec::new()),
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        if state.screen != Screen::Tickets {
            return;
        }
        text(&self.heading, s.tickets_title);
        let (line, rows): (&str, &[TicketRow]) = match &state.tickets {
            Tickets::Loaded(rows) if rows.is_empty() => (s.tickets_empty, &[]),
            Tickets::Loaded(rows) => ("", rows),
            Tickets::Failed if !state.has_token => (s.tickets_empty, &[]),
            Tickets::Failed => (s.tickets_failed, &[]),
            Tickets::Stale | Tickets::Loading => (s.tickets_loading, &[]),
        };
        text(&self.line, line);
        show(&self.line, !line.is_empty());
        let mut shown = self.shown.borrow_mut();
        if shown.as_slice() == rows {
            return;
        }
        js::clear(&self.list);
        for row in rows {
            let li = el(&self.list, "li", "");
            let top = el(&li, "div", "row");
            text_el(&top, "span", "tc", &row.code);
            let pill = text_el(&top, "span", "st", s.status(row.status));
            attr(&pill, "data-s", Some(row.status.as_str()));
            text_el(&li, "div", "sj", &row.subject);
        }
        *shown = rows.to_vec();
    }
}
