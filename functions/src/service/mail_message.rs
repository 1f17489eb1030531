//! An inbound e-mail, parsed (RFC 5322 and MIME, by `mail-parser`) into what the Worker acts
//! on: the sender, subject, Message-ID, the text (text/plain, or text/html as text), the
//! attachments' names and sizes, and what kind of mail it is — a person's, an automatic
//! reply (dropped: answering it could loop), or a delivery failure report (a bounce). Pure:
//! bytes in, a value out.

use mail_parser::{Address, MessageParser, MimeHeaders};
use thiserror::Error;
use ticketbooth_shared::event::EmailAttachment;

/// Larger messages are refused before parsing (Email Routing itself takes up to 25 MiB).
pub const MAX_RAW_BYTES: usize = 10 * 1024 * 1024;
/// More text than this is refused: no reply a person writes is this long.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MailError {
    #[error("the message is larger than {} MiB", MAX_RAW_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the message's text is longer than {} KiB", MAX_TEXT_BYTES / 1024)]
    TextTooLong,
    #[error("the message could not be read as e-mail")]
    Unreadable,
}

/// What kind of mail arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailKind {
    /// Written by a person.
    Person,
    /// Sent by a machine on its own (vacation notices, list mail, delay reports): `why` names
    /// the rule that saw it.
    Automatic { why: &'static str },
    /// A report that delivery failed for good: `recipient` is the address that failed, when
    /// the report names it.
    Bounce {
        recipient: Option<String>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// The `From:` address, lower-cased; `None` when the header has none.
    pub from: Option<String>,
    /// The `From:` display name, when it has one.
    pub from_name: Option<String>,
    pub subject: String,
    pub message_id: Option<String>,
    /// The body as text, whole (quoted history still in it: `quoted_text::strip`).
    pub text: String,
    pub attachments: Vec<EmailAttachment>,
    pub kind: MailKind,
}

/// Parses `raw`; `envelope_from` is the SMTP sender (MAIL FROM), empty for bounces.
pub fn parse(raw: &[u8], envelope_from: &str) -> Result<InboundMail, MailError> {
    if raw.len() > MAX_RAW_BYTES {
        return Err(MailError::TooLarge);
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(MailError::Unreadable)?;
    // A message without a single header is not mail (mail-parser reads anything).
    if message.headers().is_empty() {
        return Err(MailError::Unreadable);
    }
    let sender = message.from().and_then(Address::first);
    let from = sender
        .and_then(|a| a.address())
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| a.contains('@'));
    let from_name = sender
        .and_then(|a| a.name())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    if text.len() > MAX_TEXT_BYTES {
        return Err(MailError::TextTooLong);
    }
    let attachments = message
        .attachments()
        .filter(|part| !is_report_part(part))
        .map(|part| EmailAttachment {
            name: part.attachment_name().unwrap_or("attachment").to_owned(),
            bytes: part.len() as u64,
        })
        .collect();
    let header = |name: &'static str| message.header_raw(name).map(str::trim);
    let report = message
        .parts
        .iter()
        .find(|p| p.is_content_type("message", "delivery-status"))
        .and_then(|p| p.text_contents())
        .map(str::to_owned);
    let kind = classify(&Headers {
        envelope_from,
        from: from.as_deref(),
        content_type_report: message.content_type().is_some_and(|ct| {
            ct.c_type.eq_ignore_ascii_case("multipart")
                && ct
                    .c_subtype
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        }),
        delivery_status: report.as_deref(),
        auto_submitted: header("Auto-Submitted"),
        precedence: header("Precedence"),
        x_autoreply: header("X-Autoreply").or(header("X-Autorespond")),
        x_auto_response_suppress: header("X-Auto-Response-Suppress"),
        return_path: header("Return-Path"),
    });
    Ok(InboundMail {
        from,
        from_name,
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        message_id: message.message_id().map(str::to_owned),
        text,
        attachments,
        kind,
    })
}

/// The delivery report itself is not an attachment of the customer's.
fn is_report_part(part: &mail_parser::MessagePart<'_>) -> bool {
    part.is_content_type("message", "delivery-status")
        || part.is_content_type("message", "rfc822-headers")
}

/// The headers loop detection reads, raw and trimmed.
#[derive(Debug, Default)]
pub struct Headers<'a> {
    pub envelope_from: &'a str,
    pub from: Option<&'a str>,
    /// `Content-Type: multipart/report`.
    pub content_type_report: bool,
    /// The `message/delivery-status` part's text.
    pub delivery_status: Option<&'a str>,
    pub auto_submitted: Option<&'a str>,
    pub precedence: Option<&'a str>,
    pub x_autoreply: Option<&'a str>,
    pub x_auto_response_suppress: Option<&'a str>,
    pub return_path: Option<&'a str>,
}

/// The loop rules: a delivery report that says delivery failed is a bounce; anything else a
/// machine sent by itself (RFC 3834's Auto-Submitted, Precedence, the vendors' X- headers, a
/// null sender, a mailer daemon) is automatic; the rest is a person's.
pub fn classify(h: &Headers<'_>) -> MailKind {
    let null_sender = {
        let e = h.envelope_from.trim();
        e.is_empty() || e == "<>"
    } || h.return_path.is_some_and(|r| r.trim() == "<>");
    let daemon = h.from.is_some_and(|f| {
        let local = f.split('@').next().unwrap_or_default();
        local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
    });
    if let Some(status) = h.delivery_status {
        let failed = field_values(status, "Action").any(|a| a.eq_ignore_ascii_case("failed"))
            || field_values(status, "Status").any(|s| s.starts_with('5'));
        if failed {
            let recipient = field_values(status, "Final-Recipient")
                .chain(field_values(status, "Original-Recipient"))
                .filter_map(address_of_recipient)
                .next();
            let reason = field_values(status, "Diagnostic-Code")
                .chain(field_values(status, "Status"))
                .next()
                .unwrap_or("delivery failed")
                .chars()
                .take(200)
                .collect();
            return MailKind::Bounce { recipient, reason };
        }
        return MailKind::Automatic {
            why: "delivery report",
        };
    }
    if h.content_type_report || daemon {
        // A report without a readable status (or a daemon's note): a bounce we cannot pin on
        // an address is still never answered.
        return MailKind::Bounce {
            recipient: None,
            reason: "delivery failed".into(),
        };
    }
    if h.auto_submitted.is_some_and(|v| {
        !v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("no")
    }) {
        return MailKind::Automatic {
            why: "auto-submitted",
        };
    }
    if h.precedence.is_some_and(|p| {
        ["bulk", "auto_reply", "junk", "list"]
            .iter()
            .any(|k| p.eq_ignore_ascii_case(k))
    }) {
        return MailKind::Automatic { why: "precedence" };
    }
    if h.x_autoreply.is_some() {
        return MailKind::Automatic { why: "x-autoreply" };
    }
    if h.x_auto_response_suppress.is_some_and(|v| {
        let v = v.to_ascii_lowercase();
        v.contains("all") || v.contains("oof") || v.contains("autoreply")
    }) {
        return MailKind::Automatic {
            why: "x-auto-response-suppress",
        };
    }
    if null_sender {
        return MailKind::Automatic { why: "null sender" };
    }
    MailKind::Person
}

/// The values of `name:` fields in a delivery status (RFC 3464: one block per recipient).
fn field_values<'a>(status: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    status.lines().filter_map(move |line| {
        let (field, value) = line.split_once(':')?;
        field
            .trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim())
    })
}

/// `rfc822; jane@example.com` → `jane@example.com`, lower-cased.
fn address_of_recipient(value: &str) -> Option<String> {
    let address = value.split_once(';').map_or(value, |(_, a)| a).trim();
    let address = address.trim_matches(|c| c == '<' || c == '>');
    (address.contains('@') && address.len() <= 254).then(|| address.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(raw: &str) -> InboundMail {
        parse(raw.as_bytes(), "jane@example.com").expect("parses")
    }

    #[test]
    fn reads_sender_subject_id_and_text() {
        let m = person(
            "From: \"Jane Doe\" <Jane@Example.com>\r\nTo: t-0123@mail.example.com\r\nSubject: Re: [TKT-42] Login\r\nMessage-ID: <abc@example.com>\r\nIn-Reply-To: <x@mail.example.com>\r\n\r\nIt works.\r\n",
        );
        assert_eq!(m.from.as_deref(), Some("jane@example.com"));
        assert_eq!(m.from_name.as_deref(), Some("Jane Doe"));
        assert_eq!(m.subject, "Re: [TKT-42] Login");
        assert_eq!(m.message_id.as_deref(), Some("abc@example.com"));
        assert_eq!(m.text.trim(), "It works.");
        assert_eq!(m.kind, MailKind::Person);
    }

    #[test]
    fn html_only_becomes_text_and_attachments_are_listed() {
        let m = person(concat!(
            "From: jane@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
            "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>there</b></p>\r\n",
            "--b\r\nContent-Type: image/png; name=\"shot.png\"\r\n",
            "Content-Disposition: attachment; filename=\"shot.png\"\r\n",
            "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
        ));
        assert!(m.text.contains("Hello"), "{:?}", m.text);
        assert!(!m.text.contains("<p>"), "{:?}", m.text);
        assert_eq!(
            m.attachments,
            vec![EmailAttachment {
                name: "shot.png".into(),
                bytes: 8
            }]
        );
    }

    #[test]
    fn size_limits_refuse() {
        let big = vec![b'a'; MAX_RAW_BYTES + 1];
        assert_eq!(parse(&big, "x@y").unwrap_err(), MailError::TooLarge);
        let long = format!("From: a@b.c\r\n\r\n{}", "x".repeat(MAX_TEXT_BYTES + 1));
        assert_eq!(
            parse(long.as_bytes(), "a@b.c").unwrap_err(),
            MailError::TextTooLong
        );
        assert_eq!(parse(b"", "a@b.c").unwrap_err(), MailError::Unreadable);
    }

    #[test]
    fn auto_replies_are_automatic() {
        for header in [
            "Auto-Submitted: auto-replied",
            "Auto-Submitted: auto-generated; owner-email=x@y",
            "Precedence: bulk",
            "Precedence: auto_reply",
            "Precedence: junk",
            "X-Autoreply: yes",
            "X-Auto-Response-Suppress: All",
            "X-Auto-Response-Suppress: OOF",
            "Return-Path: <>",
        ] {
            let m = person(&format!(
                "From: jane@example.com\r\n{header}\r\nSubject: Out of office\r\n\r\nAway.\r\n"
            ));
            assert!(matches!(m.kind, MailKind::Automatic { .. }), "{header}");
        }
        let m = person("From: jane@example.com\r\nAuto-Submitted: no\r\n\r\nHi\r\n");
        assert_eq!(m.kind, MailKind::Person);
        let m = parse(b"From: jane@example.com\r\n\r\nHi\r\n", "").unwrap();
        assert!(matches!(m.kind, MailKind::Automatic { why: "null sender" }));
    }

    const DSN: &str = concat!(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\r\n",
        "To: t-0123@mail.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n",
        "--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n",
        "--r\r\nContent-Type: message/delivery-status\r\n\r\n",
        "Reporting-MTA: dns; mx.example.org\r\n\r\n",
        "Final-Recipient: rfc822; Gone@Example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n",
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n",
        "--r\r\nContent-Type: message/rfc822-headers\r\n\r\nSubject: [TKT-42] We have your ticket\r\n",
        "--r--\r\n"
    );

    #[test]
    fn a_delivery_failure_is_a_bounce_naming_the_recipient() {
        let m = parse(DSN.as_bytes(), "").unwrap();
        assert_eq!(
            m.kind,
            MailKind::Bounce {
                recipient: Some("gone@example.org".into()),
                reason: "smtp; 550 5.1.1 user unknown".into()
            }
        );
        assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    }

    #[test]
    fn a_delay_report_is_automatic_not_a_bounce() {
        let delayed = DSN
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1")
            .replace("Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n", "");
        let m = parse(delayed.as_bytes(), "").unwrap();
        assert!(matches!(m.kind, MailKind::Automatic { .. }), "{:?}", m.kind);
    }

    #[test]
    fn a_mailer_daemon_without_a_report_is_a_bounce() {
        let m = parse(
            b"From: MAILER-DAEMON@mx.example.org\r\nSubject: failure\r\n\r\nNo such user\r\n",
            "",
        )
        .unwrap();
        assert!(matches!(
            m.kind,
            MailKind::Bounce {
                recipient: None,
                ..
            }
        ));
    }
}
