//! Transcript entries to and from JS values (the API's and `openTicket`'s spelling:
//! `[{author, text}, …]`). JSON itself is the browser's `JSON`: no parser in the Wasm.

use ticketbooth_shared::api::TranscriptAuthor;

use crate::js::{self, Js, get_str};

pub fn author_str(author: TranscriptAuthor) -> &'static str {
    match author {
        TranscriptAuthor::Visitor => "visitor",
        TranscriptAuthor::Bot => "bot",
        TranscriptAuthor::Operator => "operator",
    }
}

pub fn parse_author(raw: &str) -> Option<TranscriptAuthor> {
    match raw {
        "visitor" => Some(TranscriptAuthor::Visitor),
        "bot" => Some(TranscriptAuthor::Bot),
        "operator" => Some(TranscriptAuthor::Operator),
        _ => None,
    }
}

pub fn transcript_to_js(entries: &[(TranscriptAuthor, String)]) -> Js {
    let out = js::arr();
    for (author, text) in entries {
        let e = js::obj();
        js::set_str(&e, "author", author_str(*author));
        js::set_str(&e, "text", text);
        js::push(&out, &e);
    }
    out
}

/// The reverse of `transcript_to_js`; entries with an unknown author or no text are dropped.
pub fn transcript_from_js(value: &Js) -> Vec<(TranscriptAuthor, String)> {
    let mut out = Vec::new();
    for e in js::vec(value) {
        let author = parse_author(&get_str(&e, "author").unwrap_or_default());
        if let (Some(author), Some(text)) = (author, get_str(&e, "text")) {
            out.push((author, text));
        }
    }
    out
}
