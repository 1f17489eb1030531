//! `GET /app/reports.csv?from=&to=&section=`: one section of the reports page as CSV, the same
//! numbers as its table (times in whole seconds), for owners and admins. Quoted by the `csv`
//! writer, and every cell passes `export::defuse_formula`, so a label can never run as a
//! spreadsheet formula. A bad range or section is a 400 that says why; nothing is read.

use ticketbooth_shared::event::Source;

use super::reports_page::SECTIONS;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::export::write_csv_row;
use crate::http::{Request, Response};
use crate::service::operators::Operator;
use crate::service::reports::{
    self, Percentiles, READ_REPORTS, Range, RangeError, Report, day_text,
};
use crate::store::Executor;

/// The section asked for (`created` when none is).
pub fn section_of(query: &str) -> Result<&'static str, RangeError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let asked = pairs
        .iter()
        .find(|(k, _)| k == "section")
        .map_or("", |(_, v)| v.as_str());
    if asked.is_empty() {
        return Ok(SECTIONS[0].0);
    }
    SECTIONS
        .iter()
        .find(|(id, _)| *id == asked)
        .map(|(id, _)| *id)
        .ok_or_else(|| RangeError::UnknownSection(asked.chars().take(40).collect()))
}

pub async fn download<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    op.require(READ_REPORTS)?;
    let asked = section_of(&req.query)
        .and_then(|section| Ok((section, Range::parse(&req.query, fresh.now)?)));
    let (section, range) = match asked {
        Ok(asked) => asked,
        Err(refused) => {
            let body = format!("{} ({})\n", refused, refused.code()).into_bytes();
            return Ok(Response {
                body,
                ..Response::empty(400)
            }
            .with_header("content-type", "text/plain; charset=utf-8")
            .with_header("cache-control", "no-store")
            .with_header("x-content-type-options", "nosniff"));
        }
    };
    let report = reports::read(&app.db, op, range, fresh.now).await?;
    let filename = format!(
        "reports-{}-{section}-{}-to-{}.csv",
        op.site_key.as_ref(),
        day_text(range.from_day),
        day_text(range.to_day)
    );
    Ok(Response {
        body: csv(&report, section),
        ..Response::empty(200)
    }
    .with_header("content-type", "text/csv; charset=utf-8")
    .with_header(
        "content-disposition",
        format!("attachment; filename=\"{filename}\""),
    )
    .with_header("cache-control", "no-store")
    .with_header("x-content-type-options", "nosniff"))
}

/// The CSV of one section of `report`.
pub fn csv(report: &Report, section: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match section {
        "created" => {
            let mut header = vec!["day"];
            header.extend(Source::ALL.iter().map(|s| s.as_str()));
            header.push("total");
            write_csv_row(&mut out, &header);
            for day in &report.created {
                let mut row = vec![day_text(day.day)];
                row.extend(day.by_source.iter().map(i64::to_string));
                row.push(day.total().to_string());
                write_csv_row(&mut out, &row);
            }
        }
        "first_response" | "resolution" => {
            let timing = if section == "first_response" {
                &report.first_response
            } else {
                &report.resolution
            };
            write_csv_row(
                &mut out,
                &["by", "group", "tickets", "median_seconds", "p90_seconds"],
            );
            let row = |out: &mut Vec<u8>, by: &str, p: &Percentiles| {
                write_csv_row(
                    out,
                    &[
                        by.to_owned(),
                        p.key.clone(),
                        p.n.to_string(),
                        (p.median_ms / 1000).to_string(),
                        (p.p90_ms / 1000).to_string(),
                    ],
                );
            };
            for p in &timing.by_week {
                row(&mut out, "week", p);
            }
            for p in &timing.by_priority {
                row(&mut out, "priority", p);
            }
        }
        "attainment" => {
            write_csv_row(
                &mut out,
                &[
                    "priority",
                    "first_response_met",
                    "first_response_missed",
                    "first_response_running",
                    "first_response_met_percent",
                    "resolution_met",
                    "resolution_missed",
                    "resolution_running",
                    "resolution_met_percent",
                ],
            );
            for a in &report.attainment {
                let (f, r) = (a.first_response, a.resolution);
                let pct = |p: Option<i64>| p.map(|p| p.to_string()).unwrap_or_default();
                write_csv_row(
                    &mut out,
                    &[
                        a.priority.clone(),
                        f.met.to_string(),
                        f.missed.to_string(),
                        f.running.to_string(),
                        pct(f.percent_met()),
                        r.met.to_string(),
                        r.missed.to_string(),
                        r.running.to_string(),
                        pct(r.percent_met()),
                    ],
                );
            }
        }
        "backlog" => {
            write_csv_row(&mut out, &["by", "name", "tickets"]);
            for c in &report.backlog_by_status {
                write_csv_row(&mut out, &["status", c.name.as_str(), &c.n.to_string()]);
            }
            for c in &report.backlog_by_team {
                write_csv_row(&mut out, &["team", c.name.as_str(), &c.n.to_string()]);
            }
        }
        "labels" | "intents" => {
            let (column, counts) = if section == "labels" {
                ("label", &report.top_labels)
            } else {
                ("intent", &report.top_intents)
            };
            write_csv_row(&mut out, &[column, "tickets"]);
            for c in counts {
                write_csv_row(&mut out, &[c.name.as_str(), &c.n.to_string()]);
            }
        }
        _ => {}
    }
    out
}
