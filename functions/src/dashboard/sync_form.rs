//! The sync settings page's form (`dashboard/sync_page.rs`): every field any of its `do=`
//! forms sends, and the checks of the connect, rotate and push-rule fields — every field's
//! error at once, so the page can show them all and save nothing.

use serde::Deserialize;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::label::Label;
use ticketbooth_shared::requester::Email;
use ticketbooth_shared::sync::{Platform, PushRule};

use crate::integrations::outbound::{OutboundPolicy, OutboundUrl, Target};
use crate::service::sync_connections::{AuthKind, NewConnection, NewCredentials};

/// Field name → message, for the page.
pub(super) type Errors = Vec<(&'static str, String)>;

/// Every field any of the page's forms sends; each `do` reads its own.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Form {
    #[serde(rename = "do")]
    pub(super) action: String,
    pub(super) platform: String,
    pub(super) base_url: String,
    pub(super) auth_kind: String,
    pub(super) auth_user: String,
    pub(super) credential: String,
    pub(super) webhook_secret: String,
    pub(super) push_rule: String,
    pub(super) push_label: String,
    pub(super) count: String,
}

/// Every field of the connect form checked at once.
pub(super) fn connection_of(form: &Form, policy: OutboundPolicy) -> Result<NewConnection, Errors> {
    let mut errors = Vec::new();
    let platform = match Platform::parse(form.platform.trim()) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(("platform", e.to_string()));
            None
        }
    };
    let base_url = base_url_of(&mut errors, platform, form.base_url.trim(), policy);
    let (auth_kind, auth_user) = auth_of(&mut errors, platform, form);
    let credential = credential_of(&mut errors, form);
    let webhook_secret = webhook_secret_of(&mut errors, form);
    let push_rule = match push_rule(form) {
        Ok(rule) => Some(rule),
        Err(more) => {
            errors.extend(more);
            None
        }
    };
    match (platform, base_url, auth_kind, credential, push_rule) {
        (Some(platform), Some(base_url), Some(auth_kind), Some(credential), Some(push_rule))
            if errors.is_empty() =>
        {
            Ok(NewConnection {
                platform,
                base_url,
                auth_kind,
                auth_user,
                credential,
                webhook_secret,
                push_rule,
            })
        }
        _ => Err(errors),
    }
}

/// A bare subdomain (`acme`) becomes the platform's URL for it; anything with a scheme is a
/// base URL the outbound policy must pass.
fn base_url_of(
    errors: &mut Errors,
    platform: Option<Platform>,
    raw: &str,
    policy: OutboundPolicy,
) -> Option<String> {
    if raw.is_empty() {
        errors.push(("base_url", FieldError::Required.to_string()));
        return None;
    }
    let url = if raw.contains("://") {
        raw.to_owned()
    } else if is_subdomain(raw) {
        // Without a platform there is no URL to make of it (the platform's own error says why).
        format!("https://{raw}.{}.com", platform?.as_str())
    } else {
        errors.push((
            "base_url",
            "Enter the account's subdomain (like acme) or its full https:// address.".to_owned(),
        ));
        return None;
    };
    match OutboundUrl::parse(&url, Target::Base, policy) {
        Ok(url) if url.as_str().len() <= 200 => Some(url.as_str().trim_end_matches('/').to_owned()),
        Ok(_) => {
            errors.push(("base_url", FieldError::TooLong { max: 200 }.to_string()));
            None
        }
        Err(e) => {
            errors.push(("base_url", format!("This address is not allowed: {e}.")));
            None
        }
    }
}

/// A DNS label: 1–63 lower-case letters, digits and inner hyphens.
fn is_subdomain(raw: &str) -> bool {
    (1..=63).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-')
        && !raw.ends_with('-')
}

/// How to sign in, and the account e-mail where that needs one. Zendesk takes an API token
/// or a pasted OAuth access token, Gorgias an API key.
fn auth_of(
    errors: &mut Errors,
    platform: Option<Platform>,
    form: &Form,
) -> (Option<AuthKind>, Option<String>) {
    let kind = AuthKind::parse(form.auth_kind.trim());
    let fits = match (platform, kind) {
        (Some(Platform::Zendesk), Some(AuthKind::ApiToken | AuthKind::Bearer)) => true,
        (Some(Platform::Gorgias), Some(AuthKind::Basic)) => true,
        // No platform: its own error is enough; the kind is checked on its own.
        (None, Some(_)) => true,
        _ => false,
    };
    if !fits {
        errors.push((
            "auth_kind",
            "Pick how to sign in: Zendesk takes an API token or an OAuth access token, Gorgias an API key."
                .to_owned(),
        ));
        return (None, None);
    }
    let user = match kind {
        Some(AuthKind::Bearer) => None,
        _ => match Email::parse(&form.auth_user) {
            Ok(email) => Some(email.as_ref().to_owned()),
            Err(e) => {
                errors.push(("auth_user", e.to_string()));
                None
            }
        },
    };
    (kind, user)
}

fn credential_of(errors: &mut Errors, form: &Form) -> Option<String> {
    match secret(&form.credential) {
        Ok(Some(value)) => Some(value),
        Ok(None) => {
            errors.push(("credential", FieldError::Required.to_string()));
            None
        }
        Err(e) => {
            errors.push(("credential", e.to_string()));
            None
        }
    }
}

/// Optional: empty keeps the connection's (or sets none yet).
fn webhook_secret_of(errors: &mut Errors, form: &Form) -> Option<String> {
    match secret(&form.webhook_secret) {
        Ok(Some(value)) if value.len() < 8 => {
            errors.push((
                "webhook_secret",
                "A webhook secret has at least 8 characters.".to_owned(),
            ));
            None
        }
        Ok(value) => value,
        Err(e) => {
            errors.push(("webhook_secret", e.to_string()));
            None
        }
    }
}

/// A pasted secret: trimmed, one line of visible characters, at most 500.
fn secret(raw: &str) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 500 {
        return Err(FieldError::TooLong { max: 500 });
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(FieldError::ForbiddenCharacters);
    }
    Ok(Some(value.to_owned()))
}

/// The push rule; `label` needs its label.
pub(super) fn push_rule(form: &Form) -> Result<PushRule, Errors> {
    match form.push_rule.trim() {
        "all" => Ok(PushRule::All),
        "manual" => Ok(PushRule::Manual),
        "label" => match Label::parse(form.push_label.trim()) {
            Ok(label) => Ok(PushRule::Label(label)),
            Err(FieldError::Required) => Err(vec![(
                "push_label",
                "Name the label whose tickets are pushed.".to_owned(),
            )]),
            Err(e) => Err(vec![("push_label", e.to_string())]),
        },
        _ => Err(vec![(
            "push_rule",
            "Pick what is pushed: every new ticket, tickets with a label, or only by hand."
                .to_owned(),
        )]),
    }
}

/// The rotate form's fields for a connection to `platform`.
pub(super) fn credentials_of(form: &Form, platform: Platform) -> Result<NewCredentials, Errors> {
    let mut errors = Vec::new();
    let (auth_kind, auth_user) = auth_of(&mut errors, Some(platform), form);
    let credential = credential_of(&mut errors, form);
    let webhook_secret = webhook_secret_of(&mut errors, form);
    match (auth_kind, credential) {
        (Some(auth_kind), Some(credential)) if errors.is_empty() => Ok(NewCredentials {
            auth_kind,
            auth_user,
            credential,
            webhook_secret,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subdomain_is_a_dns_label() {
        for ok in ["acme", "a", "acme-support", "x1"] {
            assert!(is_subdomain(ok), "{ok}");
        }
        for bad in [
            "",
            "-acme",
            "acme-",
            "Acme",
            "acme.zendesk.com",
            "a b",
            &"a".repeat(64),
        ] {
            assert!(!is_subdomain(bad), "{bad}");
        }
    }
}
