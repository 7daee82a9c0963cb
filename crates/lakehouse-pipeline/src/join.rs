//! Independent units of silver and gold, and who runs them.
//!
//! The pipeline starts no thread (ARCHITECTURE.md, invariant 1): where two
//! pieces of silver or gold do not read each other's results, it hands both
//! to a [`Join`] the caller chose. [`InTurn`] runs them one after the other
//! (the browser's worker, `--threads 1`); the CLI's scheduler runs them side
//! by side. Each piece owns what it writes, and the results are combined in
//! one fixed order, so the output is the same whichever runs them.

/// Runs two independent pieces of work and returns both results.
pub trait Join: Sync {
    /// Runs `a` and `b` (in any order, or at once) and returns their results.
    fn join<A: Send, B: Send>(
        &self,
        a: impl FnOnce() -> A + Send,
        b: impl FnOnce() -> B + Send,
    ) -> (A, B);

    /// [`Join::join`] of two fallible pieces: `a`'s error first, as running
    /// them in turn would meet it.
    fn try_join<A: Send, B: Send, E: Send>(
        &self,
        a: impl FnOnce() -> Result<A, E> + Send,
        b: impl FnOnce() -> Result<B, E> + Send,
    ) -> Result<(A, B), E> {
        let (a, b) = self.join(a, b);
        Ok((a?, b?))
    }
}

/// One piece after the other, `a` first, on the caller's thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct InTurn;

impl Join for InTurn {
    fn join<A: Send, B: Send>(
        &self,
        a: impl FnOnce() -> A + Send,
        b: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        let a = a();
        (a, b())
    }
}
