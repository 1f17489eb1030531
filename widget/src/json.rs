//! Reading and writing JSON through the browser's own `JSON` and `Reflect`, so the Wasm carries
//! no JSON parser or serializer (serde_json or a derived `Deserialize` costs ~14 KB brotli).

use js_sys::{Array, JSON, Object, Reflect};
use ticketbooth_shared::api::TranscriptAuthor;
use wasm_bindgen::JsValue;

/// `value[key]`, `undefined` when absent or when `value` is not an object.
pub fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_str(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

/// `get_str`, with `""` for anything that is not a string.
pub fn get_text(value: &JsValue, key: &str) -> String {
    get_str(value, key).unwrap_or_default()
}

pub fn get_bool(value: &JsValue, key: &str) -> Option<bool> {
    get(value, key).as_bool()
}

/// A fresh `{}`.
pub fn object() -> Object {
    Object::new()
}

pub fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

pub fn set_str(target: &Object, key: &str, value: &str) {
    set(target, key, &JsValue::from_str(value));
}

pub fn stringify(value: &JsValue) -> Option<String> {
    JSON::stringify(value).ok().and_then(|s| s.as_string())
}

pub fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::UNDEFINED)
}

/// The elements of an array, none when `value` is not one.
pub fn items(value: &JsValue) -> Vec<JsValue> {
    if Array::is_array(value) {
        Array::from(value).iter().collect()
    } else {
        Vec::new()
    }
}

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

/// `[{author, text}, …]` as the API and the host page's `openTicket` spell a transcript.
pub fn transcript_to_js(entries: &[(TranscriptAuthor, String)]) -> Array {
    let out = Array::new();
    for (author, text) in entries {
        let e = object();
        set_str(&e, "author", author_str(*author));
        set_str(&e, "text", text);
        out.push(&e);
    }
    out
}

/// The reverse of `transcript_to_js`; entries with an unknown author or no text are dropped.
pub fn transcript_from_js(value: &JsValue) -> Vec<(TranscriptAuthor, String)> {
    items(value)
        .iter()
        .filter_map(|e| Some((parse_author(&get_str(e, "author")?)?, get_str(e, "text")?)))
        .collect()
}
