//! Members and invitations: invite → accept (single use, expiry), role changes and removal,
//! the last-owner rule, who may do what.

use crate::{PASSWORD, TestApp, csrf_of};

const ANN: &str = "0000000000000000000000000000000a";
const ADA: &str = "0000000000000000000000000000000d";
const MIA: &str = "0000000000000000000000000000000e";
const DAY: i64 = 24 * 3_600_000;

/// On `acme`: Ann owner, Ada admin, Mia member.
fn spawn() -> TestApp {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.add_operator(ADA, "ada@acme.example", "Ada Admin", &[(1, "admin")]);
    app.add_operator(MIA, "mia@acme.example", "Mia Member", &[(1, "member")]);
    app
}

fn role_of(app: &TestApp, id: &'static str) -> Option<String> {
    app.rows(
        "SELECT role FROM site_members WHERE site_id = 1 AND operator_id = ?1",
        vec![id.into()],
    )
    .first()
    .map(|r| r["role"].as_str().unwrap().to_owned())
}

/// Invites `email` as `role` and returns the link's path.
fn invite(app: &TestApp, session: &str, email: &str, role: &str) -> String {
    let csrf = csrf_of(app, session);
    let r = app.form(
        "/app/settings/members",
        Some(session),
        &[("csrf", &csrf), ("email", email), ("role", role)],
    );
    let html = String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(r.status, 201, "{html}");
    let at = html
        .find("https://tickets.example.net/app/invite/")
        .expect("the link")
        + 27;
    html[at..at + "/app/invite/".len() + 64].to_owned()
}

#[test]
fn an_invitation_is_accepted_once_and_signs_the_invitee_in_with_the_role() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let link = invite(&app, &ann, "Zoe@Example.COM", "admin");
    let (status, html) = app.page("/app/settings/members", &ann);
    assert_eq!(status, 200);
    assert!(
        html.contains("zoe@example.com · admin"),
        "listed as pending"
    );

    let r = app.get(&link, &[]);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("Join Acme"));
    // A weak password is refused and changes nothing.
    let r = app.form(&link, None, &[("name", "Zoe"), ("password", "short")]);
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("at least 10 characters"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operators WHERE email = 'zoe@example.com'"),
        0
    );

    let r = app.form(&link, None, &[("name", "Zoe New"), ("password", PASSWORD)]);
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/tickets"))
    );
    let cookie = r.header("set-cookie").unwrap();
    let zoe = cookie["__Host-tb_session=".len()..]
        .split(';')
        .next()
        .unwrap();
    let (status, html) = app.page("/app/settings/members", zoe);
    assert_eq!(status, 200);
    assert!(html.contains("Zoe New · admin"), "signed in, as admin");

    // Single use: the link is dead now, and signing in with the new password works.
    let r = app.form(&link, None, &[("name", "Eve"), ("password", PASSWORD)]);
    assert_eq!(r.status, 410);
    assert_eq!(app.get(&link, &[]).status, 410);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operators WHERE name = 'Eve'"),
        0
    );
    app.sign_in("zoe@example.com");
}

#[test]
fn an_invitation_expires_after_seven_days() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let link = invite(&app, &ann, "late@example.com", "member");
    app.advance(7 * DAY + 1000);
    let r = app.form(&link, None, &[("name", "Late"), ("password", PASSWORD)]);
    assert_eq!(r.status, 410);
    assert!(String::from_utf8_lossy(&r.body).contains("already used or has expired"));
    assert_eq!(app.count("SELECT COUNT(*) FROM site_members"), 3);

    // The scheduled upkeep forgets it.
    let expires = app.rows("SELECT expires_at FROM invitations", vec![])[0]["expires_at"]
        .as_i64()
        .unwrap();
    let now = ticketbooth_shared::timestamp::Timestamp::from_millis(expires + 1);
    let expired = pollster::block_on(ticketbooth_functions::service::maintenance::expire(
        app.db(),
        now,
    ))
    .unwrap();
    assert_eq!(expired.invitations, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations"), 0);
}

#[test]
fn an_existing_account_accepts_with_its_own_password_only() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    // Mia is already a member: the invitation changes her role on acme when she proves it's her.
    let link = invite(&app, &ann, "mia@acme.example", "guest");
    let r = app.form(&link, None, &[("password", "someone else's guess")]);
    assert_eq!(r.status, 401);
    assert_eq!(role_of(&app, MIA).as_deref(), Some("member"));
    let r = app.form(&link, None, &[("password", PASSWORD)]);
    assert_eq!(r.status, 303);
    assert_eq!(role_of(&app, MIA).as_deref(), Some("guest"));
}

#[test]
fn a_cross_site_acceptance_is_refused() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let link = invite(&app, &ann, "x@example.com", "member");
    let body = format!("name=X&password={}", PASSWORD.replace(' ', "+"));
    let r = app.send(
        "POST",
        &link,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "cross-site"),
        ],
        ticketbooth_functions::http::Body::Bytes(body.into_bytes()),
    );
    assert_eq!(r.status, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM operators"), 3);
}

#[test]
fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &ann);
    let path = format!("/app/settings/members/{ANN}");
    let r = app.form(
        &path,
        Some(&ann),
        &[("csrf", &csrf), ("action", "role"), ("role", "admin")],
    );
    assert_eq!(r.status, 409);
    assert!(String::from_utf8_lossy(&r.body).contains("at least one owner"));
    let r = app.form(&path, Some(&ann), &[("csrf", &csrf), ("action", "remove")]);
    assert_eq!(r.status, 409);
    assert_eq!(role_of(&app, ANN).as_deref(), Some("owner"));

    // With a second owner, the first may step down.
    let ada = format!("/app/settings/members/{ADA}");
    let r = app.form(
        &ada,
        Some(&ann),
        &[("csrf", &csrf), ("action", "role"), ("role", "owner")],
    );
    assert_eq!(r.status, 303);
    let r = app.form(
        &path,
        Some(&ann),
        &[("csrf", &csrf), ("action", "role"), ("role", "member")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(role_of(&app, ANN).as_deref(), Some("member"));
}

#[test]
fn admins_manage_members_but_not_owners_and_members_manage_nothing() {
    let app = spawn();
    let ada = app.sign_in("ada@acme.example");
    let csrf = csrf_of(&app, &ada);
    let r = app.form(
        &format!("/app/settings/members/{ANN}"),
        Some(&ada),
        &[("csrf", &csrf), ("action", "remove")],
    );
    assert_eq!(r.status, 403, "an admin cannot remove an owner");
    let r = app.form(
        &format!("/app/settings/members/{MIA}"),
        Some(&ada),
        &[("csrf", &csrf), ("action", "role"), ("role", "owner")],
    );
    assert_eq!(r.status, 403, "nor make one");
    let r = app.form(
        "/app/settings/members",
        Some(&ada),
        &[
            ("csrf", &csrf),
            ("email", "o@example.com"),
            ("role", "owner"),
        ],
    );
    assert_eq!(r.status, 403, "nor invite one");
    let r = app.form(
        &format!("/app/settings/members/{MIA}"),
        Some(&ada),
        &[("csrf", &csrf), ("action", "remove")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(role_of(&app, MIA), None);

    let mia_app = spawn();
    let mia = mia_app.sign_in("mia@acme.example");
    assert_eq!(mia_app.page("/app/settings/members", &mia).0, 403);
    let csrf = csrf_of(&mia_app, &mia);
    let r = mia_app.form(
        "/app/settings/members",
        Some(&mia),
        &[
            ("csrf", &csrf),
            ("email", "friend@example.com"),
            ("role", "member"),
        ],
    );
    assert_eq!(r.status, 403);
    assert_eq!(mia_app.count("SELECT COUNT(*) FROM invitations"), 0);
}

#[test]
fn member_changes_need_the_csrf_token() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let r = app.form(
        &format!("/app/settings/members/{MIA}"),
        Some(&ann),
        &[("action", "remove")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(role_of(&app, MIA).as_deref(), Some("member"));

    let csrf = csrf_of(&app, &ann);
    let r = app.form(
        "/app/settings/members",
        Some(&ann),
        &[
            ("csrf", &csrf),
            ("email", "not-an-email"),
            ("role", "member"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(String::from_utf8_lossy(&r.body).contains("<code>email</code>"));
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations"), 0);
}

#[test]
fn an_account_without_a_password_gets_one_only_from_a_command_line_invitation() {
    use ticketbooth_functions::sha256::hex_digest;
    let app = spawn();
    app.db()
        .execute_script(
            "INSERT INTO operators (id, email, name, created_at)
             VALUES ('0000000000000000000000000000000f', 'old@acme.example', 'Old Token User', 0);
             INSERT INTO site_members (site_id, operator_id, role, created_at)
             VALUES (2, '0000000000000000000000000000000f', 'owner', 0);",
        )
        .unwrap();
    // From the dashboard: the link is in the inviter's hands, so it must not set the password
    // of an account that exists (and owns another site).
    let ann = app.sign_in("ann@acme.example");
    let link = invite(&app, &ann, "old@acme.example", "member");
    let r = app.form(&link, None, &[("name", "Mallory"), ("password", PASSWORD)]);
    assert_eq!(r.status, 409);
    assert!(String::from_utf8_lossy(&r.body).contains("cargo xtask add-operator"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM operators WHERE password_hash IS NULL"),
        1
    );

    // From the command line (invited_by NULL), as `cargo xtask add-operator` makes it.
    let token = "f".repeat(64);
    let sql = format!(
        "INSERT INTO invitations (token_hash, id, site_id, email, role, invited_by, created_at, expires_at)
         VALUES ('{}', 'cccccccccccccccccccccccccccccccc', 2, 'old@acme.example', 'owner', NULL, 0, 9999999999999)",
        hex_digest(token.as_bytes())
    );
    app.db().execute_script(&sql).unwrap();
    let path = format!("/app/invite/{token}");
    assert!(String::from_utf8_lossy(&app.get(&path, &[]).body).contains("Your name"));
    let r = app.form(
        &path,
        None,
        &[("name", "Olivia Old"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    let session = app.sign_in("old@acme.example");
    let (_, html) = app.page("/app/tickets", &session);
    assert!(html.contains("Olivia Old · owner"));
}

#[test]
fn a_pending_invitation_can_be_revoked_and_its_link_dies() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let link = invite(&app, &ann, "maybe@example.com", "member");
    let id = app.rows("SELECT id FROM invitations", vec![])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/app/settings/invitations/{id}");
    assert_eq!(app.form(&path, Some(&ann), &[]).status, 403, "CSRF");
    let mia = app.sign_in("mia@acme.example");
    let mia_csrf = csrf_of(&app, &mia);
    assert_eq!(
        app.form(&path, Some(&mia), &[("csrf", &mia_csrf)]).status,
        403,
        "a member"
    );
    let csrf = csrf_of(&app, &ann);
    let r = app.form(&path, Some(&ann), &[("csrf", &csrf)]);
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/settings/members?done=revoked"))
    );
    assert_eq!(app.get(&link, &[]).status, 410);
    assert_eq!(app.form(&path, Some(&ann), &[("csrf", &csrf)]).status, 404);
}
