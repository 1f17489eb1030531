//! Subject and description, and the button that sends them.

use crate::app::dispatch;
use crate::dom::{Js, Listener, attr, skeleton, text, texts};
use crate::i18n::Strings;
use crate::js;
use crate::state::{Field, Msg, Screen, State};
use crate::views::field::FieldRow;

const SPEC: &str = "form||novalidate=
 h3||tabindex=-1
 div|f
  label||for=tb-subject
  input||id=tb-subject|type=text|aria-describedby=tb-subject-e
  p|er|id=tb-subject-e|hidden=
 div|f
  label||for=tb-description
  textarea||id=tb-description|rows=6|aria-describedby=tb-description-e tb-description-h
  p|er|id=tb-description-e|hidden=
  p|hint|id=tb-description-h
 button|btn|type=submit";

pub struct TicketForm {
    pub root: Js,
    pub heading: Js,
    pub subject: FieldRow,
    pub description: FieldRow,
    submit: Js,
    _listeners: [Listener; 2],
}

impl TicketForm {
    pub fn new(parent: &Js, s: &Strings) -> TicketForm {
        let n = skeleton(parent, SPEC);
        texts(&n, &[(1, s.form_title), (10, s.description_hint)]);
        let subject = FieldRow::new(&n.at(3), &n.at(4), &n.at(5), s.subject);
        let description = FieldRow::new(&n.at(7), &n.at(8), &n.at(9), s.description);
        let (si, di) = (n.at(4), n.at(8));
        let _listeners = [
            Listener::new(&n.at(0), "input", move |_| {
                dispatch(Msg::DraftEdited {
                    subject: js::value(&si),
                    description: js::value(&di),
                })
            }),
            Listener::new(&n.at(0), "submit", |ev| {
                js::prevent(&ev);
                dispatch(Msg::Submit {
                    fresh_key: js::uuid(),
                });
            }),
        ];
        TicketForm {
            root: n.at(0),
            heading: n.at(1),
            subject,
            description,
            submit: n.at(11),
            _listeners,
        }
    }

    pub fn render(&self, state: &State, s: &Strings) {
        if state.screen != Screen::Form {
            return;
        }
        let frozen = state.draft.queued || state.sending;
        self.subject.set_value(&state.draft.subject);
        self.description.set_value(&state.draft.description);
        self.subject
            .render(state.error_for(Field::Subject), s, frozen);
        self.description
            .render(state.error_for(Field::Description), s, frozen);
        text(&self.submit, if state.sending { s.sending } else { s.send });
        attr(&self.submit, "disabled", state.sending.then_some(""));
    }
}
