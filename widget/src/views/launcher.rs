//! The round button that opens and closes the panel.

use crate::app::dispatch;
use crate::dom::{Js, Listener, attr, flag, skeleton};
use crate::i18n::Strings;
use crate::state::Msg;

const SPEC: &str = "button|l|type=button|aria-controls=tb-panel|aria-haspopup=dialog
 icon|i-open|d=M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z
 icon|i-close|d=M6 6l12 12M18 6 6 18";

pub struct Launcher {
    pub button: Js,
    _click: Listener,
}

impl Launcher {
    pub fn new(parent: &Js) -> Launcher {
        let button = skeleton(parent, SPEC).at(0);
        let _click = Listener::new(&button, "click", |_| dispatch(Msg::Toggle));
        Launcher { button, _click }
    }

    pub fn render(&self, open: bool, s: &Strings) {
        let label = if open {
            s.launcher_close
        } else {
            s.launcher_open
        };
        attr(&self.button, "aria-label", Some(label));
        flag(&self.button, "aria-expanded", open);
    }
}
