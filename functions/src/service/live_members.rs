//! Operators listening in a conversation's live room stay only while they are members of the
//! site: the room (`live_room`, Wasm only) tags each operator's socket with whom it listens as,
//! and checks those tags against `site_members` every `LIVE_MEMBERSHIP_CHECK_SECONDS`, closing
//! the sockets of people removed meanwhile. What can run on the host lives here: the tag, the
//! interval, and the check itself.

use std::collections::BTreeSet;

use crate::sql::site_members;
use crate::store::{Executor, StoreError};

/// Within a minute of their removal, a person's open pages stop hearing the site's chats.
pub const DEFAULT_CHECK_SECONDS: i64 = 60;

/// Longer would make offboarding slow, shorter than a second only costs D1 reads.
const CHECK_SECONDS_RANGE: std::ops::RangeInclusive<i64> = 1..=3600;

/// The interval between checks, in milliseconds, from the variable's value: a whole number of
/// seconds in range, else the default (a typo must not switch the check off).
pub fn check_interval_ms(var: Option<&str>) -> i64 {
    let seconds = var
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|s| CHECK_SECONDS_RANGE.contains(s))
        .unwrap_or(DEFAULT_CHECK_SECONDS);
    seconds * 1000
}

const TAG_PREFIX: &str = "member:";

/// Whom an operator's live socket listens as: checked again while it stays open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveMember {
    pub site_id: i64,
    pub operator_id: String,
}

/// The socket's tag (Hibernation API tags survive the object's eviction; its memory does not).
pub fn tag(member: &LiveMember) -> String {
    format!("{TAG_PREFIX}{}:{}", member.site_id, member.operator_id)
}

/// The member a tag names; `None` for any other tag.
pub fn from_tag(tag: &str) -> Option<LiveMember> {
    let (site, operator) = tag.strip_prefix(TAG_PREFIX)?.split_once(':')?;
    let operator_ok = !operator.is_empty() && operator.bytes().all(|b| b.is_ascii_hexdigit());
    Some(LiveMember {
        site_id: site.parse().ok()?,
        operator_id: operator.to_owned(),
    })
    .filter(|_| operator_ok)
}

/// Which of `members` are no longer members of their site: one batch of reads, one per
/// distinct member.
pub async fn departed<E: Executor>(
    db: &E,
    members: &[LiveMember],
) -> Result<Vec<LiveMember>, StoreError> {
    let distinct: Vec<&LiveMember> = members
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if distinct.is_empty() {
        return Ok(Vec::new());
    }
    let statements = distinct
        .iter()
        .map(|m| site_members::find(m.site_id, &m.operator_id))
        .collect();
    let results = db.batch(statements).await?;
    Ok(distinct
        .into_iter()
        .zip(results)
        .filter(|(_, rows)| rows.is_empty())
        .map(|(m, _)| m.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_names_its_member_and_nothing_else_parses() {
        let member = LiveMember {
            site_id: 7,
            operator_id: "0000000000000000000000000000000a".into(),
        };
        assert_eq!(from_tag(&tag(&member)), Some(member));
        for other in [
            "",
            "member:",
            "member:7",
            "member:x:ab",
            "member:7:",
            "visitor",
            "member:7:zz",
        ] {
            assert_eq!(from_tag(other), None, "{other:?}");
        }
    }

    #[test]
    fn the_interval_is_whole_seconds_in_range_or_the_default() {
        assert_eq!(check_interval_ms(None), 60_000);
        assert_eq!(check_interval_ms(Some("2")), 2_000);
        assert_eq!(check_interval_ms(Some(" 30 ")), 30_000);
        for bad in ["0", "-5", "1.5", "soon", "", "3601"] {
            assert_eq!(check_interval_ms(Some(bad)), 60_000, "{bad:?}");
        }
    }
}
