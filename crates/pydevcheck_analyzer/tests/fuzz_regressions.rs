//! Every input `cargo xtask fuzz` ever minimised from a panic or a crash (`fixtures/fuzz/*.py`) is checked
//! again, on a thread with a worker's stack: it must not panic, and must finish in bounded time.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn saved_fuzz_inputs_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fuzz");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "py")).collect()
        })
        .unwrap_or_default();
    inputs.sort();
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let start = Instant::now();
        let result = std::thread::Builder::new()
            .stack_size(pydevcheck_analyzer::WORKER_STACK_SIZE)
            .spawn(move || pydevcheck_analyzer::check_bytes(Path::new("fuzz.py"), &bytes).diagnostics.len())
            .unwrap()
            .join();
        assert!(result.is_ok(), "{} panics", path.display());
        // A debug build is about ten times slower than the release build the fuzzer measured.
        assert!(start.elapsed() < Duration::from_secs(20), "{} took {:?}", path.display(), start.elapsed());
    }
}
