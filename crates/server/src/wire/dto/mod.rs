//! Response and request shapes, named after the Okta OpenAPI schemas so a grep of the spec
//! finds them. Rendering is a pure function of the record and the link builder.

pub mod api_token;
pub mod app;
pub mod app_sso;
pub mod event_hook;
pub mod group;
pub mod group_rule;
pub mod inline_hook;
pub mod policy;
pub mod trusted_origin;
pub mod user;
