//! The embedded shim and the private directory it writes its events to.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The shim's Python source: `sitecustomize.py` in the event directory.
pub const SHIM_SOURCE: &str = include_str!("shim.py");

/// A private directory (mode 0700) holding the shim, the list of flagged lines and the per-process event
/// files; removed when dropped.
pub(crate) struct EventDir {
    dir: tempfile::TempDir,
    flagged: PathBuf,
    codec_lines: PathBuf,
    roots: OsString,
    token: String,
}

impl EventDir {
    /// `flagged`: the lines of every finding; `codec_lines`: those of PDC601/PDC602, which the shim
    /// guards to see the `LookupError` dev mode raises there.
    pub(crate) fn create(
        roots: &[PathBuf],
        flagged: &[(PathBuf, u32)],
        codec_lines: &[(PathBuf, u32)],
    ) -> std::io::Result<EventDir> {
        let dir = tempfile::Builder::new().prefix("pydevcheck-confirm-").tempdir()?;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700))?;
        write_new(&dir.path().join("sitecustomize.py"), SHIM_SOURCE.as_bytes())?;
        let flagged_path = dir.path().join("flagged.tsv");
        write_new(&flagged_path, listing(flagged).as_bytes())?;
        let codec_path = dir.path().join("codec-lines.tsv");
        write_new(&codec_path, listing(codec_lines).as_bytes())?;
        let roots = std::env::join_paths(roots).unwrap_or_default();
        Ok(EventDir { dir, flagged: flagged_path, codec_lines: codec_path, roots, token: run_token()? })
    }

    /// The run's nonce: the shim copies it into every event, and events without it are not this run's.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The variables that load the shim in every Python process started with this environment.
    pub(crate) fn environment(&self) -> Vec<(OsString, OsString)> {
        let mut python_path = vec![self.dir.path().to_path_buf()];
        if let Some(old) = std::env::var_os("PYTHONPATH") {
            python_path.extend(std::env::split_paths(&old));
        }
        vec![
            ("PYTHONPATH".into(), std::env::join_paths(python_path).unwrap_or_default()),
            ("PYDEVCHECK_EVENT_DIR".into(), self.dir.path().into()),
            ("PYDEVCHECK_ROOTS".into(), self.roots.clone()),
            ("PYDEVCHECK_FLAGGED".into(), self.flagged.clone().into()),
            ("PYDEVCHECK_CODEC_LINES".into(), self.codec_lines.clone().into()),
            ("PYDEVCHECK_RUN_TOKEN".into(), self.token.clone().into()),
        ]
    }
}

/// One `path<TAB>line` per line.
fn listing(lines: &[(PathBuf, u32)]) -> String {
    lines.iter().map(|(path, line)| format!("{}\t{line}\n", path.display())).collect()
}

/// Creates `path` exclusively, never following a symlink, readable by us alone.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)
}

/// 128 random bits from the kernel, in hex.
fn run_token() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_directory_is_private_and_the_token_fresh() {
        let dir = EventDir::create(&[], &[], &[]).unwrap();
        let mode = fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let shim = fs::metadata(dir.path().join("sitecustomize.py")).unwrap().permissions().mode();
        assert_eq!(shim & 0o777, 0o600);
        let other = EventDir::create(&[], &[], &[]).unwrap();
        assert_eq!(dir.token().len(), 32);
        assert_ne!(dir.token(), other.token());
        let env = dir.environment();
        assert!(env.iter().any(|(k, v)| k == "PYDEVCHECK_RUN_TOKEN" && v == dir.token()));
    }
}
