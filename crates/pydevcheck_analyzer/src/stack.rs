//! Recursion over user input on a stack that grows.
//!
//! Every pass that recurses over a file's structure (lowering, the dataflow, the walkers) calls [`guard`]
//! at each level. When less than [`RED_ZONE`] is left, the next levels run on a fresh heap-allocated
//! segment, as ruff's parser does for its own recursion. Depth limits (`parse::MAX_DEPTH`) bound the time
//! and memory; this makes the result independent of the calling thread's stack size — a rayon worker, a
//! test harness thread with 2 MiB, or the fuzzer.

/// Room a level may use before the next call to [`guard`]; debug builds have large frames.
const RED_ZONE: usize = 256 * 1024;
/// The size of each new segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, on a new stack segment if this one is nearly used up.
#[inline]
pub(crate) fn guard<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
