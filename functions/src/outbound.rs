//! Requests the Worker makes to other services (Turnstile's siteverify, a bot's LLM provider). A seam: `fetch` in
//! the Worker, a scripted double in host tests that answers with the remote service's exact
//! wire format — so everything but the socket is plain Rust and tested on the host.

use std::future::Future;
use std::pin::Pin;

/// What came back: the status and the body's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

pub type Pending<'a> = Pin<Box<dyn Future<Output = Result<Reply, String>> + 'a>>;

/// The next piece of a streamed body (see `Chunks::next`).
pub type NextChunk<'a> = Pin<Box<dyn Future<Output = Option<Result<Vec<u8>, String>>> + 'a>>;

/// A body read as it arrives.
pub trait Chunks {
    /// The next piece; `None` at the end; `Err` when the connection failed or `deadline_ms`
    /// (milliseconds since the epoch) passed first.
    fn next(&mut self, deadline_ms: i64) -> NextChunk<'_>;
}

/// An answer whose body streams in.
pub struct Streaming {
    pub status: u16,
    pub chunks: Box<dyn Chunks>,
}

pub type PendingStream<'a> = Pin<Box<dyn Future<Output = Result<Streaming, String>> + 'a>>;

pub trait Outbound {
    /// POSTs `body` as `application/x-www-form-urlencoded` to `url`. `Err` when no answer came
    /// (refused, timed out): the caller decides what that means.
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> Pending<'a>;

    /// POSTs JSON to `url` with `headers`; `Err` when no answer came by `deadline_ms`.
    /// (Doubles that only speak forms keep the default.)
    fn post_json<'a>(
        &'a self,
        url: &'a str,
        _headers: Vec<(&'static str, String)>,
        _body: String,
        _deadline_ms: i64,
    ) -> Pending<'a> {
        Box::pin(async move { Err(format!("no JSON client for {url}")) })
    }

    /// POSTs JSON to `url` with `headers`, and hands back the body as it streams in. `Err` when
    /// no answer came by `deadline_ms`. (Doubles that only speak forms keep the default.)
    fn post_json_stream<'a>(
        &'a self,
        url: &'a str,
        _headers: Vec<(&'static str, String)>,
        _body: String,
        _deadline_ms: i64,
    ) -> PendingStream<'a> {
        Box::pin(async move { Err(format!("no streaming client for {url}")) })
    }
}

/// For apps that never call out (host tests of everything else): every call fails.
pub struct Offline;

impl Outbound for Offline {
    fn post_form<'a>(&'a self, url: &'a str, _body: String) -> Pending<'a> {
        Box::pin(async move { Err(format!("offline: no request to {url}")) })
    }
}

/// `fetch` through workerd.
#[cfg(target_arch = "wasm32")]
pub struct Fetch;

#[cfg(target_arch = "wasm32")]
impl Outbound for Fetch {
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> Pending<'a> {
        Box::pin(async move {
            let headers = worker::Headers::new();
            headers
                .set("content-type", "application/x-www-form-urlencoded")
                .map_err(|e| e.to_string())?;
            let mut init = worker::RequestInit::new();
            init.with_method(worker::Method::Post)
                .with_headers(headers)
                .with_body(Some(body.into()));
            let request = worker::Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
            let mut response = worker::Fetch::Request(request)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            Ok(Reply {
                status: response.status_code(),
                body,
            })
        })
    }

    fn post_json<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(&'static str, String)>,
        body: String,
        deadline_ms: i64,
    ) -> Pending<'a> {
        Box::pin(async move {
            let mut answer = self
                .post_json_stream(url, headers, body, deadline_ms)
                .await?;
            let mut bytes = Vec::new();
            while let Some(chunk) = answer.chunks.next(deadline_ms).await {
                bytes.extend(chunk?);
            }
            Ok(Reply {
                status: answer.status,
                body: bytes,
            })
        })
    }

    fn post_json_stream<'a>(
        &'a self,
        url: &'a str,
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
            let mut init = worker::RequestInit::new();
            init.with_method(worker::Method::Post)
                .with_headers(h)
                .with_body(Some(body.into()));
            let request = worker::Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
            let fetch = worker::Fetch::Request(request);
            let mut response = within(deadline_ms, fetch.send())
                .await
                .ok_or_else(|| format!("no answer from {url} in time"))?
                .map_err(|e| e.to_string())?;
            let status = response.status_code();
            let stream = response.stream().map_err(|e| e.to_string())?;
            Ok(Streaming {
                status,
                chunks: Box::new(FetchChunks(stream)),
            })
        })
    }
}

/// `future`, unless the clock passes `deadline_ms` first (`None`).
#[cfg(target_arch = "wasm32")]
async fn within<T>(deadline_ms: i64, future: impl Future<Output = T>) -> Option<T> {
    use futures_util::future::{Either, select};
    let left = (deadline_ms - js_sys::Date::now() as i64).max(0) as u64;
    let timer = worker::Delay::from(std::time::Duration::from_millis(left));
    match select(std::pin::pin!(future), timer).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
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
                None => Some(Err("the answer stopped arriving in time".to_owned())),
                Some(next) => next.map(|r| r.map_err(|e| e.to_string())),
            }
        })
    }
}
