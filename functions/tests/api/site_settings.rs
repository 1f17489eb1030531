//! Creating a site and editing its settings from the dashboard; the public config follows.

use crate::{TestApp, csrf_of, json, ticket_body};

const ANN: &str = "0000000000000000000000000000000a";
const MIA: &str = "0000000000000000000000000000000e";

fn settings<'a>(csrf: &'a str, origins: &'a str, prefix: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "Acme Support"),
        ("code_prefix", prefix),
        ("contact_required", "on"),
        ("cta_label", "Get help"),
        ("locale", "fr"),
        ("allowed_origins", origins),
    ]
}

#[test]
fn saved_settings_reach_the_public_config_and_a_new_prefix_renames_nothing() {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.create(
        "acme",
        "00000000-0000-4000-8000-000000000001",
        &ticket_body("Before"),
        &[],
    );
    let ann = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &ann);
    let form = settings(
        &csrf,
        "https://acme.example\nhttp://localhost:8787/",
        "HELP",
    );
    let r = app.form("/app/settings/site", Some(&ann), &form);
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/settings/site?done=saved"))
    );

    let config = json(&app.get("/api/v1/sites/acme/config", &[]));
    assert_eq!(
        config["enabled"], false,
        "the unchecked box switches ticketing off"
    );
    assert_eq!(config["contact_required"], true);
    assert_eq!(config["cta_label"], "Get help");
    assert_eq!(config["locale"], "fr");
    assert_eq!(config["code_prefix"], "HELP");
    let origins = app.rows("SELECT allowed_origins FROM sites WHERE id = 1", vec![]);
    assert_eq!(
        origins[0]["allowed_origins"],
        r#"["https://acme.example","http://localhost:8787"]"#
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tickets WHERE code = 'TKT-1'"),
        1,
        "renamed nothing"
    );

    let (_, html) = app.page("/app/settings/site?done=saved", &ann);
    assert!(html.contains("Settings saved."));
    assert!(
        html.contains("data-site=&quot;acme&quot;"),
        "the embed snippet"
    );
    assert!(html.contains("/try/?site=acme"), "the test link");
}

#[test]
fn invalid_settings_are_refused_field_by_field_and_change_nothing() {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    let ann = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &ann);
    let form = settings(&csrf, "https://ok.example\nhttps://acme.example/shop", "tk");
    let r = app.form("/app/settings/site", Some(&ann), &form);
    assert_eq!(r.status, 422);
    let html = String::from_utf8(r.body).unwrap();
    assert!(
        html.contains("Not an origin: https://acme.example/shop."),
        "{html}"
    );
    assert!(html.contains("Use 2 to 10 capital letters"));
    assert!(
        html.contains("https://ok.example\nhttps://acme.example/shop</textarea>"),
        "kept as typed"
    );
    let config = json(&app.get("/api/v1/sites/acme/config", &[]));
    assert_eq!(
        (config["code_prefix"].as_str(), config["enabled"].as_bool()),
        (Some("TKT"), Some(true))
    );

    let r = app.form(
        "/app/settings/site",
        Some(&ann),
        &settings("wrong", "", "ABC"),
    );
    assert_eq!(r.status, 403, "CSRF");
}

#[test]
fn a_member_cannot_see_or_change_settings() {
    let app = TestApp::spawn();
    app.add_operator(MIA, "mia@acme.example", "Mia Member", &[(1, "member")]);
    let mia = app.sign_in("mia@acme.example");
    assert_eq!(app.page("/app/settings/site", &mia).0, 403);
    let csrf = csrf_of(&app, &mia);
    let r = app.form(
        "/app/settings/site",
        Some(&mia),
        &settings(&csrf, "", "ABC"),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        json(&app.get("/api/v1/sites/acme/config", &[]))["code_prefix"],
        "TKT"
    );
}

#[test]
fn a_new_site_is_owned_by_its_creator_and_becomes_the_current_site() {
    let app = TestApp::spawn();
    // Only an owner of a site may create another (`tests/api/secrets.rs` checks the refusals).
    app.add_operator(MIA, "mia@acme.example", "Mia Member", &[(1, "owner")]);
    let mia = app.sign_in("mia@acme.example");
    let csrf = csrf_of(&app, &mia);
    let new = |key: &str, prefix: &str| {
        app.form(
            "/app/sites/new",
            Some(&mia),
            &[
                ("csrf", &csrf),
                ("key", key),
                ("name", "Mia's Shop"),
                ("code_prefix", prefix),
            ],
        )
    };
    let r = new("Bad Key", "x");
    assert_eq!(r.status, 422);
    let html = String::from_utf8(r.body).unwrap();
    assert!(html.contains("key-error") && html.contains("code_prefix-error"));
    let r = new("acme", "MIA");
    assert_eq!(r.status, 409, "taken");
    assert!(String::from_utf8_lossy(&r.body).contains("That site key is taken"));

    let r = new("mia-shop", "MIA");
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/app/settings/site"))
    );
    let (status, html) = app.page("/app/settings/site", &mia);
    assert_eq!(status, 200, "owner of the new site, which is now current");
    assert!(html.contains("Mia&#39;s Shop") && html.contains("Mia Member · owner"));
    assert_eq!(
        json(&app.get("/api/v1/sites/mia-shop/config", &[]))["code_prefix"],
        "MIA"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sites"), 4);
}
