//! Architecture invariants as tests (rust-analyzer's "tidy" tests): rules ARCHITECTURE.md
//! states about the source tree, checked by reading it, so they hold as the code changes.
//! They run with the workspace's tests (`cargo test -p xtask`).

mod code_rules;
mod layers;
mod lexer;
mod maps;
mod readme_sync;
mod sql_rules;

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Every file under `dir` (recursively) whose name ends with one of `extensions`.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if extensions
                .iter()
                .any(|ext| path.extension().is_some_and(|e| e == *ext))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The code of a Rust file without its `#[cfg(test)]` module (which is always last, by
/// convention here): tests may hold SQL and markup that production code may not.
fn production_code(source: &str) -> &str {
    source
        .find("#[cfg(test)]\nmod tests")
        .map_or(source, |at| &source[..at])
}

/// The names in a `[section]` of a Cargo.toml (`name.workspace = true` or `name = …`).
fn dependency_names(manifest: &str, section: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == section;
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
            names.push(name.to_owned());
        }
    }
    names
}

#[test]
fn shared_does_no_io_and_depends_on_no_runtime() {
    // What the domain may use: derive and error macros, and id formats. Anything that reaches
    // a network, a file, a database, a clock or a browser does not belong in `shared`.
    // `jiff`: the SLA clock's time zones (shared/src/sla.rs), from its bundled tz database —
    // no zoneinfo files, and no clock read (its `now` is forbidden below).
    const ALLOWED: &[&str] = &["serde", "serde_json", "thiserror", "uuid", "jiff"];
    let manifest = read(&root().join("shared/Cargo.toml"));
    let names = dependency_names(&manifest, "[dependencies]");
    assert!(names.contains(&"serde".to_owned()), "parsed: {names:?}");
    for name in &names {
        assert!(
            ALLOWED.contains(&name.as_str()),
            "shared depends on `{name}`; shared is pure domain code (ARCHITECTURE.md)"
        );
    }
    for file in files(&root().join("shared/src"), &["rs"]) {
        let code = production_code(&read(&file)).to_owned();
        for forbidden in [
            "std::fs",
            "std::net",
            "std::time::SystemTime",
            "Timestamp::now",
            "Zoned::now",
            "std::env",
            "std::process",
        ] {
            assert!(
                !code.contains(forbidden),
                "{} uses {forbidden}; shared does no I/O",
                file.display()
            );
        }
    }
}

/// SQL statement openers, as they appear at the start of a string literal.
const SQL_OPENERS: &[&str] = &[
    "\"SELECT ",
    "\"INSERT ",
    "\"UPDATE ",
    "\"DELETE ",
    "\"WITH ",
    "\"REPLACE ",
    "\"CREATE ",
    "\"DROP ",
    "\"ALTER ",
];

#[test]
fn sql_text_lives_only_in_functions_src_sql() {
    let src = root().join("functions/src");
    let sql_dir = src.join("sql");
    let mut offenders = Vec::new();
    for file in files(&src, &["rs"]) {
        if file.starts_with(&sql_dir) {
            continue;
        }
        let source = read(&file);
        let code = production_code(&source);
        // Case-sensitive: SQL here is written in capitals ("Delete tickets" is a page title).
        for opener in SQL_OPENERS {
            if code.contains(opener) {
                offenders.push(format!("{} ({})", file.display(), opener.trim_matches('"')));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "SQL text outside functions/src/sql/: {offenders:?}"
    );
}

#[test]
fn sql_statements_bind_parameters_and_never_format_text() {
    // Values may be formatted (a LIKE pattern is built, then bound); SQL text may not.
    for file in files(&root().join("functions/src/sql"), &["rs"]) {
        let source = read(&file);
        let code = production_code(&source);
        for builder in ["format!(", "push_str(", "String::from(", "to_string() +"] {
            for (at, _) in code.match_indices(builder) {
                let call: String = code[at..].chars().take(120).collect();
                let call = call
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                assert!(
                    !SQL_KEYWORDS.iter().any(|k| call.contains(k)),
                    "{} builds SQL text at runtime: {call}",
                    file.display()
                );
            }
        }
    }
}

/// Words that only SQL text holds.
const SQL_KEYWORDS: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE ", " WHERE ", " FROM ",
];

#[test]
fn visitor_selects_go_through_the_visitor_column_list() {
    // A visitor route reads a ticket only through `visitor_columns!()`, so nothing internal
    // (assignee, priority, requester, notes) is even selected. The SQL functions for visitor
    // routes are named for them.
    let source = read(&root().join("functions/src/sql/tickets.rs"));
    let code = production_code(&source);
    let mut checked = 0;
    for function in code.split("\npub fn ").skip(1) {
        let name = function.split('(').next().unwrap_or_default();
        let body = function.split("\n}\n").next().unwrap_or_default();
        if (name.contains("visitor") || name.contains("idempotency")) && body.contains("SELECT") {
            checked += 1;
            assert!(
                body.contains("visitor_columns!()"),
                "sql::tickets::{name} selects for a visitor without visitor_columns!()"
            );
            assert!(
                !body.contains("SELECT *") && !body.contains(".*"),
                "sql::tickets::{name} selects every column"
            );
        }
    }
    assert!(
        checked >= 3,
        "found only {checked} visitor selects; did names change?"
    );
}

#[test]
fn the_widget_writes_no_inline_style() {
    // A strict CSP (no 'unsafe-inline' styles) must keep working on host pages: the widget
    // styles itself only through constructable stylesheets.
    let mut offenders = Vec::new();
    for file in files(&root().join("widget/src"), &["rs", "js"]) {
        let source = read(&file);
        let code = production_code(&source);
        for forbidden in [
            "style().set_css_text",
            ".style.cssText",
            "set_attribute(\"style\"",
            "setAttribute('style'",
            "setAttribute(\"style\"",
            "cssText",
            "createElement('style')",
            "create_element(\"style\")",
            "insertRule",
        ] {
            if code.contains(forbidden) {
                offenders.push(format!("{}: {forbidden}", file.display()));
            }
        }
    }
    // Setting a custom property through the CSSOM (`style.setProperty('--tb-accent', …)`) is
    // allowed: CSP governs style attributes and elements, not CSSOM writes, and it is how the
    // loader applies `data-accent` without building CSS text from an attribute.
    let loader = read(&root().join("widget/loader.js"));
    for forbidden in [
        "innerHTML",
        "setAttribute(\"style\"",
        "createElement(\"style\")",
        "setAttribute('style'",
        "createElement('style')",
        "cssText",
    ] {
        if loader.contains(forbidden) {
            offenders.push(format!("widget/loader.js: {forbidden}"));
        }
    }
    assert!(offenders.is_empty(), "inline style writes: {offenders:?}");
}

/// The calls that read the Worker's secrets and variables (`Env::secret`, `Env::var`), each with
/// what follows its opening parenthesis.
fn env_reads(code: &str) -> Vec<&str> {
    [".secret(", ".var("]
        .iter()
        .flat_map(|call| {
            code.match_indices(call)
                .map(move |(at, _)| &code[at + call.len()..])
        })
        .collect()
}

#[test]
fn worker_secrets_are_read_by_fixed_names() {
    // Issue 18: a site's bot named `VISITOR_TOKEN_SECRET` as "its key", and the Worker sent it
    // to the site's URL. The Worker reads its own secrets and variables by literal names only,
    // never by a name that tenant data (or anything computed) supplies.
    let mut reads = 0;
    for file in files(&root().join("functions/src"), &["rs"]) {
        let source = read(&file);
        for rest in env_reads(production_code(&source)) {
            reads += 1;
            assert!(
                rest.trim_start().starts_with('"'),
                "{}: a Worker secret or variable read by a computed name: ({}",
                file.display(),
                rest.lines().next().unwrap_or_default()
            );
        }
    }
    assert!(reads >= 4, "found the Worker's reads ({reads})");
}

#[test]
fn the_rules_catch_what_they_look_for() {
    // The checks above must be able to fail: each one's pattern, on a made-up offender.
    let code = "let s = Statement::new(\"SELECT id FROM t\", vec![]);";
    assert!(SQL_OPENERS.iter().any(|o| code.contains(o)));
    assert!(
        !SQL_OPENERS
            .iter()
            .any(|o| "layout(\"Delete tickets\")".contains(o))
    );
    let manifest =
        "[dependencies]\nserde.workspace = true\nworker = \"0.8\"\n[dev-dependencies]\nx = 1\n";
    assert_eq!(
        dependency_names(manifest, "[dependencies]"),
        ["serde", "worker"]
    );
    let built = "format!(\"SELECT {} FROM t\", x)".to_ascii_uppercase();
    assert!(SQL_KEYWORDS.iter().any(|k| built.contains(k)));
    let with_tests = "fn a() {}\n#[cfg(test)]\nmod tests { \"SELECT \" }";
    assert_eq!(production_code(with_tests), "fn a() {}\n");
    let reads = env_reads("env.secret(&settings.api_key_secret); env.var(\n \"X\")");
    assert!(!reads[0].trim_start().starts_with('"'));
    assert!(reads[1].trim_start().starts_with('"'));
}

#[test]
fn the_outbound_development_allowance_never_ships_in_wrangler_toml() {
    // `[vars]` ship to production; the allowance (plain http to loopback, private addresses
    // for tenants' URLs) is passed by `cargo xtask dev` and the test harness only.
    let toml = read(&root().join("wrangler.toml"));
    let set: Vec<&str> = toml
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#') && line.contains("OUTBOUND_ALLOW_LOOPBACK_HTTP"))
        .collect();
    assert!(
        set.is_empty(),
        "wrangler.toml sets the development allowance: {set:?}"
    );
}

/// What a source file names through the `sql` module, each as it appears: the item after
/// `sql::<table>::` (or each one of its `{…}` group), or `<table>::` when a path names the
/// table's module (`sql::sites as x`, `sql::notifications::{self, …}`), or `sql::` for the
/// module itself (`use crate::sql;`). Comment lines are skipped; a `use` may span lines.
fn sql_names(code: &str) -> Vec<String> {
    fn ident(s: &str) -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    }
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| [l, "\n"])
        .collect();
    let mut names = Vec::new();
    for (at, _) in code.match_indices("sql") {
        let before = code[..at].trim_end();
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &code[at + 3..];
        let Some(rest) = rest.strip_prefix("::") else {
            // `sql` alone is the module imported whole: `use crate::sql;`, `use crate::{sql, …}`.
            let statement = before
                .rfind([';', '}'])
                .map_or(before, |end| &before[end + 1..])
                .trim_start();
            let in_use = statement.starts_with("use ") || statement.starts_with("pub use ");
            let whole = before.ends_with("crate::")
                || (in_use && (before.ends_with('{') || before.ends_with(',')));
            if whole && ident(rest).is_empty() {
                names.push("sql::".to_owned());
            }
            continue;
        };
        let table = ident(rest);
        let Some(item) = rest[table.len()..].strip_prefix("::") else {
            names.push(format!("{table}::"));
            continue;
        };
        match item.strip_prefix('{') {
            Some(group) => {
                let group = group.split('}').next().unwrap_or_default();
                for name in group.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let name = ident(name);
                    names.push(if name == "self" {
                        format!("{table}::")
                    } else {
                        name
                    });
                }
            }
            None => names.push(ident(item)),
        }
    }
    names
}

#[test]
fn statements_run_only_through_the_services() {
    // Routes, integrations, the context and the platform adapters may name a table's read
    // model (`sql::<table>::…Row`) to show it, never a statement function: what runs SQL is a
    // service (or `sql`, `store` themselves), so each write stays one reviewed batch.
    let caught = sql_names(
        "use crate::sql::notifications::{\n    self,\n    RecentRow,\n};\n\
         use crate::sql::sites as s;\nuse crate::{\n    http, sql};\n\
         // sql::tickets::insert in a comment\n\
         let r = crate::sql::tickets::find(1);\nuse crate::sql::tickets::ListRow;\n\
         use crate::store::sqlite::X;\nlet n = f(mysql::a, sql);",
    );
    assert_eq!(
        caught,
        [
            "notifications::",
            "RecentRow",
            "sites::",
            "sql::",
            "find",
            "ListRow"
        ]
    );
    let src = root().join("functions/src");
    let allowed = ["service", "sql", "store"].map(|room| src.join(room));
    let mut offenders = Vec::new();
    let mut rows = 0;
    for file in files(&src, &["rs"]) {
        if allowed.iter().any(|room| file.starts_with(room)) {
            continue;
        }
        for name in sql_names(production_code(&read(&file))) {
            if name.ends_with("Row") {
                rows += 1;
            } else {
                offenders.push(format!("{}: sql::…{name}", file.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "statements built or run outside service/ (name only `sql::<table>::…Row` there): \
         {offenders:?}"
    );
    assert!(
        rows >= 5,
        "found only {rows} read models named; did paths change?"
    );
}
