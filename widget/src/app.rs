//! The running widget: mounts the Shadow DOM and the views, owns the `State`, and runs the
//! message loop — `dispatch(msg)` → `update` → render → effects (storage, network, focus,
//! DOM events). Asynchronous results come back through `dispatch` as messages.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    CssStyleSheet, CustomEvent, CustomEventInit, Element, Event, HtmlElement, ShadowRoot,
    ShadowRootInit, ShadowRootMode,
};

use crate::api::{self, Endpoint};
use crate::dom::{Listener, attr, callback, document, show, window};
use crate::i18n::{self, Strings};
use crate::json::{self, get, get_str, get_text};
use crate::state::{Contact, Draft, Effect, Field, Msg, Screen, State, update};
use crate::storage::Store;
use crate::views::confirmation::Confirmation;
use crate::views::contact_prompt::ContactPrompt;
use crate::views::home::Home;
use crate::views::launcher::Launcher;
use crate::views::my_tickets::MyTickets;
use crate::views::panel::Panel;
use crate::views::ticket_form::TicketForm;

const CSS: &str = include_str!("style.css");

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
    static QUEUE: RefCell<Vec<Msg>> = const { RefCell::new(Vec::new()) };
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Hands a message to the widget. Safe to call from anywhere, including from inside an update
/// (a listener fired by a focus change): the message waits its turn in the queue.
pub fn dispatch(msg: Msg) {
    QUEUE.with(|q| q.borrow_mut().push(msg));
    if BUSY.with(|b| b.replace(true)) {
        return;
    }
    loop {
        let batch = QUEUE.with(|q| std::mem::take(&mut *q.borrow_mut()));
        if batch.is_empty() {
            break;
        }
        for msg in batch {
            APP.with(|app| {
                if let Some(app) = app.borrow_mut().as_mut() {
                    app.handle(msg);
                }
            });
        }
    }
    BUSY.with(|b| b.set(false));
}

/// A fresh Idempotency-Key: `crypto.randomUUID()`, or 32 random hex digits where it is missing
/// (pages served over plain http from another host than localhost).
pub fn uuid() -> String {
    if let Ok(crypto) = window().crypto() {
        if Reflect::has(&crypto, &JsValue::from_str("randomUUID")).unwrap_or(false) {
            return crypto.random_uuid();
        }
    }
    (0..32)
        .map(|_| b"0123456789abcdef"[(js_sys::Math::random() * 16.0) as usize & 15] as char)
        .collect()
}

struct Ui {
    launcher: Launcher,
    panel: Panel,
    home: Home,
    contact: ContactPrompt,
    form: TicketForm,
    done: Confirmation,
    tickets: MyTickets,
}

impl Ui {
    fn render(&self, state: &State, s: &Strings) {
        self.launcher.render(state, s);
        self.panel.render(state, s);
        show(&self.home.root, state.screen == Screen::Home);
        show(&self.contact.root, state.screen == Screen::Contact);
        show(&self.form.root, state.screen == Screen::Form);
        show(&self.done.root, matches!(state.screen, Screen::Done { .. }));
        show(&self.tickets.root, state.screen == Screen::Tickets);
        self.home.render(state, s);
        self.contact.render(state, s);
        self.form.render(state, s);
        self.done.render(state, s);
        self.tickets.render(state, s);
    }

    /// The control a screen starts on.
    fn entry(&self, state: &State) -> &HtmlElement {
        match &state.screen {
            Screen::Home if state.disabled() => &self.home.heading,
            Screen::Home => &self.home.cta,
            Screen::Contact if !state.contact_input.name.is_empty() => &self.contact.email.input,
            Screen::Contact => &self.contact.name.input,
            Screen::Form if !state.draft.subject.is_empty() => &self.form.description.input,
            Screen::Form => &self.form.subject.input,
            Screen::Done { .. } => &self.done.heading,
            Screen::Tickets => &self.tickets.heading,
        }
    }

    fn field(&self, field: Field) -> &HtmlElement {
        match field {
            Field::Name => &self.contact.name.input,
            Field::Email => &self.contact.email.input,
            Field::Subject => &self.form.subject.input,
            Field::Description => &self.form.description.input,
        }
    }
}

struct App {
    state: State,
    strings: &'static Strings,
    endpoint: Endpoint,
    store: Store,
    host: HtmlElement,
    ui: Ui,
    /// Where focus was when the panel opened (given back on close); `None` while closed.
    opened_from: Option<Option<Element>>,
    _window: [Listener; 2],
    /// The real `window.Ticketbooth` methods.
    _host_api: Vec<Closure<dyn FnMut(Event)>>,
}

/// Builds the widget into the page once; see `crate::mount`.
pub fn mount(options: &JsValue, host_api: &JsValue) {
    if APP.with(|a| a.borrow().is_some()) {
        return;
    }
    let site = get_text(options, "site");
    if site.is_empty() {
        web_sys::console::warn_1(&JsValue::from_str(
            "Ticketbooth: the script tag needs data-site",
        ));
        return;
    }
    let Some((host, shadow)) = shadow_host(options) else {
        return;
    };
    let strings = i18n::strings(&get_text(options, "locale"));
    let doc = document();
    let root: Element = doc.create_element("div").unwrap_throw();
    let start = matches!(
        get_text(options, "position").as_str(),
        "start" | "left" | "bottom-left"
    );
    root.set_class_name(if start { "tb s" } else { "tb" });
    attr(&root, "lang", strings.lang);
    let _ = shadow.append_child(&root);

    let launcher = Launcher::new(&root);
    let panel = Panel::new(&root, &shadow);
    let body = panel.body.clone();
    let ui = Ui {
        launcher,
        panel,
        home: Home::new(&body),
        contact: ContactPrompt::new(&body),
        form: TicketForm::new(&body),
        done: Confirmation::new(&body),
        tickets: MyTickets::new(&body),
    };

    let store = Store::new(&site);
    let online = window().navigator().on_line();
    let (state, effects) = State::new(
        store.contact(),
        store.draft(),
        store.token().is_some(),
        online,
    );
    let win = window();
    let _window = [
        Listener::new(&win, "online", |_| dispatch(Msg::Online)),
        Listener::new(&win, "offline", |_| dispatch(Msg::Offline)),
    ];
    // The loader always passes `api` (the data-api attribute, else the script's own origin).
    let api = get_text(options, "api");
    let endpoint = Endpoint { api, site };
    let _host_api = install_host_api(host_api);

    let app = App {
        state,
        strings,
        endpoint: endpoint.clone(),
        store,
        host,
        ui,
        opened_from: None,
        _window,
        _host_api,
    };
    app.ui.render(&app.state, app.strings);
    APP.with(|a| *a.borrow_mut() = Some(app));
    APP.with(|a| {
        if let Some(app) = a.borrow_mut().as_mut() {
            for effect in effects {
                app.run(effect);
            }
        }
    });

    spawn_local(async move {
        if let Some(config) = api::config(&endpoint).await {
            dispatch(Msg::ConfigLoaded(config));
        }
    });
    replay_queued_calls(host_api);
    if json::get_bool(options, "open") == Some(true) {
        dispatch(Msg::Open);
    }
}

/// `<ticketbooth-widget>` at the end of the body, with an open shadow root that adopts the
/// stylesheet (a constructable stylesheet: no `<style>`, so a strict CSP needs no
/// 'unsafe-inline').
fn shadow_host(options: &JsValue) -> Option<(HtmlElement, ShadowRoot)> {
    let doc = document();
    let host: HtmlElement = doc
        .create_element("ticketbooth-widget")
        .ok()?
        .unchecked_into();
    if let Some(accent) = get_str(options, "accent") {
        // Through the CSSOM, which CSP allows; a custom property cannot escape its value.
        let _ = host.style().set_property("--tb-accent", &accent);
    }
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .ok()?;
    let sheet = CssStyleSheet::new().ok()?;
    sheet.replace_sync(CSS).ok()?;
    Reflect::set(
        &shadow,
        &JsValue::from_str("adoptedStyleSheets"),
        &Array::of1(&sheet),
    )
    .ok()?;
    let parent: Element = match doc.body() {
        Some(body) => body.into(),
        None => doc.document_element()?,
    };
    parent.append_child(&host).ok()?;
    Some((host, shadow))
}

/// Replaces the loader's queueing stubs on `window.Ticketbooth` with the real methods.
fn install_host_api(host_api: &JsValue) -> Vec<Closure<dyn FnMut(Event)>> {
    let methods: [(&str, fn(&JsValue) -> Option<Msg>); 4] = [
        ("open", |_| Some(Msg::Open)),
        ("close", |_| Some(Msg::Close)),
        ("openTicket", prefill),
        ("identify", |arg| {
            Some(Msg::Identify(Contact {
                name: get_text(arg, "name"),
                email: get_text(arg, "email"),
            }))
        }),
    ];
    methods
        .into_iter()
        .map(|(name, to_msg)| {
            let closure = callback(Box::new(move |arg: Event| {
                if let Some(msg) = to_msg(&arg) {
                    dispatch(msg);
                }
            }));
            if host_api.is_object() {
                let _ = Reflect::set(host_api, &JsValue::from_str(name), closure.as_ref());
            }
            closure
        })
        .collect()
}

fn prefill(arg: &JsValue) -> Option<Msg> {
    Some(Msg::Prefill {
        subject: get_text(arg, "subject"),
        description: get_text(arg, "description"),
        transcript: json::transcript_from_js(&get(arg, "transcript")),
    })
}

/// Calls made on `window.Ticketbooth` before the Wasm was ready, in order.
fn replay_queued_calls(host_api: &JsValue) {
    for call in json::items(&get(host_api, "q")) {
        let name = get(&call, "0").as_string().unwrap_or_default();
        let f = get(host_api, &name);
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call1(host_api, &get(&call, "1"));
        }
    }
    if host_api.is_object() {
        let _ = Reflect::delete_property(
            host_api.unchecked_ref::<js_sys::Object>(),
            &JsValue::from_str("q"),
        );
    }
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
                let endpoint = self.endpoint.clone();
                let draft = self.state.draft.clone();
                let contact = self.state.contact.clone();
                let token = self.store.token();
                spawn_local(async move {
                    let outcome =
                        api::create(&endpoint, &draft, contact.as_ref(), token.as_deref()).await;
                    dispatch(Msg::Sent(outcome));
                });
            }
            Effect::FetchTickets => {
                let endpoint = self.endpoint.clone();
                match self.store.token() {
                    None => dispatch(Msg::TicketsLoaded(Some(Vec::new()))),
                    Some(token) => spawn_local(async move {
                        dispatch(Msg::TicketsLoaded(api::tickets(&endpoint, &token).await));
                    }),
                }
            }
            Effect::Announce { code } => {
                let detail = json::object();
                json::set_str(&detail, "code", &code);
                let init = CustomEventInit::new();
                init.set_bubbles(true);
                init.set_composed(true);
                init.set_detail(&detail);
                if let Ok(event) =
                    CustomEvent::new_with_event_init_dict("ticketbooth:ticket-created", &init)
                {
                    let _ = self.host.dispatch_event(&event);
                }
            }
            Effect::FocusPanel => {
                if self.opened_from.is_none() {
                    self.opened_from = Some(document().active_element());
                }
                let _ = self.ui.entry(&self.state).focus();
            }
            Effect::RestoreFocus => {
                let from = self.opened_from.take().flatten();
                let host: &Element = self.host.as_ref();
                match from.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                    Some(e) if e.is_connected() && e != *host.unchecked_ref::<HtmlElement>() => {
                        let _ = e.focus();
                    }
                    _ => {
                        let _ = self.ui.launcher.button.focus();
                    }
                }
            }
            Effect::FocusError => {
                if let Some((field, _)) = self.state.errors.first() {
                    let _ = self.ui.field(*field).focus();
                }
            }
        }
    }
}
