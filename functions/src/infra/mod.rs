//! The Worker's small machinery, below every other room and importing none of them: the
//! bounded in-isolate map the caches are made of, and the budgets for public writes (the
//! Rate Limiting binding's seam).

pub mod aged_map;
pub mod rate_limit;
