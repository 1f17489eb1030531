//! "Is this output newer than all of its inputs?" by file modification times, so that
//! `cargo xtask build` (which wrangler runs on every `wrangler dev` start) skips work that is
//! already done.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

/// True when `output` exists and is newer than every file in `inputs` (files or directories,
/// walked recursively; missing inputs are ignored).
pub fn is_fresh(output: &Path, inputs: &[&Path]) -> bool {
    let Some(built) = modified(output) else {
        return false;
    };
    inputs
        .iter()
        .filter_map(|input| newest(input))
        .all(|changed| changed < built)
}

/// The newest modification time of a file, or of any file below a directory.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest(&entry.path()))
        .max()
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).ok()?.modified().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::sleep;
    use std::time::Duration;

    #[test]
    fn an_output_is_stale_until_built_after_its_inputs() {
        let dir = std::env::temp_dir().join(format!("xtask-freshness-{}", std::process::id()));
        let src = dir.join("src");
        fs::create_dir_all(src.join("nested")).unwrap();
        let output = dir.join("out.js");
        let input = src.join("nested/lib.rs");
        fs::write(&input, "a").unwrap();
        assert!(!is_fresh(&output, &[&src]), "a missing output is stale");

        sleep(Duration::from_millis(20));
        fs::write(&output, "built").unwrap();
        assert!(is_fresh(&output, &[&src, &dir.join("missing")]));

        sleep(Duration::from_millis(20));
        fs::write(&input, "b").unwrap();
        assert!(
            !is_fresh(&output, &[&src]),
            "a changed nested input makes it stale"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
