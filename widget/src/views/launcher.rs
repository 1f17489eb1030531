//! The round button that opens and closes the panel.

use crate::app::dispatch;
use crate::dom::{ICON_CHAT, ICON_CLOSE, Js, Listener, attr, button, flag, icon};
use crate::i18n::Strings;
use crate::state::{Msg, State};

pub struct Launcher {
    pub button: Js,
    _click: Listener,
}

impl Launcher {
    pub fn new(parent: &Js) -> Launcher {
        let button = button(parent, "l");
        attr(&button, "aria-controls", Some("tb-panel"));
        attr(&button, "aria-haspopup", Some("dialog"));
        icon(&button, ICON_CHAT, "i-open");
        icon(&button, ICON_CLOSE, "i-close");
        let _click = Listener::new(&button, "click", |_| dispatch(Msg::Toggle));
        Launcher { button, _click }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        let label = if state.open {
            s.launcher_close
        } else {
            s.launcher_open
        };
        attr(&self.button, "aria-label", Some(label));
        flag(&self.button, "aria-expanded", state.open);
    }
}
