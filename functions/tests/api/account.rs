//! Changing one's own password on `/app/settings/account`: the current password is checked,
//! the new one must be valid and typed twice; success keeps this session and ends the others;
//! a refusal changes nothing.

use crate::{PASSWORD, TestApp, csrf_of};

const ANN: &str = "0000000000000000000000000000000a";
const GUS: &str = "0000000000000000000000000000000c";
const NEW: &str = "a much better passphrase";

fn spawn() -> TestApp {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.add_operator(GUS, "gus@acme.example", "Gus Guest", &[(1, "guest")]);
    app
}

fn signed_in(app: &TestApp, session: &str) -> bool {
    let (status, _) = app.page("/app/tickets", session);
    assert!(status == 200 || status == 303, "{status}");
    status == 200
}

fn can_sign_in(app: &TestApp, email: &str, password: &str) -> bool {
    let r = app.form(
        "/app/login",
        None,
        &[("email", email), ("password", password)],
    );
    assert!(r.status == 303 || r.status == 401, "{}", r.status);
    r.status == 303
}

fn change(app: &TestApp, session: &str, current: &str, new: &str, again: &str) -> (u16, String) {
    let csrf = csrf_of(app, session);
    let r = app.form(
        "/app/settings/account",
        Some(session),
        &[
            ("csrf", &csrf),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", again),
        ],
    );
    (r.status, String::from_utf8(r.body).unwrap())
}

#[test]
fn a_password_change_keeps_this_session_and_ends_the_others() {
    let app = spawn();
    let here = app.sign_in("ann@acme.example");
    let elsewhere = app.sign_in("ann@acme.example");
    let gus = app.sign_in("gus@acme.example");

    let (status, html) = app.page("/app/settings/account", &here);
    assert_eq!(status, 200);
    assert!(html.contains("Change your password") && html.contains("ann@acme.example"));

    let (status, _) = change(&app, &here, PASSWORD, NEW, NEW);
    assert_eq!(status, 303);
    assert!(signed_in(&app, &here), "the session that changed it stays");
    assert!(!signed_in(&app, &elsewhere), "other sessions end");
    assert!(
        signed_in(&app, &gus),
        "other people's sessions are untouched"
    );
    assert!(!can_sign_in(&app, "ann@acme.example", PASSWORD));
    assert!(can_sign_in(&app, "ann@acme.example", NEW));
    let (_, html) = app.page("/app/settings/account?done=password", &here);
    assert!(html.contains("Password changed."));
}

#[test]
fn a_refused_change_says_why_and_changes_nothing() {
    let app = spawn();
    let here = app.sign_in("ann@acme.example");
    let elsewhere = app.sign_in("ann@acme.example");

    let (status, html) = change(&app, &here, "not my password", NEW, NEW);
    assert_eq!(status, 422);
    assert!(
        html.contains("That is not your current password."),
        "{html}"
    );
    assert!(html.contains("id=\"current_password\" name=\"current_password\" autocomplete=\"current-password\" aria-invalid=\"true\""));

    let (status, html) = change(&app, &here, PASSWORD, "short", "short");
    assert_eq!(status, 422);
    assert!(html.contains("new_password-error"), "{html}");

    let (status, html) = change(&app, &here, PASSWORD, NEW, "a much better passphrasE");
    assert_eq!(status, 422);
    assert!(html.contains("The two new passwords differ."), "{html}");

    // Without the form's CSRF token: refused before anything is checked.
    let r = app.form(
        "/app/settings/account",
        Some(&here),
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW),
            ("confirm_password", NEW),
        ],
    );
    assert_eq!(r.status, 403);

    assert!(can_sign_in(&app, "ann@acme.example", PASSWORD));
    assert!(signed_in(&app, &elsewhere));
}

#[test]
fn a_guest_changes_their_own_password_too() {
    let app = spawn();
    let gus = app.sign_in("gus@acme.example");
    let (status, _) = change(&app, &gus, PASSWORD, NEW, NEW);
    assert_eq!(status, 303);
    assert!(can_sign_in(&app, "gus@acme.example", NEW));
    // Ann's password is Ann's.
    assert!(can_sign_in(&app, "ann@acme.example", PASSWORD));
}
