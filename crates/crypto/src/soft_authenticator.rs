//! A software WebAuthn authenticator and browser, for tests that enroll and verify Okta
//! WebAuthn factors (factors.md, "Enroll WebAuthn Factor", "Verify WebAuthn Factor") without a
//! device. Behind the `soft-authenticator` feature; never part of the server.
//!
//! It builds the real CTAP2 structures a browser hands to a relying party:
//! - authenticator data: SHA-256(rp id) ‖ flags ‖ sign counter (4 bytes, big-endian), then for
//!   registration the attested credential data: AAGUID (16 zero bytes) ‖ id length (2) ‖ id ‖
//!   COSE public key;
//! - attestationObject: CBOR `{"fmt", "attStmt", "authData"}`, in CTAP2 canonical order;
//! - clientDataJSON: `type`, `challenge`, `origin`, `crossOrigin`, in browsers' order;
//! - assertion signature: over authData ‖ SHA-256(clientDataJSON), DER for ECDSA.
//!
//! Outputs are standard base64 with padding, as Okta's widget sends them. Like a real
//! authenticator it refuses a registration whose `excludeCredentials` lists its credential,
//! and an assertion whose `allowCredentials` does not. The sign counter starts at 0 and every
//! assertion increases it by one.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ciborium::Value as Cbor;
use p256::ecdsa::signature::Signer as _;
use rand::RngCore;
use rsa::traits::PublicKeyParts;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// User present.
const FLAG_UP: u8 = 0x01;
/// User verified.
const FLAG_UV: u8 = 0x04;
/// Attested credential data included.
const FLAG_AT: u8 = 0x40;

/// The Okta activate request's fields (`attestation`, `clientData`), standard base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftAttestation {
    pub attestation: String,
    pub client_data: String,
}

/// The Okta verify request's fields (`clientData`, `authenticatorData`, `signatureData`),
/// standard base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftAssertion {
    pub client_data: String,
    pub authenticator_data: String,
    pub signature_data: String,
}

/// How the authenticator attests a new credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attestation {
    /// `fmt: "none"`, as most platform authenticators and privacy-minded browsers send.
    None,
    /// `fmt: "packed"` self-attestation: signed with the credential key itself, no x5c.
    PackedSelf,
}

enum CredentialKey {
    Es256(p256::ecdsa::SigningKey),
    Rs256(Box<rsa::RsaPrivateKey>),
}

impl CredentialKey {
    fn cose_alg(&self) -> i64 {
        match self {
            Self::Es256(_) => -7,
            Self::Rs256(_) => -257,
        }
    }

    /// The COSE_Key, with labels in CTAP2 canonical order.
    fn cose_public_key(&self) -> Result<Vec<u8>, String> {
        let int = |n: i64| Cbor::Integer(n.into());
        let key = match self {
            Self::Es256(key) => {
                let point = key.verifying_key().to_sec1_point(false);
                let (x, y) = match point.as_bytes() {
                    [0x04, xy @ ..] if xy.len() == 64 => xy.split_at(32),
                    _ => return Err("P-256 point is not uncompressed".to_owned()),
                };
                Cbor::Map(vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Cbor::Bytes(x.to_vec())),
                    (int(-3), Cbor::Bytes(y.to_vec())),
                ])
            }
            Self::Rs256(key) => Cbor::Map(vec![
                (int(1), int(3)),
                (int(3), int(-257)),
                (int(-1), Cbor::Bytes(key.n().to_bytes_be())),
                (int(-2), Cbor::Bytes(key.e().to_bytes_be())),
            ]),
        };
        cbor(&key)
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Es256(key) => {
                let signature: p256::ecdsa::DerSignature = key.sign(message);
                signature.as_bytes().to_vec()
            }
            Self::Rs256(key) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.as_ref().clone());
                signer.sign(message).to_vec()
            }
        }
    }
}

/// One credential on one software authenticator.
pub struct SoftAuthenticator {
    key: CredentialKey,
    credential_id: Vec<u8>,
    counter: u32,
    attestation: Attestation,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SoftAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftAuthenticator")
            .field("alg", &self.key.cose_alg())
            .field("credential_id", &self.credential_id_b64url())
            .field("counter", &self.counter)
            .field("attestation", &self.attestation)
            .finish_non_exhaustive()
    }
}

impl SoftAuthenticator {
    /// An ES256 (P-256) credential with a random 32-byte id, attesting with `fmt: "none"`.
    pub fn new() -> Self {
        let key = loop {
            let mut scalar = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut scalar);
            // Zero or ≥ the group order: about one draw in 2^32.
            if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&scalar) {
                break key;
            }
        };
        Self::with_key(CredentialKey::Es256(key))
    }

    /// An RS256 (RSA 2048) credential instead, as Windows Hello makes. Key generation is a
    /// prime search: fast only where `rsa` is built optimised (the workspace dev profile does).
    pub fn new_rs256() -> Result<Self, String> {
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .map_err(|e| format!("RSA key generation failed: {e}"))?;
        Ok(Self::with_key(CredentialKey::Rs256(Box::new(key))))
    }

    /// Attest with `fmt: "packed"` self-attestation (signed by the credential key) instead of
    /// `fmt: "none"`.
    pub fn packed_self_attestation(mut self) -> Self {
        self.attestation = Attestation::PackedSelf;
        self
    }

    fn with_key(key: CredentialKey) -> Self {
        let mut credential_id = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut credential_id);
        Self {
            key,
            credential_id,
            counter: 0,
            attestation: Attestation::None,
        }
    }

    /// The credential id, base64url without padding (Okta's `profile.credentialId`).
    pub fn credential_id_b64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.credential_id)
    }

    /// `navigator.credentials.create()`: from the `_embedded.activation` object as the server
    /// sent it, the page's origin and the rp id (Okta's activation names only the rp's
    /// `name`; a browser uses the page's host), the Okta activate request's fields.
    pub fn register(
        &mut self,
        activation: &Value,
        origin: &str,
        rp_id: &str,
    ) -> Result<SoftAttestation, String> {
        let challenge = challenge_of(activation)?;
        let offered = activation
            .get("pubKeyCredParams")
            .and_then(Value::as_array)
            .ok_or("activation has no pubKeyCredParams")?;
        let alg = self.key.cose_alg();
        if !offered
            .iter()
            .any(|p| p.get("alg").and_then(Value::as_i64) == Some(alg))
        {
            return Err(format!("NotSupportedError: alg {alg} is not offered"));
        }
        if self.listed_in(activation.get("excludeCredentials")) {
            return Err("InvalidStateError: the credential is in excludeCredentials".to_owned());
        }

        let client_data = client_data_json("webauthn.create", &challenge, origin)?;
        let mut auth_data = self.authenticator_data(rp_id, FLAG_UP | FLAG_UV | FLAG_AT);
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none, as software keys send.
        let id_len = u16::try_from(self.credential_id.len()).map_err(|e| e.to_string())?;
        auth_data.extend_from_slice(&id_len.to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend_from_slice(&self.key.cose_public_key()?);

        let (fmt, statement) = match self.attestation {
            Attestation::None => ("none", Cbor::Map(Vec::new())),
            Attestation::PackedSelf => {
                let signed = signed_bytes(&auth_data, &client_data);
                let statement = Cbor::Map(vec![
                    (Cbor::Text("alg".into()), Cbor::Integer(alg.into())),
                    (
                        Cbor::Text("sig".into()),
                        Cbor::Bytes(self.key.sign(&signed)),
                    ),
                ]);
                ("packed", statement)
            }
        };
        let object = Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text(fmt.into())),
            (Cbor::Text("attStmt".into()), statement),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]);
        Ok(SoftAttestation {
            attestation: STANDARD.encode(cbor(&object)?),
            client_data: STANDARD.encode(client_data),
        })
    }

    /// `navigator.credentials.get()`: from the `_embedded.challenge` object, the page's origin
    /// and the rp id, the Okta verify request's fields. Advances the sign counter.
    pub fn assert(
        &mut self,
        challenge: &Value,
        origin: &str,
        rp_id: &str,
    ) -> Result<SoftAssertion, String> {
        let challenge_text = challenge_of(challenge)?;
        let allowed = challenge.get("allowCredentials");
        if allowed
            .and_then(Value::as_array)
            .is_some_and(|list| !list.is_empty())
            && !self.listed_in(allowed)
        {
            return Err("NotAllowedError: the credential is not in allowCredentials".to_owned());
        }
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or("the sign counter is exhausted")?;

        let client_data = client_data_json("webauthn.get", &challenge_text, origin)?;
        let auth_data = self.authenticator_data(rp_id, FLAG_UP | FLAG_UV);
        let signature = self.key.sign(&signed_bytes(&auth_data, &client_data));
        Ok(SoftAssertion {
            client_data: STANDARD.encode(client_data),
            authenticator_data: STANDARD.encode(auth_data),
            signature_data: STANDARD.encode(signature),
        })
    }

    /// rpIdHash ‖ flags ‖ signCount.
    fn authenticator_data(&self, rp_id: &str, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        data
    }

    /// Whether a list of PublicKeyCredentialDescriptors names this credential.
    fn listed_in(&self, descriptors: Option<&Value>) -> bool {
        descriptors
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| d.get("id").and_then(Value::as_str))
            .filter_map(|id| URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok())
            .any(|id| id == self.credential_id)
    }
}

/// The challenge as the browser puts it in clientDataJSON: the server's base64url string
/// decoded to bytes, then encoded again (base64url, no padding).
fn challenge_of(options: &Value) -> Result<String, String> {
    let text = options
        .get("challenge")
        .and_then(Value::as_str)
        .ok_or("no challenge string")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| format!("challenge is not base64url: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// clientDataJSON with its members in the order browsers write them.
fn client_data_json(kind: &str, challenge: &str, origin: &str) -> Result<Vec<u8>, String> {
    let text = |s: &str| serde_json::to_string(s).map_err(|e| e.to_string());
    Ok(format!(
        r#"{{"type":{},"challenge":{},"origin":{},"crossOrigin":false}}"#,
        text(kind)?,
        text(challenge)?,
        text(origin)?
    )
    .into_bytes())
}

/// authenticatorData ‖ SHA-256(clientDataJSON): what attestation and assertion signatures cover.
fn signed_bytes(auth_data: &[u8], client_data: &[u8]) -> Vec<u8> {
    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data));
    signed
}

fn cbor(value: &Cbor) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn activation(challenge: &str) -> Value {
        json!({
            "challenge": challenge,
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
            "excludeCredentials": [],
        })
    }

    #[test]
    fn attestation_object_is_ctap_cbor() {
        let mut authenticator = SoftAuthenticator::new();
        let out = authenticator
            .register(&activation("AAEC"), "https://localhost:8443", "localhost")
            .unwrap();
        let object: Cbor =
            ciborium::from_reader(STANDARD.decode(&out.attestation).unwrap().as_slice()).unwrap();
        let map = object.as_map().unwrap();
        let keys: Vec<_> = map.iter().map(|(k, _)| k.as_text().unwrap()).collect();
        assert_eq!(keys, ["fmt", "attStmt", "authData"]);
        assert_eq!(map[0].1.as_text(), Some("none"));
        assert_eq!(map[1].1.as_map().map(Vec::len), Some(0));
        let auth_data = map[2].1.as_bytes().unwrap();
        assert_eq!(&auth_data[..32], Sha256::digest(b"localhost").as_slice());
        assert_eq!(auth_data[32], FLAG_UP | FLAG_UV | FLAG_AT);
        assert_eq!(&auth_data[33..37], &[0, 0, 0, 0]);
        assert_eq!(&auth_data[37..53], &[0u8; 16]);
        assert_eq!(&auth_data[53..55], &[0, 32]);
        assert_eq!(
            URL_SAFE_NO_PAD.encode(&auth_data[55..87]),
            authenticator.credential_id_b64url()
        );
        let key: Cbor = ciborium::from_reader(&auth_data[87..]).unwrap();
        assert_eq!(key.as_map().unwrap().len(), 5);

        let client_data: Value =
            serde_json::from_slice(&STANDARD.decode(&out.client_data).unwrap()).unwrap();
        assert_eq!(
            client_data,
            json!({"type": "webauthn.create", "challenge": "AAEC", "origin": "https://localhost:8443", "crossOrigin": false})
        );
    }

    #[test]
    fn assertion_counts_and_respects_credential_lists() {
        let mut authenticator = SoftAuthenticator::new();
        let challenge = json!({"challenge": "AAEC", "extensions": {}});
        for expected in 1u32..=2 {
            let out = authenticator
                .assert(&challenge, "https://localhost", "localhost")
                .unwrap();
            let auth_data = STANDARD.decode(&out.authenticator_data).unwrap();
            assert_eq!(auth_data.len(), 37);
            assert_eq!(auth_data[32], FLAG_UP | FLAG_UV);
            assert_eq!(auth_data[33..37], expected.to_be_bytes());
        }
        let other = json!({"challenge": "AAEC", "allowCredentials": [{"type": "public-key", "id": "AAAA"}]});
        assert!(authenticator
            .assert(&other, "https://localhost", "localhost")
            .is_err());
        let mut excluded = activation("AAEC");
        excluded["excludeCredentials"] =
            json!([{"type": "public-key", "id": authenticator.credential_id_b64url()}]);
        assert!(authenticator
            .register(&excluded, "https://localhost", "localhost")
            .is_err());
        assert!(authenticator
            .register(&json!({}), "https://localhost", "localhost")
            .is_err());
    }
}
