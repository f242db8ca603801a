//! `motiflift plot logo|counts|pairwise`: the figures of `motiflift run` from files written by
//! the other subcommands (attributions `.npy`, annotated seqlet tables, count and pair matrices).

use std::ops::Range;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use clap::{Args, Subcommand};
use ndarray::{Array2, Array3, Axis, Ix2, IxDyn, s};

use super::Context;
use crate::annotate::read_seqlet_table;
use crate::io::meme::{Motif, display_name, read_meme};
use crate::io::npy::{read_f32, read_f64};
use crate::plot::{Annotation, FigureFiles, LogoTrack, plot_counts, plot_logo, plot_pairwise};
use crate::{Error, Result};

/// Arguments of `motiflift plot`: which figure to draw.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "plot", "pairwise", "--pairs", "p.npy", "--motifs", "db.meme", "-o", "p.png",
/// ]).unwrap();
/// let motiflift::cli::Command::Plot(args) = cli.command else { panic!("not plot") };
/// assert!(matches!(args.figure, motiflift::cli::plot::Figure::Pairwise(_)));
/// ```
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The figure.
    #[command(subcommand)]
    pub figure: Figure,
}

/// The figures `motiflift plot` draws. Each writes an SVG and a PNG beside each other
/// (`-o fig.png` → `fig.svg` + `fig.png`).
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "plot", "counts", "--counts", "a.npy", "--counts", "b.npy", "--motifs", "db.meme", "-o", "c.png",
/// ]).unwrap();
/// let motiflift::cli::Command::Plot(args) = cli.command else { panic!("not plot") };
/// let motiflift::cli::plot::Figure::Counts(c) = args.figure else { panic!("not counts") };
/// assert_eq!(c.counts.len(), 2);
/// ```
#[derive(Debug, Subcommand)]
pub enum Figure {
    /// Attribution logo of one example over a window, one track per attribution file, seqlets
    /// marked with their best motif (tangermeme `plot_logo`).
    Logo(LogoArgs),
    /// Grouped bar chart of the most annotated motifs, one bar per model.
    Counts(CountsArgs),
    /// Heatmap of motif co-occurrence for the motifs in most pairs.
    Pairwise(PairsArgs),
}

impl PlotArgs {
    /// Draws the figure.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "plot", "pairwise", "--pairs", "p.npy", "--motifs", "db.meme", "-o", "p.png",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Plot(args) = cli.command else { panic!("not plot") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let output = match &self.figure {
            Figure::Logo(a) => &a.output,
            Figure::Counts(a) => &a.output,
            Figure::Pairwise(a) => &a.output,
        };
        if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let files = match self.figure {
            Figure::Logo(a) => a.draw()?,
            Figure::Counts(a) => a.draw()?,
            Figure::Pairwise(a) => a.draw()?,
        };
        ctx.note(&format!("plot: {} and {}", files.svg.display(), files.png.display()));
        Ok(())
    }
}

/// Arguments of `motiflift plot logo`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "plot", "logo", "-a", "bpnet.npy", "--annotations", "bpnet.tsv",
///     "--title", "BPNet", "--example", "3", "--start", "900", "--width", "150", "-o", "logo.png",
/// ]).unwrap();
/// let motiflift::cli::Command::Plot(args) = cli.command else { panic!("not plot") };
/// let motiflift::cli::plot::Figure::Logo(logo) = args.figure else { panic!("not logo") };
/// assert_eq!((logo.example, logo.start, logo.width), (3, Some(900), 150));
/// ```
#[derive(Debug, Args)]
pub struct LogoArgs {
    /// Attributions `(n, 4, L)` (`motiflift attribute`'s output); repeat for stacked tracks.
    #[arg(short, long = "attributions", value_name = "A.npy", required = true)]
    pub attributions: Vec<PathBuf>,
    /// Seqlet or annotated seqlet table of each track (same order as `-a`; none, or one per
    /// track). Annotated tables label bars with the best motif and its p-value, plain seqlet
    /// tables with "seqlet" and the seqlet p-value.
    #[arg(long, value_name = "annotated.tsv")]
    pub annotations: Vec<PathBuf>,
    /// Title of each track (default: the attribution file's name).
    #[arg(long, value_name = "NAME")]
    pub title: Vec<String>,
    /// The example (row of the attributions) to draw.
    #[arg(long, default_value_t = 0)]
    pub example: usize,
    /// First position of the window (default: centred on the example's largest |attribution|
    /// in the first track).
    #[arg(long)]
    pub start: Option<usize>,
    /// Window width in positions.
    #[arg(long, default_value_t = 200)]
    pub width: usize,
    /// Output figure (`.png` or `.svg`; both are written).
    #[arg(short, long, value_name = "logo.png")]
    pub output: PathBuf,
}

impl LogoArgs {
    fn draw(&self) -> Result<FigureFiles> {
        if !self.annotations.is_empty() && self.annotations.len() != self.attributions.len() {
            return Err(Error::Invalid(format!(
                "plot logo: {} annotation table(s) for {} attribution file(s); give none or one per file",
                self.annotations.len(),
                self.attributions.len()
            )));
        }
        if !self.title.is_empty() && self.title.len() != self.attributions.len() {
            return Err(Error::Invalid(format!(
                "plot logo: {} title(s) for {} attribution file(s); give none or one per file",
                self.title.len(),
                self.attributions.len()
            )));
        }
        let mut tracks = Vec::with_capacity(self.attributions.len());
        for path in &self.attributions {
            tracks.push(example_track(path, self.example)?);
        }
        let window = match self.start {
            Some(start) => start..start.saturating_add(self.width),
            None => centred_window(&tracks[0], self.width),
        };
        let mut annotations = Vec::with_capacity(self.annotations.len());
        for path in &self.annotations {
            annotations.push(example_annotations(path, self.example)?);
        }
        let logo_tracks: Vec<LogoTrack> = tracks
            .iter()
            .enumerate()
            .map(|(i, values)| LogoTrack {
                title: self.title.get(i).cloned().unwrap_or_else(|| file_label(&self.attributions[i])),
                values: values.view(),
                annotations: annotations.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        plot_logo(&logo_tracks, window, &self.output)
    }
}

/// Row `example` of an `(n, 4, L)` attribution file.
fn example_track(path: &Path, example: usize) -> Result<Array2<f32>> {
    let a: Array3<f32> = read_f32(path)?;
    if example >= a.dim().0 {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: format!("has {} examples; example {example} was asked for", a.dim().0),
        });
    }
    Ok(a.slice(s![example, .., ..]).to_owned())
}

/// `width` positions centred on the largest total |attribution| (clamped to the track).
fn centred_window(track: &Array2<f32>, width: usize) -> Range<usize> {
    let len = track.ncols();
    let width = width.clamp(1, len.max(1));
    let centre = track
        .map_axis(Axis(0), |col| col.iter().map(|v| v.abs()).sum::<f32>())
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i);
    let start = centre.saturating_sub(width / 2).min(len.saturating_sub(width));
    start..start + width
}

/// The file name without its extension, as a default track title.
fn file_label(path: &Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

/// The seqlets of `example` in a seqlet table (best annotation only when it has ranks), labelled
/// with their best motif and its p-value, or "seqlet" and the seqlet p-value.
fn example_annotations(path: &Path, example: usize) -> Result<Vec<Annotation>> {
    let table = read_seqlet_table(path)?;
    let examples = int_column(&table, "example_idx", path)?;
    let starts = int_column(&table, "start", path)?;
    let ends = int_column(&table, "end", path)?;
    let ranks = match table.schema().index_of("rank") {
        Ok(_) => Some(int_column(&table, "rank", path)?),
        Err(_) => None,
    };
    let (labels, scores) = match table.schema().index_of("motif") {
        Ok(i) => {
            let names = table.column(i).as_string_opt::<i32>().ok_or_else(|| Error::File {
                path: path.to_path_buf(),
                message: "column `motif` must hold text".into(),
            })?;
            let labels = (0..table.num_rows()).map(|r| display_name(names.value(r)).to_string()).collect();
            (labels, float_column(&table, "motif_p-value", path)?)
        }
        Err(_) => (vec!["seqlet".to_string(); table.num_rows()], float_column(&table, "p-value", path)?),
    };
    let mut out = Vec::new();
    for r in 0..table.num_rows() {
        if examples[r] != example as i64 || ranks.as_ref().is_some_and(|k| k[r] != 1) {
            continue;
        }
        if starts[r] < 0 || ends[r] < starts[r] {
            return Err(Error::File {
                path: path.to_path_buf(),
                message: format!("row {}: start {} and end {} do not make a span", r + 1, starts[r], ends[r]),
            });
        }
        out.push(Annotation {
            start: starts[r] as usize,
            end: ends[r] as usize,
            label: labels[r].clone(),
            score: scores.as_ref().map(|s| s[r]),
        });
    }
    Ok(out)
}

/// An integer column (Int64 or Int32) by name.
fn int_column(table: &RecordBatch, name: &str, path: &Path) -> Result<Vec<i64>> {
    let err = |message: String| Error::File { path: path.to_path_buf(), message };
    let i = table.schema().index_of(name).map_err(|_| err(format!("has no `{name}` column")))?;
    let c = table.column(i);
    if c.null_count() > 0 {
        return Err(err(format!("column `{name}` has missing values")));
    }
    match c.data_type() {
        DataType::Int64 => Ok(c.as_primitive::<Int64Type>().values().to_vec()),
        DataType::Int32 => Ok(c.as_primitive::<Int32Type>().values().iter().map(|&v| i64::from(v)).collect()),
        other => Err(err(format!("column `{name}` must hold integers, found {other}"))),
    }
}

/// A float column by name, or `None` when the table does not have it.
fn float_column(table: &RecordBatch, name: &str, path: &Path) -> Result<Option<Vec<f64>>> {
    let Ok(i) = table.schema().index_of(name) else { return Ok(None) };
    let c = table.column(i);
    if c.data_type() != &DataType::Float64 || c.null_count() > 0 {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: format!("column `{name}` must hold numbers without gaps, found {}", c.data_type()),
        });
    }
    Ok(Some(c.as_primitive::<Float64Type>().values().to_vec()))
}

/// Arguments of `motiflift plot counts`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "plot", "counts", "--counts", "a.npy", "--name", "BPNet", "--motifs", "db.meme",
///     "--top", "10", "-o", "c.png",
/// ]).unwrap();
/// let motiflift::cli::Command::Plot(args) = cli.command else { panic!("not plot") };
/// let motiflift::cli::plot::Figure::Counts(c) = args.figure else { panic!("not counts") };
/// assert_eq!((c.top, c.name.as_slice()), (10, ["BPNet".to_string()].as_slice()));
/// ```
#[derive(Debug, Args)]
pub struct CountsArgs {
    /// Counts of one model (`motiflift count`'s output): `(n_examples, n_motifs)`, summed over
    /// examples, or `(n_motifs,)`. Repeat for several models.
    #[arg(long, value_name = "counts.npy", required = true)]
    pub counts: Vec<PathBuf>,
    /// Display name of each model (default: the name of the folder holding its counts file,
    /// else the file's name).
    #[arg(long, value_name = "NAME")]
    pub name: Vec<String>,
    /// The motif database the seqlets were annotated with (for the motif names).
    #[arg(long, value_name = "DB.meme")]
    pub motifs: PathBuf,
    /// Motifs shown: those with the most annotations over all models.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Output figure (`.png` or `.svg`; both are written).
    #[arg(short, long, value_name = "counts.png")]
    pub output: PathBuf,
}

impl CountsArgs {
    fn draw(&self) -> Result<FigureFiles> {
        if !self.name.is_empty() && self.name.len() != self.counts.len() {
            return Err(Error::Invalid(format!(
                "plot counts: {} name(s) for {} counts file(s); give none or one per file",
                self.name.len(),
                self.counts.len()
            )));
        }
        let motifs = read_meme(&self.motifs)?;
        let mut per_model = Array2::<f64>::zeros((self.counts.len(), motifs.len()));
        for (row, path) in self.counts.iter().enumerate() {
            let c = read_f64::<IxDyn>(path)?;
            let totals = match c.ndim() {
                1 => c,
                2 => c.sum_axis(Axis(0)),
                _ => {
                    return Err(Error::File {
                        path: path.clone(),
                        message: format!("expected (n_examples, n_motifs) or (n_motifs,) counts, found shape {:?}", c.shape()),
                    });
                }
            };
            if totals.len() != motifs.len() {
                return Err(Error::File {
                    path: path.clone(),
                    message: format!(
                        "counts for {} motifs, but {} has {} motifs",
                        totals.len(),
                        self.motifs.display(),
                        motifs.len()
                    ),
                });
            }
            per_model.row_mut(row).iter_mut().zip(totals.iter()).for_each(|(d, v)| *d = *v);
        }
        let names: Vec<String> = match self.name.is_empty() {
            false => self.name.clone(),
            true => self.counts.iter().map(|p| model_label(p)).collect(),
        };
        plot_counts(&names, per_model.view(), &motif_names(&motifs), self.top, &self.output)
    }
}

/// A model's default display name: the folder holding its file (`out/BPNet/counts.npy` →
/// `BPNet`), else the file's name.
fn model_label(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .map(|d| d.to_string_lossy().into_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| file_label(path))
}

fn motif_names(motifs: &[Motif]) -> Vec<&str> {
    motifs.iter().map(Motif::display_name).collect()
}

/// Arguments of `motiflift plot pairwise`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "plot", "pairwise", "--pairs", "p.npy", "--motifs", "db.meme", "-o", "p.png",
/// ]).unwrap();
/// let motiflift::cli::Command::Plot(args) = cli.command else { panic!("not plot") };
/// let motiflift::cli::plot::Figure::Pairwise(p) = args.figure else { panic!("not pairwise") };
/// assert_eq!(p.top, 20);
/// ```
#[derive(Debug, Args)]
pub struct PairsArgs {
    /// Co-occurrence matrix `(n_motifs, n_motifs)` (`motiflift pairwise`'s output).
    #[arg(long, value_name = "pairs.npy")]
    pub pairs: PathBuf,
    /// The motif database the seqlets were annotated with (for the motif names).
    #[arg(long, value_name = "DB.meme")]
    pub motifs: PathBuf,
    /// Motifs shown: those in the most pairs.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Output figure (`.png` or `.svg`; both are written).
    #[arg(short, long, value_name = "pairwise.png")]
    pub output: PathBuf,
}

impl PairsArgs {
    fn draw(&self) -> Result<FigureFiles> {
        let motifs = read_meme(&self.motifs)?;
        let pairs = read_f64::<Ix2>(&self.pairs)?;
        if pairs.dim() != (motifs.len(), motifs.len()) {
            return Err(Error::File {
                path: self.pairs.clone(),
                message: format!(
                    "shape {:?}; expected ({n}, {n}) for the {n} motifs of {}",
                    pairs.dim(),
                    self.motifs.display(),
                    n = motifs.len()
                ),
            });
        }
        plot_pairwise(pairs.view(), &motif_names(&motifs), self.top, &self.output)
    }
}
