//! The running widget: mounts the views, owns the `State`, and runs the message loop —
//! `dispatch(msg)` → `update` → render → effects (storage, network, focus, DOM events).
//! Answers from the network come back through `dispatch` as messages.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use serde::Deserialize;
use ticketbooth_shared::api::{
    ChatMessage, MessageEventDetail, RequesterInput, TicketCreatedDetail, TicketPrefill,
    TypingFrame, UnreadEventDetail,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    CssStyleSheet, CustomEvent, CustomEventInit, Element, HtmlElement, MessageEvent, ShadowRoot,
    WebSocket,
};

use crate::api::{self, Endpoint};
use crate::chat::{ChatEffect, ContactResult, Line, ReadResult, SendResult};
use crate::dom::{self, Listener, attr, focus, show};
use crate::from_js::from_js;
use crate::human_check::HumanCheck;
use crate::i18n::{self, Strings};
use crate::state::{Contact, Draft, Effect, Field, Msg, Screen, State, update};
use crate::storage::Store;
use crate::views::confirmation::Confirmation;
use crate::views::contact_prompt::ContactPrompt;
use crate::views::home::Home;
use crate::views::launcher::Launcher;
use crate::views::my_tickets::MyTickets;
use crate::views::panel::Panel;
use crate::views::thread::ThreadView;
use crate::views::ticket_form::TicketForm;

const CSS: &str = include_str!("style.css");

/// The methods of `window.Ticketbooth`, each a `[name, argument]` call (the loader's queue
/// holds them in that shape too).
const HOST_METHODS: [&str; 5] = ["open", "close", "openTicket", "identify", "send"];

/// How often the conversation is read when nothing pushes its messages, in milliseconds.
const POLL_MS: i32 = 3_000;

// The widget's one instance and its message queue. Re-entrancy is the one hazard on a single
// thread: handling a message can fire a DOM listener synchronously (`focus()` fires `focusin`,
// a resend fires nothing but could), and that listener calls `dispatch`. `BUSY` turns such a
// call into "queue it": only the outermost `dispatch` borrows `APP`, and it handles queued
// messages one at a time with no `QUEUE` borrow held while the app runs. A re-entrant borrow of
// `APP` cannot happen; if it did, RefCell would panic instead of aliasing.
thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
    static QUEUE: RefCell<VecDeque<Msg>> = const { RefCell::new(VecDeque::new()) };
    static BUSY: Cell<bool> = const { Cell::new(false) };
    static MOUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Hands a message to the widget. Safe to call from anywhere, including from inside an update
/// (a listener fired by a focus change): the message waits its turn in the queue.
pub fn dispatch(msg: Msg) {
    QUEUE.with_borrow_mut(|q| q.push_back(msg));
    // During an update (`BUSY`, checked before `APP` is even looked at: it may be borrowed),
    // the running `drain` handles the message; before the app exists (while `mount` builds
    // it), `mount`'s own `drain` will.
    if BUSY.get() || APP.with_borrow(Option::is_none) {
        return;
    }
    BUSY.set(true);
    drain();
    BUSY.set(false);
}

/// Handles queued messages until none is left. Only called with `BUSY` set by its caller.
fn drain() {
    while let Some(msg) = QUEUE.with_borrow_mut(VecDeque::pop_front) {
        APP.with_borrow_mut(|app| {
            if let Some(app) = app {
                app.handle(msg);
            }
        });
    }
}

/// The script tag's options the Wasm needs, as the loader passes them (`position` and `accent`
/// the loader applied itself).
#[derive(Deserialize)]
struct MountOptions {
    #[serde(default)]
    site: String,
    /// The data-api attribute, else the script's own origin.
    api: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    open: bool,
}

struct Ui {
    launcher: Launcher,
    panel: Panel,
    home: Home,
    contact: ContactPrompt,
    form: TicketForm,
    done: Confirmation,
    tickets: MyTickets,
    thread: ThreadView,
}

impl Ui {
    fn render(&mut self, state: &State, s: &Strings) {
        self.launcher.render(state.open, state.badge(), s);
        self.panel.render(state, s);
        show(&self.home.root, state.screen == Screen::Home);
        show(&self.contact.root, state.screen == Screen::Contact);
        show(&self.form.root, state.screen == Screen::Form);
        show(&self.done.root, matches!(state.screen, Screen::Done { .. }));
        show(&self.tickets.root, state.screen == Screen::Tickets);
        show(
            &self.thread.root,
            matches!(state.screen, Screen::Thread { .. }),
        );
        self.home.render(state, s);
        self.contact.render(state, s);
        self.form.render(state, s);
        self.done.render(state);
        self.tickets.render(state, s);
        self.thread.render(state, s);
    }

    /// The control a screen starts on.
    fn entry(&self, state: &State) -> &HtmlElement {
        match &state.screen {
            Screen::Home => &self.home.conversation.input,
            Screen::Contact if !state.contact_input.name.is_empty() => self.contact.email.element(),
            Screen::Contact => self.contact.name.element(),
            Screen::Form if !state.draft.subject.is_empty() => self.form.description.element(),
            Screen::Form => self.form.subject.element(),
            Screen::Done { .. } => &self.done.heading,
            Screen::Tickets => &self.tickets.heading,
            Screen::Thread { .. } => &self.thread.heading,
        }
    }

    fn field(&self, field: Field) -> &HtmlElement {
        match field {
            Field::Name => self.contact.name.element(),
            Field::Email => self.contact.email.element(),
            Field::Subject => self.form.subject.element(),
            Field::Description => self.form.description.element(),
        }
    }
}

struct App {
    state: State,
    strings: &'static Strings,
    endpoint: Endpoint,
    store: Store,
    host: Element,
    ui: Ui,
    /// Where focus was when the panel opened (given back on close); `None` while closed.
    opened_from: Option<HtmlElement>,
    _window: [Listener; 2],
    /// The polling timer's callback (lives as long as the page).
    _poll: Closure<dyn FnMut()>,
    /// The conversation's WebSocket, while one is open or opening.
    live: Option<Live>,
    /// Behind `window.Ticketbooth`'s methods (they live as long as the page).
    _host_api: Vec<Closure<dyn FnMut(JsValue)>>,
    /// Turnstile's check in the ticket form, for a site that asks for one.
    human: HumanCheck,
}

/// Builds the widget into the page once; see `crate::mount`.
///
/// The loader (`www/widget.js`) has already drawn the host element, its shadow root, the
/// `.tb` root and the launcher button, so the launcher was on screen before this Wasm was even
/// fetched; this takes them over: adds the full stylesheet, wires the launcher, builds the
/// panel and its screens, reads storage, and starts the loop. Clicks on the launcher and calls
/// on `window.Ticketbooth` made before now were queued by the loader and are replayed here.
pub fn mount(options: JsValue, host_api: JsValue, launcher: JsValue) {
    if MOUNTED.replace(true) {
        return;
    }
    let Some(options) = from_js::<MountOptions>(options) else {
        return warn("Ticketbooth: mount needs {site, api, locale, open}");
    };
    if options.site.is_empty() {
        return warn("Ticketbooth: the script tag needs data-site");
    }
    // What the loader passes (its launcher button); unchecked: a check is one more import.
    let launcher: HtmlElement = launcher.unchecked_into();
    let Some((host, shadow, root)) = adopt(&launcher) else {
        return warn("Ticketbooth: the launcher is not in the loader's shadow root");
    };
    let strings = i18n::strings(&options.locale);
    // The widget's text follows its own language, whatever the page's direction; its corner
    // follows the page (style.css, `:host(:dir(rtl))`).
    attr(&root, "lang", Some(strings.lang));
    attr(&root, "dir", Some(strings.dir));
    let endpoint = Endpoint {
        api: options.api,
        site: options.site,
    };
    // The site's config first: its answer waits in the queue if it comes before the app.
    api::config(&endpoint, |config| dispatch(Msg::ConfigLoaded(config)));

    let launcher = Launcher::new(&launcher);
    let panel = Panel::new(&root, &shadow, strings);
    let body = panel.body.clone();
    let ui = Ui {
        launcher,
        panel,
        home: Home::new(&body, strings),
        contact: ContactPrompt::new(&body, strings),
        form: TicketForm::new(&body, strings),
        done: Confirmation::new(&body, strings),
        tickets: MyTickets::new(&body, strings),
        thread: ThreadView::new(&body, strings),
    };

    let store = Store::new(&endpoint.site);
    let window = dom::window();
    let (mut state, mut effects) = State::new(
        store.contact(),
        store.draft(),
        store.token().is_some(),
        window.navigator().on_line(),
    );
    // The current conversation resumes with its history; what was not sent goes out.
    effects.extend(state.restore_chat(store.chat()));
    state.seen = store.seen();
    let _poll: Closure<dyn FnMut()> = Closure::new(|| dispatch(Msg::Poll));
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
        _poll.as_ref().unchecked_ref(),
        POLL_MS,
    );
    let _window = [
        Listener::new(&window, "online", |_| dispatch(Msg::Online)),
        Listener::new(&window, "offline", |_| dispatch(Msg::Offline)),
    ];
    let queued = take_queue(&host_api);
    let _host_api = expose(&host_api);

    let mut app = App {
        state,
        strings,
        endpoint,
        store,
        host: host.clone(),
        ui,
        opened_from: None,
        _window,
        _poll,
        live: None,
        _host_api,
        human: HumanCheck::new(host.clone()),
    };
    app.ui.render(&app.state, app.strings);
    BUSY.set(true);
    APP.with_borrow_mut(|slot| {
        let app = slot.insert(app);
        for effect in effects {
            app.run(effect);
        }
    });
    // Calls made on window.Ticketbooth before now (launcher clicks included), in order.
    for (name, arg) in queued {
        if let Some(msg) = host_call(&name, arg) {
            dispatch(msg);
        }
    }
    if options.open {
        dispatch(Msg::Show);
    }
    drain();
    BUSY.set(false);
    // The signal that the widget runs (`data-ready` on the host): tests and the bench wait on it.
    attr(&host, "data-ready", Some(""));
}

fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

/// Takes over the shadow root the loader drew `launcher` in: adopts the panel's stylesheet
/// after the loader's own (constructable, so a strict CSP needs no 'unsafe-inline'). Returns
/// the host element, the shadow root and the `.tb` root.
fn adopt(launcher: &HtmlElement) -> Option<(Element, ShadowRoot, Element)> {
    let root: Element = launcher.parent_node()?.unchecked_into();
    let shadow: ShadowRoot = root.parent_node()?.unchecked_into();
    let sheet = CssStyleSheet::new().ok()?;
    sheet.replace_sync(CSS).ok()?;
    let sheets = shadow.adopted_style_sheets();
    sheets.push(&sheet);
    shadow.set_adopted_style_sheets(&sheets);
    Some((shadow.host(), shadow, root))
}

/// The `[name, argument]` calls queued on the loader's `window.Ticketbooth` stub; removes the
/// queue, which tells the loader's launcher listener to stop queueing clicks.
fn take_queue(api: &JsValue) -> Vec<(String, JsValue)> {
    let key = JsValue::from_str("q");
    let queue = js_sys::Reflect::get(api, &key).unwrap_or(JsValue::UNDEFINED);
    if api.is_object() {
        let _ = js_sys::Reflect::delete_property(api.unchecked_ref::<js_sys::Object>(), &key);
    }
    if !js_sys::Array::is_array(&queue) {
        return Vec::new();
    }
    queue
        .unchecked_into::<js_sys::Array>()
        .iter()
        .filter_map(|call| {
            let name = js_sys::Reflect::get_u32(&call, 0).ok()?.as_string()?;
            Some((name, js_sys::Reflect::get_u32(&call, 1).ok()?))
        })
        .collect()
}

/// Installs the real methods on `window.Ticketbooth` (the loader's stub object).
fn expose(api: &JsValue) -> Vec<Closure<dyn FnMut(JsValue)>> {
    HOST_METHODS
        .into_iter()
        .map(|name| {
            let f: Box<dyn FnMut(JsValue)> = Box::new(move |arg| {
                if let Some(msg) = host_call(name, arg) {
                    dispatch(msg);
                }
            });
            let f = Closure::wrap(f);
            let _ = js_sys::Reflect::set(api, &JsValue::from_str(name), f.as_ref());
            f
        })
        .collect()
}

/// A call on `window.Ticketbooth` as a message; arguments read into `shared::api`'s types
/// (`from_js`). A malformed argument is the host page's bug: it is reported on the
/// console and the call does nothing.
fn host_call(name: &str, arg: JsValue) -> Option<Msg> {
    fn read<T: for<'de> Deserialize<'de> + Default>(name: &str, arg: JsValue) -> Option<T> {
        if arg.is_undefined() || arg.is_null() {
            return Some(T::default());
        }
        let value = from_js(arg);
        if value.is_none() {
            warn(
                &[
                    "Ticketbooth.",
                    name,
                    ": the argument does not have the documented shape",
                ]
                .concat(),
            );
        }
        value
    }
    Some(match name {
        "open" => Msg::Open,
        "close" => Msg::Close,
        "openTicket" => {
            let p: TicketPrefill = read(name, arg)?;
            Msg::Prefill {
                subject: p.subject,
                description: p.description,
                transcript: p.transcript,
            }
        }
        "send" => {
            // `Ticketbooth.send(text)`: a string only.
            let Some(text) = arg.as_string() else {
                warn("Ticketbooth.send: the argument must be a string");
                return None;
            };
            Msg::HostSend {
                text,
                fresh_key: fresh_key(),
            }
        }
        "identify" => {
            // A string is the site backend's signed identity (a JWT); an object, a name and
            // an email passed on as they are.
            if let Some(token) = arg.as_string() {
                return Some(Msg::IdentifySigned(token));
            }
            let r: RequesterInput = read(name, arg)?;
            Msg::Identify(Contact {
                name: r.name,
                email: r.email,
            })
        }
        _ => return None,
    })
}

/// The conversation's WebSocket and its listeners. Dropping it removes the listeners first, so
/// the close it causes reports nothing.
struct Live {
    socket: WebSocket,
    _listeners: [Listener; 3],
}

impl Live {
    /// Opens the live room of `conversation`; what it says comes back as messages. `None` when
    /// the browser refuses the URL (a CSP that forbids it throws): polling goes on.
    fn open(url: &str, conversation: &str) -> Option<Live> {
        let socket = WebSocket::new(url).ok()?;
        let (up, down) = (conversation.to_owned(), conversation.to_owned());
        let _listeners = [
            Listener::new(&socket, "open", move |_| dispatch(Msg::LiveUp(up.clone()))),
            Listener::new(&socket, "close", move |_| {
                dispatch(Msg::LiveDown(down.clone()))
            }),
            Listener::new(&socket, "message", |ev| {
                let data = ev.unchecked_ref::<MessageEvent>().data();
                let Some(frame) = data.as_string() else {
                    return;
                };
                let Ok(value) = js_sys::JSON::parse(&frame) else {
                    return;
                };
                // A typing frame has one key, `typing`; anything else must be a message.
                if let Some(t) = from_js::<TypingFrame>(value.clone()) {
                    dispatch(Msg::Typing {
                        name: t.typing.author_name,
                        text: t.typing.text,
                    });
                } else if let Some(m) = from_js::<ChatMessage>(value) {
                    dispatch(Msg::LiveMessage(Line::from(m)));
                }
            }),
        ];
        Some(Live { socket, _listeners })
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // The close event comes later, as a task, when the listeners (dropped right after
        // this) are gone: closing on purpose dispatches nothing.
        let _ = self.socket.close();
    }
}

/// A fresh Idempotency-Key: a UUID v4 from `crypto.randomUUID()`, or where that is missing
/// (pages that are not a secure context) from `crypto.getRandomValues`. Never `Math.random`:
/// the server requires a v4's 122 random bits.
pub fn fresh_key() -> String {
    let crypto = dom::window().crypto().expect("every browser has crypto");
    if js_sys::Reflect::has(&crypto, &JsValue::from_str("randomUUID")).unwrap_or(false) {
        return crypto.random_uuid();
    }
    let mut bytes = [0u8; 16];
    // getRandomValues throws only for a view over 65,536 bytes or of the wrong type: never
    // for these 16. Were it ever to fail, an all-zero key would make two different sends look
    // like one replayed, so stop loudly instead (the draft stays in localStorage).
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .expect("crypto.getRandomValues fills 16 bytes");
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut text)
        .to_owned()
}

impl App {
    fn handle(&mut self, msg: Msg) {
        let effects = update(&mut self.state, msg);
        self.ui.render(&self.state, self.strings);
        for effect in effects {
            self.run(effect);
        }
    }

    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::SaveDraft => self.store.save_draft(&self.state.draft),
            Effect::ClearDraft => self.store.save_draft(&Draft::default()),
            Effect::SaveContact => {
                if let Some(contact) = &self.state.contact {
                    self.store.save_contact(contact);
                }
            }
            Effect::SaveToken(token) => self.store.save_token(&token),
            Effect::Send => {
                let mut body = api::create_request(&self.state.draft, self.state.contact.as_ref());
                body.turnstile_token = self.state.human.token.clone();
                api::create(
                    &self.endpoint,
                    &body,
                    self.state.draft.conversation.as_deref(),
                    self.state.draft.key.as_deref(),
                    self.store.token().as_deref(),
                    self.state.identity.as_deref(),
                    |outcome| dispatch(Msg::Sent(outcome)),
                );
            }
            Effect::FetchTickets => match self.store.token() {
                None => dispatch(Msg::TicketsLoaded(Some(Vec::new()))),
                Some(token) => api::tickets(&self.endpoint, &token, |rows, renewed| {
                    if let Some(token) = renewed {
                        dispatch(Msg::TokenRenewed(token));
                    }
                    dispatch(Msg::TicketsLoaded(rows))
                }),
            },
            Effect::Announce { code } => self.announce(code),
            Effect::AnnounceMessage { author, text } => {
                if let Ok(detail) =
                    serde_wasm_bindgen::to_value(&MessageEventDetail { author, text })
                {
                    self.event("ticketbooth:message", &detail);
                }
            }
            Effect::AnnounceUnread(count) => {
                if let Ok(detail) = serde_wasm_bindgen::to_value(&UnreadEventDetail { count }) {
                    self.event("ticketbooth:unread", &detail);
                }
            }
            Effect::Chat(effect) => self.run_chat(effect),
            Effect::SaveSeen => self.store.save_seen(&self.state.seen),
            Effect::FetchThread { id } => match self.store.token() {
                None => dispatch(Msg::ThreadLoaded { id, comments: None }),
                Some(token) => {
                    let thread = id.clone();
                    api::thread(&self.endpoint, &token, &id, move |comments, renewed| {
                        if let Some(token) = renewed {
                            dispatch(Msg::TokenRenewed(token));
                        }
                        dispatch(Msg::ThreadLoaded {
                            id: thread,
                            comments,
                        });
                    })
                }
            },
            Effect::SendReply { id, key, body } => match self.store.token() {
                None => dispatch(Msg::ThreadReplied {
                    id,
                    outcome: crate::state::ReplyOutcome::Refused("unauthorized".into()),
                }),
                Some(token) => {
                    let thread = id.clone();
                    api::reply(
                        &self.endpoint,
                        &token,
                        &id,
                        &key,
                        body,
                        move |outcome, renewed| {
                            if let Some(token) = renewed {
                                dispatch(Msg::TokenRenewed(token));
                            }
                            dispatch(Msg::ThreadReplied {
                                id: thread,
                                outcome,
                            });
                        },
                    )
                }
            },
            Effect::RenderHumanCheck => {
                if let Some(turnstile) = self.state.turnstile() {
                    self.human.render(turnstile, self.strings.lang);
                }
            }
            Effect::FocusPanel => {
                if self.opened_from.is_none() {
                    self.opened_from = dom::document().active_element().map(JsCast::unchecked_into);
                }
                focus(self.ui.entry(&self.state));
            }
            Effect::RestoreFocus => {
                // Back to where focus was, if that is still in the page and not the widget
                // itself; else to the launcher.
                let body = dom::document().body().map(Element::from);
                let back = self.opened_from.take().filter(|e| {
                    let e: &Element = e;
                    e.is_connected() && *e != self.host && Some(e) != body.as_ref()
                });
                focus(back.as_ref().unwrap_or(&self.ui.launcher.button));
            }
            Effect::FocusError => {
                // The first refused field in the order the visitor reads them.
                if let Some(field) = Field::ALL
                    .into_iter()
                    .find(|f| self.state.error_for(*f).is_some())
                {
                    focus(self.ui.field(field));
                }
            }
        }
    }

    /// `ticketbooth:ticket-created` with `{ code }`.
    fn announce(&self, code: String) {
        if let Ok(detail) = serde_wasm_bindgen::to_value(&TicketCreatedDetail { code }) {
            self.event("ticketbooth:ticket-created", &detail);
        }
    }

    /// A DOM event on the host element, bubbling out of the shadow root to window.
    fn event(&self, name: &str, detail: &JsValue) {
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = self.host.dispatch_event(&event);
        }
    }

    /// The chat's requests and storage; answers come back as messages.
    fn run_chat(&mut self, effect: ChatEffect) {
        let token = self.store.token();
        match effect {
            ChatEffect::Connect { conversation } => {
                self.live = None;
                let url = api::live_url(&self.endpoint, &conversation, &token.unwrap_or_default());
                self.live = Live::open(&url, &conversation);
                if self.live.is_none() {
                    dispatch(Msg::LiveDown(conversation));
                }
            }
            ChatEffect::Disconnect => self.live = None,
            ChatEffect::Save => self.store.save_chat(&self.state.chat.saved()),
            ChatEffect::Start => {
                // Another tab of this visitor may have started one meanwhile: join it rather
                // than start a second (its unsent messages are ours too, under the same keys).
                if let Some(id) = self.store.chat().id {
                    return dispatch(Msg::ConversationStarted(Some(id)));
                }
                let site = self.endpoint.site.clone();
                let identity = self.state.identity.as_deref();
                api::start_conversation(
                    &self.endpoint,
                    token.as_deref(),
                    identity,
                    move |started| {
                        let id = started.map(|(id, token)| match Store::new(&site).chat().id {
                            // Another tab won the race while ours was in flight: its conversation
                            // and the token that proves it are already stored; ours stays empty.
                            Some(theirs) => theirs,
                            None => {
                                dispatch(Msg::TokenRenewed(token));
                                id
                            }
                        });
                        dispatch(Msg::ConversationStarted(id));
                    },
                )
            }
            ChatEffect::Send {
                conversation,
                key,
                text,
            } => {
                let Some(token) = token else {
                    // The token is gone (storage cleared): the conversation cannot be proven
                    // any more, so a new one starts.
                    return dispatch(Msg::MessageSent {
                        key,
                        result: SendResult::Gone,
                    });
                };
                let sent_key = key.clone();
                api::send_message(
                    &self.endpoint,
                    &conversation,
                    &token,
                    &key,
                    text,
                    move |result, renewed| {
                        if let Some(token) = renewed {
                            dispatch(Msg::TokenRenewed(token));
                        }
                        dispatch(Msg::MessageSent {
                            key: sent_key,
                            result,
                        });
                    },
                );
            }
            ChatEffect::Escalate { conversation } => {
                let Some(token) = token else {
                    return dispatch(Msg::ChatEscalated(false));
                };
                api::escalate(&self.endpoint, &conversation, &token, |reached, renewed| {
                    if let Some(token) = renewed {
                        dispatch(Msg::TokenRenewed(token));
                    }
                    dispatch(Msg::ChatEscalated(reached));
                });
            }
            ChatEffect::GiveContact {
                conversation,
                name,
                email,
            } => {
                let Some(token) = token else {
                    return dispatch(Msg::ChatContactGiven(ContactResult::Refused(
                        "unauthorized".into(),
                    )));
                };
                api::give_contact(
                    &self.endpoint,
                    &conversation,
                    &token,
                    RequesterInput { name, email },
                    |result, renewed| {
                        if let Some(token) = renewed {
                            dispatch(Msg::TokenRenewed(token));
                        }
                        dispatch(Msg::ChatContactGiven(result));
                    },
                );
            }
            ChatEffect::Read {
                conversation,
                after,
            } => {
                let Some(token) = token else {
                    return dispatch(Msg::MessagesRead {
                        conversation,
                        result: ReadResult::Gone,
                    });
                };
                let id = conversation.clone();
                api::read_messages(
                    &self.endpoint,
                    &conversation,
                    &token,
                    after,
                    move |result, renewed| {
                        if let Some(token) = renewed {
                            dispatch(Msg::TokenRenewed(token));
                        }
                        dispatch(Msg::MessagesRead {
                            conversation: id,
                            result,
                        });
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The loader's `window.Ticketbooth` stub queues the same methods the Wasm installs, so a
    /// call made before the Wasm arrives is replayed, not lost.
    #[test]
    fn the_loader_queues_every_host_method() {
        let loader = include_str!("../loader.js");
        let names = ["'", &super::HOST_METHODS.join(" "), "'"].concat();
        assert!(loader.contains(&names), "widget/loader.js lacks {names}");
    }
}
