//! Mean and sum over axes.

use burn::tensor::backend::Backend;

use super::OpResult;
use super::shape::norm_axis;
use crate::value::DynTensor;

/// A reduction.
///
/// ```
/// use motiflift_models::ops::ReduceOp;
/// assert_eq!(ReduceOp::Mean.name(), "ReduceMean");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    /// Arithmetic mean.
    Mean,
    /// Sum.
    Sum,
}

impl ReduceOp {
    /// The ONNX op name.
    ///
    /// ```
    /// assert_eq!(motiflift_models::ops::ReduceOp::Sum.name(), "ReduceSum");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Mean => "ReduceMean",
            ReduceOp::Sum => "ReduceSum",
        }
    }
}

/// Reduces `x` over `axes` (every axis when empty), keeping them with size 1 if `keepdims`.
/// `untracked`: no gradient is taken through this call (then a host loop may run).
pub(crate) fn reduce<B: Backend>(
    op: ReduceOp,
    x: DynTensor<B>,
    axes: &[i64],
    keepdims: bool,
    untracked: bool,
) -> OpResult<DynTensor<B>> {
    let dims = x.dims();
    let mut axes: Vec<usize> = if axes.is_empty() {
        (0..dims.len()).collect()
    } else {
        axes.iter()
            .map(|&a| norm_axis(a, dims.len()))
            .collect::<OpResult<_>>()?
    };
    axes.sort_unstable();
    axes.dedup();
    let mut t = x.0;
    // The count head's mean over a window: one parallel pass over the strided view.
    let last = dims.len().checked_sub(1);
    let divisor = match op {
        ReduceOp::Mean => dims.last().map_or(1.0, |&n| n.max(1) as f32),
        ReduceOp::Sum => 1.0,
    };
    let host = (untracked && dims.len() >= 2 && axes == last.into_iter().collect::<Vec<_>>())
        .then(|| super::host::sum_last_axis::<B>(&t, divisor))
        .flatten();
    if let Some(h) = host {
        let mut kept = dims.clone();
        kept.pop();
        let out = DynTensor(h);
        return Ok(if keepdims { out.reshape(&[kept, vec![1]].concat()) } else { out.reshape(&kept) });
    }
    for &a in &axes {
        t = match op {
            ReduceOp::Mean => B::float_mean_dim(t, a),
            ReduceOp::Sum => B::float_sum_dim(t, a),
        };
    }
    let out = DynTensor(t);
    if keepdims {
        return Ok(out);
    }
    let kept: Vec<usize> = dims
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &d)| d)
        .collect();
    Ok(out.reshape(if kept.is_empty() { &[1] } else { &kept }))
}
