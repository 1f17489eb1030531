//! A site's own secrets, sealed under `SECRETS_KEY` (`service::site_secrets`): the bot's
//! provider key pasted on the bots page (never shown again, replaced, removed; old settings
//! that named a Worker secret switch the bot off), the identity, Turnstile and webhook secrets
//! written sealed and their clear values from before migration 0018 sealed on first use, key
//! rotation, values bound to their site, a Worker without the key — and who may create a site.

use serde_json::json;
use ticketbooth_functions::crypto::identity_token::{self, IdentitySecret};
use ticketbooth_functions::crypto::secret_box::{SecretsKey, SecretsKeyError};
use ticketbooth_functions::http::{Body, FollowUp};
use ticketbooth_functions::integrations::bot;
use ticketbooth_functions::integrations::webhooks::Next;
use ticketbooth_functions::service::bot_settings::BotSettings;
use ticketbooth_functions::service::site_secrets::Sealer;
use ticketbooth_functions::service::sites;
use ticketbooth_shared::site_key::SiteKey;

use crate::ticket_page::{GUEST_TOKEN, MEMBER_TOKEN, OWNER_TOKEN, session, spawn_with_tokens};
use crate::webhooks::{NOW, Receiver, deliver};
use crate::{SECRETS_KEY, TestApp, csrf_of, error_code, json, ticket_body};

const PROVIDER_KEY: &str = "sk-proj-pasted-key-0001";
/// A second `SECRETS_KEY`, for rotations.
const NEXT_KEY: &str = "next-secrets-key-next-secrets-key-0002";

fn site(app: &TestApp, key: &str) -> sites::Site {
    pollster::block_on(sites::load(app.db(), &SiteKey::parse(key).unwrap())).unwrap()
}

/// The provider key the Worker would send for `site` (`bot::provider_key`, as `platform` does).
fn provider_key(app: &TestApp, key: &str) -> Option<String> {
    let sealer = Sealer::new(app.secrets_key(), [7; 32], 0);
    pollster::block_on(bot::provider_key(app.db(), &site(app, key), &sealer)).unwrap()
}

fn bot_form<'a>(csrf: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("enabled", "1"),
        ("name", "Robin"),
        ("base_url", "https://llm.example/v1"),
        ("model", "gpt-test"),
        ("api_key", key),
        ("max_rounds", "3"),
        ("timeout_seconds", "20"),
        ("system_prompt", ""),
    ]
}

/// A visitor's message on `site`: whether the Worker is asked to run the bot after answering.
fn bot_answers(app: &TestApp, site: &str) -> bool {
    let r = app.send(
        "POST",
        &format!("/api/v1/sites/{site}/conversations"),
        &[],
        Body::Bytes(vec![]),
    );
    let body = json(&r);
    let (id, token) = (
        body["conversation"]["id"].as_str().unwrap().to_owned(),
        body["visitor_token"].as_str().unwrap().to_owned(),
    );
    let sent = app.send(
        "POST",
        &format!("/api/v1/sites/{site}/conversations/{id}/messages"),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", "00000000-0000-4000-8000-00000000c0de"),
            ("authorization", &format!("Bearer {token}")),
        ],
        Body::Bytes(json!({ "text": "Hello?" }).to_string().into_bytes()),
    );
    assert_eq!(sent.status, 201);
    matches!(sent.follow_up, Some(FollowUp::Bot { .. }))
}

#[test]
fn the_pasted_provider_key_is_stored_sealed_never_shown_and_replaced_or_removed() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let (_, html) = app.page("/app/settings/bots", &owner);
    assert!(html.contains("No key is set"), "{html}");

    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, PROVIDER_KEY),
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    // Sealed: neither the site's row nor the secrets table holds the key in clear.
    let stored = app.rows(
        "SELECT site_id, name, key_id, ciphertext FROM site_secrets",
        vec![],
    );
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["name"], "provider_key");
    assert_eq!(stored[0]["site_id"], 1);
    let dump = format!("{stored:?}{:?}", app.rows("SELECT * FROM sites", vec![]));
    assert!(!dump.contains(PROVIDER_KEY), "{dump}");
    assert_eq!(provider_key(&app, "acme").as_deref(), Some(PROVIDER_KEY));
    assert!(bot_answers(&app, "acme"));

    // The page says a key is set, and never sends it back.
    let (status, html) = app.page("/app/settings/bots", &owner);
    assert_eq!(status, 200);
    assert!(html.contains("A key is set"), "{html}");
    assert!(!html.contains(PROVIDER_KEY));
    // Nor does the data export.
    let export = app.get(
        "/api/v1/export?format=jsonl",
        &[("authorization", &format!("Bearer {OWNER_TOKEN}"))],
    );
    assert_eq!(export.status, 200);
    assert!(!String::from_utf8_lossy(&export.body).contains(PROVIDER_KEY));

    // Saving with the field empty keeps the key; a pasted one replaces it.
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, ""),
    );
    assert_eq!(r.status, 303);
    assert_eq!(provider_key(&app, "acme").as_deref(), Some(PROVIDER_KEY));
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, "sk-proj-replacement"),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        provider_key(&app, "acme").as_deref(),
        Some("sk-proj-replacement")
    );
    let mut remove = bot_form(&csrf, "");
    remove.push(("remove_api_key", "1"));
    let r = app.form("/app/settings/bots/assistant", Some(&owner), &remove);
    assert_eq!(r.status, 303);
    assert_eq!(provider_key(&app, "acme"), None);
    assert_eq!(app.count("SELECT count(*) FROM site_secrets"), 0);
    let (_, html) = app.page("/app/settings/bots", &owner);
    assert!(html.contains("No key is set"));

    // Members and guests may do none of it.
    for token in [MEMBER_TOKEN, GUEST_TOKEN] {
        let who = session(token);
        let csrf = csrf_of(&app, &who);
        let r = app.form(
            "/app/settings/bots/assistant",
            Some(&who),
            &bot_form(&csrf, "sk-proj-theirs"),
        );
        assert_eq!(r.status, 403);
    }
    assert_eq!(app.count("SELECT count(*) FROM site_secrets"), 0);

    // A key pasted while the bot is switched off is kept for later.
    let off: Vec<_> = bot_form(&csrf, "sk-proj-for-later")
        .into_iter()
        .filter(|(k, _)| *k != "enabled")
        .collect();
    let r = app.form("/app/settings/bots/assistant", Some(&owner), &off);
    assert_eq!(r.status, 303);
    assert_eq!(site(&app, "acme").bot, None);
    assert_eq!(
        provider_key(&app, "acme").as_deref(),
        Some("sk-proj-for-later")
    );
}

#[test]
fn the_form_no_longer_takes_the_name_of_a_worker_secret() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let mut old = bot_form(&csrf, "");
    old.push(("api_key_secret", "VISITOR_TOKEN_SECRET"));
    let r = app.form("/app/settings/bots/assistant", Some(&owner), &old);
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("api_key_secret"));
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE bot IS NOT NULL"),
        0
    );
    assert_eq!(provider_key(&app, "acme"), None);
}

#[test]
fn a_bot_whose_old_settings_name_a_worker_secret_is_off_until_its_key_is_pasted() {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(
            r#"UPDATE sites SET bot = '{"name":"Robin","base_url":"https://llm.example/v1","model":"m","api_key_secret":"VISITOR_TOKEN_SECRET","system_prompt":"Be kind.","max_rounds":3,"timeout_seconds":20}' WHERE key = 'acme'"#,
        )
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    let loaded = site(&app, "acme");
    assert_eq!(loaded.bot, None, "switched off");
    assert!(!bot_answers(&app, "acme"), "no bot run, so nothing is sent");

    // The bots page says why and keeps what was set up.
    let owner = session(OWNER_TOKEN);
    let (_, html) = app.page("/app/settings/bots", &owner);
    assert!(html.contains("The bot is off"), "{html}");
    assert!(html.contains("VISITOR_TOKEN_SECRET"));
    assert!(html.contains("https://llm.example/v1") && html.contains("Be kind."));

    // Pasting the key turns it back on; the stored settings name no secret any more.
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, PROVIDER_KEY),
    );
    assert_eq!(r.status, 303);
    let loaded = site(&app, "acme");
    assert!(loaded.bot_awaiting_key.is_none());
    let bot: &BotSettings = loaded.bot.as_ref().unwrap();
    assert!(!bot.names_a_worker_secret());
    let row = app.rows("SELECT bot FROM sites WHERE key = 'acme'", vec![]);
    assert!(!row[0]["bot"].as_str().unwrap().contains("api_key_secret"));
    assert!(bot_answers(&app, "acme"));
    assert_eq!(provider_key(&app, "acme").as_deref(), Some(PROVIDER_KEY));
}

#[test]
fn a_worker_without_secrets_key_refuses_to_store_or_read_secrets_and_serves_the_rest() {
    let mut app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    // The identity secret is made while the key is there.
    let r = app.form("/app/settings/identity", Some(&owner), &[("csrf", &csrf)]);
    assert_eq!(r.status, 201);
    let html = String::from_utf8(r.body).unwrap();
    let at = html
        .find("id=\"identity_secret\" readonly value=\"")
        .unwrap()
        + 37;
    let secret = IdentitySecret::from_stored(html[at..at + 64].to_owned()).unwrap();

    app.set_secrets_key(Err(SecretsKeyError::Missing));
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, PROVIDER_KEY),
    );
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("SECRETS_KEY"));
    assert!(r.log.as_deref().is_some_and(|l| l.contains("SECRETS_KEY")));
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE bot IS NOT NULL"),
        0,
        "nothing written"
    );
    let r = app.form("/app/settings/identity", Some(&owner), &[("csrf", &csrf)]);
    assert_eq!(r.status, 503);

    // A signed identity needs the sealed secret: refused with a code, and logged.
    let jwt = identity_token::sign(
        &secret,
        &json!({ "site": "acme", "sub": "u1", "name": "Ada", "email": "ada@example.com",
                 "iat": 1_795_427_200, "exp": 1_795_430_000 }),
    );
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e001",
        &ticket_body("Signed"),
        &[("ticketbooth-identity", &jwt)],
    );
    assert_eq!(error_code(&r, 503), "secrets_key_missing");
    assert!(r.log.is_some());
    // Everything that needs no secret works.
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e002",
        &ticket_body("Plain"),
        &[],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(app.page("/app/settings/bots", &owner).0, 200);

    // With the key back, the same identity is accepted.
    app.set_secrets_key(SecretsKey::new(SECRETS_KEY));
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e003",
        &ticket_body("Signed"),
        &[("ticketbooth-identity", &jwt)],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        app.count("SELECT count(*) FROM tickets WHERE requester_email = 'ada@example.com'"),
        1
    );
}

#[test]
fn a_rotated_key_still_opens_with_previous_and_rewrites_under_the_current() {
    let mut app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, PROVIDER_KEY),
    );
    assert_eq!(r.status, 303);
    let old_id = app.rows("SELECT key_id FROM site_secrets", vec![])[0]["key_id"].clone();

    // Rotation: the new key seals, the old one still opens — and the value read is sealed
    // again under the new key on the way.
    app.set_secrets_key(SecretsKey::from_secrets(Some(NEXT_KEY), Some(SECRETS_KEY)));
    assert_eq!(provider_key(&app, "acme").as_deref(), Some(PROVIDER_KEY));
    let resealed = app.rows("SELECT key_id FROM site_secrets", vec![])[0]["key_id"].clone();
    assert_ne!(old_id, resealed);
    // A write seals under the new key too.
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, "sk-proj-after-rotation"),
    );
    assert_eq!(r.status, 303);
    let new_id = app.rows("SELECT key_id FROM site_secrets", vec![])[0]["key_id"].clone();
    assert_eq!(new_id, resealed);

    // Once the previous key is dropped the value still opens; under the old key alone it
    // does not.
    app.set_secrets_key(SecretsKey::new(NEXT_KEY));
    assert_eq!(
        provider_key(&app, "acme").as_deref(),
        Some("sk-proj-after-rotation")
    );
    app.set_secrets_key(SecretsKey::new(SECRETS_KEY));
    let sealer = Sealer::new(app.secrets_key(), [7; 32], 0);
    assert!(pollster::block_on(bot::provider_key(app.db(), &site(&app, "acme"), &sealer)).is_err());
}

#[test]
fn a_sealed_value_copied_to_another_site_does_not_open() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&owner),
        &bot_form(&csrf, PROVIDER_KEY),
    );
    assert_eq!(r.status, 303);
    app.db()
        .execute_script(
            "INSERT INTO site_secrets (site_id, name, key_id, ciphertext, updated_at)
             SELECT 2, name, key_id, ciphertext, updated_at FROM site_secrets WHERE site_id = 1;
             INSERT INTO site_secrets (site_id, name, key_id, ciphertext, updated_at)
             SELECT 1, 'webhook_secret', key_id, ciphertext, updated_at FROM site_secrets
             WHERE site_id = 1 AND name = 'provider_key';
             UPDATE sites SET webhook_url = 'https://hooks.example/in' WHERE id = 1;",
        )
        .unwrap();
    let sealer = Sealer::new(app.secrets_key(), [7; 32], 0);
    assert!(
        pollster::block_on(bot::provider_key(app.db(), &site(&app, "strict"), &sealer)).is_err()
    );
    // Nor under another purpose of the same site: the webhook is not signed with it.
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e101",
        &ticket_body("Hook"),
        &[],
    );
    assert_eq!(r.status, 201);
    let id = format!("tc_{}", json(&r)["ticket"]["id"].as_str().unwrap());
    let receiver = Receiver::default();
    let sealer = Sealer::new(app.secrets_key(), [9; 32], NOW);
    let delivered = pollster::block_on(ticketbooth_functions::integrations::webhooks::deliver(
        app.db(),
        &receiver,
        &sealer,
        ticketbooth_functions::integrations::outbound::OutboundPolicy::Production,
        &id,
        "https://tickets.example.net",
        30,
        NOW,
    ));
    assert!(delivered.is_err(), "the value does not open: {delivered:?}");
    assert!(receiver.got.borrow().is_empty(), "nothing sent unsigned");
}

#[test]
fn identity_secrets_are_written_sealed_and_clear_ones_sealed_on_first_use() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form("/app/settings/identity", Some(&owner), &[("csrf", &csrf)]);
    assert_eq!(r.status, 201);
    let html = String::from_utf8(r.body).unwrap();
    let at = html
        .find("id=\"identity_secret\" readonly value=\"")
        .unwrap()
        + 37;
    let shown = html[at..at + 64].to_owned();
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE identity_secret IS NOT NULL"),
        0
    );
    let sealed = app.rows(
        "SELECT ciphertext FROM site_secrets WHERE name = 'identity_secret'",
        vec![],
    );
    assert!(!format!("{sealed:?}").contains(&shown));
    let sign = |secret: &str, site: &str| {
        identity_token::sign(
            &IdentitySecret::from_stored(secret.to_owned()).unwrap(),
            &json!({ "site": site, "sub": "u1", "name": "Ada", "email": "ada@example.com",
                     "iat": 1_795_427_200, "exp": 1_795_430_000 }),
        )
    };
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e201",
        &ticket_body("Signed"),
        &[("ticketbooth-identity", &sign(&shown, "acme"))],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));

    // A clear secret from before the store ('strict'): used, then sealed and cleared.
    let old = "7".repeat(64);
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET identity_secret = '{old}' WHERE key = 'strict'"
        ))
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    for key in [
        "00000000-0000-4000-8000-00000000e202",
        "00000000-0000-4000-8000-00000000e203",
    ] {
        let r = app.create(
            "strict",
            key,
            &ticket_body("Signed"),
            &[("ticketbooth-identity", &sign(&old, "strict"))],
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            app.count("SELECT count(*) FROM sites WHERE identity_secret IS NOT NULL"),
            0,
            "the clear column is emptied"
        );
        assert_eq!(
            app.count(
                "SELECT count(*) FROM site_secrets WHERE site_id = 2 AND name = 'identity_secret'"
            ),
            1
        );
    }
}

#[test]
fn a_clear_webhook_secret_signs_once_more_and_is_sealed_then_a_new_one_is_sealed() {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(
            "UPDATE sites SET webhook_url = 'https://hooks.example/in',
                              webhook_secret = 'whsec_old_clear' WHERE key = 'acme'",
        )
        .unwrap();
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e301",
        &ticket_body("Hook"),
        &[],
    );
    let id = format!("tc_{}", json(&r)["ticket"]["id"].as_str().unwrap());
    let receiver = Receiver::default();
    receiver.answers.borrow_mut().push_back(200);
    assert_eq!(deliver(&app, &receiver, &id), Next::Done);
    let signed_with = |secret: &str, n: usize| {
        let got = receiver.got.borrow();
        let (_, headers, body) = &got[n];
        let signature = &headers
            .iter()
            .find(|(k, _)| *k == "ticketbooth-signature")
            .unwrap()
            .1;
        let t: i64 = signature[2..signature.find(',').unwrap()].parse().unwrap();
        *signature == ticketbooth_functions::integrations::webhooks::signature(secret, t, body)
    };
    assert!(signed_with("whsec_old_clear", 0));
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE webhook_secret IS NOT NULL"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM site_secrets WHERE name = 'webhook_secret'"),
        1
    );

    // A new secret from the page is sealed too, and signs what follows.
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/webhooks",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("url", "https://hooks.example/in"),
            ("rotate", "1"),
        ],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let html = String::from_utf8(r.body).unwrap();
    let at = html.find("whsec_").unwrap();
    let shown = html[at..at + 6 + 64].to_owned();
    assert!(!format!("{:?}", app.rows("SELECT * FROM site_secrets", vec![])).contains(&shown));
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e302",
        &ticket_body("Hook again"),
        &[],
    );
    let id = format!("tc_{}", json(&r)["ticket"]["id"].as_str().unwrap());
    receiver.answers.borrow_mut().push_back(200);
    assert_eq!(deliver(&app, &receiver, &id), Next::Done);
    assert!(signed_with(&shown, 1));

    // Removing the webhook removes its secret.
    let r = app.form(
        "/app/settings/webhooks",
        Some(&owner),
        &[("csrf", &csrf), ("url", "")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM site_secrets"), 0);
}

#[test]
fn turnstile_secrets_are_written_sealed_and_clear_ones_sealed_on_first_use() {
    let app = spawn_with_tokens(0);
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    let r = app.form(
        "/app/settings/turnstile",
        Some(&owner),
        &[
            ("csrf", &csrf),
            ("site_key", "0x4AAAAAAAsitekey"),
            ("secret", "0x4AAAAAAAsecretkey"),
        ],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE turnstile_secret IS NOT NULL"),
        0
    );
    let dump = format!("{:?}", app.rows("SELECT * FROM site_secrets", vec![]));
    assert!(dump.contains("turnstile_secret") && !dump.contains("0x4AAAAAAAsecretkey"));
    let loaded = site(&app, "acme");
    let sealer = Sealer::new(app.secrets_key(), [7; 32], 0);
    let turnstile = loaded.turnstile.as_ref().unwrap();
    assert_eq!(
        sealer
            .reveal(
                1,
                ticketbooth_functions::service::site_secrets::SecretName::TurnstileSecret,
                &turnstile.secret
            )
            .unwrap(),
        "0x4AAAAAAAsecretkey"
    );
    // Turning it off removes the secret.
    let r = app.form(
        "/app/settings/turnstile",
        Some(&owner),
        &[("csrf", &csrf), ("remove", "1")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM site_secrets"), 0);
}

#[test]
fn only_an_owner_of_a_site_may_create_one() {
    let app = spawn_with_tokens(0);
    let new = |token: &str, key: &str| {
        let who = session(token);
        let csrf = csrf_of(&app, &who);
        app.form(
            "/app/sites/new",
            Some(&who),
            &[
                ("csrf", csrf.as_str()),
                ("key", key),
                ("name", "Their own"),
                ("code_prefix", "OWN"),
            ],
        )
    };
    let members = app.count("SELECT count(*) FROM site_members");
    for (token, key) in [(GUEST_TOKEN, "guest-shop"), (MEMBER_TOKEN, "member-shop")] {
        let r = new(token, key);
        assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
        let html = String::from_utf8_lossy(&r.body);
        assert!(
            html.contains("Only an owner of a site can create another site"),
            "{html}"
        );
        // A taken key changes nothing either (no membership in an existing site).
        let r = new(token, "strict");
        assert_eq!(r.status, 403);
    }
    assert_eq!(app.count("SELECT count(*) FROM sites"), 3);
    assert_eq!(app.count("SELECT count(*) FROM site_members"), members);

    let r = new(OWNER_TOKEN, "owner-shop");
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(app.count("SELECT count(*) FROM sites"), 4);
}

#[test]
fn the_service_and_its_batch_refuse_a_site_to_anyone_who_owns_none() {
    use ticketbooth_functions::service::operators::{Credential, MemberSite, Operator};
    use ticketbooth_functions::service::{Refusal, ServiceError};
    use ticketbooth_shared::role::Role;
    use ticketbooth_shared::timestamp::Timestamp;

    let app = spawn_with_tokens(0);
    let members = app.count("SELECT count(*) FROM site_members");
    let guest = |claimed: Role| Operator {
        id: crate::ticket_actions::GUEST.to_owned(),
        name: "Gus Guest".into(),
        email: "gus@acme.example".into(),
        role: Role::Guest,
        site_id: 1,
        site_key: SiteKey::parse("acme").unwrap(),
        site_name: "Acme".into(),
        credential: Credential::Bearer,
        csrf_token: String::new(),
        sites: vec![MemberSite {
            id: 1,
            key: SiteKey::parse("acme").unwrap(),
            name: "Acme".into(),
            role: claimed,
        }],
    };
    let create = |op: &Operator, key: &str| {
        let site = sites::NewSite::parse(key, "Mine", "MINE").unwrap();
        pollster::block_on(sites::create(
            app.db(),
            op,
            &site,
            None,
            Timestamp::from_millis(NOW),
        ))
    };
    let refused = Err(ServiceError::Refused(Refusal::SiteCreationOwnersOnly));
    assert_eq!(create(&guest(Role::Guest), "gus-shop"), refused);
    // Even an operator whose memberships read stale (owner a moment ago) is refused by the
    // batch itself — and never becomes an owner of an existing site with that key.
    assert_eq!(create(&guest(Role::Owner), "gus-shop"), refused);
    assert_eq!(create(&guest(Role::Owner), "strict"), refused);
    assert_eq!(app.count("SELECT count(*) FROM sites"), 3);
    assert_eq!(app.count("SELECT count(*) FROM site_members"), members);
}

#[test]
fn saving_the_webhook_seals_its_clear_secret_and_keeps_signing_with_it() {
    let app = spawn_with_tokens(0);
    app.db()
        .execute_script(
            "UPDATE sites SET webhook_url = 'https://hooks.example/in',
                              webhook_secret = 'whsec_old_clear' WHERE key = 'acme'",
        )
        .unwrap();
    let owner = session(OWNER_TOKEN);
    let csrf = csrf_of(&app, &owner);
    // A new URL, no new secret: the old one is kept, and sealed at this write.
    let r = app.form(
        "/app/settings/webhooks",
        Some(&owner),
        &[("csrf", &csrf), ("url", "https://hooks.example/v2")],
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE webhook_secret IS NOT NULL"),
        0
    );
    let sealer = Sealer::new(app.secrets_key(), [7; 32], 0);
    let stored = app.rows(
        "SELECT key_id || ':' || ciphertext AS v FROM site_secrets WHERE name = 'webhook_secret'",
        vec![],
    );
    let stored = ticketbooth_functions::service::site_secrets::Stored::from_columns(
        stored[0]["v"].as_str().map(str::to_owned),
        None,
    )
    .unwrap();
    assert_eq!(
        sealer
            .reveal(
                1,
                ticketbooth_functions::service::site_secrets::SecretName::WebhookSecret,
                &stored
            )
            .unwrap(),
        "whsec_old_clear"
    );
}
