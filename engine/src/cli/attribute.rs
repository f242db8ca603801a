//! `motiflift attribute`: DeepLIFT/SHAP attributions of a model for one-hot loci.

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::tensor::backend::Backend;
use clap::Args;
use motiflift_models::import::Format;
use motiflift_models::zoo::{Arch, Wrappers};
use motiflift_models::{ModelSpec, load};
use ndarray::{Array3, Array4};

use super::Context;
use crate::Result;
use crate::attribute::{Attributions, DeepLiftShapOptions, References, deep_lift_shap};
use crate::device::{Device, OnBackend};
use crate::io::npy::{read_onehot, write_npy};

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
}

/// The attribution job, generic over the backend.
struct Job<'a> {
    args: &'a AttributeArgs,
    x: &'a Array3<u8>,
    references: Option<&'a Array4<u8>>,
    ctx: &'a Context,
}

impl OnBackend for Job<'_> {
    type Output = Result<Attributions>;

    fn run<B: Backend>(self, device: &B::Device) -> Result<Attributions> {
        let mut spec = ModelSpec::new(&self.args.model).with_wrappers(self.args.wrap.clone());
        spec.arch = self.args.arch;
        spec.format = self.args.format;
        let graph = load::<Autodiff<B>>(&spec, device)?;
        graph.check_attributable()?;
        let references = match self.references {
            Some(r) => References::Given(r.view()),
            None => References::Shuffle { n_shuffles: self.args.n_shuffles, random_state: self.args.seed },
        };
        let options = DeepLiftShapOptions {
            target: self.args.target,
            batch_size: self.args.batch_size,
            hypothetical: self.args.hypothetical,
            ..Default::default()
        };
        let n_pairs = (self.x.dim().0 * references.n_shuffles()) as u64;
        let bar = self.ctx.progress(n_pairs, "pairs");
        let out = deep_lift_shap::<B, _>(&graph, self.x.view(), &references, &options, device, |d| bar.inc(d));
        bar.finish_and_clear();
        out
    }
}

impl AttributeArgs {
    /// Loads the model and the loci, computes the attributions and writes them.
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
        let x: Array3<u8> = read_onehot(&self.input)?;
        let references: Option<Array4<u8>> = self.references.as_ref().map(read_onehot).transpose()?;
        ctx.note(&format!("attributing {} loci on {}", x.dim().0, self.device));
        let job = Job { args: &self, x: &x, references: references.as_ref(), ctx };
        let out = self.device.run(job)?;
        for warning in out.warnings.iter().take(10) {
            ctx.note(&format!("warning: {warning}"));
        }
        if out.warnings.len() > 10 {
            ctx.note(&format!("warning: {} more pairs above the convergence threshold", out.warnings.len() - 10));
        }
        write_npy(&self.output, &out.attributions)?;
        if let Some(path) = &self.deltas {
            write_npy(path, &out.deltas)?;
        }
        Ok(())
    }
}
