//! Work after the answer (`http::FollowUp`, run through `ctx.wait_until`): the site's bot
//! replies in the conversation, streaming to its live room; new webhook events go to the Queue.

use ticketbooth_shared::ids::{ConversationId, TicketId, VisitorId};
use ticketbooth_shared::timestamp::Timestamp;
use worker::{Env, Method, Request, console_error, console_log};

use super::live_room;
use crate::crypto::random;
use crate::http::{self};
use crate::integrations::bot;
use crate::integrations::outbound;
use crate::service::site_secrets::Sealer;
use crate::service::{conversations, sites};
use crate::store::d1::D1Executor;

use super::env::{outbound_policy, secrets_key};
use super::queue::enqueue_pending;

/// Work after the answer: the site's bot replies in the conversation.
pub async fn follow(follow_up: http::FollowUp, env: Env, origin: String) {
    let (site, conversation_id, visitor_id) = match follow_up {
        http::FollowUp::Notify { site_id } => {
            enqueue_pending(&env, Some(site_id)).await;
            return;
        }
        http::FollowUp::Bot {
            site,
            conversation_id,
            visitor_id,
        } => (site, conversation_id, visitor_id),
    };
    let result: Result<String, String> = async {
        let db = D1Executor::new(env.d1("DB").map_err(|e| e.to_string())?);
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
        let ended = bot::respond(
            &db,
            &outbound::Fetch,
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
        .map_err(|e| e.to_string())?;
        Ok(format!("{ended:?}"))
    }
    .await;
    match result {
        Ok(ended) => console_log!("bot in {conversation_id}: {ended}"),
        Err(e) => console_error!("bot in {conversation_id}: {e}"),
    }
    // A ticket the bot opened is announced like any other.
    enqueue_pending(&env, None).await;
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
                console_error!("live room {conversation_id}: broadcast failed: {e}");
            }
        })
    }
}
