//! The error type of the engine: every variant names the file, line, record or node at fault.

use std::path::PathBuf;

/// Errors of the motiflift engine.
///
/// ```
/// use motiflift::Error;
/// let e = Error::Parse { path: "peaks.bed".into(), line: 3, message: "start > end".into() };
/// assert_eq!(e.to_string(), "peaks.bed:3: start > end");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line of a text file is malformed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A whole file is wrong (bad header, wrong dtype or shape, truncated, ...).
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong and what was expected.
        message: String,
    },
    /// An argument or configuration value is invalid.
    #[error("{0}")]
    Invalid(String),
    /// A numeric kernel failed.
    #[error(transparent)]
    Kernel(#[from] motiflift_kernels::Error),
    /// A model could not be loaded or run.
    #[error(transparent)]
    Model(#[from] motiflift_models::Error),
}

impl Error {
    /// An [`Error::Io`] for `path`.
    ///
    /// ```
    /// let e = motiflift::Error::io("x.npy", std::io::Error::other("boom"));
    /// assert!(e.to_string().starts_with("x.npy"));
    /// ```
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// The error for a failed read of `path`: an [`Error::File`] saying the gzip data is
    /// truncated or corrupt when `gzip` is set (the decoder reports both as read errors), an
    /// [`Error::Io`] otherwise.
    ///
    /// ```
    /// let cut = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    /// let e = motiflift::Error::read("x.npy.gz", true, cut);
    /// assert!(e.to_string().starts_with("x.npy.gz: ") && e.to_string().contains("gzip"));
    /// ```
    pub fn read(path: impl Into<PathBuf>, gzip: bool, source: std::io::Error) -> Self {
        if gzip && source.kind() != std::io::ErrorKind::PermissionDenied {
            Self::File {
                path: path.into(),
                message: format!(
                    "cannot decompress: {source}; expected a complete gzip stream (truncated or \
                     corrupt .gz file?)"
                ),
            }
        } else {
            Self::io(path, source)
        }
    }
}

/// Result alias of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
