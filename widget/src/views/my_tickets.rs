//! "My tickets": the visitor's tickets, newest first, with their visitor-facing status.

use std::cell::RefCell;

use crate::dom::{Js, attr, show, skeleton, text};
use crate::i18n::Strings;
use crate::js;
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
    pub root: Js,
    pub heading: Js,
    line: Js,
    list: Js,
    /// What the list shows now, so a render that changes nothing touches no element.
    shown: RefCell<Vec<TicketRow>>,
}

impl MyTickets {
    pub fn new(parent: &Js, s: &Strings) -> MyTickets {
        let n = skeleton(parent, SPEC);
        text(&n[1], s.tickets_title);
        MyTickets {
            root: n[0].clone(),
            heading: n[1].clone(),
            line: n[2].clone(),
            list: n[3].clone(),
            shown: RefCell::new(Vec::new()),
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
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
        let mut shown = self.shown.borrow_mut();
        if shown.as_slice() == rows {
            return;
        }
        js::clear(&self.list);
        for row in rows {
            let n = skeleton(&self.list, ROW);
            text(&n[2], &row.code);
            text(&n[3], s.status(row.status));
            attr(&n[3], "data-s", Some(row.status.as_str()));
            text(&n[4], &row.subject);
        }
        *shown = rows.to_vec();
    }
}
