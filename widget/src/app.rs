//! The running widget: mounts the Shadow DOM and the views, owns the `State`, and runs the
//! message loop — `dispatch(msg)` → `update` → render → effects (storage, network, focus,
//! DOM events). Answers from the network come back through `dispatch` as messages.

use std::cell::{Cell, UnsafeCell};

use wasm_bindgen::prelude::*;

use crate::api::{self, Endpoint};
use crate::dom::{Js, Listener, attr, show};
use crate::i18n::{self, Strings};
use crate::js::{self, Callback, callback, get, get_text};
use crate::json;
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

/// The widget's one instance and its message queue.
///
/// A plain static, not `thread_local!` + `RefCell`: wasm32-unknown-unknown (no atomics) has one
/// thread and JS never preempts a running Wasm call, so the only hazard is re-entrancy, which
/// `busy` rules out: `drain` is the only code that borrows `app` mutably, and a `dispatch`
/// made while it runs (a listener fired by `focus()` during an update) only queues its message.
/// This keeps RefCell's and TLS's panic paths out of the Wasm (measured ~0.5 KB brotli).
struct Global {
    mounted: Cell<bool>,
    app: UnsafeCell<Option<App>>,
    queue: UnsafeCell<Vec<Msg>>,
    busy: Cell<bool>,
}

// SAFETY: one thread (see above); nothing here is ever touched from another.
unsafe impl Sync for Global {}

static GLOBAL: Global = Global {
    mounted: Cell::new(false),
    app: UnsafeCell::new(None),
    queue: UnsafeCell::new(Vec::new()),
    busy: Cell::new(false),
};

/// Hands a message to the widget. Safe to call from anywhere, including from inside an update
/// (a listener fired by a focus change): the message waits its turn in the queue.
pub fn dispatch(msg: Msg) {
    // SAFETY: no reference into the queue is held anywhere while this runs (`drain` takes the
    // queue's contents out before handling them).
    unsafe { (*GLOBAL.queue.get()).push(msg) };
    // SAFETY: a shared read; only `mount` writes `app`, with `busy` set.
    let ready = unsafe { (*GLOBAL.app.get()).is_some() };
    // Before the app exists (while `mount` builds it) messages just wait.
    if ready && !GLOBAL.busy.replace(true) {
        drain();
        GLOBAL.busy.set(false);
    }
}

/// Handles queued messages until none is left. Only called with `busy` set by its caller.
fn drain() {
    loop {
        // SAFETY: as in `dispatch`.
        let batch = unsafe { std::mem::take(&mut *GLOBAL.queue.get()) };
        if batch.is_empty() {
            return;
        }
        for msg in batch {
            // SAFETY: `busy` is set, so this is the only live reference to the app.
            if let Some(app) = unsafe { (*GLOBAL.app.get()).as_mut() } {
                app.handle(msg);
            }
        }
    }
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
    fn render(&mut self, state: &State, s: &Strings) {
        self.launcher.render(state.open, s);
        self.panel.render(state, s);
        show(&self.home.root, state.screen == Screen::Home);
        show(&self.contact.root, state.screen == Screen::Contact);
        show(&self.form.root, state.screen == Screen::Form);
        show(&self.done.root, matches!(state.screen, Screen::Done { .. }));
        show(&self.tickets.root, state.screen == Screen::Tickets);
        self.home.render(state, s);
        self.contact.render(state, s);
        self.form.render(state, s);
        self.done.render(state);
        self.tickets.render(state, s);
    }

    /// The control a screen starts on.
    fn entry(&self, state: &State) -> &Js {
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

    fn field(&self, field: Field) -> &Js {
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
    host: Js,
    ui: Ui,
    /// Where focus was when the panel opened (given back on close); `None` while closed.
    opened_from: Option<Js>,
    _window: [Listener; 2],
    /// Behind `window.Ticketbooth`'s methods.
    host_api_fn: Callback,
}

/// Builds the widget into the page once; see `crate::mount`.
///
/// The loader (`www/widget.js`) has already drawn the host element, its shadow root, the
/// `.tb` root and the launcher button, so the launcher was on screen before this Wasm was even
/// fetched; this takes them over: adds the full stylesheet, wires the launcher, builds the
/// panel and its screens, reads storage, and starts the loop. Clicks on the launcher and calls
/// on `window.Ticketbooth` made before now were queued by the loader and are replayed here.
pub fn mount(options: &Js, host_api: &Js, launcher: &Js) {
    if GLOBAL.mounted.replace(true) {
        return;
    }
    let site = get_text(options, "site");
    if site.is_empty() {
        js::warn("Ticketbooth: the script tag needs data-site");
        return;
    }
    let parts = js::adopt(launcher, CSS);
    let (host, shadow, root) = (get(&parts, "0"), get(&parts, "1"), get(&parts, "2"));
    let strings = i18n::strings(&get_text(options, "locale"));
    attr(&root, "lang", Some(strings.lang));
    // The loader always passes `api` (the data-api attribute, else the script's own origin).
    let endpoint = Endpoint {
        api: get_text(options, "api"),
        site,
    };
    // The site's config first: its answer waits in the queue if it comes before the app.
    api::config(&endpoint, |config| dispatch(Msg::ConfigLoaded(config)));

    let launcher = Launcher::new(launcher);
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
    };

    let store = Store::new(&endpoint.site);
    let online = js::online();
    let (state, effects) = State::new(
        store.contact(),
        store.draft(),
        store.token().is_some(),
        online,
    );
    let window = js::win();
    let _window = [
        Listener::new(&window, "online", |_| dispatch(Msg::Online)),
        Listener::new(&window, "offline", |_| dispatch(Msg::Offline)),
    ];
    let host_api_fn = callback(Box::new(|call: JsValue| {
        if let Some(msg) = host_call(&call) {
            dispatch(msg);
        }
    }));

    let ready = host.clone();
    let mut app = App {
        state,
        strings,
        endpoint,
        store,
        host,
        ui,
        opened_from: None,
        _window,
        host_api_fn,
    };
    app.ui.render(&app.state, app.strings);
    GLOBAL.busy.set(true);
    // SAFETY: `busy` is set and no other reference to the app exists yet.
    let slot = unsafe { &mut *GLOBAL.app.get() };
    let app = slot.insert(app);
    for effect in effects {
        app.run(effect);
    }
    // Calls made on window.Ticketbooth before now (launcher clicks included), in order, then
    // the real methods.
    js::drain(host_api, &app.host_api_fn);
    js::expose(host_api, "open close openTicket identify", &app.host_api_fn);
    if get(options, "open").as_bool() == Some(true) {
        dispatch(Msg::Show);
    }
    drain();
    GLOBAL.busy.set(false);
    // The signal that the widget runs (`data-ready` on the host): tests and the bench wait on it.
    js::ready(&ready);
}

/// A `[name, argument]` call on `window.Ticketbooth` as a message.
fn host_call(call: &Js) -> Option<Msg> {
    let arg = get(call, "1");
    Some(match get_text(call, "0").as_str() {
        "open" => Msg::Open,
        "close" => Msg::Close,
        "openTicket" => Msg::Prefill {
            subject: get_text(&arg, "subject"),
            description: get_text(&arg, "description"),
            transcript: json::transcript_from_js(&get(&arg, "transcript")),
        },
        "identify" => Msg::Identify(Contact {
            name: get_text(&arg, "name"),
            email: get_text(&arg, "email"),
        }),
        _ => return None,
    })
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
                let (draft, contact) = (&self.state.draft, self.state.contact.as_ref());
                let token = self.store.token();
                api::create(
                    &self.endpoint,
                    draft,
                    contact,
                    token.as_deref(),
                    |outcome| dispatch(Msg::Sent(outcome)),
                );
            }
            Effect::FetchTickets => match self.store.token() {
                None => dispatch(Msg::TicketsLoaded(Some(Vec::new()))),
                Some(token) => api::tickets(&self.endpoint, &token, |rows| {
                    dispatch(Msg::TicketsLoaded(rows))
                }),
            },
            Effect::Announce { code } => js::emit(&self.host, &code),
            Effect::FocusPanel => {
                if self.opened_from.is_none() {
                    self.opened_from = Some(js::active());
                }
                js::focus(self.ui.entry(&self.state));
            }
            Effect::RestoreFocus => {
                let from = self.opened_from.take().unwrap_or(JsValue::NULL);
                js::restore(&from, &self.host, &self.ui.launcher.button);
            }
            Effect::FocusError => {
                // The first refused field in the order the visitor reads them.
                if let Some(field) = Field::ALL
                    .into_iter()
                    .find(|f| self.state.error_for(*f).is_some())
                {
                    js::focus(self.ui.field(field));
                }
            }
        }
    }
}
