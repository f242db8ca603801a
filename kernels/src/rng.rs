//! The numpy-legacy Mersenne Twister (ALGORITHMS §0.3) and the draws built on it.
//!
//! [`Mt19937`] reproduces, bit for bit, the streams of `numpy.random.RandomState(seed)` and of
//! numba's `np.random.seed(seed)`: the same 32-bit words, doubles, bounded integers (masked
//! rejection), Fisher–Yates shuffles and `choice` draws. [`random_one_hot`] is tangermeme's
//! `random_one_hot` on top of it.
//!
//! ```
//! use motiflift_kernels::rng::Mt19937;
//! let mut rng = Mt19937::new(1234);
//! assert_eq!(rng.next_f64(), 0.1915194503788923);
//! ```

use crate::{Error, Result};

/// Number of 32-bit words in the state.
const N: usize = 624;
/// The twist offset.
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_B0DF;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7FFF_FFFF;

/// The MT19937 generator with numpy's legacy integer seeding (`init_genrand`).
///
/// ```
/// use motiflift_kernels::rng::Mt19937;
/// let mut a = Mt19937::new(7);
/// let mut b = Mt19937::new(7);
/// assert_eq!(a.next_u32(), b.next_u32());
/// ```
#[derive(Clone)]
pub struct Mt19937 {
    state: [u32; N],
    /// The tempered outputs of the current `state`, made a block at a time (vectorisable).
    block: [u32; N],
    /// Index of the next word of `block`; `N` means "twist first".
    pos: usize,
}

impl std::fmt::Debug for Mt19937 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mt19937")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl Mt19937 {
    /// A generator seeded like `numpy.random.RandomState(seed)`.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// // numpy: RandomState(0).randint(2**32, dtype=np.uint32) == 2357136044
    /// assert_eq!(Mt19937::new(0).next_u32(), 2357136044);
    /// ```
    pub fn new(seed: u32) -> Self {
        let mut rng = Mt19937 {
            state: [0; N],
            block: [0; N],
            pos: N,
        };
        rng.reseed(seed);
        rng
    }

    /// Re-seeds in place (numba's `np.random.seed(seed)`), reusing the state buffer.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// let mut rng = Mt19937::new(3);
    /// rng.next_u32();
    /// rng.reseed(0);
    /// assert_eq!(rng.next_u32(), Mt19937::new(0).next_u32());
    /// ```
    pub fn reseed(&mut self, seed: u32) {
        self.state[0] = seed;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.pos = N;
    }

    /// Regenerates the whole state (the 624-word twist) and tempers it into `block`.
    ///
    /// The new state is built in `block` from the old one, in runs whose reads and writes do not
    /// overlap so that they vectorise, then copied back and tempered in place.
    fn refill(&mut self) {
        let mix = |hi: u32, lo: u32, far: u32| {
            let y = (hi & UPPER_MASK) | (lo & LOWER_MASK);
            far ^ (y >> 1) ^ (0u32.wrapping_sub(y & 1) & MATRIX_A)
        };
        const K: usize = N - M; // 227
        let old = &self.state;
        let (head, tail) = self.block.split_at_mut(K);
        // i in 0..K: the far word is old[i + M].
        for (i, v) in head.iter_mut().enumerate() {
            *v = mix(old[i], old[i + 1], old[i + M]);
        }
        // i in K..2K: the far word is new[i - K], in `head`.
        let (mid, last) = tail.split_at_mut(K);
        for (k, v) in mid.iter_mut().enumerate() {
            *v = mix(old[K + k], old[K + k + 1], head[k]);
        }
        // i in 2K..N-1: the far word is new[i - K], in `mid`; then i = N-1 wraps to new[0].
        let n_last = N - 1 - 2 * K;
        for (k, v) in last[..n_last].iter_mut().enumerate() {
            *v = mix(old[2 * K + k], old[2 * K + k + 1], mid[k]);
        }
        last[n_last] = mix(old[N - 1], head[0], mid[n_last]);
        self.state.copy_from_slice(&self.block);
        for y in &mut self.block {
            *y ^= *y >> 11;
            *y ^= (*y << 7) & 0x9D2C_5680;
            *y ^= (*y << 15) & 0xEFC6_0000;
            *y ^= *y >> 18;
        }
        self.pos = 0;
    }

    /// The next tempered 32-bit word.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// let mut rng = Mt19937::new(0);
    /// assert_eq!([rng.next_u32(), rng.next_u32()], [2357136044, 2546248239]);
    /// ```
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.refill();
        }
        let y = self.block[self.pos];
        self.pos += 1;
        y
    }

    /// A double uniform on `[0, 1)` with 53 random bits (numpy `random_sample`).
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// let mut rng = Mt19937::new(1234);
    /// let u: Vec<f64> = (0..3).map(|_| rng.next_f64()).collect();
    /// assert_eq!(u, [0.1915194503788923, 0.6221087710398319, 0.4377277390071145]);
    /// ```
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// An integer uniform on `[0, k)` by numpy's masked rejection (`randint(0, k)`).
    ///
    /// `k <= 1` returns 0 without drawing, as numpy does for a range of one value.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// let mut rng = Mt19937::new(0);
    /// let draws: Vec<u32> = (0..6).map(|_| rng.bounded(4)).collect();
    /// assert_eq!(draws, [0, 3, 1, 0, 3, 3]);
    /// ```
    #[inline]
    pub fn bounded(&mut self, k: u32) -> u32 {
        if k <= 1 {
            return 0;
        }
        self.interval32(k - 1)
    }

    /// Uniform on `[0, max]` for `max >= 1`: numpy's `random_interval` / masked rejection.
    #[inline]
    fn interval32(&mut self, max: u32) -> u32 {
        let mask = u32::MAX >> max.leading_zeros();
        loop {
            let v = self.next_u32() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// Uniform on `[0, max]`; above 32 bits numpy combines two words (high word first).
    fn interval(&mut self, max: usize) -> usize {
        match u32::try_from(max) {
            Ok(0) => 0,
            Ok(m) => self.interval32(m) as usize,
            Err(_) => {
                let max = max as u64;
                let mask = u64::MAX >> max.leading_zeros();
                loop {
                    let hi = u64::from(self.next_u32());
                    let v = ((hi << 32) | u64::from(self.next_u32())) & mask;
                    if v <= max {
                        return v as usize;
                    }
                }
            }
        }
    }

    /// Shuffles in place by top-down Fisher–Yates (numpy `RandomState.shuffle`).
    ///
    /// For `i = len-1` down to 1, swaps elements `i` and `bounded(i+1)`.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// let mut v = [0, 1, 2, 3, 4];
    /// Mt19937::new(0).shuffle(&mut v);
    /// assert_eq!(v, [2, 0, 1, 3, 4]); // numpy: RandomState(0).permutation(5)
    /// ```
    #[inline]
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        if xs.len() < 2 {
            return;
        }
        let Ok(mut i) = u32::try_from(xs.len() - 1) else {
            for i in (1..xs.len()).rev() {
                let j = self.interval(i);
                xs.swap(i, j);
            }
            return;
        };
        // The same draws as `bounded(i + 1)` for each `i`, without a branch per candidate word:
        // every word is either accepted (swap, then `i` decreases) or rejected (a self-swap).
        // `mask` (the smallest 2^b - 1 >= i) is constant while `i` stays in `(mask / 2, mask]`.
        let mut mask = u32::MAX >> i.leading_zeros();
        while i >= 1 {
            let lo = mask >> 1;
            while i > lo {
                if self.pos >= N {
                    self.refill();
                }
                let mut used = 0;
                for &w in &self.block[self.pos..] {
                    used += 1;
                    let v = w & mask;
                    let accept = v <= i;
                    let j = if accept { v } else { i };
                    xs.swap(i as usize, j as usize);
                    i -= u32::from(accept);
                    if i == lo {
                        break;
                    }
                }
                self.pos += used;
            }
            mask = lo;
        }
    }

    /// A random permutation of `0..m` (numpy `permutation(m)`); `m == 0` draws nothing.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// assert_eq!(Mt19937::new(0).permutation(5), [2, 0, 1, 3, 4]);
    /// ```
    pub fn permutation(&mut self, m: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..m).collect();
        self.shuffle(&mut p);
        p
    }

    /// `size` integers uniform on `[0, k)` (numpy `choice(k, size)` without probabilities).
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// assert_eq!(Mt19937::new(0).choice(4, 6), [0, 3, 1, 0, 3, 3]);
    /// ```
    pub fn choice(&mut self, k: u32, size: usize) -> Vec<u32> {
        (0..size).map(|_| self.bounded(k)).collect()
    }

    /// `size` indices drawn with probabilities `p` (numpy `choice(len(p), size, p=p)`).
    ///
    /// Like numpy, `p` must be non-empty, every entry in `[0, 1]` and the sum within
    /// `sqrt(f64::EPSILON)` of 1. Each draw is the number of entries of the normalised
    /// cumulative sum that are `<=` a [`next_f64`](Self::next_f64) draw.
    ///
    /// ```
    /// use motiflift_kernels::rng::Mt19937;
    /// let mut rng = Mt19937::new(0);
    /// let codes = rng.choice_p(&[0.1, 0.2, 0.3, 0.4], 5).unwrap();
    /// assert_eq!(codes, [2, 3, 3, 2, 2]);
    /// assert!(rng.choice_p(&[0.5, 0.6], 1).is_err());
    /// ```
    pub fn choice_p(&mut self, p: &[f64], size: usize) -> Result<Vec<u32>> {
        let cdf = normalised_cdf(p)?;
        Ok((0..size)
            .map(|_| {
                let u = self.next_f64();
                cdf.partition_point(|&c| c <= u) as u32
            })
            .collect())
    }
}

/// Validates probabilities as numpy's `choice` does and returns `cumsum(p) / sum`.
fn normalised_cdf(p: &[f64]) -> Result<Vec<f64>> {
    let bad = |reason: String| Error::InvalidArgument { name: "p", reason };
    if p.is_empty() {
        return Err(bad("must hold at least one probability".into()));
    }
    if u32::try_from(p.len()).is_err() {
        return Err(bad(format!(
            "holds {} probabilities, at most 2^32 - 1 allowed",
            p.len()
        )));
    }
    if let Some((i, v)) = p
        .iter()
        .enumerate()
        .find(|(_, v)| !(0.0..=1.0).contains(*v))
    {
        return Err(bad(format!(
            "entry {i} is {v}, expected a probability in [0, 1]"
        )));
    }
    // numpy checks the sum with Kahan summation.
    let (mut sum, mut carry) = (0.0f64, 0.0f64);
    for &v in p {
        let y = v - carry;
        let t = sum + y;
        carry = (t - sum) - y;
        sum = t;
    }
    if (sum - 1.0).abs() > f64::EPSILON.sqrt() {
        return Err(bad(format!("probabilities sum to {sum}, expected 1")));
    }
    let mut acc = 0.0;
    let mut cdf: Vec<f64> = p
        .iter()
        .map(|&v| {
            acc += v;
            acc
        })
        .collect();
    let total = acc;
    for c in &mut cdf {
        *c /= total;
    }
    Ok(cdf)
}

/// tangermeme's `random_one_hot((n, alphabet, len), probs, random_state=rng)` (ALGORITHMS §1.4).
///
/// Returns a one-hot `(n, alphabet, len)` array, row-major. Sequence `i` is
/// `choice(alphabet, len, p)` with `p` = `None` (uniform) when `probs` is `None`, `probs[0]` when
/// it holds one row, else `probs[i]`. The generator is advanced, as a passed `RandomState` is.
///
/// ```
/// use motiflift_kernels::rng::{random_one_hot, Mt19937};
/// let x = random_one_hot(1, 4, 12, None, &mut Mt19937::new(0)).unwrap();
/// let seq: String = (0..12)
///     .map(|j| b"ACGT"[(0..4).find(|&r| x[r * 12 + j] == 1).unwrap()] as char)
///     .collect();
/// assert_eq!(seq, "ATCATTTTCTCG");
/// ```
pub fn random_one_hot(
    n: usize,
    alphabet: usize,
    len: usize,
    probs: Option<&[Vec<f64>]>,
    rng: &mut Mt19937,
) -> Result<Vec<u8>> {
    let k = u32::try_from(alphabet).map_err(|_| Error::InvalidArgument {
        name: "shape",
        reason: format!("alphabet of {alphabet} characters, at most 2^32 - 1 allowed"),
    })?;
    if k == 0 && len > 0 {
        return Err(Error::InvalidArgument {
            name: "shape",
            reason: "an empty alphabet cannot fill a sequence".into(),
        });
    }
    let mut out = vec![0u8; n * alphabet * len];
    for i in 0..n {
        let codes = match probs {
            None => rng.choice(k, len),
            Some(rows) => {
                let row = if rows.len() == 1 {
                    rows.first()
                } else {
                    rows.get(i)
                };
                let p = row.ok_or_else(|| Error::InvalidArgument {
                    name: "probs",
                    reason: format!(
                        "has {} rows; sequence {i} needs row {i} (or give one row)",
                        rows.len()
                    ),
                })?;
                if p.len() != alphabet {
                    return Err(Error::InvalidArgument {
                        name: "probs",
                        reason: format!(
                            "row of {} probabilities, expected {alphabet} (one per character)",
                            p.len()
                        ),
                    });
                }
                rng.choice_p(p, len)?
            }
        };
        let seq = &mut out[i * alphabet * len..(i + 1) * alphabet * len];
        for (j, &c) in codes.iter().enumerate() {
            seq[c as usize * len + j] = 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a one-hot `(n, 4, len)` ACGT array to strings.
    fn decode(x: &[u8], len: usize) -> Vec<String> {
        x.chunks(4 * len)
            .map(|s| {
                (0..len)
                    .map(|j| b"ACGT"[(0..4).find(|&r| s[r * len + j] == 1).unwrap()] as char)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn bounded_golden_seed0() {
        let mut rng = Mt19937::new(0);
        let d: Vec<u32> = (0..6).map(|_| rng.bounded(4)).collect();
        assert_eq!(d, [0, 3, 1, 0, 3, 3]);
    }

    #[test]
    fn doubles_golden_seed1234() {
        let mut rng = Mt19937::new(1234);
        let d: Vec<f64> = (0..3).map(|_| rng.next_f64()).collect();
        assert_eq!(
            d,
            [0.1915194503788923, 0.6221087710398319, 0.4377277390071145]
        );
    }

    #[test]
    fn bounded_one_draws_nothing() {
        let mut a = Mt19937::new(5);
        let mut b = Mt19937::new(5);
        assert_eq!(a.bounded(1), 0);
        assert_eq!(a.bounded(0), 0);
        assert_eq!(a.next_u32(), b.next_u32());
    }

    #[test]
    fn state_regenerates_after_624_words() {
        // numpy: RandomState(5489).randint(2**32, size=10000, dtype=np.uint32)[[0, 999, 9999]];
        // the last is also C++'s check value for the 10000th draw of std::mt19937.
        let mut rng = Mt19937::new(5489);
        let words: Vec<u32> = (0..10_000).map(|_| rng.next_u32()).collect();
        assert_eq!(words[0], 3_499_211_612);
        assert_eq!(words[999], 1_341_017_984);
        assert_eq!(words[9999], 4_123_659_995);
    }

    #[test]
    fn shuffle_equals_bounded_fisher_yates() {
        // The branch-free shuffle draws exactly what `bounded(i + 1)` per step would, across
        // mask changes and block refills.
        let mut a = Mt19937::new(42);
        let mut b = Mt19937::new(42);
        for len in [0, 1, 2, 3, 4, 5, 17, 64, 65, 100, 1000, 5000] {
            let mut v: Vec<u32> = (0..len).collect();
            a.shuffle(&mut v);
            let mut w: Vec<u32> = (0..len).collect();
            for i in (1..w.len()).rev() {
                let j = b.bounded(i as u32 + 1) as usize;
                w.swap(i, j);
            }
            assert_eq!(v, w, "length {len}");
            assert_eq!(a.next_u32(), b.next_u32());
        }
    }

    #[test]
    fn shuffle_equals_permutation_applied() {
        let mut a = Mt19937::new(11);
        let mut b = Mt19937::new(11);
        let p = a.permutation(50);
        let mut v: Vec<usize> = (100..150).collect();
        b.shuffle(&mut v);
        assert_eq!(v, p.iter().map(|i| i + 100).collect::<Vec<_>>());
        assert!(Mt19937::new(0).permutation(0).is_empty());
    }

    #[test]
    fn random_one_hot_golden() {
        let x = random_one_hot(2, 4, 24, None, &mut Mt19937::new(0)).unwrap();
        assert_eq!(
            decode(&x, 24),
            ["ATCATTTTCTCGATGAAAGCGTTG", "ACCCCACATATCGTTAGTACTCTT"]
        );
        let x = random_one_hot(1, 4, 12, None, &mut Mt19937::new(0)).unwrap();
        assert_eq!(decode(&x, 12), ["ATCATTTTCTCG"]);
    }

    #[test]
    fn random_one_hot_probs_golden() {
        let probs = vec![vec![0.1, 0.2, 0.3, 0.4]];
        let x = random_one_hot(1, 4, 24, Some(&probs), &mut Mt19937::new(0)).unwrap();
        assert_eq!(decode(&x, 24), ["GTTGGTGTTGTGGTAAATTTTTGT"]);
    }

    #[test]
    fn random_one_hot_rejects_bad_probs() {
        let mut rng = Mt19937::new(0);
        let short = vec![vec![0.5, 0.5]];
        assert!(random_one_hot(1, 4, 5, Some(&short), &mut rng).is_err());
        let two_rows = vec![vec![0.25; 4], vec![0.25; 4]];
        assert!(random_one_hot(3, 4, 5, Some(&two_rows), &mut rng).is_err());
        let negative = vec![vec![-0.5, 0.5, 0.5, 0.5]];
        assert!(random_one_hot(1, 4, 5, Some(&negative), &mut rng).is_err());
        assert!(rng.choice_p(&[], 1).is_err());
        assert!(rng.choice_p(&[f64::NAN, 1.0], 1).is_err());
    }
}
