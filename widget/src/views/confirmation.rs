//! "Ticket opened": the code to keep, and a way to the visitor's tickets.

use crate::app::dispatch;
use web_sys::{Element, HtmlElement};

use crate::dom::{Listener, skeleton, text, texts};
use crate::i18n::Strings;
use crate::state::{Msg, Screen, State};

const SPEC: &str = "section|done
 div|ok
  icon||d=M5 12.5l4.5 4.5L19 7
 h3||tabindex=-1
 p
 p|code
 button|btn alt|type=button";

pub struct Confirmation {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    code: Element,
    _follow: Listener,
}

impl Confirmation {
    pub fn new(parent: &Element, s: &Strings) -> Confirmation {
        let n = skeleton(parent, SPEC);
        texts(
            &n,
            &[(3, s.done_title), (4, s.done_body), (6, s.done_follow)],
        );
        let _follow = Listener::new(&n.at(6), "click", |_| dispatch(Msg::ShowTickets));
        Confirmation {
            root: n.html(0),
            heading: n.html(3),
            code: n.at(5),
            _follow,
        }
    }

    pub fn render(&self, state: &State) {
        if let Screen::Done { code } = &state.screen {
            text(&self.code, code);
        }
    }
}
