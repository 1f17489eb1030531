//! The DOM, through web-sys: the document, element skeletons, text and attributes, and event
//! listeners that remove themselves when dropped.
//!
//! A view declares its skeleton as a spec string (one element per line: indentation, then
//! `tag|class|name=value|…`) and keeps handles to the elements it updates. Nothing parses
//! HTML: text goes through `textContent` only.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, EventTarget, HtmlElement};

const SVG: &str = "http://www.w3.org/2000/svg";

pub fn window() -> web_sys::Window {
    web_sys::window().expect("the widget runs in a window")
}

pub fn document() -> Document {
    window().document().expect("a window has a document")
}

/// `<tag class>` appended to `parent` (an SVG element when `svg`).
fn el(doc: &Document, parent: &Element, tag: &str, class: &str, svg: bool) -> Element {
    let e = if svg {
        doc.create_element_ns(Some(SVG), tag)
    } else {
        doc.create_element(tag)
    }
    .expect("tags are literals from the views' specs");
    if !class.is_empty() {
        attr(&e, "class", Some(class));
    }
    let _ = parent.append_child(&e);
    e
}

/// The elements of a skeleton, in spec order.
pub struct Nodes(Vec<Element>);

impl Nodes {
    /// The element of spec line `i`.
    pub fn at(&self, i: usize) -> Element {
        // The specs are literals: a wrong index is a bug caught by every browser test.
        self.0.get(i).expect("a line of the view's spec").clone()
    }

    /// The element of spec line `i` as an HTML element (for `focus`, `hidden`).
    pub fn html(&self, i: usize) -> HtmlElement {
        self.at(i).unchecked_into()
    }
}

/// Builds a view's skeleton under `root` from `spec`. `icon` is a 24×24 stroked SVG icon whose
/// one attribute is its path's `d`.
pub fn skeleton(root: &Element, spec: &str) -> Nodes {
    let doc = document();
    let mut stack: Vec<Element> = vec![root.clone()];
    let mut out = Vec::new();
    for line in spec.lines() {
        let depth = line.len() - line.trim_start().len();
        let mut parts = line.trim().split('|');
        let tag = parts.next().unwrap_or("div");
        let class = parts.next().unwrap_or("");
        let icon = tag == "icon";
        let e = el(
            &doc,
            stack.get(depth).unwrap_or(root),
            if icon { "svg" } else { tag },
            class,
            icon,
        );
        for a in parts {
            let (k, v) = a.split_once('=').unwrap_or((a, ""));
            if icon {
                attr(&e, "viewBox", Some("0 0 24 24"));
                attr(&e, "aria-hidden", Some("true"));
                attr(&el(&doc, &e, "path", "", true), k, Some(v));
            } else {
                attr(&e, k, Some(v));
            }
        }
        stack.truncate(depth + 1);
        stack.push(e.clone());
        out.push(e);
    }
    Nodes(out)
}

/// Sets `textContent` unless it already is `s`.
pub fn text(e: &Element, s: &str) {
    if e.text_content().as_deref() != Some(s) {
        e.set_text_content(Some(s));
    }
}

/// Sets the text of several elements: `(spec line, text)`.
pub fn texts(nodes: &Nodes, pairs: &[(usize, &str)]) {
    for (i, s) in pairs {
        text(&nodes.at(*i), s);
    }
}

/// Sets an attribute (`None` removes it), touching the DOM only on a change.
pub fn attr(e: &Element, name: &str, value: Option<&str>) {
    match value {
        None => {
            let _ = e.remove_attribute(name);
        }
        Some(v) if e.get_attribute(name).as_deref() != Some(v) => {
            let _ = e.set_attribute(name, v);
        }
        Some(_) => {}
    }
}

/// Sets a boolean ARIA state attribute to "true"/"false".
pub fn flag(e: &Element, name: &str, on: bool) {
    attr(e, name, Some(if on { "true" } else { "false" }));
}

pub fn show(e: &HtmlElement, visible: bool) {
    attr(e, "hidden", (!visible).then_some(""));
}

pub fn focus(e: &HtmlElement) {
    let _ = e.focus();
}

/// An event listener owned by a view: removed from its target when dropped, so no closure is
/// leaked with `forget()`.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    f: Closure<dyn FnMut(Event)>,
}

impl Listener {
    pub fn new(target: &EventTarget, kind: &'static str, f: impl FnMut(Event) + 'static) -> Self {
        // Boxed as `dyn` first: one set of closure shims for every listener.
        let f: Box<dyn FnMut(Event)> = Box::new(f);
        let f = Closure::wrap(f);
        let _ = target.add_event_listener_with_callback(kind, f.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            kind,
            f,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.f.as_ref().unchecked_ref());
    }
}
