//! Teams and routing rules, as owners and admins manage them on the teams page: teams and
//! their members, the ordered rules, and each operator's own away switch. Every change is
//! one batch; a refused one changes nothing. Deleting a team takes its tickets out of it
//! (each with a `team_changed` event), its rules and its members in the same batch.

use std::collections::BTreeMap;

use ticketbooth_shared::event::Actor;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::routing::{Conditions, RawConditions, TeamName};
use ticketbooth_shared::timestamp::Timestamp;

use super::operators::Operator;
use super::{Refusal, ServiceError};
use crate::sql::routing_rules::{self, RuleRow, RuleValues};
use crate::sql::site_members::{self, MemberRow};
use crate::sql::team_members::{self, TeamMemberRow};
use crate::sql::teams::{self, TeamRow};
use crate::sql::{ticket_events, tickets};
use crate::store::{Executor, StoreError, decode, decode_first};

/// What the teams page and `GET /api/v1/teams` show: the teams, their members, the rules in
/// order, and the site's members (who can be added, who is away).
#[derive(Debug, Clone)]
pub struct Overview {
    pub teams: Vec<TeamRow>,
    pub members: Vec<TeamMemberRow>,
    pub rules: Vec<RuleRow>,
    pub site_members: Vec<MemberRow>,
}

impl Overview {
    pub fn members_of(&self, team_id: i64) -> impl Iterator<Item = &TeamMemberRow> {
        self.members.iter().filter(move |m| m.team_id == team_id)
    }

    pub fn team_name(&self, team_id: i64) -> Option<&str> {
        self.teams
            .iter()
            .find(|t| t.id == team_id)
            .map(|t| t.name.as_str())
    }
}

/// The site's teams, members and rules in one read batch (anyone who sees tickets: the
/// selects of the ticket page and the API need the teams).
pub async fn overview<E: Executor>(db: &E, op: &Operator) -> Result<Overview, ServiceError> {
    op.require(Action::ViewTickets)?;
    let mut results = db
        .batch(vec![
            teams::list(op.site_id),
            team_members::list(op.site_id),
            routing_rules::list(op.site_id),
            site_members::list(op.site_id),
        ])
        .await?
        .into_iter();
    let mut next = || -> Vec<crate::store::Row> { results.next().unwrap_or_default() };
    fn all<T: serde::de::DeserializeOwned>(
        rows: Vec<crate::store::Row>,
    ) -> Result<Vec<T>, StoreError> {
        rows.into_iter().map(decode).collect()
    }
    Ok(Overview {
        teams: all(next())?,
        members: all(next())?,
        rules: all(next())?,
        site_members: all(next())?,
    })
}

fn name_of(raw: &str) -> Result<TeamName, ServiceError> {
    TeamName::parse(raw)
        .map_err(|e| ServiceError::Validation(ValidationErrors(BTreeMap::from([("name", e)]))))
}

fn taken(e: StoreError) -> ServiceError {
    match e {
        StoreError::UniqueViolation(_) => Refusal::TeamNameTaken.into(),
        other => other.into(),
    }
}

/// A new team; its id.
pub async fn create<E: Executor>(
    db: &E,
    op: &Operator,
    name: &str,
    now: Timestamp,
) -> Result<i64, ServiceError> {
    op.require(Action::ManageSettings)?;
    let name = name_of(name)?;
    let rows = db
        .batch(vec![teams::insert(op.site_id, name.as_ref(), now.millis())])
        .await
        .map_err(taken)?;
    returned_id(rows).ok_or_else(|| StoreError::RowShape("a new team's id".into()).into())
}

pub async fn rename<E: Executor>(
    db: &E,
    op: &Operator,
    team_id: i64,
    name: &str,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let name = name_of(name)?;
    let rows = db
        .batch(vec![teams::rename(op.site_id, team_id, name.as_ref())])
        .await
        .map_err(taken)?;
    returned_id(rows)
        .map(|_| ())
        .ok_or(Refusal::TeamNotFound.into())
}

/// Deletes a team: its tickets leave it (a `team_changed` event each, by `op`), its rules
/// and members go, all in one batch.
pub async fn delete<E: Executor>(
    db: &E,
    op: &Operator,
    team_id: i64,
    now: Timestamp,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let team: TeamRow = decode_first(db.query(teams::find(op.site_id, team_id)).await?)?
        .ok_or(Refusal::TeamNotFound)?;
    let actor = Actor::Operator {
        operator_id: op.id.clone(),
    };
    let site = op.site_id;
    let rows = db
        .batch(vec![
            ticket_events::insert_team_removed(site, team_id, &team.name, &actor, now.millis())?,
            tickets::clear_team(site, team_id),
            routing_rules::delete_for_team(site, team_id),
            team_members::delete_for_team(site, team_id),
            teams::delete(site, team_id),
        ])
        .await?;
    returned_id(rows)
        .map(|_| ())
        .ok_or(Refusal::TeamNotFound.into())
}

/// Adds a member of the site who works tickets to a team.
pub async fn add_member<E: Executor>(
    db: &E,
    op: &Operator,
    team_id: i64,
    operator_id: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let rows = db
        .batch(vec![team_members::insert(
            op.site_id,
            team_id,
            operator_id,
            now.millis(),
        )])
        .await
        .map_err(|e| match e {
            StoreError::UniqueViolation(_) => Refusal::AlreadyInTeam.into(),
            other => ServiceError::from(other),
        })?;
    if rows.iter().all(Vec::is_empty) {
        // Say which of the two was wrong.
        let team: Option<TeamRow> =
            decode_first(db.query(teams::find(op.site_id, team_id)).await?)?;
        return Err(match team {
            None => Refusal::TeamNotFound,
            Some(_) => Refusal::TeamMemberNotEligible,
        }
        .into());
    }
    Ok(())
}

pub async fn remove_member<E: Executor>(
    db: &E,
    op: &Operator,
    team_id: i64,
    operator_id: &str,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let rows = db
        .batch(vec![team_members::remove(op.site_id, team_id, operator_id)])
        .await?;
    if rows.iter().all(Vec::is_empty) {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// A rule's form, as text: blank conditions are "any".
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleInput<'a> {
    pub conditions: RawConditions<'a>,
    pub team_id: i64,
}

/// The conditions parsed (a bad one refused by its field's name), as stored.
fn checked(input: &RuleInput<'_>) -> Result<Conditions, ServiceError> {
    Conditions::parse(&input.conditions).map_err(|(field, e)| {
        ServiceError::Validation(ValidationErrors(BTreeMap::from([(field, e)])))
    })
}

fn values(c: &Conditions, team_id: i64) -> (Option<String>, RuleValuesOwned) {
    (
        c.label.as_ref().map(|l| l.as_ref().to_owned()),
        RuleValuesOwned {
            topic: c.topic.as_ref().map(|t| t.as_ref().to_owned()),
            intent: c.intent.as_ref().map(|i| i.as_ref().to_owned()),
            source: c.source.map(|s| s.as_str()),
            priority: c.priority.map(|p| p.as_str()),
            team_id,
        },
    )
}

struct RuleValuesOwned {
    topic: Option<String>,
    intent: Option<String>,
    source: Option<&'static str>,
    priority: Option<&'static str>,
    team_id: i64,
}

/// A new rule at the end of the list; its id.
pub async fn add_rule<E: Executor>(
    db: &E,
    op: &Operator,
    input: RuleInput<'_>,
    now: Timestamp,
) -> Result<i64, ServiceError> {
    op.require(Action::ManageSettings)?;
    let conditions = checked(&input)?;
    let (label, v) = values(&conditions, input.team_id);
    let rows = db
        .batch(vec![routing_rules::insert(
            op.site_id,
            &RuleValues {
                label: label.as_deref(),
                topic: v.topic.as_deref(),
                intent: v.intent.as_deref(),
                source: v.source,
                priority: v.priority,
                team_id: v.team_id,
            },
            now.millis(),
        )])
        .await?;
    returned_id(rows).ok_or(Refusal::TeamNotFound.into())
}

/// Changes a rule's conditions and team.
pub async fn edit_rule<E: Executor>(
    db: &E,
    op: &Operator,
    rule_id: i64,
    input: RuleInput<'_>,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let conditions = checked(&input)?;
    let (label, v) = values(&conditions, input.team_id);
    let rows = db
        .batch(vec![routing_rules::update(
            op.site_id,
            rule_id,
            &RuleValues {
                label: label.as_deref(),
                topic: v.topic.as_deref(),
                intent: v.intent.as_deref(),
                source: v.source,
                priority: v.priority,
                team_id: v.team_id,
            },
        )])
        .await?;
    if returned_id(rows).is_some() {
        return Ok(());
    }
    let rules = rules_of(db, op).await?;
    Err(if rules.iter().any(|r| r.id == rule_id) {
        Refusal::TeamNotFound
    } else {
        Refusal::RuleNotFound
    }
    .into())
}

pub async fn set_rule_enabled<E: Executor>(
    db: &E,
    op: &Operator,
    rule_id: i64,
    enabled: bool,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let rows = db
        .batch(vec![routing_rules::set_enabled(
            op.site_id, rule_id, enabled,
        )])
        .await?;
    returned_id(rows)
        .map(|_| ())
        .ok_or(Refusal::RuleNotFound.into())
}

pub async fn delete_rule<E: Executor>(
    db: &E,
    op: &Operator,
    rule_id: i64,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let rows = db
        .batch(vec![routing_rules::delete(op.site_id, rule_id)])
        .await?;
    returned_id(rows)
        .map(|_| ())
        .ok_or(Refusal::RuleNotFound.into())
}

/// Moves a rule one place up (earlier: evaluated sooner) or down, renumbering the list 1..n
/// in one batch. At the top (or bottom) already: nothing changes.
pub async fn move_rule<E: Executor>(
    db: &E,
    op: &Operator,
    rule_id: i64,
    up: bool,
) -> Result<(), ServiceError> {
    op.require(Action::ManageSettings)?;
    let mut ids: Vec<i64> = rules_of(db, op).await?.iter().map(|r| r.id).collect();
    let at = ids
        .iter()
        .position(|id| *id == rule_id)
        .ok_or(Refusal::RuleNotFound)?;
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    match other {
        Some(other) if other < ids.len() => ids.swap(at, other),
        _ => return Ok(()),
    }
    let statements = ids
        .iter()
        .zip(1..)
        .map(|(id, position)| routing_rules::set_position(op.site_id, *id, position))
        .collect();
    db.batch(statements).await?;
    Ok(())
}

/// The operator's own away switch on their current site: while away, routing passes them by.
pub async fn set_away<E: Executor>(db: &E, op: &Operator, away: bool) -> Result<(), ServiceError> {
    let rows = db
        .batch(vec![site_members::set_away(op.site_id, &op.id, away)])
        .await?;
    returned_id_text(rows)
        .map(|_| ())
        .ok_or(ServiceError::NotFound)
}

/// Whether the operator is away on their current site.
pub async fn is_away<E: Executor>(db: &E, op: &Operator) -> Result<bool, ServiceError> {
    let me: Option<MemberRow> =
        decode_first(db.query(site_members::find(op.site_id, &op.id)).await?)?;
    Ok(me.is_some_and(|m| m.away != 0))
}

async fn rules_of<E: Executor>(db: &E, op: &Operator) -> Result<Vec<RuleRow>, ServiceError> {
    let rows = db.query(routing_rules::list(op.site_id)).await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// The `id` the batch's last statement returned, if it returned a row.
fn returned_id(rows: Vec<Vec<crate::store::Row>>) -> Option<i64> {
    rows.last()?.first()?.get("id")?.as_i64()
}

fn returned_id_text(rows: Vec<Vec<crate::store::Row>>) -> Option<String> {
    Some(
        rows.last()?
            .first()?
            .get("operator_id")?
            .as_str()?
            .to_owned(),
    )
}
