//! Seqlet callers: tangermeme's `recursive_seqlets` (bit-identical, with the FDR mode) and
//! `tfmodisco_seqlets`.
//!
//! Input is a row-major `(n, l)` array of attributions (`f32` or `f64`), typically the
//! projected attributions summed over the alphabet.
//!
//! ```
//! use motiflift_kernels::seqlets::{recursive_seqlets, RecursiveOptions};
//! let mut x = vec![0.0f32; 200];
//! for (t, v) in x.iter_mut().enumerate() {
//!     *v = 0.05 * (t as f32 * 0.7).sin();
//! }
//! x[50..58].iter_mut().for_each(|v| *v += 0.5);
//! let seqlets = recursive_seqlets(&x, 1, 200, &RecursiveOptions::default()).unwrap();
//! assert!(seqlets[0].start <= 50 && seqlets[0].end >= 58);
//! ```

mod decode;
mod fdr;
mod input;
mod isotonic;
mod null;
mod recursive;
mod sparse;
mod stream;
mod tfmodisco;
mod torch_ops;

pub use fdr::{FdrRow, FdrSeqlets, recursive_seqlets_fdr};
pub use input::Attribution;
pub use recursive::{RecursiveOptions, recursive_seqlets};
pub use stream::{StreamingRecursive, sort_by_p_value};
pub use tfmodisco::{TfmodiscoOptions, tfmodisco_seqlets};

/// One called seqlet: a half-open span `[start, end)` of example `example_idx`, the sum of its
/// attributions (float64) and its p-value (`NaN`-free; `1.0` for callers without one).
///
/// ```
/// use motiflift_kernels::seqlets::Seqlet;
/// let s = Seqlet { example_idx: 0, start: 3, end: 9, attribution: 1.5, p_value: 1e-4 };
/// assert_eq!(s.end - s.start, 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seqlet {
    /// Row of the input.
    pub example_idx: usize,
    /// First position (0-based).
    pub start: usize,
    /// One past the last position.
    pub end: usize,
    /// Sum of the attributions over `[start, end)`.
    pub attribution: f64,
    /// p-value of the span (recursive caller).
    pub p_value: f64,
}
