//! Secrets that must be recovered later (a hook's auth header, an app user's SWA password,
//! an OIDC client secret) are sealed at rest with XChaCha20-Poly1305 under the org's secret
//! key: a 32-byte key from the configuration or, on a single node, generated into the data
//! folder. Sealed text is `v1:` + base64(nonce ‖ ciphertext); a random 192-bit nonce per
//! seal, so the same secret never seals to the same text.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

/// Why sealed text could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the secret key must be 32 bytes (base64)")]
    BadKey,
    #[error("sealed text is damaged or was sealed with another key")]
    Unreadable,
}

/// Seals and opens secrets with one key. Cheap to clone.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<key>)")
    }
}

impl Sealer {
    /// A sealer for a 32-byte key.
    pub fn new(key: &[u8]) -> Result<Self, SealError> {
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| SealError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A sealer for a base64-encoded 32-byte key (the key file's content).
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        let key = STANDARD
            .decode(text.trim())
            .map_err(|_| SealError::BadKey)?;
        if key.len() != 32 {
            return Err(SealError::BadKey);
        }
        Self::new(&key)
    }

    /// A new random key, base64-encoded, for a key file.
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    pub fn seal(&self, secret: &SecretString) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                secret.expose_secret().as_bytes(),
            )
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(bytes))
    }

    pub fn open(&self, sealed: &str) -> Result<SecretString, SealError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealError::Unreadable)?;
        let bytes = STANDARD.decode(body).map_err(|_| SealError::Unreadable)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Unreadable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SealError::Unreadable)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| SealError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::from_base64(&Sealer::generate_key()).unwrap()
    }

    #[test]
    fn round_trips_and_never_repeats() {
        let s = sealer();
        let secret = SecretString::from("Basic YWRtaW46c2VjcmV0".to_owned());
        let a = s.seal(&secret);
        let b = s.seal(&secret);
        assert_ne!(a, b);
        assert!(a.starts_with("v1:"));
        assert!(!a.contains("YWRtaW46"));
        assert_eq!(s.open(&a).unwrap().expose_secret(), secret.expose_secret());
    }

    #[test]
    fn another_key_or_damage_is_unreadable() {
        let sealed = sealer().seal(&SecretString::from("x".to_owned()));
        assert_eq!(sealer().open(&sealed).unwrap_err(), SealError::Unreadable);
        let s = sealer();
        let mut damaged = s.seal(&SecretString::from("x".to_owned()));
        damaged.push('A');
        assert!(s.open(&damaged).is_err());
        assert!(s.open("plain").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert_eq!(
            Sealer::from_base64("c2hvcnQ=").unwrap_err(),
            SealError::BadKey
        );
        assert_eq!(
            Sealer::from_base64("not base64!").unwrap_err(),
            SealError::BadKey
        );
    }
}
