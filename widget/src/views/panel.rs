//! The panel: a labelled dialog with a header (back, title, close), a live notice line, the
//! screens, and a footer. Escape closes it; Tab and Shift+Tab stay inside it (`dialogKeys` in
//! host.js).

use crate::app::dispatch;
use crate::dom::{ICON_BACK, ICON_CLOSE, Js, Listener, attr, button, el, icon, show, text};
use crate::i18n::Strings;
use crate::js::{self, Callback, callback};
use crate::state::{Msg, Notice, Screen, State};

pub struct Panel {
    pub root: Js,
    /// Where the screens go.
    pub body: Js,
    back: Js,
    close: Js,
    title: Js,
    subtitle: Js,
    notice: Js,
    footer: Js,
    _listeners: [Listener; 2],
    _escape: Callback,
}

impl Panel {
    pub fn new(parent: &Js, shadow: &Js) -> Panel {
        let root = el(parent, "div", "p");
        attr(&root, "id", Some("tb-panel"));
        attr(&root, "role", Some("dialog"));
        attr(&root, "aria-modal", Some("true"));
        attr(&root, "aria-labelledby", Some("tb-title"));
        show(&root, false);
        let header = el(&root, "div", "hd");
        let back = button(&header, "ib");
        icon(&back, ICON_BACK, "flip");
        let titles = el(&header, "div", "tt");
        let title = el(&titles, "h2", "");
        attr(&title, "id", Some("tb-title"));
        let subtitle = el(&titles, "p", "");
        let close = button(&header, "ib");
        icon(&close, ICON_CLOSE, "");
        let body = el(&root, "div", "bd");
        let notice = el(&body, "p", "nt");
        attr(&notice, "role", Some("status"));
        attr(&notice, "aria-live", Some("polite"));
        let footer = el(&root, "div", "ft");
        let _escape = callback(Box::new(|_| dispatch(Msg::Close)));
        js::dialog_keys(&root, shadow, &_escape);
        let _listeners = [
            Listener::new(&back, "click", |_| dispatch(Msg::Back)),
            Listener::new(&close, "click", |_| dispatch(Msg::Close)),
        ];
        Panel {
            root,
            body,
            back,
            close,
            title,
            subtitle,
            notice,
            footer,
            _listeners,
            _escape,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        show(&self.root, state.open);
        show(&self.back, state.screen != Screen::Home);
        attr(&self.back, "aria-label", Some(s.back));
        attr(&self.close, "aria-label", Some(s.close));
        text(&self.title, s.title);
        text(&self.subtitle, s.subtitle);
        text(&self.footer, s.powered);
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
