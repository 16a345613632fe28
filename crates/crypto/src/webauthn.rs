//! WebAuthn factors (factors.md, "Enroll WebAuthn Factor", "Activate WebAuthn Factor",
//! "Issue a WebAuthn challenge", "Verify WebAuthn Factor"): the `_embedded.activation` and
//! `_embedded.challenge` objects in Okta's shape, and the checks on what the client sends back.
//!
//! The ceremony checks (challenge, origin, rp id hash, flags, attestation statement, signature,
//! sign counter) are webauthn-rs-core's; this module owns Okta's wire shapes and the leniency
//! Okta's clients need: fields may arrive in standard or URL-safe base64, padded or not.
//!
//! Invariants:
//! - the module keeps no state: each `start_*` returns an opaque state that the caller stores
//!   (sealed, with an expiry) and hands back once, deleting it on first use;
//! - a challenge is 32 random bytes in base64url without padding, which is exactly what the
//!   client puts in `clientDataJSON.challenge` after decoding it;
//! - user verification is "preferred": not required, but a credential registered with UV must
//!   keep using UV;
//! - a sign counter that does not increase fails the assertion (a cloned authenticator or a
//!   replay), unless both stored and received counters are 0;
//! - a used assertion state fails again: the stored credential remembers the challenges of its
//!   last [`RECENT_CHALLENGES`] passed assertions, and the counter refuses older ones. Only
//!   for an authenticator whose counter stays 0 (many platform passkeys) does an older used
//!   state depend on the caller having deleted it;
//! - no input panics: every failure is a [`WebauthnError`].

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;
use webauthn_rs_core::error::WebauthnError as CoreError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationExtensionsClientOutputs, AuthenticationState,
    AuthenticatorAssertionResponseRaw, AuthenticatorAttestationResponseRaw, COSEAlgorithm,
    Credential, PublicKeyCredential, RegisterPublicKeyCredential,
    RegistrationExtensionsClientOutputs, RegistrationState, UserVerificationPolicy,
};
use webauthn_rs_core::WebauthnCore;

/// The algorithms Okta offers in `pubKeyCredParams`, in Okta's order: ES256, RS256.
const ALGORITHMS: [COSEAlgorithm; 2] = [COSEAlgorithm::ES256, COSEAlgorithm::RS256];

/// Okta's factors are "preferred": UV is asked for, not required.
const USER_VERIFICATION: UserVerificationPolicy = UserVerificationPolicy::Preferred;

/// Sent to nobody (Okta's objects carry no timeout); webauthn-rs-core wants one.
const AUTHENTICATOR_TIMEOUT: Duration = Duration::from_secs(300);

/// How many passed assertion challenges a credential remembers to refuse their replay.
pub const RECENT_CHALLENGES: usize = 8;

/// No client field is this long (a TPM attestation with its chain is a few KiB); refusing
/// longer ones keeps parsing cheap.
const MAX_FIELD_CHARS: usize = 64 * 1024;

/// Why a WebAuthn step failed.
#[derive(Debug, thiserror::Error)]
pub enum WebauthnError {
    /// The relying party settings cannot work (rp id, origins): a configuration error.
    #[error("invalid WebAuthn relying party: {0}")]
    Config(String),
    /// A field from the client or caller is empty, too long or not base64.
    #[error("malformed {field}: {reason}")]
    Malformed { field: &'static str, reason: String },
    /// The client's response failed verification: wrong challenge, origin or rp id, bad
    /// attestation or signature, unparsable CBOR/JSON, a counter that did not increase.
    #[error("WebAuthn verification failed: {0}")]
    Rejected(#[source] CoreError),
    /// The state was issued for another credential than the one given.
    #[error("the WebAuthn challenge was issued for another credential")]
    CredentialMismatch,
    /// The state's challenge already passed an assertion with this credential.
    #[error("the WebAuthn challenge was already answered")]
    Replayed,
    /// A state or credential string cannot be written or read (damaged, or from another
    /// version).
    #[error("WebAuthn {0} cannot be stored or read")]
    Stored(&'static str),
    /// webauthn-rs-core could not build a challenge.
    #[error("WebAuthn challenge generation failed: {0}")]
    Challenge(#[source] CoreError),
}

/// The relying party: the server as WebAuthn sees it.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    core: WebauthnCore,
    rp_id: String,
    rp_name: String,
}

impl RelyingParty {
    /// `rp_id` is the host of the public URL (no scheme or port), `rp_name` the org name shown
    /// by the authenticator (the rp id when empty), `origins` the full origins clients run on
    /// (`https://login.example.com:8443`); each must be the rp id or one of its subdomains.
    pub fn new(rp_id: &str, rp_name: &str, origins: &[String]) -> Result<Self, WebauthnError> {
        let host = Url::parse(&format!("https://{rp_id}/"))
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned));
        if rp_id.is_empty() || host.as_deref() != Some(rp_id) {
            return Err(WebauthnError::Config(format!(
                "rp id {rp_id:?} must be a lowercase host name without scheme or port"
            )));
        }
        if origins.is_empty() {
            return Err(WebauthnError::Config("no allowed origin".to_owned()));
        }
        let allowed = origins
            .iter()
            .map(|origin| parse_origin(rp_id, origin))
            .collect::<Result<Vec<_>, _>>()?;
        let rp_name = if rp_name.trim().is_empty() {
            rp_id
        } else {
            rp_name
        };
        Ok(Self {
            core: WebauthnCore::new_unsafe_experts_only(
                rp_name,
                rp_id,
                allowed,
                AUTHENTICATOR_TIMEOUT,
                Some(false),
                Some(false),
            ),
            rp_id: rp_id.to_owned(),
            rp_name: rp_name.to_owned(),
        })
    }

    /// The rp id (the public host), as authenticators hash it.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }
}

/// An origin clients may run on: scheme, host and optional port only, on the rp id or below.
fn parse_origin(rp_id: &str, origin: &str) -> Result<Url, WebauthnError> {
    let bad = |why: &str| WebauthnError::Config(format!("origin {origin:?} {why}"));
    let url = Url::parse(origin).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("must be http or https"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a path, query or fragment"));
    }
    let host = url.host_str().unwrap_or_default();
    let below = host
        .strip_suffix(rp_id)
        .is_some_and(|prefix| prefix.is_empty() || prefix.ends_with('.'));
    if !below {
        return Err(bad(&format!("is not on rp id {rp_id:?}")));
    }
    Ok(url)
}

/// A credential that passed activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The credential id, base64url without padding (Okta's `profile.credentialId`).
    pub credential_id: String,
    /// The credential (public key, counter, flags), opaque: store it sealed, pass it back to
    /// [`start_assertion`] and [`finish_assertion`].
    pub credential: String,
    /// The authenticator's model name (Okta's `profile.authenticatorName`). Always `None`
    /// for now: naming a model from its AAGUID needs a metadata catalog we do not ship.
    pub authenticator_name: Option<String>,
}

/// Enroll: the `_embedded.activation` object (Okta's PublicKeyCredentialCreationOptions,
/// exactly Okta's keys) and the opaque registration state.
///
/// `user_id` is the Okta user id, sent as `user.id` (Okta's widget base64url-decodes it);
/// `display_name` falls back to `login` when empty; `exclude_credential_ids` are the user's
/// other WebAuthn credential ids (base64url), which the authenticator and
/// [`finish_registration`] refuse to register again.
pub fn start_registration(
    rp: &RelyingParty,
    user_id: &str,
    login: &str,
    display_name: &str,
    exclude_credential_ids: &[String],
) -> Result<(Value, String), WebauthnError> {
    require("userId", user_id)?;
    require("login", login)?;
    let display_name = if display_name.trim().is_empty() {
        login
    } else {
        display_name
    };
    let exclude = exclude_credential_ids
        .iter()
        .map(|id| decode_b64("excludeCredentials", id))
        .collect::<Result<Vec<_>, _>>()?;
    let builder = rp
        .core
        .new_challenge_register_builder(user_id.as_bytes(), login, display_name)
        .map_err(WebauthnError::Challenge)?
        .attestation(AttestationConveyancePreference::Direct)
        .user_verification_policy(USER_VERIFICATION)
        .exclude_credentials(Some(exclude.clone()))
        .credential_algorithms(ALGORITHMS.to_vec())
        .require_resident_key(false);
    let (options, state) = rp
        .core
        .generate_challenge_register(builder)
        .map_err(WebauthnError::Challenge)?;

    let activation = json!({
        "attestation": "direct",
        "authenticatorSelection": {
            "userVerification": USER_VERIFICATION,
            "requireResidentKey": false,
        },
        "challenge": URL_SAFE_NO_PAD.encode(&options.public_key.challenge),
        "excludeCredentials": exclude.iter().map(|id| credential_descriptor(id)).collect::<Vec<_>>(),
        "pubKeyCredParams": ALGORITHMS
            .iter()
            .map(|alg| json!({"type": "public-key", "alg": *alg as i64}))
            .collect::<Vec<_>>(),
        "rp": {"name": rp.rp_name},
        "user": {"displayName": display_name, "name": login, "id": user_id},
    });
    let state = serde_json::to_string(&state).map_err(|_| WebauthnError::Stored("state"))?;
    Ok((activation, state))
}

/// Activate: verify the client's `attestation` (attestationObject) and `clientData`
/// (clientDataJSON) against the registration state. The credential id comes from the attested
/// credential data; Okta's activate request does not carry it separately.
pub fn finish_registration(
    rp: &RelyingParty,
    state: &str,
    attestation_b64: &str,
    client_data_b64: &str,
) -> Result<Registered, WebauthnError> {
    let state: RegistrationState =
        serde_json::from_str(state).map_err(|_| WebauthnError::Stored("registration state"))?;
    let response = RegisterPublicKeyCredential {
        // webauthn-rs-core reads the id from the attested credential data, never from here.
        id: String::new(),
        raw_id: Vec::new(),
        response: AuthenticatorAttestationResponseRaw {
            attestation_object: decode_b64("attestation", attestation_b64)?,
            client_data_json: decode_b64("clientData", client_data_b64)?,
            transports: None,
        },
        type_: "public-key".to_owned(),
        extensions: RegistrationExtensionsClientOutputs::default(),
    };
    let credential = rp
        .core
        .register_credential(&response, &state, None)
        .map_err(WebauthnError::Rejected)?;
    Ok(Registered {
        credential_id: URL_SAFE_NO_PAD.encode(&credential.cred_id),
        credential: store_credential(&StoredCredential {
            credential,
            recent_challenges: Vec::new(),
        })?,
        authenticator_name: None,
    })
}

/// What [`start_assertion`] hands out: the ceremony state, bound to one credential.
#[derive(Serialize, Deserialize)]
struct AssertionState {
    credential_id: String,
    /// The challenge sent, base64url (the ceremony keeps its own copy private).
    challenge: String,
    ceremony: AuthenticationState,
}

/// The opaque credential: webauthn-rs-core's, plus the challenges of its last passed
/// assertions (newest last).
#[derive(Serialize, Deserialize)]
struct StoredCredential {
    credential: Credential,
    #[serde(default)]
    recent_challenges: Vec<String>,
}

/// Verify (challenge): the `_embedded.challenge` object and the opaque assertion state for the
/// factor's one credential.
///
/// The object is exactly Okta's `{"challenge", "extensions"}`. factors.md passes it straight to
/// `navigator.credentials.get()` after decoding only `challenge`, so an `allowCredentials`
/// with string ids would make browsers throw; clients take the credential id from the factor's
/// `profile.credentialId`, as Okta's widget does.
pub fn start_assertion(
    rp: &RelyingParty,
    credential: &str,
) -> Result<(Value, String), WebauthnError> {
    let StoredCredential { credential, .. } = load_credential(credential)?;
    let credential_id = URL_SAFE_NO_PAD.encode(&credential.cred_id);
    let builder = rp
        .core
        .new_challenge_authenticate_builder(Vec::new(), Some(credential.registration_policy))
        .map_err(WebauthnError::Challenge)?;
    let (options, ceremony) = rp
        .core
        .generate_challenge_authenticate(builder)
        .map_err(WebauthnError::Challenge)?;

    let challenge_text = URL_SAFE_NO_PAD.encode(&options.public_key.challenge);
    let challenge = json!({"challenge": challenge_text, "extensions": {}});
    let state = AssertionState {
        credential_id,
        challenge: challenge_text,
        ceremony,
    };
    let state = serde_json::to_string(&state).map_err(|_| WebauthnError::Stored("state"))?;
    Ok((challenge, state))
}

/// Verify (answer): check the client's `clientData`, `authenticatorData` and `signatureData`
/// against the assertion state and the stored credential, and return the credential with its
/// sign counter (and backup state) brought forward, to store in place of the old one.
pub fn finish_assertion(
    rp: &RelyingParty,
    state: &str,
    credential: &str,
    client_data_b64: &str,
    authenticator_data_b64: &str,
    signature_b64: &str,
) -> Result<String, WebauthnError> {
    let state: AssertionState =
        serde_json::from_str(state).map_err(|_| WebauthnError::Stored("assertion state"))?;
    let mut stored = load_credential(credential)?;
    let credential_id = URL_SAFE_NO_PAD.encode(&stored.credential.cred_id);
    if state.credential_id != credential_id {
        return Err(WebauthnError::CredentialMismatch);
    }
    if stored.recent_challenges.contains(&state.challenge) {
        return Err(WebauthnError::Replayed);
    }
    let response = PublicKeyCredential {
        id: credential_id,
        raw_id: stored.credential.cred_id.clone(),
        response: AuthenticatorAssertionResponseRaw {
            authenticator_data: decode_b64("authenticatorData", authenticator_data_b64)?,
            client_data_json: decode_b64("clientData", client_data_b64)?,
            signature: decode_b64("signatureData", signature_b64)?,
            user_handle: None,
        },
        extensions: AuthenticationExtensionsClientOutputs::default(),
        type_: "public-key".to_owned(),
    };
    let result = rp
        .core
        .authenticate_single_credential(&response, &state.ceremony, &stored.credential)
        .map_err(WebauthnError::Rejected)?;
    // webauthn-rs-core has refused a counter that did not increase; a 0/0 pair stays 0.
    stored.credential.counter = stored.credential.counter.max(result.counter());
    stored.credential.backup_state = result.backup_state();
    stored.recent_challenges.push(state.challenge);
    let excess = stored
        .recent_challenges
        .len()
        .saturating_sub(RECENT_CHALLENGES);
    stored.recent_challenges.drain(..excess);
    store_credential(&stored)
}

fn credential_descriptor(id: &[u8]) -> Value {
    json!({"type": "public-key", "id": URL_SAFE_NO_PAD.encode(id)})
}

fn store_credential(credential: &StoredCredential) -> Result<String, WebauthnError> {
    serde_json::to_string(credential).map_err(|_| WebauthnError::Stored("credential"))
}

fn load_credential(text: &str) -> Result<StoredCredential, WebauthnError> {
    serde_json::from_str(text).map_err(|_| WebauthnError::Stored("credential"))
}

fn require(field: &'static str, value: &str) -> Result<(), WebauthnError> {
    if value.trim().is_empty() {
        return Err(WebauthnError::Malformed {
            field,
            reason: "is empty".to_owned(),
        });
    }
    Ok(())
}

/// Decodes base64 in either alphabet, padded or not: Okta's widget sends standard base64,
/// other clients base64url.
fn decode_b64(field: &'static str, text: &str) -> Result<Vec<u8>, WebauthnError> {
    let malformed = |reason: String| WebauthnError::Malformed { field, reason };
    let text = text.trim();
    require(field, text)?;
    if text.len() > MAX_FIELD_CHARS {
        return Err(malformed(format!(
            "is longer than {MAX_FIELD_CHARS} characters"
        )));
    }
    let url_safe: String = text
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD
        .decode(url_safe)
        .map_err(|e| malformed(format!("is not base64: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn rp() -> RelyingParty {
        RelyingParty::new(
            "localhost",
            "Latchkey",
            &["https://localhost:8443".to_owned()],
        )
        .unwrap()
    }

    #[test]
    fn base64_in_either_alphabet_with_or_without_padding() {
        let bytes: Vec<u8> = (0..=255).collect();
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            assert_eq!(decode_b64("f", &engine.encode(&bytes)).unwrap(), bytes);
        }
        for bad in ["", "   ", "not base64!", "a", "Zm9v\u{e9}"] {
            assert!(matches!(
                decode_b64("f", bad),
                Err(WebauthnError::Malformed { field: "f", .. })
            ));
        }
        let long = "A".repeat(MAX_FIELD_CHARS + 4);
        assert!(decode_b64("f", &long).is_err());
    }

    #[test]
    fn relying_party_checks_rp_id_and_origins() {
        let ok = |id: &str, origin: &str| RelyingParty::new(id, "Org", &[origin.to_owned()]);
        assert!(ok("localhost", "https://localhost:8443").is_ok());
        assert!(ok("example.com", "https://login.example.com").is_ok());
        assert!(ok("127.0.0.1", "https://127.0.0.1:8443").is_ok());
        assert_eq!(
            ok("localhost", "https://localhost").unwrap().rp_id(),
            "localhost"
        );
        for (id, origin) in [
            ("", "https://localhost"),
            ("https://localhost", "https://localhost"),
            ("localhost:8443", "https://localhost:8443"),
            ("Example.com", "https://example.com"),
            ("example.com", "https://badexample.com"),
            ("example.com", "https://example.org"),
            ("example.com", "https://example.com/login"),
            ("example.com", "ftp://example.com"),
            ("example.com", "not a url"),
        ] {
            assert!(
                matches!(ok(id, origin), Err(WebauthnError::Config(_))),
                "{id} {origin}"
            );
        }
        assert!(RelyingParty::new("example.com", "Org", &[]).is_err());
    }

    #[test]
    fn garbage_state_and_credential_are_errors() {
        let rp = rp();
        let (_, state) = start_registration(&rp, "00u1", "a@example.com", "A", &[]).unwrap();
        for text in ["", "garbage", "{}", "null", "[1,2]"] {
            assert!(matches!(
                finish_registration(&rp, text, "AAAA", "AAAA"),
                Err(WebauthnError::Stored(_))
            ));
            assert!(matches!(
                start_assertion(&rp, text),
                Err(WebauthnError::Stored(_))
            ));
            assert!(finish_assertion(&rp, text, text, "AAAA", "AAAA", "AAAA").is_err());
        }
        // Valid state, garbage client fields: base64 errors, then CBOR/JSON errors.
        assert!(matches!(
            finish_registration(&rp, &state, "%%%", "AAAA"),
            Err(WebauthnError::Malformed {
                field: "attestation",
                ..
            })
        ));
        assert!(matches!(
            finish_registration(&rp, &state, "AAAA", ""),
            Err(WebauthnError::Malformed {
                field: "clientData",
                ..
            })
        ));
        assert!(matches!(
            finish_registration(&rp, &state, "q2Nmb3Jt", "e30"),
            Err(WebauthnError::Rejected(_))
        ));
    }

    #[test]
    fn empty_user_fields_are_refused() {
        let rp = rp();
        assert!(start_registration(&rp, "", "a@example.com", "A", &[]).is_err());
        assert!(start_registration(&rp, "00u1", " ", "A", &[]).is_err());
        assert!(start_registration(&rp, "00u1", "a@example.com", "A", &["!".to_owned()]).is_err());
        let (activation, _) = start_registration(&rp, "00u1", "a@example.com", "", &[]).unwrap();
        assert_eq!(activation["user"]["displayName"], "a@example.com");
    }

    #[test]
    fn error_is_send_and_sync() {
        fn assert_bounds<T: std::error::Error + Send + Sync + 'static>() {}
        assert_bounds::<WebauthnError>();
    }
}

#[cfg(all(test, feature = "soft-authenticator"))]
mod ceremony_tests;
