//! The Worker's small machinery, below every other room and importing none of them: the
//! bounded in-isolate map the caches are made of, the budgets for public writes (the
//! Rate Limiting binding's seam), and the log line with the request id.

pub mod aged_map;
pub mod log;
pub mod rate_limit;
