//! Small DOM helpers shared by the views, on top of `js.rs`. A view declares its skeleton as a
//! spec string (one element per line: indentation, `tag|class|name=value|…`, built by
//! `tree` in host.js — no HTML parsing anywhere) and keeps handles to the elements it updates.
//! Text goes through `textContent` only.

pub use crate::js::{Js, Listener, attr, show, text};

use crate::js;

/// The elements of a skeleton, in spec order.
pub struct Nodes(Js);

impl Nodes {
    /// The element of spec line `i` (a fresh handle; no Vec, no bounds-check panic).
    pub fn at(&self, i: u32) -> Js {
        js::at(&self.0, i)
    }
}

pub fn skeleton(root: &Js, spec: &str) -> Nodes {
    Nodes(js::tree(root, spec))
}

/// Sets a boolean ARIA state attribute to "true"/"false".
pub fn flag(e: &Js, name: &str, on: bool) {
    attr(e, name, Some(if on { "true" } else { "false" }));
}

/// Sets the text of several elements: `(element index, text)`.
pub fn texts(nodes: &Nodes, pairs: &[(u32, &str)]) {
    for (i, s) in pairs {
        text(&nodes.at(*i), s);
    }
}
