//! Members and invitations: invite → accept (single use, expiry), role changes and removal,
//! the last-owner rule, who may do what.

use crate::{PASSWORD, TestApp, csrf_of};

const ANN: &str = "0000000000000000000000000000000a";
const ADA: &str = "0000000000000000000000000000000d";
const MIA: &str = "0000000000000000000000000000000e";
const SAM: &str = "0000000000000000000000000000000b";
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
    // Sam works on `strict` only: the invitation adds him to acme when he proves it's him.
    app.add_operator(SAM, "sam@strict.example", "Sam Strict", &[(2, "member")]);
    let ann = app.sign_in("ann@acme.example");
    let link = invite(&app, &ann, "sam@strict.example", "guest");
    let r = app.form(&link, None, &[("password", "someone else's guess")]);
    assert_eq!(r.status, 401);
    assert_eq!(role_of(&app, SAM), None);
    let r = app.form(&link, None, &[("password", PASSWORD)]);
    assert_eq!(r.status, 303);
    assert_eq!(role_of(&app, SAM).as_deref(), Some("guest"));
    let strict = app.rows(
        "SELECT role FROM site_members WHERE site_id = 2 AND operator_id = ?1",
        vec![SAM.into()],
    );
    assert_eq!(strict[0]["role"], "member", "his other site is untouched");
}

/// Accepting an invitation with the account's password, for someone already a member: the
/// answer, and that nothing changed (role, the invitation, sessions).
fn accept_as_member(app: &TestApp, link: &str) {
    let sessions = app.count("SELECT COUNT(*) FROM sessions");
    let r = app.form(link, None, &[("password", PASSWORD)]);
    let html = String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(r.status, 409, "{html}");
    assert!(html.contains("already a member"), "{html}");
    assert!(
        r.header("set-cookie").is_none(),
        "not signed in by the link"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions"), sessions);
    let hash = ticketbooth_functions::crypto::sha256::hex_digest(
        link.trim_start_matches("/app/invite/").as_bytes(),
    );
    let pending = app.rows(
        "SELECT 1 FROM invitations WHERE token_hash = ?1 AND accepted_at IS NULL",
        vec![hash.into()],
    );
    assert_eq!(
        pending.len(),
        1,
        "the invitation stays pending (an owner or admin revokes it)"
    );
}

#[test]
fn the_owner_invited_as_guest_stays_owner() {
    let app = spawn();
    // An admin invites the site's only owner as a guest; the owner opens the link and types
    // their password, as the issue reproduced.
    let ada = app.sign_in("ada@acme.example");
    let link = invite(&app, &ada, "Ann@Acme.example", "guest");
    assert_eq!(app.get(&link, &[]).status, 200);
    accept_as_member(&app, &link);
    assert_eq!(role_of(&app, ANN).as_deref(), Some("owner"));
    let r = app.form(&link, None, &[("password", "a wrong guess")]);
    assert_eq!(
        r.status, 401,
        "only the account's owner learns it is a member"
    );
}

#[test]
fn an_invitation_never_changes_a_members_role_either_way() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    // Not even upwards: Mia cannot become an owner through a link.
    for role in ["owner", "guest"] {
        let link = invite(&app, &ann, "mia@acme.example", role);
        accept_as_member(&app, &link);
        assert_eq!(role_of(&app, MIA).as_deref(), Some("member"));
        app.db().execute_script("DELETE FROM invitations").unwrap();
    }
}

#[test]
fn an_invitation_accepted_after_its_invitee_joined_otherwise_changes_nothing() {
    use ticketbooth_functions::crypto::sha256::hex_digest;
    use ticketbooth_functions::sql::invitations;
    use ticketbooth_functions::store::Executor;
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    app.add_operator(SAM, "sam@strict.example", "Sam Strict", &[(2, "member")]);
    let first = invite(&app, &ann, "sam@strict.example", "member");
    let second = invite(&app, &ann, "sam@strict.example", "admin");
    assert_eq!(
        app.form(&first, None, &[("password", PASSWORD)]).status,
        303
    );
    accept_as_member(&app, &second);
    // The batch's own guard, for an acceptance that read the invitation before the first
    // one joined: the invitation is not marked, so nothing after it applies.
    let hash = hex_digest(second.trim_start_matches("/app/invite/").as_bytes());
    let now = 1_795_427_280_000 + 3_600_000;
    let results = pollster::block_on(app.db().batch(vec![
        invitations::accept(&hash, now, false),
        invitations::add_member(&hash, "sam@strict.example", now),
    ]))
    .unwrap();
    assert!(results[0].is_empty());
    assert_eq!(role_of(&app, SAM).as_deref(), Some("member"));
    // And the membership insert on its own never changes a role.
    app.db()
        .execute_script(&format!(
            "UPDATE invitations SET accepted_at = {now} WHERE token_hash = '{hash}'"
        ))
        .unwrap();
    pollster::block_on(app.db().batch(vec![invitations::add_member(
        &hash,
        "sam@strict.example",
        now,
    )]))
    .unwrap();
    assert_eq!(role_of(&app, SAM).as_deref(), Some("member"));
}

#[test]
fn the_last_owner_rule_is_in_the_schema_whatever_writes_the_membership() {
    use ticketbooth_functions::sql::site_members;
    use ticketbooth_functions::store::{Executor, Statement, StoreError};
    let app = spawn();
    let run = |statement: Statement| pollster::block_on(app.db().batch(vec![statement]));
    let is_refused =
        |result: Result<_, StoreError>| matches!(result, Err(StoreError::CheckViolation(_)));
    // Raw writes, as a repair through `wrangler d1 execute` would make them.
    assert!(is_refused(run(Statement::new(
        "UPDATE site_members SET role = 'guest' WHERE site_id = 1 AND operator_id = ?1",
        vec![ANN.into()],
    ))));
    assert!(is_refused(run(Statement::new(
        "DELETE FROM site_members WHERE site_id = 1",
        vec![],
    ))));
    assert!(is_refused(run(site_members::change_role(1, ANN, "admin"))));
    assert!(is_refused(run(site_members::remove(1, ANN))));
    assert_eq!(role_of(&app, ANN).as_deref(), Some("owner"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM site_members WHERE site_id = 1"),
        3
    );

    // Two owners demoting each other at once: both read two owners, so both changes pass
    // their checks in Rust; the batches run one after the other and the second fails.
    run(site_members::change_role(1, ADA, "owner")).unwrap();
    run(site_members::change_role(1, ANN, "admin")).unwrap();
    assert!(is_refused(run(site_members::change_role(1, ADA, "admin"))));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM site_members WHERE site_id = 1 AND role = 'owner'"),
        1
    );
    // Other sites' members are no one's business here: a site with no owner yet (as
    // `cargo xtask add-site` leaves it) takes members and loses non-owners freely.
    run(Statement::new(
        "INSERT INTO site_members (site_id, operator_id, role, created_at) VALUES (3, ?1, 'member', 0)",
        vec![MIA.into()],
    ))
    .unwrap();
    run(site_members::remove(3, MIA)).unwrap();
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
    use ticketbooth_functions::crypto::sha256::hex_digest;
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
