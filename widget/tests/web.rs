//! The widget's DOM in a real browser (headless Chromium through wasm-bindgen-test): mount,
//! dialog semantics, validation with shared's rules, and a draft kept on a network failure.
//! The full chain against a real Worker is in tests/widget.test.mjs.
//!
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test -p ticketbooth-widget --target wasm32-unknown-unknown

#![cfg(target_arch = "wasm32")]

use ticketbooth_shared::ids::IdempotencyKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = "
const root = () => document.querySelector('ticketbooth-widget')?.shadowRoot ?? document.createDocumentFragment();
export function q(sel) { return root().querySelector(sel); }
export function count(sel) { return document.querySelectorAll(sel).length + root().querySelectorAll(sel).length; }
export function adoptedSheets() { return root().adoptedStyleSheets.length; }
export function focusedId() { const a = root().activeElement; return a ? (a.id || a.className) : ''; }
export function click(sel) { root().querySelector(sel).click(); }
export function key(sel, k) {
  root().querySelector(sel).dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
}
export function type_(sel, v) {
  const e = root().querySelector(sel);
  e.value = v;
  e.dispatchEvent(new Event('input', { bubbles: true }));
}
export function submit(sel) { root().querySelector(sel).requestSubmit(); }
export function tick(ms) { return new Promise((r) => setTimeout(r, ms)); }
export function busy() { return root().querySelector('button.l').getAttribute('aria-busy'); }
export function ready() { return document.querySelector('ticketbooth-widget').hasAttribute('data-ready'); }
// What www/widget.js draws before the Wasm arrives: host, open shadow root with the loader's
// stylesheet, the .tb root, and the launcher button (no listeners: tested end to end).
export function loaderLauncher() {
  const host = document.createElement('ticketbooth-widget');
  const shadow = host.attachShadow({ mode: 'open' });
  shadow.adoptedStyleSheets = [new CSSStyleSheet()];
  const tb = document.createElement('div');
  tb.className = 'tb';
  const l = document.createElement('button');
  l.className = 'l';
  l.setAttribute('aria-busy', 'true');
  l.setAttribute('aria-label', 'Open support');
  tb.append(l);
  shadow.append(tb);
  document.documentElement.append(host);
  return l;
}
")]
extern "C" {
    fn q(sel: &str) -> JsValue;
    fn count(sel: &str) -> u32;
    #[wasm_bindgen(js_name = adoptedSheets)]
    fn adopted_sheets() -> u32;
    #[wasm_bindgen(js_name = focusedId)]
    fn focused_id() -> String;
    fn click(sel: &str);
    fn key(sel: &str, k: &str);
    #[wasm_bindgen(js_name = type_)]
    fn type_in(sel: &str, v: &str);
    fn submit(sel: &str);
    fn tick(ms: u32) -> js_sys::Promise;
    fn busy() -> JsValue;
    fn ready() -> bool;
    #[wasm_bindgen(js_name = loaderLauncher)]
    fn loader_launcher() -> JsValue;
}

fn get(o: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn get_text(o: &JsValue, k: &str) -> String {
    get(o, k).as_string().unwrap_or_default()
}

/// A plain JS object from string pairs.
fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// The `window.Ticketbooth` object handed to `mount` (the loader's stub, upgraded).
fn host_api() -> JsValue {
    thread_local!(static API: JsValue = obj(&[]));
    API.with(Clone::clone)
}

async fn sleep(ms: u32) {
    let _ = wasm_bindgen_futures::JsFuture::from(tick(ms)).await;
}

fn aria(sel: &str, name: &str) -> String {
    #[wasm_bindgen(inline_js = "export function ga(e, n) { return e.getAttribute(n) || ''; }")]
    extern "C" {
        fn ga(e: &JsValue, n: &str) -> String;
    }
    ga(&q(sel), name)
}

fn hidden(sel: &str) -> bool {
    get(&q(sel), "hidden").as_bool().unwrap_or(true)
}

fn text(sel: &str) -> String {
    get_text(&q(sel), "textContent")
}

/// Back to a closed panel on its first screen, whatever the previous test left.
async fn reset() {
    mounted().await;
    click("#tb-panel .ib");
    if !hidden("#tb-panel") {
        key("#tb-panel", "Escape");
    }
}

/// Mounts the widget once for the whole test binary (it refuses a second mount anyway) on a
/// launcher drawn as the loader draws it, with an API origin where nothing listens: every
/// request fails like an offline network.
async fn mounted() {
    if count("ticketbooth-widget") == 0 {
        let options = obj(&[
            ("site", "wbt".into()),
            ("api", "http://127.0.0.1:9".into()),
            ("locale", "en-GB".into()),
        ]);
        let api = host_api();
        let launcher = loader_launcher();
        ticketbooth_widget::mount(options.clone(), api.clone(), launcher.clone());
        ticketbooth_widget::mount(options, api, launcher);
    }
    // Mounting is synchronous: the panel is there at once.
    assert!(!q("#tb-panel").is_null(), "the panel was built");
}

#[wasm_bindgen_test]
async fn mounts_once_in_a_shadow_root_with_an_adopted_stylesheet() {
    reset().await;
    assert_eq!(
        count("ticketbooth-widget"),
        1,
        "a second mount does nothing"
    );
    assert_eq!(
        adopted_sheets(),
        2,
        "the loader's stylesheet, then the Wasm's"
    );
    assert_eq!(count("style"), 0, "no <style> element anywhere");
    assert!(busy().is_null(), "aria-busy is gone once mounted");
    assert!(ready(), "the host says data-ready");
    assert_eq!(aria("button.l", "aria-expanded"), "false");
    assert_eq!(aria("button.l", "aria-label"), "Open support");
    assert!(hidden("#tb-panel"));
}

#[wasm_bindgen_test]
async fn the_panel_is_a_labelled_dialog_that_escape_closes() {
    reset().await;
    click("button.l");
    assert!(!hidden("#tb-panel"));
    assert_eq!(aria("#tb-panel", "role"), "dialog");
    assert_eq!(aria("#tb-panel", "aria-modal"), "true");
    assert_eq!(text("#tb-title"), "Support");
    assert_eq!(
        focused_id(),
        "in",
        "the panel opens on the conversation: focus in its composer"
    );
    key("#tb-panel", "Escape");
    assert!(hidden("#tb-panel"));
    assert_eq!(focused_id(), "l", "focus returns to the launcher");
}

#[wasm_bindgen_test]
async fn the_form_validates_with_shareds_rules_and_keeps_a_draft_offline() {
    the_host_api_prefills_and_identifies().await;
    reset().await;
    click("button.l");
    click(".card.primary");
    assert!(!hidden("form:has(#tb-subject)"));
    submit("form:has(#tb-subject)");
    assert_eq!(aria("#tb-subject", "aria-invalid"), "true");
    assert_eq!(text("#tb-subject-e"), "This field is required.");
    assert_eq!(
        text("[role=status]"),
        "Please check the highlighted fields."
    );

    type_in("#tb-subject", &"x".repeat(201));
    submit("form:has(#tb-subject)");
    assert_eq!(text("#tb-subject-e"), "At most 200 characters.");

    type_in("#tb-subject", "Printer on fire");
    assert_eq!(aria("#tb-subject", "aria-invalid"), "false");
    submit("form:has(#tb-subject)");
    // Nothing answers at the API origin: the draft is kept, frozen, with its key.
    for _ in 0..50 {
        if text("[role=status]").contains("offline") {
            break;
        }
        sleep(100).await;
    }
    assert!(text("[role=status]").contains("saved and will be sent"));
    assert_eq!(aria("#tb-subject", "readonly"), "");
    let stored = storage()
        .get_item("ticketbooth:wbt:draft")
        .unwrap()
        .unwrap();
    let draft = js_sys::JSON::parse(&stored).unwrap();
    assert_eq!(get_text(&draft, "subject"), "Printer on fire");
    assert_eq!(get(&draft, "queued").as_bool(), Some(true));
    // A key the server accepts: a UUID v4 from crypto.randomUUID().
    let key = get_text(&draft, "key");
    assert!(IdempotencyKey::parse(&key).is_ok(), "{key}");
    storage().remove_item("ticketbooth:wbt:draft").unwrap();
}

#[wasm_bindgen_test]
async fn the_widget_reads_left_to_right_in_english_whatever_the_page() {
    reset().await;
    assert_eq!(aria(".tb", "dir"), "ltr");
    assert_eq!(aria(".tb", "lang"), "en");
}

/// `window.Ticketbooth.openTicket` and `identify`, values read into `shared::api` types.
/// Called at the start of the form test: once a draft is queued (no network here) a prefill
/// rightly changes nothing, and the tests' order is not ours to choose.
async fn the_host_api_prefills_and_identifies() {
    reset().await;
    let call = |name: &str, arg: &JsValue| {
        let f: js_sys::Function = get(&host_api(), name).into();
        f.call1(&JsValue::NULL, arg).unwrap();
    };
    let line = obj(&[("author", "bot".into()), ("text", "Hello".into())]);
    let transcript = js_sys::Array::of1(&line);
    call(
        "openTicket",
        &obj(&[
            ("subject", "From chat".into()),
            ("transcript", transcript.into()),
        ]),
    );
    assert!(!hidden("#tb-panel"));
    assert_eq!(get_text(&q("#tb-subject"), "value"), "From chat");
    let stored = storage()
        .get_item("ticketbooth:wbt:draft")
        .unwrap()
        .unwrap();
    assert!(
        stored.contains(r#""transcript":[{"author":"bot","text":"Hello"}]"#),
        "{stored}"
    );
    // A malformed call is refused whole (an unknown author), and changes nothing.
    let bad = obj(&[("author", "robot".into()), ("text", "Hi".into())]);
    call(
        "openTicket",
        &obj(&[
            ("subject", "Other".into()),
            ("transcript", js_sys::Array::of1(&bad).into()),
        ]),
    );
    assert_eq!(get_text(&q("#tb-subject"), "value"), "From chat");
    call(
        "identify",
        &obj(&[("name", "Ada".into()), ("email", "ada@example.com".into())]),
    );
    let contact = storage()
        .get_item("ticketbooth:wbt:contact")
        .unwrap()
        .unwrap();
    assert_eq!(contact, r#"{"name":"Ada","email":"ada@example.com"}"#);
    // An empty prefill empties the draft, which leaves storage.
    call("openTicket", &JsValue::UNDEFINED);
    assert_eq!(storage().get_item("ticketbooth:wbt:draft").unwrap(), None);
    storage().remove_item("ticketbooth:wbt:contact").unwrap();
    call("close", &JsValue::UNDEFINED);
    assert!(hidden("#tb-panel"));
}
