//! Name and email, asked before the ticket form when the site requires a contact.

use crate::app::dispatch;
use web_sys::{Element, HtmlElement};

use crate::dom::{Listener, skeleton, texts};
use crate::i18n::Strings;
use crate::state::{Contact, Field, Msg, Screen, State};
use crate::views::field::FieldRow;

const SPEC: &str = "form||novalidate=
 h3||tabindex=-1
 p
 div|f
  label||for=tb-name
  input||id=tb-name|type=text|autocomplete=name|aria-describedby=tb-name-e
  p|er|id=tb-name-e|hidden=
 div|f
  label||for=tb-email
  input||id=tb-email|type=email|autocomplete=email|aria-describedby=tb-email-e
  p|er|id=tb-email-e|hidden=
 button|btn|type=submit";

pub struct ContactPrompt {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    pub name: FieldRow,
    pub email: FieldRow,
    _listeners: [Listener; 2],
}

impl ContactPrompt {
    pub fn new(parent: &Element, s: &Strings) -> ContactPrompt {
        let n = skeleton(parent, SPEC);
        texts(
            &n,
            &[
                (1, s.contact_title),
                (2, s.contact_intro),
                (11, s.continue_),
            ],
        );
        let name = FieldRow::input(&n.at(4), n.at(5), &n.at(6), s.name);
        let email = FieldRow::input(&n.at(8), n.at(9), &n.at(10), s.email);
        let (ni, ei) = (name.control(), email.control());
        let read = move || {
            Msg::ContactEdited(Contact {
                name: ni.value(),
                email: ei.value(),
            })
        };
        let read2 = read.clone();
        let _listeners = [
            Listener::new(&n.at(0), "input", move |_| dispatch(read())),
            Listener::new(&n.at(0), "submit", move |ev| {
                ev.prevent_default();
                dispatch(read2());
                dispatch(Msg::ContactSubmitted);
            }),
        ];
        ContactPrompt {
            root: n.html(0),
            heading: n.html(1),
            name,
            email,
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        if state.screen != Screen::Contact {
            return;
        }
        self.name.set_value(&state.contact_input.name);
        self.email.set_value(&state.contact_input.email);
        self.name.render(state.error_for(Field::Name), s, false);
        self.email.render(state.error_for(Field::Email), s, false);
    }
}
