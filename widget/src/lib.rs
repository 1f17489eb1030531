//! The Ticketbooth widget: a launcher, a panel and a ticket form inside a Shadow DOM, in Wasm.
//!
//! Code map:
//! - `state.rs` — the whole state and `update(state, msg) -> effects`; pure, host-tested
//!   (with a property test over random message sequences).
//! - `chat.rs` — the conversation's part of the state and the pure rules that move it.
//! - `app.rs` — mounts the UI, runs the message loop and carries out the effects; the values
//!   exchanged with the host page (`window.Ticketbooth`, events) are `shared::api` types.
//! - `from_js.rs` — reads JS values into serde types (a lighter path than
//!   `serde_wasm_bindgen::from_value`, chosen by measurement); writing uses serde-wasm-bindgen.
//! - `views/` — one struct per part of the UI, owning its elements and listeners.
//! - `dom.rs` — the DOM through web-sys: skeletons from spec strings, text, attributes,
//!   listeners that remove themselves on drop.
//! - `human_check.rs` — Cloudflare Turnstile in the ticket form (script loaded only for a site
//!   that asks for it; drawn into a light-DOM container slotted into the form).
//! - `api.rs` — the only HTTP client (gloo-net; bodies and replies are `shared::api` types);
//!   `storage.rs` — localStorage through web-sys.
//! - `i18n.rs` — every visitor-facing string, one table per locale, with its `lang` and `dir`
//!   (the loader carries a provisional copy of the launcher's label, overwritten at mount; a
//!   test keeps them equal); `style.css` — the panel's stylesheet, adopted by the shadow root
//!   as a constructable stylesheet after the loader's (`www/widget.js`: `:host`, theme
//!   variables, launcher).
//!
//! Loading is split in two: `www/widget.js` draws the launcher by itself (the budgeted launcher
//! path), and fetches this Wasm after first paint; `mount` then takes over the loader's host
//! element, shadow root and launcher button.
//!
//! Architecture invariant: no visitor-supplied or server-supplied text ever reaches the DOM
//! as HTML — every string goes through `textContent`.

pub mod api;
pub mod app;
pub mod chat;
pub mod dom;
pub mod from_js;
pub mod human_check;
pub mod i18n;
pub mod state;
pub mod storage;
pub mod views;

use wasm_bindgen::prelude::*;

// SAFETY: wasm32-unknown-unknown without the atomics feature has exactly one thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Called by the loader (`www/widget.js`) once the Wasm is instantiated, after the launcher's
/// first paint. `options` holds the script tag's data attributes the Wasm needs (`site`,
/// `api`, `locale`, `open`; the loader applied `position` and `accent` itself); `host_api` is
/// the `window.Ticketbooth` object the loader created, whose queued calls (launcher clicks
/// included) are replayed and whose methods are replaced by the real ones; `launcher` is the
/// launcher button the loader drew inside the widget's shadow root, which the Wasm takes over
/// with its host element and shadow root. A second call does nothing.
#[wasm_bindgen]
pub fn mount(options: JsValue, host_api: JsValue, launcher: JsValue) {
    app::mount(options, host_api, launcher);
}
