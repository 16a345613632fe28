//! Application logos (`POST /api/v1/apps/{appId}/logo`, the ApplicationLogos tag; apps.md
//! "Update logo for application"): a `multipart/form-data` upload whose `file` part is a PNG,
//! JPEG, GIF or SVG image under 1 MB, stored in the store and served back, without
//! authentication as Okta serves logos, at the URL the upload answers with (`Location`, 201)
//! and that the app's `_links.logo` names. An app without an upload shows the default logo.
//!
//! The image type is read from the file's own bytes, not from the part's declared type.

use axum::extract::multipart::Multipart;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::api::apps::find_app;
use crate::auth::AdminToken;
use crate::events::{self, Actor};
use crate::state::AppState;
use crate::wire::{ApiError, ApiResult};

/// Where the default logo is served (under the public URL).
pub const DEFAULT_LOGO_PATH: &str = "assets/img/logos/default.png";

/// The largest logo Okta accepts.
const MAX_LOGO_BYTES: usize = 1024 * 1024;

/// A 1x1 transparent PNG.
const DEFAULT_LOGO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The upload route, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/apps/{app_id}/logo", post(upload))
}

/// The public routes that serve logos.
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/bc/image/fileStoreRecord", get(serve))
        .route(&format!("/{DEFAULT_LOGO_PATH}"), get(default_logo))
}

/// The image type of `bytes`, from their first bytes.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let start = text.trim_start();
    let svg = (start.starts_with("<?xml") || start.starts_with("<svg")) && text.contains("<svg");
    svg.then_some("image/svg+xml")
}

fn invalid_file(cause: &str) -> ApiError {
    ApiError::invalid("file", format!("file: {cause}"))
}

/// Uploads a logo (uploadApplicationLogo): 201 with the logo's URL in `Location`.
async fn upload(
    State(app): State<AppState>,
    admin: AdminToken,
    Path(app_id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let now = app.clock.now().millis();
    let record = find_app(&app, &app_id).await?;
    let mut multipart =
        multipart.map_err(|_| invalid_file("The logo must be sent as multipart/form-data"))?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| invalid_file("The multipart body could not be read"))?
    {
        if field.name() == Some("file") {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| invalid_file("The file could not be read"))?;
            file = Some(bytes);
            break;
        }
    }
    let bytes = file.ok_or_else(|| invalid_file("The field cannot be left blank"))?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(invalid_file("The file must be smaller than 1 MB"));
    }
    let content_type = image_type(&bytes)
        .ok_or_else(|| invalid_file("The file must be a PNG, JPG, SVG or GIF image"))?;
    let logo = store::AppLogoRecord {
        id: model::ids::new_id(model::ids::Kind::Logo),
        app_id: record.id.clone(),
        content_type: content_type.to_owned(),
        bytes: bytes.to_vec(),
        created: now,
    };
    let event = events::event(
        "application.lifecycle.update",
        "Update application logo",
        &Actor::token(&admin),
        vec![events::app_target(&record)],
        now,
    );
    app.store.put_app_logo(&logo, &event).await?;
    let location = app
        .links
        .page(&format!("bc/image/fileStoreRecord?id={}", logo.id));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

#[derive(Debug, Deserialize)]
struct ServeParams {
    id: Option<String>,
}

async fn serve(
    State(app): State<AppState>,
    Query(params): Query<ServeParams>,
) -> ApiResult<Response> {
    let id = params.id.unwrap_or_default();
    let logo = app.store.app_logo(&id).await?.ok_or_else(|| {
        ApiError::not_found(format!("Resource not found: {id} (FileStoreRecord)"))
    })?;
    Ok(([(header::CONTENT_TYPE, logo.content_type)], logo.bytes).into_response())
}

async fn default_logo() -> Response {
    ([(header::CONTENT_TYPE, "image/png")], DEFAULT_LOGO).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_come_from_the_bytes() {
        assert_eq!(image_type(DEFAULT_LOGO), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(
            image_type(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><svg></svg>"),
            Some("image/svg+xml")
        );
        assert_eq!(image_type(b"<html></html>"), None);
        assert_eq!(image_type(b"plain"), None);
    }
}
