//! The round button that opens and closes the panel.

use web_sys::{Element, HtmlElement};

use crate::app::dispatch;
use crate::dom::{ICON_CHAT, ICON_CLOSE, Listener, attr, button, icon};
use crate::i18n::Strings;
use crate::state::{Msg, State};

pub struct Launcher {
    pub button: HtmlElement,
    _click: Listener,
}

impl Launcher {
    pub fn new(parent: &Element) -> Launcher {
        let button = button(parent, "l", "");
        attr(&button, "aria-controls", "tb-panel");
        attr(&button, "aria-haspopup", "dialog");
        icon(&button, ICON_CHAT)
            .set_attribute("class", "i-open")
            .ok();
        icon(&button, ICON_CLOSE)
            .set_attribute("class", "i-close")
            .ok();
        let _click = Listener::new(&button, "click", |_| dispatch(Msg::Toggle));
        Launcher { button, _click }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        attr(
            &self.button,
            "aria-label",
            if state.open {
                s.launcher_close
            } else {
                s.launcher_open
            },
        );
        attr(
            &self.button,
            "aria-expanded",
            if state.open { "true" } else { "false" },
        );
    }
}
