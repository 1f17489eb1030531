//! The ticket list through the service, over SQLite with the real migrations: filters, the
//! FTS5 search (kept in sync by the write batches; hostile input), keyset pagination (no
//! duplicates or gaps, stable under inserts) and saved views (each operator's own).

use std::collections::HashSet;

use ticketbooth_functions::http::list_query;
use ticketbooth_functions::service::operator_tickets::{self, ListPage, MatchCount};
use ticketbooth_functions::service::operators::Operator;
use ticketbooth_functions::service::ticket_actions::{self, Change, Comment};
use ticketbooth_functions::service::{ServiceError, saved_views};
use ticketbooth_shared::comment_body::CommentBody;
use ticketbooth_shared::event::CommentVisibility;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_query::{TicketQuery, ViewName};
use ticketbooth_shared::ticket_text::Subject;
use ticketbooth_shared::timestamp::Timestamp;

use crate::TestApp;
use crate::ticket_actions::{MEMBER, OTHER_MEMBER, OWNER, STRANGER, operator, spawn};

const LATER: i64 = 1_900_000_000_000;

fn owner() -> Operator {
    operator(OWNER, Role::Owner)
}

fn list(app: &TestApp, op: &Operator, qs: &str) -> ListPage {
    let query = list_query::parse(qs).unwrap_or_else(|e| panic!("{qs}: {e:?}"));
    pollster::block_on(operator_tickets::list(
        app.db(),
        op,
        &query,
        MatchCount::Total,
        Timestamp::from_millis(LATER),
    ))
    .unwrap()
}

/// The owner's page for a parsed query (one with a cursor, say).
fn page(app: &TestApp, query: &TicketQuery) -> ListPage {
    pollster::block_on(operator_tickets::list(
        app.db(),
        &owner(),
        query,
        MatchCount::Total,
        Timestamp::from_millis(LATER),
    ))
    .unwrap()
}

fn codes(app: &TestApp, qs: &str) -> Vec<String> {
    let mut codes: Vec<String> = list(app, &owner(), qs)
        .rows
        .into_iter()
        .map(|r| r.code)
        .collect();
    codes.sort();
    codes
}

fn act(app: &TestApp, op: &Operator, n: u32, change: Change) {
    let code = TicketCode::parse(&format!("TKT-{n}")).unwrap();
    pollster::block_on(ticket_actions::apply(
        app.db(),
        op,
        &code,
        None,
        change,
        Timestamp::from_millis(LATER),
    ))
    .unwrap();
}

fn set(app: &TestApp, sql: &str) {
    app.db().execute_script(sql).unwrap();
}

#[test]
fn filters_combine_and_closed_spam_snoozed_are_hidden_by_default() {
    let app = spawn(6);
    set(
        &app,
        &format!(
            "UPDATE tickets SET status = 'pending', assignee_id = '{MEMBER}' WHERE code = 'TKT-1';
             UPDATE tickets SET status = 'closed' WHERE code = 'TKT-2';
             UPDATE tickets SET is_spam = 1 WHERE code = 'TKT-3';
             UPDATE tickets SET snoozed_until = {} WHERE code = 'TKT-4';
             UPDATE tickets SET priority = 'urgent', source = 'api', assignee_id = '{OWNER}',
                                created_at = 1767225600000 WHERE code = 'TKT-5';
             INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
               SELECT 1, id, 'billing', 0 FROM tickets WHERE code IN ('TKT-5', 'TKT-6');",
            LATER + 1
        ),
    );
    assert_eq!(codes(&app, ""), ["TKT-1", "TKT-5", "TKT-6"]);
    assert_eq!(codes(&app, "closed=include").len(), 4);
    assert_eq!(codes(&app, "status=closed"), ["TKT-2"]);
    assert_eq!(codes(&app, "spam=only"), ["TKT-3"]);
    assert_eq!(codes(&app, "snoozed=only"), ["TKT-4"]);
    assert_eq!(codes(&app, "spam=include&snoozed=include").len(), 5);
    assert_eq!(codes(&app, "status=open,pending&assignee=me"), ["TKT-5"]);
    assert_eq!(codes(&app, &format!("assignee={MEMBER}")), ["TKT-1"]);
    assert_eq!(codes(&app, "assignee=unassigned"), ["TKT-6"]);
    assert_eq!(
        codes(&app, "label=billing&priority=urgent&source=api"),
        ["TKT-5"]
    );
    assert_eq!(
        codes(&app, "created_from=2026-01-01&created_to=2026-01-01"),
        ["TKT-5"]
    );
    assert!(codes(&app, "created_to=2025-12-31").is_empty());
    // The match count is over all pages; the status counts are the whole site's.
    let page = list(&app, &owner(), "label=billing");
    assert_eq!(page.total, 2);
    assert_eq!(page.counts.get("closed"), Some(&1));
    // Another site's tickets never show, whatever the filter.
    let stranger = operator(STRANGER, Role::Member);
    assert_eq!(
        list(&app, &stranger, "closed=include&spam=include").total,
        0
    );
}

#[test]
fn default_order_is_urgent_first_then_last_updated() {
    let app = spawn(4);
    set(
        &app,
        "UPDATE tickets SET updated_at = updated_at + number;
         UPDATE tickets SET priority = 'urgent' WHERE code = 'TKT-1';
         UPDATE tickets SET priority = 'low' WHERE code = 'TKT-4';",
    );
    let order: Vec<String> = list(&app, &owner(), "")
        .rows
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(order, ["TKT-1", "TKT-3", "TKT-2", "TKT-4"]);
}

#[test]
fn search_finds_prefixes_in_every_indexed_field_and_follows_every_write() {
    let app = spawn(3);
    set(
        &app,
        "UPDATE tickets SET requester_name = 'Zoë Quartz', requester_email = 'zq@mail.example'
         WHERE code = 'TKT-2';",
    );
    // The raw update above bypassed the batches; re-index it the way a write would.
    act(
        &app,
        &owner(),
        2,
        Change::Edit {
            subject: Some(Subject::parse("Invoice missing").unwrap()),
            description: None,
        },
    );
    assert_eq!(codes(&app, "q=invo"), ["TKT-2"]);
    assert_eq!(codes(&app, "q=quartz"), ["TKT-2"]);
    assert_eq!(codes(&app, "q=zoe"), ["TKT-2"], "diacritics fold");
    assert_eq!(codes(&app, "q=tkt-3"), ["TKT-3"]);
    // A comment is searchable as soon as its batch ran; so is an edit, and the old text is not.
    act(
        &app,
        &owner(),
        1,
        Change::Comment(Comment {
            visibility: CommentVisibility::Internal,
            body: CommentBody::parse("Customer mentioned a xylophone").unwrap(),
        }),
    );
    assert_eq!(codes(&app, "q=xylo"), ["TKT-1"]);
    act(
        &app,
        &owner(),
        2,
        Change::Edit {
            subject: Some(Subject::parse("Receipt missing").unwrap()),
            description: None,
        },
    );
    assert!(codes(&app, "q=invoice").is_empty());
    assert_eq!(codes(&app, "q=receipt"), ["TKT-2"]);
    // A deleted ticket leaves the index in the same batch.
    act(&app, &owner(), 1, Change::Delete);
    assert!(codes(&app, "q=xylophone").is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM ticket_search"),
        app.count("SELECT COUNT(*) AS n FROM tickets"),
    );
    // Other sites' entries are outside the site's rowid range.
    let mut body = crate::ticket_body("Receipt on another site");
    body["requester"] = serde_json::json!({"name": "Ro", "email": "ro@mail.example"});
    let r = app.create("strict", "00000000-0000-4000-8000-0000000000f1", &body, &[]);
    assert_eq!(r.status, 201);
    assert_eq!(codes(&app, "q=receipt"), ["TKT-2"]);
    // Several words must all match; relevance puts the better match first.
    act(
        &app,
        &owner(),
        3,
        Change::Edit {
            subject: Some(Subject::parse("Receipt receipt receipt, zebra").unwrap()),
            description: None,
        },
    );
    let ranked: Vec<String> = list(&app, &owner(), "q=receipt")
        .rows
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(ranked, ["TKT-3", "TKT-2"]);
    assert_eq!(codes(&app, "q=receipt+zeb"), ["TKT-3"]);
}

#[test]
fn hostile_search_input_is_only_ever_words() {
    let app = spawn(2);
    for hostile in [
        "\"",
        "\"unterminated",
        "NEAR(a b)",
        "a OR b",
        "NOT",
        "*",
        "subject:x",
        "^start",
        "(((",
        "'; DROP TABLE tickets; --",
        "\u{202e}evil",
        "%_\\",
    ] {
        let qs = serde_urlencoded::to_string([("q", hostile)]).unwrap();
        let query = list_query::parse(&qs).unwrap();
        let result = pollster::block_on(operator_tickets::list(
            app.db(),
            &owner(),
            &query,
            MatchCount::Total,
            Timestamp::from_millis(LATER),
        ));
        assert!(result.is_ok(), "{hostile:?}: {:?}", result.err());
    }
    // `printer` is in every subject; the FTS operators in the text are plain words.
    assert_eq!(codes(&app, "q=printer+OR+nothing").len(), 0);
    assert_eq!(codes(&app, "q=%22printer%22").len(), 2);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM tickets"), 2);
}

#[test]
fn cursor_pages_have_no_duplicates_or_gaps_and_survive_inserts() {
    let page_size = operator_tickets::PAGE_SIZE as usize;
    let app = spawn(page_size * 2 + 7);
    // Ties on purpose: every ticket has the same updated_at; priorities in three groups.
    set(
        &app,
        "UPDATE tickets SET updated_at = 5, priority = CASE number % 3 WHEN 0 THEN 'urgent'
                                                      WHEN 1 THEN 'normal' ELSE 'low' END;",
    );
    for qs in [
        "",
        "sort=updated",
        "sort=created",
        "q=printer",
        "q=printer&sort=priority",
        "q=printer&sort=created",
    ] {
        let mut seen = Vec::new();
        let mut query = list_query::parse(qs).unwrap();
        loop {
            let page = pollster::block_on(operator_tickets::list(
                app.db(),
                &owner(),
                &query,
                MatchCount::Total,
                Timestamp::from_millis(LATER),
            ))
            .unwrap();
            seen.extend(page.rows.iter().map(|r| r.code.clone()));
            if seen.len() == page_size * 2 {
                // A new ticket arrives between page 2 and page 3: later pages neither repeat
                // nor skip the ones already listed.
                let r = app.create(
                    "acme",
                    "00000000-0000-4000-8000-0000000000aa",
                    &crate::ticket_body("Printer again"),
                    &[],
                );
                assert!(r.status == 201 || r.status == 200);
            }
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{qs}: no duplicates");
        assert!(
            seen.len() >= page_size * 2 + 7,
            "{qs}: no gaps ({})",
            seen.len()
        );
        // Going back from the last page gives the page before it, in the same order.
        let last = list_query::parse(qs).unwrap();
        let mut back = last.clone();
        let mut forward = last;
        let first = pollster::block_on(operator_tickets::list(
            app.db(),
            &owner(),
            &forward,
            MatchCount::Total,
            Timestamp::from_millis(LATER),
        ))
        .unwrap();
        assert!(first.previous.is_none(), "the first page has no previous");
        forward.cursor = first.next.clone();
        let second = pollster::block_on(operator_tickets::list(
            app.db(),
            &owner(),
            &forward,
            MatchCount::Total,
            Timestamp::from_millis(LATER),
        ))
        .unwrap();
        back.cursor = second.previous.clone();
        let again = pollster::block_on(operator_tickets::list(
            app.db(),
            &owner(),
            &back,
            MatchCount::Total,
            Timestamp::from_millis(LATER),
        ))
        .unwrap();
        let codes = |p: &ListPage| p.rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>();
        assert_eq!(
            codes(&again),
            codes(&first),
            "{qs}: previous of page 2 is page 1"
        );
        assert!(again.previous.is_none());
        assert!(again.next.is_some());
        set(&app, "DELETE FROM ticket_search WHERE rowid IN (SELECT 1 * 4294967296 + number FROM tickets WHERE subject = 'Printer again');
                   DELETE FROM ticket_events WHERE ticket_id IN (SELECT id FROM tickets WHERE subject = 'Printer again');
                   DELETE FROM idempotency_keys WHERE key = '00000000-0000-4000-8000-0000000000aa';
                   DELETE FROM tickets WHERE subject = 'Printer again';");
    }
}

#[test]
fn the_match_count_is_the_same_on_every_page_of_a_list_or_a_search() {
    let page_size = operator_tickets::PAGE_SIZE as usize;
    let app = spawn(page_size + 5);
    set(
        &app,
        "UPDATE tickets SET status = 'closed' WHERE number = 1;",
    );
    for qs in ["", "q=printer", "q=printer&sort=updated", "priority=normal"] {
        let first = list(&app, &owner(), qs);
        let expected = app.count(if qs.contains("priority") {
            "SELECT COUNT(*) AS n FROM tickets WHERE status <> 'closed' AND priority = 'normal'"
        } else {
            "SELECT COUNT(*) AS n FROM tickets WHERE status <> 'closed'"
        });
        assert_eq!(first.total, expected, "{qs}: page 1");
        let mut query = list_query::parse(qs).unwrap();
        query.cursor = Some(first.next.expect("a second page"));
        assert_eq!(page(&app, &query).total, expected, "{qs}: page 2");
    }
    // The list changes under a cursor so that its page is empty: the search still says how many
    // tickets match (counted apart, as the page has no row to carry the count).
    let first = list(&app, &owner(), "q=printer");
    let shown: Vec<String> = first.rows.iter().map(|r| format!("'{}'", r.id)).collect();
    set(
        &app,
        &format!(
            "UPDATE tickets SET is_spam = 1 WHERE id NOT IN ({});",
            shown.join(",")
        ),
    );
    let mut query = list_query::parse("q=printer").unwrap();
    query.cursor = Some(first.next.expect("a second page"));
    let past = page(&app, &query);
    assert!(past.rows.is_empty());
    assert_eq!(past.total, page_size as i64);
}

#[test]
fn a_cursor_from_another_order_or_forged_is_refused() {
    let app = spawn(60);
    let page = list(&app, &owner(), "");
    let next = page.next.expect("a second page");
    let token = list_query::encode_cursor(&next);
    assert!(list_query::parse(&format!("cursor={token}")).is_ok());
    let err = list_query::parse(&format!("sort=created&cursor={token}")).unwrap_err();
    assert!(err.0.contains_key("cursor"));
    assert!(list_query::parse("cursor=bm9wZQ").is_err());
}

#[test]
fn saved_views_belong_to_their_operator_and_site() {
    let app = spawn(1);
    let owner = owner();
    let member = operator(MEMBER, Role::Member);
    let query: TicketQuery = list_query::parse("priority=urgent&status=open").unwrap();
    let qs = list_query::to_query_string(&query);
    let id = "0123456789abcdef0123456789abcdef";
    pollster::block_on(saved_views::save(
        app.db(),
        &owner,
        id,
        &ViewName::parse("Hot").unwrap(),
        &query,
        &qs,
        Timestamp::from_millis(LATER),
    ))
    .unwrap();
    let mine = list(&app, &owner, "").saved_views;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].query, "status=open&priority=urgent");
    assert!(list(&app, &member, "").saved_views.is_empty());
    // Someone else's view is not found, and stays as it was.
    let other = ViewName::parse("Mine now").unwrap();
    for op in [&member, &operator(OTHER_MEMBER, Role::Member)] {
        assert!(matches!(
            pollster::block_on(saved_views::rename(app.db(), op, id, &other, false)),
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            pollster::block_on(saved_views::delete(app.db(), op, id)),
            Err(ServiceError::NotFound)
        ));
    }
    let stranger = operator(STRANGER, Role::Owner);
    assert!(pollster::block_on(saved_views::delete(app.db(), &stranger, id)).is_err());
    assert_eq!(list(&app, &owner, "").saved_views[0].name, "Hot");
    pollster::block_on(saved_views::rename(app.db(), &owner, id, &other, true)).unwrap();
    assert_eq!(list(&app, &owner, "").saved_views[0].name, "Mine now");
    pollster::block_on(saved_views::delete(app.db(), &owner, id)).unwrap();
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM saved_views"), 0);
}

#[test]
fn the_list_and_board_pages_are_balanced_markup_with_every_filter_set() {
    use crate::ticket_page::{OWNER_TOKEN, spawn_with_tokens};
    let app = spawn_with_tokens(3);
    let all = format!(
        "status=open&priority=high&assignee={MEMBER}&label=x&source=widget&created_from=2026-01-01\
         &created_to=2026-12-31&updated_from=2026-01-01&updated_to=2026-12-31&q=printer\
         &closed=include&spam=include&snoozed=include&sort=updated"
    );
    for view in ["", "&view=board"] {
        let r = app.get(
            &format!("/app/tickets?{all}{view}"),
            &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
        );
        assert_eq!(r.status, 200);
        let html = String::from_utf8(r.body).unwrap();
        for tag in [
            "div", "form", "details", "fieldset", "select", "ul", "table", "section",
        ] {
            let opened = html.matches(&format!("<{tag}>")).count()
                + html.matches(&format!("<{tag} ")).count();
            let closed = html.matches(&format!("</{tag}>")).count();
            assert_eq!(opened, closed, "<{tag}> in {view:?}");
        }
        assert!(html.contains("details class=\"more-filters\" open"));
        // Every filter is a removable chip.
        assert_eq!(html.matches("aria-label=\"Remove filter: ").count(), 11);
    }
}

#[test]
fn board_columns_count_every_matching_ticket_not_just_the_page() {
    use crate::ticket_page::{OWNER_TOKEN, spawn_with_tokens};
    let page_size = operator_tickets::PAGE_SIZE as usize;
    let app = spawn_with_tokens(page_size + 5);
    set(
        &app,
        "UPDATE tickets SET status = 'pending' WHERE number = 1;",
    );
    let r = app.get(
        "/app/tickets?view=board",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    assert_eq!(r.status, 200);
    let html = String::from_utf8(r.body).unwrap();
    let column = |status: &str| board_column(&html, status);
    let (open, open_cards) = column("open");
    let (pending, pending_cards) = column("pending");
    assert_eq!(open_cards + pending_cards, page_size, "one page of cards");
    assert_eq!(open, format!("{open_cards} of {}", page_size + 4));
    assert_eq!(
        pending,
        if pending_cards == 1 {
            "1".to_owned()
        } else {
            "0 of 1".to_owned()
        }
    );
}

/// A board column's count label, and how many cards it shows.
fn board_column(html: &str, status: &str) -> (String, usize) {
    let at = html
        .find(&format!("id=\"col-{status}\">"))
        .unwrap_or_else(|| panic!("a {status} column"));
    let section = &html[at..at + html[at..].find("</section>").unwrap()];
    let count = section.find("<span class=\"count\">").unwrap() + 20;
    let label = section[count..count + section[count..].find("</span>").unwrap()].to_owned();
    (label, section.matches("class=\"board-card\"").count())
}

#[test]
fn board_columns_count_what_the_filters_and_the_search_match_and_the_tabs_the_whole_site() {
    use crate::ticket_page::{OWNER_TOKEN, spawn_with_tokens};
    let app = spawn_with_tokens(6);
    set(
        &app,
        "UPDATE tickets SET status = 'pending' WHERE number IN (1, 2);
         INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
         SELECT site_id, id, 'billing', 0 FROM tickets WHERE number IN (1, 3);",
    );
    let auth = format!("Bearer {OWNER_TOKEN}");
    let board = |qs: &str| {
        let r = app.get(
            &format!("/app/tickets?view=board{qs}"),
            &[("authorization", &auth)],
        );
        assert_eq!(r.status, 200, "{qs}");
        let html = String::from_utf8(r.body).unwrap();
        let tab = |label: &str| {
            let before = format!(">{label} <span class=\"count\">");
            let at = html.find(&before).unwrap() + before.len();
            html[at..at + html[at..].find('<').unwrap()].to_owned()
        };
        // A status the filter leaves out has no column.
        let count = |status: &str| match html.contains(&format!("id=\"col-{status}\">")) {
            true => board_column(&html, status).0,
            false => "none".to_owned(),
        };
        (
            count("open"),
            count("pending"),
            (tab("Open"), tab("Pending")),
        )
    };
    let site = ("4".to_owned(), "2".to_owned());
    assert_eq!(board(""), ("4".into(), "2".into(), site.clone()));
    assert_eq!(
        board("&label=billing"),
        ("1".into(), "1".into(), site.clone())
    );
    assert_eq!(
        board("&q=printer&label=billing"),
        ("1".into(), "1".into(), site.clone())
    );
    assert_eq!(
        board("&q=printer&status=pending"),
        ("none".into(), "2".into(), site.clone())
    );
    // Nothing matches: no columns at all (the empty state), the tabs unchanged.
    assert_eq!(
        board("&q=nothing-like-it"),
        ("none".into(), "none".into(), site)
    );
}
