//! The widget's bindings to the browser: the functions of `host.js`, and nothing else (no
//! web-sys, js-sys or wasm-bindgen-futures — see host.js for why). Handles are plain
//! `JsValue`s; the views give them meaning.

use wasm_bindgen::prelude::*;

/// A DOM node, or any other JS value the widget holds on to.
pub type Js = JsValue;

/// The one callback type the widget hands to JS: one set of wasm-bindgen shims in the Wasm.
pub type Callback = Closure<dyn FnMut(JsValue)>;

#[wasm_bindgen(module = "/src/host.js")]
extern "C" {
    /// A view's skeleton from its spec (see host.js); the elements in spec order.
    pub fn tree(root: &Js, spec: &str) -> Js;
    pub fn text(e: &Js, s: &str);
    pub fn attr(e: &Js, name: &str, value: Option<&str>);
    pub fn show(e: &Js, visible: bool);
    pub fn value(e: &Js) -> String;
    #[wasm_bindgen(js_name = setValue)]
    pub fn set_value(e: &Js, v: &str);
    pub fn focus(e: &Js);
    pub fn clear(e: &Js);
    pub fn on(target: &Js, kind: &str, f: &Callback);
    pub fn off(target: &Js, kind: &str, f: &Callback);
    pub fn prevent(event: &Js);
    pub fn active() -> Js;
    pub fn restore(e: &Js, host: &Js, fallback: &Js);
    /// Takes over the loader's launcher button: adds `css` to its shadow root's adopted
    /// stylesheets; returns `[host, shadow root, .tb root]`.
    pub fn adopt(launcher: &Js, css: &str) -> Js;
    /// Marks the host element `data-ready`: the widget is mounted.
    pub fn ready(host: &Js);
    #[wasm_bindgen(js_name = dialogKeys)]
    pub fn dialog_keys(panel: &Js, root: &Js, on_escape: &Callback);
    pub fn emit(host: &Js, code: &str);

    pub fn get(o: &Js, key: &str) -> Js;
    pub fn set(o: &Js, key: &str, v: &Js);
    pub fn obj() -> Js;
    pub fn arr() -> Js;
    pub fn push(a: &Js, v: &Js);
    pub fn items(a: &Js) -> Js;
    pub fn len(a: &Js) -> u32;
    pub fn at(a: &Js, i: u32) -> Js;
    pub fn keys(o: &Js) -> Js;
    pub fn stringify(v: &Js) -> String;
    pub fn parse(s: &str) -> Js;
    pub fn drain(api: &Js, f: &Callback);
    pub fn expose(api: &Js, names: &str, f: &Callback);

    pub fn load(key: &str) -> Option<String>;
    pub fn store(key: &str, value: Option<&str>);
    pub fn uuid() -> String;
    pub fn online() -> bool;
    pub fn warn(s: &str);
    pub fn win() -> Js;
    pub fn request(
        url: &str,
        method: &str,
        body: Option<&str>,
        key: Option<&str>,
        token: Option<&str>,
        done: &Js,
    );
}

/// A boxed callback (boxing first keeps the shims to one set, whatever the closure).
pub fn callback(f: Box<dyn FnMut(JsValue)>) -> Callback {
    Closure::wrap(f)
}

/// A string property, if it is one.
pub fn get_str(o: &Js, key: &str) -> Option<String> {
    get(o, key).as_string()
}

/// A string property, `""` for anything else.
pub fn get_text(o: &Js, key: &str) -> String {
    get_str(o, key).unwrap_or_default()
}

pub fn set_str(o: &Js, key: &str, v: &str) {
    set(o, key, &JsValue::from_str(v));
}

/// The elements of an array as a Vec.
pub fn vec(a: &Js) -> Vec<Js> {
    let a = items(a);
    let n = len(&a);
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        out.push(at(&a, i));
    }
    out
}

/// An event listener owned by a view: removed from its target when dropped, so no closure
/// is leaked with `forget()`.
pub struct Listener {
    target: Js,
    kind: &'static str,
    f: Callback,
}

impl Listener {
    pub fn new(target: &Js, kind: &'static str, f: impl FnMut(JsValue) + 'static) -> Listener {
        let f = callback(Box::new(f));
        on(target, kind, &f);
        Listener {
            target: target.clone(),
            kind,
            f,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        off(&self.target, self.kind, &self.f);
    }
}
