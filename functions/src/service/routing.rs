//! Routing: a ticket opened by a visitor, a bot or an e-mail — or escalated from the bot to a
//! person — goes to the team of the site's first matching rule (`shared::routing`), and to
//! that team's next available member in turn. The rules come with the site (read with it,
//! cached with it: no extra round trip on a create); the member is picked in SQL inside the
//! caller's one batch (`sql::tickets::route_to_team`), reading and moving the team's cursor
//! in the same transaction, so tickets routed at once never take the same turn. Each move
//! writes its event (`team_changed`, `assigned`) naming the rule, as the system's doing.

use ticketbooth_shared::Priority;
use ticketbooth_shared::classification::{Intent, Topic};
use ticketbooth_shared::event::{Actor, Source};
use ticketbooth_shared::label::Label;
use ticketbooth_shared::routing::{self, Facts};

use super::ServiceError;
use super::sites::Site;
use crate::sql::tickets::DetailRow;
use crate::sql::{labels, teams, ticket_events, tickets};
use crate::store::{Executor, Statement, StoreError, decode};

/// The statements that route a new or escalated ticket with no team, to append to the
/// caller's batch after the ticket's row exists: none when no rule matches. `pick`: nobody
/// holds the ticket, so the team's next available member gets it.
pub fn statements(
    site: &Site,
    ticket_id: &str,
    facts: &Facts,
    pick: bool,
    now_ms: i64,
) -> Result<Vec<Statement>, StoreError> {
    let Some(rule) = routing::first_match(&site.routing, facts) else {
        return Ok(Vec::new());
    };
    let actor = Actor::System;
    let mut batch = vec![
        tickets::route_to_team(site.id, ticket_id, rule.team_id, pick, now_ms),
        ticket_events::insert_routed_team(
            site.id,
            ticket_id,
            rule.team_id,
            rule.id,
            &actor,
            now_ms,
        )?,
    ];
    if pick {
        batch.push(teams::advance_cursor(site.id, rule.team_id, ticket_id));
        batch.push(ticket_events::insert_routed_assignee(
            site.id, ticket_id, rule.id, &actor, now_ms,
        )?);
        batch.push(super::mail::routed(site.id, ticket_id, now_ms));
    }
    Ok(batch)
}

/// Whether tickets from `source` are routed when created: the visitor's, the bot's and
/// e-mail's. An operator's own ticket (the dashboard, the API) keeps its creator's choice.
pub fn routes_on_create(source: Source) -> bool {
    matches!(source, Source::Widget | Source::Bot | Source::Email)
}

/// The routing statements for a ticket linked to a conversation being escalated: read the
/// ticket and its labels (one read batch); none when it already has a team or no rule
/// matches. A ticket someone holds keeps them; it only gains the team.
pub async fn on_escalation<E: Executor>(
    db: &E,
    site: &Site,
    code: &str,
    now_ms: i64,
) -> Result<Vec<Statement>, ServiceError> {
    if site.routing.is_empty() {
        return Ok(Vec::new());
    }
    let mut read = db
        .batch(vec![
            tickets::find_by_code(site.id, code),
            labels::for_ticket_by_code(site.id, code),
        ])
        .await?;
    let label_rows = read.pop().unwrap_or_default();
    let Some(row) = read.pop().and_then(|rows| rows.into_iter().next()) else {
        return Ok(Vec::new());
    };
    let ticket: DetailRow = decode(row)?;
    if ticket.team_id.is_some() {
        return Ok(Vec::new());
    }
    #[derive(serde::Deserialize)]
    struct LabelRow {
        label: String,
    }
    let mut labels = Vec::new();
    for row in label_rows {
        let LabelRow { label } = decode(row)?;
        labels.extend(Label::parse(&label).ok());
    }
    let facts = Facts {
        labels,
        topic: ticket.topic.as_deref().and_then(|t| Topic::parse(t).ok()),
        intent: ticket.intent.as_deref().and_then(|i| Intent::parse(i).ok()),
        source: Source::parse(&ticket.source).unwrap_or(Source::Bot),
        priority: Priority::parse(&ticket.priority).unwrap_or(Priority::Normal),
    };
    Ok(statements(
        site,
        &ticket.id,
        &facts,
        ticket.assignee_id.is_none(),
        now_ms,
    )?)
}
