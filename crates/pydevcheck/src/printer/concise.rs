//! `path:row:col: CODE message`, one finding per line, for editors and grep.

use std::io::{self, Write};

use super::Finding;

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>]) -> io::Result<()> {
    for Finding { diagnostic: d, .. } in findings {
        let start = d.span.start;
        writeln!(out, "{}:{}:{}: {} {}", d.path.display(), start.row, start.column, d.rule.code, d.message)?;
    }
    Ok(())
}
