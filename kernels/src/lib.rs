//! # motiflift-kernels
//!
//! The numeric kernels of motiflift, free of file formats and models: the numpy-legacy
//! Mersenne Twister ([`rng`]), tangermeme-exact shuffles ([`shuffle`]), seqlet callers
//! ([`seqlets`]), Tomtom ([`tomtom`]), annotation counting ([`counts`]), the host 1-D
//! convolution of the CPU DeepLIFT path ([`conv`]) and the DeepLIFT
//! rules as custom backward passes on Burn ([`deeplift`], feature `deeplift`).
//!
//! Every kernel has a CPU implementation (plain Rust + rayon) that is the reference.
//!
//! ```
//! use motiflift_kernels::rng::Mt19937;
//! let mut rng = Mt19937::new(0);
//! let draws: Vec<u32> = (0..6).map(|_| rng.bounded(4)).collect();
//! assert_eq!(draws, [0, 3, 1, 0, 3, 3]);
//! ```
//!
//! ## Feature flags
//! - `deeplift` (default): DeepLIFT rules on Burn's autodiff.
//! - `cuda`: the same rules on Burn's CUDA backend.

#![warn(missing_docs)]

pub mod conv;
pub mod counts;
#[cfg(feature = "deeplift")]
pub mod deeplift;
pub mod error;
pub mod rng;
pub mod seqlets;
pub mod shuffle;
mod simd;
pub mod tomtom;

pub use error::{Error, Result};
