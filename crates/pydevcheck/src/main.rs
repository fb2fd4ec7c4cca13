//! The `pydevcheck` command: parses the command line, runs the analyzer, hands the findings to a printer and
//! turns the outcome into an exit status (0 no findings, 1 findings, 2 usage, I/O or internal error).

mod args;
mod config;
mod confirm;
mod printer;
mod settings;

/// Lowering and the dataflow allocate many small short-lived nodes; mimalloc serves them faster than glibc.
/// Its version 2 (the `v2` feature) returns freed pages to the system after 10 ms where version 3 waits a
/// second: the same speed, and 6.6 MiB less peak memory on the stdlib with two threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pydevcheck_analyzer::discover::{self, DiscoverOptions};
use pydevcheck_analyzer::{check_files, rules, ApiConfig, CheckError, CheckOptions, CheckRun, RuleSet};

use crate::args::{CheckArgs, ColorChoice, Command, OutputFormat, RuleArgs};
use crate::printer::Colors;
use crate::settings::{Overrides, Resolver, SettingsError, Source};

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = args::parse(std::env::args_os().collect());
    let code = match cli.command {
        Command::Check(args) => check(&args),
        Command::Rule(args) => rule(&args),
        Command::Confirm(args) => confirm::run(&args),
    };
    ExitCode::from(code)
}

/// The static pass as configured: its findings, and the resolver that knows each directory's settings.
pub(crate) struct StaticPass {
    pub(crate) run: CheckRun,
    pub(crate) resolver: Resolver,
    pub(crate) cwd: PathBuf,
}

/// Discovers the files under `paths` and checks each with the settings that apply to it: the closest
/// configuration file (or `--config`, or none with `--isolated`) with the flags on top. `check` and
/// `confirm` both start here, so that a finding `check` silences is never run for. An error has been
/// reported on stderr; its value is the exit status. With `list_only` (`check --show-files`) the files are
/// printed instead of checked, and the `Err` is the status of that.
pub(crate) fn static_pass(
    paths: &[PathBuf],
    args: &args::SettingsArgs,
    jobs: Option<usize>,
    list_only: bool,
) -> Result<StaticPass, u8> {
    let cwd = std::env::current_dir().map_err(|error| {
        report_error(&format!("cannot read the working directory: {error}"));
        EXIT_ERROR
    })?;
    let overrides = overrides(args, &cwd).map_err(|message| {
        report_error(&message);
        EXIT_ERROR
    })?;
    let source = match (&args.config, args.isolated) {
        (Some(path), _) => Source::File(path.clone()),
        (None, true) => Source::None,
        (None, false) => Source::Hierarchical,
    };
    let mut resolver = Resolver::new(source, overrides).map_err(report_settings_error)?;

    let discover_options = discover_options(args);
    let discovered = discover::discover(paths, &discover_options);
    let explicit: HashSet<PathBuf> =
        paths.iter().filter(|path| path.is_file()).map(|path| settings::absolute(path, &cwd)).collect();
    let mut files = Vec::with_capacity(discovered.files.len());
    let mut rules_by_file: Vec<RuleSet> = Vec::with_capacity(discovered.files.len());
    let mut api = ApiConfig::default();
    for file in discovered.files {
        let absolute = settings::absolute(&file, &cwd);
        let settings = resolver.settings(&absolute).map_err(report_settings_error)?;
        // A file named on the command line is checked even when excluded, unless --force-exclude (pre-commit
        // and editors name every file).
        if settings.is_excluded(&absolute) && (args.force_exclude || !explicit.contains(&absolute)) {
            continue;
        }
        rules_by_file.push(settings.rules_for(&absolute));
        // One run has one set of project APIs: those of every configuration that applies to a checked file
        // (one, in the usual project), since a module's summaries reach callers under other configurations.
        api.merge(&settings.api);
        files.push(file);
    }
    if list_only {
        return Err(show_files(&files, &discovered.errors));
    }

    let defaults = RuleSet::defaults();
    let options = CheckOptions {
        discover: discover_options,
        jobs,
        // Unused by `check_files`: the rules come per file from `rules_for`.
        selection: defaults,
        api,
    };
    let rules_for = |i: usize, _: &Path| rules_by_file.get(i).copied().unwrap_or(defaults);
    let mut run = check_files(&files, &options, &rules_for);
    run.errors.extend(discovered.errors.into_iter().map(CheckError::from));
    run.errors.sort_by(|a, b| a.path().cmp(&b.path()));
    Ok(StaticPass { run, resolver, cwd })
}

fn check(args: &CheckArgs) -> u8 {
    let StaticPass { run, cwd, .. } =
        match static_pass(&args.paths, &args.settings, args.jobs.map(|j| j.get()), args.show_files) {
            Ok(pass) => pass,
            Err(status) => return status,
        };

    if args.add_noqa {
        return add_noqa(&run);
    }
    let findings = printer::findings(&run.files);

    let status = if !run.errors.is_empty() {
        EXIT_ERROR
    } else if !findings.is_empty() && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        0
    };

    let context = printer::Context {
        colors: colors(args.color, args.output_file.is_none()),
        workspace: std::env::var_os("GITHUB_WORKSPACE").map_or_else(|| cwd.clone(), PathBuf::from),
        cwd: cwd.clone(),
        files: run.files.iter().map(|file| file.path.as_path()).collect(),
    };
    let printed = match &args.output_file {
        Some(path) => std::fs::File::create(path).and_then(|file| {
            let mut out = io::BufWriter::new(file);
            printer::print(&mut out, args.output_format, &findings, args.statistics, &context)?;
            out.flush()
        }),
        None => {
            let mut stdout = io::BufWriter::new(io::stdout().lock());
            printer::print(&mut stdout, args.output_format, &findings, args.statistics, &context)
                .and_then(|()| stdout.flush())
        }
    };
    if let Err(error) = printed {
        // `pydevcheck | head -1`: the reader has all it wanted.
        if error.kind() == io::ErrorKind::BrokenPipe {
            return status;
        }
        report_error(&format!("cannot write the report: {error}"));
        return EXIT_ERROR;
    }

    for error in &run.errors {
        report_error(&error.to_string());
    }
    let machine_readable = !matches!(args.output_format, OutputFormat::Full | OutputFormat::Concise);
    if !args.quiet && (!machine_readable || args.output_file.is_some()) {
        let _ = writeln!(io::stderr(), "{}", printer::summary(&findings, run.files.len()));
    }
    status
}

fn discover_options(args: &args::SettingsArgs) -> DiscoverOptions {
    let mut options = DiscoverOptions::standard();
    if args.no_default_excludes {
        options.exclude_dirs.clear();
    }
    options.respect_ignore_files = !args.no_respect_gitignore;
    options
}

/// `--show-files`: the files a check would read, one per line. A terminal gets them with control
/// characters escaped; a pipe gets the exact bytes, so that scripts can compare them with a listing.
fn show_files(files: &[PathBuf], errors: &[discover::DiscoverError]) -> u8 {
    let terminal = io::stdout().is_terminal();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = files.iter().try_for_each(|file| {
        if terminal {
            writeln!(out, "{}", printer::terminal_safe(&file.display().to_string()))
        } else {
            out.write_all(&path_bytes(file))?;
            out.write_all(b"\n")
        }
    });
    if let Err(error) = written.and_then(|()| out.flush()) {
        if error.kind() != io::ErrorKind::BrokenPipe {
            report_error(&format!("cannot write: {error}"));
            return EXIT_ERROR;
        }
    }
    for error in errors {
        report_error(&error.to_string());
    }
    if errors.is_empty() {
        0
    } else {
        EXIT_ERROR
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

fn overrides(args: &args::SettingsArgs, cwd: &Path) -> Result<Overrides, String> {
    Ok(Overrides {
        select: args.select.as_deref().map(|values| settings::flag_selectors("--select", values)).transpose()?,
        extend_select: settings::flag_selectors("--extend-select", &args.extend_select)?,
        ignore: settings::flag_selectors("--ignore", &args.ignore)?,
        exclude: args.exclude.clone(),
        extend_exclude: args.extend_exclude.clone(),
        cwd: cwd.to_path_buf(),
    })
}

/// Renders a configuration error with its source snippet on stderr; returns the exit status.
fn report_settings_error(error: SettingsError) -> u8 {
    match error {
        SettingsError::Flag(message) => report_error(&message),
        SettingsError::Config(error) => {
            let report = miette::Report::new(*error);
            let _ = writeln!(io::stderr(), "{report:?}");
        }
    }
    EXIT_ERROR
}

/// `--add-noqa`: writes a `# noqa: CODE` for every finding, keeping each file's bytes otherwise.
fn add_noqa(run: &CheckRun) -> u8 {
    let mut added = 0;
    let mut status = 0;
    for error in &run.errors {
        report_error(&error.to_string());
        status = EXIT_ERROR;
    }
    for file in run.files.iter().filter(|file| !file.diagnostics.is_empty()) {
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(error) => {
                report_error(&format!("{}: {error}", file.path.display()));
                status = EXIT_ERROR;
                continue;
            }
        };
        // Only UTF-8 files (with or without a BOM) are rewritten: re-encoding a legacy codec could change
        // bytes the comment does not touch.
        let (bom, body) = match bytes.strip_prefix(b"\xef\xbb\xbf") {
            Some(body) => (&bytes[..3], body),
            None => (&bytes[..0], &bytes[..]),
        };
        let Ok(text) = std::str::from_utf8(body) else {
            report_error(&format!("{}: not UTF-8, left unchanged", file.path.display()));
            continue;
        };
        let rows: Vec<(u32, &str)> = file.diagnostics.iter().map(|d| (d.span.start.row, d.rule.code)).collect();
        let edit = pydevcheck_analyzer::add_noqa(text, &rows);
        for row in &edit.skipped {
            report_error(&format!(
                "{}:{row}: the line ends inside a string or a continuation; add the suppression by hand",
                file.path.display()
            ));
        }
        if edit.added == 0 {
            continue;
        }
        let mut out = bom.to_vec();
        out.extend_from_slice(edit.text.as_bytes());
        if let Err(error) = std::fs::write(&file.path, out) {
            report_error(&format!("cannot write {}: {error}", file.path.display()));
            status = EXIT_ERROR;
            continue;
        }
        added += edit.added;
    }
    let noun = if added == 1 { "directive" } else { "directives" };
    let _ = writeln!(io::stderr(), "Added {added} noqa {noun}.");
    status
}

fn rule(args: &RuleArgs) -> u8 {
    let selected: Vec<_> = match &args.code {
        Some(code) => match rules::find_rule(code) {
            Some(rule) => vec![rule],
            None => {
                report_error(&format!("unknown rule `{code}`; `pydevcheck rule --all` lists them"));
                return EXIT_ERROR;
            }
        },
        None => rules::ALL_RULES.to_vec(),
    };
    let mut text = String::new();
    for (i, rule) in selected.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&format!("# {} ({})\n\n{}\n\n{}", rule.name, rule.code, rule.summary, rules::rule_doc(rule)));
    }
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => 0,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(error) => {
            report_error(&format!("cannot write: {error}"));
            EXIT_ERROR
        }
    }
}

/// `--color auto` colors a terminal unless `NO_COLOR` is set to anything non-empty (no-color.org).
fn colors(choice: ColorChoice, to_stdout: bool) -> Colors {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    match choice {
        ColorChoice::Always => Colors::On,
        ColorChoice::Never => Colors::Off,
        ColorChoice::Auto if to_stdout && !no_color && io::stdout().is_terminal() => Colors::On,
        ColorChoice::Auto => Colors::Off,
    }
}

/// Writes `error: ...` on stderr; a closed stderr is not worth a panic. Messages name files, so they are
/// made terminal-safe.
fn report_error(message: &str) {
    let _ = writeln!(io::stderr(), "error: {}", printer::terminal_safe(message));
}
