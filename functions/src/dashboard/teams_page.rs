//! `/app/teams`: the site's teams and routing rules, for owners and admins — create, rename
//! and delete teams, add and remove members (members of the site who work tickets), and the
//! ordered routing rules (add, edit, move up or down, switch on or off, delete), with who is
//! away. Every change is a POST to `/app/teams` naming what it does (`do`); a refusal shows
//! the page again with the reason and its status, and changes nothing. The away switch is
//! each operator's own (`do=away`, from the account page), so any member may post that one.

use serde::Deserialize;
use ticketbooth_shared::Priority;
use ticketbooth_shared::event::Source;
use ticketbooth_shared::role::{Action, Role};
use ticketbooth_shared::routing::{RawConditions, TeamName};

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::settings_views::{Notice, notice, settings_nav};
use super::views::layout;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::operators::Operator;
use crate::service::teams::{self, Overview, RuleInput};
use crate::sql::routing_rules::RuleRow;
use crate::store::Executor;

/// `GET` shows the page; a `POST` (`form`, past the gate) changes one thing.
pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Option<CheckedForm<'_>>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    let Some(form) = form else {
        op.require(Action::ManageSettings)?;
        return show(app, req, op, None, 200).await;
    };
    let posted: Form = form.parse()?;
    if posted.action == "away" {
        teams::set_away(&app.db, op, posted.away.as_deref() == Some("1")).await?;
        return Ok(redirect("/app/settings/account?done=away"));
    }
    op.require(Action::ManageSettings)?;
    match change(app, op, &posted, fresh).await {
        Ok(done) => {
            // The rules travel with the site's cached row: this isolate reads them afresh.
            app.sites.invalidate(&op.site_key);
            Ok(redirect(&format!("/app/teams?done={done}")))
        }
        Err(error @ (ApiError::Refused(_) | ApiError::Validation(_) | ApiError::NotFound)) => {
            let status = error.status();
            show(app, req, op, Some(&refusal_text(&error)), status).await
        }
        Err(error) => Err(error),
    }
}

#[derive(Deserialize, Default)]
struct Form {
    #[serde(rename = "do", default)]
    action: String,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    intent: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    away: Option<String>,
}

impl Form {
    fn id(raw: &Option<String>) -> Result<i64, ApiError> {
        raw.as_deref()
            .and_then(|r| r.trim().parse().ok())
            .ok_or(ApiError::NotFound)
    }

    fn rule_input(&self) -> Result<RuleInput<'_>, ApiError> {
        Ok(RuleInput {
            conditions: RawConditions {
                label: self.label.as_deref(),
                topic: self.topic.as_deref(),
                intent: self.intent.as_deref(),
                source: self.source.as_deref(),
                priority: self.priority.as_deref(),
            },
            team_id: Self::id(&self.team)?,
        })
    }
}

/// Applies one change; what the page then says it did.
async fn change<E: Executor>(
    app: &App<E>,
    op: &Operator,
    f: &Form,
    fresh: &Fresh,
) -> Result<&'static str, ApiError> {
    let (db, now) = (&app.db, fresh.now);
    Ok(match f.action.as_str() {
        "create_team" => {
            teams::create(db, op, &f.name, now).await?;
            "team_created"
        }
        "rename_team" => {
            teams::rename(db, op, Form::id(&f.team)?, &f.name).await?;
            "team_renamed"
        }
        "delete_team" => {
            teams::delete(db, op, Form::id(&f.team)?, now).await?;
            "team_deleted"
        }
        "add_member" => {
            teams::add_member(db, op, Form::id(&f.team)?, f.operator.trim(), now).await?;
            "member_added"
        }
        "remove_member" => {
            teams::remove_member(db, op, Form::id(&f.team)?, f.operator.trim()).await?;
            "member_removed"
        }
        "add_rule" => {
            teams::add_rule(db, op, f.rule_input()?, now).await?;
            "rule_added"
        }
        "edit_rule" => {
            teams::edit_rule(db, op, Form::id(&f.rule)?, f.rule_input()?).await?;
            "rule_saved"
        }
        "rule_up" | "rule_down" => {
            teams::move_rule(db, op, Form::id(&f.rule)?, f.action == "rule_up").await?;
            "rule_moved"
        }
        "enable_rule" | "disable_rule" => {
            let on = f.action == "enable_rule";
            teams::set_rule_enabled(db, op, Form::id(&f.rule)?, on).await?;
            if on { "rule_enabled" } else { "rule_disabled" }
        }
        "delete_rule" => {
            teams::delete_rule(db, op, Form::id(&f.rule)?).await?;
            "rule_deleted"
        }
        _ => return Err(ApiError::NotFound),
    })
}

/// What a refusal says on the page.
fn refusal_text(error: &ApiError) -> String {
    match error {
        ApiError::Validation(errors) => {
            let mut text = String::new();
            for (field, problem) in &errors.0 {
                let which = match *field {
                    "name" => "The team's name",
                    "label" => "The label",
                    "topic" => "The topic",
                    "intent" => "The intent",
                    "source" => "The source",
                    "priority" => "The priority",
                    _ => "A field",
                };
                text.push_str(&format!("{which}: {problem} "));
            }
            text.push_str("Nothing was changed.");
            text
        }
        ApiError::NotFound => {
            "That team, member or rule no longer exists. Reload the page. Nothing was changed."
                .to_owned()
        }
        other => other.to_string(),
    }
}

async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    refused: Option<&str>,
    status: u16,
) -> Result<Response, ApiError> {
    let overview = teams::overview(&app.db, op).await?;
    let done = match req.query.strip_prefix("done=") {
        _ if refused.is_some() => None,
        Some("team_created") => Some(Ok("Team created.")),
        Some("team_renamed") => Some(Ok("Team renamed.")),
        Some("team_deleted") => Some(Ok(
            "Team deleted: its tickets have no team now, and its rules are gone.",
        )),
        Some("member_added") => Some(Ok("Member added.")),
        Some("member_removed") => Some(Ok("Member removed from the team.")),
        Some("rule_added") => Some(Ok("Rule added at the end of the list.")),
        Some("rule_saved") => Some(Ok("Rule saved.")),
        Some("rule_moved") => Some(Ok("Rule moved.")),
        Some("rule_enabled") => Some(Ok("Rule switched on.")),
        Some("rule_disabled") => Some(Ok("Rule switched off.")),
        Some("rule_deleted") => Some(Ok("Rule deleted.")),
        _ => None,
    };
    let message = refused.map(Err).or(done);
    Ok(Response::html(status, page(op, &overview, message)))
}

fn page(op: &Operator, o: &Overview, message: Notice<'_>) -> String {
    layout("Teams", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/teams");
        notice(h, message);
        teams_section(h, op, o);
        rules_section(h, op, o);
        away_section(h, o);
    })
}

fn post_form(h: &mut Html, op: &Operator, action: &'static str, class: &'static str) {
    h.raw("<form class=\"")
        .raw(class)
        .raw("\" method=\"post\" action=\"/app/teams\">");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"do\" value=\"")
        .raw(action)
        .raw("\">");
}

fn hidden(h: &mut Html, name: &'static str, value: &str) {
    h.raw("<input type=\"hidden\" name=\"")
        .raw(name)
        .raw("\" value=\"")
        .text(value)
        .raw("\">");
}

fn teams_section(h: &mut Html, op: &Operator, o: &Overview) {
    h.raw("<section class=\"card teams-page\" aria-labelledby=\"teams-h\"><h2 id=\"teams-h\">Teams</h2>")
        .raw("<p class=\"muted\">A team works the tickets routing sends it (or an operator gives it). Within a team, routed tickets go round-robin to members who are not away.</p>");
    if o.teams.is_empty() {
        h.raw("<p class=\"empty\">No team yet.</p>");
    }
    for team in &o.teams {
        let id = team.id.to_string();
        h.raw("<article class=\"team\" aria-labelledby=\"team-")
            .text(&id)
            .raw("\"><h3 id=\"team-")
            .text(&id)
            .raw("\"><bdi>")
            .text(&team.name)
            .raw("</bdi></h3><ul class=\"team-members\">");
        let mut any = false;
        for m in o.members_of(team.id) {
            any = true;
            h.raw("<li><bdi>").text(&m.name).raw("</bdi>");
            if m.away != 0 {
                h.raw(" <span class=\"badge\">away</span>");
            }
            h.raw(" ");
            post_form(h, op, "remove_member", "inline");
            hidden(h, "team", &id);
            hidden(h, "operator", &m.operator_id);
            h.raw("<button>Remove <span class=\"visually-hidden\">")
                .text(&m.name)
                .raw(" from ")
                .text(&team.name)
                .raw("</span></button></form></li>");
        }
        if !any {
            h.raw("<li class=\"muted\">No members: routed tickets stay unassigned.</li>");
        }
        h.raw("</ul>");
        let candidates: Vec<_> = o
            .site_members
            .iter()
            .filter(|m| Role::parse(&m.role).is_ok_and(|r| r != Role::Guest))
            .filter(|m| {
                !o.members_of(team.id)
                    .any(|t| t.operator_id == m.operator_id)
            })
            .collect();
        if !candidates.is_empty() {
            post_form(h, op, "add_member", "inline");
            hidden(h, "team", &id);
            h.raw("<label>Add a member <select name=\"operator\" required>");
            for m in candidates {
                h.raw("<option value=\"")
                    .text(&m.operator_id)
                    .raw("\">")
                    .text(&m.name)
                    .raw("</option>");
            }
            h.raw("</select></label><button>Add</button></form>");
        }
        post_form(h, op, "rename_team", "inline");
        hidden(h, "team", &id);
        h.raw("<label>Name <input name=\"name\" required maxlength=\"")
            .text(&TeamName::MAX_CHARS.to_string())
            .raw("\" value=\"")
            .text(&team.name)
            .raw("\"></label><button>Rename</button></form>");
        post_form(h, op, "delete_team", "inline");
        hidden(h, "team", &id);
        h.raw("<button class=\"danger\">Delete <bdi>")
            .text(&team.name)
            .raw("</bdi></button></form></article>");
    }
    post_form(h, op, "create_team", "inline new-team");
    h.raw("<label>New team <input name=\"name\" required maxlength=\"")
        .text(&TeamName::MAX_CHARS.to_string())
        .raw("\" placeholder=\"Billing\"></label><button class=\"primary\">Create team</button></form></section>");
}

fn select_options(
    h: &mut Html,
    name: &'static str,
    label: &'static str,
    options: &[(&'static str, &'static str)],
    chosen: Option<&str>,
) {
    h.raw("<label>")
        .raw(label)
        .raw(" <select name=\"")
        .raw(name)
        .raw("\"><option value=\"\">any</option>");
    for (value, text) in options {
        h.raw("<option value=\"").raw(value).raw("\"");
        if chosen == Some(*value) {
            h.raw(" selected");
        }
        h.raw(">").raw(text).raw("</option>");
    }
    h.raw("</select></label>");
}

/// The rule's condition and team fields, filled with `rule`'s values when editing.
fn rule_fields(h: &mut Html, o: &Overview, rule: Option<&RuleRow>) {
    let text = |h: &mut Html,
                name: &'static str,
                label: &'static str,
                value: Option<&str>,
                hint: &'static str| {
        h.raw("<label>")
            .raw(label)
            .raw(" <input name=\"")
            .raw(name)
            .raw("\" maxlength=\"80\" placeholder=\"")
            .raw(hint)
            .raw("\" value=\"")
            .text(value.unwrap_or(""))
            .raw("\"></label>");
    };
    text(
        h,
        "label",
        "Label",
        rule.and_then(|r| r.label.as_deref()),
        "billing",
    );
    text(
        h,
        "topic",
        "Topic",
        rule.and_then(|r| r.topic.as_deref()),
        "any",
    );
    text(
        h,
        "intent",
        "Intent",
        rule.and_then(|r| r.intent.as_deref()),
        "any",
    );
    let sources: Vec<(&'static str, &'static str)> = [Source::Widget, Source::Bot, Source::Email]
        .into_iter()
        .map(|s| (s.as_str(), s.as_str()))
        .collect();
    select_options(
        h,
        "source",
        "Source",
        &sources,
        rule.and_then(|r| r.source.as_deref()),
    );
    let priorities: Vec<(&'static str, &'static str)> = Priority::ALL
        .into_iter()
        .map(|p| (p.as_str(), p.label()))
        .collect();
    select_options(
        h,
        "priority",
        "Priority",
        &priorities,
        rule.and_then(|r| r.priority.as_deref()),
    );
    h.raw("<label>Team <select name=\"team\" required>");
    for team in &o.teams {
        h.raw("<option value=\"")
            .text(&team.id.to_string())
            .raw("\"");
        if rule.is_some_and(|r| r.team_id == team.id) {
            h.raw(" selected");
        }
        h.raw(">").text(&team.name).raw("</option>");
    }
    h.raw("</select></label>");
}

fn rules_section(h: &mut Html, op: &Operator, o: &Overview) {
    h.raw("<section class=\"card\" aria-labelledby=\"rules-h\"><h2 id=\"rules-h\">Routing rules</h2>")
        .raw("<p class=\"muted\">When a visitor, a bot or an e-mail opens a ticket, or a conversation is handed to a person, the first switched-on rule whose conditions all hold sends the ticket to its team (a rule with no condition takes every ticket). A label includes its sublabels. An operator's own ticket is never routed. Each ticket's timeline names the rule by its number.</p>");
    if o.rules.is_empty() {
        h.raw(
            "<p class=\"empty\">No rule yet: tickets get no team until someone gives them one.</p>",
        );
    } else {
        h.raw("<table class=\"list rules\"><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">When</th><th scope=\"col\">Team</th><th scope=\"col\">Change</th></tr></thead><tbody>");
        let last = o.rules.len() - 1;
        for (i, r) in o.rules.iter().enumerate() {
            let id = r.id.to_string();
            let when = r.rule().map_or_else(
                || "(unreadable conditions)".to_owned(),
                |rule| rule.conditions.describe(),
            );
            h.raw("<tr><th scope=\"row\">Rule ").text(&id);
            if r.enabled == 0 {
                h.raw(" <span class=\"badge\">off</span>");
            }
            h.raw("</th><td>")
                .text(&when)
                .raw("</td><td><bdi>")
                .text(o.team_name(r.team_id).unwrap_or("a deleted team"))
                .raw("</bdi></td><td>");
            for (action, text, show) in [
                ("rule_up", "Move up", i > 0),
                ("rule_down", "Move down", i < last),
                ("disable_rule", "Switch off", r.enabled != 0),
                ("enable_rule", "Switch on", r.enabled == 0),
                ("delete_rule", "Delete", true),
            ] {
                if !show {
                    continue;
                }
                post_form(h, op, action, "inline");
                hidden(h, "rule", &id);
                h.raw(if action == "delete_rule" {
                    "<button class=\"danger\">"
                } else {
                    "<button>"
                })
                .raw(text)
                .raw(" <span class=\"visually-hidden\">rule ")
                .text(&id)
                .raw("</span></button></form>");
            }
            h.raw("<details><summary>Edit <span class=\"visually-hidden\">rule ")
                .text(&id)
                .raw("</span></summary>");
            post_form(h, op, "edit_rule", "stacked");
            hidden(h, "rule", &id);
            rule_fields(h, o, Some(r));
            h.raw("<button>Save rule</button></form></details></td></tr>");
        }
        h.raw("</tbody></table>");
    }
    if o.teams.is_empty() {
        h.raw("<p class=\"muted\">Create a team first: a rule sends tickets to one.</p></section>");
        return;
    }
    h.raw("<h3 id=\"new-rule-h\">Add a rule</h3>");
    post_form(h, op, "add_rule", "stacked new-rule");
    rule_fields(h, o, None);
    h.raw("<button class=\"primary\">Add rule</button></form></section>");
}

fn away_section(h: &mut Html, o: &Overview) {
    h.raw("<section class=\"card\" aria-labelledby=\"away-h\"><h2 id=\"away-h\">Who is away</h2>")
        .raw("<p class=\"muted\">Each operator sets their own on their account page; routing passes over whoever is away.</p><ul>");
    let away: Vec<_> = o.site_members.iter().filter(|m| m.away != 0).collect();
    if away.is_empty() {
        h.raw("<li>Nobody is away.</li>");
    }
    for m in away {
        h.raw("<li><bdi>").text(&m.name).raw("</bdi></li>");
    }
    h.raw("</ul></section>");
}
