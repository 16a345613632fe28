//! Certificate signing requests of app key credentials through the real server, with a real
//! CA: the `openssl` command line verifies each request, reads its subject and names, and
//! issues the certificate that is published back (DER and PEM).

use crate::apps::{custom_saml, id};
use crate::harness::{spawn_app, TestApp};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?}: {text}");
    text
}

/// A CA made with openssl in `dir` (ca.key, ca.pem).
fn certificate_authority(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Test CA",
            "-days",
            "30",
        ],
    );
}

/// Has the CA sign the base64 DER request `csr`; returns the certificate's DER and PEM.
fn issue(dir: &Path, name: &str, csr: &str) -> (Vec<u8>, String) {
    std::fs::write(
        dir.join(format!("{name}.der")),
        STANDARD.decode(csr).unwrap(),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-inform",
            "DER",
            "-in",
            &format!("{name}.der"),
            "-out",
            &format!("{name}.csr"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-copy_extensions",
            "copy",
            "-out",
            &format!("{name}.pem"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-in",
            &format!("{name}.pem"),
            "-outform",
            "DER",
            "-out",
            &format!("{name}.cer"),
        ],
    );
    (
        std::fs::read(dir.join(format!("{name}.cer"))).unwrap(),
        std::fs::read_to_string(dir.join(format!("{name}.pem"))).unwrap(),
    )
}

async fn publish(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> crate::harness::Reply {
    let resp = app
        .client
        .post(app.url(path))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Accept", "application/json")
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    crate::harness::Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

#[tokio::test]
async fn a_csr_is_signed_by_a_real_ca_and_published_as_a_key_credential() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    certificate_authority(dir.path());
    let saml = app.post("/api/v1/apps", custom_saml("CSR app")).await;
    assert_eq!(saml.status, StatusCode::OK, "{}", saml.text);
    let aid = id(&saml.body);
    let csrs = format!("/api/v1/apps/{aid}/credentials/csrs");
    let metadata = json!({
        "subject": { "countryName": "US", "stateOrProvinceName": "California",
                     "localityName": "San Francisco", "organizationName": "Example, Inc.",
                     "organizationalUnitName": "Dev", "commonName": "sp.example.com" },
        "subjectAltNames": { "dnsNames": ["sp.example.com", "login.example.com"] },
    });
    let r = app.post(&csrs, metadata.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let csr_id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(csr_id.len(), 43);
    assert_eq!(r.body["kty"], "RSA");
    assert_eq!(
        r.body["_links"]["publish"]["href"],
        app.url(&format!("{csrs}/{csr_id}/lifecycle/publish"))
    );
    let csr = r.body["csr"].as_str().unwrap().to_owned();

    // The request is a valid PKCS#10 with the subject and names asked for.
    std::fs::write(dir.path().join("check.der"), STANDARD.decode(&csr).unwrap()).unwrap();
    let text = openssl(
        dir.path(),
        &[
            "req",
            "-inform",
            "DER",
            "-in",
            "check.der",
            "-noout",
            "-text",
            "-verify",
        ],
    );
    assert!(text.contains("verify OK"), "{text}");
    for part in [
        "C = US",
        "ST = California",
        "L = San Francisco",
        "O = \"Example, Inc.\"",
        "OU = Dev",
        "CN = sp.example.com",
        "DNS:sp.example.com",
        "DNS:login.example.com",
        "Public-Key: (2048 bit)",
        "sha256WithRSAEncryption",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    // As JSON in the list and by id, or as the request itself.
    assert_eq!(app.get(&csrs).await.body, json!([r.body.clone()]));
    assert_eq!(app.get(&format!("{csrs}/{csr_id}")).await.body, r.body);
    let raw = app
        .client
        .get(app.url(&format!("{csrs}/{csr_id}")))
        .header("Authorization", format!("SSWS {}", app.token))
        .header("Accept", "application/pkcs10")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert!(raw.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/pkcs10"));
    assert_eq!(raw.text().await.unwrap(), csr);

    // The CA's certificate, as DER: the key pair becomes a key credential.
    let (der, _) = issue(dir.path(), "first", &csr);
    let r = publish(
        &app,
        &format!("{csrs}/{csr_id}/lifecycle/publish"),
        "application/pkix-cert",
        der.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["kid"], csr_id.as_str());
    assert_eq!(r.body["kty"], "RSA");
    assert_eq!(r.body["x5c"], json!([STANDARD.encode(&der)]));
    let keys = app
        .get(&format!("/api/v1/apps/{aid}/credentials/keys"))
        .await;
    assert!(keys
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == csr_id.as_str()));
    assert_eq!(app.get(&csrs).await.body, json!([]));
    app.get(&format!("{csrs}/{csr_id}"))
        .await
        .assert_error(404, "E0000007");

    // A second request, published as PEM; a certificate for another key is refused.
    let second = app.post(&csrs, metadata.clone()).await;
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    let publish_path = format!("{csrs}/{second_id}/lifecycle/publish");
    publish(&app, &publish_path, "application/pkix-cert", der)
        .await
        .assert_error(400, "E0000001");
    publish(
        &app,
        &publish_path,
        "application/x-x509-ca-cert",
        b"garbage".to_vec(),
    )
    .await
    .assert_error(400, "E0000001");
    let (_, pem) = issue(dir.path(), "second", second.body["csr"].as_str().unwrap());
    let r = publish(
        &app,
        &publish_path,
        "application/x-pem-file",
        pem.into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["kid"], second_id.as_str());

    // Revoke: the request and its key pair are gone.
    let third = app.post(&csrs, metadata).await;
    let third_id = third.body["id"].as_str().unwrap();
    let r = app.delete(&format!("{csrs}/{third_id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    app.delete(&format!("{csrs}/{third_id}"))
        .await
        .assert_error(404, "E0000007");
    // Bad metadata.
    for bad in [
        json!({ "subject": { "countryName": "United States", "commonName": "x" } }),
        json!({ "subject": {} }),
        json!({ "subject": { "commonName": "x" }, "subjectAltNames": { "dnsNames": ["no spaces allowed"] } }),
    ] {
        app.post(&csrs, bad).await.assert_error(400, "E0000001");
    }
}
