//! Limits on public writes: per client (its IP, per site) and per site, so one script can
//! neither flood a site nor fill the database all sites share. Chat sends count per client in
//! a budget of their own: a conversation (or an office behind one address) writes far more
//! often than anyone opens tickets, and must not spend the ticket form's budget. In the Worker, Cloudflare's
//! Rate Limiting binding counts (`[[ratelimits]]` in wrangler.toml, simulated by `wrangler
//! dev`); on the host, an in-memory counter with the same verdicts drives the tests.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use ticketbooth_shared::site_key::SiteKey;

/// The window both bindings count in, in seconds: what `Retry-After` says.
pub const PERIOD_SECS: u32 = 60;

/// Whose budget a write spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One client (IP address) on one site.
    Client,
    /// Everyone on one site.
    Site,
    /// One client's chat writes (starting a conversation, sending a message) on one site.
    Chat,
}

/// The key a scope counts under. The client's address is taken from `CF-Connecting-IP`, which
/// Cloudflare sets (and overwrites) at its edge; a request without it shares one budget.
pub fn key(scope: Scope, site: &SiteKey, client_ip: Option<&str>) -> String {
    match scope {
        Scope::Client | Scope::Chat => {
            format!("{}|{}", site.as_ref(), client_ip.unwrap_or("unknown"))
        }
        Scope::Site => site.as_ref().to_owned(),
    }
}

pub type Verdict<'a> = Pin<Box<dyn Future<Output = Result<bool, String>> + 'a>>;

/// Spends one unit of `key`'s budget in `scope`; `Ok(false)` when it is exhausted.
pub trait RateLimiter {
    fn allow<'a>(&'a self, scope: Scope, key: &'a str) -> Verdict<'a>;
}

/// No limits: for host tests that are not about limits.
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn allow<'a>(&'a self, _scope: Scope, _key: &'a str) -> Verdict<'a> {
        Box::pin(async { Ok(true) })
    }
}

/// Counts in memory, never forgetting: a window that does not end within a test.
pub struct Counting {
    client_limit: u32,
    site_limit: u32,
    chat_limit: u32,
    spent: RefCell<HashMap<(Scope, String), u32>>,
}

impl Counting {
    /// Chat writes are not limited unless `with_chat_limit` says so.
    pub fn new(client_limit: u32, site_limit: u32) -> Self {
        Self {
            client_limit,
            site_limit,
            chat_limit: u32::MAX,
            spent: RefCell::default(),
        }
    }

    pub fn with_chat_limit(self, chat_limit: u32) -> Self {
        Self { chat_limit, ..self }
    }
}

impl RateLimiter for Counting {
    fn allow<'a>(&'a self, scope: Scope, key: &'a str) -> Verdict<'a> {
        let limit = match scope {
            Scope::Client => self.client_limit,
            Scope::Site => self.site_limit,
            Scope::Chat => self.chat_limit,
        };
        let mut spent = self.spent.borrow_mut();
        let used = spent.entry((scope, key.to_owned())).or_default();
        let allowed = *used < limit;
        if allowed {
            *used += 1;
        }
        Box::pin(async move { Ok(allowed) })
    }
}

#[cfg(target_arch = "wasm32")]
pub use binding::Bindings;

#[cfg(target_arch = "wasm32")]
mod binding {
    use super::{RateLimiter, Scope, Verdict};

    /// The `[[ratelimits]]` bindings of wrangler.toml.
    pub struct Bindings {
        pub client: worker::RateLimiter,
        pub site: worker::RateLimiter,
        pub chat: worker::RateLimiter,
    }

    impl RateLimiter for Bindings {
        fn allow<'a>(&'a self, scope: Scope, key: &'a str) -> Verdict<'a> {
            let binding = match scope {
                Scope::Client => &self.client,
                Scope::Site => &self.site,
                Scope::Chat => &self.chat,
            };
            Box::pin(async move {
                binding
                    .limit(key.to_owned())
                    .await
                    .map(|outcome| outcome.success)
                    .map_err(|e| e.to_string())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(limiter: &Counting, scope: Scope, key: &str) -> bool {
        pollster::block_on(limiter.allow(scope, key)).unwrap()
    }

    #[test]
    fn counting_refuses_past_each_scopes_limit_per_key() {
        let limiter = Counting::new(2, 3);
        assert!(allow(&limiter, Scope::Client, "a"));
        assert!(allow(&limiter, Scope::Client, "a"));
        assert!(!allow(&limiter, Scope::Client, "a"));
        assert!(allow(&limiter, Scope::Client, "b"));
        for _ in 0..3 {
            assert!(allow(&limiter, Scope::Site, "a"));
        }
        assert!(!allow(&limiter, Scope::Site, "a"));
    }

    #[test]
    fn chat_writes_count_in_their_own_budget() {
        let limiter = Counting::new(1, 100).with_chat_limit(3);
        assert!(allow(&limiter, Scope::Client, "a"));
        assert!(!allow(&limiter, Scope::Client, "a"));
        for _ in 0..3 {
            assert!(
                allow(&limiter, Scope::Chat, "a"),
                "the client's budget is spent, not this"
            );
        }
        assert!(!allow(&limiter, Scope::Chat, "a"));
    }

    #[test]
    fn client_keys_are_per_site() {
        let acme = SiteKey::parse("acme").unwrap();
        let beta = SiteKey::parse("beta").unwrap();
        assert_ne!(
            key(Scope::Client, &acme, Some("192.0.2.1")),
            key(Scope::Client, &beta, Some("192.0.2.1"))
        );
        assert_eq!(key(Scope::Site, &acme, Some("192.0.2.1")), "acme");
    }
}
