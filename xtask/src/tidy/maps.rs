//! The code maps stay whole: every module a crate's `lib.rs` declares is named in that file's
//! `//!` map, and every module file of the crates is named in ARCHITECTURE.md's map.

use std::path::Path;

use super::lexer::{Lang, lex};
use super::{files, read, root};

/// The crates whose modules ARCHITECTURE.md maps, by their `src/` folder.
const MAPPED: &[&str] = &["functions/src", "shared/src", "widget/src", "xtask/src"];

/// The crates with a `lib.rs` holding a `//!` map.
const LIBRARIES: &[&str] = &["functions/src", "shared/src", "widget/src"];

/// The names of the modules a file declares with `mod x;` (any visibility), in order.
fn declared_modules(source: &str) -> Vec<String> {
    let code = lex(source, Lang::Rust).code;
    code.split(';')
        .filter_map(|statement| {
            let words: Vec<&str> = statement.split_whitespace().collect();
            match words.as_slice() {
                [.., "mod", name] if words.len() <= 3 || !statement.contains('{') => {
                    Some((*name).to_owned())
                }
                _ => None,
            }
        })
        .collect()
}

/// The leading `//!` lines of a file, joined.
fn module_doc(source: &str) -> String {
    source
        .lines()
        .take_while(|line| line.trim_start().starts_with("//!") || line.trim().is_empty())
        .filter_map(|line| line.trim_start().strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules of `source` (a `lib.rs`) its `//!` map does not name as `` `x` ``, `` `x.rs` ``
/// or `` `x/` ``.
fn unmapped_in_lib(source: &str) -> Vec<String> {
    let doc = module_doc(source);
    declared_modules(source)
        .into_iter()
        .filter(|name| {
            ![
                format!("`{name}`"),
                format!("`{name}.rs`"),
                format!("`{name}/`"),
            ]
            .iter()
            .any(|form| doc.contains(form))
        })
        .collect()
}

/// How ARCHITECTURE.md names a module file, by its path under its crate's `src/`:
/// `api/chat.rs` as itself, a folder module `crypto/password/mod.rs` as `crypto/password/`;
/// `None` for the crate roots (`lib.rs`, `main.rs`), which hold their own map.
fn map_name(relative: &str) -> Option<String> {
    match relative {
        "lib.rs" | "main.rs" => None,
        _ => Some(match relative.strip_suffix("mod.rs") {
            Some(folder) => folder.to_owned(),
            None => relative.to_owned(),
        }),
    }
}

/// The names missing from `document` (each looked for in backticks).
fn missing_from_map(document: &str, names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|name| !document.contains(&format!("`{name}`")))
        .cloned()
        .collect()
}

/// The map names of a crate's module files, sorted.
fn module_files(src: &Path) -> Vec<String> {
    let mut names: Vec<String> = files(src, &["rs"])
        .iter()
        .filter_map(|file| {
            let relative = file
                .strip_prefix(src)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            map_name(&relative)
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_module_is_in_its_lib_rs_map() {
    let mut missing = Vec::new();
    for src in LIBRARIES {
        let lib = read(&root().join(src).join("lib.rs"));
        assert!(
            !declared_modules(&lib).is_empty(),
            "{src}/lib.rs declares modules"
        );
        for name in unmapped_in_lib(&lib) {
            missing.push(format!("{src}/lib.rs: `{name}`"));
        }
    }
    assert!(
        missing.is_empty(),
        "modules missing from their lib.rs `//!` map: {missing:?}"
    );
}

#[test]
fn every_module_is_in_the_architecture_map() {
    let document = read(&root().join("ARCHITECTURE.md"));
    let mut missing = Vec::new();
    for src in MAPPED {
        for name in missing_from_map(&document, &module_files(&root().join(src))) {
            missing.push(format!("{src}: `{name}`"));
        }
    }
    assert!(
        missing.is_empty(),
        "{} module files missing from ARCHITECTURE.md's map (each named in backticks by its \
         path under its crate's src/, a folder module as `folder/`):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_map_rules_catch_what_they_look_for() {
    let lib = r#"//! The crate. Map:
//! - `state.rs` — the state.
//! - `views/` — the views.
//! - `api` — the client.

pub mod api;
mod state;
pub(crate) mod views;
pub mod chat;
#[cfg(test)]
mod tests {
    // mod not_a_declaration;
}
"#;
    assert_eq!(declared_modules(lib), ["api", "state", "views", "chat"]);
    assert_eq!(unmapped_in_lib(lib), ["chat"]);

    assert_eq!(map_name("api/chat.rs").as_deref(), Some("api/chat.rs"));
    assert_eq!(
        map_name("crypto/password/mod.rs").as_deref(),
        Some("crypto/password/")
    );
    assert_eq!(map_name("lib.rs"), None);
    let map = r#"## Code map
- `api/chat.rs` — the chat route.
- `crypto/password/` — hashing.
- status.rs, unquoted.
"#;
    let names: Vec<String> = ["api/chat.rs", "crypto/password/", "status.rs", "api/mcp.rs"]
        .map(str::to_owned)
        .to_vec();
    assert_eq!(missing_from_map(map, &names), ["status.rs", "api/mcp.rs"]);
}
