//! What lets an operator find a user's report in the logs: the request id on every answer
//! (`x-request-id`), the same id on the dashboard's error page, and the route's template the
//! log line names instead of the path (which holds codes, conversation ids and tokens).

use ticketbooth_functions::http::Body;
use ticketbooth_functions::http::routes::template;
use ticketbooth_functions::infra::log::REQUEST_ID_HEADER;

use super::*;

fn request_id(response: &Response) -> &str {
    response.header(REQUEST_ID_HEADER).unwrap_or_else(|| {
        panic!(
            "no request id on {} {:?}",
            response.status, response.headers
        )
    })
}

#[test]
fn every_answer_carries_the_request_id_errors_included() {
    let app = TestApp::spawn();
    let origin = ("origin", "https://acme.example");
    let answers = [
        app.get("/healthz", &[]),
        app.get("/api/v1/sites/acme/config", &[origin]),
        app.send(
            "OPTIONS",
            "/api/v1/sites/acme/tickets",
            &[origin],
            Body::Bytes(vec![]),
        ),
        app.get("/api/v1/sites/nope/config", &[]),
        app.get("/api/v1/nowhere", &[]),
        app.send("DELETE", "/healthz", &[], Body::Bytes(vec![])),
        app.create("acme", "k-1", &serde_json::json!({ "subject": "" }), &[]),
        app.get("/api/v1/tickets", &[]),
        app.get("/app/login", &[]),
        app.get("/app/tickets", &[]),
        app.get("/app/nowhere", &[]),
    ];
    let mut seen = Vec::new();
    for answer in &answers {
        let id = request_id(answer).to_owned();
        assert_eq!(id.len(), 16, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert!(!seen.contains(&id), "one id per request: {id} twice");
        seen.push(id);
    }
}

#[test]
fn json_error_bodies_stay_as_they_were_the_id_is_in_the_header_only() {
    let app = TestApp::spawn();
    let answer = app.get("/api/v1/sites/nope/config", &[]);
    assert_eq!(error_code(&answer, 404), "site_not_found");
    let id = request_id(&answer);
    assert!(!String::from_utf8_lossy(&answer.body).contains(id));
    let body = json(&answer);
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["error"]
    );
}

#[test]
fn the_dashboard_error_page_shows_the_request_id_of_its_header() {
    let app = TestApp::spawn();
    let page = app.get("/app/nowhere", &[]);
    assert_eq!(page.status, 404);
    let id = request_id(&page);
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains(&format!("Reference: <code>{id}</code>")),
        "{html}"
    );
}

#[test]
fn a_failure_outside_the_app_carries_the_id_it_is_given() {
    let id = "0123456789abcdef";
    let api = ticketbooth_functions::app::failure_outside("/api/v1/sites/acme/tickets", None, id);
    assert_eq!(error_code(&api, 500), "internal");
    assert_eq!(api.header(REQUEST_ID_HEADER), Some(id));
    assert!(!String::from_utf8_lossy(&api.body).contains(id));
    let page = ticketbooth_functions::app::failure_outside("/app/tickets", None, id);
    assert_eq!(page.status, 500);
    assert_eq!(page.header(REQUEST_ID_HEADER), Some(id));
    assert!(String::from_utf8_lossy(&page.body).contains(&format!("Reference: <code>{id}</code>")));
}

#[test]
fn the_logged_route_is_the_template_never_the_path_or_query() {
    let id = "0123456789abcdef0123456789abcdef";
    let token = "f00d".repeat(16);
    let cases = [
        ("GET", "/healthz".to_owned(), "GET /healthz"),
        (
            "POST",
            "/api/v1/sites/acme/tickets".to_owned(),
            "POST /api/v1/sites/{site}/tickets",
        ),
        (
            "GET",
            format!("/api/v1/sites/acme/tickets/{id}/comments"),
            "GET /api/v1/sites/{site}/tickets/{id}/comments",
        ),
        (
            "GET",
            format!("/api/v1/sites/acme/conversations/{id}/live"),
            "GET /api/v1/sites/{site}/conversations/{id}/live",
        ),
        (
            "POST",
            "/api/v1/sites/acme/tools/open_ticket".to_owned(),
            "POST /api/v1/sites/{site}/tools/open_ticket",
        ),
        (
            "PATCH",
            "/api/v1/tickets/ACME-1234/status".to_owned(),
            "PATCH /api/v1/tickets/{code}/status",
        ),
        (
            "GET",
            "/app/tickets/ACME-1234".to_owned(),
            "GET /app/tickets/{code}",
        ),
        (
            "POST",
            format!("/app/inbox/{id}/reply"),
            "POST /app/conversations/{id}/reply",
        ),
        (
            "GET",
            format!("/app/invite/{token}"),
            "GET /app/invite/{token}",
        ),
        (
            "POST",
            format!("/app/settings/tokens/{id}"),
            "POST /app/settings/tokens/{id}",
        ),
        // A path with its query, as a careless caller might pass it, or no route at all.
        (
            "GET",
            format!("/api/v1/sites/acme/tickets?token={token}"),
            "GET (no route)",
        ),
        (
            "GET",
            format!("/secret/ACME-1234/{token}"),
            "GET (no route)",
        ),
        ("BREW\n{", "/healthz".to_owned(), "OTHER /healthz"),
    ];
    for (method, path, expected) in cases {
        let logged = template(method, &path);
        assert_eq!(logged, expected, "{path}");
        for secret in [id, token.as_str(), "ACME-1234", "acme/"] {
            assert!(!logged.contains(secret), "{logged} shows {secret}");
        }
    }
}

#[test]
fn a_bot_turn_is_logged_without_what_the_provider_or_the_visitor_wrote() {
    use ticketbooth_functions::integrations::bot::Ended;
    let quoted = "my password is hunter2";
    let fell_back = Ended::FellBack {
        reason: format!("the provider answered 400 (refused): your message \"{quoted}\" is bad"),
    };
    assert_eq!(
        fell_back.for_log(),
        ("fell_back", Some("the provider answered 400 (refused)"))
    );
    let sent = Ended::FellBack {
        reason: format!("the provider sent an error: {quoted}"),
    };
    assert_eq!(
        sent.for_log(),
        ("fell_back", Some("the provider sent an error"))
    );
    let out_of_rounds = Ended::FellBack {
        reason: "no reply within the rounds allowed".into(),
    };
    assert_eq!(
        out_of_rounds.for_log(),
        ("fell_back", Some("no reply within the rounds allowed"))
    );
    let replied = Ended::Replied {
        tickets: vec!["ACME-1".into()],
    };
    assert_eq!(replied.for_log(), ("replied", None));
}
