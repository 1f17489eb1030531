//! The outbox's hand-off to the Queue over SQLite (`service::notifications::hand_off`, which
//! the Worker runs after an answer and from the Cron Trigger): a queue double records what it is
//! handed and refuses the events it is told to.

use std::cell::RefCell;
use std::collections::HashSet;

use ticketbooth_functions::service::notifications::{
    self, Enqueue, HAND_OFF_LIMIT, HandOff, Refused, Sending,
};

use crate::TestApp;

const NOW: i64 = 1_795_427_400_000;

/// The Queue: records each event it takes, refuses those in `refuse`.
#[derive(Default)]
struct Queue {
    sent: RefCell<Vec<String>>,
    refuse: RefCell<HashSet<String>>,
}

impl Enqueue for Queue {
    fn send<'a>(&'a self, id: &'a str) -> Sending<'a> {
        let refused = self.refuse.borrow().contains(id);
        if !refused {
            self.sent.borrow_mut().push(id.to_owned());
        }
        Box::pin(async move {
            if refused {
                Err("queue unavailable".to_owned())
            } else {
                Ok(())
            }
        })
    }
}

/// `n` waiting events of the site `site_id`, `<prefix>_000`…, the first the oldest.
fn events(app: &TestApp, site_id: i64, prefix: &str, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}_{i:03}")).collect();
    let script: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                "INSERT INTO notifications (id, site_id, kind, data, created_at)
                 VALUES ('{id}', {site_id}, 'test', '{{}}', {});\n",
                NOW - 1_000 + i as i64
            )
        })
        .collect();
    app.db().execute_script(&script).unwrap();
    ids
}

fn hand_off(app: &TestApp, queue: &Queue, site_id: Option<i64>) -> HandOff {
    pollster::block_on(notifications::hand_off(app.db(), queue, site_id, NOW)).unwrap()
}

/// The events not handed to the Queue (yet), by id.
fn waiting(app: &TestApp) -> Vec<String> {
    app.rows(
        "SELECT id FROM notifications WHERE queued_at IS NULL ORDER BY id",
        vec![],
    )
    .into_iter()
    .map(|r| r["id"].as_str().unwrap().to_owned())
    .collect()
}

#[test]
fn waiting_events_are_handed_to_the_queue_once_each() {
    let app = TestApp::spawn();
    let ids = events(&app, 1, "a", 3);
    let queue = Queue::default();
    let handed = hand_off(&app, &queue, None);
    assert_eq!(handed.taken, ids);
    assert!(handed.refused.is_empty());
    assert_eq!(*queue.sent.borrow(), ids);
    assert!(waiting(&app).is_empty());
    let again = hand_off(&app, &queue, None);
    assert!(again.taken.is_empty(), "handed again: {again:?}");
    assert_eq!(*queue.sent.borrow(), ids, "a taken event was handed twice");

    // Events written later are handed by the next call, and only they.
    let queue = Queue::default();
    let more = events(&app, 1, "b", 2);
    assert_eq!(hand_off(&app, &queue, None).taken, more);
    assert_eq!(*queue.sent.borrow(), more);
    assert_eq!(hand_off(&app, &queue, None), HandOff::default());
    assert_eq!(*queue.sent.borrow(), more, "a taken event was handed twice");
}

#[test]
fn an_event_the_queue_refuses_waits_and_is_handed_on_the_next_call() {
    let app = TestApp::spawn();
    let ids = events(&app, 1, "a", 3);
    let queue = Queue::default();
    queue.refuse.borrow_mut().insert(ids[1].clone());
    let handed = hand_off(&app, &queue, Some(1));
    assert_eq!(handed.taken, ids);
    assert_eq!(
        handed.refused,
        [Refused {
            id: ids[1].clone(),
            error: "queue unavailable".into()
        }]
    );
    assert_eq!(*queue.sent.borrow(), [ids[0].clone(), ids[2].clone()]);
    assert_eq!(waiting(&app), [ids[1].clone()]);

    queue.refuse.borrow_mut().clear();
    let again = hand_off(&app, &queue, Some(1));
    assert_eq!(again.taken, [ids[1].clone()]);
    assert!(again.refused.is_empty());
    assert_eq!(queue.sent.borrow().last(), Some(&ids[1]));
    assert!(waiting(&app).is_empty());
}

#[test]
fn a_call_hands_at_most_the_limit_oldest_first() {
    let app = TestApp::spawn();
    let limit = usize::try_from(HAND_OFF_LIMIT).unwrap();
    let ids = events(&app, 1, "a", limit + 3);
    let queue = Queue::default();
    assert_eq!(hand_off(&app, &queue, None).taken, ids[..limit]);
    assert_eq!(waiting(&app), ids[limit..]);
    assert_eq!(hand_off(&app, &queue, None).taken, ids[limit..]);
    assert_eq!(*queue.sent.borrow(), ids);
}

#[test]
fn a_site_given_hands_only_its_own_events() {
    let app = TestApp::spawn();
    let acme = events(&app, 1, "acme", 2);
    let strict = events(&app, 2, "strict", 2);
    let queue = Queue::default();
    assert_eq!(hand_off(&app, &queue, Some(1)).taken, acme);
    assert_eq!(*queue.sent.borrow(), acme);
    assert_eq!(waiting(&app), strict);
    assert_eq!(hand_off(&app, &queue, Some(1)), HandOff::default());
    // The sweep (no site) takes every site's.
    assert_eq!(hand_off(&app, &queue, None).taken, strict);
    assert!(waiting(&app).is_empty());
}
