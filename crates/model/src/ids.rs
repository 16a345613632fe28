//! Okta-shaped object ids: a 3-character type prefix and 17 random base62 characters
//! (20 in all), e.g. `00ub0oNGTSWTBKOLGLNR`.

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_char(i: usize) -> char {
    char::from(BASE62.get(i).copied().unwrap_or(b'0'))
}

/// The prefix of each kind of object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    ApiToken,
    UserType,
    Org,
    Event,
    Schema,
    TrustedOrigin,
    Policy,
    PolicyRule,
    NetworkZone,
    EventHook,
    InlineHook,
    /// An app instance (apps.md, "Application object").
    App,
    /// A user's assignment to an app (`appAssignmentId` of an app link).
    AppUser,
    /// An app's link on the end-user dashboard (`_links.appLinks`).
    AppLink,
    /// An app's external key (the SAML IdP entity id Okta derives from it).
    AppExternalKey,
    /// An uploaded logo (a file store record).
    Logo,
    /// An enrolled MFA factor; the prefix tells its type (factors.md examples).
    Factor(FactorPrefix),
    /// A user's Okta session (sessions.md, "Session object"; System Log
    /// `authenticationContext.externalSessionId`, e.g. `102GALFw8CzRT2KXoqnca8Jdg`).
    Session,
    /// One of the org's authenticators (`aut`, as in the Authenticators API examples).
    Authenticator,
    /// An administrator role assignment (`ra1`, as in the Roles API examples).
    RoleAssignment,
}

/// The id prefix of each factor type Okta shows in its examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorPrefix {
    Question,
    Sms,
    Call,
    Email,
    OktaTotp,
    GoogleTotp,
    WebAuthn,
}

impl Kind {
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::User => "00u",
            Self::Group => "00g",
            Self::ApiToken => "00T",
            Self::UserType => "oty",
            Self::Org => "00o",
            Self::Event => "evt",
            Self::Schema => "osc",
            Self::TrustedOrigin => "tos",
            Self::Policy => "00p",
            Self::PolicyRule => "0pr",
            Self::NetworkZone => "nzo",
            Self::EventHook => "who",
            Self::InlineHook => "cal",
            Self::App => "0oa",
            Self::AppUser => "0ua",
            Self::AppLink => "aln",
            Self::AppExternalKey => "exk",
            Self::Logo => "fs0",
            Self::Session => "102",
            Self::Authenticator => "aut",
            Self::RoleAssignment => "ra1",
            Self::Factor(f) => match f {
                FactorPrefix::Question => "ufs",
                FactorPrefix::Sms => "mbl",
                FactorPrefix::Call => "clf",
                FactorPrefix::Email => "emf",
                FactorPrefix::OktaTotp => "ost",
                FactorPrefix::GoogleTotp => "uft",
                FactorPrefix::WebAuthn => "fwf",
            },
        }
    }
}

/// A fresh id of the given kind.
pub fn new_id(kind: Kind) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(20);
    id.push_str(kind.prefix());
    for _ in 0..17 {
        id.push(base62_char(rng.gen_range(0..BASE62.len())));
    }
    id
}

/// True when `s` could be an id of this kind (prefix and shape), so a malformed id in a path
/// answers "not found" without touching the store.
pub fn looks_like(kind: Kind, s: &str) -> bool {
    s.len() == 20 && s.starts_with(kind.prefix()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The id of `kind` that `digest` (at least 17 bytes, e.g. a SHA-256 of what the object is
/// derived from) stands for: the same digest always gives the same id. For objects Okta
/// shows an id for but that exist only as a relation (an app assignment made through a
/// group, an app's link), so the id stays stable without being stored.
pub fn derived_id(kind: Kind, digest: &[u8]) -> String {
    let mut id = String::with_capacity(20);
    id.push_str(kind.prefix());
    for byte in digest.iter().take(17) {
        id.push(base62_char(usize::from(*byte) % BASE62.len()));
    }
    while id.len() < 20 {
        id.push('0');
    }
    id
}

/// A random base62 string of `len` characters (tokens, cursors).
pub fn random_base62(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| base62_char(rng.gen_range(0..BASE62.len())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_twenty_chars_with_prefix() {
        for kind in [
            Kind::User,
            Kind::Group,
            Kind::ApiToken,
            Kind::UserType,
            Kind::Session,
        ] {
            let id = new_id(kind);
            assert_eq!(id.len(), 20);
            assert!(id.starts_with(kind.prefix()));
            assert!(looks_like(kind, &id));
        }
    }

    #[test]
    fn ids_do_not_repeat() {
        let a = new_id(Kind::User);
        let b = new_id(Kind::User);
        assert_ne!(a, b);
    }

    #[test]
    fn rejects_wrong_shape() {
        assert!(!looks_like(Kind::User, "00g1234567890123456"));
        assert!(!looks_like(Kind::User, "00u123"));
        assert!(!looks_like(Kind::User, "00u12345678901234-67"));
    }
}
