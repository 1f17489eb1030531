//! Migrations meeting a database that already holds data, as a deployed D1 does: 0029
//! rebuilds `tickets` (its `source` CHECK gains `email`) while comments, labels, events and
//! conversation links reference it by foreign key.

use std::path::{Path, PathBuf};

use ticketbooth_functions::store::sqlite::SqliteExecutor;
use ticketbooth_functions::store::{Executor, Statement, Value};

fn migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

fn scalar(db: &SqliteExecutor, sql: &'static str) -> serde_json::Value {
    let rows =
        pollster::block_on(db.query(Statement::new(sql, Vec::<Value>::new()))).expect("query runs");
    rows[0]
        .values()
        .next()
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

const SEED: &str = "
    INSERT INTO sites (id, key, name, created_at) VALUES (1, 'acme', 'Acme', 0);
    INSERT INTO operators (id, email, name, created_at) VALUES ('op1', 'ada@acme.test', 'Ada', 0);
    INSERT INTO tickets (id, site_id, number, code, subject, source, status, priority,
                         waiting_on_customer, topic, assignee_id, created_at, updated_at)
    VALUES ('t1', 1, 1, 'TKT-1', 'Refund', 'widget', 'pending', 'urgent', 1, 'billing', 'op1', 10, 20),
           ('t2', 1, 2, 'TKT-2', 'Login', 'api', 'open', 'low', 0, NULL, NULL, 30, 40),
           ('t3', 1, 3, 'TKT-3', 'Old', 'bot', 'resolved', 'normal', 0, NULL, NULL, 50, 60);
    INSERT INTO ticket_comments (site_id, ticket_id, visibility, author_kind, author_name, body, created_at)
    VALUES (1, 't1', 'public', 'visitor', 'Visitor', 'Where is my refund?', 11);
    INSERT INTO ticket_labels (site_id, ticket_id, label, created_at) VALUES (1, 't2', 'login', 31);
    INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at)
    VALUES (1, 't1', 'created', '{\"source\":\"widget\"}', '{\"type\":\"system\"}', 10);
    INSERT INTO ticket_conversations (site_id, ticket_id, conversation_id, created_at)
    VALUES (1, 't3', 'c1', 50);
";

#[test]
fn the_tickets_rebuild_keeps_every_row_its_children_and_its_counts() {
    let db = SqliteExecutor::migrated_through(&migrations(), Some("0028")).expect("0001–0028");
    db.execute_script(SEED).expect("seed");
    let counts_before = scalar(
        &db,
        "SELECT group_concat(status || '=' || n, ',') FROM
           (SELECT status, n FROM ticket_status_counts ORDER BY status)",
    );

    db.apply_migrations_after(&migrations(), "0028")
        .expect("0029 and later apply over data");

    assert_eq!(scalar(&db, "SELECT count(*) FROM tickets"), 3);
    assert_eq!(
        scalar(
            &db,
            "SELECT group_concat(id || ':' || status || ':' || coalesce(waiting_on, '-') || ':'
                                 || priority_rank || ':' || coalesce(topic, '-')
                                 || ':' || coalesce(assignee_id, '-'), ' ')
             FROM (SELECT * FROM tickets ORDER BY number)"
        ),
        "t1:pending:customer:3:billing:op1 t2:open:-:0:-:- t3:resolved:-:1:-:-"
    );
    // The children still reference their tickets, and nothing dangles.
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id"
        ),
        1
    );
    // The status counts' triggers came back once: the copy counted nothing twice, and a new
    // ticket counts again.
    assert_eq!(
        scalar(
            &db,
            "SELECT group_concat(status || '=' || n, ',') FROM
               (SELECT status, n FROM ticket_status_counts ORDER BY status)"
        ),
        counts_before
    );
    db.execute_script(
        "INSERT INTO tickets (id, site_id, number, code, subject, source, created_at, updated_at)
         VALUES ('t4', 1, 4, 'TKT-4', 'By mail', 'email', 70, 70);",
    )
    .expect("email is a source now");
    assert_eq!(
        scalar(
            &db,
            "SELECT n FROM ticket_status_counts WHERE site_id = 1 AND status = 'open'"
        ),
        2
    );
    // A foreign key to tickets is still enforced after the rebuild.
    assert!(
        db.execute_script(
            "INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
             VALUES (1, 'nope', 'x', 1);"
        )
        .is_err()
    );
}

#[test]
fn the_sla_due_column_is_the_next_deadline_the_team_works_against() {
    let db = SqliteExecutor::in_memory(&migrations()).expect("migrations");
    db.execute_script(
        "INSERT INTO sites (id, key, name, created_at) VALUES (1, 'acme', 'Acme', 0);
         INSERT INTO tickets (id, site_id, number, code, subject, source, status, created_at,
                              updated_at, first_response_due_at, first_responded_at,
                              resolution_due_at)
         VALUES ('a', 1, 1, 'TKT-1', 's', 'widget', 'open', 0, 0, 100, NULL, 500),
                ('b', 1, 2, 'TKT-2', 's', 'widget', 'open', 0, 0, 100, 90, 500),
                ('c', 1, 3, 'TKT-3', 's', 'widget', 'pending', 0, 0, 100, 90, NULL),
                ('d', 1, 4, 'TKT-4', 's', 'widget', 'resolved', 0, 0, 100, NULL, 500),
                ('e', 1, 5, 'TKT-5', 's', 'widget', 'open', 0, 0, NULL, NULL, NULL);",
    )
    .expect("seed");
    assert_eq!(
        scalar(
            &db,
            "SELECT group_concat(id || '=' || coalesce(sla_due_at, '-'), ' ')
             FROM (SELECT * FROM tickets ORDER BY number)"
        ),
        "a=100 b=500 c=- d=- e=-"
    );
}
