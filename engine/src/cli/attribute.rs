//! `motiflift attribute`: DeepLIFT/SHAP attributions of a model for one-hot loci.

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::tensor::backend::Backend;
use clap::Args;
use motiflift_models::import::Format;
use motiflift_models::zoo::{Arch, Wrappers};
use motiflift_models::{ModelSpec, load};

use super::Context;
use crate::Result;
use crate::attribute::{DeepLiftShapOptions, References};
use crate::device::{Device, OnBackend};
use crate::io::npy_stream::NpyReader;
use crate::shard::Shard;
use crate::stream::{AttributeSummary, ReferenceSource, attribute_to_files};

/// Arguments of `motiflift attribute`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "attribute", "--model", "bpnet.torch", "--arch", "bpnet",
///     "--wrap", "control,count", "-i", "X.npy", "-o", "A.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Attribute(args) = cli.command else { panic!() };
/// assert_eq!((args.n_shuffles, args.seed, args.batch_size), (20, 0, 32));
/// ```
#[derive(Debug, Args)]
pub struct AttributeArgs {
    /// Model file: `.torch`/`.pt`/`.pth` state dict, `.safetensors`, or `.onnx`.
    #[arg(long, value_name = "M")]
    pub model: PathBuf,
    /// Architecture of a state dict / safetensors file (bpnet, chrombpnet, procapnet, beluga).
    #[arg(long)]
    pub arch: Option<Arch>,
    /// Model format when the extension does not tell (torch, safetensors, onnx).
    #[arg(long)]
    pub format: Option<Format>,
    /// Wrappers: comma-separated `control`, `count`, `crop=N`, `output=I` or `output=I:J`.
    #[arg(long, value_name = "LIST", default_value = "")]
    pub wrap: Wrappers,
    /// One-hot loci `(n, 4, L)` (`.npy`, any integer/float/bool dtype, values 0/1).
    #[arg(short, long, value_name = "X.npy")]
    pub input: PathBuf,
    /// Explicit references `(n, k, 4, L)`; otherwise `k = --n-shuffles` dinucleotide shuffles.
    #[arg(long, value_name = "R.npy")]
    pub references: Option<PathBuf>,
    /// Dinucleotide-shuffled references per locus (when no --references).
    #[arg(long, default_value_t = 20)]
    pub n_shuffles: usize,
    /// Seed of the shuffles: reference k is seeded with seed + k, as in tangermeme.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output column to explain.
    #[arg(long, default_value_t = 0)]
    pub target: usize,
    /// Write the mean hypothetical contributions of all four bases instead of projecting
    /// them onto the observed base.
    #[arg(long)]
    pub hypothetical: bool,
    /// (locus, reference) pairs per forward/backward pass.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// cpu, cuda, cuda:N or auto.
    #[arg(long, default_value = "cpu")]
    pub device: Device,
    /// Output attributions `.npy`, float32 `(n, 4, L)`.
    #[arg(short, long, value_name = "A.npy")]
    pub output: PathBuf,
    /// Also write the convergence deltas `(n, k)`, float32.
    #[arg(long, value_name = "D.npy")]
    pub deltas: Option<PathBuf>,
    /// Attribute only block k of N contiguous blocks of the loci (0-based); the outputs hold
    /// that block, and `motiflift merge` of the N outputs equals the unsharded run.
    #[arg(long, value_name = "k/N", default_value_t = Shard::WHOLE)]
    pub shard: Shard,
}

/// The attribution job, generic over the backend.
struct Job<'a> {
    args: &'a AttributeArgs,
    x: &'a mut NpyReader,
    references: Option<&'a mut NpyReader>,
    ctx: &'a Context,
}

impl OnBackend for Job<'_> {
    type Output = Result<AttributeSummary>;

    fn run<B: Backend>(self, device: &B::Device) -> Result<AttributeSummary> {
        let mut spec = ModelSpec::new(&self.args.model).with_wrappers(self.args.wrap.clone());
        spec.arch = self.args.arch;
        spec.format = self.args.format;
        let graph = load::<Autodiff<B>>(&spec, device)?;
        graph.check_attributable()?;
        let mut references = match self.references {
            Some(r) => ReferenceSource::File(r),
            None => ReferenceSource::Memory(References::Shuffle {
                n_shuffles: self.args.n_shuffles,
                random_state: self.args.seed,
            }),
        };
        let options = DeepLiftShapOptions {
            target: self.args.target,
            batch_size: self.args.batch_size,
            hypothetical: self.args.hypothetical,
            ..Default::default()
        };
        let rows = self.args.shard.range(self.x.n_rows());
        let n_pairs = (rows.len() * references.n_shuffles()) as u64;
        let bar = self.ctx.progress(n_pairs, "pairs");
        let out = attribute_to_files::<B, _>(
            &graph,
            self.x,
            &mut references,
            rows,
            &options,
            &self.args.output,
            self.args.deltas.as_deref(),
            device,
            |d| bar.inc(d),
        );
        bar.finish_and_clear();
        out
    }
}

impl AttributeArgs {
    /// Loads the model, streams the loci (of the shard) through it chunk by chunk and writes
    /// the attributions as they come (the files appear only when complete).
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "attribute", "--model", "m.onnx", "-i", "X.npy", "-o", "A.npy",
    /// ]).unwrap();
    /// motiflift::cli::run(cli)?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let mut x = NpyReader::open(&self.input)?;
        let mut references = self.references.as_ref().map(NpyReader::open).transpose()?;
        let rows = self.shard.range(x.n_rows());
        ctx.note(&format!(
            "attributing loci {}..{} of {} (shard {}) on {}",
            rows.start,
            rows.end,
            x.n_rows(),
            self.shard,
            self.device
        ));
        let job = Job { args: &self, x: &mut x, references: references.as_mut(), ctx };
        let out = self.device.run(job)?;
        for warning in &out.warnings {
            ctx.note(&format!("warning: {warning}"));
        }
        if out.n_warnings > out.warnings.len() {
            ctx.note(&format!(
                "warning: {} more pairs above the convergence threshold",
                out.n_warnings - out.warnings.len()
            ));
        }
        Ok(())
    }
}
