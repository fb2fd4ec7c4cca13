//! Paths → the Python files to check.

use std::path::PathBuf;

/// Lists the `.py` and `.pyi` files under `paths`.
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.to_vec()
}
