//! One outgoing mail as Internet Message Format text (RFC 5322, MIME per RFC 2045–2047): the
//! headers (sender named after the site, `Reply-To` the ticket's reply address, threading,
//! `List-Unsubscribe` with one-click, `Auto-Submitted` on notifications) and a plain-text and
//! an HTML body, both base64 so any text travels intact. Pure: what `mail_outbox` sends
//! through Email Service's binding as a raw `EmailMessage`, and what host tests read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ticketbooth_shared::timestamp::Timestamp;

use crate::sql::mails::SendRow;

/// Everything a mail needs besides its row: where the deployment lives.
pub struct Envelope<'a> {
    /// The deployment's e-mail domain (`EMAIL_DOMAIN`).
    pub domain: &'a str,
    /// The unsubscribe link for the recipient, when the deployment has an origin to link to.
    pub unsubscribe_url: Option<&'a str>,
    pub now: Timestamp,
}

/// A mail ready for `EmailMessage::new(from, to, raw)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The envelope sender: the site's support address, or `notifications@<domain>`.
    pub from: String,
    pub to: String,
    pub subject: String,
    pub raw: String,
}

/// The local part mails come from when the site has no support address.
pub const NOTIFICATIONS_LOCAL: &str = "notifications";

/// The ticket's reply address, `t-<token>@<domain>` (the inbound side reads it back).
pub fn reply_address(token: &str, domain: &str) -> String {
    format!("t-{token}@{domain}")
}

/// Whether the mail is a notification (written by the system, not a person's reply): those
/// carry `Auto-Submitted: auto-generated`, so auto-responders stay quiet and loops are seen.
pub fn is_notification(kind: &str) -> bool {
    kind != "reply"
}

/// The mail `row` as it reads now.
pub fn render(row: &SendRow, env: &Envelope<'_>) -> Rendered {
    let local = row.support_local.as_deref().unwrap_or(NOTIFICATIONS_LOCAL);
    let from = format!("{local}@{}", env.domain);
    let (subject, text, html) = content(row);
    let boundary = format!("tb-alt-{}-{}", row.id, row.ticket_id);
    let mut h: Vec<(String, String)> = vec![
        ("From".into(), mailbox(&row.site_name, &from)),
        ("To".into(), format!("<{}>", row.to_address)),
        ("Subject".into(), encode_word(&subject)),
        ("Date".into(), rfc5322_date(env.now)),
        (
            "Message-ID".into(),
            format!("<m{}.{}@{}>", row.id, row.ticket_id, env.domain),
        ),
    ];
    // Every mail about a ticket threads under one root, so mail clients show one conversation.
    let root = format!("<ticket-{}@{}>", row.ticket_id, env.domain);
    h.push(("In-Reply-To".into(), root.clone()));
    h.push(("References".into(), root));
    // Replies from the requester go to the ticket; an operator's mails have no such address.
    if let (None, Some(token)) = (&row.operator_id, &row.reply_token) {
        h.push((
            "Reply-To".into(),
            mailbox(&row.site_name, &reply_address(token, env.domain)),
        ));
    }
    if let Some(url) = env.unsubscribe_url {
        h.push(("List-Unsubscribe".into(), format!("<{url}>")));
        h.push((
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ));
    }
    if is_notification(&row.kind) {
        h.push(("Auto-Submitted".into(), "auto-generated".into()));
    }
    h.push(("MIME-Version".into(), "1.0".into()));
    h.push((
        "Content-Type".into(),
        format!("multipart/alternative; boundary=\"{boundary}\""),
    ));
    let mut raw = String::new();
    for (name, value) in &h {
        raw.push_str(name);
        raw.push_str(": ");
        raw.push_str(value);
        raw.push_str("\r\n");
    }
    raw.push_str("\r\n");
    for (mime, body) in [("text/plain", &text), ("text/html", &html)] {
        raw.push_str(&format!(
            "--{boundary}\r\nContent-Type: {mime}; charset=utf-8\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        ));
        raw.push_str(&base64_lines(body.as_bytes()));
    }
    raw.push_str(&format!("--{boundary}--\r\n"));
    Rendered {
        from,
        to: row.to_address.clone(),
        subject,
        raw,
    }
}

/// The subject, the plain text and the HTML of the mail's kind.
fn content(row: &SendRow) -> (String, String, String) {
    let code = &row.code;
    let site = &row.site_name;
    let (subject, lines): (String, Vec<String>) = match row.kind.as_str() {
        "received" => (
            format!("[{code}] We have your request: {}", row.subject),
            vec![
                format!(
                    "We have your request, {code}: \u{201c}{}\u{201d}.",
                    row.subject
                ),
                "Our team will reply to this address. To add anything, reply to this e-mail."
                    .into(),
            ],
        ),
        "reply" => (
            format!("Re: [{code}] {}", row.subject),
            vec![
                row.body.clone(),
                format!("\u{2014} {site}, about {code}. Reply to this e-mail to answer."),
            ],
        ),
        "resolved" => (
            format!("[{code}] Resolved: {}", row.subject),
            vec![
                format!("We have marked your request {code} as resolved."),
                "If something is still wrong, reply to this e-mail and it opens again.".into(),
            ],
        ),
        "assigned" => (
            format!("[{code}] Assigned to you: {}", row.subject),
            vec![format!(
                "{code} (\u{201c}{}\u{201d}) on {site} is now yours.",
                row.subject
            )],
        ),
        _ => (
            format!("[{code}] SLA warning: {}", row.subject),
            vec![format!(
                "{code} (\u{201c}{}\u{201d}) on {site} missed its {} target.",
                row.subject,
                row.body.replace('_', " ")
            )],
        ),
    };
    let text = format!("{}\r\n\r\n{site}\r\n", lines.join("\r\n\r\n"));
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">",
    );
    for line in &lines {
        html.push_str("<p>");
        html.push_str(&escape_html(line).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    html.push_str(&format!(
        "<p style=\"color:#555\">{}</p></body></html>",
        escape_html(site)
    ));
    (subject, text, html)
}

/// HTML text with every character that could start markup or end an attribute escaped.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `Name <address>`: the name as a quoted string when it is plain ASCII, else an RFC 2047
/// encoded word (which also keeps line breaks and quotes from reaching the header).
fn mailbox(name: &str, address: &str) -> String {
    let plain = name.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !name.is_empty();
    if plain {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{address}>")
    } else {
        format!("{} <{address}>", encode_word(name))
    }
}

/// Header text: as is when it is printable ASCII, else RFC 2047 `=?utf-8?B?…?=` words of at
/// most 45 bytes each (whole characters; under 76 characters per word), folded.
fn encode_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_graphic() || c == ' ') && s.len() <= 900 {
        return s.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        // A control character (a newline from a visitor's subject) never reaches a header.
        let c = if c.is_control() { ' ' } else { c };
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?utf-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?utf-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

/// Base64 in lines of 76 characters, each ended by CRLF (RFC 2045).
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        // Base64 is ASCII.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// `Mon, 07 Dec 2026 17:28:42 +0000`.
fn rfc5322_date(now: Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = now.to_rfc3339();
    let weekday = DAYS[now.millis().div_euclid(86_400_000).rem_euclid(7) as usize];
    let month: usize = iso[5..7].parse().unwrap_or(1);
    format!(
        "{weekday}, {} {} {} {} +0000",
        &iso[8..10],
        MONTHS[month.clamp(1, 12) - 1],
        &iso[0..4],
        &iso[11..19]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_words() {
        // 2026-12-07 was a Monday.
        let t = Timestamp::from_millis(1_796_664_522_000);
        assert_eq!(rfc5322_date(t), "Mon, 07 Dec 2026 17:28:42 +0000");
        assert_eq!(encode_word("Plain"), "Plain");
        assert_eq!(encode_word("Café"), "=?utf-8?B?Q2Fmw6k=?=");
        let injected = encode_word("a\r\nBcc: x@y");
        assert!(injected.starts_with("=?utf-8?B?") && !injected.contains("Bcc"));
        assert_eq!(mailbox("A \"B\"", "x@y"), "\"A \\\"B\\\"\" <x@y>");
    }
}
