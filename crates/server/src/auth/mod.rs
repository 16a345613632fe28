//! Who is calling: the SSWS API-token extractor for management routes.

pub mod ssws;

pub use ssws::{AdminToken, OptionalAdmin};
