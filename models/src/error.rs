//! The error type of the models crate.

use std::path::PathBuf;

/// Errors raised while loading, checking or running a model. Every variant names the file, weight
/// key or graph node concerned and says what was expected.
///
/// ```
/// use motiflift_models::Error;
/// let e = Error::UnsupportedOp {
///     node: "node_erf".into(),
///     op: "Erf".into(),
///     reason: "not in the supported op set".into(),
/// };
/// assert_eq!(e.to_string(), "unsupported op `Erf` at node `node_erf`: not in the supported op set");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model file could not be opened or read.
    #[error("cannot read model file {}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A model file is truncated, corrupt or not in the format its name says.
    #[error("{} is not a valid {format} file (truncated or corrupt?): {reason}", file.display())]
    Corrupt {
        /// The file.
        file: PathBuf,
        /// The format it was read as.
        format: &'static str,
        /// What the parser reported.
        reason: String,
    },
    /// A weight the architecture needs is absent from the file.
    #[error("{} has no weight `{key}` (needed by {arch}; keys present: {present})", file.display())]
    MissingKey {
        /// The file.
        file: PathBuf,
        /// The missing key.
        key: String,
        /// The architecture that needs it.
        arch: String,
        /// A short listing of the keys that are present.
        present: String,
    },
    /// A weight has the wrong shape or type.
    #[error("{}: weight `{key}` has shape {found:?}, expected {expected}", file.display())]
    WeightShape {
        /// The file.
        file: PathBuf,
        /// The weight key.
        key: String,
        /// The expected shape, in words.
        expected: String,
        /// The shape found.
        found: Vec<usize>,
    },
    /// The architecture or a hyper-parameter cannot be determined or is inconsistent.
    #[error("{}: {reason}", file.display())]
    Architecture {
        /// The file.
        file: PathBuf,
        /// What is missing or inconsistent, and how to fix it.
        reason: String,
    },
    /// A graph node uses an op (or an op variant) that motiflift does not implement.
    #[error("unsupported op `{op}` at node `{node}`: {reason}")]
    UnsupportedOp {
        /// The node name.
        node: String,
        /// The op name (ONNX op type or PyTorch module).
        op: String,
        /// Why it is unsupported.
        reason: String,
    },
    /// A node is nonlinear and has no DeepLIFT rule, so the graph cannot be attributed.
    #[error(
        "node `{node}` ({op}) cannot be attributed: {reason}; DeepLIFT would silently treat it as \
         linear, so motiflift refuses (prediction still works)"
    )]
    NotAttributable {
        /// The node name.
        node: String,
        /// The op name.
        op: String,
        /// Why the op has no rule.
        reason: String,
    },
    /// The model input does not have the shape the graph needs.
    #[error("model input has shape {found:?}, expected {expected}")]
    InputShape {
        /// The expected shape, in words.
        expected: String,
        /// The shape given.
        found: Vec<usize>,
    },
    /// A node received values it cannot process (shape mismatch, bad index, ...).
    #[error("node `{node}` ({op}): {reason}")]
    Eval {
        /// The node name.
        node: String,
        /// The op name.
        op: String,
        /// What went wrong, with the shapes involved.
        reason: String,
    },
    /// The model output cannot be brought to `(batch, n_outputs)`, or a selected column does not exist.
    #[error("model output: {reason}")]
    Output {
        /// What went wrong.
        reason: String,
    },
    /// A model specification (format, architecture, wrapper list) is invalid.
    #[error("invalid model specification: {reason}")]
    Spec {
        /// What is invalid and what is accepted.
        reason: String,
    },
}

/// Result alias of the models crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
