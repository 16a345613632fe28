//! JSON Web Tokens for the authorization servers (oidc.md, "Tokens and claims"; RFC 7515,
//! RFC 7519): the RS256 tokens the server signs, checks of the tokens it issued, and checks
//! of the JWTs clients sign to authenticate (`client_secret_jwt`, `private_key_jwt`).
//!
//! - Signing holds a parsed [`ring`] RSA key ([`Signer`]): parsing and validating a key is
//!   far dearer than a signature, so a key is parsed once and reused for every token.
//! - Verification goes through `jsonwebtoken` with only the signature checked there; the
//!   claims are the caller's to judge, since Okta answers each failed claim differently.
//! - `at_hash`/`c_hash` are the left half of SHA-256 of the token, base64url (OpenID Connect
//!   Core 3.1.3.6), which is what RS256 asks for.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use ring::signature::RsaKeyPair;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Why a token could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the signing key cannot be read")]
    Key,
    #[error("signing failed")]
    Sign,
    /// Not three base64url parts with a JSON header and payload.
    #[error("the token is malformed")]
    Malformed,
    /// The header names an algorithm this check does not accept.
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    /// No key matches, or the signature does not verify.
    #[error("the token's signature is invalid")]
    Signature,
}

/// An RSA private key ready to sign RS256 tokens under its key id.
pub struct Signer {
    kid: String,
    key: RsaKeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).finish()
    }
}

impl Signer {
    /// Parses a PKCS#8 PEM private key (as `signing_keys::generate` makes them).
    pub fn from_pkcs8_pem(kid: &str, pem: &SecretString) -> Result<Self, JwtError> {
        let private =
            rsa::RsaPrivateKey::from_pkcs8_pem(pem.expose_secret()).map_err(|_| JwtError::Key)?;
        let der = private.to_pkcs8_der().map_err(|_| JwtError::Key)?;
        let key = RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|_| JwtError::Key)?;
        Ok(Self {
            kid: kid.to_owned(),
            key,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `claims` signed with RS256 under a header of `kid` and `alg` (Okta's token header).
    pub fn sign(&self, claims: &Value) -> Result<String, JwtError> {
        let header = serde_json::json!({ "kid": self.kid, "alg": "RS256" });
        let mut token = String::with_capacity(1024);
        token.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| JwtError::Sign)?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}

/// A public RSA key (base64url `n` and `e`) that checks RS256 signatures.
#[derive(Clone)]
pub struct RsaVerifier {
    key: DecodingKey,
}

impl RsaVerifier {
    pub fn new(n: &str, e: &str) -> Result<Self, JwtError> {
        Ok(Self {
            key: DecodingKey::from_rsa_components(n, e).map_err(|_| JwtError::Key)?,
        })
    }
}

/// The decoded header of a token, without checking anything.
pub fn header(token: &str) -> Result<Map<String, Value>, JwtError> {
    let first = token.split('.').next().ok_or(JwtError::Malformed)?;
    part(first)
}

/// The decoded payload of a token, without checking anything.
pub fn payload(token: &str) -> Result<Map<String, Value>, JwtError> {
    let mut parts = token.split('.');
    let (Some(_), Some(second), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    part(second)
}

fn part(text: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed),
    }
}

/// Signature-only validation: the claims are judged by the caller.
fn signature_only(alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation
}

/// The payload of an RS256 `token` whose signature `key` verifies.
pub fn verify_rs256(token: &str, key: &RsaVerifier) -> Result<Map<String, Value>, JwtError> {
    let alg = header(token)?
        .get("alg")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if alg.as_deref() != Some("RS256") {
        return Err(JwtError::Algorithm);
    }
    decode(token, &key.key, Algorithm::RS256)
}

fn decode(token: &str, key: &DecodingKey, alg: Algorithm) -> Result<Map<String, Value>, JwtError> {
    jsonwebtoken::decode::<Map<String, Value>>(token, key, &signature_only(alg))
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidToken
            | jsonwebtoken::errors::ErrorKind::Base64(_)
            | jsonwebtoken::errors::ErrorKind::Json(_)
            | jsonwebtoken::errors::ErrorKind::Utf8(_) => JwtError::Malformed,
            _ => JwtError::Signature,
        })
}

/// What a client may sign its assertion with.
pub enum AssertionKeys<'a> {
    /// `client_secret_jwt`: HS256, HS384 or HS512 with the client secret.
    Secret(&'a [u8]),
    /// `private_key_jwt`: RS256/384/512 or ES256/384 with a key of the client's JWK set.
    Jwks(&'a [Value]),
}

/// The payload of a client assertion whose signature one of `keys` verifies (claims unchecked).
pub fn verify_assertion(
    token: &str,
    keys: AssertionKeys<'_>,
) -> Result<Map<String, Value>, JwtError> {
    let head = header(token)?;
    let alg_name = head.get("alg").and_then(Value::as_str).unwrap_or_default();
    let alg: Algorithm = alg_name.parse().map_err(|_| JwtError::Algorithm)?;
    match keys {
        AssertionKeys::Secret(secret) => {
            if !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
                return Err(JwtError::Algorithm);
            }
            decode(token, &DecodingKey::from_secret(secret), alg)
        }
        AssertionKeys::Jwks(jwks) => {
            if !matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::ES256
                    | Algorithm::ES384
            ) {
                return Err(JwtError::Algorithm);
            }
            let kid = head.get("kid").and_then(Value::as_str);
            let mut last = JwtError::Signature;
            for jwk in jwks {
                if let (Some(kid), Some(key_id)) = (kid, jwk.get("kid").and_then(Value::as_str)) {
                    if kid != key_id {
                        continue;
                    }
                }
                let Ok(parsed) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(jwk.clone())
                else {
                    continue;
                };
                let Ok(key) = DecodingKey::from_jwk(&parsed) else {
                    continue;
                };
                match decode(token, &key, alg) {
                    Ok(claims) => return Ok(claims),
                    Err(e) => last = e,
                }
            }
            Err(last)
        }
    }
}

/// `at_hash` / `c_hash` of `value`: base64url of the left half of its SHA-256.
pub fn half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.get(..16).unwrap_or_default())
}

/// PKCE S256 (RFC 7636): base64url SHA-256 of the verifier.
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_pair() -> (Signer, RsaVerifier) {
        let key = crate::signing_keys::generate("t", "t", 0, 2).unwrap();
        let signer = Signer::from_pkcs8_pem(&key.kid, &key.private_key_pem).unwrap();
        (signer, RsaVerifier::new(&key.n, &key.e).unwrap())
    }

    #[test]
    fn signed_tokens_verify_and_tampered_ones_do_not() {
        let (signer, verifier) = key_pair();
        let token = signer
            .sign(&serde_json::json!({ "sub": "a", "n": 1 }))
            .unwrap();
        assert_eq!(header(&token).unwrap()["kid"], signer.kid());
        let claims = verify_rs256(&token, &verifier).unwrap();
        assert_eq!(claims["sub"], "a");
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"b","n":1}"#);
        parts[1] = &forged;
        assert_eq!(
            verify_rs256(&parts.join("."), &verifier).unwrap_err(),
            JwtError::Signature
        );
        let (_, other) = key_pair();
        assert_eq!(
            verify_rs256(&token, &other).unwrap_err(),
            JwtError::Signature
        );
    }

    #[test]
    fn assertions_verify_by_secret_and_by_jwk() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &serde_json::json!({ "iss": "c" }),
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap();
        assert_eq!(
            verify_assertion(&token, AssertionKeys::Secret(secret)).unwrap()["iss"],
            "c"
        );
        assert!(verify_assertion(
            &token,
            AssertionKeys::Secret(b"other-secret-of-32-characters!!")
        )
        .is_err());
        let key = crate::signing_keys::generate("t", "t", 0, 2).unwrap();
        let signer = Signer::from_pkcs8_pem(&key.kid, &key.private_key_pem).unwrap();
        let signed = signer.sign(&serde_json::json!({ "iss": "c" })).unwrap();
        let jwk = serde_json::json!({ "kty": "RSA", "kid": key.kid, "n": key.n, "e": key.e });
        assert_eq!(
            verify_assertion(&signed, AssertionKeys::Jwks(std::slice::from_ref(&jwk))).unwrap()
                ["iss"],
            "c"
        );
        // An HMAC assertion never verifies against a public key set (no algorithm confusion).
        assert_eq!(
            verify_assertion(&token, AssertionKeys::Jwks(&[jwk])).unwrap_err(),
            JwtError::Algorithm
        );
    }

    #[test]
    fn half_hash_matches_the_openid_example() {
        // OpenID Connect Core A.3/A.4: the access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        // has at_hash "77QmUPtjPfzWtF2AnpK9RQ" (for RS256).
        assert_eq!(
            half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
