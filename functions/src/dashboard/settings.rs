//! The settings pages (members and invitations, API tokens, the site's settings), creating a
//! site, and accepting an invitation. Each handler: read the form the gate passed (`gate`), call the
//! service, render. Refusals re-render the page with the reason, status and typed values.

use serde::Deserialize;
use ticketbooth_shared::FieldError;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Role;

use super::gate::CheckedForm;
use super::settings_views::{self as pages, NewSiteForm, SitePage};
use super::{data_page, redirect, session};
use crate::context::operator;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::routes::{AppPage, Route, SettingsPage};
use crate::http::{Request, Response};
use crate::service::invitations::{self, AcceptError, Acceptance};
use crate::service::members::{self, Change};
use crate::service::operators::Operator;
use crate::service::site_settings::{SettingsForm, SiteSettings};
use crate::service::sites::{self, NewSite, Site};
use crate::service::{Refusal, ServiceError, api_tokens};
use crate::store::Executor;

/// A settings page: `form` is `Some` for a POST (it passed the gate), `None` for a GET.
pub async fn handle<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Option<CheckedForm<'_>>,
    op: &Operator,
    page: SettingsPage,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    match (page, form) {
        (SettingsPage::Account, Some(form)) => {
            super::account_page::change_password(app, req, form, op, fresh).await
        }
        (SettingsPage::Account, None) => super::account_page::show(app, req, op).await,
        (SettingsPage::Members, Some(form)) => invite(app, req, form, op, fresh).await,
        (SettingsPage::Members, None) => {
            let list = members::list(&app.db, op, fresh.now).await?;
            let notice = match req.query.as_str() {
                "done=role" => Some(Ok("Role changed.")),
                "done=removed" => Some(Ok(
                    "Member removed, with their API tokens, the bot keys they created and their pending invitations.",
                )),
                "done=revoked" => Some(Ok("Invitation revoked: its link no longer works.")),
                _ => None,
            };
            Ok(Response::html(200, pages::members(op, &list, None, notice)))
        }
        (SettingsPage::Member(id), Some(form)) => change_member(app, form, op, &id, fresh).await,
        (SettingsPage::Invitation(id), Some(form)) => {
            form.no_fields()?;
            members::revoke_invitation(&app.db, op, &id).await?;
            Ok(redirect("/app/settings/members?done=revoked"))
        }
        (SettingsPage::Tokens, Some(form)) => create_token(app, form, op, fresh).await,
        (SettingsPage::Tokens, None) => {
            let tokens = api_tokens::list(&app.db, op).await?;
            let notice =
                (req.query == "done=revoked").then_some(Ok("Token revoked: it no longer works."));
            Ok(Response::html(
                200,
                pages::tokens(op, &tokens, None, notice),
            ))
        }
        (SettingsPage::Token(id), Some(form)) => {
            form.no_fields()?;
            api_tokens::revoke(&app.db, op, &id).await?;
            Ok(redirect("/app/settings/tokens?done=revoked"))
        }
        (SettingsPage::Data, Some(form)) => data_page::erase(app, form, op, fresh).await,
        (SettingsPage::Data, None) => data_page::show(op),
        (SettingsPage::Export, _) => data_page::export(app, req, op, fresh).await,
        (SettingsPage::Identity, Some(form)) => data_page::identity(app, form, op, fresh).await,
        (SettingsPage::Cap, Some(form)) => data_page::cap(app, form, op).await,
        (SettingsPage::Turnstile, Some(form)) => {
            super::turnstile_page::save(app, form, op, fresh).await
        }
        (SettingsPage::Bots, Some(form)) => super::bots_page::create(app, form, op, fresh).await,
        (SettingsPage::Bots, None) => super::bots_page::show(app, req, op).await,
        (SettingsPage::BotCapabilities, Some(form)) => {
            super::bots_page::capabilities(app, form, op).await
        }
        (SettingsPage::BotAssistant, Some(form)) => {
            super::bots_page::assistant(app, form, op, fresh).await
        }
        (SettingsPage::BotSummaries, Some(form)) => {
            super::bots_page::summaries(app, form, op).await
        }
        (SettingsPage::Webhooks, Some(form)) => {
            super::webhooks_page::save(app, form, op, fresh).await
        }
        (SettingsPage::Webhooks, None) => super::webhooks_page::show(app, req, op).await,
        (SettingsPage::Sla, Some(form)) => super::sla_page::save(app, form, op).await,
        (SettingsPage::Sla, None) => super::sla_page::show(app, req, op).await,
        (SettingsPage::Sync, Some(form)) => super::sync_page::save(app, req, form, op, fresh).await,
        (SettingsPage::Sync, None) => super::sync_page::show(app, req, op).await,
        (SettingsPage::WebhookTest, Some(form)) => {
            super::webhooks_page::test(app, form, op, fresh).await
        }
        (SettingsPage::BotKey(id), Some(form)) => {
            super::bots_page::revoke(app, form, op, &id).await
        }
        (SettingsPage::Email, Some(form)) => super::email_page::save(app, form, op).await,
        (SettingsPage::Email, None) => super::email_page::show(app, req, op).await,
        (SettingsPage::Site, Some(form)) => save_site(app, req, form, op).await,
        (SettingsPage::Site, None) => {
            let site = sites::current(&app.db, op).await?;
            let form = form_of(&site);
            let notice = (req.query == "done=saved").then_some(Ok("Settings saved."));
            Ok(site_page(req, op, &site, &form, &[], notice, 200))
        }
        // A POST-only page asked with a GET: `app` answers 405 before it gets here.
        (page, None) => Err(ApiError::MethodNotAllowed {
            allow: Route::App(AppPage::Settings(page)).allow(),
        }),
    }
}

/// A form field with a value no page of ours offers.
fn invalid(field: &'static str, error: FieldError) -> ApiError {
    ApiError::Validation(ValidationErrors([(field, error)].into_iter().collect()))
}

async fn invite<E: Executor>(
    app: &App<E>,
    req: &Request,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        email: String,
        #[serde(default)]
        role: String,
    }
    let form: Form = posted.parse()?;
    let role = Role::parse(&form.role).map_err(|e| invalid("role", e))?;
    let result = members::invite(
        &app.db,
        op,
        &form.email,
        role,
        fresh.now,
        fresh.random(b"invitation"),
    )
    .await;
    let list = members::list(&app.db, op, fresh.now).await?;
    match result {
        Ok(invited) => {
            let link = format!("{}/app/invite/{}", req.own_origin, invited.token);
            Ok(Response::html(
                201,
                pages::members(op, &list, Some(&(invited, link)), None),
            ))
        }
        Err(ServiceError::Refused(refusal)) => Ok(Response::html(
            refusal.status(),
            pages::members(op, &list, None, Some(Err(&refusal.to_string()))),
        )),
        Err(other) => Err(other.into()),
    }
}

async fn change_member<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    member_id: &str,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        action: String,
        #[serde(default)]
        role: String,
    }
    let form: Form = posted.parse()?;
    let change = match form.action.as_str() {
        "remove" => Change::Remove,
        "role" => Change::Role(Role::parse(&form.role).map_err(|e| invalid("role", e))?),
        _ => return Err(invalid("action", FieldError::InvalidFormat)),
    };
    match members::change(&app.db, op, member_id, change).await {
        Ok(()) if change == Change::Remove && member_id == op.id => Ok(redirect("/app/tickets")),
        Ok(()) if change == Change::Remove => Ok(redirect("/app/settings/members?done=removed")),
        Ok(()) => Ok(redirect("/app/settings/members?done=role")),
        Err(ServiceError::Refused(refusal)) => {
            let list = members::list(&app.db, op, fresh.now).await?;
            Ok(Response::html(
                refusal.status(),
                pages::members(op, &list, None, Some(Err(&refusal.to_string()))),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

async fn create_token<E: Executor>(
    app: &App<E>,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        label: String,
    }
    let form: Form = posted.parse()?;
    let created = api_tokens::create(
        &app.db,
        op,
        &form.label,
        fresh.now,
        fresh.random(b"api-token"),
    )
    .await?;
    let tokens = api_tokens::list(&app.db, op).await?;
    Ok(Response::html(
        201,
        pages::tokens(op, &tokens, Some((&created.label, &created.token)), None),
    ))
}

async fn save_site<E: Executor>(
    app: &App<E>,
    req: &Request,
    posted: CheckedForm<'_>,
    op: &Operator,
) -> Result<Response, ApiError> {
    let form: SettingsForm = posted.parse()?;
    let site = sites::current(&app.db, op).await?;
    match SiteSettings::parse(&form) {
        Ok(settings) => {
            sites::save_settings(&app.db, op, &settings).await?;
            // This isolate serves the new settings at once; others within the cache's TTL.
            app.sites.invalidate(&op.site_key);
            Ok(redirect("/app/settings/site?done=saved"))
        }
        Err(errors) => Ok(site_page(
            req,
            op,
            &site,
            &form,
            &errors.0,
            Some(Err("Nothing was saved: some fields need attention.")),
            422,
        )),
    }
}

fn site_page(
    req: &Request,
    op: &Operator,
    site: &Site,
    form: &SettingsForm,
    errors: &[(&'static str, String)],
    notice: pages::Notice<'_>,
    status: u16,
) -> Response {
    let page = SitePage {
        site,
        form,
        errors,
        message: notice,
        own_origin: &req.own_origin,
    };
    Response::html(status, pages::site_settings(op, &page))
}

/// The settings form filled with a site's saved values.
fn form_of(site: &Site) -> SettingsForm {
    SettingsForm {
        name: site.name.clone(),
        code_prefix: site.code_prefix.clone(),
        ticketing_enabled: site.ticketing_enabled.then(|| "on".into()),
        contact_required: site.contact_required.then(|| "on".into()),
        cta_label: site.cta_label.clone(),
        locale: site.locale.clone(),
        allowed_origins: site.allowed_origins.join("\n"),
        escalate_after_messages: site.escalate_after_messages.to_string(),
        escalation_opens_ticket: site.escalation_opens_ticket.then(|| "on".into()),
    }
}

/// `GET` and `POST /app/sites/new` (`form`: the POST's, past the gate).
pub async fn new_site<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Option<CheckedForm<'_>>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    // The service refuses too (`sites::create`); this spares a non-owner a form they cannot use.
    if !sites::may_create_site(op) {
        return Err(ApiError::Refused(Refusal::SiteCreationOwnersOnly));
    }
    let Some(posted) = form else {
        let page = pages::new_site(op, &NewSiteForm::default(), &[], None);
        return Ok(Response::html(200, page));
    };
    let form: NewSiteForm = posted.parse()?;
    let site = match NewSite::parse(&form.key, &form.name, &form.code_prefix) {
        Ok(site) => site,
        Err(errors) => {
            let errors: Vec<_> = errors.0.iter().map(|(k, e)| (*k, e.to_string())).collect();
            let page = pages::new_site(op, &form, &errors, Some(Err("The site was not created.")));
            return Ok(Response::html(422, page));
        }
    };
    let cookie = (op.credential == crate::service::operators::Credential::Session)
        .then(|| operator::session_cookie(req))
        .flatten();
    match sites::create(&app.db, op, &site, cookie, fresh.now).await {
        Ok(()) => Ok(redirect("/app/settings/site")),
        Err(ServiceError::Refused(refusal)) => {
            let errors = [("key", refusal.to_string())];
            let page = pages::new_site(op, &form, &errors, Some(Err("The site was not created.")));
            Ok(Response::html(refusal.status(), page))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET` and `POST /app/invite/{token}`: anyone with the link (no session needed). `form` is
/// the gate's answer to a POST (`Guard::NoSession`: refused from other sites, like the sign-in
/// form), shown on the invitation's page; `None` for a GET.
pub async fn invitation<E: Executor>(
    app: &App<E>,
    req: &Request,
    form: Option<Result<CheckedForm<'_>, ApiError>>,
    token: &str,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    let gone = |refusal: crate::service::Refusal| {
        Response::html(
            refusal.status(),
            pages::refusal("Invitation", &refusal.to_string()),
        )
    };
    let invitation = match invitations::find(&app.db, token, fresh.now).await {
        Ok(invitation) => invitation,
        Err(ServiceError::Refused(refusal)) => return Ok(gone(refusal)),
        Err(other) => return Err(other.into()),
    };
    let posted = match form {
        None => {
            return Ok(Response::html(
                200,
                pages::invitation(&invitation, &[], None),
            ));
        }
        Some(Ok(posted)) => posted,
        Some(Err(ApiError::Refused(refusal))) => {
            let page = pages::invitation(&invitation, &[], Some(&refusal.to_string()));
            return Ok(Response::html(refusal.status(), page));
        }
        Some(Err(other)) => return Err(other),
    };
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        name: String,
        #[serde(default)]
        password: String,
    }
    let form: Form = posted.parse()?;
    // Accepting for an existing account checks its password: the same budget as sign-in.
    if !session::spend_sign_in_attempt(app, req).await {
        let page = pages::invitation(&invitation, &[], Some(session::TOO_MANY_ATTEMPTS));
        return Ok(session::too_many_attempts(page));
    }
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&fresh.random(b"salt")[..16]);
    let mut operator_id = [0u8; 16];
    operator_id.copy_from_slice(&fresh.random(b"operator-id")[..16]);
    let acceptance = Acceptance {
        name: &form.name,
        password: &form.password,
    };
    let secrets = (salt, fresh.random(b"session"), operator_id);
    match invitations::accept(&app.db, token, &acceptance, fresh.now, secrets).await {
        Ok(new_session) => Ok(session::with_session(
            req,
            redirect("/app/tickets"),
            &new_session,
        )),
        Err(AcceptError::Fields(errors)) => Ok(Response::html(
            422,
            pages::invitation(&invitation, &errors, None),
        )),
        // Nothing to accept (any more): the page says why, without the form.
        Err(AcceptError::Service(ServiceError::Refused(
            refusal @ (crate::service::Refusal::InvitationInvalid
            | crate::service::Refusal::AlreadyMember),
        ))) => Ok(gone(refusal)),
        Err(AcceptError::Service(ServiceError::Refused(refusal))) => Ok(Response::html(
            refusal.status(),
            pages::invitation(&invitation, &[], Some(&refusal.to_string())),
        )),
        Err(AcceptError::Service(other)) => Err(other.into()),
    }
}
