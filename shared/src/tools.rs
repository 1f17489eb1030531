//! The bot tools — `open_ticket` and `get_ticket_status` — as one table of parameters from
//! which both the argument parsers and the JSON Schemas are made: an OpenAI function in strict
//! mode (every property required, optional ones nullable, no other properties) and an
//! Anthropic tool (`input_schema`). A test checks that the parsers read exactly the table's
//! names, so a schema can never promise a field the validation ignores.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::api::CreateTicketRequest;
use crate::api::RequesterInput;
use crate::classification::{self, Classification, Intent, Topic};
use crate::new_ticket::{NewTicket, ValidationErrors};
use crate::priority::Priority;
use crate::requester::{Email, RequesterName};
use crate::ticket_code::TicketCode;
use crate::ticket_text::{Description, Subject, Summary};

/// What kind of site it is: help centres get the ticketing tools unless they opt out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vertical {
    HelpCenter,
    Other,
}

impl Vertical {
    pub const ALL: [Vertical; 2] = [Vertical::HelpCenter, Vertical::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Vertical::HelpCenter => "help_center",
            Vertical::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Vertical::ALL
            .into_iter()
            .find(|v| v.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }
}

/// The capability the two tools belong to.
pub const TICKETING: &str = "ticketing";

/// A site's capabilities: its vertical's defaults, with the site's overrides on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    pub vertical: Vertical,
    pub overrides: BTreeMap<String, bool>,
}

impl Capabilities {
    /// Whether `ticketing` (the tools `open_ticket` and `get_ticket_status`) is on: by default
    /// for help centres, opt-in for others.
    pub fn ticketing(&self) -> bool {
        self.overrides
            .get(TICKETING)
            .copied()
            .unwrap_or(self.vertical == Vertical::HelpCenter)
    }
}

/// The tools a bot may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    OpenTicket,
    GetTicketStatus,
}

impl Tool {
    pub const ALL: [Tool; 2] = [Tool::OpenTicket, Tool::GetTicketStatus];

    pub fn name(self) -> &'static str {
        match self {
            Tool::OpenTicket => "open_ticket",
            Tool::GetTicketStatus => "get_ticket_status",
        }
    }

    pub fn parse(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            Tool::OpenTicket => "Open a support ticket",
            Tool::GetTicketStatus => "Get a ticket's status",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Tool::OpenTicket => {
                "Open a support ticket for the site's team when the visitor's problem needs \
                 follow-up by a human (billing, bugs, account changes, anything you cannot solve \
                 in the chat). Summarise the problem in the subject and description in the \
                 visitor's words. If the result says contact details are missing, ask the \
                 visitor for them and call again. Returns the ticket's code and a sentence you \
                 can say to the visitor."
            }
            Tool::GetTicketStatus => {
                "Look up the status of a ticket by its code (such as TKT-42), when the visitor \
                 asks about a ticket they opened. Outside a chat with its visitor, the \
                 requester's email must be given and must match the ticket."
            }
        }
    }

    pub fn params(self) -> &'static [Param] {
        match self {
            Tool::OpenTicket => OPEN_TICKET,
            Tool::GetTicketStatus => GET_TICKET_STATUS,
        }
    }

    /// The tool as an OpenAI Chat Completions function, strict mode.
    pub fn openai(self) -> OpenAiTool {
        OpenAiTool {
            kind: "function",
            function: OpenAiFunction {
                name: self.name(),
                description: self.description(),
                strict: true,
                parameters: schema(self.params(), Flavor::Strict),
            },
        }
    }

    /// The tool as an Anthropic Messages API tool (also the MCP tool's `inputSchema`).
    pub fn anthropic(self) -> AnthropicTool {
        AnthropicTool {
            name: self.name(),
            description: self.description(),
            input_schema: schema(self.params(), Flavor::Standard),
        }
    }
}

/// One argument of a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    /// The model must give a value; otherwise the argument may be null or left out.
    pub required: bool,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line (`multiline: false`) or prose, at most `max` characters.
    Text {
        max: usize,
        multiline: bool,
    },
    Email,
    Priority,
    TicketCode,
}

const OPEN_TICKET: &[Param] = &[
    Param {
        name: "subject",
        kind: Kind::Text {
            max: Subject::MAX_CHARS,
            multiline: false,
        },
        required: true,
        description: "A short title for the team, one line.",
    },
    Param {
        name: "description",
        kind: Kind::Text {
            max: Description::MAX_CHARS,
            multiline: true,
        },
        required: true,
        description: "What the visitor needs, with the details they gave (order numbers, \
                      error messages, what they tried).",
    },
    Param {
        name: "priority",
        kind: Kind::Priority,
        required: false,
        description: "How urgent it is for the visitor: low, normal (the default), high or \
                      urgent (something is broken or money is at stake).",
    },
    Param {
        name: "summary",
        kind: Kind::Text {
            max: Summary::MAX_CHARS,
            multiline: true,
        },
        required: false,
        description: "Your summary of the conversation so far, for the team.",
    },
    Param {
        name: "requester_name",
        kind: Kind::Text {
            max: RequesterName::MAX_CHARS,
            multiline: false,
        },
        required: false,
        description: "The visitor's name, if they gave it.",
    },
    Param {
        name: "requester_email",
        kind: Kind::Email,
        required: false,
        description: "The visitor's email address, if they gave it.",
    },
    Param {
        name: "topic",
        kind: Kind::Text {
            max: classification::MAX_CHARS,
            multiline: false,
        },
        required: false,
        description: "What the ticket is about, as one lower-case snake_case word or two \
                      (billing, shipping, account, login). Reuse the site's usual topics.",
    },
    Param {
        name: "intent",
        kind: Kind::Text {
            max: classification::MAX_CHARS,
            multiline: false,
        },
        required: false,
        description: "What the visitor wants done, in lower-case snake_case (refund_request, \
                      bug_report, cancel_subscription, question).",
    },
];

const GET_TICKET_STATUS: &[Param] = &[
    Param {
        name: "code",
        kind: Kind::TicketCode,
        required: true,
        description: "The ticket's code as the visitor gives it, such as TKT-42.",
    },
    Param {
        name: "requester_email",
        kind: Kind::Email,
        required: false,
        description: "The email the ticket was opened with. Required outside a chat with the \
                      ticket's own visitor.",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// OpenAI strict mode: every property listed in `required`, optional ones nullable, and
    /// none of the keywords strict mode does not take (limits go in the description).
    Strict,
    /// Plain JSON Schema (Anthropic, MCP): only true requirements in `required`, with limits.
    Standard,
}

fn schema(params: &'static [Param], flavor: Flavor) -> ObjectSchema {
    let properties = params
        .iter()
        .map(|p| (p.name, property(p, flavor)))
        .collect();
    let required = params
        .iter()
        .filter(|p| flavor == Flavor::Strict || p.required)
        .map(|p| p.name)
        .collect();
    ObjectSchema {
        kind: "object",
        properties,
        required,
        additional_properties: false,
    }
}

fn property(p: &Param, flavor: Flavor) -> PropertySchema {
    let nullable = flavor == Flavor::Strict && !p.required;
    let standard = flavor == Flavor::Standard;
    let (max_length, format, enumeration) = match p.kind {
        Kind::Text { max, .. } => (standard.then_some(max), None, None),
        Kind::Email => (None, standard.then_some("email"), None),
        Kind::TicketCode => (None, None, None),
        Kind::Priority => {
            let mut values: Vec<Option<&'static str>> =
                Priority::ALL.iter().map(|p| Some(p.as_str())).collect();
            if nullable {
                values.push(None);
            }
            (None, None, Some(values))
        }
    };
    let description = match (flavor, p.kind) {
        (Flavor::Strict, Kind::Text { max, .. }) => {
            PropertyDescription::Limited(p.description, max)
        }
        _ => PropertyDescription::Plain(p.description),
    };
    PropertySchema {
        kind: if nullable {
            SchemaType::Nullable(["string", "null"])
        } else {
            SchemaType::One("string")
        },
        description,
        max_length,
        format,
        enumeration,
    }
}

// The wire shapes of a tool's definition, shared by the bots' tools and the operators'
// (`operator_tools`): `P` is a property's schema (the operators' may also be arrays).

/// `{"type": "function", "function": {...}}`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenAiTool<P = PropertySchema> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: OpenAiFunction<P>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenAiFunction<P = PropertySchema> {
    pub name: &'static str,
    pub description: &'static str,
    pub strict: bool,
    pub parameters: ObjectSchema<P>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnthropicTool<P = PropertySchema> {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: ObjectSchema<P>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectSchema<P = PropertySchema> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub properties: BTreeMap<&'static str, P>,
    pub required: Vec<&'static str>,
    #[serde(rename = "additionalProperties")]
    pub additional_properties: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertySchema {
    #[serde(rename = "type")]
    pub kind: SchemaType,
    pub description: PropertyDescription,
    #[serde(rename = "maxLength", skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<Vec<Option<&'static str>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SchemaType {
    One(&'static str),
    Nullable([&'static str; 2]),
}

/// A description, with the length limit spelled out where the schema cannot carry it.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyDescription {
    Plain(&'static str),
    Limited(&'static str, usize),
}

impl Serialize for PropertyDescription {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PropertyDescription::Plain(text) => s.serialize_str(text),
            PropertyDescription::Limited(text, max) => {
                s.collect_str(&format_args!("{text} At most {max} characters."))
            }
        }
    }
}

/// `open_ticket`'s arguments as they arrive (every one may be missing or null; unknown ones
/// are refused, as the schema's `additionalProperties: false` says).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenTicketInput {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub priority: Option<String>,
    pub summary: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub topic: Option<String>,
    pub intent: Option<String>,
}

/// `open_ticket`'s arguments, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTicketArgs {
    pub ticket: NewTicket,
    pub priority: Priority,
    pub summary: Option<Summary>,
    /// The topic and intent the model gave, normalised (`classification`).
    pub classification: Classification,
}

impl OpenTicketInput {
    /// Parses into a ticket (contact details checked when given; whether they are required is
    /// the site's rule, which the service applies: see `missing_contact`).
    pub fn parse(&self) -> Result<OpenTicketArgs, ValidationErrors> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let request = CreateTicketRequest {
            subject: text(&self.subject),
            description: text(&self.description),
            requester: Some(RequesterInput {
                name: text(&self.requester_name),
                email: text(&self.requester_email),
            }),
            ..Default::default()
        };
        let ticket = NewTicket::parse(&request, false);
        let mut errors = ticket.as_ref().err().cloned().unwrap_or_default();
        // A ticket may have an empty description; a tool call must say what the problem is.
        if present(&self.description).is_none() {
            errors.0.insert("description", FieldError::Required);
        }
        // The tool's names, not the widget's `requester.name`.
        rename(&mut errors, "requester.name", "requester_name");
        rename(&mut errors, "requester.email", "requester_email");
        let priority = match present(&self.priority) {
            None => Some(Priority::Normal),
            Some(raw) => Priority::parse(raw)
                .map_err(|e| errors.0.insert("priority", e))
                .ok(),
        };
        let summary = match present(&self.summary) {
            None => Some(None),
            Some(raw) => Summary::parse(raw)
                .map(Some)
                .map_err(|e| errors.0.insert("summary", e))
                .ok(),
        };
        let topic = Classification::optional(present(&self.topic), Topic::parse)
            .map_err(|e| errors.0.insert("topic", e))
            .ok();
        let intent = Classification::optional(present(&self.intent), Intent::parse)
            .map_err(|e| errors.0.insert("intent", e))
            .ok();
        match (ticket, priority, summary, topic, intent) {
            (Ok(ticket), Some(priority), Some(summary), Some(topic), Some(intent))
                if errors.0.is_empty() =>
            {
                Ok(OpenTicketArgs {
                    ticket,
                    priority,
                    summary,
                    classification: Classification { topic, intent },
                })
            }
            _ => Err(errors),
        }
    }
}

impl OpenTicketArgs {
    /// The contact fields a site that requires them still lacks, by their tool names.
    pub fn missing_contact(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.ticket.requester.name.is_none() {
            missing.push("requester_name");
        }
        if self.ticket.requester.email.is_none() {
            missing.push("requester_email");
        }
        missing
    }
}

/// `get_ticket_status`'s arguments as they arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketStatusInput {
    pub code: Option<String>,
    pub requester_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketStatusArgs {
    pub code: TicketCode,
    pub requester_email: Option<Email>,
}

impl TicketStatusInput {
    pub fn parse(&self) -> Result<TicketStatusArgs, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let code = match present(&self.code) {
            None => {
                errors.0.insert("code", FieldError::Required);
                None
            }
            Some(raw) => TicketCode::parse(&raw.trim().to_ascii_uppercase())
                .map_err(|e| errors.0.insert("code", e))
                .ok(),
        };
        let email = match present(&self.requester_email) {
            None => Some(None),
            Some(raw) => Email::parse(raw)
                .map(Some)
                .map_err(|e| errors.0.insert("requester_email", e))
                .ok(),
        };
        match (code, email) {
            (Some(code), Some(requester_email)) => Ok(TicketStatusArgs {
                code,
                requester_email,
            }),
            _ => Err(errors),
        }
    }
}

/// `hand_off`: the model passes the conversation to a person (the visitor asked for one, or
/// it cannot help). Offered only to the site's bot inside a conversation, next to the
/// ticketing tools — never over the tool routes or MCP, where there is no conversation to
/// hand over — so it is not one of `Tool::ALL`.
pub struct HandOff;

impl HandOff {
    pub const NAME: &'static str = "hand_off";

    /// The most of the model's reason kept (the rest is cut, never refused: a hand-off must
    /// not fail on its wording).
    pub const MAX_REASON_CHARS: usize = 500;

    pub const DESCRIPTION: &'static str = "Hand the conversation to a person from the team \
         when the visitor asks to talk to a human, or when you cannot help them. Give the \
         reason in a short sentence. After this call you stop answering in this conversation: \
         tell the visitor briefly that a person will follow up here.";

    pub fn params() -> &'static [Param] {
        HAND_OFF
    }

    /// The tool as an OpenAI Chat Completions function, strict mode.
    pub fn openai() -> OpenAiTool {
        OpenAiTool {
            kind: "function",
            function: OpenAiFunction {
                name: Self::NAME,
                description: Self::DESCRIPTION,
                strict: true,
                parameters: schema(HAND_OFF, Flavor::Strict),
            },
        }
    }
}

const HAND_OFF: &[Param] = &[
    Param {
        name: "reason",
        kind: Kind::Text {
            max: HandOff::MAX_REASON_CHARS,
            multiline: false,
        },
        required: true,
        description: "Why the conversation needs a person, in one sentence for the team.",
    },
    Param {
        name: "topic",
        kind: Kind::Text {
            max: classification::MAX_CHARS,
            multiline: false,
        },
        required: false,
        description: "What the conversation is about, as open_ticket's topic (billing, \
                      shipping, account), when you can tell; it classifies the ticket the \
                      hand-off opens.",
    },
    Param {
        name: "intent",
        kind: Kind::Text {
            max: classification::MAX_CHARS,
            multiline: false,
        },
        required: false,
        description: "What the visitor wants, as open_ticket's intent (refund_request, \
                      bug_report), when you can tell.",
    },
];

/// `hand_off`'s arguments as they arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HandOffInput {
    pub reason: Option<String>,
    pub topic: Option<String>,
    pub intent: Option<String>,
}

/// `hand_off`'s arguments, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOffArgs {
    /// On one line, cut to `HandOff::MAX_REASON_CHARS`.
    pub reason: String,
    /// The model's topic and intent for the ticket the hand-off opens. One that is not a slug
    /// is left out rather than refused: a hand-off must not fail on its wording.
    pub classification: Classification,
}

impl HandOffInput {
    /// The reason (required) and the classification the model gave, if any.
    pub fn parse_args(&self) -> Result<HandOffArgs, ValidationErrors> {
        let reason = self.parse()?;
        let classification = Classification {
            topic: Classification::optional(present(&self.topic), Topic::parse)
                .ok()
                .flatten(),
            intent: Classification::optional(present(&self.intent), Intent::parse)
                .ok()
                .flatten(),
        };
        Ok(HandOffArgs {
            reason,
            classification,
        })
    }

    /// The reason, on one line, cut to `HandOff::MAX_REASON_CHARS`; required.
    pub fn parse(&self) -> Result<String, ValidationErrors> {
        let Some(raw) = present(&self.reason) else {
            let mut errors = ValidationErrors::default();
            errors.0.insert("reason", FieldError::Required);
            return Err(errors);
        };
        let one_line: String = raw
            .split(char::is_control)
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        Ok(one_line.chars().take(HandOff::MAX_REASON_CHARS).collect())
    }
}

/// A value that is there: not missing, not null, not blank.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

fn rename(errors: &mut ValidationErrors, from: &'static str, to: &'static str) {
    if let Some(e) = errors.0.remove(from) {
        errors.0.insert(to, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter of the table, set: the input type must accept each name (deny_unknown_fields
    /// refuses one it does not read), and must have no field the table lacks.
    #[test]
    fn the_parsers_read_exactly_the_schemas_names() {
        for tool in Tool::ALL {
            let object: serde_json::Map<String, serde_json::Value> = tool
                .params()
                .iter()
                .map(|p| (p.name.to_owned(), serde_json::Value::String("x".into())))
                .collect();
            let value = serde_json::Value::Object(object.clone());
            match tool {
                Tool::OpenTicket => {
                    let input: OpenTicketInput = serde_json::from_value(value).unwrap();
                    let all_set = [
                        &input.subject,
                        &input.description,
                        &input.priority,
                        &input.summary,
                        &input.requester_name,
                        &input.requester_email,
                        &input.topic,
                        &input.intent,
                    ];
                    assert!(all_set.iter().all(|v| v.is_some()));
                    assert_eq!(all_set.len(), object.len());
                }
                Tool::GetTicketStatus => {
                    let input: TicketStatusInput = serde_json::from_value(value).unwrap();
                    assert!(input.code.is_some() && input.requester_email.is_some());
                    assert_eq!(object.len(), 2);
                }
            }
        }
        let extra = serde_json::json!({ "subject": "x", "colour": "red" });
        assert!(serde_json::from_value::<OpenTicketInput>(extra).is_err());
    }

    #[test]
    fn strict_schemas_list_every_property_as_required_and_nullable_when_optional() {
        let schema = serde_json::to_value(Tool::OpenTicket.openai()).unwrap();
        let parameters = &schema["function"]["parameters"];
        assert_eq!(schema["function"]["strict"], true);
        assert_eq!(parameters["additionalProperties"], false);
        let required: Vec<&str> = parameters["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(required.len(), OPEN_TICKET.len());
        assert_eq!(parameters["properties"]["subject"]["type"], "string");
        assert_eq!(
            parameters["properties"]["summary"]["type"],
            serde_json::json!(["string", "null"])
        );
        for optional in ["topic", "intent"] {
            assert!(required.contains(&optional), "{optional}");
            assert_eq!(
                parameters["properties"][optional]["type"],
                serde_json::json!(["string", "null"])
            );
        }
        assert_eq!(
            parameters["properties"]["priority"]["enum"],
            serde_json::json!(["low", "normal", "high", "urgent", null])
        );
        assert!(
            parameters["properties"]["subject"]
                .get("maxLength")
                .is_none()
        );
        assert!(
            parameters["properties"]["subject"]["description"]
                .as_str()
                .unwrap()
                .ends_with("At most 200 characters.")
        );

        let standard = serde_json::to_value(Tool::OpenTicket.anthropic()).unwrap();
        assert_eq!(
            standard["input_schema"]["required"],
            serde_json::json!(["subject", "description"])
        );
        assert_eq!(
            standard["input_schema"]["properties"]["subject"]["maxLength"],
            200
        );
        assert_eq!(
            standard["input_schema"]["properties"]["requester_email"]["format"],
            "email"
        );
    }

    #[test]
    fn open_ticket_arguments_parse_with_every_error_at_once() {
        let input = OpenTicketInput {
            subject: Some("Charged twice".into()),
            description: Some("Order 1234 was charged twice.".into()),
            priority: Some("high".into()),
            summary: None,
            requester_name: Some("Ada".into()),
            requester_email: None,
            topic: Some("Billing".into()),
            intent: Some("refund request".into()),
        };
        let args = input.parse().unwrap();
        assert_eq!(args.priority, Priority::High);
        assert_eq!(
            args.classification.topic.as_ref().map(AsRef::as_ref),
            Some("billing")
        );
        assert_eq!(
            args.classification.intent.as_ref().map(AsRef::as_ref),
            Some("refund_request")
        );
        assert_eq!(args.missing_contact(), ["requester_email"]);

        let bad = OpenTicketInput {
            subject: Some(" ".into()),
            priority: Some("whenever".into()),
            requester_email: Some("not an email".into()),
            intent: Some("refund/chargeback".into()),
            ..Default::default()
        };
        let errors = bad.parse().unwrap_err().0;
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            fields,
            [
                "description",
                "intent",
                "priority",
                "requester_email",
                "subject"
            ]
        );
    }

    #[test]
    fn ticketing_is_on_for_help_centres_and_opt_in_for_others() {
        let caps = |vertical, ticketing: Option<bool>| Capabilities {
            vertical,
            overrides: ticketing
                .map(|on| (TICKETING.to_owned(), on))
                .into_iter()
                .collect(),
        };
        assert!(caps(Vertical::HelpCenter, None).ticketing());
        assert!(!caps(Vertical::HelpCenter, Some(false)).ticketing());
        assert!(!caps(Vertical::Other, None).ticketing());
        assert!(caps(Vertical::Other, Some(true)).ticketing());
    }

    #[test]
    fn hand_off_takes_a_required_reason_on_one_line_cut_to_its_cap() {
        let schema = serde_json::to_value(HandOff::openai()).unwrap();
        assert_eq!(schema["function"]["name"], "hand_off");
        assert_eq!(
            schema["function"]["parameters"]["required"],
            serde_json::json!(["reason", "topic", "intent"])
        );
        assert_eq!(
            schema["function"]["parameters"]["properties"]["reason"]["type"],
            "string"
        );
        // Strict mode: the classification is listed as required, and nullable.
        for optional in ["topic", "intent"] {
            assert_eq!(
                schema["function"]["parameters"]["properties"][optional]["type"],
                serde_json::json!(["string", "null"])
            );
        }
        let args = HandOffInput {
            reason: Some("Refund".into()),
            topic: Some("Billing".into()),
            intent: Some("not a slug!".into()),
        }
        .parse_args()
        .unwrap();
        assert_eq!(
            args.classification.topic.as_ref().map(AsRef::as_ref),
            Some("billing")
        );
        assert_eq!(args.classification.intent, None, "a bad slug is left out");
        // Every parameter of the table is one the parser reads.
        let all: serde_json::Map<String, serde_json::Value> = HandOff::params()
            .iter()
            .map(|p| (p.name.to_owned(), "x".into()))
            .collect();
        assert!(serde_json::from_value::<HandOffInput>(all.into()).is_ok());
        assert!(
            HandOff::params()
                .iter()
                .all(|p| Tool::parse(p.name).is_none())
        );
        assert!(Tool::parse(HandOff::NAME).is_none(), "not a routed tool");

        let reason = |r: &str| {
            HandOffInput {
                reason: Some(r.into()),
                ..HandOffInput::default()
            }
            .parse()
        };
        assert_eq!(
            reason(" Wants a\nhuman  now ").unwrap(),
            "Wants a human now"
        );
        assert_eq!(
            reason(&"x".repeat(900)).unwrap().chars().count(),
            HandOff::MAX_REASON_CHARS
        );
        let missing = reason("  ").unwrap_err().0;
        assert_eq!(missing.get("reason"), Some(&FieldError::Required));
        assert!(
            serde_json::from_value::<HandOffInput>(serde_json::json!({"reason": "x", "to": "y"}))
                .is_err()
        );
    }

    #[test]
    fn ticket_status_arguments_take_a_code_in_any_case() {
        let args = TicketStatusInput {
            code: Some(" tkt-42 ".into()),
            requester_email: None,
        }
        .parse()
        .unwrap();
        assert_eq!(args.code.to_string(), "TKT-42");
        let errors = TicketStatusInput::default().parse().unwrap_err().0;
        assert_eq!(errors.get("code"), Some(&FieldError::Required));
    }
}
