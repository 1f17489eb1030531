//! A visitor's JSON body read into its wire type. Text that is not JSON at all is a 400
//! (`malformed_json`); JSON whose fields have the wrong type (`"subject": 123`, a transcript
//! line by an unknown author) is a 422 naming those fields, like any other invalid field, so
//! the widget and a site's developers see which field to fix rather than a parser's line and
//! column.
//!
//! Which field is wrong is found without a path-tracking deserializer: every visitor body's
//! fields all default, so a body holding just one of the sent fields parses exactly when that
//! field's value is right. The sent fields are tried one at a time (an object's fields one
//! level further down), and each that fails is named.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use ticketbooth_shared::FieldError;
use ticketbooth_shared::new_ticket::ValidationErrors;

use super::error::ApiError;

/// `body` as a `T`. `fields` are the paths a 422 may name (`subject`, `requester.email`): a
/// wrong value anywhere else, or a body that is no JSON object, stays a 400.
pub fn parse<T: DeserializeOwned>(body: &[u8], fields: &[&'static str]) -> Result<T, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let error = match T::deserialize(&value) {
        Ok(parsed) => return Ok(parsed),
        Err(error) => error,
    };
    let mut errors = ValidationErrors::default();
    if let Value::Object(map) = &value {
        blame::<T>(map, "", &|inner| inner, fields, &mut errors);
    }
    if errors.0.is_empty() {
        Err(ApiError::MalformedJson(error.to_string()))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Names each field of `map` (found at `prefix` in the body) whose value alone does not parse;
/// `wrap` puts an object back where `map` was. Whether anything was named.
fn blame<T: DeserializeOwned>(
    map: &Map<String, Value>,
    prefix: &str,
    wrap: &dyn Fn(Value) -> Value,
    fields: &[&'static str],
    errors: &mut ValidationErrors,
) -> bool {
    let mut named = false;
    for (key, value) in map {
        let alone = |value: Value| wrap(Value::Object(Map::from_iter([(key.clone(), value)])));
        if T::deserialize(&alone(value.clone())).is_ok() {
            continue;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        // The deepest field named wins: `requester.email` rather than `requester`.
        let deeper = match value {
            Value::Object(inner) => blame::<T>(inner, &path, &alone, fields, errors),
            _ => false,
        };
        if !deeper && let Some(field) = fields.iter().find(|f| **f == path) {
            errors.0.insert(*field, FieldError::InvalidFormat);
            named = true;
        }
        named |= deeper;
    }
    named
}

#[cfg(test)]
mod tests {
    use ticketbooth_shared::api::{CreateTicketRequest, field};

    use super::*;

    const FIELDS: [&str; 6] = [
        field::SUBJECT,
        field::DESCRIPTION,
        "requester",
        field::REQUESTER_NAME,
        field::REQUESTER_EMAIL,
        field::TRANSCRIPT,
    ];

    fn named(body: &str) -> Vec<&'static str> {
        match parse::<CreateTicketRequest>(body.as_bytes(), &FIELDS) {
            Err(ApiError::Validation(errors)) => errors.0.keys().copied().collect(),
            other => panic!("expected a 422 for {body}, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_names_its_field_however_deep() {
        assert_eq!(named(r#"{"subject": 123}"#), [field::SUBJECT]);
        assert_eq!(
            named(r#"{"subject": null, "description": "ok"}"#),
            [field::SUBJECT]
        );
        assert_eq!(
            named(r#"{"subject": "ok", "requester": {"name": "Ada", "email": false}}"#),
            [field::REQUESTER_EMAIL]
        );
        assert_eq!(named(r#"{"requester": "Ada"}"#), ["requester"]);
        assert_eq!(
            named(r#"{"description": [], "transcript": [{"author": "boss", "text": "hi"}]}"#),
            [field::DESCRIPTION, field::TRANSCRIPT]
        );
    }

    #[test]
    fn right_types_parse_and_what_is_not_json_or_no_object_stays_a_400() {
        let ok: CreateTicketRequest = parse(br#"{"subject": "Hi", "extra": 1}"#, &FIELDS).unwrap();
        assert_eq!(ok.subject, "Hi");
        for body in [&b"{\"subject\": "[..], b"[1, 2, 3]", b"\"text\""] {
            assert!(matches!(
                parse::<CreateTicketRequest>(body, &FIELDS),
                Err(ApiError::MalformedJson(_))
            ));
        }
        // A wrong field the caller did not list cannot be named: still a 400.
        assert!(matches!(
            parse::<CreateTicketRequest>(br#"{"turnstile_token": 5}"#, &FIELDS),
            Err(ApiError::MalformedJson(_))
        ));
    }
}
