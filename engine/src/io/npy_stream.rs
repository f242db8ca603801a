//! Streaming `.npy`: read rows `[a, b)` of a large array without loading it (positioned reads
//! of an uncompressed file; `.npy.gz` is decompressed sequentially), and write an array row
//! block by row block into a temporary file that is renamed into place only when every row is
//! there, so a killed job never leaves a file that looks complete.
//!
//! The header written is the one [`super::npy::write_npy`] writes for the same shape and dtype,
//! so a streamed file is byte-identical to one written whole.
//!
//! ```
//! # let dir = std::env::temp_dir().join(format!("motiflift-doc-npys-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! use motiflift::io::npy_stream::{NpyReader, NpyWriter};
//! let path = dir.join("a.npy");
//! let mut w = NpyWriter::new::<f32>(&path, &[2], 3)?;
//! w.write(&[0.0f32, 1.0, 2.0, 3.0])?;
//! w.write(&[4.0f32, 5.0])?;
//! w.finish()?;
//! let mut r = NpyReader::open(&path)?;
//! assert_eq!(r.shape(), [3, 2]);
//! assert_eq!(r.read_f32(1..3)?.into_raw_vec_and_offset().0, [2.0, 3.0, 4.0, 5.0]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use ndarray::{ArrayD, IxDyn};
use ndarray_npy::WritableElement;
use ndarray_npy::npy::header::{Header, Layout};

use super::atomic::TempFile;
use super::npy::Dtype;
use crate::{Error, Result};

/// Where the bytes come from.
enum Source {
    /// An uncompressed file: positioned reads.
    Plain(File),
    /// A gzip stream and the byte offset (into the decompressed data) it is at.
    Gz(Box<MultiGzDecoder<BufReader<File>>>, u64),
}

/// Rows of an `.npy` (or `.npy.gz`) array, read on demand.
///
/// Rows are along the first axis; `read_*` take a range of rows and return an array of shape
/// `(rows, shape[1..])`. Errors name the file and, for bad values, the global row.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npyr-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("x.npy");
/// motiflift::io::npy::write_npy(&path, &ndarray::array![[[1i8, 0], [0, 1]], [[0, 2], [1, 0]]])?;
/// let mut r = motiflift::io::npy_stream::NpyReader::open(&path)?;
/// assert_eq!(r.read_onehot(0..1)?.shape(), [1, 2, 2]);
/// let err = r.read_onehot(1..2).unwrap_err().to_string();
/// assert!(err.contains("x.npy") && err.contains("row 1"), "{err}");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub struct NpyReader {
    path: PathBuf,
    header: Header,
    descr: String,
    kind: Option<Dtype>,
    data_offset: u64,
    row_bytes: usize,
    source: Source,
}

impl std::fmt::Debug for NpyReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpyReader")
            .field("path", &self.path)
            .field("descr", &self.descr)
            .field("shape", &self.header.shape)
            .finish()
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

impl NpyReader {
    /// Opens `path` and reads its header (C order, little-endian or single-byte dtype, rank
    /// at least 1).
    ///
    /// ```
    /// let err = motiflift::io::npy_stream::NpyReader::open("no-such.npy").unwrap_err();
    /// assert!(err.to_string().contains("no-such.npy"));
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let (header, data_offset, source) = Self::start(&path)?;
        let descr = header
            .type_descriptor
            .as_string()
            .cloned()
            .unwrap_or_else(|| header.type_descriptor.to_string());
        let file_err = |message: String| Error::File { path: path.clone(), message };
        if header.layout.is_fortran() {
            return Err(file_err("Fortran-order arrays cannot be streamed; expected C order".into()));
        }
        if header.shape.is_empty() {
            return Err(file_err("a 0-dimensional array has no rows".into()));
        }
        if descr.starts_with('>') {
            return Err(file_err(format!("big-endian dtype '{descr}' is not supported")));
        }
        let kind = Dtype::from_descr(&descr);
        let row_elems: usize = header.shape[1..].iter().product();
        let row_bytes = row_elems * kind.map_or(1, Dtype::size);
        let reader = Self { path, header, descr, kind, data_offset, row_bytes, source };
        if let Source::Plain(f) = &reader.source {
            let len = f.metadata().map_err(|e| Error::io(&reader.path, e))?.len();
            let need = data_offset + (reader.n_rows() * row_bytes) as u64;
            if reader.kind.is_some() && len < need {
                return Err(Error::File {
                    path: reader.path.clone(),
                    message: format!(
                        "truncated: shape {:?} needs {need} bytes, the file has {len}",
                        reader.header.shape
                    ),
                });
            }
        }
        Ok(reader)
    }

    /// Opens the file and parses its header; the source is positioned at the data.
    fn start(path: &Path) -> Result<(Header, u64, Source)> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let bad = |e: ndarray_npy::npy::header::ReadHeaderError| Error::File {
            path: path.to_path_buf(),
            message: format!("not a valid .npy file: {e}"),
        };
        if is_gz(path) {
            let mut gz = Box::new(MultiGzDecoder::new(BufReader::new(file)));
            let mut counting = Counting { inner: &mut *gz, n: 0 };
            let header = Header::from_reader(&mut counting).map_err(bad)?;
            let offset = counting.n;
            Ok((header, offset, Source::Gz(gz, offset)))
        } else {
            let mut reader = BufReader::new(file);
            let header = Header::from_reader(&mut reader).map_err(bad)?;
            let offset = reader.stream_position().map_err(|e| Error::io(path, e))?;
            Ok((header, offset, Source::Plain(reader.into_inner())))
        }
    }

    /// The file.
    ///
    /// ```no_run
    /// let r = motiflift::io::npy_stream::NpyReader::open("A.npy")?;
    /// println!("{}", r.path().display());
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole shape.
    ///
    /// ```no_run
    /// let r = motiflift::io::npy_stream::NpyReader::open("A.npy")?;
    /// let (n, rest) = (r.shape()[0], &r.shape()[1..]);
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.header.shape
    }

    /// The number of rows (the first dimension).
    ///
    /// ```no_run
    /// let n = motiflift::io::npy_stream::NpyReader::open("X.npy")?.n_rows();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn n_rows(&self) -> usize {
        self.header.shape[0]
    }

    /// The dtype as written in the header (`'<f4'`, `'|i1'`, …).
    ///
    /// ```no_run
    /// assert_eq!(motiflift::io::npy_stream::NpyReader::open("A.npy")?.descr(), "<f4");
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn descr(&self) -> &str {
        &self.descr
    }

    /// The header (for writing an array of the same dtype: [`NpyWriter::like`]).
    fn header(&self) -> &Header {
        &self.header
    }

    /// The raw little-endian bytes of rows `rows`.
    ///
    /// ```no_run
    /// let mut r = motiflift::io::npy_stream::NpyReader::open("A.npy")?;
    /// let bytes = r.read_raw(0..2)?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn read_raw(&mut self, rows: Range<usize>) -> Result<Vec<u8>> {
        if self.kind.is_none() {
            return Err(self.wrong_dtype("a numeric dtype (bool, int, uint or float)"));
        }
        if rows.end > self.n_rows() || rows.start > rows.end {
            return Err(Error::File {
                path: self.path.clone(),
                message: format!("rows {rows:?} requested, the array has {}", self.n_rows()),
            });
        }
        let mut buf = vec![0u8; rows.len() * self.row_bytes];
        let at = self.data_offset + (rows.start * self.row_bytes) as u64;
        let path = self.path.clone();
        let io = |e: std::io::Error| Error::File {
            path: path.clone(),
            message: format!("cannot read rows {rows:?} (truncated file?): {e}"),
        };
        match &mut self.source {
            Source::Plain(f) => {
                f.seek(SeekFrom::Start(at)).map_err(io)?;
                f.read_exact(&mut buf).map_err(io)?;
            }
            Source::Gz(..) => {
                if let Source::Gz(_, pos) = &self.source
                    && *pos > at
                {
                    let (_, _, fresh) = Self::start(&self.path)?;
                    self.source = fresh;
                }
                if let Source::Gz(gz, pos) = &mut self.source {
                    let skip = at - *pos;
                    std::io::copy(&mut (&mut **gz).take(skip), &mut std::io::sink()).map_err(io)?;
                    gz.read_exact(&mut buf).map_err(io)?;
                    *pos = at + buf.len() as u64;
                }
            }
        }
        Ok(buf)
    }

    fn wrong_dtype(&self, expected: &str) -> Error {
        Error::File {
            path: self.path.clone(),
            message: format!("expected dtype {expected}, found '{}' (shape {:?})", self.descr, self.header.shape),
        }
    }

    fn row_shape(&self, n: usize) -> Vec<usize> {
        let mut s = self.header.shape.clone();
        s[0] = n;
        s
    }

    /// Rows `rows` of a one-hot array (int8, uint8, bool, int64, float32 or float64, values 0
    /// or 1) as `u8`; a bad value is an error naming its global row.
    ///
    /// See [`NpyReader`] for an example.
    pub fn read_onehot(&mut self, rows: Range<usize>) -> Result<ArrayD<u8>> {
        let kind = match self.kind {
            Some(k @ (Dtype::Bool | Dtype::I8 | Dtype::U8 | Dtype::I64 | Dtype::F32 | Dtype::F64)) => k,
            _ => return Err(self.wrong_dtype("int8, uint8, bool, float32, float64 or int64 (one-hot)")),
        };
        let first = rows.start;
        let raw = self.read_raw(rows.clone())?;
        let size = kind.size();
        let mut out = Vec::with_capacity(raw.len() / size);
        let mut bad = None;
        for (j, b) in raw.chunks_exact(size).enumerate() {
            let v: Option<u8> = match kind {
                Dtype::Bool | Dtype::U8 | Dtype::I8 => (b[0] <= 1).then_some(b[0]),
                Dtype::I64 => match i64::from_le_bytes(b.try_into().unwrap_or_default()) {
                    v @ 0..=1 => Some(v as u8),
                    _ => None,
                },
                Dtype::F32 => {
                    let v = f32::from_le_bytes(b.try_into().unwrap_or_default());
                    (v == 0.0 || v == 1.0).then_some(v as u8)
                }
                Dtype::F64 => {
                    let v = f64::from_le_bytes(b.try_into().unwrap_or_default());
                    (v == 0.0 || v == 1.0).then_some(v as u8)
                }
                _ => None,
            };
            match v {
                Some(v) => out.push(v),
                None => {
                    bad = Some(j);
                    break;
                }
            }
        }
        if let Some(j) = bad {
            let per_row = (self.row_bytes / size).max(1);
            return Err(Error::File {
                path: self.path.clone(),
                message: format!(
                    "not one-hot: row {}, element {} holds a value other than 0 or 1",
                    first + j / per_row,
                    j % per_row
                ),
            });
        }
        self.shaped(out, rows.len())
    }

    /// Rows `rows` of a float32 or float64 array as `f32` (float64 rounded).
    ///
    /// See the module docs for an example.
    pub fn read_f32(&mut self, rows: Range<usize>) -> Result<ArrayD<f32>> {
        let kind = self.kind;
        let n = rows.len();
        let raw = self.read_raw(rows)?;
        let out: Vec<f32> = match kind {
            Some(Dtype::F32) => raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Some(Dtype::F64) => raw
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default()) as f32)
                .collect(),
            _ => return Err(self.wrong_dtype("float32 or float64")),
        };
        self.shaped(out, n)
    }

    /// Rows `rows` of any numeric array as `f64`.
    ///
    /// ```no_run
    /// let a = motiflift::io::npy_stream::NpyReader::open("A.npy")?.read_f64(0..10)?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn read_f64(&mut self, rows: Range<usize>) -> Result<ArrayD<f64>> {
        let kind = self.kind;
        let n = rows.len();
        let raw = self.read_raw(rows)?;
        let out: Vec<f64> = match kind {
            Some(Dtype::Bool | Dtype::U8) => raw.iter().map(|&b| f64::from(b)).collect(),
            Some(Dtype::I8) => raw.iter().map(|&b| f64::from(b as i8)).collect(),
            Some(Dtype::I32) => raw.chunks_exact(4).map(|b| f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect(),
            Some(Dtype::U32) => raw.chunks_exact(4).map(|b| f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect(),
            Some(Dtype::I64) => {
                raw.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()) as f64).collect()
            }
            Some(Dtype::F32) => raw.chunks_exact(4).map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect(),
            Some(Dtype::F64) => raw.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default())).collect(),
            None => return Err(self.wrong_dtype("a numeric dtype")),
        };
        self.shaped(out, n)
    }

    fn shaped<T>(&self, data: Vec<T>, n: usize) -> Result<ArrayD<T>> {
        ArrayD::from_shape_vec(IxDyn(&self.row_shape(n)), data).map_err(|e| Error::File {
            path: self.path.clone(),
            message: format!("internal shape error: {e}"),
        })
    }
}

/// Counts the bytes read through it (to find where a gzip stream's data starts).
struct Counting<'a, R> {
    inner: &'a mut R,
    n: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// An `.npy` file written row block by row block: the header (with the final shape, known up
/// front) goes into a temporary file beside `path`, the rows follow, and [`NpyWriter::finish`]
/// checks the row count, syncs and renames it into place. Dropped unfinished (an error, a
/// panic), it removes the temporary file and `path` is untouched.
///
/// See the module docs for an example.
pub struct NpyWriter {
    path: PathBuf,
    tmp: Option<TempFile>,
    out: Option<BufWriter<File>>,
    row_bytes: usize,
    expected_rows: usize,
    written_bytes: usize,
}

impl std::fmt::Debug for NpyWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpyWriter").field("path", &self.path).field("rows", &self.expected_rows).finish()
    }
}

impl NpyWriter {
    /// Starts `path` for `n_rows` rows of shape `row_shape` of element type `T`.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npyw-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("short.npy");
    /// let mut w = motiflift::io::npy_stream::NpyWriter::new::<i8>(&path, &[4], 2)?;
    /// w.write(&[0i8; 4])?;
    /// assert!(w.finish().is_err()); // one row missing
    /// assert!(!path.exists());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn new<T: WritableElement>(path: impl AsRef<Path>, row_shape: &[usize], n_rows: usize) -> Result<Self> {
        let mut shape = vec![n_rows];
        shape.extend_from_slice(row_shape);
        let header = Header { type_descriptor: T::type_descriptor(), layout: Layout::Standard, shape };
        let row_bytes = row_shape.iter().product::<usize>() * std::mem::size_of::<T>();
        Self::with_header(path.as_ref(), &header, row_bytes)
    }

    /// Starts `path` for `n_rows` rows of the dtype and row shape of `like` (for concatenating
    /// files of that dtype byte for byte).
    ///
    /// ```no_run
    /// use motiflift::io::npy_stream::{NpyReader, NpyWriter};
    /// let mut r = NpyReader::open("A.npy")?;
    /// let mut w = NpyWriter::like("copy.npy", &r, r.n_rows())?;
    /// w.write_raw(&r.read_raw(0..r.n_rows())?)?;
    /// w.finish()?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn like(path: impl AsRef<Path>, like: &NpyReader, n_rows: usize) -> Result<Self> {
        let mut header = like.header().clone();
        header.shape[0] = n_rows;
        Self::with_header(path.as_ref(), &header, like.row_bytes)
    }

    fn with_header(path: &Path, header: &Header, row_bytes: usize) -> Result<Self> {
        let bytes = header.to_bytes().map_err(|e| Error::File {
            path: path.to_path_buf(),
            message: format!("cannot format the .npy header: {e}"),
        })?;
        let tmp = TempFile::create(path)?;
        let mut out = BufWriter::with_capacity(1 << 20, tmp.file()?);
        // The header is not data: it must not count against the announced rows (a small file's
        // header is larger than its data).
        let header_written = out.write_all(&bytes).map_err(|e| Error::io(path, e));
        let w = Self {
            path: path.to_path_buf(),
            tmp: Some(tmp),
            out: Some(out),
            row_bytes,
            expected_rows: header.shape[0],
            written_bytes: 0,
        };
        header_written?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let path = &self.path;
        match &mut self.out {
            Some(out) => out.write_all(bytes).map_err(|e| Error::io(path, e))?,
            None => return Err(Error::Invalid(format!("{}: written after finish", path.display()))),
        }
        self.written_bytes += bytes.len();
        if self.written_bytes > self.expected_rows * self.row_bytes {
            return Err(Error::File {
                path: self.path.clone(),
                message: format!("more than the {} rows announced were written", self.expected_rows),
            });
        }
        Ok(())
    }

    /// Appends elements (whole rows, row-major) of the writer's element type `T`.
    ///
    /// See the module docs for an example.
    pub fn write<T: Pod>(&mut self, values: &[T]) -> Result<()> {
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        for v in values {
            v.put_le(&mut bytes);
        }
        self.put(&bytes)
    }

    /// Appends raw little-endian bytes of whole rows.
    ///
    /// See [`NpyWriter::like`] for an example.
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.put(bytes)
    }

    /// Checks that every row was written, syncs the file and renames it into place.
    ///
    /// See the module docs for an example.
    pub fn finish(mut self) -> Result<()> {
        let expected = self.expected_rows * self.row_bytes;
        if self.written_bytes != expected {
            return Err(Error::File {
                path: self.path.clone(),
                message: format!(
                    "incomplete: {} of {} rows written",
                    self.written_bytes / self.row_bytes.max(1),
                    self.expected_rows
                ),
            });
        }
        let path = self.path.clone();
        let out = self.out.take().ok_or_else(|| Error::Invalid(format!("{}: finished twice", path.display())))?;
        let file = out.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_data().map_err(|e| Error::io(&path, e))?;
        drop(file);
        let tmp = self.tmp.take().ok_or_else(|| Error::Invalid(format!("{}: finished twice", path.display())))?;
        tmp.persist()
    }
}

/// Plain element types [`NpyWriter::write`] takes (little-endian on disk).
///
/// ```
/// use motiflift::io::npy_stream::Pod;
/// let mut out = Vec::new();
/// 1.0f32.put_le(&mut out);
/// assert_eq!(out, 1.0f32.to_le_bytes());
/// ```
pub trait Pod: Copy {
    /// Appends the little-endian bytes of `self`.
    fn put_le(&self, out: &mut Vec<u8>);
}

macro_rules! pod {
    ($($t:ty),*) => {$(
        impl Pod for $t {
            fn put_le(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
pod!(i8, u8, i32, u32, i64, u64, f32, f64);

impl Pod for bool {
    fn put_le(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("motiflift-npys-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn streamed_file_is_byte_identical_to_a_whole_write() {
        let d = dir("same");
        let a = Array3::from_shape_fn((5, 4, 3), |(i, j, k)| (i * 12 + j * 3 + k) as f32 * 0.5);
        super::super::npy::write_npy(d.join("whole.npy"), &a).unwrap();
        let mut w = NpyWriter::new::<f32>(d.join("stream.npy"), &[4, 3], 5).unwrap();
        let flat = a.as_slice().unwrap();
        w.write(&flat[..24]).unwrap();
        w.write(&flat[24..]).unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::read(d.join("whole.npy")).unwrap(), std::fs::read(d.join("stream.npy")).unwrap());
        let mut r = NpyReader::open(d.join("stream.npy")).unwrap();
        assert_eq!(r.read_f32(2..4).unwrap(), a.slice(ndarray::s![2..4, .., ..]).into_dyn());
    }

    #[test]
    fn gzip_rows_are_read_forwards_and_backwards() {
        use std::io::Write;
        let d = dir("gz");
        let a = Array3::from_shape_fn((6, 4, 2), |(i, j, _)| u8::from(i % 4 == j));
        super::super::npy::write_npy(d.join("x.npy"), &a).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&std::fs::read(d.join("x.npy")).unwrap()).unwrap();
        std::fs::write(d.join("x.npy.gz"), enc.finish().unwrap()).unwrap();
        let mut r = NpyReader::open(d.join("x.npy.gz")).unwrap();
        for rows in [3..5, 0..2, 5..6] {
            assert_eq!(r.read_onehot(rows.clone()).unwrap(), a.slice(ndarray::s![rows, .., ..]).into_dyn());
        }
    }

    #[test]
    fn dropped_writer_leaves_nothing() {
        let d = dir("drop");
        {
            let mut w = NpyWriter::new::<u8>(d.join("x.npy"), &[2], 3).unwrap();
            w.write(&[1u8, 0]).unwrap();
        }
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
    }

    #[test]
    fn truncated_file_is_reported_at_open() {
        let d = dir("trunc");
        super::super::npy::write_npy(d.join("t.npy"), &Array3::<f32>::zeros((4, 4, 8))).unwrap();
        let bytes = std::fs::read(d.join("t.npy")).unwrap();
        std::fs::write(d.join("t.npy"), &bytes[..bytes.len() - 10]).unwrap();
        let e = NpyReader::open(d.join("t.npy")).unwrap_err().to_string();
        assert!(e.contains("t.npy") && e.contains("truncated"), "{e}");
    }
}
