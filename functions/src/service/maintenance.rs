//! Scheduled upkeep, run by the Cron Trigger in `wrangler.toml`: forgetting what has outlived
//! its purpose. Each job is one batch; a failed run changes nothing and the next one catches up.

use ticketbooth_shared::timestamp::Timestamp;

use crate::sql::{self, idempotency_keys};
use crate::store::{Executor, StoreError, decode_first};

/// How long a create's Idempotency-Key is honoured: long enough for any client's retries
/// (the widget retries queued drafts when it comes back online), short enough that the table
/// does not grow forever.
pub const IDEMPOTENCY_KEY_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What one run removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub idempotency_keys: i64,
}

pub async fn expire<E: Executor>(db: &E, now: Timestamp) -> Result<Expired, StoreError> {
    let cutoff = now.millis() - IDEMPOTENCY_KEY_TTL_MS;
    let rows = db
        .batch(vec![
            idempotency_keys::delete_claimed_before(cutoff),
            sql::changes(),
        ])
        .await?;
    #[derive(serde::Deserialize)]
    struct Count {
        n: i64,
    }
    let count: Option<Count> = decode_first(rows.into_iter().nth(1).unwrap_or_default())?;
    Ok(Expired {
        idempotency_keys: count.map_or(0, |c| c.n),
    })
}
