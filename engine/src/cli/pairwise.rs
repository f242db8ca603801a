//! `motiflift pairwise`: how often two motifs annotate seqlets of the same example (tangermeme
//! `pairwise_annotations`), from an annotated seqlet table.

use std::path::PathBuf;

use clap::Args;
use ndarray::Array2;

use super::Context;
use super::count::best_annotations;
use crate::annotate::pairwise_annotations;
use crate::io::meme::read_meme;
use crate::io::npy::write_npy;
use crate::{Error, Result};

/// Arguments of `motiflift pairwise`.
///
/// Writes an `int64` `(n_motifs, n_motifs)` `.npy` built from the best annotation of each
/// seqlet (rank 1): by default each unordered pair of distinct motifs present in an example adds
/// 1 to both `[a, b]` and `[b, a]` (tangermeme's defaults `unique=True, symmetric=True`).
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "pairwise", "--annotations", "a.tsv", "--motifs", "db.meme", "--non-unique", "-o", "p.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Pairwise(args) = cli.command else { panic!("not pairwise") };
/// assert!(args.non_unique && !args.asymmetric);
/// ```
#[derive(Debug, Args)]
pub struct PairwiseArgs {
    /// Annotated seqlet table (`motiflift annotate`'s output).
    #[arg(long, value_name = "annotated.tsv")]
    pub annotations: PathBuf,
    /// The motif database the seqlets were annotated with (for the number of motifs).
    #[arg(long, value_name = "DB.meme")]
    pub motifs: PathBuf,
    /// Count every pair of seqlets, not each pair of distinct motifs once per example
    /// (tangermeme `unique=False`; a motif then pairs with itself on the diagonal).
    #[arg(long)]
    pub non_unique: bool,
    /// Count `[first, second]` in table order only (tangermeme `symmetric=False`).
    #[arg(long)]
    pub asymmetric: bool,
    /// Output `.npy`.
    #[arg(short, long, value_name = "pairs.npy")]
    pub output: PathBuf,
}

impl PairwiseArgs {
    /// Reads the table, counts the pairs and writes the matrix.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "pairwise", "--annotations", "a.tsv", "--motifs", "db.meme", "-o", "p.npy",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Pairwise(args) = cli.command else { panic!("not pairwise") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let n_motifs = read_meme(&self.motifs)?.len();
        let rows = best_annotations(&self.annotations, n_motifs)?;
        let pairs = pairwise_annotations(&rows, !self.non_unique, !self.asymmetric, Some(n_motifs))
            .map_err(|e| Error::File {
                path: self.annotations.clone(),
                message: e.to_string(),
            })?;
        let array = Array2::from_shape_vec((n_motifs, n_motifs), pairs.data)
            .map_err(|e| Error::Invalid(format!("pair matrix: {e}")))?;
        write_npy(&self.output, &array)?;
        ctx.note(&format!(
            "pairwise: {} annotations -> {n_motifs}x{n_motifs} in {}",
            rows.len(),
            self.output.display()
        ));
        Ok(())
    }
}
