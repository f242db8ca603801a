//! Zero-copy reads of host tensors (the float32 values of a tensor of Burn's `Flex` backend,
//! with or without autodiff, as a slice or a strided view) and the parallel host loops built on
//! them for the untracked forward pass and the direct DeepLIFT sweep: Burn's CPU backend runs
//! elementwise ops, strided copies and reductions on one thread.
//!
//! Every function returns `None` where it does not apply (another backend or dtype, shapes it
//! does not handle); callers then take the Burn op. Results are new, untracked tensors.

use std::any::Any;

use burn::backend::{Autodiff, Flex, flex::FlexTensor};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Tensor, TensorMetadata};
use motiflift_kernels::conv::build_chunks;
use motiflift_kernels::deeplift::{MaxPool1d, host as kernels};

use crate::value::DynTensor;

/// The Flex tensor behind a float32 host tensor, any layout.
fn flex_of<B: Backend>(t: &FloatTensor<B>) -> Option<FlexTensor> {
    let any: &dyn Any = t;
    let flex = match any.downcast_ref::<FlexTensor>() {
        Some(f) => f.clone(),
        None => Autodiff::<Flex>::inner(any.downcast_ref::<FloatTensor<Autodiff<Flex>>>()?.clone()),
    };
    (flex.dtype() == DType::F32).then_some(flex)
}

/// A new host tensor of `dims` holding `values` (row-major).
fn tensor<B: Backend>(values: Vec<f32>, dims: &[usize], like: &FloatTensor<B>) -> FloatTensor<B> {
    DynTensor::<B>::from_f32(values, dims, &B::float_device(like)).0
}

/// The float32 values of a host tensor, row-major, shared with it (copied only when its layout
/// is strided).
pub(crate) struct HostValues {
    flex: FlexTensor,
    start: usize,
}

impl HostValues {
    /// `None` for a tensor of another backend or dtype.
    pub(crate) fn of<B: Backend>(t: &FloatTensor<B>) -> Option<Self> {
        let flex = flex_of::<B>(t)?;
        let (flex, start) = match flex.layout().contiguous_offsets() {
            Some((start, _)) => (flex, start),
            None => (flex.to_contiguous(), 0),
        };
        let end = start + flex.layout().num_elements();
        (flex.storage::<f32>().len() >= end).then_some(Self { flex, start })
    }

    /// [`HostValues::of`] a typed tensor.
    pub(crate) fn of_tensor<B: Backend, const D: usize>(t: &Tensor<B, D>) -> Option<Self> {
        Self::of::<B>(&t.clone().into_primitive().tensor())
    }

    /// The values, row-major.
    pub(crate) fn values(&self) -> &[f32] {
        &self.flex.storage::<f32>()[self.start..self.start + self.flex.layout().num_elements()]
    }
}

/// A host tensor as it is laid out: any strides (zero for broadcast axes), any offset.
struct HostView {
    flex: FlexTensor,
    dims: Vec<usize>,
    strides: Vec<isize>,
}

impl HostView {
    fn of<B: Backend>(t: &FloatTensor<B>) -> Option<Self> {
        let flex = flex_of::<B>(t)?;
        let dims = flex.layout().shape().to_vec();
        let strides = flex.layout().strides().to_vec();
        // Every element read below must lie in the storage.
        let (mut lo, mut hi) = (flex.layout().start_offset() as isize, flex.layout().start_offset() as isize);
        for (&d, &s) in dims.iter().zip(&strides) {
            let reach = (d as isize - 1) * s;
            if d == 0 {
                return None;
            }
            if reach < 0 {
                lo += reach;
            } else {
                hi += reach;
            }
        }
        (lo >= 0 && (hi as usize) < flex.storage::<f32>().len()).then_some(Self { flex, dims, strides })
    }

    /// The storage index of the first element of row `row` (row-major over all axes but the
    /// last).
    fn row_start(&self, mut row: usize) -> isize {
        let mut at = self.flex.layout().start_offset() as isize;
        for axis in (0..self.dims.len().saturating_sub(1)).rev() {
            at += (row % self.dims[axis]) as isize * self.strides[axis];
            row /= self.dims[axis];
        }
        at
    }

    /// The values of row `row` along the last axis into `out` (`len` of the last axis).
    fn read_row(&self, row: usize, out: &mut [f32]) {
        let data = self.flex.storage::<f32>();
        let start = self.row_start(row);
        match self.strides.last().copied().unwrap_or(1) {
            1 => out.copy_from_slice(&data[start as usize..start as usize + out.len()]),
            0 => out.fill(data[start as usize]),
            step => {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = data[(start + k as isize * step) as usize];
                }
            }
        }
    }
}

/// `a + b` for two host tensors of one shape, in parallel.
pub(crate) fn sum<B: Backend>(a: &FloatTensor<B>, b: &FloatTensor<B>) -> Option<FloatTensor<B>> {
    let dims = a.shape().to_vec();
    if b.shape().to_vec() != dims {
        return None;
    }
    let (x, y) = (HostValues::of::<B>(a)?, HostValues::of::<B>(b)?);
    Some(tensor::<B>(kernels::sum(x.values(), y.values())?, &dims, a))
}

/// `a += b` in place for two host tensors of one shape, in parallel, where `a` is a plain Flex
/// tensor that owns its contiguous values alone; `false`, touching nothing, otherwise.
pub(crate) fn add_assign<B: Backend>(a: &mut FloatTensor<B>, b: &FloatTensor<B>) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    let Some(src) = HostValues::of::<B>(b) else { return false };
    let any: &mut dyn Any = a;
    let Some(flex) = any.downcast_mut::<FlexTensor>() else { return false };
    let layout = flex.layout();
    let n = layout.num_elements();
    if flex.dtype() != DType::F32 || !layout.is_contiguous() || layout.start_offset() != 0 {
        return false;
    }
    match flex.try_storage_mut::<f32>() {
        Some(dst) if dst.len() >= n => kernels::add_assign(&mut dst[..n], src.values()),
        _ => false,
    }
}

/// `f(x)` elementwise on a host tensor, in parallel.
pub(crate) fn map<B: Backend>(x: &FloatTensor<B>, f: impl Fn(f32) -> f32 + Sync + Send) -> Option<FloatTensor<B>> {
    let values = HostValues::of::<B>(x)?;
    Some(tensor::<B>(kernels::map(values.values(), f), &x.shape().to_vec(), x))
}

/// The sum over the last axis of a host tensor (of rank ≥ 2, any layout), divided by
/// `divisor`: shape `dims[..rank − 1]`.
pub(crate) fn sum_last_axis<B: Backend>(x: &FloatTensor<B>, divisor: f32) -> Option<FloatTensor<B>> {
    let view = HostView::of::<B>(x)?;
    let (last, lead) = view.dims.split_last()?;
    let rows: usize = lead.iter().product();
    if lead.is_empty() {
        return None;
    }
    const ROWS: usize = 16;
    let values = build_chunks(rows, ROWS, || vec![0f32; *last], |buf, i, out| {
        for (k, o) in out.iter_mut().enumerate() {
            view.read_row(i * ROWS + k, buf);
            *o = buf.iter().sum::<f32>() / divisor;
        }
    });
    Some(tensor::<B>(values, lead, x))
}

/// The gradient of a slice: `g` (any layout) written at `ranges` (`(start, end, step)` per axis)
/// of a zero tensor of `dims`, in parallel.
pub(crate) fn unslice<B: Backend>(g: &FloatTensor<B>, dims: &[usize], ranges: &[(usize, usize, usize)]) -> Option<FloatTensor<B>> {
    let view = HostView::of::<B>(g)?;
    let (&width, lead) = dims.split_last()?;
    if ranges.len() != dims.len() || view.dims.len() != dims.len() || lead.is_empty() {
        return None;
    }
    // The slice of each axis covers `count` indices `start, start + step, …` below `dims`.
    let count = |&(s, e, st): &(usize, usize, usize)| if st == 0 || e <= s { 0 } else { (e - s).div_ceil(st) };
    for (axis, r) in ranges.iter().enumerate() {
        if count(r) != view.dims[axis] || (count(r) > 0 && r.0 + (count(r) - 1) * r.2 >= dims[axis]) {
            return None;
        }
    }
    let (s_last, _, st_last) = ranges[ranges.len() - 1];
    let values = build_chunks(dims.iter().product(), width, || vec![0f32; view.dims[dims.len() - 1]], |buf, row, out| {
        // The source row of output row `row`, if it lies in the slice on every leading axis.
        let (mut rest, mut src, mut stride) = (row, 0, 1);
        for axis in (0..lead.len()).rev() {
            let i = rest % dims[axis];
            rest /= dims[axis];
            let (s, _, st) = ranges[axis];
            if i < s || !(i - s).is_multiple_of(st) || (i - s) / st >= view.dims[axis] {
                return;
            }
            src += (i - s) / st * stride;
            stride *= view.dims[axis];
        }
        view.read_row(src, buf);
        for (k, &v) in buf.iter().enumerate() {
            out[s_last + k * st_last] = v;
        }
    });
    Some(tensor::<B>(values, dims, g))
}

/// A 1-D max-pool of a host tensor `(batch, channels, len)`, in parallel.
pub(crate) fn max_pool1d<B: Backend>(pool: &MaxPool1d, x: &FloatTensor<B>) -> Option<FloatTensor<B>> {
    let dims = x.shape().to_vec();
    let &[batch, channels, len] = dims.as_slice() else { return None };
    let values = HostValues::of::<B>(x)?;
    let y = kernels::max_pool1d(pool, values.values(), batch * channels, len)?;
    Some(tensor::<B>(y, &[batch, channels, kernels::pooled_len(pool, len)], x))
}
