//! The `pydevcheck` command: parses the command line, runs the analyzer, hands the findings to a printer and
//! turns the outcome into an exit status (0 no findings, 1 findings, 2 usage, I/O or internal error).

mod args;
mod printer;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use pydevcheck_analyzer::discover::DiscoverOptions;
use pydevcheck_analyzer::{check_paths, rules, CheckOptions};

use crate::args::{CheckArgs, ColorChoice, Command, OutputFormat, RuleArgs};
use crate::printer::Colors;

const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = args::parse(std::env::args_os().collect());
    let code = match cli.command {
        Command::Check(args) => check(&args),
        Command::Rule(args) => rule(&args),
    };
    ExitCode::from(code)
}

fn check(args: &CheckArgs) -> u8 {
    let options = CheckOptions {
        discover: DiscoverOptions::standard(),
        jobs: args.jobs.map(|jobs| jobs.get()),
        api: pydevcheck_analyzer::ApiConfig::default(),
    };
    let run = check_paths(&args.paths, &options);
    let findings = printer::findings(&run.files);

    let status = if !run.errors.is_empty() {
        EXIT_ERROR
    } else if !findings.is_empty() && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        0
    };

    let colors = colors(args.color);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let printed = printer::print(&mut stdout, args.output_format, &findings, args.statistics, colors)
        .and_then(|()| stdout.flush());
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
    if !args.quiet && args.output_format != OutputFormat::Json {
        let _ = writeln!(io::stderr(), "{}", printer::summary(&findings, run.files.len()));
    }
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
fn colors(choice: ColorChoice) -> Colors {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    match choice {
        ColorChoice::Always => Colors::On,
        ColorChoice::Never => Colors::Off,
        ColorChoice::Auto if !no_color && io::stdout().is_terminal() => Colors::On,
        ColorChoice::Auto => Colors::Off,
    }
}

/// Writes `error: ...` on stderr; a closed stderr is not worth a panic.
fn report_error(message: &str) {
    let _ = writeln!(io::stderr(), "error: {message}");
}
