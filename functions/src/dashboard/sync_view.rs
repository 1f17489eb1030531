//! The ticket page's External Sync section: where the ticket's link to a help desk stands —
//! the platform, the remote ticket as a link into the platform's agent view, the last sync,
//! the state in colour and words (a failure with its reason) — or that it is not connected;
//! and the one action a person may take here: "Push to <platform>" when the site is connected
//! and the ticket has no live link, "Retry now" when its push failed (both the `push` verb).
//! A hand-typed reference (a platform without a connector) is shown as it was typed.

use ticketbooth_shared::sync::{LinkState, Platform};

use super::csrf;
use super::html::Html;
use super::views::time;
use crate::integrations::outbound::{OutboundPolicy, OutboundUrl, Target};
use crate::integrations::sync::{self, Account, Auth, Connector};
use crate::service::operator_tickets::Detail;
use crate::service::operators::Operator;

/// The section, after the summary. `can_push`: the operator may push the ticket.
pub fn section(h: &mut Html, op: &Operator, detail: &Detail, can_push: bool) {
    let t = &detail.ticket;
    let sync = &detail.sync;
    let live = sync
        .live_platform
        .as_deref()
        .and_then(|p| Platform::parse(p).ok());
    let state = sync.state.as_deref().and_then(|s| LinkState::parse(s).ok());
    let link_platform = sync
        .link_platform
        .as_deref()
        .and_then(|p| Platform::parse(p).ok());
    h.raw("<section class=\"sync\" id=\"sync-section\" aria-labelledby=\"sync-title\"><h2 id=\"sync-title\">External sync</h2>");
    match (state, link_platform) {
        (Some(state), Some(platform)) => {
            h.raw("<p>").text(platform.name());
            match &sync.remote_id {
                Some(remote_id) => {
                    h.raw(" · ");
                    remote_link(
                        h,
                        sync::connector(platform),
                        sync.link_base_url.as_deref().unwrap_or_default(),
                        remote_id,
                    );
                }
                None => {
                    h.raw(" · <span class=\"muted\">not created there yet</span>");
                }
            }
            if let Some(at) = t.synced_at {
                h.raw(" · last synced ");
                time(h, at);
            }
            h.raw("</p><p>");
            state_badge(h, state, sync.error.as_deref());
            h.raw("</p>");
            if state == LinkState::Failed && can_push {
                push_form(h, op, &t.code, t.updated_at, "Retry now");
            }
        }
        _ => {
            match (&t.sync_platform, &t.sync_remote_id) {
                // Typed by hand (a platform without a connector): shown as typed.
                (Some(platform), Some(remote)) => {
                    h.raw("<p>")
                        .text(platform)
                        .raw(" · <bdi>")
                        .text(remote)
                        .raw("</bdi>");
                    if let Some(at) = t.synced_at {
                        h.raw(" · last synced ");
                        time(h, at);
                    }
                    h.raw(" <span class=\"muted\">(reference typed by hand)</span></p>");
                }
                _ => {
                    h.raw("<p class=\"muted\" id=\"sync-state\">Not connected to external system.</p>");
                }
            }
            if let Some(platform) = live.filter(|_| can_push) {
                let label = format!("Push to {}", platform.name());
                push_form(h, op, &t.code, t.updated_at, &label);
            }
        }
    }
    h.raw("</section>");
}

/// The state in colour and words; a failure says why.
fn state_badge(h: &mut Html, state: LinkState, error: Option<&str>) {
    h.raw("<span id=\"sync-state\" class=\"badge sync-state sync-")
        .raw(state.as_str())
        .raw("\">")
        .text(state.operator_label());
    if state == LinkState::Failed
        && let Some(error) = error
    {
        h.raw(": ").text(error);
    }
    h.raw("</span>");
    if state == LinkState::Pending
        && let Some(error) = error
    {
        // A retry is scheduled: say what the last try met.
        h.raw(" <span class=\"muted\">(last try: ")
            .text(error)
            .raw(")</span>");
    }
}

/// The remote ticket's id as a link into the platform's agent view (a new tab; the platform
/// gets no handle on this page). A base URL that no longer parses shows the id alone.
fn remote_link(h: &mut Html, connector: &dyn Connector, base_url: &str, remote_id: &str) {
    // Only to build the address: the development policy accepts every base a connection was
    // saved with (checked then under the deployment's policy); no request is made.
    match OutboundUrl::parse(base_url, Target::Base, OutboundPolicy::Development) {
        Ok(base) => {
            let account = Account {
                base,
                auth: Auth::Bearer {
                    token: String::new(),
                },
                remote_user_id: None,
            };
            let url = connector.ticket_url(&account, remote_id);
            h.raw("<a id=\"sync-remote-link\" href=\"")
                .text(&url)
                .raw("\" target=\"_blank\" rel=\"noopener\"><bdi>")
                .text(remote_id)
                .raw("</bdi></a>");
        }
        Err(_) => {
            h.raw("<bdi>").text(remote_id).raw("</bdi>");
        }
    }
}

/// The `push` verb's form (`POST /app/tickets/{code}/push`).
fn push_form(h: &mut Html, op: &Operator, code: &str, version: i64, label: &str) {
    h.raw("<form method=\"post\" class=\"inline\" action=\"/app/tickets/")
        .text(code)
        .raw("/push\">");
    csrf::field(h, op);
    h.raw("<input type=\"hidden\" name=\"version\" value=\"")
        .text(&version.to_string())
        .raw("\"><button id=\"sync-push\">")
        .text(label)
        .raw("</button></form>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::outbound::{Answer, Request};
    use crate::integrations::sync::{
        Change, Created, Hook, HookRefused, NewRemote, Pulled, RemoteError, RemoteUser, Updated,
    };

    /// Only `ticket_url` is asked here.
    struct Links;

    impl Connector for Links {
        fn platform(&self) -> Platform {
            Platform::Zendesk
        }
        fn whoami(&self, _: &Account) -> Request {
            unreachable!()
        }
        fn read_whoami(&self, _: &Answer, _: i64) -> Result<RemoteUser, RemoteError> {
            unreachable!()
        }
        fn create(&self, _: &Account, _: &NewRemote<'_>) -> Request {
            unreachable!()
        }
        fn read_created(&self, _: &Answer, _: i64) -> Result<Created, RemoteError> {
            unreachable!()
        }
        fn find(&self, _: &Account, _: &str) -> Option<Request> {
            unreachable!()
        }
        fn read_found(&self, _: &Answer, _: i64) -> Result<Option<Created>, RemoteError> {
            unreachable!()
        }
        fn update(&self, _: &Account, _: &str, _: &Change<'_>) -> Request {
            unreachable!()
        }
        fn read_updated(&self, _: &Answer, _: i64) -> Result<Updated, RemoteError> {
            unreachable!()
        }
        fn ticket_url(&self, account: &Account, remote_id: &str) -> String {
            account
                .base
                .join(&format!("agent/tickets/{remote_id}"))
                .to_string()
        }
        fn verify(&self, _: &Hook<'_>, _: &str, _: i64) -> Result<(), HookRefused> {
            unreachable!()
        }
        fn read_hook(&self, _: &Hook<'_>) -> Result<Vec<Pulled>, HookRefused> {
            unreachable!()
        }
    }

    #[test]
    fn the_remote_ticket_opens_in_a_new_tab_without_a_handle_on_the_page() {
        let mut h = Html::default();
        remote_link(&mut h, &Links, "https://acme.zendesk.com", "35<436>");
        let html = h.into_string();
        assert_eq!(
            html,
            "<a id=\"sync-remote-link\" href=\"https://acme.zendesk.com/agent/tickets/35%3C436%3E\" target=\"_blank\" rel=\"noopener\"><bdi>35&lt;436&gt;</bdi></a>"
        );
        let mut h = Html::default();
        remote_link(&mut h, &Links, "javascript:alert(1)", "7");
        assert_eq!(h.into_string(), "<bdi>7</bdi>");
    }

    #[test]
    fn a_failure_says_why_and_a_pending_retry_what_it_met() {
        let mut h = Html::default();
        state_badge(
            &mut h,
            LinkState::Failed,
            Some("Zendesk refused the credentials (401)"),
        );
        assert_eq!(
            h.into_string(),
            "<span id=\"sync-state\" class=\"badge sync-state sync-failed\">Failed: Zendesk refused the credentials (401)</span>"
        );
        let mut h = Html::default();
        state_badge(&mut h, LinkState::Synced, Some("stale"));
        assert_eq!(
            h.into_string(),
            "<span id=\"sync-state\" class=\"badge sync-state sync-synced\">Synced</span>"
        );
    }
}
