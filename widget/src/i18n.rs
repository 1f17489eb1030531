//! Every string a visitor reads, one table per locale. `Strings` is a struct, not a map, so a
//! locale that forgets a string does not compile.

use ticketbooth_shared::Status;
use ticketbooth_shared::field_error::FieldError;

pub struct Strings {
    pub lang: &'static str,
    /// The script's direction (`ltr` or `rtl`): the widget's `dir`, whatever the page's.
    pub dir: &'static str,
    pub launcher_open: &'static str,
    pub launcher_close: &'static str,
    pub title: &'static str,
    pub subtitle: &'static str,
    pub close: &'static str,
    pub back: &'static str,
    pub greeting: &'static str,
    pub intro: &'static str,
    pub cta: &'static str,
    pub cta_hint: &'static str,
    pub my_tickets: &'static str,
    pub my_tickets_hint: &'static str,
    pub disabled: &'static str,
    pub contact_title: &'static str,
    pub contact_intro: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub continue_: &'static str,
    pub form_title: &'static str,
    pub subject: &'static str,
    pub description: &'static str,
    pub description_hint: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub fix_fields: &'static str,
    pub queued: &'static str,
    pub refused: &'static str,
    /// The send waits for Turnstile's human check.
    pub human_check: &'static str,
    /// siteverify refused the check's token.
    pub human_failed: &'static str,
    pub done_title: &'static str,
    pub done_body: &'static str,
    pub done_follow: &'static str,
    pub tickets_title: &'static str,
    pub tickets_loading: &'static str,
    pub tickets_empty: &'static str,
    pub tickets_failed: &'static str,
    /// Next to a ticket with a team reply the visitor has not opened yet.
    pub tickets_new_reply: &'static str,
    pub powered: &'static str,
    pub required: &'static str,
    pub too_long: (&'static str, &'static str),
    pub forbidden: &'static str,
    pub invalid_email: &'static str,
    pub invalid_format: &'static str,
    /// Visitor-facing status labels, indexed like `Status::ALL`.
    pub status: [&'static str; 4],
    /// A pending ticket waiting on the visitor (the team asked them something).
    pub waiting_for_you: &'static str,
    /// The chat: the message list's name, who wrote what, and a message's progress.
    pub chat_log: &'static str,
    pub chat_intro: &'static str,
    pub you: &'static str,
    pub bot: &'static str,
    pub team: &'static str,
    pub sent: &'static str,
    pub not_sent: &'static str,
    pub retry: &'static str,
    pub message: &'static str,
    pub send_message: &'static str,
    /// The composer's count: `n / 4000` and what follows once over the limit.
    pub over_limit: &'static str,
    pub message_refused: &'static str,
    pub ticket: &'static str,
    pub typing: &'static str,
    /// The launcher's label with the unread count: before and after the number.
    pub unread: (&'static str, &'static str),
    /// Said when nobody has answered the visitor for a while: the start, then the reply-time
    /// text (`subtitle`), then the way on.
    pub nobody_yet: &'static str,
    pub nobody_ticket: &'static str,
    /// A ticket's thread.
    pub reply: &'static str,
    pub send_reply: &'static str,
    pub thread_empty: &'static str,
    pub thread_closed: &'static str,
    pub thread_unreachable: &'static str,
    /// The in-chat contact form (the bot asked for it), its button, and its answers.
    pub contact_ask: &'static str,
    pub contact_give: &'static str,
    pub contact_thanks: &'static str,
    pub contact_failed: &'static str,
    /// "Talk to a person" in the chat, what it says once pressed (and when the bot hands the
    /// conversation over), and when it could not be sent.
    pub talk_to_person: &'static str,
    pub person_follows: &'static str,
    pub talk_failed: &'static str,
}

pub static EN: Strings = Strings {
    lang: "en",
    dir: "ltr",
    launcher_open: "Open support",
    launcher_close: "Close support",
    title: "Support",
    subtitle: "We usually reply within a day",
    close: "Close",
    back: "Back",
    greeting: "Hi there!",
    intro: "Tell us what went wrong and our team will follow up. You'll get a ticket code to keep track.",
    cta: "Open a ticket",
    cta_hint: "Takes about a minute",
    my_tickets: "My tickets",
    my_tickets_hint: "Follow the requests you've sent",
    disabled: "Tickets can't be opened here right now.",
    contact_title: "How can we reach you?",
    contact_intro: "So our team can reach you about your ticket.",
    name: "Your name",
    email: "Email",
    continue_: "Continue",
    form_title: "Open a ticket",
    subject: "Subject",
    description: "What happened?",
    description_hint: "Steps, links, error messages: anything that helps.",
    send: "Send ticket",
    sending: "Sending…",
    fix_fields: "Please check the highlighted fields.",
    queued: "You're offline. Your ticket is saved and will be sent as soon as you're back online.",
    refused: "We couldn't accept this ticket. Please try again later.",
    human_check: "Please complete the human check below the form, then send.",
    human_failed: "The human check didn't pass. Please complete it again, then send.",
    done_title: "Ticket opened",
    done_body: "Thanks! Our team has your request. Your ticket code is",
    done_follow: "See my tickets",
    tickets_title: "My tickets",
    tickets_loading: "Loading your tickets…",
    tickets_empty: "You haven't opened any tickets yet.",
    tickets_failed: "Your tickets couldn't be loaded. Check your connection and try again.",
    tickets_new_reply: "New reply",
    powered: "Powered by Ticketbooth",
    required: "This field is required.",
    too_long: ("At most ", " characters."),
    forbidden: "This field contains characters that are not allowed.",
    invalid_email: "Enter a valid email address, like name@example.com.",
    invalid_format: "This value is not in the expected format.",
    status: ["Received", "We're on it", "Solved", "Closed"],
    waiting_for_you: "Waiting for your reply",
    chat_log: "Conversation",
    chat_intro: "Ask us anything here, or open a ticket and we'll follow up in My tickets.",
    you: "You",
    bot: "Bot",
    team: "Support team",
    sent: "Sent",
    not_sent: "Not sent",
    retry: "Retry",
    message: "Message",
    send_message: "Send message",
    over_limit: " — too long to send",
    message_refused: "This message wasn't accepted. Edit it and send it again.",
    ticket: "Ticket",
    typing: "Typing…",
    unread: (", ", " new messages"),
    nobody_yet: "Nobody has answered yet. ",
    nobody_ticket: ". Open a ticket and we'll follow up in My tickets.",
    reply: "Your reply",
    send_reply: "Send reply",
    thread_empty: "No replies yet. We'll answer here.",
    thread_closed: "This ticket is closed. Open a new ticket if you need more help.",
    thread_unreachable: "Your reply couldn't be sent. Check your connection and send it again.",
    contact_ask: "So our team can get back to you, leave your name and email.",
    contact_give: "Share my details",
    contact_thanks: "Thanks, we have your details.",
    contact_failed: "Your details couldn't be sent. Check them and your connection, then try again.",
    talk_to_person: "Talk to a person",
    person_follows: "A person will follow up here.",
    talk_failed: "Your request couldn't be sent. Check your connection and try again.",
};

pub static FR: Strings = Strings {
    lang: "fr",
    dir: "ltr",
    launcher_open: "Ouvrir l’assistance",
    launcher_close: "Fermer l’assistance",
    title: "Assistance",
    subtitle: "Nous répondons en général sous 24 h",
    close: "Fermer",
    back: "Retour",
    greeting: "Bonjour !",
    intro: "Dites-nous ce qui ne va pas : notre équipe vous répondra. Un code de ticket vous permettra de suivre votre demande.",
    cta: "Ouvrir un ticket",
    cta_hint: "Environ une minute",
    my_tickets: "Mes tickets",
    my_tickets_hint: "Suivre vos demandes",
    disabled: "Impossible d’ouvrir un ticket ici pour le moment.",
    contact_title: "Comment vous joindre ?",
    contact_intro: "Pour que notre équipe puisse vous joindre au sujet de votre ticket.",
    name: "Votre nom",
    email: "E-mail",
    continue_: "Continuer",
    form_title: "Ouvrir un ticket",
    subject: "Objet",
    description: "Que s’est-il passé ?",
    description_hint: "Étapes, liens, messages d’erreur : tout ce qui peut aider.",
    send: "Envoyer le ticket",
    sending: "Envoi…",
    fix_fields: "Veuillez vérifier les champs signalés.",
    queued: "Vous êtes hors ligne. Votre ticket est enregistré et sera envoyé dès le retour de la connexion.",
    refused: "Nous n’avons pas pu accepter ce ticket. Réessayez plus tard.",
    human_check: "Veuillez effectuer la vérification anti-robot sous le formulaire, puis envoyer.",
    human_failed: "La vérification anti-robot a échoué. Refaites-la, puis envoyez.",
    done_title: "Ticket ouvert",
    done_body: "Merci ! Notre équipe a bien reçu votre demande. Votre code de ticket :",
    done_follow: "Voir mes tickets",
    tickets_title: "Mes tickets",
    tickets_loading: "Chargement de vos tickets…",
    tickets_empty: "Vous n’avez encore ouvert aucun ticket.",
    tickets_failed: "Impossible de charger vos tickets. Vérifiez votre connexion et réessayez.",
    tickets_new_reply: "Nouvelle réponse",
    powered: "Propulsé par Ticketbooth",
    required: "Ce champ est obligatoire.",
    too_long: ("Au plus ", " caractères."),
    forbidden: "Ce champ contient des caractères non autorisés.",
    invalid_email: "Saisissez une adresse e-mail valide, comme nom@exemple.fr.",
    invalid_format: "Cette valeur n’a pas le format attendu.",
    status: ["Reçu", "En cours", "Résolu", "Fermé"],
    waiting_for_you: "En attente de votre réponse",
    chat_log: "Conversation",
    chat_intro: "Posez-nous vos questions ici, ou ouvrez un ticket : nous vous répondrons dans « Mes tickets ».",
    you: "Vous",
    bot: "Bot",
    team: "Équipe d’assistance",
    sent: "Envoyé",
    not_sent: "Non envoyé",
    retry: "Réessayer",
    message: "Message",
    send_message: "Envoyer le message",
    over_limit: " — trop long pour être envoyé",
    message_refused: "Ce message n’a pas été accepté. Modifiez-le et renvoyez-le.",
    ticket: "Ticket",
    typing: "En train d’écrire…",
    unread: (", ", " nouveaux messages"),
    nobody_yet: "Personne n’a encore répondu. ",
    nobody_ticket: ". Ouvrez un ticket : nous vous répondrons dans « Mes tickets ».",
    reply: "Votre réponse",
    send_reply: "Envoyer la réponse",
    thread_empty: "Pas encore de réponse. Nous répondrons ici.",
    thread_closed: "Ce ticket est fermé. Ouvrez un nouveau ticket si vous avez encore besoin d’aide.",
    thread_unreachable: "Votre réponse n’a pas pu être envoyée. Vérifiez votre connexion et renvoyez-la.",
    contact_ask: "Pour que notre équipe puisse vous répondre, indiquez votre nom et votre e-mail.",
    contact_give: "Envoyer mes coordonnées",
    contact_thanks: "Merci, nous avons vos coordonnées.",
    contact_failed: "Vos coordonnées n’ont pas pu être envoyées. Vérifiez-les ainsi que votre connexion, puis réessayez.",
    talk_to_person: "Parler à une personne",
    person_follows: "Une personne de l’équipe vous répondra ici.",
    talk_failed: "Votre demande n’a pas pu être envoyée. Vérifiez votre connexion et réessayez.",
};

/// The table for a BCP 47 tag (`fr`, `fr-CA`, `FR`), English when we have none.
pub fn strings(tag: &str) -> &'static Strings {
    let lang = tag.split(['-', '_']).next().unwrap_or("");
    if lang.eq_ignore_ascii_case("fr") {
        &FR
    } else {
        &EN
    }
}

impl Strings {
    pub fn status(&self, status: Status) -> &'static str {
        self.status[status as usize]
    }

    /// A field error in this locale (built without `format!`: no core::fmt in the Wasm).
    pub fn field_error(&self, error: FieldError) -> String {
        match error {
            FieldError::Required => self.required.into(),
            FieldError::TooLong { max } => {
                let mut s = String::from(self.too_long.0);
                push_number(&mut s, max);
                s.push_str(self.too_long.1);
                s
            }
            FieldError::ForbiddenCharacters => self.forbidden.into(),
            FieldError::InvalidEmail => self.invalid_email.into(),
            FieldError::InvalidFormat => self.invalid_format.into(),
        }
    }
}

/// Appends `n` in decimal.
pub fn push_number(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags_pick_their_table() {
        assert_eq!(strings("fr").lang, "fr");
        assert_eq!(strings("fr-CA").lang, "fr");
        assert_eq!(strings("FR_be").lang, "fr");
        assert_eq!(strings("en-GB").lang, "en");
        assert_eq!(strings("de").lang, "en");
        assert_eq!(strings("").lang, "en");
    }

    #[test]
    fn status_labels_follow_status_all() {
        for (i, status) in Status::ALL.into_iter().enumerate() {
            assert_eq!(status as usize, i);
        }
        assert_eq!(EN.status(Status::Pending), "We're on it");
        for status in Status::ALL {
            assert_eq!(EN.status(status), status.visitor_label(), "{status:?}");
        }
        assert_eq!(FR.status(Status::Resolved), "Résolu");
    }

    #[test]
    fn field_errors_are_translated_with_their_numbers() {
        assert_eq!(
            EN.field_error(FieldError::TooLong { max: 200 }),
            "At most 200 characters."
        );
        assert_eq!(
            FR.field_error(FieldError::TooLong { max: 20000 }),
            "Au plus 20000 caractères."
        );
        assert_eq!(
            EN.field_error(FieldError::InvalidEmail),
            FieldError::InvalidEmail.to_string()
        );
        let mut s = String::new();
        push_number(&mut s, 0);
        assert_eq!(s, "0");
    }

    /// The loader (widget/loader.js, served minified as www/widget.js) draws the launcher before the Wasm arrives, with a provisional label for
    /// English and French: it must be this table's, or the name would change at mount.
    #[test]
    fn the_loaders_launcher_labels_are_this_tables() {
        let loader = include_str!("../loader.js");
        for s in [&EN, &FR] {
            let quoted = ["'", s.launcher_open, "'"].concat();
            assert!(
                loader.contains(&quoted),
                "{quoted} missing from widget/loader.js"
            );
            // Both tables are left-to-right, which is what the loader sets before mount.
            assert_eq!(s.dir, "ltr");
        }
        assert!(loader.contains("p.dir = 'ltr'"), "the loader sets dir");
    }
}
