//! GitHub Actions workflow commands: `::warning file=…,line=…::message`, one line per finding, shown as
//! annotations on the pull request.
//!
//! A workflow command is one line, so escaping is what keeps a file name or a message from starting a second
//! command: the message (data) escapes `%`, CR and LF; the properties also escape `:` and `,`, which would
//! otherwise end a property or the property list.

use std::io::{self, Write};

use pydevcheck_analyzer::Position;

use super::{Context, Finding};

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>], context: &Context<'_>) -> io::Result<()> {
    for Finding { diagnostic: d, .. } in findings {
        let path = context.workspace_relative(&d.path);
        let title = format!("{} {}", d.rule.code, d.rule.name);
        writeln!(out, "{}", command("warning", &path, d.span.start, Some(d.span.end), &title, &d.message))?;
    }
    Ok(())
}

/// One workflow command: `level` is `error`, `warning` or `notice`; `path` is relative to the workspace.
pub(crate) fn command(
    level: &str,
    path: &str,
    start: Position,
    end: Option<Position>,
    title: &str,
    message: &str,
) -> String {
    let mut properties = format!("file={},line={}", property(path), start.row);
    // GitHub reads columns only within one line; a range across lines keeps just the lines.
    let one_line = end.is_some_and(|end| end.row == start.row);
    if one_line {
        properties.push_str(&format!(",col={}", start.column));
    }
    if let Some(end) = end {
        properties.push_str(&format!(",endLine={}", end.row));
        if one_line {
            properties.push_str(&format!(",endColumn={}", end.column));
        }
    }
    properties.push_str(&format!(",title={}", property(title)));
    format!("::{level} {properties}::{}", data(message))
}

/// Escapes a command's message.
pub(crate) fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value.
pub(crate) fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50% done\r\nnext ::warning x"), "50%25 done%0D%0Anext ::warning x");
        assert_eq!(property("a,b:c%25.py"), "a%2Cb%3Ac%2525.py");
    }
}
