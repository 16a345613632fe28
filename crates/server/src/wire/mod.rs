//! The wire format shared by every resource: Okta's error object, JSON bodies, `_links`,
//! `Link` pagination and the per-response headers. Each is implemented here exactly once.

pub mod dto;
pub mod error;
pub mod guard;
pub mod headers;
pub mod json;
pub mod links;
pub mod page;

pub use error::{ApiError, ApiResult};
pub use json::Json;
