//! Rules on the SQL text in `functions/src/sql/`: no `OFFSET` paging, and every statement on a
//! tenant table (one with a `site_id` column, read from the migrations) names `site_id`.

use std::collections::BTreeSet;

use super::lexer::{Lang, has_word, lex};
use super::{files, production_code, read, root};

/// Statements on tenant tables that cannot name `site_id`, by module and function, each with
/// why. Everything else on a tenant table names it.
const WITHOUT_SITE_ID: &[(&str, &str, &str)] = &[
    // A help desk's webhook names its connection by id in its URL, with no session: the row
    // (and its site) is read first, and the signature checked with its secret admits it.
    (
        "sync_connections",
        "by_id_for_hook",
        "a webhook's connection by id, read to check its signature; it names the site",
    ),
    // The SLA breach sweep runs over every site at once (the Cron Trigger); each ticket is
    // reached through its own site (`JOIN tickets t ON t.site_id = s.id`).
    (
        "tickets",
        "mark_sla_breaches",
        "the Cron Trigger's breach sweep over every site, each ticket joined to its site",
    ),
    // By a globally unique hashed secret, before (or without needing) the site.
    (
        "bot_keys",
        "touch",
        "a bot key by its hash, which names the site itself",
    ),
    (
        "operator_tokens",
        "touch",
        "an API token by its hash, which names the site itself",
    ),
    (
        "sessions",
        "touch",
        "a session by its id's hash; sessions belong to a person",
    ),
    (
        "sessions",
        "touch_if_due",
        "a session by its id's hash; sessions belong to a person",
    ),
    (
        "sessions",
        "delete",
        "signing out: a session by its id's hash",
    ),
    (
        "operators",
        "insert_invitee",
        "an invitation by its token's hash, before any session",
    ),
    (
        "operators",
        "set_first_password",
        "an invitation by its token's hash, before any session",
    ),
    // A person's sessions, across the sites they are a member of (their site_id is the site
    // in view, not an owner).
    (
        "sessions",
        "delete_all_of_operator",
        "sign out everywhere: every site's sessions",
    ),
    (
        "sessions",
        "delete_others_after_password_change",
        "a password is the person's, not a site's",
    ),
    (
        "sessions",
        "delete_expired_of",
        "a person's expired sessions, at their sign-in",
    ),
    // The webhook Queue's consumer, by a notification's id (a UUID); the message names no site.
    (
        "notifications",
        "unqueue",
        "a notification by its id, for the Queue's producer",
    ),
    (
        "notifications",
        "record_attempt",
        "a notification by its id, for the Queue's consumer",
    ),
    // A new site has no id yet: the rule is that its creator owns a site already, any site.
    (
        "sites",
        "insert_by_owner",
        "the creator owns some site; the new one has no id yet",
    ),
    // The scheduled purges (`service::maintenance`): by age, across every site.
    (
        "conversations",
        "delete_expired",
        "scheduled purge by age, every site",
    ),
    (
        "messages",
        "delete_expired",
        "scheduled purge by age, every site",
    ),
    (
        "idempotency_keys",
        "delete_claimed_before",
        "scheduled purge by age, every site",
    ),
    (
        "invitations",
        "delete_expired",
        "scheduled purge by age, every site",
    ),
    (
        "notifications",
        "delete_settled_before",
        "scheduled purge by age, every site",
    ),
    (
        "sessions",
        "delete_expired",
        "scheduled purge by age, every person",
    ),
];

/// The tables with a `site_id` column, from the migrations' SQL (`CREATE TABLE`, `ALTER TABLE …
/// ADD COLUMN site_id`, and renames).
fn tenant_tables(migrations: &[String]) -> BTreeSet<String> {
    let mut tenant = BTreeSet::new();
    for migration in migrations {
        let sql: String = migration
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        for statement in sql.split(';') {
            let words: Vec<&str> = statement.split_whitespace().collect();
            let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
            let is = |at: usize, keyword: &str| upper.get(at).is_some_and(|w| w == keyword);
            if is(0, "CREATE") && is(1, "TABLE") {
                let name_at = if is(2, "IF") { 5 } else { 2 };
                let Some(name) = words.get(name_at) else {
                    continue;
                };
                let name = name.split('(').next().unwrap_or_default();
                let Some(open) = statement.find('(') else {
                    continue;
                };
                let columns = &statement[open + 1..];
                let has_site_id = top_level_items(columns)
                    .iter()
                    .any(|column| column.split_whitespace().next() == Some("site_id"));
                if has_site_id {
                    tenant.insert(name.to_owned());
                }
            } else if is(0, "ALTER") && is(1, "TABLE") {
                let name = words.get(2).copied().unwrap_or_default();
                let added = if is(4, "COLUMN") {
                    words.get(5)
                } else {
                    words.get(4)
                };
                if is(3, "ADD") && added == Some(&"site_id") {
                    tenant.insert(name.to_owned());
                } else if is(3, "RENAME") && is(4, "TO") && tenant.contains(name) {
                    let new_name = words.get(5).copied().unwrap_or_default();
                    tenant.insert(new_name.to_owned());
                }
            }
        }
    }
    tenant
}

/// A column list split at its top-level commas.
fn top_level_items(list: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => break,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(list[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(list[start..].split(')').next().unwrap_or_default().trim());
    items
}

/// The tenant tables a piece of SQL reads or writes (named after FROM, JOIN, INTO or UPDATE).
fn tables_used<'a>(sql: &str, tenant: &'a BTreeSet<String>) -> Vec<&'a str> {
    let words: Vec<String> = sql
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let mut used = Vec::new();
    for pair in words.windows(2) {
        let keyword = pair[0].to_ascii_uppercase();
        if matches!(keyword.as_str(), "FROM" | "JOIN" | "INTO" | "UPDATE")
            && let Some(table) = tenant.get(&pair[1])
            && !used.contains(&table.as_str())
        {
            used.push(table.as_str());
        }
    }
    used
}

/// The name of the top-level item (`fn`, `const`, `static`, `macro_rules!`) a byte offset of
/// `code` falls in: the last item opened at the start of a line before it.
fn item_at(code: &str, at: usize) -> String {
    let mut name = String::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        if offset > at {
            break;
        }
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!'))
            .filter(|w| !w.is_empty())
            .collect();
        if !line.starts_with([' ', '\t', '}', '\n']) {
            let keyword = words
                .iter()
                .position(|w| matches!(*w, "fn" | "const" | "static" | "macro_rules!"));
            if let Some(name_at) = keyword.and_then(|k| words.get(k + 1)) {
                name = (*name_at).to_owned();
            }
        }
        offset += line.len();
    }
    name
}

/// The string literals of a module's production code that are SQL on a tenant table without
/// `site_id`, as `(function, line, tables)`.
fn tenant_statements_without_site_id(
    source: &str,
    tenant: &BTreeSet<String>,
) -> Vec<(String, usize, Vec<String>)> {
    let code = production_code(source);
    let lexed = lex(code, Lang::Rust);
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(code.match_indices('\n').map(|(at, _)| at + 1))
        .collect();
    let mut found = Vec::new();
    for (line, literal) in &lexed.strings {
        let tables = tables_used(literal, tenant);
        if tables.is_empty() || has_word(literal, "site_id") {
            continue;
        }
        let item = item_at(&lexed.code, line_starts[line - 1]);
        found.push((
            item,
            *line,
            tables.iter().map(|t| (*t).to_owned()).collect(),
        ));
    }
    found
}

/// The string literals of a module's production code that page with `OFFSET`, by line.
fn offset_lines(source: &str) -> Vec<usize> {
    let code = production_code(source);
    lex(code, Lang::Rust)
        .strings
        .into_iter()
        .filter(|(_, literal)| has_word(&literal.to_ascii_uppercase(), "OFFSET"))
        .map(|(line, _)| line)
        .collect()
}

fn migrations() -> Vec<String> {
    files(&root().join("migrations"), &["sql"])
        .iter()
        .map(|file| read(file))
        .collect()
}

#[test]
fn sql_pages_by_keyset_never_by_offset() {
    let mut offenders = Vec::new();
    for file in files(&root().join("functions/src/sql"), &["rs"]) {
        for line in offset_lines(&read(&file)) {
            let name = file
                .strip_prefix(root())
                .unwrap_or(&file)
                .display()
                .to_string();
            offenders.push(format!("{name}:{line}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "OFFSET in SQL (page by keyset): {offenders:?}"
    );
}

#[test]
fn statements_on_tenant_tables_name_site_id() {
    let tenant = tenant_tables(&migrations());
    for table in [
        "tickets",
        "ticket_events",
        "site_members",
        "conversation_messages",
    ] {
        assert!(tenant.contains(table), "tenant tables read: {tenant:?}");
    }
    assert!(!tenant.contains("sites") && !tenant.contains("operators"));
    let sql = root().join("functions/src/sql");
    for (module, function, _) in WITHOUT_SITE_ID {
        let source = read(&sql.join(format!("{module}.rs")));
        assert!(
            source.contains(&format!("fn {function}(")),
            "the allow-list names sql::{module}::{function}, which is gone: drop it"
        );
    }
    let mut offenders = Vec::new();
    for file in files(&sql, &["rs"]) {
        let module = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for (item, line, tables) in tenant_statements_without_site_id(&read(&file), &tenant) {
            if WITHOUT_SITE_ID
                .iter()
                .any(|(m, f, _)| *m == module && *f == item)
            {
                continue;
            }
            offenders.push(format!(
                "sql::{module}::{item} (line {line}) on {}",
                tables.join(", ")
            ));
        }
    }
    assert!(
        offenders.is_empty(),
        "SQL on tenant tables without site_id (scope it, or allow-list it in \
         xtask/src/tidy/sql_rules.rs with the reason):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_sql_rules_catch_what_they_look_for() {
    let migrations = [r#"-- site_id in a comment
CREATE TABLE a (
  id INTEGER,
  site_id INTEGER NOT NULL,
  CHECK (x IN (1, 2))
);
CREATE TABLE b (id INTEGER, other_site_id INTEGER);
CREATE TABLE c (id TEXT);
ALTER TABLE c ADD COLUMN site_id INTEGER;
CREATE TABLE d_new (site_id INTEGER);
ALTER TABLE d_new RENAME TO d;
"#
    .to_owned()];
    let tenant = tenant_tables(&migrations);
    assert_eq!(
        tenant.iter().map(String::as_str).collect::<Vec<_>>(),
        ["a", "c", "d", "d_new"]
    );
    let source = r#"//! m

pub fn scoped(id: i64) -> Statement {
    Statement::new("SELECT x FROM a WHERE site_id = ?1", vec![])
}

pub fn unscoped() -> Statement {
    // FROM a, in a comment
    Statement::new(
        "DELETE FROM a
         WHERE id = ?1",
        vec![],
    )
}

pub fn other_table() -> Statement {
    Statement::new("UPDATE b SET x = 1", vec![])
}

const PAGE: &str = "SELECT * FROM d ORDER BY id LIMIT 10 offset 20";
/// No OFFSET here: a comment.
"#;
    let found = tenant_statements_without_site_id(source, &tenant);
    assert_eq!(
        found,
        [
            ("unscoped".to_owned(), 10, vec!["a".to_owned()]),
            ("PAGE".to_owned(), 20, vec!["d".to_owned()]),
        ]
    );
    assert_eq!(offset_lines(source), [20]);
}
