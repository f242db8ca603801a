//! The null model of the recursive seqlet caller (ALGORITHMS §5.1 steps 1–2): equal-width bins
//! over the range of the attributions, their histogram, and for every span length `L` the
//! upper-tail probability `R_L[s] = P(sum of L independent bins >= s)`.
//!
//! Everything is computed in tangermeme's order so that the tables are bit-identical: float32
//! (input-dtype) subtraction before the float64 division, convolution sums over ascending
//! indices without fused multiply-adds, tail sums from the top.

use rayon::prelude::*;

use super::input::{Attribution, Tracks};

/// Equal-width bins over `[xmin, xmax]`, shared by every example (and by a control set).
///
/// ```
/// use motiflift_kernels::seqlets::{Binning, Tracks};
/// let x = [0.0f32, 1.0, 2.0, 3.0];
/// let bins = Binning::new(&Tracks::new("X", &x, 1, 4).unwrap(), 4).unwrap();
/// assert_eq!([bins.bin(0.0f32), bins.bin(2.5), bins.bin(3.0), bins.bin(-7.0)], [0, 2, 3, 0]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Binning<T> {
    xmin: T,
    width: f64,
    last: i64,
}

impl<T: Attribution> Binning<T> {
    /// Bins spanning the values of `x`; `None` when every value is equal (tangermeme then calls
    /// no seqlet). `n_bins` must be at least 2.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{Binning, Tracks};
    /// let flat = [0.5f64; 3];
    /// assert!(Binning::new(&Tracks::new("X", &flat, 1, 3).unwrap(), 10).is_none());
    /// ```
    pub fn new(x: &Tracks<'_, T>, n_bins: usize) -> Option<Self> {
        let (xmin, xmax) = min_max(x.values());
        if xmax == xmin {
            return None;
        }
        let width = xmax.diff_f64(xmin) / (n_bins - 1) as f64;
        Some(Self { xmin, width, last: n_bins as i64 - 1 })
    }

    /// The bin of `v`: `floor(float64(v - xmin) / width)` clamped to the end bins.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{Binning, Tracks};
    /// let x = [0.0f32, 10.0];
    /// let bins = Binning::new(&Tracks::new("X", &x, 1, 2).unwrap(), 11).unwrap();
    /// assert_eq!(bins.bin(9.99f32), 9);
    /// assert_eq!(bins.bin(99.0f32), 10);
    /// ```
    #[inline]
    pub fn bin(&self, v: T) -> usize {
        let q = v.diff_f64(self.xmin) / self.width;
        // floor and trunc differ only for negative quotients, which clamp to bin 0 either way.
        (q as i64).clamp(0, self.last) as usize
    }

    /// The number of bins.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{Binning, Tracks};
    /// let x = [0.0f32, 1.0];
    /// assert_eq!(Binning::new(&Tracks::new("X", &x, 1, 2).unwrap(), 7).unwrap().n_bins(), 7);
    /// ```
    pub fn n_bins(&self) -> usize {
        self.last as usize + 1
    }
}

/// Smallest and largest value (the input is finite).
fn min_max<T: Attribution>(v: &[T]) -> (T, T) {
    let merge = |(lo, hi): (T, T), (a, b): (T, T)| {
        (if a < lo { a } else { lo }, if b > hi { b } else { hi })
    };
    v.par_chunks(1 << 16)
        .map(|c| c.iter().fold((c[0], c[0]), |acc, &x| merge(acc, (x, x))))
        .reduce_with(merge)
        .unwrap_or((v[0], v[0]))
}

/// The upper-tail tables `R_L` for `L = 1..=max_len` (ALGORITHMS §5.1 step 2).
///
/// ```
/// use motiflift_kernels::seqlets::{Binning, NullTables, Tracks};
/// let x = [0.0f32, 1.0, 1.0, 1.0];
/// let t = Tracks::new("X", &x, 1, 4).unwrap();
/// let null = NullTables::new(&t, &Binning::new(&t, 2).unwrap(), 2);
/// // f = [1/4, 3/4]: P(bin >= 1) = 3/4, P(two bins sum >= 2) = 9/16.
/// assert_eq!(null.tail(1)[1], 0.75);
/// assert_eq!(null.tail(2)[2], 0.5625);
/// ```
#[derive(Debug, Clone)]
pub struct NullTables {
    /// `tails[L - 1][s] = R_L[s]`, `s = 0..=n_bins * L`.
    tails: Vec<Vec<f64>>,
}

impl NullTables {
    /// Builds the histogram of every value of `x` in `bins` and the tail tables up to
    /// `max_len` (at least 1).
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{Binning, NullTables, Tracks};
    /// let x = [0.0f32, 1.0, 2.0, 3.0];
    /// let t = Tracks::new("X", &x, 2, 2).unwrap();
    /// let null = NullTables::new(&t, &Binning::new(&t, 4).unwrap(), 3);
    /// assert_eq!(null.max_len(), 3);
    /// assert_eq!(null.tail(3)[0], 1.0);
    /// ```
    pub fn new<T: Attribution>(x: &Tracks<'_, T>, bins: &Binning<T>, max_len: usize) -> Self {
        let n_bins = bins.n_bins();
        let counts = histogram(x.values(), bins);
        let total = x.values().len() as f64;
        let f: Vec<f64> = counts.iter().map(|&c| c as f64 / total).collect();
        // The nonzero bins in descending order: ascending i = m - j in every output sum.
        let nz: Vec<(usize, f64)> = (0..n_bins).rev().filter(|&j| f[j] != 0.0).map(|j| (j, f[j])).collect();

        let mut tails = Vec::with_capacity(max_len);
        // Row L of the sum distribution (n_bins * L entries, the last one zero) at offset PAD,
        // zero-padded on both sides so that every block reads whole slices.
        let pad = n_bins + BLOCK;
        let width = pad + n_bins * max_len.max(1) + BLOCK;
        let mut prev = vec![0.0f64; width];
        let mut cur = vec![0.0f64; width];
        prev[pad..pad + n_bins].copy_from_slice(&f);
        tails.push(tail_sums(&prev[pad..pad + n_bins]));
        for len in 2..=max_len {
            let n_prev = n_bins * (len - 1);
            let n_out = n_prev + n_bins - 1;
            convolve(&prev, pad, &nz, n_prev, &mut cur[pad..pad + n_out]);
            cur[pad + n_out] = 0.0;
            tails.push(tail_sums(&cur[pad..pad + n_bins * len]));
            std::mem::swap(&mut prev, &mut cur);
        }
        Self { tails }
    }

    /// `R_len`: `tail(len)[s]` is the probability that `len` bins sum to at least `s`.
    ///
    /// ```
    /// # use motiflift_kernels::seqlets::{Binning, NullTables, Tracks};
    /// # let x = [0.0f32, 1.0];
    /// # let t = Tracks::new("X", &x, 1, 2).unwrap();
    /// let null = NullTables::new(&t, &Binning::new(&t, 2).unwrap(), 1);
    /// assert_eq!(null.tail(1), &[1.0, 0.5, 0.0]);
    /// ```
    pub fn tail(&self, len: usize) -> &[f64] {
        &self.tails[len - 1]
    }

    /// The longest span length tabulated.
    ///
    /// ```
    /// # use motiflift_kernels::seqlets::{Binning, NullTables, Tracks};
    /// # let x = [0.0f32, 1.0];
    /// # let t = Tracks::new("X", &x, 1, 2).unwrap();
    /// assert_eq!(NullTables::new(&t, &Binning::new(&t, 2).unwrap(), 5).max_len(), 5);
    /// ```
    pub fn max_len(&self) -> usize {
        self.tails.len()
    }
}

/// Outputs per block of the convolution: each block's accumulators stay in registers and its
/// inner loop over outputs vectorises.
const BLOCK: usize = 64;

/// Counts of every value of `v` per bin (integers, so any summation order gives the same).
fn histogram<T: Attribution>(v: &[T], bins: &Binning<T>) -> Vec<u64> {
    let n_bins = bins.n_bins();
    v.par_chunks(1 << 16)
        .fold(
            || vec![0u64; n_bins],
            |mut h, c| {
                for &x in c {
                    h[bins.bin(x)] += 1;
                }
                h
            },
        )
        .reduce(
            || vec![0u64; n_bins],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// `out[m] = Σ_i prev[i] · f[m − i]` over ascending `i`, from `+0.0`, products rounded before
/// each addition. `prev` holds the previous row at offset `pad` between zeros; terms reading
/// the zeros add `+0.0`, which leaves a non-negative sum unchanged.
fn convolve(prev: &[f64], pad: usize, nz: &[(usize, f64)], n_prev: usize, out: &mut [f64]) {
    out.par_chunks_mut(BLOCK * 8).enumerate().for_each(|(c, chunk)| {
        for (b, block) in chunk.chunks_mut(BLOCK).enumerate() {
            let m0 = c * BLOCK * 8 + b * BLOCK;
            let mut acc = [0.0f64; BLOCK];
            // Nonzero bins j reaching some output of the block: m0 - n_prev < j <= m0 + BLOCK - 1.
            for &(j, fj) in nz {
                if j + n_prev <= m0 || j >= m0 + BLOCK {
                    continue;
                }
                let o = pad + m0 - j;
                for (a, &p) in acc.iter_mut().zip(&prev[o..o + BLOCK]) {
                    *a += p * fj;
                }
            }
            block.copy_from_slice(&acc[..block.len()]);
        }
    });
}

/// `R[s] = R[s + 1] + S[s]` from the top, with `R[len(S)] = 0`.
fn tail_sums(s: &[f64]) -> Vec<f64> {
    let mut r = vec![0.0f64; s.len() + 1];
    for i in (0..s.len()).rev() {
        r[i] = r[i + 1] + s[i];
    }
    r
}
