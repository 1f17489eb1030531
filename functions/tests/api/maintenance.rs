//! The scheduled upkeep: idempotency keys are forgotten after their TTL, tickets never are.

use ticketbooth_functions::service::maintenance::{self, IDEMPOTENCY_KEY_TTL_MS};
use ticketbooth_shared::timestamp::Timestamp;

use crate::{TestApp, ticket_body};

const KEY_A: &str = "0b0c8c5e-7a6f-4d3e-9a51-3f1f0f7b9a01";
const KEY_B: &str = "0b0c8c5e-7a6f-4d3e-9a51-3f1f0f7b9a02";

#[test]
fn keys_older_than_the_ttl_are_deleted_and_tickets_stay() {
    let app = TestApp::spawn();
    assert_eq!(
        app.create("acme", KEY_A, &ticket_body("one"), &[]).status,
        201
    );
    assert_eq!(
        app.create("acme", KEY_B, &ticket_body("two"), &[]).status,
        201
    );
    let claimed: Vec<i64> = app
        .rows(
            "SELECT created_at FROM idempotency_keys ORDER BY created_at",
            vec![],
        )
        .iter()
        .map(|r| r["created_at"].as_i64().unwrap())
        .collect();
    assert_eq!(claimed.len(), 2);

    // Just past the first key's TTL, not yet the second's.
    let now = Timestamp::from_millis(claimed[0] + IDEMPOTENCY_KEY_TTL_MS + 1);
    let expired = pollster::block_on(maintenance::expire(app.db(), now)).unwrap();
    assert_eq!(expired.idempotency_keys, 1);
    assert_eq!(app.count("SELECT count(*) FROM idempotency_keys"), 1);
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);

    // Running again removes nothing more; later, everything.
    let again = pollster::block_on(maintenance::expire(app.db(), now)).unwrap();
    assert_eq!(again.idempotency_keys, 0);
    let later = Timestamp::from_millis(claimed[1] + IDEMPOTENCY_KEY_TTL_MS + 1);
    assert_eq!(
        pollster::block_on(maintenance::expire(app.db(), later))
            .unwrap()
            .idempotency_keys,
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM tickets"), 2);
}

#[test]
fn settled_webhook_events_are_purged_after_the_retention_period_and_waiting_ones_stay() {
    use ticketbooth_functions::service::maintenance::NOTIFICATION_RETENTION_MS;
    let app = TestApp::spawn();
    let now = 400 * 24 * 3_600_000_i64;
    let old = now - NOTIFICATION_RETENTION_MS - 1;
    let recent = now - NOTIFICATION_RETENTION_MS + 60_000;
    app.db()
        .execute_script(&format!(
            "INSERT INTO notifications (id, site_id, kind, data, created_at, queued_at, delivered_at, failed_at)
             VALUES ('delivered_old', 1, 'test', '{{}}', {old}, {old}, {old}, NULL),
                    ('failed_old', 1, 'test', '{{}}', {old}, {old}, NULL, {old}),
                    ('delivered_recent', 1, 'test', '{{}}', {old}, {old}, {recent}, NULL),
                    ('queued_old', 1, 'test', '{{}}', {old}, {old}, NULL, NULL),
                    ('waiting_old', 1, 'test', '{{}}', {old}, NULL, NULL, NULL);"
        ))
        .unwrap();
    let expired =
        pollster::block_on(maintenance::expire(app.db(), Timestamp::from_millis(now))).unwrap();
    assert_eq!(expired.notifications, 2);
    let left: Vec<String> = app
        .rows("SELECT id FROM notifications ORDER BY id", vec![])
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["delivered_recent", "queued_old", "waiting_old"]);
}
