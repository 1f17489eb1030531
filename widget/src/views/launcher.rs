//! The round button that opens and closes the panel. The loader (`www/widget.js`) draws it
//! before the Wasm arrives (markup, icons and `aria-busy`); this view takes it over.

use crate::app::dispatch;
use web_sys::HtmlElement;

use crate::dom::{Listener, attr, flag};
use crate::i18n::Strings;
use crate::state::Msg;

pub struct Launcher {
    pub button: HtmlElement,
    _click: Listener,
}

impl Launcher {
    /// Takes over the loader's button: from now on its clicks toggle the panel (the loader's
    /// own listener queued them as `open` until now and is inert once its queue is drained).
    pub fn new(button: &HtmlElement) -> Launcher {
        let _click = Listener::new(button, "click", |_| dispatch(Msg::Toggle));
        attr(button, "aria-busy", None);
        Launcher {
            button: button.clone(),
            _click,
        }
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
