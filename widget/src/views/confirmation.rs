//! "Ticket opened": the code to keep, and a way to the visitor's tickets.

use crate::app::dispatch;
use crate::dom::{ICON_CHECK, Js, Listener, attr, button, el, icon, text};
use crate::i18n::Strings;
use crate::state::{Msg, Screen, State};

pub struct Confirmation {
    pub root: Js,
    pub heading: Js,
    body: Js,
    code: Js,
    follow: Js,
    _follow: Listener,
}

impl Confirmation {
    pub fn new(parent: &Js) -> Confirmation {
        let root = el(parent, "section", "done");
        let ok = el(&root, "div", "ok");
        icon(&ok, ICON_CHECK, "");
        let heading = el(&root, "h3", "");
        attr(&heading, "tabindex", Some("-1"));
        let body = el(&root, "p", "");
        let code = el(&root, "p", "code");
        let follow = button(&root, "btn alt");
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
            text(&self.heading, s.done_title);
            text(&self.body, s.done_body);
            text(&self.code, code);
            text(&self.follow, s.done_follow);
        }
    }
}
