//! API tokens for scripts and the JSON API: created (shown once), listed with their last use,
//! revoked. Only the SHA-256 is stored (`operators::token_hash`). A token acts as the member
//! who created it, on the site it was created for.

use ticketbooth_shared::FieldError;
use ticketbooth_shared::hex;
use ticketbooth_shared::new_ticket::ValidationErrors;
use ticketbooth_shared::role::Action;
use ticketbooth_shared::timestamp::Timestamp;

use super::ServiceError;
use super::operators::{Operator, token_hash};
use crate::sql::operator_tokens::{self, TokenRow};
use crate::store::{Executor, StoreError, decode};

const MAX_LABEL_CHARS: usize = 60;

pub async fn list<E: Executor>(db: &E, op: &Operator) -> Result<Vec<TokenRow>, ServiceError> {
    op.require(Action::ManageApiKeys)?;
    let rows = db.query(operator_tokens::list(op.site_id)).await?;
    Ok(rows.into_iter().map(decode).collect::<Result<_, _>>()?)
}

/// A token just created: the only time its value exists outside the client.
#[derive(Debug)]
pub struct Created {
    pub token: String,
    pub label: String,
}

pub async fn create<E: Executor>(
    db: &E,
    op: &Operator,
    label: &str,
    now: Timestamp,
    secret: [u8; 32],
) -> Result<Created, ServiceError> {
    op.require(Action::ManageApiKeys)?;
    let label = label_of(label)?;
    let token = format!("tbo_{}", hex::encode(&secret));
    let hash = token_hash(&token)
        .ok_or_else(|| StoreError::RowShape("a minted token has an unexpected shape".into()))?;
    // The public id is derived one-way from the hash: it names the token, reveals nothing.
    let id = &crate::crypto::sha256::hex_digest(format!("token-id:{hash}").as_bytes())[..32];
    db.batch(vec![operator_tokens::insert(
        &hash,
        id,
        op.site_id,
        &op.id,
        label,
        now.millis(),
    )])
    .await?;
    Ok(Created {
        token,
        label: label.to_owned(),
    })
}

/// A credential's label (API tokens, bot keys): 1–60 characters, no control characters.
pub fn label_of(label: &str) -> Result<&str, ServiceError> {
    let label = label.trim();
    let problem = if label.is_empty() {
        Some(FieldError::Required)
    } else if label.chars().count() > MAX_LABEL_CHARS {
        Some(FieldError::TooLong {
            max: MAX_LABEL_CHARS,
        })
    } else if label.chars().any(char::is_control) {
        Some(FieldError::ForbiddenCharacters)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ServiceError::Validation(ValidationErrors(
            [("label", problem)].into_iter().collect(),
        ))),
        None => Ok(label),
    }
}

pub async fn revoke<E: Executor>(db: &E, op: &Operator, id: &str) -> Result<(), ServiceError> {
    op.require(Action::ManageApiKeys)?;
    let deleted = db
        .batch(vec![operator_tokens::delete(op.site_id, id)])
        .await?;
    if deleted.iter().all(Vec::is_empty) {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}
