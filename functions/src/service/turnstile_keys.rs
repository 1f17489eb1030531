//! A site's Turnstile keys as its owner pasted them: parsed once (both present and plausible,
//! or none), then stored — the site key on the site's row, the secret sealed in its secrets.

/// A site's Turnstile keys, from the Cloudflare dashboard: the public site key the widget
/// renders with, and the secret key siteverify checks against (sealed in the site's secrets:
/// siteverify needs it in clear; never rendered after it is saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnstileKeys {
    pub site_key: String,
    secret: String,
}

impl TurnstileKeys {
    /// Both keys present and plausible (printable ASCII, no spaces, ≤ 100 characters), or
    /// none: a site with half its keys would refuse every ticket.
    pub fn parse(site_key: &str, secret: &str) -> Result<Self, KeyError> {
        let plausible =
            |s: &str| !s.is_empty() && s.len() <= 100 && s.bytes().all(|b| b.is_ascii_graphic());
        if !plausible(site_key.trim()) {
            return Err(KeyError::SiteKey);
        }
        if !plausible(secret.trim()) {
            return Err(KeyError::Secret);
        }
        Ok(Self {
            site_key: site_key.trim().to_owned(),
            secret: secret.trim().to_owned(),
        })
    }

    /// The keys as stored: the site key from its row, the secret key opened from the site's
    /// secrets (`service::site_secrets`).
    pub fn from_parts(site_key: String, secret: String) -> Self {
        Self { site_key, secret }
    }

    pub fn expose_secret(&self) -> &str {
        &self.secret
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("Paste the site key from your Turnstile widget's settings.")]
    SiteKey,
    #[error("Paste the secret key from your Turnstile widget's settings.")]
    Secret,
}
