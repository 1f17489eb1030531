//! The panel's first screen: a greeting, the "Open a ticket" call to action and "My tickets".

use web_sys::{Element, HtmlElement};

use crate::app::dispatch;
use crate::dom::{ICON_LIST, ICON_NEXT, ICON_TICKET, Listener, button, el, icon, set_text, show};
use crate::i18n::Strings;
use crate::state::{Msg, State};

pub struct Home {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    intro: HtmlElement,
    pub cta: HtmlElement,
    cta_label: HtmlElement,
    cta_hint: HtmlElement,
    tickets_label: HtmlElement,
    tickets_hint: HtmlElement,
    disabled: HtmlElement,
    _listeners: [Listener; 2],
}

/// A big button with an icon, a title and a hint.
fn card(parent: &Element, class: &str, path: &str) -> (HtmlElement, HtmlElement, HtmlElement) {
    let b = button(parent, class, "");
    let ic = el(&b, "span", "ic");
    icon(&ic, path);
    let text = el(&b, "span", "tx");
    let title = el(&text, "b", "");
    let hint = el(&text, "small", "");
    icon(&b, ICON_NEXT).set_attribute("class", "nx").ok();
    (b, title, hint)
}

impl Home {
    pub fn new(parent: &Element) -> Home {
        let root = el(parent, "section", "home");
        let heading = el(&root, "h3", "");
        heading.set_tab_index(-1);
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
        set_text(&self.heading, s.greeting);
        set_text(&self.intro, s.intro);
        let label = match &state.config {
            // The site's own label, in the site's words, when it changed the default.
            Some(c) if !c.cta_label.is_empty() && c.cta_label != "Open a ticket" => {
                c.cta_label.as_str()
            }
            _ => s.cta,
        };
        set_text(&self.cta_label, label);
        set_text(&self.cta_hint, s.cta_hint);
        set_text(&self.tickets_label, s.my_tickets);
        set_text(&self.tickets_hint, s.my_tickets_hint);
        set_text(&self.disabled, s.disabled);
        show(&self.cta, !state.disabled());
        show(&self.disabled, state.disabled());
    }
}
