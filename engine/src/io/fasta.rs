//! FASTA with random access through its `.fai` index (samtools format).
//!
//! The index is read from `<file>.fai` when present, otherwise built in memory by scanning the
//! file once. Records are named by the first word of their header line. Regions are read with
//! positioned reads, so one [`Fasta`] can serve many threads at once.

use std::fs::File;
use std::io::BufReader;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use noodles_fasta::{fai, io::Indexer};

use crate::{Error, Result};

/// One sequence of a FASTA file, as described by its index.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-rec-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("rec.fa");
/// std::fs::write(&path, ">chrM mitochondrion\nACGTAC\n").unwrap();
/// let fasta = motiflift::io::fasta::Fasta::open(&path)?;
/// let record = &fasta.records()[0];
/// assert_eq!((record.name.as_str(), record.length), ("chrM", 6));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastaRecord {
    /// The first word of the header line.
    pub name: String,
    /// Number of bases.
    pub length: u64,
    /// Byte offset of the first base.
    offset: u64,
    /// Bases per full line.
    line_bases: u64,
    /// Bytes per full line, line terminator included.
    line_width: u64,
}

impl FastaRecord {
    /// `(bases per full line, bytes per full line)`.
    pub(crate) fn line_layout(&self) -> (u64, u64) {
        (self.line_bases, self.line_width)
    }

    /// Byte offset of base `pos` (0-based, `pos <= length`).
    pub(crate) fn byte_of(&self, pos: u64) -> u64 {
        self.offset + (pos / self.line_bases) * self.line_width + pos % self.line_bases
    }
}

/// An indexed FASTA file.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("tiny.fa");
/// std::fs::write(&path, ">chr1 first\nACGTA\ncgtNN\nA\n>chr2\nTTTT\n").unwrap();
/// let fasta = motiflift::io::fasta::Fasta::open(&path)?; // no .fai: indexed in memory
/// assert_eq!(fasta.length("chr1"), Some(11));
/// assert_eq!(fasta.fetch("chr1", 3, 9)?, b"TAcgtN");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Debug)]
pub struct Fasta {
    path: PathBuf,
    file: File,
    records: Vec<FastaRecord>,
}

impl Fasta {
    /// Opens `path`, reading `<path>.fai` if it exists and indexing the file otherwise.
    ///
    /// Fails, naming the file, when it cannot be read, when its index is malformed, or when the
    /// file is shorter than its index says (a truncated FASTA or a stale index).
    ///
    /// ```
    /// let err = motiflift::io::fasta::Fasta::open("no/such/genome.fa").unwrap_err();
    /// assert!(err.to_string().contains("genome.fa"));
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut fai_path = path.clone().into_os_string();
        fai_path.push(".fai");
        let fai_path = PathBuf::from(fai_path);
        let index = if fai_path.exists() {
            fai::fs::read(&fai_path).map_err(|e| Error::File {
                path: fai_path.clone(),
                message: format!("malformed FASTA index: {e}"),
            })?
        } else {
            build_index(&path, &file)?
        };
        let records = index
            .as_ref()
            .iter()
            .map(|r| FastaRecord {
                name: r.name().to_string(),
                length: r.length(),
                offset: r.position(),
                line_bases: r.line_base_count().get(),
                line_width: r.line_width().get(),
            })
            .collect();
        let fasta = Self {
            path,
            file,
            records,
        };
        fasta.check_size()?;
        Ok(fasta)
    }

    /// The path this FASTA was opened from.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-p-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("p.fa");
    /// # std::fs::write(&path, ">a\nAC\n").unwrap();
    /// let fasta = motiflift::io::fasta::Fasta::open(&path)?;
    /// assert_eq!(fasta.path(), path.as_path());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The records, in file order.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-r-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("r.fa");
    /// # std::fs::write(&path, ">a x\nAC\n>b\nGGG\n").unwrap();
    /// let fasta = motiflift::io::fasta::Fasta::open(&path)?;
    /// let names: Vec<_> = fasta.records().iter().map(|r| r.name.as_str()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn records(&self) -> &[FastaRecord] {
        &self.records
    }

    /// The record called `name`, if any.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-g-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("g.fa");
    /// # std::fs::write(&path, ">a\nACGT\n").unwrap();
    /// let fasta = motiflift::io::fasta::Fasta::open(&path)?;
    /// assert_eq!(fasta.record("a").map(|r| r.length), Some(4));
    /// assert!(fasta.record("b").is_none());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn record(&self, name: &str) -> Option<&FastaRecord> {
        self.records.iter().find(|r| r.name == name)
    }

    /// The length of record `name`, if it exists.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-l-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("l.fa");
    /// # std::fs::write(&path, ">a\nACGT\nAC\n").unwrap();
    /// let fasta = motiflift::io::fasta::Fasta::open(&path)?;
    /// assert_eq!(fasta.length("a"), Some(6));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn length(&self, name: &str) -> Option<u64> {
        self.record(name).map(|r| r.length)
    }

    /// The bases `[start, end)` of record `name`, as written in the file (case kept).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("motiflift-doc-fasta-f-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("f.fa");
    /// # std::fs::write(&path, ">a\nACG\nTac\n").unwrap();
    /// let fasta = motiflift::io::fasta::Fasta::open(&path)?;
    /// assert_eq!(fasta.fetch("a", 1, 5)?, b"CGTa");
    /// assert!(fasta.fetch("a", 4, 7).is_err()); // past the end
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn fetch(&self, name: &str, start: u64, end: u64) -> Result<Vec<u8>> {
        let record = self.record(name).ok_or_else(|| Error::File {
            path: self.path.clone(),
            message: format!("no record named `{name}`"),
        })?;
        let mut raw = Vec::new();
        self.read_raw(record, start, end, &mut raw)?;
        raw.retain(|&b| b != b'\n' && b != b'\r');
        if raw.len() as u64 != end - start || raw.contains(&b'>') {
            return Err(self.layout_error(record, start));
        }
        Ok(raw)
    }

    /// Reads the raw bytes (line terminators included) holding bases `[start, end)` of `record`
    /// into `buf`, checking only that the region lies inside the record; the caller checks the
    /// bases (their number reveals a line layout that does not match the index).
    pub(crate) fn read_raw(
        &self,
        record: &FastaRecord,
        start: u64,
        end: u64,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        if start > end || end > record.length {
            return Err(Error::File {
                path: self.path.clone(),
                message: format!(
                    "region {}:{start}-{end} is outside the record (length {})",
                    record.name, record.length
                ),
            });
        }
        buf.clear();
        if start == end {
            return Ok(());
        }
        let first = record.byte_of(start);
        let last = record.byte_of(end - 1) + 1;
        buf.resize((last - first) as usize, 0);
        self.file
            .read_exact_at(buf, first)
            .map_err(|e| Error::File {
                path: self.path.clone(),
                message: format!(
                    "cannot read {}:{start}-{end} at bytes {first}..{last}: {e} (truncated FASTA?)",
                    record.name
                ),
            })
    }

    /// The error for bases that do not sit where the index says, near `record:pos`.
    pub(crate) fn layout_error(&self, record: &FastaRecord, pos: u64) -> Error {
        Error::File {
            path: self.path.clone(),
            message: format!(
                "the line layout of record {} does not match the index near {}:{pos} \
                 (stale .fai, or lines of unequal length?)",
                record.name, record.name
            ),
        }
    }

    /// Fails when an index line is impossible (a line narrower than its bases, offsets past any
    /// file) or the file is shorter than the index requires. After this check [`byte_of`]
    /// cannot overflow for any position of a record.
    ///
    /// [`byte_of`]: FastaRecord::byte_of
    fn check_size(&self) -> Result<()> {
        let size = self
            .file
            .metadata()
            .map_err(|e| Error::io(&self.path, e))?
            .len();
        for record in &self.records {
            if record.line_width < record.line_bases {
                return Err(Error::File {
                    path: self.path.clone(),
                    message: format!(
                        "malformed FASTA index: record {} has lines of {} bases in {} bytes; \
                         expected at least as many bytes as bases",
                        record.name, record.line_bases, record.line_width
                    ),
                });
            }
            if record.length == 0 {
                continue;
            }
            let last = record.length - 1;
            let needed = (last / record.line_bases)
                .checked_mul(record.line_width)
                .and_then(|b| b.checked_add(record.offset))
                .and_then(|b| b.checked_add(last % record.line_bases + 1));
            let Some(needed) = needed else {
                return Err(Error::File {
                    path: self.path.clone(),
                    message: format!(
                        "malformed FASTA index: record {} ({} bases at offset {}) lies beyond \
                         any file",
                        record.name, record.length, record.offset
                    ),
                });
            };
            if size < needed {
                return Err(Error::File {
                    path: self.path.clone(),
                    message: format!(
                        "truncated FASTA: record {} ({} bases) needs {needed} bytes but the file \
                         has {size} (or its .fai index is stale)",
                        record.name, record.length
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Builds the index by scanning the file.
fn build_index(path: &Path, file: &File) -> Result<fai::Index> {
    let reader = file.try_clone().map_err(|e| Error::io(path, e))?;
    let mut indexer = Indexer::new(BufReader::with_capacity(1 << 20, reader));
    let mut records = Vec::new();
    loop {
        match indexer.index_record() {
            Ok(Some(record)) => records.push(record),
            Ok(None) => break,
            Err(e) => {
                return Err(Error::File {
                    path: path.to_path_buf(),
                    message: format!("cannot index FASTA (record {}): {e}", records.len() + 1),
                });
            }
        }
    }
    if records.is_empty() {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: "no FASTA records found (expected a line starting with `>`)".into(),
        });
    }
    Ok(fai::Index::from(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `content` written to `name` in a fresh temporary folder, removed when the guard drops.
    fn tmp(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn fetch_spans_lines_and_crlf() {
        let (_dir, path) = tmp("crlf.fa", ">x\r\nACGT\r\nTTGG\r\nCC\r\n");
        let fasta = Fasta::open(&path).unwrap();
        assert_eq!(fasta.length("x"), Some(10));
        assert_eq!(fasta.fetch("x", 0, 10).unwrap(), b"ACGTTTGGCC");
        assert_eq!(fasta.fetch("x", 3, 5).unwrap(), b"TT");
        assert_eq!(fasta.fetch("x", 4, 4).unwrap(), b"");
    }

    #[test]
    fn index_file_is_used_and_checked_against_file_size() {
        let (_dir, path) = tmp("idx.fa", ">x\nACGT\nAC\n");
        std::fs::write(format!("{}.fai", path.display()), "x\t60\t3\t4\t5\n").unwrap();
        let err = Fasta::open(&path).unwrap_err().to_string();
        assert!(err.contains("idx.fa") && err.contains("truncated"), "{err}");
    }

    #[test]
    fn unknown_record_is_named() {
        let (_dir, path) = tmp("names.fa", ">x\nACGT\n");
        let err = Fasta::open(&path)
            .unwrap()
            .fetch("chrZ", 0, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("chrZ") && err.contains("names.fa"), "{err}");
    }

    #[test]
    fn not_fasta_is_an_error() {
        let (_dir, path) = tmp("empty.fa", "");
        let err = Fasta::open(&path).unwrap_err().to_string();
        assert!(err.contains("empty.fa"), "{err}");
    }
}
