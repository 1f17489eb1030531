//! A labelled input or textarea with its hint and its error line, wired for assistive
//! technology: `for`/`id`, `aria-describedby`, `aria-invalid`.

use crate::dom::{Js, attr, el, flag, show, text};
use crate::i18n::Strings;
use crate::js;
use crate::state::Problem;

pub struct FieldRow {
    pub input: Js,
    label: Js,
    hint: Option<Js>,
    error: Js,
}

impl FieldRow {
    /// `tag` is `input` or `textarea`; `id` is unique in the shadow root.
    pub fn new(parent: &Js, tag: &str, id: &str, kind: Option<&str>, hint: bool) -> FieldRow {
        let wrap = el(parent, "div", "f");
        let label = el(&wrap, "label", "");
        attr(&label, "for", Some(id));
        let input = el(&wrap, tag, "");
        attr(&input, "id", Some(id));
        attr(&input, "name", Some(id));
        attr(&input, "type", kind);
        let mut err_id = String::from(id);
        err_id.push_str("-e");
        let mut described = err_id.clone();
        let hint = hint.then(|| {
            let mut hint_id = String::from(id);
            hint_id.push_str("-h");
            let h = el(&wrap, "p", "hint");
            attr(&h, "id", Some(&hint_id));
            described.push(' ');
            described.push_str(&hint_id);
            h
        });
        let error = el(&wrap, "p", "er");
        attr(&error, "id", Some(&err_id));
        show(&error, false);
        attr(&input, "aria-describedby", Some(&described));
        FieldRow {
            input,
            label,
            hint,
            error,
        }
    }

    pub fn value(&self) -> String {
        js::value(&self.input)
    }

    /// Sets the value unless it already is that (so typing never moves the caret).
    pub fn set_value(&self, value: &str) {
        js::set_value(&self.input, value);
    }

    pub fn render(
        &self,
        label: &str,
        hint: &str,
        problem: Option<&Problem>,
        strings: &Strings,
        readonly: bool,
    ) {
        text(&self.label, label);
        if let Some(h) = &self.hint {
            text(h, hint);
        }
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
