//! Convolutions over the last axis of `(batch, channels, length)` tensors.

use burn::tensor::{
    Tensor,
    backend::Backend,
    module::{conv_transpose1d, conv1d},
    ops::{ConvTransposeOptions, PaddedConvOptions},
};

use super::OpResult;
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

    pub(crate) fn forward(&self, x: DynTensor<B>) -> OpResult<DynTensor<B>> {
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
        let y = conv1d(
            x.typed::<3>(),
            self.weight.clone(),
            self.bias.clone(),
            options,
        );
        Ok(DynTensor::from_tensor(y))
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
