//! A labelled input or textarea with its error line (and hint), wired for assistive
//! technology: `for`/`id`, `aria-describedby`, `aria-invalid`. The skeleton lines are in the
//! spec of the form that holds the field.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use crate::dom::{attr, flag, show, text};
use crate::i18n::Strings;
use crate::state::Problem;

/// The field's control: web-sys types `value` per element kind.
#[derive(Clone)]
pub enum Control {
    Input(HtmlInputElement),
    Area(HtmlTextAreaElement),
}

impl Control {
    pub fn value(&self) -> String {
        match self {
            Control::Input(e) => e.value(),
            Control::Area(e) => e.value(),
        }
    }

    /// Sets the value unless it already is that (so typing never moves the caret).
    fn set_value(&self, value: &str) {
        if self.value() != value {
            match self {
                Control::Input(e) => e.set_value(value),
                Control::Area(e) => e.set_value(value),
            }
        }
    }
}

pub struct FieldRow {
    control: Control,
    input: HtmlElement,
    error: HtmlElement,
}

impl FieldRow {
    /// From the skeleton's `label`, `input` and error `p`.
    pub fn input(label: &Element, input: Element, error: &Element, label_text: &str) -> FieldRow {
        Self::new(
            label,
            Control::Input(input.unchecked_into()),
            error,
            label_text,
        )
    }

    /// From the skeleton's `label`, `textarea` and error `p`.
    pub fn area(label: &Element, area: Element, error: &Element, label_text: &str) -> FieldRow {
        Self::new(
            label,
            Control::Area(area.unchecked_into()),
            error,
            label_text,
        )
    }

    fn new(label: &Element, control: Control, error: &Element, label_text: &str) -> FieldRow {
        text(label, label_text);
        let input = match &control {
            Control::Input(e) => e.clone().into(),
            Control::Area(e) => e.clone().into(),
        };
        FieldRow {
            control,
            input,
            error: error.clone().unchecked_into(),
        }
    }

    pub fn element(&self) -> &HtmlElement {
        &self.input
    }

    pub fn control(&self) -> Control {
        self.control.clone()
    }

    pub fn set_value(&self, value: &str) {
        self.control.set_value(value);
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
