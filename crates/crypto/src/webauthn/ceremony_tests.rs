//! Whole ceremonies against the software authenticator: what the Factors API does on enroll,
//! activate, challenge and verify, and each way a client's answer must fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::soft_authenticator::{SoftAssertion, SoftAuthenticator};

const RP_ID: &str = "localhost";
const ORIGIN: &str = "https://localhost:8443";

fn rp() -> RelyingParty {
    RelyingParty::new(RP_ID, "Latchkey Org", &[ORIGIN.to_owned()]).unwrap()
}

fn enroll(rp: &RelyingParty) -> (Value, String) {
    start_registration(
        rp,
        "00u1abcdEFGH2345ijkl",
        "first.last@example.com",
        "First Last",
        &[],
    )
    .unwrap()
}

/// Enroll and activate `authenticator`; returns the stored credential.
fn register(rp: &RelyingParty, authenticator: &mut SoftAuthenticator) -> Registered {
    let (activation, state) = enroll(rp);
    let answer = authenticator.register(&activation, ORIGIN, RP_ID).unwrap();
    finish_registration(rp, &state, &answer.attestation, &answer.client_data).unwrap()
}

fn verify(
    rp: &RelyingParty,
    state: &str,
    credential: &str,
    answer: &SoftAssertion,
) -> Result<String, WebauthnError> {
    finish_assertion(
        rp,
        state,
        credential,
        &answer.client_data,
        &answer.authenticator_data,
        &answer.signature_data,
    )
}

fn counter(credential: &str) -> u64 {
    let credential: Value = serde_json::from_str(credential).unwrap();
    credential["credential"]["counter"].as_u64().unwrap()
}

fn rejected(result: Result<impl std::fmt::Debug, WebauthnError>) -> CoreError {
    match result {
        Err(WebauthnError::Rejected(e)) => e,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn activation_has_exactly_oktas_shape() {
    let rp = rp();
    let existing = SoftAuthenticator::new().credential_id_b64url();
    let (activation, _) = start_registration(
        &rp,
        "00u1abcdEFGH2345ijkl",
        "first.last@example.com",
        "First Last",
        std::slice::from_ref(&existing),
    )
    .unwrap();

    let challenge = activation["challenge"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(challenge).unwrap().len(), 32);
    assert_eq!(
        activation,
        json!({
            "attestation": "direct",
            "authenticatorSelection": {"userVerification": "preferred", "requireResidentKey": false},
            "challenge": challenge,
            "excludeCredentials": [{"type": "public-key", "id": existing}],
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
            "rp": {"name": "Latchkey Org"},
            "user": {"displayName": "First Last", "name": "first.last@example.com", "id": "00u1abcdEFGH2345ijkl"},
        })
    );
    let (again, _) = enroll(&rp);
    assert_ne!(again["challenge"], activation["challenge"]);
    assert_eq!(again["excludeCredentials"], json!([]));
}

#[test]
fn register_then_assert() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let registered = register(&rp, &mut authenticator);
    assert_eq!(
        registered.credential_id,
        authenticator.credential_id_b64url()
    );
    assert_eq!(registered.authenticator_name, None);
    assert_eq!(counter(&registered.credential), 0);

    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let text = challenge["challenge"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(text).unwrap().len(), 32);
    assert_eq!(challenge, json!({"challenge": text, "extensions": {}}));

    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    let updated = verify(&rp, &state, &registered.credential, &answer).unwrap();
    assert_eq!(counter(&updated), 1);

    // The counter keeps advancing with each verification.
    let (challenge, state) = start_assertion(&rp, &updated).unwrap();
    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    let updated = verify(&rp, &state, &updated, &answer).unwrap();
    assert_eq!(counter(&updated), 2);
}

#[test]
fn packed_self_attestation_and_rs256_are_accepted() {
    let rp = rp();
    let es256 = SoftAuthenticator::new().packed_self_attestation();
    let rs256 = SoftAuthenticator::new_rs256().unwrap();
    let rs256_packed = SoftAuthenticator::new_rs256()
        .unwrap()
        .packed_self_attestation();
    for mut authenticator in [es256, rs256, rs256_packed] {
        let registered = register(&rp, &mut authenticator);
        let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
        let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
        let updated = verify(&rp, &state, &registered.credential, &answer).unwrap();
        assert_eq!(counter(&updated), 1, "{authenticator:?}");
    }
}

#[test]
fn packed_attestation_with_a_bad_signature_fails() {
    use ciborium::Value as Cbor;
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new().packed_self_attestation();
    let (activation, state) = enroll(&rp);
    let answer = authenticator.register(&activation, ORIGIN, RP_ID).unwrap();

    let bytes = STANDARD.decode(&answer.attestation).unwrap();
    let mut object: Cbor = ciborium::from_reader(bytes.as_slice()).unwrap();
    let Cbor::Map(entries) = &mut object else {
        panic!("attestationObject is not a map")
    };
    let (_, Cbor::Map(statement)) = &mut entries[1] else {
        panic!("attStmt is not a map")
    };
    let (_, Cbor::Bytes(signature)) = &mut statement[1] else {
        panic!("attStmt.sig is not bytes")
    };
    let middle = signature.len() / 2;
    signature[middle] ^= 0x01;
    let mut tampered = Vec::new();
    ciborium::into_writer(&object, &mut tampered).unwrap();

    let result = finish_registration(
        &rp,
        &state,
        &STANDARD.encode(&tampered),
        &answer.client_data,
    );
    assert!(matches!(
        rejected(result),
        CoreError::AttestationStatementSigInvalid
    ));
}

#[test]
fn wrong_origin_fails() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let (activation, state) = enroll(&rp);
    for origin in [
        "https://evil.example",
        "http://localhost:8443",
        "https://localhost:9443",
    ] {
        let answer = authenticator.register(&activation, origin, RP_ID).unwrap();
        let result = finish_registration(&rp, &state, &answer.attestation, &answer.client_data);
        assert!(
            matches!(rejected(result), CoreError::InvalidRPOrigin),
            "{origin}"
        );
    }

    let registered = register(&rp, &mut authenticator);
    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator
        .assert(&challenge, "https://evil.example", RP_ID)
        .unwrap();
    let result = verify(&rp, &state, &registered.credential, &answer);
    assert!(matches!(rejected(result), CoreError::InvalidRPOrigin));
}

#[test]
fn wrong_challenge_fails() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let (activation, _) = enroll(&rp);
    let (_, other_state) = enroll(&rp);
    let answer = authenticator.register(&activation, ORIGIN, RP_ID).unwrap();
    let result = finish_registration(&rp, &other_state, &answer.attestation, &answer.client_data);
    assert!(matches!(rejected(result), CoreError::MismatchedChallenge));

    let registered = register(&rp, &mut authenticator);
    let (challenge, _) = start_assertion(&rp, &registered.credential).unwrap();
    let (_, other_state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    let result = verify(&rp, &other_state, &registered.credential, &answer);
    assert!(matches!(rejected(result), CoreError::MismatchedChallenge));
}

#[test]
fn tampered_signature_fails() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let registered = register(&rp, &mut authenticator);
    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();

    let mut signature = STANDARD.decode(&answer.signature_data).unwrap();
    let last = signature.len() - 1;
    signature[last] ^= 0x01;
    let tampered = SoftAssertion {
        signature_data: STANDARD.encode(&signature),
        ..answer.clone()
    };
    assert!(verify(&rp, &state, &registered.credential, &tampered).is_err());

    // A signature over other authenticator data (flags changed after signing).
    let mut auth_data = STANDARD.decode(&answer.authenticator_data).unwrap();
    auth_data[32] ^= 0x04;
    let tampered = SoftAssertion {
        authenticator_data: STANDARD.encode(&auth_data),
        ..answer.clone()
    };
    assert!(verify(&rp, &state, &registered.credential, &tampered).is_err());

    // The untampered answer still passes.
    assert!(verify(&rp, &state, &registered.credential, &answer).is_ok());
}

#[test]
fn authenticator_data_for_another_rp_id_fails() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let (activation, state) = enroll(&rp);
    let answer = authenticator
        .register(&activation, ORIGIN, "evil.example")
        .unwrap();
    let result = finish_registration(&rp, &state, &answer.attestation, &answer.client_data);
    assert!(matches!(rejected(result), CoreError::InvalidRPIDHash));

    let registered = register(&rp, &mut authenticator);
    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator
        .assert(&challenge, ORIGIN, "evil.example")
        .unwrap();
    let result = verify(&rp, &state, &registered.credential, &answer);
    assert!(matches!(rejected(result), CoreError::InvalidRPIDHash));
}

#[test]
fn replayed_assertion_fails() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let registered = register(&rp, &mut authenticator);
    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    let updated = verify(&rp, &state, &registered.credential, &answer).unwrap();

    // Same state, same answer, against the stored (advanced) credential.
    assert!(matches!(
        verify(&rp, &state, &updated, &answer),
        Err(WebauthnError::Replayed)
    ));
    // A fresh answer to the used state is refused too.
    let again = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    assert!(matches!(
        verify(&rp, &state, &updated, &again),
        Err(WebauthnError::Replayed)
    ));
}

#[test]
fn credential_remembers_only_recent_challenges() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let mut credential = register(&rp, &mut authenticator).credential;
    let mut states = Vec::new();
    for _ in 0..RECENT_CHALLENGES + 2 {
        let (challenge, state) = start_assertion(&rp, &credential).unwrap();
        let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
        credential = verify(&rp, &state, &credential, &answer).unwrap();
        states.push((state, answer));
    }
    let stored: Value = serde_json::from_str(&credential).unwrap();
    assert_eq!(
        stored["recent_challenges"].as_array().unwrap().len(),
        RECENT_CHALLENGES
    );
    // An old state has left the list; the sign counter still refuses it.
    let (state, answer) = &states[0];
    let result = verify(&rp, state, &credential, answer);
    assert!(matches!(
        rejected(result),
        CoreError::CredentialPossibleCompromise
    ));
}

#[test]
fn counter_going_backwards_fails() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let registered = register(&rp, &mut authenticator);
    let (first_challenge, first_state) = start_assertion(&rp, &registered.credential).unwrap();
    let first = authenticator
        .assert(&first_challenge, ORIGIN, RP_ID)
        .unwrap();
    let (second_challenge, second_state) = start_assertion(&rp, &registered.credential).unwrap();
    let second = authenticator
        .assert(&second_challenge, ORIGIN, RP_ID)
        .unwrap();

    let updated = verify(&rp, &second_state, &registered.credential, &second).unwrap();
    assert_eq!(counter(&updated), 2);
    // The older answer carries counter 1 < 2: a cloned authenticator, or a replay.
    let result = verify(&rp, &first_state, &updated, &first);
    assert!(matches!(
        rejected(result),
        CoreError::CredentialPossibleCompromise
    ));
}

#[test]
fn state_for_another_credential_fails() {
    let rp = rp();
    let mut first = SoftAuthenticator::new();
    let mut second = SoftAuthenticator::new();
    let first_credential = register(&rp, &mut first).credential;
    let second_credential = register(&rp, &mut second).credential;
    let (_, state) = start_assertion(&rp, &first_credential).unwrap();
    let (challenge, _) = start_assertion(&rp, &second_credential).unwrap();
    let answer = second.assert(&challenge, ORIGIN, RP_ID).unwrap();
    assert!(matches!(
        verify(&rp, &state, &second_credential, &answer),
        Err(WebauthnError::CredentialMismatch)
    ));
}

#[test]
fn excluded_credential_is_refused() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let id = authenticator.credential_id_b64url();
    let (activation, state) = start_registration(
        &rp,
        "00u1abcdEFGH2345ijkl",
        "first.last@example.com",
        "First Last",
        std::slice::from_ref(&id),
    )
    .unwrap();
    assert!(authenticator.register(&activation, ORIGIN, RP_ID).is_err());

    // A client that ignores excludeCredentials is still refused by the server.
    let mut ignoring = activation.clone();
    ignoring["excludeCredentials"] = json!([]);
    let answer = authenticator.register(&ignoring, ORIGIN, RP_ID).unwrap();
    assert!(finish_registration(&rp, &state, &answer.attestation, &answer.client_data).is_err());
}

#[test]
fn base64_variants_of_client_fields_are_accepted() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let (activation, state) = enroll(&rp);
    let answer = authenticator.register(&activation, ORIGIN, RP_ID).unwrap();
    let url_safe = |standard: &str| URL_SAFE_NO_PAD.encode(STANDARD.decode(standard).unwrap());
    let registered = finish_registration(
        &rp,
        &state,
        &url_safe(&answer.attestation),
        answer.client_data.trim_end_matches('='),
    )
    .unwrap();

    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    let mixed = SoftAssertion {
        client_data: url_safe(&answer.client_data),
        authenticator_data: answer.authenticator_data.clone(),
        signature_data: url_safe(&answer.signature_data),
    };
    assert!(verify(&rp, &state, &registered.credential, &mixed).is_ok());
}

#[test]
fn garbage_and_mutated_input_never_panics() {
    let rp = rp();
    let mut authenticator = SoftAuthenticator::new();
    let (activation, state) = enroll(&rp);
    let answer = authenticator.register(&activation, ORIGIN, RP_ID).unwrap();
    let attestation = STANDARD.decode(&answer.attestation).unwrap();
    let client_data = STANDARD.decode(&answer.client_data).unwrap();

    // Garbage: each is an error.
    for (object, data) in [
        ("not base64!", answer.client_data.as_str()),
        (answer.attestation.as_str(), "%%%"),
        ("AAAA", answer.client_data.as_str()),
        ("oA", answer.client_data.as_str()),
        (answer.attestation.as_str(), "bnVsbA"),
        (answer.attestation.as_str(), "AAAA"),
        (answer.attestation.as_str(), "e30"),
    ] {
        assert!(
            finish_registration(&rp, &state, object, data).is_err(),
            "{object} {data}"
        );
    }

    // Every truncation and every single-byte flip of a valid attestationObject and
    // clientDataJSON: an answer either way, never a panic.
    for cut in 0..attestation.len() {
        let object = STANDARD.encode(&attestation[..cut]);
        assert!(finish_registration(&rp, &state, &object, &answer.client_data).is_err());
    }
    for at in 0..attestation.len() {
        let mut object = attestation.clone();
        object[at] ^= 0xa5;
        let _ = finish_registration(&rp, &state, &STANDARD.encode(&object), &answer.client_data);
    }
    for at in 0..client_data.len() {
        let mut data = client_data.clone();
        data[at] ^= 0xa5;
        let _ = finish_registration(&rp, &state, &answer.attestation, &STANDARD.encode(&data));
    }

    let registered =
        finish_registration(&rp, &state, &answer.attestation, &answer.client_data).unwrap();
    let (challenge, state) = start_assertion(&rp, &registered.credential).unwrap();
    let answer = authenticator.assert(&challenge, ORIGIN, RP_ID).unwrap();
    let auth_data = STANDARD.decode(&answer.authenticator_data).unwrap();
    let signature = STANDARD.decode(&answer.signature_data).unwrap();
    for cut in 0..auth_data.len() {
        let cut_data = SoftAssertion {
            authenticator_data: STANDARD.encode(&auth_data[..cut]),
            ..answer.clone()
        };
        assert!(verify(&rp, &state, &registered.credential, &cut_data).is_err());
    }
    for cut in 0..signature.len() {
        let cut_signature = SoftAssertion {
            signature_data: STANDARD.encode(&signature[..cut]),
            ..answer.clone()
        };
        assert!(verify(&rp, &state, &registered.credential, &cut_signature).is_err());
    }
    for garbage in ["!!", "AAAA", "e30"] {
        let junk = SoftAssertion {
            client_data: garbage.to_owned(),
            ..answer.clone()
        };
        assert!(verify(&rp, &state, &registered.credential, &junk).is_err());
    }
    // The assertion state and the registration state are not interchangeable.
    assert!(verify(&rp, &registered.credential, &registered.credential, &answer).is_err());
    assert!(start_assertion(&rp, &state).is_err());
}
