//! One-time passcodes: RFC 6238 TOTP for `token:software:totp` factors (Okta Verify and
//! Google Authenticator: SHA-1, 6 digits, 30-second steps) and the random numeric codes the
//! server sends by email, SMS and voice.
//!
//! Invariants:
//! - a TOTP code is accepted in the current step or one step either side (the drift window),
//!   and only in a step later than the last one accepted, so a code cannot be used twice;
//! - every comparison of a presented code with an expected one is constant time;
//! - codes sent to users are stored as a keyed digest ([`code_digest`]), never as they are.

use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::tokens::constant_time_eq;

/// Seconds per TOTP step.
pub const TIME_STEP: u64 = 30;
/// Digits in a TOTP code and in sent codes.
pub const DIGITS: u8 = 6;
/// Steps accepted on either side of the current one.
pub const DRIFT_STEPS: u64 = 1;
/// Length of a new TOTP seed in bytes (160 bits, as RFC 4226 recommends).
pub const SEED_LEN: usize = 20;

/// Why a presented TOTP code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    /// No step in the window produces this code (or the seed is unusable).
    #[error("the passcode does not match")]
    Mismatch,
    /// The code matches a step that was already used (or an earlier one).
    #[error("the passcode was already used")]
    Replayed,
}

/// A new random TOTP seed.
pub fn new_seed() -> Vec<u8> {
    let mut seed = vec![0u8; SEED_LEN];
    rand::rngs::OsRng.fill(seed.as_mut_slice());
    seed
}

/// The seed as base32 without padding (the `sharedSecret` an authenticator app is given).
pub fn seed_base32(seed: &[u8]) -> String {
    Secret::from(seed.to_vec())
        .to_base32()
        .trim_end_matches('=')
        .to_owned()
}

/// The seed of a base32 `sharedSecret` (padding optional); `None` when it is not base32.
pub fn seed_from_base32(text: &str) -> Option<Vec<u8>> {
    let bare = text.trim().trim_end_matches('=');
    let padded = format!("{bare}{}", "=".repeat((8 - bare.len() % 8) % 8));
    Secret::try_from_base32(&padded)
        .or_else(|_| Secret::try_from_base32(bare))
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

fn totp(seed: &[u8]) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_step_duration(TIME_STEP)
        .with_skew(0)
        .with_secret(seed.to_vec())
        .build()
        .ok()
}

/// The TOTP code of `seed` at Unix time `unix_secs` (an empty string for an unusable seed).
pub fn totp_code(seed: &[u8], unix_secs: u64) -> String {
    totp(seed)
        .map(|t| t.generate(unix_secs).to_string())
        .unwrap_or_default()
}

/// Checks `code` against `seed` at `unix_secs`, within the drift window. `last_step` is the
/// last step accepted for this seed (0 for none). Returns the step matched, which the caller
/// stores as the new `last_step`.
pub fn verify_totp(
    seed: &[u8],
    code: &str,
    unix_secs: u64,
    last_step: u64,
) -> Result<u64, OtpError> {
    let totp = totp(seed).ok_or(OtpError::Mismatch)?;
    let code = code.trim();
    let now_step = unix_secs / TIME_STEP;
    let mut matched = None;
    // Every step of the window is computed and compared, whatever matches, so the time
    // taken does not depend on which step (if any) the code belongs to.
    for step in now_step.saturating_sub(DRIFT_STEPS)..=now_step + DRIFT_STEPS {
        let expected = totp.generate(step * TIME_STEP).to_string();
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) && matched.is_none() {
            matched = Some(step);
        }
    }
    match matched {
        None => Err(OtpError::Mismatch),
        Some(step) if step <= last_step => Err(OtpError::Replayed),
        Some(step) => Ok(step),
    }
}

/// The `otpauth://` URI an authenticator app scans: the label is `issuer:account`.
pub fn otpauth_uri(seed: &[u8], issuer: &str, account: &str) -> String {
    let label = format!("{issuer}:{account}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={TIME_STEP}",
        urlencoding::encode(&label),
        seed_base32(seed),
        urlencoding::encode(issuer),
    )
}

/// A random numeric code of `DIGITS` digits, for email, SMS and voice delivery.
pub fn new_numeric_code() -> String {
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    format!("{n:06}")
}

/// The stored form of a sent code: SHA-256 over a context (the factor id) and the code, hex.
/// The context binds a digest to one factor, so a digest copied between factors is useless.
pub fn code_digest(context: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(context.as_bytes());
    h.update([0u8]);
    h.update(code.trim().as_bytes());
    hex::encode(h.finalize())
}

/// Whether `code` matches a digest made by [`code_digest`] with the same context.
pub fn code_matches(context: &str, code: &str, digest: &str) -> bool {
    constant_time_eq(code_digest(context, code).as_bytes(), digest.as_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 seed is ASCII "12345678901234567890"; the published
    /// codes are 8 digits, whose last 6 are the 6-digit codes.
    const RFC_SEED: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: &[(u64, &str)] = &[
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_sha1_vectors() {
        for (t, code) in RFC_VECTORS {
            assert_eq!(totp_code(RFC_SEED, *t), code[2..], "t = {t}");
        }
    }

    #[test]
    fn accepts_the_current_step_and_one_either_side() {
        let t = 1_234_567_890;
        let step = t / TIME_STEP;
        for offset in [-1i64, 0, 1] {
            let at = (t as i64 + offset * TIME_STEP as i64) as u64;
            let code = totp_code(RFC_SEED, at);
            assert_eq!(
                verify_totp(RFC_SEED, &code, t, 0),
                Ok((step as i64 + offset) as u64)
            );
        }
    }

    #[test]
    fn refuses_codes_outside_the_window() {
        let t = 1_234_567_890;
        for offset in [-3i64, -2, 2, 3] {
            let at = (t as i64 + offset * TIME_STEP as i64) as u64;
            let code = totp_code(RFC_SEED, at);
            assert_eq!(
                verify_totp(RFC_SEED, &code, t, 0),
                Err(OtpError::Mismatch),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn refuses_a_replayed_or_older_step() {
        let t = 1_234_567_890;
        let code = totp_code(RFC_SEED, t);
        let step = verify_totp(RFC_SEED, &code, t, 0).unwrap();
        assert_eq!(
            verify_totp(RFC_SEED, &code, t, step),
            Err(OtpError::Replayed)
        );
        let earlier = totp_code(RFC_SEED, t - TIME_STEP);
        assert_eq!(
            verify_totp(RFC_SEED, &earlier, t, step),
            Err(OtpError::Replayed)
        );
        let later = totp_code(RFC_SEED, t + TIME_STEP);
        assert_eq!(verify_totp(RFC_SEED, &later, t, step), Ok(step + 1));
    }

    #[test]
    fn garbage_codes_and_seeds_are_refused() {
        let t = 1_234_567_890;
        for code in ["", "abcdef", "1234567", "9999999999999", "💥"] {
            assert_eq!(verify_totp(RFC_SEED, code, t, 0), Err(OtpError::Mismatch));
        }
        assert_eq!(
            verify_totp(b"short", "123456", t, 0),
            Err(OtpError::Mismatch)
        );
    }

    #[test]
    fn base32_round_trips_seeds() {
        for _ in 0..50 {
            let seed = new_seed();
            assert_eq!(seed_from_base32(&seed_base32(&seed)), Some(seed));
        }
        assert_eq!(seed_from_base32("not base32!"), None);
    }

    #[test]
    fn seeds_are_random_and_base32() {
        let a = new_seed();
        assert_eq!(a.len(), SEED_LEN);
        assert_ne!(a, new_seed());
        let b32 = seed_base32(&a);
        assert_eq!(b32.len(), 32);
        assert!(b32
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    }

    #[test]
    fn otpauth_uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri(RFC_SEED, "Latchkey", "ann@example.com");
        assert!(uri.starts_with("otpauth://totp/Latchkey%3Aann%40example.com?secret="));
        assert!(uri.contains(&format!("secret={}", seed_base32(RFC_SEED))));
        assert!(uri.contains("&digits=6&period=30"));
    }

    #[test]
    fn numeric_codes_are_six_digits() {
        for _ in 0..200 {
            let c = new_numeric_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|d| d.is_ascii_digit()));
        }
    }

    #[test]
    fn code_digests_bind_the_context() {
        let d = code_digest("emf1", "123456");
        assert!(code_matches("emf1", "123456", &d));
        assert!(code_matches("emf1", " 123456 ", &d));
        assert!(!code_matches("emf2", "123456", &d));
        assert!(!code_matches("emf1", "123457", &d));
    }
}
