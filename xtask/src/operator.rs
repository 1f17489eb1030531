//! `cargo xtask add-operator`: invites a person to a site with a role — typically the first
//! owner of a freshly deployed site — and prints the one-time invitation link. Opening it, they
//! choose their name and password and are signed in. The link works once and expires in 7 days;
//! only its SHA-256 is stored, like every link the dashboard makes.

use std::time::{SystemTime, UNIX_EPOCH};

use ticketbooth_functions::crypto::sha256::hex_digest;
use ticketbooth_functions::service::members::INVITATION_TTL_MS;
use ticketbooth_functions::service::sessions::normalize_email;
use ticketbooth_shared::requester::Email;
use ticketbooth_shared::role::Role;
use ticketbooth_shared::site_key::SiteKey;

use crate::d1;
use crate::random::random_hex;

pub const USAGE: &str = "usage: cargo xtask add-operator --site KEY --email EMAIL \
[--role owner|admin|member|guest] [--url WORKER_ORIGIN] [--remote]";

/// Where `cargo xtask dev` serves the Worker.
pub const LOCAL_ORIGIN: &str = "http://127.0.0.1:8787";

#[derive(Debug)]
struct Request {
    site: SiteKey,
    email: String,
    role: Role,
    url: Option<String>,
    remote: bool,
}

pub fn run(root: &std::path::Path, args: &[String]) -> Result<(), String> {
    let req = parse(args)?;
    let token = random_hex::<32>()?;
    let token_hash = hex_digest(token.as_bytes());
    let id = &hex_digest(format!("invitation-id:{token}").as_bytes())[..32];
    let now = now_millis()?;
    let expires = now + INVITATION_TTL_MS;
    let (site, email, role) = (
        d1::literal(req.site.as_ref()),
        d1::literal(&req.email),
        d1::literal(req.role.as_str()),
    );
    // Inputs are validated by the domain types and quoted as literals: wrangler's `d1 execute`
    // takes no bound parameters. The insert selects from the site, so an unknown site adds
    // nothing.
    let sql = format!(
        "INSERT INTO invitations (token_hash, id, site_id, email, role, invited_by, created_at, expires_at)
           SELECT '{token_hash}', '{id}', id, {email}, {role}, NULL, {now}, {expires}
           FROM sites WHERE key = {site};
         SELECT COUNT(*) AS minted FROM invitations WHERE token_hash = '{token_hash}';"
    );
    let output = d1::execute(root, &sql, req.remote)?;
    if !output.replace(' ', "").contains("\"minted\":1") {
        return Err(format!(
            "no site '{}' in the {} database; nothing was added",
            req.site.as_ref(),
            if req.remote { "remote" } else { "local" }
        ));
    }
    let origin = match (&req.url, req.remote) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, false) => LOCAL_ORIGIN.to_owned(),
        (None, true) => "https://<your-worker>".to_owned(),
    };
    println!(
        "Invitation for {} as {} of site '{}' (works once, for 7 days; shown only now):\n\n    {origin}/app/invite/{token}\n",
        req.email,
        req.role.as_str(),
        req.site.as_ref()
    );
    println!("Opening it, they choose a name and a password and are signed in.");
    Ok(())
}

pub fn now_millis() -> Result<i64, String> {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    i64::try_from(ms).map_err(|e| e.to_string())
}

fn parse(args: &[String]) -> Result<Request, String> {
    let mut pairs = args.iter();
    let (mut site, mut email, mut role, mut url, mut remote) =
        (None, None, Role::Member, None, false);
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
            "--email" => {
                let parsed = Email::parse(value).map_err(|e| bad(&e.to_string()))?;
                email = Some(normalize_email(parsed.as_ref()));
            }
            "--role" => role = Role::parse(value).map_err(|_| bad("unknown role"))?,
            "--url" => {
                if !(value.starts_with("https://") || value.starts_with("http://")) {
                    return Err(bad(
                        "give the Worker's origin, like https://tickets.example.com",
                    ));
                }
                url = Some(value.clone());
            }
            // Kept so older instructions still parse: the invitee now types their own name.
            "--name" => {}
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    let missing = |flag: &str| format!("{flag} is required\n{USAGE}");
    Ok(Request {
        site: site.ok_or_else(|| missing("--site"))?,
        email: email.ok_or_else(|| missing("--email"))?,
        role,
        url,
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
    fn parses_flags_with_domain_rules() {
        let req = parse(&args(&[
            "--site",
            "acme",
            "--email",
            "Ann@Acme.COM",
            "--name",
            "Ann",
            "--role",
            "owner",
        ]))
        .unwrap();
        assert_eq!(
            (req.site.as_ref(), req.email.as_str(), req.role, req.remote),
            ("acme", "ann@acme.com", Role::Owner, false)
        );
        let req = parse(&args(&[
            "--remote",
            "--site",
            "acme",
            "--email",
            "a@b.co",
            "--url",
            "https://t.example/",
        ]))
        .unwrap();
        assert_eq!((req.role, req.remote), (Role::Member, true));
        assert_eq!(req.url.as_deref(), Some("https://t.example/"));
    }

    #[test]
    fn refuses_bad_or_missing_values() {
        let err = |list: &[&str]| parse(&args(list)).unwrap_err();
        assert!(err(&["--site", "Not A Key", "--email", "a@b.co"]).contains("--site"));
        assert!(err(&["--site", "acme", "--email", "nope"]).contains("--email"));
        assert!(
            err(&["--site", "acme", "--email", "a@b.co", "--role", "boss"])
                .contains("unknown role")
        );
        assert!(
            err(&["--site", "acme", "--email", "a@b.co", "--url", "t.example"]).contains("origin")
        );
        assert!(err(&["--site", "acme"]).contains("--email is required"));
        assert!(err(&["--site"]).contains("needs a value"));
    }
}
