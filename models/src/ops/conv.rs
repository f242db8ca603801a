//! Convolutions over the last axis of `(batch, channels, length)` tensors.

use burn::tensor::{
    Tensor, TensorData,
    backend::Backend,
    module::{conv_transpose1d, conv1d},
    ops::{ConvTransposeOptions, PaddedConvOptions},
};
use motiflift_kernels::conv::{self as host, Conv1dGeometry};

use super::host::HostValues;
use super::{OpResult, on_host};
use crate::value::DynTensor;

/// Padding of a 1-D convolution.
///
/// ```
/// use motiflift_models::ops::ConvPadding;
/// assert_eq!(ConvPadding::Explicit(10, 10).resolve(2114, 21, 1, 1), (10, 10));
/// // "same" padding of an even kernel puts the extra element at the end (SAME_UPPER).
/// assert_eq!(ConvPadding::SameUpper.resolve(100, 4, 1, 1), (1, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvPadding {
    /// Zeros before and after.
    Explicit(usize, usize),
    /// ONNX `SAME_UPPER` / PyTorch `padding="same"`: output length `ceil(L / stride)`, the odd
    /// element at the end.
    SameUpper,
    /// ONNX `SAME_LOWER`: as `SameUpper` with the odd element at the start.
    SameLower,
}

impl ConvPadding {
    /// The `(before, after)` padding for an input of length `len`.
    ///
    /// ```
    /// use motiflift_models::ops::ConvPadding;
    /// assert_eq!(ConvPadding::SameLower.resolve(100, 4, 1, 1), (2, 1));
    /// ```
    pub fn resolve(
        self,
        len: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
    ) -> (usize, usize) {
        match self {
            ConvPadding::Explicit(a, b) => (a, b),
            ConvPadding::SameUpper | ConvPadding::SameLower => {
                let out = len.div_ceil(stride.max(1));
                let span = dilation * (kernel.max(1) - 1) + 1;
                let total = ((out.max(1) - 1) * stride + span).saturating_sub(len);
                let small = total / 2;
                if self == ConvPadding::SameUpper {
                    (small, total - small)
                } else {
                    (total - small, small)
                }
            }
        }
    }
}

/// A 1-D convolution with constant weights `(out_channels, in_channels / groups, kernel)`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_models::ops::{Conv1d, ConvPadding};
///
/// let device = Default::default();
/// let weight = Tensor::<Flex, 3>::ones([1, 1, 3], &device);
/// let conv = Conv1d::new(weight, None, ConvPadding::Explicit(1, 1));
/// assert_eq!((conv.in_channels(), conv.out_channels(), conv.kernel()), (1, 1, 3));
/// ```
#[derive(Debug, Clone)]
pub struct Conv1d<B: Backend> {
    /// Weights `(out, in / groups, kernel)`.
    pub weight: Tensor<B, 3>,
    /// Bias `(out,)`.
    pub bias: Option<Tensor<B, 1>>,
    /// Step between output positions.
    pub stride: usize,
    /// Zero padding.
    pub padding: ConvPadding,
    /// Spacing between kernel taps.
    pub dilation: usize,
    /// Channel groups.
    pub groups: usize,
}

impl<B: Backend> Conv1d<B> {
    /// A convolution with stride 1, dilation 1 and one group.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::ops::{Conv1d, ConvPadding};
    /// let w = Tensor::<Flex, 3>::zeros([8, 4, 5], &Default::default());
    /// assert_eq!(Conv1d::new(w, None, ConvPadding::Explicit(0, 0)).stride, 1);
    /// ```
    pub fn new(weight: Tensor<B, 3>, bias: Option<Tensor<B, 1>>, padding: ConvPadding) -> Self {
        Self {
            weight,
            bias,
            stride: 1,
            padding,
            dilation: 1,
            groups: 1,
        }
    }

    /// Sets the dilation.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::ops::{Conv1d, ConvPadding};
    /// let w = Tensor::<Flex, 3>::zeros([8, 8, 3], &Default::default());
    /// assert_eq!(Conv1d::new(w, None, ConvPadding::Explicit(2, 2)).with_dilation(2).dilation, 2);
    /// ```
    pub fn with_dilation(mut self, dilation: usize) -> Self {
        self.dilation = dilation;
        self
    }

    /// Input channels.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::ops::{Conv1d, ConvPadding};
    /// let w = Tensor::<Flex, 3>::zeros([8, 4, 5], &Default::default());
    /// assert_eq!(Conv1d::new(w, None, ConvPadding::Explicit(0, 0)).in_channels(), 4);
    /// ```
    pub fn in_channels(&self) -> usize {
        self.weight.dims()[1] * self.groups
    }

    /// Output channels.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::ops::{Conv1d, ConvPadding};
    /// let w = Tensor::<Flex, 3>::zeros([8, 4, 5], &Default::default());
    /// assert_eq!(Conv1d::new(w, None, ConvPadding::Explicit(0, 0)).out_channels(), 8);
    /// ```
    pub fn out_channels(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Kernel length.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::ops::{Conv1d, ConvPadding};
    /// let w = Tensor::<Flex, 3>::zeros([8, 4, 5], &Default::default());
    /// assert_eq!(Conv1d::new(w, None, ConvPadding::Explicit(0, 0)).kernel(), 5);
    /// ```
    pub fn kernel(&self) -> usize {
        self.weight.dims()[2]
    }

    /// `untracked`: no gradient is taken through this call (then host kernels may run).
    pub(crate) fn forward(&self, x: DynTensor<B>, untracked: bool) -> OpResult<DynTensor<B>> {
        let dims = x.dims();
        if self.groups == 0
            || self.stride == 0
            || self.dilation == 0
            || !self.out_channels().is_multiple_of(self.groups)
        {
            return Err(format!(
                "invalid convolution: {} output channels, {} groups, stride {}, dilation {}",
                self.out_channels(),
                self.groups,
                self.stride,
                self.dilation
            ));
        }
        if dims.len() != 3 || dims[1] != self.in_channels() {
            return Err(format!(
                "expected input (batch, {}, length), got {dims:?}",
                self.in_channels()
            ));
        }
        let (before, after) =
            self.padding
                .resolve(dims[2], self.kernel(), self.stride, self.dilation);
        let span = self.dilation * (self.kernel() - 1) + 1;
        if dims[2] + before + after < span {
            return Err(format!(
                "input length {} (+{} padding) is shorter than the kernel span {span}",
                dims[2],
                before + after
            ));
        }
        let options = PaddedConvOptions::asymmetric(
            [self.stride],
            [before],
            [after],
            [self.dilation],
            self.groups,
        );
        let x = x.typed::<3>();
        if let Some(y) = untracked.then(|| self.host_forward(&x, before, after)).flatten() {
            return Ok(DynTensor::from_tensor(y));
        }
        let y = conv1d(x, self.weight.clone(), self.bias.clone(), options);
        Ok(DynTensor::from_tensor(y))
    }

    /// The host kernel's geometry for `x` (the input, or the output gradient) of an input of
    /// length `len` padded by `before`/`after`: only for a host backend, stride 1 and one
    /// group. The kernel is outside autodiff: callers make sure no gradient is taken.
    fn host_geometry(&self, x: &Tensor<B, 3>, len: usize, before: usize, after: usize) -> Option<Conv1dGeometry> {
        let dims = x.dims();
        let host = on_host::<B>(&x.device());
        (self.stride == 1 && self.groups == 1 && host).then_some(Conv1dGeometry {
            batch: dims[0],
            in_channels: self.in_channels(),
            out_channels: self.out_channels(),
            kernel: self.kernel(),
            dilation: self.dilation,
            pad_before: before,
            pad_after: after,
            len,
        })
    }

    /// [`motiflift_kernels::conv::conv1d`] where it applies (see [`Self::host_geometry`]).
    fn host_forward(&self, x: &Tensor<B, 3>, before: usize, after: usize) -> Option<Tensor<B, 3>> {
        let g = self.host_geometry(x, x.dims()[2], before, after)?;
        let values = HostValues::of_tensor(x)?;
        let weight = HostValues::of_tensor(&self.weight)?;
        let bias = match &self.bias {
            Some(b) => Some(HostValues::of_tensor(b)?),
            None => None,
        };
        let y = host::conv1d(values.values(), weight.values(), bias.as_ref().map(HostValues::values), &g).ok()?;
        let shape = [g.batch, g.out_channels, g.out_len()?];
        Some(Tensor::from_data(TensorData::new(y, shape), &x.device()))
    }

    /// The gradient at the input `(batch, in, len)` of `Σ gy · conv(x)` (the transposed
    /// convolution, without bias), for `gy` `(batch, out, out_len)`.
    pub(crate) fn input_grad(&self, gy: Tensor<B, 3>, len: usize) -> OpResult<Tensor<B, 3>> {
        let k = self.kernel();
        let (before, after) = self.padding.resolve(len, k, self.stride, self.dilation);
        let [batch, _, out_len] = gy.dims();
        if let Some(g) = self.host_geometry(&gy, len, before, after)
            && g.out_len() == Some(out_len)
            && let (Some(values), Some(weight)) = (HostValues::of_tensor(&gy), HostValues::of_tensor(&self.weight))
            && let Ok(gx) = host::conv1d_input_grad(values.values(), weight.values(), &g)
        {
            return Ok(Tensor::from_data(TensorData::new(gx, [batch, g.in_channels, len]), &gy.device()));
        }
        let full = (out_len.max(1) - 1) * self.stride + self.dilation * (k - 1) + 1;
        let padded = len + before + after;
        let extra = padded.checked_sub(full).ok_or("convolution output longer than its input")?;
        if extra >= self.stride.max(self.dilation) {
            return Err("convolution geometry without a direct transpose".into());
        }
        // Symmetric padding crops inside the transposed convolution (a contiguous result);
        // otherwise crop the full-length one.
        let symmetric = before == after;
        let crop = if symmetric { before } else { 0 };
        let options = ConvTransposeOptions::new([self.stride], [crop], [extra], [self.dilation], self.groups);
        let back = conv_transpose1d(gy, self.weight.clone(), None, options);
        Ok(if symmetric { back } else { back.narrow(2, before, len) })
    }
}

/// A 1-D transposed convolution with constant weights `(in_channels, out_channels / groups,
/// kernel)` (PyTorch layout).
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_models::ops::ConvTranspose1d;
/// let w = Tensor::<Flex, 3>::zeros([4, 2, 3], &Default::default());
/// let t = ConvTranspose1d { weight: w, bias: None, stride: 2, padding: 0, padding_out: 0, dilation: 1, groups: 1 };
/// assert_eq!(t.stride, 2);
/// ```
#[derive(Debug, Clone)]
pub struct ConvTranspose1d<B: Backend> {
    /// Weights `(in, out / groups, kernel)`.
    pub weight: Tensor<B, 3>,
    /// Bias `(out,)`.
    pub bias: Option<Tensor<B, 1>>,
    /// Stride.
    pub stride: usize,
    /// Padding removed from both ends of the output.
    pub padding: usize,
    /// Extra length added at the end of the output.
    pub padding_out: usize,
    /// Dilation.
    pub dilation: usize,
    /// Channel groups.
    pub groups: usize,
}

impl<B: Backend> ConvTranspose1d<B> {
    pub(crate) fn forward(&self, x: DynTensor<B>) -> OpResult<DynTensor<B>> {
        let dims = x.dims();
        let in_channels = self.weight.dims()[0];
        if self.groups == 0
            || self.stride == 0
            || self.dilation == 0
            || !in_channels.is_multiple_of(self.groups)
        {
            return Err(format!(
                "invalid transposed convolution: {in_channels} input channels, {} groups, stride {}, dilation {}",
                self.groups, self.stride, self.dilation
            ));
        }
        if dims.len() != 3 || dims[1] != in_channels {
            return Err(format!(
                "expected input (batch, {in_channels}, length), got {dims:?}"
            ));
        }
        let k = self.weight.dims()[2];
        let full =
            (dims[2].max(1) - 1) * self.stride + self.dilation * (k - 1) + 1 + self.padding_out;
        if full <= 2 * self.padding {
            return Err(format!(
                "output length would be empty for input length {}",
                dims[2]
            ));
        }
        let options = ConvTransposeOptions::new(
            [self.stride],
            [self.padding],
            [self.padding_out],
            [self.dilation],
            self.groups,
        );
        let y = conv_transpose1d(
            x.typed::<3>(),
            self.weight.clone(),
            self.bias.clone(),
            options,
        );
        Ok(DynTensor::from_tensor(y))
    }
}
