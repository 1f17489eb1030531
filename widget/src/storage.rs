//! What the widget keeps in the host page's localStorage, one key per kind and site:
//! `ticketbooth:<site>:draft`, `:contact` and `:token`. Storage can be missing (privacy modes,
//! sandboxed frames) or full: then the widget works for the current page only.

use crate::js::{self, get, get_str, get_text};
use crate::json;
use crate::state::{Contact, Draft};

pub struct Store {
    prefix: String,
}

impl Store {
    pub fn new(site: &str) -> Store {
        let mut prefix = String::from("ticketbooth:");
        prefix.push_str(site);
        prefix.push(':');
        Store { prefix }
    }

    fn key(&self, name: &str) -> String {
        let mut key = self.prefix.clone();
        key.push_str(name);
        key
    }

    fn read(&self, name: &str) -> Option<String> {
        js::load(&self.key(name))
    }

    fn write(&self, name: &str, value: Option<&str>) {
        js::store(&self.key(name), value);
    }

    pub fn token(&self) -> Option<String> {
        self.read("token").filter(|t| !t.is_empty())
    }

    pub fn save_token(&self, token: &str) {
        self.write("token", Some(token));
    }

    pub fn contact(&self) -> Option<Contact> {
        let v = js::parse(&self.read("contact")?);
        Some(Contact {
            name: get_str(&v, "name")?,
            email: get_str(&v, "email")?,
        })
    }

    pub fn save_contact(&self, contact: &Contact) {
        let o = js::obj();
        js::set_str(&o, "name", &contact.name);
        js::set_str(&o, "email", &contact.email);
        self.write("contact", Some(&js::stringify(&o)));
    }

    pub fn draft(&self) -> Draft {
        let Some(text) = self.read("draft") else {
            return Draft::default();
        };
        let v = js::parse(&text);
        Draft {
            subject: get_text(&v, "subject"),
            description: get_text(&v, "description"),
            transcript: json::transcript_from_js(&get(&v, "transcript")),
            key: get_str(&v, "key"),
            queued: get(&v, "queued").as_bool().unwrap_or(false),
        }
    }

    pub fn save_draft(&self, draft: &Draft) {
        if draft.is_empty() {
            return self.write("draft", None);
        }
        let o = js::obj();
        js::set_str(&o, "subject", &draft.subject);
        js::set_str(&o, "description", &draft.description);
        js::set(&o, "transcript", &json::transcript_to_js(&draft.transcript));
        if let Some(key) = &draft.key {
            js::set_str(&o, "key", key);
        }
        js::set(&o, "queued", &draft.queued.into());
        self.write("draft", Some(&js::stringify(&o)));
    }
}
