//! Subject and description, and the button that sends them.

use wasm_bindgen::JsCast;
use web_sys::{
    Element, Event, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlTextAreaElement,
};

use crate::app::{dispatch, uuid};
use crate::dom::{Listener, attr, el, set_text};
use crate::i18n::Strings;
use crate::state::{Field, Msg, Screen, State};
use crate::views::field::FieldRow;

pub struct TicketForm {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    pub subject: FieldRow,
    pub description: FieldRow,
    submit: HtmlElement,
    _listeners: [Listener; 2],
}

/// The value of an `<input>` or `<textarea>`.
pub fn value_of(e: &HtmlElement) -> String {
    if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
        i.value()
    } else if let Some(t) = e.dyn_ref::<HtmlTextAreaElement>() {
        t.value()
    } else {
        String::new()
    }
}

impl TicketForm {
    pub fn new(parent: &Element) -> TicketForm {
        let root = el(parent, "form", "");
        attr(&root, "novalidate", "");
        let heading = el(&root, "h3", "");
        heading.set_tab_index(-1);
        let subject = FieldRow::new(&root, "input", "tb-subject", "text", false);
        attr(&subject.input, "maxlength", "200");
        let description = FieldRow::new(&root, "textarea", "tb-description", "", true);
        attr(&description.input, "rows", "6");
        let submit = el(&root, "button", "btn");
        attr(&submit, "type", "submit");
        let (s, d) = (subject.input.clone(), description.input.clone());
        let _listeners = [
            Listener::new(&root, "input", move |_| {
                dispatch(Msg::DraftEdited {
                    subject: value_of(&s),
                    description: value_of(&d),
                })
            }),
            Listener::new(&root, "submit", |ev: Event| {
                ev.prevent_default();
                dispatch(Msg::Submit { fresh_key: uuid() });
            }),
        ];
        TicketForm {
            root,
            heading,
            subject,
            description,
            submit,
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        if state.screen != Screen::Form {
            return;
        }
        set_text(&self.heading, s.form_title);
        let frozen = state.draft.queued || state.sending;
        self.subject.set_value(&state.draft.subject);
        self.description.set_value(&state.draft.description);
        self.subject
            .render(s.subject, "", state.error_for(Field::Subject), s, frozen);
        self.description.render(
            s.description,
            s.description_hint,
            state.error_for(Field::Description),
            s,
            frozen,
        );
        set_text(&self.submit, if state.sending { s.sending } else { s.send });
        if let Some(b) = self.submit.dyn_ref::<HtmlButtonElement>() {
            b.set_disabled(state.sending);
        }
    }
}
