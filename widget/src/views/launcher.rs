//! The round button that opens and closes the panel. The loader (`www/widget.js`) draws it
//! before the Wasm arrives (markup, icons and `aria-busy`); this view takes it over.

use crate::app::dispatch;
use web_sys::HtmlElement;

use crate::dom::{Listener, attr, flag, show, skeleton, text};
use crate::i18n::{Strings, push_number};
use crate::state::Msg;

pub struct Launcher {
    pub button: HtmlElement,
    /// The count of messages that arrived while the panel was closed (its number is in the
    /// button's label too: the badge itself is hidden from assistive technology).
    badge: HtmlElement,
    _click: Listener,
}

impl Launcher {
    /// Takes over the loader's button: from now on its clicks toggle the panel (the loader's
    /// own listener queued them as `open` until now and is inert once its queue is drained).
    pub fn new(button: &HtmlElement) -> Launcher {
        let _click = Listener::new(button, "click", |_| dispatch(Msg::Toggle));
        attr(button, "aria-busy", None);
        let badge = skeleton(button, "span|bdg|aria-hidden=true|hidden=").html(0);
        Launcher {
            button: button.clone(),
            badge,
            _click,
        }
    }

    pub fn render(&self, open: bool, unread: u32, s: &Strings) {
        let mut label = String::from(if open {
            s.launcher_close
        } else {
            s.launcher_open
        });
        let mut count = String::new();
        if unread > 0 {
            push_number(&mut count, unread as usize);
            label.push_str(s.unread.0);
            label.push_str(&count);
            label.push_str(s.unread.1);
        }
        text(&self.badge, &count);
        show(&self.badge, unread > 0);
        attr(&self.button, "aria-label", Some(&label));
        flag(&self.button, "aria-expanded", open);
    }
}
