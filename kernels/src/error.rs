//! The error type of the kernels crate.

/// Errors raised by the numeric kernels. Each variant says what was expected.
///
/// ```
/// use motiflift_kernels::Error;
/// let e = Error::InvalidArgument { name: "threshold", reason: "must be in (0, 1]".into() };
/// assert!(e.to_string().contains("threshold"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The parameter name, as in tangermeme.
        name: &'static str,
        /// What was wrong and what is expected.
        reason: String,
    },
    /// An input array has the wrong shape.
    #[error("wrong shape for {what}: expected {expected}, got {got:?}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// The expected shape, in words.
        expected: String,
        /// The shape that was given.
        got: Vec<usize>,
    },
    /// An input is not one-hot encoded where it must be.
    #[error("{what} is not one-hot encoded: sequence {index}, position {position} ({reason})")]
    NotOneHot {
        /// Which input.
        what: &'static str,
        /// The sequence index.
        index: usize,
        /// The column.
        position: usize,
        /// Why the column is invalid.
        reason: String,
    },
    /// A value is NaN or infinite where only finite values are allowed.
    #[error("{what} holds a non-finite value ({value}) at {location}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Where, in words (e.g. "example 3, position 17").
        location: String,
        /// The offending value.
        value: f64,
    },
    /// The input is empty where at least one element is needed.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// Every dinucleotide shuffle of a sequence is identical (tangermeme raises here too).
    #[error("all dinucleotide shuffles of sequence {index} are identical (too little diversity)")]
    IdenticalShuffles {
        /// The sequence index.
        index: usize,
    },
}

/// Result alias of the kernels crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
