//! Settings pages.
