//! The one outbound policy, through the pages and the deliveries that use it: the webhook and
//! bot forms refuse what it refuses (production and development), a stored receiver that no
//! longer passes is never called, an attempt is shown as its status class (never the raw
//! error), and visitor text in a Slack payload is escaped.

use serde_json::Value as Json;
use ticketbooth_functions::integrations::outbound::OutboundPolicy::{
    self, Development, Production,
};
use ticketbooth_functions::integrations::webhooks::{self, Next};
use ticketbooth_functions::service::site_secrets::Sealer;

use crate::webhooks::{Receiver, deliver_under, with_webhook_at};
use crate::{TestApp, csrf_of, json, ticket_body};

const ANN: &str = "0000000000000000000000000000000a";

/// Ann owns `acme`, signed in under `policy`: (app, session, csrf).
fn owner(policy: OutboundPolicy) -> (TestApp, String, String) {
    let app = TestApp::spawn().with_outbound_policy(policy);
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    let session = app.sign_in("ann@acme.example");
    let csrf = csrf_of(&app, &session);
    (app, session, csrf)
}

/// What neither form takes (as an owner types it), with the policy it is refused under.
const REFUSED: &[(&str, OutboundPolicy)] = &[
    ("http://localhost:1@evil.example/", Development),
    ("https://user:pass@receiver.example/", Development),
    ("https://receiver.example/in#top", Development),
    ("http://receiver.example/in", Development),
    ("http://10.0.0.7:22/", Development),
    ("ftp://receiver.example/", Development),
    ("http://127.0.0.1:8080/in", Production),
    ("http://localhost/in", Production),
    ("https://127.0.0.1/in", Production),
    ("https://10.0.0.7/in", Production),
    ("https://172.20.1.1/in", Production),
    ("https://192.168.1.10/in", Production),
    ("https://169.254.169.254/latest", Production),
    ("https://100.100.100.100/in", Production),
    ("https://[::1]/in", Production),
    ("https://[fe80::1]/in", Production),
    ("https://[fd00::7]/in", Production),
    ("https://[::ffff:10.0.0.7]/in", Production),
    ("https://0x7f.1/in", Production),
];

fn field_error(response: &ticketbooth_functions::http::Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

#[test]
fn the_webhook_form_refuses_what_the_policy_refuses_and_stores_nothing() {
    let production = owner(Production);
    let development = owner(Development);
    for (url, policy) in REFUSED {
        let (app, session, csrf) = match policy {
            Production => &production,
            Development => &development,
        };
        let r = app.form(
            "/app/settings/webhooks",
            Some(session.as_str()),
            &[("csrf", csrf.as_str()), ("url", url)],
        );
        assert_eq!(r.status, 422, "{url} under {policy:?}: {}", field_error(&r));
        assert_eq!(
            app.count("SELECT count(*) FROM sites WHERE webhook_url IS NOT NULL"),
            0,
            "{url}: nothing stored"
        );
    }
    // What it takes is stored as the URL the Worker will call.
    let (app, session, csrf) = &production;
    let r = app.form(
        "/app/settings/webhooks",
        Some(session.as_str()),
        &[
            ("csrf", csrf.as_str()),
            ("url", "https://Hooks.Example.com/in?token=a"),
        ],
    );
    assert_eq!(r.status, 201, "{}", field_error(&r));
    let stored = app.rows("SELECT webhook_url FROM sites WHERE id = 1", vec![]);
    assert_eq!(
        stored[0]["webhook_url"],
        "https://hooks.example.com/in?token=a"
    );
    // A local receiver under development.
    let (app, session, csrf) = &development;
    let r = app.form(
        "/app/settings/webhooks",
        Some(session.as_str()),
        &[("csrf", csrf.as_str()), ("url", "http://127.0.0.1:8080/in")],
    );
    assert_eq!(r.status, 201, "{}", field_error(&r));
}

#[test]
fn the_bot_form_refuses_what_the_policy_refuses_and_stores_nothing() {
    let bot = |csrf: &str, base_url: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("enabled", "1"),
            ("name", "Robin"),
            ("base_url", base_url),
            ("model", "gpt-test"),
            ("api_key_secret", ""),
            ("system_prompt", ""),
            ("max_rounds", "3"),
            ("timeout_seconds", "20"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    };
    let post = |app: &TestApp, session: &str, pairs: &[(String, String)]| {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        app.form("/app/settings/bots/assistant", Some(session), &pairs)
    };
    let mut refused: Vec<(&str, OutboundPolicy)> = REFUSED.to_vec();
    // A query would swallow the path appended to a base.
    refused.push(("https://api.example.com/v1?x=1", Production));
    let production = owner(Production);
    let development = owner(Development);
    for (url, policy) in refused {
        let (app, session, csrf) = match policy {
            Production => &production,
            Development => &development,
        };
        let r = post(app, session, &bot(csrf, url));
        assert_eq!(r.status, 422, "{url} under {policy:?}: {}", field_error(&r));
        assert_eq!(
            app.count("SELECT count(*) FROM sites WHERE bot IS NOT NULL"),
            0,
            "{url}: nothing stored"
        );
    }
    let (app, session, csrf) = &production;
    let r = post(app, session, &bot(csrf, "https://API.example.com/v1/"));
    assert_eq!(r.status, 303, "{}", field_error(&r));
    let stored = app.rows("SELECT bot FROM sites WHERE id = 1", vec![]);
    let settings: Json = serde_json::from_str(stored[0]["bot"].as_str().unwrap()).unwrap();
    assert_eq!(settings["base_url"], "https://api.example.com/v1");
}

/// README's Workers AI recipe: Cloudflare's OpenAI-compatible endpoint as the bot's base URL
/// (no `[ai]` binding), the account's API token pasted as the provider key. It passes the
/// production policy, and the Worker calls the documented `…/ai/v1/chat/completions`.
#[test]
fn the_workers_ai_recipe_passes_the_production_policy_with_its_token_sealed() {
    use ticketbooth_functions::integrations::outbound::{OutboundUrl, Target};
    const BASE: &str =
        "https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1";
    const TOKEN: &str = "cf-api-token-with-workers-ai-permission";
    let url = OutboundUrl::parse(BASE, Target::Base, Production).expect("the recipe's base URL");
    assert_eq!(
        url.join("chat/completions").as_str(),
        format!("{BASE}/chat/completions")
    );
    let (app, session, csrf) = owner(Production);
    let r = app.form(
        "/app/settings/bots/assistant",
        Some(&session),
        &[
            ("csrf", csrf.as_str()),
            ("enabled", "1"),
            ("name", "Robin"),
            ("base_url", BASE),
            ("model", "@cf/meta/llama-3.1-8b-instruct"),
            ("api_key", TOKEN),
            ("system_prompt", ""),
            ("max_rounds", "3"),
            ("timeout_seconds", "20"),
        ],
    );
    assert_eq!(r.status, 303, "{}", field_error(&r));
    let stored = app.rows("SELECT bot FROM sites WHERE id = 1", vec![]);
    let settings: Json = serde_json::from_str(stored[0]["bot"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&settings["base_url"], &settings["model"]),
        (
            &Json::from(BASE),
            &Json::from("@cf/meta/llama-3.1-8b-instruct")
        )
    );
    // The token is the site's sealed provider key, in clear nowhere.
    let secrets = app.rows("SELECT name, ciphertext FROM site_secrets", vec![]);
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["name"], "provider_key");
    let dump = format!("{secrets:?}{:?}", app.rows("SELECT * FROM sites", vec![]));
    assert!(!dump.contains(TOKEN));
}

/// A ticket on `acme` announced to the webhook: its event id.
fn announced(app: &TestApp, subject: &str) -> String {
    let r = app.create(
        "acme",
        "00000000-0000-4000-8000-00000000e001",
        &ticket_body(subject),
        &[],
    );
    assert_eq!(r.status, 201);
    format!("tc_{}", json(&r)["ticket"]["id"].as_str().unwrap())
}

#[test]
fn a_stored_receiver_that_no_longer_passes_is_never_called() {
    for stored in [
        "http://127.0.0.1:9/in",
        "https://10.0.0.7/in",
        "https://169.254.169.254/latest/meta-data",
        "http://localhost:1@evil.example/",
    ] {
        let app = TestApp::spawn();
        with_webhook_at(&app, stored);
        let id = announced(&app, "Printer on fire");
        let receiver = Receiver::default();
        receiver.answers.borrow_mut().push_back(200);
        assert_eq!(
            deliver_under(&app, &receiver, Production, &id),
            Next::Done,
            "{stored}: given up at once"
        );
        assert!(receiver.got.borrow().is_empty(), "{stored}: never called");
        let row = &app.rows(
            "SELECT attempts, failed_at, delivered_at, last_error FROM notifications",
            vec![],
        )[0];
        assert_eq!(row["last_error"], "refused: address not allowed");
        assert!(row["failed_at"].is_i64() && row["delivered_at"].is_null());
    }
    // The same local receiver under development is called.
    let app = TestApp::spawn();
    with_webhook_at(&app, "http://127.0.0.1:9/in");
    let id = announced(&app, "Printer on fire");
    let receiver = Receiver::default();
    receiver.answers.borrow_mut().push_back(200);
    assert_eq!(deliver_under(&app, &receiver, Development, &id), Next::Done);
    assert_eq!(receiver.got.borrow()[0].0, "http://127.0.0.1:9/in");
}

#[test]
fn the_settings_page_shows_status_classes_never_raw_errors() {
    let (app, session, _) = owner(Production);
    with_webhook_at(&app, "https://hooks.example/in");
    let id = announced(&app, "Printer on fire");
    let receiver = Receiver {
        refusal: Some("connect ECONNREFUSED 10.0.0.7:22 (banner: OpenSSH_9.6)"),
        ..Receiver::default()
    };
    // A redirect, a server error, then no connection at all.
    receiver.answers.borrow_mut().extend([302, 503]);
    let mut shown = Vec::new();
    for _ in 0..3 {
        assert!(matches!(
            deliver_under(&app, &receiver, Production, &id),
            Next::RetryIn(_)
        ));
        let (_, html) = app.page("/app/settings/webhooks", &session);
        let row = app.rows("SELECT last_error FROM notifications", vec![]);
        shown.push(row[0]["last_error"].as_str().unwrap().to_owned());
        assert!(
            !html.contains("ECONNREFUSED") && !html.contains("OpenSSH"),
            "{html}"
        );
        assert!(
            html.contains(&format!("Retrying: {}", shown.last().unwrap())),
            "{html}"
        );
    }
    assert_eq!(shown, ["refused: redirect", "HTTP 5xx", "no connection"]);
    // The raw text goes to the Worker's log only.
    let sealer = Sealer::new(app.secrets_key(), [9; 32], 1_795_427_500_000);
    let attempted = pollster::block_on(webhooks::deliver(
        app.db(),
        &receiver,
        &sealer,
        Production,
        &id,
        "https://tickets.example.net",
        30,
        1_795_427_500_000,
    ))
    .unwrap();
    assert!(
        attempted
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("ECONNREFUSED")),
        "{attempted:?}"
    );
    // A row recorded before classes (raw text) is shown by its class too.
    app.db()
        .execute_script(
            "UPDATE notifications SET last_error = 'dial tcp 10.0.0.7:5432: connection refused', last_status = NULL",
        )
        .unwrap();
    let (_, html) = app.page("/app/settings/webhooks", &session);
    assert!(html.contains("Retrying: no connection"), "{html}");
    assert!(!html.contains("5432"), "{html}");
}

#[test]
fn visitor_text_in_a_slack_payload_is_escaped() {
    let app = TestApp::spawn();
    with_webhook_at(&app, "https://hooks.example/in");
    let subject = "<!channel> <https://evil.example|Verify your account> & co";
    let id = announced(&app, subject);
    let receiver = Receiver::default();
    receiver.answers.borrow_mut().push_back(200);
    deliver_under(&app, &receiver, Production, &id);
    let got = receiver.got.borrow();
    let payload: Json = serde_json::from_str(&got[0].2).unwrap();
    let escaped = "&lt;!channel&gt; &lt;https://evil.example|Verify your account&gt; &amp; co";
    let text = payload["text"].as_str().unwrap();
    assert!(text.contains(escaped), "{text}");
    assert!(!text.contains('<') && !text.contains('>'), "{text}");
    for block in payload["blocks"].as_array().unwrap() {
        let text = block["text"]["text"].as_str().unwrap();
        assert!(
            !text.contains("<!channel>") && !text.contains("<https://evil"),
            "{text}"
        );
    }
    assert_eq!(
        payload["blocks"][1]["text"]["text"],
        "<https://tickets.example.net/app/tickets/TKT-1|Open TKT-1>",
        "our own link stays a link"
    );
    // The event's data keeps the raw value for receivers of their own.
    assert_eq!(payload["event"]["data"]["subject"], subject);
    assert_eq!(webhooks::slack_escape("a<b"), "a&lt;b");
}
