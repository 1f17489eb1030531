//! "Ticket opened": the code to keep, and a way to the visitor's tickets.

use web_sys::{Element, HtmlElement};

use crate::app::dispatch;
use crate::dom::{ICON_CHECK, Listener, button, el, icon, set_text};
use crate::i18n::Strings;
use crate::state::{Msg, Screen, State};

pub struct Confirmation {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    body: HtmlElement,
    code: HtmlElement,
    follow: HtmlElement,
    _follow: Listener,
}

impl Confirmation {
    pub fn new(parent: &Element) -> Confirmation {
        let root = el(parent, "section", "done");
        let ok = el(&root, "div", "ok");
        icon(&ok, ICON_CHECK);
        let heading = el(&root, "h3", "");
        heading.set_tab_index(-1);
        let body = el(&root, "p", "");
        let code = el(&root, "p", "code");
        let follow = button(&root, "btn alt", "");
        let _follow = Listener::new(&follow, "click", |_| dispatch(Msg::ShowTickets));
        Confirmation {
            root,
            heading,
            body,
            code,
            follow,
            _follow,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        if let Screen::Done { code } = &state.screen {
            set_text(&self.heading, s.done_title);
            set_text(&self.body, s.done_body);
            set_text(&self.code, code);
            set_text(&self.follow, s.done_follow);
        }
    }
}
