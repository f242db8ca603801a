//! BED, BED3+ and narrowPeak loci (plain or gzip), and the interleaving of several locus sets
//! exactly as tangermeme's `_interleave_loci` (ALGORITHMS §2.1).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::{Error, Result};

/// One locus: a half-open, 0-based interval `[start, end)` on `chrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locus {
    /// Chromosome (FASTA record) name.
    pub chrom: String,
    /// 0-based start.
    pub start: i64,
    /// Exclusive end.
    pub end: i64,
}

impl Locus {
    /// A locus on `chrom`.
    ///
    /// ```
    /// let l = motiflift::io::bed::Locus::new("chr1", 10, 20);
    /// assert_eq!((l.chrom.as_str(), l.start, l.end), ("chr1", 10, 20));
    /// ```
    pub fn new(chrom: impl Into<String>, start: i64, end: i64) -> Self {
        Self {
            chrom: chrom.into(),
            start,
            end,
        }
    }
}

/// How loci are read from BED files.
///
/// ```
/// let opts = motiflift::io::bed::LociOptions::default();
/// assert!(!opts.summits && opts.chroms.is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct LociOptions {
    /// Centre each locus on its narrowPeak summit (column 10): with `w = end - start` and
    /// `c = start + summit`, the locus becomes `[c - w/2, c + w/2)`.
    pub summits: bool,
    /// Keep only loci on these chromosomes (applied to each file before interleaving).
    pub chroms: Option<Vec<String>>,
}

/// Reads loci from one BED file (`.gz` → gzip).
///
/// Lines whose first field is `#…`, `track` or `browser` are skipped, as are blank lines.
/// Only columns 1–3 are used, plus column 10 (narrowPeak summit offset) when `summits` is set.
/// Errors name the file and the 1-based line: a line with fewer than 3 fields, a non-integer
/// coordinate, `start > end`, and with `summits` a missing, non-integer, negative or
/// out-of-range summit.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-bed-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("peaks.bed");
/// std::fs::write(&path, "track name=x\nchr1\t100\t200\tp\t0\t.\t1\t2\t3\t30\n").unwrap();
/// let plain = motiflift::io::bed::read_bed(&path, false)?;
/// assert_eq!(plain[0].start, 100);
/// let centred = motiflift::io::bed::read_bed(&path, true)?;
/// assert_eq!((centred[0].start, centred[0].end), (80, 180));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_bed(path: impl AsRef<Path>, summits: bool) -> Result<Vec<Locus>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let is_gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let inner: Box<dyn Read> = if is_gz {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let reader = BufReader::with_capacity(1 << 16, inner);
    let mut loci = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| match Error::read(path, is_gz, e) {
            Error::File { path, message } => Error::Parse {
                path,
                line: line_no,
                message,
            },
            other => other,
        })?;
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        if text.trim().is_empty() || is_header(text) {
            continue;
        }
        loci.push(parse_line(text, summits).map_err(|message| Error::Parse {
            path: path.to_path_buf(),
            line: line_no,
            message,
        })?);
    }
    Ok(loci)
}

/// Reads each BED file, filters it by chromosome and interleaves them (§2.1).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-loci-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let a = dir.join("a.bed");
/// let b = dir.join("b.bed");
/// std::fs::write(&a, "chr1\t0\t10\nchr2\t0\t10\nchr1\t5\t15\n").unwrap();
/// std::fs::write(&b, "chr1\t100\t110\n").unwrap();
/// use motiflift::io::bed::{read_loci, LociOptions};
/// let opts = LociOptions { summits: false, chroms: Some(vec!["chr1".into()]) };
/// let loci = read_loci(&[&a, &b], &opts)?;
/// let starts: Vec<i64> = loci.iter().map(|l| l.start).collect();
/// assert_eq!(starts, [0, 100, 5]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_loci<P: AsRef<Path>>(paths: &[P], opts: &LociOptions) -> Result<Vec<Locus>> {
    let sources = paths
        .iter()
        .map(|p| read_bed(p, opts.summits))
        .collect::<Result<Vec<_>>>()?;
    Ok(interleave_loci(sources, opts.chroms.as_deref()))
}

/// Interleaves locus sets round-robin: source 0 row 0, source 1 row 0, …, source 0 row 1, …;
/// an exhausted source drops out. The chromosome filter is applied to each source first.
///
/// ```
/// use motiflift::io::bed::{interleave_loci, Locus};
/// let a = vec![Locus::new("c", 0, 1), Locus::new("c", 1, 2), Locus::new("c", 2, 3)];
/// let b = vec![Locus::new("c", 10, 11)];
/// let starts: Vec<i64> = interleave_loci(vec![a, b], None).iter().map(|l| l.start).collect();
/// assert_eq!(starts, [0, 10, 1, 2]);
/// ```
pub fn interleave_loci(sources: Vec<Vec<Locus>>, chroms: Option<&[String]>) -> Vec<Locus> {
    let filtered: Vec<Vec<Locus>> = sources
        .into_iter()
        .map(|s| match chroms {
            Some(keep) => s.into_iter().filter(|l| keep.contains(&l.chrom)).collect(),
            None => s,
        })
        .collect();
    let total = filtered.iter().map(Vec::len).sum();
    let mut iters: Vec<_> = filtered.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        for it in &mut iters {
            if let Some(locus) = it.next() {
                out.push(locus);
            }
        }
    }
    out
}

/// `^(#|track(\s|$)|browser(\s|$))` on the first field, as tangermeme.
fn is_header(line: &str) -> bool {
    let first = line.split('\t').next().unwrap_or("");
    if first.starts_with('#') {
        return true;
    }
    ["track", "browser"].iter().any(|kw| {
        first
            .strip_prefix(kw)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
    })
}

/// Parses one data line; the error is the message (file and line are added by the caller).
fn parse_line(line: &str, summits: bool) -> std::result::Result<Locus, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() < 3 {
        return Err(format!(
            "expected at least 3 tab-separated fields (chrom, start, end), found {}: `{line}`",
            fields.len()
        ));
    }
    let chrom = fields[0].trim();
    if chrom.is_empty() {
        return Err("empty chromosome name".into());
    }
    let start = parse_int(fields[1], "start")?;
    let end = parse_int(fields[2], "end")?;
    if start < 0 {
        return Err(format!("start {start} is negative"));
    }
    if start > end {
        return Err(format!("start {start} > end {end}"));
    }
    if !summits {
        return Ok(Locus::new(chrom, start, end));
    }
    let Some(field) = fields.get(9) else {
        return Err(format!(
            "summits requested but the line has {} fields (narrowPeak column 10 is the summit)",
            fields.len()
        ));
    };
    let summit = parse_int(field, "summit (column 10)")?;
    // 0 <= start <= end, so `end - start` cannot overflow; `start + summit` could.
    let width = end - start;
    if summit < 0 || summit > width {
        return Err(format!(
            "summit {summit} out of range: expected 0 <= summit <= end - start = {width}"
        ));
    }
    let half = width / 2;
    let centre = start + summit;
    // centre <= end, so centre + half <= end + width / 2 may still overflow at the very top.
    let Some(stop) = centre.checked_add(half) else {
        return Err(format!(
            "summit-centred locus [{}, {centre} + {half}) overflows the coordinates",
            centre - half
        ));
    };
    Ok(Locus::new(chrom, centre - half, stop))
}

fn parse_int(field: &str, what: &str) -> std::result::Result<i64, String> {
    field
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("{what} `{field}` is not an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        assert!(is_header("#chrom\tstart"));
        assert!(is_header("track name=x"));
        assert!(is_header("browser position chr1"));
        assert!(is_header("track"));
        assert!(!is_header("trackless\t1\t2"));
        assert!(!is_header("chr1\t1\t2"));
    }

    #[test]
    fn parse_errors() {
        assert!(
            parse_line("chr1\t1", false)
                .unwrap_err()
                .contains("at least 3")
        );
        assert!(
            parse_line("chr1\tx\t2", false)
                .unwrap_err()
                .contains("start `x`")
        );
        assert!(
            parse_line("chr1\t5\t2", false)
                .unwrap_err()
                .contains("start 5 > end 2")
        );
        assert!(
            parse_line("chr1\t0\t10", true)
                .unwrap_err()
                .contains("summits requested")
        );
        let l = "chr1\t0\t10\t.\t0\t.\t0\t0\t0\t11";
        assert!(parse_line(l, true).unwrap_err().contains("out of range"));
        let l = "chr1\t0\t10\t.\t0\t.\t0\t0\t0\t-1";
        assert!(parse_line(l, true).unwrap_err().contains("out of range"));
    }

    #[test]
    fn summit_centring_odd_width() {
        // w = 7, c = 3 + 5 = 8: [8 - 3, 8 + 3).
        let l = parse_line("1\t3\t10\t.\t0\t.\t0\t0\t0\t5", true).unwrap();
        assert_eq!(l, Locus::new("1", 5, 11));
    }

    #[test]
    fn interleave_uneven() {
        let s = |c: &str, n: i64| (0..n).map(|i| Locus::new(c, i, i + 1)).collect::<Vec<_>>();
        let out = interleave_loci(vec![s("a", 1), s("b", 3), s("c", 2)], None);
        let names: Vec<String> = out
            .iter()
            .map(|l| format!("{}{}", l.chrom, l.start))
            .collect();
        assert_eq!(names, ["a0", "b0", "c0", "b1", "c1", "b2"]);
        let only_b = interleave_loci(vec![s("a", 2), s("b", 2)], Some(&["b".to_string()]));
        assert_eq!(only_b.len(), 2);
    }
}
