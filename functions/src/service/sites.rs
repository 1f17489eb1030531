//! Sites: loading a tenant and the public config the widget reads.

use ticketbooth_shared::api::SiteConfig;
use ticketbooth_shared::site_key::SiteKey;

use super::ServiceError;
use crate::sql::sites::{self, SiteRow};
use crate::store::{Executor, StoreError, decode_first};

/// A site as the service works with it: its row, parsed.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: i64,
    pub key: SiteKey,
    pub code_prefix: String,
    pub ticketing_enabled: bool,
    pub contact_required: bool,
    pub cta_label: String,
    pub locale: String,
    /// Origins (`scheme://host[:port]`, lower case, no trailing slash) allowed to call the
    /// public API from a browser.
    pub allowed_origins: Vec<String>,
}

impl Site {
    fn from_row(row: SiteRow) -> Result<Self, StoreError> {
        let shape = |what: &str| StoreError::RowShape(format!("site {}: {what}", row.id));
        let allowed_origins: Vec<String> = serde_json::from_str(&row.allowed_origins)
            .map_err(|_| shape("allowed_origins is not a JSON array"))?;
        Ok(Self {
            id: row.id,
            key: SiteKey::parse(&row.key).map_err(|_| shape("invalid key"))?,
            code_prefix: row.code_prefix,
            ticketing_enabled: row.ticketing_enabled != 0,
            contact_required: row.contact_required != 0,
            cta_label: row.cta_label,
            locale: row.locale,
            allowed_origins: allowed_origins
                .iter()
                .map(|o| normalize_origin(o))
                .collect(),
        })
    }

    pub fn config(&self) -> SiteConfig {
        SiteConfig {
            site: self.key.as_ref().to_owned(),
            enabled: self.ticketing_enabled,
            contact_required: self.contact_required,
            cta_label: self.cta_label.clone(),
            code_prefix: self.code_prefix.clone(),
            locale: self.locale.clone(),
        }
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = normalize_origin(origin);
        self.allowed_origins.contains(&origin)
    }
}

/// Origins compare case-insensitively and without a trailing slash.
pub fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

pub async fn load<E: Executor>(db: &E, key: &SiteKey) -> Result<Site, ServiceError> {
    let row: Option<SiteRow> = decode_first(db.query(sites::find_by_key(key.as_ref())).await?)?;
    let row = row.ok_or(ServiceError::SiteNotFound)?;
    Ok(Site::from_row(row)?)
}
