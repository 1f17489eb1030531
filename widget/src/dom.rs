//! Small DOM helpers shared by the views, on top of `js.rs`: elements with text (always
//! `textContent`, never HTML), buttons and icons.

pub use crate::js::{Js, Listener, attr, el, show, text};

/// Like `el`, with its text.
pub fn text_el(parent: &Js, tag: &str, class: &str, s: &str) -> Js {
    let e = el(parent, tag, class);
    text(&e, s);
    e
}

/// A `<button type="button">`.
pub fn button(parent: &Js, class: &str) -> Js {
    let b = el(parent, "button", class);
    attr(&b, "type", Some("button"));
    b
}

/// Sets a boolean ARIA/HTML state attribute to "true"/"false".
pub fn flag(e: &Js, name: &str, on: bool) {
    attr(e, name, Some(if on { "true" } else { "false" }));
}

/// A stroked 24×24 icon (styled by the stylesheet), hidden from assistive technology.
pub fn icon(parent: &Js, path: &str, class: &str) -> Js {
    let svg = el(parent, "svg:svg", class);
    attr(&svg, "viewBox", Some("0 0 24 24"));
    attr(&svg, "aria-hidden", Some("true"));
    let p = el(&svg, "svg:path", "");
    attr(&p, "d", Some(path));
    svg
}

pub const ICON_CHAT: &str = "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z";
pub const ICON_CLOSE: &str = "M6 6l12 12M18 6 6 18";
pub const ICON_BACK: &str = "M15 18l-6-6 6-6";
pub const ICON_NEXT: &str = "M9 6l6 6-6 6";
pub const ICON_TICKET: &str = "M3 8V6h18v2a3 3 0 0 0 0 6v4H3v-4a3 3 0 0 0 0-6zM14 6v12";
pub const ICON_LIST: &str = "M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01";
pub const ICON_CHECK: &str = "M5 12.5l4.5 4.5L19 7";
