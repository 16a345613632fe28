//! The data folder: the SQLite database (with its WAL and shared-memory files), the generated
//! CA and certificate, the admin token and the sealing key. It holds password hashes and
//! secrets, so only its owner may read it.
//!
//! Invariants:
//! - a folder created here is mode 0700, and every file written into it is 0600 (SQLite gives
//!   the `-wal` and `-shm` files the mode of the database file, which is created 0600 before
//!   SQLite opens it);
//! - an existing folder that others may enter gets a warning at start; the database files in
//!   it are narrowed to 0600.

use std::path::{Path, PathBuf};

/// Creates the data folder (0700) or checks an existing one, and, when `database` is a file
/// in it, makes sure that file exists and only its owner can read it and its journals.
pub fn prepare(dir: &Path, database: Option<&Path>) -> anyhow::Result<()> {
    create_private_dir(dir)?;
    if let Some(db) = database {
        create_private_file(db)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            narrow(&PathBuf::from(name))?;
        }
    }
    Ok(())
}

/// The SQLite file a `sqlite://` URL names (None for PostgreSQL and in-memory databases).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if dir.is_dir() {
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                folder = %dir.display(),
                mode = format!("{mode:o}"),
                "the data folder holds password hashes and secrets but others may open it; \
                 run chmod 700 on it"
            );
        }
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| anyhow::anyhow!("creating the data folder {}: {e}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    Ok(())
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!("creating {}: {e}", path.display())),
    }
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Narrows an existing file to 0600 (absent files are fine).
#[cfg(unix)]
fn narrow(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| anyhow::anyhow!("narrowing {} to 0600: {e}", path.display()))?;
        tracing::info!(file = %path.display(), was = format!("{mode:o}"), "narrowed to 0600");
    }
    Ok(())
}

#[cfg(not(unix))]
fn narrow(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_from_urls() {
        assert_eq!(
            sqlite_file("sqlite:///tmp/x/latchkey.db"),
            Some(PathBuf::from("/tmp/x/latchkey.db"))
        );
        assert_eq!(
            sqlite_file("sqlite://data/l.db?mode=rwc"),
            Some(PathBuf::from("data/l.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }

    #[cfg(unix)]
    #[test]
    fn new_folders_and_databases_are_private_and_old_files_are_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        let db = dir.join("latchkey.db");
        prepare(&dir, Some(&db)).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&db), 0o600);
        let wal = dir.join("latchkey.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare(&dir, Some(&db)).unwrap();
        assert_eq!(mode(&wal), 0o600);
    }
}
