//! Labels as `Label > Sublabel`: the list's filter (a label includes its sublabels, never a
//! look-alike), and the labels page's rename, merge and delete — each ONE batch that moves
//! every ticket with an event per ticket and label, or changes nothing — with their refusals.

use std::cell::RefCell;

use serde_json::Value as Json;
use ticketbooth_functions::http::list_query;
use ticketbooth_functions::service::labels;
use ticketbooth_functions::service::operator_tickets::{self, MatchCount};
use ticketbooth_functions::service::operators::Operator;
use ticketbooth_functions::service::ticket_actions::{self, Change};
use ticketbooth_functions::service::{Refusal, ServiceError};
use ticketbooth_functions::sql::{labels as labels_sql, ticket_events, tickets as tickets_sql};
use ticketbooth_functions::store::sqlite::SqliteExecutor;
use ticketbooth_functions::store::{Executor, Row, Statement, StoreError, Value};
use ticketbooth_shared::event::Actor;
use ticketbooth_shared::label::Label;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::timestamp::Timestamp;

use crate::ticket_actions::{MEMBER, OWNER, STRANGER, operator};
use crate::ticket_page::{OWNER_TOKEN, spawn_with_tokens};
use crate::{TestApp, csrf_of, json};

const LATER: i64 = 1_900_000_000_000;

fn owner() -> Operator {
    operator(OWNER, Role::Owner)
}

fn label(raw: &str) -> Label {
    Label::parse(raw).unwrap()
}

/// Adds `raw` to ticket `n` through the ticket action, as an operator's form does.
fn add(app: &TestApp, n: u32, raw: &str) {
    let code = TicketCode::parse(&format!("TKT-{n}")).unwrap();
    pollster::block_on(ticket_actions::apply(
        app.db(),
        &owner(),
        &code,
        None,
        Change::AddLabel(label(raw)),
        Timestamp::from_millis(LATER),
    ))
    .unwrap();
}

fn codes(app: &TestApp, qs: &str) -> Vec<String> {
    let query = list_query::parse(qs).unwrap_or_else(|e| panic!("{qs}: {e:?}"));
    let page = pollster::block_on(operator_tickets::list(
        app.db(),
        &owner(),
        &query,
        MatchCount::Total,
        Timestamp::from_millis(LATER),
    ))
    .unwrap();
    let mut codes: Vec<String> = page.rows.into_iter().map(|r| r.code).collect();
    codes.sort();
    assert_eq!(page.total as usize, codes.len(), "{qs}: the count agrees");
    codes
}

/// Ticket `n`'s labels, alphabetically.
fn labels_of(app: &TestApp, n: u32) -> Vec<String> {
    app.rows(
        "SELECT l.label FROM ticket_labels l JOIN tickets t ON t.site_id = l.site_id
           AND t.id = l.ticket_id WHERE t.code = ?1 ORDER BY l.label",
        vec![Value::from(format!("TKT-{n}"))],
    )
    .into_iter()
    .map(|r| r["label"].as_str().unwrap().to_owned())
    .collect()
}

/// Ticket `n`'s events of `kind` (their data), oldest first.
fn events_of(app: &TestApp, n: u32, kind: &str) -> Vec<Json> {
    app.rows(
        "SELECT e.data, e.actor FROM ticket_events e JOIN tickets t ON t.site_id = e.site_id
           AND t.id = e.ticket_id WHERE t.code = ?1 AND e.kind = ?2 ORDER BY e.id",
        vec![Value::from(format!("TKT-{n}")), Value::from(kind)],
    )
    .into_iter()
    .map(|r| {
        let actor: Json = serde_json::from_str(r["actor"].as_str().unwrap()).unwrap();
        assert_eq!(actor["operator_id"], OWNER, "the owner acted");
        serde_json::from_str(r["data"].as_str().unwrap()).unwrap()
    })
    .collect()
}

fn version_of(app: &TestApp, n: u32) -> i64 {
    app.rows(
        "SELECT updated_at FROM tickets WHERE code = ?1 AND site_id = 1",
        vec![Value::from(format!("TKT-{n}"))],
    )[0]["updated_at"]
        .as_i64()
        .unwrap()
}

/// Everything a label change could write: every label row and event, every ticket's version.
fn everything(app: &TestApp) -> Vec<Vec<serde_json::Map<String, Json>>> {
    vec![
        app.rows(
            "SELECT site_id, ticket_id, label FROM ticket_labels ORDER BY 1, 2, 3",
            vec![],
        ),
        app.rows(
            "SELECT id, kind, data FROM ticket_events ORDER BY id",
            vec![],
        ),
        app.rows("SELECT id, updated_at FROM tickets ORDER BY id", vec![]),
    ]
}

/// An `Executor` that remembers the writing statements of each batch it runs.
struct Recording<'a> {
    db: &'a SqliteExecutor,
    writes: RefCell<Vec<Vec<&'static str>>>,
}

fn writes(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or_default();
    matches!(
        first.to_ascii_uppercase().as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE"
    )
}

impl Executor for Recording<'_> {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, StoreError> {
        let written: Vec<&'static str> = statements
            .iter()
            .map(|s| s.sql)
            .filter(|sql| writes(sql))
            .collect();
        if !written.is_empty() {
            self.writes.borrow_mut().push(written);
        }
        self.db.batch(statements).await
    }

    async fn query(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        assert!(!writes(statement.sql), "a query writes: {}", statement.sql);
        self.db.query(statement).await
    }
}

#[test]
fn a_sublabel_is_stored_in_one_spelling_and_shown_as_it_is() {
    let app = spawn_with_tokens(2);
    add(&app, 1, "Billing>Refund");
    // The same label however it is spaced or cased: nothing new written.
    let code = TicketCode::parse("TKT-1").unwrap();
    let again = pollster::block_on(ticket_actions::apply(
        app.db(),
        &owner(),
        &code,
        None,
        Change::AddLabel(label("billing  >  REFUND")),
        Timestamp::from_millis(LATER),
    ))
    .unwrap();
    assert_eq!(again, ticket_actions::Outcome::Unchanged);
    add(&app, 1, "vip");
    assert_eq!(labels_of(&app, 1), ["billing > refund", "vip"]);
    assert_eq!(
        events_of(&app, 1, "label_added")[0]["label"],
        "billing > refund"
    );
    // The list's rows and the API keep a label with spaces in one piece.
    let r = app.get(
        "/api/v1/tickets?label=Billing",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        json(&r)["tickets"][0]["labels"],
        serde_json::json!(["billing > refund", "vip"])
    );
    let ann = app.sign_in("ann@acme.example");
    let (_, list) = app.page("/app/tickets", &ann);
    assert!(list.contains(">billing &gt; refund</a>"), "{list}");
    let (_, ticket) = app.page("/app/tickets/TKT-1", &ann);
    assert!(ticket.contains(">billing &gt; refund</a>"));
}

#[test]
fn a_label_filter_includes_its_sublabels_and_nothing_that_only_looks_alike() {
    let app = spawn_with_tokens(7);
    add(&app, 1, "billing");
    add(&app, 2, "Billing > Refund");
    add(&app, 3, "Billing > Invoice");
    add(&app, 4, "billingx");
    add(&app, 5, "billing-x > refund");
    add(&app, 6, "bill > refund");
    add(&app, 7, "refund");
    assert_eq!(codes(&app, "label=Billing"), ["TKT-1", "TKT-2", "TKT-3"]);
    assert_eq!(codes(&app, "label=billing+>+refund"), ["TKT-2"]);
    assert_eq!(codes(&app, "label=Billing>Invoice"), ["TKT-3"]);
    assert_eq!(codes(&app, "label=billingx"), ["TKT-4"]);
    assert_eq!(codes(&app, "label=billing-x"), ["TKT-5"]);
    assert_eq!(codes(&app, "label=refund"), ["TKT-7"]);
    // A search narrowed by a parent label takes the same range.
    assert_eq!(
        codes(&app, "label=billing&q=printer"),
        ["TKT-1", "TKT-2", "TKT-3"]
    );
    // The filter control offers the tree: parents (even one only sublabels use), then children.
    let ann = app.sign_in("ann@acme.example");
    let (_, html) = app.page("/app/tickets", &ann);
    let choices = &html[html.find("<datalist id=\"f-labels\">").unwrap()..];
    let choices = &choices[..choices.find("</datalist>").unwrap()];
    assert_eq!(
        choices.matches("<option").count(),
        9,
        "7 labels and the parents bill, billing-x: {choices}"
    );
    assert!(
        choices.contains(
            "<option value=\"bill\"></option><option value=\"bill &gt; refund\"></option>"
        )
    );
    // A bad label in the filter is refused, naming the field.
    let bad = list_query::parse("label=a+>+b+>+c").unwrap_err();
    assert!(bad.0.contains_key("label"));
}

#[test]
fn renaming_a_parent_renames_its_sublabels_on_every_ticket() {
    let app = spawn_with_tokens(4);
    add(&app, 1, "billing");
    add(&app, 1, "billing > refund");
    add(&app, 2, "billing > invoice");
    add(&app, 3, "billingx");
    // Another site's `billing` is another label.
    app.db()
        .execute_script(
            "INSERT INTO tickets (id, site_id, number, code, subject, description, priority,
                                  status, source, created_at, updated_at)
             VALUES ('ffffffffffffffffffffffffffffffff', 2, 1, 'STR-1', 's', 'd', 'normal',
                     'open', 'widget', 0, 0);
             INSERT INTO ticket_labels VALUES (2, 'ffffffffffffffffffffffffffffffff', 'billing', 0);",
        )
        .unwrap();
    let before = (
        version_of(&app, 1),
        version_of(&app, 2),
        version_of(&app, 3),
    );
    let ann = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &ann);
    let r = app.form(
        "/app/labels/rename",
        Some(&ann),
        &[("csrf", &csrf), ("label", "Billing"), ("to", "Payments")],
    );
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/labels?done=renamed"))
    );
    assert_eq!(labels_of(&app, 1), ["payments", "payments > refund"]);
    assert_eq!(labels_of(&app, 2), ["payments > invoice"]);
    assert_eq!(labels_of(&app, 3), ["billingx"], "a look-alike stays");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ticket_labels WHERE site_id = 2 AND label = 'billing'"),
        1,
        "the other site's label stays"
    );
    // One event per ticket and label moved, and a new version for the tickets touched only.
    assert_eq!(
        events_of(&app, 1, "label_renamed"),
        [
            serde_json::json!({"from": "billing", "to": "payments"}),
            serde_json::json!({"from": "billing > refund", "to": "payments > refund"}),
        ]
    );
    assert_eq!(
        events_of(&app, 2, "label_renamed"),
        [serde_json::json!({"from": "billing > invoice", "to": "payments > invoice"})]
    );
    assert!(events_of(&app, 3, "label_renamed").is_empty());
    assert!(version_of(&app, 1) > before.0 && version_of(&app, 2) > before.1);
    assert_eq!(version_of(&app, 3), before.2);
    // The filter follows the new names; the timeline says what happened.
    assert_eq!(codes(&app, "label=payments"), ["TKT-1", "TKT-2"]);
    assert!(codes(&app, "label=billing").is_empty());
    let (_, ticket) = app.page("/app/tickets/TKT-1", &ann);
    assert!(ticket.contains("Label renamed: billing &gt; refund → payments &gt; refund"));
    // The page shows the tree with its counts.
    let (status, page) = app.page("/app/labels?done=renamed", &ann);
    assert_eq!(status, 200);
    assert!(page.contains("Renamed on every ticket."));
    assert!(page.contains("<span class=\"muted\">payments &gt; </span>invoice</a>"));
    assert!(page.contains("2 tickets with its sublabels"), "{page}");
}

#[test]
fn a_sublabel_can_move_to_another_parent_or_to_the_top_and_a_label_under_itself() {
    let app = spawn_with_tokens(2);
    add(&app, 1, "billing > refund");
    add(&app, 2, "shipping");
    let rename = |from: &str, to: &str| {
        pollster::block_on(labels::rename(
            app.db(),
            &owner(),
            &label(from),
            &label(to),
            Timestamp::from_millis(LATER),
        ))
    };
    rename("billing > refund", "payments > refund").unwrap();
    assert_eq!(labels_of(&app, 1), ["payments > refund"]);
    rename("payments > refund", "refund").unwrap();
    assert_eq!(labels_of(&app, 1), ["refund"]);
    // A label without sublabels may become a sublabel of its own name: each row moves once.
    rename("shipping", "shipping > old").unwrap();
    assert_eq!(labels_of(&app, 2), ["shipping > old"]);
}

#[test]
fn label_merge_moves_every_ticket_in_one_batch() {
    let app = spawn_with_tokens(6);
    for n in [1, 2, 3] {
        add(&app, n, "bug");
    }
    for n in [3, 4] {
        add(&app, n, "defect");
    }
    add(&app, 5, "bug > ui");
    add(&app, 6, "defect > ui");
    add(&app, 5, "defect > ui");
    let before: Vec<i64> = (1..=6).map(|n| version_of(&app, n)).collect();
    let recording = Recording {
        db: app.db(),
        writes: RefCell::default(),
    };
    pollster::block_on(labels::merge(
        &recording,
        &owner(),
        &label("bug"),
        &label("defect"),
        Timestamp::from_millis(LATER + 5),
    ))
    .unwrap();
    let batches = recording.writes.into_inner();
    assert_eq!(batches.len(), 1, "one batch writes: {batches:#?}");
    assert!(
        batches[0][0].contains("INSERT INTO ticket_events"),
        "the events come first"
    );

    // Every ticket moved; one that had both keeps one; the sublabel came along.
    for n in [1, 2, 3, 4] {
        assert_eq!(labels_of(&app, n), ["defect"], "TKT-{n}");
    }
    assert_eq!(labels_of(&app, 5), ["defect > ui"]);
    assert_eq!(labels_of(&app, 6), ["defect > ui"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ticket_labels WHERE label LIKE 'bug%'"),
        0
    );
    // Events: one per ticket and label that moved (3 tickets of `bug`, 1 of `bug > ui`), none
    // for the tickets that only had the target.
    let merged = serde_json::json!({"from": "bug", "to": "defect"});
    for n in [1, 2, 3] {
        assert_eq!(
            events_of(&app, n, "label_renamed"),
            std::slice::from_ref(&merged)
        );
    }
    assert_eq!(
        events_of(&app, 5, "label_renamed"),
        [serde_json::json!({"from": "bug > ui", "to": "defect > ui"})]
    );
    assert!(events_of(&app, 4, "label_renamed").is_empty());
    assert!(events_of(&app, 6, "label_renamed").is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ticket_events WHERE kind = 'label_renamed'"),
        4
    );
    // New versions for the tickets that moved, and only those.
    for (n, before) in (1..=6).zip(before) {
        let moved = [1, 2, 3, 5].contains(&n);
        assert_eq!(version_of(&app, n) > before, moved, "TKT-{n}");
    }
    // The counts on the page agree.
    let tree = pollster::block_on(labels::tree(app.db(), &owner())).unwrap();
    assert_eq!(tree.len(), 1);
    assert_eq!((tree[0].label.as_ref(), tree[0].tickets), ("defect", 4));
    assert_eq!(tree[0].in_all, 6);
    assert_eq!(tree[0].children[0].tickets, 2);
}

#[test]
fn merge_and_delete_are_confirmed_first_then_done_from_the_page() {
    let app = spawn_with_tokens(3);
    add(&app, 1, "billing > refund");
    add(&app, 2, "billing > refunds");
    add(&app, 3, "billing");
    let ann = app.sign_in("ann@acme.example");
    // The GET only asks; nothing moves.
    let untouched = everything(&app);
    let (status, confirm) = app.page(
        "/app/labels/merge?label=Billing+%3E+Refunds&into=billing+%3E+refund",
        &ann,
    );
    assert_eq!(status, 200);
    assert!(confirm.contains("billing &gt; refunds</bdi> into <bdi>billing &gt; refund"));
    assert!(confirm.contains("(1 ticket)"));
    assert!(confirm.contains("action=\"/app/labels/merge\""));
    let (status, confirm) = app.page("/app/labels/delete?label=billing", &ann);
    assert_eq!(status, 200);
    assert!(confirm.contains("from every ticket</button>"));
    assert_eq!(
        everything(&app),
        untouched,
        "a confirmation page writes nothing"
    );

    let csrf = csrf_of(&app, &ann);
    let r = app.form(
        "/app/labels/merge",
        Some(&ann),
        &[
            ("csrf", &csrf),
            ("label", "billing > refunds"),
            ("into", "billing > refund"),
        ],
    );
    assert_eq!(r.header("location"), Some("/app/labels?done=merged"));
    assert_eq!(labels_of(&app, 2), ["billing > refund"]);

    let r = app.form(
        "/app/labels/delete",
        Some(&ann),
        &[("csrf", &csrf), ("label", "billing")],
    );
    assert_eq!(r.header("location"), Some("/app/labels?done=deleted"));
    for n in 1..=3 {
        assert!(labels_of(&app, n).is_empty(), "TKT-{n}");
    }
    assert_eq!(
        events_of(&app, 1, "label_removed"),
        [serde_json::json!({"label": "billing > refund"})]
    );
    assert_eq!(
        events_of(&app, 3, "label_removed"),
        [serde_json::json!({"label": "billing"})]
    );
    let (_, page) = app.page("/app/labels", &ann);
    assert!(page.contains("No ticket has a label yet."));
}

#[test]
fn only_owners_and_admins_manage_labels() {
    let app = spawn_with_tokens(1);
    add(&app, 1, "billing");
    let untouched = everything(&app);
    let max = app.sign_in("max@acme.example");
    assert_eq!(app.page("/app/labels", &max).0, 403);
    assert_eq!(app.page("/app/labels/delete?label=billing", &max).0, 403);
    let csrf = csrf_of(&app, &max);
    for (path, fields) in [
        ("/app/labels/rename", [("to", "payments")]),
        ("/app/labels/merge", [("into", "payments")]),
        ("/app/labels/delete", [("to", "")]),
    ] {
        let mut form = vec![("csrf", csrf.as_str()), ("label", "billing")];
        form.extend(fields);
        assert_eq!(app.form(path, Some(&max), &form).status, 403, "{path}");
    }
    let member = operator(MEMBER, Role::Member);
    let refused = pollster::block_on(labels::delete(
        app.db(),
        &member,
        &label("billing"),
        Timestamp::from_millis(LATER),
    ));
    assert_eq!(refused, Err(ServiceError::Forbidden));
    assert_eq!(everything(&app), untouched);
    // Settings link to the page for those who may use it, not for the others.
    let ann = app.sign_in("ann@acme.example");
    assert!(
        app.page("/app/settings/site", &ann)
            .1
            .contains("href=\"/app/labels\"")
    );
    assert!(
        !app.page("/app/settings/account", &max)
            .1
            .contains("href=\"/app/labels\"")
    );
}

#[test]
fn bad_names_and_broken_rules_are_refused_and_change_nothing() {
    let app = spawn_with_tokens(3);
    add(&app, 1, "billing");
    add(&app, 1, "billing > refund");
    add(&app, 2, "payments");
    add(&app, 3, "shipping > late");
    let untouched = everything(&app);
    let ann = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &ann);
    let rename = |from: &str, to: &str| {
        app.form(
            "/app/labels/rename",
            Some(&ann),
            &[("csrf", &csrf), ("label", from), ("to", to)],
        )
    };
    let cases: [(&str, &str, u16, &str); 8] = [
        ("billing", "payments", 409, "already in use"),
        ("billing", "shipping > billing", 409, "two levels at most"),
        ("billing", "Billing", 422, "own name"),
        ("billing", "a > b > c", 422, "The new name is not a label"),
        ("billing", "", 422, "The new name is not a label"),
        ("billing", &"x".repeat(33), 422, "at most 32 characters"),
        ("nothing", "something", 404, "No ticket carries this label"),
        ("<b>", "x", 422, "The label is not a label"),
    ];
    for (from, to, status, says) in cases {
        let r = rename(from, to);
        let page = String::from_utf8(r.body).unwrap();
        assert_eq!(r.status, status, "{from} → {to}: {page}");
        assert!(page.contains(says), "{from} → {to} says {says:?}: {page}");
        assert!(page.contains("role=\"alert\""), "shown as an alert");
    }
    // A merge that would make a third level, and one of a label nobody carries.
    let merge = |from: &str, into: &str| {
        app.form(
            "/app/labels/merge",
            Some(&ann),
            &[("csrf", &csrf), ("label", from), ("into", into)],
        )
        .status
    };
    assert_eq!(merge("billing", "shipping > late"), 409);
    assert_eq!(merge("gone", "billing"), 404);
    assert_eq!(
        app.page("/app/labels/merge?label=billing&into=a>b>c", &ann)
            .0,
        422
    );
    assert_eq!(everything(&app), untouched);
    // The same refusals from the service, by their codes.
    let refusal = |r: Result<(), ServiceError>| match r {
        Err(ServiceError::Refused(refusal)) => refusal.code(),
        other => panic!("{other:?}"),
    };
    let at = Timestamp::from_millis(LATER);
    let db = app.db();
    assert_eq!(
        refusal(pollster::block_on(labels::rename(
            db,
            &owner(),
            &label("billing > refund"),
            &label("payments"),
            at
        ))),
        "label_taken"
    );
    assert_eq!(Refusal::LabelTooDeep.status(), 409);
    // Another site's operator sees none of these labels.
    let stranger = operator(STRANGER, Role::Owner);
    assert_eq!(
        refusal(pollster::block_on(labels::delete(
            db,
            &stranger,
            &label("billing"),
            at
        ))),
        "label_not_found"
    );
    assert_eq!(everything(&app), untouched);
}

/// The batch re-checks what the service read: a label added between the read and the write
/// (here: the target of a rename, or a sublabel under a parent about to become a sublabel)
/// fails the whole batch, which writes nothing.
#[test]
fn the_batch_itself_refuses_a_move_that_became_a_merge_or_a_third_level() {
    let app = spawn_with_tokens(2);
    add(&app, 1, "billing");
    add(&app, 1, "billing > refund");
    add(&app, 2, "payments");
    let untouched = everything(&app);
    let actor = Actor::Operator {
        operator_id: OWNER.into(),
    };
    let batch = |from: &str, to: &str, must_be_new: bool| {
        pollster::block_on(app.db().batch(vec![
            ticket_events::insert_label_moves(1, from, to, must_be_new, &actor, LATER).unwrap(),
            tickets_sql::touch_labelled(1, from, LATER),
            labels_sql::drop_moved_duplicates(1, from, to),
            labels_sql::move_range(1, from, to),
        ]))
    };
    assert!(matches!(
        batch("billing", "payments", true),
        Err(StoreError::CheckViolation(_))
    ));
    assert!(matches!(
        batch("billing", "shipping > billing", false),
        Err(StoreError::CheckViolation(_))
    ));
    assert_eq!(everything(&app), untouched);
    // Without the conflict the same statements are the merge.
    batch("billing > refund", "payments", false).unwrap();
    assert_eq!(labels_of(&app, 1), ["billing", "payments"]);
}

#[test]
fn the_api_gives_the_tree_with_counts_as_documented() {
    let app = spawn_with_tokens(3);
    add(&app, 1, "billing > refund");
    add(&app, 2, "billing > refund");
    add(&app, 2, "billing > invoice");
    add(&app, 3, "vip");
    let r = app.get(
        "/api/v1/labels",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    crate::operator_api::conforms("/api/v1/labels", "GET", &r);
    assert_eq!(r.status, 200);
    assert_eq!(
        json(&r),
        serde_json::json!({"labels": [
            {"label": "billing", "tickets": 0, "in_all": 2, "sublabels": [
                {"label": "billing > invoice", "tickets": 1},
                {"label": "billing > refund", "tickets": 2},
            ]},
            {"label": "vip", "tickets": 1, "in_all": 1, "sublabels": []},
        ]})
    );
    let r = app.get("/api/v1/labels", &[]);
    crate::operator_api::conforms("/api/v1/labels", "GET", &r);
    assert_eq!(r.status, 401);
}
