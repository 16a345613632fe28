//! Random tokens and their at-rest form: SSWS API tokens (Okta's `Authorization: SSWS
//! <token>`, 42 characters starting `00`), activation, reset and other one-time tokens.
//!
//! Invariants:
//! - tokens come from the operating system's CSPRNG and are base62 (`0-9A-Za-z`), so they
//!   survive URLs, headers and JSON unescaped;
//! - the store keeps only [`sha256_hex`] of a token (nothing secret is kept in the clear); a
//!   presented token is hashed and compared with [`constant_time_eq`].

use rand::distributions::{Alphanumeric, DistString as _};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// Length of an Okta API token.
pub const API_TOKEN_LEN: usize = 42;

/// A prefix every Okta API token shares.
const API_TOKEN_PREFIX: &str = "00";

/// `len` base62 characters from the OS CSPRNG (about 5.95 bits each, drawn without bias).
pub fn random_token(len: usize) -> String {
    Alphanumeric.sample_string(&mut OsRng, len)
}

/// A new SSWS API token, shaped like Okta's: `00` followed by 40 base62 characters
/// (238 bits of entropy).
pub fn new_api_token() -> String {
    let mut token = String::with_capacity(API_TOKEN_LEN);
    token.push_str(API_TOKEN_PREFIX);
    token.push_str(&random_token(API_TOKEN_LEN - API_TOKEN_PREFIX.len()));
    token
}

/// Lower-case hex SHA-256 of `token`'s UTF-8 bytes: the form tokens are stored in.
pub fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn is_base62(s: &str) -> bool {
        s.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    #[test]
    fn random_token_has_the_length_and_alphabet() {
        for len in [0, 1, 20, 40, 128] {
            let token = random_token(len);
            assert_eq!(token.len(), len);
            assert!(is_base62(&token), "{token}");
        }
    }

    #[test]
    fn random_tokens_differ_and_use_the_whole_alphabet() {
        let tokens: HashSet<String> = (0..200).map(|_| random_token(32)).collect();
        assert_eq!(tokens.len(), 200);
        // 6,400 draws over 62 symbols: every symbol appears unless the generator is broken
        // (chance of a miss is about 62 · (61/62)^6400, below 1e-40).
        let seen: HashSet<u8> = tokens.iter().flat_map(|t| t.bytes()).collect();
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn api_token_is_42_chars_starting_00() {
        let token = new_api_token();
        assert_eq!(token.len(), 42);
        assert!(token.starts_with("00"), "{token}");
        assert!(is_base62(&token), "{token}");
        assert_ne!(token, new_api_token());
    }

    #[test]
    fn sha256_hex_matches_published_vectors() {
        // FIPS 180-2 examples.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"sam"));
        assert!(!constant_time_eq(b"", b"x"));
        let token = new_api_token();
        assert!(constant_time_eq(
            sha256_hex(&token).as_bytes(),
            sha256_hex(&token).as_bytes()
        ));
    }
}
