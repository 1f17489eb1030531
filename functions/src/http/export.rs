//! The data export's two formats, written a page of tickets at a time: JSON Lines (one ticket
//! with its labels, comments, events and transcript per line) and CSV (one ticket per row;
//! RFC 4180 quoting by the `csv` crate, labels joined by `; `, comments, events and transcript
//! as JSON text cells). CSV cells that a spreadsheet would run as a formula are defused.

use serde::Serialize;
use ticketbooth_shared::timestamp::Timestamp;

use crate::http::Response;
use crate::http::error::ApiError;
use crate::service::ServiceError;
use crate::service::data_rights::{self, ExportTicket};
use crate::service::operators::Operator;
use crate::store::Executor;

/// The export as a download. The response carries the header and the first page (reading it
/// checks the operator's role); when there are more, `Response::more` says where to go on, and
/// the Worker streams the rest a page at a time (`next_chunk`), so neither the rows nor the
/// whole file are ever held at once. Each page is one batch of reads, keyset by ticket number.
pub async fn download<E: Executor>(
    db: &E,
    op: &Operator,
    format: Format,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let mut body = Vec::new();
    format.start(&mut body);
    let page = data_rights::export_page(db, op, 0).await?;
    format.write_page(&page.tickets, &mut body);
    let date = now.to_rfc3339();
    let filename = format!(
        "tickets-{}-{}.{}",
        op.site_key.as_ref(),
        date.get(..10).unwrap_or("export"),
        format.extension()
    );
    Ok(Response {
        status: 200,
        headers: vec![
            ("content-type".into(), format.content_type().into()),
            (
                "content-disposition".into(),
                format!("attachment; filename=\"{filename}\""),
            ),
            ("cache-control".into(), "no-store".into()),
            ("x-content-type-options".into(), "nosniff".into()),
        ],
        body,
        log: None,
        live: None,
        follow_up: None,
        more: page.next.map(|after| Continuation {
            site_id: op.site_id,
            after,
            format,
        }),
    })
}

/// Where a streamed export goes on: the site, the last ticket number written, the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Continuation {
    pub site_id: i64,
    pub after: i64,
    pub format: Format,
}

/// The next page of a streamed export, formatted, and where to go on after it (`None`: done).
pub async fn next_chunk<E: Executor>(
    db: &E,
    at: Continuation,
) -> Result<(Vec<u8>, Option<Continuation>), ServiceError> {
    let page = data_rights::next_export_page(db, at.site_id, at.after).await?;
    let mut chunk = Vec::new();
    at.format.write_page(&page.tickets, &mut chunk);
    Ok((chunk, page.next.map(|after| Continuation { after, ..at })))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    /// `format=jsonl` (the default) or `format=csv`; anything else is `None`.
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        match raw {
            None | Some("jsonl") => Some(Format::JsonLines),
            Some("csv") => Some(Format::Csv),
            Some(_) => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::JsonLines => "application/jsonl; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
        }
    }

    /// What comes before the first page: the CSV header row.
    pub fn start(self, out: &mut Vec<u8>) {
        if self == Format::Csv {
            write_csv_row(out, &CSV_COLUMNS);
        }
    }

    /// Appends one page of tickets.
    pub fn write_page(self, tickets: &[ExportTicket], out: &mut Vec<u8>) {
        for ticket in tickets {
            let record = Record::of(ticket);
            match self {
                Format::JsonLines => {
                    // Our own types always serialize.
                    if serde_json::to_writer(&mut *out, &record).is_ok() {
                        out.push(b'\n');
                    }
                }
                Format::Csv => write_csv_row(out, &record.csv_cells()),
            }
        }
    }
}

const CSV_COLUMNS: [&str; 22] = [
    "id",
    "code",
    "subject",
    "description",
    "summary",
    "status",
    "priority",
    "source",
    "requester_name",
    "requester_email",
    "assignee_id",
    "labels",
    "spam",
    "snoozed_until",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "transcript",
    "transcript_from_visitor",
    "comments",
    "events",
];

/// One CSV record (CRLF-terminated, quoted where needed, formulas defused): the export's
/// rows and the reports' (`dashboard::reports_csv`).
pub fn write_csv_row<S: AsRef<str>>(out: &mut Vec<u8>, cells: &[S]) {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(
        cells
            .iter()
            .map(|c| defuse_formula(c.as_ref()).into_owned()),
    );
    let _ = writer.flush();
}

/// A cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return, which some
/// spreadsheets skip before looking) is prefixed with `'`, so opening the file never runs
/// visitor text as a formula (OWASP "CSV injection").
pub fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// One exported ticket, as one JSON line.
#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    code: &'a str,
    subject: &'a str,
    description: &'a str,
    summary: Option<&'a str>,
    status: &'a str,
    priority: &'a str,
    source: &'a str,
    requester: Requester<'a>,
    assignee_id: Option<&'a str>,
    labels: &'a [String],
    spam: bool,
    snoozed_until: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    resolved_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    /// The chat as it was when the ticket was opened: `[{author, text}]`.
    transcript: serde_json::Value,
    /// The transcript is what the visitor's browser sent: their account, not verified.
    transcript_from_visitor: bool,
    comments: Vec<Comment<'a>>,
    events: Vec<Event<'a>>,
}

#[derive(Serialize)]
struct Requester<'a> {
    name: Option<&'a str>,
    email: Option<&'a str>,
}

#[derive(Serialize)]
struct Comment<'a> {
    id: i64,
    visibility: &'a str,
    author_kind: &'a str,
    author_id: Option<&'a str>,
    author_name: &'a str,
    body: &'a str,
    created_at: Timestamp,
}

#[derive(Serialize)]
struct Event<'a> {
    kind: &'a str,
    data: serde_json::Value,
    actor: serde_json::Value,
    created_at: Timestamp,
}

impl<'a> Record<'a> {
    fn of(t: &'a ExportTicket) -> Self {
        let row = &t.row.ticket;
        let at = Timestamp::from_millis;
        let json = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        Self {
            id: &row.id,
            code: &row.code,
            subject: &row.subject,
            description: &row.description,
            summary: row.summary.as_deref(),
            status: &row.status,
            priority: &row.priority,
            source: &row.source,
            requester: Requester {
                name: row.requester_name.as_deref(),
                email: row.requester_email.as_deref(),
            },
            assignee_id: row.assignee_id.as_deref(),
            labels: &t.labels,
            spam: row.is_spam != 0,
            snoozed_until: row.snoozed_until.map(at),
            created_at: at(row.created_at),
            updated_at: at(row.updated_at),
            resolved_at: row.resolved_at.map(at),
            closed_at: row.closed_at.map(at),
            transcript: json(&row.transcript),
            transcript_from_visitor: row.transcript_from_visitor != 0,
            comments: t
                .comments
                .iter()
                .map(|c| Comment {
                    id: c.id,
                    visibility: &c.visibility,
                    author_kind: &c.author_kind,
                    author_id: c.author_id.as_deref(),
                    author_name: &c.author_name,
                    body: &c.body,
                    created_at: at(c.created_at),
                })
                .collect(),
            events: t
                .events
                .iter()
                .map(|e| Event {
                    kind: &e.kind,
                    data: json(&e.data),
                    actor: json(&e.actor),
                    created_at: at(e.created_at),
                })
                .collect(),
        }
    }

    /// The cells of `CSV_COLUMNS`, in order.
    fn csv_cells(&self) -> [String; 22] {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        let time = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        [
            self.id.to_owned(),
            self.code.to_owned(),
            self.subject.to_owned(),
            self.description.to_owned(),
            text(self.summary),
            self.status.to_owned(),
            self.priority.to_owned(),
            self.source.to_owned(),
            text(self.requester.name),
            text(self.requester.email),
            text(self.assignee_id),
            self.labels.join("; "),
            self.spam.to_string(),
            time(self.snoozed_until),
            self.created_at.to_rfc3339(),
            self.updated_at.to_rfc3339(),
            time(self.resolved_at),
            time(self.closed_at),
            self.transcript.to_string(),
            self.transcript_from_visitor.to_string(),
            serde_json::to_string(&self.comments).unwrap_or_default(),
            serde_json::to_string(&self.events).unwrap_or_default(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defuses_formulas_and_leaves_other_text_alone() {
        for cell in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\r=1"] {
            assert_eq!(defuse_formula(cell), format!("'{cell}"));
        }
        for cell in ["", "hello", "a=b", "1-2", "'=already"] {
            assert_eq!(defuse_formula(cell), cell);
        }
    }

    #[test]
    fn quotes_csv_cells_as_rfc_4180_says() {
        let mut out = Vec::new();
        write_csv_row(
            &mut out,
            &["plain", "with, comma", "with \"quote\"", "two\nlines"],
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"with, comma\",\"with \"\"quote\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn formats_parse_from_the_query() {
        assert_eq!(Format::parse(None), Some(Format::JsonLines));
        assert_eq!(Format::parse(Some("csv")), Some(Format::Csv));
        assert_eq!(Format::parse(Some("xlsx")), None);
    }
}
