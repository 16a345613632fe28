//! Tests for imported hashes: published vectors (FIPS 180, RFC 1321, RFC 7914, bcrypt
//! interop strings, Okta support articles), digests computed here independently, the
//! reference examples' shapes, every validation cause, storage strings and redaction.

use super::*;
use base64::engine::general_purpose::STANDARD_NO_PAD;

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn digest_input(
    algorithm: &str,
    value: String,
    salt: Option<&[u8]>,
    order: Option<&str>,
) -> HashInput {
    HashInput {
        algorithm: algorithm.into(),
        value: Some(value),
        salt: salt.map(b64),
        salt_order: order.map(str::to_owned),
        ..HashInput::default()
    }
}

fn pbkdf2_input(prf: &str, iterations: u32, salt: &[u8], key_hex: &str) -> HashInput {
    let key = hex::decode(key_hex).unwrap();
    HashInput {
        algorithm: "PBKDF2".into(),
        value: Some(b64(&key)),
        salt: Some(b64(salt)),
        iteration_count: Some(iterations),
        key_size: Some(u32::try_from(key.len()).unwrap()),
        digest_algorithm: Some(prf.into()),
        ..HashInput::default()
    }
}

/// Splits a full `$2?$NN$<salt><value>` bcrypt string into Okta's fields.
fn bcrypt_input(full: &str) -> HashInput {
    let parts: Vec<&str> = full.split('$').collect();
    assert_eq!(parts.len(), 4, "{full}");
    let rest = parts[3];
    HashInput {
        algorithm: "BCRYPT".into(),
        work_factor: Some(parts[2].parse().unwrap()),
        salt: Some(rest[..22].to_owned()),
        value: Some(rest[22..].to_owned()),
        ..HashInput::default()
    }
}

fn parse_ok(input: HashInput) -> ImportedHash {
    ImportedHash::parse(input).unwrap()
}

fn causes(input: HashInput) -> Vec<String> {
    ImportedHash::parse(input).unwrap_err()
}

// ---- BCRYPT ----

#[test]
fn bcrypt_hash_from_the_bcrypt_crate_verifies() {
    let salt: [u8; 16] = *b"sixteen byte slt";
    let parts = bcrypt::hash_with_salt("correct horse battery", 4, salt).unwrap();
    for version in [
        bcrypt::Version::TwoA,
        bcrypt::Version::TwoB,
        bcrypt::Version::TwoY,
    ] {
        let full = parts.format_for_version(version);
        let hash = parse_ok(bcrypt_input(&full));
        assert_eq!(hash.algorithm(), ImportedAlgorithm::Bcrypt);
        assert!(hash.verify(&secret("correct horse battery")), "{full}");
        assert!(!hash.verify(&secret("correct horse batterY")), "{full}");
        assert!(!hash.verify(&secret("")), "{full}");
    }
}

#[test]
fn bcrypt_published_vectors_verify() {
    let vectors = [
        // Okta support article "Import Users with BCrypt Hash Passwords via API".
        (
            "P@ssword123456",
            "$2a$10$qRRx8rli7Lvs2h2CNgCQ2OmVA2NDdomRGoGFrAXDZcno0OZ6CoOU2",
        ),
        // Python `bcrypt` and Node `bcrypt` outputs (bcrypt crate's interop tests).
        (
            "correctbatteryhorsestapler",
            "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie",
        ),
        (
            "correctbatteryhorsestapler",
            "$2a$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIi",
        ),
        // jBCrypt's vector for the empty password.
        (
            "",
            "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.",
        ),
        // PHP manual's password_verify example ($2y$).
        (
            "rasmuslerdorf",
            "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a",
        ),
    ];
    for (password, full) in vectors {
        let hash = parse_ok(bcrypt_input(full));
        assert!(hash.verify(&secret(password)), "{full}");
        assert!(!hash.verify(&secret(&format!("{password}x"))), "{full}");
    }
}

#[test]
fn bcrypt_uses_only_the_first_72_bytes() {
    // Python bcrypt, password "x" * 100 (bcrypt crate's truncation test).
    let hash = parse_ok(bcrypt_input(
        "$2a$05$......................YgIDy4hFBdVlc/6LHnD9mX488r9cLd2",
    ));
    assert!(hash.verify(&secret(&"x".repeat(100))));
    assert!(hash.verify(&secret(&"x".repeat(72))));
    assert!(!hash.verify(&secret(&"x".repeat(71))));
}

#[test]
fn bcrypt_work_factors_below_4_are_supported() {
    // Libraries refuse these, so build the fields from the raw rounds and check that the
    // cost is really applied (cost 1 and cost 2 give different hashes).
    let salt: [u8; 16] = *b"0123456789abcdef";
    let mut previous = None;
    for wf in 1..=3u32 {
        let out = bcrypt_raw(wf, salt, b"pw");
        let input = HashInput {
            algorithm: "BCRYPT".into(),
            work_factor: Some(wf),
            salt: Some(RADIX64.encode(salt)),
            value: Some(RADIX64.encode(&out[..23])),
            ..HashInput::default()
        };
        let hash = parse_ok(input);
        assert!(hash.verify(&secret("pw")));
        assert!(!hash.verify(&secret("pW")));
        assert_ne!(previous, Some(out));
        previous = Some(out);
    }
    // At cost 4 the raw rounds agree with the bcrypt crate's own hashing.
    let parts = bcrypt::hash_with_salt("pw", 4, salt).unwrap();
    let full = parts.format_for_version(bcrypt::Version::TwoB);
    assert!(full.ends_with(&RADIX64.encode(&bcrypt_raw(4, salt, b"pw")[..23])));
}

#[test]
fn bcrypt_wrong_work_factor_fails() {
    let mut input = bcrypt_input("$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie");
    input.work_factor = Some(5);
    assert!(!parse_ok(input).verify(&secret("correctbatteryhorsestapler")));
}

#[test]
fn bcrypt_reference_example_parses() {
    // users.md BCRYPT example; its plaintext is not given, so only the shape is checked.
    let hash = parse_ok(HashInput {
        algorithm: "BCRYPT".into(),
        work_factor: Some(10),
        salt: Some("rwh3vH166HCH/NT9XV5FYu".into()),
        value: Some("qaMqvAPULkbiQzkTCWo5XDcvzpk8Tna".into()),
        ..HashInput::default()
    });
    assert_eq!(
        format!("{hash:?}"),
        r#"ImportedHash { algorithm: "BCRYPT", work_factor: 10, .. }"#
    );
}

#[test]
fn bcrypt_bad_inputs_give_causes() {
    let good = || HashInput {
        algorithm: "BCRYPT".into(),
        work_factor: Some(10),
        salt: Some("rwh3vH166HCH/NT9XV5FYu".into()),
        value: Some("qaMqvAPULkbiQzkTCWo5XDcvzpk8Tna".into()),
        ..HashInput::default()
    };
    assert_eq!(
        causes(HashInput {
            work_factor: None,
            ..good()
        }),
        ["password.hash.workFactor: is required for BCRYPT"]
    );
    for wf in [0, 21, 31] {
        assert_eq!(
            causes(HashInput {
                work_factor: Some(wf),
                ..good()
            }),
            ["password.hash.workFactor: must be between 1 and 20"]
        );
    }
    assert_eq!(
        causes(HashInput {
            salt: None,
            ..good()
        }),
        ["password.hash.salt: is required for BCRYPT"]
    );
    for salt in [
        "rwh3vH166HCH/NT9XV5FY",
        "rwh3vH166HCH/NT9XV5FYuu",
        "rwh3vH166HCH+NT9XV5FYu",
    ] {
        let got = causes(HashInput {
            salt: Some(salt.into()),
            ..good()
        });
        assert_eq!(got.len(), 1, "{salt}");
        assert!(got[0].starts_with("password.hash.salt: "), "{got:?}");
    }
    for value in [
        "qaMqvAPULkbiQzkTCWo5XDcvzpk8Tn",
        "qaMqvAPULkbiQzkTCWo5XDcvzpk8Tna=",
        "qaMqvAPULkbiQzkTCWo5XDcvzpk8Tn=",
    ] {
        let got = causes(HashInput {
            value: Some(value.into()),
            ..good()
        });
        assert_eq!(got.len(), 1, "{value}");
        assert!(got[0].starts_with("password.hash.value: "), "{got:?}");
    }
    let whole = "$2a$10$rwh3vH166HCH/NT9XV5FYuqaMqvAPULkbiQzkTCWo5XDcvzpk8Tna";
    let got = causes(HashInput {
        value: Some(whole.into()),
        ..good()
    });
    assert!(got[0].contains("not a whole $2a$ string"), "{got:?}");
    // Every problem is reported at once.
    let all = causes(HashInput {
        algorithm: "BCRYPT".into(),
        ..HashInput::default()
    });
    assert_eq!(
        all,
        [
            "password.hash.workFactor: is required for BCRYPT",
            "password.hash.salt: is required for BCRYPT",
            "password.hash.value: is required",
        ]
    );
}

// ---- SHA-*, MD5 ----

/// FIPS 180 / RFC 1321 digests of "abc".
const ABC: [(&str, &str); 4] = [
    ("SHA-512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ("SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("MD5", "900150983cd24fb0d6963f7d28e17f72"),
];

#[test]
fn published_digests_of_abc_verify_unsalted_and_split_by_salt_order() {
    for (algorithm, hex_digest) in ABC {
        let value = b64(&hex::decode(hex_digest).unwrap());
        let unsalted = parse_ok(digest_input(algorithm, value.clone(), None, None));
        assert!(unsalted.verify(&secret("abc")), "{algorithm}");
        assert!(!unsalted.verify(&secret("abd")), "{algorithm}");

        // "a" ‖ "bc" with the salt first, "ab" ‖ "c" with the salt last.
        let prefix = parse_ok(digest_input(
            algorithm,
            value.clone(),
            Some(b"a"),
            Some("PREFIX"),
        ));
        assert!(prefix.verify(&secret("bc")), "{algorithm}");
        let postfix = parse_ok(digest_input(
            algorithm,
            value.clone(),
            Some(b"c"),
            Some("POSTFIX"),
        ));
        assert!(postfix.verify(&secret("ab")), "{algorithm}");

        // The wrong salt order builds "bca" / "cab", which must not match.
        let swapped = parse_ok(digest_input(
            algorithm,
            value.clone(),
            Some(b"a"),
            Some("POSTFIX"),
        ));
        assert!(!swapped.verify(&secret("bc")), "{algorithm}");
        let swapped = parse_ok(digest_input(algorithm, value, Some(b"c"), Some("PREFIX")));
        assert!(!swapped.verify(&secret("ab")), "{algorithm}");
    }
}

#[test]
fn sha256_salted_digest_computed_independently_verifies() {
    let salt = [0x00, 0xff, 0x10, 0x80, b'$', b'=', 0x7f];
    let password = "pässwörd 1";
    let mut concatenated = salt.to_vec();
    concatenated.extend_from_slice(password.as_bytes());
    let digest = sha2::Sha256::digest(&concatenated);
    // Padded and unpadded base64 both accepted.
    for value in [STANDARD.encode(digest), STANDARD_NO_PAD.encode(digest)] {
        let hash = parse_ok(digest_input(
            "SHA-256",
            value.clone(),
            Some(&salt),
            Some("PREFIX"),
        ));
        assert!(hash.verify(&secret(password)));
        assert!(!hash.verify(&secret("pässwörd 2")));
        let wrong_order = parse_ok(digest_input("SHA-256", value, Some(&salt), Some("POSTFIX")));
        assert!(!wrong_order.verify(&secret(password)));
    }
    let mut other_salt = salt;
    other_salt[0] = 1;
    let hash = parse_ok(digest_input(
        "SHA-256",
        b64(&digest),
        Some(&other_salt),
        Some("PREFIX"),
    ));
    assert!(!hash.verify(&secret(password)));
}

#[test]
fn okta_support_sha512_postfix_example_verifies() {
    // Okta support article "Users are unable to login using imported hashed password":
    // password "s3cr3tp@ssw0rd", salt text "&*GAH*AO*AL)AF#P(AHG#A" sent as base64, POSTFIX.
    let input = HashInput {
        algorithm: "SHA-512".into(),
        salt: Some("JipHQUgqQU8qQUwpQUYjUChBSEcjQQ==".into()),
        salt_order: Some("POSTFIX".into()),
        value: Some("Zz6KwLGDm7ospSipwpDmxAjBWHKPLgGh1roGzI267h6txr/ihTI/R4K2eYrpyc0R24qCSF6DRqNl110vZZtj4A==".into()),
        ..HashInput::default()
    };
    let hash = parse_ok(input.clone());
    assert!(hash.verify(&secret("s3cr3tp@ssw0rd")));
    assert!(!hash.verify(&secret("s3cr3tp@ssw0rD")));
    let prefix = parse_ok(HashInput {
        salt_order: Some("PREFIX".into()),
        ..input
    });
    assert!(!prefix.verify(&secret("s3cr3tp@ssw0rd")));
}

#[test]
fn digest_reference_examples_parse() {
    // users.md examples; plaintexts are not given, so only the shape is checked.
    let examples = [
        ("SHA-512", "TXlTYWx0", "PREFIX", "QrozP8a+KfoHu6mPFysxLoO5LMQsd2Fw6IclZUf8xQjetJOCGS93vm68h+VaFX0LHSiF/GxQkykq1vofmx6NGA=="),
        ("SHA-256", "MPu13OmY", "PREFIX", "Gjxo7mxvvzQWa83ovhYRUH2dWUhC1N77Ntc56UfI4sY"),
        ("SHA-1", "UEO3wsAsgzQ=", "POSTFIX", "xjrauE6J6kbjcvMjWSSc+PsBBls="),
        ("MD5", "TXlTYWx0", "PREFIX", "jqACjUUFXM1XE6NiLALAbA=="),
    ];
    for (algorithm, salt, order, value) in examples {
        let hash = parse_ok(HashInput {
            algorithm: algorithm.into(),
            salt: Some(salt.into()),
            salt_order: Some(order.into()),
            value: Some(value.into()),
            ..HashInput::default()
        });
        assert_eq!(hash.algorithm().as_okta(), algorithm);
    }
}

#[test]
fn digest_bad_inputs_give_causes() {
    let sha256 = b64(&hex::decode(ABC[1].1).unwrap());
    let good = || digest_input("SHA-256", sha256.clone(), Some(b"salt"), Some("PREFIX"));
    assert_eq!(
        causes(HashInput {
            value: None,
            ..good()
        }),
        ["password.hash.value: is required"]
    );
    assert_eq!(
        causes(HashInput {
            value: Some("not base64!".into()),
            ..good()
        }),
        ["password.hash.value: must be base64"]
    );
    // A SHA-1-sized value under SHA-256.
    assert_eq!(
        causes(HashInput {
            value: Some(b64(&[0u8; 20])),
            ..good()
        }),
        ["password.hash.value: a SHA-256 digest is 32 bytes, this one decodes to 20"]
    );
    assert_eq!(
        causes(HashInput {
            salt: Some("%%%".into()),
            ..good()
        }),
        ["password.hash.salt: must be base64"]
    );
    assert_eq!(
        causes(HashInput {
            salt_order: None,
            ..good()
        }),
        ["password.hash.saltOrder: is required with a salt (PREFIX or POSTFIX)"]
    );
    assert_eq!(
        causes(HashInput {
            salt_order: Some("prefix".into()),
            ..good()
        }),
        ["password.hash.saltOrder: must be PREFIX or POSTFIX"]
    );
    // An empty salt is an unsalted hash; the salt order is then irrelevant.
    assert!(ImportedHash::parse(HashInput {
        salt: Some(String::new()),
        salt_order: None,
        ..good()
    })
    .is_ok());
}

#[test]
fn unknown_or_missing_algorithm_is_a_cause() {
    assert_eq!(
        causes(HashInput {
            algorithm: "SHA-384".into(),
            ..HashInput::default()
        }),
        ["password.hash.algorithm: must be one of BCRYPT, SHA-512, SHA-256, SHA-1, MD5, PBKDF2"]
    );
    assert_eq!(
        causes(HashInput::default()),
        ["password.hash.algorithm: is required"]
    );
    assert!(ImportedAlgorithm::from_okta("sha-256").is_none());
}

// ---- PBKDF2 ----

#[test]
fn pbkdf2_published_vectors_verify() {
    let vectors = [
        // RFC 7914 §11 (PBKDF2-HMAC-SHA256).
        ("SHA256_HMAC", "Password", b"NaCl".as_slice(), 80_000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"),
        // Widely published PBKDF2-HMAC vectors for "password"/"salt", 4096 iterations,
        // also produced by Python's hashlib.pbkdf2_hmac.
        ("SHA256_HMAC", "password", b"salt".as_slice(), 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
        ("SHA512_HMAC", "password", b"salt".as_slice(), 4096, "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5"),
    ];
    for (prf, password, salt, iterations, key) in vectors {
        let hash = parse_ok(pbkdf2_input(prf, iterations, salt, key));
        assert_eq!(hash.algorithm(), ImportedAlgorithm::Pbkdf2);
        assert!(hash.verify(&secret(password)), "{prf} {iterations}");
        assert!(!hash.verify(&secret("passwore")), "{prf} {iterations}");
    }
}

#[test]
fn pbkdf2_wrong_prf_iterations_or_salt_fail() {
    let key = "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a";
    let base = pbkdf2_input("SHA256_HMAC", 4096, b"salt", key);
    assert!(parse_ok(base.clone()).verify(&secret("password")));
    let other_prf = HashInput {
        digest_algorithm: Some("SHA512_HMAC".into()),
        ..base.clone()
    };
    assert!(!parse_ok(other_prf).verify(&secret("password")));
    let other_count = HashInput {
        iteration_count: Some(4097),
        ..base.clone()
    };
    assert!(!parse_ok(other_count).verify(&secret("password")));
    // The salt is base64-decoded: passing the text "salt" itself means the bytes of
    // base64-decoding "salt", which is a different salt.
    let raw_salt = HashInput {
        salt: Some("salt".into()),
        ..base
    };
    assert!(!parse_ok(raw_salt).verify(&secret("password")));
}

#[test]
fn pbkdf2_salt_is_base64_decoded() {
    // The reference example's salt "RBDXRWs9" is base64 for these six bytes.
    let salt = [0x44, 0x10, 0xd7, 0x45, 0x6b, 0x3d];
    assert_eq!(b64(&salt), "RBDXRWs9");
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha512>(b"hunter22", &salt, 4096, &mut key);
    let hash = parse_ok(HashInput {
        algorithm: "PBKDF2".into(),
        salt: Some("RBDXRWs9".into()),
        value: Some(b64(&key)),
        iteration_count: Some(4096),
        key_size: Some(32),
        digest_algorithm: Some("SHA512_HMAC".into()),
        ..HashInput::default()
    });
    assert!(hash.verify(&secret("hunter22")));
}

#[test]
fn pbkdf2_reference_example_parses() {
    let hash = parse_ok(HashInput {
        algorithm: "PBKDF2".into(),
        salt: Some("RBDXRWs9".into()),
        value: Some("eKe8/dcL5gvRsMmp7WwxZq0Y7WAodielIcLaelLlgNs=".into()),
        iteration_count: Some(4096),
        key_size: Some(32),
        digest_algorithm: Some("SHA512_HMAC".into()),
        ..HashInput::default()
    });
    assert_eq!(
        format!("{hash:?}"),
        r#"ImportedHash { algorithm: "PBKDF2", digest_algorithm: "SHA512_HMAC", iteration_count: 4096, key_size: 32, .. }"#
    );
}

#[test]
fn pbkdf2_bad_inputs_give_causes() {
    let key = "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a";
    let good = || pbkdf2_input("SHA256_HMAC", 4096, b"salt", key);
    assert_eq!(
        causes(HashInput {
            iteration_count: Some(4095),
            ..good()
        }),
        ["password.hash.iterationCount: must be at least 4096"]
    );
    assert_eq!(
        causes(HashInput {
            iteration_count: Some(10_000_001),
            ..good()
        }),
        ["password.hash.iterationCount: must be at most 10000000 on this server"]
    );
    assert_eq!(
        causes(HashInput {
            key_size: Some(64),
            ..good()
        }),
        ["password.hash.value: decodes to 32 bytes but keySize is 64"]
    );
    assert_eq!(
        causes(HashInput {
            key_size: Some(0),
            ..good()
        }),
        ["password.hash.keySize: must be between 1 and 256 bytes"]
    );
    assert_eq!(
        causes(HashInput {
            digest_algorithm: Some("SHA1_HMAC".into()),
            ..good()
        }),
        ["password.hash.digestAlgorithm: must be SHA256_HMAC or SHA512_HMAC"]
    );
    assert_eq!(
        causes(HashInput {
            algorithm: "PBKDF2".into(),
            value: Some("???".into()),
            ..HashInput::default()
        }),
        [
            "password.hash.digestAlgorithm: is required for PBKDF2",
            "password.hash.iterationCount: is required for PBKDF2",
            "password.hash.keySize: is required for PBKDF2",
            "password.hash.value: must be base64",
        ]
    );
    // saltOrder means nothing to PBKDF2 and is ignored.
    assert!(ImportedHash::parse(HashInput {
        salt_order: Some("whatever".into()),
        ..good()
    })
    .is_ok());
}

// ---- storage and Debug ----

#[test]
fn storage_strings_round_trip_for_every_scheme() {
    let inputs = [
        bcrypt_input("$2a$10$qRRx8rli7Lvs2h2CNgCQ2OmVA2NDdomRGoGFrAXDZcno0OZ6CoOU2"),
        digest_input("SHA-512", b64(&[7u8; 64]), Some(b"MySalt"), Some("PREFIX")),
        digest_input("SHA-256", b64(&[7u8; 32]), Some(b"s"), Some("POSTFIX")),
        digest_input("SHA-1", b64(&[7u8; 20]), None, None),
        digest_input("MD5", b64(&[7u8; 16]), None, Some("PREFIX")),
        pbkdf2_input("SHA512_HMAC", 4096, b"", &"ab".repeat(32)),
        pbkdf2_input("SHA256_HMAC", 600_000, b"salt", &"cd".repeat(20)),
    ];
    for input in inputs {
        let hash = parse_ok(input);
        let stored = hash.to_storage_string();
        assert!(stored.starts_with("$latchkey-import$v=1$"), "{stored}");
        assert_eq!(
            ImportedHash::parse_storage_string(&stored).unwrap(),
            hash,
            "{stored}"
        );
    }
}

#[test]
fn storage_strings_have_the_documented_shape() {
    let bcrypt = parse_ok(bcrypt_input(
        "$2a$10$qRRx8rli7Lvs2h2CNgCQ2OmVA2NDdomRGoGFrAXDZcno0OZ6CoOU2",
    ));
    assert_eq!(
        bcrypt.to_storage_string(),
        "$latchkey-import$v=1$BCRYPT$wf=10$qRRx8rli7Lvs2h2CNgCQ2O$mVA2NDdomRGoGFrAXDZcno0OZ6CoOU2"
    );
    let sha256 = parse_ok(HashInput {
        algorithm: "SHA-256".into(),
        salt: Some("MPu13OmY".into()),
        salt_order: Some("PREFIX".into()),
        value: Some("Gjxo7mxvvzQWa83ovhYRUH2dWUhC1N77Ntc56UfI4sY".into()),
        ..HashInput::default()
    });
    assert_eq!(
        sha256.to_storage_string(),
        "$latchkey-import$v=1$SHA-256$order=PREFIX$MPu13OmY$Gjxo7mxvvzQWa83ovhYRUH2dWUhC1N77Ntc56UfI4sY="
    );
    let unsalted = parse_ok(digest_input("MD5", b64(&[0u8; 16]), None, None));
    assert_eq!(
        unsalted.to_storage_string(),
        "$latchkey-import$v=1$MD5$$$AAAAAAAAAAAAAAAAAAAAAA=="
    );
    let pbkdf2 = parse_ok(pbkdf2_input(
        "SHA512_HMAC",
        4096,
        &[0x44, 0x10, 0xd7, 0x45, 0x6b, 0x3d],
        &"00".repeat(32),
    ));
    assert_eq!(
        pbkdf2.to_storage_string(),
        "$latchkey-import$v=1$PBKDF2$prf=SHA512_HMAC,i=4096,dk=32$RBDXRWs9$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    );
}

#[test]
fn damaged_storage_strings_are_rejected() {
    for bad in [
        "$latchkey-import$",
        "$latchkey-import$v=1$BCRYPT$wf=10$qRRx8rli7Lvs2h2CNgCQ2O",
        "$latchkey-import$v=1$BCRYPT$wf=99$qRRx8rli7Lvs2h2CNgCQ2O$mVA2NDdomRGoGFrAXDZcno0OZ6CoOU2",
        "$latchkey-import$v=1$BCRYPT$wf=x$qRRx8rli7Lvs2h2CNgCQ2O$mVA2NDdomRGoGFrAXDZcno0OZ6CoOU2",
        "$latchkey-import$v=1$BCRYPT$cost=10$qRRx8rli7Lvs2h2CNgCQ2O$mVA2NDdomRGoGFrAXDZcno0OZ6CoOU2",
        "$latchkey-import$v=1$SHA-256$order=PREFIX$$AAAA",
        "$latchkey-import$v=1$WHIRLPOOL$$$AAAA",
        "$latchkey-import$v=1$MD5$$$AAAAAAAAAAAAAAAAAAAAAA==$extra",
    ] {
        assert!(ImportedHash::parse_storage_string(bad).is_err(), "{bad}");
    }
}

#[test]
fn debug_never_shows_salt_or_value() {
    let input = HashInput {
        algorithm: "SHA-512".into(),
        salt: Some("TXlTYWx0".into()),
        salt_order: Some("PREFIX".into()),
        value: Some("QrozP8a+KfoHu6mPFysxLoO5LMQsd2Fw6IclZUf8xQjetJOCGS93vm68h+VaFX0LHSiF/GxQkykq1vofmx6NGA==".into()),
        ..HashInput::default()
    };
    let shown_input = format!("{input:?}");
    let hash = parse_ok(input);
    let shown = format!("{hash:?}");
    assert_eq!(
        shown,
        r#"ImportedHash { algorithm: "SHA-512", salt_order: Some("PREFIX"), .. }"#
    );
    for text in [&shown, &shown_input] {
        assert!(!text.contains("TXlTYWx0"), "{text}");
        assert!(!text.contains("QrozP8a"), "{text}");
    }
}
