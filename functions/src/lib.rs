//! The Ticketbooth Worker. Map (see ARCHITECTURE.md):
//! - `app` — one request in, one response out; routes to handlers.
//! - `dashboard` — the operators' HTML pages under `/app`.
//! - `http` — requests and responses as plain data, the route table, CORS, the error enum.
//! - `password` — PBKDF2 password hashes (WebCrypto in the Worker, the `pbkdf2` crate on the host).
//! - `service` — what the Worker does (create tickets, visitor reads), over an `Executor`.
//! - `sha256` — SHA-256 as hex (idempotency fingerprints, operator-token hashes).
//! - `sql` — every SQL statement, one module per table.
//! - `store` — the executor seam, with D1 (Wasm) and SQLite (host) implementations.
//! - `visitor_token` — signed, stateless visitor tokens.
//! - `worker_entry` — the workerd adapter (Wasm only).

pub mod app;
pub mod dashboard;
pub mod http;
pub mod password;
pub mod service;
pub mod sha256;
pub mod sql;
pub mod store;
pub mod visitor_token;

#[cfg(target_arch = "wasm32")]
mod worker_entry;
