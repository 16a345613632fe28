//! Password credentials as Okta's Users API defines them (`credentials.password`: a `value`
//! set through the API, or a `hash` imported from another system; users.md "Password object"
//! and "Hashed Password object"). Recovery question answers use the same machinery.
//!
//! Invariants:
//! - Latchkey itself only ever produces argon2id ([`argon2id`]); imported hashes
//!   ([`imported`]) are kept as given and verified as given, and a successful verify of one
//!   reports `needs_rehash` so the sign-in replaces it with argon2id.
//! - [`StoredPassword`] is what the store keeps; its storage string is self-describing, so a
//!   column holds either kind and [`StoredPassword::parse_storage_string`] tells them apart.
//! - The CPU-heavy functions are crate-private: the server reaches them only through
//!   [`PasswordHasher`] ([`pool`]), which keeps them off the async runtime.

pub mod argon2id;
pub mod imported;
pub mod pool;

use std::fmt;

use secrecy::SecretString;

pub use argon2id::Argon2Params;
pub use imported::{HashInput, ImportedAlgorithm, ImportedHash, SaltOrder};
pub use pool::{PasswordHasher, DEFAULT_QUEUE};

/// Why hashing or verifying a password did not produce an answer.
///
/// No variant carries a password, salt or hash value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every worker is busy and the wait queue is full; the server answers 429 so the
    /// client backs off instead of the executor stalling.
    #[error("password hashing is at capacity")]
    Busy,
    /// The argon2 parameters or pool sizes in the configuration are unusable.
    #[error("invalid password hashing configuration: {0}")]
    InvalidConfig(String),
    /// A stored password string is not one this crate wrote (or it was damaged).
    #[error("stored password is malformed: {0}")]
    MalformedStored(&'static str),
    /// The hashing library or a worker failed unexpectedly.
    #[error("password hashing failed: {0}")]
    Internal(String),
}

/// The outcome of checking a password against a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password is the right one.
    pub matched: bool,
    /// Only ever true when `matched`: the stored form should be replaced by a fresh
    /// argon2id hash with the configured parameters (imported hash, or argon2 parameters
    /// that differ from the configuration).
    pub needs_rehash: bool,
}

/// A password as the store keeps it.
///
/// Storage strings:
/// - `Argon2`: the PHC string itself (`$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`);
/// - `Imported`: `$latchkey-import$v=1$<ALGORITHM>$<params>$<salt>$<value>`, described in
///   [`imported`]; parsing it re-runs the same validation as the Okta hash object.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredPassword {
    /// A PHC string produced by Latchkey (argon2id, or any argon2 variant to upgrade).
    Argon2(String),
    /// A hash imported through the Users API, verified until the first successful sign-in.
    Imported(ImportedHash),
}

impl StoredPassword {
    /// The string the store keeps for this password.
    pub fn to_storage_string(&self) -> String {
        match self {
            Self::Argon2(phc) => phc.clone(),
            Self::Imported(hash) => hash.to_storage_string(),
        }
    }

    /// Reads a string written by [`StoredPassword::to_storage_string`].
    pub fn parse_storage_string(stored: &str) -> Result<Self, HashError> {
        if stored.starts_with(imported::STORAGE_PREFIX) {
            ImportedHash::parse_storage_string(stored).map(Self::Imported)
        } else if stored.starts_with("$argon2") {
            argon2id::check_phc(stored)?;
            Ok(Self::Argon2(stored.to_owned()))
        } else {
            Err(HashError::MalformedStored(
                "unknown password storage format",
            ))
        }
    }

    /// Checks `password`; CPU-heavy, so only [`PasswordHasher`] calls it, on a worker.
    pub(crate) fn verify(
        &self,
        password: &SecretString,
        params: &Argon2Params,
    ) -> Result<Verification, HashError> {
        match self {
            Self::Argon2(phc) => {
                let matched = argon2id::verify(phc, password)?;
                let needs_rehash = matched && argon2id::needs_rehash(phc, params)?;
                Ok(Verification {
                    matched,
                    needs_rehash,
                })
            }
            Self::Imported(hash) => {
                let matched = hash.verify(password);
                Ok(Verification {
                    matched,
                    needs_rehash: matched,
                })
            }
        }
    }
}

impl fmt::Debug for StoredPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Argon2(_) => f.write_str("Argon2(<redacted>)"),
            Self::Imported(hash) => f.debug_tuple("Imported").field(hash).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Argon2Params {
        Argon2Params {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn argon2_storage_string_is_the_phc_string_and_round_trips() {
        let phc = argon2id::hash(&small(), &secret("Tr0ub4dor&3")).unwrap();
        let stored = StoredPassword::Argon2(phc.clone());
        assert_eq!(stored.to_storage_string(), phc);
        let back = StoredPassword::parse_storage_string(&phc).unwrap();
        assert_eq!(back, stored);
    }

    #[test]
    fn imported_storage_string_round_trips() {
        let input = HashInput {
            algorithm: "SHA-1".into(),
            value: Some("xjrauE6J6kbjcvMjWSSc+PsBBls=".into()),
            salt: Some("UEO3wsAsgzQ=".into()),
            salt_order: Some("POSTFIX".into()),
            ..HashInput::default()
        };
        let stored = StoredPassword::Imported(ImportedHash::parse(input).unwrap());
        let text = stored.to_storage_string();
        assert!(text.starts_with("$latchkey-import$v=1$SHA-1$"), "{text}");
        assert_eq!(StoredPassword::parse_storage_string(&text).unwrap(), stored);
        let exported = ImportedHash::storage_input(&text).unwrap();
        assert_eq!(exported.algorithm, "SHA-1");
        assert_eq!(exported.salt_order.as_deref(), Some("POSTFIX"));
        assert_eq!(
            StoredPassword::Imported(ImportedHash::parse(exported).unwrap()),
            stored,
            "the Okta object of a stored hash imports as the same hash"
        );
    }

    #[test]
    fn unknown_storage_strings_are_rejected() {
        for bad in [
            "",
            "plaintext",
            "$2a$10$rwh3vH166HCH/NT9XV5FYuqaMqvAPULkbiQzkTCWo5XDcvzpk8Tna",
            "$argon2id$garbage",
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$latchkey-import$v=1$SHA-1$$$not base64",
            "$latchkey-import$v=2$SHA-1$$$xjrauE6J6kbjcvMjWSSc+PsBBls=",
        ] {
            assert!(StoredPassword::parse_storage_string(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn imported_match_always_needs_rehash_and_a_miss_never_does() {
        // SHA-1("abc") from FIPS 180, stored unsalted.
        let input = HashInput {
            algorithm: "SHA-1".into(),
            value: Some("qZk+NkcGgWq6PiVxeFDCbJzQ2J0=".into()),
            ..HashInput::default()
        };
        let stored = StoredPassword::Imported(ImportedHash::parse(input).unwrap());
        let hit = stored.verify(&secret("abc"), &small()).unwrap();
        assert_eq!(
            hit,
            Verification {
                matched: true,
                needs_rehash: true
            }
        );
        let miss = stored.verify(&secret("abd"), &small()).unwrap();
        assert_eq!(
            miss,
            Verification {
                matched: false,
                needs_rehash: false
            }
        );
    }

    #[test]
    fn argon2_needs_rehash_only_after_a_match_with_other_params() {
        let phc = argon2id::hash(&small(), &secret("pw")).unwrap();
        let stored = StoredPassword::Argon2(phc);
        let same = stored.verify(&secret("pw"), &small()).unwrap();
        assert_eq!(
            same,
            Verification {
                matched: true,
                needs_rehash: false
            }
        );
        let stronger = Argon2Params {
            memory_kib: 2048,
            ..small()
        };
        let hit = stored.verify(&secret("pw"), &stronger).unwrap();
        assert_eq!(
            hit,
            Verification {
                matched: true,
                needs_rehash: true
            }
        );
        let miss = stored.verify(&secret("nope"), &stronger).unwrap();
        assert_eq!(
            miss,
            Verification {
                matched: false,
                needs_rehash: false
            }
        );
    }

    #[test]
    fn debug_does_not_print_the_phc_string() {
        let phc = argon2id::hash(&small(), &secret("pw")).unwrap();
        let shown = format!("{:?}", StoredPassword::Argon2(phc.clone()));
        assert_eq!(shown, "Argon2(<redacted>)");
        assert!(!shown.contains(&phc));
    }
}
