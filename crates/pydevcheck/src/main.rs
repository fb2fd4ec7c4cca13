//! The `pydevcheck` command.

fn main() {
    let code = std::env::args().skip(1).fold(0, |code, arg| {
        let path = std::path::PathBuf::from(&arg);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let report = pydevcheck_analyzer::check_bytes(&path, &bytes);
                for d in &report.diagnostics {
                    println!(
                        "{}:{}:{}: {} {}",
                        d.path.display(),
                        d.span.start.row,
                        d.span.start.column,
                        d.rule.code,
                        d.message
                    );
                }
                if report.diagnostics.is_empty() {
                    code
                } else {
                    1
                }
            }
            Err(error) => {
                eprintln!("{arg}: {error}");
                2
            }
        }
    });
    std::process::exit(code);
}
