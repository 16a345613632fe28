//! `settings.signOn` of SAML 2.0 apps (apps.md, "Add custom SAML application": Settings,
//! "Supported values for custom SAML app", "Attribute Statements object", "Single Logout
//! object", "Participate Single Logout object", "Service Provider certificate"; the
//! `SamlApplicationSettingsSignOn` schema).
//!
//! A custom SAML app (no `name`) must say where assertions go: `ssoAcsUrl` (or
//! `destinationOverride`, as the schema notes) and `audience`. The other sign-on settings take
//! the values Okta's App Wizard uses when they are left out: recipient and destination are the
//! ACS URL, `${user.userName}` with the unspecified name-id format, signed response and
//! assertion with RSA-SHA256/SHA-256, ForceAuthn honoured, PasswordProtectedTransport.
//! A catalogue app (a `name`) carries its definition's settings, which this server does not
//! have, so only the values given are checked.
//!
//! Checked always: the enums (name-id format, signature and digest algorithms, authentication
//! context class, attribute namespaces and types), URLs, that the response or the assertion
//! (or both) is signed, at most 100 ACS endpoints, and an SP certificate when single logout
//! or participating single logout is enabled.

use serde_json::{json, Map, Value};

use super::{is_url, Causes};
use crate::error::DomainError;

pub const NAME_ID_FORMATS: &[&str] = &[
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:x509SubjectName",
];

pub const UNSPECIFIED_NAME_ID: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

const SIGNATURE_ALGORITHMS: &[&str] = &["RSA_SHA1", "RSA_SHA256"];
const DIGEST_ALGORITHMS: &[&str] = &["SHA1", "SHA256"];
const AUTHN_CONTEXT_CLASSES: &[&str] = &[
    "urn:federation:authentication:windows",
    "oasis:names:tc:SAML:2.0:ac:classes:Kerberos",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
];
const NAMESPACES: &[&str] = &[
    "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
    "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
];
const GROUP_FILTERS: &[&str] = &["STARTS_WITH", "EQUALS", "CONTAINS", "REGEX"];

/// Okta's default issuer, whose placeholder the IdP metadata resolves.
pub const DEFAULT_IDP_ISSUER: &str = "http://www.okta.com/${org.externalKey}";

fn text<'v>(o: &'v Map<String, Value>, field: &str, causes: &mut Causes) -> Option<&'v str> {
    match o.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            causes.add(field, "The field must be a string");
            None
        }
    }
}

fn boolean(o: &Map<String, Value>, field: &str, causes: &mut Causes) -> Option<bool> {
    match o.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            causes.add(field, "The field must be a boolean");
            None
        }
    }
}

fn one_of(
    o: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    causes: &mut Causes,
) -> Option<String> {
    let value = text(o, field, causes)?;
    if allowed.contains(&value) {
        Some(value.to_owned())
    } else {
        causes.add(
            field,
            format!("'{value}' is not one of: {}", allowed.join(", ")),
        );
        None
    }
}

fn url(o: &Map<String, Value>, field: &str, causes: &mut Causes) -> Option<String> {
    let value = text(o, field, causes)?;
    if is_url(value) {
        Some(value.to_owned())
    } else {
        causes.add(field, format!("'{value}' is not a valid URL"));
        None
    }
}

fn attribute_statements(value: Option<&Value>, causes: &mut Causes) -> Value {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return json!([]);
    };
    let Some(items) = value.as_array() else {
        causes.add("attributeStatements", "The field must be an array");
        return json!([]);
    };
    for item in items {
        let Some(o) = item.as_object() else {
            causes.add("attributeStatements", "Each statement must be an object");
            continue;
        };
        if text(o, "name", causes).is_none() {
            causes.add("attributeStatements.name", "The field cannot be left blank");
        }
        match text(o, "namespace", causes) {
            Some(ns) if !NAMESPACES.contains(&ns) => causes.add(
                "attributeStatements.namespace",
                format!("'{ns}' is not one of: {}", NAMESPACES.join(", ")),
            ),
            _ => {}
        }
        match text(o, "type", causes).unwrap_or("EXPRESSION") {
            "EXPRESSION" => match o.get("values") {
                None | Some(Value::Null) => {}
                Some(Value::Array(values)) if values.iter().all(Value::is_string) => {}
                Some(_) => causes.add(
                    "attributeStatements.values",
                    "The values must be an array of strings",
                ),
            },
            "GROUP" => {
                one_of(o, "filterType", GROUP_FILTERS, causes);
                if text(o, "filterValue", causes).is_none() {
                    causes.add(
                        "attributeStatements.filterValue",
                        "The field cannot be left blank",
                    );
                }
            }
            other => causes.add(
                "attributeStatements.type",
                format!("'{other}' is not one of: EXPRESSION, GROUP"),
            ),
        }
    }
    value.clone()
}

fn sp_certificate_present(o: &Map<String, Value>) -> bool {
    o.get("spCertificate")
        .and_then(|c| c.get("x5c"))
        .and_then(Value::as_array)
        .is_some_and(|x5c| x5c.len() == 1 && x5c.iter().all(Value::is_string))
}

/// Validates `settings.signOn` of a SAML 2.0 app; `custom` is true for an app without a
/// catalogue name. Returns the object as stored, with defaults filled in for custom apps.
pub fn sign_on(input: Option<&Value>, custom: bool) -> Result<Map<String, Value>, DomainError> {
    let mut causes = Causes::default();
    let o = match input {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => {
            return Err(DomainError::invalid(
                "signOn",
                "signOn: The field must be an object",
            ))
        }
    };
    let mut out = o.clone();

    let acs = url(&o, "ssoAcsUrl", &mut causes);
    let destination_override = url(&o, "destinationOverride", &mut causes);
    let audience = text(&o, "audience", &mut causes).map(str::to_owned);
    if custom {
        // Missing, null and "" alike: a replace cannot clear what a create must have.
        if acs.is_none() && destination_override.is_none() {
            causes.add("ssoAcsUrl", "The field cannot be left blank");
        }
        if audience.is_none() {
            causes.add("audience", "The field cannot be left blank");
        }
    }
    let recipient = url(&o, "recipient", &mut causes);
    let destination = url(&o, "destination", &mut causes);
    for field in ["ssoAcsUrlOverride", "recipientOverride"] {
        url(&o, field, &mut causes);
    }
    let format = one_of(&o, "subjectNameIdFormat", NAME_ID_FORMATS, &mut causes);
    let signature = one_of(&o, "signatureAlgorithm", SIGNATURE_ALGORITHMS, &mut causes);
    let digest = one_of(&o, "digestAlgorithm", DIGEST_ALGORITHMS, &mut causes);
    let context = one_of(
        &o,
        "authnContextClassRef",
        AUTHN_CONTEXT_CLASSES,
        &mut causes,
    );
    let response_signed = boolean(&o, "responseSigned", &mut causes);
    let assertion_signed = boolean(&o, "assertionSigned", &mut causes);
    let honor = boolean(&o, "honorForceAuthn", &mut causes);
    let compressed = boolean(&o, "requestCompressed", &mut causes);
    let multiple = boolean(&o, "allowMultipleAcsEndpoints", &mut causes);
    if let Some(lifetime) = o
        .get("samlAssertionLifetimeSeconds")
        .filter(|v| !v.is_null())
    {
        if lifetime.as_i64().is_none_or(|n| n <= 0) {
            causes.add(
                "samlAssertionLifetimeSeconds",
                "The field must be a positive number of seconds",
            );
        }
    }
    match o.get("acsEndpoints") {
        None | Some(Value::Null) => {}
        Some(Value::Array(endpoints)) => {
            if endpoints.len() > 100 {
                causes.add(
                    "acsEndpoints",
                    "At most 100 ACS endpoints can be configured",
                );
            }
            for e in endpoints {
                let ok = e.get("url").and_then(Value::as_str).is_some_and(is_url)
                    && e.get("index").is_some_and(Value::is_u64);
                if !ok {
                    causes.add("acsEndpoints", "Each endpoint needs a URL and an index");
                }
            }
        }
        Some(_) => causes.add("acsEndpoints", "The field must be an array"),
    }
    let statements = attribute_statements(o.get("attributeStatements"), &mut causes);
    for (field, needs) in [("slo", "enabled"), ("participateSlo", "enabled")] {
        match o.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(s)) => {
                if s.get(needs).and_then(Value::as_bool) == Some(true)
                    && !sp_certificate_present(&o)
                {
                    causes.add(
                        "spCertificate",
                        format!("An SP certificate (spCertificate.x5c with one certificate) is required when '{field}' is enabled"),
                    );
                }
                if field == "participateSlo" {
                    if let Some(b) = s.get("bindingType").and_then(Value::as_str) {
                        if !matches!(b, "POST" | "REDIRECT") {
                            causes.add(
                                "participateSlo.bindingType",
                                format!("'{b}' is not one of: POST, REDIRECT"),
                            );
                        }
                    }
                }
            }
            Some(_) => causes.add(field, "The field must be an object"),
        }
    }
    if response_signed == Some(false) && assertion_signed == Some(false)
        || custom && response_signed == Some(false) && assertion_signed.is_none()
    {
        causes.add(
            "assertionSigned",
            "Either (or both) 'responseSigned' or 'assertionSigned' must be true",
        );
    }
    causes.finish()?;

    out.insert("attributeStatements".into(), statements);
    if !custom {
        out.entry("defaultRelayState").or_insert(Value::Null);
        return Ok(out);
    }
    let acs_value = acs.clone().map_or(Value::Null, Value::String);
    let mut set_default = |key: &str, value: Value| {
        let missing = out.get(key).is_none_or(Value::is_null)
            || out.get(key).and_then(Value::as_str) == Some("");
        if missing {
            out.insert(key.to_owned(), value);
        }
    };
    set_default("defaultRelayState", Value::Null);
    set_default("ssoAcsUrl", acs_value.clone());
    set_default("idpIssuer", json!(DEFAULT_IDP_ISSUER));
    set_default("audience", audience.map_or(Value::Null, Value::String));
    set_default(
        "recipient",
        recipient.map_or(acs_value.clone(), Value::String),
    );
    set_default("destination", destination.map_or(acs_value, Value::String));
    set_default("subjectNameIdTemplate", json!("${user.userName}"));
    set_default(
        "subjectNameIdFormat",
        json!(format.unwrap_or_else(|| UNSPECIFIED_NAME_ID.to_owned())),
    );
    set_default("responseSigned", json!(response_signed.unwrap_or(true)));
    set_default("assertionSigned", json!(assertion_signed.unwrap_or(true)));
    set_default(
        "signatureAlgorithm",
        json!(signature.unwrap_or_else(|| "RSA_SHA256".into())),
    );
    set_default(
        "digestAlgorithm",
        json!(digest.unwrap_or_else(|| "SHA256".into())),
    );
    set_default("honorForceAuthn", json!(honor.unwrap_or(true)));
    set_default(
        "authnContextClassRef",
        json!(context.unwrap_or_else(|| {
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into()
        })),
    );
    set_default("spIssuer", Value::Null);
    set_default("requestCompressed", json!(compressed.unwrap_or(false)));
    set_default(
        "allowMultipleAcsEndpoints",
        json!(multiple.unwrap_or(false)),
    );
    set_default("acsEndpoints", json!([]));
    set_default("samlSignedRequestEnabled", json!(false));
    set_default("inlineHooks", json!([]));
    for key in [
        "ssoAcsUrlOverride",
        "audienceOverride",
        "recipientOverride",
        "destinationOverride",
    ] {
        out.entry(key).or_insert(Value::Null);
    }
    Ok(out)
}

/// The SAML `NameIDFormat`s the IdP metadata lists: the app's subject format, then
/// unspecified (as Okta's metadata lists a specific format and the generic one).
pub fn metadata_name_id_formats(sign_on: &Map<String, Value>) -> Vec<String> {
    let mut formats = Vec::new();
    if let Some(f) = sign_on
        .get("subjectNameIdFormat")
        .and_then(Value::as_str)
        .filter(|f| NAME_ID_FORMATS.contains(f))
    {
        formats.push(f.to_owned());
    }
    if !formats.iter().any(|f| f == UNSPECIFIED_NAME_ID) {
        formats.push(UNSPECIFIED_NAME_ID.to_owned());
    }
    formats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn causes(input: Value, custom: bool) -> Vec<String> {
        match sign_on(Some(&input), custom) {
            Err(DomainError::Validation { causes, .. }) => causes,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn custom_apps_need_acs_and_audience_and_get_defaults() {
        let e = causes(json!({}), true);
        assert_eq!(
            e,
            vec![
                "ssoAcsUrl: The field cannot be left blank".to_owned(),
                "audience: The field cannot be left blank".to_owned()
            ]
        );
        let s = sign_on(
            Some(&json!({ "ssoAcsUrl": "https://sp.example.com/acs", "audience": "urn:sp" })),
            true,
        )
        .unwrap();
        assert_eq!(s["recipient"], "https://sp.example.com/acs");
        assert_eq!(s["destination"], "https://sp.example.com/acs");
        assert_eq!(s["subjectNameIdFormat"], UNSPECIFIED_NAME_ID);
        assert_eq!(s["signatureAlgorithm"], "RSA_SHA256");
        assert_eq!(s["digestAlgorithm"], "SHA256");
        assert_eq!(s["responseSigned"], true);
        assert_eq!(s["assertionSigned"], true);
        assert_eq!(s["honorForceAuthn"], true);
        assert_eq!(s["attributeStatements"], json!([]));
        assert_eq!(s["idpIssuer"], DEFAULT_IDP_ISSUER);
    }

    #[test]
    fn catalogue_apps_are_checked_only_for_what_they_give() {
        let s = sign_on(
            Some(&json!({ "destinationOverride": "https://x.example.com" })),
            false,
        )
        .unwrap();
        assert_eq!(s["defaultRelayState"], Value::Null);
        assert!(s.get("ssoAcsUrl").is_none());
    }

    #[test]
    fn enums_urls_and_signing() {
        let base = json!({
            "ssoAcsUrl": "not a url", "audience": "a",
            "signatureAlgorithm": "RSA_MD5", "digestAlgorithm": "MD5",
            "subjectNameIdFormat": "email", "authnContextClassRef": "x",
            "responseSigned": false, "assertionSigned": false,
        });
        let e = causes(base, true);
        for field in [
            "ssoAcsUrl:",
            "subjectNameIdFormat:",
            "signatureAlgorithm:",
            "digestAlgorithm:",
            "authnContextClassRef:",
            "assertionSigned:",
        ] {
            assert!(e.iter().any(|c| c.starts_with(field)), "{field} in {e:?}");
        }
    }

    #[test]
    fn attribute_statements_and_slo() {
        let e = causes(
            json!({ "ssoAcsUrl": "https://a.example.com", "audience": "a",
                    "attributeStatements": [{ "type": "EXPRESSION", "name": "n",
                        "namespace": "urn:bad", "values": ["v"] },
                        { "type": "GROUP", "name": "g", "filterType": "LIKE" }],
                    "slo": { "enabled": true } }),
            true,
        );
        assert!(e
            .iter()
            .any(|c| c.starts_with("attributeStatements.namespace:")));
        assert!(e.iter().any(|c| c.starts_with("filterType:")));
        assert!(e
            .iter()
            .any(|c| c.starts_with("attributeStatements.filterValue:")));
        assert!(e.iter().any(|c| c.starts_with("spCertificate:")));
    }

    #[test]
    fn metadata_formats() {
        let s = sign_on(
            Some(
                &json!({ "ssoAcsUrl": "https://a.example.com", "audience": "a",
                "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" }),
            ),
            true,
        )
        .unwrap();
        assert_eq!(
            metadata_name_id_formats(&s),
            vec![
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_owned(),
                UNSPECIFIED_NAME_ID.to_owned()
            ]
        );
    }
}
