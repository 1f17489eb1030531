//! A ticket label: a short tag operators create on the fly ("billing", "vip", "bug-42"), on one
//! or two levels: `Label > Sublabel` ("billing > refund"). Labels live per site; the same
//! spelling on two sites is two unrelated labels.
//!
//! A label is stored as its canonical text (`ticket_labels.label`): the parts joined by
//! `" > "`. Labels from before sublabels are one-part labels and stay valid as they are.
//!
//! Case: every part is lower-cased, as labels always were. Kept on purpose: "Billing" and
//! "billing" typed by two operators are one label, not two near-duplicates; every label
//! already stored is lower case; and the list's filter finds a parent's sublabels by a range
//! of the index's byte order (`sql::tickets`), which only holds for one canonical spelling.
//! So an operator may type "Billing > Refund": it is the label `billing > refund`.

use crate::field_error::FieldError;

/// One or two parts (`parent > child`), each lower case, 1–32 characters: letters and digits
/// (any script), joined by single `-`, `_` or `.`. Input is trimmed, lower-cased, and runs of
/// whitespace inside a part become one `-`, so "Needs Reply" and "needs-reply" are the same
/// label; spacing around `>` does not matter ("Billing>Refund" is "billing > refund").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

/// Between a parent and its sublabel in a label's text.
pub const SEPARATOR: &str = " > ";

impl Label {
    /// The longest part.
    pub const MAX_CHARS: usize = 32;
    /// The longest label: two parts and the separator.
    pub const MAX_TEXT_CHARS: usize = 2 * Self::MAX_CHARS + SEPARATOR.len();
    /// The longest input a form should take: room for spacing the parser drops.
    pub const MAX_INPUT_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.trim().is_empty() {
            return Err(FieldError::Required);
        }
        let parts: Vec<&str> = raw.split('>').collect();
        if parts.len() > 2 {
            return Err(FieldError::InvalidFormat);
        }
        let mut slugs = Vec::with_capacity(parts.len());
        for part in parts {
            slugs.push(slug(part).map_err(|e| match e {
                // "billing >": a part is missing, the label is not simply empty.
                FieldError::Required => FieldError::InvalidFormat,
                e => e,
            })?);
        }
        Ok(Self(slugs.join(SEPARATOR)))
    }

    /// The parent of a sublabel (`billing` for `billing > refund`); `None` for a top-level
    /// label.
    pub fn parent(&self) -> Option<Label> {
        self.0
            .split_once(SEPARATOR)
            .map(|(parent, _)| Label(parent.to_owned()))
    }

    /// The last part: the sublabel's own name, or the whole top-level label.
    pub fn leaf(&self) -> &str {
        self.0
            .split_once(SEPARATOR)
            .map_or(self.0.as_str(), |(_, child)| child)
    }

    pub fn is_top_level(&self) -> bool {
        !self.0.contains(SEPARATOR)
    }

    /// Whether `other` is this label or one of its sublabels: what a filter by this label
    /// matches.
    pub fn covers(&self, other: &Label) -> bool {
        other == self
            || other
                .0
                .strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.starts_with(SEPARATOR))
    }

    /// `self` (this label or one of its sublabels) with the prefix `from` replaced by `to`:
    /// where a rename of `from` to `to` moves it. `None` when `from` does not cover `self`, or
    /// the result would have more than two levels.
    pub fn moved(&self, from: &Label, to: &Label) -> Option<Label> {
        if !from.covers(self) {
            return None;
        }
        let rest = &self.0[from.0.len()..];
        let moved = format!("{}{rest}", to.0);
        (moved.matches(SEPARATOR).count() <= 1).then_some(Label(moved))
    }
}

// A form that takes the longest label must let it through.
const _: () = assert!(Label::MAX_INPUT_CHARS >= Label::MAX_TEXT_CHARS);

/// One part: trimmed, lower-cased, inner whitespace as `-`, checked.
fn slug(raw: &str) -> Result<String, FieldError> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    if words.is_empty() {
        return Err(FieldError::Required);
    }
    let slug = words.join("-").to_lowercase();
    if slug.chars().nth(Label::MAX_CHARS).is_some() {
        return Err(FieldError::TooLong {
            max: Label::MAX_CHARS,
        });
    }
    let separator = |c: char| matches!(c, '-' | '_' | '.');
    let well_formed = slug.chars().all(|c| c.is_alphanumeric() || separator(c))
        && !slug.starts_with(separator)
        && !slug.ends_with(separator)
        && !slug
            .chars()
            .zip(slug.chars().skip(1))
            .any(|(a, b)| separator(a) && separator(b));
    if !well_formed {
        return Err(FieldError::InvalidFormat);
    }
    Ok(slug)
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(raw: &str) -> Label {
        Label::parse(raw).unwrap()
    }

    #[test]
    fn normalised_to_a_lower_case_slug() {
        for (raw, label) in [
            ("billing", "billing"),
            ("  VIP ", "vip"),
            ("Needs  Reply", "needs-reply"),
            ("bug-42", "bug-42"),
            ("v1.2_beta", "v1.2_beta"),
            ("Ärger", "ärger"),
        ] {
            assert_eq!(Label::parse(raw).unwrap().as_ref(), label, "{raw}");
        }
    }

    #[test]
    fn a_sublabel_is_spelled_one_way_whatever_the_spacing() {
        for raw in [
            "Billing > Refund",
            "Billing>Refund",
            "billing  >  refund",
            " BILLING >Refund ",
        ] {
            assert_eq!(label(raw).as_ref(), "billing > refund", "{raw}");
        }
        assert_eq!(
            label("Billing > Late Refund").as_ref(),
            "billing > late-refund"
        );
        // The canonical text parses to itself: what is stored reads back unchanged.
        assert_eq!(label("billing > refund"), label("Billing>Refund"));
    }

    #[test]
    fn refuses_what_is_not_a_label() {
        assert_eq!(Label::parse("  "), Err(FieldError::Required));
        assert_eq!(
            Label::parse(&"a".repeat(33)),
            Err(FieldError::TooLong { max: 32 })
        );
        assert!(Label::parse(&"a".repeat(32)).is_ok());
        for bad in ["<b>", "a,b", "-lead", "trail.", "a--b", "a/b", "x\u{7}"] {
            assert_eq!(Label::parse(bad), Err(FieldError::InvalidFormat), "{bad}");
        }
    }

    #[test]
    fn refuses_empty_parts_a_third_level_and_long_parts() {
        for bad in [">", "billing >", "> refund", " > ", "a > b > c", "a >> b"] {
            assert_eq!(Label::parse(bad), Err(FieldError::InvalidFormat), "{bad}");
        }
        let long = format!("billing > {}", "r".repeat(33));
        assert_eq!(Label::parse(&long), Err(FieldError::TooLong { max: 32 }));
        let longest = format!("{} > {}", "b".repeat(32), "r".repeat(32));
        assert_eq!(label(&longest).as_ref().len(), Label::MAX_TEXT_CHARS);
    }

    #[test]
    fn parent_leaf_and_what_a_label_covers() {
        let refund = label("billing > refund");
        assert_eq!(refund.parent(), Some(label("billing")));
        assert_eq!(refund.leaf(), "refund");
        assert!(!refund.is_top_level());
        assert_eq!(label("billing").parent(), None);
        assert_eq!(label("billing").leaf(), "billing");
        assert!(label("billing").covers(&refund));
        assert!(label("billing").covers(&label("billing")));
        assert!(refund.covers(&refund));
        assert!(!refund.covers(&label("billing")));
        // A prefix of the text is not a parent.
        assert!(!label("bill").covers(&refund));
        assert!(!label("billing").covers(&label("billingx")));
        assert!(!label("billing").covers(&label("billing-x > y")));
    }

    #[test]
    fn moved_replaces_the_prefix_and_never_makes_a_third_level() {
        let (from, to) = (label("billing"), label("payments"));
        assert_eq!(
            label("billing > refund").moved(&from, &to),
            Some(label("payments > refund"))
        );
        assert_eq!(label("billing").moved(&from, &to), Some(to.clone()));
        assert_eq!(label("billingx").moved(&from, &to), None);
        let deep = label("money > payments");
        assert_eq!(label("billing > refund").moved(&from, &deep), None);
        assert_eq!(label("billing").moved(&from, &deep), Some(deep.clone()));
    }
}
