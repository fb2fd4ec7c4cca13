//! `cargo xtask <task>`: the project's automation, one subcommand per task.

fn main() {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        _ => {
            eprintln!("usage: cargo xtask <task>\n\ntasks: (none yet)");
            std::process::exit(2);
        }
    }
}
