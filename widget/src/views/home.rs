//! The panel's first screen: a greeting, the "Open a ticket" call to action and "My tickets".

use crate::app::dispatch;
use crate::dom::{ICON_LIST, ICON_NEXT, ICON_TICKET, Js, Listener, button, el, icon, show, text};
use crate::i18n::Strings;
use crate::state::{Msg, State};

pub struct Home {
    pub root: Js,
    pub heading: Js,
    intro: Js,
    pub cta: Js,
    cta_label: Js,
    cta_hint: Js,
    tickets_label: Js,
    tickets_hint: Js,
    disabled: Js,
    _listeners: [Listener; 2],
}

/// A big button with an icon, a title and a hint.
fn card(parent: &Js, class: &str, path: &str) -> (Js, Js, Js) {
    let b = button(parent, class);
    let ic = el(&b, "span", "ic");
    icon(&ic, path, "");
    let tx = el(&b, "span", "tx");
    let title = el(&tx, "b", "");
    let hint = el(&tx, "small", "");
    icon(&b, ICON_NEXT, "nx");
    (b, title, hint)
}

impl Home {
    pub fn new(parent: &Js) -> Home {
        let root = el(parent, "section", "");
        let heading = el(&root, "h3", "");
        crate::js::attr(&heading, "tabindex", Some("-1"));
        let intro = el(&root, "p", "");
        let disabled = el(&root, "p", "nt");
        let (cta, cta_label, cta_hint) = card(&root, "card primary", ICON_TICKET);
        let (tickets, tickets_label, tickets_hint) = card(&root, "card", ICON_LIST);
        let _listeners = [
            Listener::new(&cta, "click", |_| dispatch(Msg::StartTicket)),
            Listener::new(&tickets, "click", |_| dispatch(Msg::ShowTickets)),
        ];
        Home {
            root,
            heading,
            intro,
            cta,
            cta_label,
            cta_hint,
            tickets_label,
            tickets_hint,
            disabled,
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        text(&self.heading, s.greeting);
        text(&self.intro, s.intro);
        let label = match &state.config {
            // The site's own label, in the site's words, when it changed the default.
            Some(c) if !c.cta_label.is_empty() && c.cta_label != "Open a ticket" => {
                c.cta_label.as_str()
            }
            _ => s.cta,
        };
        text(&self.cta_label, label);
        text(&self.cta_hint, s.cta_hint);
        text(&self.tickets_label, s.my_tickets);
        text(&self.tickets_hint, s.my_tickets_hint);
        text(&self.disabled, s.disabled);
        show(&self.cta, !state.disabled());
        show(&self.disabled, state.disabled());
    }
}
