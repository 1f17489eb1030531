//! The views: one struct per part of the UI, owning its elements and its listeners. Each is
//! built once at mount and brought up to date with `render(&State, &Strings)`; none holds state
//! of its own beyond what the DOM needs (state lives in `state.rs`).

pub mod confirmation;
pub mod contact_prompt;
pub mod conversation;
pub mod field;
pub mod home;
pub mod launcher;
pub mod my_tickets;
pub mod panel;
pub mod thread;
pub mod ticket_form;
