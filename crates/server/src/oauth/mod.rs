//! The OpenID Connect & OAuth 2.0 API (oidc.md): the org authorization server (issuer
//! `{org}`, endpoints under `/oauth2/v1/`) and custom authorization servers (issuer
//! `{org}/oauth2/{id}`, endpoints under `/oauth2/{id}/v1/`), first of all `default`.
//!
//! One use-case module per step of the flows, called by the thin handlers in `endpoints`:
//! - `servers`: which server a request addresses, its issuer, scopes and access policy;
//! - `keys`: the servers' RS256 signing keys (sealed at rest, parsed once per node);
//! - `clients`: who the client is (`client_secret_basic`/`_post`/`_jwt`, `private_key_jwt`,
//!   `none`);
//! - `authorize`: the front channel (`/authorize`): session, PKCE, codes and implicit tokens;
//! - `consent`: which scopes a user must consent to, and their consent grants;
//! - `device`: the device authorization grant (`/device/authorize`, `/activate`, polling);
//! - `grants`: the back channel (`/token`): codes, refresh tokens, client credentials;
//! - `mint`: the tokens and their claims;
//! - `endpoints`: discovery, keys, userinfo, introspection, revocation, logout.
//!
//! Errors are OAuth's JSON object (`error`, `error_description`), never Okta's `E0000…`.

pub mod authorize;
pub mod clients;
pub mod consent;
pub mod device;
pub mod endpoints;
pub mod error;
pub mod grants;
pub mod keys;
pub mod management;
pub mod mint;
pub mod registration;
pub mod servers;

pub use error::OAuthError;
