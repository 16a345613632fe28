//! Argon2id, the only hash Latchkey writes for a password set through Okta's Users API
//! (create with `credentials.password.value`, change/reset password, recovery answers) and
//! the target of the upgrade after an imported hash verifies (README.md "Passwords").
//!
//! Invariants:
//! - hashes are PHC strings, `$argon2id$v=19$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<hash>`,
//!   with a fresh 16-byte salt from the OS generator and a 32-byte output;
//! - verification reads the parameters from the stored string, so changing the
//!   configuration never locks anyone out; [`needs_rehash`] tells the caller when the stored
//!   parameters (or variant, or version) differ from the configured ones;
//! - hashing and verifying are crate-private: they cost tens of milliseconds of CPU and run
//!   only on [`super::PasswordHasher`]'s workers.

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::HashError;

/// Length of the random salt in bytes (the PHC recommendation).
const SALT_LEN: usize = 16;

/// Argon2id cost parameters.
///
/// The default is OWASP's first recommended argon2id configuration: 19 MiB of memory,
/// 2 iterations, 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argon2Params {
    /// Memory cost in KiB (`m`); at least 8 × `parallelism`.
    pub memory_kib: u32,
    /// Number of passes over memory (`t`); at least 1.
    pub iterations: u32,
    /// Number of lanes (`p`); at least 1.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// Rejects parameters argon2 cannot run with, so a bad configuration fails at start-up
    /// rather than at the first sign-in.
    pub fn validate(&self) -> Result<(), HashError> {
        self.to_argon2().map(|_| ())
    }

    fn to_argon2(self) -> Result<Params, HashError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(|e| {
            HashError::InvalidConfig(format!(
                "argon2 memory_kib={} iterations={} parallelism={}: {e}",
                self.memory_kib, self.iterations, self.parallelism
            ))
        })
    }

    fn hasher(self) -> Result<Argon2<'static>, HashError> {
        Ok(Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            self.to_argon2()?,
        ))
    }
}

/// Argon2 working memory, reused by every hash and verify: a job takes a set of blocks, uses
/// it and puts it back, so the process holds one set per job running at once (the hashing
/// workers) whichever threads run them, instead of asking the allocator for `memory_kib` KiB
/// per password (which allocators keep afterwards: hundreds of MiB under sign-in load) or
/// keeping one set per thread that ever hashed.
static BLOCKS: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());

/// Sets kept for reuse at most (more only exist while more jobs run at once).
const KEPT_BLOCK_SETS: usize = 16;

/// Computes the raw argon2 output into `out` on reused memory.
fn compute(argon: &Argon2<'_>, pwd: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), HashError> {
    let needed = argon.params().block_count();
    let mut blocks = BLOCKS
        .lock()
        .map_err(|_| HashError::Internal("argon2 memory pool poisoned".into()))?
        .pop()
        .unwrap_or_default();
    if blocks.len() < needed {
        blocks.resize(needed, argon2::Block::default());
    }
    let result = match blocks.get_mut(..needed) {
        Some(memory) => argon
            .hash_password_into_with_memory(pwd, salt, out, memory)
            .map_err(|e| HashError::Internal(e.to_string())),
        None => Err(HashError::Internal("argon2 memory".into())),
    };
    if let Ok(mut pool) = BLOCKS.lock() {
        if pool.len() < KEPT_BLOCK_SETS {
            pool.push(blocks);
        }
    }
    result
}

/// Hashes `password` with argon2id and `params`, returning the PHC string.
pub(crate) fn hash(params: &Argon2Params, password: &SecretString) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        &params.hasher()?,
        password.expose_secret().as_bytes(),
        &salt,
        &mut output,
    )?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(output),
    ))
}

pub(crate) fn verify(phc: &str, password: &SecretString) -> Result<bool, HashError> {
    let damaged = || HashError::MalformedStored("argon2 PHC string cannot be verified");
    let parsed = parse(phc)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| damaged())?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|_| damaged())?,
        None => Version::V0x10,
    };
    let params = Params::try_from(&parsed).map_err(|_| damaged())?;
    let mut salt = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or_else(damaged)?
        .decode_b64(&mut salt)
        .map_err(|_| damaged())?;
    let expected = parsed.hash.ok_or_else(damaged)?;
    let mut output = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    compute(
        &argon,
        password.expose_secret().as_bytes(),
        salt,
        &mut output,
    )?;
    Ok(crate::tokens::constant_time_eq(
        &output,
        expected.as_bytes(),
    ))
}

pub fn needs_rehash(phc: &str, params: &Argon2Params) -> Result<bool, HashError> {
    let parsed = parse(phc)?;
    let stored = Params::try_from(&parsed)
        .map_err(|_| HashError::MalformedStored("argon2 parameters are invalid"))?;
    let same = parsed.algorithm == argon2::ARGON2ID_IDENT
        && parsed.version == Some(Version::V0x13.into())
        && stored.m_cost() == params.memory_kib
        && stored.t_cost() == params.iterations
        && stored.p_cost() == params.parallelism
        && parsed.hash.map(|h| h.len()) == Some(Params::DEFAULT_OUTPUT_LEN);
    Ok(!same)
}

/// A PHC string with the configured parameters, a random salt and a random output.
///
/// Verifying any password against it costs exactly what verifying against a real hash with
/// those parameters costs, and never matches (that would need an argon2 preimage). No hashing
/// happens here, so building it at start-up is free.
pub(crate) fn dummy(params: &Argon2Params) -> Result<String, HashError> {
    params.validate()?;
    let mut salt = [0u8; SALT_LEN];
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut output);
    let phc = format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(output),
    );
    check_phc(&phc)?;
    Ok(phc)
}

/// Checks that `phc` is an argon2 PHC string this crate can verify (variant, version,
/// parameters, salt and output all present and valid), without hashing anything.
pub(crate) fn check_phc(phc: &str) -> Result<(), HashError> {
    let parsed = parse(phc)?;
    Algorithm::try_from(parsed.algorithm)
        .map_err(|_| HashError::MalformedStored("not an argon2 variant"))?;
    if let Some(version) = parsed.version {
        Version::try_from(version)
            .map_err(|_| HashError::MalformedStored("unknown argon2 version"))?;
    }
    Params::try_from(&parsed)
        .map_err(|_| HashError::MalformedStored("argon2 parameters are invalid"))?;
    Ok(())
}

/// Parses a PHC string that has both a salt and a hash (without them a verify would
/// quietly report a mismatch instead of a damaged record).
fn parse(phc: &str) -> Result<PasswordHash<'_>, HashError> {
    let parsed =
        PasswordHash::new(phc).map_err(|_| HashError::MalformedStored("not a PHC string"))?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(HashError::MalformedStored(
            "argon2 PHC string lacks salt or hash",
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::SaltString;
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    #[test]
    fn hashes_made_on_reused_memory_verify_with_the_argon2_crate() {
        // Several hashes on one thread reuse its blocks; each still verifies independently.
        for password in ["first", "second password", "third"] {
            let phc = hash(&small(), &secret(password)).unwrap();
            let parsed = PasswordHash::new(&phc).unwrap();
            assert!(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok());
            assert!(verify(&phc, &secret(password)).unwrap());
            assert!(!verify(&phc, &secret("nope")).unwrap());
        }
    }

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
    fn default_is_the_owasp_recommendation() {
        let d = Argon2Params::default();
        assert_eq!((d.memory_kib, d.iterations, d.parallelism), (19_456, 2, 1));
        assert!(d.validate().is_ok());
    }

    #[test]
    fn hash_is_an_argon2id_phc_string_with_the_given_params() {
        let phc = hash(&small(), &secret("correct horse")).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        // Independent parse with the password-hash crate: 16-byte salt, 32-byte output.
        let parsed = PasswordHash::new(&phc).unwrap();
        let mut salt = [0u8; 64];
        assert_eq!(
            parsed.salt.unwrap().decode_b64(&mut salt).unwrap().len(),
            16
        );
        assert_eq!(parsed.hash.unwrap().len(), 32);
    }

    #[test]
    fn same_password_gets_a_different_salt_each_time() {
        let a = hash(&small(), &secret("pw")).unwrap();
        let b = hash(&small(), &secret("pw")).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn verify_accepts_the_password_and_rejects_others() {
        let phc = hash(&small(), &secret("correct horse")).unwrap();
        assert!(verify(&phc, &secret("correct horse")).unwrap());
        assert!(!verify(&phc, &secret("correct horsE")).unwrap());
        assert!(!verify(&phc, &secret("")).unwrap());
    }

    #[test]
    fn verify_reads_params_from_the_stored_string() {
        let other = Argon2Params {
            memory_kib: 2048,
            iterations: 2,
            parallelism: 2,
        };
        let phc = hash(&other, &secret("pw")).unwrap();
        assert!(verify(&phc, &secret("pw")).unwrap());
    }

    #[test]
    fn verify_accepts_a_hash_made_by_the_argon2_crate_directly() {
        let params = Params::new(1024, 1, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = argon.hash_password(b"hunter2", &salt).unwrap().to_string();
        assert!(verify(&phc, &secret("hunter2")).unwrap());
        assert!(!needs_rehash(&phc, &small()).unwrap());
    }

    #[test]
    fn needs_rehash_when_any_param_differs() {
        let phc = hash(&small(), &secret("pw")).unwrap();
        assert!(!needs_rehash(&phc, &small()).unwrap());
        for changed in [
            Argon2Params {
                memory_kib: 2048,
                ..small()
            },
            Argon2Params {
                iterations: 2,
                ..small()
            },
            Argon2Params {
                parallelism: 2,
                ..small()
            },
        ] {
            assert!(needs_rehash(&phc, &changed).unwrap(), "{changed:?}");
        }
    }

    #[test]
    fn needs_rehash_for_other_argon2_variants() {
        let params = Params::new(1024, 1, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = argon.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(phc.starts_with("$argon2i$"));
        assert!(verify(&phc, &secret("pw")).unwrap());
        assert!(needs_rehash(&phc, &small()).unwrap());
    }

    #[test]
    fn invalid_params_are_a_config_error() {
        for bad in [
            Argon2Params {
                memory_kib: 0,
                ..small()
            },
            Argon2Params {
                iterations: 0,
                ..small()
            },
            Argon2Params {
                parallelism: 0,
                ..small()
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(HashError::InvalidConfig(_))),
                "{bad:?}"
            );
            assert!(hash(&bad, &secret("pw")).is_err());
        }
    }

    #[test]
    fn dummy_has_the_configured_params_and_matches_nothing() {
        let phc = dummy(&small()).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        assert!(!needs_rehash(&phc, &small()).unwrap());
        assert!(!verify(&phc, &secret("")).unwrap());
        assert!(!verify(&phc, &secret("pw")).unwrap());
    }

    #[test]
    fn malformed_phc_strings_are_errors_not_mismatches() {
        for bad in [
            "",
            "$argon2id$",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA",
            "$2a$04$abc",
        ] {
            assert!(verify(bad, &secret("pw")).is_err(), "{bad}");
            assert!(check_phc(bad).is_err(), "{bad}");
        }
    }
}
