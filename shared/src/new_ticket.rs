//! A create-ticket request, parsed: the one value every creation path hands to the service.

use std::collections::BTreeMap;

use crate::FieldError;
use crate::api::{CreateTicketRequest, TranscriptAuthor, field};
use crate::field_error::bounded_text;
use crate::requester::{Email, RequesterName};
use crate::ticket_text::{Description, Subject};

/// Who the ticket is for. Either part may be absent unless the site requires contact info, in
/// which case `NewTicket::parse` guarantees both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requester {
    pub name: Option<RequesterName>,
    pub email: Option<Email>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptLine {
    pub author: TranscriptAuthor,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub subject: Subject,
    pub description: Description,
    pub requester: Requester,
    pub transcript: Vec<TranscriptLine>,
}

/// Every refused field at once, keyed by its JSON path, so a form can mark them all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub BTreeMap<&'static str, FieldError>);

impl NewTicket {
    pub const MAX_TRANSCRIPT_LINES: usize = 500;
    pub const MAX_TRANSCRIPT_LINE_CHARS: usize = 4_000;

    pub fn parse(
        req: &CreateTicketRequest,
        contact_required: bool,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = BTreeMap::new();

        let subject = record(&mut errors, field::SUBJECT, Subject::parse(&req.subject));
        let description = record(
            &mut errors,
            field::DESCRIPTION,
            Description::parse(&req.description),
        );
        let given = req.requester.clone().unwrap_or_default();
        // An empty optional field is simply absent; a non-empty one must be valid.
        let optional = |raw: &str| !contact_required && raw.trim().is_empty();
        let name = if optional(&given.name) {
            Some(None)
        } else {
            record(
                &mut errors,
                field::REQUESTER_NAME,
                RequesterName::parse(&given.name),
            )
            .map(Some)
        };
        let email = if optional(&given.email) {
            Some(None)
        } else {
            record(
                &mut errors,
                field::REQUESTER_EMAIL,
                Email::parse(&given.email),
            )
            .map(Some)
        };
        let transcript = record(&mut errors, field::TRANSCRIPT, parse_transcript(req));

        match (subject, description, name, email, transcript) {
            (Some(subject), Some(description), Some(name), Some(email), Some(transcript)) => {
                Ok(Self {
                    subject,
                    description,
                    requester: Requester { name, email },
                    transcript,
                })
            }
            _ => Err(ValidationErrors(errors)),
        }
    }
}

/// Keeps the value of a field that parsed; files the error of one that did not.
fn record<T>(
    errors: &mut BTreeMap<&'static str, FieldError>,
    key: &'static str,
    result: Result<T, FieldError>,
) -> Option<T> {
    result.map_err(|e| errors.insert(key, e)).ok()
}

fn parse_transcript(req: &CreateTicketRequest) -> Result<Vec<TranscriptLine>, FieldError> {
    if req.transcript.len() > NewTicket::MAX_TRANSCRIPT_LINES {
        return Err(FieldError::TooLong {
            max: NewTicket::MAX_TRANSCRIPT_LINES,
        });
    }
    req.transcript
        .iter()
        .map(|entry| {
            let text = bounded_text(&entry.text, NewTicket::MAX_TRANSCRIPT_LINE_CHARS, true)?;
            Ok(TranscriptLine {
                author: entry.author,
                text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{RequesterInput, TranscriptEntry};

    fn request(subject: &str, name: &str, email: &str) -> CreateTicketRequest {
        CreateTicketRequest {
            subject: subject.into(),
            description: "It broke.".into(),
            requester: Some(RequesterInput {
                name: name.into(),
                email: email.into(),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_request_parses() {
        let t = NewTicket::parse(&request(" Refund ", "Ada", "ada@example.com"), true).unwrap();
        assert_eq!(t.subject.as_ref(), "Refund");
        assert_eq!(t.requester.name.unwrap().as_ref(), "Ada");
        assert_eq!(t.requester.email.unwrap().as_ref(), "ada@example.com");
    }

    #[test]
    fn contact_is_enforced_only_when_required() {
        let anonymous = CreateTicketRequest {
            subject: "Hi".into(),
            ..Default::default()
        };
        let t = NewTicket::parse(&anonymous, false).unwrap();
        assert_eq!(t.requester, Requester::default());

        let errors = NewTicket::parse(&anonymous, true).unwrap_err().0;
        assert_eq!(
            errors.get(field::REQUESTER_NAME),
            Some(&FieldError::Required)
        );
        assert_eq!(
            errors.get(field::REQUESTER_EMAIL),
            Some(&FieldError::Required)
        );
    }

    #[test]
    fn an_optional_email_given_must_still_be_valid() {
        let errors = NewTicket::parse(&request("Hi", "", "nope"), false)
            .unwrap_err()
            .0;
        assert_eq!(
            errors.into_iter().collect::<Vec<_>>(),
            vec![(field::REQUESTER_EMAIL, FieldError::InvalidEmail)]
        );
    }

    #[test]
    fn all_errors_are_reported_together() {
        let mut req = request("", "", "bad");
        req.transcript = vec![TranscriptEntry {
            author: TranscriptAuthor::Bot,
            text: " ".into(),
        }];
        let errors = NewTicket::parse(&req, true).unwrap_err().0;
        let keys: Vec<_> = errors.keys().copied().collect();
        assert_eq!(
            keys,
            vec![
                field::REQUESTER_EMAIL,
                field::REQUESTER_NAME,
                field::SUBJECT,
                field::TRANSCRIPT
            ]
        );
    }

    #[test]
    fn transcript_is_bounded() {
        let mut req = request("Hi", "Ada", "a@b.co");
        let line = TranscriptEntry {
            author: TranscriptAuthor::Visitor,
            text: "hello".into(),
        };
        req.transcript = vec![line.clone(); NewTicket::MAX_TRANSCRIPT_LINES];
        assert_eq!(NewTicket::parse(&req, false).unwrap().transcript.len(), 500);
        req.transcript.push(line);
        let errors = NewTicket::parse(&req, false).unwrap_err().0;
        assert_eq!(
            errors.get(field::TRANSCRIPT),
            Some(&FieldError::TooLong { max: 500 })
        );
    }
}
