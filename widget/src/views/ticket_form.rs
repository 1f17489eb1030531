//! Subject and description, and the button that sends them.

use crate::app::dispatch;
use crate::dom::{Js, Listener, attr, el, text};
use crate::i18n::Strings;
use crate::js;
use crate::state::{Field, Msg, Screen, State};
use crate::views::field::FieldRow;

pub struct TicketForm {
    pub root: Js,
    pub heading: Js,
    pub subject: FieldRow,
    pub description: FieldRow,
    submit: Js,
    _listeners: [Listener; 2],
}

impl TicketForm {
    pub fn new(parent: &Js) -> TicketForm {
        let root = el(parent, "form", "");
        attr(&root, "novalidate", Some(""));
        let heading = el(&root, "h3", "");
        attr(&heading, "tabindex", Some("-1"));
        let subject = FieldRow::new(&root, "input", "tb-subject", Some("text"), false);
        let description = FieldRow::new(&root, "textarea", "tb-description", None, true);
        attr(&description.input, "rows", Some("6"));
        let submit = el(&root, "button", "btn");
        attr(&submit, "type", Some("submit"));
        let (s, d) = (subject.input.clone(), description.input.clone());
        let _listeners = [
            Listener::new(&root, "input", move |_| {
                dispatch(Msg::DraftEdited {
                    subject: js::value(&s),
                    description: js::value(&d),
                })
            }),
            Listener::new(&root, "submit", |ev| {
                js::prevent(&ev);
                dispatch(Msg::Submit {
                    fresh_key: js::uuid(),
                });
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
        text(&self.heading, s.form_title);
        let frozen = state.draft.queued || state.sending;
        self.subject.set_value(&state.draft.subject);
        self.description.set_value(&state.draft.description);
        let subject = state.error_for(Field::Subject);
        self.subject.render(s.subject, "", subject, s, frozen);
        let description = state.error_for(Field::Description);
        let (label, hint) = (s.description, s.description_hint);
        self.description.render(label, hint, description, s, frozen);
        text(&self.submit, if state.sending { s.sending } else { s.send });
        attr(&self.submit, "disabled", state.sending.then_some(""));
    }
}
