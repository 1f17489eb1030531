//! Subject and description, and the button that sends them.

use crate::app::dispatch;
use web_sys::{Element, HtmlElement};

use crate::app::fresh_key;
use crate::dom::{Listener, attr, skeleton, text, texts};
use crate::i18n::Strings;
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
 slot||name=tb-turnstile
 button|btn|type=submit";

pub struct TicketForm {
    pub root: HtmlElement,
    pub heading: HtmlElement,
    pub subject: FieldRow,
    pub description: FieldRow,
    submit: Element,
    _listeners: [Listener; 2],
}

impl TicketForm {
    pub fn new(parent: &Element, s: &Strings) -> TicketForm {
        let n = skeleton(parent, SPEC);
        texts(&n, &[(1, s.form_title), (10, s.description_hint)]);
        let subject = FieldRow::input(&n.at(3), n.at(4), &n.at(5), s.subject);
        let description = FieldRow::area(&n.at(7), n.at(8), &n.at(9), s.description);
        let (si, di) = (subject.control(), description.control());
        let _listeners = [
            Listener::new(&n.at(0), "input", move |_| {
                dispatch(Msg::DraftEdited {
                    subject: si.value(),
                    description: di.value(),
                })
            }),
            Listener::new(&n.at(0), "submit", |ev| {
                ev.prevent_default();
                dispatch(Msg::Submit {
                    fresh_key: fresh_key(),
                });
            }),
        ];
        TicketForm {
            root: n.html(0),
            heading: n.html(1),
            subject,
            description,
            submit: n.at(12),
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
