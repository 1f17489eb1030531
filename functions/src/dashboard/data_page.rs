//! The data-rights settings page (owners and admins): download every ticket as JSON Lines or
//! CSV, and erase one requester's personal data by email.

use serde::Deserialize;
use ticketbooth_shared::requester::Email;
use ticketbooth_shared::role::Action;

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::settings_views::{Notice, notice, settings_nav};
use super::views::layout;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::export::{self, Format};
use crate::http::{Request, Response};
use crate::service::data_rights;
use crate::service::operators::Operator;
use crate::service::site_secrets::Sealer;
use crate::service::sites::{self};
use crate::store::Executor;

/// `GET /app/settings/data`
pub fn show(op: &Operator) -> Result<Response, ApiError> {
    op.require(Action::ManageSettings)?;
    Ok(Response::html(200, page(op, "", None)))
}

/// `GET /app/settings/data/export?format=jsonl|csv`
pub async fn export<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Query {
        format: Option<String>,
    }
    let query: Query =
        serde_urlencoded::from_str(&req.query).map_err(|e| ApiError::BadQuery(e.to_string()))?;
    let format = Format::parse(query.format.as_deref())
        .ok_or_else(|| ApiError::BadQuery("format must be jsonl or csv".into()))?;
    export::download(&app.db, op, format, fresh.now).await
}

/// `POST /app/settings/data`: erases the typed email's personal data, then shows how many
/// tickets it was on. A malformed email re-renders the form with the reason.
pub async fn erase<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        email: String,
    }
    let form: Form = posted.parse()?;
    op.require(Action::ManageSettings)?;
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let message = format!("Email: {e}");
            return Ok(Response::html(
                422,
                page(op, &form.email, Some(Err(&message))),
            ));
        }
    };
    let erased = data_rights::erase(&app.db, op, &email, fresh.now).await?;
    let message = match erased {
        0 => "No ticket of this site has that email: nothing was changed.".to_owned(),
        1 => "Erased the personal data on 1 ticket.".to_owned(),
        n => format!("Erased the personal data on {n} tickets."),
    };
    Ok(Response::html(200, page(op, "", Some(Ok(&message)))))
}

fn page(op: &Operator, typed_email: &str, message: Notice<'_>) -> String {
    layout("Data", Some(op), |h: &mut Html| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/data");
        notice(h, message);
        h.raw("<section class=\"card stack\"><h2>Export</h2>")
            .raw("<p>Every ticket of this site with its labels, comments (internal notes too), ")
            .raw("events and chat transcript.</p><p>")
            .raw("<a class=\"button\" href=\"/app/settings/data/export?format=jsonl\" download>Download JSON Lines</a> ")
            .raw("<a class=\"button\" href=\"/app/settings/data/export?format=csv\" download>Download CSV</a></p>")
            .raw("<p class=\"muted\">Scripts can use <code>GET /api/v1/export?format=jsonl</code> with an API token.</p></section>");
        h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/data\">")
            .raw("<h2>Erase a requester's personal data</h2>")
            .raw("<p>On every ticket this email opened, the name and email become <code>")
            .text(data_rights::ERASED)
            .raw("</code>, their chat lines and replies are replaced and the visitor is unlinked. ")
            .raw("The tickets stay, with an “erased” event that records who did it and when, not the email. ")
            .raw("This cannot be undone.</p>");
        csrf::field(h, op);
        h.raw("<label for=\"email\">Requester's email</label><input id=\"email\" name=\"email\" type=\"email\" required value=\"")
            .text(typed_email)
            .raw("\"><button class=\"danger\">Erase personal data</button></form>");
    })
}

/// `POST /app/settings/identity`: a new identity secret, shown on this one page only.
pub async fn identity<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    posted.no_fields()?;
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    let secret =
        sites::rotate_identity_secret(&app.db, op, &sealer, fresh.random(b"identity secret"))
            .await?;
    // The site's cached row holds the secret: this isolate verifies with the new one at once.
    app.sites.invalidate(&op.site_key);
    let html = layout("Identity secret", Some(op), |h: &mut Html| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/site");
        h.raw("<section class=\"card stack\"><h2>Your new identity secret</h2>")
            .raw("<p role=\"status\">Copy it to your server's configuration now: it will not be shown again. ")
            .raw("It is stored encrypted and never shown again; creating a new one stops this one at once.</p>")
            .raw("<label for=\"identity_secret\">Identity secret</label><input id=\"identity_secret\" readonly value=\"")
            .text(secret.expose())
            .raw("\"><p><a href=\"/app/settings/site\">Back to the site settings</a></p></section>");
    });
    Ok(Response::html(201, html))
}

/// `POST /app/settings/cap`
pub async fn cap<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        daily_ticket_cap: String,
    }
    let form: Form = posted.parse()?;
    let cap = form.daily_ticket_cap.trim().parse::<i64>().map_err(|_| {
        ApiError::Validation(ticketbooth_shared::new_ticket::ValidationErrors(
            [(
                "daily_ticket_cap",
                ticketbooth_shared::FieldError::InvalidFormat,
            )]
            .into_iter()
            .collect(),
        ))
    })?;
    sites::set_daily_ticket_cap(&app.db, op, cap).await?;
    app.sites.invalidate(&op.site_key);
    Ok(redirect("/app/settings/site?done=saved"))
}
