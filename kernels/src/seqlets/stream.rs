//! `recursive_seqlets` over an array too large to hold, one block of rows at a time, with
//! exactly the result of one call on the whole array (ALGORITHMS §5.1).
//!
//! The null of the recursive caller depends on the whole array (its extremes and its
//! histogram), the calling of each example only on that null. So three passes: the extremes
//! of every block ([`StreamingRecursive::observe_extremes`]), the histogram of every block
//! ([`StreamingRecursive::observe_histogram`], integer counts, exact), then the calling of any
//! blocks ([`StreamingRecursive::call`], with the global example index). Sorting the
//! concatenated blocks' seqlets with [`sort_by_p_value`] (stable) gives the single call's order.
//!
//! ```
//! use motiflift_kernels::seqlets::{recursive_seqlets, RecursiveOptions, StreamingRecursive, sort_by_p_value};
//! let (n, l) = (6, 80);
//! let mut x: Vec<f32> = (0..n * l).map(|i| ((i * 7919) % 13) as f32 * 0.01 - 0.06).collect();
//! x[40..48].iter_mut().for_each(|v| *v += 1.0);
//! x[4 * l + 10..4 * l + 20].iter_mut().for_each(|v| *v += 0.8);
//! let whole = recursive_seqlets(&x, n, l, &RecursiveOptions::default())?;
//! let mut s = StreamingRecursive::new(RecursiveOptions::default())?;
//! for block in x.chunks(4 * l) { s.observe_extremes(block, l)?; }
//! for block in x.chunks(4 * l) { s.observe_histogram(block)?; }
//! let mut called = Vec::new();
//! for (b, block) in x.chunks(4 * l).enumerate() { called.extend(s.call(block, l, b * 4)?); }
//! assert_eq!(sort_by_p_value(called), whole);
//! # Ok::<(), motiflift_kernels::Error>(())
//! ```

use super::Seqlet;
use super::input::{Attribution, Tracks};
use super::null::{Binning, NullTables, bin_counts};
use super::recursive::{RecursiveOptions, call_rows};
use crate::{Error, Result};

/// The three passes of a blockwise `recursive_seqlets`; see the module docs.
#[derive(Debug, Clone)]
pub struct StreamingRecursive<T> {
    options: RecursiveOptions,
    extremes: Option<(T, T)>,
    rows_seen: usize,
    bins: Option<Binning<T>>,
    counts: Vec<u64>,
    total: u64,
    null: Option<NullTables>,
}

impl<T: Attribution> StreamingRecursive<T> {
    /// A caller with `options` (checked, threshold included).
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{RecursiveOptions, StreamingRecursive};
    /// let bad = RecursiveOptions { threshold: 2.0, ..Default::default() };
    /// assert!(StreamingRecursive::<f32>::new(bad).is_err());
    /// ```
    pub fn new(options: RecursiveOptions) -> Result<Self> {
        options.validate(true)?;
        Ok(Self { options, extremes: None, rows_seen: 0, bins: None, counts: Vec::new(), total: 0, null: None })
    }

    /// Pass 1: a block of rows of length `l` (row-major). Every value must be finite; the
    /// error names the row counted over all blocks seen so far.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{RecursiveOptions, StreamingRecursive};
    /// let mut s = StreamingRecursive::<f32>::new(RecursiveOptions::default())?;
    /// s.observe_extremes(&[0.0; 10], 5)?;
    /// let err = s.observe_extremes(&[0.0, 0.0, f32::NAN, 0.0, 0.0], 5).unwrap_err();
    /// assert!(err.to_string().contains("example 2, position 2"), "{err}");
    /// # Ok::<(), motiflift_kernels::Error>(())
    /// ```
    pub fn observe_extremes(&mut self, x: &[T], l: usize) -> Result<()> {
        if self.bins.is_some() || self.null.is_some() {
            return Err(phase("observe_extremes comes before observe_histogram and call"));
        }
        if l == 0 || !x.len().is_multiple_of(l) {
            return Err(Error::Shape { what: "X", expected: format!("whole rows of {l} values"), got: vec![x.len()] });
        }
        let n = x.len() / l;
        if n == 0 {
            return Ok(());
        }
        let tracks = Tracks::new("X", x, n, l).map_err(|e| match e {
            Error::NonFinite { what, value, .. } => {
                let pos = x.iter().position(|v| !v.finite()).unwrap_or(0);
                Error::NonFinite {
                    what,
                    location: format!("example {}, position {}", self.rows_seen + pos / l, pos % l),
                    value,
                }
            }
            other => other,
        })?;
        let (lo, hi) = (tracks.min(), tracks.max());
        self.extremes = Some(match self.extremes {
            None => (lo, hi),
            Some((a, b)) => (if lo < a { lo } else { a }, if hi > b { hi } else { b }),
        });
        self.rows_seen += n;
        Ok(())
    }

    /// Pass 2: the same blocks again (any order), counted into the null histogram.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{RecursiveOptions, StreamingRecursive};
    /// let mut s = StreamingRecursive::<f32>::new(RecursiveOptions::default())?;
    /// assert!(s.observe_histogram(&[0.0; 4]).is_err()); // no extremes yet
    /// # Ok::<(), motiflift_kernels::Error>(())
    /// ```
    pub fn observe_histogram(&mut self, x: &[T]) -> Result<()> {
        if self.null.is_some() {
            return Err(phase("observe_histogram comes before call"));
        }
        let Some((lo, hi)) = self.extremes else {
            return Err(phase("observe_extremes must see every block first"));
        };
        if self.bins.is_none() {
            self.bins = Binning::from_range(lo, hi, self.options.n_bins);
            if self.bins.is_none() {
                // Constant array: no seqlet anywhere, nothing to count.
                return Ok(());
            }
        }
        if let Some(bins) = &self.bins {
            let c = bin_counts(x, bins);
            if self.counts.is_empty() {
                self.counts = c;
            } else {
                self.counts.iter_mut().zip(&c).for_each(|(a, b)| *a += b);
            }
            self.total += x.len() as u64;
        }
        Ok(())
    }

    /// Pass 3: the seqlets of a block of rows whose first row is example `first_example`,
    /// sorted stably by p-value within the block.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{RecursiveOptions, StreamingRecursive};
    /// let mut s = StreamingRecursive::<f32>::new(RecursiveOptions::default())?;
    /// s.observe_extremes(&[1.0; 8], 4)?;
    /// s.observe_histogram(&[1.0; 8])?;
    /// assert!(s.call(&[1.0; 4], 4, 1)?.is_empty()); // constant: nothing is significant
    /// # Ok::<(), motiflift_kernels::Error>(())
    /// ```
    pub fn call(&mut self, x: &[T], l: usize, first_example: usize) -> Result<Vec<Seqlet>> {
        if self.extremes.is_none() {
            return Err(phase("observe_extremes and observe_histogram must see every block first"));
        }
        let Some(bins) = &self.bins else {
            return Ok(Vec::new());
        };
        if self.null.is_none() {
            self.null = Some(NullTables::from_counts(&self.counts, self.total as f64, self.options.max_seqlet_len));
        }
        if l == 0 || !x.len().is_multiple_of(l) {
            return Err(Error::Shape { what: "X", expected: format!("whole rows of {l} values"), got: vec![x.len()] });
        }
        if x.is_empty() {
            return Ok(Vec::new());
        }
        let tracks = Tracks::new("X", x, x.len() / l, l)?;
        let null = self.null.as_ref().ok_or_else(|| phase("null tables missing"))?;
        let mut out = call_rows(bins, null, &self.options, &tracks, self.options.threshold);
        for s in &mut out {
            s.example_idx += first_example;
        }
        Ok(out)
    }
}

fn phase(reason: &str) -> Error {
    Error::InvalidArgument { name: "StreamingRecursive", reason: reason.into() }
}

/// Sorts seqlets stably by p-value (ties keep their order): the order of
/// [`recursive_seqlets`](super::recursive_seqlets)' result.
///
/// ```
/// use motiflift_kernels::seqlets::{Seqlet, sort_by_p_value};
/// let s = |e, p| Seqlet { example_idx: e, start: 0, end: 4, attribution: 1.0, p_value: p };
/// let sorted = sort_by_p_value(vec![s(0, 0.5), s(1, 0.1), s(2, 0.5)]);
/// assert_eq!(sorted.iter().map(|s| s.example_idx).collect::<Vec<_>>(), [1, 0, 2]);
/// ```
pub fn sort_by_p_value(seqlets: Vec<Seqlet>) -> Vec<Seqlet> {
    super::recursive::sort_by_p_value(seqlets)
}
