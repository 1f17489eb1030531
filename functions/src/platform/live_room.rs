//! The live room of one conversation: a Durable Object (one per conversation, by name) that
//! holds the conversation's WebSockets through the Hibernation API and sends every message the
//! Worker writes to all of them. D1 stays the record: a client that reconnects reads what it
//! missed with `?after={cursor}`, so the room keeps no messages. An operator's socket carries
//! a tag naming the member it listens as, and an alarm checks those members every
//! `LIVE_MEMBERSHIP_CHECK_SECONDS` (`service::live_members`): the sockets of people no longer
//! members of the site are closed. Wasm only (workerd).

use worker::{
    DurableObject, Env, Method, Request, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, console_error, durable_object,
};

use crate::service::live_members;
use crate::service::live_members::LiveMember;
use crate::store::d1::D1Executor;

/// The binding in wrangler.toml.
pub const BINDING: &str = "CONVERSATION_ROOMS";

/// The join request's URL the Worker builds for an operator (never the client's own URL, so
/// no one names a member by query string): `?site=…&operator=…`.
pub const OPERATOR_JOIN_URL: &str = "https://room/operator";

/// Why a socket is closed: policy violation, with a reason the page could show.
const NO_LONGER_A_MEMBER: (u16, &str) = (1008, "no longer a member of this site");

#[durable_object]
pub struct ConversationRoom {
    state: State,
    env: Env,
}

impl ConversationRoom {
    /// The operators' sockets with the member each listens as (from their tags).
    fn operator_sockets(&self) -> Vec<(WebSocket, LiveMember)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| {
                let member = self
                    .state
                    .get_tags(&ws)
                    .iter()
                    .find_map(|t| live_members::from_tag(t))?;
                Some((ws, member))
            })
            .collect()
    }

    fn check_interval_ms(&self) -> i64 {
        let var = self
            .env
            .var("LIVE_MEMBERSHIP_CHECK_SECONDS")
            .ok()
            .map(|v| v.to_string());
        live_members::check_interval_ms(var.as_deref())
    }

    /// Arms the next membership check unless one is due already.
    async fn schedule_check(&self) -> Result<()> {
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(self.check_interval_ms()).await?;
        }
        Ok(())
    }
}

impl DurableObject for ConversationRoom {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    /// A WebSocket upgrade (already authorised by the Worker) joins the room; a `POST` with a
    /// message is sent to every socket.
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.method() == Method::Post {
            let payload = req.text().await?;
            for socket in self.state.get_websockets() {
                // A socket that is closing fails to send; the others still get the message.
                if let Err(e) = socket.send_with_str(&payload) {
                    console_error!("live room: send failed: {e}");
                }
            }
            return Response::empty();
        }
        let pair = WebSocketPair::new()?;
        // Hibernation API: the runtime keeps the socket (and its tags) while the object sleeps.
        match operator_of(&req)? {
            Some(member) => {
                self.state
                    .accept_websocket_with_tags(&pair.server, &[&live_members::tag(&member)]);
                self.schedule_check().await?;
            }
            None => self.state.accept_web_socket(&pair.server),
        }
        Response::from_websocket(pair.client)
    }

    /// The membership check: closes the sockets of operators removed from the site since they
    /// joined, and comes back while any operator listens. A failed read closes nothing and
    /// tries again at the next interval.
    async fn alarm(&self) -> Result<Response> {
        let sockets = self.operator_sockets();
        if sockets.is_empty() {
            return Response::empty();
        }
        let members: Vec<LiveMember> = sockets.iter().map(|(_, m)| m.clone()).collect();
        let checked = match self.env.d1("DB") {
            Ok(db) => live_members::departed(&D1Executor::new(db), &members)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let mut still_open = sockets.len();
        match checked {
            Ok(departed) => {
                for (ws, member) in &sockets {
                    if departed.contains(member) {
                        let (code, reason) = NO_LONGER_A_MEMBER;
                        if let Err(e) = ws.close(Some(code), Some(reason)) {
                            console_error!("live room: close failed: {e}");
                        }
                        still_open -= 1;
                    }
                }
            }
            Err(e) => console_error!("live room: membership check failed: {e}"),
        }
        if still_open > 0 {
            self.state
                .storage()
                .set_alarm(self.check_interval_ms())
                .await?;
        }
        Response::empty()
    }

    /// Clients only listen; what they send is ignored (they post messages over HTTP, where
    /// the idempotency key and rate limit apply).
    async fn websocket_message(
        &self,
        _ws: WebSocket,
        _message: WebSocketIncomingMessage,
    ) -> Result<()> {
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        // Echo the close so the client's handshake completes.
        let code = u16::try_from(code).unwrap_or(1000);
        let _ = ws.close(Some(code), Some(reason));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}

/// The member an operator's join names (the Worker's own `OPERATOR_JOIN_URL`); `None` for a
/// visitor's join, which arrives as the visitor sent it.
fn operator_of(req: &Request) -> Result<Option<LiveMember>> {
    let url = req.url()?;
    if !url.as_str().starts_with(OPERATOR_JOIN_URL) {
        return Ok(None);
    }
    let pairs: std::collections::HashMap<_, _> = url.query_pairs().collect();
    let member = pairs
        .get("site")
        .and_then(|s| s.parse().ok())
        .zip(pairs.get("operator"))
        .map(|(site_id, operator)| LiveMember {
            site_id,
            operator_id: operator.to_string(),
        })
        .ok_or("an operator's join names no member")?;
    Ok(Some(member))
}
