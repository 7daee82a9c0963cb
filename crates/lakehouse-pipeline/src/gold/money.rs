//! Money sums, exact to the cent (docs/metrics.md, "Money").
//!
//! Amounts are `f64`. Adding them naively drifts: a total of exactly
//! $1,259,553.50 comes out as 1259553.4999999995. `Money` adds with
//! Neumaier's compensated summation, so the sum is within a rounding error
//! of the exact decimal total, and rounds it to cents once. A sum that is
//! not finite (two costs of 1e308 overflow) is `None`, never `inf`; the
//! `amount_too_large_*` data-quality rules name the rows that cause it.

/// A compensated sum of amounts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Money {
    sum: f64,
    compensation: f64,
}

impl Money {
    /// Adds an amount; a missing amount adds nothing.
    pub(crate) fn add(&mut self, amount: Option<f64>) {
        let Some(x) = amount else { return };
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The sum of `amounts`.
    #[cfg(test)]
    pub(crate) fn of(amounts: impl IntoIterator<Item = Option<f64>>) -> Self {
        let mut m = Self::default();
        amounts.into_iter().for_each(|a| m.add(a));
        m
    }

    /// The sum rounded to cents, or `None` when it is not finite.
    pub(crate) fn total(&self) -> Option<f64> {
        cents(self.sum + self.compensation)
    }

    /// The unrounded sum, for ordering groups (`inf` sorts last).
    pub(crate) fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// `x` rounded to cents (half away from zero), or `None` when not finite.
pub fn cents(x: f64) -> Option<f64> {
    let rounded = (x * 100.0).round() / 100.0;
    rounded.is_finite().then_some(rounded)
}

/// `a + b` of two sums, rounded to cents; `None` when either is.
pub fn sum(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    cents(a? + b?)
}

/// `a − b` of two sums, rounded to cents; `None` when either is.
pub fn difference(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    cents(a? - b?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_comes_out_exact_to_the_cent() {
        // 0.1 added ten times is 0.9999999999999999 naively.
        assert_eq!(Money::of(vec![Some(0.1); 10]).total(), Some(1.0));
        let naive: f64 = [0.1, 0.2].iter().sum();
        assert_ne!(naive, 0.3);
        assert_eq!(Money::of([Some(0.1), Some(0.2)]).total(), Some(0.3));
        let amounts = [1_259_553.3, 0.1, 0.1];
        let naive: f64 = amounts.iter().sum();
        assert_ne!(naive, 1_259_553.5);
        assert_eq!(
            Money::of(amounts.iter().map(|a| Some(*a))).total(),
            Some(1_259_553.5)
        );
    }

    #[test]
    fn an_overflowing_sum_is_none_not_inf() {
        let m = Money::of([Some(1e308), Some(1e308)]);
        assert_eq!(m.total(), None);
        assert_eq!(difference(Some(1.0), None), None);
        assert_eq!(Money::of([None, None]).total(), Some(0.0));
        assert_eq!(difference(Some(10.30), Some(0.1)), Some(10.2));
    }
}
