//! `[tool.pydevcheck]` in `pyproject.toml`, or the top level of `pydevcheck.toml`: reading, validation with
//! precise errors, and rule selectors.
//!
//! The file is parsed into toml's spanned document tree rather than deserialized into a struct, so that every
//! error (an unknown key, an unknown rule code, a value of the wrong type) points at the exact bytes of the
//! file and suggests the closest valid name. Those errors are miette diagnostics and make the run exit with 2.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use miette::{NamedSource, SourceSpan};
use pydevcheck_analyzer::{rules, ApiConfig, ExtraAcquirer, ResourceKind, Rule};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The keys of `[tool.pydevcheck]`.
pub(crate) const KEYS: &[&str] = &[
    "select",
    "ignore",
    "extend-select",
    "exclude",
    "extend-exclude",
    "per-file-ignores",
    "extra-acquirers",
    "extra-releasers",
    "extra-borrowers",
    "confirm",
];

/// The keys of `[tool.pydevcheck.confirm]`.
const CONFIRM_KEYS: &[&str] = &["command", "timeout"];

/// A rule selector as users write it: a code (`PDC101`), a prefix (`PDC1`), a name (`unclosed-file`), `ALL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selector {
    rules: Vec<&'static Rule>,
}

impl Selector {
    /// Parses a selector; `None` when it matches no rule.
    pub(crate) fn parse(text: &str) -> Option<Selector> {
        let all = rules::ALL_RULES.iter().copied();
        let rules: Vec<&'static Rule> = if text == "ALL" {
            all.collect()
        } else if let Some(rule) = rules::find_rule(text) {
            vec![rule]
        } else if text.len() >= 3 && text.starts_with("PDC") {
            all.filter(|rule| rule.code.starts_with(text)).collect()
        } else {
            Vec::new()
        };
        (!rules.is_empty()).then_some(Selector { rules })
    }

    pub(crate) fn rules(&self) -> &[&'static Rule] {
        &self.rules
    }
}

/// The closest valid selector or key to a misspelled one, when it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (strsim::jaro_winkler(&wrong.to_ascii_lowercase(), &candidate.to_ascii_lowercase()), candidate)
        })
        .filter(|(score, _)| *score > 0.7)
        // The first of equally close candidates wins: codes come in order, so `PDC10l` suggests `PDC101`.
        .fold(None, |best: Option<(f64, &str)>, (score, candidate)| match best {
            Some((best_score, _)) if best_score >= score => best,
            _ => Some((score, candidate)),
        })
        .map(|(_, candidate)| candidate)
}

/// Every valid selector word, for suggestions: codes, names and `ALL`.
pub(crate) fn selector_words() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = vec!["ALL"];
    for rule in rules::ALL_RULES {
        words.push(rule.code);
        words.push(rule.name);
    }
    words
}

/// What one configuration file says.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The directory its relative globs are relative to.
    pub(crate) root: PathBuf,
    pub(crate) select: Option<Vec<Selector>>,
    pub(crate) ignore: Vec<Selector>,
    pub(crate) extend_select: Vec<Selector>,
    pub(crate) exclude: Option<Vec<String>>,
    pub(crate) extend_exclude: Vec<String>,
    pub(crate) per_file_ignores: Vec<(String, Vec<Selector>)>,
    pub(crate) api: ApiConfig,
    pub(crate) confirm: Option<Confirm>,
}

/// `[tool.pydevcheck.confirm]`: what `pydevcheck confirm` runs and for how long.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Confirm {
    pub(crate) command: Option<Vec<String>>,
    pub(crate) timeout: Option<Duration>,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum ConfigError {
    #[error("cannot read {}: {source}", .path.display())]
    #[diagnostic(code(pydevcheck::config::read))]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<Invalid>),
}

/// A value of the file that is not valid, with its span.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{location}: {message}")]
#[diagnostic(code(pydevcheck::config::invalid))]
pub(crate) struct Invalid {
    /// `path:line`, so that the one-line form names the place too.
    location: String,
    message: String,
    #[help]
    help: Option<String>,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    at: SourceSpan,
    label: String,
}

/// Where a configuration file comes from, which decides where its settings live in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `pyproject.toml`: the `[tool.pydevcheck]` table.
    Pyproject,
    /// `pydevcheck.toml` (or a `--config` file not named `pyproject.toml`): the top level.
    Standalone,
}

impl Flavor {
    pub(crate) fn of(path: &Path) -> Flavor {
        if path.file_name().is_some_and(|name| name == "pyproject.toml") {
            Flavor::Pyproject
        } else {
            Flavor::Standalone
        }
    }
}

/// Reads and validates a configuration file. `Ok(None)` for a `pyproject.toml` without `[tool.pydevcheck]`,
/// which does not configure us (ruff skips such files too).
pub(crate) fn load(path: &Path) -> Result<Option<Config>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    parse(path, &text)
}

/// Parses the text of the configuration file at `path`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Option<Config>, ConfigError> {
    let cx = Cx { path, text };
    let document = DeTable::parse(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        cx.error(span, error.message().trim().to_owned(), "invalid TOML".to_owned(), None)
    })?;
    let table = match Flavor::of(path) {
        Flavor::Standalone => Some(document.get_ref()),
        Flavor::Pyproject => {
            let Some(tool) = document.get_ref().get("tool") else { return Ok(None) };
            let DeValue::Table(tool) = tool.get_ref() else { return Ok(None) };
            match tool.get("pydevcheck") {
                None => None,
                Some(value) => Some(cx.table(value, "[tool.pydevcheck]")?),
            }
        }
    };
    let Some(table) = table else { return Ok(None) };
    let root = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut config = Config {
        root,
        select: None,
        ignore: Vec::new(),
        extend_select: Vec::new(),
        exclude: None,
        extend_exclude: Vec::new(),
        per_file_ignores: Vec::new(),
        api: ApiConfig::default(),
        confirm: None,
    };
    // Document order, so that the first mistake in the file is the one reported.
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    for (key, value) in entries {
        match key.get_ref().as_ref() {
            "select" => config.select = Some(cx.selectors(value)?),
            "ignore" => config.ignore = cx.selectors(value)?,
            "extend-select" => config.extend_select = cx.selectors(value)?,
            "exclude" => config.exclude = Some(cx.strings(value)?.into_iter().map(|(s, _)| s).collect()),
            "extend-exclude" => config.extend_exclude = cx.strings(value)?.into_iter().map(|(s, _)| s).collect(),
            "per-file-ignores" => {
                for (glob, codes) in cx.table(value, "per-file-ignores")?.iter() {
                    let pattern = glob.get_ref().to_string();
                    if let Err(error) = globset::Glob::new(&pattern) {
                        return Err(cx.error(glob.span(), format!("invalid glob `{pattern}`: {error}"), "here", None));
                    }
                    config.per_file_ignores.push((pattern, cx.selectors(codes)?));
                }
            }
            "extra-acquirers" => {
                for (callee, kind) in cx.table(value, "extra-acquirers")?.iter() {
                    let callee = cx.dotted(callee.get_ref(), callee.span())?;
                    let (name, span) = cx.string(kind)?;
                    let Some(&(_, kind)) = ResourceKind::NAMES.iter().find(|(known, _)| *known == name) else {
                        let names = ResourceKind::NAMES.iter().map(|(name, _)| *name);
                        return Err(cx.unknown(span, "resource kind", &name, names));
                    };
                    config.api.acquirers.push(ExtraAcquirer { callee, kind });
                }
            }
            "extra-releasers" => {
                for (name, span) in cx.strings(value)? {
                    config.api.releasers.push(cx.dotted(&name, span)?);
                }
            }
            "extra-borrowers" => {
                for (name, span) in cx.strings(value)? {
                    config.api.borrowers.push(cx.dotted(&name, span)?);
                }
            }
            "confirm" => config.confirm = Some(cx.confirm(value)?),
            unknown => return Err(cx.unknown(key.span(), "key", unknown, KEYS.iter().copied())),
        }
    }
    Ok(Some(config))
}

/// The file being read, for errors.
struct Cx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Cx<'_> {
    fn error(
        &self,
        span: Range<usize>,
        message: String,
        label: impl Into<String>,
        help: Option<String>,
    ) -> ConfigError {
        let line = self.text[..span.start.min(self.text.len())].matches('\n').count() + 1;
        ConfigError::Invalid(Box::new(Invalid {
            location: format!("{}:{line}", self.path.display()),
            message,
            help,
            src: NamedSource::new(self.path.display().to_string(), self.text.to_owned()),
            at: (span.start, span.end.saturating_sub(span.start)).into(),
            label: label.into(),
        }))
    }

    fn unknown<'c>(
        &self,
        span: Range<usize>,
        what: &str,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'c str> + Clone,
    ) -> ConfigError {
        let help = match suggest(wrong, candidates.clone()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => {
                let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
                format!("expected one of {}", all.join(", "))
            }
        };
        self.error(span, format!("unknown {what} `{wrong}`"), format!("unknown {what}"), Some(help))
    }

    fn wrong_type(&self, span: Range<usize>, expected: &str) -> ConfigError {
        self.error(span, format!("expected {expected}"), format!("not {expected}"), None)
    }

    fn table<'v, 'i>(&self, value: &'v Spanned<DeValue<'i>>, what: &str) -> Result<&'v DeTable<'i>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            _ => Err(self.wrong_type(value.span(), &format!("a table for {what}"))),
        }
    }

    fn string(&self, value: &Spanned<DeValue<'_>>) -> Result<(String, Range<usize>), ConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok((s.to_string(), value.span())),
            _ => Err(self.wrong_type(value.span(), "a string")),
        }
    }

    fn strings(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<(String, Range<usize>)>, ConfigError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(value.span(), "an array of strings"));
        };
        items.iter().map(|item| self.string(item)).collect()
    }

    fn selectors(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<Selector>, ConfigError> {
        let mut selectors = Vec::new();
        for (text, span) in self.strings(value)? {
            match Selector::parse(&text) {
                Some(selector) => selectors.push(selector),
                None => return Err(self.unknown(span, "rule selector", &text, selector_words())),
            }
        }
        Ok(selectors)
    }

    /// A dotted Python path such as `mycompany.db.connect`.
    fn dotted(&self, name: &str, span: Range<usize>) -> Result<String, ConfigError> {
        let valid = !name.is_empty()
            && name.split('.').all(|part| {
                let mut chars = part.chars();
                chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                    && chars.all(|c| c.is_alphanumeric() || c == '_')
            });
        if valid {
            Ok(name.to_owned())
        } else {
            let message = format!("`{name}` is not a dotted Python name such as `mycompany.db.connect`");
            Err(self.error(span, message, "not a dotted name", None))
        }
    }

    fn confirm(&self, value: &Spanned<DeValue<'_>>) -> Result<Confirm, ConfigError> {
        let mut confirm = Confirm { command: None, timeout: None };
        let mut entries: Vec<_> = self.table(value, "confirm")?.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            match key.get_ref().as_ref() {
                "command" => {
                    let command: Vec<String> = match value.get_ref() {
                        DeValue::String(s) => s.split_whitespace().map(str::to_owned).collect(),
                        DeValue::Array(_) => self.strings(value)?.into_iter().map(|(s, _)| s).collect(),
                        _ => return Err(self.wrong_type(value.span(), "a string or an array of strings")),
                    };
                    if command.is_empty() {
                        return Err(self.error(value.span(), "the command is empty".to_owned(), "empty", None));
                    }
                    confirm.command = Some(command);
                }
                "timeout" => {
                    let seconds = match value.get_ref() {
                        DeValue::Integer(n) => n.as_str().replace('_', "").parse::<f64>().ok(),
                        DeValue::Float(n) => n.as_str().replace('_', "").parse::<f64>().ok(),
                        _ => None,
                    };
                    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9) else {
                        return Err(self.wrong_type(value.span(), "a positive number of seconds"));
                    };
                    confirm.timeout = Some(Duration::from_secs_f64(seconds));
                }
                unknown => return Err(self.unknown(key.span(), "key", unknown, CONFIRM_KEYS.iter().copied())),
            }
        }
        Ok(confirm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pyproject(text: &str) -> Result<Option<Config>, ConfigError> {
        parse(Path::new("proj/pyproject.toml"), text)
    }

    fn error(text: &str) -> String {
        match pyproject(text) {
            Err(error) => {
                let help = match &error {
                    ConfigError::Invalid(invalid) => invalid.help.as_ref().map_or(String::new(), |h| format!(" ({h})")),
                    _ => String::new(),
                };
                format!("{error}{help}")
            }
            Ok(config) => panic!("expected an error, got {config:?}"),
        }
    }

    #[test]
    fn pyproject_without_our_table_is_not_a_config() {
        assert!(pyproject("[project]\nname = 'x'\n").unwrap().is_none());
        assert!(pyproject("[tool.ruff]\nline-length = 1\n").unwrap().is_none());
    }

    #[test]
    fn every_key() {
        let config = pyproject(
            r#"
[tool.pydevcheck]
select = ["PDC1", "fd-leak"]
extend-select = ["PDC003"]
ignore = ["PDC102"]
exclude = ["generated"]
extend-exclude = ["legacy/*.py"]
per-file-ignores = { "tests/*" = ["PDC101"] }
extra-acquirers = { "mycompany.db.connect" = "file" }
extra-releasers = ["mycompany.db.Connection.dispose"]
extra-borrowers = ["mycompany.log.dump"]
confirm = { command = "python -m pytest", timeout = 60 }
"#,
        )
        .unwrap()
        .unwrap();
        let codes = |s: &[Selector]| s.iter().flat_map(|s| s.rules().iter().map(|r| r.code)).collect::<Vec<_>>();
        let mut expected: Vec<&str> =
            rules::ALL_RULES.iter().map(|r| r.code).filter(|code| code.starts_with("PDC1")).collect();
        expected.push("PDC303");
        assert_eq!(codes(config.select.as_deref().unwrap()), expected);
        assert_eq!(codes(&config.extend_select), ["PDC003"]);
        assert_eq!(codes(&config.ignore), ["PDC102"]);
        assert_eq!(config.exclude, Some(vec!["generated".to_owned()]));
        assert_eq!(config.per_file_ignores[0].0, "tests/*");
        assert_eq!(
            config.api.acquirers,
            [ExtraAcquirer { callee: "mycompany.db.connect".into(), kind: ResourceKind::File }]
        );
        assert_eq!(config.api.releasers, ["mycompany.db.Connection.dispose"]);
        assert_eq!(config.api.borrowers, ["mycompany.log.dump"]);
        let confirm = config.confirm.unwrap();
        assert_eq!(confirm.command.unwrap(), ["python", "-m", "pytest"]);
        assert_eq!(confirm.timeout, Some(Duration::from_secs(60)));
    }

    #[test]
    fn errors_name_the_line_and_the_closest_name() {
        assert_eq!(
            error("[tool.pydevcheck]\nselct = ['PDC101']\n"),
            "proj/pyproject.toml:2: unknown key `selct` (did you mean `select`?)"
        );
        assert_eq!(
            error("[tool.pydevcheck]\nselect = [\n  'PDC101',\n  'PDC10l',\n]\n"),
            "proj/pyproject.toml:4: unknown rule selector `PDC10l` (did you mean `PDC101`?)"
        );
        assert_eq!(
            error("[tool.pydevcheck]\nignore = ['unclosed-files']\n"),
            "proj/pyproject.toml:2: unknown rule selector `unclosed-files` (did you mean `unclosed-file`?)"
        );
        assert_eq!(
            error("[tool.pydevcheck]\nextra-acquirers = { 'db.connect' = 'sokcet' }\n"),
            "proj/pyproject.toml:2: unknown resource kind `sokcet` (did you mean `socket`?)"
        );
        assert_eq!(
            error("[tool.pydevcheck.confirm]\ncommand = 'pytest'\ntimout = 3\n"),
            "proj/pyproject.toml:3: unknown key `timout` (did you mean `timeout`?)"
        );
        assert_eq!(
            error("[tool.pydevcheck.confirm]\ntimeout = -1\n"),
            "proj/pyproject.toml:2: expected a positive number of seconds"
        );
        assert_eq!(
            error("[tool.pydevcheck]\nselect = 'PDC101'\n"),
            "proj/pyproject.toml:2: expected an array of strings"
        );
        assert_eq!(
            error("[tool.pydevcheck]\nextra-borrowers = ['db..dump']\n"),
            "proj/pyproject.toml:2: `db..dump` is not a dotted Python name such as `mycompany.db.connect`"
        );
        assert!(error("[tool.pydevcheck\n").starts_with("proj/pyproject.toml:1: "), "{}", error("[tool.pydevcheck\n"));
    }

    #[test]
    fn standalone_file_uses_the_top_level() {
        let config = parse(Path::new("pydevcheck.toml"), "ignore = ['PDC1']\n").unwrap().unwrap();
        assert!(config.ignore[0].rules().iter().all(|rule| rule.code.starts_with("PDC1")));
        assert!(config.ignore[0].rules().len() >= 2);
    }

    #[test]
    fn selectors() {
        let codes = |s: &str| Selector::parse(s).map(|s| s.rules().iter().map(|r| r.code).collect::<Vec<_>>());
        assert_eq!(codes("PDC101"), Some(vec!["PDC101"]));
        assert_eq!(codes("pdc101"), Some(vec!["PDC101"]));
        assert_eq!(codes("unclosed-file"), Some(vec!["PDC101"]));
        assert_eq!(codes("PDC30").map(|c| c[..3].to_vec()), Some(vec!["PDC301", "PDC302", "PDC303"]));
        assert_eq!(codes("PDC9"), None);
        assert_eq!(codes("E501"), None);
        assert_eq!(codes("ALL").map(|c| c.len()), Some(rules::ALL_RULES.len()));
    }
}
