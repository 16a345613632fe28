//! Bulk user import and export (`latchkey import users`, `latchkey export users`): the files
//! real migrations bring, written through the store while a server may be running on it.

pub mod export;
pub mod format;
pub mod import;
pub mod progress;
