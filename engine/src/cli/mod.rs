//! The `motiflift` command line, as a library module so tests can drive it in-process.
//!
//! ```
//! use clap::Parser;
//! let cli = motiflift::cli::Cli::try_parse_from(["motiflift", "--quiet", "extract", "--help"]);
//! assert!(cli.is_err()); // --help is reported as an "error" carrying the help text
//! ```

use std::io::IsTerminal;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Result;

pub mod annotate;
pub mod attribute;
pub mod count;
pub mod extract;
pub mod merge;
pub mod pairwise;
pub mod plot;
pub mod run;
pub mod seqlets;
pub mod shuffle;
pub mod tomtom;

/// GPU-native DeepLIFT/SHAP, seqlets and Tomtom for genomics sequence models.
///
/// ```
/// use clap::Parser;
/// let argv = ["motiflift", "shuffle", "-i", "X.npy", "-o", "R.npy", "-q"];
/// let cli = motiflift::cli::Cli::try_parse_from(argv).unwrap();
/// assert!(cli.quiet); // a global flag, accepted after the subcommand too
/// ```
#[derive(Debug, Parser)]
#[command(name = "motiflift", version, about, long_about = None)]
pub struct Cli {
    /// No progress bars or summaries on stderr (bars are also off when stderr is not a terminal).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What every subcommand may use besides its own arguments.
///
/// ```
/// let ctx = motiflift::cli::Context { quiet: true };
/// assert!(ctx.progress(10, "loci").is_hidden());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// `--quiet` was given.
    pub quiet: bool,
}

impl Context {
    /// A progress bar of `len` steps, hidden under `--quiet` or when stderr is not a terminal.
    ///
    /// ```
    /// let bar = motiflift::cli::Context { quiet: true }.progress(3, "pairs");
    /// bar.inc(1);
    /// assert_eq!(bar.position(), 1);
    /// ```
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let style =
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({elapsed}, eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        ProgressBar::new(len)
            .with_style(style)
            .with_message(what.to_string())
    }

    /// Prints a one-line summary on stderr unless `--quiet`.
    ///
    /// ```
    /// motiflift::cli::Context { quiet: true }.note("nothing is printed");
    /// ```
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

/// Declares the subcommands: one line per subcommand, `Variant(module::Args)`; `Args` is a clap
/// `Args` struct with `fn run(self, ctx: &Context) -> Result<()>`.
macro_rules! subcommands {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $args:ident)),* $(,)?) => {
        /// The subcommands, named after the tangermeme functions they run.
        ///
        /// ```
        /// use clap::Parser;
        /// let argv = ["motiflift", "shuffle", "-i", "X.npy", "-o", "R.npy"];
        /// let cli = motiflift::cli::Cli::try_parse_from(argv).unwrap();
        /// assert!(matches!(cli.command, motiflift::cli::Command::Shuffle(_)));
        /// ```
        #[derive(Debug, Subcommand)]
        pub enum Command {
            $($(#[$doc])* $variant($module::$args),)*
        }

        impl Command {
            fn run(self, ctx: &Context) -> Result<()> {
                match self {
                    $(Command::$variant(args) => args.run(ctx),)*
                }
            }
        }
    };
}

subcommands! {
    /// The whole analysis from a pipeline.toml: attributions, seqlets, annotations, counts, figures.
    Run(run::RunArgs),
    /// DeepLIFT/SHAP attributions against dinucleotide-shuffled references (tangermeme `deep_lift_shap`).
    Attribute(attribute::AttributeArgs),
    /// One-hot windows around BED/narrowPeak loci (tangermeme `extract_loci`).
    Extract(extract::ExtractArgs),
    /// Dinucleotide-shuffled references (tangermeme `dinucleotide_shuffle`).
    Shuffle(shuffle::ShuffleArgs),
    /// Seqlets from attributions (tangermeme `recursive_seqlets`, `tfmodisco_seqlets`).
    Seqlets(seqlets::SeqletsArgs),
    /// Tomtom of query motifs against target motifs (memelite `tomtom`).
    Tomtom(tomtom::TomtomArgs),
    /// Best Tomtom matches of every seqlet (tangermeme `annotate_seqlets`).
    Annotate(annotate::AnnotateArgs),
    /// Annotations per example and motif (tangermeme `count_annotations`).
    Count(count::CountArgs),
    /// Motif pairs annotating seqlets of one example (tangermeme `pairwise_annotations`).
    Pairwise(pairwise::PairwiseArgs),
    /// Figures from the files above: attribution logos, motif counts, co-occurrence heatmaps.
    Plot(plot::PlotArgs),
    /// Concatenate the outputs of --shard runs in locus order, or average models (--mean-over-models).
    Merge(merge::MergeArgs),
}

/// Runs a parsed command line.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "-q", "extract", "--bed", "missing.bed", "--fasta", "g.fa", "-o", "x.npy",
/// ]).unwrap();
/// let err = motiflift::cli::run(cli).unwrap_err();
/// assert!(err.to_string().contains("missing.bed"));
/// ```
pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context { quiet: cli.quiet };
    cli.command.run(&ctx)
}
