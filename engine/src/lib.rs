//! # motiflift
//!
//! GPU-native explanations of genomics sequence models: loci → one-hot → dinucleotide-shuffled
//! references → DeepLIFT/SHAP → seqlets → Tomtom annotation → counts → figures.
//!
//! Every step is a public function named as in tangermeme, and a subcommand of the
//! `motiflift` binary of the same name.

#![warn(missing_docs)]

pub mod allocator;
pub mod annotate;
pub mod attribute;
pub mod device;
pub mod error;
pub mod cli;
pub mod io;
pub mod pipeline;
pub mod plot;
pub mod seqlets;
pub mod shard;
pub mod stream;

pub use error::{Error, Result};
