//! Inbound mail: Email Routing's catch-all rule hands every message for the deployment's
//! e-mail domain (`EMAIL_DOMAIN`) to the Worker's `email` handler, which gives the raw bytes
//! and the envelope to `service::inbound_mail`. Locally, `wrangler dev` calls it for
//! `POST /cdn-cgi/handler/email?from=…&to=…` with the raw message as the body.
//! One log line per message, without personal data (no addresses, subject or text).

use std::cell::Cell;
use std::rc::Rc;

use ticketbooth_shared::ids::TicketId;
use ticketbooth_shared::timestamp::Timestamp;
use worker::{Context, Env, ForwardableEmailMessage, event};

use crate::crypto::random;
use crate::infra::log::{Event, Level, Line};
use crate::service::inbound_mail::{self, Delivery, InboundError};
use crate::service::mail_message::MAX_RAW_BYTES;
use crate::store::d1::D1Executor;

use super::console;
use super::queue::enqueue_pending;

#[event(email)]
async fn email(message: ForwardableEmailMessage, env: Env, _ctx: Context) -> worker::Result<()> {
    let started = js_sys::Date::now();
    let request_id = console::request_id(None);
    let trips = Rc::new(Cell::new(0));
    let now = Timestamp::from_millis(started as i64);
    let line = |level| Line {
        duration_ms: Some(console::since(started)),
        d1_round_trips: Some(trips.get()),
        ..Line::new(level, Event::Email, &request_id)
    };
    // Refused before reading: nothing this large is a reply (the parser says the same).
    if message.raw_size() > MAX_RAW_BYTES as f64 {
        message.set_reject("message too large");
        console::print(
            &line(Level::Info)
                .with("outcome", "refused")
                .with("why", "too large"),
        );
        return Ok(());
    }
    let domain = env
        .var("EMAIL_DOMAIN")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let (from, to) = (message.from(), message.to());
    let raw = message.raw_bytes().await?;
    let db = D1Executor::counting_into(env.d1("DB")?, Rc::clone(&trips));
    let random: [u8; 10] = random::bytes().map_err(|e| worker::Error::RustError(e.to_string()))?;
    let delivery = Delivery {
        envelope_from: &from,
        envelope_to: &to,
        raw: &raw,
    };
    let result =
        inbound_mail::receive(&db, &domain, delivery, TicketId::mint(now, random), now).await;
    match result {
        Ok(received) => {
            // The webhook's event and a new ticket's summary job go to the Queue now (the Cron
            // Trigger would take them otherwise).
            enqueue_pending(&env, &db, None, &request_id).await;
            let mut line = line(Level::Info).with("outcome", received.outcome());
            if let inbound_mail::Received::Dropped { why } = received {
                line = line.with("why", why);
            }
            console::print(&line.with("bytes", raw.len()));
            Ok(())
        }
        Err(InboundError::Refused(refused)) => {
            let reason = refused.to_string();
            message.set_reject(&reason);
            console::print(
                &line(Level::Info)
                    .with("outcome", "refused")
                    .with("why", reason.as_str()),
            );
            Ok(())
        }
        // Our fault: thrown, so Email Routing answers with a temporary failure and the
        // sending server tries again later.
        Err(InboundError::Service(e)) => {
            let detail = e.to_string();
            console::print(&Line {
                level: Level::Error,
                error: Some(&detail),
                ..line(Level::Error)
            });
            Err(worker::Error::RustError(detail))
        }
    }
}
