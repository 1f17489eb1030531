//! API tokens from the settings page: created (shown once, stored hashed), used as a bearer
//! token (last-used time), revoked.

use ticketbooth_functions::crypto::sha256::hex_digest;

use crate::{TestApp, csrf_of};

const ANN: &str = "0000000000000000000000000000000a";
const MIA: &str = "0000000000000000000000000000000e";

fn create(app: &TestApp, session: &str, label: &str) -> (u16, String) {
    let csrf = csrf_of(app, session);
    let r = app.form(
        "/app/settings/tokens",
        Some(session),
        &[("csrf", &csrf), ("label", label)],
    );
    (r.status, String::from_utf8(r.body).unwrap())
}

#[test]
fn a_token_is_shown_once_stored_hashed_used_and_revoked() {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    let ann = app.sign_in("ann@acme.example");
    let (status, html) = create(&app, &ann, "CRM <sync>");
    assert_eq!(status, 201);
    let at = html.find("value=\"tbo_").expect("the token, shown") + 7;
    let token = html[at..at + 68].to_owned();
    assert!(html.contains("CRM &lt;sync&gt;"));
    let stored = app.rows("SELECT token_hash, id FROM operator_tokens", vec![]);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["token_hash"], hex_digest(token.as_bytes()));
    let id = stored[0]["id"].as_str().unwrap().to_owned();

    let (_, html) = app.page("/app/settings/tokens", &ann);
    assert!(!html.contains(&token), "never shown again");
    assert!(html.contains("Never"), "not used yet");

    let bearer = format!("Bearer {token}");
    assert_eq!(
        app.get("/app/tickets", &[("authorization", &bearer)])
            .status,
        200
    );
    let (_, html) = app.page("/app/settings/tokens", &ann);
    assert!(!html.contains("Never"), "a last-used time now");
    assert!(
        app.rows("SELECT last_used_at FROM operator_tokens", vec![])[0]["last_used_at"].is_i64()
    );

    // Revoking needs the CSRF token; then the token opens nothing.
    let path = format!("/app/settings/tokens/{id}");
    assert_eq!(app.form(&path, Some(&ann), &[]).status, 403);
    let csrf = csrf_of(&app, &ann);
    let r = app.form(&path, Some(&ann), &[("csrf", &csrf)]);
    assert_eq!(r.status, 303);
    assert_eq!(
        app.get("/app/tickets", &[("authorization", &bearer)])
            .status,
        303
    );
    assert_eq!(app.form(&path, Some(&ann), &[("csrf", &csrf)]).status, 404);
}

#[test]
fn a_token_needs_a_name_and_a_member_cannot_make_one() {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.add_operator(MIA, "mia@acme.example", "Mia Member", &[(1, "member")]);
    let ann = app.sign_in("ann@acme.example");
    let (status, html) = create(&app, &ann, "   ");
    assert_eq!(status, 422);
    assert!(html.contains("<code>label</code>"));
    let mia = app.sign_in("mia@acme.example");
    assert_eq!(create(&app, &mia, "mine").0, 403);
    assert_eq!(app.page("/app/settings/tokens", &mia).0, 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM operator_tokens"), 0);
}

#[test]
fn another_sites_token_cannot_be_revoked() {
    let app = TestApp::spawn();
    app.add_operator(
        ANN,
        "ann@acme.example",
        "Ann Owner",
        &[(1, "owner"), (2, "owner")],
    );
    let ann = app.sign_in("ann@acme.example");
    create(&app, &ann, "acme token");
    let id = app.rows("SELECT id FROM operator_tokens", vec![])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let csrf = csrf_of(&app, &ann);
    app.form(
        "/app/sites/switch",
        Some(&ann),
        &[("csrf", &csrf), ("site", "strict")],
    );
    let path = format!("/app/settings/tokens/{id}");
    assert_eq!(app.form(&path, Some(&ann), &[("csrf", &csrf)]).status, 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM operator_tokens"), 1);
}

#[test]
fn a_token_inserted_by_hand_without_an_id_or_label_is_listed() {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.db()
        .execute_script(&format!(
            "INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at)
             VALUES ('{}', 1, '{ANN}', 0)",
            hex_digest(b"tbo_by_hand_by_hand_by_hand")
        ))
        .unwrap();
    let ann = app.sign_in("ann@acme.example");
    let (status, html) = app.page("/app/settings/tokens", &ann);
    assert_eq!(status, 200);
    assert!(html.contains("Unnamed") && !html.contains("/app/settings/tokens/\""));
}
