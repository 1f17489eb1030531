//! The list's query string ⇄ `TicketQuery`: the one parser in `shared`, plus the opaque cursor
//! (base64url, no padding, of `Cursor::to_text`). Used by the dashboard list and board and by
//! `GET /api/v1/tickets`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::ticket_query::{Cursor, TicketQuery};

/// Parses a raw query string (without `?`). A cursor that is not base64url of a cursor is a
/// `cursor` error like any other field's.
pub fn parse(raw: &str) -> Result<TicketQuery, ValidationErrors> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).map_err(|_| {
        ValidationErrors([("query", FieldError::InvalidFormat)].into_iter().collect())
    })?;
    let mut bad_cursor = false;
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| {
            if k == "cursor" && !v.is_empty() {
                let text = URL_SAFE_NO_PAD
                    .decode(v.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                match text {
                    Some(text) => (k, text),
                    None => {
                        bad_cursor = true;
                        (k, String::new())
                    }
                }
            } else {
                (k, v)
            }
        })
        .collect();
    let parsed = TicketQuery::parse(&pairs);
    if !bad_cursor {
        return parsed;
    }
    let mut errors = parsed.err().unwrap_or_default();
    errors.0.insert("cursor", FieldError::InvalidFormat);
    Err(errors)
}

pub fn encode_cursor(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(cursor.to_text())
}

/// The canonical query string of a query (no `?`), its cursor opaque.
pub fn to_query_string(query: &TicketQuery) -> String {
    let pairs: Vec<(&str, String)> = query
        .to_pairs()
        .into_iter()
        .map(|(k, v)| {
            if k == "cursor" {
                (k, query.cursor.as_ref().map(encode_cursor).unwrap_or(v))
            } else {
                (k, v)
            }
        })
        .collect();
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_opaque_and_a_forged_one_is_a_field_error() {
        let q = parse("sort=updated&cursor=").unwrap();
        assert_eq!(q.cursor, None);
        let text = "a|u|1700000000000|0|0123456789abcdef0123456789abcdef";
        let token = URL_SAFE_NO_PAD.encode(text);
        let q = parse(&format!("sort=updated&cursor={token}")).unwrap();
        assert_eq!(
            q.cursor.as_ref().map(Cursor::to_text).as_deref(),
            Some(text)
        );
        assert!(!to_query_string(&q).contains('|'));
        assert_eq!(parse(&to_query_string(&q)).unwrap(), q);
        for bad in ["cursor=%%%", "cursor=YWJj", "status=nope&cursor=!!"] {
            let errors = parse(bad).expect_err(bad);
            assert!(errors.0.contains_key("cursor"), "{bad}");
        }
    }
}
