//! The seed analysis end to end, from one TOML file: loci → attributions per model → seqlets →
//! Tomtom annotations → counts and co-occurrence → figures and a summary.
//!
//! Paths in the config are relative to the config file. Each step writes its outputs under
//! `<out>/<model>/` and a stamp (a hash of everything the step read); a later run skips a step
//! whose stamp still matches and whose outputs exist.
//!
//! ```no_run
//! use motiflift::pipeline::{Pipeline, RunOptions};
//! let pipeline = Pipeline::from_file("pipeline.toml")?;
//! let report = pipeline.run("out".as_ref(), &RunOptions::default())?;
//! println!("{}", report.summary_path.display());
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, Int32Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use burn::backend::Autodiff;
use burn::tensor::backend::Backend;
use motiflift_kernels::counts::{count_annotations, pairwise_annotations};
use motiflift_kernels::tomtom::TomtomOptions;
use motiflift_models::{ModelSpec, load};
use ndarray::{Array2, Array3, Axis, Ix3};
use serde::Deserialize;

use crate::annotate::seqlet_rows;
use crate::attribute::{DeepLiftShapOptions, References};
use crate::device::{Device, OnBackend};
use crate::io::bed::{LociOptions, Locus, read_loci};
use crate::io::fasta::Fasta;
use crate::io::loci::{ExtractOptions, extract_loci, window_mask};
use crate::io::meme::{Motif, read_meme};
use crate::io::npy::write_npy;
use crate::io::npy_stream::{NpyReader, NpyWriter};
use crate::io::table::write_table;
use crate::plot::{Annotation, LogoTrack, plot_counts, plot_logo, plot_pairwise};
use crate::seqlets::RecursiveOptions;
use crate::shard::{CHUNK_LOCI, Shard, chunks};
use crate::stream::{
    AttributeSummary, ReferenceSource, annotate_seqlets_file, attribute_to_files, recursive_seqlets_file,
};
use crate::{Error, Result};

/// Where the loci come from: BED files + FASTA, or a one-hot `.npy`.
#[derive(Debug, Clone, Deserialize, Hash)]
#[serde(deny_unknown_fields)]
pub struct LociConfig {
    /// BED / narrowPeak files, interleaved as tangermeme does.
    #[serde(default)]
    pub bed: Vec<PathBuf>,
    /// Genome FASTA (with or without `.fai`).
    pub fasta: Option<PathBuf>,
    /// One-hot `(n, 4, L)` `.npy` instead of BED + FASTA.
    pub npy: Option<PathBuf>,
    /// Window width (tangermeme `in_window`).
    #[serde(default = "default_width")]
    pub width: usize,
    /// Keep at most this many loci.
    pub n_loci: Option<usize>,
    /// Drop windows that contain N (as the seed notebook does before attributing).
    #[serde(default = "yes")]
    pub drop_n: bool,
}

/// DeepLIFT/SHAP settings shared by all models.
#[derive(Debug, Clone, Deserialize, Hash)]
#[serde(deny_unknown_fields)]
pub struct AttributionConfig {
    /// References per locus.
    #[serde(default = "default_shuffles")]
    pub n_shuffles: usize,
    /// Seed of the shuffles.
    #[serde(default)]
    pub seed: u64,
    /// How the shuffles are seeded: `"reference"` (tangermeme `deep_lift_shap`'s default:
    /// reference k of every locus uses seed + k) or `"locus"` (`dinucleotide_shuffle(X, n,
    /// random_state=seed)`: locus i uses seed + i, as explicit reference tensors are made).
    #[serde(default = "default_seeding")]
    pub seeding: String,
    /// Pairs per batch.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// `cpu`, `cuda`, `cuda:N` or `auto`.
    #[serde(default = "default_device")]
    pub device: String,
}

/// Seqlet calling settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeqletConfig {
    /// P-value threshold of `recursive_seqlets`.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Bases added on each side of every seqlet.
    #[serde(default)]
    pub additional_flanks: usize,
    /// Shortest seqlet.
    #[serde(default = "default_min_len")]
    pub min_seqlet_len: usize,
    /// Longest seqlet.
    #[serde(default = "default_max_len")]
    pub max_seqlet_len: usize,
}

/// Tomtom annotation settings.
#[derive(Debug, Clone, Deserialize, Hash)]
#[serde(deny_unknown_fields)]
pub struct AnnotationConfig {
    /// MEME motif database.
    pub motifs: PathBuf,
    /// Best matches kept per seqlet (the counts use the best one).
    #[serde(default = "one")]
    pub n_nearest: usize,
}

/// One model to explain.
#[derive(Debug, Clone, Deserialize, Hash)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Display name (also the output folder).
    pub name: String,
    /// Model file (`.torch`/`.pt`/`.pth`, `.safetensors`, `.onnx`).
    pub path: PathBuf,
    /// Architecture for state dicts: bpnet, chrombpnet, procapnet, beluga.
    pub arch: Option<String>,
    /// Wrappers, e.g. `"control,count"` or `"crop=57,output=0"`.
    #[serde(default)]
    pub wrap: String,
    /// Output column explained.
    #[serde(default)]
    pub target: usize,
}

/// Which figures to draw.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureConfig {
    /// Draw figures at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Motifs shown in the bar chart and the heatmaps.
    #[serde(default = "default_top")]
    pub top: usize,
    /// Locus of the logo figure (default: the one with the strongest seqlet).
    pub logo_example: Option<usize>,
    /// Width of the logo window, centred on the strongest seqlet of that locus.
    #[serde(default = "default_logo_width")]
    pub logo_width: usize,
}

impl Default for FigureConfig {
    fn default() -> Self {
        Self { enabled: true, top: default_top(), logo_example: None, logo_width: default_logo_width() }
    }
}

/// A whole pipeline configuration (`pipeline.toml`).
///
/// ```
/// let toml = r#"
/// [loci]
/// npy = "X.npy"
/// [annotation]
/// motifs = "db.meme"
/// [[model]]
/// name = "BPNet"
/// path = "bpnet.torch"
/// arch = "bpnet"
/// wrap = "control,count"
/// "#;
/// let p = motiflift::pipeline::Pipeline::from_str(toml, "config-dir".as_ref())?;
/// assert_eq!(p.config.models[0].name, "BPNet");
/// assert_eq!(p.config.attribution.n_shuffles, 20);
/// assert!(p.config.models[0].path.starts_with("config-dir"));
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The loci.
    pub loci: LociConfig,
    /// DeepLIFT/SHAP settings.
    #[serde(default = "default_attribution")]
    pub attribution: AttributionConfig,
    /// Seqlet settings.
    #[serde(default = "default_seqlets")]
    pub seqlets: SeqletConfig,
    /// Annotation settings.
    pub annotation: AnnotationConfig,
    /// The models, in display order.
    #[serde(rename = "model")]
    pub models: Vec<ModelConfig>,
    /// Figures.
    #[serde(default)]
    pub figures: FigureConfig,
}

fn default_width() -> usize {
    2114
}
fn default_seeding() -> String {
    "reference".into()
}
fn default_shuffles() -> usize {
    20
}
fn default_batch() -> usize {
    32
}
fn default_device() -> String {
    "cpu".into()
}
fn default_threshold() -> f64 {
    0.01
}
fn default_min_len() -> usize {
    4
}
fn default_max_len() -> usize {
    25
}
fn default_top() -> usize {
    15
}
fn default_logo_width() -> usize {
    200
}
fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}
fn default_attribution() -> AttributionConfig {
    AttributionConfig { n_shuffles: 20, seed: 0, seeding: default_seeding(), batch_size: 32, device: default_device() }
}
fn default_seqlets() -> SeqletConfig {
    SeqletConfig { threshold: 0.01, additional_flanks: 0, min_seqlet_len: 4, max_seqlet_len: 25 }
}

/// A loaded pipeline: the configuration with paths resolved against its folder.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The configuration.
    pub config: Config,
}

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// No progress output.
    pub quiet: bool,
    /// Use only the first `n` loci (a reduced run for tests and previews).
    pub max_loci: Option<usize>,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// `summary.md`.
    pub summary_path: PathBuf,
    /// Steps that were skipped because their stamp matched.
    pub reused: Vec<String>,
    /// Every file written or reused.
    pub files: Vec<PathBuf>,
}

/// Per-model results kept for the summary and the figures (sized by the seqlets and motifs,
/// not by the loci: the attributions and counts stay in their files).
struct ModelResult {
    name: String,
    attributions: PathBuf,
    seqlets: Vec<[i64; 3]>,
    seqlet_attr: Vec<f64>,
    best_motif: Vec<i32>,
    best_p: Vec<f64>,
    /// Loci with at least one seqlet.
    loci_with_seqlets: usize,
    /// Seqlets annotated with each motif.
    motif_totals: Vec<u32>,
}

impl Pipeline {
    /// Reads a `pipeline.toml`; relative paths are taken from the file's folder.
    ///
    /// ```no_run
    /// let p = motiflift::pipeline::Pipeline::from_file("engine/examples/pipeline.toml")?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_str(&text, base).map_err(|e| match e {
            Error::Invalid(message) => Error::File { path: path.to_path_buf(), message },
            other => other,
        })
    }

    /// Parses a configuration; relative paths are taken from `base`.
    ///
    /// See [`Config`] for an example.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, base: &Path) -> Result<Self> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::Invalid(format!("invalid pipeline config: {e}")))?;
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        config.loci.bed.iter_mut().for_each(fix);
        config.loci.fasta.iter_mut().for_each(fix);
        config.loci.npy.iter_mut().for_each(fix);
        fix(&mut config.annotation.motifs);
        config.models.iter_mut().for_each(|m| fix(&mut m.path));
        if config.models.is_empty() {
            return Err(Error::Invalid("invalid pipeline config: at least one [[model]] is needed".into()));
        }
        if config.loci.npy.is_none() && (config.loci.bed.is_empty() || config.loci.fasta.is_none()) {
            return Err(Error::Invalid(
                "invalid pipeline config: [loci] needs `npy`, or `bed` and `fasta`".into(),
            ));
        }
        let mut names: Vec<&str> = config.models.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::Invalid("invalid pipeline config: model names must be unique".into()));
        }
        Ok(Self { config })
    }

    /// Runs every step, writing under `out`.
    ///
    /// See the module docs for an example.
    pub fn run(&self, out: &Path, options: &RunOptions) -> Result<Report> {
        self.run_shard(out, options, Shard::WHOLE)
    }

    /// Runs the pipeline for block `shard` of the loci. A whole run ([`Shard::WHOLE`]) does
    /// every step; a shard `k/N` writes `X.npy` and only its block's attributions of every
    /// model (`<model>/shards/attributions.k-of-N.npy`, `deltas.k-of-N.npy`, stamped) — the
    /// expensive step, run as `N` jobs — and a later whole run merges a complete stamped set of
    /// shards instead of attributing again (the merge equals the unsharded attributions).
    ///
    /// Every step streams: loci are extracted, attributed, called and annotated a chunk at a
    /// time, and read back from the files, so memory does not grow with the number of loci.
    ///
    /// ```no_run
    /// use motiflift::pipeline::{Pipeline, RunOptions};
    /// let p = Pipeline::from_file("pipeline.toml")?;
    /// for k in 0..4 {
    ///     p.run_shard("out".as_ref(), &RunOptions::default(), motiflift::shard::Shard::new(k, 4)?)?;
    /// }
    /// let report = p.run("out".as_ref(), &RunOptions::default())?; // merges the 4 shards
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run_shard(&self, out: &Path, options: &RunOptions, shard: Shard) -> Result<Report> {
        let cfg = &self.config;
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let say = |m: &str| {
            if !options.quiet {
                eprintln!("{m}");
            }
        };
        let mut report = Report { summary_path: out.join("summary.md"), reused: Vec::new(), files: Vec::new() };

        // 1. Loci.
        let x_path = out.join("X.npy");
        let (n, len) = self.write_loci(&x_path, options)?;
        report.files.push(x_path.clone());
        say(&format!("loci: {n} windows of {len} bp"));
        let x_stamp = stamp_of(&(file_hash(&x_path)?,));

        let motifs = read_meme(&cfg.annotation.motifs)?;
        let motif_hash = file_hash(&cfg.annotation.motifs)?;
        let device: Device = cfg.attribution.device.parse()?;

        let mut results = Vec::new();
        for model in &cfg.models {
            let dir = out.join(safe_name(&model.name));
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;

            // 2. Attributions (of the shard, or all of them, possibly merged from shards).
            let a_stamp = stamp_of(&(x_stamp, file_hash(&model.path)?, model, &cfg.attribution));
            if !shard.is_whole() {
                let shards = dir.join("shards");
                std::fs::create_dir_all(&shards).map_err(|e| Error::io(&shards, e))?;
                let tag = shard_tag(shard);
                let a_path = shards.join(format!("attributions.{tag}.npy"));
                let d_path = shards.join(format!("deltas.{tag}.npy"));
                let step = format!("attributions.{tag}");
                if fresh(&shards, &step, a_stamp, &[&a_path, &d_path]) {
                    report.reused.push(format!("{}: attributions {shard}", model.name));
                } else {
                    say(&format!("{}: attributing shard {shard} on {device}", model.name));
                    let job = AttributeJob { model, cfg: &cfg.attribution, x: &x_path, shard, a: &a_path, d: &d_path, quiet: options.quiet };
                    let summary = device.run(job)?;
                    for w in summary.warnings.iter().take(5) {
                        say(&format!("{}: warning: {w}", model.name));
                    }
                    write_stamp(&shards, &step, a_stamp)?;
                }
                report.files.extend([a_path, d_path]);
                continue;
            }
            let a_path = dir.join("attributions.npy");
            let d_path = dir.join("deltas.npy");
            if fresh(&dir, "attributions", a_stamp, &[&a_path, &d_path]) {
                report.reused.push(format!("{}: attributions", model.name));
            } else if let Some(count) = complete_shards(&dir.join("shards"), a_stamp) {
                let shards = dir.join("shards");
                for (what, path) in [("attributions", &a_path), ("deltas", &d_path)] {
                    let parts: Vec<PathBuf> = (0..count)
                        .map(|k| shards.join(format!("{what}.{k}-of-{count}.npy")))
                        .collect();
                    concat_npy(&parts, path)?;
                }
                write_stamp(&dir, "attributions", a_stamp)?;
                report.reused.push(format!("{}: attributions (merged from {count} shards)", model.name));
            } else {
                say(&format!("{}: attributing on {device}", model.name));
                let job = AttributeJob {
                    model,
                    cfg: &cfg.attribution,
                    x: &x_path,
                    shard,
                    a: &a_path,
                    d: &d_path,
                    quiet: options.quiet,
                };
                let summary = device.run(job)?;
                for w in summary.warnings.iter().take(5) {
                    say(&format!("{}: warning: {w}", model.name));
                }
                write_stamp(&dir, "attributions", a_stamp)?;
            }
            report.files.extend([a_path.clone(), d_path]);

            // 3. Seqlets (cheap: always recomputed from the attributions, streamed).
            let s = &cfg.seqlets;
            let seqlet_options = RecursiveOptions {
                threshold: s.threshold,
                min_seqlet_len: s.min_seqlet_len,
                max_seqlet_len: s.max_seqlet_len,
                additional_flanks: s.additional_flanks,
                ..Default::default()
            };
            let mut a_reader = NpyReader::open(&a_path)?;
            let table = recursive_seqlets_file(&mut a_reader, 0..n, &seqlet_options)?;
            for ext in ["tsv", "parquet"] {
                let p = dir.join(format!("seqlets.{ext}"));
                write_table(&p, &table)?;
                report.files.push(p);
            }
            let seqlets = seqlet_rows(&table)?;
            let seqlet_attr = float_column(&table, 3)?;

            // 4. Annotation.
            let an_stamp = stamp_of(&(a_stamp, x_stamp, motif_hash, cfg.annotation.n_nearest, s.threshold.to_bits(), s.additional_flanks, s.min_seqlet_len, s.max_seqlet_len));
            let ann_tsv = dir.join("annotated.tsv");
            let annotated = if fresh(&dir, "annotated", an_stamp, &[&ann_tsv]) {
                report.reused.push(format!("{}: annotations", model.name));
                None
            } else {
                say(&format!("{}: annotating {} seqlets", model.name, seqlets.len()));
                let mut x = NpyReader::open(&x_path)?;
                let options = TomtomOptions { n_nearest: Some(cfg.annotation.n_nearest.max(1)), ..TomtomOptions::default() };
                Some(annotate_seqlets_file(&mut x, &seqlets, &motifs, &options)?)
            };
            let (best_motif, best_p) = match annotated {
                Some(a) => {
                    let table = annotated_table(&table, &a.motif_indices, &a.p_values, &motifs)?;
                    for ext in ["tsv", "parquet"] {
                        write_table(dir.join(format!("annotated.{ext}")), &table)?;
                    }
                    write_stamp(&dir, "annotated", an_stamp)?;
                    (a.motif_indices.column(0).to_vec(), a.p_values.column(0).to_vec())
                }
                None => read_best(&ann_tsv)?,
            };
            report.files.extend([ann_tsv, dir.join("annotated.parquet")]);

            // 5. Counts (written a chunk of loci at a time) and co-occurrence.
            let mut rows: Vec<[usize; 2]> =
                seqlets.iter().zip(&best_motif).map(|(s, &m)| [s[0] as usize, m as usize]).collect();
            let pairs = pairwise_annotations(&rows, true, true, Some(motifs.len()))?;
            let pairs = Array2::from_shape_vec((motifs.len(), motifs.len()), pairs.data)
                .map_err(|e| Error::Invalid(e.to_string()))?;
            rows.sort_by_key(|r| r[0]);
            let c_path = dir.join("counts.npy");
            let mut counts = NpyWriter::new::<u32>(&c_path, &[motifs.len()], n)?;
            let mut motif_totals = vec![0u32; motifs.len()];
            let mut at = 0;
            for chunk in chunks(0..n, CHUNK_LOCI) {
                let end = at + rows[at..].partition_point(|r| r[0] < chunk.end);
                let local: Vec<[usize; 2]> = rows[at..end].iter().map(|r| [r[0] - chunk.start, r[1]]).collect();
                let c = count_annotations(&local, Some((chunk.len(), motifs.len())), None)?;
                counts.write(&c.data)?;
                at = end;
            }
            counts.finish()?;
            for r in &rows {
                motif_totals[r[1]] += 1;
            }
            let mut loci_with_seqlets = 0;
            for (i, r) in rows.iter().enumerate() {
                if i == 0 || rows[i - 1][0] != r[0] {
                    loci_with_seqlets += 1;
                }
            }
            let p_path = dir.join("pairwise.npy");
            write_npy(&p_path, &pairs)?;
            report.files.extend([c_path, p_path]);

            if cfg.figures.enabled {
                let names = short_names(&motifs);
                let fig = plot_pairwise(pairs.mapv(|v| v as f64).view(), &names, cfg.figures.top, dir.join("pairwise.png"))?;
                report.files.extend([fig.svg, fig.png]);
            }
            results.push(ModelResult {
                name: model.name.clone(),
                attributions: a_path,
                seqlets,
                seqlet_attr,
                best_motif,
                best_p,
                loci_with_seqlets,
                motif_totals,
            });
        }
        if !shard.is_whole() {
            say(&format!("shard {shard}: attributions written; run without --shard to merge and finish"));
            return Ok(report);
        }

        // 6. Figures across models.
        if cfg.figures.enabled {
            let names = short_names(&motifs);
            let model_names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
            let mut per_model = Array2::<f64>::zeros((results.len(), motifs.len()));
            for (i, r) in results.iter().enumerate() {
                for (j, &c) in r.motif_totals.iter().enumerate() {
                    per_model[[i, j]] = f64::from(c);
                }
            }
            let fig = plot_counts(&model_names, per_model.view(), &names, cfg.figures.top, out.join("counts.png"))?;
            report.files.extend([fig.svg, fig.png]);
            if let Some((example, window)) = self.logo_window(&results, len) {
                let rows: Vec<Array2<f32>> = results
                    .iter()
                    .map(|r| {
                        let mut a = NpyReader::open(&r.attributions)?;
                        let row = a.read_f32(example..example + 1)?;
                        let shape = row.shape().to_vec();
                        row.into_shape_with_order((shape[1], shape[2]))
                            .map_err(|e| Error::Invalid(format!("{}: {e}", r.attributions.display())))
                    })
                    .collect::<Result<_>>()?;
                let tracks: Vec<LogoTrack> = results
                    .iter()
                    .zip(&rows)
                    .map(|(r, values)| LogoTrack {
                        title: r.name.clone(),
                        values: values.view(),
                        annotations: r
                            .seqlets
                            .iter()
                            .zip(&r.best_motif)
                            .zip(&r.best_p)
                            .filter(|((s, _), _)| s[0] as usize == example)
                            .map(|((s, &m), &p)| Annotation {
                                start: s[1] as usize,
                                end: s[2] as usize,
                                label: names[m as usize].clone(),
                                score: Some(p),
                            })
                            .collect(),
                    })
                    .collect();
                let fig = plot_logo(&tracks, window, out.join(format!("logo_locus{example}.png")))?;
                report.files.extend([fig.svg, fig.png]);
            }
        }

        // 7. Summary.
        let summary = summary_markdown(&results, n, &motifs, &report, out);
        crate::io::atomic::write_atomic(&report.summary_path, |w| {
            std::io::Write::write_all(w, summary.as_bytes())
        })?;
        say(&format!("summary: {}", report.summary_path.display()));
        Ok(report)
    }

    /// Writes the loci as int8 one-hot `(n, 4, L)` to `path`, a chunk at a time (two passes:
    /// which loci are kept, then their windows), returning `(n, L)`.
    fn write_loci(&self, path: &Path, options: &RunOptions) -> Result<(usize, usize)> {
        let l = &self.config.loci;
        let cap = l.n_loci.into_iter().chain(options.max_loci).min().unwrap_or(usize::MAX);
        let mut source = match (&l.npy, &l.fasta) {
            (Some(npy), _) => {
                let r = NpyReader::open(npy)?;
                if r.shape().len() != 3 {
                    return Err(Error::File {
                        path: npy.clone(),
                        message: format!("expected one-hot loci (n, 4, L), found shape {:?}", r.shape()),
                    });
                }
                LociSource::Npy(r)
            }
            (None, Some(fasta)) => {
                let loci = read_loci(&l.bed, &LociOptions::default())?;
                let fasta = Fasta::open(fasta)?;
                let mask = window_mask(&loci, &fasta, l.width, 0, l.n_loci)?;
                let candidates: Vec<Locus> =
                    loci.into_iter().zip(mask).filter(|(_, keep)| *keep).map(|(locus, _)| locus).collect();
                if candidates.is_empty() {
                    // extract_loci's own error, which names the first locus and its chromosome.
                    let loci = read_loci(&l.bed, &LociOptions::default())?;
                    extract_loci(&loci, &fasta, &ExtractOptions { in_window: l.width, ..Default::default() })?;
                    return Err(Error::Invalid("no locus left".into()));
                }
                LociSource::Genome { candidates, fasta, width: l.width }
            }
            (None, None) => return Err(Error::Invalid("[loci] needs `npy`, or `bed` and `fasta`".into())),
        };
        let complete = |x: ndarray::ArrayView2<u8>| x.sum_axis(Axis(0)).iter().all(|&c| c == 1);
        let mut keep = Vec::new();
        'scan: for c in chunks(0..source.len(), CHUNK_LOCI) {
            let x = source.read(c.clone())?;
            for (j, i) in c.enumerate() {
                if keep.len() >= cap {
                    break 'scan;
                }
                if !l.drop_n || complete(x.index_axis(Axis(0), j)) {
                    keep.push(i);
                }
            }
        }
        if keep.is_empty() {
            return Err(Error::Invalid("no locus left to analyse (all dropped?)".into()));
        }
        let (a, len) = (source.alphabet(), source.width());
        let mut out = NpyWriter::new::<i8>(path, &[a, len], keep.len())?;
        for part in keep.chunks(CHUNK_LOCI) {
            let (lo, hi) = (part[0], part[part.len() - 1] + 1);
            let x = source.read(lo..hi)?;
            for &i in part {
                let row: Vec<i8> = x.index_axis(Axis(0), i - lo).iter().map(|&v| v as i8).collect();
                out.write(&row)?;
            }
        }
        out.finish()?;
        Ok((keep.len(), len))
    }

    /// The logo figure's locus and window: the configured locus (or the one holding the
    /// strongest seqlet of the first model), centred on its strongest seqlet.
    fn logo_window(&self, results: &[ModelResult], len: usize) -> Option<(usize, std::ops::Range<usize>)> {
        let first = results.first()?;
        let strongest = |example: Option<usize>| {
            first
                .seqlets
                .iter()
                .zip(&first.seqlet_attr)
                .filter(|(s, _)| example.is_none_or(|e| s[0] as usize == e))
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(s, _)| *s)
        };
        let seqlet = strongest(self.config.figures.logo_example)?;
        let example = seqlet[0] as usize;
        let width = self.config.figures.logo_width.clamp(10, len);
        let centre = ((seqlet[1] + seqlet[2]) / 2) as usize;
        let start = centre.saturating_sub(width / 2).min(len - width);
        Some((example, start..start + width))
    }
}

/// Where the pipeline's loci come from: a one-hot file, or the windows of BED loci that fit.
enum LociSource {
    Npy(NpyReader),
    Genome { candidates: Vec<Locus>, fasta: Fasta, width: usize },
}

impl LociSource {
    fn len(&self) -> usize {
        match self {
            Self::Npy(r) => r.n_rows(),
            Self::Genome { candidates, .. } => candidates.len(),
        }
    }

    fn alphabet(&self) -> usize {
        match self {
            Self::Npy(r) => r.shape()[1],
            Self::Genome { .. } => 4,
        }
    }

    fn width(&self) -> usize {
        match self {
            Self::Npy(r) => r.shape()[2],
            Self::Genome { width, .. } => *width,
        }
    }

    /// One-hot windows of the candidates `rows`.
    fn read(&mut self, rows: std::ops::Range<usize>) -> Result<Array3<u8>> {
        match self {
            Self::Npy(r) => {
                let path = r.path().to_path_buf();
                r.read_onehot(rows)?
                    .into_dimensionality::<Ix3>()
                    .map_err(|e| Error::File { path, message: format!("expected (n, 4, L): {e}") })
            }
            Self::Genome { candidates, fasta, width } => {
                let opts = ExtractOptions { in_window: *width, ..Default::default() };
                Ok(extract_loci(&candidates[rows], fasta, &opts)?.x)
            }
        }
    }
}

/// Runs DeepLIFT/SHAP for one model on the chosen backend, from `x` to the files `a` and `d`.
struct AttributeJob<'a> {
    model: &'a ModelConfig,
    cfg: &'a AttributionConfig,
    x: &'a Path,
    shard: Shard,
    a: &'a Path,
    d: &'a Path,
    quiet: bool,
}

impl OnBackend for AttributeJob<'_> {
    type Output = Result<AttributeSummary>;

    fn run<B: Backend>(self, device: &B::Device) -> Result<AttributeSummary> {
        let mut spec = ModelSpec::new(&self.model.path).with_wrappers(self.model.wrap.parse()?);
        if let Some(arch) = &self.model.arch {
            spec = spec.with_arch(arch.parse()?);
        }
        let graph = load::<Autodiff<B>>(&spec, device)?;
        graph.check_attributable()?;
        let (n_shuffles, random_state) = (self.cfg.n_shuffles, self.cfg.seed);
        let mut refs = match self.cfg.seeding.as_str() {
            "reference" => ReferenceSource::Memory(References::Shuffle { n_shuffles, random_state }),
            "locus" => ReferenceSource::Memory(References::PerLocus { n_shuffles, random_state }),
            other => {
                return Err(Error::Invalid(format!(
                    "invalid pipeline config: seeding = \"{other}\" (expected \"reference\" or \"locus\")"
                )));
            }
        };
        let options =
            DeepLiftShapOptions { target: self.model.target, batch_size: self.cfg.batch_size, ..Default::default() };
        let mut x = NpyReader::open(self.x)?;
        let rows = self.shard.range(x.n_rows());
        let n_pairs = (rows.len() * self.cfg.n_shuffles) as u64;
        let bar = crate::cli::Context { quiet: self.quiet }.progress(n_pairs, "pairs");
        let out = attribute_to_files::<B, _>(
            &graph,
            &mut x,
            &mut refs,
            rows,
            &options,
            self.a,
            Some(self.d),
            device,
            |d| bar.inc(d),
        );
        bar.finish_and_clear();
        out
    }
}

/// `k-of-N`, the file-name tag of a shard.
fn shard_tag(shard: Shard) -> String {
    format!("{}-of-{}", shard.index(), shard.count())
}

/// The `N` of a complete set of stamped shard attributions in `dir` (every `k` of `0..N` with
/// its files and a stamp equal to `stamp`), if there is one.
fn complete_shards(dir: &Path, stamp: u64) -> Option<usize> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut counts: Vec<usize> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let tag = name.strip_prefix(".attributions.")?.strip_suffix(".stamp")?;
            tag.split_once("-of-")?.1.parse().ok()
        })
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts.into_iter().find(|&count| {
        (0..count).all(|k| {
            let tag = format!("{k}-of-{count}");
            let a = dir.join(format!("attributions.{tag}.npy"));
            let d = dir.join(format!("deltas.{tag}.npy"));
            fresh(dir, &format!("attributions.{tag}"), stamp, &[&a, &d])
        })
    })
}

/// Concatenates `.npy` files along their first axis into `out` (atomically).
fn concat_npy(parts: &[PathBuf], out: &Path) -> Result<()> {
    let mut readers = parts.iter().map(NpyReader::open).collect::<Result<Vec<_>>>()?;
    let total = readers.iter().map(NpyReader::n_rows).sum();
    let mut w = NpyWriter::like(out, &readers[0], total)?;
    for r in &mut readers {
        for c in chunks(0..r.n_rows(), CHUNK_LOCI) {
            w.write_raw(&r.read_raw(c)?)?;
        }
    }
    w.finish()
}

/// A stable hash of `value`.
fn stamp_of(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A hash of a file's bytes, read a megabyte at a time.
fn file_hash(path: &Path) -> Result<u64> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        h.write(&buf[..k]);
    }
    Ok(h.finish())
}

/// Whether step `name` in `dir` is up to date: its stamp matches and its outputs exist.
fn fresh(dir: &Path, name: &str, stamp: u64, outputs: &[&Path]) -> bool {
    let stored = std::fs::read_to_string(dir.join(format!(".{name}.stamp"))).ok();
    stored.as_deref().map(str::trim) == Some(&stamp.to_string()) && outputs.iter().all(|p| p.exists())
}

/// Records that step `name` finished with `stamp` (written last, so a killed run redoes it).
fn write_stamp(dir: &Path, name: &str, stamp: u64) -> Result<()> {
    let path = dir.join(format!(".{name}.stamp"));
    // Atomic like every output: a run killed mid-write leaves no truncated stamp behind.
    crate::io::atomic::write_atomic(&path, |w| {
        std::io::Write::write_all(w, stamp.to_string().as_bytes())
    })
}

/// A folder name for a model's display name.
fn safe_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// A float64 column of a table.
fn float_column(table: &RecordBatch, i: usize) -> Result<Vec<f64>> {
    let c = table
        .column(i)
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| Error::Invalid(format!("column {i} is not Float64")))?;
    Ok(c.values().to_vec())
}

/// The seqlet table plus `motif_idx`, `motif`, `motif_p-value` (best match) and, when more
/// matches were asked for, one `motif_idx_k`/`motif_p-value_k` pair per rank.
fn annotated_table(
    seqlets: &RecordBatch,
    idx: &Array2<i32>,
    pvals: &Array2<f64>,
    motifs: &[Motif],
) -> Result<RecordBatch> {
    let mut fields: Vec<Field> = seqlets.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns: Vec<ArrayRef> = seqlets.columns().to_vec();
    for rank in 0..idx.dim().1 {
        let suffix = if rank == 0 { String::new() } else { format!("_{}", rank + 1) };
        let names: Vec<&str> = idx.column(rank).iter().map(|&m| motifs[m as usize].name.as_str()).collect();
        fields.push(Field::new(format!("motif_idx{suffix}"), DataType::Int32, false));
        fields.push(Field::new(format!("motif{suffix}"), DataType::Utf8, false));
        fields.push(Field::new(format!("motif_p-value{suffix}"), DataType::Float64, false));
        columns.push(Arc::new(Int32Array::from(idx.column(rank).to_vec())));
        columns.push(Arc::new(StringArray::from(names)));
        columns.push(Arc::new(Float64Array::from(pvals.column(rank).to_vec())));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::Invalid(e.to_string()))
}

/// Best motif index and p-value per seqlet from a written `annotated.tsv`.
fn read_best(path: &Path) -> Result<(Vec<i32>, Vec<f64>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let find = |name: &str| {
        header.iter().position(|h| *h == name).ok_or_else(|| Error::Parse {
            path: path.to_path_buf(),
            line: 1,
            message: format!("no `{name}` column"),
        })
    };
    let (ci, cp) = (find("motif_idx")?, find("motif_p-value")?);
    let mut idx = Vec::new();
    let mut p = Vec::new();
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |what: &str| Error::Parse { path: path.to_path_buf(), line: n + 2, message: format!("bad {what}") };
        idx.push(f.get(ci).and_then(|v| v.parse().ok()).ok_or_else(|| bad("motif_idx"))?);
        p.push(f.get(cp).and_then(|v| v.parse().ok()).ok_or_else(|| bad("motif_p-value"))?);
    }
    Ok((idx, p))
}

/// Motif display names (see [`Motif::display_name`]).
fn short_names(motifs: &[Motif]) -> Vec<String> {
    motifs.iter().map(|m| m.display_name().to_string()).collect()
}

/// `summary.md`: seqlets per locus per model, the top motifs per model side by side, figures.
fn summary_markdown(results: &[ModelResult], n_loci: usize, motifs: &[Motif], report: &Report, out: &Path) -> String {
    let names = short_names(motifs);
    let mut md = String::from("# motiflift summary\n\n");
    let _ = writeln!(md, "{n_loci} loci, {} model(s).\n", results.len());
    md.push_str("## Seqlets\n\n| model | seqlets | per locus (mean) | loci with ≥1 seqlet | median best-match p |\n|---|---:|---:|---:|---:|\n");
    for r in results {
        let with = r.loci_with_seqlets;
        let mut p = r.best_p.clone();
        p.sort_by(f64::total_cmp);
        let median = p.get(p.len() / 2).copied().unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} | {with} | {median:.3e} |",
            r.name,
            r.seqlets.len(),
            r.seqlets.len() as f64 / n_loci.max(1) as f64
        );
    }
    md.push_str("\n## Top motifs (seqlets annotated with each motif)\n\n| rank |");
    for r in results {
        let _ = write!(md, " {} |", r.name);
    }
    md.push_str("\n|---:|");
    md.push_str(&"---|".repeat(results.len()));
    md.push('\n');
    let tops: Vec<Vec<(usize, u32)>> = results
        .iter()
        .map(|r| {
            let mut order: Vec<(usize, u32)> =
                r.motif_totals.iter().copied().enumerate().filter(|(_, c)| *c > 0).collect();
            order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            order
        })
        .collect();
    for rank in 0..10 {
        if tops.iter().all(|t| t.len() <= rank) {
            break;
        }
        let _ = write!(md, "| {} |", rank + 1);
        for t in &tops {
            match t.get(rank) {
                Some((m, c)) => {
                    let _ = write!(md, " {} ({c}) |", names[*m]);
                }
                None => md.push_str(" |"),
            }
        }
        md.push('\n');
    }
    md.push_str("\n## Files\n\n");
    for f in &report.files {
        let rel = f.strip_prefix(out).unwrap_or(f);
        if rel.extension().is_some_and(|e| e == "png") {
            let _ = writeln!(md, "![{}]({})\n", rel.display(), rel.display());
        } else {
            let _ = writeln!(md, "- `{}`", rel.display());
        }
    }
    if !report.reused.is_empty() {
        let _ = writeln!(md, "\nReused from an earlier run: {}.", report.reused.join(", "));
    }
    md
}
