//! The Worker's layers: `functions/src` is split into rooms by purpose (its top-level modules),
//! and each room imports only from the rooms below it; no import circle joins its files.

use std::collections::{BTreeMap, BTreeSet};

use super::lexer::{Lang, lex};
use super::{files, production_code, read, root};

/// The rooms, top to bottom, each with its rank: a room may import only from rooms of a higher
/// rank. Rooms of equal rank are siblings and import nothing from each other (`api` and
/// `dashboard`; `crypto` and `infra`, which import nothing from the Worker at all).
const ROOMS: &[(&str, u8)] = &[
    ("platform", 0),
    ("app", 1),
    ("api", 2),
    ("dashboard", 2),
    ("context", 3),
    ("integrations", 4),
    ("http", 5),
    ("service", 6),
    ("sql", 7),
    ("store", 8),
    ("crypto", 9),
    ("infra", 9),
];

/// One source file of the crate: its module path (`api::chat`; `api` for `api/mod.rs`), how to
/// name it in a message, and its text.
pub struct SourceFile {
    pub module: String,
    pub name: String,
    pub text: String,
}

/// The module path of a file, from its path under `src/` (`api/mod.rs` → `api`).
fn module_path(relative: &str) -> String {
    let trimmed = relative.trim_end_matches(".rs");
    let mut parts: Vec<&str> = trimmed.split('/').collect();
    if matches!(parts.last(), Some(&"mod") | Some(&"lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// Every path a file's code names in this crate, as written and resolved to absolute segments
/// (without the leading `crate`): `use` trees expanded, and inline `crate::`, `super::` and
/// `self::` paths. A `use` may also name one of the file's own child modules bare (`use
/// error::ApiError` in `http/mod.rs`); `modules` tells those from external crates.
fn crate_paths(module: &str, code: &str, modules: &BTreeSet<String>) -> Vec<(String, Vec<String>)> {
    let here: Vec<String> = module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let mut found = Vec::new();
    let mut rest = code.to_owned();
    // `use` statements first, blanked once read, so their paths are not read twice.
    let uses: Vec<usize> = super::lexer::word_positions(code, "use").collect();
    for at in uses {
        let Some(len) = code[at..].find(';') else {
            continue;
        };
        let statement = &code[at + 3..at + len];
        rest.replace_range(at..at + len, &" ".repeat(len));
        for path in expand_use_tree(statement) {
            let first = path.split("::").next().unwrap_or_default();
            let child = format!("{module}::{first}");
            let resolved = if matches!(first, "crate" | "super" | "self" | "$crate") {
                resolve(&here, &path)
            } else if !module.is_empty() && modules.contains(&child) {
                resolve(&here, &format!("self::{path}"))
            } else {
                None
            };
            if let Some(resolved) = resolved {
                found.push((path, resolved));
            }
        }
    }
    for start in ["crate::", "super::", "self::"] {
        for at in super::lexer::word_positions(&rest, start) {
            let path: String = rest[at..]
                .chars()
                .take_while(|&c| c.is_alphanumeric() || c == '_' || c == ':')
                .collect();
            let path = path.trim_end_matches(':').to_owned();
            if let Some(resolved) = resolve(&here, &path) {
                found.push((path, resolved));
            }
        }
    }
    found
}

/// `crate::a::b`, `super::x`, `self::y` from the module `here`, as absolute segments.
fn resolve(here: &[String], path: &str) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut absolute: Vec<String> = match segments.peek().copied() {
        Some("crate" | "$crate") => {
            segments.next();
            Vec::new()
        }
        Some("self" | "super") => here.to_vec(),
        _ => return None,
    };
    while let Some(&segment) = segments.peek() {
        match segment {
            "self" => {}
            "super" => {
                absolute.pop()?;
            }
            _ => break,
        }
        segments.next();
    }
    absolute.extend(segments.map(str::to_owned));
    Some(absolute)
}

/// The paths of a `use` tree (the text between `use` and `;`): `a::{b, c::{d as e}, self}` →
/// `a::b`, `a::c::d`, `a`.
fn expand_use_tree(tree: &str) -> Vec<String> {
    fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
        for item in split_top_level(tree) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let join = |tail: &str| {
                if prefix.is_empty() {
                    tail.to_owned()
                } else if tail.is_empty() {
                    prefix.to_owned()
                } else {
                    format!("{prefix}::{tail}")
                }
            };
            if let Some(open) = item.find('{') {
                let head = item[..open].trim().trim_end_matches("::").trim();
                let inner = item[open + 1..].trim_end().trim_end_matches('}');
                expand(&join(head), inner, out);
            } else {
                let path = item.split_whitespace().next().unwrap_or_default();
                let path: String = path.chars().filter(|c| !c.is_whitespace()).collect();
                match path.as_str() {
                    "self" | "*" => out.push(join("")),
                    _ => out.push(join(path.trim_end_matches("::*"))),
                }
            }
        }
    }
    let mut out = Vec::new();
    let tree: String = tree
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" :: ", "::")
        .replace(":: ", "::");
    expand("", &tree, &mut out);
    out
}

/// `tree` split at the commas outside braces.
fn split_top_level(tree: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in tree.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&tree[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&tree[start..]);
    parts
}

/// The longest prefix of `segments` that is a module of the crate (`""` for the crate root).
fn module_of(segments: &[String], modules: &BTreeSet<String>) -> String {
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
        .unwrap_or_default()
}

fn rank(room: &str) -> Option<u8> {
    ROOMS
        .iter()
        .find(|(name, _)| *name == room)
        .map(|&(_, r)| r)
}

fn room_of(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

/// What breaks the layers among `sources` (files of one crate): a top-level module missing from
/// the order, an import from a room not below the importer's, and import circles between files
/// (a child naming its own ancestor is not an edge: that is how a Rust folder uses its items).
pub fn layer_violations(sources: &[SourceFile]) -> Vec<String> {
    let modules: BTreeSet<String> = sources.iter().map(|s| s.module.clone()).collect();
    let mut violations = Vec::new();
    for room in modules.iter().map(|m| room_of(m)).collect::<BTreeSet<_>>() {
        if !room.is_empty() && rank(room).is_none() {
            violations.push(format!(
                "the room `{room}` is not in the layer order (xtask/src/tidy/layers.rs ROOMS)"
            ));
        }
    }
    let mut edges: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for source in sources {
        if source.module.is_empty() {
            continue;
        }
        let lexed = lex(production_code(&source.text), Lang::Rust);
        let from_room = room_of(&source.module);
        for (written, segments) in crate_paths(&source.module, &lexed.code, &modules) {
            let target = module_of(&segments, &modules);
            if target.is_empty() {
                continue;
            }
            let to_room = room_of(&target);
            if to_room != from_room
                && let (Some(from), Some(to)) = (rank(from_room), rank(to_room))
                && to <= from
            {
                violations.push(format!(
                    "{}: `{written}`: the room `{from_room}` imports from `{to_room}`, \
                         which is not below it",
                    source.name
                ));
            }
            let is_ancestor = source.module.starts_with(&format!("{target}::"));
            if target != source.module && !is_ancestor {
                edges
                    .entry(source.module.as_str())
                    .or_default()
                    .entry(target)
                    .or_insert(written);
            }
        }
    }
    for circle in circles(&modules, &edges) {
        violations.push(format!(
            "an import circle between modules: {}",
            circle.join(" → ")
        ));
    }
    violations
}

/// The import circles of the graph, each as the modules of one strongly connected component
/// (Tarjan), listed with the first module repeated at the end.
fn circles(
    modules: &BTreeSet<String>,
    edges: &BTreeMap<&str, BTreeMap<String, String>>,
) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<&'a str, BTreeMap<String, String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on_stack: BTreeSet<String>,
        found: Vec<Vec<String>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: &str) {
            let n = self.index.len();
            self.index.insert(v.to_owned(), n);
            self.low.insert(v.to_owned(), n);
            self.stack.push(v.to_owned());
            self.on_stack.insert(v.to_owned());
            let targets: Vec<String> = self
                .edges
                .get(v)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            for w in targets {
                if !self.index.contains_key(&w) {
                    self.visit(&w);
                    let low = self.low[v].min(self.low[&w]);
                    self.low.insert(v.to_owned(), low);
                } else if self.on_stack.contains(&w) {
                    let low = self.low[v].min(self.index[&w]);
                    self.low.insert(v.to_owned(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    let done = w == v;
                    component.push(w);
                    if done {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    component.push(component[0].clone());
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in modules {
        if !walk.index.contains_key(module) {
            walk.visit(module);
        }
    }
    walk.found
}

#[test]
fn each_room_imports_only_from_the_rooms_below_it() {
    let src = root().join("functions/src");
    let sources: Vec<SourceFile> = files(&src, &["rs"])
        .into_iter()
        .map(|file| {
            let relative = file
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            SourceFile {
                module: module_path(&relative),
                name: format!("functions/src/{relative}"),
                text: read(&file),
            }
        })
        .collect();
    assert!(sources.len() > 50, "read {} files", sources.len());
    let violations = layer_violations(&sources);
    assert!(
        violations.is_empty(),
        "the layers are broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_layer_rule_catches_what_it_looks_for() {
    let file = |module: &str, text: &str| SourceFile {
        module: module.to_owned(),
        name: format!("{module}.rs"),
        text: text.to_owned(),
    };
    assert_eq!(module_path("api/mod.rs"), "api");
    assert_eq!(
        module_path("crypto/password/kdf.rs"),
        "crypto::password::kdf"
    );
    assert_eq!(
        expand_use_tree(" crate::{ http::{self, error::ApiError as E}, sql::* }"),
        ["crate::http", "crate::http::error::ApiError", "crate::sql"]
    );
    // Upward (`sql` → `service`), sideways (`api` ↔ `dashboard`), inline, through `super::`.
    let sources = [
        file(
            "sql::tickets",
            "use crate::service::Site;\nuse crate::store::Statement;",
        ),
        file("service", "pub mod sites;"),
        file(
            "service::sites",
            "use super::ServiceError;\nfn f() { crate::store::run(); }",
        ),
        file("store", ""),
        file("api", "fn f() { crate::dashboard::render(); }"),
        file(
            "dashboard",
            "// crate::api::x in a comment\nconst S: &str = \"crate::api::y\";",
        ),
        file("dashboard::inbox", "use super::super::api::chat;"),
        file("crypto", "use crate::infra::Map;"),
        file("infra", ""),
        file(
            "a::b",
            "fn f() {}\n#[cfg(test)]\nmod tests { use crate::api::x; }",
        ),
    ];
    let found = layer_violations(&sources);
    let expect = [
        "sql::tickets.rs: `crate::service::Site`: the room `sql` imports from `service`",
        "api.rs: `crate::dashboard::render`: the room `api` imports from `dashboard`",
        "dashboard::inbox.rs: `super::super::api::chat`: the room `dashboard` imports from `api`",
        "crypto.rs: `crate::infra::Map`: the room `crypto` imports from `infra`",
        "the room `a` is not in the layer order",
    ];
    for expected in expect {
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{expected} not in {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    // A circle between siblings is caught; a child using its parent is not a circle.
    let sources = [
        file("service", "pub mod a;\npub mod b;\nuse a::A;"),
        file("service::a", "use super::b::B;\nuse super::Error;"),
        file("service::b", "use crate::service::a::A;"),
        file("service::c", "use super::Error;"),
    ];
    let found = layer_violations(&sources);
    assert_eq!(
        found,
        ["an import circle between modules: service::a → service::b → service::a"]
    );
}
