//! `motiflift pairwise`: how often two motifs annotate seqlets of the same example (tangermeme
//! `pairwise_annotations`), or at which spacings (`--spacing`, tangermeme
//! `pairwise_annotations_spacing`), from an annotated seqlet table.

use std::path::PathBuf;

use clap::Args;
use ndarray::{Array2, Array3};

use super::Context;
use super::count::{best_annotation_spans, best_annotations};
use crate::annotate::{pairwise_annotations, pairwise_annotations_spacing};
use crate::io::meme::read_meme;
use crate::io::npy::write_npy;
use crate::{Error, Result};

/// Arguments of `motiflift pairwise`.
///
/// Writes an `int64` `(n_motifs, n_motifs)` `.npy` built from the best annotation of each
/// seqlet (rank 1): by default each unordered pair of distinct motifs present in an example adds
/// 1 to both `[a, b]` and `[b, a]` (tangermeme's defaults `unique=True, symmetric=True`).
///
/// With `--spacing D` it writes a `uint32` `(n_motifs, n_motifs, D)` `.npy` instead: every pair
/// of seqlets of one example (the left one has the smaller start) adds 1 at
/// `[left, right, start_right − end_left]` when that spacing is below `D` (and at
/// `[right, left, spacing]` unless `--asymmetric`); overlapping seqlets are an error.
/// tangermeme's default dtype `uint8` wraps at 256; these counts do not.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "pairwise", "--annotations", "a.tsv", "--motifs", "db.meme", "--non-unique", "-o", "p.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Pairwise(args) = cli.command else { panic!("not pairwise") };
/// assert!(args.non_unique && !args.asymmetric && args.spacing.is_none());
/// let spaced = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "pairwise", "--annotations", "a.tsv", "--motifs", "db.meme", "--spacing", "100", "-o", "s.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Pairwise(args) = spaced.command else { panic!("not pairwise") };
/// assert_eq!(args.spacing, Some(100));
/// // Spacing counts have no unique mode.
/// assert!(motiflift::cli::Cli::try_parse_from([
///     "motiflift", "pairwise", "--annotations", "a.tsv", "--motifs", "db.meme", "--spacing", "9", "--non-unique", "-o", "s.npy",
/// ]).is_err());
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
    /// Count `[first, second]` in table order only (tangermeme `symmetric=False`); with
    /// `--spacing`, `[left, right]` only.
    #[arg(long)]
    pub asymmetric: bool,
    /// Count pairs by spacing, up to this distance (exclusive): tangermeme
    /// `pairwise_annotations_spacing(max_distance=D)`.
    #[arg(long, value_name = "D", conflicts_with = "non_unique")]
    pub spacing: Option<usize>,
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
        if let Some(max_distance) = self.spacing {
            return self.run_spacing(ctx, n_motifs, max_distance);
        }
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

    /// `--spacing`: the `(n_motifs, n_motifs, max_distance)` spacing counts.
    fn run_spacing(self, ctx: &Context, n_motifs: usize, max_distance: usize) -> Result<()> {
        if max_distance == 0 {
            return Err(Error::Invalid("--spacing must be at least 1".into()));
        }
        let rows = best_annotation_spans(&self.annotations, n_motifs)?;
        let counts =
            pairwise_annotations_spacing(&rows, max_distance, !self.asymmetric, Some(n_motifs))
                .map_err(|e| Error::File {
                    path: self.annotations.clone(),
                    message: e.to_string(),
                })?;
        let array = Array3::from_shape_vec((n_motifs, n_motifs, max_distance), counts.data)
            .map_err(|e| Error::Invalid(format!("spacing array: {e}")))?;
        write_npy(&self.output, &array)?;
        ctx.note(&format!(
            "pairwise: {} annotations -> {n_motifs}x{n_motifs}x{max_distance} spacings in {}",
            rows.len(),
            self.output.display()
        ));
        Ok(())
    }
}
