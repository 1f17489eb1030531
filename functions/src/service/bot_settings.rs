//! A site's bot as its owner set it up (`sites.bot`, JSON), and what a save does to its
//! provider key. The settings form that makes them is `integrations::bot::SettingsForm` (its
//! base URL passes the outbound policy); the loop that uses them is `integrations::bot`.

use serde::{Deserialize, Serialize};

/// A site's bot, as its owner set it up (`sites.bot`, JSON; absent: no bot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotSettings {
    /// The name the visitor sees on the bot's messages.
    pub name: String,
    /// An OpenAI-compatible API's base, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    /// Settings saved before migration 0018 named a Worker secret holding the key. The Worker
    /// no longer reads a secret by a name tenant data supplies: such a bot is switched off
    /// (`names_a_worker_secret`) until its owner pastes the key (`site_secrets`). Read from
    /// old rows only; never written.
    #[serde(default, skip_serializing)]
    pub api_key_secret: String,
    pub system_prompt: String,
    /// Model calls per visitor message (each tool round is one).
    pub max_rounds: u8,
    pub timeout_seconds: u16,
}

impl BotSettings {
    /// Whether these are old settings that name a Worker secret for the key (see
    /// `api_key_secret`): the bot stays off until the key itself is pasted.
    pub fn names_a_worker_secret(&self) -> bool {
        !self.api_key_secret.trim().is_empty()
    }
}

/// What a save of the bot's settings does to its provider key. Its `Debug` never shows a key.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyChange {
    /// Left as it is (the key field was left empty).
    Keep,
    /// The key pasted in the form: sealed and stored (`site_secrets`), never shown again.
    Replace(String),
    Remove,
}

impl std::fmt::Debug for KeyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyChange::Keep => "Keep",
            KeyChange::Replace(_) => "Replace(..)",
            KeyChange::Remove => "Remove",
        })
    }
}
