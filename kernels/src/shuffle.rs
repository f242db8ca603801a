//! tangermeme-exact shuffles of one-hot sequences (`tangermeme.ersatz`, ALGORITHMS §3).
//!
//! * [`dinucleotide_shuffle`]: shuffles that keep every dinucleotide count, bit-identical to
//!   tangermeme 1.6.0 for the same `random_state`, parallel over sequences (the output does not
//!   depend on the number of threads).
//! * [`dinucleotide_shuffle_one`] and [`reference_shuffles`]: the single-sequence entry points
//!   that DeepLIFT/SHAP's default references use (§4.3).
//! * [`shuffle`]: the mononucleotide shuffle, one permutation per repetition shared by the batch.
//!
//! One-hot arrays are `u8`, row-major: the input `(n_seqs, alphabet, len)`, the output
//! `(n_seqs, n, alphabet, len)`. An unknown base (N) is an all-zero column.
//!
//! ```
//! use motiflift_kernels::shuffle::{dinucleotide_shuffle, DinucleotideShuffleOptions, Seeds};
//! // CATCACGCATACG, one-hot (1, 4, 13)
//! let seq = b"CATCACGCATACG";
//! let mut x = vec![0u8; 4 * 13];
//! for (j, c) in seq.iter().enumerate() {
//!     x[b"ACGT".iter().position(|b| b == c).unwrap() * 13 + j] = 1;
//! }
//! let opts = DinucleotideShuffleOptions { n: 5, ..Default::default() };
//! let y = dinucleotide_shuffle(&x, [1, 4, 13], &Seeds::Base(0), &opts).unwrap();
//! let first: String = (0..13)
//!     .map(|j| b"ACGT"[(0..4).find(|&r| y[r * 13 + j] == 1).unwrap()] as char)
//!     .collect();
//! assert_eq!(first, "CGCATCACATACG");
//! ```

use rayon::prelude::*;

use crate::rng::Mt19937;
use crate::{Error, Result};

/// The seeds of a [`dinucleotide_shuffle`] call (tangermeme's integer or list `random_state`).
///
/// ```
/// use motiflift_kernels::shuffle::Seeds;
/// assert_eq!(Seeds::Base(-1).seed(1).unwrap(), 0); // (random_state + i) mod 2^32
/// assert_eq!(Seeds::PerSequence(vec![5, 99]).seed(1).unwrap(), 99);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeds {
    /// Sequence `i` is shuffled with seed `(base + i) mod 2^32`.
    Base(i64),
    /// Sequence `i` is shuffled with seed `seeds[i] mod 2^32`; one seed per sequence.
    PerSequence(Vec<i64>),
}

impl Seeds {
    /// The 32-bit seed of sequence `i`; a missing per-sequence seed is an error.
    ///
    /// ```
    /// use motiflift_kernels::shuffle::Seeds;
    /// assert_eq!(Seeds::Base(4_294_967_295).seed(2).unwrap(), 1);
    /// assert!(Seeds::PerSequence(vec![1]).seed(1).is_err());
    /// ```
    pub fn seed(&self, i: usize) -> Result<u32> {
        // Truncation to the low 32 bits is the mod 2^32 that numba's seeding applies.
        match self {
            Seeds::Base(base) => Ok(base.wrapping_add(i as i64) as u32),
            Seeds::PerSequence(seeds) => {
                seeds
                    .get(i)
                    .map(|&s| s as u32)
                    .ok_or_else(|| Error::InvalidArgument {
                        name: "random_state",
                        reason: format!("holds {} seeds, no seed for sequence {i}", seeds.len()),
                    })
            }
        }
    }

    /// Checks that there is one seed per sequence.
    fn check(&self, n_seqs: usize) -> Result<()> {
        match self {
            Seeds::PerSequence(seeds) if seeds.len() != n_seqs => Err(Error::InvalidArgument {
                name: "random_state",
                reason: format!(
                    "must hold one seed per sequence ({n_seqs}) but holds {}",
                    seeds.len()
                ),
            }),
            _ => Ok(()),
        }
    }
}

/// Options of [`dinucleotide_shuffle`], with tangermeme's defaults.
///
/// ```
/// use motiflift_kernels::shuffle::DinucleotideShuffleOptions;
/// let o = DinucleotideShuffleOptions::default();
/// assert_eq!((o.n, o.start, o.end, o.allow_n), (20, 0, -1, false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DinucleotideShuffleOptions {
    /// Shuffles per sequence (default 20).
    pub n: usize,
    /// First shuffled column (default 0); Python slice semantics (negative counts from the end).
    pub start: i64,
    /// End of the shuffled region, exclusive when `>= 0`; a negative `end` means
    /// `len + 1 + end` (so the default -1 is the whole sequence).
    pub end: i64,
    /// Accept N (all-zero) columns and shuffle them as a symbol of their own (default false).
    pub allow_n: bool,
}

impl Default for DinucleotideShuffleOptions {
    fn default() -> Self {
        DinucleotideShuffleOptions {
            n: 20,
            start: 0,
            end: -1,
            allow_n: false,
        }
    }
}

/// Options of [`shuffle`], with tangermeme's defaults.
///
/// ```
/// use motiflift_kernels::shuffle::ShuffleOptions;
/// let o = ShuffleOptions::default();
/// assert_eq!((o.n, o.start, o.end), (1, 0, -1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShuffleOptions {
    /// Shuffles (default 1); 0 is an error, as in tangermeme.
    pub n: usize,
    /// First shuffled column (default 0); must be `>= 0`.
    pub start: i64,
    /// End of the region, exclusive when `>= 0`; negative means `len + 1 + end` (default -1).
    pub end: i64,
}

impl Default for ShuffleOptions {
    fn default() -> Self {
        ShuffleOptions {
            n: 1,
            start: 0,
            end: -1,
        }
    }
}

/// tangermeme's `dinucleotide_shuffle(X, start, end, n, random_state, allow_N)` (ALGORITHMS §3.1).
///
/// `x` is one-hot `(n_seqs, alphabet, len)` = `shape`; returns `(n_seqs, n, alphabet, len)`.
/// Sequence `i` is shuffled `opts.n` times from one generator seeded with `random_state.seed(i)`;
/// columns outside `[start, end)` are copied. Errors, in tangermeme's order: a per-sequence seed
/// list of the wrong length; `x` not one-hot (values other than 0/1, a column summing to more
/// than 1, or an N column without `allow_n`; the first bad sequence and column is named); with
/// `n > 1`, a sequence whose shuffles are all identical in the interior of the region
/// ([`Error::IdenticalShuffles`]; always the case for regions of at most 2 columns). The
/// alphabet may hold at most 255 characters.
///
/// ```
/// use motiflift_kernels::shuffle::{dinucleotide_shuffle, DinucleotideShuffleOptions, Seeds};
/// use motiflift_kernels::Error;
/// // A homopolymer has a single possible shuffle.
/// let x = [vec![1u8; 30], vec![0u8; 90]].concat();
/// let err = dinucleotide_shuffle(&x, [1, 4, 30], &Seeds::Base(0), &Default::default());
/// assert!(matches!(err, Err(Error::IdenticalShuffles { index: 0 })));
/// let one = DinucleotideShuffleOptions { n: 1, ..Default::default() };
/// assert_eq!(dinucleotide_shuffle(&x, [1, 4, 30], &Seeds::Base(0), &one).unwrap(), x);
/// ```
pub fn dinucleotide_shuffle(
    x: &[u8],
    shape: [usize; 3],
    random_state: &Seeds,
    opts: &DinucleotideShuffleOptions,
) -> Result<Vec<u8>> {
    let [n_seqs, alphabet, len] = shape;
    check_shape(x, shape)?;
    check_alphabet(alphabet)?;
    random_state.check(n_seqs)?;
    let region = dinucleotide_region(opts.start, opts.end, len);
    let seq_size = alphabet * len;
    let block = output_size(&[opts.n, alphabet, len])?;
    let mut out = vec![0u8; output_size(&[n_seqs, opts.n, alphabet, len])?];

    let job = |scratch: &mut Scratch, i: usize, out: &mut [u8]| -> Result<()> {
        let seq = &x[i * seq_size..(i + 1) * seq_size];
        shuffle_into(
            i,
            seq,
            alphabet,
            len,
            random_state.seed(i)?,
            region,
            opts,
            scratch,
            out,
        )
    };
    let results: Vec<Result<()>> = if block == 0 {
        // Nothing to write, but every sequence is still validated and checked.
        (0..n_seqs)
            .into_par_iter()
            .map_init(Scratch::default, |s, i| job(s, i, &mut []))
            .collect()
    } else {
        out.par_chunks_mut(block)
            .enumerate()
            .map_init(Scratch::default, |s, (i, o)| job(s, i, o))
            .collect()
    };
    first_error(results)?;
    Ok(out)
}

/// The shuffles of one sequence `(alphabet, len)` with one seed: `(opts.n, alphabet, len)`.
///
/// Equals sequence 0 of [`dinucleotide_shuffle`] with `Seeds::Base(seed)`, with the same
/// validation and identity check.
///
/// ```
/// use motiflift_kernels::shuffle::{dinucleotide_shuffle_one, DinucleotideShuffleOptions};
/// let x = [1, 1, 0, 0, 1, 0, 0, 0,   0, 0, 1, 1, 0, 1, 1, 0,
///          0, 0, 0, 0, 0, 0, 0, 1,   0, 0, 0, 0, 0, 0, 0, 0u8]; // AACCACCG
/// let opts = DinucleotideShuffleOptions { n: 2, ..Default::default() };
/// let y = dinucleotide_shuffle_one(&x, 4, 8, 3, &opts).unwrap();
/// assert_eq!(y.len(), 2 * 4 * 8);
/// ```
pub fn dinucleotide_shuffle_one(
    seq: &[u8],
    alphabet: usize,
    len: usize,
    seed: u32,
    opts: &DinucleotideShuffleOptions,
) -> Result<Vec<u8>> {
    check_shape(seq, [1, alphabet, len])?;
    check_alphabet(alphabet)?;
    let region = dinucleotide_region(opts.start, opts.end, len);
    let mut out = vec![0u8; output_size(&[opts.n, alphabet, len])?];
    shuffle_into(
        0,
        seq,
        alphabet,
        len,
        seed,
        region,
        opts,
        &mut Scratch::default(),
        &mut out,
    )?;
    Ok(out)
}

/// DeepLIFT/SHAP's default references of one example (ALGORITHMS §4.3): `(k, alphabet, len)`
/// where reference `t` is the single dinucleotide shuffle (`n = 1`, whole sequence, no N
/// allowed) with seed `(random_state + t) mod 2^32`.
///
/// ```
/// use motiflift_kernels::shuffle::{dinucleotide_shuffle_one, reference_shuffles, DinucleotideShuffleOptions};
/// let x = [1, 1, 0, 0, 1, 0, 0, 0,   0, 0, 1, 1, 0, 1, 1, 0,
///          0, 0, 0, 0, 0, 0, 0, 1,   0, 0, 0, 0, 0, 0, 0, 0u8]; // AACCACCG
/// let refs = reference_shuffles(&x, 4, 8, 10, 3).unwrap();
/// let one = DinucleotideShuffleOptions { n: 1, ..Default::default() };
/// assert_eq!(refs[2 * 32..], dinucleotide_shuffle_one(&x, 4, 8, 12, &one).unwrap()[..]);
/// ```
pub fn reference_shuffles(
    seq: &[u8],
    alphabet: usize,
    len: usize,
    random_state: i64,
    k: usize,
) -> Result<Vec<u8>> {
    check_shape(seq, [1, alphabet, len])?;
    check_alphabet(alphabet)?;
    let opts = DinucleotideShuffleOptions {
        n: 1,
        ..Default::default()
    };
    let region = dinucleotide_region(opts.start, opts.end, len);
    let seeds = Seeds::Base(random_state);
    let mut out = vec![0u8; output_size(&[k, alphabet, len])?];
    let mut scratch = Scratch::default();
    let size = alphabet * len;
    for t in 0..k {
        let block = &mut out[t * size..(t + 1) * size];
        shuffle_into(
            0,
            seq,
            alphabet,
            len,
            seeds.seed(t)?,
            region,
            &opts,
            &mut scratch,
            block,
        )?;
    }
    Ok(out)
}

/// tangermeme's `shuffle(X, start, end, n, random_state)` (ALGORITHMS §3.2): `n` permutations of
/// the region's columns drawn from `rng` (advanced, as a passed `RandomState` is); shuffle `t`
/// of every sequence uses permutation `t`. Returns `(n_seqs, n, alphabet, len)`.
///
/// N columns are allowed. Errors: not one-hot, `end <= start`, `start < 0`, `end > len`, `n == 0`.
///
/// ```
/// use motiflift_kernels::rng::Mt19937;
/// use motiflift_kernels::shuffle::{shuffle, ShuffleOptions};
/// let seq = b"AACCGGTTACGT";
/// let mut x = vec![0u8; 4 * 12];
/// for (j, c) in seq.iter().enumerate() {
///     x[b"ACGT".iter().position(|b| b == c).unwrap() * 12 + j] = 1;
/// }
/// let opts = ShuffleOptions { n: 2, ..Default::default() };
/// let y = shuffle(&x, [1, 4, 12], &mut Mt19937::new(0), &opts).unwrap();
/// let decode = |s: &[u8]| -> String {
///     (0..12).map(|j| b"ACGT"[(0..4).find(|&r| s[r * 12 + j] == 1).unwrap()] as char).collect()
/// };
/// assert_eq!([decode(&y[..48]), decode(&y[48..])], ["TTGGCAATCCAG", "GCCGCATTTAGA"]);
/// ```
pub fn shuffle(
    x: &[u8],
    shape: [usize; 3],
    rng: &mut Mt19937,
    opts: &ShuffleOptions,
) -> Result<Vec<u8>> {
    let [n_seqs, alphabet, len] = shape;
    check_shape(x, shape)?;
    let seq_size = alphabet * len;
    let first_bad = x
        .par_chunks(seq_size.max(1))
        .enumerate()
        .map_init(Vec::new, |colsum, (i, seq)| {
            validate(i, seq, alphabet, len, true, colsum).err()
        })
        .find_map_first(|e| e);
    if let Some(e) = first_bad {
        return Err(e);
    }
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let end = if opts.end < 0 {
        len_i + 1 + opts.end
    } else {
        opts.end
    };
    if end <= opts.start {
        return Err(Error::InvalidArgument {
            name: "end",
            reason: format!("end ({end}) must come after start ({})", opts.start),
        });
    }
    if end > len_i || opts.start < 0 {
        return Err(Error::InvalidArgument {
            name: "start",
            reason: format!(
                "region [{}, {end}) falls off a sequence of length {len}",
                opts.start
            ),
        });
    }
    if opts.n == 0 {
        return Err(Error::InvalidArgument {
            name: "n",
            reason: "must be at least 1".into(),
        });
    }
    let (start, end) = (opts.start as usize, end as usize);
    let perms: Vec<Vec<usize>> = (0..opts.n).map(|_| rng.permutation(end - start)).collect();

    let mut out = vec![0u8; output_size(&[n_seqs, opts.n, alphabet, len])?];
    let block = opts.n * seq_size;
    if block > 0 {
        out.par_chunks_mut(block)
            .zip(x.par_chunks(seq_size))
            .for_each(|(out, seq)| {
                for (o, perm) in out.chunks_exact_mut(seq_size).zip(&perms) {
                    o.copy_from_slice(seq);
                    for (o_row, row) in o.chunks_exact_mut(len).zip(seq.chunks_exact(len)) {
                        for (dst, &src) in o_row[start..end].iter_mut().zip(perm) {
                            *dst = row[start + src];
                        }
                    }
                }
            });
    }
    Ok(out)
}

/// The shuffled region `[start, end)` of the dinucleotide shuffle: `end < 0` becomes
/// `len + 1 + end`, then Python slice semantics (negative indices count from the end, clamped,
/// empty when `end <= start`).
fn dinucleotide_region(start: i64, end: i64, len: usize) -> (usize, usize) {
    let l = i64::try_from(len).unwrap_or(i64::MAX);
    let end = if end < 0 { l + 1 + end } else { end };
    let clamp = |v: i64| if v < 0 { (v + l).max(0) } else { v.min(l) } as usize;
    let (s, e) = (clamp(start), clamp(end));
    (s, e.max(s))
}

fn check_shape(x: &[u8], shape: [usize; 3]) -> Result<()> {
    let want = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if want != Some(x.len()) {
        return Err(Error::Shape {
            what: "X",
            expected: format!("{shape:?} = (sequences, alphabet, length) one-hot values"),
            got: vec![x.len()],
        });
    }
    Ok(())
}

fn check_alphabet(alphabet: usize) -> Result<()> {
    if alphabet > 255 {
        return Err(Error::InvalidArgument {
            name: "X",
            reason: format!("alphabet of {alphabet} characters, at most 255 supported"),
        });
    }
    Ok(())
}

fn output_size(dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::InvalidArgument {
            name: "n",
            reason: format!("output of shape {dims:?} does not fit in memory"),
        })
}

/// Returns the first validation error in sequence order if any, else the first other error.
fn first_error(results: Vec<Result<()>>) -> Result<()> {
    let mut other = None;
    for r in results {
        match r {
            Err(e @ Error::NotOneHot { .. }) => return Err(e),
            Err(e) if other.is_none() => other = Some(e),
            _ => {}
        }
    }
    other.map_or(Ok(()), Err)
}

/// Shuffles walked together: independent walks interleaved to hide load latency.
const LANES: usize = 8;

/// Per-thread buffers, reused across sequences so that the hot loop never allocates.
#[derive(Default)]
struct Scratch {
    /// Column sums of the sequence under validation.
    colsum: Vec<u8>,
    /// Codes of the region (`alphabet` for N).
    codes: Vec<u8>,
    /// Successor codes, grouped by symbol (`E[x]` of §3.1 as codes: the walk needs no positions).
    succ: Vec<u8>,
    /// Start of each symbol's list in `succ` (`n_chars + 1` entries).
    offsets: Vec<u32>,
    /// Snapshots of `succ` after the permutations of up to `LANES` consecutive shuffles.
    lanes: Vec<u8>,
    /// Per lane and symbol, the next unused entry of `lanes` during a walk.
    cursors: Vec<u32>,
    /// The shuffles being walked (`LANES` × region length), and the first shuffle of the
    /// sequence (identity check).
    walked: Vec<u8>,
    first: Vec<u8>,
    rng: Option<Mt19937>,
}

/// Checks one sequence `(alphabet, len)` is one-hot (N columns allowed with `allow_n`).
fn validate(
    i: usize,
    seq: &[u8],
    alphabet: usize,
    len: usize,
    allow_n: bool,
    colsum: &mut Vec<u8>,
) -> Result<()> {
    colsum.clear();
    colsum.resize(len, 0);
    let mut max = 0u8;
    for row in seq.chunks_exact(len.max(1)) {
        for (s, &v) in colsum.iter_mut().zip(row) {
            *s = s.saturating_add(v);
            max = max.max(v);
        }
    }
    let ok_sum = if allow_n {
        colsum.iter().all(|&s| s <= 1)
    } else {
        colsum.iter().all(|&s| s == 1)
    };
    if max <= 1 && ok_sum {
        return Ok(());
    }
    // The definitive check, column by column, naming the first bad column.
    for j in 0..len {
        let column = || (0..alphabet).map(|r| seq[r * len + j]);
        let reason = if let Some(v) = column().find(|&v| v > 1) {
            format!("value {v}, expected 0 or 1")
        } else {
            match column().filter(|&v| v == 1).count() {
                0 if !allow_n => {
                    "all-zero column (unknown base) while N is not allowed".to_string()
                }
                0 | 1 => continue,
                k => format!("{k} ones in one column"),
            }
        };
        return Err(Error::NotOneHot {
            what: "X",
            index: i,
            position: j,
            reason,
        });
    }
    Ok(())
}

/// Validates sequence `i`, shuffles its region `opts.n` times with `seed` and writes the
/// one-hot shuffles `(n, alphabet, len)` into `out` (empty when there is nothing to write).
#[allow(clippy::too_many_arguments)]
fn shuffle_into(
    i: usize,
    seq: &[u8],
    alphabet: usize,
    len: usize,
    seed: u32,
    (start, end): (usize, usize),
    opts: &DinucleotideShuffleOptions,
    s: &mut Scratch,
    out: &mut [u8],
) -> Result<()> {
    validate(i, seq, alphabet, len, opts.allow_n, &mut s.colsum)?;
    let m = end - start;
    // Region codes: the row holding the 1, or `alphabet` for an all-zero column.
    s.codes.clear();
    s.codes.resize(m, 0);
    for (r, row) in seq.chunks_exact(len.max(1)).enumerate() {
        for (c, &v) in s.codes.iter_mut().zip(&row[start..end]) {
            *c |= (r as u8) & 0u8.wrapping_sub(v);
        }
    }
    for (c, &sum) in s.codes.iter_mut().zip(&s.colsum[start..end]) {
        if sum == 0 {
            *c = alphabet as u8;
        }
    }
    let n_chars = alphabet + 1;

    // Successor lists E[x] (as codes), grouped by symbol in position order. Offsets fit u32
    // because a list position is below the region length.
    let edges = m.saturating_sub(1);
    let edges_u32 = u32::try_from(edges).map_err(|_| Error::InvalidArgument {
        name: "end",
        reason: format!("a region of {m} columns is too long (at most 2^32 columns)"),
    })?;
    s.offsets.clear();
    s.offsets.resize(n_chars + 1, 0);
    for &c in &s.codes[..edges] {
        s.offsets[c as usize + 1] += 1;
    }
    for x in 0..n_chars {
        s.offsets[x + 1] += s.offsets[x];
    }
    s.cursors.clear();
    s.cursors.extend_from_slice(&s.offsets[..n_chars]);
    s.succ.clear();
    s.succ.resize(edges, 0);
    for w in s.codes.windows(2) {
        let k = &mut s.cursors[w[0] as usize];
        s.succ[*k as usize] = w[1];
        *k += 1;
    }

    let rng = s.rng.get_or_insert_with(|| Mt19937::new(seed));
    rng.reseed(seed);
    s.lanes.resize(LANES * edges, 0);
    s.cursors.resize(LANES * n_chars, 0);
    s.walked.resize(LANES * m, 0);
    let mut identical = true;
    let seq_size = alphabet * len;
    for t0 in (0..opts.n).step_by(LANES) {
        let group = LANES.min(opts.n - t0);
        for u in 0..group {
            // Permute every list but its last entry, cumulatively, symbols in code order.
            for x in 0..n_chars {
                let (lo, hi) = (s.offsets[x] as usize, s.offsets[x + 1] as usize);
                if hi - lo >= 3 {
                    rng.shuffle(&mut s.succ[lo..hi - 1]);
                }
            }
            s.lanes[u * edges..(u + 1) * edges].copy_from_slice(&s.succ);
            for (c, &o) in s.cursors[u * n_chars..(u + 1) * n_chars]
                .iter_mut()
                .zip(&s.offsets)
            {
                *c = o + u as u32 * edges_u32;
            }
        }
        let mut u = 0;
        while m > 0 && u < group {
            let width = [8, 4, 2, 1]
                .into_iter()
                .find(|&w| w <= group - u)
                .unwrap_or(1);
            let cursors = &mut s.cursors[u * n_chars..(u + width) * n_chars];
            let walked = &mut s.walked[u * m..(u + width) * m];
            match width {
                8 => walk::<8>(s.codes[0], &s.lanes, cursors, n_chars, walked),
                4 => walk::<4>(s.codes[0], &s.lanes, cursors, n_chars, walked),
                2 => walk::<2>(s.codes[0], &s.lanes, cursors, n_chars, walked),
                _ => walk::<1>(s.codes[0], &s.lanes, cursors, n_chars, walked),
            }
            u += width;
        }
        for u in 0..group {
            let (t, current) = (t0 + u, &s.walked[u * m..(u + 1) * m]);
            if opts.n > 1 {
                let interior = if m > 2 { 1..m - 1 } else { 0..0 };
                if t == 0 {
                    s.first.clear();
                    s.first.extend_from_slice(current);
                } else if identical && current[interior.clone()] != s.first[interior] {
                    identical = false;
                }
            }
            if let Some(o) = out.get_mut(t * seq_size..(t + 1) * seq_size) {
                write_one_hot(o, seq, len, (start, end), current);
            }
        }
    }
    if opts.n > 1 && identical {
        return Err(Error::IdenticalShuffles { index: i });
    }
    Ok(())
}

/// `L` interleaved walks (§3.1): lane `u` starts at `first`, then repeatedly takes the next
/// unused successor of its current symbol from `lanes` (`cursors[u * n_chars + x]` indexes the
/// next entry of symbol `x`), writing its region codes to `walked[u * m..]`.
fn walk<const L: usize>(
    first: u8,
    lanes: &[u8],
    cursors: &mut [u32],
    n_chars: usize,
    walked: &mut [u8],
) {
    let m = walked.len() / L;
    let mut x = [first; L];
    for u in 0..L {
        walked[u * m] = first;
    }
    for j in 1..m {
        for u in 0..L {
            let k = &mut cursors[u * n_chars + x[u] as usize];
            x[u] = lanes[*k as usize];
            *k += 1;
            walked[u * m + j] = x[u];
        }
    }
}

/// Writes one shuffle `(alphabet, len)`: `seq` outside the region, the one-hot of `codes` inside.
fn write_one_hot(o: &mut [u8], seq: &[u8], len: usize, (start, end): (usize, usize), codes: &[u8]) {
    for (r, (o_row, row)) in o
        .chunks_exact_mut(len)
        .zip(seq.chunks_exact(len))
        .enumerate()
    {
        o_row[..start].copy_from_slice(&row[..start]);
        o_row[end..].copy_from_slice(&row[end..]);
        let r = r as u8;
        for (v, &c) in o_row[start..end].iter_mut().zip(codes) {
            *v = u8::from(c == r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One-hot `(n, 4, len)` of ACGT strings (`N` → zero column).
    fn encode(seqs: &[&str]) -> (Vec<u8>, [usize; 3]) {
        let len = seqs[0].len();
        let mut x = vec![0u8; seqs.len() * 4 * len];
        for (i, s) in seqs.iter().enumerate() {
            for (j, c) in s.bytes().enumerate() {
                if let Some(r) = b"ACGT".iter().position(|&b| b == c) {
                    x[i * 4 * len + r * len + j] = 1;
                }
            }
        }
        (x, [seqs.len(), 4, len])
    }

    /// Decodes `(…, 4, len)` blocks to strings (`N` for zero columns).
    fn decode(y: &[u8], len: usize) -> Vec<String> {
        y.chunks(4 * len)
            .map(|s| {
                (0..len)
                    .map(|j| {
                        (0..4)
                            .find(|&r| s[r * len + j] == 1)
                            .map_or('N', |r| b"ACGT"[r] as char)
                    })
                    .collect()
            })
            .collect()
    }

    fn opts(n: usize) -> DinucleotideShuffleOptions {
        DinucleotideShuffleOptions {
            n,
            ..Default::default()
        }
    }

    #[test]
    fn golden_seed0_n5() {
        let (x, shape) = encode(&["CATCACGCATACG"]);
        let y = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(5)).unwrap();
        assert_eq!(
            decode(&y, 13),
            [
                "CGCATCACATACG",
                "CATCGCATACACG",
                "CGCATCATACACG",
                "CACGCATCATACG",
                "CACATCATACGCG"
            ]
        );
    }

    #[test]
    fn golden_seed1_n3() {
        let (x, shape) = encode(&["CATCACGCATACG"]);
        let y = dinucleotide_shuffle(&x, shape, &Seeds::Base(1), &opts(3)).unwrap();
        assert_eq!(
            decode(&y, 13),
            ["CGCATCATACACG", "CATCACGCATACG", "CGCATCATACACG"]
        );
    }

    #[test]
    fn sequence_i_uses_seed_base_plus_i() {
        let (x, shape) = encode(&["CATCACGCATACG", "CATCACGCATACG"]);
        let y = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(3)).unwrap();
        // Sequence 1 with base 0 is seed 1: the seed-1 golden.
        assert_eq!(
            decode(&y[3 * 52..], 13),
            ["CGCATCATACACG", "CATCACGCATACG", "CGCATCATACACG"]
        );
        let wrapped =
            dinucleotide_shuffle(&x, shape, &Seeds::Base(-1 + (1 << 32)), &opts(3)).unwrap();
        let listed =
            dinucleotide_shuffle(&x, shape, &Seeds::PerSequence(vec![-1, 0]), &opts(3)).unwrap();
        assert_eq!(wrapped, listed);
        assert_eq!(decode(&wrapped[3 * 52..], 13), decode(&y[..3 * 52], 13));
    }

    #[test]
    fn one_and_references_match_batch() {
        let (x, shape) = encode(&["CATCACGCATACG"]);
        let batch = dinucleotide_shuffle(&x, shape, &Seeds::Base(7), &opts(4)).unwrap();
        assert_eq!(
            dinucleotide_shuffle_one(&x, 4, 13, 7, &opts(4)).unwrap(),
            batch
        );
        let refs = reference_shuffles(&x, 4, 13, 1, 2).unwrap();
        // Reference 0 and 1 are the first shuffles with seeds 1 and 2; seed 1's first is known.
        assert_eq!(decode(&refs, 13)[0], "CGCATCATACACG");
        assert_eq!(
            refs[52..],
            dinucleotide_shuffle_one(&x, 4, 13, 2, &opts(1)).unwrap()[..]
        );
    }

    #[test]
    fn region_and_negative_end() {
        let (x, shape) = encode(&["GGCATCACGCATACGTT"]);
        let o = DinucleotideShuffleOptions {
            n: 5,
            start: 2,
            end: -3,
            allow_n: false,
        };
        let y = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &o).unwrap();
        // [2, 17 + 1 - 3) = [2, 15) is the golden sequence; the flanks are kept.
        let expect = [
            "CGCATCACATACG",
            "CATCGCATACACG",
            "CGCATCATACACG",
            "CACGCATCATACG",
            "CACATCATACGCG",
        ];
        for (got, want) in decode(&y, 17).iter().zip(expect) {
            assert_eq!(got, &format!("GG{want}TT"));
        }
    }

    #[test]
    fn region_uses_python_slice_semantics() {
        assert_eq!(dinucleotide_region(0, -1, 10), (0, 10));
        assert_eq!(dinucleotide_region(-4, -1, 10), (6, 10));
        assert_eq!(dinucleotide_region(5, 2, 10), (5, 5));
        assert_eq!(dinucleotide_region(0, 50, 10), (0, 10));
        assert_eq!(dinucleotide_region(0, -12, 10), (0, 9));
    }

    #[test]
    fn n_shuffled_as_fifth_symbol() {
        let (x, shape) = encode(&["CATNNCACGCATNACG"]);
        let o = DinucleotideShuffleOptions {
            allow_n: true,
            ..opts(6)
        };
        let y = dinucleotide_shuffle(&x, shape, &Seeds::Base(3), &o).unwrap();
        for s in decode(&y, 16) {
            assert_eq!(s.matches('N').count(), 3);
            assert!(s.starts_with('C') && s.ends_with('G'));
        }
        let err = dinucleotide_shuffle(&x, shape, &Seeds::Base(3), &opts(2)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotOneHot {
                    index: 0,
                    position: 3,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn identical_shuffles_error() {
        for s in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AATA", "AC"] {
            let (x, shape) = encode(&[s]);
            let err = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(2)).unwrap_err();
            assert!(
                matches!(err, Error::IdenticalShuffles { index: 0 }),
                "{s}: {err}"
            );
            assert!(dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(1)).is_ok());
        }
        let (x, shape) = encode(&["CATCACGCATACG", "TTTTTTTTTTTTT"]);
        let err = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(2)).unwrap_err();
        assert!(
            matches!(err, Error::IdenticalShuffles { index: 1 }),
            "{err}"
        );
    }

    #[test]
    fn validation_errors_name_sequence_and_column() {
        let (mut x, shape) = encode(&["CATCACGCATACG", "CATCACGCATACG"]);
        x[52 + 13 + 4] = 1; // sequence 1, column 4 (an A) gets a second 1 in row C
        let err = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(2)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotOneHot {
                    index: 1,
                    position: 4,
                    ..
                }
            ),
            "{err}"
        );
        x[52 + 13 + 4] = 0;
        x[7] = 2;
        let err = dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(2)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotOneHot {
                    index: 0,
                    position: 7,
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(
            dinucleotide_shuffle(&x[1..], shape, &Seeds::Base(0), &opts(2)),
            Err(Error::Shape { .. })
        ));
        let (x, shape) = encode(&["CATCACGCATACG"]);
        assert!(
            dinucleotide_shuffle(&x, shape, &Seeds::PerSequence(vec![1, 2]), &opts(2)).is_err()
        );
    }

    #[test]
    fn zero_shuffles_and_empty_batch() {
        let (x, shape) = encode(&["CATCACGCATACG"]);
        assert!(
            dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &opts(0))
                .unwrap()
                .is_empty()
        );
        assert!(
            dinucleotide_shuffle(&[], [0, 4, 13], &Seeds::Base(0), &opts(3))
                .unwrap()
                .is_empty()
        );
        let empty_region = DinucleotideShuffleOptions {
            start: 5,
            end: 5,
            ..opts(1)
        };
        assert_eq!(
            dinucleotide_shuffle(&x, shape, &Seeds::Base(0), &empty_region).unwrap(),
            x
        );
    }

    #[test]
    fn mononucleotide_golden_and_errors() {
        let (x, shape) = encode(&["AACCGGTTACGT"]);
        let o = ShuffleOptions {
            n: 2,
            ..Default::default()
        };
        let y = shuffle(&x, shape, &mut Mt19937::new(0), &o).unwrap();
        assert_eq!(decode(&y, 12), ["TTGGCAATCCAG", "GCCGCATTTAGA"]);
        let bad = |start, end, n| {
            shuffle(
                &x,
                shape,
                &mut Mt19937::new(0),
                &ShuffleOptions { n, start, end },
            )
            .is_err()
        };
        assert!(bad(5, 5, 1));
        assert!(bad(-1, 5, 1));
        assert!(bad(0, 13, 1));
        assert!(bad(0, -1, 0));
        assert!(!bad(0, 12, 1));
    }

    #[test]
    fn mononucleotide_region_keeps_flanks_and_n() {
        let (x, shape) = encode(&["GGAACNGGTTTT", "TTTTTTTTTTTT"]);
        let o = ShuffleOptions {
            n: 3,
            start: 2,
            end: 8,
        };
        let y = shuffle(&x, shape, &mut Mt19937::new(5), &o).unwrap();
        for s in decode(&y[..3 * 48], 12) {
            assert!(s.starts_with("GG") && s.ends_with("TTTT"));
            let mut mid: Vec<char> = s[2..8].chars().collect();
            mid.sort();
            assert_eq!(mid.into_iter().collect::<String>(), "AACGGN");
        }
        assert!(decode(&y[3 * 48..], 12).iter().all(|s| s == "TTTTTTTTTTTT"));
    }
}
