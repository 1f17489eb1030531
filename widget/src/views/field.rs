//! A labelled input or textarea with its error line (and hint), wired for assistive
//! technology: `for`/`id`, `aria-describedby`, `aria-invalid`. The skeleton lines are in the
//! spec of the form that holds the field.

use crate::dom::{Js, attr, flag, show, text};
use crate::i18n::Strings;
use crate::js;
use crate::state::Problem;

pub struct FieldRow {
    pub input: Js,
    error: Js,
}

impl FieldRow {
    /// From the skeleton's `label`, `input`/`textarea` and error `p`.
    pub fn new(label: &Js, input: &Js, error: &Js, label_text: &str) -> FieldRow {
        text(label, label_text);
        FieldRow {
            input: input.clone(),
            error: error.clone(),
        }
    }

    /// Sets the value unless it already is that (so typing never moves the caret).
    pub fn set_value(&self, value: &str) {
        js::set_value(&self.input, value);
    }

    pub fn render(&self, problem: Option<&Problem>, strings: &Strings, readonly: bool) {
        let message = match problem {
            Some(Problem::Local(e)) => strings.field_error(*e),
            Some(Problem::Server(m)) => m.clone(),
            None => String::new(),
        };
        text(&self.error, &message);
        show(&self.error, problem.is_some());
        flag(&self.input, "aria-invalid", problem.is_some());
        attr(&self.input, "readonly", readonly.then_some(""));
    }
}
