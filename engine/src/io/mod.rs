//! Readers and writers: FASTA, BED, loci extraction, MEME, `.npy`, tables.

pub mod atomic;
pub mod bed;
pub mod fasta;
mod hugepage;
pub mod loci;
pub mod meme;
pub mod npy;
pub mod npy_stream;
pub mod table;
