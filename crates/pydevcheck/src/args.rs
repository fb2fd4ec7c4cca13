//! The command line: flags, subcommands and their help.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  pydevcheck                          check the current directory
  pydevcheck src/ tests/test_io.py    check a directory and a file (same as `pydevcheck check ...`)
  pydevcheck --output-format concise  one `path:row:col: CODE message` line per finding
  pydevcheck --output-format json .   a JSON array (schema in docs/json-format.md)
  pydevcheck --statistics src/        how many findings of each rule
  pydevcheck --select PDC1 --ignore PDC102 src/
                                      only the file rules, without the exception-path one
  pydevcheck --extend-select PDC003   also report `# noqa` comments that suppress nothing
  pydevcheck --output-format github   annotations for a GitHub Actions step
  pydevcheck --output-format sarif --output-file pydevcheck.sarif
                                      SARIF 2.1.0 for GitHub code scanning
  pydevcheck --add-noqa src/          silence every current finding with a `# noqa: CODE` comment
  pydevcheck --isolated src/          ignore pyproject.toml / pydevcheck.toml
  pydevcheck rule PDC101              what a rule finds and how to fix it

Configuration: `[tool.pydevcheck]` in the closest pyproject.toml, or pydevcheck.toml, above each file
(keys: select, ignore, extend-select, exclude, extend-exclude, per-file-ignores, extra-acquirers,
extra-releasers, extra-borrowers, confirm); see docs/configuration.md.

Exit status: 0 no findings, 1 findings, 2 usage, I/O or internal error.";

#[derive(Debug, Parser)]
#[command(name = "pydevcheck", version, about, after_help = EXAMPLES, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check files and directories (the default command: `pydevcheck src/` is `pydevcheck check src/`).
    #[command(after_help = EXAMPLES)]
    Check(CheckArgs),
    /// Print the documentation of one rule, or of all of them.
    Rule(RuleArgs),
    /// Check, then run a command under Python's Development Mode and give each finding a verdict.
    Confirm(crate::confirm::ConfirmArgs),
}

/// The subcommands' names: an invocation starting with anything else is a `check`.
pub(crate) const SUBCOMMANDS: &[&str] = &["check", "rule", "confirm", "help"];

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Files and directories to check. Directories yield their `.py` and `.pyi` files; files named here are
    /// checked whatever their name.
    #[arg(default_value = ".")]
    pub(crate) paths: Vec<PathBuf>,
    /// How findings are printed.
    #[arg(long, value_enum, default_value_t = OutputFormat::Full)]
    pub(crate) output_format: OutputFormat,
    /// Exit with status 0 even when there are findings (errors still exit with 2).
    #[arg(long)]
    pub(crate) exit_zero: bool,
    /// Print findings only: no summary line.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// When to use colors. `auto` means when stdout is a terminal and `NO_COLOR` is not set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Worker threads (default: one per core).
    #[arg(long, short)]
    pub(crate) jobs: Option<NonZeroUsize>,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub(crate) statistics: bool,
    #[command(flatten)]
    pub(crate) settings: SettingsArgs,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "PATH")]
    pub(crate) output_file: Option<PathBuf>,
    /// Add `# noqa: CODE` comments to silence every current finding, then exit 0.
    #[arg(long, conflicts_with_all = ["statistics", "output_file"])]
    pub(crate) add_noqa: bool,
    /// Print the files that would be checked, one per line, and exit without checking them.
    #[arg(long, conflicts_with_all = ["statistics", "add_noqa"])]
    pub(crate) show_files: bool,
}

/// What selects the files and rules of the static pass, for `check` and `confirm` alike.
#[derive(Debug, clap::Args)]
pub(crate) struct SettingsArgs {
    /// Rules to check, replacing the configured selection: codes (`PDC101`), prefixes (`PDC1`), names
    /// (`unclosed-file`) or `ALL`. Comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub(crate) select: Option<Vec<String>>,
    /// Rules to add to the selection: e.g. `--extend-select PDC603` for text-mode opens without an encoding,
    /// `--extend-select PDC003` for `# noqa` comments that suppress nothing.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub(crate) extend_select: Vec<String>,
    /// Rules to leave out.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub(crate) ignore: Vec<String>,
    /// Glob patterns of files and directories to skip, replacing the configured `exclude`.
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    pub(crate) exclude: Option<Vec<String>>,
    /// Glob patterns to skip in addition to `exclude`.
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    pub(crate) extend_exclude: Vec<String>,
    /// Apply the exclusions to files named on the command line too (as pre-commit passes them).
    #[arg(long)]
    pub(crate) force_exclude: bool,
    /// Walk into the directories skipped by default (`.git`, `.venv`, `venv`, `__pycache__`, `build`,
    /// `dist`, `site-packages`, ...), e.g. to check a whole Python installation.
    #[arg(long)]
    pub(crate) no_default_excludes: bool,
    /// Do not read `.gitignore`, `.ignore` and git's exclude files.
    #[arg(long)]
    pub(crate) no_respect_gitignore: bool,
    /// Use this configuration file for every file, instead of the closest one.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub(crate) config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub(crate) isolated: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RuleArgs {
    /// A rule code (`PDC101`) or name (`unclosed-file`).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub(crate) code: Option<String>,
    /// Print every rule.
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Source snippets with the finding and its exit labelled.
    Full,
    /// `path:row:col: CODE message`, one line each.
    Concise,
    /// A JSON array, see docs/json-format.md.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// GitHub Actions workflow commands (`::warning file=...`), shown as annotations.
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test case per file, a failure per finding.
    Junit,
    /// GitLab Code Quality JSON.
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parses the command line, reading a first argument that is not a subcommand as the start of a `check`.
pub(crate) fn parse(mut args: Vec<std::ffi::OsString>) -> Cli {
    let first = args.get(1).and_then(|arg| arg.to_str());
    let explicit =
        first.is_some_and(|arg| SUBCOMMANDS.contains(&arg) || ["-h", "--help", "-V", "--version"].contains(&arg));
    if !explicit {
        args.insert(1.min(args.len()), "check".into());
    }
    Cli::parse_from(args)
}
