//! Latchkey crypto: the password and token primitives behind Okta's Users API credentials
//! (`credentials.password`, imported hashes, recovery answers) and SSWS API tokens.
//!
//! Invariants kept by this crate:
//! - every password hash or verify the server performs goes through
//!   [`password::PasswordHasher`], which runs the work off the async runtime on a bounded pool;
//! - secrets travel as [`SecretString`] (redacted `Debug`, zeroized on drop) and no `Debug`
//!   or `Display` output here contains a password, salt, hash value or token;
//! - comparisons of secret-derived bytes are constant time.

pub mod jwt;
pub mod otp;
pub mod password;
pub mod sealed;
pub mod signing_keys;
#[cfg(feature = "soft-authenticator")]
pub mod soft_authenticator;
pub mod tokens;
pub mod webauthn;

pub use secrecy::{ExposeSecret, SecretString};
