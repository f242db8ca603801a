//! `.npy` arrays (optionally gzip-compressed, `.npy.gz`): dtype-tolerant readers that check what
//! they load, and atomic writers.

use std::io::{Cursor, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use ndarray::{Array, ArrayBase, ArrayD, Data, Dimension, Ix1};
use ndarray_npy::{ReadNpyExt, WritableElement, WriteNpyExt, npy::header::Header};

use super::atomic::write_atomic_with;
use crate::{Error, Result};

/// The element types the `.npy` readers (whole-file and streaming) read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    Bool,
    I8,
    U8,
    I32,
    U32,
    I64,
    F32,
    F64,
}

impl Dtype {
    /// The dtype of a numpy type descriptor (`"<f4"`, `"|u1"`, ...), byte order ignored.
    pub(crate) fn from_descr(descr: &str) -> Option<Self> {
        match descr.trim_start_matches(['<', '|', '=', '>']) {
            "b1" => Some(Dtype::Bool),
            "i1" => Some(Dtype::I8),
            "u1" => Some(Dtype::U8),
            "i4" => Some(Dtype::I32),
            "u4" => Some(Dtype::U32),
            "i8" => Some(Dtype::I64),
            "f4" => Some(Dtype::F32),
            "f8" => Some(Dtype::F64),
            _ => None,
        }
    }

    /// Bytes per element.
    pub(crate) fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::I8 | Dtype::U8 => 1,
            Dtype::I32 | Dtype::U32 | Dtype::F32 => 4,
            Dtype::I64 | Dtype::F64 => 8,
        }
    }
}

/// A whole `.npy` file in memory, with its parsed header.
struct Raw {
    bytes: Vec<u8>,
    descr: String,
    dtype: Option<Dtype>,
    shape: Vec<usize>,
}

fn load(path: &Path) -> Result<Raw> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    let is_gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let read = if is_gz {
        MultiGzDecoder::new(file).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    };
    read.map_err(|e| Error::read(path, is_gz, e))?;
    let header = Header::from_reader(&mut Cursor::new(&bytes)).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: format!("not a valid .npy file: {e}"),
    })?;
    let descr = header
        .type_descriptor
        .as_string()
        .cloned()
        .unwrap_or_else(|| header.type_descriptor.to_string());
    let dtype = Dtype::from_descr(&descr);
    Ok(Raw {
        bytes,
        descr,
        dtype,
        shape: header.shape,
    })
}

impl Raw {
    fn parse<T: ndarray_npy::ReadableElement>(&self, path: &Path) -> Result<ArrayD<T>> {
        ArrayD::<T>::read_npy(Cursor::new(&self.bytes)).map_err(|e| Error::File {
            path: path.to_path_buf(),
            message: format!("cannot read the data: {e}"),
        })
    }

    fn check_ndim(&self, path: &Path, ndim: Option<usize>, what: &str) -> Result<()> {
        match ndim {
            Some(n) if n != self.shape.len() => Err(Error::File {
                path: path.to_path_buf(),
                message: format!(
                    "expected {what} with {n} dimensions, found shape {:?}",
                    self.shape
                ),
            }),
            _ => Ok(()),
        }
    }

    fn wrong_dtype(&self, path: &Path, expected: &str) -> Error {
        Error::File {
            path: path.to_path_buf(),
            message: format!(
                "expected dtype {expected}, found '{}' (shape {:?})",
                self.descr, self.shape
            ),
        }
    }
}

fn into_dim<T, D: Dimension>(a: ArrayD<T>, path: &Path) -> Result<Array<T, D>> {
    let shape = a.shape().to_vec();
    a.into_dimensionality::<D>().map_err(|_| Error::File {
        path: path.to_path_buf(),
        message: format!("expected {:?} dimensions, found shape {shape:?}", D::NDIM),
    })
}

/// Reads a one-hot array (`(n, 4, L)`, `(n, k, 4, L)`, …: the rank is `D`'s) of dtype
/// int8, uint8, bool, float32, float64 or int64 into `u8`, checking every value is 0 or 1.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npy-oh-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::io::npy::{read_onehot, write_npy};
/// let path = dir.join("x.npy");
/// write_npy(&path, &ndarray::Array3::<f32>::from_elem((1, 4, 2), 0.0))?;
/// let x: ndarray::Array3<u8> = read_onehot(&path)?;
/// assert_eq!(x.shape(), [1, 4, 2]);
/// assert!(read_onehot::<ndarray::Ix2>(&path).is_err()); // wrong rank
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_onehot<D: Dimension>(path: impl AsRef<Path>) -> Result<Array<u8, D>> {
    let path = path.as_ref();
    let raw = load(path)?;
    raw.check_ndim(path, D::NDIM, "a one-hot array")?;
    fn conv<T: Copy>(
        a: ArrayD<T>,
        path: &Path,
        to: impl Fn(T) -> Option<u8>,
        show: impl Fn(T) -> String,
    ) -> Result<ArrayD<u8>> {
        if let Some((idx, &v)) = a.indexed_iter().find(|(_, v)| to(**v).is_none()) {
            return Err(Error::File {
                path: path.to_path_buf(),
                message: format!(
                    "not one-hot: value {} at index {:?}; expected 0 or 1",
                    show(v),
                    idx.slice()
                ),
            });
        }
        Ok(a.mapv(|v| to(v).unwrap_or(0)))
    }
    fn bit<T: PartialEq + From<u8>>(v: T) -> Option<u8> {
        if v == T::from(0) {
            Some(0)
        } else if v == T::from(1) {
            Some(1)
        } else {
            None
        }
    }
    let out = match raw.dtype {
        Some(Dtype::Bool) => raw.parse::<bool>(path)?.mapv(u8::from),
        Some(Dtype::U8) => conv(raw.parse::<u8>(path)?, path, bit, |v| v.to_string())?,
        Some(Dtype::I8) => conv(
            raw.parse::<i8>(path)?,
            path,
            |v| bit(v as i16),
            |v| v.to_string(),
        )?,
        Some(Dtype::I64) => conv(raw.parse::<i64>(path)?, path, bit, |v| v.to_string())?,
        Some(Dtype::F32) => conv(
            raw.parse::<f32>(path)?,
            path,
            |v| bit(f64::from(v)),
            |v| v.to_string(),
        )?,
        Some(Dtype::F64) => conv(raw.parse::<f64>(path)?, path, bit, |v| v.to_string())?,
        _ => {
            return Err(raw.wrong_dtype(
                path,
                "int8, uint8, bool, float32, float64 or int64 (one-hot)",
            ));
        }
    };
    into_dim(out, path)
}

/// Reads a float32 array of rank `D`; float64 files are rounded to float32.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npy-f32-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::io::npy::{read_f32, write_npy};
/// let path = dir.join("a.npy");
/// write_npy(&path, &ndarray::array![[0.5f64, 2.0]])?;
/// let a: ndarray::Array2<f32> = read_f32(&path)?;
/// assert_eq!(a, ndarray::array![[0.5f32, 2.0]]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_f32<D: Dimension>(path: impl AsRef<Path>) -> Result<Array<f32, D>> {
    let path = path.as_ref();
    let raw = load(path)?;
    raw.check_ndim(path, D::NDIM, "a float array")?;
    let out = match raw.dtype {
        Some(Dtype::F32) => raw.parse::<f32>(path)?,
        Some(Dtype::F64) => raw.parse::<f64>(path)?.mapv(|v| v as f32),
        _ => return Err(raw.wrong_dtype(path, "float32 or float64")),
    };
    into_dim(out, path)
}

/// Reads a 1-D integer vector of dtype int32 or int64 as `i64`.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npy-i-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::io::npy::{read_i64_vec, write_npy};
/// let path = dir.join("idx.npy");
/// write_npy(&path, &ndarray::array![3i32, 1, 2])?;
/// assert_eq!(read_i64_vec(&path)?.to_vec(), [3, 1, 2]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_i64_vec(path: impl AsRef<Path>) -> Result<Array<i64, Ix1>> {
    let path = path.as_ref();
    let raw = load(path)?;
    raw.check_ndim(path, Some(1), "an integer vector")?;
    let out = match raw.dtype {
        Some(Dtype::I32) => raw.parse::<i32>(path)?.mapv(i64::from),
        Some(Dtype::I64) => raw.parse::<i64>(path)?,
        _ => return Err(raw.wrong_dtype(path, "int32 or int64")),
    };
    into_dim(out, path)
}

/// Reads a numeric array of rank `D` (bool, int8, uint8, int32, uint32, int64, float32 or
/// float64 — counts, co-occurrence matrices, attributions) as `f64`.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npy-f64-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::io::npy::{read_f64, write_npy};
/// let path = dir.join("counts.npy");
/// write_npy(&path, &ndarray::array![[3u32, 0], [1, 2]])?;
/// let c: ndarray::Array2<f64> = read_f64(&path)?;
/// assert_eq!(c, ndarray::array![[3.0, 0.0], [1.0, 2.0]]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_f64<D: Dimension>(path: impl AsRef<Path>) -> Result<Array<f64, D>> {
    let path = path.as_ref();
    let raw = load(path)?;
    raw.check_ndim(path, D::NDIM, "a numeric array")?;
    let out = match raw.dtype {
        Some(Dtype::Bool) => raw.parse::<bool>(path)?.mapv(|v| f64::from(u8::from(v))),
        Some(Dtype::I8) => raw.parse::<i8>(path)?.mapv(f64::from),
        Some(Dtype::U8) => raw.parse::<u8>(path)?.mapv(f64::from),
        Some(Dtype::I32) => raw.parse::<i32>(path)?.mapv(f64::from),
        Some(Dtype::U32) => raw.parse::<u32>(path)?.mapv(f64::from),
        Some(Dtype::I64) => raw.parse::<i64>(path)?.mapv(|v| v as f64),
        Some(Dtype::F32) => raw.parse::<f32>(path)?.mapv(f64::from),
        Some(Dtype::F64) => raw.parse::<f64>(path)?,
        None => return Err(raw.wrong_dtype(path, "a numeric dtype (bool, int, uint or float)")),
    };
    into_dim(out, path)
}

/// Writes `array` as `.npy` (C order), atomically: a temporary file beside `path` is renamed
/// into place once complete.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-npy-w-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("x.npy");
/// motiflift::io::npy::write_npy(&path, &ndarray::Array3::<i8>::zeros((2, 4, 3)))?;
/// assert!(std::fs::metadata(&path).unwrap().len() > 24);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn write_npy<A, S, D>(path: impl AsRef<Path>, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    let path = path.as_ref();
    write_atomic_with(path, |w| {
        array.write_npy(w).map_err(|e| Error::File {
            path: path.to_path_buf(),
            message: format!("cannot write .npy: {e}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Ix3, array};

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("motiflift-npy-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn onehot_rejects_non_binary_values() {
        let p = dir("nb").join("x.npy");
        write_npy(&p, &array![[[0i8, 2], [1, 0]]]).unwrap();
        let e = read_onehot::<Ix3>(&p).unwrap_err().to_string();
        assert!(
            e.contains("x.npy") && e.contains("value 2") && e.contains("[0, 0, 1]"),
            "{e}"
        );
    }

    #[test]
    fn onehot_accepts_every_listed_dtype() {
        let d = dir("dt");
        let expect = array![[[1u8, 0], [0, 1]]];
        write_npy(d.join("b.npy"), &expect.mapv(|v| v == 1)).unwrap();
        write_npy(d.join("i8.npy"), &expect.mapv(|v| v as i8)).unwrap();
        write_npy(d.join("u8.npy"), &expect).unwrap();
        write_npy(d.join("i64.npy"), &expect.mapv(i64::from)).unwrap();
        write_npy(d.join("f4.npy"), &expect.mapv(f32::from)).unwrap();
        write_npy(d.join("f8.npy"), &expect.mapv(f64::from)).unwrap();
        for f in ["b", "i8", "u8", "i64", "f4", "f8"] {
            assert_eq!(
                read_onehot::<Ix3>(d.join(format!("{f}.npy"))).unwrap(),
                expect,
                "{f}"
            );
        }
        write_npy(d.join("i32.npy"), &expect.mapv(i32::from)).unwrap();
        let e = read_onehot::<Ix3>(d.join("i32.npy"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected dtype") && e.contains("<i4"), "{e}");
    }

    #[test]
    fn gzip_is_read_transparently() {
        use std::io::Write;
        let d = dir("gz");
        write_npy(d.join("a.npy"), &array![1.5f32, 2.5]).unwrap();
        let bytes = std::fs::read(d.join("a.npy")).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&bytes).unwrap();
        std::fs::write(d.join("a.npy.gz"), enc.finish().unwrap()).unwrap();
        assert_eq!(
            read_f32::<Ix1>(d.join("a.npy.gz")).unwrap().to_vec(),
            [1.5, 2.5]
        );
    }

    #[test]
    fn garbage_is_an_error_naming_the_file() {
        let p = dir("bad").join("junk.npy");
        std::fs::write(&p, b"not numpy at all").unwrap();
        let e = read_f32::<Ix1>(&p).unwrap_err().to_string();
        assert!(e.contains("junk.npy"), "{e}");
    }
}
