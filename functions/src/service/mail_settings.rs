//! E-mail settings: the site's (on or off, the support address's local part; owners and
//! admins) and each operator's own mails about their work (assigned to them, SLA warnings).

use ticketbooth_shared::role::Action;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::{operators, sites};
use crate::store::{Executor, StoreError, decode_first};

/// The support address's local part as typed: trimmed and lower-cased, empty for none;
/// 1–64 of `a-z 0-9 . _ -`, and never `t-…` (the tickets' reply addresses). Migration 0029's
/// CHECK says the same.
pub fn parse_support_local(raw: &str) -> Result<Option<String>, &'static str> {
    let local = raw.trim().to_ascii_lowercase();
    if local.is_empty() {
        return Ok(None);
    }
    let allowed = local
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if local.len() > 64 || !allowed {
        return Err("Use 1 to 64 letters, digits, dots, hyphens or underscores.");
    }
    if local.starts_with("t-") {
        return Err("Addresses starting with \u{201c}t-\u{201d} are the tickets' reply addresses.");
    }
    Ok(Some(local))
}

/// Saves the site's e-mail settings (owners and admins). `Ok(false)`: another site has the
/// support address; nothing was saved.
pub async fn save_site<E: Executor>(
    db: &E,
    op: &Operator,
    enabled: bool,
    support_local: Option<&str>,
) -> Result<bool, ServiceError> {
    op.require(Action::ManageSettings)?;
    match db
        .batch(vec![sites::update_email(
            op.site_id,
            enabled,
            support_local,
        )])
        .await
    {
        Ok(_) => Ok(true),
        Err(StoreError::UniqueViolation(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The operator's own mails: (assigned to them, SLA warnings).
pub async fn preferences<E: Executor>(db: &E, op: &Operator) -> Result<(bool, bool), ServiceError> {
    #[derive(serde::Deserialize)]
    struct Row {
        mail_assigned: i64,
        mail_sla: i64,
    }
    let row: Option<Row> = decode_first(db.query(operators::find_mail_preferences(&op.id)).await?)?;
    Ok(row.map_or((false, false), |r| (r.mail_assigned != 0, r.mail_sla != 0)))
}

pub async fn save_preferences<E: Executor>(
    db: &E,
    op: &Operator,
    assigned: bool,
    sla: bool,
) -> Result<(), ServiceError> {
    db.batch(vec![operators::set_mail_preferences(&op.id, assigned, sla)])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_support_local;

    #[test]
    fn support_addresses_follow_the_tables_check() {
        assert_eq!(parse_support_local(" Help "), Ok(Some("help".into())));
        assert_eq!(parse_support_local(""), Ok(None));
        assert!(parse_support_local("t-help").is_err());
        assert!(parse_support_local("he lp").is_err());
        assert!(parse_support_local("help@x").is_err());
        assert!(parse_support_local(&"a".repeat(65)).is_err());
    }
}
