//! Paths → the Python files to check.
//!
//! Directories are walked with the `ignore` crate, so `.gitignore` (nested ones too), `.ignore`,
//! `.git/info/exclude` and the global git excludes are honoured as users of ruff and ripgrep expect, even
//! outside a git repository. A path named on the command line is always checked: exclusion only prunes what a
//! walk finds. Entries are classified by the file type the directory listing reports, never by opening them,
//! because opening a FIFO for reading blocks; symbolic links met during a walk are not followed.

use std::path::{Path, PathBuf};

/// Directory names skipped anywhere below a directory argument: tool caches, virtual environments, build
/// output. `site-packages` is deliberately absent: checking installed code is a supported use.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    "node_modules",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    // Installed packages are not the project's code; ruff skips them by default too.
    "site-packages",
];

/// How directories are walked.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Directory names pruned anywhere below a directory argument (not the argument itself).
    pub exclude_dirs: Vec<String>,
    /// Whether `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes apply.
    pub respect_ignore_files: bool,
}

impl DiscoverOptions {
    /// What `pydevcheck check` uses: [`DEFAULT_EXCLUDES`] and ignore files respected.
    pub fn standard() -> DiscoverOptions {
        DiscoverOptions {
            exclude_dirs: DEFAULT_EXCLUDES.iter().map(|&name| name.to_owned()).collect(),
            respect_ignore_files: true,
        }
    }
}

/// The files found, sorted and without duplicates, and the paths that could not be walked.
#[derive(Debug)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    pub errors: Vec<DiscoverError>,
}

/// A path that could not be listed. The walk goes on with the other paths.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The path does not exist, or its metadata or directory listing cannot be read.
    #[error("{}: {error}", .path.display())]
    Io { path: PathBuf, error: std::io::Error },
    /// An explicitly named path that is a FIFO, socket or device: opening it could block.
    #[error("{}: not a regular file or directory", .path.display())]
    NotAFile { path: PathBuf },
    /// An ignore file or a directory entry the walker rejected.
    #[error("{}: {message}", .path.display())]
    Walk { path: PathBuf, message: String },
}

impl DiscoverError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            DiscoverError::Io { path, .. } | DiscoverError::NotAFile { path } | DiscoverError::Walk { path, .. } => {
                path
            }
        }
    }
}

/// Lists the `.py` and `.pyi` files under `paths`, plus every file named explicitly.
pub fn discover(paths: &[PathBuf], options: &DiscoverOptions) -> Discovered {
    let mut found = Discovered { files: Vec::new(), errors: Vec::new() };
    for path in paths {
        // An explicit argument is followed if it is a symbolic link: the user named it.
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                found.errors.push(DiscoverError::Io { path: path.clone(), error });
                continue;
            }
        };
        if metadata.is_dir() {
            walk(path, options, &mut found);
        } else if metadata.is_file() {
            found.files.push(tidy(path));
        } else {
            found.errors.push(DiscoverError::NotAFile { path: path.clone() });
        }
    }
    found.files.sort();
    found.files.dedup();
    found.errors.sort_by(|a, b| a.path().cmp(b.path()));
    found
}

fn walk(root: &Path, options: &DiscoverOptions, found: &mut Discovered) {
    let excludes = options.exclude_dirs.clone();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .parents(options.respect_ignore_files)
        .ignore(options.respect_ignore_files)
        .git_ignore(options.respect_ignore_files)
        .git_global(options.respect_ignore_files)
        .git_exclude(options.respect_ignore_files)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
            let excluded = entry.file_name().to_str().is_some_and(|name| excludes.iter().any(|e| e == name));
            entry.depth() == 0 || !(is_dir && excluded)
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                found.errors.push(walk_error(root, error));
                continue;
            }
        };
        // The listing's file type: a symbolic link, FIFO, socket or device is not a regular file.
        let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
        let is_python = matches!(entry.path().extension().and_then(|e| e.to_str()), Some("py" | "pyi"));
        if is_file && is_python {
            found.files.push(tidy(entry.path()));
        }
    }
}

/// `./pkg/a.py` → `pkg/a.py`, so that `pydevcheck .` and `pydevcheck pkg/a.py` name a file alike.
fn tidy(path: &Path) -> PathBuf {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

fn walk_error(root: &Path, error: ignore::Error) -> DiscoverError {
    let mut path = None;
    let mut inner = &error;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.clone());
                inner = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => inner = err,
            _ => break,
        }
    }
    let path = path.unwrap_or_else(|| root.to_path_buf());
    match inner {
        ignore::Error::Io(io) => DiscoverError::Io { path, error: std::io::Error::new(io.kind(), io.to_string()) },
        other => DiscoverError::Walk { path, message: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "x = 1\n").unwrap();
        }
        dir
    }

    /// The files found under `dir`, relative to it, as `/`-separated strings.
    #[track_caller]
    fn check(dir: &Path, args: &[&str], expected: &[&str]) -> Vec<DiscoverError> {
        let paths: Vec<PathBuf> = args.iter().map(|a| dir.join(a)).collect();
        let found = discover(&paths, &DiscoverOptions::standard());
        let files: Vec<String> =
            found.files.iter().map(|f| f.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/")).collect();
        assert_eq!(files, expected);
        found.errors
    }

    #[test]
    fn python_files_sorted() {
        let dir = tree(&["b.py", "a.py", "pkg/c.pyi", "pkg/d.txt", "pkg/e.pyc", "setup.cfg"]);
        let errors = check(dir.path(), &[""], &["a.py", "b.py", "pkg/c.pyi"]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn gitignore_respected_outside_a_repository() {
        let dir = tree(&["keep.py", "gen/out.py", "sub/skip_me.py", "sub/keep2.py"]);
        fs::write(dir.path().join(".gitignore"), "gen/\n").unwrap();
        fs::write(dir.path().join("sub/.gitignore"), "skip_*.py\n").unwrap();
        check(dir.path(), &[""], &["keep.py", "sub/keep2.py"]);
    }

    #[test]
    fn git_info_exclude_respected() {
        let dir = tree(&["keep.py", "local.py"]);
        fs::create_dir_all(dir.path().join(".git/info")).unwrap();
        fs::write(dir.path().join(".git/info/exclude"), "local.py\n").unwrap();
        check(dir.path(), &[""], &["keep.py"]);
    }

    #[test]
    fn default_excludes_anywhere_but_hidden_files_kept() {
        let dir = tree(&[
            "a.py",
            ".venv/lib/x.py",
            "pkg/__pycache__/y.py",
            "pkg/node_modules/z.py",
            "pkg/build/w.py",
            ".hidden/kept.py",
            ".kept.py",
            "lib/site-packages/mod.py",
        ]);
        check(dir.path(), &[""], &[".hidden/kept.py", ".kept.py", "a.py"]);
    }

    #[test]
    fn explicit_arguments_are_always_checked() {
        let dir = tree(&["build/gen.py", "script", "ignored.py"]);
        fs::write(dir.path().join(".gitignore"), "ignored.py\n").unwrap();
        check(dir.path(), &["build/gen.py", "script", "ignored.py"], &["build/gen.py", "ignored.py", "script"]);
        // An excluded directory named explicitly is walked.
        check(dir.path(), &["build"], &["build/gen.py"]);
    }

    #[test]
    fn duplicates_removed() {
        let dir = tree(&["a.py"]);
        check(dir.path(), &["", "a.py", "a.py"], &["a.py"]);
    }

    #[test]
    fn fifo_skipped_without_opening() {
        let dir = tree(&["a.py"]);
        let fifo = dir.path().join("pipe.py");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            eprintln!("skipping: mkfifo is not available");
            return;
        }
        // Opening the FIFO would block this test forever.
        check(dir.path(), &[""], &["a.py"]);
        let errors = check(dir.path(), &["pipe.py"], &[]);
        assert!(matches!(&errors[..], [DiscoverError::NotAFile { path }] if *path == fifo), "{errors:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_not_followed_during_a_walk() {
        let dir = tree(&["real/a.py", "other/b.py"]);
        std::os::unix::fs::symlink(dir.path().join("other"), dir.path().join("real/link")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("other/b.py"), dir.path().join("real/c.py")).unwrap();
        check(dir.path(), &["real"], &["real/a.py"]);
    }

    #[test]
    fn nonexistent_path_is_an_error_and_the_run_goes_on() {
        let dir = tree(&["a.py"]);
        let errors = check(dir.path(), &["missing", ""], &["a.py"]);
        let [DiscoverError::Io { path, error }] = &errors[..] else { panic!("{errors:?}") };
        assert_eq!(*path, dir.path().join("missing"));
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert!(errors[0].to_string().contains("missing"));
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_directory_is_an_error_and_the_run_goes_on() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tree(&["a.py", "locked/b.py"]);
        let locked = dir.path().join("locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        let readable = fs::read_dir(&locked).is_ok();
        let errors = if readable {
            eprintln!("skipping the error check: this user (root?) can list a mode 000 directory");
            Vec::new()
        } else {
            check(dir.path(), &[""], &["a.py"])
        };
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        if readable {
            return;
        }
        let [error] = &errors[..] else { panic!("{errors:?}") };
        assert_eq!(error.path(), locked);
        assert!(error.to_string().contains("locked"), "{error}");
    }

    #[test]
    fn dot_prefix_is_dropped() {
        assert_eq!(tidy(Path::new("./pkg/a.py")), PathBuf::from("pkg/a.py"));
        assert_eq!(tidy(Path::new(".")), PathBuf::from("."));
        assert_eq!(tidy(Path::new("/abs/a.py")), PathBuf::from("/abs/a.py"));
    }
}
