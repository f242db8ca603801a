//! `motiflift shuffle`: dinucleotide-shuffled references, tangermeme-exact for the same seed.

use std::path::PathBuf;

use clap::Args;
use motiflift_kernels::shuffle::{DinucleotideShuffleOptions, Seeds, dinucleotide_shuffle};

use super::Context;
use crate::io::npy_stream::{NpyReader, NpyWriter};
use crate::shard::{Shard, chunks};
use crate::{Error, Result};

/// Sequences per call of the kernel (one progress tick each).
const CHUNK: usize = 64;

/// Arguments of `motiflift shuffle`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "shuffle", "-i", "X.npy", "--n-shuffles", "10", "--seed", "1234", "-o", "R.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Shuffle(args) = cli.command else { panic!("not shuffle") };
/// assert_eq!((args.n_shuffles, args.seed, args.end), (10, 1234, -1));
/// ```
#[derive(Debug, Args)]
pub struct ShuffleArgs {
    /// One-hot input `.npy` (or `.npy.gz`) `(n, 4, L)`: int8, uint8, bool, float32/64 or int64.
    #[arg(short, long, value_name = "X.npy")]
    pub input: PathBuf,
    /// Shuffles per sequence (tangermeme `n`).
    #[arg(long, default_value_t = 20, value_name = "K")]
    pub n_shuffles: usize,
    /// tangermeme `random_state`: sequence i is shuffled with seed `(seed + i) mod 2^32`.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: i64,
    /// First shuffled column (negative counts from the end).
    #[arg(
        long,
        default_value_t = 0,
        allow_negative_numbers = true,
        value_name = "S"
    )]
    pub start: i64,
    /// End of the shuffled region, exclusive; negative means `L + 1 + end` (-1: to the end).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true, value_name = "E")]
    pub end: i64,
    /// Accept N (all-zero) columns and shuffle them as a fifth symbol.
    #[arg(long)]
    pub allow_n: bool,
    /// Output `.npy`: uint8 one-hot `(n, K, 4, L)`.
    #[arg(short, long, value_name = "R.npy")]
    pub output: PathBuf,
    /// Shuffle only block k of N contiguous blocks of the sequences (0-based), with their
    /// global seeds; `motiflift merge` of the N outputs equals the unsharded run.
    #[arg(long, value_name = "k/N", default_value_t = Shard::WHOLE)]
    pub shard: Shard,
}

impl ShuffleArgs {
    /// Reads the sequences, shuffles them and writes the references.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "shuffle", "-i", "X.npy", "-o", "R.npy",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Shuffle(args) = cli.command else { panic!("not shuffle") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let mut x = NpyReader::open(&self.input)?;
        if x.shape().len() != 3 {
            return Err(Error::File {
                path: self.input.clone(),
                message: format!("expected one-hot sequences (n, 4, L), found shape {:?}", x.shape()),
            });
        }
        let (alphabet, len) = (x.shape()[1], x.shape()[2]);
        let rows = self.shard.range(x.n_rows());
        let opts = DinucleotideShuffleOptions {
            n: self.n_shuffles,
            start: self.start,
            end: self.end,
            allow_n: self.allow_n,
        };
        let n = rows.len();
        let mut out = NpyWriter::new::<u8>(&self.output, &[self.n_shuffles, alphabet, len], n)?;
        let bar = ctx.progress(n as u64, "sequences");
        for chunk in chunks(rows, CHUNK) {
            let first = chunk.start;
            let part = x.read_onehot(chunk.clone())?;
            let flat = part
                .as_slice()
                .ok_or_else(|| Error::Invalid("internal: non-contiguous input".into()))?;
            // Sequence `first + i` keeps its seed `seed + first + i` (global index), so chunks
            // and shards change nothing.
            let seeds = Seeds::Base(self.seed.wrapping_add(first as i64));
            let shuffled = dinucleotide_shuffle(flat, [chunk.len(), alphabet, len], &seeds, &opts)
                .map_err(|e| Error::File {
                    path: self.input.clone(),
                    message: renumber(e, first),
                })?;
            out.write(&shuffled)?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        out.finish()?;
        ctx.note(&format!(
            "shuffle: {n} sequences x {} shuffles -> {}",
            self.n_shuffles,
            self.output.display()
        ));
        Ok(())
    }
}

/// The kernel error, with sequence numbers made relative to the whole file.
fn renumber(e: motiflift_kernels::Error, first: usize) -> String {
    use motiflift_kernels::Error as K;
    match e {
        K::IdenticalShuffles { index } => K::IdenticalShuffles {
            index: index + first,
        }
        .to_string(),
        K::NotOneHot {
            what,
            index,
            position,
            reason,
        } => K::NotOneHot {
            what,
            index: index + first,
            position,
            reason,
        }
        .to_string(),
        other => other.to_string(),
    }
}
