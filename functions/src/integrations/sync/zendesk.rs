//! The Zendesk connector (stub of the foundation commit: the Zendesk helper replaces it).

use super::*;
use crate::integrations::outbound::{Answer, Request};

pub struct Zendesk;

impl Connector for Zendesk {
    fn platform(&self) -> Platform {
        Platform::Zendesk
    }
    fn whoami(&self, _account: &Account) -> Request {
        unimplemented!("foundation stub")
    }
    fn read_whoami(&self, _answer: &Answer, _now_ms: i64) -> Result<RemoteUser, RemoteError> {
        unimplemented!("foundation stub")
    }
    fn create(&self, _account: &Account, _ticket: &NewRemote<'_>) -> Request {
        unimplemented!("foundation stub")
    }
    fn read_created(&self, _answer: &Answer, _now_ms: i64) -> Result<Created, RemoteError> {
        unimplemented!("foundation stub")
    }
    fn find(&self, _account: &Account, _ticket_id: &str) -> Option<Request> {
        unimplemented!("foundation stub")
    }
    fn read_found(&self, _answer: &Answer, _now_ms: i64) -> Result<Option<Created>, RemoteError> {
        unimplemented!("foundation stub")
    }
    fn update(&self, _account: &Account, _remote_id: &str, _change: &Change<'_>) -> Request {
        unimplemented!("foundation stub")
    }
    fn read_updated(&self, _answer: &Answer, _now_ms: i64) -> Result<Updated, RemoteError> {
        unimplemented!("foundation stub")
    }
    fn ticket_url(&self, _account: &Account, _remote_id: &str) -> String {
        unimplemented!("foundation stub")
    }
    fn verify(&self, _hook: &Hook<'_>, _secret: &str, _now_ms: i64) -> Result<(), HookRefused> {
        unimplemented!("foundation stub")
    }
    fn read_hook(&self, _hook: &Hook<'_>) -> Result<Vec<Pulled>, HookRefused> {
        unimplemented!("foundation stub")
    }
}
