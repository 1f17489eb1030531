//! The panel's first screen: the conversation (a greeting while it is empty), and under it the
//! "Open a ticket" call to action and "My tickets".

use crate::app::dispatch;
use web_sys::{Element, HtmlElement};

use crate::dom::{Listener, show, skeleton, text, texts};
use crate::i18n::Strings;
use crate::state::{Msg, State};
use crate::views::conversation::Conversation;

const SPEC: &str = "section
 h3||tabindex=-1
 p
 p|nt
 div
 div|acts
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
    pub conversation: Conversation,
    intro: HtmlElement,
    cta_label: Element,
    disabled: HtmlElement,
    _listeners: [Listener; 2],
}

impl Home {
    /// `parent` is the panel's scrolling body (the conversation follows new messages in it).
    pub fn new(parent: &Element, s: &Strings) -> Home {
        let n = skeleton(parent, SPEC);
        texts(
            &n,
            &[
                (1, s.greeting),
                (2, s.chat_intro),
                (3, s.disabled),
                (11, s.cta_hint),
            ],
        );
        texts(&n, &[(17, s.my_tickets), (18, s.my_tickets_hint)]);
        let _listeners = [
            Listener::new(&n.at(6), "click", |_| dispatch(Msg::StartTicket)),
            Listener::new(&n.at(13), "click", |_| dispatch(Msg::ShowTickets)),
        ];
        let conversation = Conversation::new(&n.at(4), parent, s);
        Home {
            root: n.html(0),
            heading: n.html(1),
            intro: n.html(2),
            disabled: n.html(3),
            cta: n.html(6),
            cta_label: n.at(10),
            conversation,
            _listeners,
        }
    }

    pub fn render(&mut self, state: &State, s: &Strings) {
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
        // The greeting while the conversation is empty; then the messages have the room.
        let empty = state.chat.lines.is_empty() && state.chat.outbox.is_empty();
        show(&self.heading, empty);
        show(&self.intro, empty);
        self.conversation.render(state, s);
    }
}
