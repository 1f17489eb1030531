//! Short import names for the widget's Wasm and its glue, after the build.
//!
//! wasm-bindgen names every import after its binding plus a 16-hex-digit hash
//! (`__wbg_setAttribute_f75317b2b5cabfb4`), and each name is in the .wasm and again in the
//! glue: with web-sys's ~115 imports that is ~9 KB of text that compresses badly (~3 KB
//! brotli, measured). This renames the imports of the glue's module to `a`, `b`, … in the
//! .wasm's import section and the matching keys of the glue's import object, and fails the
//! build if a name is not found exactly once in the glue.
//!
//! The exports get the same treatment (`wasm_bindgen__convert__closures_____invoke__h…`,
//! `__wbindgen_malloc`, …, read by the glue as `wasm.name`; −0.27 KB brotli measured), except
//! those kept by name (`KEPT_EXPORTS`); the build fails if the glue still holds an old name
//! in any other form afterwards.

/// The glue's module name in the .wasm's imports.
const MODULE: &str = "./ticketbooth_widget_bg.js";

/// Exports left as they are: the memory and the widget's entry point, for anyone reading the
/// module.
const KEPT_EXPORTS: [&str; 2] = ["memory", "mount"];

fn read_leb(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let byte = *bytes.get(*at).ok_or("truncated LEB128")?;
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
        shift += 7;
        if shift > 28 {
            return Err("LEB128 too long".into());
        }
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_name<'a>(bytes: &'a [u8], at: &mut usize) -> Result<&'a [u8], String> {
    let len = read_leb(bytes, at)? as usize;
    let name = bytes.get(*at..*at + len).ok_or("truncated name")?;
    *at += len;
    Ok(name)
}

/// The `n`th short name: `a`…`z`, `A`…`Z`, `aa`, `ab`, …
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// Skips an import's description (function, table, memory or global).
fn skip_desc(bytes: &[u8], at: &mut usize) -> Result<(), String> {
    let kind = *bytes.get(*at).ok_or("truncated import")?;
    *at += 1;
    let limits = |at: &mut usize| -> Result<(), String> {
        let flags = *bytes.get(*at).ok_or("truncated limits")?;
        *at += 1;
        read_leb(bytes, at)?;
        if flags & 1 == 1 {
            read_leb(bytes, at)?;
        }
        Ok(())
    };
    match kind {
        0 => read_leb(bytes, at).map(drop),
        1 => {
            *at += 1; // the reference type
            limits(at)
        }
        2 => limits(at),
        3 => {
            *at += 2; // value type, mutability
            Ok(())
        }
        _ => Err(format!("unknown import kind {kind}")),
    }
}

/// `(old name, new name)` of each renamed import or export.
pub type Renamed = Vec<(String, String)>;

/// What `shorten` renamed: the glue module's imports, and the exports.
#[derive(Debug, Default, PartialEq)]
pub struct Renames {
    pub imports: Renamed,
    pub exports: Renamed,
}

/// Renames the glue module's imports and the exports (but `KEPT_EXPORTS`) in `wasm`; returns
/// the new .wasm and the renames.
pub fn shorten(wasm: &[u8]) -> Result<(Vec<u8>, Renames), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a Wasm module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut renamed = Vec::new();
    let mut exports = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = read_leb(wasm, &mut at)? as usize;
        let body = wasm.get(at..at + size).ok_or("truncated section")?;
        at += size;
        if id == 7 {
            let section = rename_exports(body, &mut exports)?;
            out.push(7);
            write_leb(&mut out, section.len() as u32);
            out.extend_from_slice(&section);
            continue;
        }
        if id != 2 {
            out.push(id);
            write_leb(&mut out, size as u32);
            out.extend_from_slice(body);
            continue;
        }
        let mut pos = 0;
        let count = read_leb(body, &mut pos)?;
        let mut section = Vec::new();
        write_leb(&mut section, count);
        for _ in 0..count {
            let module = read_name(body, &mut pos)?;
            let field = read_name(body, &mut pos)?;
            let desc_start = pos;
            skip_desc(body, &mut pos)?;
            let field = if module == MODULE.as_bytes() {
                let old = String::from_utf8(field.to_vec()).map_err(|e| e.to_string())?;
                let new = short_name(renamed.len());
                renamed.push((old, new));
                renamed.last().expect("just pushed").1.as_bytes()
            } else {
                field
            };
            write_leb(&mut section, module.len() as u32);
            section.extend_from_slice(module);
            write_leb(&mut section, field.len() as u32);
            section.extend_from_slice(field);
            section.extend_from_slice(&body[desc_start..pos]);
        }
        out.push(2);
        write_leb(&mut out, section.len() as u32);
        out.extend_from_slice(&section);
    }
    Ok((
        out,
        Renames {
            imports: renamed,
            exports,
        },
    ))
}

/// The export section `body` with every export but `KEPT_EXPORTS` renamed short (recorded in
/// `renamed`).
fn rename_exports(body: &[u8], renamed: &mut Renamed) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let count = read_leb(body, &mut pos)?;
    let mut section = Vec::new();
    write_leb(&mut section, count);
    for _ in 0..count {
        let name = read_name(body, &mut pos)?;
        let desc_start = pos;
        pos += 1; // the kind
        read_leb(body, &mut pos)?; // the index
        let name = String::from_utf8(name.to_vec()).map_err(|e| e.to_string())?;
        let name = if KEPT_EXPORTS.contains(&name.as_str()) {
            name
        } else {
            let new = short_name(renamed.len());
            renamed.push((name, new.clone()));
            new
        };
        write_leb(&mut section, name.len() as u32);
        section.extend_from_slice(name.as_bytes());
        section.extend_from_slice(body.get(desc_start..pos).ok_or("truncated export")?);
    }
    Ok(section)
}

/// Renames, in the glue, the keys of its import object (`name:` in esbuild's minified output)
/// and its reads of the exports (`.name`, not followed by more of an identifier).
pub fn rename_in_glue(glue: &str, renames: &Renames) -> Result<String, String> {
    let mut glue = glue.to_owned();
    for (old, new) in &renames.imports {
        let key = format!("{old}:");
        let found = glue.matches(&key).count();
        if found != 1 {
            return Err(format!(
                "import `{old}` is {found} times an object key in the glue, expected once"
            ));
        }
        glue = glue.replacen(&key, &format!("{new}:"), 1);
    }
    for (old, new) in &renames.exports {
        let mut out = String::with_capacity(glue.len());
        let mut rest = glue.as_str();
        while let Some(i) = find_whole(rest, old) {
            let is_read = rest[..i].ends_with('.');
            out.push_str(&rest[..i]);
            // An export read some other way (`wasm["name"]`) would break at run time.
            if !is_read {
                return Err(format!(
                    "export `{old}` is in the glue other than as `.{old}`: cannot rename it"
                ));
            }
            out.push_str(new);
            rest = &rest[i + old.len()..];
        }
        out.push_str(rest);
        glue = out;
    }
    Ok(glue)
}

/// Where `name` first occurs in `text` as a whole JavaScript identifier.
fn find_whole(text: &str, name: &str) -> Option<usize> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut from = 0;
    while let Some(i) = text[from..].find(name).map(|i| i + from) {
        let before = text[..i].chars().next_back().is_some_and(ident);
        let after = text[i + name.len()..].chars().next().is_some_and(ident);
        if !before && !after {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_distinct_and_short() {
        let names: Vec<String> = (0..200).map(short_name).collect();
        assert_eq!(&names[..3], ["a", "b", "c"]);
        assert_eq!(names[52], "aa");
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), 200);
    }

    /// A module with two imports: one from the glue (renamed), one from elsewhere (kept).
    #[test]
    fn renames_only_the_glue_modules_imports() {
        let mut section = vec![2];
        for (module, field) in [
            (MODULE, "__wbg_long_name_0123456789abcdef"),
            ("env", "keep"),
        ] {
            section.push(module.len() as u8);
            section.extend_from_slice(module.as_bytes());
            section.push(field.len() as u8);
            section.extend_from_slice(field.as_bytes());
            section.extend_from_slice(&[0, 0]); // a function of type 0
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.push(2);
        wasm.push(section.len() as u8);
        wasm.extend_from_slice(&section);
        let (out, renamed) = shorten(&wasm).unwrap();
        assert_eq!(
            renamed.imports,
            [(
                "__wbg_long_name_0123456789abcdef".to_owned(),
                "a".to_owned()
            )]
        );
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("keep") && !text.contains("__wbg_long"));
        let glue = rename_in_glue("{__wbg_long_name_0123456789abcdef:function(){}}", &renamed);
        assert_eq!(glue.unwrap(), "{a:function(){}}");
        assert!(
            rename_in_glue("{}", &renamed).is_err(),
            "a missing key fails"
        );
    }

    /// Exports: all renamed but the kept ones, and the glue's reads follow.
    #[test]
    fn renames_exports_but_the_kept_ones_and_their_reads_in_the_glue() {
        let mut section = vec![7, 0, 3];
        for name in ["memory", "__wbindgen_malloc", "__wbindgen_malloc_x"] {
            section.push(name.len() as u8);
            section.extend_from_slice(name.as_bytes());
            section.extend_from_slice(&[0, 1]); // function 1
        }
        section[1] = (section.len() - 2) as u8;
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&section);
        let (out, renamed) = shorten(&wasm).unwrap();
        assert_eq!(
            renamed.exports,
            [
                ("__wbindgen_malloc".to_owned(), "a".to_owned()),
                ("__wbindgen_malloc_x".to_owned(), "b".to_owned()),
            ]
        );
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("memory") && !text.contains("__wbindgen"));
        let glue = "w.__wbindgen_malloc(1),w.__wbindgen_malloc_x,w.memory";
        assert_eq!(
            rename_in_glue(glue, &renamed).unwrap(),
            "w.a(1),w.b,w.memory"
        );
        assert!(
            rename_in_glue("w[\"__wbindgen_malloc\"]", &renamed).is_err(),
            "a read in another form fails"
        );
    }
}
