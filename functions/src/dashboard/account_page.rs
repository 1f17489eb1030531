//! `/app/settings/account`: the signed-in operator's own account — who they are, their away
//! switch on the current site (routing passes them over while away; posted to `/app/teams`),
//! and changing their password (which signs out their other sessions).

use serde::Deserialize;

use super::csrf;
use super::gate::CheckedForm;
use super::html::Html;
use super::redirect;
use super::session::{self, spend_sign_in_attempt, too_many_attempts};
use super::settings_views::{FieldErrors, Notice, field_error, invalid, notice, settings_nav};
use super::views::layout;
use crate::context::operator;
use crate::context::{App, Fresh};
use crate::http::error::ApiError;
use crate::http::{Request, Response};
use crate::service::operators::Operator;
use crate::service::sessions::{self, PasswordChange, PasswordChangeError};
use crate::service::teams;
use crate::store::Executor;

pub async fn show<E: Executor>(
    app: &App<E>,
    req: &Request,
    op: &Operator,
) -> Result<Response, ApiError> {
    let done = match req.query.as_str() {
        "done=password" => Some(Ok("Password changed. Your other sessions were signed out.")),
        "done=away" => Some(Ok("Your availability was saved.")),
        _ => None,
    };
    let away = teams::is_away(&app.db, op).await?;
    Ok(Response::html(200, page(op, &[], done, away)))
}

/// `POST /app/settings/account`: current password, new password twice.
pub async fn change_password<E: Executor>(
    app: &App<E>,
    req: &Request,
    posted: CheckedForm<'_>,
    op: &Operator,
    fresh: &Fresh,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Form {
        #[serde(default)]
        current_password: String,
        #[serde(default)]
        new_password: String,
        #[serde(default)]
        confirm_password: String,
    }
    let form: Form = posted.parse()?;
    let cookie = operator::session_cookie(req).ok_or(ApiError::Unauthorized)?;
    // A stolen session must not become a password-guessing oracle: each check spends the
    // same budget as a sign-in attempt.
    if !spend_sign_in_attempt(app, req).await {
        let away = teams::is_away(&app.db, op).await?;
        return Ok(too_many_attempts(page(
            op,
            &[],
            Some(Err(session::TOO_MANY_ATTEMPTS)),
            away,
        )));
    }
    let change = PasswordChange {
        current: &form.current_password,
        new: &form.new_password,
        confirm: &form.confirm_password,
    };
    let salt: [u8; 16] = fresh.random(b"password salt")[..16]
        .try_into()
        .expect("16 of 32 bytes");
    match sessions::change_password(&app.db, op, cookie, &change, salt).await {
        Ok(()) => Ok(redirect("/app/settings/account?done=password")),
        Err(PasswordChangeError::Fields(errors)) => {
            let away = teams::is_away(&app.db, op).await?;
            Ok(Response::html(
                422,
                page(
                    op,
                    &errors,
                    Some(Err("Your password was not changed.")),
                    away,
                ),
            ))
        }
        Err(PasswordChangeError::Service(e)) => Err(e.into()),
    }
}

fn page(op: &Operator, errors: FieldErrors<'_>, message: Notice<'_>, away: bool) -> String {
    layout("Your account", Some(op), |h: &mut Html| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/account");
        notice(h, message);
        h.raw("<section class=\"card stack\" aria-labelledby=\"who-h\"><h2 id=\"who-h\">Your account</h2><p>")
            .user_text(&op.name)
            .raw(" · ")
            .user_text(&op.email)
            .raw("</p></section>");
        away_form(h, op, away);
        h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/account\" aria-labelledby=\"pw-h\">")
            .raw("<h2 id=\"pw-h\">Change your password</h2>")
            .raw("<p class=\"muted\">Your other sessions are signed out; this one stays signed in.</p>");
        csrf::field(h, op);
        for (name, label, autocomplete) in [
            ("current_password", "Current password", "current-password"),
            (
                "new_password",
                "New password (at least 10 characters)",
                "new-password",
            ),
            ("confirm_password", "New password again", "new-password"),
        ] {
            h.raw("<label for=\"")
                .raw(name)
                .raw("\">")
                .raw(label)
                .raw("</label><input type=\"password\" required id=\"")
                .raw(name)
                .raw("\" name=\"")
                .raw(name)
                .raw("\" autocomplete=\"")
                .raw(autocomplete)
                .raw("\"");
            invalid(h, errors, name);
            h.raw(">");
            field_error(h, errors, name);
        }
        h.raw("<button>Change password</button></form>");
    })
}

/// The away switch: one button that flips it, saying what it is now.
fn away_form(h: &mut Html, op: &Operator, away: bool) {
    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/teams\" aria-labelledby=\"away-h\">")
        .raw("<h2 id=\"away-h\">Availability</h2><p>")
        .raw(if away {
            "You are <strong>away</strong> on this site: routing gives you no new tickets."
        } else {
            "You are <strong>available</strong> on this site: routing gives you tickets of your teams in turn."
        })
        .raw("</p>");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"do\" value=\"away\"><input type=\"hidden\" name=\"away\" value=\"")
        .raw(if away { "0" } else { "1" })
        .raw("\"><button>")
        .raw(if away { "I am back" } else { "Set me away" })
        .raw("</button></form>");
}
