//! Ops whose nonlinearity goes through [`Nonlinear`] (activations, max-pool, softmax), and the
//! (linear) average pool that shares their pooling layout.

use burn::tensor::{backend::Backend, module::avg_pool1d};
use motiflift_kernels::deeplift::{Activation, MaxPool1d, Nonlinear};

use super::OpResult;
use crate::value::{DynTensor, MAX_RANK, with_rank};

/// The ONNX name of an activation.
pub(crate) fn activation_name(act: &Activation) -> &'static str {
    match act {
        Activation::Relu => "Relu",
        Activation::LeakyRelu { .. } => "LeakyRelu",
        Activation::Elu { .. } => "Elu",
        Activation::Selu => "Selu",
        Activation::Gelu => "Gelu",
        Activation::Silu => "Silu",
        Activation::Mish => "Mish",
        Activation::Sigmoid => "Sigmoid",
        Activation::LogSigmoid => "LogSigmoid",
        Activation::Tanh => "Tanh",
        Activation::Softplus { .. } => "Softplus",
        Activation::Exp => "Exp",
        Activation::Log => "Log",
    }
}

fn rank_error(dims: &[usize]) -> String {
    format!(
        "tensors of rank {} are not supported (at most {MAX_RANK})",
        dims.len()
    )
}

/// An elementwise activation through the rules.
pub(crate) fn activation<B: Backend, N: Nonlinear<B>>(
    rules: &N,
    act: &Activation,
    x: DynTensor<B>,
) -> OpResult<DynTensor<B>> {
    let dims = x.dims();
    // ReLU exactly as Burn's CPU backend computes it, in one parallel pass.
    if rules.untracked()
        && *act == Activation::Relu
        && let Some(y) = super::host::map::<B>(&x.0, |v| v.max(0.0))
    {
        return Ok(DynTensor(y));
    }
    with_rank!(dims.len(), D => Ok(DynTensor::from_tensor(rules.activation(act, x.typed::<D>()))), Err(rank_error(&dims)))
}

/// A 1-D max-pool through the rules.
pub(crate) fn max_pool1d<B: Backend, N: Nonlinear<B>>(
    rules: &N,
    pool: &MaxPool1d,
    x: DynTensor<B>,
) -> OpResult<DynTensor<B>> {
    let dims = x.dims();
    let span = pool.dilation * (pool.kernel.max(1) - 1) + 1;
    if dims.len() != 3 || dims[2] + 2 * pool.padding < span {
        return Err(format!(
            "expected (batch, channels, length ≥ {span}), got {dims:?}"
        ));
    }
    if rules.untracked()
        && let Some(y) = super::host::max_pool1d::<B>(pool, &x.0)
    {
        return Ok(DynTensor(y));
    }
    Ok(DynTensor::from_tensor(
        rules.max_pool1d(pool, x.typed::<3>()),
    ))
}

/// Softmax (or log-softmax: softmax, then the `Log` activation) along `axis` through the rules.
pub(crate) fn softmax<B: Backend, N: Nonlinear<B>>(
    rules: &N,
    x: DynTensor<B>,
    axis: usize,
    log: bool,
) -> OpResult<DynTensor<B>> {
    let dims = x.dims();
    if axis == 0 || axis >= dims.len() {
        return Err(format!(
            "softmax axis {axis} must be a non-batch axis of {dims:?}"
        ));
    }
    with_rank!(dims.len(), D => {
        let y = rules.softmax(x.typed::<D>(), axis);
        let y = if log { rules.activation(&Activation::Log, y) } else { y };
        Ok(DynTensor::from_tensor(y))
    }, Err(rank_error(&dims)))
}

/// A 1-D average pool (PyTorch `AvgPool1d` / ONNX `AveragePool` on 3-D input); linear.
///
/// ```
/// use motiflift_models::ops::AvgPool1d;
/// let p = AvgPool1d { kernel: 2, stride: 2, padding: 0, count_include_pad: true, ceil_mode: false };
/// assert_eq!(p.kernel, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvgPool1d {
    /// Window length.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Zero padding on both sides.
    pub padding: usize,
    /// Whether padded zeros count in the divisor.
    pub count_include_pad: bool,
    /// Whether a last partial window is kept.
    pub ceil_mode: bool,
}

impl AvgPool1d {
    pub(crate) fn forward<B: Backend>(&self, x: DynTensor<B>) -> OpResult<DynTensor<B>> {
        let dims = x.dims();
        if dims.len() != 3 || dims[2] + 2 * self.padding < self.kernel {
            return Err(format!(
                "expected (batch, channels, length ≥ {}), got {dims:?}",
                self.kernel
            ));
        }
        let y = avg_pool1d(
            x.typed::<3>(),
            self.kernel,
            self.stride,
            self.padding,
            self.count_include_pad,
            self.ceil_mode,
        );
        Ok(DynTensor::from_tensor(y))
    }
}
