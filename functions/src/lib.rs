//! The Ticketbooth Worker. Rooms by purpose, each importing only from the rooms below it
//! (ARCHITECTURE.md has the map and the order; `xtask/src/tidy/layers.rs` holds it):
//! - `platform` — the workerd adapters: entry, queue consumer, cron, the live room (Wasm only).
//! - `app` — the front door: one request in, one response out; dispatches to the routes.
//! - `api` — the JSON routes: the widget's (tickets, chat, thread), tools, MCP, operators' API.
//! - `dashboard` — the operators' HTML pages under `/app`.
//! - `context` — `App`, `Fresh`, and which visitor or operator a request comes from.
//! - `integrations` — other services: the outbound client and URL policy, the LLM provider and
//!   the bot's tool loop, webhooks, Turnstile.
//! - `http` — requests and responses as plain data, the route table, CORS, the error enum, and
//!   what the API and the dashboard share (action inputs, bulk, the export's formats).
//! - `service` — what the Worker does, over an `Executor`; the isolate's caches of its types.
//! - `sql` — every SQL statement, one module per table.
//! - `store` — the executor seam, with D1 (Wasm) and SQLite (host) implementations.
//! - `crypto` — hashes, HMAC, constant-time compare, passwords, tokens, sealed secrets, CSPRNG.
//! - `infra` — the bounded isolate map and the rate-limit budgets.

pub mod api;
pub mod app;
pub mod context;
pub mod crypto;
pub mod dashboard;
pub mod http;
pub mod infra;
pub mod integrations;
pub mod service;
pub mod sql;
pub mod store;

#[cfg(target_arch = "wasm32")]
mod platform;
