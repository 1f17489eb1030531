//! What a settings page may say about a call to a tenant's URL: a status class ("connected",
//! "timed out", "refused: redirect", "HTTP 5xx"…), never the raw error. The raw text says
//! whether a port is open, what answers on it and how (`connection refused` against `TLS
//! handshake failed` against a banner), which turns a webhook test into a scanner of whatever
//! the Worker can reach; the class tells the site's owner what to fix and no more. The detail
//! goes to the Worker's log only.

use super::{OutboundError, Reply};

/// One attempt's outcome, as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx answer.
    Connected,
    /// A 3xx answer: redirects are never followed (an allowed receiver could bounce the signed
    /// request anywhere), so a redirect is a failed attempt.
    Redirect,
    /// Any other status, by its class (the first digit).
    Http(StatusClass),
    TimedOut,
    /// Refused, reset, unresolvable, a TLS failure: told apart in the log only.
    NoConnection,
    /// The answer passed the size the Worker reads.
    TooLarge,
    /// The stored URL does not pass the outbound policy (any more): not called.
    NotAllowed,
    /// An answer that is not what the protocol says (a provider's error event, invalid JSON, a
    /// tool call out of range).
    BadAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Informational,
    ClientError,
    ServerError,
    Other,
}

impl Attempt {
    pub fn of(result: &Result<Reply, OutboundError>) -> Self {
        match result {
            Ok(reply) => Self::of_status(reply.status),
            Err(e) => Self::of_error(e),
        }
    }

    pub fn of_error(error: &OutboundError) -> Self {
        match error {
            OutboundError::TimedOut => Self::TimedOut,
            OutboundError::TooLarge { .. } => Self::TooLarge,
            OutboundError::Connection(_) => Self::NoConnection,
        }
    }

    pub fn of_status(status: u16) -> Self {
        match status {
            200..=299 => Self::Connected,
            300..=399 => Self::Redirect,
            100..=199 => Self::Http(StatusClass::Informational),
            400..=499 => Self::Http(StatusClass::ClientError),
            500..=599 => Self::Http(StatusClass::ServerError),
            _ => Self::Http(StatusClass::Other),
        }
    }

    pub fn succeeded(self) -> bool {
        self == Self::Connected
    }

    /// The words shown (and stored as a delivery's `last_error`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Redirect => "refused: redirect",
            Self::Http(StatusClass::Informational) => "HTTP 1xx",
            Self::Http(StatusClass::ClientError) => "HTTP 4xx",
            Self::Http(StatusClass::ServerError) => "HTTP 5xx",
            Self::Http(StatusClass::Other) => "HTTP error",
            Self::TimedOut => "timed out",
            Self::NoConnection => "no connection",
            Self::TooLarge => "refused: answer too large",
            Self::NotAllowed => "refused: address not allowed",
            Self::BadAnswer => "bad answer",
        }
    }

    /// A stored label read back; `None` for anything else (raw errors stored before classes).
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.label() == label)
    }

    const ALL: [Self; 11] = [
        Self::Connected,
        Self::Redirect,
        Self::Http(StatusClass::Informational),
        Self::Http(StatusClass::ClientError),
        Self::Http(StatusClass::ServerError),
        Self::Http(StatusClass::Other),
        Self::TimedOut,
        Self::NoConnection,
        Self::TooLarge,
        Self::NotAllowed,
        Self::BadAnswer,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_failures_have_a_class_and_no_detail() {
        let reply = |status| {
            Ok(Reply {
                status,
                body: Vec::new(),
            })
        };
        let cases = [
            (reply(200), "connected"),
            (reply(204), "connected"),
            (reply(301), "refused: redirect"),
            (reply(302), "refused: redirect"),
            (reply(308), "refused: redirect"),
            (reply(404), "HTTP 4xx"),
            (reply(503), "HTTP 5xx"),
            (reply(101), "HTTP 1xx"),
            (reply(999), "HTTP error"),
            (Err(OutboundError::TimedOut), "timed out"),
            (
                Err(OutboundError::Connection(
                    "connect ECONNREFUSED 10.0.0.7:22".into(),
                )),
                "no connection",
            ),
            (
                Err(OutboundError::TooLarge { limit: 10 }),
                "refused: answer too large",
            ),
        ];
        for (result, label) in cases {
            let attempt = Attempt::of(&result);
            assert_eq!(attempt.label(), label, "{result:?}");
            assert_eq!(Attempt::from_label(label), Some(attempt));
        }
        assert_eq!(
            Attempt::from_label("connect ECONNREFUSED 10.0.0.7:22"),
            None
        );
    }
}
