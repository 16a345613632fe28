//! Certificate signing requests of app key credentials (`/api/v1/apps/{appId}/credentials/csrs`,
//! the ApplicationSSOCredentialKey tag): generate (a new RSA 2048 key pair and a PKCS#10
//! request for the given subject and DNS names; 201), list, get (JSON, or the DER request
//! itself with `Accept: application/pkcs10`), revoke (204), and publish: the certificate a CA
//! issued for the request (DER or PEM body) turns the waiting key pair into a key credential
//! (201, a JSON Web Key) and the request is gone. A certificate for another key is a 400.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use store::{AppCsrRecord, AppKeyRecord};

use crate::api::apps::find_app;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::dto::app as dto;
use crate::wire::{ApiError, ApiResult, Json};
use crypto::signing_keys::{CertificateError, CsrSubject};
use model::time::Timestamp;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{app_id}/credentials/csrs", get(list).post(generate))
        .route(
            "/apps/{app_id}/credentials/csrs/{csr_id}",
            get(get_one).delete(revoke),
        )
        .route(
            "/apps/{app_id}/credentials/csrs/{csr_id}/lifecycle/publish",
            post(publish),
        )
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Resource not found: {id} (CSR)"))
}

fn render(app: &AppState, c: &AppCsrRecord) -> Value {
    let base = app
        .links
        .api(&format!("apps/{}/credentials/csrs/{}", c.app_id, c.id));
    json!({
        "id": c.id,
        "created": Timestamp(c.created).to_iso(),
        "csr": c.csr,
        "kty": "RSA",
        "_links": {
            "self": { "href": base, "hints": { "allow": ["GET", "DELETE"] } },
            "publish": { "href": format!("{base}/lifecycle/publish"), "hints": { "allow": ["POST"] } },
        },
    })
}

/// Whether the caller asked for the PKCS#10 request itself rather than the JSON object.
fn wants_pkcs10(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("application/pkcs10"))
}

/// The request as Okta serves it for `Accept: application/pkcs10`: the base64 DER.
fn pkcs10(status: StatusCode, c: &AppCsrRecord) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            "application/pkcs10; filename=okta.p10",
        )],
        c.csr.clone(),
    )
        .into_response()
}

fn text_field(v: Option<&Value>, field: &str) -> ApiResult<Option<String>> {
    match v.and_then(|s| s.get(field)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 255 => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(ApiError::invalid(
            "csrMetadata",
            format!("subject.{field}: The value must be text of at most 255 characters."),
        )),
    }
}

/// `CsrMetadata`: the subject's parts and the DNS names.
fn parse_metadata(body: &Value) -> ApiResult<(CsrSubject, Vec<String>)> {
    let subject = body.get("subject");
    if subject.is_some_and(|s| !s.is_object() && !s.is_null()) {
        return Err(ApiError::invalid(
            "csrMetadata",
            "subject: The value must be an object.",
        ));
    }
    let country = text_field(subject, "countryName")?;
    if country.as_deref().is_some_and(|c| {
        !c.is_empty() && (c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()))
    }) {
        return Err(ApiError::invalid(
            "csrMetadata",
            "subject.countryName: The value must be a two-letter country code.",
        ));
    }
    let parsed = CsrSubject {
        country_name: country,
        state_or_province_name: text_field(subject, "stateOrProvinceName")?,
        locality_name: text_field(subject, "localityName")?,
        organization_name: text_field(subject, "organizationName")?,
        organizational_unit_name: text_field(subject, "organizationalUnitName")?,
        common_name: text_field(subject, "commonName")?,
    };
    let mut dns = Vec::new();
    match body.get("subjectAltNames").and_then(|s| s.get("dnsNames")) {
        None | Some(Value::Null) => {}
        Some(Value::Array(names)) => {
            for name in names {
                let ok = name.as_str().filter(|n| {
                    !n.is_empty()
                        && n.len() <= 253
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*'))
                });
                let Some(name) = ok else {
                    return Err(ApiError::invalid(
                        "csrMetadata",
                        "subjectAltNames.dnsNames: Each entry must be a DNS name.",
                    ));
                };
                dns.push(name.to_owned());
            }
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "csrMetadata",
                "subjectAltNames.dnsNames: The value must be an array.",
            ))
        }
    }
    if parsed.common_name.as_deref().unwrap_or("").is_empty() && dns.is_empty() {
        return Err(ApiError::invalid(
            "csrMetadata",
            "subject.commonName: A common name or a DNS name is required.",
        ));
    }
    Ok((parsed, dns))
}

async fn generate(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let record = find_app(&app, &app_id).await?;
    let (subject, dns) = parse_metadata(&body)?;
    let generated =
        tokio::task::spawn_blocking(move || crypto::signing_keys::generate_csr(&subject, &dns))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "CSR generation task failed");
                ApiError::Internal
            })?
            .map_err(|e| {
                tracing::error!(error = %e, "CSR generation failed");
                ApiError::Internal
            })?;
    let now = app.clock.now().millis();
    let csr = AppCsrRecord {
        app_id: record.id.clone(),
        id: generated.kid,
        created: now,
        csr: STANDARD.encode(&generated.der),
        e: generated.e,
        n: generated.n,
        private_key_sealed: app.sealer.seal(&generated.private_key_pem),
    };
    let event = events::event(
        "application.lifecycle.update",
        "Generate certificate signing request",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    app.store.insert_app_csr(&csr, &event).await?;
    if wants_pkcs10(&headers) {
        return Ok(pkcs10(StatusCode::CREATED, &csr));
    }
    Ok((StatusCode::CREATED, Json(render(&app, &csr))).into_response())
}

async fn list(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let record = find_app(&app, &app_id).await?;
    let all = app.store.app_csrs(&record.id).await?;
    Ok(Json(Value::Array(
        all.iter().map(|c| render(&app, c)).collect(),
    )))
}

async fn find(app: &AppState, app_id: &str, csr_id: &str) -> ApiResult<AppCsrRecord> {
    app.store
        .app_csr(app_id, csr_id)
        .await?
        .ok_or_else(|| not_found(csr_id))
}

async fn get_one(
    State(app): State<AppState>,
    _admin: AdminToken,
    Path((app_id, csr_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let record = find_app(&app, &app_id).await?;
    let csr = find(&app, &record.id, &csr_id).await?;
    if wants_pkcs10(&headers) {
        return Ok(pkcs10(StatusCode::OK, &csr));
    }
    Ok(Json(render(&app, &csr)).into_response())
}

async fn revoke(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, csr_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let record = find_app(&app, &app_id).await?;
    let event = events::event(
        "application.lifecycle.update",
        "Revoke certificate signing request",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        app.clock.now().millis(),
    );
    if !app
        .store
        .delete_app_csr(&record.id, &csr_id, &event)
        .await?
    {
        return Err(not_found(&csr_id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes the CA's certificate for the request (DER for `application/x-x509-ca-cert` and
/// `application/pkix-cert`, PEM for `application/x-pem-file`; the body is read as PEM when it
/// looks like PEM either way): the key pair becomes a key credential.
async fn publish(
    State(app): State<AppState>,
    admin: AdminToken,
    Path((app_id, csr_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let record = find_app(&app, &app_id).await?;
    let csr = find(&app, &record.id, &csr_id).await?;
    let issued =
        crypto::signing_keys::certificate_for_key(&body, &csr.e, &csr.n).map_err(|e| match e {
            CertificateError::Unreadable => ApiError::invalid(
                "certificate",
                "certificate: The body is not an X.509 certificate in DER or PEM form.",
            ),
            CertificateError::OtherKey => ApiError::invalid(
                "certificate",
                "certificate: The certificate's public key is not the key of this certificate \
                 signing request.",
            ),
        })?;
    let now = app.clock.now().millis();
    let key = AppKeyRecord {
        app_id: record.id.clone(),
        kid: csr.id.clone(),
        created: now,
        expires_at: issued.expires_at,
        e: csr.e.clone(),
        n: csr.n.clone(),
        x5c: issued.x5c,
        x5t_s256: issued.x5t_s256,
        private_key_sealed: csr.private_key_sealed.clone(),
    };
    let event = events::event(
        "application.lifecycle.update",
        "Publish certificate signing request",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    if !app
        .store
        .publish_app_csr(&record.id, &csr.id, &key, &event)
        .await?
    {
        return Err(not_found(&csr_id));
    }
    Ok((StatusCode::CREATED, Json(dto::render_key(&key))).into_response())
}
