//! Tickets as operators work them: the filtered list and the detail page.

use std::collections::BTreeMap;

use ticketbooth_shared::Status;
use ticketbooth_shared::ids::TicketId;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::ticket_code::TicketCode;
use ticketbooth_shared::ticket_query::{
    AssigneeFilter, Cursor, Direction, Search, Shown, TeamFilter, TicketQuery,
};
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operators::Operator;
use crate::sql::comments::{self, CommentRow};
use crate::sql::labels;
use crate::sql::messages::{self, LinkedMessageRow, MessageRow};
use crate::sql::saved_views::{self, SavedViewRow};
use crate::sql::site_members::{self, MemberRow};
use crate::sql::ticket_conversations::{self, LinkRow};
use crate::sql::ticket_events::{self, EventRow};
use crate::sql::ticket_status_counts;
use crate::sql::tickets::{self, DetailRow, ListFilter, ListRow};
use crate::store::{Executor, Row, Statement, StoreError, decode, decode_first};

pub const PAGE_SIZE: i64 = 50;

/// What a list counts besides its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchCount {
    /// The matches on all pages.
    Total,
    /// Those, and how many of them each status holds (the board's columns).
    PerStatus,
}

pub struct ListPage {
    pub rows: Vec<ListRow>,
    /// Tickets per status on the whole site, whatever the filter (the tabs).
    pub counts: BTreeMap<&'static str, i64>,
    /// How many tickets match the filters, on all pages.
    pub total: i64,
    /// With `MatchCount::PerStatus`: how many of those each status holds (absent: none).
    pub matching_by_status: BTreeMap<&'static str, i64>,
    /// The cursor of the page after this one, if there is one.
    pub next: Option<Cursor>,
    /// The cursor of the page before this one, if this is not the first.
    pub previous: Option<Cursor>,
    /// The site's members, by name (the assignee filter's choices).
    pub members: Vec<MemberRow>,
    /// The operator's own saved views on this site (the sidebar).
    pub saved_views: Vec<SavedViewRow>,
    /// Every label in use on the site, alphabetically (the label filter's choices).
    pub site_labels: Vec<String>,
    /// The topics and intents in use on the site (the filters' suggestions).
    pub in_use: InUse,
    /// The site's teams, by name (the team filter's choices).
    pub teams: Vec<TeamChoice>,
    /// The instant the page was read at: what its rows' SLA time left is counted from.
    pub now_ms: i64,
}

/// One of the site's teams, as the team filter offers it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TeamChoice {
    pub id: i64,
    pub name: String,
}

/// The topics and intents in use on a site, alphabetically: what a topic or intent field
/// suggests, so operators reuse a spelling rather than invent another.
#[derive(Debug, Clone, Default)]
pub struct InUse {
    pub topics: Vec<String>,
    pub intents: Vec<String>,
}

impl InUse {
    fn from_rows(rows: Vec<Row>) -> Result<Self, StoreError> {
        #[derive(serde::Deserialize)]
        struct Class {
            field: String,
            value: String,
        }
        let mut in_use = InUse::default();
        for row in rows {
            let class: Class = decode(row)?;
            match class.field.as_str() {
                "topic" => in_use.topics.push(class.value),
                _ => in_use.intents.push(class.value),
            }
        }
        Ok(in_use)
    }
}

/// The site's topics and intents in use (the new-ticket form's suggestions).
pub async fn in_use<E: Executor>(db: &E, op: &Operator) -> Result<InUse, ServiceError> {
    op.require(Action::ViewTickets)?;
    Ok(InUse::from_rows(
        db.query(tickets::classes_in_use(op.site_id)).await?,
    )?)
}

/// The list filter a query means for this operator (`me` is them).
fn filter(op: &Operator, query: &TicketQuery, now: Timestamp, limit: i64) -> ListFilter {
    let mode = |shown: Shown| match shown {
        Shown::Hidden => 0,
        Shown::Included => 1,
        Shown::Only => 2,
    };
    let statuses: Vec<&str> = query
        .effective_statuses()
        .into_iter()
        .map(Status::as_str)
        .collect();
    let priorities: Vec<&str> = query.priorities.iter().map(|p| p.as_str()).collect();
    let json = |list: &[&str]| serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned());
    ListFilter {
        statuses_json: json(&statuses),
        priorities_json: (!priorities.is_empty()).then(|| json(&priorities)),
        assignee: query.assignee.as_ref().map(|a| match a {
            AssigneeFilter::Me => op.id.clone(),
            AssigneeFilter::Unassigned => String::new(),
            AssigneeFilter::Operator(id) => id.as_ref().to_owned(),
        }),
        label: query.label.as_ref().map(|l| l.as_ref().to_owned()),
        source: query.source.map(|filter| {
            let sources: Vec<&str> = filter.sources().into_iter().map(|s| s.as_str()).collect();
            json(&sources)
        }),
        created: (query.created.start_ms(), query.created.end_ms()),
        updated: (query.updated.start_ms(), query.updated.end_ms()),
        spam: mode(query.spam),
        snoozed: mode(query.snoozed),
        now_ms: now.millis(),
        sort: query.sort,
        cursor: query
            .cursor
            .as_ref()
            .map(|c| (c.direction, c.key.0, c.key.1, c.id.as_ref().to_owned())),
        limit,
        fts: query.search.as_ref().and_then(Search::fts_query),
        waiting: query.waiting.map(|w| w.as_str().to_owned()),
        topic: query.topic.as_ref().map(|t| t.as_ref().to_owned()),
        intent: query.intent.as_ref().map(|i| i.as_ref().to_owned()),
        team: query.team.map(|t| match t {
            TeamFilter::Team(id) => id,
            TeamFilter::NoTeam => 0,
        }),
        sla: query.sla.map(|s| s.as_str().to_owned()),
        sync: query.sync.map(|s| s.as_str().to_owned()),
    }
}

/// One page of the list, the match count, the status counts, the members and the operator's
/// saved views, read in one batch (one round trip, one consistent snapshot). Keyset
/// pagination: the page after (or before) the cursor's row in the query's order.
pub async fn list<E: Executor>(
    db: &E,
    op: &Operator,
    query: &TicketQuery,
    count: MatchCount,
    now: Timestamp,
) -> Result<ListPage, ServiceError> {
    op.require(Action::ViewTickets)?;
    let (plan, statements) = list_statements(op, query, count, now);
    let answers = db.batch(statements).await?;
    list_from(db, op, query, &plan, answers).await
}

/// How to read the answers of `list_statements`.
pub struct ListPlan {
    filter: ListFilter,
    searching: bool,
    count: MatchCount,
    /// A search with no word in it (only punctuation) matches nothing rather than everything.
    words_searched: bool,
}

impl ListPlan {
    /// Whether the matches are counted by a statement of their own after the page: a search's
    /// page carries its total on every row, so only a list, or a board's count per status.
    fn counted_apart(&self) -> bool {
        !self.searching || self.count == MatchCount::PerStatus
    }
}

/// The statements of one page of the list (for `list`, or after the statements that check the
/// request's credential in the same batch). The caller checks `Action::ViewTickets`.
pub fn list_statements(
    op: &Operator,
    query: &TicketQuery,
    count: MatchCount,
    now: Timestamp,
) -> (ListPlan, Vec<Statement>) {
    // One more than a page tells whether there is another one that way.
    let filter = filter(op, query, now, PAGE_SIZE + 1);
    let words_searched = query.search.is_some() && filter.fts.is_none();
    let searching = filter.fts.is_some();
    let mut statements = vec![
        ticket_status_counts::for_site(op.site_id),
        site_members::list(op.site_id),
        saved_views::list(op.site_id, &op.id),
    ];
    statements.push(if searching {
        tickets::search_for_operator(op.site_id, &filter)
    } else {
        tickets::list_for_operator(op.site_id, &filter)
    });
    let plan = ListPlan {
        filter,
        searching,
        count,
        words_searched,
    };
    if plan.counted_apart() {
        statements.push(match count {
            MatchCount::Total => tickets::count_matching(op.site_id, &plan.filter),
            MatchCount::PerStatus => tickets::count_matching_by_status(op.site_id, &plan.filter),
        });
    }
    // Last, after the optional count: the label filter's choices (a skip over the label index).
    statements.push(labels::in_use(op.site_id));
    statements.push(tickets::classes_in_use(op.site_id));
    statements.push(crate::sql::teams::team_choices(op.site_id));
    (plan, statements)
}

/// The page from the answers to `list_statements`, in their order.
pub async fn list_from<E: Executor>(
    db: &E,
    op: &Operator,
    query: &TicketQuery,
    plan: &ListPlan,
    answers: Vec<Vec<Row>>,
) -> Result<ListPage, ServiceError> {
    let mut results = answers.into_iter();
    let mut next = || results.next().unwrap_or_default();
    let (status_rows, member_rows, view_rows, page_rows) = (next(), next(), next(), next());
    let counted = plan.counted_apart().then(&mut next);
    let label_rows = next();
    let in_use = InUse::from_rows(next())?;
    let teams = decode_all(next())?;
    let mut rows: Vec<ListRow> = page_rows
        .into_iter()
        .map(decode)
        .collect::<Result<_, _>>()?;
    #[derive(serde::Deserialize)]
    struct Total {
        n: i64,
    }
    let mut matching_by_status = BTreeMap::new();
    let mut total = match counted {
        Some(count_rows) if plan.count == MatchCount::PerStatus => {
            matching_by_status = status_counts(count_rows)?;
            matching_by_status.values().sum()
        }
        Some(count_rows) => decode_first::<Total>(count_rows)?.map_or(0, |t| t.n),
        None => match rows.first() {
            Some(row) => row.total.unwrap_or(0),
            // An empty page of a search: nothing matches, or the cursor is past the last match
            // (the list changed under it); only the second needs counting.
            None if query.cursor.is_some() => {
                let count = db
                    .query(tickets::count_matching(op.site_id, &plan.filter))
                    .await?;
                decode_first::<Total>(count)?.map_or(0, |t| t.n)
            }
            None => 0,
        },
    };
    if plan.words_searched {
        rows.clear();
        total = 0;
        matching_by_status.clear();
    }
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let backwards = query
        .cursor
        .as_ref()
        .is_some_and(|c| c.direction == Direction::Before);
    if backwards {
        rows.reverse();
    }
    let cursor_at = |row: &ListRow, direction: Direction| -> Result<Cursor, StoreError> {
        Ok(Cursor {
            direction,
            sort: query.sort,
            key: (row.sort_a, row.sort_b),
            id: TicketId::parse(&row.id).map_err(|_| StoreError::RowShape(row.id.clone()))?,
        })
    };
    // Going forwards, there is a page before whenever we came from one; going backwards, the
    // extra row says whether there is one more before, and there is always one after.
    let (has_previous, has_next) = match &query.cursor {
        None => (false, more),
        Some(c) if c.direction == Direction::After => (true, more),
        Some(_) => (more, true),
    };
    let previous = match rows.first() {
        Some(row) if has_previous => Some(cursor_at(row, Direction::Before)?),
        _ => None,
    };
    let next = match rows.last() {
        Some(row) if has_next => Some(cursor_at(row, Direction::After)?),
        _ => None,
    };

    Ok(ListPage {
        rows,
        counts: status_counts(status_rows)?,
        total,
        matching_by_status,
        next,
        previous,
        members: decode_all(member_rows)?,
        saved_views: decode_all(view_rows)?,
        site_labels: label_rows
            .into_iter()
            .map(|row| decode::<LabelName>(row).map(|l| l.label))
            .collect::<Result<_, _>>()?,
        in_use,
        teams,
        now_ms: plan.filter.now_ms,
    })
}

#[derive(serde::Deserialize)]
struct LabelName {
    label: String,
}

/// `(status, n)` rows as a map by status.
fn status_counts(rows: Vec<Row>) -> Result<BTreeMap<&'static str, i64>, StoreError> {
    #[derive(serde::Deserialize)]
    struct Count {
        status: String,
        n: i64,
    }
    let mut counts = BTreeMap::new();
    for row in rows {
        let count: Count = decode(row)?;
        let status =
            Status::parse(&count.status).map_err(|_| StoreError::RowShape(count.status.clone()))?;
        counts.insert(status.as_str(), count.n);
    }
    Ok(counts)
}

pub struct Detail {
    pub ticket: DetailRow,
    pub events: Vec<EventRow>,
    pub comments: Vec<CommentRow>,
    /// This ticket's labels, alphabetically.
    pub labels: Vec<String>,
    /// The site's members, by name: assignee choices, and names for the ids in events.
    pub members: Vec<MemberRow>,
    /// Every label in use on the site (suggestions).
    pub site_labels: Vec<String>,
    /// The conversations linked to the ticket, oldest link first, with the messages of those
    /// still live.
    pub conversations: Vec<LinkedConversation>,
    /// The topics and intents in use on the site (suggestions).
    pub in_use: InUse,
    /// The site's teams by name (the team select).
    pub teams: Vec<crate::sql::teams::TeamRow>,
    /// The External Sync section's facts: the site's live connection, the ticket's link.
    pub sync: crate::sql::sync_links::PageRow,
}

/// A conversation linked to a ticket, as the ticket page shows it.
#[derive(Debug, Clone)]
pub struct LinkedConversation {
    pub id: String,
    pub linked_at: i64,
    /// Not yet past its expiry (an ended one is purged within the hour).
    pub live: bool,
    pub messages: Vec<MessageRow>,
}

impl LinkedConversation {
    /// Who answered the visitor: `Some(true)` when an operator did, `Some(false)` when only
    /// the bot did, `None` when no one has yet (or it ended).
    pub fn human_handled(&self) -> Option<bool> {
        let by = |kind: &str| self.messages.iter().any(|m| m.author_kind == kind);
        if by("operator") {
            Some(true)
        } else if by("bot") {
            Some(false)
        } else {
            None
        }
    }
}

impl Detail {
    /// The name of an operator id, as far as this site knows it.
    pub fn name_of(&self, operator_id: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.operator_id == operator_id)
            .map(|m| m.name.as_str())
    }
}

pub async fn detail<E: Executor>(
    db: &E,
    op: &Operator,
    code: &TicketCode,
    now: Timestamp,
) -> Result<Detail, ServiceError> {
    op.require(Action::ViewTickets)?;
    // One round trip, one consistent snapshot.
    let results = db
        .batch(detail_statements(op.site_id, &code.to_string(), now))
        .await?;
    detail_from(results)
}

/// The reads of a ticket's page, for one batch (alone, or after the writes of an action that
/// answers with the ticket as it now is).
pub fn detail_statements(site_id: i64, code: &str, now: Timestamp) -> Vec<Statement> {
    vec![
        tickets::find_by_code(site_id, code),
        ticket_events::timeline_by_code(site_id, code),
        comments::for_ticket_by_code(site_id, code),
        labels::for_ticket_by_code(site_id, code),
        site_members::list(site_id),
        labels::in_use(site_id),
        ticket_conversations::for_ticket_by_code(site_id, code, now.millis()),
        messages::for_ticket_by_code(site_id, code, now.millis()),
        tickets::classes_in_use(site_id),
        crate::sql::teams::list(site_id),
        crate::sql::sync_links::for_ticket_page(site_id, code),
    ]
}

/// A ticket's page from the answers to `detail_statements`, in their order.
pub fn detail_from(results: Vec<Vec<Row>>) -> Result<Detail, ServiceError> {
    let mut results = results.into_iter();
    let mut next = || results.next().unwrap_or_default();
    let ticket: Option<DetailRow> = decode_first(next())?;
    let ticket = ticket.ok_or(ServiceError::TicketNotFound)?;
    #[derive(serde::Deserialize)]
    struct LabelRow {
        label: String,
    }
    let label_names = |rows: Vec<crate::store::Row>| -> Result<Vec<String>, StoreError> {
        rows.into_iter()
            .map(|r| decode::<LabelRow>(r).map(|l| l.label))
            .collect()
    };
    let events = decode_all(next())?;
    let comments = decode_all(next())?;
    let labels = label_names(next())?;
    let members = decode_all(next())?;
    let site_labels = label_names(next())?;
    let links: Vec<LinkRow> = decode_all(next())?;
    let mut messages: Vec<LinkedMessageRow> = decode_all(next())?;
    let in_use = InUse::from_rows(next())?;
    let teams = decode_all(next())?;
    let sync = decode_first(next())?.unwrap_or_default();
    let conversations = links
        .into_iter()
        .map(|link| {
            let (mine, rest) = messages
                .drain(..)
                .partition(|m| m.conversation_id == link.conversation_id);
            messages = rest;
            LinkedConversation {
                id: link.conversation_id,
                linked_at: link.linked_at,
                live: link.live != 0,
                messages: mine
                    .into_iter()
                    .map(|m: LinkedMessageRow| m.message)
                    .collect(),
            }
        })
        .collect();
    Ok(Detail {
        ticket,
        events,
        comments,
        labels,
        members,
        site_labels,
        conversations,
        in_use,
        teams,
        sync,
    })
}

fn decode_all<T: serde::de::DeserializeOwned>(
    rows: Vec<crate::store::Row>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(decode).collect()
}
