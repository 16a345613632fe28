//! The SAML 2.0 IdP metadata of an app (apps.md, "Preview SAML metadata for application"; the
//! ApplicationSSO tag): an `EntityDescriptor` with one `IDPSSODescriptor` whose
//! `KeyDescriptor` carries the signing certificate, the name-id formats the app uses, and the
//! HTTP-POST and HTTP-Redirect single sign-on endpoints.
//!
//! The entity id is the app's `settings.signOn.idpIssuer` with Okta's `${org.externalKey}`
//! placeholder resolved to the app's external key (Okta's default issuer is
//! `http://www.okta.com/${org.externalKey}`); the endpoints live under the org's public URL.
//! Every attribute and text value is XML-escaped.

use serde_json::{Map, Value};
use store::{AppKeyRecord, AppRecord};

use super::app::external_key;
use crate::state::AppState;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Base64 wrapped at 76 characters, as Okta's metadata prints certificates.
fn wrapped(base64: &str) -> String {
    base64
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The IdP entity id the app's assertions are issued by.
pub fn entity_id(app: &AppRecord) -> String {
    let issuer = app
        .definition
        .get("settings")
        .and_then(|s| s.get("signOn"))
        .and_then(|s| s.get("idpIssuer"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(model::apps::saml::DEFAULT_IDP_ISSUER);
    issuer.replace("${org.externalKey}", &external_key(app))
}

/// The metadata document for `app` signed with `key`.
pub fn saml_metadata(app: &AppRecord, key: &AppKeyRecord, state: &AppState) -> String {
    let sign_on: Map<String, Value> = app
        .definition
        .get("settings")
        .and_then(|s| s.get("signOn"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let location = state
        .links
        .page(&format!("app/{}/{}/sso/saml", app.name, external_key(app)));
    let formats: String = model::apps::saml::metadata_name_id_formats(&sign_on)
        .iter()
        .map(|f| format!("        <md:NameIDFormat>{}</md:NameIDFormat>\n", escape(f)))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
    <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
        <md:KeyDescriptor use="signing">
            <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
                <ds:X509Data>
                    <ds:X509Certificate>{certificate}</ds:X509Certificate>
                </ds:X509Data>
            </ds:KeyInfo>
        </md:KeyDescriptor>
{formats}        <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{location}"/>
        <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{location}"/>
    </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = escape(&entity_id(app)),
        certificate = wrapped(&key.x5c),
        location = escape(&location),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_wraps() {
        assert_eq!(escape(r#"a&b<"c'>"#), "a&amp;b&lt;&quot;c&apos;&gt;");
        let text = "A".repeat(160);
        let lines: Vec<&str> = wrapped(&text).lines().map(str::len).map(|_| "").collect();
        assert_eq!(lines.len(), 3);
    }
}
