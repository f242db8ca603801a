//! `motiflift shuffle`: dinucleotide-shuffled references, tangermeme-exact for the same seed.

use std::path::PathBuf;

use clap::Args;
use motiflift_kernels::shuffle::{DinucleotideShuffleOptions, Seeds, dinucleotide_shuffle};
use ndarray::{Array4, Ix3};

use super::Context;
use crate::io::npy::{read_onehot, write_npy};
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
        let x = read_onehot::<Ix3>(&self.input)?;
        let (n, alphabet, len) = x.dim();
        let x = x.as_standard_layout();
        let flat = x
            .as_slice()
            .ok_or_else(|| Error::Invalid("internal: non-contiguous input".into()))?;
        let opts = DinucleotideShuffleOptions {
            n: self.n_shuffles,
            start: self.start,
            end: self.end,
            allow_n: self.allow_n,
        };
        let bar = ctx.progress(n as u64, "sequences");
        let mut out = Vec::with_capacity(n * self.n_shuffles * alphabet * len);
        for first in (0..n).step_by(CHUNK) {
            let rows = CHUNK.min(n - first);
            let part = &flat[first * alphabet * len..(first + rows) * alphabet * len];
            // Sequence `first + i` keeps its seed `seed + first + i`, so chunking changes nothing.
            let seeds = Seeds::Base(self.seed.wrapping_add(first as i64));
            let shuffled = dinucleotide_shuffle(part, [rows, alphabet, len], &seeds, &opts)
                .map_err(|e| Error::File {
                    path: self.input.clone(),
                    message: renumber(e, first),
                })?;
            out.extend_from_slice(&shuffled);
            bar.inc(rows as u64);
        }
        bar.finish_and_clear();
        let out = Array4::from_shape_vec((n, self.n_shuffles, alphabet, len), out)
            .map_err(|e| Error::Invalid(format!("internal shape error: {e}")))?;
        write_npy(&self.output, &out)?;
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
