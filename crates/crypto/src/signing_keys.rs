//! App key credentials (apps.md, "Application Key Store Operations", "Application Key
//! Credential object"; the `JsonWebKey` schema): an RSA 2048 key pair and a self-signed X.509
//! certificate over it, in the JSON Web Key parts Okta shows.
//!
//! Okta's app keys are RSA (`kty: RSA`, `e`, `n`), so the pair comes from the `rsa` crate
//! (ring cannot generate RSA keys) and rcgen signs the certificate with it (SHA-256 with RSA).
//! - `kid` is the key's JWK thumbprint (RFC 7638: base64url SHA-256 of the canonical
//!   `{"e","kty","n"}` JSON), so a key keeps its id wherever it is cloned;
//! - `x5c` holds the certificate's DER in standard base64, `x5t#S256` its base64url SHA-256;
//! - the private key leaves this module only as PKCS#8 PEM inside a [`SecretString`], for the
//!   caller to seal.
//!
//! Generation is CPU work (a prime search, tens to hundreds of milliseconds): call it off the
//! async runtime.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SerialNumber};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

/// Okta's range for `validityYears` (apps.md, "Generate new application key credential").
pub const VALIDITY_YEARS: std::ops::RangeInclusive<u32> = 2..=10;

const MILLIS_PER_YEAR: i64 = 365 * 24 * 60 * 60 * 1000;

/// Why a key could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key generation failed: {0}")]
    Rsa(String),
    #[error("certificate generation failed: {0}")]
    Certificate(String),
}

/// A generated key credential.
#[derive(Debug)]
pub struct GeneratedKey {
    pub kid: String,
    /// Epoch milliseconds.
    pub created: i64,
    pub expires_at: i64,
    /// RSA modulus and public exponent, base64url without padding.
    pub n: String,
    pub e: String,
    /// The certificate's DER, standard base64 (one `x5c` entry).
    pub x5c: String,
    /// base64url SHA-256 of the certificate's DER.
    pub x5t_s256: String,
    /// The private key, PKCS#8 PEM.
    pub private_key_pem: SecretString,
}

/// The RFC 7638 thumbprint of an RSA public key given as base64url `e` and `n`.
pub fn rsa_thumbprint(e: &str, n: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// base64url SHA-256 of `der` (an `x5t#S256`).
pub fn certificate_thumbprint(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(der))
}

fn offset(millis: i64) -> Result<time::OffsetDateTime, KeyError> {
    let nanos = i128::from(millis) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map_err(|e| KeyError::Certificate(e.to_string()))
}

/// Generates an RSA 2048 key pair and a certificate valid from `now` (epoch ms) for
/// `validity_years`, with `common_name` as subject and issuer.
pub fn generate(
    common_name: &str,
    organization: &str,
    now: i64,
    validity_years: u32,
) -> Result<GeneratedKey, KeyError> {
    let mut rng = rand::rngs::OsRng;
    let private = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| KeyError::Rsa(e.to_string()))?;
    let pkcs8 = private
        .to_pkcs8_der()
        .map_err(|e| KeyError::Rsa(e.to_string()))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Rsa(e.to_string()))?;
    let key_pair =
        KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_bytes().into(), &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| KeyError::Certificate(e.to_string()))?;

    let expires_at = now.saturating_add(i64::from(validity_years) * MILLIS_PER_YEAR);
    let mut params = CertificateParams::default();
    // Whole seconds: X.509 times have no fractions, and the JSON shows what the certificate
    // says.
    params.not_before = offset(now - now.rem_euclid(1000))?;
    params.not_after = offset(expires_at - expires_at.rem_euclid(1000))?;
    let mut serial = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rng, &mut serial);
    if let Some(first) = serial.first_mut() {
        *first &= 0x7f;
    }
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "US");
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::OrganizationalUnitName, "SSOProvider");
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    let certificate = params
        .self_signed(&key_pair)
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    let der = certificate.der().to_vec();

    let public = private.to_public_key();
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    Ok(GeneratedKey {
        kid: rsa_thumbprint(&e, &n),
        created: now,
        expires_at: expires_at - expires_at.rem_euclid(1000),
        x5t_s256: certificate_thumbprint(&der),
        x5c: STANDARD.encode(&der),
        n,
        e,
        private_key_pem: SecretString::from(pem.to_string()),
    })
}

/// The subject of a certificate signing request (`CsrMetadataSubject`); empty parts are left
/// out.
#[derive(Debug, Default, Clone)]
pub struct CsrSubject {
    pub country_name: Option<String>,
    pub state_or_province_name: Option<String>,
    pub locality_name: Option<String>,
    pub organization_name: Option<String>,
    pub organizational_unit_name: Option<String>,
    pub common_name: Option<String>,
}

/// A new key pair and its certificate signing request.
#[derive(Debug)]
pub struct GeneratedCsr {
    /// The key's RFC 7638 thumbprint: the CSR's id, and the key credential's `kid` once a
    /// certificate is published for it.
    pub kid: String,
    pub n: String,
    pub e: String,
    /// The PKCS#10 request, DER.
    pub der: Vec<u8>,
    /// The private key, PKCS#8 PEM.
    pub private_key_pem: SecretString,
}

/// Generates an RSA 2048 key pair and a PKCS#10 request signed with it (SHA-256 with RSA)
/// for `subject`, with `dns_names` as subject alternative names.
pub fn generate_csr(subject: &CsrSubject, dns_names: &[String]) -> Result<GeneratedCsr, KeyError> {
    let mut rng = rand::rngs::OsRng;
    let private = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| KeyError::Rsa(e.to_string()))?;
    let pkcs8 = private
        .to_pkcs8_der()
        .map_err(|e| KeyError::Rsa(e.to_string()))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Rsa(e.to_string()))?;
    let key_pair =
        KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.as_bytes().into(), &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| KeyError::Certificate(e.to_string()))?;
    let mut params = CertificateParams::new(dns_names.to_vec())
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    let mut dn = DistinguishedName::new();
    for (kind, value) in [
        (DnType::CountryName, &subject.country_name),
        (DnType::StateOrProvinceName, &subject.state_or_province_name),
        (DnType::LocalityName, &subject.locality_name),
        (DnType::OrganizationName, &subject.organization_name),
        (
            DnType::OrganizationalUnitName,
            &subject.organizational_unit_name,
        ),
        (DnType::CommonName, &subject.common_name),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            dn.push(kind, v);
        }
    }
    params.distinguished_name = dn;
    let request = params
        .serialize_request(&key_pair)
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    let public = private.to_public_key();
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    Ok(GeneratedCsr {
        kid: rsa_thumbprint(&e, &n),
        n,
        e,
        der: request.der().to_vec(),
        private_key_pem: SecretString::from(pem.to_string()),
    })
}

/// A certificate a CA issued, as a key credential shows it.
#[derive(Debug, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// DER, standard base64 (one `x5c` entry).
    pub x5c: String,
    pub x5t_s256: String,
    /// `notAfter`, epoch milliseconds.
    pub expires_at: i64,
}

/// Why a published certificate was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertificateError {
    #[error("the body is not an X.509 certificate in DER or PEM form")]
    Unreadable,
    #[error("the certificate is not for the key of this certificate signing request")]
    OtherKey,
}

/// Reads `body` (DER, or PEM) as an X.509 certificate for the RSA key `e`/`n` (base64url).
pub fn certificate_for_key(
    body: &[u8],
    e: &str,
    n: &str,
) -> Result<IssuedCertificate, CertificateError> {
    let der = if body.starts_with(b"-----BEGIN") {
        let (_, pem) =
            x509_parser::pem::parse_x509_pem(body).map_err(|_| CertificateError::Unreadable)?;
        if pem.label != "CERTIFICATE" {
            return Err(CertificateError::Unreadable);
        }
        pem.contents
    } else {
        body.to_vec()
    };
    let (rest, cert) =
        x509_parser::parse_x509_certificate(&der).map_err(|_| CertificateError::Unreadable)?;
    if !rest.is_empty() {
        return Err(CertificateError::Unreadable);
    }
    let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = cert.public_key().parsed() else {
        return Err(CertificateError::OtherKey);
    };
    let strip = |b: &[u8]| -> Vec<u8> {
        let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
        b.get(start..).unwrap_or_default().to_vec()
    };
    let same = URL_SAFE_NO_PAD.encode(strip(rsa.modulus)) == n
        && URL_SAFE_NO_PAD.encode(strip(rsa.exponent)) == e;
    if !same {
        return Err(CertificateError::OtherKey);
    }
    let expires_at = cert.validity().not_after.timestamp().saturating_mul(1000);
    Ok(IssuedCertificate {
        x5t_s256: certificate_thumbprint(&der),
        x5c: STANDARD.encode(&der),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_key_and_its_certificate_agree() {
        let now = 1_700_000_000_123;
        let key = generate("latchkey", "Latchkey", now, 2).unwrap();
        assert_eq!(key.e, "AQAB");
        assert_eq!(key.kid, rsa_thumbprint(&key.e, &key.n));
        assert_eq!(key.kid.len(), 43);
        let der = STANDARD.decode(&key.x5c).unwrap();
        assert_eq!(key.x5t_s256, certificate_thumbprint(&der));
        // The certificate carries the modulus.
        let modulus = URL_SAFE_NO_PAD.decode(&key.n).unwrap();
        assert_eq!(modulus.len(), 256);
        assert!(der.windows(modulus.len()).any(|w| w == modulus.as_slice()));
        assert_eq!(key.expires_at, 1_700_000_000_000 + 2 * MILLIS_PER_YEAR);
        assert!(key
            .private_key_pem
            .expose_secret()
            .starts_with("-----BEGIN PRIVATE KEY-----"));
        let other = generate("latchkey", "Latchkey", now, 2).unwrap();
        assert_ne!(other.kid, key.kid);
    }

    #[test]
    fn a_certificate_is_accepted_only_for_its_own_key() {
        let key = generate("latchkey", "Latchkey", 1_700_000_000_000, 2).unwrap();
        let der = STANDARD.decode(&key.x5c).unwrap();
        let issued = certificate_for_key(&der, &key.e, &key.n).unwrap();
        assert_eq!(issued.x5c, key.x5c);
        assert_eq!(issued.expires_at, key.expires_at);
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            key.x5c
        );
        assert_eq!(
            certificate_for_key(pem.as_bytes(), &key.e, &key.n),
            Ok(issued)
        );
        let csr = generate_csr(&CsrSubject::default(), &[]).unwrap();
        assert_eq!(
            certificate_for_key(&der, &csr.e, &csr.n),
            Err(CertificateError::OtherKey)
        );
        assert_eq!(
            certificate_for_key(b"not a certificate", &key.e, &key.n),
            Err(CertificateError::Unreadable)
        );
    }
}
