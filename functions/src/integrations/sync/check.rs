//! The connection test of the settings page: asks the platform who our credentials act as
//! (the connector's `whoami`, through the `Outbound` seam) and records the answer on the
//! connection — the remote user's id (what echo detection compares a pulled change's author
//! with), when, and in words why it failed.

use super::{Account, RemoteError, RemoteUser, connector};
use crate::integrations::outbound::{Outbound, OutboundPolicy};
use crate::service::ServiceError;
use crate::service::sync_connections::{self, Connection};
use crate::store::Executor;

/// How long the platform has to answer the test: an admin is waiting on the page.
const DEADLINE_MS: i64 = 10_000;

/// Runs the test against `connection` and records its result. `Ok(Err(message))`: the test
/// ran and failed, the message saying why for people; `Err` only for our own faults.
pub async fn run<E: Executor>(
    db: &E,
    outbound: &dyn Outbound,
    policy: OutboundPolicy,
    connection: &Connection,
    now_ms: i64,
) -> Result<Result<RemoteUser, String>, ServiceError> {
    let result = ask(outbound, policy, connection, now_ms).await;
    let recorded = match &result {
        Ok(user) => Ok(user.id.as_str()),
        Err(message) => Err(message.as_str()),
    };
    sync_connections::record_check(db, connection.site_id, connection.id, recorded, now_ms).await?;
    Ok(result)
}

async fn ask(
    outbound: &dyn Outbound,
    policy: OutboundPolicy,
    connection: &Connection,
    now_ms: i64,
) -> Result<RemoteUser, String> {
    let platform = connection.platform;
    let name = platform.name();
    let account = Account::of(connection, policy)
        .map_err(|e| format!("The base URL is not allowed: {e}."))?;
    let connector = connector(platform);
    let request = connector.whoami(&account);
    let answer = outbound
        .send(&request, now_ms + DEADLINE_MS)
        .await
        .map_err(|e| format!("{name} could not be reached: {e}."))?;
    connector
        .read_whoami(&answer, now_ms)
        .map_err(|e| message(name, &e))
}

/// A failed test in words, naming the platform; never the credential.
fn message(name: &str, error: &RemoteError) -> String {
    match error {
        RemoteError::Unauthorized { status } => {
            format!("{name} refused the credentials ({status}). Check them and rotate.")
        }
        RemoteError::Gone => {
            format!("{name} answered 404: check the base URL (the account's subdomain).")
        }
        RemoteError::RateLimited { retry_after_s } => {
            format!("{name} is rate limiting us: try again in {retry_after_s} s.")
        }
        other => format!("{name}: {other}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_platform_and_never_a_secret() {
        assert_eq!(
            message("Zendesk", &RemoteError::Unauthorized { status: 401 }),
            "Zendesk refused the credentials (401). Check them and rotate."
        );
        assert!(message("Gorgias", &RemoteError::Gone).starts_with("Gorgias answered 404"));
    }
}
