//! `/app/settings/sla`: the site's SLA policy — a first-response and a resolution target per
//! priority, and calendar time or business hours (a weekly schedule in a time zone). Owners
//! and admins. A form with a wrong value is shown again (422) with what it said and why each
//! field was refused; nothing is saved. New tickets' clocks start from the saved policy.

use std::collections::BTreeMap;

use ticketbooth_shared::Priority;
use ticketbooth_shared::sla::{
    self, BusinessHours, Period, Policy, SlaError, Targets, WEEKDAYS, format_duration,
    format_periods,
};

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::settings_views::{Notice, notice, settings_nav};
use super::views::layout;
use crate::context::App;
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::operators::Operator;
use crate::service::sla as sla_service;
use crate::store::Executor;

pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
) -> Result<Response, ApiError> {
    let policy = sla_service::policy(&app.db, op).await?;
    let done =
        (req.query == "done=saved").then_some(Ok("SLA policy saved. New tickets follow it."));
    Ok(Response::html(200, page(op, &form_of(&policy), &[], done)))
}

/// `POST /app/settings/sla`: every field checked; all targets empty clears the policy.
pub async fn save<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    let form: BTreeMap<String, String> = posted.parse()?;
    op.require(ticketbooth_shared::role::Action::ManageSettings)?;
    match parse(&form) {
        Ok(policy) => {
            sla_service::save(&app.db, op, &policy).await?;
            // The create paths read the site's policy from the isolate's cache.
            app.sites.invalidate(&op.site_key);
            Ok(redirect("/app/settings/sla?done=saved"))
        }
        Err(errors) => Ok(Response::html(
            422,
            page(
                op,
                &form,
                &errors,
                Some(Err("Nothing was saved: check the fields marked below.")),
            ),
        )),
    }
}

fn field<'a>(form: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// The posted form as a policy, or every field's error.
fn parse(form: &BTreeMap<String, String>) -> Result<Policy, Vec<SlaError>> {
    let mut errors = Vec::new();
    let mut policy = Policy::default();
    for p in Priority::ALL {
        let mut targets = Targets::default();
        for (which, slot) in [
            ("first_response", &mut targets.first_response),
            ("resolution", &mut targets.resolution),
        ] {
            let name = format!("{}_{which}", p.as_str());
            match sla::parse_duration(field(form, &name), &name) {
                Ok(minutes) => *slot = minutes,
                Err(e) => errors.push(e),
            }
        }
        policy.set_targets(p, targets);
    }
    if field(form, "hours") == "business" {
        let mut week: [Vec<Period>; 7] = Default::default();
        for (i, day) in WEEKDAYS.iter().enumerate() {
            match sla::parse_periods(field(form, day), day) {
                Ok(periods) => week[i] = periods,
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            match BusinessHours::new(field(form, "time_zone"), week) {
                Ok(hours) => policy.hours = Some(hours),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(errors)
    }
}

/// The form's fields filled from a saved policy.
fn form_of(policy: &Policy) -> BTreeMap<String, String> {
    let mut form = BTreeMap::new();
    for p in Priority::ALL {
        let t = policy.targets(p);
        for (which, minutes) in [
            ("first_response", t.first_response),
            ("resolution", t.resolution),
        ] {
            if let Some(m) = minutes {
                form.insert(format!("{}_{which}", p.as_str()), format_duration(m));
            }
        }
    }
    match &policy.hours {
        Some(hours) => {
            form.insert("hours".into(), "business".into());
            form.insert("time_zone".into(), hours.zone_name().to_owned());
            for (i, day) in WEEKDAYS.iter().enumerate() {
                form.insert((*day).into(), format_periods(&hours.week()[i]).join(", "));
            }
        }
        None => {
            form.insert("hours".into(), "calendar".into());
            form.insert("time_zone".into(), "UTC".into());
            for day in &WEEKDAYS[..5] {
                form.insert((*day).into(), "09:00-17:00".into());
            }
        }
    }
    form
}

fn error_for<'a>(errors: &'a [SlaError], name: &str) -> Option<&'a SlaError> {
    errors.iter().find(|e| e.field() == Some(name))
}

/// A text input with its label and, when refused, its error (linked by `aria-describedby`).
fn input(
    h: &mut Html,
    form: &BTreeMap<String, String>,
    errors: &[SlaError],
    name: &str,
    label: &str,
    hidden_label: bool,
) {
    let id = format!("sla-{name}");
    h.raw("<label for=\"").text(&id).raw("\"");
    if hidden_label {
        h.raw(" class=\"visually-hidden\"");
    }
    h.raw(">").text(label).raw("</label>");
    h.raw("<input type=\"text\" id=\"")
        .text(&id)
        .raw("\" name=\"")
        .text(name)
        .raw("\" value=\"")
        .text(field(form, name))
        .raw("\"");
    if let Some(e) = error_for(errors, name) {
        h.raw(" aria-invalid=\"true\" aria-describedby=\"")
            .text(&id)
            .raw("-error\"><span class=\"error\" id=\"")
            .text(&id)
            .raw("-error\">")
            .text(&e.to_string())
            .raw("</span>");
    } else {
        h.raw(">");
    }
}

fn page(
    op: &Operator,
    form: &BTreeMap<String, String>,
    errors: &[SlaError],
    message: Notice<'_>,
) -> String {
    layout("SLA policy", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/sla");
        notice(h, message);
        h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/sla\" aria-labelledby=\"sla-h\"><h2 id=\"sla-h\">SLA policy</h2>")
            .raw("<p>How soon the team answers and resolves a ticket, per priority: durations like <code>30m</code>, <code>4h</code>, <code>2d</code> or <code>1h 30m</code>; leave a field empty for no target. The first customer-facing reply (a public comment, a message in the chat, an e-mail) meets first response; waiting on the customer and resolving pause resolution, and their reply or a reopen resumes it. A change applies to tickets created afterwards.</p>");
        csrf::field(h, op);
        h.raw("<table class=\"list\"><caption class=\"visually-hidden\">Targets per priority</caption><thead><tr><th scope=\"col\">Priority</th><th scope=\"col\">First response</th><th scope=\"col\">Resolution</th></tr></thead><tbody>");
        for p in Priority::ALL {
            h.raw("<tr><th scope=\"row\">").text(p.label()).raw("</th>");
            for (which, words) in [
                ("first_response", "first response"),
                ("resolution", "resolution"),
            ] {
                h.raw("<td>");
                let name = format!("{}_{which}", p.as_str());
                input(
                    h,
                    form,
                    errors,
                    &name,
                    &format!("{} {words}", p.label()),
                    true,
                );
                h.raw("</td>");
            }
            h.raw("</tr>");
        }
        h.raw("</tbody></table>");
        let business = field(form, "hours") == "business";
        h.raw("<fieldset class=\"stack\"><legend>Which time counts</legend>")
            .raw("<label class=\"check\"><input type=\"radio\" name=\"hours\" value=\"calendar\"")
            .raw(if business { "" } else { " checked" })
            .raw("> Calendar time (around the clock)</label>")
            .raw("<label class=\"check\"><input type=\"radio\" name=\"hours\" value=\"business\"")
            .raw(if business { " checked" } else { "" })
            .raw("> Business hours only (below)</label>");
        input(
            h,
            form,
            errors,
            "time_zone",
            "Time zone (IANA name, like Europe/Paris)",
            false,
        );
        for day in WEEKDAYS {
            let mut label = day.to_owned();
            label[..1].make_ascii_uppercase();
            input(
                h,
                form,
                errors,
                day,
                &format!("{label} (like 09:00-12:00, 13:00-17:00; empty: closed)"),
                false,
            );
        }
        h.raw("</fieldset><button class=\"primary\">Save</button></form>");
    })
}
