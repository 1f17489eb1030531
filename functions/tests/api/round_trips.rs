//! D1 round trips per public request, counted through the `Executor` seam: with the site in
//! the isolate's cache, each widget route costs exactly one.

use crate::{TestApp, json, ticket_body};

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The round trips `f` costs.
fn cost(app: &TestApp, f: impl FnOnce()) -> u64 {
    let before = app.db().round_trips();
    f();
    app.db().round_trips() - before
}

#[test]
fn each_widget_route_is_one_round_trip_once_the_site_is_cached() {
    let app = TestApp::spawn();
    // The first request of an isolate reads the site.
    assert_eq!(
        cost(&app, || assert_eq!(
            app.get("/api/v1/sites/acme/config", &[]).status,
            200
        )),
        1
    );
    // Then the config is served from the cache alone.
    assert_eq!(
        cost(&app, || assert_eq!(
            app.get("/api/v1/sites/acme/config", &[]).status,
            200
        )),
        0
    );

    let mut token = String::new();
    let create = cost(&app, || {
        let r = app.create(
            "acme",
            "7b1c0a2e-1d2f-4a3b-8c4d-5e6f7a8b9c0d",
            &ticket_body("One trip"),
            &[],
        );
        assert_eq!(r.status, 201);
        token = json(&r)["visitor_token"].as_str().unwrap().to_owned();
    });
    assert_eq!(create, 1, "a create is one batch");

    let auth = bearer(&token);
    let list = cost(&app, || {
        let r = app.get("/api/v1/sites/acme/tickets", &[("authorization", &auth)]);
        assert_eq!(r.status, 200);
    });
    assert_eq!(list, 1, "my tickets is one query");
}

#[test]
fn the_cache_expires_after_its_ttl() {
    let app = TestApp::spawn();
    assert_eq!(
        cost(&app, || {
            app.get("/api/v1/sites/acme/config", &[]);
        }),
        1
    );
    app.advance(ticketbooth_functions::service::site_cache::TTL_MS);
    assert_eq!(
        cost(&app, || {
            app.get("/api/v1/sites/acme/config", &[]);
        }),
        1,
        "read again"
    );
}
