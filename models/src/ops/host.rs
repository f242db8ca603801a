//! Zero-copy reads of host tensors: the float32 values of a tensor of Burn's `Flex` backend
//! (with or without autodiff) as a slice, for kernels that run on host memory.

use std::any::Any;

use burn::backend::{Autodiff, Flex, flex::FlexTensor};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Tensor};

/// The float32 values of a host tensor, row-major, shared with it (copied only when its layout
/// is strided).
pub(crate) struct HostValues(FlexTensor);

impl HostValues {
    /// `None` for a tensor of another backend or dtype.
    pub(crate) fn of<B: Backend>(t: &FloatTensor<B>) -> Option<Self> {
        let any: &dyn Any = t;
        let flex = match any.downcast_ref::<FlexTensor>() {
            Some(f) => f.clone(),
            None => Autodiff::<Flex>::inner(any.downcast_ref::<FloatTensor<Autodiff<Flex>>>()?.clone()),
        };
        if flex.dtype() != DType::F32 {
            return None;
        }
        let layout = flex.layout();
        let flex = if layout.is_contiguous() && layout.start_offset() == 0 { flex } else { flex.to_contiguous() };
        (flex.storage::<f32>().len() >= flex.layout().num_elements()).then_some(Self(flex))
    }

    /// [`HostValues::of`] a typed tensor.
    pub(crate) fn of_tensor<B: Backend, const D: usize>(t: &Tensor<B, D>) -> Option<Self> {
        Self::of::<B>(&t.clone().into_primitive().tensor())
    }

    /// The values, row-major.
    pub(crate) fn values(&self) -> &[f32] {
        &self.0.storage::<f32>()[..self.0.layout().num_elements()]
    }
}
