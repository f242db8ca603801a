//! `extract_loci`: fixed-width one-hot windows around loci of a FASTA genome (ALGORITHMS §2.2,
//! the sequence part).

use std::collections::BTreeSet;

use indicatif::ProgressBar;
use ndarray::Array3;
use rayon::prelude::*;

use super::bed::Locus;
use super::fasta::{Fasta, FastaRecord};
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
///
/// ```
/// let out = motiflift::io::loci::Extracted { x: ndarray::Array3::zeros((1, 4, 10)), mask: vec![false, true] };
/// assert_eq!(out.mask.iter().filter(|&&k| k).count(), out.x.shape()[0]);
/// ```
#[derive(Debug, Clone)]
pub struct Extracted {
    /// One-hot windows, shape `(n_kept, alphabet.len(), in_window + 2 * max_jitter)`.
    pub x: Array3<u8>,
    /// One entry per input locus: `true` if its window is in `x` (in order).
    pub mask: Vec<bool>,
}

/// `start + (end - start) // 2` as Python computes it, without overflow for any coordinates.
fn midpoint(l: &Locus) -> i64 {
    let (start, end) = (i128::from(l.start), i128::from(l.end));
    // Between start and end (or end and start), so it fits in an i64.
    (start + (end - start).div_euclid(2)) as i64
}

/// The windows [`extract_loci`] keeps, before any sequence is read.
struct Windows<'a> {
    /// One entry per locus: whether its window is kept.
    mask: Vec<bool>,
    /// Per kept locus, its chromosome and window start.
    kept: Vec<(&'a FastaRecord, u64)>,
    /// Bases of a window left and right of the locus midpoint.
    left: i64,
    right: i64,
    /// Per locus, its chromosome (all present).
    records: Vec<&'a FastaRecord>,
}

/// Validates the window sizes, checks every chromosome is in the FASTA and keeps the windows
/// inside their chromosome, the first `n_loci` of them.
fn kept_windows<'a>(
    loci: &[Locus],
    fasta: &'a Fasta,
    in_window: usize,
    max_jitter: usize,
    n_loci: Option<usize>,
) -> Result<Windows<'a>> {
    if n_loci == Some(0) {
        return Err(Error::Invalid("n_loci must be at least 1".into()));
    }
    if in_window == 0 {
        return Err(Error::Invalid("in_window must be at least 1".into()));
    }
    // Far beyond any chromosome; keeps the window arithmetic below free of overflow.
    const MAX_WINDOW: usize = 1 << 40;
    if in_window > MAX_WINDOW || max_jitter > MAX_WINDOW {
        return Err(Error::Invalid(format!(
            "in_window {in_window} and max_jitter {max_jitter} must be at most {MAX_WINDOW}"
        )));
    }
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
    let records: Vec<&FastaRecord> = records.into_iter().flatten().collect();

    let half = (in_window / 2) as i64;
    let jitter = max_jitter as i64;
    let left = half + jitter;
    let right = half + (in_window % 2) as i64 + jitter;
    let mut mask = vec![false; loci.len()];
    let mut kept = Vec::new();
    for (i, (locus, &record)) in loci.iter().zip(&records).enumerate() {
        if n_loci.is_some_and(|n| kept.len() >= n) {
            break;
        }
        let mid = midpoint(locus);
        // Saturating: coordinates come from the user's BED file.
        let length = i64::try_from(record.length).unwrap_or(i64::MAX);
        if mid.saturating_sub(left) >= 0 && mid.saturating_add(right) <= length {
            mask[i] = true;
            kept.push((record, (mid - left) as u64));
        }
    }
    Ok(Windows { mask, kept, left, right, records })
}

/// Which loci [`extract_loci`] keeps (its `mask`), without reading any sequence: windows
/// inside their chromosome, the first `n_loci` of them. A chromosome missing from the FASTA is
/// an error naming it. The streamed `extract` uses it to size its output before reading.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-wmask-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("g.fa");
/// std::fs::write(&path, ">chr1\nACGTACGTAC\n").unwrap();
/// use motiflift::io::{bed::Locus, fasta::Fasta};
/// let fasta = Fasta::open(&path)?;
/// let loci = [Locus::new("chr1", 3, 5), Locus::new("chr1", 0, 1)];
/// assert_eq!(motiflift::io::loci::window_mask(&loci, &fasta, 4, 0, None)?, [true, false]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn window_mask(
    loci: &[Locus],
    fasta: &Fasta,
    in_window: usize,
    max_jitter: usize,
    n_loci: Option<usize>,
) -> Result<Vec<bool>> {
    Ok(kept_windows(loci, fasta, in_window, max_jitter, n_loci)?.mask)
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
    let Windows { mask, kept, left, right, records } =
        kept_windows(loci, fasta, opts.in_window, opts.max_jitter, opts.n_loci)?;
    let table = Encoding::new(&opts.alphabet, &opts.ignore)?;
    let width = opts.in_window + 2 * opts.max_jitter;
    if kept.is_empty() {
        // Name the first locus, its window and its chromosome's length: the usual causes are a
        // window wider than the chromosome, or loci from another assembly.
        let example = loci.first().zip(records.first().copied()).map_or_else(
            String::new,
            |(l, r)| {
                let mid = midpoint(l);
                format!(
                    " (locus 0, {}:{}-{}, needs [{}, {}) but {} has {} bases)",
                    l.chrom,
                    l.start,
                    l.end,
                    mid.saturating_sub(left),
                    mid.saturating_add(right),
                    r.name,
                    r.length
                )
            },
        );
        return Err(Error::File {
            path: fasta.path().to_path_buf(),
            message: format!(
                "no locus left: all {} loci run off their chromosome with a window of \
                 {width}{example}",
                loci.len()
            ),
        });
    }

    progress.set_length(kept.len() as u64);
    let rows = table.rows;
    let block = rows * width;
    let mut x = super::hugepage::zeroed(kept.len() * block);
    // Each window's output block, handed to the region that reads it.
    let mut blocks: Vec<Option<&mut [u8]>> = x.chunks_mut(block).map(Some).collect();
    let regions: Vec<Region<'_>> = group_windows(&kept, width as u64)
        .into_iter()
        .map(|(record, start, end, members)| Region {
            record,
            start,
            end,
            windows: members
                .into_iter()
                .filter_map(|k| blocks[k].take().map(|out| (kept[k].1, out)))
                .collect(),
        })
        .collect();
    drop(blocks);
    let scratch = || (Vec::new(), Vec::with_capacity(width));
    regions.into_par_iter().try_for_each_init(scratch, |(raw, codes), region| {
        let record = region.record;
        fasta.read_raw(record, region.start, region.end, raw)?;
        let base = record.byte_of(region.start);
        let n_windows = region.windows.len() as u64;
        let (line_bases, line_width) = record.line_layout();
        let term = (line_width - line_bases) as usize;
        for (start, out) in region.windows {
            let first = (record.byte_of(start) - base) as usize;
            let last = (record.byte_of(start + width as u64 - 1) + 1 - base) as usize;
            let lines = Lines { lead: (start % line_bases) as usize, line_bases: line_bases as usize, term };
            match table.encode(&raw[first..last], lines, codes, out) {
                Ok(()) => {}
                Err(Bad::Layout) => return Err(fasta.layout_error(record, start)),
                Err(Bad::Char(offset, byte)) => {
                    return Err(Error::File {
                        path: fasta.path().to_path_buf(),
                        message: format!(
                            "{}:{}: unexpected character {:?} (expected one of {} or an ignored {})",
                            record.name,
                            start + offset as u64 + 1,
                            char::from(byte),
                            opts.alphabet,
                            opts.ignore
                        ),
                    });
                }
            }
        }
        progress.inc(n_windows);
        Ok::<(), Error>(())
    })?;
    progress.finish_and_clear();
    let x = Array3::from_shape_vec((kept.len(), rows, width), x)
        .map_err(|e| Error::Invalid(format!("internal shape error: {e}")))?;
    Ok(Extracted { x, mask })
}

/// Windows closer than this (in bases) are read with one positioned read.
const MERGE_GAP: u64 = 1 << 12;
/// Largest span of one read, so that several threads share the work.
const MAX_REGION: u64 = 1 << 16;

/// One positioned read of `[start, end)` of `record`, and the windows `(start, output)` in it.
struct Region<'a> {
    record: &'a FastaRecord,
    start: u64,
    end: u64,
    windows: Vec<(u64, &'a mut [u8])>,
}

/// Groups windows `(record, start)` of `width` bases into regions `(record, start, end, members)`
/// read at once: windows on one record, sorted by start, whose gaps are at most [`MERGE_GAP`]
/// and whose span stays within [`MAX_REGION`] (or one window).
fn group_windows<'a>(
    kept: &[(&'a FastaRecord, u64)],
    width: u64,
) -> Vec<(&'a FastaRecord, u64, u64, Vec<usize>)> {
    let mut order: Vec<usize> = (0..kept.len()).collect();
    order.sort_by_key(|&k| (kept[k].0 as *const FastaRecord as usize, kept[k].1));
    let mut regions: Vec<(&FastaRecord, u64, u64, Vec<usize>)> = Vec::new();
    for k in order {
        let (record, start) = kept[k];
        let end = start + width;
        match regions.last_mut() {
            Some((r, s, e, members))
                if std::ptr::eq(*r, record)
                    && start <= *e + MERGE_GAP
                    && end - *s <= MAX_REGION =>
            {
                *e = (*e).max(end);
                members.push(k);
            }
            _ => regions.push((record, start, end, vec![k])),
        }
    }
    regions
}

/// Byte → row lookup table.
struct Encoding {
    table: [u8; 256],
    rows: usize,
}

/// Table entries that are not a row index.
const IGNORED: u8 = 0xFE;
const INVALID: u8 = 0xFF;

/// Where the line terminators of a window's raw bytes are: `lead` bases on the first line, then
/// full lines of `line_bases` bases, each line followed by `term` terminator bytes.
#[derive(Debug, Clone, Copy)]
struct Lines {
    lead: usize,
    line_bases: usize,
    term: usize,
}

/// Why a window could not be encoded.
#[derive(Debug, PartialEq, Eq)]
enum Bad {
    /// The line terminators are not where the index says.
    Layout,
    /// A character neither in the alphabet nor ignored: base offset and byte.
    Char(usize, u8),
}

impl Encoding {
    fn new(alphabet: &str, ignore: &str) -> Result<Self> {
        if !alphabet.is_ascii() || !ignore.is_ascii() {
            return Err(Error::Invalid("alphabet and ignore must be ASCII".into()));
        }
        if alphabet.is_empty() || alphabet.len() > 64 {
            return Err(Error::Invalid(
                "the alphabet must have 1 to 64 characters".into(),
            ));
        }
        if let Some(c) = ignore.chars().find(|c| alphabet.contains(*c)) {
            return Err(Error::Invalid(format!(
                "{c:?} is both in the alphabet and ignored"
            )));
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
        Ok(Self {
            table,
            rows: alphabet.len(),
        })
    }

    /// Encodes the window `raw` (its bases and the line terminators between them, laid out as
    /// `lines`) into the `(rows, width)` block `out`, `width = out.len() / rows`, using `codes`
    /// as scratch.
    fn encode(
        &self,
        raw: &[u8],
        lines: Lines,
        codes: &mut Vec<u8>,
        out: &mut [u8],
    ) -> std::result::Result<(), Bad> {
        let width = out.len() / self.rows;
        codes.clear();
        let (mut pos, mut in_line) = (0, lines.lead);
        while codes.len() < width {
            let take = (lines.line_bases - in_line).min(width - codes.len());
            let bases = raw.get(pos..pos + take).ok_or(Bad::Layout)?;
            codes.extend(bases.iter().map(|&b| self.table[b as usize]));
            pos += take;
            if codes.len() < width {
                let end = raw.get(pos..pos + lines.term).ok_or(Bad::Layout)?;
                if !end.iter().all(|&b| b == b'\n' || b == b'\r') {
                    return Err(Bad::Layout);
                }
                pos += lines.term;
                in_line = 0;
            }
        }
        if pos != raw.len() {
            return Err(Bad::Layout);
        }
        // A branch-free maximum (vectorised) finds bad characters; locate them only then.
        if codes.iter().fold(0u8, |m, &c| m.max(c)) == INVALID {
            let j = codes.iter().position(|&c| c == INVALID).unwrap_or(0);
            let byte = raw
                .iter()
                .filter(|&&b| b != b'\n' && b != b'\r')
                .nth(j)
                .copied();
            return match byte {
                Some(b) => Err(Bad::Char(j, b)),
                None => Err(Bad::Layout),
            };
        }
        // One pass per row: compare-and-store loops that the compiler vectorises.
        for (r, row) in out.chunks_exact_mut(width).enumerate() {
            let r = r as u8;
            for (o, &c) in row.iter_mut().zip(codes.iter()) {
                *o = u8::from(c == r);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAT: Lines = Lines {
        lead: 0,
        line_bases: 100,
        term: 1,
    };

    #[test]
    fn encoding_upper_cases_and_ignores() {
        let t = Encoding::new("ACGT", "N").unwrap();
        let (mut out, mut codes) = (vec![0u8; 4 * 4], Vec::new());
        // Lines of 3 bases ending in CRLF; the window starts on the second base of a line.
        let lines = Lines {
            lead: 1,
            line_bases: 3,
            term: 2,
        };
        assert_eq!(t.encode(b"aC\r\nnT", lines, &mut codes, &mut out), Ok(()));
        assert_eq!(out, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(
            t.encode(b"ACRT", FLAT, &mut codes, &mut out),
            Err(Bad::Char(2, b'R'))
        );
    }

    #[test]
    fn misplaced_line_ends_are_layout_errors() {
        let t = Encoding::new("ACGT", "N").unwrap();
        let (mut out, mut codes) = (vec![0u8; 4 * 4], Vec::new());
        let lines = Lines {
            lead: 0,
            line_bases: 2,
            term: 1,
        };
        assert_eq!(t.encode(b"AC\nGT", lines, &mut codes, &mut out), Ok(()));
        assert_eq!(
            t.encode(b"ACG\nT", lines, &mut codes, &mut out),
            Err(Bad::Layout)
        );
        assert_eq!(
            t.encode(b"AC\nG", lines, &mut codes, &mut out),
            Err(Bad::Layout)
        );
        assert_eq!(
            t.encode(b"AC\nGTA", lines, &mut codes, &mut out),
            Err(Bad::Layout)
        );
    }

    #[test]
    fn lower_case_alphabet_never_matches() {
        let t = Encoding::new("aCGT", "N").unwrap();
        let (mut out, mut codes) = (vec![0u8; 4], Vec::new());
        t.encode(b"C", FLAT, &mut codes, &mut out).unwrap();
        assert_eq!(out, [0, 1, 0, 0]);
        assert_eq!(
            t.encode(b"a", FLAT, &mut codes, &mut out),
            Err(Bad::Char(0, b'a'))
        );
    }

    #[test]
    fn alphabet_and_ignore_must_be_disjoint() {
        assert!(Encoding::new("ACGTN", "N").is_err());
    }
}
