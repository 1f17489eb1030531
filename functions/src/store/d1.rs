//! The `Executor` over Cloudflare D1 (Wasm only). One `batch()` call is one round trip and one
//! transaction, which is what the service layer relies on for every write.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use super::{Executor, Row, Statement, StoreError, Value};

pub struct D1Executor(D1Database);

impl D1Executor {
    pub fn new(db: D1Database) -> Self {
        Self(db)
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
        self.0
            .prepare(statement.sql)
            .bind(&params)
            .map_err(worker_error)
    }
}

impl Executor for D1Executor {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, StoreError> {
        let prepared = statements
            .iter()
            .map(|s| self.prepare(s))
            .collect::<Result<Vec<_>, _>>()?;
        let results = self.0.batch(prepared).await.map_err(worker_error)?;
        results.iter().map(rows_of).collect()
    }

    async fn query(&self, statement: Statement) -> Result<Vec<Row>, StoreError> {
        let result = self
            .prepare(&statement)?
            .all()
            .await
            .map_err(worker_error)?;
        rows_of(&result)
    }
}

fn rows_of(result: &D1Result) -> Result<Vec<Row>, StoreError> {
    if let Some(message) = result.error() {
        return Err(StoreError::from_message(message));
    }
    let values: Vec<serde_json::Value> = result.results().map_err(worker_error)?;
    values
        .into_iter()
        .map(|value| match integral(value) {
            serde_json::Value::Object(row) => Ok(row),
            other => Err(StoreError::RowShape(format!(
                "row is not an object: {other}"
            ))),
        })
        .collect()
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
