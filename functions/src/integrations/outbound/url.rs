//! The one policy for every URL a tenant gives the Worker to call — a bot's provider base, a
//! webhook receiver: `https` only; plain `http` only to this machine and only when the
//! development allowance is on; no user name or password; no fragment, and no query in a base
//! (the Worker appends a path to it, and a `?` or `#` would swallow that path); no loopback,
//! private, link-local, CGNAT, unique-local or unspecified address (nor an IPv6 form of one)
//! outside development. Checked when a form is saved and again before every request, so a
//! value stored before this policy (or under the development allowance) is never fetched: the
//! `Outbound` seam takes only an `OutboundUrl`, and the only way to get one is `parse`.
//!
//! Parsing is the `url` crate's, which implements the WHATWG URL standard — the one workerd's
//! `fetch` follows. A hand-written parser would have to agree with `fetch` on every oddity
//! (`http://localhost:1@evil.example/` is user `localhost` at `evil.example`; `http://0x7f.1/`
//! and `http://2130706433/` are 127.0.0.1; tabs and newlines inside a URL are dropped); using
//! the same standard means the host checked here is the host `fetch` connects to, and the URL
//! sent is the serialization checked. Size: workers-rs already parses every request's URL with
//! `url`, so the Worker's Wasm carries it anyway; only host builds compile it anew.
//!
//! Host names are not resolved here (the Worker cannot resolve them); an address literal is
//! what a tenant can type to aim at an internal network, and Cloudflare's `fetch` does not
//! route to private networks from the edge. `localhost` and `*.localhost` count as loopback.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ::url::{Host, Url};

/// Whether the Worker runs for development: the `OUTBOUND_ALLOW_LOOPBACK_HTTP` variable, set
/// by `cargo xtask dev` and the end-to-end harness (whose doubles listen on 127.0.0.1), never
/// in wrangler.toml's `[vars]` (they ship to production).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutboundPolicy {
    /// Public `https` hosts only.
    #[default]
    Production,
    /// Also loopback and private addresses, and plain `http` to loopback (local doubles, a
    /// local model server).
    Development,
}

impl OutboundPolicy {
    /// The policy the Worker variable `OUTBOUND_ALLOW_LOOPBACK_HTTP`'s value (if set) asks
    /// for; anything but `1`/`true` is production.
    pub fn from_variable(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some("1" | "true") => Self::Development,
            _ => Self::Production,
        }
    }
}

/// What the URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A base the Worker appends a path to (a provider's `…/v1`): no query either.
    Base,
    /// A URL called as it is (a webhook receiver): a query may carry the receiver's own token.
    Endpoint,
}

/// Why a URL is refused (every variant is `invalid_format` on a form; the text is for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not an absolute URL")]
    Malformed,
    #[error("only https is allowed")]
    Scheme,
    #[error("plain http reaches only this machine, and only in development")]
    PlainHttp,
    #[error("a user name or password in the URL is not allowed")]
    Userinfo,
    #[error("a query or fragment is not allowed here")]
    QueryOrFragment,
    #[error("the address is loopback, private or link-local")]
    Address,
}

/// A URL that passed the policy, in its WHATWG serialization (what is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundUrl(Url);

impl OutboundUrl {
    pub fn parse(input: &str, target: Target, policy: OutboundPolicy) -> Result<Self, UrlError> {
        // WHATWG parsing trims spaces and drops tabs and newlines anywhere: a value that needs
        // that is refused rather than silently changed into another host.
        if input.is_empty() || input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::Malformed);
        }
        let url = Url::parse(input).map_err(|_| UrlError::Malformed)?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(UrlError::Scheme),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Userinfo);
        }
        if url.fragment().is_some() || (target == Target::Base && url.query().is_some()) {
            return Err(UrlError::QueryOrFragment);
        }
        let reach = url.host().map(|h| reach(&h)).ok_or(UrlError::Malformed)?;
        let development = policy == OutboundPolicy::Development;
        let plain_http_allowed = development && reach == Reach::Loopback;
        if !https && !plain_http_allowed {
            return Err(UrlError::PlainHttp);
        }
        if reach != Reach::Public && !development {
            return Err(UrlError::Address);
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The base as settings store it: the serialization without a trailing `/`.
    pub fn as_base(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// `path` (relative, e.g. `chat/completions`) appended to this base's path.
    pub fn join(&self, path: &str) -> Self {
        let mut url = self.0.clone();
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        Self(url)
    }

    /// This URL with `pairs` as its query (form-encoded, replacing any query): a help desk's
    /// search by our id. Host and path stay the checked ones.
    pub fn with_query(&self, pairs: &[(&str, &str)]) -> Self {
        let mut url = self.0.clone();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        Self(url)
    }
}

impl fmt::Display for OutboundUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a host leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Public,
    /// This machine.
    Loopback,
    /// A private, link-local, CGNAT, unspecified, multicast or reserved address.
    Internal,
}

fn reach(host: &Host<&str>) -> Reach {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            if name == "localhost" || name.ends_with(".localhost") {
                Reach::Loopback
            } else {
                Reach::Public
            }
        }
        Host::Ipv4(ip) => reach_v4(*ip),
        Host::Ipv6(ip) => reach_v6(*ip),
    }
}

fn reach_v4(ip: Ipv4Addr) -> Reach {
    let [a, b, ..] = ip.octets();
    let this_network = a == 0; // 0/8, 0.0.0.0 included
    let cgnat = a == 100 && (b & 0xc0) == 64; // 100.64/10
    let multicast_or_reserved = a >= 224; // 224/4, 240/4, the broadcast address
    if ip.is_loopback() {
        Reach::Loopback
    } else if this_network
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16 (where cloud metadata services answer)
        || cgnat
        || multicast_or_reserved
    {
        Reach::Internal
    } else {
        Reach::Public
    }
}

fn reach_v6(ip: Ipv6Addr) -> Reach {
    let s = ip.segments();
    if ip.is_loopback() {
        return Reach::Loopback;
    }
    // Forms that carry an IPv4 address are judged by it: v4-mapped (::ffff:a.b.c.d),
    // the deprecated v4-compatible (::a.b.c.d, `::` itself included) and NAT64 (64:ff9b::/96).
    if let Some(v4) = ip.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    if s[..6] == [0; 6] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return reach_v4(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])));
    }
    let unique_local = (s[0] & 0xfe00) == 0xfc00; // fc00::/7
    let link_local = (s[0] & 0xffc0) == 0xfe80; // fe80::/10
    let site_local = (s[0] & 0xffc0) == 0xfec0; // fec0::/10, deprecated but still routed locally
    if unique_local || link_local || site_local || ip.is_multicast() {
        Reach::Internal
    } else {
        Reach::Public
    }
}

#[cfg(test)]
mod tests {
    use super::OutboundPolicy::{Development, Production};
    use super::Target::{Base, Endpoint};
    use super::*;

    /// Every case of the policy: (input, target, in production, in development).
    #[test]
    fn the_policy_table() {
        use UrlError::*;
        type Verdict = Result<(), UrlError>;
        let ok = Ok(());
        let cases: &[(&str, Target, Verdict, Verdict)] = &[
            ("https://api.openai.com/v1", Base, ok, ok),
            ("https://hooks.slack.com/services/T0/B0/x", Endpoint, ok, ok),
            ("https://receiver.example/in?token=abc", Endpoint, ok, ok),
            ("https://[2606:4700::1111]/v1", Base, ok, ok),
            ("https://1.1.1.1/v1", Base, ok, ok),
            // The user-info trick: user `localhost`, password `1`, host evil.example.
            (
                "http://localhost:1@evil.example/",
                Base,
                Err(Userinfo),
                Err(Userinfo),
            ),
            (
                "https://user:pass@host.example/",
                Endpoint,
                Err(Userinfo),
                Err(Userinfo),
            ),
            (
                "https://user@host.example/",
                Endpoint,
                Err(Userinfo),
                Err(Userinfo),
            ),
            // A query or fragment would swallow the path appended to a base.
            (
                "https://x.example/v1?",
                Base,
                Err(QueryOrFragment),
                Err(QueryOrFragment),
            ),
            (
                "https://x.example/v1?a=b",
                Base,
                Err(QueryOrFragment),
                Err(QueryOrFragment),
            ),
            (
                "https://x.example/v1#",
                Base,
                Err(QueryOrFragment),
                Err(QueryOrFragment),
            ),
            (
                "https://x.example/in#frag",
                Endpoint,
                Err(QueryOrFragment),
                Err(QueryOrFragment),
            ),
            // Plain http: only to this machine, only in development.
            (
                "http://api.example.com/v1",
                Base,
                Err(PlainHttp),
                Err(PlainHttp),
            ),
            (
                "http://localhost.evil.example/v1",
                Base,
                Err(PlainHttp),
                Err(PlainHttp),
            ),
            ("http://127.0.0.1:11434/v1", Base, Err(PlainHttp), ok),
            ("http://localhost/v1", Base, Err(PlainHttp), ok),
            ("http://[::1]:8080/in", Endpoint, Err(PlainHttp), ok),
            ("http://10.0.0.1/", Endpoint, Err(PlainHttp), Err(PlainHttp)),
            // Other schemes never.
            ("ftp://files.example/", Endpoint, Err(Scheme), Err(Scheme)),
            ("file:///etc/passwd", Endpoint, Err(Scheme), Err(Scheme)),
            ("javascript:alert(1)", Endpoint, Err(Scheme), Err(Scheme)),
            // Internal addresses over https: refused outside development.
            ("https://127.0.0.1/", Endpoint, Err(Address), ok),
            ("https://127.9.9.9/", Endpoint, Err(Address), ok),
            ("https://localhost/", Endpoint, Err(Address), ok),
            ("https://api.localhost./", Endpoint, Err(Address), ok),
            ("https://10.1.2.3/", Endpoint, Err(Address), ok),
            ("https://172.16.0.1/", Endpoint, Err(Address), ok),
            ("https://172.31.255.255/", Endpoint, Err(Address), ok),
            ("https://192.168.1.1/", Endpoint, Err(Address), ok),
            (
                "https://169.254.169.254/latest/meta-data",
                Endpoint,
                Err(Address),
                ok,
            ),
            ("https://100.64.0.1/", Endpoint, Err(Address), ok),
            ("https://100.127.255.255/", Endpoint, Err(Address), ok),
            ("https://0.0.0.0/", Endpoint, Err(Address), ok),
            ("https://224.0.0.1/", Endpoint, Err(Address), ok),
            ("https://255.255.255.255/", Endpoint, Err(Address), ok),
            ("https://[::1]/", Endpoint, Err(Address), ok),
            ("https://[::]/", Endpoint, Err(Address), ok),
            ("https://[fe80::1]/", Endpoint, Err(Address), ok),
            ("https://[fd00::1]/", Endpoint, Err(Address), ok),
            ("https://[fc00::1]/", Endpoint, Err(Address), ok),
            ("https://[::ffff:127.0.0.1]/", Endpoint, Err(Address), ok),
            ("https://[::ffff:10.0.0.1]/", Endpoint, Err(Address), ok),
            (
                "https://[::ffff:169.254.169.254]/",
                Endpoint,
                Err(Address),
                ok,
            ),
            ("https://[::127.0.0.1]/", Endpoint, Err(Address), ok),
            ("https://[64:ff9b::a00:1]/", Endpoint, Err(Address), ok),
            // Other spellings of an address are the address (WHATWG, as `fetch` reads them).
            ("https://2130706433/", Endpoint, Err(Address), ok),
            ("https://0x7f.1/", Endpoint, Err(Address), ok),
            ("https://0177.0.0.1/", Endpoint, Err(Address), ok),
            ("https://10.1/", Endpoint, Err(Address), ok),
            // Neighbours of the ranges stay public.
            ("https://100.128.0.1/", Endpoint, ok, ok),
            ("https://172.32.0.1/", Endpoint, ok, ok),
            ("https://169.255.0.1/", Endpoint, ok, ok),
            ("https://[::ffff:8.8.8.8]/", Endpoint, ok, ok),
            // Whitespace and control characters are refused, not dropped.
            (
                "https://exa\tmple.com/",
                Endpoint,
                Err(Malformed),
                Err(Malformed),
            ),
            (
                "https://example.com/\n",
                Endpoint,
                Err(Malformed),
                Err(Malformed),
            ),
            (
                " https://example.com/",
                Endpoint,
                Err(Malformed),
                Err(Malformed),
            ),
            ("", Endpoint, Err(Malformed), Err(Malformed)),
            ("example.com/v1", Base, Err(Malformed), Err(Malformed)),
            ("https://", Base, Err(Malformed), Err(Malformed)),
        ];
        for (input, target, production, development) in cases {
            for (policy, expected) in [(Production, production), (Development, development)] {
                let got = OutboundUrl::parse(input, *target, policy).map(|_| ());
                assert_eq!(&got, expected, "{input:?} as {target:?} under {policy:?}");
            }
        }
    }

    #[test]
    fn the_url_sent_is_the_normalised_one_and_a_path_joins_the_base() {
        let base = OutboundUrl::parse("https://API.example.com/v1/", Base, Production).unwrap();
        assert_eq!(base.as_base(), "https://api.example.com/v1");
        assert_eq!(
            base.join("chat/completions").as_str(),
            "https://api.example.com/v1/chat/completions"
        );
        let bare = OutboundUrl::parse("https://api.example.com", Base, Production).unwrap();
        assert_eq!(bare.as_base(), "https://api.example.com");
        assert_eq!(
            bare.join("chat/completions").as_str(),
            "https://api.example.com/chat/completions"
        );
    }

    #[test]
    fn only_the_variable_set_to_one_allows_development() {
        assert_eq!(OutboundPolicy::from_variable(Some("1")), Development);
        assert_eq!(OutboundPolicy::from_variable(Some("true")), Development);
        for value in [None, Some(""), Some("0"), Some("false"), Some("yes please")] {
            assert_eq!(OutboundPolicy::from_variable(value), Production);
        }
    }
}
