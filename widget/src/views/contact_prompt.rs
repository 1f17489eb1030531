//! Name and email, asked before the ticket form when the site requires a contact.

use web_sys::{Element, Event, HtmlElement};

use crate::app::dispatch;
use crate::dom::{Listener, attr, el, set_text};
use crate::i18n::Strings;
use crate::state::{Contact, Field, Msg, Screen, State};
use crate::views::field::FieldRow;

pub struct ContactPrompt {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    intro: HtmlElement,
    pub name: FieldRow,
    pub email: FieldRow,
    submit: HtmlElement,
    _listeners: [Listener; 2],
}

impl ContactPrompt {
    pub fn new(parent: &Element) -> ContactPrompt {
        let root = el(parent, "form", "");
        attr(&root, "novalidate", "");
        let heading = el(&root, "h3", "");
        heading.set_tab_index(-1);
        let intro = el(&root, "p", "");
        let name = FieldRow::new(&root, "input", "tb-name", "text", false);
        attr(&name.input, "autocomplete", "name");
        let email = FieldRow::new(&root, "input", "tb-email", "email", false);
        attr(&email.input, "autocomplete", "email");
        let submit = el(&root, "button", "btn");
        attr(&submit, "type", "submit");
        let (n, e) = (name.input.clone(), email.input.clone());
        let read = move || {
            Msg::ContactEdited(Contact {
                name: crate::views::ticket_form::value_of(&n),
                email: crate::views::ticket_form::value_of(&e),
            })
        };
        let read2 = read.clone();
        let _listeners = [
            Listener::new(&root, "input", move |_| dispatch(read())),
            Listener::new(&root, "submit", move |ev: Event| {
                ev.prevent_default();
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
        set_text(&self.heading, s.contact_title);
        set_text(&self.intro, s.contact_intro);
        self.name.set_value(&state.contact_input.name);
        self.email.set_value(&state.contact_input.email);
        self.name
            .render(s.name, "", state.error_for(Field::Name), s, false);
        self.email
            .render(s.email, "", state.error_for(Field::Email), s, false);
        set_text(&self.submit, s.continue_);
    }
}
