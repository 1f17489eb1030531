//! The Ticketbooth widget: a launcher, a panel and a ticket form inside a Shadow DOM, in Wasm.
//!
//! Code map:
//! - `state.rs` — the whole state and `update(state, msg) -> effects`; pure, host-tested.
//! - `app.rs` — mounts the UI, runs the message loop and carries out the effects.
//! - `views/` — one struct per part of the UI, owning its elements and listeners.
//! - `js.rs` + `host.js` — the only bindings to the browser (no web-sys/js-sys: see host.js).
//! - `api.rs` — the only HTTP client; `storage.rs` — localStorage; `json.rs` — transcripts as
//!   JS values (JSON is the browser's own: no serde in the Wasm).
//! - `i18n.rs` — every visitor-facing string, one table per locale; `style.css` — the only
//!   stylesheet, adopted by the shadow root as a constructable stylesheet.
//!
//! Architecture invariant: no visitor-supplied or server-supplied text ever reaches the DOM
//! as HTML — every string goes through `textContent`.

pub mod api;
pub mod app;
pub mod dom;
pub mod i18n;
pub mod js;
pub mod json;
pub mod state;
pub mod storage;
pub mod views;

use wasm_bindgen::prelude::*;

// SAFETY: wasm32-unknown-unknown without the atomics feature has exactly one thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Called by the loader (`www/widget.js`) once the Wasm is instantiated. `options` holds the
/// script tag's data attributes (`site`, `api`, `locale`, `position`, `accent`, `open`);
/// `host_api` is the `window.Ticketbooth` object the loader created, whose queued calls are
/// replayed and whose methods are replaced by the real ones. A second call does nothing.
#[wasm_bindgen]
pub fn mount(options: JsValue, host_api: JsValue) {
    app::mount(&options, &host_api);
}
