//! `extract_loci`: fixed-width one-hot windows around loci of a FASTA genome (ALGORITHMS §2.2,
//! the sequence part).

use std::collections::BTreeSet;

use indicatif::ProgressBar;
use ndarray::Array3;
use rayon::prelude::*;

use super::bed::Locus;
use super::fasta::Fasta;
use crate::{Error, Result};

/// Options of [`extract_loci`]; defaults as tangermeme.
///
/// ```
/// let opts = motiflift::io::loci::ExtractOptions::default();
/// assert_eq!((opts.in_window, opts.max_jitter, opts.n_loci), (2114, 0, None));
/// assert_eq!((opts.alphabet.as_str(), opts.ignore.as_str()), ("ACGT", "N"));
/// ```
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Width of the sequence window centred on each locus midpoint.
    pub in_window: usize,
    /// Extra bases on each side (the window is `in_window + 2 * max_jitter` wide).
    pub max_jitter: usize,
    /// Keep at most this many loci (the first ones, in locus order).
    pub n_loci: Option<usize>,
    /// One byte per output row; matched against the upper-cased FASTA text.
    pub alphabet: String,
    /// Characters encoded as an all-zero column (matched against the upper-cased text).
    pub ignore: String,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            in_window: 2114,
            max_jitter: 0,
            n_loci: None,
            alphabet: "ACGT".into(),
            ignore: "N".into(),
        }
    }
}

/// The result of [`extract_loci`].
#[derive(Debug, Clone)]
pub struct Extracted {
    /// One-hot windows, shape `(n_kept, alphabet.len(), in_window + 2 * max_jitter)`.
    pub x: Array3<u8>,
    /// One entry per input locus: `true` if its window is in `x` (in order).
    pub mask: Vec<bool>,
}

/// Extracts one-hot windows, as `tangermeme.io.extract_loci(..., return_mask=True)`.
///
/// Each locus gives the window `[mid - in_window/2 - J, … + in_window + 2J)` with
/// `mid = start + (end - start) / 2` and `J = max_jitter`. Windows running off a chromosome are
/// dropped (never padded) and reported as `false` in the mask; so are loci after the first
/// `n_loci` kept ones. The text is upper-cased, `ignore` characters become all-zero columns, and
/// any other character is an error naming the chromosome and position, as is a chromosome
/// missing from the FASTA, or no locus left at all.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-extract-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("g.fa");
/// std::fs::write(&path, ">chr1\nACGTacgtNN\n").unwrap();
/// use motiflift::io::{bed::Locus, fasta::Fasta, loci::{extract_loci, ExtractOptions}};
/// let fasta = Fasta::open(&path)?;
/// let loci = [Locus::new("chr1", 3, 5), Locus::new("chr1", 0, 1)];
/// let opts = ExtractOptions { in_window: 4, ..Default::default() };
/// let out = extract_loci(&loci, &fasta, &opts)?;
/// assert_eq!(out.mask, [true, false]); // the second window would start at -2
/// assert_eq!(out.x.shape(), [1, 4, 4]);
/// let t_row: Vec<u8> = (0..4).map(|j| out.x[[0, 3, j]]).collect();
/// assert_eq!(t_row, [0, 1, 0, 0]); // window [2, 6) = "GTac": T at column 1
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn extract_loci(loci: &[Locus], fasta: &Fasta, opts: &ExtractOptions) -> Result<Extracted> {
    extract_loci_with_progress(loci, fasta, opts, &ProgressBar::hidden())
}

/// [`extract_loci`], ticking `progress` once per extracted window.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-extract-p-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("g.fa");
/// # std::fs::write(&path, ">chr1\nACGTACGT\n").unwrap();
/// use motiflift::io::{bed::Locus, fasta::Fasta, loci::*};
/// let bar = indicatif::ProgressBar::hidden();
/// let opts = ExtractOptions { in_window: 2, ..Default::default() };
/// let fasta = Fasta::open(&path)?;
/// extract_loci_with_progress(&[Locus::new("chr1", 3, 5)], &fasta, &opts, &bar)?;
/// assert_eq!(bar.position(), 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn extract_loci_with_progress(
    loci: &[Locus],
    fasta: &Fasta,
    opts: &ExtractOptions,
    progress: &ProgressBar,
) -> Result<Extracted> {
    if opts.n_loci == Some(0) {
        return Err(Error::Invalid("n_loci must be at least 1".into()));
    }
    if opts.in_window == 0 {
        return Err(Error::Invalid("in_window must be at least 1".into()));
    }
    let table = Encoding::new(&opts.alphabet, &opts.ignore)?;
    let records: Vec<_> = loci.iter().map(|l| fasta.record(&l.chrom)).collect();
    let missing: BTreeSet<&str> = loci
        .iter()
        .zip(&records)
        .filter(|(_, r)| r.is_none())
        .map(|(l, _)| l.chrom.as_str())
        .collect();
    if !missing.is_empty() {
        let known: Vec<&str> = fasta.records().iter().map(|r| r.name.as_str()).collect();
        return Err(Error::File {
            path: fasta.path().to_path_buf(),
            message: format!(
                "chromosome(s) {} of the loci not found (the FASTA has: {})",
                missing.into_iter().collect::<Vec<_>>().join(", "),
                known.join(", ")
            ),
        });
    }

    let half = (opts.in_window / 2) as i64;
    let jitter = opts.max_jitter as i64;
    let left = half + jitter;
    let right = half + (opts.in_window % 2) as i64 + jitter;
    let width = opts.in_window + 2 * opts.max_jitter;
    let mut mask = vec![false; loci.len()];
    let mut kept = Vec::new();
    for (i, (locus, record)) in loci.iter().zip(&records).enumerate() {
        if opts.n_loci.is_some_and(|n| kept.len() >= n) {
            break;
        }
        let Some(record) = record else { continue };
        let mid = locus.start + (locus.end - locus.start).div_euclid(2);
        if mid - left >= 0 && mid + right <= record.length as i64 {
            mask[i] = true;
            kept.push((*record, (mid - left) as u64));
        }
    }
    if kept.is_empty() {
        return Err(Error::Invalid(format!(
            "no locus left: all {} loci run off their chromosome with a window of {width}",
            loci.len()
        )));
    }

    progress.set_length(kept.len() as u64);
    let rows = table.rows;
    let mut x = vec![0u8; kept.len() * rows * width];
    x.par_chunks_mut(rows * width)
        .zip(kept.par_iter())
        .try_for_each_init(Vec::new, |raw, (out, &(record, start))| {
            fasta.read_raw(record, start, start + width as u64, raw)?;
            table.encode(raw, out, width).map_err(|(offset, byte)| Error::File {
                path: fasta.path().to_path_buf(),
                message: format!(
                    "{}:{}: unexpected character {:?} (expected one of {} or an ignored {})",
                    record.name,
                    start + offset as u64 + 1,
                    char::from(byte),
                    opts.alphabet,
                    opts.ignore
                ),
            })?;
            progress.inc(1);
            Ok::<(), Error>(())
        })?;
    progress.finish_and_clear();
    let x = Array3::from_shape_vec((kept.len(), rows, width), x)
        .map_err(|e| Error::Invalid(format!("internal shape error: {e}")))?;
    Ok(Extracted { x, mask })
}

/// Byte → row lookup table.
struct Encoding {
    table: [u8; 256],
    rows: usize,
}

/// Table entries that are not a row index.
const IGNORED: u8 = 0xFD;
const NEWLINE: u8 = 0xFE;
const INVALID: u8 = 0xFF;

impl Encoding {
    fn new(alphabet: &str, ignore: &str) -> Result<Self> {
        if !alphabet.is_ascii() || !ignore.is_ascii() {
            return Err(Error::Invalid("alphabet and ignore must be ASCII".into()));
        }
        if alphabet.is_empty() || alphabet.len() > 64 {
            return Err(Error::Invalid("the alphabet must have 1 to 64 characters".into()));
        }
        if let Some(c) = ignore.chars().find(|c| alphabet.contains(*c)) {
            return Err(Error::Invalid(format!("{c:?} is both in the alphabet and ignored")));
        }
        let mut table = [INVALID; 256];
        for b in 0..=255u8 {
            let upper = b.to_ascii_uppercase();
            if let Some(row) = alphabet.bytes().position(|a| a == upper) {
                table[b as usize] = row as u8;
            } else if ignore.bytes().any(|a| a == upper) {
                table[b as usize] = IGNORED;
            }
        }
        table[b'\n' as usize] = NEWLINE;
        table[b'\r' as usize] = NEWLINE;
        Ok(Self { table, rows: alphabet.len() })
    }

    /// Encodes `raw` (bases with line terminators) into the zeroed `(rows, width)` block `out`;
    /// on error, returns the base offset and the offending byte.
    fn encode(&self, raw: &[u8], out: &mut [u8], width: usize) -> std::result::Result<(), (usize, u8)> {
        let mut j = 0;
        for &b in raw {
            match self.table[b as usize] {
                NEWLINE => continue,
                IGNORED => {}
                INVALID => return Err((j, b)),
                row => out[row as usize * width + j] = 1,
            }
            j += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_upper_cases_and_ignores() {
        let t = Encoding::new("ACGT", "N").unwrap();
        let mut out = vec![0u8; 4 * 4];
        t.encode(b"aC\nnT", &mut out, 4).unwrap();
        assert_eq!(out, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(t.encode(b"ACR", &mut out, 4), Err((2, b'R')));
    }

    #[test]
    fn lower_case_alphabet_never_matches() {
        let t = Encoding::new("aCGT", "N").unwrap();
        let mut out = vec![0u8; 4];
        t.encode(b"C", &mut out, 1).unwrap();
        assert_eq!(out, [0, 1, 0, 0]);
        assert_eq!(t.encode(b"a", &mut out, 1), Err((0, b'a')));
    }

    #[test]
    fn alphabet_and_ignore_must_be_disjoint() {
        assert!(Encoding::new("ACGTN", "N").is_err());
    }
}
