//! Requests the Worker makes to other services (Turnstile's siteverify). A seam: `fetch` in
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

pub trait Outbound {
    /// POSTs `body` as `application/x-www-form-urlencoded` to `url`. `Err` when no answer came
    /// (refused, timed out): the caller decides what that means.
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> Pending<'a>;
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
}
