//! MFA factors (factors.md): which `factorType`/`provider` pairs exist and which of them
//! this server enrolls, the security question catalog, answer and phone rules, and the
//! attempt window that limits guesses.
//!
//! Supported: `question`, `sms`, `call`, `email` (OKTA), `token:software:totp` (OKTA and
//! GOOGLE) and `webauthn` (FIDO). Every other pair of the reference's provider table is
//! known but refused: push and `signed_nonce` need Okta Verify, `u2f` a U2F client, `web` a
//! Duo account, `token` an RSA or Symantec server, `token:hardware` Yubico's cloud, and
//! `token:hotp` a factor profile the Admin Console creates.

use serde_json::{json, Value};

use crate::ids::FactorPrefix;

/// A factor type this server enrolls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    Question,
    Sms,
    Call,
    Email,
    OktaTotp,
    GoogleTotp,
    WebAuthn,
}

/// Every supported kind, in catalog order.
pub const SUPPORTED: [FactorKind; 7] = [
    FactorKind::Question,
    FactorKind::OktaTotp,
    FactorKind::GoogleTotp,
    FactorKind::Sms,
    FactorKind::Call,
    FactorKind::Email,
    FactorKind::WebAuthn,
];

/// What `factorType` + `provider` of an enroll request name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Supported(FactorKind),
    /// A pair of the reference's table this server does not enroll (see the module docs).
    Unsupported,
    /// Not a pair of the reference's table at all.
    Unknown,
}

impl FactorKind {
    pub fn lookup(factor_type: &str, provider: &str) -> Lookup {
        use FactorKind as K;
        match (factor_type, provider) {
            ("question", "OKTA") => Lookup::Supported(K::Question),
            ("sms", "OKTA") => Lookup::Supported(K::Sms),
            ("call", "OKTA") => Lookup::Supported(K::Call),
            ("email", "OKTA") => Lookup::Supported(K::Email),
            ("token:software:totp", "OKTA") => Lookup::Supported(K::OktaTotp),
            ("token:software:totp", "GOOGLE") => Lookup::Supported(K::GoogleTotp),
            ("webauthn", "FIDO") => Lookup::Supported(K::WebAuthn),
            ("push" | "signed_nonce", "OKTA")
            | ("u2f", "FIDO")
            | ("web", "DUO")
            | ("token", "RSA" | "SYMANTEC")
            | ("token:hardware", "YUBICO")
            | ("token:hotp", "CUSTOM") => Lookup::Unsupported,
            _ => Lookup::Unknown,
        }
    }

    pub const fn factor_type(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Email => "email",
            Self::OktaTotp | Self::GoogleTotp => "token:software:totp",
            Self::WebAuthn => "webauthn",
        }
    }

    pub const fn provider(self) -> &'static str {
        match self {
            Self::GoogleTotp => "GOOGLE",
            Self::WebAuthn => "FIDO",
            _ => "OKTA",
        }
    }

    /// The key of this factor in an MFA_ENROLL policy's `settings.factors`.
    pub const fn policy_key(self) -> &'static str {
        match self {
            Self::Question => "okta_question",
            Self::Sms => "okta_sms",
            Self::Call => "okta_call",
            Self::Email => "okta_email",
            Self::OktaTotp => "okta_otp",
            Self::GoogleTotp => "google_otp",
            Self::WebAuthn => "fido_webauthn",
        }
    }

    pub const fn id_prefix(self) -> FactorPrefix {
        match self {
            Self::Question => FactorPrefix::Question,
            Self::Sms => FactorPrefix::Sms,
            Self::Call => FactorPrefix::Call,
            Self::Email => FactorPrefix::Email,
            Self::OktaTotp => FactorPrefix::OktaTotp,
            Self::GoogleTotp => FactorPrefix::GoogleTotp,
            Self::WebAuthn => FactorPrefix::WebAuthn,
        }
    }

    /// Whether enrollment leaves the factor PENDING_ACTIVATION (all but the question).
    pub const fn needs_activation(self) -> bool {
        !matches!(self, Self::Question)
    }

    /// Whether verification starts with the server sending a code (or a challenge).
    pub const fn is_challenged(self) -> bool {
        matches!(self, Self::Sms | Self::Call | Self::Email | Self::WebAuthn)
    }

    /// Whether the factor's code is delivered by the telephony hook.
    pub const fn is_phone(self) -> bool {
        matches!(self, Self::Sms | Self::Call)
    }

    pub const fn is_totp(self) -> bool {
        matches!(self, Self::OktaTotp | Self::GoogleTotp)
    }
}

/// What an MFA_ENROLL policy's settings say of enrolling one factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyEnroll {
    /// The factor is offered (OPTIONAL or REQUIRED).
    Allowed,
    /// The policy names the factor as NOT_ALLOWED.
    NotAllowed,
    /// The policy does not name the factor: it is not enabled.
    NotEnabled,
}

/// What MFA_ENROLL `settings` say of `kind`, by `factors.<key>.enroll.self` (every stored
/// form carries `factors`; settings stored before that, with authenticators only, offer every
/// supported kind).
pub fn policy_enrollment(settings: &Value, kind: FactorKind) -> PolicyEnroll {
    let Some(factors) = settings.get("factors") else {
        return PolicyEnroll::Allowed;
    };
    match factors
        .get(kind.policy_key())
        .and_then(|f| f.get("enroll"))
        .and_then(|e| e.get("self"))
        .and_then(Value::as_str)
    {
        None => PolicyEnroll::NotEnabled,
        Some("NOT_ALLOWED") => PolicyEnroll::NotAllowed,
        Some(_) => PolicyEnroll::Allowed,
    }
}

/// Whether an MFA_ENROLL policy's settings let a user enroll `kind`.
pub fn policy_allows(settings: &Value, kind: FactorKind) -> bool {
    policy_enrollment(settings, kind) == PolicyEnroll::Allowed
}

/// Whether `factor_type` names a factor type of some provider (so a refused pair has the
/// wrong provider, Okta's "Invalid Provider.").
pub fn is_factor_type(factor_type: &str) -> bool {
    matches!(
        factor_type,
        "question"
            | "sms"
            | "call"
            | "email"
            | "push"
            | "token"
            | "token:software:totp"
            | "token:hardware"
            | "token:hotp"
            | "u2f"
            | "web"
            | "webauthn"
            | "signed_nonce"
    )
}

/// The built-in security questions: key and display text.
pub const QUESTIONS: [(&str, &str); 20] = [
    (
        "disliked_food",
        "What is the food you least liked as a child?",
    ),
    (
        "name_of_first_plush_toy",
        "What is the name of your first stuffed animal?",
    ),
    (
        "first_award",
        "What did you earn your first medal or award for?",
    ),
    (
        "favorite_security_question",
        "What is your favorite security question?",
    ),
    (
        "favorite_toy",
        "What is the toy/stuffed animal you liked the most as a kid?",
    ),
    (
        "first_computer_game",
        "What was the first computer game you played?",
    ),
    ("favorite_movie_quote", "What is your favorite movie quote?"),
    (
        "first_sports_team_mascot",
        "What was the mascot of the first sports team you played on?",
    ),
    (
        "first_music_purchase",
        "What music album or song did you first purchase?",
    ),
    ("favorite_art_piece", "What is your favorite piece of art?"),
    (
        "grandmother_favorite_desert",
        "What was your grandmother's favorite dessert?",
    ),
    (
        "first_thing_cooked",
        "What was the first thing you learned to cook?",
    ),
    ("childhood_dream_job", "What was your dream job as a child?"),
    ("first_kiss_location", "Where did you have your first kiss?"),
    (
        "place_where_significant_other_was_met",
        "Where did you meet your spouse/significant other?",
    ),
    (
        "favorite_vacation_location",
        "Where did you go for your favorite vacation?",
    ),
    (
        "new_years_two_thousand",
        "Where were you on New Year's Eve in the year 2000?",
    ),
    (
        "favorite_speaker_actor",
        "Who is your favorite speaker/orator?",
    ),
    (
        "favorite_book_movie_character",
        "Who is your favorite book/movie character?",
    ),
    (
        "favorite_sports_player",
        "Who is your favorite sports player?",
    ),
];

/// The display text of a built-in question key.
pub fn question_text(key: &str) -> Option<&'static str> {
    QUESTIONS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, text)| *text)
}

/// The question list as the API renders it.
pub fn questions_json() -> Value {
    Value::Array(
        QUESTIONS
            .iter()
            .map(|(k, t)| json!({ "question": k, "questionText": t }))
            .collect(),
    )
}

/// Shortest accepted answer, in characters.
pub const MIN_ANSWER_CHARS: usize = 4;
/// Longest accepted answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 100;

/// An answer as it is hashed and compared: surrounding spaces dropped, case folded.
pub fn normalize_answer(answer: &str) -> String {
    answer.trim().to_lowercase()
}

/// Why an answer cannot be enrolled for a question, as `errorCauses` texts; empty when it
/// can. The answer may not contain the question's text or any whole word of four or more
/// letters taken from it.
pub fn answer_problems(question_text: &str, answer: &str) -> Vec<String> {
    let normal = normalize_answer(answer);
    let chars = normal.chars().count();
    if chars < MIN_ANSWER_CHARS {
        return vec![format!(
            "answer: The security question answer must be at least {MIN_ANSWER_CHARS} characters in length"
        )];
    }
    if chars > MAX_ANSWER_CHARS {
        return vec![format!(
            "answer: The security question answer must be at most {MAX_ANSWER_CHARS} characters in length"
        )];
    }
    let question = question_text.to_lowercase();
    let contains_word = question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .any(|w| normal.split(|c: char| !c.is_alphanumeric()).any(|a| a == w));
    if normal.contains(question.trim_end_matches('?')) || contains_word {
        return vec!["answer: The answer cannot contain the question".to_owned()];
    }
    Vec::new()
}

/// A phone number in E.164 form (`+` and 8 to 15 digits), from what a user typed, as Okta
/// accepts it:
/// - spaces of every kind, dashes (ASCII and Unicode), dots, slashes and parentheses are
///   dropped (`+1-555-415-1337` is `+15554151337`);
/// - invisible formatting characters that copy and paste bring along (direction marks,
///   zero-width spaces and joiners, the byte order mark) are dropped;
/// - a full international number without its `+` (11 to 15 digits) gets its `+`.
///
/// `None` when what remains is not E.164 (a national number without its country code is
/// ambiguous, so it is refused).
pub fn e164(phone: &str) -> Option<String> {
    let kept: String = phone
        .chars()
        .filter(|c| !(c.is_whitespace() || is_phone_punctuation(*c) || is_invisible(*c)))
        .collect();
    let digits = match kept.strip_prefix('+') {
        Some(rest) => rest,
        None if kept.len() >= 11 => kept.as_str(),
        None => return None,
    };
    let ok = (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

/// Separators people put between the groups of a phone number.
fn is_phone_punctuation(c: char) -> bool {
    matches!(
        c,
        '-' | '.' | '/' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}'
    )
}

/// Characters that format text without showing: direction marks and embeddings, zero-width
/// spaces and joiners, the word joiner and the byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// An extension: 1 to 15 digits.
pub fn valid_extension(ext: &str) -> bool {
    (1..=15).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_digit())
}

/// Wrong codes or answers allowed in one window before further attempts are refused
/// (factors.md, "Activate Factor", rate limit: five attempts within five minutes).
pub const MAX_ATTEMPTS: i64 = 5;
/// The length of the attempt window, in milliseconds.
pub const ATTEMPT_WINDOW_MS: i64 = 5 * 60 * 1000;

/// Failed attempts against one factor: how many, since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    pub count: i64,
    pub window_start: i64,
}

impl Attempts {
    /// Whether another attempt may be made at `now`.
    pub fn allowed(self, now: i64) -> bool {
        self.count < MAX_ATTEMPTS || now - self.window_start >= ATTEMPT_WINDOW_MS
    }

    /// The counters after a failed attempt at `now`.
    pub fn failed(self, now: i64) -> Self {
        if self.count == 0 || now - self.window_start >= ATTEMPT_WINDOW_MS {
            Self {
                count: 1,
                window_start: now,
            }
        } else {
            Self {
                count: self.count + 1,
                window_start: self.window_start,
            }
        }
    }
}

/// Seconds before another code may be sent to the same factor (factors.md rate limits:
/// one SMS or call per 30 seconds, one email per 5 seconds).
pub const fn resend_interval_ms(kind: FactorKind) -> i64 {
    match kind {
        FactorKind::Email => 5_000,
        FactorKind::Sms | FactorKind::Call => 30_000,
        _ => 0,
    }
}

/// Default lifetime of an emailed code, and the bounds of `tokenLifetimeSeconds`.
pub const EMAIL_CODE_LIFETIME_SECS: i64 = 300;
pub const MAX_EMAIL_CODE_LIFETIME_SECS: i64 = 86_400;
/// Lifetime of a code sent by SMS or voice.
pub const PHONE_CODE_LIFETIME_SECS: i64 = 300;
/// Lifetime of a WebAuthn challenge.
pub const WEBAUTHN_CHALLENGE_SECS: i64 = 300;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_of_the_provider_table_is_known() {
        let table = [
            ("token:hotp", "CUSTOM"),
            ("web", "DUO"),
            ("webauthn", "FIDO"),
            ("token:software:totp", "GOOGLE"),
            ("call", "OKTA"),
            ("email", "OKTA"),
            ("push", "OKTA"),
            ("question", "OKTA"),
            ("sms", "OKTA"),
            ("token:software:totp", "OKTA"),
            ("token", "RSA"),
            ("token", "SYMANTEC"),
            ("token:hardware", "YUBICO"),
        ];
        for (t, p) in table {
            assert_ne!(FactorKind::lookup(t, p), Lookup::Unknown, "{t}/{p}");
        }
        for kind in SUPPORTED {
            assert_eq!(
                FactorKind::lookup(kind.factor_type(), kind.provider()),
                Lookup::Supported(kind)
            );
        }
        assert_eq!(FactorKind::lookup("sms", "GOOGLE"), Lookup::Unknown);
        assert_eq!(FactorKind::lookup("push", "OKTA"), Lookup::Unsupported);
    }

    #[test]
    fn policy_settings_decide_enrollment() {
        let s = json!({ "type": "FACTORS", "factors": {
            "okta_otp": { "enroll": { "self": "OPTIONAL" } },
            "okta_sms": { "enroll": { "self": "NOT_ALLOWED" } },
            "okta_email": { "enroll": { "self": "REQUIRED" } },
        }});
        assert!(policy_allows(&s, FactorKind::OktaTotp));
        assert!(policy_allows(&s, FactorKind::Email));
        assert!(!policy_allows(&s, FactorKind::Sms));
        assert!(!policy_allows(&s, FactorKind::GoogleTotp));
        assert_eq!(
            policy_enrollment(&s, FactorKind::Sms),
            PolicyEnroll::NotAllowed
        );
        assert_eq!(
            policy_enrollment(&s, FactorKind::GoogleTotp),
            PolicyEnroll::NotEnabled
        );
        // Settings stored with authenticators only (before factors were always stored).
        let oie = json!({ "type": "AUTHENTICATORS", "authenticators": [] });
        assert!(policy_allows(&oie, FactorKind::WebAuthn));
    }

    #[test]
    fn questions_have_unique_keys_and_texts() {
        let mut keys: Vec<_> = QUESTIONS.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), QUESTIONS.len());
        assert_eq!(
            question_text("disliked_food"),
            Some("What is the food you least liked as a child?")
        );
        assert_eq!(question_text("nope"), None);
        assert_eq!(questions_json().as_array().unwrap().len(), 20);
    }

    #[test]
    fn answers_are_normalised_by_case_and_surrounding_space() {
        assert_eq!(normalize_answer("  MayoNNaise \t"), "mayonnaise");
        assert_eq!(normalize_answer("two words"), "two words");
    }

    #[test]
    fn answer_rules() {
        let q = "What is the food you least liked as a child?";
        assert!(answer_problems(q, "mayonnaise").is_empty());
        assert!(answer_problems(q, "  abcd  ").is_empty());
        assert_eq!(answer_problems(q, " abc ").len(), 1);
        assert!(answer_problems(q, &"x".repeat(101))[0].contains("at most"));
        assert!(answer_problems(q, "my FOOD was bad")[0].contains("cannot contain"));
        assert!(
            answer_problems(q, "What is the food you least liked as a child")[0]
                .contains("cannot contain")
        );
        // Short words of the question ("is", "the") are fine in an answer.
        assert!(answer_problems(q, "it is the best").is_empty());
    }

    #[test]
    fn phone_numbers_become_e164() {
        assert_eq!(e164("+1-555-415-1337").as_deref(), Some("+15554151337"));
        assert_eq!(e164(" +44 20 7183 8750 ").as_deref(), Some("+442071838750"));
        assert_eq!(e164("+1 (415) 599.2671").as_deref(), Some("+14155992671"));
        // A full international number without its +.
        assert_eq!(e164("15554151337").as_deref(), Some("+15554151337"));
        assert_eq!(e164("1 555 415 1337").as_deref(), Some("+15554151337"));
        // Invisible formatting and Unicode separators from copy and paste.
        assert_eq!(
            e164("\u{202A}+1\u{00A0}555\u{2011}415\u{2013}1337\u{202C}").as_deref(),
            Some("+15554151337")
        );
        assert_eq!(
            e164("\u{FEFF}+44\u{200B}2071838750\u{200E}").as_deref(),
            Some("+442071838750")
        );
        for bad in [
            "",
            "5554151337",
            "00441234567",
            "+1 555 CALL NOW",
            "+",
            "+1234567",
            "+0123456789",
            "+1555abc1337",
            "+1234567890123456",
        ] {
            assert_eq!(e164(bad), None, "{bad}");
        }
        assert!(valid_extension("1234"));
        assert!(!valid_extension("12a"));
        assert!(!valid_extension(""));
    }

    #[test]
    fn attempts_are_limited_per_window() {
        let mut a = Attempts::default();
        let t0 = 1_000_000;
        for i in 0..MAX_ATTEMPTS {
            assert!(a.allowed(t0 + i));
            a = a.failed(t0 + i);
        }
        assert!(!a.allowed(t0 + 10));
        assert!(!a.allowed(t0 + ATTEMPT_WINDOW_MS - 1));
        assert!(a.allowed(t0 + ATTEMPT_WINDOW_MS));
        let b = a.failed(t0 + ATTEMPT_WINDOW_MS);
        assert_eq!(b.count, 1);
        assert_eq!(b.window_start, t0 + ATTEMPT_WINDOW_MS);
    }

    #[test]
    fn resend_intervals_follow_the_reference() {
        assert_eq!(resend_interval_ms(FactorKind::Sms), 30_000);
        assert_eq!(resend_interval_ms(FactorKind::Call), 30_000);
        assert_eq!(resend_interval_ms(FactorKind::Email), 5_000);
    }
}
