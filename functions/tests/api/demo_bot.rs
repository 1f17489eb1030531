//! The demo's bot (`cargo xtask dev`): the seed (xtask/seed/demo.sql) gives the demo site a bot
//! pointed at the scripted stand-in provider only when that site never had one, and the bots
//! page says plainly that such a bot is a stand-in, with the real providers to use instead.

use ticketbooth_functions::integrations::bot::DEMO_BASE_URL;
use ticketbooth_functions::service::bot_settings::BotSettings;

use crate::TestApp;

const SEED: &str = include_str!("../../../xtask/seed/demo.sql");

fn demo_bot(app: &TestApp) -> Option<String> {
    app.rows("SELECT bot FROM sites WHERE key = 'demo'", vec![])[0]["bot"]
        .as_str()
        .map(str::to_owned)
}

fn seed(app: &TestApp) {
    app.db().execute_script(SEED).expect("the seed runs");
}

#[test]
fn the_seed_gives_the_demo_site_its_bot_only_when_it_never_had_one() {
    let app = TestApp::spawn();
    seed(&app);
    let settings: BotSettings =
        serde_json::from_str(&demo_bot(&app).expect("the demo site has a bot")).unwrap();
    assert_eq!(settings.base_url, DEMO_BASE_URL);
    assert_eq!((settings.max_rounds, settings.timeout_seconds), (3, 20));
    assert!(!settings.names_a_worker_secret());

    // Pointed at a real provider: left alone.
    let real = r#"{"name":"Robin","base_url":"https://api.openai.com/v1","model":"gpt-4o-mini","system_prompt":"","max_rounds":2,"timeout_seconds":10}"#;
    app.db()
        .execute_script(&format!(
            "UPDATE sites SET bot = '{real}' WHERE key = 'demo'"
        ))
        .unwrap();
    seed(&app);
    assert_eq!(demo_bot(&app).as_deref(), Some(real));

    // Switched off after it answered: stays off.
    app.db()
        .execute_script(
            "UPDATE sites SET bot = NULL, bot_last_attempt = 'connected', \
             bot_last_attempt_at = 1 WHERE key = 'demo'",
        )
        .unwrap();
    seed(&app);
    assert_eq!(demo_bot(&app), None);
    // No other site gets a bot.
    assert_eq!(
        app.count("SELECT count(*) FROM sites WHERE key <> 'demo' AND bot IS NOT NULL"),
        0
    );
}

#[test]
fn the_bots_page_says_the_demo_bot_is_a_stand_in_and_names_real_providers() {
    let app = TestApp::spawn();
    app.add_operator(
        "0000000000000000000000000000000a",
        "ann@acme.example",
        "Ann Owner",
        &[(1, "owner")],
    );
    let session = app.sign_in("ann@acme.example");
    let page_with = |base_url: &str| {
        app.db()
            .execute_script(&format!(
                "UPDATE sites SET bot = '{{\"name\":\"Demo bot\",\"base_url\":\"{base_url}\",\"model\":\"m\",\"system_prompt\":\"\",\"max_rounds\":3,\"timeout_seconds\":20}}' WHERE id = 1"
            ))
            .unwrap();
        app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
        let (status, html) = app.page("/app/settings/bots", &session);
        assert_eq!(status, 200);
        html
    };
    let html = page_with(DEMO_BASE_URL);
    assert!(html.contains("id=\"bot-demo-note\""), "{html}");
    assert!(html.contains("stand-in, not a model"), "{html}");
    for provider in [
        "https://api.openai.com/v1",
        "http://localhost:11434/v1",
        "llama.cpp",
        "https://api.cloudflare.com/client/v4/accounts/&lt;account&gt;/ai/v1",
    ] {
        assert!(html.contains(provider), "{provider}");
    }
    let html = page_with("http://127.0.0.1:11434/v1");
    assert!(!html.contains("bot-demo-note"), "{html}");
}
