//! README's external sync status tables say what the code does: each row of the pushed table
//! (ours → each platform's) and of the pulled table (theirs → the states of ours that agree,
//! and where a ticket that disagrees goes) is checked against `ticketbooth_shared::sync`, and
//! every state of ours and every status a push sends has its row. Users read the README, not
//! the match arms, so a mapping change that forgets the table fails here.

use ticketbooth_shared::sync::{Local, Platform, agreeing, remote_status};

use super::{read, root};

/// The cells of the table whose header row is `header` (cells trimmed, backticks dropped),
/// one `Vec` per row after the `|---|` line.
fn table(document: &str, header: &str) -> Vec<Vec<String>> {
    let mut lines = document.lines().skip_while(|line| line.trim() != header);
    assert!(
        lines.next().is_some(),
        "README has no table headed `{header}`"
    );
    lines
        .skip(1)
        .take_while(|line| line.trim_start().starts_with('|'))
        .map(|line| {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().replace('`', ""))
                .collect()
        })
        .collect()
}

/// Ours, as the tables write it (`Local::describe`).
fn local(words: &str) -> Local {
    Local::ALL
        .into_iter()
        .find(|l| l.describe() == words)
        .unwrap_or_else(|| panic!("`{words}` is not a state of ours (see Local::describe)"))
}

fn platform(name: &str) -> Platform {
    Platform::ALL
        .into_iter()
        .find(|p| p.name() == name)
        .unwrap_or_else(|| panic!("`{name}` is not a platform"))
}

const PUSHED: &str = "| Ticketbooth | Zendesk | Gorgias |";
const PULLED: &str =
    "| Platform | Their status | Agrees with ours (nothing changes) | Otherwise ours becomes |";

/// What is wrong with the pushed table's rows (empty: nothing).
fn pushed_problems(rows: &[Vec<String>], columns: &[Platform]) -> Vec<String> {
    let mut problems = Vec::new();
    for row in rows {
        let ours = local(&row[0]);
        for (platform, cell) in columns.iter().zip(&row[1..]) {
            let theirs = remote_status(*platform, ours);
            if cell != theirs {
                problems.push(format!(
                    "pushed {}: {} says `{cell}`, the code sends `{theirs}`",
                    ours.describe(),
                    platform.name()
                ));
            }
        }
    }
    for ours in Local::ALL {
        if !rows.iter().any(|row| local(&row[0]) == ours) {
            problems.push(format!("pushed: no row for {}", ours.describe()));
        }
    }
    problems
}

/// What is wrong with the pulled table's rows (empty: nothing).
fn pulled_problems(rows: &[Vec<String>]) -> Vec<String> {
    let mut problems = Vec::new();
    for row in rows {
        let (platform, theirs) = (platform(&row[0]), row[1].as_str());
        let Ok(set) = agreeing(platform, theirs) else {
            problems.push(format!(
                "pulled: {} has no status `{theirs}`",
                platform.name()
            ));
            continue;
        };
        let written: Vec<Local> = row[2].split(" · ").map(local).collect();
        if written != set {
            problems.push(format!(
                "pulled {} `{theirs}`: agrees with {:?} in the README, {:?} in the code",
                platform.name(),
                row[2],
                set.iter().map(|l| l.describe()).collect::<Vec<_>>()
            ));
        }
        if local(&row[3]) != set[0] {
            problems.push(format!(
                "pulled {} `{theirs}`: becomes `{}` in the README, `{}` in the code",
                platform.name(),
                row[3],
                set[0].describe()
            ));
        }
    }
    // Every status a push sends comes back some day: each has its row.
    for platform in Platform::ALL {
        for ours in Local::ALL {
            let theirs = remote_status(platform, ours);
            if !rows
                .iter()
                .any(|row| row[0] == platform.name() && row[1] == theirs)
            {
                problems.push(format!("pulled: no row for {} `{theirs}`", platform.name()));
            }
        }
    }
    problems
}

#[test]
fn readme_status_tables_match_the_mapping() {
    let readme = read(&root().join("README.md"));
    let pushed = table(&readme, PUSHED);
    let columns: Vec<Platform> = PUSHED
        .trim_matches('|')
        .split('|')
        .skip(1)
        .map(|name| platform(name.trim()))
        .collect();
    let mut problems = pushed_problems(&pushed, &columns);
    problems.extend(pulled_problems(&table(&readme, PULLED)));
    assert!(
        problems.is_empty(),
        "README's external sync tables disagree with shared/src/sync.rs:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_table_checks_catch_a_wrong_row() {
    let columns = [Platform::Zendesk, Platform::Gorgias];
    let document = format!(
        "{PUSHED}\n|---|---|---|\n| open | open | open |\n| resolved | closed | closed |\n\nafter\n"
    );
    let rows = table(&document, PUSHED);
    assert_eq!(rows.len(), 2, "the table ends at its last row");
    let problems = pushed_problems(&rows, &columns);
    assert!(
        problems.iter().any(|p| p.contains("says `closed`")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("no row for closed")),
        "{problems:?}"
    );

    let document = format!(
        "{PULLED}\n|---|---|---|---|\n| Zendesk | `hold` | pending, waiting on the customer | open |\n"
    );
    let problems = pulled_problems(&table(&document, PULLED));
    assert!(
        problems.iter().any(|p| p.contains("`hold`: agrees with")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`hold`: becomes `open`")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("no row for Zendesk `solved`")),
        "{problems:?}"
    );
}
