//! The motif matrix Tomtom compares: 4 rows (`A, C, G, T`), one column per position.

use crate::{Error, Result};

/// An element type a motif can hold, with the arithmetic memelite applies to it.
///
/// Tomtom widens every value to `f64` (exact for all implementors) except for the squared
/// column norm `((a² + c²) + g²) + t²`, which numpy computes in the array's own dtype: `f32` sums
/// for a float32 query, wrapping integer squares summed in 64 bits for int8/uint8 (numpy's
/// `(Q ** 2).sum(axis=0)`). For one-hot values (0/1) every choice is exact.
///
/// ```
/// use motiflift_kernels::tomtom::MotifValue;
/// assert_eq!(f32::column_norm([1.0, 2.0, 0.0, 0.5]), 5.25);
/// assert_eq!(u8::column_norm([0, 1, 0, 0]), 1.0);
/// ```
pub trait MotifValue: Copy + Send + Sync + 'static {
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// `((a² + c²) + g²) + t²` in the element type's own arithmetic, as `f64`.
    fn column_norm(column: [Self; 4]) -> f64;
}

impl MotifValue for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn column_norm(c: [f64; 4]) -> f64 {
        ((c[0] * c[0] + c[1] * c[1]) + c[2] * c[2]) + c[3] * c[3]
    }
}

impl MotifValue for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn column_norm(c: [f32; 4]) -> f64 {
        f64::from(((c[0] * c[0] + c[1] * c[1]) + c[2] * c[2]) + c[3] * c[3])
    }
}

impl MotifValue for u8 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn column_norm(c: [u8; 4]) -> f64 {
        c.iter().map(|&v| u64::from(v.wrapping_mul(v))).sum::<u64>() as f64
    }
}

impl MotifValue for i8 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn column_norm(c: [i8; 4]) -> f64 {
        c.iter().map(|&v| i64::from(v.wrapping_mul(v))).sum::<i64>() as f64
    }
}

/// A `(4, width)` motif matrix stored row-major (`values[row * width + column]`), rows in the
/// order `A, C, G, T` so that the reverse complement reverses both axes.
///
/// Any values are accepted here (PWMs, one-hot, CWMs with negative values); [`super::tomtom`]
/// rejects empty motifs and non-finite values, naming the motif.
///
/// ```
/// use motiflift_kernels::tomtom::Motif;
/// let m = Motif::new(vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], 2)?; // "AC"
/// assert_eq!(m.column(1), [0.0, 0.0, 1.0, 0.0]);
/// assert_eq!(m.reverse_complement().column(0), [0.0, 1.0, 0.0, 0.0]); // "GT"
/// # Ok::<(), motiflift_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Motif<T = f64> {
    values: Vec<T>,
    width: usize,
}

impl<T: MotifValue> Motif<T> {
    /// A motif from its row-major values; `values.len()` must be `4 * width`.
    ///
    /// ```
    /// use motiflift_kernels::tomtom::Motif;
    /// assert!(Motif::new(vec![0.25f64; 8], 2).is_ok());
    /// assert!(Motif::new(vec![0.25f64; 7], 2).is_err());
    /// ```
    pub fn new(values: Vec<T>, width: usize) -> Result<Self> {
        if values.len() != 4 * width {
            return Err(Error::Shape {
                what: "motif values",
                expected: format!("4 x {width} = {} values, rows A, C, G, T", 4 * width),
                got: vec![values.len()],
            });
        }
        Ok(Self { values, width })
    }

    /// A motif from its columns, each `[A, C, G, T]`.
    ///
    /// ```
    /// use motiflift_kernels::tomtom::Motif;
    /// let m = Motif::from_columns(&[[0u8, 0, 0, 1]]);
    /// assert_eq!((m.width(), m.get(3, 0)), (1, 1));
    /// ```
    pub fn from_columns(columns: &[[T; 4]]) -> Self {
        let width = columns.len();
        let values = (0..4)
            .flat_map(|r| columns.iter().map(move |c| c[r]))
            .collect();
        Self { values, width }
    }

    /// The number of columns.
    ///
    /// ```
    /// assert_eq!(motiflift_kernels::tomtom::Motif::new(vec![0.0f64; 12], 3)?.width(), 3);
    /// # Ok::<(), motiflift_kernels::Error>(())
    /// ```
    pub fn width(&self) -> usize {
        self.width
    }

    /// The row-major values.
    ///
    /// ```
    /// let m = motiflift_kernels::tomtom::Motif::from_columns(&[[1.0, 2.0, 3.0, 4.0]]);
    /// assert_eq!(m.values(), [1.0, 2.0, 3.0, 4.0]);
    /// ```
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The value at `row` (0..4) and `column`.
    ///
    /// ```
    /// let m = motiflift_kernels::tomtom::Motif::from_columns(&[[1.0, 2.0, 3.0, 4.0]]);
    /// assert_eq!(m.get(2, 0), 3.0);
    /// ```
    pub fn get(&self, row: usize, column: usize) -> T {
        self.values[row * self.width + column]
    }

    /// Column `c` as `[A, C, G, T]`.
    ///
    /// ```
    /// let m = motiflift_kernels::tomtom::Motif::from_columns(&[[1, 0, 0, 0], [0, 0, 1, 0u8]]);
    /// assert_eq!(m.column(1), [0, 0, 1, 0]);
    /// ```
    pub fn column(&self, c: usize) -> [T; 4] {
        [
            self.get(0, c),
            self.get(1, c),
            self.get(2, c),
            self.get(3, c),
        ]
    }

    /// The reverse complement: both axes reversed (`T[::-1, ::-1]` in numpy).
    ///
    /// ```
    /// let m = motiflift_kernels::tomtom::Motif::from_columns(&[[1.0, 2.0, 3.0, 4.0]]);
    /// assert_eq!(m.reverse_complement().column(0), [4.0, 3.0, 2.0, 1.0]);
    /// ```
    pub fn reverse_complement(&self) -> Self {
        let mut values = self.values.clone();
        values.reverse();
        Self {
            values,
            width: self.width,
        }
    }
}
