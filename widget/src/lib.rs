//! Placeholder; filled in by the widget issue.
