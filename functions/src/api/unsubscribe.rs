//! `/api/v1/sites/{site}/email/unsubscribe?to=…&sig=…`: the link in every mail's
//! List-Unsubscribe header. GET shows a page that asks (mail scanners follow links, so a GET
//! never changes anything); POST — the page's button, or a mail client's one-click request
//! (RFC 8058, body `List-Unsubscribe=One-Click`) — opts the address out of the site's mail.
//! The signature (`TokenKey::sign_unsubscribe`) is the only credential: unguessable per site
//! and address, so nobody unsubscribes someone else.

use serde::Deserialize;

use crate::context::App;
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::mail;
use crate::service::mail_compose::escape_html;
use crate::service::sites::Site;
use crate::store::Executor;
use ticketbooth_shared::timestamp::Timestamp;

#[derive(Deserialize)]
struct Link {
    to: String,
    sig: String,
}

pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    site: &Site,
    now: Timestamp,
) -> Result<Response, ApiError> {
    let link: Option<Link> = serde_urlencoded::from_str(&req.query).ok();
    let keys = app
        .token_key
        .as_ref()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(link) = link.filter(|l| keys.verify_unsubscribe(site.id, &l.to, &l.sig)) else {
        return Ok(Response::html(
            403,
            page(
                &site.name,
                "This unsubscribe link is not valid. Use the link in the latest e-mail you received.",
                None,
            ),
        ));
    };
    let address = link.to.to_lowercase();
    if req.method == "POST" {
        mail::opt_out(&app.db, site.id, &address, now.millis()).await?;
        let text = format!(
            "{address} will get no more e-mail from {}. You can still reach them through their website.",
            site.name
        );
        return Ok(Response::html(200, page(&site.name, &text, None)));
    }
    let text = format!("Stop all e-mail from {} to {address}?", site.name);
    Ok(Response::html(
        200,
        page(&site.name, &text, Some(&format!("?{}", req.query))),
    ))
}

/// The page: the site's name, a sentence and, when asking, the button that confirms.
fn page(site: &str, text: &str, confirm: Option<&str>) -> String {
    let form = confirm.map_or_else(String::new, |query| {
        format!(
            "<form method=\"post\" action=\"{}\"><button class=\"primary\" type=\"submit\">Unsubscribe</button></form>",
            escape_html(query)
        )
    });
    // The dashboard's stylesheet (the page's CSP allows our own; inline styles it refuses).
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>E-mail from {site} \u{2014} Ticketbooth</title>\
         <link rel=\"stylesheet\" href=\"/app.css\"></head><body><main>\
         <section class=\"card narrow stack\"><h1>E-mail from {site}</h1><p>{text}</p>{form}\
         </section></main></body></html>",
        site = escape_html(site),
        text = escape_html(text),
    )
}
