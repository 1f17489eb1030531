//! What the widget keeps in the host page's localStorage, one key per kind and site:
//! `ticketbooth:<site>:draft`, `:contact`, `:token`, `:chat` (the conversation's id and the
//! messages not yet sent) and `:seen` (the latest team reply seen per ticket), as JSON (the browser's `JSON`; values
//! written through serde-wasm-bindgen, read through `from_js`). Storage can be missing (privacy modes, sandboxed frames), full,
//! or hold something another version wrote: then the widget works for the current page only.

use serde::Serialize;
use serde::de::DeserializeOwned;
use web_sys::Storage;

use crate::chat::Saved;
use crate::dom;
use crate::from_js::from_js;
use crate::state::{Contact, Draft};

pub struct Store {
    prefix: String,
    storage: Option<Storage>,
}

impl Store {
    pub fn new(site: &str) -> Store {
        Store {
            prefix: ["ticketbooth:", site, ":"].concat(),
            // `localStorage` itself throws where storage is blocked.
            storage: dom::window().local_storage().ok().flatten(),
        }
    }

    fn read(&self, name: &str) -> Option<String> {
        let key = [self.prefix.as_str(), name].concat();
        self.storage.as_ref()?.get_item(&key).ok().flatten()
    }

    fn write(&self, name: &str, value: Option<&str>) {
        let Some(storage) = &self.storage else { return };
        let key = [self.prefix.as_str(), name].concat();
        // Storage is an optimisation: a refused write (quota, privacy mode) changes nothing.
        let _ = match value {
            Some(v) => storage.set_item(&key, v),
            None => storage.remove_item(&key),
        };
    }

    fn read_json<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let value = js_sys::JSON::parse(&self.read(name)?).ok()?;
        from_js(value)
    }

    fn write_json(&self, name: &str, value: &impl Serialize) {
        let text = serde_wasm_bindgen::to_value(value)
            .ok()
            .and_then(|v| js_sys::JSON::stringify(&v).ok())
            .and_then(|s| s.as_string());
        if let Some(text) = text {
            self.write(name, Some(&text));
        }
    }

    pub fn token(&self) -> Option<String> {
        self.read("token").filter(|t| !t.is_empty())
    }

    pub fn save_token(&self, token: &str) {
        self.write("token", Some(token));
    }

    pub fn contact(&self) -> Option<Contact> {
        self.read_json("contact")
    }

    pub fn save_contact(&self, contact: &Contact) {
        self.write_json("contact", contact);
    }

    pub fn chat(&self) -> Saved {
        self.read_json("chat").unwrap_or_default()
    }

    pub fn save_chat(&self, chat: &Saved) {
        if *chat == Saved::default() {
            return self.write("chat", None);
        }
        self.write_json("chat", chat);
    }

    /// `[[ticket id, reply id], …]`: which team replies the visitor has seen.
    pub fn seen(&self) -> Vec<(String, i64)> {
        self.read_json("seen").unwrap_or_default()
    }

    pub fn save_seen(&self, seen: &[(String, i64)]) {
        self.write_json("seen", &seen);
    }

    pub fn draft(&self) -> Draft {
        self.read_json("draft").unwrap_or_default()
    }

    pub fn save_draft(&self, draft: &Draft) {
        if draft.is_empty() {
            return self.write("draft", None);
        }
        self.write_json("draft", draft);
    }
}
