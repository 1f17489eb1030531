//! Rules on the code of every crate: no `unsafe` but the widget's allocator, no `Math.random`
//! or HTML writes in the widget, a `//!` doc opening every Rust file, no `#[ignore]`d test.

use std::path::{Path, PathBuf};

use super::lexer::{Lang, lex, line_of, word_positions};
use super::{files, read, root};

/// The workspace's crates, whose Rust files the rules read.
const CRATES: &[&str] = &["functions", "shared", "widget", "xtask"];

/// Every Rust file of the crates: `src`, `tests` and `benches`.
fn rust_files() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for krate in CRATES {
        for dir in ["src", "tests", "benches"] {
            let dir = root().join(krate).join(dir);
            if dir.is_dir() {
                found.extend(files(&dir, &["rs"]));
            }
        }
    }
    found
}

fn relative(file: &Path) -> String {
    file.strip_prefix(root())
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The lines of `unsafe` code (`unsafe {`, `unsafe fn`, `unsafe impl`, …) in a Rust source,
/// with their text; mentions in comments and strings are not code.
fn unsafe_lines(source: &str) -> Vec<(usize, String)> {
    let code = lex(source, Lang::Rust).code;
    word_positions(&code, "unsafe")
        .map(|at| {
            let line = line_of(&code, at);
            (
                line,
                source
                    .lines()
                    .nth(line - 1)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            )
        })
        .collect()
}

/// What the widget must never call, outside comments: `Math.random` is not a CSPRNG, and
/// text reaches the DOM as text only (`textContent`), never as HTML.
const WIDGET_FORBIDDEN: &[&str] = &["Math.random", "innerHTML", "set_inner_html"];

fn widget_forbidden_in(source: &str, lang: Lang) -> Vec<&'static str> {
    let without_comments = lex(source, lang).without_comments;
    WIDGET_FORBIDDEN
        .iter()
        .copied()
        .filter(|forbidden| without_comments.contains(forbidden))
        .collect()
}

/// Whether a Rust file opens with an inner doc comment (`//!`), blank lines aside.
fn opens_with_module_doc(source: &str) -> bool {
    source
        .lines()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| line.trim_start().starts_with("//!"))
}

/// The lines holding an `#[ignore]` attribute (with or without a reason), outside comments
/// and strings.
fn ignore_lines(source: &str) -> Vec<usize> {
    let code = lex(source, Lang::Rust).code;
    code.match_indices("#[")
        .filter(|(at, _)| {
            let inside = code[at + 2..].trim_start();
            inside.starts_with("ignore")
                && !inside["ignore".len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
        .map(|(at, _)| line_of(&code, at))
        .collect()
}

#[test]
fn no_unsafe_but_the_widget_allocator() {
    let mut offenders = Vec::new();
    let mut allocator = 0;
    for file in rust_files() {
        let name = relative(&file);
        for (line, text) in unsafe_lines(&read(&file)) {
            if name == "widget/src/lib.rs" && text.contains("lol_alloc") {
                allocator += 1;
            } else {
                offenders.push(format!("{name}:{line}: {text}"));
            }
        }
    }
    assert!(offenders.is_empty(), "unsafe code: {offenders:#?}");
    assert!(allocator <= 1, "the allocator's unsafe, {allocator} times");
}

#[test]
fn the_widget_uses_no_math_random_and_writes_no_html() {
    let mut offenders = Vec::new();
    let widget = root().join("widget");
    let mut sources: Vec<PathBuf> = files(&widget.join("src"), &["rs", "js"]);
    sources.push(widget.join("loader.js"));
    for file in sources {
        let lang = if file.extension().is_some_and(|e| e == "js") {
            Lang::Js
        } else {
            Lang::Rust
        };
        for forbidden in widget_forbidden_in(&read(&file), lang) {
            offenders.push(format!("{}: {forbidden}", relative(&file)));
        }
    }
    assert!(offenders.is_empty(), "in the widget: {offenders:?}");
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let missing: Vec<String> = rust_files()
        .iter()
        .filter(|file| !opens_with_module_doc(&read(file)))
        .map(|file| relative(file))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` doc first: {missing:?}"
    );
}

#[test]
fn no_test_is_ignored() {
    let mut offenders = Vec::new();
    for file in rust_files() {
        for line in ignore_lines(&read(&file)) {
            offenders.push(format!("{}:{line}", relative(&file)));
        }
    }
    assert!(
        offenders.is_empty(),
        "#[ignore]d tests (fix or delete them): {offenders:?}"
    );
}

#[test]
fn the_code_rules_catch_what_they_look_for() {
    let source = r#"//! m
// unsafe { in a comment }
const CSP: &str = "'unsafe-inline'";
fn a() { unsafe { f() } }
unsafe fn b() {}
unsafe impl Send for X {}
"#;
    let lines: Vec<usize> = unsafe_lines(source).into_iter().map(|(l, _)| l).collect();
    assert_eq!(lines, [4, 5, 6]);
    assert_eq!(unsafe_lines(source)[0].1, "fn a() { unsafe { f() } }");
    assert!(unsafe_lines("let not_unsafe = 1; // unsafe").is_empty());

    let js = "// never Math.random\nconst n = Math.random();\n/* innerHTML */ el['innerHTML'] = s;";
    assert_eq!(
        widget_forbidden_in(js, Lang::Js),
        ["Math.random", "innerHTML"]
    );
    assert!(widget_forbidden_in("// never Math.random or innerHTML", Lang::Js).is_empty());
    let rust = "/// Never `set_inner_html`.\nfn f(e: &Element) { e.set_inner_html(s); }";
    assert_eq!(widget_forbidden_in(rust, Lang::Rust), ["set_inner_html"]);

    assert!(opens_with_module_doc("\n//! What this holds.\nuse x;"));
    assert!(!opens_with_module_doc("/// An item doc.\nfn f() {}"));
    assert!(!opens_with_module_doc("use x;\n//! Late."));

    let tests = r##"#[test]
#[ignore]
fn a() {}
#[ignore = "slow"]
fn b() {}
// #[ignore]
const P: &str = "#[ignore]";
#[ignored_by_nothing]
"##;
    assert_eq!(ignore_lines(tests), [2, 4]);
}
