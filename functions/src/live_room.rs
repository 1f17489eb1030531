//! The live room of one conversation: a Durable Object (one per conversation, by name) that
//! holds the conversation's WebSockets through the Hibernation API and sends every message the
//! Worker writes to all of them. D1 stays the record: a client that reconnects reads what it
//! missed with `?after={cursor}`, so the room keeps no messages. Wasm only (workerd).

use worker::{
    DurableObject, Env, Method, Request, Response, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, console_error, durable_object,
};

/// The binding in wrangler.toml.
pub const BINDING: &str = "CONVERSATION_ROOMS";

#[durable_object]
pub struct ConversationRoom {
    state: State,
}

impl DurableObject for ConversationRoom {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
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
        // Hibernation API: the runtime keeps the socket while the object sleeps.
        self.state.accept_web_socket(&pair.server);
        Response::from_websocket(pair.client)
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
