//! Offboarding: removing a member ends what acts for them on the site without them — their API
//! tokens, the bot keys they created, the invitations they made or were sent, their session's
//! access, and (through the live room's periodic check) their open conversation pages.

use ticketbooth_functions::http::Live;
use ticketbooth_functions::service::live_members::LiveMember;
use ticketbooth_functions::service::site_cache::{SiteCache, TTL_MS};
use ticketbooth_functions::service::{ServiceError, bot_keys, live_members};
use ticketbooth_shared::timestamp::Timestamp;

use crate::inbox::visitor_says;
use crate::{OWN_ORIGIN, TestApp, csrf_of, session_cookie};

const ANN: &str = "0000000000000000000000000000000a";
const ADA: &str = "0000000000000000000000000000000d";
const MIA: &str = "0000000000000000000000000000000e";

/// On `acme`: Ann owner, Ada admin, Mia member.
fn spawn() -> TestApp {
    let app = TestApp::spawn();
    app.add_operator(ANN, "ann@acme.example", "Ann Owner", &[(1, "owner")]);
    app.add_operator(ADA, "ada@acme.example", "Ada Admin", &[(1, "admin")]);
    app.add_operator(MIA, "mia@acme.example", "Mia Member", &[(1, "member")]);
    app
}

/// Posts a settings form and returns the secret the page shows once (`marker` precedes it).
fn made(app: &TestApp, session: &str, path: &str, label: &str, marker: &str, len: usize) -> String {
    let csrf = csrf_of(app, session);
    let r = app.form(path, Some(session), &[("csrf", &csrf), ("label", label)]);
    let html = String::from_utf8(r.body).unwrap();
    assert_eq!(r.status, 201, "{html}");
    let at = html.find(marker).expect("the secret, shown once") + marker.len();
    html[at..at + len].to_owned()
}

fn bot_key(app: &TestApp, session: &str) -> String {
    let marker = "id=\"key-value\" class=\"secret\" readonly value=\"";
    made(app, session, "/app/settings/bots", "Zapier", marker, 68)
}

fn api_token(app: &TestApp, session: &str) -> String {
    let rest = made(
        app,
        session,
        "/app/settings/tokens",
        "CRM",
        "value=\"tbo_",
        64,
    );
    format!("tbo_{rest}")
}

/// Invites `email` (as a guest) and returns the link's path.
fn invitation(app: &TestApp, session: &str, email: &str) -> String {
    let csrf = csrf_of(app, session);
    let r = app.form(
        "/app/settings/members",
        Some(session),
        &[("csrf", &csrf), ("email", email), ("role", "guest")],
    );
    let html = String::from_utf8(r.body).unwrap();
    assert_eq!(r.status, 201, "{html}");
    let at = html.find("/app/invite/").expect("the link");
    html[at..at + "/app/invite/".len() + 64].to_owned()
}

fn key_works(app: &TestApp, key: &str) -> bool {
    let cache = SiteCache::new(TTL_MS);
    let now = Timestamp::from_millis(1_795_427_280_000 + 3_600_000);
    match pollster::block_on(bot_keys::authenticate(app.db(), &cache, key, now)) {
        Ok(site) => site.id == 1,
        Err(ServiceError::NotSignedIn) => false,
        Err(other) => panic!("{other:?}"),
    }
}

fn token_works(app: &TestApp, token: &str) -> bool {
    let bearer = format!("Bearer {token}");
    app.get("/api/v1/tickets", &[("authorization", &bearer)])
        .status
        == 200
}

fn remove(app: &TestApp, session: &str, who: &str) -> u16 {
    let csrf = csrf_of(app, session);
    let path = format!("/app/settings/members/{who}");
    app.form(
        &path,
        Some(session),
        &[("csrf", &csrf), ("action", "remove")],
    )
    .status
}

#[test]
fn removing_a_member_ends_their_tokens_bot_keys_invitations_and_session_on_the_site() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let ada = app.sign_in("ada@acme.example");
    let adas_key = bot_key(&app, &ada);
    let adas_token = api_token(&app, &ada);
    let adas_invitation = invitation(&app, &ada, "accomplice@example.com");
    let anns_key = bot_key(&app, &ann);
    let anns_token = api_token(&app, &ann);
    // Someone had invited Ada as well: that link must not bring her back.
    let to_ada = invitation(&app, &ann, "ada@acme.example");
    assert!(key_works(&app, &adas_key) && token_works(&app, &adas_token));
    assert_eq!(app.get(&adas_invitation, &[]).status, 200);
    assert_eq!(app.page("/app/tickets", &ada).0, 200);

    assert_eq!(remove(&app, &ann, ADA), 303);
    let (_, page) = app.page("/app/settings/members?done=removed", &ann);
    assert!(
        page.contains("the bot keys they created"),
        "the page says so"
    );

    assert!(!key_works(&app, &adas_key), "her bot key is revoked");
    assert!(!token_works(&app, &adas_token), "her API token is revoked");
    assert_eq!(app.get(&adas_invitation, &[]).status, 410, "her invitation");
    assert_eq!(app.get(&to_ada, &[]).status, 410, "the one to her");
    let r = app.form(&to_ada, None, &[("password", crate::PASSWORD)]);
    assert_eq!(r.status, 410);
    let (status, html) = app.page("/app/tickets", &ada);
    assert_ne!(status, 200, "her session no longer opens the site: {html}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM site_members WHERE operator_id = '0000000000000000000000000000000d'"),
        0
    );
    // Everyone else's stay.
    assert!(key_works(&app, &anns_key) && token_works(&app, &anns_token));
    assert_eq!(app.page("/app/tickets", &ann).0, 200);
}

#[test]
fn a_refused_removal_takes_nothing_with_it() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let key = bot_key(&app, &ann);
    let token = api_token(&app, &ann);
    let link = invitation(&app, &ann, "friend@example.com");
    // The site's only owner cannot leave: the whole batch is rolled back.
    assert_eq!(remove(&app, &ann, ANN), 409);
    assert!(key_works(&app, &key) && token_works(&app, &token));
    assert_eq!(app.get(&link, &[]).status, 200);
}

#[test]
fn a_removed_operators_live_socket_is_found_by_the_rooms_membership_check() {
    let app = spawn();
    let ann = app.sign_in("ann@acme.example");
    let mia = app.sign_in("mia@acme.example");
    let (id, _) = visitor_says(&app, "Hello");
    let join = |session: &str| {
        let cookie = session_cookie(session);
        let r = app.get(
            &format!("/app/conversations/{id}/live"),
            &[
                ("cookie", &cookie),
                ("upgrade", "websocket"),
                ("origin", OWN_ORIGIN),
            ],
        );
        match r.live {
            Some(Live::JoinAsOperator { member, .. }) => member,
            other => panic!("{other:?}"),
        }
    };
    let listening = vec![join(&ann), join(&mia), join(&mia)];
    let tags: Vec<String> = listening.iter().map(live_members::tag).collect();
    let from_tags: Vec<LiveMember> = tags
        .iter()
        .map(|t| live_members::from_tag(t).unwrap())
        .collect();
    assert_eq!(
        from_tags, listening,
        "tags carry the member through hibernation"
    );
    assert_eq!(
        pollster::block_on(live_members::departed(app.db(), &from_tags)).unwrap(),
        vec![]
    );

    assert_eq!(remove(&app, &ann, MIA), 303);
    let departed = pollster::block_on(live_members::departed(app.db(), &from_tags)).unwrap();
    assert_eq!(
        departed,
        vec![LiveMember {
            site_id: 1,
            operator_id: MIA.to_owned()
        }]
    );
}
