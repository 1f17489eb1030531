//! The panel: a labelled dialog with a header (back, title, close), a live notice line, the
//! screens, and a footer. Escape closes it; Tab and Shift+Tab stay inside it.

use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, KeyboardEvent, ShadowRoot};

use crate::app::dispatch;
use crate::dom::{ICON_BACK, ICON_CLOSE, Listener, attr, button, el, icon, set_text, show};
use crate::i18n::Strings;
use crate::state::{Msg, Notice, Screen, State};

pub struct Panel {
    pub root: HtmlElement,
    /// Where the screens go.
    pub body: HtmlElement,
    back: HtmlElement,
    close: HtmlElement,
    title: HtmlElement,
    subtitle: HtmlElement,
    notice: HtmlElement,
    footer: HtmlElement,
    _listeners: [Listener; 3],
}

impl Panel {
    pub fn new(parent: &Element, shadow: &ShadowRoot) -> Panel {
        let root = el(parent, "div", "p");
        attr(&root, "id", "tb-panel");
        attr(&root, "role", "dialog");
        attr(&root, "aria-modal", "true");
        attr(&root, "aria-labelledby", "tb-title");
        root.set_hidden(true);
        let header = el(&root, "div", "hd");
        let back = button(&header, "ib", "");
        icon(&back, ICON_BACK).set_attribute("class", "flip").ok();
        let titles = el(&header, "div", "tt");
        let title = el(&titles, "h2", "");
        attr(&title, "id", "tb-title");
        let subtitle = el(&titles, "p", "");
        let close = button(&header, "ib", "");
        icon(&close, ICON_CLOSE);
        let body = el(&root, "div", "bd");
        let notice = el(&body, "p", "nt");
        attr(&notice, "role", "status");
        attr(&notice, "aria-live", "polite");
        let footer = el(&root, "div", "ft");

        let (panel, shadow) = (root.clone(), shadow.clone());
        let _listeners = [
            Listener::new(&back, "click", |_| dispatch(Msg::Back)),
            Listener::new(&close, "click", |_| dispatch(Msg::Close)),
            Listener::new(&root, "keydown", move |ev: Event| {
                let Some(key) = ev.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                match key.key().as_str() {
                    "Escape" => {
                        ev.stop_propagation();
                        dispatch(Msg::Close);
                    }
                    "Tab" => trap_tab(&panel, &shadow, key),
                    _ => {}
                }
            }),
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
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        show(&self.root, state.open);
        show(&self.back, state.screen != Screen::Home);
        attr(&self.back, "aria-label", s.back);
        attr(&self.close, "aria-label", s.close);
        set_text(&self.title, s.title);
        set_text(&self.subtitle, s.subtitle);
        set_text(&self.footer, s.powered);
        let on_form = matches!(state.screen, Screen::Form | Screen::Contact);
        let (text, bad) = match &state.notice {
            Notice::FixFields if on_form => (s.fix_fields, true),
            Notice::Queued if state.screen == Screen::Form => (s.queued, false),
            Notice::Refused(_) if on_form => (s.refused, true),
            _ => ("", false),
        };
        set_text(&self.notice, text);
        self.notice
            .set_class_name(if bad { "nt bad" } else { "nt" });
    }
}

/// The panel's visible, focusable controls in document order.
pub fn focusables(panel: &HtmlElement) -> Vec<HtmlElement> {
    let Ok(list) = panel.query_selector_all("button,input,textarea,[tabindex='0']") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some() && !e.has_attribute("disabled"))
        .collect()
}

fn trap_tab(panel: &HtmlElement, shadow: &ShadowRoot, key: &KeyboardEvent) {
    let all = focusables(panel);
    let (Some(first), Some(last)) = (all.first(), all.last()) else {
        return;
    };
    let active = shadow.active_element();
    let at = |e: &HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == e.unchecked_ref::<Element>())
    };
    let inside = active
        .as_ref()
        .is_some_and(|a| panel.contains(Some(a.unchecked_ref())));
    let target = if key.shift_key() {
        (!inside || at(first)).then_some(last)
    } else {
        (!inside || at(last)).then_some(first)
    };
    if let Some(target) = target {
        key.prevent_default();
        let _ = target.focus();
    }
}
