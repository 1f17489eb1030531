//! The settings pages' HTML: members and invitations, API tokens, the site's settings, a new
//! site, accepting an invitation. Built with `Html` like every page (`views.rs` has the frame).

use ticketbooth_shared::role::{Action, Role};
use ticketbooth_shared::timestamp::Timestamp;

use super::csrf;
use super::html::Html;
use super::views::layout;
use crate::service::invitations::Invitation;
use crate::service::members::{Invited, Members};
use crate::service::operators::Operator;
use crate::service::site_settings::{LOCALES, SettingsForm};
use crate::service::sites::Site;
use crate::sql::operator_tokens::TokenRow;

/// Field name → message, shown next to the field.
pub type FieldErrors<'a> = &'a [(&'static str, String)];

/// The settings pages' own navigation.
pub(super) fn settings_nav(h: &mut Html, op: &Operator, current: &'static str) {
    h.raw("<nav class=\"tabs\" aria-label=\"Settings\">");
    let pages: [(&str, &str, Action); 10] = [
        ("/app/settings/site", "Site", Action::ManageSettings),
        ("/app/settings/sla", "SLA", Action::ManageSettings),
        ("/app/settings/members", "Members", Action::ManageMembers),
        ("/app/settings/tokens", "API tokens", Action::ManageApiKeys),
        ("/app/settings/bots", "Bots", Action::ManageApiKeys),
        (
            "/app/settings/webhooks",
            "Notifications",
            Action::ManageSettings,
        ),
        ("/app/settings/data", "Data", Action::ManageSettings),
        ("/app/settings/sync", "Sync", Action::ManageSettings),
        ("/app/labels", "Labels", Action::ManageSettings),
        ("/app/teams", "Teams", Action::ManageSettings),
    ];
    for (href, label, action) in pages {
        if !op.role.allows(action) {
            continue;
        }
        h.raw("<a href=\"").raw(href).raw("\"");
        if href == current {
            h.raw(" aria-current=\"page\"");
        }
        h.raw(">").raw(label).raw("</a>");
    }
    h.raw("<a href=\"/app/settings/account\"");
    if current == "/app/settings/account" {
        h.raw(" aria-current=\"page\"");
    }
    h.raw(">Your account</a>");
    // Every operator's own mails; the site's e-mail too for owners and admins.
    h.raw("<a href=\"/app/settings/email\"");
    if current == "/app/settings/email" {
        h.raw(" aria-current=\"page\"");
    }
    h.raw(">E-mail</a>");
    // Only owners of a site may create one (`sites::may_create_site`).
    if crate::service::sites::may_create_site(op) {
        h.raw("<a href=\"/app/sites/new\">New site</a>");
    }
    h.raw("</nav>");
}

/// A notice at the top of a page: `Ok` in green, `Err` as an alert.
pub type Notice<'a> = Option<Result<&'a str, &'a str>>;

pub(super) fn notice(h: &mut Html, notice: Notice<'_>) {
    match notice {
        Some(Ok(message)) => {
            h.raw("<p class=\"notice\" role=\"status\">")
                .text(message)
                .raw("</p>");
        }
        Some(Err(message)) => {
            h.raw("<p class=\"error\" role=\"alert\">")
                .text(message)
                .raw("</p>");
        }
        None => {}
    }
}

pub(super) fn field_error(h: &mut Html, errors: FieldErrors<'_>, field: &str) {
    for (name, message) in errors {
        if *name == field {
            h.raw("<span class=\"error\" id=\"")
                .text(field)
                .raw("-error\">")
                .text(message)
                .raw("</span>");
        }
    }
}

/// `aria-invalid` and `aria-describedby` for a field with an error.
pub(super) fn invalid(h: &mut Html, errors: FieldErrors<'_>, field: &str) {
    if errors.iter().any(|(name, _)| *name == field) {
        h.raw(" aria-invalid=\"true\" aria-describedby=\"")
            .text(field)
            .raw("-error\"");
    }
}

fn role_options(h: &mut Html, op: &Operator, selected: Role) {
    for role in Role::ALL {
        // Only an owner can hand out the owner role.
        if role == Role::Owner && op.role != Role::Owner && selected != Role::Owner {
            continue;
        }
        h.raw("<option value=\"").raw(role.as_str()).raw("\"");
        if role == selected {
            h.raw(" selected");
        }
        h.raw(">").raw(role.as_str()).raw("</option>");
    }
}

pub fn members(
    op: &Operator,
    list: &Members,
    invited: Option<&(Invited, String)>,
    message: Notice<'_>,
) -> String {
    layout("Members", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/members");
        notice(h, message);
        if let Some((invited, link)) = invited {
            h.raw("<section class=\"card callout\" aria-labelledby=\"invite-link\"><h2 id=\"invite-link\">Invitation for ")
                .text(&invited.email)
                .raw(" (")
                .raw(invited.role.as_str())
                .raw(")</h2><p>Send this link to them yourself: it works once and expires in 7 days. It is shown only now.</p>")
                .raw("<label for=\"invitation-url\">Invitation link</label><input id=\"invitation-url\" class=\"secret\" readonly value=\"")
                .text(link)
                .raw("\"></section>");
        }
        h.raw("<h2>Members</h2><table class=\"list\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Email</th>")
            .raw("<th scope=\"col\">Role</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
        for m in &list.members {
            let role = Role::parse(&m.role).unwrap_or(Role::Guest);
            h.raw("<tr><td>").text(&m.name);
            if m.operator_id == op.id {
                h.raw(" <span class=\"muted\">(you)</span>");
            }
            h.raw("</td><td>").text(&m.email).raw("</td><td>");
            h.raw("<form class=\"inline\" method=\"post\" action=\"/app/settings/members/")
                .text(&m.operator_id)
                .raw("\">");
            csrf::field(h, op);
            h.raw("<input type=\"hidden\" name=\"action\" value=\"role\"><label class=\"visually-hidden\" for=\"role-")
                .text(&m.operator_id)
                .raw("\">Role of ")
                .text(&m.name)
                .raw("</label><select name=\"role\" id=\"role-")
                .text(&m.operator_id)
                .raw("\">");
            role_options(h, op, role);
            h.raw("</select><button>Change role</button></form></td><td>")
                .raw("<form class=\"inline\" method=\"post\" action=\"/app/settings/members/")
                .text(&m.operator_id)
                .raw("\">");
            csrf::field(h, op);
            h.raw("<input type=\"hidden\" name=\"action\" value=\"remove\"><button class=\"danger\">Remove <span class=\"visually-hidden\">")
                .text(&m.name)
                .raw("</span></button></form></td></tr>");
        }
        h.raw("</tbody></table>");
        h.raw("<p class=\"muted\">Removing someone ends everything that acts for them on this site at once: their API tokens, the bot keys they created and the invitations they sent or were sent are revoked, and their open conversation pages stop updating within a minute.</p>");
        if !list.pending.is_empty() {
            h.raw("<h2>Pending invitations</h2><ul class=\"plain\">");
            for p in &list.pending {
                h.raw("<li><form class=\"inline\" method=\"post\" action=\"/app/settings/invitations/")
                    .text(&p.id)
                    .raw("\">");
                csrf::field(h, op);
                h.raw("<span>")
                    .text(&p.email)
                    .raw(" · ")
                    .text(&p.role)
                    .raw(" · expires ");
                time(h, p.expires_at);
                h.raw("</span><button class=\"danger\">Revoke <span class=\"visually-hidden\">invitation of ")
                    .text(&p.email)
                    .raw("</span></button></form></li>");
            }
            h.raw("</ul>");
        }
        h.raw("<h2 id=\"invite\">Invite someone</h2><form class=\"card stack\" method=\"post\" action=\"/app/settings/members\" aria-labelledby=\"invite\">");
        csrf::field(h, op);
        h.raw("<label for=\"invite-email\">Email</label><input id=\"invite-email\" name=\"email\" type=\"email\" required>")
            .raw("<label for=\"invite-role\">Role</label><select id=\"invite-role\" name=\"role\">");
        role_options(h, op, Role::Member);
        h.raw("</select><button class=\"primary\">Create invitation link</button></form>");
    })
}

pub fn tokens(
    op: &Operator,
    tokens: &[TokenRow],
    created: Option<(&str, &str)>,
    message: Notice<'_>,
) -> String {
    layout("API tokens", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/tokens");
        notice(h, message);
        if let Some((label, token)) = created {
            h.raw("<section class=\"card callout\" aria-labelledby=\"new-token\"><h2 id=\"new-token\">Token “")
                .text(label)
                .raw("” created</h2><p>Copy it now: it is shown only once, and only its hash is stored. Send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>")
                .raw("<label for=\"token-value\">API token</label><input id=\"token-value\" class=\"secret\" readonly value=\"")
                .text(token)
                .raw("\"></section>");
        }
        h.raw("<h2>API tokens of ").text(&op.site_name).raw("</h2>");
        if tokens.is_empty() {
            h.raw("<p class=\"empty\">No API tokens yet.</p>");
        } else {
            h.raw("<table class=\"list\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Acts as</th>")
                .raw("<th scope=\"col\">Created</th><th scope=\"col\">Last used</th><th scope=\"col\">Actions</th></tr></thead><tbody>");
            for t in tokens {
                h.raw("<tr><td>");
                if t.label.is_empty() {
                    h.raw("<span class=\"muted\">Unnamed</span>");
                } else {
                    h.text(&t.label);
                }
                h.raw("</td><td>").text(&t.operator_name).raw("</td><td>");
                time(h, t.created_at);
                h.raw("</td><td>");
                match t.last_used_at {
                    Some(at) => time(h, at),
                    None => {
                        h.raw("<span class=\"muted\">Never</span>");
                    }
                }
                h.raw("</td><td>");
                if let Some(id) = &t.id {
                    h.raw("<form class=\"inline\" method=\"post\" action=\"/app/settings/tokens/")
                        .text(id)
                        .raw("\">");
                    csrf::field(h, op);
                    h.raw("<button class=\"danger\">Revoke <span class=\"visually-hidden\">")
                        .text(&t.label)
                        .raw("</span></button></form>");
                }
                h.raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        }
        h.raw("<h2 id=\"create-token\">Create a token</h2><form class=\"card stack\" method=\"post\" action=\"/app/settings/tokens\" aria-labelledby=\"create-token\">");
        csrf::field(h, op);
        h.raw("<label for=\"token-label\">Name</label><input id=\"token-label\" name=\"label\" required maxlength=\"60\" placeholder=\"e.g. CRM sync\">")
            .raw("<button class=\"primary\">Create token</button></form>");
    })
}

/// The site settings page's sections for signed visitor identity and the daily ticket cap
/// (their forms post to `data_page::identity` and `data_page::cap`).
fn site_sections(h: &mut Html, op: &Operator, site: &Site) {
    h.raw("<section class=\"card stack\" aria-labelledby=\"identity-h\"><h2 id=\"identity-h\">Signed visitor identity</h2>")
        .raw("<p>Your server can vouch for signed-in users: it signs a short-lived HS256 JWT with this site's identity secret, ")
        .raw("and the widget sends it as the <code>Ticketbooth-Identity</code> header. Their name and email then come from the token.</p><p>");
    h.raw(if site.identity_secret.is_some() {
        "An identity secret is set. It is shown only once; creating a new one stops the old one at once."
    } else {
        "No identity secret yet: signed identities are refused."
    });
    h.raw("</p><form method=\"post\" action=\"/app/settings/identity\">");
    csrf::field(h, op);
    h.raw("<button>Create a new identity secret</button></form></section>");

    h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/cap\"><h2>Daily ticket cap</h2>");
    csrf::field(h, op);
    h.raw("<label for=\"daily_ticket_cap\">Widget tickets per day (UTC)</label><input id=\"daily_ticket_cap\" name=\"daily_ticket_cap\" type=\"number\" min=\"0\" max=\"1000000\" required value=\"")
        .text(&site.daily_ticket_cap.to_string())
        .raw("\" aria-describedby=\"cap-hint\"><span class=\"muted\" id=\"cap-hint\">Past this, the widget and bots (in the chat, the tool routes, MCP) open no ticket until midnight UTC; operators and the API are not limited.</span>")
        .raw("<button>Save cap</button></form>");
}

pub struct SitePage<'a> {
    pub site: &'a Site,
    /// The values in the form: the saved ones, or what was typed when it was refused.
    pub form: &'a SettingsForm,
    pub errors: FieldErrors<'a>,
    pub message: Notice<'a>,
    pub own_origin: &'a str,
}

pub fn site_settings(op: &Operator, page: &SitePage<'_>) -> String {
    let (form, errors) = (page.form, page.errors);
    layout("Site settings", Some(op), |h| {
        h.raw("<h1>Settings</h1>");
        settings_nav(h, op, "/app/settings/site");
        notice(h, page.message);
        h.raw("<form class=\"card stack\" method=\"post\" action=\"/app/settings/site\">");
        csrf::field(h, op);
        h.raw("<p class=\"muted\">Site key <code>")
            .text(page.site.key.as_ref())
            .raw("</code> (fixed: it is in every embed snippet).</p>");
        h.raw("<label for=\"name\">Name</label><input id=\"name\" name=\"name\" required value=\"")
            .text(&form.name)
            .raw("\"");
        invalid(h, errors, "name");
        h.raw(">");
        field_error(h, errors, "name");
        h.raw("<label for=\"code_prefix\">Ticket code prefix</label><input id=\"code_prefix\" name=\"code_prefix\" required value=\"")
            .text(&form.code_prefix)
            .raw("\" aria-describedby=\"code_prefix-hint\"");
        invalid(h, errors, "code_prefix");
        h.raw("><span class=\"muted\" id=\"code_prefix-hint\">2–10 capital letters. New tickets only: existing tickets keep their codes.</span>");
        field_error(h, errors, "code_prefix");
        checkbox(
            h,
            "ticketing_enabled",
            "Visitors can open tickets",
            form.ticketing_enabled.is_some(),
        );
        checkbox(
            h,
            "contact_required",
            "Ask for name and email before a ticket",
            form.contact_required.is_some(),
        );
        checkbox(
            h,
            "escalation_opens_ticket",
            "Open a ticket when a conversation is handed to a person",
            form.escalation_opens_ticket.is_some(),
        );
        h.raw("<label for=\"escalate_after_messages\">Hand a conversation to a person after this many bot answers without a ticket</label><input id=\"escalate_after_messages\" name=\"escalate_after_messages\" inputmode=\"numeric\" value=\"")
            .text(&form.escalate_after_messages)
            .raw("\" aria-describedby=\"escalate_after_messages-hint\"");
        invalid(h, errors, "escalate_after_messages");
        h.raw("><span class=\"muted\" id=\"escalate_after_messages-hint\">0 to 50; 0 never. The visitor's \u{201c}Talk to a person\u{201d}, the bot's hand-off and a failing provider always do.</span>");
        field_error(h, errors, "escalate_after_messages");
        h.raw("<label for=\"cta_label\">Button label</label><input id=\"cta_label\" name=\"cta_label\" required maxlength=\"40\" value=\"")
            .text(&form.cta_label)
            .raw("\"");
        invalid(h, errors, "cta_label");
        h.raw(">");
        field_error(h, errors, "cta_label");
        h.raw("<label for=\"locale\">Widget language</label><select id=\"locale\" name=\"locale\"");
        invalid(h, errors, "locale");
        h.raw(">");
        for (tag, name) in LOCALES {
            h.raw("<option value=\"").raw(tag).raw("\"");
            if form.locale == tag {
                h.raw(" selected");
            }
            h.raw(">").raw(name).raw("</option>");
        }
        h.raw("</select>");
        field_error(h, errors, "locale");
        h.raw("<label for=\"allowed_origins\">Allowed origins</label><textarea id=\"allowed_origins\" name=\"allowed_origins\" rows=\"4\" aria-describedby=\"allowed_origins-hint\"");
        invalid(h, errors, "allowed_origins");
        h.raw(">")
            .text(&form.allowed_origins)
            .raw("</textarea><span class=\"muted\" id=\"allowed_origins-hint\">One per line, like https://www.example.com — the websites where the widget may open tickets.</span>");
        field_error(h, errors, "allowed_origins");
        h.raw("<button class=\"primary\">Save settings</button></form>");

        let key = page.site.key.as_ref();
        h.raw("<h2>Embed snippet</h2><p>Paste this before <code>&lt;/body&gt;</code> on your website:</p>")
            .raw("<label for=\"embed\" class=\"visually-hidden\">Embed snippet</label><textarea id=\"embed\" class=\"snippet\" readonly rows=\"2\">")
            .text(&format!(
                "<script src=\"{}/widget.js\" data-site=\"{key}\" async></script>",
                page.own_origin
            ))
            .raw("</textarea><p><a href=\"/try/?site=")
            .text(key)
            .raw("\" target=\"_blank\" rel=\"noopener\">Test the widget</a> on a blank page (opens a real ticket).</p>");
        site_sections(h, op, page.site);
        super::turnstile_page::section(h, op, page.site);
    })
}

fn checkbox(h: &mut Html, name: &'static str, label: &'static str, checked: bool) {
    h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"")
        .raw(name)
        .raw("\" value=\"on\"");
    if checked {
        h.raw(" checked");
    }
    h.raw("> ").raw(label).raw("</label>");
}

/// The values typed into the new-site form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewSiteForm {
    pub key: String,
    pub name: String,
    pub code_prefix: String,
}

pub fn new_site(
    op: &Operator,
    form: &NewSiteForm,
    errors: FieldErrors<'_>,
    message: Notice<'_>,
) -> String {
    layout("New site", Some(op), |h| {
        h.raw("<section class=\"card narrow\"><h1>New site</h1><p class=\"muted\">You become its owner.</p>");
        notice(h, message);
        h.raw("<form method=\"post\" action=\"/app/sites/new\">");
        csrf::field(h, op);
        h.raw(
            "<label for=\"key\">Site key</label><input id=\"key\" name=\"key\" required value=\"",
        )
        .text(&form.key)
        .raw("\" aria-describedby=\"key-hint\"");
        invalid(h, errors, "key");
        h.raw("><span class=\"muted\" id=\"key-hint\">Lower-case letters, digits and hyphens, like acme-shop. Goes in the embed snippet; cannot change later.</span>");
        field_error(h, errors, "key");
        h.raw("<label for=\"name\">Name</label><input id=\"name\" name=\"name\" required value=\"")
            .text(&form.name)
            .raw("\"");
        invalid(h, errors, "name");
        h.raw(">");
        field_error(h, errors, "name");
        h.raw("<label for=\"code_prefix\">Ticket code prefix</label><input id=\"code_prefix\" name=\"code_prefix\" required value=\"")
            .text(if form.code_prefix.is_empty() { "TKT" } else { &form.code_prefix })
            .raw("\"");
        invalid(h, errors, "code_prefix");
        h.raw(">");
        field_error(h, errors, "code_prefix");
        h.raw("<button class=\"primary\">Create site</button></form></section>");
    })
}

pub fn invitation(
    invitation: &Invitation,
    errors: FieldErrors<'_>,
    message: Option<&str>,
) -> String {
    layout("Join a site", None, |h| {
        h.raw("<section class=\"card narrow\"><h1>Join ")
            .text(&invitation.site_name)
            .raw("</h1><p>You are invited as <strong>")
            .text(&invitation.role)
            .raw("</strong> with the email <strong>")
            .text(&invitation.email)
            .raw("</strong>.</p>");
        if let Some(message) = message {
            h.raw("<p class=\"error\" role=\"alert\">")
                .text(message)
                .raw("</p>");
        }
        h.raw("<form method=\"post\">");
        if invitation.has_account {
            h.raw(
                "<p class=\"muted\">You already have an account: enter its password to accept.</p>",
            );
        } else {
            h.raw("<label for=\"name\">Your name</label><input id=\"name\" name=\"name\" required autocomplete=\"name\"");
            invalid(h, errors, "name");
            h.raw(">");
            field_error(h, errors, "name");
        }
        h.raw("<label for=\"password\">")
            .raw(if invitation.has_account { "Password" } else { "Choose a password (at least 10 characters)" })
            .raw("</label><input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"")
            .raw(if invitation.has_account { "current-password" } else { "new-password" })
            .raw("\"");
        invalid(h, errors, "password");
        h.raw(">");
        field_error(h, errors, "password");
        h.raw("<button class=\"primary\">Accept and sign in</button></form></section>");
    })
}

/// A refusal on a page of its own (an invitation that cannot be used).
pub fn refusal(title: &str, message: &str) -> String {
    layout(title, None, |h| {
        h.raw("<section class=\"card narrow\"><h1>")
            .text(title)
            .raw("</h1><p class=\"error\" role=\"alert\">")
            .text(message)
            .raw("</p><p><a href=\"/app/login\">Sign in</a></p></section>");
    })
}

fn time(h: &mut Html, ms: i64) {
    let iso = Timestamp::from_millis(ms).to_rfc3339();
    let shown = format!("{} {} UTC", &iso[..10], &iso[11..16]);
    h.raw("<time datetime=\"")
        .text(&iso)
        .raw("\">")
        .text(&shown)
        .raw("</time>");
}
