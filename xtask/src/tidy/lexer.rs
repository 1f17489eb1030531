//! Just enough of a lexer for the tidy rules: it tells code from comments and string literals
//! (Rust, and JavaScript for the widget's loader), so a rule looking for a keyword does not trip
//! on a comment that names it ("never `Math.random`") or a CSP string ("'unsafe-inline'"), and
//! the SQL rules read string literals only. Blanked text keeps its newlines, so line numbers hold.

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Rust,
    Js,
}

/// A source file taken apart.
pub struct Lexed {
    /// The source with its comments blanked; string literals kept.
    pub without_comments: String,
    /// The source with its comments and the contents of its string literals blanked: code only.
    pub code: String,
    /// Each string literal's contents as written (escapes not decoded), with its 1-based line.
    pub strings: Vec<(usize, String)>,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A space for every character but newlines.
fn blank(text: &[char]) -> String {
    text.iter()
        .map(|&c| if c == '\n' { '\n' } else { ' ' })
        .collect()
}

pub fn lex(source: &str, lang: Lang) -> Lexed {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Lexed {
        without_comments: String::with_capacity(source.len()),
        code: String::with_capacity(source.len()),
        strings: Vec::new(),
    };
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let previous_is_ident = i > 0 && is_ident(chars[i - 1]);
        let end = if c == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |n| i + n);
            Some((end, Kind::Comment))
        } else if c == '/' && next == Some('*') {
            Some((block_comment_end(&chars, i, lang), Kind::Comment))
        } else if c == '"' || (lang == Lang::Js && (c == '\'' || c == '`')) {
            Some((quoted_end(&chars, i + 1, c), Kind::Str(i + 1)))
        } else if lang == Lang::Rust && !previous_is_ident && (c == 'r' || c == 'b') {
            raw_or_byte_string(&chars, i)
        } else if lang == Lang::Rust && c == '\'' {
            char_literal_end(&chars, i).map(|end| (end, Kind::Char))
        } else {
            None
        };
        let Some((end, kind)) = end else {
            out.without_comments.push(c);
            out.code.push(c);
            line += usize::from(c == '\n');
            i += 1;
            continue;
        };
        let span = &chars[i..end];
        match kind {
            Kind::Comment => {
                out.without_comments.push_str(&blank(span));
                out.code.push_str(&blank(span));
            }
            Kind::Char => {
                out.without_comments.extend(span);
                out.code.push_str(&blank(span));
            }
            Kind::Str(open) => {
                out.without_comments.extend(span);
                out.code.extend(&chars[i..open]);
                let close = closing_quote(&chars, open, end);
                out.code.push_str(&blank(&chars[open..close]));
                out.code.extend(&chars[close..end]);
                out.strings
                    .push((line, chars[open..close].iter().collect()));
            }
        }
        line += span.iter().filter(|&&c| c == '\n').count();
        i = end;
    }
    out
}

enum Kind {
    Comment,
    Char,
    /// A string literal whose contents start at this index.
    Str(usize),
}

/// Where a `/* … */` comment starting at `start` ends (Rust's nest, JavaScript's do not).
fn block_comment_end(chars: &[char], start: usize, lang: Lang) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < chars.len() {
        if chars[i] == '/' && chars[i + 1] == '*' && (depth == 0 || lang == Lang::Rust) {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    chars.len()
}

/// The index just past the quote closing a literal whose contents start at `from`.
fn quoted_end(chars: &[char], from: usize, quote: char) -> usize {
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// Where a string literal's contents end: before its closing quote and any raw-string hashes.
fn closing_quote(chars: &[char], open: usize, end: usize) -> usize {
    let mut close = end;
    while close > open && chars[close - 1] == '#' {
        close -= 1;
    }
    close.saturating_sub(1).max(open)
}

/// `r"…"`, `r#"…"#`, `b"…"`, `br"…"` starting at `start`, if one does.
fn raw_or_byte_string(chars: &[char], start: usize) -> Option<(usize, Kind)> {
    let mut i = start;
    if chars[i] == 'b' {
        i += 1;
        if chars.get(i) == Some(&'"') {
            return Some((quoted_end(chars, i + 1, '"'), Kind::Str(i + 1)));
        }
    }
    if chars.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
    i += hashes;
    if chars.get(i) != Some(&'"') {
        return None;
    }
    let open = i + 1;
    let mut j = open;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some((j + 1 + hashes, Kind::Str(open)));
        }
        j += 1;
    }
    Some((chars.len(), Kind::Str(open)))
}

/// The end of a char literal at `start` (`'x'`, `'\n'`, `'\u{1F600}'`); `None` for a
/// lifetime or a label (`'a`, `'static`).
fn char_literal_end(chars: &[char], start: usize) -> Option<usize> {
    match chars.get(start + 1) {
        Some('\\') => Some(quoted_end(chars, start + 1, '\'')),
        Some(_) if chars.get(start + 2) == Some(&'\'') => Some(start + 3),
        _ => None,
    }
}

/// Whether `word` occurs in `text` as a whole word (not inside a longer identifier).
pub fn has_word(text: &str, word: &str) -> bool {
    word_positions(text, word).next().is_some()
}

/// The byte offsets where `word` occurs in `text` as a whole word.
pub fn word_positions<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(word).filter_map(move |(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let starts = !before.is_some_and(is_ident) || !word.starts_with(is_ident);
        let ends = !after.is_some_and(is_ident) || !word.ends_with(is_ident);
        (starts && ends).then_some(at)
    })
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_strings_are_told_from_code() {
        let source = concat!(
            "let a = \"x // not a comment\"; // a comment\n",
            "/* outer /* inner */ still */ b('\"', 'c', r#\"raw \"q\"\"#); fn f<'a>() {}"
        );
        let lexed = lex(source, Lang::Rust);
        assert!(!lexed.code.contains("comment"));
        assert!(!lexed.code.contains("still"));
        assert!(!lexed.code.contains("raw"));
        assert!(lexed.code.contains("fn f<'a>() {}"));
        assert!(lexed.without_comments.contains("x // not a comment"));
        assert!(!lexed.without_comments.contains("a comment\n"));
        let strings: Vec<&str> = lexed.strings.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(strings, ["x // not a comment", "raw \"q\""]);
        assert_eq!(lexed.code.lines().count(), 2);
        let js = lex("a = 'it''s'; b = \"//x\" // gone\n`t`", Lang::Js);
        assert!(js.without_comments.contains("\"//x\""));
        assert!(!js.without_comments.contains("gone"));
        assert_eq!(js.strings.len(), 4);
        assert_eq!(js.strings[3].0, 2);
    }

    /// A lexer that lost its place (a quote read as opening a string, say) would blind every
    /// rule that reads its output: on the real tree, the code it leaves has balanced braces.
    #[test]
    fn every_source_of_the_tree_lexes_to_balanced_code() {
        let root = super::super::root();
        let mut read = 0;
        for krate in ["functions", "shared", "widget", "xtask"] {
            for dir in ["src", "tests", "benches"] {
                let dir = root.join(krate).join(dir);
                if !dir.is_dir() {
                    continue;
                }
                for file in super::super::files(&dir, &["rs"]) {
                    read += 1;
                    let code = lex(&super::super::read(&file), Lang::Rust).code;
                    for (open, close) in [('{', '}'), ('(', ')'), ('[', ']')] {
                        let opened = code.matches(open).count();
                        let closed = code.matches(close).count();
                        assert_eq!(opened, closed, "{}: {open} {close}", file.display());
                    }
                }
            }
        }
        assert!(read > 100, "read {read} files");
        let loader = lex(
            &super::super::read(&root.join("widget/loader.js")),
            Lang::Js,
        )
        .code;
        assert_eq!(loader.matches('{').count(), loader.matches('}').count());
    }

    #[test]
    fn words_are_whole() {
        assert!(has_word("x OFFSET ?1", "OFFSET"));
        assert!(!has_word("x_OFFSET", "OFFSET"));
        assert!(has_word("a.site_id = 1", "site_id"));
        assert!(!has_word("no_site_id", "site_id"));
    }
}
