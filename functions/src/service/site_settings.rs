//! A site's settings as an owner edits them, parsed: a `SiteSettings` holds only valid values
//! (every allowed origin a real origin, a known locale, a valid code prefix). Parsing collects
//! every field's problem at once, in words the settings page shows next to the field.

use ticketbooth_shared::ticket_code::CodePrefix;

/// The widget's locales (`widget/src/i18n.rs` has a string table for each).
pub const LOCALES: [(&str, &str); 2] = [("en", "English"), ("fr", "Français")];
const MAX_NAME_CHARS: usize = 100;
const MAX_CTA_CHARS: usize = 40;
/// More origins than this is a paste gone wrong, and the list is read on every API request.
const MAX_ORIGINS: usize = 20;

/// The form as submitted: text fields and checkboxes (absent when unchecked).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub name: String,
    pub code_prefix: String,
    pub ticketing_enabled: Option<String>,
    pub contact_required: Option<String>,
    pub cta_label: String,
    pub locale: String,
    /// One origin per line (or separated by spaces or commas).
    pub allowed_origins: String,
    /// Bot answers without a ticket before a conversation goes to a person (0: never; empty:
    /// the default, 6).
    pub escalate_after_messages: String,
    pub escalation_opens_ticket: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteSettings {
    pub name: String,
    pub code_prefix: CodePrefix,
    pub ticketing_enabled: bool,
    pub contact_required: bool,
    pub cta_label: String,
    pub locale: &'static str,
    pub allowed_origins: Vec<Origin>,
    pub escalate_after_messages: i64,
    pub escalation_opens_ticket: bool,
}

/// The most bot answers the message limit may be set to.
pub const MAX_ESCALATE_AFTER: i64 = 50;

/// Field name → what is wrong with it, for every field that is wrong.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsErrors(pub Vec<(&'static str, String)>);

impl SiteSettings {
    pub fn parse(form: &SettingsForm) -> Result<Self, SettingsErrors> {
        let mut errors = SettingsErrors::default();
        let mut fail = |field: &'static str, message: String| errors.0.push((field, message));
        let name = text(&form.name, MAX_NAME_CHARS).unwrap_or_else(|m| {
            fail("name", m);
            String::new()
        });
        let code_prefix = CodePrefix::parse(form.code_prefix.trim()).map_err(|_| {
            fail(
                "code_prefix",
                "Use 2 to 10 capital letters A–Z, like TKT.".into(),
            );
        });
        let cta_label = text(&form.cta_label, MAX_CTA_CHARS).unwrap_or_else(|m| {
            fail("cta_label", m);
            String::new()
        });
        let locale = LOCALES
            .iter()
            .find(|(tag, _)| *tag == form.locale)
            .map(|(tag, _)| *tag)
            .ok_or_else(|| fail("locale", "Pick one of the listed languages.".into()));
        let mut allowed_origins: Vec<Origin> = Vec::new();
        let mut bad = Vec::new();
        for raw in form
            .allowed_origins
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
        {
            match Origin::parse(raw) {
                Some(origin) if !allowed_origins.contains(&origin) => allowed_origins.push(origin),
                Some(_) => {}
                None => bad.push(raw),
            }
        }
        if !bad.is_empty() {
            fail(
                "allowed_origins",
                format!(
                    "Not an origin: {}. Write scheme://host or scheme://host:port, without a \
                     path, like https://www.example.com.",
                    bad.join(", ")
                ),
            );
        } else if allowed_origins.len() > MAX_ORIGINS {
            fail("allowed_origins", format!("At most {MAX_ORIGINS} origins."));
        }
        let raw_after = form.escalate_after_messages.trim();
        let escalate_after_messages = if raw_after.is_empty() {
            6
        } else {
            raw_after
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=MAX_ESCALATE_AFTER).contains(n))
                .unwrap_or_else(|| {
                    fail(
                        "escalate_after_messages",
                        format!("A whole number from 0 (never) to {MAX_ESCALATE_AFTER}."),
                    );
                    0
                })
        };
        match (code_prefix, locale) {
            (Ok(code_prefix), Ok(locale)) if errors.0.is_empty() => Ok(Self {
                name,
                code_prefix,
                ticketing_enabled: form.ticketing_enabled.is_some(),
                contact_required: form.contact_required.is_some(),
                cta_label,
                locale,
                allowed_origins,
                escalate_after_messages,
                escalation_opens_ticket: form.escalation_opens_ticket.is_some(),
            }),
            _ => Err(errors),
        }
    }

    /// The origins as the `sites.allowed_origins` JSON array.
    pub fn origins_json(&self) -> String {
        origins_json(&self.allowed_origins)
    }
}

/// Origins as the `sites.allowed_origins` JSON array.
pub fn origins_json(origins: &[Origin]) -> String {
    let list: Vec<&str> = origins.iter().map(Origin::as_str).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

fn text(raw: &str, max: usize) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Err("This field is required.".into())
    } else if trimmed.chars().count() > max {
        Err(format!("At most {max} characters."))
    } else if trimmed.chars().any(char::is_control) {
        Err("Line breaks and control characters are not allowed.".into())
    } else {
        Ok(trimmed.to_owned())
    }
}

/// A web origin, `http(s)://host[:port]`, lower case: what a browser sends in `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// Accepts one trailing `/` (people paste URLs); refuses any path, query, fragment,
    /// credentials, other schemes and malformed hosts or ports.
    pub fn parse(raw: &str) -> Option<Self> {
        let lower = raw.trim().to_ascii_lowercase();
        let (scheme, rest) = lower.split_once("://")?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        let port_ok = port.is_none_or(|p| {
            !p.is_empty()
                && p.len() <= 5
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
        });
        (host_ok && port_ok).then(|| Self(format!("{scheme}://{authority}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SettingsForm {
        SettingsForm {
            name: " Acme ".into(),
            code_prefix: "ACME".into(),
            ticketing_enabled: Some("on".into()),
            contact_required: None,
            cta_label: "Get help".into(),
            locale: "fr".into(),
            allowed_origins: "https://acme.example\nhttp://localhost:8787/, https://acme.example"
                .into(),
            escalate_after_messages: String::new(),
            escalation_opens_ticket: Some("on".into()),
        }
    }

    #[test]
    fn the_message_limit_is_0_to_50_and_blank_is_the_default() {
        let with = |after: &str| SettingsForm {
            escalate_after_messages: after.into(),
            ..form()
        };
        let s = SiteSettings::parse(&form()).unwrap();
        assert_eq!(
            (s.escalate_after_messages, s.escalation_opens_ticket),
            (6, true)
        );
        assert_eq!(
            SiteSettings::parse(&with(" 0 "))
                .unwrap()
                .escalate_after_messages,
            0
        );
        assert_eq!(
            SiteSettings::parse(&with("50"))
                .unwrap()
                .escalate_after_messages,
            50
        );
        for bad in ["51", "-1", "six", "2.5"] {
            let errors = SiteSettings::parse(&with(bad)).unwrap_err().0;
            assert_eq!(errors[0].0, "escalate_after_messages", "{bad}");
        }
        let off = SettingsForm {
            escalation_opens_ticket: None,
            ..form()
        };
        assert!(!SiteSettings::parse(&off).unwrap().escalation_opens_ticket);
    }

    #[test]
    fn a_valid_form_parses_with_origins_normalised_and_deduplicated() {
        let s = SiteSettings::parse(&form()).unwrap();
        assert_eq!(s.name, "Acme");
        assert_eq!(s.code_prefix.as_ref(), "ACME");
        assert!(s.ticketing_enabled && !s.contact_required);
        assert_eq!(s.locale, "fr");
        assert_eq!(
            s.origins_json(),
            r#"["https://acme.example","http://localhost:8787"]"#
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = SettingsForm {
            name: "".into(),
            code_prefix: "tk".into(),
            cta_label: "x".repeat(41),
            locale: "de".into(),
            allowed_origins: "https://ok.example https://acme.example/shop acme.example".into(),
            ..form()
        };
        let errors = SiteSettings::parse(&bad).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "name",
                "code_prefix",
                "cta_label",
                "locale",
                "allowed_origins"
            ]
        );
        let origins = &errors.0[4].1;
        assert!(
            origins.contains("https://acme.example/shop, acme.example")
                && !origins.contains("ok.example"),
            "{origins}"
        );
    }

    #[test]
    fn origins() {
        for ok in [
            "https://example.com",
            "HTTP://LOCALHOST:8787",
            "http://127.0.0.1:8787/",
            "https://a-b.example.co.uk:443",
        ] {
            assert!(Origin::parse(ok).is_some(), "{ok}");
        }
        assert_eq!(
            Origin::parse("HTTPS://Example.COM/").unwrap().as_str(),
            "https://example.com"
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://",
            "https://example.com/path",
            "https://example.com?q",
            "https://example.com#x",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:70000",
            "https://example.com:",
            "https://-bad.example",
            "https://exa mple.com",
            "https://example..com",
            "javascript://alert(1)",
        ] {
            assert!(Origin::parse(bad).is_none(), "{bad}");
        }
    }
}
