//! Work after the answer (`http::FollowUp`, run through `ctx.wait_until`): the site's bot
//! replies in the conversation, streaming to its live room; new webhook events go to the Queue.
//! The bot's turn logs one line (`infra::log`) under the request's id.

use std::cell::Cell;
use std::rc::Rc;
use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;

use worker::{Env, Method, Request, console_error};

use super::console;
use super::live_room;
use crate::crypto::random;
use crate::http::{self};
use crate::infra::log::{Event, Level, Line};
use crate::integrations::bot;
use crate::integrations::outbound;
use crate::service::site_secrets::Sealer;
use crate::service::{conversations, sites};
use crate::store::d1::D1Executor;

use super::env::{outbound_policy, secrets_key};
use super::queue::enqueue_pending;

/// Work after the answer: the site's bot replies in the conversation, or the site's new events
/// go to the Queue. Logged under the id of the request that asked for it.
pub async fn follow(follow_up: http::FollowUp, env: Env, origin: String, request_id: String) {
    let started = js_sys::Date::now();
    let trips = Rc::new(Cell::new(0));
    let db = match env.d1("DB") {
        Ok(db) => D1Executor::counting_into(db, Rc::clone(&trips)),
        Err(e) => {
            let detail = format!("follow-up: {e}");
            console::print(&Line::error(Event::Request, &request_id, &detail));
            return;
        }
    };
    let (site, conversation_id, visitor_id) = match follow_up {
        http::FollowUp::Notify { site_id } => {
            enqueue_pending(&env, &db, Some(site_id), &request_id).await;
            return;
        }
        http::FollowUp::Bot {
            site,
            conversation_id,
            visitor_id,
        } => (site, conversation_id, visitor_id),
    };
    let rounds = Cell::new(0);
    let result: Result<bot::Ended, String> = async {
        let site = sites::load(&db, &site).await.map_err(|e| e.to_string())?;
        let settings = site.bot.clone().ok_or("the site has no bot")?;
        let visitor = VisitorId::parse(&visitor_id).map_err(|_| "visitor id")?;
        let id = ConversationId::parse(&conversation_id).map_err(|_| "conversation id")?;
        let now = || Timestamp::from_millis(js_sys::Date::now() as i64);
        let conversation = conversations::find(
            &db,
            &site,
            conversations::Reader::Visitor(&visitor),
            &id,
            now(),
        )
        .await
        .map_err(|e| e.to_string())?;
        // The site's own key, pasted by its owner and sealed in D1: never a Worker secret named
        // by tenant data. Without SECRETS_KEY the bot does not call its provider at all.
        let secrets = secrets_key(&env);
        let sealer = Sealer::new(
            &secrets,
            random::bytes().map_err(|e| e.to_string())?,
            now().millis(),
        );
        let api_key = bot::provider_key(&db, &site, &sealer)
            .await
            .map_err(|e| match e {
                crate::service::ServiceError::Refused(_) => {
                    crate::http::error::SECRETS_KEY_MISSING_LOG.to_owned()
                }
                other => other.to_string(),
            })?;
        let ticket_id = || TicketId::mint(now(), random::bytes().unwrap_or([0; 10]));
        bot::respond(
            &db,
            &CountingRounds {
                rounds: &rounds,
                outbound: &outbound::Fetch,
            },
            &RoomsBinding(&env),
            &site,
            &settings,
            api_key.as_deref(),
            &conversation,
            &visitor,
            &origin,
            &bot::Outside {
                now: &now,
                ticket_id: &ticket_id,
                policy: outbound_policy(&env),
            },
        )
        .await
        .map_err(|e| e.to_string())
    }
    .await;
    // Never the conversation's id (the request id leads to it) nor anything the visitor or
    // the provider wrote: the outcome, its class and the counts.
    let line = Line {
        site: Some(site.as_ref()),
        duration_ms: Some(console::since(started)),
        d1_round_trips: Some(trips.get()),
        ..Line::new(Level::Info, Event::Bot, &request_id)
    }
    .with("rounds", rounds.get());
    let line = match &result {
        Ok(ended) => {
            let (outcome, reason) = ended.for_log();
            let line = line.with("ended", outcome);
            match ended {
                bot::Ended::Replied { tickets } => line.with("tickets", tickets.len()),
                // Escalated: a person answers now, not the bot.
                bot::Ended::Paused => line,
                // The visitor got the fallback message: an error, like every failure.
                bot::Ended::FellBack { .. } => Line {
                    level: Level::Error,
                    error: reason,
                    ..line
                },
            }
        }
        Err(e) => Line {
            level: Level::Error,
            error: Some(e),
            ..line
        },
    };
    console::print(&line);
    // A ticket the bot opened is announced like any other.
    enqueue_pending(&env, &db, None, &request_id).await;
}

/// The provider, with its calls counted: one model call per round of the bot's turn.
struct CountingRounds<'a> {
    rounds: &'a Cell<u32>,
    outbound: &'a dyn outbound::Outbound,
}

impl outbound::Outbound for CountingRounds<'_> {
    fn post_form<'a>(&'a self, url: &'a str, body: String) -> outbound::Pending<'a> {
        self.outbound.post_form(url, body)
    }

    fn post_json<'a>(
        &'a self,
        url: &'a outbound::OutboundUrl,
        headers: Vec<(&'static str, String)>,
        body: String,
        deadline_ms: i64,
    ) -> outbound::Pending<'a> {
        self.outbound.post_json(url, headers, body, deadline_ms)
    }

    fn post_json_stream<'a>(
        &'a self,
        url: &'a outbound::OutboundUrl,
        headers: Vec<(&'static str, String)>,
        body: String,
        deadline_ms: i64,
    ) -> outbound::PendingStream<'a> {
        self.rounds.set(self.rounds.get() + 1);
        self.outbound
            .post_json_stream(url, headers, body, deadline_ms)
    }
}

/// The live rooms, through the Durable Object binding.
struct RoomsBinding<'a>(&'a Env);

impl bot::Rooms for RoomsBinding<'_> {
    fn broadcast<'a>(
        &'a self,
        conversation_id: &'a str,
        payload: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>> {
        Box::pin(async move {
            let sent = async {
                let mut init = worker::RequestInit::new();
                init.with_method(Method::Post)
                    .with_body(Some(payload.into()));
                let request = Request::new_with_init("https://room/broadcast", &init)?;
                self.0
                    .durable_object(live_room::BINDING)?
                    .id_from_name(conversation_id)?
                    .get_stub()?
                    .fetch_with_request(request)
                    .await
            };
            if let Err(e) = sent.await {
                console_error!("live room: broadcast failed: {e}");
            }
        })
    }
}
