//! The model zoo: graphs for known architectures built from a state dict, with hyper-parameters
//! inferred from the weight shapes, and the wrappers of the seed.
//!
//! | `--arch` | layout | inferred from the weights | not inferable (see [`Hyper`]) |
//! |---|---|---|---|
//! | `bpnet` | bpnet-lite `BPNet` (`iconv`, `rconvs.i`, `fconv`, `linear`) | filters, layers, kernel sizes, outputs, control tracks, biases | `trimming` |
//! | `chrombpnet` | a BPNet without control tracks (bpnet-lite `ChromBPNet` files: the `accessibility` model) | as BPNet | `trimming` |
//! | `procapnet` | a BPNet without control tracks | as BPNet | `trimming` |
//! | `beluga` | DeepSEA/Beluga `nn.Sequential` (`model.0.{0,2,6,8,12,14}`, `model.1.{2,4}`), Conv1d or the published Conv2d `(1, k)` weights | channels, kernel sizes, hidden units, targets | inner input length (2000), pool size (4) |

mod beluga;
mod bpnet;
pub(crate) mod wrappers;

pub use wrappers::Wrappers;

use std::str::FromStr;

use burn::tensor::backend::Backend;

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::import::StateDict;

/// A known architecture.
///
/// ```
/// use motiflift_models::zoo::Arch;
/// assert_eq!("bpnet".parse::<Arch>().unwrap(), Arch::Bpnet);
/// assert_eq!(Arch::Beluga.name(), "beluga");
/// assert!("resnet".parse::<Arch>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// bpnet-lite BPNet, with or without control tracks.
    Bpnet,
    /// ChromBPNet: a BPNet without control tracks.
    ChromBpnet,
    /// ProCapNet: a BPNet without control tracks (two strands).
    ProCapNet,
    /// DeepSEA Beluga and Beluga-like CNNs.
    Beluga,
}

impl Arch {
    /// The name used on the command line.
    ///
    /// ```
    /// assert_eq!(motiflift_models::zoo::Arch::ProCapNet.name(), "procapnet");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Arch::Bpnet => "bpnet",
            Arch::ChromBpnet => "chrombpnet",
            Arch::ProCapNet => "procapnet",
            Arch::Beluga => "beluga",
        }
    }
}

impl FromStr for Arch {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "bpnet" => Ok(Arch::Bpnet),
            "chrombpnet" => Ok(Arch::ChromBpnet),
            "procapnet" => Ok(Arch::ProCapNet),
            "beluga" | "deepsea" => Ok(Arch::Beluga),
            _ => Err(Error::Spec {
                reason: format!(
                    "unknown architecture `{s}` (expected bpnet, chrombpnet, procapnet or beluga)"
                ),
            }),
        }
    }
}

/// Hyper-parameters that the weight shapes do not determine. Each is taken, in order, from an
/// explicit value, the file's own metadata (safetensors `architecture` JSON), a `<stem>.json`
/// beside the file (its `hyperparameters` object, as the fixtures' `model.json`), and finally
/// the default.
///
/// * `trimming` (BPNet family): the profile output is `[trimming, L − trimming)` and the count
///   head pools `[trimming − 37, L − trimming + 37)`. Default: bpnet-lite's `2^n_layers`. A
///   state dict alone cannot tell it (the official ChromBPNet uses `(2114 − 1000) / 2 = 557`).
/// * `inner_input_length` (Beluga): the sequence length the dense layer was trained on,
///   default 2000.
/// * `pool_size` (Beluga): max-pool width, default 4.
///
/// ```
/// use motiflift_models::zoo::Hyper;
/// let meta = serde_json::json!({"hyperparameters": {"trimming": 109, "n_filters": 32}});
/// let h = Hyper::from_json(&meta);
/// assert_eq!(h.trimming, Some(109));
/// let explicit = Hyper { trimming: Some(500), ..Hyper::default() };
/// assert_eq!(explicit.or(h).trimming, Some(500));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hyper {
    /// BPNet trimming.
    pub trimming: Option<usize>,
    /// Beluga inner input length.
    pub inner_input_length: Option<usize>,
    /// Beluga max-pool width.
    pub pool_size: Option<usize>,
}

impl Hyper {
    /// Reads the known keys from a JSON object, its `hyperparameters` member, or an
    /// `architecture` member holding a JSON string (safetensors metadata).
    ///
    /// ```
    /// use motiflift_models::zoo::Hyper;
    /// let meta = serde_json::json!({"architecture": "{\"pool_size\": 4}"});
    /// assert_eq!(Hyper::from_json(&meta).pool_size, Some(4));
    /// ```
    pub fn from_json(value: &serde_json::Value) -> Self {
        let nested = value
            .get("architecture")
            .and_then(|a| a.as_str())
            .and_then(|s| serde_json::from_str(s).ok());
        let obj = match (&nested, value.get("hyperparameters")) {
            (Some(n), _) => n,
            (None, Some(h)) => h,
            (None, None) => value,
        };
        let get = |k: &str| {
            obj.get(k)
                .and_then(|v| v.as_u64())
                .and_then(|v| usize::try_from(v).ok())
        };
        Self {
            trimming: get("trimming"),
            inner_input_length: get("inner_input_length"),
            pool_size: get("pool_size"),
        }
    }

    /// Fills the values missing here from `other`.
    ///
    /// ```
    /// use motiflift_models::zoo::Hyper;
    /// let a = Hyper { pool_size: Some(2), ..Hyper::default() };
    /// let b = Hyper { pool_size: Some(4), trimming: Some(9), ..Hyper::default() };
    /// assert_eq!(a.or(b), Hyper { pool_size: Some(2), trimming: Some(9), inner_input_length: None });
    /// ```
    pub fn or(self, other: Hyper) -> Hyper {
        Hyper {
            trimming: self.trimming.or(other.trimming),
            inner_input_length: self.inner_input_length.or(other.inner_input_length),
            pool_size: self.pool_size.or(other.pool_size),
        }
    }
}

/// Builds the graph of `arch` from a state dict.
///
/// ```
/// use burn::tensor::TensorData;
/// use motiflift_models::{Cpu, import::StateDict, zoo::{self, Arch, Hyper, Wrappers}};
///
/// // A one-layer BPNet without control tracks, all weights zero.
/// let mut sd = StateDict::new("tiny.torch");
/// let z = |shape: &[usize]| TensorData::new(vec![0f32; shape.iter().product()], shape.to_vec());
/// sd.insert("iconv.weight", z(&[8, 4, 21]));
/// sd.insert("rconvs.0.weight", z(&[8, 8, 3]));
/// sd.insert("fconv.weight", z(&[1, 8, 75]));
/// sd.insert("linear.weight", z(&[1, 8]));
/// let wrap: Wrappers = "count".parse().unwrap();
/// let g = zoo::build::<Cpu>(Arch::ChromBpnet, &sd, &Hyper::default(), &wrap, &Default::default()).unwrap();
/// let y = g.predict(burn::tensor::Tensor::zeros([2, 4, 300], &Default::default())).unwrap();
/// assert_eq!(y.dims(), [2, 1]);
/// ```
pub fn build<B: Backend>(
    arch: Arch,
    state: &StateDict,
    hyper: &Hyper,
    wrappers: &Wrappers,
    device: &B::Device,
) -> Result<Graph<B>> {
    match arch {
        Arch::Bpnet | Arch::ChromBpnet | Arch::ProCapNet => {
            bpnet::build(arch, state, hyper, wrappers, device)
        }
        Arch::Beluga => beluga::build(state, hyper, wrappers, device),
    }
}
