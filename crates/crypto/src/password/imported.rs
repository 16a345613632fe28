//! Imported password hashes: Okta's Hashed Password object (users.md "Hashed Password
//! object", `credentials.password.hash`), which lets a migration bring users over with the
//! hashes their old system kept, verified as-is until the first successful sign-in replaces
//! them with argon2id.
//!
//! Accepted forms, by `algorithm`:
//! - `BCRYPT`: `workFactor` 1..=20, `salt` the 22 bcrypt radix-64 characters, `value` the 31
//!   characters that follow the salt in a `$2a$`/`$2b$`/`$2y$` string. The object carries no
//!   version prefix; we compute standard bcrypt (NUL-terminated key, cut at 72 bytes), which
//!   gives the same result for all three prefixes for every password up to 72 bytes (Okta's
//!   password limit). Work factors 1..=3, which Okta accepts but most libraries refuse, are
//!   supported by running the raw bcrypt rounds ourselves.
//! - `SHA-512`, `SHA-256`, `SHA-1`, `MD5`: `value` is the base64 digest of `salt ‖ password`
//!   (`saltOrder` `PREFIX`) or `password ‖ salt` (`POSTFIX`); `salt` is base64 and optional
//!   (unsalted digests are allowed); `saltOrder` is required when the salt is not empty.
//! - `PBKDF2`: `digestAlgorithm` `SHA256_HMAC` or `SHA512_HMAC`, `iterationCount` ≥ 4096,
//!   `keySize` the derived key length in bytes, `value` the base64 derived key (its decoded
//!   length must equal `keySize`). Decision: the `salt` is **base64-decoded** like every
//!   other non-BCRYPT salt, because the reference describes the salt of all non-BCRYPT
//!   hashes as base64 and the PBKDF2 example's `RBDXRWs9` is valid base64 (6 bytes). A
//!   migration whose old system fed the salt's text to PBKDF2 must base64-encode that text.
//!   `saltOrder` has no meaning for PBKDF2 (the salt is a separate input) and is ignored.
//!
//! Base64 fields use the standard alphabet and are accepted with or without `=` padding.
//!
//! Limits of our own, so one imported user cannot pin a hashing worker for minutes on every
//! sign-in attempt: `iterationCount` ≤ 10,000,000 and `keySize` ≤ 256.
//!
//! Invariants: an [`ImportedHash`] only exists if it passed validation; its `Debug` never
//! shows the salt or the value; verification compares in constant time.
//!
//! Storage string (what [`super::StoredPassword`] writes for an imported hash):
//! `$latchkey-import$v=1$<ALGORITHM>$<params>$<salt>$<value>`, where `<ALGORITHM>` is Okta's
//! name, `<params>` is a comma-separated `key=value` list (`wf=<workFactor>` for BCRYPT;
//! `order=PREFIX|POSTFIX` for a salted digest, empty when unsalted;
//! `prf=<digestAlgorithm>,i=<iterationCount>,dk=<keySize>` for PBKDF2), and salt and value are
//! in the encodings of the Okta object (bcrypt radix-64 for BCRYPT, padded standard base64
//! otherwise; an empty salt is an empty field). Neither alphabet contains `$`. Reading it back
//! runs the same validation as the API input.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use md5::Md5;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq as _;

use super::HashError;

/// The prefix that marks an imported hash in storage.
pub(crate) const STORAGE_PREFIX: &str = "$latchkey-import$";
const STORAGE_VERSION: &str = "v=1";

const BCRYPT_SALT_CHARS: usize = 22;
const BCRYPT_VALUE_CHARS: usize = 31;
const BCRYPT_SALT_LEN: usize = 16;
const BCRYPT_HASH_LEN: usize = 23;
const BCRYPT_MAX_KEY: usize = 72;
const BCRYPT_WORK_FACTORS: std::ops::RangeInclusive<u32> = 1..=20;
const PBKDF2_MIN_ITERATIONS: u32 = 4096;
const PBKDF2_MAX_ITERATIONS: u32 = 10_000_000;
const PBKDF2_MAX_KEY_SIZE: u32 = 256;

/// Standard base64, padding optional (Okta's own SHA-256 example has none).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// bcrypt's radix-64 (`./A-Za-z0-9`, no padding). Unused low bits of the last character are
/// ignored on decode, as OpenBSD's bcrypt does.
const RADIX64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::BCRYPT,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// The fields of Okta's Hashed Password object, as received (JSON names in the docs).
///
/// `Debug` omits `value` and `salt`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HashInput {
    /// `algorithm`: `BCRYPT`, `SHA-512`, `SHA-256`, `SHA-1`, `MD5` or `PBKDF2`.
    pub algorithm: String,
    /// `value`: the hash (radix-64 for BCRYPT, base64 otherwise).
    pub value: Option<String>,
    /// `salt`: radix-64 for BCRYPT, base64 otherwise.
    pub salt: Option<String>,
    /// `saltOrder`: `PREFIX` or `POSTFIX`.
    pub salt_order: Option<String>,
    /// `workFactor` (BCRYPT).
    pub work_factor: Option<u32>,
    /// `iterationCount` (PBKDF2).
    pub iteration_count: Option<u32>,
    /// `keySize` (PBKDF2), in bytes.
    pub key_size: Option<u32>,
    /// `digestAlgorithm` (PBKDF2): `SHA256_HMAC` or `SHA512_HMAC`.
    pub digest_algorithm: Option<String>,
}

impl fmt::Debug for HashInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashInput")
            .field("algorithm", &self.algorithm)
            .field("salt_order", &self.salt_order)
            .field("work_factor", &self.work_factor)
            .field("iteration_count", &self.iteration_count)
            .field("key_size", &self.key_size)
            .field("digest_algorithm", &self.digest_algorithm)
            .finish_non_exhaustive()
    }
}

/// Okta's `algorithm` values for an imported hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportedAlgorithm {
    Bcrypt,
    Sha512,
    Sha256,
    Sha1,
    Md5,
    Pbkdf2,
}

impl ImportedAlgorithm {
    const ALL: [Self; 6] = [
        Self::Bcrypt,
        Self::Sha512,
        Self::Sha256,
        Self::Sha1,
        Self::Md5,
        Self::Pbkdf2,
    ];

    /// The name as Okta spells it on the wire.
    pub fn as_okta(self) -> &'static str {
        match self {
            Self::Bcrypt => "BCRYPT",
            Self::Sha512 => "SHA-512",
            Self::Sha256 => "SHA-256",
            Self::Sha1 => "SHA-1",
            Self::Md5 => "MD5",
            Self::Pbkdf2 => "PBKDF2",
        }
    }

    /// Parses Okta's exact spelling.
    pub fn from_okta(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_okta() == name)
    }
}

/// Okta's `saltOrder`: where the salt went relative to the password before digesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaltOrder {
    /// `PREFIX`: digest of salt then password.
    Prefix,
    /// `POSTFIX`: digest of password then salt.
    Postfix,
}

impl SaltOrder {
    /// The name as Okta spells it on the wire.
    pub fn as_okta(self) -> &'static str {
        match self {
            Self::Prefix => "PREFIX",
            Self::Postfix => "POSTFIX",
        }
    }

    /// Parses Okta's exact spelling.
    pub fn from_okta(name: &str) -> Option<Self> {
        match name {
            "PREFIX" => Some(Self::Prefix),
            "POSTFIX" => Some(Self::Postfix),
            _ => None,
        }
    }
}

/// The plain digests Okta imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DigestKind {
    Sha512,
    Sha256,
    Sha1,
    Md5,
}

impl DigestKind {
    fn output_len(self) -> usize {
        match self {
            Self::Sha512 => 64,
            Self::Sha256 => 32,
            Self::Sha1 => 20,
            Self::Md5 => 16,
        }
    }

    fn algorithm(self) -> ImportedAlgorithm {
        match self {
            Self::Sha512 => ImportedAlgorithm::Sha512,
            Self::Sha256 => ImportedAlgorithm::Sha256,
            Self::Sha1 => ImportedAlgorithm::Sha1,
            Self::Md5 => ImportedAlgorithm::Md5,
        }
    }

    fn digest(self, salt: &[u8], order: SaltOrder, password: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha512 => salted::<Sha512>(salt, order, password),
            Self::Sha256 => salted::<Sha256>(salt, order, password),
            Self::Sha1 => salted::<Sha1>(salt, order, password),
            Self::Md5 => salted::<Md5>(salt, order, password),
        }
    }
}

fn salted<D: Digest>(salt: &[u8], order: SaltOrder, password: &[u8]) -> Vec<u8> {
    let mut hasher = D::new();
    match order {
        SaltOrder::Prefix => {
            hasher.update(salt);
            hasher.update(password);
        }
        SaltOrder::Postfix => {
            hasher.update(password);
            hasher.update(salt);
        }
    }
    hasher.finalize().to_vec()
}

/// Okta's PBKDF2 `digestAlgorithm`: the HMAC used as the pseudo-random function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pbkdf2Prf {
    Sha256Hmac,
    Sha512Hmac,
}

impl Pbkdf2Prf {
    fn as_okta(self) -> &'static str {
        match self {
            Self::Sha256Hmac => "SHA256_HMAC",
            Self::Sha512Hmac => "SHA512_HMAC",
        }
    }

    fn from_okta(name: &str) -> Option<Self> {
        match name {
            "SHA256_HMAC" => Some(Self::Sha256Hmac),
            "SHA512_HMAC" => Some(Self::Sha512Hmac),
            _ => None,
        }
    }
}

/// One variant per imported scheme; fields are decoded bytes.
#[derive(Clone, PartialEq, Eq)]
enum Scheme {
    Bcrypt {
        work_factor: u32,
        salt: [u8; BCRYPT_SALT_LEN],
        hash: [u8; BCRYPT_HASH_LEN],
    },
    Digest {
        kind: DigestKind,
        /// `None` for an unsalted digest.
        salt: Option<(SaltOrder, Vec<u8>)>,
        digest: Vec<u8>,
    },
    Pbkdf2 {
        prf: Pbkdf2Prf,
        iterations: u32,
        salt: Vec<u8>,
        derived_key: Vec<u8>,
    },
}

/// A validated imported hash (see the module docs for the accepted forms).
#[derive(Clone, PartialEq, Eq)]
pub struct ImportedHash {
    scheme: Scheme,
}

impl fmt::Debug for ImportedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ImportedHash");
        out.field("algorithm", &self.algorithm().as_okta());
        match &self.scheme {
            Scheme::Bcrypt { work_factor, .. } => {
                out.field("work_factor", work_factor);
            }
            Scheme::Digest { salt, .. } => {
                out.field(
                    "salt_order",
                    &salt.as_ref().map(|(order, _)| order.as_okta()),
                );
            }
            Scheme::Pbkdf2 {
                prf,
                iterations,
                derived_key,
                ..
            } => {
                out.field("digest_algorithm", &prf.as_okta())
                    .field("iteration_count", iterations)
                    .field("key_size", &derived_key.len());
            }
        }
        out.finish_non_exhaustive()
    }
}

/// Collects Okta error causes, each `password.hash.<field>: <reason>`.
struct Causes(Vec<String>);

impl Causes {
    fn add(&mut self, field: &str, reason: impl fmt::Display) {
        self.0.push(format!("password.hash.{field}: {reason}"));
    }
}

impl ImportedHash {
    /// Validates Okta's Hashed Password object. On failure returns every problem found, each
    /// as an error cause `password.hash.<field>: <reason>`.
    pub fn parse(input: HashInput) -> Result<Self, Vec<String>> {
        let mut causes = Causes(Vec::new());
        let Some(algorithm) = ImportedAlgorithm::from_okta(&input.algorithm) else {
            if input.algorithm.is_empty() {
                causes.add("algorithm", "is required");
            } else {
                causes.add(
                    "algorithm",
                    "must be one of BCRYPT, SHA-512, SHA-256, SHA-1, MD5, PBKDF2",
                );
            }
            return Err(causes.0);
        };
        let scheme = match algorithm {
            ImportedAlgorithm::Bcrypt => parse_bcrypt(&input, &mut causes),
            ImportedAlgorithm::Sha512 => parse_digest(DigestKind::Sha512, &input, &mut causes),
            ImportedAlgorithm::Sha256 => parse_digest(DigestKind::Sha256, &input, &mut causes),
            ImportedAlgorithm::Sha1 => parse_digest(DigestKind::Sha1, &input, &mut causes),
            ImportedAlgorithm::Md5 => parse_digest(DigestKind::Md5, &input, &mut causes),
            ImportedAlgorithm::Pbkdf2 => parse_pbkdf2(&input, &mut causes),
        };
        match scheme {
            Some(scheme) if causes.0.is_empty() => Ok(Self { scheme }),
            _ if causes.0.is_empty() => {
                causes.add("value", "is invalid");
                Err(causes.0)
            }
            _ => Err(causes.0),
        }
    }

    /// Okta's `algorithm` for this hash.
    pub fn algorithm(&self) -> ImportedAlgorithm {
        match &self.scheme {
            Scheme::Bcrypt { .. } => ImportedAlgorithm::Bcrypt,
            Scheme::Digest { kind, .. } => kind.algorithm(),
            Scheme::Pbkdf2 { .. } => ImportedAlgorithm::Pbkdf2,
        }
    }

    /// Checks `password` in constant time. BCRYPT and PBKDF2 are CPU-heavy, so only
    /// [`super::PasswordHasher`] calls this, on a worker.
    pub(crate) fn verify(&self, password: &SecretString) -> bool {
        let password = password.expose_secret().as_bytes();
        match &self.scheme {
            Scheme::Bcrypt {
                work_factor,
                salt,
                hash,
            } => {
                let output = bcrypt_raw(*work_factor, *salt, password);
                output
                    .get(..BCRYPT_HASH_LEN)
                    .is_some_and(|produced| produced.ct_eq(hash).into())
            }
            Scheme::Digest { kind, salt, digest } => {
                let (order, salt) = match salt {
                    Some((order, salt)) => (*order, salt.as_slice()),
                    None => (SaltOrder::Prefix, &[][..]),
                };
                let produced = Zeroizing::new(kind.digest(salt, order, password));
                produced.ct_eq(digest).into()
            }
            Scheme::Pbkdf2 {
                prf,
                iterations,
                salt,
                derived_key,
            } => {
                let mut produced = Zeroizing::new(vec![0u8; derived_key.len()]);
                match prf {
                    Pbkdf2Prf::Sha256Hmac => {
                        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, *iterations, &mut produced)
                    }
                    Pbkdf2Prf::Sha512Hmac => {
                        pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, *iterations, &mut produced)
                    }
                }
                produced.ct_eq(derived_key).into()
            }
        }
    }

    /// The storage string described in the module docs.
    pub(crate) fn to_storage_string(&self) -> String {
        let algorithm = self.algorithm().as_okta();
        let (params, salt, value) = match &self.scheme {
            Scheme::Bcrypt {
                work_factor,
                salt,
                hash,
            } => (
                format!("wf={work_factor}"),
                RADIX64.encode(salt),
                RADIX64.encode(hash),
            ),
            Scheme::Digest { salt, digest, .. } => match salt {
                Some((order, salt)) => (
                    format!("order={}", order.as_okta()),
                    STANDARD.encode(salt),
                    STANDARD.encode(digest),
                ),
                None => (String::new(), String::new(), STANDARD.encode(digest)),
            },
            Scheme::Pbkdf2 {
                prf,
                iterations,
                salt,
                derived_key,
            } => (
                format!(
                    "prf={},i={iterations},dk={}",
                    prf.as_okta(),
                    derived_key.len()
                ),
                STANDARD.encode(salt),
                STANDARD.encode(derived_key),
            ),
        };
        format!("{STORAGE_PREFIX}{STORAGE_VERSION}${algorithm}${params}${salt}${value}")
    }

    /// Reads [`ImportedHash::to_storage_string`]'s output, re-validating it.
    pub(crate) fn parse_storage_string(stored: &str) -> Result<Self, HashError> {
        Self::parse(Self::storage_input(stored)?)
            .map_err(|_| HashError::MalformedStored("imported hash storage string"))
    }

    /// The Okta Hashed Password object a storage string was made from (what an export
    /// writes, so the hash can be imported again).
    pub fn storage_input(stored: &str) -> Result<HashInput, HashError> {
        const MALFORMED: HashError = HashError::MalformedStored("imported hash storage string");
        let rest = stored.strip_prefix(STORAGE_PREFIX).ok_or(MALFORMED)?;
        let fields: Vec<&str> = rest.split('$').collect();
        let [version, algorithm, params, salt, value] = fields.as_slice() else {
            return Err(MALFORMED);
        };
        if *version != STORAGE_VERSION {
            return Err(MALFORMED);
        }
        let mut input = HashInput {
            algorithm: (*algorithm).to_owned(),
            value: Some((*value).to_owned()),
            salt: (!salt.is_empty()).then(|| (*salt).to_owned()),
            ..HashInput::default()
        };
        for pair in params.split(',').filter(|p| !p.is_empty()) {
            let (key, val) = pair.split_once('=').ok_or(MALFORMED)?;
            let number = || val.parse::<u32>().map_err(|_| MALFORMED);
            match key {
                "wf" => input.work_factor = Some(number()?),
                "i" => input.iteration_count = Some(number()?),
                "dk" => input.key_size = Some(number()?),
                "order" => input.salt_order = Some(val.to_owned()),
                "prf" => input.digest_algorithm = Some(val.to_owned()),
                _ => return Err(MALFORMED),
            }
        }
        Ok(input)
    }
}

/// Standard bcrypt on `password`: NUL-terminated, cut at 72 bytes, `2^work_factor` rounds.
fn bcrypt_raw(work_factor: u32, salt: [u8; BCRYPT_SALT_LEN], password: &[u8]) -> [u8; 24] {
    let mut key = Zeroizing::new(Vec::with_capacity(password.len().saturating_add(1)));
    key.extend_from_slice(password);
    key.push(0);
    key.truncate(BCRYPT_MAX_KEY);
    // The key is 1..=72 bytes and work_factor is 1..=20, the raw function's preconditions.
    bcrypt::bcrypt(work_factor, salt, &key)
}

fn parse_bcrypt(input: &HashInput, causes: &mut Causes) -> Option<Scheme> {
    let work_factor = match input.work_factor {
        None => {
            causes.add("workFactor", "is required for BCRYPT");
            None
        }
        Some(wf) if !BCRYPT_WORK_FACTORS.contains(&wf) => {
            causes.add("workFactor", "must be between 1 and 20");
            None
        }
        Some(wf) => Some(wf),
    };
    let salt = match input.salt.as_deref() {
        None | Some("") => {
            causes.add("salt", "is required for BCRYPT");
            None
        }
        Some(salt) => {
            let decoded = (salt.len() == BCRYPT_SALT_CHARS)
                .then(|| RADIX64.decode(salt).ok())
                .flatten()
                .and_then(|bytes| <[u8; BCRYPT_SALT_LEN]>::try_from(bytes).ok());
            if decoded.is_none() {
                causes.add(
                    "salt",
                    "must be 22 characters of bcrypt radix-64 (./A-Za-z0-9)",
                );
            }
            decoded
        }
    };
    let hash = match input.value.as_deref() {
        None | Some("") => {
            causes.add("value", "is required");
            None
        }
        Some(value) if value.starts_with('$') => {
            causes.add(
                "value",
                "must be only the 31 characters after the salt, not a whole $2a$ string",
            );
            None
        }
        Some(value) => {
            let decoded = (value.len() == BCRYPT_VALUE_CHARS)
                .then(|| RADIX64.decode(value).ok())
                .flatten()
                .and_then(|bytes| <[u8; BCRYPT_HASH_LEN]>::try_from(bytes).ok());
            if decoded.is_none() {
                causes.add(
                    "value",
                    "must be 31 characters of bcrypt radix-64 (./A-Za-z0-9)",
                );
            }
            decoded
        }
    };
    Some(Scheme::Bcrypt {
        work_factor: work_factor?,
        salt: salt?,
        hash: hash?,
    })
}

fn parse_digest(kind: DigestKind, input: &HashInput, causes: &mut Causes) -> Option<Scheme> {
    let digest = decode_value(input, causes).and_then(|digest| {
        if digest.len() == kind.output_len() {
            Some(digest)
        } else {
            causes.add(
                "value",
                format_args!(
                    "a {} digest is {} bytes, this one decodes to {}",
                    kind.algorithm().as_okta(),
                    kind.output_len(),
                    digest.len()
                ),
            );
            None
        }
    });
    let salt = decode_salt(input, causes);
    let order = match input.salt_order.as_deref() {
        None | Some("") => Ok(None),
        Some(name) => SaltOrder::from_okta(name).map(Some).ok_or_else(|| {
            causes.add("saltOrder", "must be PREFIX or POSTFIX");
        }),
    };
    let salt = match (salt, order) {
        (Some(salt), Ok(_)) if salt.is_empty() => Some(None),
        (Some(salt), Ok(Some(order))) => Some(Some((order, salt))),
        (Some(_), Ok(None)) => {
            causes.add("saltOrder", "is required with a salt (PREFIX or POSTFIX)");
            None
        }
        _ => None,
    };
    Some(Scheme::Digest {
        kind,
        salt: salt?,
        digest: digest?,
    })
}

fn parse_pbkdf2(input: &HashInput, causes: &mut Causes) -> Option<Scheme> {
    let prf = match input.digest_algorithm.as_deref() {
        None | Some("") => {
            causes.add("digestAlgorithm", "is required for PBKDF2");
            None
        }
        Some(name) => {
            let prf = Pbkdf2Prf::from_okta(name);
            if prf.is_none() {
                causes.add("digestAlgorithm", "must be SHA256_HMAC or SHA512_HMAC");
            }
            prf
        }
    };
    let iterations = match input.iteration_count {
        None => {
            causes.add("iterationCount", "is required for PBKDF2");
            None
        }
        Some(n) if n < PBKDF2_MIN_ITERATIONS => {
            causes.add("iterationCount", "must be at least 4096");
            None
        }
        Some(n) if n > PBKDF2_MAX_ITERATIONS => {
            causes.add("iterationCount", "must be at most 10000000 on this server");
            None
        }
        Some(n) => Some(n),
    };
    let key_size = match input.key_size {
        None => {
            causes.add("keySize", "is required for PBKDF2");
            None
        }
        Some(n) if n == 0 || n > PBKDF2_MAX_KEY_SIZE => {
            causes.add("keySize", "must be between 1 and 256 bytes");
            None
        }
        Some(n) => usize::try_from(n).ok(),
    };
    let derived_key = decode_value(input, causes);
    if let (Some(size), Some(key)) = (key_size, &derived_key) {
        if key.len() != size {
            causes.add(
                "value",
                format_args!("decodes to {} bytes but keySize is {size}", key.len()),
            );
        }
    }
    let salt = decode_salt(input, causes);
    Some(Scheme::Pbkdf2 {
        prf: prf?,
        iterations: iterations?,
        salt: salt?,
        derived_key: derived_key?,
    })
}

/// `value` as base64; `None` (with a cause) when missing or not base64.
fn decode_value(input: &HashInput, causes: &mut Causes) -> Option<Vec<u8>> {
    match input.value.as_deref() {
        None | Some("") => {
            causes.add("value", "is required");
            None
        }
        Some(value) => {
            let decoded = BASE64.decode(value).ok();
            if decoded.is_none() {
                causes.add("value", "must be base64");
            }
            decoded
        }
    }
}

/// `salt` as base64, empty when absent; `None` (with a cause) when not base64.
fn decode_salt(input: &HashInput, causes: &mut Causes) -> Option<Vec<u8>> {
    match input.salt.as_deref() {
        None | Some("") => Some(Vec::new()),
        Some(salt) => {
            let decoded = BASE64.decode(salt).ok();
            if decoded.is_none() {
                causes.add("salt", "must be base64");
            }
            decoded
        }
    }
}

#[cfg(test)]
mod tests;
