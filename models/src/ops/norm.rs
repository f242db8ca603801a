//! Batch normalisation in eval form.

use burn::tensor::{Tensor, backend::Backend};

use super::OpResult;
use crate::value::DynTensor;

/// `y = (x − mean) / sqrt(var + eps) · gamma + beta` per channel (axis 1), folded at load time
/// into `y = x · scale + shift`.
///
/// ```
/// use burn::backend::Flex;
/// use motiflift_models::ops::BatchNorm;
/// let bn = BatchNorm::<Flex>::new(&[1.0], &[0.0], &[0.5], &[3.0], 1e-5, &Default::default());
/// assert_eq!(bn.channels(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm<B: Backend> {
    pub(crate) scale: Tensor<B, 1>,
    pub(crate) shift: Tensor<B, 1>,
}

impl<B: Backend> BatchNorm<B> {
    /// From PyTorch's `weight` (gamma), `bias` (beta), `running_mean`, `running_var` and `eps`.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::ops::BatchNorm;
    /// let bn = BatchNorm::<Flex>::new(&[2.0, 1.0], &[0.0, 1.0], &[0.0, 0.0], &[1.0, 1.0], 0.0, &Default::default());
    /// assert_eq!(bn.channels(), 2);
    /// ```
    pub fn new(
        gamma: &[f32],
        beta: &[f32],
        mean: &[f32],
        var: &[f32],
        eps: f64,
        device: &B::Device,
    ) -> Self {
        let scale: Vec<f32> = gamma
            .iter()
            .zip(var)
            .map(|(&g, &v)| (g as f64 / (v as f64 + eps).sqrt()) as f32)
            .collect();
        let shift: Vec<f32> = beta
            .iter()
            .zip(mean)
            .zip(&scale)
            .map(|((&b, &m), &s)| (b as f64 - m as f64 * s as f64) as f32)
            .collect();
        Self {
            scale: Tensor::from_floats(scale.as_slice(), device),
            shift: Tensor::from_floats(shift.as_slice(), device),
        }
    }

    /// Number of channels.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// let bn = motiflift_models::ops::BatchNorm::<Flex>::new(&[1.0; 3], &[0.0; 3], &[0.0; 3], &[1.0; 3], 1e-5, &Default::default());
    /// assert_eq!(bn.channels(), 3);
    /// ```
    pub fn channels(&self) -> usize {
        self.scale.dims()[0]
    }

    pub(crate) fn forward(&self, x: DynTensor<B>) -> OpResult<DynTensor<B>> {
        let dims = x.dims();
        let c = self.channels();
        if dims.len() < 2 || dims[1] != c {
            return Err(format!("expected input (batch, {c}, ...), got {dims:?}"));
        }
        let mut bshape = vec![1; dims.len()];
        bshape[1] = c;
        let scale = DynTensor::from_tensor(self.scale.clone()).reshape(&bshape);
        let shift = DynTensor::from_tensor(self.shift.clone()).reshape(&bshape);
        Ok(DynTensor(B::float_add(B::float_mul(x.0, scale.0), shift.0)))
    }
}
