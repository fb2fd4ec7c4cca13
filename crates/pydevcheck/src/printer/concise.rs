//! `path:row:col: CODE message`, one finding per line, for editors and grep.

use std::io::{self, Write};

use super::{terminal_safe, Finding};

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>]) -> io::Result<()> {
    for Finding { diagnostic: d, .. } in findings {
        let start = d.span.start;
        let path = d.path.display().to_string();
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            terminal_safe(&path),
            start.row,
            start.column,
            d.rule.code,
            terminal_safe(&d.message)
        )?;
    }
    Ok(())
}
