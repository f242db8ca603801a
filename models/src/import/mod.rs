//! Importers: PyTorch state dicts (`.torch`, `.pt`, `.pth`), safetensors and ONNX, all producing
//! the same [`Graph`]. State dicts need an architecture ([`Arch`]); ONNX files carry their graph.

mod onnx;
mod safetensors;
mod state_dict;
mod torch;

pub use onnx::load_onnx;
pub use safetensors::read_safetensors;
pub use state_dict::StateDict;
pub use torch::read_torch;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::tensor::backend::Backend;

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::zoo::{self, Arch, Hyper, Wrappers};

/// A model file format.
///
/// ```
/// use motiflift_models::import::Format;
/// assert_eq!(Format::from_path("m.pth".as_ref()), Some(Format::Torch));
/// assert_eq!("onnx".parse::<Format>().unwrap(), Format::Onnx);
/// assert_eq!(Format::from_path("m.bin".as_ref()), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A `torch.save(model.state_dict())` zip archive.
    Torch,
    /// A safetensors file.
    Safetensors,
    /// An ONNX model (opset ≥ 13).
    Onnx,
}

impl Format {
    /// The format implied by the file extension.
    ///
    /// ```
    /// use motiflift_models::import::Format;
    /// assert_eq!(Format::from_path("x/model.safetensors".as_ref()), Some(Format::Safetensors));
    /// ```
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        ext.parse().ok()
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "torch" | "pt" | "pth" | "state_dict" => Ok(Format::Torch),
            "safetensors" => Ok(Format::Safetensors),
            "onnx" => Ok(Format::Onnx),
            _ => Err(Error::Spec {
                reason: format!(
                    "unknown model format `{s}` (expected torch, pt, pth, safetensors or onnx)"
                ),
            }),
        }
    }
}

/// What to load: a file, its format, its architecture, wrappers and hyper-parameters.
///
/// ```
/// use motiflift_models::{ModelSpec, import::Format, zoo::Arch};
/// let spec = ModelSpec::new("chrombpnet.pt")
///     .with_arch(Arch::ChromBpnet)
///     .with_wrappers("count".parse().unwrap());
/// assert_eq!(spec.format(), Some(Format::Torch));
/// assert!(spec.wrappers.count);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// The model file.
    pub path: PathBuf,
    /// The format; guessed from the extension when `None`.
    pub format: Option<Format>,
    /// The architecture (needed for state dicts and safetensors, not for ONNX).
    pub arch: Option<Arch>,
    /// Wrappers around the model.
    pub wrappers: Wrappers,
    /// Explicit hyper-parameters (they override the file's metadata).
    pub hyper: Hyper,
}

impl ModelSpec {
    /// A spec for `path` with everything else left to defaults.
    ///
    /// ```
    /// let spec = motiflift_models::ModelSpec::new("m.onnx");
    /// assert!(spec.arch.is_none());
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            format: None,
            arch: None,
            wrappers: Wrappers::default(),
            hyper: Hyper::default(),
        }
    }

    /// Sets the architecture.
    ///
    /// ```
    /// use motiflift_models::{ModelSpec, zoo::Arch};
    /// assert_eq!(ModelSpec::new("m.pt").with_arch(Arch::Beluga).arch, Some(Arch::Beluga));
    /// ```
    pub fn with_arch(mut self, arch: Arch) -> Self {
        self.arch = Some(arch);
        self
    }

    /// Sets the format explicitly.
    ///
    /// ```
    /// use motiflift_models::{ModelSpec, import::Format};
    /// assert_eq!(ModelSpec::new("weights.bin").with_format(Format::Torch).format(), Some(Format::Torch));
    /// ```
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Sets the wrappers.
    ///
    /// ```
    /// let spec = motiflift_models::ModelSpec::new("m.pt").with_wrappers("control,count".parse().unwrap());
    /// assert!(spec.wrappers.control);
    /// ```
    pub fn with_wrappers(mut self, wrappers: Wrappers) -> Self {
        self.wrappers = wrappers;
        self
    }

    /// Sets explicit hyper-parameters.
    ///
    /// ```
    /// use motiflift_models::{ModelSpec, zoo::Hyper};
    /// let spec = ModelSpec::new("m.pt").with_hyper(Hyper { trimming: Some(557), ..Hyper::default() });
    /// assert_eq!(spec.hyper.trimming, Some(557));
    /// ```
    pub fn with_hyper(mut self, hyper: Hyper) -> Self {
        self.hyper = hyper;
        self
    }

    /// The format: explicit, else from the extension.
    ///
    /// ```
    /// assert_eq!(motiflift_models::ModelSpec::new("m").format(), None);
    /// ```
    pub fn format(&self) -> Option<Format> {
        self.format.or_else(|| Format::from_path(&self.path))
    }
}

/// Loads a model as a graph on `device`, weights as plain (untracked) tensors.
///
/// State dicts and safetensors are built by the [`zoo`] for `spec.arch`; hyper-parameters the
/// weights do not determine come from `spec.hyper`, then the file's metadata, then a
/// `<stem>.json` beside it (see [`Hyper`]). ONNX files take no architecture, only the `crop` and
/// `output` wrappers.
///
/// ```no_run
/// use motiflift_models::{Cpu, ModelSpec, load, zoo::Arch};
/// let spec = ModelSpec::new("model.torch").with_arch(Arch::Bpnet).with_wrappers("control,count".parse()?);
/// let graph = load::<Cpu>(&spec, &Default::default())?;
/// # Ok::<(), motiflift_models::Error>(())
/// ```
pub fn load<B: Backend>(spec: &ModelSpec, device: &B::Device) -> Result<Graph<B>> {
    let format = spec.format().ok_or_else(|| Error::Spec {
        reason: format!(
            "cannot tell the format of {} from its extension (use .torch/.pt/.pth, .safetensors or .onnx, or give the format)",
            spec.path.display()
        ),
    })?;
    let state = match format {
        Format::Onnx => {
            if let Some(arch) = spec.arch {
                return Err(Error::Spec {
                    reason: format!(
                        "an ONNX file carries its own graph; drop the architecture `{}`",
                        arch.name()
                    ),
                });
            }
            return load_onnx(&spec.path, &spec.wrappers, device);
        }
        Format::Torch => read_torch(&spec.path)?,
        Format::Safetensors => read_safetensors(&spec.path)?,
    };
    let arch = spec.arch.ok_or_else(|| Error::Spec {
        reason: format!(
            "{} holds only weights: give its architecture (bpnet, chrombpnet, procapnet or beluga)",
            spec.path.display()
        ),
    })?;
    let from_file = state
        .metadata
        .as_ref()
        .map(Hyper::from_json)
        .unwrap_or_default();
    let hyper = spec
        .hyper
        .clone()
        .or(from_file)
        .or(sidecar_hyper(&spec.path)?);
    zoo::build(arch, &state, &hyper, &spec.wrappers, device)
}

/// Hyper-parameters from `<stem>.json` beside `path`, if that file exists.
fn sidecar_hyper(path: &Path) -> Result<Hyper> {
    let side = path.with_extension("json");
    if !side.is_file() {
        return Ok(Hyper::default());
    }
    let text = std::fs::read_to_string(&side).map_err(|source| Error::Io {
        file: side.clone(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
        file: side.clone(),
        format: "JSON",
        reason: e.to_string(),
    })?;
    Ok(Hyper::from_json(&value))
}
