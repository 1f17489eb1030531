//! The Ticketbooth Worker. Map (see ARCHITECTURE.md):
//! - `aged_map` — a map kept in the isolate, bounded in entry age and count (the caches).
//! - `app` — one request in, one response out; routes to handlers.
//! - `credential_cache` — whom credentials named: a hint one-round-trip requests check.
//! - `chat_api` — the widget's chat routes (conversations, messages), visitor token only.
//! - `bulk` — one action over many tickets (API and dashboard).
//! - `dashboard` — the operators' HTML pages under `/app`.
//! - `http` — requests and responses as plain data, the route table, CORS, the error enum.
//! - `operator_api` — the operators' JSON API (bearer API tokens), same services as the pages.
//! - `outbound` — calls to other services (`fetch` seam), the one policy for tenants' URLs,
//!   and the status class an attempt is shown as.
//! - `password` — PBKDF2 password hashes (WebCrypto in the Worker, the `pbkdf2` crate on the host).
//! - `random` — random bytes from the platform's CSPRNG (the Worker's ids; xtask's secrets).
//! - `rate_limit` — budgets for public writes (Cloudflare's Rate Limiting binding).
//! - `site_cache` — sites kept in the isolate for a bounded time (one D1 round trip a request).
//! - `service` — what the Worker does (create tickets, visitor reads), over an `Executor`.
//! - `sha256` — SHA-256 as hex (idempotency fingerprints, operator-token hashes).
//! - `sql` — every SQL statement, one module per table.
//! - `store` — the executor seam, with D1 (Wasm) and SQLite (host) implementations.
//! - `visitor_token` — signed, stateless visitor tokens.
//! - `live_room` — the conversation's Durable Object: WebSocket fan-out (Wasm only).
//! - `worker_entry` — the workerd adapter (Wasm only).

pub mod aged_map;
pub mod app;
pub mod bot;
pub mod bulk;
pub mod chat_api;
pub mod credential_cache;
pub mod dashboard;
pub mod data_export;
pub mod http;
pub mod identity_token;
pub mod llm;
pub mod mcp;
pub mod operator_api;
pub mod outbound;
pub mod password;
pub mod random;
pub mod rate_limit;
pub mod secret_box;
pub mod service;
pub mod sha256;
pub mod site_cache;
pub mod sql;
pub mod store;
pub mod thread_api;
pub mod tools_api;
pub mod turnstile;
pub mod visitor_token;
pub mod webhooks;

#[cfg(target_arch = "wasm32")]
mod live_room;
#[cfg(target_arch = "wasm32")]
mod worker_entry;
