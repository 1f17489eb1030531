//! The one storage seam: the service layer builds `Statement`s and hands them to an
//! `Executor`, implemented by D1 in the Worker and by bundled SQLite in host tests. Both run
//! the same migration files and the same SQL text, so host tests exercise the real queries.

#[cfg(target_arch = "wasm32")]
pub mod d1;
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
pub mod sqlite;

use serde::de::DeserializeOwned;
use thiserror::Error;

/// A bound parameter. D1 takes numbers as JS doubles, so integers must stay within 2^53.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Text(String),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Integer(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Integer(i64::from(b))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// SQL text (always a literal from one of the `sql::*` modules, never built from input) and
/// its `?N` parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: &'static str,
    pub params: Vec<Value>,
}

impl Statement {
    pub fn new(sql: &'static str, params: Vec<Value>) -> Self {
        Self { sql, params }
    }
}

/// A result row as a JSON object keyed by column name: the form D1 returns, and one serde can
/// turn into a typed row struct.
pub type Row = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Error, PartialEq)]
pub enum StoreError {
    /// A UNIQUE or PRIMARY KEY constraint refused a write; the whole batch was rolled back.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// A CHECK constraint refused a write; the whole batch was rolled back. The ticket actions
    /// use this on purpose: their guard statement fails a CHECK when the ticket changed since
    /// it was read (`sql::ticket_events::insert_guarded`).
    #[error("check constraint violated: {0}")]
    CheckViolation(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("unexpected row shape: {0}")]
    RowShape(String),
}

impl StoreError {
    /// Classifies a driver's message; both SQLite and D1 report "UNIQUE constraint failed"
    /// and "CHECK constraint failed".
    pub fn from_message(message: String) -> Self {
        if message.contains("UNIQUE constraint failed") {
            StoreError::UniqueViolation(message)
        } else if message.contains("CHECK constraint failed") {
            StoreError::CheckViolation(message)
        } else {
            StoreError::Database(message)
        }
    }
}

// Workers run one request per isolate thread and D1's futures are not `Send`, so the seam
// deliberately makes no `Send` promise.
#[allow(async_fn_in_trait)]
pub trait Executor {
    /// Runs `statements` as one atomic batch (one D1 round trip): all apply or none do. Returns
    /// each statement's rows, in order (empty for statements that return none).
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, StoreError>;

    /// Runs one read-only statement.
    async fn query(&self, statement: Statement) -> Result<Vec<Row>, StoreError>;
}

/// Decodes a row into a typed struct.
pub fn decode<T: DeserializeOwned>(row: Row) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::Object(row))
        .map_err(|e| StoreError::RowShape(e.to_string()))
}

/// Decodes at most one row.
pub fn decode_first<T: DeserializeOwned>(rows: Vec<Row>) -> Result<Option<T>, StoreError> {
    rows.into_iter().next().map(decode).transpose()
}
