//! The `routing_rules` table: a site's rules, in order, each sending matching tickets to a
//! team (`shared::routing` decides which rule matches). Every statement names its site.

use serde::Deserialize;
use ticketbooth_shared::routing::{Conditions, RawConditions, Rule};

use crate::store::{Statement, Value};

/// A rule as stored: its conditions as text (`None`: any).
#[derive(Debug, Clone, Deserialize)]
pub struct RuleRow {
    pub id: i64,
    pub position: i64,
    pub label: Option<String>,
    pub topic: Option<String>,
    pub intent: Option<String>,
    pub source: Option<String>,
    pub priority: Option<String>,
    pub team_id: i64,
    pub enabled: i64,
}

impl RuleRow {
    /// The rule as `shared::routing` evaluates it; `None` when its columns no longer parse (a
    /// rule written by an older version): such a rule never matches.
    pub fn rule(&self) -> Option<Rule> {
        let conditions = Conditions::parse(&RawConditions {
            label: self.label.as_deref(),
            topic: self.topic.as_deref(),
            intent: self.intent.as_deref(),
            source: self.source.as_deref(),
            priority: self.priority.as_deref(),
        })
        .ok()?;
        Some(Rule {
            id: self.id,
            team_id: self.team_id,
            enabled: self.enabled != 0,
            conditions,
        })
    }
}

/// A rule's columns as a statement writes them.
pub struct RuleValues<'a> {
    pub label: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub intent: Option<&'a str>,
    pub source: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub team_id: i64,
}

/// The site's rules in evaluation order.
pub fn list(site_id: i64) -> Statement {
    Statement::new(
        "SELECT id, position, label, topic, intent, source, priority, team_id, enabled
         FROM routing_rules WHERE site_id = ?1 ORDER BY position, id",
        vec![Value::from(site_id)],
    )
}

/// A new rule at the end of the list, enabled; returns its id when the team is the site's.
pub fn insert(site_id: i64, rule: &RuleValues<'_>, now_ms: i64) -> Statement {
    let mut params = values(site_id, rule);
    params.push(Value::from(now_ms));
    Statement::new(
        "INSERT INTO routing_rules
             (site_id, position, label, topic, intent, source, priority, team_id, enabled, created_at)
         SELECT ?1, coalesce((SELECT max(position) FROM routing_rules WHERE site_id = ?1), 0) + 1,
                ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8
         WHERE EXISTS (SELECT 1 FROM teams WHERE site_id = ?1 AND id = ?7)
         RETURNING id",
        params,
    )
}

/// Changes a rule's conditions and team; returns its id when the site has the rule and the
/// team.
pub fn update(site_id: i64, id: i64, rule: &RuleValues<'_>) -> Statement {
    let mut params = values(site_id, rule);
    params.push(Value::from(id));
    Statement::new(
        "UPDATE routing_rules SET label = ?2, topic = ?3, intent = ?4, source = ?5,
                                  priority = ?6, team_id = ?7
         WHERE site_id = ?1 AND id = ?8
           AND EXISTS (SELECT 1 FROM teams WHERE site_id = ?1 AND id = ?7)
         RETURNING id",
        params,
    )
}

/// Switches a rule on or off; returns its id when the site has it.
pub fn set_enabled(site_id: i64, id: i64, enabled: bool) -> Statement {
    Statement::new(
        "UPDATE routing_rules SET enabled = ?3 WHERE site_id = ?1 AND id = ?2 RETURNING id",
        vec![Value::from(site_id), Value::from(id), Value::from(enabled)],
    )
}

/// Puts a rule at `position` (a reorder writes every rule's new place in one batch).
pub fn set_position(site_id: i64, id: i64, position: i64) -> Statement {
    Statement::new(
        "UPDATE routing_rules SET position = ?3 WHERE site_id = ?1 AND id = ?2",
        vec![Value::from(site_id), Value::from(id), Value::from(position)],
    )
}

/// Deletes a rule; returns its id when the site had it.
pub fn delete(site_id: i64, id: i64) -> Statement {
    Statement::new(
        "DELETE FROM routing_rules WHERE site_id = ?1 AND id = ?2 RETURNING id",
        vec![Value::from(site_id), Value::from(id)],
    )
}

/// Deletes the rules that send tickets to a team (it is being deleted, same batch).
pub fn delete_for_team(site_id: i64, team_id: i64) -> Statement {
    Statement::new(
        "DELETE FROM routing_rules WHERE site_id = ?1 AND team_id = ?2",
        vec![Value::from(site_id), Value::from(team_id)],
    )
}

fn values(site_id: i64, rule: &RuleValues<'_>) -> Vec<Value> {
    vec![
        Value::from(site_id),
        Value::from(rule.label),
        Value::from(rule.topic),
        Value::from(rule.intent),
        Value::from(rule.source),
        Value::from(rule.priority),
        Value::from(rule.team_id),
    ]
}
