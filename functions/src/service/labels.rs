//! The site's labels as a whole: the tree with ticket counts (the labels page, the list's label
//! filter, `GET /api/v1/labels`), and the labels page's three changes, each on a label and its
//! sublabels on every ticket of the site at once — rename, merge, delete.
//!
//! Each change is ONE batch: first its events, one per ticket and label moved or removed
//! (`ticket_events::insert_label_moves` / `insert_label_removals`, which also re-check in the
//! batch the rules read here before, so a label added in between fails the batch instead of
//! slipping through), then every touched ticket's new version (`tickets::touch_labelled`: a
//! form read before the change is stale), then the label rows. Labels are not in the search
//! index and the status counts ignore them, so nothing else needs to change.

use ticketbooth_shared::event::Actor;
use ticketbooth_shared::label::Label;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::timestamp::Timestamp;

use super::operators::Operator;
use super::{Refusal, ServiceError};
use crate::sql::{labels, ticket_events, tickets};
use crate::store::{Executor, Row, StoreError, decode};

/// A label and how many tickets carry it (exactly it, not its sublabels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCount {
    pub label: Label,
    pub tickets: i64,
}

/// A top-level label with its sublabels. `tickets` counts the tickets carrying the label itself
/// (0 when only its sublabels are in use); `in_all` the tickets a filter by it finds (it or
/// any sublabel, each ticket once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelNode {
    pub label: Label,
    pub tickets: i64,
    pub in_all: i64,
    pub children: Vec<LabelCount>,
}

#[derive(serde::Deserialize)]
struct CountRow {
    label: String,
    tickets: i64,
}

#[derive(serde::Deserialize)]
struct ParentRow {
    parent: String,
    tickets: i64,
}

#[derive(serde::Deserialize)]
struct N {
    n: i64,
}

fn parsed(label: &str) -> Result<Label, StoreError> {
    Label::parse(label).map_err(|_| StoreError::RowShape(format!("label {label:?}")))
}

fn counts(rows: Vec<Row>) -> Result<Vec<LabelCount>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let row: CountRow = decode(row)?;
            Ok(LabelCount {
                label: parsed(&row.label)?,
                tickets: row.tickets,
            })
        })
        .collect()
}

/// The site's labels as a tree, alphabetically, in one round trip. Anyone who reads tickets.
pub async fn tree<E: Executor>(db: &E, op: &Operator) -> Result<Vec<LabelNode>, ServiceError> {
    op.require(Action::ViewTickets)?;
    let mut answers = db
        .batch(vec![
            labels::counts(op.site_id),
            labels::counts_by_parent(op.site_id),
        ])
        .await?
        .into_iter();
    let rows = counts(answers.next().unwrap_or_default())?;
    let in_all: Vec<ParentRow> = answers
        .next()
        .unwrap_or_default()
        .into_iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    Ok(build_tree(rows, &in_all))
}

/// Rows in the labels' order (a parent right before its sublabels) into nodes. A sublabel whose
/// parent no ticket carries gets its parent as a node of its own, with 0 tickets.
fn build_tree(rows: Vec<LabelCount>, in_all: &[ParentRow]) -> Vec<LabelNode> {
    let mut nodes: Vec<LabelNode> = Vec::new();
    for row in rows {
        let parent = row.label.parent().unwrap_or_else(|| row.label.clone());
        if nodes.last().is_none_or(|n| n.label != parent) {
            let in_all = in_all
                .iter()
                .find(|p| p.parent == parent.as_ref())
                .map_or(0, |p| p.tickets);
            nodes.push(LabelNode {
                label: parent,
                tickets: 0,
                in_all,
                children: Vec::new(),
            });
        }
        let node = nodes.last_mut().expect("a node was just pushed");
        if row.label.is_top_level() {
            node.tickets = row.tickets;
        } else {
            node.children.push(row);
        }
    }
    nodes
}

/// What a change to `label` would touch: it and its sublabels, with their ticket counts (the
/// confirmation pages). `LabelNotFound` when no ticket carries any of them.
pub async fn affected<E: Executor>(
    db: &E,
    op: &Operator,
    label: &Label,
) -> Result<Vec<LabelCount>, ServiceError> {
    op.require(Action::ManageSettings)?;
    let rows = counts(
        db.query(labels::counts_under(op.site_id, label.as_ref()))
            .await?,
    )?;
    if rows.is_empty() {
        return Err(Refusal::LabelNotFound.into());
    }
    Ok(rows)
}

/// Whether `from` (with its sublabels) may move to `to`: what it would touch, or the refusal.
/// `must_be_new` for a rename: no new name may be in use already (that is a merge).
pub async fn check_move<E: Executor>(
    db: &E,
    op: &Operator,
    from: &Label,
    to: &Label,
    must_be_new: bool,
) -> Result<Vec<LabelCount>, ServiceError> {
    op.require(Action::ManageSettings)?;
    if from == to {
        return Err(Refusal::LabelSame.into());
    }
    let mut answers = db
        .batch(vec![
            labels::counts_under(op.site_id, from.as_ref()),
            labels::count_taken_by_move(op.site_id, from.as_ref(), to.as_ref()),
        ])
        .await?
        .into_iter();
    let rows = counts(answers.next().unwrap_or_default())?;
    let taken = answers
        .next()
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(decode::<N>)
        .transpose()?
        .map_or(0, |n| n.n);
    if rows.is_empty() {
        return Err(Refusal::LabelNotFound.into());
    }
    if rows.iter().any(|r| r.label.moved(from, to).is_none()) {
        return Err(Refusal::LabelTooDeep.into());
    }
    if must_be_new && taken > 0 {
        return Err(Refusal::LabelTaken.into());
    }
    Ok(rows)
}

/// Renames `from` to `to` on every ticket, its sublabels with it (`billing > refund` becomes
/// `payments > refund`). Refused when a new name is in use already: that is a merge, which
/// the page asks to confirm.
pub async fn rename<E: Executor>(
    db: &E,
    op: &Operator,
    from: &Label,
    to: &Label,
    now: Timestamp,
) -> Result<(), ServiceError> {
    move_labels(db, op, from, to, true, now).await
}

/// Merges `from` into `to`: every ticket carrying `from` (or one of its sublabels) carries
/// `to` (or `to`'s sublabel of the same name) instead; a ticket that had both keeps one.
pub async fn merge<E: Executor>(
    db: &E,
    op: &Operator,
    from: &Label,
    to: &Label,
    now: Timestamp,
) -> Result<(), ServiceError> {
    move_labels(db, op, from, to, false, now).await
}

async fn move_labels<E: Executor>(
    db: &E,
    op: &Operator,
    from: &Label,
    to: &Label,
    must_be_new: bool,
    now: Timestamp,
) -> Result<(), ServiceError> {
    check_move(db, op, from, to, must_be_new).await?;
    let (site, from_text, to_text) = (op.site_id, from.as_ref(), to.as_ref());
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let now_ms = now.millis();
    let batch = vec![
        ticket_events::insert_label_moves(site, from_text, to_text, must_be_new, &actor, now_ms)?,
        tickets::touch_labelled(site, from_text, now_ms),
        labels::drop_moved_duplicates(site, from_text, to_text),
        labels::move_range(site, from_text, to_text),
    ];
    match db.batch(batch).await {
        Ok(_) => Ok(()),
        // The events' guard: a label was added since the check. Ask again, to say which rule.
        Err(StoreError::CheckViolation(_)) => {
            check_move(db, op, from, to, must_be_new).await?;
            Err(Refusal::LabelTaken.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes `label` and its sublabels from every ticket of the site.
pub async fn delete<E: Executor>(
    db: &E,
    op: &Operator,
    label: &Label,
    now: Timestamp,
) -> Result<(), ServiceError> {
    affected(db, op, label).await?;
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let (site, text, now_ms) = (op.site_id, label.as_ref(), now.millis());
    db.batch(vec![
        ticket_events::insert_label_removals(site, text, &actor, now_ms)?,
        tickets::touch_labelled(site, text, now_ms),
        labels::delete_range(site, text),
    ])
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(label: &str, tickets: i64) -> LabelCount {
        LabelCount {
            label: Label::parse(label).unwrap(),
            tickets,
        }
    }

    #[test]
    fn the_tree_puts_sublabels_under_their_parent_even_an_unused_one() {
        let rows = vec![
            count("billing", 3),
            count("billing > invoice", 1),
            count("billing > refund", 2),
            count("shipping > late", 4),
            count("vip", 5),
        ];
        let in_all = vec![
            ParentRow {
                parent: "billing".into(),
                tickets: 5,
            },
            ParentRow {
                parent: "shipping".into(),
                tickets: 4,
            },
            ParentRow {
                parent: "vip".into(),
                tickets: 5,
            },
        ];
        let tree = build_tree(rows, &in_all);
        let shape: Vec<(&str, i64, i64, usize)> = tree
            .iter()
            .map(|n| (n.label.as_ref(), n.tickets, n.in_all, n.children.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("billing", 3, 5, 2),
                ("shipping", 0, 4, 1),
                ("vip", 5, 5, 0)
            ]
        );
        assert_eq!(tree[0].children[1], count("billing > refund", 2));
    }
}
