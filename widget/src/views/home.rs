//! The panel's first screen: a greeting, the "Open a ticket" call to action and "My tickets".

use crate::app::dispatch;
use web_sys::{Element, HtmlElement};

use crate::dom::{Listener, show, skeleton, text, texts};
use crate::i18n::Strings;
use crate::state::{Msg, State};

const SPEC: &str = "section
 h3||tabindex=-1
 p
 p|nt
 button|card primary|type=button
  span|ic
   icon||d=M3 8V6h18v2a3 3 0 0 0 0 6v4H3v-4a3 3 0 0 0 0-6zM14 6v12
  span|tx
   b
   small
  icon|nx|d=M9 6l6 6-6 6
 button|card|type=button
  span|ic
   icon||d=M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01
  span|tx
   b
   small
  icon|nx|d=M9 6l6 6-6 6";

pub struct Home {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    pub cta: HtmlElement,
    cta_label: Element,
    disabled: HtmlElement,
    _listeners: [Listener; 2],
}

impl Home {
    pub fn new(parent: &Element, s: &Strings) -> Home {
        let n = skeleton(parent, SPEC);
        texts(
            &n,
            &[
                (1, s.greeting),
                (2, s.intro),
                (3, s.disabled),
                (9, s.cta_hint),
            ],
        );
        texts(&n, &[(15, s.my_tickets), (16, s.my_tickets_hint)]);
        let _listeners = [
            Listener::new(&n.at(4), "click", |_| dispatch(Msg::StartTicket)),
            Listener::new(&n.at(11), "click", |_| dispatch(Msg::ShowTickets)),
        ];
        Home {
            root: n.html(0),
            heading: n.html(1),
            disabled: n.html(3),
            cta: n.html(4),
            cta_label: n.at(8),
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        let label = match &state.config {
            // The site's own label, in the site's words, when it changed the default.
            Some(c) if !c.cta_label.is_empty() && c.cta_label != "Open a ticket" => {
                c.cta_label.as_str()
            }
            _ => s.cta,
        };
        text(&self.cta_label, label);
        show(&self.cta, !state.disabled());
        show(&self.disabled, state.disabled());
    }
}
