//! The operator tools — `list_tickets`, `get_ticket`, `update_ticket`, `add_comment` — for an
//! agent that holds an operator API token and works tickets as that operator. A type of their
//! own, apart from the visitor-side bot tools (`tools::Tool`): a bot key never names one of
//! these, and an operator token never reaches a visitor tool, because no route or parser
//! takes the one enum where the other is meant.
//!
//! As with `tools`, one table of parameters per tool gives both the argument parsers and the
//! JSON Schemas (OpenAI strict mode, and the plain schema Anthropic and MCP take); a test
//! checks the parsers read exactly the table's names.
//!
//! `update_ticket` takes each field it can change as one optional argument: a field left out
//! (or null) is not touched, so a new field is one more entry in the table and the input (as
//! topic, intent and waiting on were), and nothing else changes for existing callers.

use serde::{Deserialize, Serialize};

use crate::classification::{self, Intent, Topic};
use crate::comment_body::CommentBody;
use crate::event::CommentVisibility;
use crate::field_error::FieldError;
use crate::ids::{OperatorId, TicketId};
use crate::label::Label;
use crate::new_ticket::ValidationErrors;
use crate::routing::TeamName;
use crate::ticket_code::TicketCode;
use crate::tools::{
    AnthropicTool, ObjectSchema, OpenAiFunction, OpenAiTool, PropertyDescription, SchemaType,
};
use crate::waiting::WaitingOn;
use crate::{Priority, Status};

/// The most labels one `update_ticket` call adds (or removes).
pub const MAX_LABELS_PER_CALL: usize = 20;

/// The tools an operator's agent may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorTool {
    ListTickets,
    GetTicket,
    UpdateTicket,
    AddComment,
}

impl OperatorTool {
    pub const ALL: [OperatorTool; 4] = [
        OperatorTool::ListTickets,
        OperatorTool::GetTicket,
        OperatorTool::UpdateTicket,
        OperatorTool::AddComment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OperatorTool::ListTickets => "list_tickets",
            OperatorTool::GetTicket => "get_ticket",
            OperatorTool::UpdateTicket => "update_ticket",
            OperatorTool::AddComment => "add_comment",
        }
    }

    pub fn parse(name: &str) -> Option<OperatorTool> {
        OperatorTool::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            OperatorTool::ListTickets => "List tickets",
            OperatorTool::GetTicket => "Read a ticket",
            OperatorTool::UpdateTicket => "Update a ticket",
            OperatorTool::AddComment => "Comment on a ticket",
        }
    }

    /// Only reads: the list and one ticket. The others write (and nothing deletes).
    pub fn read_only(self) -> bool {
        matches!(self, OperatorTool::ListTickets | OperatorTool::GetTicket)
    }

    pub fn description(self) -> &'static str {
        match self {
            OperatorTool::ListTickets => {
                "List the site's tickets, a page at a time, filtered with the ticket list's \
                 query language (the query string of the dashboard's list URL). Returns ticket \
                 summaries (code, subject, status, priority, assignee, labels, version) and \
                 `next_cursor` for the next page."
            }
            OperatorTool::GetTicket => {
                "Read one ticket by its code (such as TKT-42) or id: its fields, every comment \
                 (internal notes included), its labels and its most recent events. Its \
                 `version` is what update_ticket needs."
            }
            OperatorTool::UpdateTicket => {
                "Change a ticket: status, priority, assignee, labels. Give only what changes; \
                 the rest stays. `version` must be the ticket's version as last read \
                 (get_ticket or list_tickets): if someone changed the ticket since, nothing is \
                 saved and the call is refused as `stale_edit` — read it again and decide \
                 again. All the changes are saved together or not at all. Not idempotent: \
                 after a success the version has moved on."
            }
            OperatorTool::AddComment => {
                "Add a comment to a ticket: `internal` (the team only) or `public` (sent to \
                 the customer, who sees it in the site's chat widget). Each call adds one \
                 comment."
            }
        }
    }

    pub fn params(self) -> &'static [Param] {
        match self {
            OperatorTool::ListTickets => LIST_TICKETS,
            OperatorTool::GetTicket => GET_TICKET,
            OperatorTool::UpdateTicket => UPDATE_TICKET,
            OperatorTool::AddComment => ADD_COMMENT,
        }
    }

    /// The tool as an OpenAI Chat Completions function, strict mode.
    pub fn openai(self) -> OpenAiOperatorTool {
        OpenAiOperatorTool {
            kind: "function",
            function: OpenAiOperatorFunction {
                name: self.name(),
                description: self.description(),
                strict: true,
                parameters: schema(self.params(), true),
            },
        }
    }

    /// The tool as an Anthropic Messages API tool (also the MCP tool's `inputSchema`).
    pub fn anthropic(self) -> AnthropicOperatorTool {
        AnthropicOperatorTool {
            name: self.name(),
            description: self.description(),
            input_schema: schema(self.params(), false),
        }
    }
}

/// One argument of an operator tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    /// The agent must give a value; otherwise it may be null or left out.
    pub required: bool,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string of at most `max` characters.
    Text { max: usize },
    /// A whole number.
    Integer,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// A list of labels.
    Labels,
}

const CODE: Param = Param {
    name: "code",
    kind: Kind::Text { max: 40 },
    required: true,
    description: "The ticket's code, such as TKT-42 (any case), or its 32-character id.",
};

const LIST_TICKETS: &[Param] = &[
    Param {
        name: "query",
        kind: Kind::Text { max: 2000 },
        required: false,
        description: "Filters as URL query pairs, e.g. `status=open&label=billing`. Keys: \
                      status and priority (comma-separated lists), assignee (me, unassigned \
                      or an operator id), label (a label includes its sublabels: `billing` \
                      finds `billing > refund`), source (widget, bot, human, operator, api, email), \
                      topic, intent, waiting (team or customer), q (words to search), created_from/created_to/updated_from/updated_to \
                      (YYYY-MM-DD), closed/spam/snoozed (include or only), sort (priority, \
                      updated, created, relevance). Empty: open and pending tickets, most \
                      urgent first.",
    },
    Param {
        name: "cursor",
        kind: Kind::Text { max: 400 },
        required: false,
        description: "The `next_cursor` (or `previous_cursor`) of a page, with the same \
                      query, for the page after (or before) it.",
    },
];

const GET_TICKET: &[Param] = &[CODE];

const STATUSES: &[&str] = &["open", "pending", "resolved", "closed"];
const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
const VISIBILITIES: &[&str] = &["internal", "public"];

const UPDATE_TICKET: &[Param] = &[
    CODE,
    Param {
        name: "version",
        kind: Kind::Integer,
        required: true,
        description: "The ticket's `version` as you last read it.",
    },
    Param {
        name: "status",
        kind: Kind::OneOf(STATUSES),
        required: false,
        description: "The new status. open → pending, resolved or closed; pending → open, \
                      resolved or closed; resolved → open or closed; closed → open.",
    },
    Param {
        name: "priority",
        kind: Kind::OneOf(PRIORITIES),
        required: false,
        description: "The new priority.",
    },
    Param {
        name: "assignee",
        kind: Kind::Text { max: 40 },
        required: false,
        description: "Who works the ticket: `me`, an operator id of a member of the site, or \
                      `none` to unassign.",
    },
    Param {
        name: "labels_add",
        kind: Kind::Labels,
        required: false,
        description: "Labels to put on the ticket (lower-case slugs, such as billing).",
    },
    Param {
        name: "labels_remove",
        kind: Kind::Labels,
        required: false,
        description: "Labels to take off the ticket.",
    },
    Param {
        name: "topic",
        kind: Kind::Text {
            max: classification::MAX_CHARS,
        },
        required: false,
        description: "The ticket's topic, a lower-case snake_case slug such as billing \
                      (typed words are normalised); `none` clears it.",
    },
    Param {
        name: "intent",
        kind: Kind::Text {
            max: classification::MAX_CHARS,
        },
        required: false,
        description: "The ticket's intent, a slug such as refund_request; `none` clears it.",
    },
    Param {
        name: "waiting_on",
        kind: Kind::OneOf(WAITING_SIDES),
        required: false,
        description: "Whom a pending ticket waits on: team or customer (with `status` pending \
                      in the same call, or on a ticket already pending).",
    },
    Param {
        name: "team",
        kind: Kind::Text {
            max: TeamName::MAX_CHARS,
        },
        required: false,
        description: "The team that works the ticket, by its name (such as Billing); `none` \
                      takes it out of any team.",
    },
];

const WAITING_SIDES: &[&str] = &["team", "customer"];

const ADD_COMMENT: &[Param] = &[
    CODE,
    Param {
        name: "body",
        kind: Kind::Text {
            max: CommentBody::MAX_CHARS,
        },
        required: true,
        description: "The comment's text.",
    },
    Param {
        name: "visibility",
        kind: Kind::OneOf(VISIBILITIES),
        required: true,
        description: "`internal`: a note for the team only. `public`: a reply the customer \
                      reads in the chat widget.",
    },
];

/// `strict`: OpenAI strict mode — every property required, optional ones nullable, no
/// keywords strict mode does not take (limits go in the description). Otherwise plain JSON
/// Schema with the limits as keywords.
fn schema(params: &'static [Param], strict: bool) -> OperatorSchema {
    let properties = params
        .iter()
        .map(|p| (p.name, property(p, strict)))
        .collect();
    let required = params
        .iter()
        .filter(|p| strict || p.required)
        .map(|p| p.name)
        .collect();
    OperatorSchema {
        kind: "object",
        properties,
        required,
        additional_properties: false,
    }
}

fn property(p: &Param, strict: bool) -> OperatorProperty {
    let nullable = strict && !p.required;
    let base = match p.kind {
        Kind::Text { .. } | Kind::OneOf(_) => "string",
        Kind::Integer => "integer",
        Kind::Labels => "array",
    };
    let enumeration = match p.kind {
        Kind::OneOf(values) => {
            let mut values: Vec<Option<&'static str>> = values.iter().copied().map(Some).collect();
            if nullable {
                values.push(None);
            }
            Some(values)
        }
        _ => None,
    };
    let description = match (strict, p.kind) {
        (true, Kind::Text { max }) => PropertyDescription::Limited(p.description, max),
        _ => PropertyDescription::Plain(p.description),
    };
    OperatorProperty {
        kind: if nullable {
            SchemaType::Nullable([base, "null"])
        } else {
            SchemaType::One(base)
        },
        description,
        max_length: match p.kind {
            Kind::Text { max } if !strict => Some(max),
            _ => None,
        },
        max_items: (p.kind == Kind::Labels && !strict).then_some(MAX_LABELS_PER_CALL),
        items: (p.kind == Kind::Labels).then_some(Items { kind: "string" }),
        enumeration,
    }
}

/// The operator tools' definitions: the bots' wire shapes (`tools`) over `OperatorProperty`.
pub type OpenAiOperatorTool = OpenAiTool<OperatorProperty>;
pub type OpenAiOperatorFunction = OpenAiFunction<OperatorProperty>;
pub type AnthropicOperatorTool = AnthropicTool<OperatorProperty>;
pub type OperatorSchema = ObjectSchema<OperatorProperty>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorProperty {
    #[serde(rename = "type")]
    pub kind: SchemaType,
    pub description: PropertyDescription,
    #[serde(rename = "maxLength", skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(rename = "maxItems", skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Items>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<Vec<Option<&'static str>>>,
}

/// An array's items: labels are strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Items {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Which ticket a call names: its code (`TKT-42`, any case) or its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Code(TicketCode),
    Id(TicketId),
}

impl TicketRef {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        if raw.contains('-') {
            TicketCode::parse(&raw.to_ascii_uppercase()).map(TicketRef::Code)
        } else {
            TicketId::parse(&raw.to_ascii_lowercase()).map(TicketRef::Id)
        }
    }
}

/// `list_tickets`'s arguments as they arrive (the query itself is parsed by the list's own
/// parser, which the Worker holds with the cursor's encoding).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListTicketsInput {
    pub query: Option<String>,
    pub cursor: Option<String>,
}

impl ListTicketsInput {
    /// The list's query string: the query as given (a leading `?` dropped), with the cursor
    /// appended when one is given (a repeated `cursor` is the last one's, so it wins).
    pub fn query_string(&self) -> String {
        let query = self.query.as_deref().unwrap_or("").trim();
        let query = query.strip_prefix('?').unwrap_or(query);
        match self
            .cursor
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => query.to_owned(),
            // A cursor is base64url: nothing in it needs escaping in a query string, and a
            // character that does makes it a bad cursor, which the parser reports.
            Some(cursor) if query.is_empty() => format!("cursor={cursor}"),
            Some(cursor) => format!("{query}&cursor={cursor}"),
        }
    }
}

/// `get_ticket`'s arguments as they arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GetTicketInput {
    pub code: Option<String>,
}

impl GetTicketInput {
    pub fn parse(&self) -> Result<TicketRef, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let code = ticket_ref(&mut errors, &self.code);
        code.ok_or(errors)
    }
}

/// `update_ticket`'s arguments as they arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateTicketInput {
    pub code: Option<String>,
    pub version: Option<i64>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub assignee: Option<String>,
    pub labels_add: Option<Vec<String>>,
    pub labels_remove: Option<Vec<String>>,
    pub topic: Option<String>,
    pub intent: Option<String>,
    pub waiting_on: Option<String>,
    pub team: Option<String>,
}

/// Whom `update_ticket` assigns the ticket to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeChoice {
    /// The operator the token acts as.
    Me,
    Unassigned,
    Operator(OperatorId),
}

/// `update_ticket`'s arguments, parsed: each change `None` (or empty) when not asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateTicketArgs {
    pub code: TicketRef,
    pub version: i64,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub assignee: Option<AssigneeChoice>,
    pub labels_add: Vec<Label>,
    pub labels_remove: Vec<Label>,
    /// `Some(None)` clears the topic (`none`); `None` leaves it.
    pub topic: Option<Option<Topic>>,
    pub intent: Option<Option<Intent>>,
    pub waiting_on: Option<WaitingOn>,
    /// `Some(None)` takes the ticket out of its team (`none`); `None` leaves it.
    pub team: Option<Option<TeamName>>,
}

/// A classification argument: absent or null leaves it, `none` clears it, else a slug.
fn class<T>(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &Option<String>,
    parse: fn(&str) -> Result<T, FieldError>,
) -> Option<Option<T>> {
    let raw = present(raw)?;
    if raw.trim().eq_ignore_ascii_case("none") {
        return Some(None);
    }
    parse(raw)
        .map(Some)
        .map_err(|e| errors.0.insert(field, e))
        .ok()
}

impl UpdateTicketInput {
    /// Every refused field at once, by its argument's name.
    pub fn parse(&self) -> Result<UpdateTicketArgs, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let code = ticket_ref(&mut errors, &self.code);
        let version = self.version;
        if version.is_none() {
            errors.0.insert("version", FieldError::Required);
        }
        let status = present(&self.status).and_then(|v| {
            Status::parse(v)
                .map_err(|e| errors.0.insert("status", e))
                .ok()
        });
        let priority = present(&self.priority).and_then(|v| {
            Priority::parse(v)
                .map_err(|e| errors.0.insert("priority", e))
                .ok()
        });
        let assignee = present(&self.assignee).and_then(|v| match v.trim() {
            "me" => Some(AssigneeChoice::Me),
            "none" => Some(AssigneeChoice::Unassigned),
            id => OperatorId::parse(id)
                .map(AssigneeChoice::Operator)
                .map_err(|e| errors.0.insert("assignee", e))
                .ok(),
        });
        let labels_add = labels(&mut errors, "labels_add", &self.labels_add);
        let labels_remove = labels(&mut errors, "labels_remove", &self.labels_remove);
        let topic = class(&mut errors, "topic", &self.topic, Topic::parse);
        let intent = class(&mut errors, "intent", &self.intent, Intent::parse);
        let waiting_on = present(&self.waiting_on).and_then(|v| {
            WaitingOn::parse(v)
                .map_err(|e| errors.0.insert("waiting_on", e))
                .ok()
        });
        let team = class(&mut errors, "team", &self.team, TeamName::parse);
        // Adding and removing one label in one call says two opposite things.
        if labels_add.iter().any(|l| labels_remove.contains(l)) {
            errors.0.insert("labels_remove", FieldError::InvalidFormat);
        }
        match (code, version) {
            (Some(code), Some(version)) if errors.0.is_empty() => Ok(UpdateTicketArgs {
                code,
                version,
                status,
                priority,
                assignee,
                labels_add,
                labels_remove,
                topic,
                intent,
                waiting_on,
                team,
            }),
            _ => Err(errors),
        }
    }
}

/// `add_comment`'s arguments as they arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddCommentInput {
    pub code: Option<String>,
    pub body: Option<String>,
    pub visibility: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCommentArgs {
    pub code: TicketRef,
    pub body: CommentBody,
    pub visibility: CommentVisibility,
}

impl AddCommentInput {
    pub fn parse(&self) -> Result<AddCommentArgs, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let code = ticket_ref(&mut errors, &self.code);
        let body = CommentBody::parse(self.body.as_deref().unwrap_or(""))
            .map_err(|e| errors.0.insert("body", e))
            .ok();
        // Required, not defaulted: whether the customer reads it is the agent's decision.
        let visibility = match present(&self.visibility).map(str::trim) {
            None => {
                errors.0.insert("visibility", FieldError::Required);
                None
            }
            Some("internal") => Some(CommentVisibility::Internal),
            Some("public") => Some(CommentVisibility::Public),
            Some(_) => {
                errors.0.insert("visibility", FieldError::InvalidFormat);
                None
            }
        };
        match (code, body, visibility) {
            (Some(code), Some(body), Some(visibility)) if errors.0.is_empty() => {
                Ok(AddCommentArgs {
                    code,
                    body,
                    visibility,
                })
            }
            _ => Err(errors),
        }
    }
}

fn ticket_ref(errors: &mut ValidationErrors, raw: &Option<String>) -> Option<TicketRef> {
    TicketRef::parse(raw.as_deref().unwrap_or(""))
        .map_err(|e| errors.0.insert("code", e))
        .ok()
}

/// Labels, each parsed, repeats dropped, at most `MAX_LABELS_PER_CALL`.
fn labels(
    errors: &mut ValidationErrors,
    key: &'static str,
    raw: &Option<Vec<String>>,
) -> Vec<Label> {
    let raw = raw.as_deref().unwrap_or(&[]);
    if raw.len() > MAX_LABELS_PER_CALL {
        errors.0.insert(key, FieldError::InvalidFormat);
        return Vec::new();
    }
    let mut out: Vec<Label> = Vec::new();
    for value in raw {
        match Label::parse(value) {
            Ok(label) if !out.contains(&label) => out.push(label),
            Ok(_) => {}
            Err(e) => {
                errors.0.insert(key, e);
            }
        }
    }
    out
}

/// A value that is there: not missing, not null, not blank.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter of each table, set: the input type accepts each name
    /// (`deny_unknown_fields` refuses one it does not read) and has no field the table lacks.
    #[test]
    fn the_parsers_read_exactly_the_schemas_names() {
        for tool in OperatorTool::ALL {
            let object: serde_json::Map<String, serde_json::Value> = tool
                .params()
                .iter()
                .map(|p| {
                    let value = match p.kind {
                        Kind::Integer => serde_json::json!(1),
                        Kind::Labels => serde_json::json!(["x"]),
                        _ => serde_json::json!("x"),
                    };
                    (p.name.to_owned(), value)
                })
                .collect();
            let value = serde_json::Value::Object(object.clone());
            let set = match tool {
                OperatorTool::ListTickets => {
                    let i: ListTicketsInput = serde_json::from_value(value).unwrap();
                    [i.query.is_some(), i.cursor.is_some()].to_vec()
                }
                OperatorTool::GetTicket => {
                    let i: GetTicketInput = serde_json::from_value(value).unwrap();
                    [i.code.is_some()].to_vec()
                }
                OperatorTool::UpdateTicket => {
                    let i: UpdateTicketInput = serde_json::from_value(value).unwrap();
                    [
                        i.code.is_some(),
                        i.version.is_some(),
                        i.status.is_some(),
                        i.priority.is_some(),
                        i.assignee.is_some(),
                        i.labels_add.is_some(),
                        i.labels_remove.is_some(),
                        i.topic.is_some(),
                        i.intent.is_some(),
                        i.waiting_on.is_some(),
                        i.team.is_some(),
                    ]
                    .to_vec()
                }
                OperatorTool::AddComment => {
                    let i: AddCommentInput = serde_json::from_value(value).unwrap();
                    [i.code.is_some(), i.body.is_some(), i.visibility.is_some()].to_vec()
                }
            };
            assert!(set.iter().all(|s| *s), "{tool:?}");
            assert_eq!(set.len(), object.len(), "{tool:?}");
        }
        let extra = serde_json::json!({ "code": "TKT-1", "delete": true });
        assert!(serde_json::from_value::<UpdateTicketInput>(extra).is_err());
    }

    #[test]
    fn strict_and_standard_schemas() {
        let strict = serde_json::to_value(OperatorTool::UpdateTicket.openai()).unwrap();
        let parameters = &strict["function"]["parameters"];
        assert_eq!(strict["function"]["strict"], true);
        assert_eq!(parameters["additionalProperties"], false);
        assert_eq!(
            parameters["required"].as_array().unwrap().len(),
            UPDATE_TICKET.len()
        );
        assert_eq!(parameters["properties"]["version"]["type"], "integer");
        assert_eq!(
            parameters["properties"]["status"]["enum"],
            serde_json::json!(["open", "pending", "resolved", "closed", null])
        );
        assert_eq!(
            parameters["properties"]["labels_add"]["type"],
            serde_json::json!(["array", "null"])
        );
        assert_eq!(
            parameters["properties"]["labels_add"]["items"]["type"],
            "string"
        );
        assert!(
            parameters["properties"]["labels_add"]
                .get("maxItems")
                .is_none()
        );

        let standard = serde_json::to_value(OperatorTool::UpdateTicket.anthropic()).unwrap();
        let schema = &standard["input_schema"];
        assert_eq!(schema["required"], serde_json::json!(["code", "version"]));
        assert_eq!(schema["properties"]["labels_add"]["maxItems"], 20);
        assert_eq!(schema["properties"]["code"]["maxLength"], 40);
        let comment = serde_json::to_value(OperatorTool::AddComment.anthropic()).unwrap();
        assert_eq!(
            comment["input_schema"]["required"],
            serde_json::json!(["code", "body", "visibility"])
        );
        // The enums are the domain's own spellings.
        for status in Status::ALL {
            assert!(STATUSES.contains(&status.as_str()));
        }
        for priority in Priority::ALL {
            assert!(PRIORITIES.contains(&priority.as_str()));
        }
    }

    #[test]
    fn the_two_tool_sets_share_no_name() {
        for tool in OperatorTool::ALL {
            assert!(crate::tools::Tool::parse(tool.name()).is_none());
        }
        for tool in crate::tools::Tool::ALL {
            assert!(OperatorTool::parse(tool.name()).is_none());
        }
    }

    #[test]
    fn update_arguments_parse_with_every_error_at_once() {
        let input = UpdateTicketInput {
            code: Some(" tkt-7 ".into()),
            version: Some(12),
            status: Some("pending".into()),
            assignee: Some("me".into()),
            labels_add: Some(vec!["Billing".into(), "billing".into()]),
            ..Default::default()
        };
        let args = input.parse().unwrap();
        assert_eq!(args.code, TicketRef::parse("TKT-7").unwrap());
        assert_eq!(args.status, Some(Status::Pending));
        assert_eq!(args.priority, None);
        assert_eq!(args.assignee, Some(AssigneeChoice::Me));
        assert_eq!(args.labels_add, [Label::parse("billing").unwrap()]);

        let bad = UpdateTicketInput {
            code: Some("42".into()),
            status: Some("done".into()),
            assignee: Some("Bob".into()),
            labels_add: Some(vec!["vip".into()]),
            labels_remove: Some(vec!["vip".into()]),
            ..Default::default()
        };
        let errors = bad.parse().unwrap_err().0;
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            fields,
            ["assignee", "code", "labels_remove", "status", "version"]
        );
        let too_many = UpdateTicketInput {
            code: Some("TKT-1".into()),
            version: Some(1),
            labels_add: Some((0..21).map(|i| format!("l{i}")).collect()),
            ..Default::default()
        };
        assert!(too_many.parse().unwrap_err().0.contains_key("labels_add"));

        let classify = UpdateTicketInput {
            code: Some("TKT-1".into()),
            version: Some(1),
            topic: Some("Billing".into()),
            intent: Some("none".into()),
            waiting_on: Some("customer".into()),
            ..Default::default()
        };
        let args = classify.parse().unwrap();
        assert_eq!(args.topic, Some(Some(Topic::parse("billing").unwrap())));
        assert_eq!(args.intent, Some(None), "`none` clears");
        assert_eq!(args.waiting_on, Some(WaitingOn::Customer));
        let bad = UpdateTicketInput {
            code: Some("TKT-1".into()),
            version: Some(1),
            topic: Some("a/b".into()),
            waiting_on: Some("nobody".into()),
            ..Default::default()
        };
        let fields: Vec<&str> = bad.parse().unwrap_err().0.keys().copied().collect();
        assert_eq!(fields, ["topic", "waiting_on"]);
    }

    #[test]
    fn a_ticket_is_named_by_code_or_id() {
        let id = "0123456789abcdef0123456789abcdef";
        assert!(matches!(TicketRef::parse(id), Ok(TicketRef::Id(_))));
        assert!(matches!(
            TicketRef::parse(&id.to_uppercase()),
            Ok(TicketRef::Id(_))
        ));
        assert!(matches!(TicketRef::parse("tkt-3"), Ok(TicketRef::Code(_))));
        assert_eq!(TicketRef::parse(" "), Err(FieldError::Required));
        assert!(TicketRef::parse("TKT-03").is_err());
    }

    #[test]
    fn comments_need_a_body_and_a_visibility() {
        let errors = AddCommentInput {
            code: Some("TKT-1".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err()
        .0;
        assert_eq!(errors.get("body"), Some(&FieldError::Required));
        assert_eq!(errors.get("visibility"), Some(&FieldError::Required));
        let args = AddCommentInput {
            code: Some("TKT-1".into()),
            body: Some("Refunded.".into()),
            visibility: Some("public".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(args.visibility, CommentVisibility::Public);
    }

    #[test]
    fn the_list_query_carries_the_cursor_last() {
        let input = |query: Option<&str>, cursor: Option<&str>| ListTicketsInput {
            query: query.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
        };
        assert_eq!(input(None, None).query_string(), "");
        assert_eq!(
            input(Some("?status=open"), None).query_string(),
            "status=open"
        );
        assert_eq!(input(None, Some("YWJj")).query_string(), "cursor=YWJj");
        assert_eq!(
            input(Some("label=billing"), Some(" YWJj ")).query_string(),
            "label=billing&cursor=YWJj"
        );
    }
}
