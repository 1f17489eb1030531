//! The demo host site for `cargo xtask dev`: `www/demo/` served on its own origin
//! (http://localhost:8788), the way a customer's site embeds the widget from the Worker's origin
//! (http://127.0.0.1:8787). The demo pages are never deployed (`www/.assetsignore`): they point
//! at a local Worker and exist to try the widget.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;

pub const PORT: u16 = 8788;

/// Serves `www/demo/` on `PORT` from a background thread, for as long as xtask runs.
pub fn spawn(root: &Path) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", PORT))
        .map_err(|e| format!("the demo site cannot listen on {PORT}: {e}"))?;
    let dir = root.join("www").join("demo");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            thread::spawn(move || {
                let _ = serve(stream, &dir);
            });
        }
    });
    Ok(())
}

fn serve(mut stream: TcpStream, dir: &Path) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, content_type, body) = match file_for(dir, path) {
        Some(file) => match fs::read(&file) {
            Ok(bytes) => (
                "200 OK",
                content_type(&file),
                if file.extension().is_some_and(|e| e == "html") {
                    point_at_worker(&String::from_utf8_lossy(&bytes)).into_bytes()
                } else {
                    bytes
                },
            ),
            Err(_) => not_found(),
        },
        None => not_found(),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

fn not_found() -> (&'static str, &'static str, Vec<u8>) {
    ("404 Not Found", "text/plain", b"not found".to_vec())
}

/// The file a URL path names under `/demo/`; nothing for anything else, and nothing that
/// climbs out of the folder.
fn file_for(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or_default();
    let name = match path {
        "/" | "/demo" | "/demo/" => "index.html",
        other => other.strip_prefix("/demo/")?,
    };
    let safe = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.');
    safe.then(|| dir.join(name))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        _ => "application/octet-stream",
    }
}

/// The demo pages load `/widget.js` as if the Worker were their own origin; here it is not, so
/// the script tag and the CSP name the Worker's origin, as a customer's page would.
fn point_at_worker(html: &str) -> String {
    let worker = format!("http://127.0.0.1:{}", crate::dev::PORT);
    html.replace("src=\"/widget.js\"", &format!("src=\"{worker}/widget.js\""))
        .replace("script-src 'self'", &format!("script-src 'self' {worker}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_under_demo_are_served() {
        let dir = Path::new("/srv/demo");
        assert_eq!(file_for(dir, "/demo/"), Some(dir.join("index.html")));
        assert_eq!(
            file_for(dir, "/demo/options.html?site=acme"),
            Some(dir.join("options.html"))
        );
        for bad in [
            "/demo/../Cargo.toml",
            "/demo/%2e%2e/x",
            "/etc/passwd",
            "/demo/.env",
        ] {
            assert_eq!(file_for(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_load_the_widget_from_the_worker() {
        let page = point_at_worker(
            "<meta content=\"script-src 'self' 'wasm-unsafe-eval'\"><script src=\"/widget.js\">",
        );
        assert!(page.contains("src=\"http://127.0.0.1:8787/widget.js\""));
        assert!(page.contains("script-src 'self' http://127.0.0.1:8787 'wasm-unsafe-eval'"));
    }
}
