//! The workerd adapters, compiled for Wasm only: the fetch entry (`entry`: workerd's request
//! to `http::Request` and back, the isolate's caches), work after the answer (`follow_up`:
//! the bot, the outbox's hand-off), the Queue's consumer (`queue`), e-mail out through Email Service (`mail`), inbound mail (`email`), the Cron Trigger (`cron`),
//! the Worker's configuration (`env`), the conversation's Durable Object (`live_room`) and
//! the printer of their log lines (`console`).
//! Nothing here runs in host tests, so nothing lives here that could run elsewhere.

mod console;
mod cron;
mod email;
mod entry;
mod env;
mod follow_up;
mod live_room;
mod mail;
mod queue;
mod sync;
