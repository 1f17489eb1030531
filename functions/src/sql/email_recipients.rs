//! The `email_recipients` table (0029): each address a site writes to, once it has a state
//! (opted out, bounced). Addresses are stored lower-cased.

use crate::store::{Statement, Value};

/// Mail to `address` bounced for good: stamped once (a later bounce keeps the first time and
/// takes the newer reason), which stops further mail to it from this site.
pub fn mark_bounced(site_id: i64, address: &str, reason: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO email_recipients (site_id, address, bounced_at, bounce_reason)
         VALUES (?1, lower(?2), ?3, ?4)
         ON CONFLICT (site_id, address) DO UPDATE
         SET bounced_at = coalesce(bounced_at, excluded.bounced_at),
             bounce_reason = excluded.bounce_reason",
        vec![
            Value::from(site_id),
            Value::from(address),
            Value::from(now_ms),
            Value::from(reason),
        ],
    )
}

/// The address opted out of the site's mail (the List-Unsubscribe link); the first time
/// stays.
pub fn opt_out(site_id: i64, address: &str, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO email_recipients (site_id, address, opted_out_at) VALUES (?1, lower(?2), ?3)
         ON CONFLICT (site_id, address)
         DO UPDATE SET opted_out_at = COALESCE(opted_out_at, excluded.opted_out_at)",
        vec![
            Value::from(site_id),
            Value::from(address),
            Value::from(now_ms),
        ],
    )
}
