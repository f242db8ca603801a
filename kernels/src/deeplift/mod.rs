//! DeepLIFT rules for the nonlinear ops of a model graph.
//!
//! A model graph (crate `motiflift-models`) runs its linear ops itself and hands every
//! nonlinear op to a [`Nonlinear`] implementation: [`Plain`] computes the ordinary forward pass
//! (prediction), while the DeepLIFT implementation in [`rules`] computes the same forward values
//! on a paired batch `[inputs; references]` but makes Burn's autodiff return the DeepLIFT
//! multipliers of ALGORITHMS §4.4 instead of ordinary gradients.
//!
//! ```
//! use burn::backend::Flex;
//! use burn::tensor::Tensor;
//! use motiflift_kernels::deeplift::{Activation, Nonlinear, Plain};
//!
//! let device = Default::default();
//! let x = Tensor::<Flex, 2>::from_floats([[-1.0, 2.0]], &device);
//! let y = Plain.activation(&Activation::Relu, x);
//! assert_eq!(y.into_data().to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
//! ```

mod activation;
pub mod host;
pub mod rules;
#[cfg(test)]
mod tests;

pub use rules::DeepLift;

pub use activation::Activation;


use burn::tensor::{Tensor, backend::Backend};

/// A 1-D max-pool (PyTorch `MaxPool1d` / ONNX `MaxPool` semantics).
///
/// ```
/// use motiflift_kernels::deeplift::MaxPool1d;
/// let pool = MaxPool1d::new(4);
/// assert_eq!((pool.kernel, pool.stride), (4, 4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool1d {
    /// Window length.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Implicit `-inf` padding on both sides.
    pub padding: usize,
    /// Spacing between window elements.
    pub dilation: usize,
    /// Whether a last partial window is kept.
    pub ceil_mode: bool,
}

impl MaxPool1d {
    /// A pool with `stride = kernel`, no padding, dilation 1 (PyTorch's defaults).
    ///
    /// ```
    /// let p = motiflift_kernels::deeplift::MaxPool1d::new(2);
    /// assert_eq!(p.padding, 0);
    /// ```
    pub fn new(kernel: usize) -> Self {
        Self { kernel, stride: kernel, padding: 0, dilation: 1, ceil_mode: false }
    }
}

/// The nonlinear ops of a model graph. Linear ops never go through this trait, so an
/// implementation decides exactly how every nonlinearity is evaluated and differentiated.
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_kernels::deeplift::{MaxPool1d, Nonlinear, Plain};
///
/// let x = Tensor::<Flex, 3>::from_floats([[[1.0, 3.0, 2.0, 0.0]]], &Default::default());
/// let y = Plain.max_pool1d(&MaxPool1d::new(2), x);
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), vec![3.0, 2.0]);
/// ```
pub trait Nonlinear<B: Backend> {
    /// An elementwise activation.
    fn activation<const D: usize>(&self, act: &Activation, x: Tensor<B, D>) -> Tensor<B, D>;
    /// A 1-D max-pool over the last axis of `(batch, channels, length)`.
    fn max_pool1d(&self, pool: &MaxPool1d, x: Tensor<B, 3>) -> Tensor<B, 3>;
    /// Softmax along `dim` (never the batch axis 0).
    fn softmax<const D: usize>(&self, x: Tensor<B, D>, dim: usize) -> Tensor<B, D>;
    /// Whether the pass needs no autodiff graph, so that linear ops may compute on the tensors'
    /// data outside autodiff (host kernels). `false` unless said otherwise.
    fn untracked(&self) -> bool {
        false
    }
}

/// The ordinary forward pass: every nonlinearity evaluated as is, ordinary gradients.
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_kernels::deeplift::{Nonlinear, Plain};
/// let x = Tensor::<Flex, 2>::from_floats([[0.0, 0.0]], &Default::default());
/// let y = Plain.softmax(x, 1);
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl<B: Backend> Nonlinear<B> for Plain {
    fn activation<const D: usize>(&self, act: &Activation, x: Tensor<B, D>) -> Tensor<B, D> {
        act.forward(x)
    }

    fn max_pool1d(&self, pool: &MaxPool1d, x: Tensor<B, 3>) -> Tensor<B, 3> {
        burn::tensor::module::max_pool1d(
            x,
            pool.kernel,
            pool.stride,
            pool.padding,
            pool.dilation,
            pool.ceil_mode,
        )
    }

    fn softmax<const D: usize>(&self, x: Tensor<B, D>, dim: usize) -> Tensor<B, D> {
        burn::tensor::activation::softmax(x, dim)
    }
}

/// [`Plain`] for a pass whose gradients nobody takes (predictions, the forward of the direct
/// DeepLIFT sweep): linear ops may run host kernels that autodiff does not track.
///
/// ```
/// use burn::backend::Flex;
/// use motiflift_kernels::deeplift::{Nonlinear, Plain, Untracked};
/// assert!(<Untracked as Nonlinear<Flex>>::untracked(&Untracked));
/// assert!(!<Plain as Nonlinear<Flex>>::untracked(&Plain));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Untracked;

impl<B: Backend> Nonlinear<B> for Untracked {
    fn activation<const D: usize>(&self, act: &Activation, x: Tensor<B, D>) -> Tensor<B, D> {
        Plain.activation(act, x)
    }

    fn max_pool1d(&self, pool: &MaxPool1d, x: Tensor<B, 3>) -> Tensor<B, 3> {
        Plain.max_pool1d(pool, x)
    }

    fn softmax<const D: usize>(&self, x: Tensor<B, D>, dim: usize) -> Tensor<B, D> {
        Plain.softmax(x, dim)
    }

    fn untracked(&self) -> bool {
        true
    }
}
