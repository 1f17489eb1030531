//! The panel: a labelled dialog with a header (back, title, close), a live notice line, the
//! screens, and a footer. Escape closes it; Tab and Shift+Tab stay inside it (`dialogKeys` in
//! host.js).

use crate::app::dispatch;
use crate::dom::{Js, Listener, attr, show, skeleton, text, texts};
use crate::i18n::Strings;
use crate::js::{self, Callback, callback};
use crate::state::{Msg, Notice, Screen, State};

const SPEC: &str = "div|p|id=tb-panel|role=dialog|aria-modal=true|aria-labelledby=tb-title|hidden=
 div|hd
  button|ib|type=button
   icon|flip|d=M15 18l-6-6 6-6
  div|tt
   h2||id=tb-title
   p
  button|ib|type=button
   icon||d=M6 6l12 12M18 6 6 18
 div|bd
  p|nt|role=status|aria-live=polite
 div|ft";

pub struct Panel {
    pub root: Js,
    /// Where the screens go.
    pub body: Js,
    back: Js,
    notice: Js,
    _listeners: [Listener; 2],
    _escape: Callback,
}

impl Panel {
    pub fn new(parent: &Js, shadow: &Js, s: &Strings) -> Panel {
        let n = skeleton(parent, SPEC);
        texts(&n, &[(5, s.title), (6, s.subtitle), (11, s.powered)]);
        attr(&n.at(2), "aria-label", Some(s.back));
        attr(&n.at(7), "aria-label", Some(s.close));
        let _escape = callback(Box::new(|_| dispatch(Msg::Close)));
        js::dialog_keys(&n.at(0), shadow, &_escape);
        let _listeners = [
            Listener::new(&n.at(2), "click", |_| dispatch(Msg::Back)),
            Listener::new(&n.at(7), "click", |_| dispatch(Msg::Close)),
        ];
        Panel {
            root: n.at(0),
            body: n.at(9),
            back: n.at(2),
            notice: n.at(10),
            _listeners,
            _escape,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        show(&self.root, state.open);
        show(&self.back, state.screen != Screen::Home);
        let on_form = matches!(state.screen, Screen::Form | Screen::Contact);
        let (line, bad) = match &state.notice {
            Notice::FixFields if on_form => (s.fix_fields, true),
            Notice::Queued if state.screen == Screen::Form => (s.queued, false),
            Notice::Refused(_) if on_form => (s.refused, true),
            _ => ("", false),
        };
        text(&self.notice, line);
        attr(
            &self.notice,
            "class",
            Some(if bad { "nt bad" } else { "nt" }),
        );
    }
}
