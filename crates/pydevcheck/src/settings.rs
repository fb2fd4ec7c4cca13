//! From configuration files and flags to what each file is checked with: its rules, whether it is
//! excluded, and the project's extra APIs.
//!
//! As in ruff, the closest configuration file above a file wins for that file: `pydevcheck.toml`, else a
//! `pyproject.toml` with a `[tool.pydevcheck]` table. `--config` names one file for all, `--isolated` uses
//! none. Flags apply on top of whichever file applies: `--select` replaces the selection, `--extend-select`
//! and `--ignore` add to it, `--exclude` replaces the configured `exclude`.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use pydevcheck_analyzer::{ApiConfig, Rule, RuleSet};

use crate::config::{self, Config, ConfigError, Confirm, Selector};

/// The flags that override configuration, already parsed.
#[derive(Debug)]
pub(crate) struct Overrides {
    pub(crate) select: Option<Vec<Selector>>,
    pub(crate) extend_select: Vec<Selector>,
    pub(crate) ignore: Vec<Selector>,
    pub(crate) exclude: Option<Vec<String>>,
    pub(crate) extend_exclude: Vec<String>,
    /// The working directory, which flag globs are relative to.
    pub(crate) cwd: PathBuf,
}

/// Which configuration files are read.
#[derive(Debug)]
pub(crate) enum Source {
    /// The closest one above each file.
    Hierarchical,
    /// `--config PATH`.
    File(PathBuf),
    /// `--isolated`.
    None,
}

/// What one configuration (or none) means for the files under it.
#[derive(Debug)]
pub(crate) struct Settings {
    rules: RuleSet,
    /// Patterns relative to the configuration's directory, and to the working directory for flags.
    exclude: Vec<(PathBuf, GlobSet)>,
    per_file_ignores: Vec<(PathBuf, GlobSet, Vec<&'static Rule>)>,
    pub(crate) api: ApiConfig,
    /// `[tool.pydevcheck.confirm]`, and the directory of the file that holds it.
    pub(crate) confirm: Option<(PathBuf, Confirm)>,
}

impl Settings {
    fn new(config: Option<&Config>, overrides: &Overrides) -> Result<Settings, String> {
        let mut rules = match (&overrides.select, config.and_then(|c| c.select.as_ref())) {
            (Some(select), _) | (None, Some(select)) => RuleSet::from_rules(flatten(select)),
            (None, None) => RuleSet::defaults(),
        };
        let configured_extend = config.map_or(&[][..], |c| &c.extend_select);
        for rule in flatten(configured_extend).chain(flatten(&overrides.extend_select)) {
            rules.insert(rule);
        }
        let configured_ignore = config.map_or(&[][..], |c| &c.ignore);
        for rule in flatten(configured_ignore).chain(flatten(&overrides.ignore)) {
            rules.remove(rule);
        }

        let mut exclude = Vec::new();
        if let Some(config) = config {
            let mut patterns = config.extend_exclude.clone();
            if overrides.exclude.is_none() {
                patterns.extend(config.exclude.iter().flatten().cloned());
            }
            exclude.push((absolute(&config.root, &overrides.cwd), glob_set(&patterns)?));
        }
        let mut flag_patterns = overrides.extend_exclude.clone();
        flag_patterns.extend(overrides.exclude.iter().flatten().cloned());
        exclude.push((overrides.cwd.clone(), glob_set(&flag_patterns)?));

        let mut per_file_ignores = Vec::new();
        if let Some(config) = config {
            let root = absolute(&config.root, &overrides.cwd);
            for (pattern, selectors) in &config.per_file_ignores {
                per_file_ignores.push((
                    root.clone(),
                    glob_set(std::slice::from_ref(pattern))?,
                    flatten(selectors).collect(),
                ));
            }
        }
        let confirm = config.and_then(|c| Some((absolute(&c.root, &overrides.cwd), c.confirm.clone()?)));
        Ok(Settings {
            rules,
            exclude,
            per_file_ignores,
            api: config.map(|c| c.api.clone()).unwrap_or_default(),
            confirm,
        })
    }

    /// Whether `path` (absolute) matches an exclusion pattern.
    pub(crate) fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.iter().any(|(root, set)| matches(set, root, path))
    }

    /// The rules for `path` (absolute), after `per-file-ignores`.
    pub(crate) fn rules_for(&self, path: &Path) -> RuleSet {
        let mut rules = self.rules;
        for (root, set, ignored) in &self.per_file_ignores {
            if matches(set, root, path) {
                for rule in ignored {
                    rules.remove(rule);
                }
            }
        }
        rules
    }
}

fn flatten(selectors: &[Selector]) -> impl Iterator<Item = &'static Rule> + '_ {
    selectors.iter().flat_map(|selector| selector.rules().iter().copied())
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern).map_err(|error| format!("invalid glob `{pattern}`: {error}"))?);
    }
    builder.build().map_err(|error| error.to_string())
}

/// Whether a pattern matches `path` or one of its parent directories below `root`, by relative path or by
/// name (`tests` matches every `tests` directory, `legacy/*.py` the files of `root/legacy`).
fn matches(set: &GlobSet, root: &Path, path: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    let Ok(relative) = path.strip_prefix(root) else {
        return set.is_match(path);
    };
    relative.ancestors().filter(|a| !a.as_os_str().is_empty()).any(|ancestor| {
        set.is_match(ancestor) || ancestor.file_name().is_some_and(|name| set.is_match(Path::new(name)))
    })
}

/// `path` made absolute against `cwd`, with `.` components dropped and `..` applied lexically.
pub(crate) fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() { path.to_path_buf() } else { cwd.join(path) };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Finds and caches the settings of each directory.
pub(crate) struct Resolver {
    source: Source,
    overrides: Overrides,
    /// For `--config` and `--isolated`, and for files with no configuration above them.
    fixed: Option<Arc<Settings>>,
    default: Option<Arc<Settings>>,
    by_dir: HashMap<PathBuf, Arc<Settings>>,
}

/// A configuration that cannot be used: a file error with its span, or a glob from the command line.
#[derive(Debug)]
pub(crate) enum SettingsError {
    Config(Box<ConfigError>),
    Flag(String),
}

impl From<ConfigError> for SettingsError {
    fn from(error: ConfigError) -> SettingsError {
        SettingsError::Config(Box::new(error))
    }
}

impl Resolver {
    pub(crate) fn new(source: Source, overrides: Overrides) -> Result<Resolver, SettingsError> {
        let fixed = match &source {
            Source::Hierarchical => None,
            Source::None => Some(Settings::new(None, &overrides).map_err(SettingsError::Flag)?),
            Source::File(path) => {
                let config = config::load(path)?;
                // A `--config pyproject.toml` without our table is an empty configuration, not an error.
                let settings = Settings::new(config.as_ref(), &overrides);
                Some(settings.map_err(SettingsError::Flag)?)
            }
        };
        Ok(Resolver { source, overrides, fixed: fixed.map(Arc::new), default: None, by_dir: HashMap::new() })
    }

    /// The settings for the file at `path` (absolute).
    pub(crate) fn settings(&mut self, path: &Path) -> Result<Arc<Settings>, SettingsError> {
        if let Some(fixed) = &self.fixed {
            return Ok(Arc::clone(fixed));
        }
        debug_assert!(matches!(self.source, Source::Hierarchical));
        let dir = path.parent().unwrap_or(path).to_path_buf();
        self.dir_settings(&dir)
    }

    fn dir_settings(&mut self, dir: &Path) -> Result<Arc<Settings>, SettingsError> {
        if let Some(settings) = self.by_dir.get(dir) {
            return Ok(Arc::clone(settings));
        }
        let mut found = None;
        for name in ["pydevcheck.toml", "pyproject.toml"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                // Shown relative to the working directory, as the checked paths are.
                let candidate =
                    candidate.strip_prefix(&self.overrides.cwd).map_or(candidate.clone(), Path::to_path_buf);
                if let Some(config) = config::load(&candidate)? {
                    found = Some(config);
                    break;
                }
            }
        }
        let settings = match (found, dir.parent()) {
            (Some(config), _) => Arc::new(Settings::new(Some(&config), &self.overrides).map_err(SettingsError::Flag)?),
            (None, Some(parent)) => self.dir_settings(parent)?,
            (None, None) => self.default_settings()?,
        };
        self.by_dir.insert(dir.to_path_buf(), Arc::clone(&settings));
        Ok(settings)
    }

    fn default_settings(&mut self) -> Result<Arc<Settings>, SettingsError> {
        if let Some(default) = &self.default {
            return Ok(Arc::clone(default));
        }
        let settings = Arc::new(Settings::new(None, &self.overrides).map_err(SettingsError::Flag)?);
        self.default = Some(Arc::clone(&settings));
        Ok(settings)
    }
}

/// Parses the selectors of a flag, naming the closest valid one on a typo.
pub(crate) fn flag_selectors(flag: &str, values: &[String]) -> Result<Vec<Selector>, String> {
    values
        .iter()
        .map(|value| {
            Selector::parse(value.trim()).ok_or_else(|| {
                let hint = match config::suggest(value, config::selector_words()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "`pydevcheck rule --all` lists the rules".to_owned(),
                };
                format!("{flag}: unknown rule selector `{value}`; {hint}")
            })
        })
        .collect()
}
