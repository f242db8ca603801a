//! Attribution tracks as the seqlet callers take them: a row-major `(n, l)` slice of `f32` or
//! `f64`, validated once (shape, emptiness, finiteness).

use crate::{Error, Result};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// An attribution value type: `f32` or `f64`.
///
/// tangermeme's arithmetic depends on the input dtype: the recursive caller subtracts the
/// minimum **in the input dtype** before the float64 division that bins a value
/// (ALGORITHMS §5.1), so both types are accepted and keep their own rounding.
///
/// ```
/// use motiflift_kernels::seqlets::Attribution;
/// // 1e-8 is lost when subtracted in float32 from 1.0, kept in float64.
/// assert_eq!(Attribution::diff_f64(1.0f32 + 1e-8, 1.0f32), 0.0);
/// assert!(Attribution::diff_f64(1.0f64 + 1e-8, 1.0f64) > 0.0);
/// ```
pub trait Attribution:
    Copy + PartialOrd + Send + Sync + std::fmt::Debug + sealed::Sealed + 'static
{
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

/// A validated, borrowed `(n, l)` array of attributions, row-major.
///
/// ```
/// use motiflift_kernels::seqlets::Tracks;
/// let x = [0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6];
/// let t = Tracks::new("X", &x, 2, 3).unwrap();
/// assert_eq!(t.row(1), &[0.4, 0.5, 0.6]);
/// assert!(Tracks::new("X", &x, 3, 3).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Tracks<'a, T> {
    data: &'a [T],
    n: usize,
    l: usize,
}

impl<'a, T: Attribution> Tracks<'a, T> {
    /// Checks that `data` holds `n * l` finite values and that the array is not empty.
    /// `what` names the input in error messages (e.g. `"X"`, `"X_control"`).
    ///
    /// ```
    /// use motiflift_kernels::seqlets::Tracks;
    /// let err = Tracks::new("X", &[0.0f32, f32::NAN], 1, 2).unwrap_err();
    /// assert!(err.to_string().contains("example 0, position 1"));
    /// ```
    pub fn new(what: &'static str, data: &'a [T], n: usize, l: usize) -> Result<Self> {
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
        if let Some(pos) = data.iter().position(|v| !v.finite()) {
            return Err(Error::NonFinite {
                what,
                location: format!("example {}, position {}", pos / l, pos % l),
                value: data[pos].to_f64(),
            });
        }
        Ok(Self { data, n, l })
    }

    /// Number of examples.
    ///
    /// ```
    /// # use motiflift_kernels::seqlets::Tracks;
    /// assert_eq!(Tracks::new("X", &[1.0f64; 6], 2, 3).unwrap().n(), 2);
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Length of every example.
    ///
    /// ```
    /// # use motiflift_kernels::seqlets::Tracks;
    /// assert_eq!(Tracks::new("X", &[1.0f64; 6], 2, 3).unwrap().l(), 3);
    /// ```
    pub fn l(&self) -> usize {
        self.l
    }

    /// All values, row-major.
    ///
    /// ```
    /// # use motiflift_kernels::seqlets::Tracks;
    /// assert_eq!(Tracks::new("X", &[1.0f64; 6], 2, 3).unwrap().values().len(), 6);
    /// ```
    pub fn values(&self) -> &'a [T] {
        self.data
    }

    /// Example `i`.
    ///
    /// ```
    /// # use motiflift_kernels::seqlets::Tracks;
    /// let t = Tracks::new("X", &[1.0f64, 2.0], 2, 1).unwrap();
    /// assert_eq!(t.row(1), &[2.0]);
    /// ```
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.l..(i + 1) * self.l]
    }
}
