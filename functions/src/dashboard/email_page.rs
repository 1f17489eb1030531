//! `/app/settings/email`: e-mail. Every operator chooses their own mails (new tickets assigned
//! to them, SLA warnings); owners and admins also turn the site's e-mail on or off and set its
//! support address (`<local>@EMAIL_DOMAIN`). One page, two forms, told apart by `section`.

use serde::Deserialize;

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::settings_views::{FieldErrors, Notice, field_error, invalid, notice, settings_nav};
use super::views::layout;
use crate::context::App;
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::mail_settings;
use crate::service::operators::Operator;
use crate::service::sites::{self, Site};
use crate::store::Executor;
use ticketbooth_shared::role::Action;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Form {
    section: String,
    email_enabled: Option<String>,
    support_local: String,
    mail_assigned: Option<String>,
    mail_sla: Option<String>,
}

pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
) -> Result<Response, ApiError> {
    let done = match req.query.as_str() {
        "done=site" => Some(Ok("E-mail settings saved.")),
        "done=me" => Some(Ok("Your e-mail choices are saved.")),
        _ => None,
    };
    render(app, op, None, &[], done, 200).await
}

pub async fn save<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    let form: Form = posted.parse()?;
    if form.section == "site" {
        let local = match mail_settings::parse_support_local(&form.support_local) {
            Ok(local) => local,
            Err(message) => {
                let errors = [("support_local", message.to_owned())];
                let failed = Some(Err("Nothing was saved: some fields need attention."));
                return render(app, op, Some(&form), &errors, failed, 422).await;
            }
        };
        let enabled = form.email_enabled.is_some();
        if !mail_settings::save_site(&app.db, op, enabled, local.as_deref()).await? {
            let errors = [(
                "support_local",
                "Another site uses this address.".to_owned(),
            )];
            let failed = Some(Err("Nothing was saved: some fields need attention."));
            return render(app, op, Some(&form), &errors, failed, 422).await;
        }
        // This isolate mails (or stops) at once; others within the cache's TTL.
        app.sites.invalidate(&op.site_key);
        return Ok(redirect("/app/settings/email?done=site"));
    }
    mail_settings::save_preferences(
        &app.db,
        op,
        form.mail_assigned.is_some(),
        form.mail_sla.is_some(),
    )
    .await?;
    Ok(redirect("/app/settings/email?done=me"))
}

async fn render<E: Executor>(
    app: &App<E>,
    op: &Operator,
    typed: Option<&Form>,
    errors: FieldErrors<'_>,
    message: Notice<'_>,
    status: u16,
) -> Result<Response, ApiError> {
    let (assigned, sla) = mail_settings::preferences(&app.db, op).await?;
    let site = if op.role.allows(Action::ManageSettings) {
        Some(sites::current(&app.db, op).await?)
    } else {
        None
    };
    let page = layout("E-mail", Some(op), |h: &mut Html| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/email");
        notice(h, message);
        if let Some(site) = &site {
            site_form(h, op, site, &app.email_domain, typed, errors);
        }
        h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/email\" aria-labelledby=\"me-h\">")
            .raw("<h2 id=\"me-h\">Your e-mail</h2>")
            .raw("<p class=\"muted\">Sent to ")
            .user_text(&op.email)
            .raw(" while the site\u{2019}s e-mail is on.</p>");
        csrf::field(h, op);
        h.raw("<input type=\"hidden\" name=\"section\" value=\"me\">");
        check(h, "mail_assigned", "Tickets assigned to me", assigned);
        check(h, "mail_sla", "SLA warnings on my tickets", sla);
        h.raw("<button>Save my choices</button></form>");
    });
    Ok(Response::html(status, page))
}

/// The site's e-mail: on or off, and its support address.
fn site_form(
    h: &mut Html,
    op: &Operator,
    site: &Site,
    domain: &str,
    typed: Option<&Form>,
    errors: FieldErrors<'_>,
) {
    let enabled = typed.map_or(site.email_enabled, |f| f.email_enabled.is_some());
    let local = typed.map_or_else(
        || site.support_local.clone().unwrap_or_default(),
        |f| f.support_local.clone(),
    );
    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/email\" aria-labelledby=\"site-mail-h\">")
        .raw("<h2 id=\"site-mail-h\">The site\u{2019}s e-mail</h2>")
        .raw("<p class=\"muted\">Requesters get \u{201c}we have your request\u{201d}, the team\u{2019}s public replies and the resolution notice by e-mail, and can answer by replying. Internal comments never go out.</p>");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"section\" value=\"site\">");
    check(
        h,
        "email_enabled",
        "Send e-mail to requesters and operators",
        enabled,
    );
    h.raw("<label for=\"support_local\">Support address</label><span class=\"inline\"><input id=\"support_local\" name=\"support_local\" maxlength=\"64\" value=\"")
        .text(&local)
        .raw("\" aria-describedby=\"support_local-hint\"");
    invalid(h, errors, "support_local");
    h.raw("> @").text(domain).raw("</span>");
    h.raw("<span class=\"muted\" id=\"support_local-hint\">Mail to this address opens a ticket; mail to requesters comes from it (from notifications@")
        .text(domain)
        .raw(" when empty).</span>");
    field_error(h, errors, "support_local");
    h.raw("<button class=\"primary\">Save e-mail settings</button></form>");
}

fn check(h: &mut Html, name: &'static str, label: &'static str, checked: bool) {
    h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"")
        .raw(name)
        .raw("\" value=\"on\"");
    if checked {
        h.raw(" checked");
    }
    h.raw("> ").raw(label).raw("</label>");
}
