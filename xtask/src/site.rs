//! `cargo xtask add-site`: creates a site (key, name, code prefix, allowed origins) in the local
//! or the deployed database — what `/app/sites/new` does in the dashboard, for a database no
//! one can sign in to yet. Follow with `cargo xtask add-operator --role owner` for its owner.

use std::path::Path;

use ticketbooth_functions::service::site_settings::{Origin, origins_json};
use ticketbooth_functions::service::sites::NewSite;

use crate::d1;
use crate::operator::now_millis;

pub const USAGE: &str = "usage: cargo xtask add-site --key KEY --name NAME [--prefix PREFIX] \
[--origin https://www.example.com]... [--remote]";

#[derive(Debug)]
struct Request {
    site: NewSite,
    origins: Vec<Origin>,
    remote: bool,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let req = parse(args)?;
    let origins = origins_json(&req.origins);
    let (key, name, prefix, origins) = (
        d1::literal(req.site.key.as_ref()),
        d1::literal(&req.site.name),
        d1::literal(req.site.code_prefix.as_ref()),
        d1::literal(&origins),
    );
    let now = now_millis()?;
    let sql = format!(
        "INSERT INTO sites (key, name, code_prefix, allowed_origins, created_at)
           VALUES ({key}, {name}, {prefix}, {origins}, {now})
           ON CONFLICT (key) DO NOTHING;
         SELECT created_at = {now} AS created FROM sites WHERE key = {key};"
    );
    let output = d1::execute(root, &sql, req.remote)?;
    if !output.replace(' ', "").contains("\"created\":1") {
        return Err(format!(
            "a site '{}' already exists; nothing was changed",
            req.site.key.as_ref()
        ));
    }
    println!(
        "Site '{}' created. Its owner: cargo xtask add-operator --site {} --email … --role owner{}",
        req.site.key.as_ref(),
        req.site.key.as_ref(),
        if req.remote { " --remote" } else { "" }
    );
    Ok(())
}

fn parse(args: &[String]) -> Result<Request, String> {
    let mut pairs = args.iter();
    let (mut key, mut name, mut prefix, mut origins, mut remote) =
        (None, None, "TKT".to_owned(), Vec::new(), false);
    while let Some(flag) = pairs.next() {
        if flag == "--remote" {
            remote = true;
            continue;
        }
        let value = pairs
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--key" => key = Some(value.clone()),
            "--name" => name = Some(value.clone()),
            "--prefix" => prefix = value.clone(),
            "--origin" => origins.push(Origin::parse(value).ok_or_else(|| {
                format!("--origin {value:?}: not an origin (scheme://host[:port], no path)")
            })?),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    let missing = |flag: &str| format!("{flag} is required\n{USAGE}");
    let (key, name) = (
        key.ok_or_else(|| missing("--key"))?,
        name.ok_or_else(|| missing("--name"))?,
    );
    let site = NewSite::parse(&key, &name, &prefix).map_err(|errors| {
        errors
            .0
            .iter()
            .map(|(field, e)| format!("{field}: {e}"))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(Request {
        site,
        origins,
        remote,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_a_site_with_origins() {
        let req = parse(&args(&[
            "--key",
            "shop",
            "--name",
            "Shop",
            "--prefix",
            "SHOP",
            "--origin",
            "https://Shop.example/",
            "--remote",
        ]))
        .unwrap();
        assert_eq!(req.site.key.as_ref(), "shop");
        assert_eq!(req.site.code_prefix.as_ref(), "SHOP");
        assert_eq!(req.origins[0].as_str(), "https://shop.example");
        assert!(req.remote);
        assert_eq!(
            parse(&args(&["--key", "shop", "--name", "S"]))
                .unwrap()
                .site
                .code_prefix
                .as_ref(),
            "TKT"
        );
    }

    #[test]
    fn refuses_bad_values() {
        let err = |list: &[&str]| parse(&args(list)).unwrap_err();
        assert!(err(&["--key", "Bad Key", "--name", "S"]).contains("key"));
        assert!(err(&["--key", "shop", "--name", "S", "--prefix", "x"]).contains("code_prefix"));
        assert!(
            err(&[
                "--key",
                "shop",
                "--name",
                "S",
                "--origin",
                "https://a.example/x"
            ])
            .contains("not an origin")
        );
        assert!(err(&["--name", "S"]).contains("--key is required"));
    }
}
