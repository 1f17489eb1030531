//! The site settings page's Turnstile section and its form (`POST /app/settings/turnstile`):
//! owners and admins paste the keys of a Turnstile widget from the Cloudflare dashboard, or
//! remove them. The secret key is stored sealed (`service::site_secrets`) and never rendered
//! again.

use serde::Deserialize;

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use crate::context::{App, Fresh};
use crate::http::Response;
use crate::http::error::ApiError;
use crate::service::operators::Operator;
use crate::service::site_secrets::Sealer;
use crate::service::sites::{self, Site};
use crate::service::turnstile_keys::{KeyError, TurnstileKeys};
use crate::store::Executor;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::new_ticket::ValidationErrors;

pub fn section(h: &mut Html, op: &Operator, site: &Site) {
    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/turnstile\" aria-labelledby=\"turnstile-h\">")
        .raw("<h2 id=\"turnstile-h\">Human check (Cloudflare Turnstile)</h2>")
        .raw("<p>Optional. With a Turnstile widget's keys, the widget shows Turnstile's check in the ticket form ")
        .raw("and the Worker verifies each token with Cloudflare before saving the ticket.</p>");
    csrf::field(h, op);
    match &site.turnstile {
        Some(keys) => {
            h.raw("<p>On, with site key <code>")
                .text(&keys.site_key)
                .raw("</code>. The secret key is stored and never shown again.</p>")
                .raw("<button name=\"remove\" value=\"1\" class=\"danger\">Turn the human check off</button>");
        }
        None => {
            h.raw("<label for=\"turnstile_site_key\">Site key</label><input id=\"turnstile_site_key\" name=\"site_key\" autocomplete=\"off\" required>")
                .raw("<label for=\"turnstile_secret\">Secret key</label><input id=\"turnstile_secret\" name=\"secret\" type=\"password\" autocomplete=\"off\" required>")
                .raw("<button>Turn the human check on</button>");
        }
    }
    h.raw("</form>");
}

/// `POST /app/settings/turnstile`: both keys turn it on; `remove` turns it off.
pub async fn save<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        site_key: String,
        #[serde(default)]
        secret: String,
        #[serde(default)]
        remove: Option<String>,
    }
    let form: Form = posted.parse()?;
    let keys = match form.remove {
        Some(_) => None,
        None => Some(TurnstileKeys::parse(&form.site_key, &form.secret).map_err(invalid)?),
    };
    let sealer = Sealer::new(
        &app.secrets,
        fresh.random(b"site secrets"),
        fresh.now.millis(),
    );
    sites::set_turnstile(&app.db, op, &sealer, keys.as_ref()).await?;
    // The widget's config comes from this isolate's cache: drop the stale entry.
    app.sites.invalidate(&op.site_key);
    Ok(redirect("/app/settings/site?done=saved"))
}

fn invalid(e: KeyError) -> ApiError {
    let field = match e {
        KeyError::SiteKey => "site_key",
        KeyError::Secret => "secret",
    };
    ApiError::Validation(ValidationErrors(
        [(field, FieldError::InvalidFormat)].into_iter().collect(),
    ))
}
