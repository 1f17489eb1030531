//! `cargo xtask add-operator`: gives a person a role on a site and mints their API token (for
//! the dashboard's sign-in and the operator API). The token is printed once; only its SHA-256
//! is stored, computed by the same function the Worker checks tokens with.

use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use ticketbooth_functions::service::operators::token_hash;
use ticketbooth_shared::requester::{Email, RequesterName};
use ticketbooth_shared::role::Role;
use ticketbooth_shared::site_key::SiteKey;

use crate::command;
use crate::random::random_hex;
use crate::wrangler::{self, DATABASE};

pub const USAGE: &str = "usage: cargo xtask add-operator --site KEY --email EMAIL --name NAME \
[--role owner|admin|member|guest] [--remote]";

#[derive(Debug)]
struct Request {
    site: SiteKey,
    email: Email,
    name: RequesterName,
    role: Role,
    remote: bool,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let req = parse(args)?;
    let token = format!("tbo_{}", random_hex::<32>()?);
    let hash = token_hash(&token).ok_or("the minted token has an unexpected shape")?;
    let operator_id = random_hex::<16>()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();

    let (site, email, name, role) = (
        literal(req.site.as_ref()),
        literal(req.email.as_ref()),
        literal(req.name.as_ref()),
        literal(req.role.as_str()),
    );
    // Inputs are validated by the domain types and quoted as literals: wrangler's `d1 execute`
    // takes no bound parameters. Every insert selects from the site, so an unknown site adds
    // nothing at all. An existing operator (same email) keeps their id; an existing membership
    // takes the new role.
    let sql = format!(
        "INSERT INTO operators (id, email, name, created_at)
           SELECT '{operator_id}', {email}, {name}, {now} FROM sites WHERE key = {site}
           ON CONFLICT (email) DO NOTHING;
         INSERT INTO site_members (site_id, operator_id, role, created_at)
           SELECT s.id, o.id, {role}, {now} FROM sites s, operators o WHERE s.key = {site} AND o.email = {email}
           ON CONFLICT (site_id, operator_id) DO UPDATE SET role = excluded.role;
         INSERT INTO operator_tokens (token_hash, site_id, operator_id, label, created_at)
           SELECT '{hash}', s.id, o.id, 'xtask add-operator', {now}
           FROM sites s, operators o WHERE s.key = {site} AND o.email = {email};
         SELECT COUNT(*) AS minted FROM operator_tokens WHERE token_hash = '{hash}';"
    );
    let file = std::env::temp_dir().join(format!("ticketbooth-operator-{operator_id}.sql"));
    fs::write(&file, sql).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let target = if req.remote { "--remote" } else { "--local" };
    let output = command::output(
        wrangler::wrangler(root)
            .args(["d1", "execute", DATABASE, target, "--json", "--file"])
            .arg(&file),
    );
    let _ = fs::remove_file(&file);
    let output = output?;
    if !output.replace(' ', "").contains("\"minted\":1") {
        return Err(format!(
            "no site '{}' in the {} database; nothing was added",
            req.site.as_ref(),
            &target[2..]
        ));
    }
    println!(
        "{} is now {} of site '{}'.",
        req.name.as_ref(),
        req.role.as_str(),
        req.site.as_ref()
    );
    println!("API token (shown once; store it in a password manager):\n\n    {token}\n");
    println!("Sign in at /app/login, or send it as `Authorization: Bearer <token>`.");
    Ok(())
}

fn parse(args: &[String]) -> Result<Request, String> {
    let mut pairs = args.iter();
    let (mut site, mut email, mut name, mut role, mut remote) =
        (None, None, None, Role::Member, false);
    while let Some(flag) = pairs.next() {
        if flag == "--remote" {
            remote = true;
            continue;
        }
        let value = pairs
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |what: &str| format!("{flag} {value:?}: {what}");
        match flag.as_str() {
            "--site" => site = Some(SiteKey::parse(value).map_err(|e| bad(&e.to_string()))?),
            "--email" => email = Some(Email::parse(value).map_err(|e| bad(&e.to_string()))?),
            "--name" => name = Some(RequesterName::parse(value).map_err(|e| bad(&e.to_string()))?),
            "--role" => {
                role = Role::parse(value).map_err(|_| bad("unknown role"))?;
            }
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    let missing = |flag: &str| format!("{flag} is required\n{USAGE}");
    Ok(Request {
        site: site.ok_or_else(|| missing("--site"))?,
        email: email.ok_or_else(|| missing("--email"))?,
        name: name.ok_or_else(|| missing("--name"))?,
        role,
        remote,
    })
}

/// A SQL string literal.
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_flags_with_domain_rules() {
        let req = parse(&args(&[
            "--site",
            "acme",
            "--email",
            "Ann@Acme.COM",
            "--name",
            "Ann",
            "--role",
            "admin",
        ]))
        .unwrap();
        assert_eq!(
            (req.site.as_ref(), req.email.as_ref(), req.role, req.remote),
            ("acme", "Ann@acme.com", Role::Admin, false)
        );
        let req = parse(&args(&[
            "--remote", "--site", "acme", "--email", "a@b.co", "--name", "A",
        ]))
        .unwrap();
        assert_eq!((req.role, req.remote), (Role::Member, true));
    }

    #[test]
    fn refuses_bad_or_missing_values() {
        assert!(
            parse(&args(&[
                "--site",
                "Not A Key",
                "--email",
                "a@b.co",
                "--name",
                "A"
            ]))
            .unwrap_err()
            .contains("--site")
        );
        assert!(
            parse(&args(&["--site", "acme", "--email", "nope", "--name", "A"]))
                .unwrap_err()
                .contains("--email")
        );
        assert!(
            parse(&args(&[
                "--site", "acme", "--email", "a@b.co", "--name", "A", "--role", "boss"
            ]))
            .unwrap_err()
            .contains("unknown role")
        );
        assert!(
            parse(&args(&["--site", "acme", "--name", "A"]))
                .unwrap_err()
                .contains("--email is required")
        );
        assert!(
            parse(&args(&["--site"]))
                .unwrap_err()
                .contains("needs a value")
        );
    }

    #[test]
    fn literals_double_quotes() {
        assert_eq!(literal("O'Brien"), "'O''Brien'");
    }
}
