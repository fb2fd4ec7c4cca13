//! `--statistics`: how many findings each rule has, most frequent first.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Finding;

#[derive(Serialize)]
struct Count<'a> {
    code: &'a str,
    name: &'a str,
    count: usize,
}

fn counts<'a>(findings: &[Finding<'a>]) -> Vec<Count<'a>> {
    let mut by_code: BTreeMap<&str, Count<'a>> = BTreeMap::new();
    for Finding { diagnostic: d, .. } in findings {
        by_code.entry(d.rule.code).or_insert(Count { code: d.rule.code, name: d.rule.name, count: 0 }).count += 1;
    }
    let mut counts: Vec<Count<'a>> = by_code.into_values().collect();
    // Stable: equal counts stay in code order.
    counts.sort_by_key(|count| std::cmp::Reverse(count.count));
    counts
}

pub(super) fn table(out: &mut dyn Write, findings: &[Finding<'_>]) -> io::Result<()> {
    for Count { code, name, count } in counts(findings) {
        writeln!(out, "{count:>5}  {code}  {name}")?;
    }
    Ok(())
}

pub(super) fn json(out: &mut dyn Write, findings: &[Finding<'_>]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &counts(findings))?;
    writeln!(out)
}
