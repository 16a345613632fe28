//! TLS: the generated local CA and server certificate, or the operator's files.
//!
//! On first start without `--tls-cert`, a CA (`ca.pem`, `ca-key.pem`) and a server certificate
//! for `localhost`, `127.0.0.1` and the public URL's host are written into the data folder.
//! Later starts reuse them; when the host list changes, a new server certificate is signed
//! with the same CA key and subject, so clients that trust `ca.pem` keep working.

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// PEM material for the listener.
pub struct ServerCert {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// The CA clients should trust, when generated.
    pub ca_path: Option<PathBuf>,
}

/// Reads operator-provided PEM files.
pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<ServerCert> {
    Ok(ServerCert {
        cert_pem: std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?,
        key_pem: std::fs::read(key).with_context(|| format!("reading {}", key.display()))?,
        ca_path: None,
    })
}

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "Latchkey Local CA");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Latchkey");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

/// Loads or creates the CA and a server certificate for `hosts` in `dir`.
pub fn generated(dir: &Path, hosts: &[String]) -> anyhow::Result<ServerCert> {
    crate::data_dir::prepare(dir, None)?;
    let ca_path = dir.join("ca.pem");
    let ca_key_path = dir.join("ca-key.pem");
    let cert_path = dir.join("server.pem");
    let key_path = dir.join("server-key.pem");
    let hosts_path = dir.join("server-hosts.txt");
    let wanted_hosts = hosts.join("\n");

    let ca_key = if ca_key_path.exists() && ca_path.exists() {
        KeyPair::from_pem(&std::fs::read_to_string(&ca_key_path)?)?
    } else {
        let key = KeyPair::generate()?;
        let cert = ca_params()?.self_signed(&key)?;
        write_private(&ca_key_path, key.serialize_pem().as_bytes())?;
        write_private(&ca_path, cert.pem().as_bytes())?;
        let _ = std::fs::remove_file(&cert_path);
        key
    };

    let current_hosts = std::fs::read_to_string(&hosts_path).unwrap_or_default();
    if !(cert_path.exists() && key_path.exists() && current_hosts == wanted_hosts) {
        // Same key and subject as ca.pem, so the chain verifies against the stored CA.
        let ca_cert = ca_params()?.self_signed(&ca_key)?;
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(hosts.to_vec())?;
        params.distinguished_name.push(
            DnType::CommonName,
            hosts.first().cloned().unwrap_or_default(),
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let cert = params.signed_by(&key, &ca_cert, &ca_key)?;
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        write_private(&cert_path, cert.pem().as_bytes())?;
        write_private(&hosts_path, wanted_hosts.as_bytes())?;
    }
    Ok(ServerCert {
        cert_pem: std::fs::read(&cert_path)?,
        key_pem: std::fs::read(&key_path)?,
        ca_path: Some(ca_path),
    })
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

/// The SAN list for the generated certificate: localhost, 127.0.0.1 and the public host.
pub fn hosts_for(public_url: &str) -> Vec<String> {
    let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let host = public_url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split('/')
        .next()
        .unwrap_or_default();
    let host = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    if !host.is_empty() && !hosts.iter().any(|h| h == host) {
        hosts.push(host.to_owned());
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_include_public_host() {
        assert_eq!(
            hosts_for("https://localhost:8443"),
            vec!["localhost", "127.0.0.1"]
        );
        assert_eq!(
            hosts_for("https://id.example.test:443/"),
            vec!["localhost", "127.0.0.1", "id.example.test"]
        );
    }

    #[test]
    fn reuses_ca_and_resigns_for_new_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let first = generated(dir.path(), &hosts_for("https://localhost:1")).unwrap();
        let ca = std::fs::read(dir.path().join("ca.pem")).unwrap();
        let again = generated(dir.path(), &hosts_for("https://localhost:1")).unwrap();
        assert_eq!(first.cert_pem, again.cert_pem);
        let other = generated(dir.path(), &hosts_for("https://id.example.test")).unwrap();
        assert_ne!(first.cert_pem, other.cert_pem);
        assert_eq!(ca, std::fs::read(dir.path().join("ca.pem")).unwrap());
        let mode = std::fs::metadata(dir.path().join("ca-key.pem"))
            .unwrap()
            .permissions();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(mode.mode() & 0o777, 0o600);
        }
    }
}
