//! What the widget keeps in the host page's localStorage, one key per kind and site:
//! `ticketbooth:<site>:draft`, `:contact` and `:token`. Storage can be missing (privacy modes,
//! sandboxed frames) or full: then the widget works for the current page only.

use web_sys::Storage;

use crate::dom::window;
use crate::json::{self, get_bool, get_str, get_text};
use crate::state::{Contact, Draft};

pub struct Store {
    storage: Option<Storage>,
    prefix: String,
}

impl Store {
    pub fn new(site: &str) -> Store {
        let mut prefix = String::from("ticketbooth:");
        prefix.push_str(site);
        prefix.push(':');
        Store {
            storage: window().local_storage().ok().flatten(),
            prefix,
        }
    }

    fn key(&self, name: &str) -> String {
        let mut key = self.prefix.clone();
        key.push_str(name);
        key
    }

    fn read(&self, name: &str) -> Option<String> {
        self.storage
            .as_ref()?
            .get_item(&self.key(name))
            .ok()
            .flatten()
    }

    fn write(&self, name: &str, value: Option<&str>) {
        if let Some(storage) = &self.storage {
            let key = self.key(name);
            let _ = match value {
                Some(value) => storage.set_item(&key, value),
                None => storage.remove_item(&key),
            };
        }
    }

    pub fn token(&self) -> Option<String> {
        self.read("token").filter(|t| !t.is_empty())
    }

    pub fn save_token(&self, token: &str) {
        self.write("token", Some(token));
    }

    pub fn contact(&self) -> Option<Contact> {
        let v = json::parse(&self.read("contact")?);
        Some(Contact {
            name: get_str(&v, "name")?,
            email: get_str(&v, "email")?,
        })
    }

    pub fn save_contact(&self, contact: &Contact) {
        let o = json::object();
        json::set_str(&o, "name", &contact.name);
        json::set_str(&o, "email", &contact.email);
        self.write("contact", json::stringify(&o).as_deref());
    }

    pub fn draft(&self) -> Draft {
        let Some(text) = self.read("draft") else {
            return Draft::default();
        };
        let v = json::parse(&text);
        Draft {
            subject: get_text(&v, "subject"),
            description: get_text(&v, "description"),
            transcript: json::transcript_from_js(&json::get(&v, "transcript")),
            key: get_str(&v, "key"),
            queued: get_bool(&v, "queued").unwrap_or(false),
        }
    }

    pub fn save_draft(&self, draft: &Draft) {
        if draft.is_empty() {
            return self.write("draft", None);
        }
        let o = json::object();
        json::set_str(&o, "subject", &draft.subject);
        json::set_str(&o, "description", &draft.description);
        json::set(&o, "transcript", &json::transcript_to_js(&draft.transcript));
        if let Some(key) = &draft.key {
            json::set_str(&o, "key", key);
        }
        json::set(&o, "queued", &draft.queued.into());
        self.write("draft", json::stringify(&o).as_deref());
    }
}
