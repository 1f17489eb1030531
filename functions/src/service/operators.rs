//! Who is acting: the signed-in operator of one site, and API tokens (`Authorization: Bearer`)
//! as one of their credentials. Sessions (the dashboard's cookie) are in `sessions`.

use ticketbooth_shared::role::{Action, Role};
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use crate::crypto::sha256;
use crate::sql::operator_tokens::{self, TokenOwnerRow};
use crate::store::{Executor, Row, Statement, StoreError, decode_first};

/// A signed-in operator, acting on one site with one role.
#[derive(Debug, Clone)]
pub struct Operator {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub site_id: i64,
    pub site_key: SiteKey,
    pub site_name: String,
    /// How this request proved who it is. Only a cookie is sent by the browser on its own, so
    /// only `Session` requests need a CSRF check (`dashboard::csrf`).
    pub credential: Credential,
    /// The token every state-changing form of this operator's pages carries
    /// (`dashboard::csrf`): tied to the sign-in, never to anything an attacker can read.
    pub csrf_token: String,
    /// Every site this operator may switch to (for a token: its one site), by name.
    pub sites: Vec<MemberSite>,
}

/// One of an operator's memberships.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSite {
    pub id: i64,
    pub key: SiteKey,
    pub name: String,
    pub role: Role,
}

/// The credential a request carries, by hash: what a batch that signs the request in itself
/// checks (`ticket_actions::change_status_at_once`, `context::operator::read_as_hinted`).
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// An API token (`token_hash`).
    Token(&'a str),
    /// A dashboard session cookie (`sessions::session_hash`).
    Session(&'a str),
}

/// How an operator request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The dashboard's cookie: sent by the browser automatically, so forms need CSRF tokens.
    Session,
    /// `Authorization: Bearer <API token>`: never sent by a browser on its own.
    Bearer,
}

impl Operator {
    /// Refuses what the operator's role does not allow (`Role::allows` is the table).
    pub fn require(&self, action: Action) -> Result<(), ServiceError> {
        if self.role.allows(action) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// Tokens are stored as SHA-256 hex; a token too short or too long to be ours never reaches the
/// database.
pub fn token_hash(token: &str) -> Option<String> {
    let plausible =
        (20..=200).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic());
    plausible.then(|| sha256::hex_digest(token.as_bytes()))
}

/// The operator an API token acts as, on the token's site. Stamps the token's last use (in the
/// same round trip as the lookup: a batch of the stamp and the read).
pub async fn authenticate<E: Executor>(
    db: &E,
    token: &str,
    now: Timestamp,
) -> Result<Operator, ServiceError> {
    let hash = token_hash(token).ok_or(ServiceError::NotSignedIn)?;
    let answers = db.batch(statements(&hash, now)).await?;
    read_operator(answers)
}

/// What `authenticate` reads and stamps, as statements for a batch that also reads what the
/// request came for (`read_operator` decodes their answers).
pub fn statements(token_hash: &str, now: Timestamp) -> Vec<Statement> {
    vec![
        operator_tokens::touch(token_hash, now.millis()),
        operator_tokens::find_owner(token_hash),
    ]
}

/// The operator `statements` found: `NotSignedIn` for a token that is not (or no longer) there.
pub fn read_operator(answers: Vec<Vec<Row>>) -> Result<Operator, ServiceError> {
    let row: Option<TokenOwnerRow> = decode_first(answers.into_iter().nth(1).unwrap_or_default())?;
    let row = row.ok_or(ServiceError::NotSignedIn)?;
    let shape = |what: &str| StoreError::RowShape(format!("operator {}: {what}", row.operator_id));
    let role = Role::parse(&row.role).map_err(|_| shape("unknown role"))?;
    let site_key = SiteKey::parse(&row.site_key).map_err(|_| shape("invalid site key"))?;
    Ok(Operator {
        role,
        sites: vec![MemberSite {
            id: row.site_id,
            key: site_key.clone(),
            name: row.site_name.clone(),
            role,
        }],
        site_key,
        id: row.operator_id,
        name: row.operator_name,
        email: row.operator_email,
        site_id: row.site_id,
        site_name: row.site_name,
        credential: Credential::Bearer,
        // A bearer request needs no form token (`dashboard::csrf`); none is ever issued.
        csrf_token: String::new(),
    })
}
