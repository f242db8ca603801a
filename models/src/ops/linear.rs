//! Dense layers and matrix products.

use burn::tensor::{Tensor, backend::Backend};

use super::OpResult;
use crate::value::DynTensor;

/// `y = x·W + b` over the last axis of `x`, with constant `W` of shape `(in, out)` (the transpose
/// of PyTorch's `Linear.weight`).
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_models::ops::Linear;
/// let torch_weight = Tensor::<Flex, 2>::zeros([1, 33], &Default::default()); // (out, in)
/// let linear = Linear::from_torch(torch_weight, None);
/// assert_eq!((linear.in_features(), linear.out_features()), (33, 1));
/// ```
#[derive(Debug, Clone)]
pub struct Linear<B: Backend> {
    /// Weights `(in, out)`.
    pub weight: Tensor<B, 2>,
    /// Bias `(out,)`.
    pub bias: Option<Tensor<B, 1>>,
}

impl<B: Backend> Linear<B> {
    /// From PyTorch's layout: `weight` is `(out, in)`.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// let w = Tensor::<Flex, 2>::zeros([16, 6784], &Default::default());
    /// assert_eq!(motiflift_models::ops::Linear::from_torch(w, None).in_features(), 6784);
    /// ```
    pub fn from_torch(weight: Tensor<B, 2>, bias: Option<Tensor<B, 1>>) -> Self {
        Self {
            weight: weight.transpose(),
            bias,
        }
    }

    /// Input features.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// let w = Tensor::<Flex, 2>::zeros([3, 2], &Default::default());
    /// assert_eq!(motiflift_models::ops::Linear { weight: w, bias: None }.in_features(), 3);
    /// ```
    pub fn in_features(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Output features.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// let w = Tensor::<Flex, 2>::zeros([3, 2], &Default::default());
    /// assert_eq!(motiflift_models::ops::Linear { weight: w, bias: None }.out_features(), 2);
    /// ```
    pub fn out_features(&self) -> usize {
        self.weight.dims()[1]
    }

    pub(crate) fn forward(&self, x: DynTensor<B>) -> OpResult<DynTensor<B>> {
        let dims = x.dims();
        let (inf, outf) = (self.in_features(), self.out_features());
        if dims.last() != Some(&inf) {
            return Err(format!("expected input (..., {inf}), got {dims:?}"));
        }
        let rows: usize = dims[..dims.len() - 1].iter().product();
        let x2 = x.reshape(&[rows, inf]).typed::<2>();
        let mut y = x2.matmul(self.weight.clone());
        if let Some(b) = &self.bias {
            y = y + b.clone().unsqueeze::<2>();
        }
        let mut out = dims;
        if let Some(last) = out.last_mut() {
            *last = outf;
        }
        Ok(DynTensor::from_tensor(y).reshape(&out))
    }
}

/// numpy `matmul` of two computed tensors: 1-D operands are promoted and the added axis removed,
/// batch axes broadcast.
pub(crate) fn matmul<B: Backend>(a: DynTensor<B>, b: DynTensor<B>) -> OpResult<DynTensor<B>> {
    let (mut da, mut db) = (a.dims(), b.dims());
    let (a_vec, b_vec) = (da.len() == 1, db.len() == 1);
    if a_vec {
        da.insert(0, 1);
    }
    if b_vec {
        db.push(1);
    }
    if da.is_empty() || db.is_empty() || da[da.len() - 1] != db[db.len() - 2] {
        return Err(format!(
            "cannot multiply matrices of shapes {:?} and {:?}",
            a.dims(),
            b.dims()
        ));
    }
    let rank = da.len().max(db.len());
    let pad = |d: &[usize]| [vec![1; rank - d.len()], d.to_vec()].concat();
    let (pa, pb) = (pad(&da), pad(&db));
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank - 2 {
        match (pa[i], pb[i]) {
            (x, y) if x == y || y == 1 => out.push(x),
            (1, y) => out.push(y),
            (x, y) => return Err(format!("batch axes {x} and {y} do not broadcast")),
        }
    }
    out.push(pa[rank - 2]);
    out.push(pb[rank - 1]);
    let (ea, eb) = (
        [&out[..rank - 2], &pa[rank - 2..]].concat(),
        [&out[..rank - 2], &pb[rank - 2..]].concat(),
    );
    let ta = DynTensor::<B>(B::float_expand(a.reshape(&pa).0, ea.into()));
    let tb = DynTensor::<B>(B::float_expand(b.reshape(&pb).0, eb.into()));
    let y = DynTensor::<B>(B::float_matmul(ta.0, tb.0));
    let mut final_dims = out;
    if b_vec {
        final_dims.pop();
    }
    if a_vec {
        final_dims.remove(final_dims.len() - if b_vec { 1 } else { 2 });
    }
    if final_dims.is_empty() {
        final_dims.push(1);
    }
    Ok(y.reshape(&final_dims))
}
