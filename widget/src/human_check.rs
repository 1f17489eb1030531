//! Cloudflare Turnstile in the ticket form, for a site whose config names a site key (and
//! only then): its script is loaded into the host page, and the check is drawn with
//! `turnstile.render(container, {sitekey, language, callback, 'expired-callback',
//! 'error-callback'})`, Cloudflare's explicit-render contract; a fresh check is
//! `turnstile.reset(widget_id)`.
//!
//! The container lives in the host element's light DOM, assigned to a `<slot>` in the form,
//! not inside the shadow root: Turnstile's script runs in the page's document, where it looks
//! its widgets (and the iframe it talks to by `postMessage`) up, and a shadow root hides its
//! content from the document's queries. Slotted, the check still shows inside the form, and
//! the form's stylesheet places it (`::slotted`); no inline style is set.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::app::dispatch;
use crate::dom::{self, Listener, attr};
use crate::state::{Msg, Turnstile};

/// The name of the form's slot, and of the container's `slot` attribute.
pub const SLOT: &str = "tb-turnstile";

pub struct HumanCheck {
    host: Element,
    /// The widget id `turnstile.render` returned: later draws are resets.
    widget: Option<JsValue>,
    /// The script's `load` and `error` listeners, once the script element is in the page.
    script: Option<[Listener; 2]>,
    /// Turnstile's callbacks (live as long as the page: Turnstile keeps calling them).
    callbacks: Option<Callbacks>,
}

struct Callbacks {
    passed: Closure<dyn FnMut(JsValue)>,
    expired: Closure<dyn FnMut(JsValue)>,
    /// Returns true: the error is handled (else Turnstile throws it into the page).
    failed: Closure<dyn FnMut(JsValue) -> bool>,
}

impl HumanCheck {
    pub fn new(host: Element) -> HumanCheck {
        HumanCheck {
            host,
            widget: None,
            script: None,
            callbacks: None,
        }
    }

    /// Draws the check (or resets it); loads the script first when it is not in the page yet,
    /// and is called again once it has loaded (`Msg::HumanScriptLoaded`).
    pub fn render(&mut self, turnstile: &Turnstile, lang: &str) {
        let window = dom::window();
        let api = Reflect::get(&window, &JsValue::from_str("turnstile")).unwrap_or_default();
        if !api.is_object() {
            if self.script.is_none() {
                self.script = load(&turnstile.script_url);
            }
            return;
        }
        if let Some(id) = &self.widget {
            if let Some(reset) = method(&api, "reset") {
                let _ = reset.call1(&api, id);
            }
            return;
        }
        let Some(render) = method(&api, "render") else {
            return;
        };
        let doc = dom::document();
        let Ok(container) = doc.create_element("div") else {
            return;
        };
        attr(&container, "slot", Some(SLOT));
        let _ = self.host.append_child(&container);
        let callbacks = self.callbacks.get_or_insert_with(|| Callbacks {
            passed: Closure::new(|token: JsValue| {
                dispatch(Msg::HumanPassed(token.as_string().unwrap_or_default()))
            }),
            expired: Closure::new(|_| dispatch(Msg::HumanLost)),
            failed: Closure::new(|_| {
                dispatch(Msg::HumanLost);
                true
            }),
        });
        let options = Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&options, &JsValue::from_str(k), v);
        };
        set("sitekey", &JsValue::from_str(&turnstile.site_key));
        set("language", &JsValue::from_str(lang));
        set("callback", callbacks.passed.as_ref());
        set("expired-callback", callbacks.expired.as_ref());
        set("error-callback", callbacks.failed.as_ref());
        let id = render.call2(&api, &container, &options).unwrap_or_default();
        self.widget = (!id.is_undefined() && !id.is_null()).then_some(id);
    }
}

/// `api[name]` when it is a function.
fn method(api: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(api, &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()
}

/// Appends `<script src async>` to the page's head; its `load` asks for the draw again, and
/// a script that cannot load leaves the check undone (the form says so).
fn load(url: &str) -> Option<[Listener; 2]> {
    let doc = dom::document();
    let head = doc.query_selector("head").ok()??;
    let script = doc.create_element("script").ok()?;
    attr(&script, "src", Some(url));
    attr(&script, "async", Some(""));
    let listeners = [
        Listener::new(&script, "load", |_| dispatch(Msg::HumanScriptLoaded)),
        Listener::new(&script, "error", |_| dispatch(Msg::HumanLost)),
    ];
    head.append_child(&script).ok()?;
    Some(listeners)
}
