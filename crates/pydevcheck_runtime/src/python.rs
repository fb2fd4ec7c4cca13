//! Which Python runs the code: `PY -c "import sys; print(sys.version_info[:2])"` before anything else.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use crate::RuntimeError;

/// `major.minor` of an interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u32,
    pub minor: u32,
}

/// Asks `python` for its version; a missing interpreter or one older than 3.8 is an error.
pub fn python_version(python: &OsStr) -> Result<PythonVersion, RuntimeError> {
    let name = python.to_string_lossy().into_owned();
    let output = Command::new(python)
        .args(["-c", "import sys; print(sys.version_info[:2])"])
        .env_remove("PYTHONDEVMODE")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|source| RuntimeError::PythonMissing { python: name.clone(), source })?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let Some(version) = parse_version(&text).filter(|_| output.status.success()) else {
        return Err(RuntimeError::PythonVersion { python: name, output: text });
    };
    if version < (PythonVersion { major: 3, minor: 8 }) {
        return Err(RuntimeError::PythonTooOld { python: name, major: version.major, minor: version.minor });
    }
    Ok(version)
}

/// `(3, 11)` → 3.11.
fn parse_version(text: &str) -> Option<PythonVersion> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let (major, minor) = inner.split_once(',')?;
    Some(PythonVersion { major: major.trim().parse().ok()?, minor: minor.trim().parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_tuple_python_prints() {
        assert_eq!(parse_version("(3, 11)"), Some(PythonVersion { major: 3, minor: 11 }));
        assert_eq!(parse_version("(2, 7)"), Some(PythonVersion { major: 2, minor: 7 }));
        assert_eq!(parse_version("3.11"), None);
    }
}
