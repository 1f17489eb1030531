//! A labelled input or textarea with its hint and its error line, wired for assistive
//! technology: `for`/`id`, `aria-describedby`, `aria-invalid`.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use crate::dom::{attr, el, set_text, show, text_el};
use crate::i18n::Strings;
use crate::state::Problem;

pub struct FieldRow {
    pub input: HtmlElement,
    label: HtmlElement,
    hint: Option<HtmlElement>,
    error: HtmlElement,
}

impl FieldRow {
    /// `tag` is `input` or `textarea`; `id` is unique in the shadow root.
    pub fn new(parent: &Element, tag: &str, id: &str, kind: &str, hint: bool) -> FieldRow {
        let wrap = el(parent, "div", "f");
        let label = el(&wrap, "label", "");
        attr(&label, "for", id);
        let input = el(&wrap, tag, "");
        attr(&input, "id", id);
        attr(&input, "name", id);
        if !kind.is_empty() {
            attr(&input, "type", kind);
        }
        let mut err_id = String::from(id);
        err_id.push_str("-e");
        let mut described = err_id.clone();
        let hint = hint.then(|| {
            let mut hint_id = String::from(id);
            hint_id.push_str("-h");
            let h = el(&wrap, "p", "hint");
            attr(&h, "id", &hint_id);
            described.push(' ');
            described.push_str(&hint_id);
            h
        });
        let error = text_el(&wrap, "p", "er", "");
        attr(&error, "id", &err_id);
        error.set_hidden(true);
        attr(&input, "aria-describedby", &described);
        FieldRow {
            input,
            label,
            hint,
            error,
        }
    }

    /// Sets the value unless it already is that (so typing never moves the caret).
    pub fn set_value(&self, value: &str) {
        if crate::views::ticket_form::value_of(&self.input) != value {
            if let Some(i) = self.input.dyn_ref::<HtmlInputElement>() {
                i.set_value(value);
            } else if let Some(t) = self.input.dyn_ref::<HtmlTextAreaElement>() {
                t.set_value(value);
            }
        }
    }

    pub fn render(
        &self,
        label: &str,
        hint: &str,
        problem: Option<&Problem>,
        strings: &Strings,
        readonly: bool,
    ) {
        set_text(&self.label, label);
        if let Some(h) = &self.hint {
            set_text(h, hint);
        }
        let message = match problem {
            Some(Problem::Local(e)) => strings.field_error(*e),
            Some(Problem::Server(m)) => m.clone(),
            None => String::new(),
        };
        set_text(&self.error, &message);
        show(&self.error, problem.is_some());
        attr(
            &self.input,
            "aria-invalid",
            if problem.is_some() { "true" } else { "false" },
        );
        if readonly {
            attr(&self.input, "readonly", "");
        } else {
            let _ = self.input.remove_attribute("readonly");
        }
    }
}
