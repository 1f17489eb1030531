//! Requests the Worker makes to other services (Turnstile's siteverify, a bot's LLM provider, a
//! site's webhook receiver). A seam: `fetch` in the Worker, a scripted double in host tests
//! that answers with the remote service's exact wire format — so everything but the socket is
//! plain Rust and tested on the host.
//!
//! A tenant's URL reaches the seam only as an `OutboundUrl` (`url`: the one outbound policy),
//! so nothing calls a URL that was not checked at send time. Redirects are never followed and
//! every body is read up to a cap: the remote is the tenant's, and may be hostile.

pub mod attempt;
pub mod url;

use std::future::Future;
use std::pin::Pin;

pub use self::attempt::Attempt;
pub use self::url::{OutboundPolicy, OutboundUrl, Target, UrlError};

/// The most of an answer's body the Worker reads when it reads one whole: a siteverify verdict
/// or a webhook receiver's "ok" is well under 1 KB; anything near this is not what we asked
/// for, and reading on would let the remote fill the isolate's 128 MB.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// What came back: the status and the body's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why no (usable) answer came. The detail of `Connection` is for the log only (see `attempt`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("no answer in time")]
    TimedOut,
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("no connection: {0}")]
    Connection(String),
}

impl From<String> for OutboundError {
    fn from(detail: String) -> Self {
        Self::Connection(detail)
    }
}

impl From<&str> for OutboundError {
    fn from(detail: &str) -> Self {
        Self::Connection(detail.to_owned())
    }
}

pub type Pending<'a> = Pin<Box<dyn Future<Output = Result<Reply, OutboundError>> + 'a>>;

/// The next piece of a streamed body (see `Chunks::next`).
pub type NextChunk<'a> = Pin<Box<dyn Future<Output = Option<Result<Vec<u8>, OutboundError>>> + 'a>>;

/// A body read as it arrives.
pub trait Chunks {
    /// The next piece; `None` at the end; `Err` when the connection failed or `deadline_ms`
    /// (milliseconds since the epoch) passed first.
    fn next(&mut self, deadline_ms: i64) -> NextChunk<'_>;
}

/// Reads `chunks` to the end, failing as soon as they pass `limit` bytes (nothing past the
/// limit is kept).
pub async fn read_capped(
    chunks: &mut dyn Chunks,
    deadline_ms: i64,
    limit: usize,
) -> Result<Vec<u8>, OutboundError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next(deadline_ms).await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > limit {
            return Err(OutboundError::TooLarge { limit });
        }
        bytes.extend(chunk);
    }
    Ok(bytes)
}

/// An answer whose body streams in.
pub struct Streaming {
    pub status: u16,
    pub chunks: Box<dyn Chunks>,
}

/// The method of a request to a tenant's API (`Outbound::send`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A request to a tenant's REST API (a help desk's): the URL passed the outbound policy; the
/// body, when there is one, is JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: OutboundUrl,
    pub headers: Vec<(&'static str, String)>,
    pub json: Option<String>,
}

/// What came back from `send`: the status, the one header a caller acts on (`Retry-After`,
/// as sent), and the body's bytes (read up to `MAX_REPLY_BYTES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

pub type PendingAnswer<'a> = Pin<Box<dyn Future<Output = Result<Answer, OutboundError>> + 'a>>;

pub type PendingStream<'a> = Pin<Box<dyn Future<Output = Result<Streaming, OutboundError>> + 'a>>;

pub trait Outbound {
    /// POSTs `body` as `application/x-www-form-urlencoded` to `url` (the operator's own
    /// configuration, e.g. Turnstile's siteverify: not a tenant's). `Err` when no answer came
    /// (refused, timed out): the caller decides what that means.
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> Pending<'a>;

    /// POSTs JSON to `url` with `headers`; `Err` when no answer came by `deadline_ms`. The body
    /// is read up to `MAX_REPLY_BYTES`; a redirect is answered as its 3xx, not followed.
    /// (Doubles that only speak forms keep the default.)
    fn post_json<'a>(
        &'a self,
        url: &'a OutboundUrl,
        _headers: Vec<(&'static str, String)>,
        _body: String,
        _deadline_ms: i64,
    ) -> Pending<'a> {
        Box::pin(async move {
            Err(OutboundError::Connection(format!(
                "no JSON client for {url}"
            )))
        })
    }

    /// POSTs JSON to `url` with `headers`, and hands back the body as it streams in (the caller
    /// bounds what it keeps). `Err` when no answer came by `deadline_ms`; a redirect is
    /// answered as its 3xx, not followed. (Doubles that only speak forms keep the default.)
    fn post_json_stream<'a>(
        &'a self,
        url: &'a OutboundUrl,
        _headers: Vec<(&'static str, String)>,
        _body: String,
        _deadline_ms: i64,
    ) -> PendingStream<'a> {
        Box::pin(async move {
            Err(OutboundError::Connection(format!(
                "no streaming client for {url}"
            )))
        })
    }

    /// Sends `request` and reads the answer (up to `MAX_REPLY_BYTES`) by `deadline_ms`; a
    /// redirect is answered as its 3xx, not followed. `Err` when no answer came. (Doubles that
    /// do not speak REST keep the default.)
    fn send<'a>(&'a self, request: &'a Request, _deadline_ms: i64) -> PendingAnswer<'a> {
        Box::pin(async move {
            Err(OutboundError::Connection(format!(
                "no REST client for {}",
                request.url
            )))
        })
    }
}

/// For apps that never call out (host tests of everything else): every call fails.
pub struct Offline;

impl Outbound for Offline {
    fn post_form<'a>(&'a self, url: &'a str, _body: String) -> Pending<'a> {
        Box::pin(async move {
            Err(OutboundError::Connection(format!(
                "offline: no request to {url}"
            )))
        })
    }
}

/// `fetch` through workerd.
#[cfg(target_arch = "wasm32")]
pub struct Fetch;

/// A POST that never follows a redirect: workerd answers `manual` with the 3xx itself.
#[cfg(target_arch = "wasm32")]
fn post(
    url: &str,
    headers: worker::Headers,
    body: String,
) -> Result<worker::Request, OutboundError> {
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_redirect(worker::RequestRedirect::Manual)
        .with_body(Some(body.into()));
    worker::Request::new_with_init(url, &init).map_err(|e| OutboundError::Connection(e.to_string()))
}

#[cfg(target_arch = "wasm32")]
impl Outbound for Fetch {
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> Pending<'a> {
        Box::pin(async move {
            let headers = worker::Headers::new();
            headers
                .set("content-type", "application/x-www-form-urlencoded")
                .map_err(|e| e.to_string())?;
            let mut response = worker::Fetch::Request(post(url, headers, body)?)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status_code();
            // No deadline of its own (as before): the cap is what this adds.
            let body =
                read_capped(chunks_of(&mut response).as_mut(), i64::MAX, MAX_REPLY_BYTES).await?;
            Ok(Reply { status, body })
        })
    }

    fn post_json<'a>(
        &'a self,
        url: &'a OutboundUrl,
        headers: Vec<(&'static str, String)>,
        body: String,
        deadline_ms: i64,
    ) -> Pending<'a> {
        Box::pin(async move {
            let mut answer = self
                .post_json_stream(url, headers, body, deadline_ms)
                .await?;
            let body = read_capped(answer.chunks.as_mut(), deadline_ms, MAX_REPLY_BYTES).await?;
            Ok(Reply {
                status: answer.status,
                body,
            })
        })
    }

    fn post_json_stream<'a>(
        &'a self,
        url: &'a OutboundUrl,
        headers: Vec<(&'static str, String)>,
        body: String,
        deadline_ms: i64,
    ) -> PendingStream<'a> {
        Box::pin(async move {
            let h = worker::Headers::new();
            h.set("content-type", "application/json")
                .map_err(|e| e.to_string())?;
            for (name, value) in &headers {
                h.set(name, value).map_err(|e| e.to_string())?;
            }
            let fetch = worker::Fetch::Request(post(url.as_str(), h, body)?);
            let mut response = within(deadline_ms, fetch.send())
                .await
                .ok_or(OutboundError::TimedOut)?
                .map_err(|e| e.to_string())?;
            let status = response.status_code();
            Ok(Streaming {
                status,
                chunks: chunks_of(&mut response),
            })
        })
    }
    fn send<'a>(&'a self, request: &'a Request, deadline_ms: i64) -> PendingAnswer<'a> {
        Box::pin(async move {
            let fetch = worker::Fetch::Request(Self::request(request)?);
            let mut response = within(deadline_ms, fetch.send())
                .await
                .ok_or(OutboundError::TimedOut)?
                .map_err(|e| e.to_string())?;
            let status = response.status_code();
            let retry_after = response.headers().get("retry-after").ok().flatten();
            let body = read_capped(
                chunks_of(&mut response).as_mut(),
                deadline_ms,
                MAX_REPLY_BYTES,
            )
            .await?;
            Ok(Answer {
                status,
                retry_after,
                body,
            })
        })
    }
}

#[cfg(target_arch = "wasm32")]
impl Fetch {
    /// `send`'s request: never follows a redirect.
    fn request(request: &Request) -> Result<worker::Request, OutboundError> {
        let headers = worker::Headers::new();
        if request.json.is_some() {
            headers
                .set("content-type", "application/json")
                .map_err(|e| e.to_string())?;
        }
        headers
            .set("accept", "application/json")
            .map_err(|e| e.to_string())?;
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(|e| e.to_string())?;
        }
        let method = match request.method {
            Method::Get => worker::Method::Get,
            Method::Post => worker::Method::Post,
            Method::Put => worker::Method::Put,
            Method::Delete => worker::Method::Delete,
        };
        let mut init = worker::RequestInit::new();
        init.with_method(method)
            .with_headers(headers)
            .with_redirect(worker::RequestRedirect::Manual);
        if let Some(json) = &request.json {
            init.with_body(Some(json.clone().into()));
        }
        worker::Request::new_with_init(request.url.as_str(), &init)
            .map_err(|e| OutboundError::Connection(e.to_string()))
    }
}

/// `future`, unless the clock passes `deadline_ms` first (`None`).
#[cfg(target_arch = "wasm32")]
async fn within<T>(deadline_ms: i64, future: impl Future<Output = T>) -> Option<T> {
    use futures_util::future::{Either, select};
    let left = deadline_ms
        .saturating_sub(js_sys::Date::now() as i64)
        .clamp(0, 86_400_000) as u64;
    let timer = worker::Delay::from(std::time::Duration::from_millis(left));
    match select(std::pin::pin!(future), timer).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
    }
}

/// The body as it arrives; a response without one (a 204, an empty redirect) reads as empty.
#[cfg(target_arch = "wasm32")]
fn chunks_of(response: &mut worker::Response) -> Box<dyn Chunks> {
    match response.stream() {
        Ok(stream) => Box::new(FetchChunks(stream)),
        Err(_) => Box::new(NoBody),
    }
}

#[cfg(target_arch = "wasm32")]
struct NoBody;

#[cfg(target_arch = "wasm32")]
impl Chunks for NoBody {
    fn next(&mut self, _deadline_ms: i64) -> NextChunk<'_> {
        Box::pin(async { None })
    }
}

#[cfg(target_arch = "wasm32")]
struct FetchChunks(worker::ByteStream);

#[cfg(target_arch = "wasm32")]
impl Chunks for FetchChunks {
    fn next(&mut self, deadline_ms: i64) -> NextChunk<'_> {
        Box::pin(async move {
            use futures_util::StreamExt;
            match within(deadline_ms, self.0.next()).await {
                None => Some(Err(OutboundError::TimedOut)),
                Some(next) => next.map(|r| r.map_err(|e| OutboundError::Connection(e.to_string()))),
            }
        })
    }
}
