//! What a reply by e-mail actually says: the history mail programs quote under (or over) a
//! reply, and the sender's signature, taken away. Pure text in, text out.
//!
//! The rules, in the order a line is tested:
//! - an attribution line ends the reply: "On <date>, <name> wrote:" (Gmail, Apple Mail,
//!   Thunderbird; Gmail wraps it onto a second line when the name is long);
//! - Outlook's separators end it: "-----Original Message-----", and a header block that
//!   starts "From: …" with "Sent: …" (or "Date: …") in the next lines, under an optional
//!   rule of underscores;
//! - a signature delimiter ("-- ", RFC 3676) ends it, as does a lone "Sent from my …";
//! - lines quoted with `>` are dropped wherever they are (an answer written between quotes
//!   keeps its own lines).
//!
//! When nothing is left (a message that only forwards history), the whole text is kept: the
//! team must never lose what a customer sent.

/// The reply without its quoted history and signature; the whole text when nothing is left.
pub fn strip(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next = &lines[i + 1..];
        if ends_reply(line, next) {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    // A trailing "Sent from my iPhone" after the text.
    while let Some(last) = kept.last() {
        if last.trim().is_empty() || is_device_signature(last) {
            kept.pop();
        } else {
            break;
        }
    }
    let reply = collapse_blank_lines(&kept);
    if reply.trim().is_empty() {
        text.trim().to_owned()
    } else {
        reply
    }
}

/// Whether `line` (with the lines after it) starts the quoted history or the signature.
fn ends_reply(line: &str, next: &[&str]) -> bool {
    let trimmed = line.trim();
    if line == "-- " || trimmed == "--" {
        return true;
    }
    if trimmed.eq_ignore_ascii_case("-----Original Message-----")
        || trimmed.eq_ignore_ascii_case("----- Original Message -----")
    {
        return true;
    }
    if is_attribution(trimmed, next.first().map(|l| l.trim())) {
        return true;
    }
    // Outlook's header block, under its rule of underscores or on its own.
    let header_start = if trimmed.len() >= 10 && trimmed.chars().all(|c| c == '_') {
        next.iter().find(|l| !l.trim().is_empty()).map(|l| l.trim())
    } else {
        Some(trimmed)
    };
    if let Some(from) = header_start
        && starts_with_ignore_case(from, "From:")
    {
        let window = next.iter().take(4);
        return window
            .map(|l| l.trim())
            .any(|l| starts_with_ignore_case(l, "Sent:") || starts_with_ignore_case(l, "Date:"));
    }
    false
}

/// "On Mon, 7 Dec 2026 at 10:02, Jane <jane@example.com> wrote:", on one line or wrapped
/// onto the next.
fn is_attribution(line: &str, next: Option<&str>) -> bool {
    if !line.starts_with("On ") {
        return false;
    }
    if line.ends_with("wrote:") {
        return true;
    }
    // Gmail's wrap: the second line carries the end, and the first has no full stop (a
    // sentence starting "On " is not an attribution).
    next.is_some_and(|n| n.ends_with("wrote:") && n.len() < 120) && !line.ends_with('.')
}

fn is_device_signature(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("Sent from my ") && t.len() < 60
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The kept lines joined, with runs of blank lines made one and none at either end.
fn collapse_blank_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank_run = false;
    for line in lines {
        if line.trim().is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        blank_run = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn gmail_reply_loses_its_attribution_and_quote() {
        let mail = "Thanks, that fixed it!\r\n\r\nJane\r\n\r\nOn Mon, Dec 7, 2026 at 10:02 AM Acme Support <t-0123@mail.example.com> wrote:\r\n> Hello Jane,\r\n> try clearing the cache.\r\n>\r\n";
        assert_eq!(strip(mail), "Thanks, that fixed it!\n\nJane");
    }

    #[test]
    fn gmail_wrapped_attribution_is_recognised() {
        let mail = "Still broken.\n\nOn Mon, Dec 7, 2026 at 10:02 AM Acme Customer Support Team <\nt-0123456789abcdef@mail.example.com> wrote:\n\n> Hello\n";
        assert_eq!(strip(mail), "Still broken.");
    }

    #[test]
    fn apple_mail_attribution_and_device_signature() {
        let mail = "Yes, order 1234.\n\nSent from my iPhone\n\n> On 7 Dec 2026, at 10:02, Acme Support <t-0123@mail.example.com> wrote:\n> \n> Which order?\n";
        assert_eq!(strip(mail), "Yes, order 1234.");
        let mail = "Yes.\n\nOn 7 Dec 2026, at 10:02, Acme Support <t-0123@mail.example.com> wrote:\n\nWhich order?\n";
        assert_eq!(strip(mail), "Yes.");
    }

    #[test]
    fn outlook_header_block_ends_the_reply() {
        let mail = "Please call me back.\r\n\r\nBest regards\r\nJohn\r\n\r\n________________________________\r\nFrom: Acme Support <t-0123@mail.example.com>\r\nSent: Monday, December 7, 2026 10:02 AM\r\nTo: John <john@example.org>\r\nSubject: Re: [TKT-42] Login fails\r\n\r\nHello John,\r\n";
        assert_eq!(strip(mail), "Please call me back.\n\nBest regards\nJohn");
        let mail =
            "See attached.\n\n-----Original Message-----\nFrom: Acme\nSent: today\n\nold text";
        assert_eq!(strip(mail), "See attached.");
        let mail = "Ok.\n\nFrom: Acme Support\nSent: Monday\nTo: me\n\nold";
        assert_eq!(strip(mail), "Ok.");
    }

    #[test]
    fn a_from_line_without_a_header_block_is_text() {
        let mail = "From: my phone, sorry for typos.\nIt still fails.";
        assert_eq!(strip(mail), mail);
    }

    #[test]
    fn signature_after_delimiter_goes() {
        let mail = "It works now.\n-- \nJane Doe\nACME Corp | +1 555 0100\n";
        assert_eq!(strip(mail), "It works now.");
    }

    #[test]
    fn interleaved_answers_keep_their_own_lines() {
        let mail = "> Which browser?\nFirefox 130.\n> Which OS?\nLinux.\n";
        assert_eq!(strip(mail), "Firefox 130.\nLinux.");
    }

    #[test]
    fn a_sentence_starting_with_on_is_kept() {
        let mail = "On second thought, cancel the order.\nThanks.";
        assert_eq!(strip(mail), mail);
    }

    #[test]
    fn nothing_but_history_keeps_everything() {
        let mail = "> only a quote\n> nothing else\n";
        assert_eq!(strip(mail), "> only a quote\n> nothing else");
    }
}
