//! The panel: a labelled dialog with a header (back, title, close), a live notice line, the
//! screens, and a footer. Escape closes it; Tab and Shift+Tab stay inside it.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent, ShadowRoot};

use crate::app::dispatch;
use crate::dom::{self, Listener, attr, focus, show, skeleton, text, texts};
use crate::i18n::Strings;
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
    pub root: HtmlElement,
    /// Where the screens go.
    pub body: Element,
    back: HtmlElement,
    notice: Element,
    _listeners: [Listener; 3],
}

impl Panel {
    pub fn new(parent: &Element, shadow: &ShadowRoot, s: &Strings) -> Panel {
        let n = skeleton(parent, SPEC);
        texts(&n, &[(5, s.title), (6, s.subtitle), (11, s.powered)]);
        attr(&n.at(2), "aria-label", Some(s.back));
        attr(&n.at(7), "aria-label", Some(s.close));
        let root = n.html(0);
        let (panel, shadow) = (root.clone(), shadow.clone());
        let _listeners = [
            Listener::new(&n.at(2), "click", |_| dispatch(Msg::Back)),
            Listener::new(&n.at(7), "click", |_| dispatch(Msg::Close)),
            Listener::new(&root, "keydown", move |ev| {
                // A keydown listener gets KeyboardEvents only.
                dialog_key(&panel, &shadow, ev.unchecked_ref::<KeyboardEvent>());
            }),
        ];
        Panel {
            root,
            body: n.at(9),
            back: n.html(2),
            notice: n.at(10),
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        show(&self.root, state.open);
        show(&self.back, state.screen != Screen::Home);
        let on_form = matches!(state.screen, Screen::Form | Screen::Contact);
        let (line, bad) = match &state.notice {
            Notice::FixFields if on_form => (s.fix_fields, true),
            Notice::Queued if state.screen == Screen::Form => (s.queued, false),
            Notice::HumanCheck if state.screen == Screen::Form => (s.human_check, true),
            Notice::Refused(c) if on_form && c.starts_with("turnstile_") => (s.human_failed, true),
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

/// Dialog keys: Escape closes; Tab and Shift+Tab wrap around the panel's visible controls so
/// focus stays inside.
fn dialog_key(panel: &HtmlElement, shadow: &ShadowRoot, ev: &KeyboardEvent) {
    match ev.key().as_str() {
        "Escape" => {
            ev.stop_propagation();
            dispatch(Msg::Close);
        }
        "Tab" => {
            let Ok(list) = panel.query_selector_all("button,input,textarea") else {
                return;
            };
            // Visible (laid out) and enabled.
            let all: Vec<HtmlElement> = (0..list.length())
                // The selector matches HTML elements only.
                .filter_map(|i| Some(list.item(i)?.unchecked_into::<HtmlElement>()))
                .filter(|e| e.offset_parent().is_some() && e.get_attribute("disabled").is_none())
                .collect();
            let (Some(first), Some(last)) = (all.first(), all.last()) else {
                return;
            };
            let active = shadow.active_element();
            let (edge, wrap) = if ev.shift_key() {
                (first, last)
            } else {
                (last, first)
            };
            // No active element in the shadow root while focus is in the host's light DOM:
            // the Turnstile check slotted into the form (`human_check.rs`), which is never
            // an edge (the send button follows it).
            let inside = match &active {
                Some(a) => panel.contains(Some(a)) && a != &**edge,
                None => dom::document()
                    .active_element()
                    .is_some_and(|a| shadow.host().contains(Some(&a))),
            };
            if !inside {
                ev.prevent_default();
                focus(wrap);
            }
        }
        _ => {}
    }
}
