//! The `Executor` over Cloudflare D1 (Wasm only). One `batch()` call is one round trip and one
//! transaction, which is what the service layer relies on for every write. Answers cross from
//! JS to Rust as one JSON string each (not value by value through serde-wasm-bindgen, as
//! worker's `D1Result::results` does): measured 12–18% off a 50-row list request. It counts
//! its round trips for the log line (`round_trips`).

use std::cell::Cell;
use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{D1Database, D1PreparedStatement};

use super::{Executor, Row, Statement, StoreError, Value};

pub struct D1Executor {
    db: D1Database,
    /// Calls made so far (each `batch` or `query` is one round trip), for the log line;
    /// shared with whoever writes that line (`counting_into`).
    round_trips: Rc<Cell<u32>>,
}

impl D1Executor {
    pub fn new(db: D1Database) -> Self {
        Self::counting_into(db, Rc::default())
    }

    /// An executor that adds its round trips to `counter`: the request's line reads it even
    /// when the executor was dropped on an error path.
    pub fn counting_into(db: D1Database, counter: Rc<Cell<u32>>) -> Self {
        Self {
            db,
            round_trips: counter,
        }
    }

    /// How many round trips to D1 this executor has made (`batch` and `query` calls, failed
    /// ones included: each went to the database).
    pub fn round_trips(&self) -> u32 {
        self.round_trips.get()
    }

    fn count(&self) {
        self.round_trips
            .set(self.round_trips.get().saturating_add(1));
    }

    fn prepare(&self, statement: &Statement) -> Result<D1PreparedStatement, StoreError> {
        let params: Vec<JsValue> = statement
            .params
            .iter()
            .map(|v| match v {
                Value::Null => JsValue::NULL,
                // D1 has no BigInt: integers travel as doubles (exact below 2^53).
                Value::Integer(n) => JsValue::from_f64(*n as f64),
                Value::Text(s) => JsValue::from_str(s),
            })
            .collect();
        self.db
            .prepare(statement.sql)
            .bind(&params)
            .map_err(worker_error)
    }
}

impl Executor for D1Executor {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, StoreError> {
        let prepared = statements
            .iter()
            .map(|s| self.prepare(s).map(|p| JsValue::from(p.inner().clone())))
            .collect::<Result<js_sys::Array, _>>()?;
        self.count();
        let results = call("batch", self.db.as_ref(), &js_sys::Array::of1(&prepared)).await?;
        let results: Vec<StatementResult> = from_json(&results)?;
        results.into_iter().map(StatementResult::rows).collect()
    }

    async fn query(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        let prepared = self.prepare(&statement)?;
        self.count();
        let result = call("all", prepared.inner(), &js_sys::Array::new()).await?;
        from_json::<StatementResult>(&result)?.rows()
    }
}

/// Calls `method` of a D1 object and awaits its promise. A rejection is the D1 error with
/// its cause (the SQLite message `StoreError::from_message` reads), as worker's own
/// wrapper reports it.
async fn call(method: &str, target: &JsValue, args: &js_sys::Array) -> Result<JsValue, StoreError> {
    let function: js_sys::Function = js_sys::Reflect::get(target, &JsValue::from_str(method))
        .map_err(js_error)?
        .unchecked_into();
    let promise: js_sys::Promise = function
        .apply(target, args)
        .map_err(js_error)?
        .unchecked_into();
    JsFuture::from(promise).await.map_err(js_error)
}

/// One statement's answer as D1 gives it.
#[derive(Deserialize)]
struct StatementResult {
    /// Absent or null for a statement that returns no rows.
    results: Option<Vec<serde_json::Value>>,
    error: Option<String>,
}

impl StatementResult {
    fn rows(self) -> Result<Vec<Row>, StoreError> {
        if let Some(message) = self.error {
            return Err(StoreError::from_message(message));
        }
        self.results
            .unwrap_or_default()
            .into_iter()
            .map(|value| match integral(value) {
                serde_json::Value::Object(row) => Ok(row),
                other => Err(StoreError::RowShape(format!(
                    "row is not an object: {other}"
                ))),
            })
            .collect()
    }
}

/// A D1 answer, taken across the boundary as one JSON string and parsed in Rust: one crossing
/// per answer instead of several per row and column (D1's rows are plain JSON values: text,
/// numbers, null; the schema has no BLOB columns).
fn from_json<T: for<'de> Deserialize<'de>>(value: &JsValue) -> Result<T, StoreError> {
    let text = js_sys::JSON::stringify(value)
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| StoreError::RowShape(format!("D1 answer: {e}")))
}

/// The message of a JS failure: for D1's own errors (messages starting "D1"), their `cause`,
/// which carries SQLite's message.
fn js_error(value: JsValue) -> StoreError {
    let message = match value.dyn_ref::<js_sys::Error>() {
        Some(error) => {
            let message = String::from(error.message());
            if message.starts_with("D1") {
                js_sys::JsString::from(error.cause())
                    .as_string()
                    .unwrap_or(message)
            } else {
                message
            }
        }
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    };
    StoreError::from_message(message)
}

/// D1 hands every number over as a JS double; turn whole ones back into integers so rows decode
/// into `i64` fields exactly as they do from SQLite.
fn integral(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => (f as i64).into(),
            _ => serde_json::Value::Number(n),
        },
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, integral(v))).collect())
        }
        other => other,
    }
}

fn worker_error(e: worker::Error) -> StoreError {
    StoreError::from_message(e.to_string())
}
