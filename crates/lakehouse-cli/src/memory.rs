//! Freed memory handed back to the operating system between the pipeline's
//! pieces.
//!
//! glibc's allocator keeps what a thread frees in that thread's arena, for
//! that arena's next allocations. The pipeline's pieces run on threads of
//! their own (`--threads`): the scratch one piece frees (fact rows, sort
//! keys, a Parquet column chunk being encoded) stayed resident while the
//! next piece, on another thread and arena, took fresh pages. At ×100 that
//! was 55–70 MB held free by the end of a run, a sixth of its peak.
//! `malloc_trim` returns the free pages of every arena (1–4 ms a call at
//! ×100); the allocations in use are not touched. docs/benchmarks.md has
//! the figures.

/// Returns the allocator's free pages to the operating system (glibc on
/// Linux; nothing elsewhere).
pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only gives back pages no allocation uses; it may
    // be called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
