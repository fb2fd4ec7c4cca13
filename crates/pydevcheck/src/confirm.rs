//! `pydevcheck confirm`: the static pass, then the command under Development Mode, then every finding with
//! its verdict and the runtime-only findings, in `full`, `concise` or `json`.
//!
//! Exit status: 1 when `--fail-on` is met, 2 when the run could not be done or did not finish (no Python,
//! a timeout, Ctrl-C), else 0. The command's own exit status is reported, never passed on.

use std::ffi::{OsStr, OsString};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use pydevcheck_diagnostics::{Frame, RuntimeCategory, RuntimeFinding, Verdict};
use pydevcheck_runtime::{ChildOutcome, ConfirmOptions, Driver, Output, Progress, Report};
use serde::Serialize;

use crate::args::{ColorChoice, OutputFormat, SettingsArgs};
use crate::config::Confirm;
use crate::printer::{self, Finding};
use crate::{StaticPass, EXIT_ERROR, EXIT_FINDINGS};

const EXAMPLES: &str = "\
Examples:
  pydevcheck confirm src/ -- python -m pytest -q tests/   run the suite under dev mode, verdict per finding
  pydevcheck confirm . -- python app.py --selftest        any command; Python children are followed too
  pydevcheck confirm src/                                 pytest on the tests importing a flagged module

Verdicts: confirmed (dev mode reported an object created at the finding's line; for PDC301/PDC302 the
`os.close` line; for PDC601/PDC602 the call raised dev mode's `LookupError`), not reproduced (the line
ran, nothing was reported), not reached (the line never ran).
Events no finding explains are printed as runtime-only findings, grouped by category and site.

Exit status: 1 when --fail-on is met, 2 when the run could not be done or did not finish, else 0.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct ConfirmArgs {
    /// Files and directories to check; runtime frames in files below them are the project's.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The command to run under dev mode, after `--`. Without it, the `command` of
    /// `[tool.pydevcheck.confirm]` runs (in the directory of its configuration file), else pytest on the
    /// tests that import a flagged module, if there is a pytest suite.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<OsString>,
    /// The interpreter checked for its version and used for the pytest driver.
    #[arg(long, default_value = "python3")]
    python: OsString,
    /// Seconds before the command's whole process group is stopped (SIGTERM, then SIGKILL). Default: the
    /// `timeout` of `[tool.pydevcheck.confirm]`, else 900.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// What makes the exit status 1: a confirmed or runtime-only finding, or any finding at all.
    #[arg(long, value_enum, default_value_t = FailOn::Confirmed)]
    fail_on: FailOn,
    /// Send the command's stdout and stderr to a log file, and print no summary or progress.
    #[arg(long, short)]
    quiet: bool,
    /// Also record allocation tracebacks with tracemalloc (`PYTHONTRACEMALLOC=N`), the fallback for
    /// objects no wrapper sees.
    #[arg(long, value_name = "FRAMES")]
    tracemalloc: Option<u32>,
    /// Before Python 3.12, do not mark the flagged lines of imported modules nor trace a flagged main
    /// script. A line then counts as reached only when a wrapped acquirer (`open`, `os.open`, `socket`,
    /// `Popen`, ...) or `os.close` ran on it, so "not reached" may be wrong for other acquirers. No
    /// effect on 3.12+, where `sys.monitoring` sees every flagged line.
    #[arg(long)]
    no_line_tracing: bool,
    #[arg(long, value_enum, default_value_t = ConfirmFormat::Full)]
    output_format: ConfirmFormat,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// Without `--timeout` or a configured one.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);

/// `confirm`'s output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ConfirmFormat {
    /// Each finding rendered against its source, with its verdict and evidence.
    Full,
    /// One line per finding with its verdict.
    Concise,
    /// A JSON object with the findings, their verdicts and the run.
    Json,
    /// GitHub Actions annotations: a confirmed finding is an error, one not reproduced a warning, one not
    /// reached a notice; runtime-only findings are warnings at their site.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// A confirmed finding or a runtime-only finding.
    Confirmed,
    /// Any static or runtime-only finding, whatever its verdict.
    Finding,
}

pub(crate) fn run(args: &ConfirmArgs) -> u8 {
    // The interpreter's start-up (tens of milliseconds) overlaps the static pass.
    let (version, pass) = std::thread::scope(|scope| {
        let version = scope.spawn(|| pydevcheck_runtime::python_version(&args.python));
        // The same files, rules, suppressions and configuration as `check`.
        let pass = crate::static_pass(&args.paths, &args.settings, None, false);
        (version.join(), pass)
    });
    match version {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => {
            crate::report_error(&error.to_string());
            return EXIT_ERROR;
        }
        Err(_) => {
            crate::report_error("the Python version probe panicked");
            return EXIT_ERROR;
        }
    }
    let StaticPass { run: static_run, mut resolver, cwd } = match pass {
        Ok(pass) => pass,
        Err(status) => return status,
    };
    for error in &static_run.errors {
        crate::report_error(&error.to_string());
    }
    let findings = printer::findings(&static_run.files);

    // `[tool.pydevcheck.confirm]` of the configuration that applies to the first path.
    let first = crate::settings::absolute(args.paths.first().map_or(Path::new("."), PathBuf::as_path), &cwd);
    let probe = if first.is_dir() { first.join("__init__.py") } else { first };
    let configured = match resolver.settings(&probe) {
        Ok(settings) => settings.confirm.clone(),
        Err(error) => return crate::report_settings_error(error),
    };
    let timeout = match (args.timeout, configured.as_ref().and_then(|(_, c)| c.timeout)) {
        (Some(seconds), _) => Duration::from_secs(seconds),
        (None, Some(configured)) => configured,
        (None, None) => DEFAULT_TIMEOUT,
    };
    let mut command_dir = None;

    let command = if let (true, Some((dir, Confirm { command: Some(command), .. }))) =
        (args.command.is_empty(), configured.as_ref())
    {
        // A configured command is the project's: its relative paths are relative to the project.
        let command: Vec<OsString> = command.iter().map(OsString::from).collect();
        if !args.quiet {
            let _ = writeln!(
                io::stderr(),
                "pydevcheck: running `{}` in {} ([tool.pydevcheck.confirm])",
                shown(&command),
                dir.display()
            );
        }
        command_dir = Some(dir.clone());
        command
    } else if args.command.is_empty() {
        let checked: Vec<PathBuf> = static_run.files.iter().map(|f| f.path.clone()).collect();
        let mut flagged: Vec<PathBuf> = findings.iter().map(|f| f.diagnostic.path.clone()).collect();
        flagged.dedup();
        match pydevcheck_runtime::pytest_driver(Path::new(&args.python), &args.paths, &checked, &flagged) {
            Driver::Pytest { command } => {
                let _ = writeln!(io::stderr(), "pydevcheck: no COMMAND given; running `{}`", shown(&command));
                command
            }
            Driver::Nothing { suggestions } => {
                let mut text = "no COMMAND given and no pytest test imports a flagged module; say what to run \
                                after `--`, for example `pydevcheck confirm src/ -- python -m pytest tests/`"
                    .to_string();
                for suggestion in suggestions {
                    text.push_str(&format!("\n  a flagged script has a `__main__` block: `{suggestion}`"));
                }
                crate::report_error(&text);
                return EXIT_ERROR;
            }
        }
    } else {
        args.command.clone()
    };

    let log = args.quiet.then(log_path);
    let confirm_options = ConfirmOptions {
        command: command.clone(),
        roots: args.paths.clone(),
        cwd: command_dir,
        timeout,
        output: log.clone().map_or(Output::PassThrough, Output::Log),
        tracemalloc: args.tracemalloc,
        trace_lines: !args.no_line_tracing,
    };
    let show_progress = shows_progress(args.quiet, io::stderr().is_terminal(), std::env::var_os("CI").as_deref());
    let mut progress = |p: &Progress| {
        let _ = write!(io::stderr(), "{}", progress_line(p));
    };
    let diagnostics: Vec<_> = findings.iter().map(|f| f.diagnostic.clone()).collect();
    let result = pydevcheck_runtime::confirm(&diagnostics, &confirm_options, show_progress.then_some(&mut progress));
    if show_progress {
        let _ = write!(io::stderr(), "{CLEAR_LINE}");
    }
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            crate::report_error(&error.to_string());
            return EXIT_ERROR;
        }
    };

    let colors = crate::colors(args.color, true);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let printed = match args.output_format {
        ConfirmFormat::Full => print_full(&mut stdout, &findings, &report, colors),
        ConfirmFormat::Concise => print_concise(&mut stdout, &findings, &report),
        ConfirmFormat::Json => print_json(&mut stdout, &findings, &report, &command, log.as_deref()),
        ConfirmFormat::Github => print_github(&mut stdout, &findings, &report),
    }
    .and_then(|()| stdout.flush());
    if let Err(error) = printed {
        if error.kind() != io::ErrorKind::BrokenPipe {
            crate::report_error(&format!("cannot write the report: {error}"));
            return EXIT_ERROR;
        }
    }
    if !args.quiet && args.output_format != ConfirmFormat::Json {
        let _ = writeln!(io::stderr(), "{}", outcome_line(&command, &report));
        let _ = writeln!(io::stderr(), "{}", summary(&report));
    }
    if let Some(log) = log {
        if args.output_format != ConfirmFormat::Json {
            let _ = writeln!(io::stderr(), "the command's output is in {}", log.display());
        }
    }

    let incomplete = matches!(report.child, ChildOutcome::TimedOut { .. } | ChildOutcome::Interrupted { .. });
    let failed = match args.fail_on {
        FailOn::Confirmed => {
            report.verdicts.iter().any(|v| matches!(v, Verdict::Confirmed { .. })) || !report.runtime_only.is_empty()
        }
        FailOn::Finding => !report.verdicts.is_empty() || !report.runtime_only.is_empty(),
    };
    if incomplete || !static_run.errors.is_empty() {
        EXIT_ERROR
    } else if failed {
        EXIT_FINDINGS
    } else {
        0
    }
}

/// A name for the `--quiet` log that no file has yet. Logs are kept for the user to read, so a pid can
/// meet the log of an earlier run that had the same pid; the runtime creates the file exclusively.
fn log_path() -> PathBuf {
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let mut path = dir.join(format!("pydevcheck-confirm-{pid}.log"));
    for attempt in 1..1000 {
        if std::fs::symlink_metadata(&path).is_err() {
            break;
        }
        path = dir.join(format!("pydevcheck-confirm-{pid}-{attempt}.log"));
    }
    path
}

/// Back to the start of the line, and erase it.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// Whether a progress line is drawn while the command runs: only for a person watching a terminal, never
/// into a log or a CI job's output (where a terminal may be emulated and `CI` is set).
fn shows_progress(quiet: bool, stderr_is_terminal: bool, ci: Option<&OsStr>) -> bool {
    let in_ci = ci.is_some_and(|value| !value.is_empty() && value != "false" && value != "0");
    !quiet && stderr_is_terminal && !in_ci
}

/// The progress line, drawn over the previous one: `pydevcheck confirm: 12.0 s, 3 events`.
fn progress_line(progress: &Progress) -> String {
    let noun = if progress.events == 1 { "event" } else { "events" };
    format!(
        "{CLEAR_LINE}pydevcheck confirm: {:.1} s, {} {noun} so far",
        progress.elapsed.as_secs_f64(),
        progress.events
    )
}

fn shown(command: &[OsString]) -> String {
    command.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
}

/// A path as the user would type it: relative to the working directory when below it.
fn relative(path: &Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| d.canonicalize().ok());
    let shown = match cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    };
    printer::terminal_safe(&shown).into_owned()
}

fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Confirmed { events: 1 } => "confirmed (1 event)".to_string(),
        Verdict::Confirmed { events } => format!("confirmed ({events} events)"),
        Verdict::NotReproduced => "not reproduced (the line ran; dev mode reported nothing created there)".to_string(),
        Verdict::NotReached => "not reached (the line never ran)".to_string(),
    }
}

fn frame_text(frame: &Frame) -> String {
    if frame.function.is_empty() {
        format!("{}:{}", relative(&frame.path), frame.line)
    } else {
        format!("{}:{} in {}", relative(&frame.path), frame.line, printer::terminal_safe(&frame.function))
    }
}

fn category_text(category: &RuntimeCategory) -> &str {
    match category {
        RuntimeCategory::ResourceWarning => "ResourceWarning",
        RuntimeCategory::BadFileDescriptor => "OSError EBADF",
        RuntimeCategory::NeverAwaited => "coroutine never awaited",
        RuntimeCategory::Warning(name) => name,
        RuntimeCategory::Unraisable => "exception ignored",
        RuntimeCategory::Asyncio => "asyncio debug",
        RuntimeCategory::Fatal => "fatal error",
    }
}

fn print_full(
    out: &mut dyn Write,
    findings: &[Finding<'_>],
    report: &Report,
    colors: printer::Colors,
) -> io::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let context = printer::Context { colors, workspace: cwd.clone(), cwd, files: Vec::new() };
    for (i, finding) in findings.iter().enumerate() {
        printer::print(out, OutputFormat::Full, std::slice::from_ref(finding), false, &context)?;
        writeln!(out, "  verdict: {}", verdict_text(&report.verdicts[i]))?;
        if !report.evidence[i].is_empty() {
            let stack: Vec<String> = report.evidence[i].iter().map(frame_text).collect();
            writeln!(out, "  created at: {}", stack.join(" <- "))?;
        }
        writeln!(out)?;
    }
    for finding in &report.runtime_only {
        print_runtime_only(out, finding)?;
    }
    Ok(())
}

fn print_runtime_only(out: &mut dyn Write, finding: &RuntimeFinding) -> io::Result<()> {
    let site = finding.site.as_ref().map_or_else(|| "no project frame".to_string(), frame_text);
    let count = if finding.count > 1 { format!(" ({} times)", finding.count) } else { String::new() };
    writeln!(out, "runtime-only: {} at {site}{count}", category_text(&finding.category))?;
    for line in finding.message.lines() {
        writeln!(out, "  | {}", printer::terminal_safe(line))?;
    }
    if finding.stack.len() > 1 {
        writeln!(out, "  created at: {}", finding.stack.iter().map(frame_text).collect::<Vec<_>>().join(" <- "))?;
    }
    writeln!(out)
}

fn print_github(out: &mut dyn Write, findings: &[Finding<'_>], report: &Report) -> io::Result<()> {
    use printer::github::command;

    let cwd = std::env::current_dir().unwrap_or_default();
    let workspace = std::env::var_os("GITHUB_WORKSPACE").map_or_else(|| cwd.clone(), PathBuf::from);
    let context = printer::Context { colors: printer::Colors::Off, workspace, cwd, files: Vec::new() };
    for (i, finding) in findings.iter().enumerate() {
        let d = finding.diagnostic;
        let (level, verdict) = match &report.verdicts[i] {
            Verdict::Confirmed { .. } => ("error", "confirmed"),
            Verdict::NotReproduced => ("warning", "not reproduced"),
            Verdict::NotReached => ("notice", "not reached"),
        };
        let title = format!("{} {} ({verdict})", d.rule.code, d.rule.name);
        let mut message = format!("{}\nverdict: {}", d.message, verdict_text(&report.verdicts[i]));
        if !report.evidence[i].is_empty() {
            let stack: Vec<String> = report.evidence[i].iter().map(frame_text).collect();
            message.push_str(&format!("\ncreated at: {}", stack.join(" <- ")));
        }
        let path = context.workspace_relative(&d.path);
        writeln!(out, "{}", command(level, &path, d.span.start, Some(d.span.end), &title, &message))?;
    }
    for finding in &report.runtime_only {
        // An event with no project frame has no place in a file: GitHub shows it on the run's summary.
        let Some(site) = &finding.site else {
            writeln!(
                out,
                "::warning title={}::{}",
                printer::github::property(&runtime_title(finding)),
                printer::github::data(&finding.message)
            )?;
            continue;
        };
        let mut message = finding.message.clone();
        if finding.stack.len() > 1 {
            message.push_str(&format!(
                "\ncreated at: {}",
                finding.stack.iter().map(frame_text).collect::<Vec<_>>().join(" <- ")
            ));
        }
        let start = pydevcheck_analyzer::Position { row: site.line, column: 1 };
        let path = context.workspace_relative(&site.path);
        writeln!(out, "{}", command("warning", &path, start, None, &runtime_title(finding), &message))?;
    }
    Ok(())
}

fn runtime_title(finding: &RuntimeFinding) -> String {
    let count = if finding.count > 1 { format!(" ({} times)", finding.count) } else { String::new() };
    format!("runtime-only {}{count}", category_text(&finding.category))
}

fn print_concise(out: &mut dyn Write, findings: &[Finding<'_>], report: &Report) -> io::Result<()> {
    for (finding, verdict) in findings.iter().zip(&report.verdicts) {
        let d = finding.diagnostic;
        let verdict = match verdict {
            Verdict::Confirmed { .. } => "confirmed",
            Verdict::NotReproduced => "not reproduced",
            Verdict::NotReached => "not reached",
        };
        writeln!(
            out,
            "{}:{}:{}: {} {} [{verdict}]",
            printer::terminal_safe(&d.path.display().to_string()),
            d.span.start.row,
            d.span.start.column,
            d.rule.code,
            printer::terminal_safe(&d.message)
        )?;
    }
    for finding in &report.runtime_only {
        let site =
            finding.site.as_ref().map_or_else(|| "-".to_string(), |f| format!("{}:{}:1", relative(&f.path), f.line));
        let first_line = printer::terminal_safe(finding.message.lines().next().unwrap_or(""));
        writeln!(out, "{site}: runtime-only {} x{}: {first_line}", category_text(&finding.category), finding.count)?;
    }
    Ok(())
}

fn outcome_line(command: &[OsString], report: &Report) -> String {
    let command = shown(command);
    let mut line = match &report.child {
        ChildOutcome::Exited { code, clean_exit: true, .. } => format!("`{command}` exited with status {code}"),
        ChildOutcome::Exited { code, clean_exit: false, .. } => {
            format!("`{command}` exited with status {code} without running `atexit` (`os._exit` or a crash)")
        }
        ChildOutcome::Signalled { signal, .. } => format!("`{command}` was killed by signal {signal}"),
        ChildOutcome::TimedOut { after, phase } => format!(
            "`{command}` timed out after {} s and its process group was killed; it was in {phase}; the results are partial",
            after.as_secs()
        ),
        ChildOutcome::Interrupted { phase } => {
            format!("interrupted: `{command}` was stopped while in {phase}; the results are partial")
        }
    };
    if matches!(
        report.child,
        ChildOutcome::Exited { leftovers: true, .. } | ChildOutcome::Signalled { leftovers: true, .. }
    ) {
        line.push_str("; processes it left running in its group were terminated");
    }
    if !report.shim_loaded {
        line.push_str("; the dev-mode shim never loaded (not a Python command, or started with -I, -E or -S)");
    }
    line
}

fn summary(report: &Report) -> String {
    let count = |wanted: fn(&Verdict) -> bool| report.verdicts.iter().filter(|v| wanted(v)).count();
    let mut ignored = String::new();
    if report.dropped_events > 0 {
        ignored.push_str(&format!("; {} events dropped past the reader's limits", report.dropped_events));
    }
    if report.foreign_events > 0 {
        ignored.push_str(&format!("; {} events without this run's token ignored", report.foreign_events));
    }
    let line = format!(
        "{} findings: {} confirmed, {} not reproduced, {} not reached; {} runtime-only; {} Python processes, \
         {} of {} ResourceWarnings attributed to a project line",
        report.verdicts.len(),
        count(|v| matches!(v, Verdict::Confirmed { .. })),
        count(|v| matches!(v, Verdict::NotReproduced)),
        count(|v| matches!(v, Verdict::NotReached)),
        report.runtime_only.len(),
        report.processes,
        report.resource_warnings_attributed,
        report.resource_warnings,
    );
    line + &ignored
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonVerdict<'a>>,
    runtime_only: &'a [RuntimeFinding],
    run: JsonRun,
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    code: &'a str,
    name: &'a str,
    message: &'a str,
    filename: String,
    row: u32,
    column: u32,
    #[serde(flatten)]
    verdict: Verdict,
    evidence: &'a [Frame],
}

#[derive(Serialize)]
struct JsonRun {
    command: Vec<String>,
    /// `exited`, `signalled`, `timed-out` or `interrupted`.
    outcome: &'static str,
    exit_code: Option<i32>,
    signal: Option<i32>,
    phase: Option<&'static str>,
    clean_exit: Option<bool>,
    processes: usize,
    processes_without_exit: usize,
    shim_loaded: bool,
    resource_warnings: usize,
    resource_warnings_attributed: usize,
    /// Event lines the shim could not finish (a process killed mid-write).
    malformed_events: usize,
    /// Events without this run's nonce, ignored.
    foreign_events: usize,
    /// Events past the reader's size and count caps, ignored.
    dropped_events: usize,
    /// Where the command's output went with `--quiet`.
    log: Option<String>,
}

fn print_json(
    out: &mut dyn Write,
    findings: &[Finding<'_>],
    report: &Report,
    command: &[OsString],
    log: Option<&Path>,
) -> io::Result<()> {
    let verdicts = findings
        .iter()
        .zip(&report.verdicts)
        .zip(&report.evidence)
        .map(|((f, verdict), evidence)| JsonVerdict {
            code: f.diagnostic.rule.code,
            name: f.diagnostic.rule.name,
            message: &f.diagnostic.message,
            filename: f.diagnostic.path.to_string_lossy().into_owned(),
            row: f.diagnostic.span.start.row,
            column: f.diagnostic.span.start.column,
            verdict: *verdict,
            evidence,
        })
        .collect();
    let (outcome, exit_code, signal, phase, clean_exit) = match &report.child {
        ChildOutcome::Exited { code, clean_exit, .. } => ("exited", Some(*code), None, None, Some(*clean_exit)),
        ChildOutcome::Signalled { signal, .. } => ("signalled", None, Some(*signal), None, None),
        ChildOutcome::TimedOut { phase, .. } => ("timed-out", None, None, Some(*phase), None),
        ChildOutcome::Interrupted { phase } => ("interrupted", None, None, Some(*phase), None),
    };
    let run = JsonRun {
        command: command.iter().map(|a| a.to_string_lossy().into_owned()).collect(),
        outcome,
        exit_code,
        signal,
        phase,
        clean_exit,
        malformed_events: report.malformed_events,
        foreign_events: report.foreign_events,
        dropped_events: report.dropped_events,
        processes: report.processes,
        processes_without_exit: report.processes_without_exit,
        shim_loaded: report.shim_loaded,
        resource_warnings: report.resource_warnings,
        resource_warnings_attributed: report.resource_warnings_attributed,
        log: log.map(|path| path.display().to_string()),
    };
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonReport { findings: verdicts, runtime_only: &report.runtime_only, run },
    )?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quiet_log_never_reuses_the_log_of_an_earlier_run_with_the_same_pid() {
        let first = log_path();
        std::fs::write(&first, "an earlier run's log").unwrap();
        let second = log_path();
        let _ = std::fs::remove_file(&first);
        assert_ne!(first, second);
        assert!(!second.exists());
    }

    #[test]
    fn progress_only_for_a_person_at_a_terminal() {
        assert!(shows_progress(false, true, None));
        assert!(!shows_progress(true, true, None), "--quiet");
        assert!(!shows_progress(false, false, None), "stderr is a pipe or a file");
        assert!(!shows_progress(false, true, Some(OsStr::new("true"))), "CI=true");
        assert!(!shows_progress(false, true, Some(OsStr::new("1"))), "CI=1");
        assert!(shows_progress(false, true, Some(OsStr::new("false"))), "CI=false");
        assert!(shows_progress(false, true, Some(OsStr::new(""))), "CI set but empty");
    }

    #[test]
    fn progress_line_redraws_itself_with_elapsed_time_and_events() {
        let line = progress_line(&Progress { elapsed: Duration::from_millis(12_340), events: 3 });
        assert_eq!(line, "\r\x1b[2Kpydevcheck confirm: 12.3 s, 3 events so far");
        let line = progress_line(&Progress { elapsed: Duration::from_millis(999), events: 1 });
        assert_eq!(line, "\r\x1b[2Kpydevcheck confirm: 1.0 s, 1 event so far");
    }
}
