//! Events → verdicts. A finding is confirmed when its line is on the creation stack of an event of the
//! kind its rule predicts; events that no finding explains become runtime-only findings grouped by
//! (category, site).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use pydevcheck_diagnostics::{Diagnostic, Frame, RuntimeCategory, RuntimeFinding, Verdict};

use crate::child::ChildOutcome;
use crate::events::{Collected, Event, RawFrame};
use crate::Report;

/// PDC601 and PDC602: dev mode checks the codec name and the error handler at the call, and raises a
/// plain `LookupError` there (`unknown encoding: …`, `unknown error handler name '…'`).
pub(crate) fn is_codec_rule(code: &str) -> bool {
    matches!(code, "PDC601" | "PDC602")
}

/// Which events can confirm a rule: PDC301/PDC302 are about the `os.close` call, PDC601/PDC602 about the
/// call that raised `LookupError`, the others about the line that created the object.
fn confirms<'a>(code: &str, event: &'a Event) -> Option<&'a [RawFrame]> {
    let fd_rule = matches!(code, "PDC301" | "PDC302");
    match event.kind.as_str() {
        "lookup_error" if code == "PDC601" && event.text.starts_with("unknown encoding") => Some(&event.stack),
        "lookup_error" if code == "PDC602" && event.text.starts_with("unknown error handler") => Some(&event.stack),
        "ebadf" if fd_rule => Some(&event.stack),
        "resource_warning" if fd_rule => event.closed_behind.as_deref(),
        "resource_warning" if event.closed_behind.is_none() => Some(&event.stack),
        "never_awaited" if !fd_rule => Some(&event.stack),
        _ => None,
    }
}

fn on_stack(stack: &[RawFrame], path: &Path, line: u32) -> bool {
    stack.iter().any(|(p, l, _)| *l == line && p == path)
}

pub(crate) fn correlate(
    findings: &[Diagnostic],
    flagged: &[(PathBuf, u32)],
    roots: &[PathBuf],
    collected: Collected,
    child: ChildOutcome,
) -> Report {
    let reached: HashSet<(&Path, u32)> = collected
        .events
        .iter()
        .filter(|e| e.kind == "reached")
        .filter_map(|e| Some((e.file.as_deref()?, e.line?)))
        .collect();
    let mut explained = vec![false; collected.events.len()];
    let mut verdicts = Vec::with_capacity(findings.len());
    let mut evidence = Vec::with_capacity(findings.len());
    for (finding, (path, line)) in findings.iter().zip(flagged) {
        let mut count = 0;
        let mut first: Option<&[RawFrame]> = None;
        for (index, event) in collected.events.iter().enumerate() {
            let Some(stack) = confirms(finding.rule.code, event) else {
                continue;
            };
            if on_stack(stack, path, *line) {
                count += 1;
                explained[index] = true;
                first.get_or_insert(stack);
            }
        }
        let ran = reached.contains(&(path.as_path(), *line));
        verdicts.push(match (count, ran) {
            (0, true) => Verdict::NotReproduced,
            (0, false) => Verdict::NotReached,
            (events, _) => Verdict::Confirmed { events },
        });
        evidence.push(first.map(frames).unwrap_or_default());
    }

    let mut groups: BTreeMap<(RuntimeCategory, Option<(PathBuf, u32)>), RuntimeFinding> = BTreeMap::new();
    let mut add = |category: RuntimeCategory, message: &str, stack: Vec<Frame>| {
        let site = stack.first().cloned();
        let key = (category.clone(), site.as_ref().map(|f| (f.path.clone(), f.line)));
        groups
            .entry(key)
            .or_insert_with(|| RuntimeFinding { category, message: message.to_string(), site, stack, count: 0 })
            .count += 1;
    };
    let mut resource_warnings = 0;
    let mut attributed = 0;
    for (event, explained) in collected.events.iter().zip(explained) {
        if event.kind == "resource_warning" {
            resource_warnings += 1;
            attributed += usize::from(!event.stack.is_empty());
        }
        if explained {
            continue;
        }
        let (category, stack) = match event.kind.as_str() {
            "resource_warning" => match &event.closed_behind {
                Some(closed_at) => (RuntimeCategory::BadFileDescriptor, closed_at),
                None => (RuntimeCategory::ResourceWarning, &event.stack),
            },
            "ebadf" => (RuntimeCategory::BadFileDescriptor, &event.stack),
            "never_awaited" => (RuntimeCategory::NeverAwaited, &event.stack),
            "warning" => (RuntimeCategory::Warning(event.category.clone().unwrap_or_default()), &event.stack),
            "unraisable" => (RuntimeCategory::Unraisable, &event.stack),
            "asyncio" => (RuntimeCategory::Asyncio, &event.stack),
            _ => continue,
        };
        add(category, &event.text, frames(stack));
    }
    for fault in &collected.faults {
        add(
            RuntimeCategory::Fatal,
            &format!("process {}: {}", fault.pid, fault.text.trim_end()),
            fault_stack(&fault.text, roots),
        );
    }

    let pids: HashSet<u32> =
        collected.events.iter().filter(|e| e.kind == "start" || e.kind == "fork").map(|e| e.pid).collect();
    let main = collected.main_pid();
    let processes_without_exit = pids.iter().filter(|&&pid| Some(pid) != main && !collected.has(pid, "exit")).count();
    Report {
        verdicts,
        evidence,
        runtime_only: groups.into_values().collect(),
        child,
        processes: pids.len(),
        processes_without_exit,
        shim_loaded: main.is_some(),
        resource_warnings,
        resource_warnings_attributed: attributed,
        malformed_events: collected.malformed,
        foreign_events: collected.foreign,
        dropped_events: collected.dropped,
    }
}

fn frames(stack: &[RawFrame]) -> Vec<Frame> {
    stack
        .iter()
        .map(|(path, line, function)| Frame { path: path.clone(), line: *line, function: function.clone() })
        .collect()
}

/// The project frames of a faulthandler dump (`  File "/p/x.py", line 5 in f`), innermost first.
fn fault_stack(text: &str, roots: &[PathBuf]) -> Vec<Frame> {
    let mut stack = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("File \"") else {
            continue;
        };
        let Some((path, rest)) = rest.split_once("\", line ") else {
            continue;
        };
        let (number, function) = rest.split_once(" in ").unwrap_or((rest, ""));
        let Ok(number) = number.trim().parse() else {
            continue;
        };
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
        if roots.iter().any(|root| path.starts_with(root)) {
            stack.push(Frame { path, line: number, function: function.trim().to_string() });
        }
    }
    stack
}
