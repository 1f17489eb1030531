//! Small DOM helpers shared by the views: make an element, set its text (always
//! `textContent`, never HTML), show or hide it, and `Listener`, an event listener that is
//! removed when its owner drops it.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, EventTarget, HtmlElement};

pub fn window() -> web_sys::Window {
    web_sys::window().unwrap_throw()
}

pub fn document() -> Document {
    window().document().unwrap_throw()
}

/// `<tag class="class">` appended to `parent`.
pub fn el(parent: &Element, tag: &str, class: &str) -> HtmlElement {
    let e: HtmlElement = document()
        .create_element(tag)
        .unwrap_throw()
        .unchecked_into();
    if !class.is_empty() {
        e.set_class_name(class);
    }
    let _ = parent.append_child(&e);
    e
}

/// Like `el`, with its text.
pub fn text_el(parent: &Element, tag: &str, class: &str, text: &str) -> HtmlElement {
    let e = el(parent, tag, class);
    e.set_text_content(Some(text));
    e
}

/// A `<button type="button">` with its text.
pub fn button(parent: &Element, class: &str, text: &str) -> HtmlElement {
    let b = text_el(parent, "button", class, text);
    attr(&b, "type", "button");
    b
}

pub fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

pub fn set_text(e: &Element, text: &str) {
    if e.text_content().as_deref() != Some(text) {
        e.set_text_content(Some(text));
    }
}

pub fn show(e: &HtmlElement, visible: bool) {
    if e.hidden() == visible {
        e.set_hidden(!visible);
    }
}

/// A stroked 24×24 icon (styled by the stylesheet), hidden from assistive technology.
pub fn icon(parent: &Element, path: &str) -> Element {
    const SVG: &str = "http://www.w3.org/2000/svg";
    let doc = document();
    let svg = doc.create_element_ns(Some(SVG), "svg").unwrap_throw();
    attr(&svg, "viewBox", "0 0 24 24");
    attr(&svg, "aria-hidden", "true");
    let p = doc.create_element_ns(Some(SVG), "path").unwrap_throw();
    attr(&p, "d", path);
    let _ = svg.append_child(&p);
    let _ = parent.append_child(&svg);
    svg
}

pub const ICON_CHAT: &str = "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z";
pub const ICON_CLOSE: &str = "M6 6l12 12M18 6 6 18";
pub const ICON_BACK: &str = "M15 18l-6-6 6-6";
pub const ICON_NEXT: &str = "M9 6l6 6-6 6";
pub const ICON_TICKET: &str = "M3 8V6h18v2a3 3 0 0 0 0 6v4H3v-4a3 3 0 0 0 0-6zM14 6v12";
pub const ICON_LIST: &str = "M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01";
pub const ICON_CHECK: &str = "M5 12.5l4.5 4.5L19 7";

/// A JS callback around a boxed closure. Not generic on purpose: wasm-bindgen emits its
/// shims per closure *type*, so boxing every handler first leaves one set of shims in the Wasm
/// (measured: ~150 bytes per listener otherwise).
pub fn callback(f: Box<dyn FnMut(Event)>) -> Closure<dyn FnMut(Event)> {
    Closure::wrap(f)
}

/// An event listener owned by a view: removed from its target when dropped, so no closure
/// is leaked with `forget()`.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut(Event)>,
}

impl Listener {
    pub fn new(target: &EventTarget, kind: &'static str, f: impl FnMut(Event) + 'static) -> Self {
        let closure = callback(Box::new(f));
        let _ = target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            kind,
            closure,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
    }
}
