//! # motiflift-models
//!
//! Sequence models as a small DAG of Burn ops ([`graph`]), the model zoo ([`zoo`]: BPNet,
//! ChromBPNet, ProCapNet, Beluga/DeepSEA and the seed's wrappers) and importers ([`import`]:
//! PyTorch state_dict, safetensors, ONNX).
//!
//! A [`Graph`] takes one-hot sequences `(batch, 4, length)` and returns `(batch, n_outputs)`.
//! Its nonlinear ops go through a [`Nonlinear`](motiflift_kernels::deeplift::Nonlinear)
//! implementation: [`Plain`](motiflift_kernels::deeplift::Plain) for prediction, the DeepLIFT
//! rules for attribution. Ops that are nonlinear without a rule make
//! [`Graph::check_attributable`] fail with the node's name.
//!
//! ## Quick start
//!
//! ```
//! use burn::tensor::Tensor;
//! use motiflift_models::{Cpu, GraphBuilder, ops::{Conv1d, ConvPadding, Op, ReduceOp}};
//! use motiflift_kernels::deeplift::Activation;
//!
//! let device = Default::default();
//! let mut g = GraphBuilder::<Cpu>::new(&device);
//! let w = Tensor::<Cpu, 3>::ones([2, 4, 3], &device);
//! let h = g.push("conv", Op::Conv1d(Conv1d::new(w, None, ConvPadding::Explicit(1, 1))), &[g.input()]);
//! let h = g.push("relu", Op::Activation(Activation::Relu), &[h]);
//! let y = g.push("mean", Op::Reduce { op: ReduceOp::Mean, axes: vec![2], keepdims: false }, &[h]);
//! g.output("y", y);
//! let graph = g.build()?;
//! graph.check_attributable()?;
//!
//! let x = Tensor::<Cpu, 3>::zeros([8, 4, 100], &device);
//! assert_eq!(graph.predict(x)?.dims(), [8, 2]);
//! # Ok::<(), motiflift_models::Error>(())
//! ```
//!
//! Loading a file: [`load`] with a [`ModelSpec`] (format from the extension, `arch` needed for
//! state_dict/safetensors files, wrappers as on the command line):
//!
//! ```no_run
//! use motiflift_models::{Cpu, ModelSpec, load};
//! let spec: ModelSpec = ModelSpec::new("bpnet.torch").with_arch("bpnet".parse()?).with_wrappers("control,count".parse()?);
//! let graph = load::<Cpu>(&spec, &Default::default())?;
//! # Ok::<(), motiflift_models::Error>(())
//! ```

#![warn(missing_docs)]

pub mod deeplift;
pub mod error;
pub mod graph;
pub mod import;
mod inner;
pub mod ops;
pub mod value;
pub mod zoo;

pub use error::{Error, Result};
pub use graph::{Graph, GraphBuilder, Node, ValueId};
pub use import::{ModelSpec, load};
pub use value::{DynTensor, Ints};

/// The default CPU backend (Burn's `flex`).
pub type Cpu = burn::backend::Flex;
/// The attribution backend: `flex` with autodiff.
pub type CpuAutodiff = burn::backend::Autodiff<Cpu>;
