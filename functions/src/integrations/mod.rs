//! Talking to other services: one outbound client (`outbound`, the `fetch` seam) and the one
//! policy every tenant-given URL passes (`outbound::url`); the site's LLM provider (`llm`, the
//! Chat Completions wire format) and the bot's tool loop over it (`bot`); operator
//! notifications to a site's webhook (`webhooks`); Cloudflare Turnstile's siteverify
//! (`turnstile`); a ticket's AI summary, written by the provider (`summary`). These sit above
//! the service layer (they call it) and below the routes.

pub mod bot;
pub mod llm;
pub mod outbound;
pub mod summary;
pub mod sync;
pub mod turnstile;
pub mod webhooks;
