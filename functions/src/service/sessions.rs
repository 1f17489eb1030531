//! Dashboard sessions: signing in with email and password, recognising the session cookie on
//! each request (with idle and absolute expiry), switching sites, signing out.
//!
//! The cookie carries a random 256-bit id; the database holds only its SHA-256. The CSRF token
//! of a session is derived from the id (`SHA-256("csrf:" + id)`): as secret as the cookie
//! itself, yet readable by no other site, and it dies with the session.

use ticketbooth_shared::hex;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use super::operators::{Credential, MemberSite, Operator};
use super::{Refusal, ServiceError};
use crate::crypto::password;
use crate::crypto::sha256;
use crate::sql::operators::{self, CredentialsRow};
use crate::sql::sessions::{self, SessionMembershipRow};
use crate::store::{Executor, Row, Statement, StoreError, decode, decode_first};

const MINUTE: i64 = 60_000;
/// A session unused this long is over.
pub const IDLE_TIMEOUT_MS: i64 = 12 * 60 * MINUTE;
/// No session outlives this, used or not.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 30 * 24 * 60 * MINUTE;
/// `last_seen_at` is written at most this often, so reading a page is not a write each time.
const RENEW_AFTER_MS: i64 = 5 * MINUTE;

/// A session just created: the cookie value to hand the browser, and how long it may keep it.
#[derive(Debug)]
pub struct NewSession {
    pub cookie_value: String,
    pub max_age_secs: i64,
}

/// Signs in with email and password. An unknown email, a person without a password and a
/// wrong password all cost one PBKDF2 run and all answer `InvalidCredentials`.
pub async fn sign_in<E: Executor>(
    db: &E,
    email: &str,
    password: &str,
    now: Timestamp,
    session_id: [u8; 32],
) -> Result<NewSession, ServiceError> {
    let email = normalize_email(email);
    let row: Option<CredentialsRow> = if email.is_empty() {
        None
    } else {
        decode_first(db.query(operators::find_credentials(&email)).await?)?
    };
    let stored = row.as_ref().and_then(|r| r.password_hash.as_deref());
    let matches = password::verify_or_dummy(stored, password)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let Some(row) = row.filter(|_| matches) else {
        return Err(Refusal::InvalidCredentials.into());
    };
    let site_id = row.first_site_id.ok_or(Refusal::NoSites)?;
    start(db, &row.id, site_id, now, session_id).await
}

/// Opens a session for an operator who just proved who they are (sign-in, an accepted
/// invitation).
pub async fn start<E: Executor>(
    db: &E,
    operator_id: &str,
    site_id: i64,
    now: Timestamp,
    session_id: [u8; 32],
) -> Result<NewSession, ServiceError> {
    let cookie_value = hex::encode(&session_id);
    let id_hash = sha256::hex_digest(cookie_value.as_bytes());
    let now = now.millis();
    db.batch(vec![
        sessions::delete_expired_of(
            operator_id,
            now - IDLE_TIMEOUT_MS,
            now - ABSOLUTE_TIMEOUT_MS,
        ),
        sessions::insert(&id_hash, operator_id, site_id, now),
    ])
    .await?;
    Ok(NewSession {
        cookie_value,
        max_age_secs: ABSOLUTE_TIMEOUT_MS / 1000,
    })
}

/// The operator behind a session cookie, on the session's current site. Renews the idle timer
/// when it is due; an expired session is deleted and answers `NotSignedIn`.
pub async fn authenticate<E: Executor>(
    db: &E,
    cookie_value: &str,
    now: Timestamp,
) -> Result<Operator, ServiceError> {
    let id_hash = session_hash(cookie_value).ok_or(ServiceError::NotSignedIn)?;
    let rows = db.query(sessions::find_with_memberships(&id_hash)).await?;
    let rows: Vec<SessionMembershipRow> = rows.into_iter().map(decode).collect::<Result<_, _>>()?;
    let Some(first) = rows.first() else {
        return Err(ServiceError::NotSignedIn);
    };
    if !is_live(first, now) {
        db.batch(vec![sessions::delete(&id_hash)]).await?;
        return Err(ServiceError::NotSignedIn);
    }
    let now = now.millis();
    if now - first.last_seen_at > RENEW_AFTER_MS {
        db.batch(vec![sessions::touch(&id_hash, now)]).await?;
    }
    operator_of(&rows, cookie_value)
}

/// The earliest last use and the earliest creation a live session may have at `now`: the
/// idle and absolute limits, as a statement that checks a session in SQL needs them.
pub fn live_since(now: Timestamp) -> (i64, i64) {
    let now = now.millis();
    (now - IDLE_TIMEOUT_MS, now - ABSOLUTE_TIMEOUT_MS)
}

fn is_live(session: &SessionMembershipRow, now: Timestamp) -> bool {
    let (seen_since, created_since) = live_since(now);
    session.last_seen_at >= seen_since && session.created_at >= created_since
}

/// Renews a live session's idle timer when it is due, as `authenticate` does after reading it,
/// for a batch that does not read it first (an expired session is never renewed).
pub fn renewal(id_hash: &str, now: Timestamp) -> Statement {
    let (seen_since, created_since) = live_since(now);
    let now = now.millis();
    sessions::touch_if_due(
        id_hash,
        now,
        now - RENEW_AFTER_MS,
        seen_since,
        created_since,
    )
}

/// What `authenticate` reads and renews, as statements for a batch that also reads what the
/// request came for (`read_operator` decodes their answers): renews a live session when due,
/// then reads it with the operator's memberships.
pub fn statements(id_hash: &str, now: Timestamp) -> Vec<Statement> {
    vec![
        renewal(id_hash, now),
        sessions::find_with_memberships(id_hash),
    ]
}

/// The operator `statements` found, if the session is there and live (an expired one is left
/// for `authenticate`, which deletes it).
pub fn read_operator(
    answers: Vec<Vec<Row>>,
    cookie_value: &str,
    now: Timestamp,
) -> Result<Operator, ServiceError> {
    let rows = answers.into_iter().nth(1).unwrap_or_default();
    let rows: Vec<SessionMembershipRow> = rows.into_iter().map(decode).collect::<Result<_, _>>()?;
    let Some(first) = rows.first() else {
        return Err(ServiceError::NotSignedIn);
    };
    if !is_live(first, now) {
        return Err(ServiceError::NotSignedIn);
    }
    operator_of(&rows, cookie_value)
}

/// The operator of a live session's rows, on the session's current site.
fn operator_of(
    rows: &[SessionMembershipRow],
    cookie_value: &str,
) -> Result<Operator, ServiceError> {
    let Some(first) = rows.first() else {
        return Err(ServiceError::NotSignedIn);
    };
    let shape =
        |what: &str| StoreError::RowShape(format!("session of {}: {what}", first.operator_id));
    let sites = rows
        .iter()
        .map(|r| {
            Ok(MemberSite {
                id: r.site_id,
                key: SiteKey::parse(&r.site_key).map_err(|_| shape("invalid site key"))?,
                name: r.site_name.clone(),
                role: Role::parse(&r.role).map_err(|_| shape("unknown role"))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The current site, if the operator is still a member there; else their first site.
    let current = sites
        .iter()
        .find(|s| s.id == first.current_site_id)
        .unwrap_or(&sites[0])
        .clone();
    Ok(Operator {
        id: first.operator_id.clone(),
        name: first.operator_name.clone(),
        email: first.operator_email.clone(),
        role: current.role,
        site_id: current.id,
        site_key: current.key,
        site_name: current.name,
        credential: Credential::Session,
        csrf_token: csrf_token(cookie_value),
        sites,
    })
}

/// Moves the session to another of the operator's sites.
pub async fn switch_site<E: Executor>(
    db: &E,
    op: &Operator,
    cookie_value: &str,
    site: &SiteKey,
) -> Result<(), ServiceError> {
    let id_hash = session_hash(cookie_value).ok_or(ServiceError::NotSignedIn)?;
    let target = op
        .sites
        .iter()
        .find(|s| &s.key == site)
        .ok_or(ServiceError::SiteNotFound)?;
    let switched = db
        .batch(vec![sessions::switch_site(&id_hash, target.id)])
        .await?;
    if switched.iter().all(Vec::is_empty) {
        return Err(ServiceError::SiteNotFound);
    }
    Ok(())
}

/// Deletes this session: its cookie opens nothing any more.
pub async fn sign_out<E: Executor>(db: &E, cookie_value: &str) -> Result<(), ServiceError> {
    if let Some(id_hash) = session_hash(cookie_value) {
        db.batch(vec![sessions::delete(&id_hash)]).await?;
    }
    Ok(())
}

/// Deletes every session of the operator behind this one, on every browser.
pub async fn sign_out_everywhere<E: Executor>(
    db: &E,
    cookie_value: &str,
) -> Result<(), ServiceError> {
    if let Some(id_hash) = session_hash(cookie_value) {
        db.batch(vec![sessions::delete_all_of_operator(&id_hash)])
            .await?;
    }
    Ok(())
}

/// What the account page's password form sends.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// Why a password change was refused: the fields to mark, each with its message.
#[derive(Debug)]
pub enum PasswordChangeError {
    Fields(Vec<(&'static str, String)>),
    Service(ServiceError),
}

impl<E: Into<ServiceError>> From<E> for PasswordChangeError {
    fn from(e: E) -> Self {
        PasswordChangeError::Service(e.into())
    }
}

/// Changes the signed-in operator's password after checking the current one, and ends their
/// other sessions (a stolen cookie dies with the old password); this one stays signed in.
/// One batch: the update is guarded by the hash the current password was checked against.
pub async fn change_password<E: Executor>(
    db: &E,
    op: &Operator,
    cookie_value: &str,
    change: &PasswordChange<'_>,
    salt: [u8; 16],
) -> Result<(), PasswordChangeError> {
    let id_hash = session_hash(cookie_value).ok_or(ServiceError::NotSignedIn)?;
    let row: Option<operators::PasswordRow> =
        decode_first(db.query(operators::find_password_hash(&op.id)).await?)?;
    let stored = row.and_then(|r| r.password_hash);
    let matches = password::verify_or_dummy(stored.as_deref(), change.current)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    let mut errors = Vec::new();
    if !matches {
        errors.push((
            "current_password",
            "That is not your current password.".to_owned(),
        ));
    }
    let new = password::Password::parse(change.new)
        .map_err(|e| errors.push(("new_password", e.to_string())))
        .ok();
    if new.is_some() && change.new != change.confirm {
        errors.push((
            "confirm_password",
            "The two new passwords differ. Type the same one twice.".to_owned(),
        ));
    }
    let (Some(stored), Some(new), true) = (stored, new, errors.is_empty()) else {
        return Err(PasswordChangeError::Fields(errors));
    };
    let hash = password::PasswordHash::create(&new, salt)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
        .encode();
    let results = db
        .batch(vec![
            operators::replace_password(&op.id, &hash, &stored),
            sessions::delete_others_after_password_change(&id_hash, &hash),
        ])
        .await?;
    if results.first().is_none_or(Vec::is_empty) {
        // Changed by another session between our check and this batch: nothing was written.
        return Err(PasswordChangeError::Fields(vec![(
            "current_password",
            "Your password was just changed from another session. Use the new one.".to_owned(),
        )]));
    }
    Ok(())
}

/// The form token for a session's pages.
pub fn csrf_token(cookie_value: &str) -> String {
    sha256::hex_digest(format!("csrf:{cookie_value}").as_bytes())
}

/// Operator emails are compared in lower case: people type their address either way.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Only a value shaped like ours (64 lowercase hex digits) is looked up.
pub fn session_hash(cookie_value: &str) -> Option<String> {
    let plausible = cookie_value.len() == 64
        && cookie_value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    plausible.then(|| sha256::hex_digest(cookie_value.as_bytes()))
}
