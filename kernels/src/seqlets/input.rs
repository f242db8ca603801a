//! Attribution tracks as the seqlet callers take them: a row-major `(n, l)` slice of `f32` or
//! `f64`, validated once (shape, emptiness, finiteness).

use rayon::prelude::*;

use crate::simd::{dispatch, multiversion};
use crate::{Error, Result};

pub(crate) mod sealed {
    pub trait Sealed: Sized {
        /// The unit roundoff of the type's arithmetic (half an ulp of 1).
        const UNIT_ROUNDOFF: f64;
        /// `values` as `f32`s when `Self` is `f32` (the binning has a faster path for them).
        fn as_f32(values: &[Self]) -> Option<&[f32]>;
        /// `self + other`, rounded to the type.
        fn add(self, other: Self) -> Self;
        /// The largest value of the type not above `v` (finite `v`).
        fn at_most(v: f64) -> Self;
    }
    impl Sealed for f32 {
        const UNIT_ROUNDOFF: f64 = f32::EPSILON as f64 / 2.0;
        fn as_f32(values: &[Self]) -> Option<&[f32]> {
            Some(values)
        }
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            self + other
        }
        fn at_most(v: f64) -> Self {
            let c = v as f32;
            if f64::from(c) > v { c.next_down() } else { c }
        }
    }
    impl Sealed for f64 {
        const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;
        fn as_f32(_: &[Self]) -> Option<&[f32]> {
            None
        }
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            self + other
        }
        fn at_most(v: f64) -> Self {
            v
        }
    }
}

/// An attribution value type: `f32` or `f64`.
///
/// tangermeme's arithmetic depends on the input dtype: the recursive caller subtracts the
/// minimum **in the input dtype** before the float64 division that bins a value
/// (ALGORITHMS §5.1), so both types are accepted and keep their own rounding.
pub trait Attribution: Copy + PartialOrd + Send + Sync + std::fmt::Debug + sealed::Sealed + 'static {
    /// The value widened to `f64` (exact).
    fn to_f64(self) -> f64;
    /// `self - base` evaluated in the value's own type, then widened to `f64`.
    fn diff_f64(self, base: Self) -> f64;
    /// Whether the value is neither NaN nor infinite.
    fn finite(self) -> bool;
}

impl Attribution for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn diff_f64(self, base: Self) -> f64 {
        f64::from(self - base)
    }
    #[inline]
    fn finite(self) -> bool {
        self.is_finite()
    }
}

impl Attribution for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn diff_f64(self, base: Self) -> f64 {
        self - base
    }
    #[inline]
    fn finite(self) -> bool {
        self.is_finite()
    }
}

/// A validated, borrowed `(n, l)` array of attributions, row-major, with its extremes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tracks<'a, T> {
    data: &'a [T],
    l: usize,
    min: T,
    max: T,
}

impl<'a, T: Attribution> Tracks<'a, T> {
    /// Checks that `data` holds `n * l` finite values and that the array is not empty.
    /// `what` names the input in error messages (e.g. `"X"`, `"X_control"`).
    pub fn new(what: &'static str, data: &'a [T], n: usize, l: usize) -> Result<Self> {
        check_shape(what, data, n, l)?;
        let Some((min, max)) = finite_min_max(data) else {
            let pos = data.iter().position(|v| !v.finite()).unwrap_or(0);
            return Err(Error::NonFinite {
                what,
                location: format!("example {}, position {}", pos / l, pos % l),
                value: data[pos].to_f64(),
            });
        };
        Ok(Self { data, l, min, max })
    }

    /// The tracks `data` of rows of `l` values, already checked ([`check_shape`], finite),
    /// whose extremes are `min` and `max`.
    pub fn with_extremes(data: &'a [T], l: usize, min: T, max: T) -> Self {
        Self { data, l, min, max }
    }

    /// Length of every example.
    pub fn l(&self) -> usize {
        self.l
    }

    /// All values, row-major.
    pub fn values(&self) -> &'a [T] {
        self.data
    }

    /// The smallest value.
    pub fn min(&self) -> T {
        self.min
    }

    /// The largest value.
    pub fn max(&self) -> T {
        self.max
    }
}

/// Checks that `data` holds `n * l` values and is not empty (`what` names it in errors).
pub(crate) fn check_shape<T>(what: &'static str, data: &[T], n: usize, l: usize) -> Result<()> {
    if n.checked_mul(l) != Some(data.len()) {
        return Err(Error::Shape {
            what,
            expected: format!("{} values for (n, l) = ({n}, {l})", n.saturating_mul(l)),
            got: vec![data.len()],
        });
    }
    if data.is_empty() {
        return Err(Error::Empty(what));
    }
    if u32::try_from(l).is_err() {
        return Err(Error::Shape { what, expected: "rows of fewer than 2^32 positions".into(), got: vec![n, l] });
    }
    Ok(())
}

/// Smallest and largest value of a non-empty slice, or `None` if any value is NaN or infinite.
/// One parallel pass of branch-free lanes (it vectorises).
fn finite_min_max<T: Attribution>(v: &[T]) -> Option<(T, T)> {
    let (min, max, finite) = v.par_chunks(1 << 16).map(|c| dispatch!(chunk_min_max(c))).reduce_with(merge)?;
    finite.then_some((min, max))
}

/// `(min, max, all finite)` of a non-empty chunk.
#[inline(always)]
pub(crate) fn chunk_min_max<T: Attribution>(c: &[T]) -> (T, T, bool) {
    const W: usize = 16;
    let (mut lo, mut hi, mut ok) = ([c[0]; W], [c[0]; W], [true; W]);
    let mut blocks = c.chunks_exact(W);
    for b in &mut blocks {
        for k in 0..W {
            lo[k] = if b[k] < lo[k] { b[k] } else { lo[k] };
            hi[k] = if b[k] > hi[k] { b[k] } else { hi[k] };
            ok[k] &= b[k].finite();
        }
    }
    let lanes = lo.into_iter().zip(hi).zip(ok).map(|((a, b), f)| (a, b, f));
    blocks.remainder().iter().map(|&x| (x, x, x.finite())).chain(lanes).fold((c[0], c[0], true), merge)
}

multiversion!(chunk_min_max<T: Attribution>(c: &[T]) -> (T, T, bool));

/// The extremes of two chunks' `(min, max, all finite)` together.
pub(crate) fn merge<T: Attribution>(a: (T, T, bool), b: (T, T, bool)) -> (T, T, bool) {
    (if b.0 < a.0 { b.0 } else { a.0 }, if b.1 > a.1 { b.1 } else { a.1 }, a.2 & b.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_extremes() {
        let x = [0.1f32, 0.2, 0.3, 0.4, -0.5, 0.6];
        let t = Tracks::new("X", &x, 2, 3).unwrap();
        assert_eq!(t.l(), 3);
        assert_eq!((t.min(), t.max()), (-0.5, 0.6));
        assert_eq!(t.values().len(), 6);
    }

    #[test]
    fn bad_shapes_and_values_are_named() {
        let x = [0.0f64; 6];
        assert!(matches!(Tracks::new("X", &x, 3, 3), Err(Error::Shape { what: "X", .. })));
        assert!(matches!(Tracks::new("X", &x[..0], 0, 5), Err(Error::Empty("X"))));
        let mut y = vec![0.0f32; 300];
        y[257] = f32::INFINITY;
        let e = Tracks::new("X_control", &y, 3, 100).unwrap_err().to_string();
        assert!(e.contains("X_control") && e.contains("example 2, position 57"), "{e}");
        y[257] = 0.0;
        y[1] = f32::NAN;
        assert!(Tracks::new("X", &y, 3, 100).unwrap_err().to_string().contains("example 0, position 1"));
    }
}
