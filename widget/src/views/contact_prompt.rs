//! Name and email, asked before the ticket form when the site requires a contact.

use crate::app::dispatch;
use crate::dom::{Js, Listener, attr, el, text};
use crate::i18n::Strings;
use crate::js;
use crate::state::{Contact, Field, Msg, Screen, State};
use crate::views::field::FieldRow;

pub struct ContactPrompt {
    pub root: Js,
    pub heading: Js,
    intro: Js,
    pub name: FieldRow,
    pub email: FieldRow,
    submit: Js,
    _listeners: [Listener; 2],
}

impl ContactPrompt {
    pub fn new(parent: &Js) -> ContactPrompt {
        let root = el(parent, "form", "");
        attr(&root, "novalidate", Some(""));
        let heading = el(&root, "h3", "");
        attr(&heading, "tabindex", Some("-1"));
        let intro = el(&root, "p", "");
        let name = FieldRow::new(&root, "input", "tb-name", Some("text"), false);
        attr(&name.input, "autocomplete", Some("name"));
        let email = FieldRow::new(&root, "input", "tb-email", Some("email"), false);
        attr(&email.input, "autocomplete", Some("email"));
        let submit = el(&root, "button", "btn");
        attr(&submit, "type", Some("submit"));
        let (n, e) = (name.input.clone(), email.input.clone());
        let read = move || {
            Msg::ContactEdited(Contact {
                name: js::value(&n),
                email: js::value(&e),
            })
        };
        let read2 = read.clone();
        let _listeners = [
            Listener::new(&root, "input", move |_| dispatch(read())),
            Listener::new(&root, "submit", move |ev| {
                js::prevent(&ev);
                dispatch(read2());
                dispatch(Msg::ContactSubmitted);
            }),
        ];
        ContactPrompt {
            root,
            heading,
            intro,
            name,
            email,
            submit,
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        if state.screen != Screen::Contact {
            return;
        }
        text(&self.heading, s.contact_title);
        text(&self.intro, s.contact_intro);
        self.name.set_value(&state.contact_input.name);
        self.email.set_value(&state.contact_input.email);
        let (name, email) = (state.error_for(Field::Name), state.error_for(Field::Email));
        self.name.render(s.name, "", name, s, false);
        self.email.render(s.email, "", email, s, false);
        text(&self.submit, s.continue_);
    }
}
