//! The JSON routes: the widget's public routes under `/api/v1/sites/{site}/…` (`tickets`: a
//! visitor's create, list and read; `chat`; `thread`), the bot tools over HTTP (`tools`) and
//! MCP (`mcp`), and the operators' API (`operator`). Each handler is thin over the services;
//! `app` dispatches to them. Nothing here imports `dashboard`, and nothing below imports this.

pub mod chat;
pub mod mcp;
pub mod operator;
pub mod operator_tools;
pub mod sync_hooks;
pub mod thread;
pub mod tickets;
pub mod tools;
pub mod unsubscribe;
