//! DeepLIFT multipliers of one op, computed directly (a vector–Jacobian product for linear ops,
//! the rule for nonlinear ones) for [`Graph::deep_lift_pairs`](crate::Graph::deep_lift_pairs).
//!
//! The forward pass runs on `[examples; references]` (`u + b` rows, every example once); the
//! backward pass runs on `b` rows, one per pair `(example_of[p], reference p)`. Linear ops map the
//! gradient of each half by their transpose; the rescale rule reads the example's and the
//! reference's activations; the max-pool rule also needs the reference half's gradient, which is
//! carried only as long as a max-pool lies further down (DESIGN §4).

use burn::tensor::ops::{FloatTensor, IntTensor};
use burn::tensor::{DType, Shape, Slice, Tensor, TensorMetadata, TensorPrimitive, backend::Backend};
use motiflift_kernels::deeplift::MaxPool1d;
use motiflift_kernels::deeplift::rules::{max_pool_rule, rescale_multipliers};

use super::elementwise::to_float;
use super::shape::{norm_axis, slice_ranges};
use super::{BinaryOp, Op, OpResult, ReduceOp};
use super::host::HostValues;
use crate::value::{Value, with_rank};

/// The gradient reaching a value: per pair for the input half, and for the reference half while
/// a rule that mixes the halves (max-pool) is still to come.
#[derive(Debug, Clone)]
pub(crate) struct Grad<B: Backend> {
    pub(crate) x: FloatTensor<B>,
    pub(crate) r: Option<FloatTensor<B>>,
}

impl<B: Backend> Grad<B> {
    /// Applies the same linear map to both halves.
    fn map(self, f: impl Fn(FloatTensor<B>) -> OpResult<FloatTensor<B>>) -> OpResult<Self> {
        Ok(Self { x: f(self.x)?, r: self.r.map(&f).transpose()? })
    }

    /// The sum of two gradients of the same value (the reference half kept only if both have it).
    pub(crate) fn add(self, other: Self) -> Self {
        // In place in whichever operand owns its values alone (a gradient just computed).
        let add = |mut a: FloatTensor<B>, mut b: FloatTensor<B>| {
            if super::host::add_assign::<B>(&mut a, &b) {
                a
            } else if super::host::add_assign::<B>(&mut b, &a) {
                b
            } else {
                super::host::sum::<B>(&a, &b).unwrap_or_else(|| B::float_add(a, b))
            }
        };
        let r = match (self.r, other.r) {
            (Some(a), Some(b)) => Some(add(a, b)),
            _ => None,
        };
        Self { x: add(self.x, other.x), r }
    }
}

/// How the rows of the backward pass relate to those of the forward pass.
#[derive(Debug, Clone)]
pub(crate) struct Pairing<B: Backend> {
    /// Distinct examples (the first `examples` forward rows).
    pub(crate) examples: usize,
    /// Pairs (the backward rows; the last `pairs` forward rows are their references).
    pub(crate) pairs: usize,
    /// The example (forward row) of each pair, `(pairs,)`.
    pub(crate) example_of: IntTensor<B>,
    /// The same, on the host.
    pub(crate) example_rows: Vec<usize>,
    /// Whether tensors live in host memory (rules then run as fused loops over it).
    pub(crate) host: bool,
}

/// What the backward step of a node needs from its forward evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Tape<B: Backend> {
    /// Input shapes (forward rows on axis 0).
    dims: Vec<Vec<usize>>,
    /// The input of a rule op, or the constant operand of a product/quotient.
    saved: Option<FloatTensor<B>>,
    /// The output of an activation.
    output: Option<FloatTensor<B>>,
    /// `(start, end, step)` per axis of a slice, or `(before, before + len, 1)` of a pad.
    ranges: Vec<(usize, usize, usize)>,
    /// Gather indices (non-negative).
    index: Vec<i64>,
}

/// Whether the op has a direct backward step here (else the autodiff path is used).
pub(crate) fn supported<B: Backend>(op: &Op<B>) -> bool {
    matches!(
        op,
        Op::Conv1d(_)
            | Op::Linear(_)
            | Op::Binary(_)
            | Op::Scalar { .. }
            | Op::Neg
            | Op::Activation(_)
            | Op::MaxPool1d(_)
            | Op::BatchNorm(_)
            | Op::Reduce { .. }
            | Op::Slice { .. }
            | Op::Pad { .. }
            | Op::Reshape { .. }
            | Op::Flatten { .. }
            | Op::Squeeze { .. }
            | Op::Unsqueeze { .. }
            | Op::Transpose { .. }
            | Op::Concat { .. }
            | Op::Gather { .. }
            | Op::Shape { .. }
            | Op::Identity
    )
}

/// Whether the op mixes the two halves in its rule (needs the reference half's gradient).
pub(crate) fn mixes_halves<B: Backend>(op: &Op<B>) -> bool {
    matches!(op, Op::MaxPool1d(_))
}

fn float_dims<B: Backend>(t: &FloatTensor<B>) -> Vec<usize> {
    t.shape().to_vec()
}

fn reshape<B: Backend>(t: FloatTensor<B>, dims: &[usize]) -> FloatTensor<B> {
    if float_dims::<B>(&t) == dims {
        return t;
    }
    B::float_reshape(t, Shape::from(dims.to_vec()))
}

fn zeros<B: Backend>(dims: &[usize], like: &FloatTensor<B>) -> FloatTensor<B> {
    let device = B::float_device(like);
    let data = burn::tensor::TensorData::zeros::<f32, _>(dims.to_vec());
    B::float_from_data(data.convert_dtype(DType::F32), &device)
}

/// `dims` with the forward batch replaced by the backward one.
fn with_rows(dims: &[usize], rows: usize) -> Vec<usize> {
    let mut d = dims.to_vec();
    if let Some(first) = d.first_mut() {
        *first = rows;
    }
    d
}

/// Sums `g` (of the broadcast output shape) down to `dims` (numpy broadcasting).
fn unbroadcast<B: Backend>(g: FloatTensor<B>, dims: &[usize]) -> FloatTensor<B> {
    let out = float_dims::<B>(&g);
    let lifted = [vec![1; out.len().saturating_sub(dims.len())], dims.to_vec()].concat();
    let mut t = g;
    for (axis, (&o, &i)) in out.iter().zip(&lifted).enumerate() {
        if i == 1 && o != 1 {
            t = B::float_sum_dim(t, axis);
        }
    }
    reshape::<B>(t, dims)
}

fn typed<B: Backend, const D: usize>(t: FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

fn prim<B: Backend, const D: usize>(t: Tensor<B, D>) -> FloatTensor<B> {
    t.into_primitive().tensor()
}

/// The example rows of a forward tensor, one per pair, then its reference rows.
fn split_rows<B: Backend>(t: FloatTensor<B>, pairing: &Pairing<B>) -> (FloatTensor<B>, FloatTensor<B>) {
    let dims = float_dims::<B>(&t);
    let mut slices: Vec<Slice> = dims.iter().map(|&d| Slice::new(0, Some(d as isize), 1)).collect();
    slices[0] = Slice::new(pairing.examples as isize, Some((pairing.examples + pairing.pairs) as isize), 1);
    let refs = B::float_slice(t.clone(), &slices);
    let ex = B::float_select(t, 0, pairing.example_of.clone());
    (ex, refs)
}

impl<B: Backend> Tape<B> {
    /// Keeps the output of an activation (the rescale rule's `v`).
    pub(crate) fn set_output(&mut self, op: &Op<B>, output: &crate::value::DynTensor<B>) {
        if matches!(op, Op::Activation(_)) {
            self.output = Some(output.0.clone());
        }
    }
}

/// The rescale rule as one fused loop over host memory, or `None` when the activation has no
/// scalar derivative there.
fn rescale_on_host<B: Backend>(
    act: &motiflift_kernels::deeplift::Activation,
    input: FloatTensor<B>,
    output: FloatTensor<B>,
    g: Grad<B>,
    pairing: &Pairing<B>,
) -> OpResult<Option<Grad<B>>> {
    use motiflift_kernels::deeplift::host::PairedActivations;
    if act.derivative_at(0.5).is_none() {
        return Ok(None);
    }
    let dims = float_dims::<B>(&g.x);
    let width: usize = dims[1..].iter().product();
    let device = B::float_device(&g.x);
    let (Some(u), Some(v)) = (HostValues::of::<B>(&input), HostValues::of::<B>(&output)) else {
        return Ok(None);
    };
    let Some(hx) = HostValues::of::<B>(&g.x) else { return Ok(None) };
    let hr = match &g.r {
        Some(r) => Some(HostValues::of::<B>(r).ok_or("reference gradient not on the host")?),
        None => None,
    };
    let acts = PairedActivations { u: u.values(), v: v.values(), width, examples: pairing.examples, example_of: &pairing.example_rows };
    let Some((gx, gr)) = acts.rescaled(act, hx.values(), hr.as_ref().map(HostValues::values)) else {
        return Ok(None);
    };
    let back = |values: Vec<f32>| crate::value::DynTensor::<B>::from_f32(values, &dims, &device).0;
    Ok(Some(Grad { x: back(gx), r: gr.map(back) }))
}

/// The max-pool rule as one parallel loop over host memory, or `None` where it does not apply.
fn max_pool_on_host<B: Backend>(pool: &MaxPool1d, input: &FloatTensor<B>, g: &Grad<B>, pairing: &Pairing<B>) -> Option<FloatTensor<B>> {
    use motiflift_kernels::deeplift::host::{PairedActivations, max_pool_multipliers};
    let dims = float_dims::<B>(input);
    let &[_, channels, len] = dims.as_slice() else { return None };
    let u = HostValues::of::<B>(input)?;
    let gx = HostValues::of::<B>(&g.x)?;
    let gr = match &g.r {
        Some(r) => Some(HostValues::of::<B>(r)?),
        None => None,
    };
    let width = channels * len;
    let acts = PairedActivations { u: u.values(), v: &[], width, examples: pairing.examples, example_of: &pairing.example_rows };
    let m = max_pool_multipliers(pool, &acts, channels, gx.values(), gr.as_ref().map(HostValues::values))?;
    Some(crate::value::DynTensor::<B>::from_f32(m, &[pairing.pairs, channels, len], &B::float_device(input)).0)
}

impl<B: Backend> Op<B> {
    /// What the backward step will need, read from the node's inputs before it runs. `deps` says
    /// which inputs depend on the model input.
    pub(crate) fn record(&self, inputs: &[Value<B>], deps: &[bool], device: &B::Device) -> OpResult<Tape<B>> {
        let dims: Vec<Vec<usize>> = inputs.iter().map(Value::dims).collect();
        let mut tape = Tape { dims, saved: None, output: None, ranges: Vec::new(), index: Vec::new() };
        let float_input = |k: usize| match inputs.get(k) {
            Some(Value::Float(t)) => Ok(t.0.clone()),
            _ => Err(format!("input {k} must be a float tensor")),
        };
        match self {
            Op::Activation(_) | Op::MaxPool1d(_) => tape.saved = Some(float_input(0)?),
            Op::Binary(BinaryOp::Mul | BinaryOp::Div) => {
                let constant = deps.iter().position(|d| !d).unwrap_or(1);
                let v = inputs.get(constant).ok_or("a product needs two inputs")?;
                tape.saved = Some(to_float(v, device).0);
            }
            Op::Slice { starts, ends, axes, steps } => {
                let starts = starts.resolve(inputs)?;
                let ends = ends.resolve(inputs)?;
                let axes = axes.as_ref().map(|a| a.resolve(inputs)).transpose()?;
                let steps = steps.as_ref().map(|a| a.resolve(inputs)).transpose()?;
                tape.ranges =
                    slice_ranges(&tape.dims[0], &starts, &ends, axes.as_deref(), steps.as_deref())?;
            }
            Op::Pad { pads, .. } => {
                tape.ranges = tape.dims[0]
                    .iter()
                    .enumerate()
                    .map(|(axis, &n)| {
                        let before = pads.get(axis).map_or(0, |p| p.0);
                        (before, before + n, 1)
                    })
                    .collect();
            }
            Op::Gather { axis, indices, .. } => {
                let n = *tape.dims[0].get(*axis).ok_or("gather axis out of range")? as i64;
                tape.index = indices.resolve(inputs)?.iter().map(|&i| if i < 0 { i + n } else { i }).collect();
            }
            _ => {}
        }
        Ok(tape)
    }

    /// The gradients of the inputs (`None` for those that do not depend on the model input)
    /// from those of the outputs. An error means the pass cannot be done directly here.
    pub(crate) fn vjp(
        &self,
        tape: Tape<B>,
        outputs: Vec<Option<Grad<B>>>,
        deps: &[bool],
        pairing: &Pairing<B>,
    ) -> OpResult<Vec<Option<Grad<B>>>> {
        let rows = pairing.pairs;
        let mut none: Vec<Option<Grad<B>>> = vec![None; deps.len()];
        let Some(g) = outputs.into_iter().next().flatten() else { return Ok(none) };
        let in_dims = |k: usize| with_rows(&tape.dims[k], rows);
        let only = |g: Grad<B>| {
            let mut v: Vec<Option<Grad<B>>> = vec![None; deps.len()];
            if let Some(slot) = v.first_mut() {
                *slot = Some(g);
            }
            v
        };
        match self {
            Op::Identity => Ok(only(g)),
            Op::Shape { .. } => Ok(none),
            Op::Neg => Ok(only(g.map(|t| Ok(B::float_neg(t)))?)),
            Op::Scalar { op, value, scalar_first } => {
                let v = *value as f32;
                let g = match (op, scalar_first) {
                    (BinaryOp::Add, _) | (BinaryOp::Sub, false) => g,
                    (BinaryOp::Sub, true) => g.map(|t| Ok(B::float_neg(t)))?,
                    (BinaryOp::Mul, _) => g.map(|t| Ok(B::float_mul_scalar(t, v.into())))?,
                    (BinaryOp::Div, false) => g.map(|t| Ok(B::float_div_scalar(t, v.into())))?,
                    (BinaryOp::Div, true) => return Err("reciprocal has no direct rule".into()),
                };
                Ok(only(g))
            }
            Op::Binary(op) => {
                for (k, slot) in none.iter_mut().enumerate() {
                    if !deps[k] {
                        continue;
                    }
                    let target = in_dims(k);
                    let gk = match op {
                        BinaryOp::Add => g.clone(),
                        BinaryOp::Sub if k == 0 => g.clone(),
                        BinaryOp::Sub => g.clone().map(|t| Ok(B::float_neg(t)))?,
                        BinaryOp::Mul | BinaryOp::Div => {
                            let other = tape.saved.clone().ok_or("no constant operand was kept")?;
                            if *op == BinaryOp::Div && k == 1 {
                                return Err("division by an input-dependent tensor".into());
                            }
                            g.clone().map(|t| {
                                let out = float_dims::<B>(&t);
                                let od = float_dims::<B>(&other);
                                let lifted = [vec![1; out.len().saturating_sub(od.len())], od].concat();
                                let c = reshape::<B>(other.clone(), &lifted);
                                Ok(if *op == BinaryOp::Mul { B::float_mul(t, c) } else { B::float_div(t, c) })
                            })?
                        }
                    };
                    *slot = Some(gk.map(|t| Ok(unbroadcast::<B>(t, &target)))?);
                }
                Ok(none)
            }
            Op::Conv1d(c) => {
                let len = in_dims(0)[2];
                Ok(only(g.map(|t| Ok(prim(c.input_grad(typed::<B, 3>(t), len)?)))?))
            }
            Op::Linear(l) => {
                let target = in_dims(0);
                let (inf, outf) = (l.in_features(), l.out_features());
                let wt = l.weight.clone().transpose();
                let g = g.map(|t| {
                    let n = float_dims::<B>(&t).iter().product::<usize>() / outf.max(1);
                    let t2 = typed::<B, 2>(reshape::<B>(t, &[n, outf]));
                    Ok(reshape::<B>(prim(t2.matmul(wt.clone())), &[target[..target.len() - 1].to_vec(), vec![inf]].concat()))
                })?;
                Ok(only(g))
            }
            Op::BatchNorm(bn) => {
                let target = in_dims(0);
                let mut bshape = vec![1; target.len()];
                bshape[1] = bn.channels();
                let scale = reshape::<B>(prim(bn.scale.clone()), &bshape);
                Ok(only(g.map(|t| Ok(B::float_mul(t, scale.clone())))?))
            }
            Op::Reduce { op, axes, keepdims: _ } => {
                let target = in_dims(0);
                let mut axes: Vec<usize> = if axes.is_empty() {
                    (0..target.len()).collect()
                } else {
                    axes.iter().map(|&a| norm_axis(a, target.len())).collect::<OpResult<_>>()?
                };
                axes.sort_unstable();
                axes.dedup();
                if axes.contains(&0) {
                    return Err("a reduction over the batch axis".into());
                }
                let kept: Vec<usize> =
                    target.iter().enumerate().map(|(i, &d)| if axes.contains(&i) { 1 } else { d }).collect();
                let count: usize = axes.iter().map(|&a| target[a]).product();
                // Scaled before it is broadcast (a view), so the scaling touches one value per row.
                let g = g.map(|t| {
                    let t = reshape::<B>(t, &kept);
                    let t = match op {
                        ReduceOp::Mean => B::float_div_scalar(t, (count.max(1) as f32).into()),
                        ReduceOp::Sum => t,
                    };
                    Ok(B::float_expand(t, Shape::from(target.clone())))
                })?;
                Ok(only(g))
            }
            Op::Slice { .. } => {
                let target = in_dims(0);
                if tape.ranges.first().is_some_and(|&(s, e, st)| s != 0 || e != tape.dims[0][0] || st != 1) {
                    return Err("a slice of the batch axis".into());
                }
                let slices: Vec<Slice> = tape
                    .ranges
                    .iter()
                    .enumerate()
                    .map(|(i, &(s, e, st))| if i == 0 { Slice::new(0, Some(rows as isize), 1) } else { Slice::new(s as isize, Some(e as isize), st as isize) })
                    .collect();
                Ok(only(g.map(|t| {
                    let mut ranges = tape.ranges.clone();
                    if let Some(first) = ranges.first_mut() {
                        *first = (0, rows, 1);
                    }
                    Ok(match super::host::unslice::<B>(&t, &target, &ranges) {
                        Some(t) => t,
                        None => B::float_slice_assign(zeros::<B>(&target, &t), &slices, t),
                    })
                })?))
            }
            Op::Pad { pads, .. } => {
                if pads.first().is_some_and(|&(a, b)| a + b > 0) {
                    return Err("padding of the batch axis".into());
                }
                let slices: Vec<Slice> = tape
                    .ranges
                    .iter()
                    .enumerate()
                    .map(|(i, &(s, e, _))| if i == 0 { Slice::new(0, Some(rows as isize), 1) } else { Slice::new(s as isize, Some(e as isize), 1) })
                    .collect();
                Ok(only(g.map(|t| Ok(B::float_slice(t, &slices)))?))
            }
            Op::Reshape { .. } | Op::Flatten { .. } | Op::Squeeze { .. } | Op::Unsqueeze { .. } => {
                let target = in_dims(0);
                Ok(only(g.map(|t| Ok(reshape::<B>(t, &target)))?))
            }
            Op::Transpose { perm } => {
                if perm.first() != Some(&0) {
                    return Err("a transpose that moves the batch axis".into());
                }
                let mut inverse = vec![0; perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    inverse[p] = i;
                }
                Ok(only(g.map(|t| Ok(B::float_permute(t, &inverse)))?))
            }
            Op::Concat { axis } => {
                let rank = tape.dims.first().map_or(1, Vec::len);
                let axis = norm_axis(*axis, rank)?;
                if axis == 0 {
                    return Err("a concatenation along the batch axis".into());
                }
                let mut start = 0;
                for (k, slot) in none.iter_mut().enumerate() {
                    let width = tape.dims[k].get(axis).copied().unwrap_or(1);
                    if deps[k] {
                        let piece = g.clone().map(|t| {
                            let mut slices: Vec<Slice> =
                                float_dims::<B>(&t).iter().map(|&d| Slice::new(0, Some(d as isize), 1)).collect();
                            slices[axis] = Slice::new(start as isize, Some((start + width) as isize), 1);
                            Ok(B::float_slice(t, &slices))
                        })?;
                        *slot = Some(piece);
                    }
                    start += width;
                }
                Ok(none)
            }
            Op::Gather { axis, scalar, .. } => {
                if *axis == 0 {
                    return Err("a gather along the batch axis".into());
                }
                let target = in_dims(0);
                let device = B::float_device(&g.x);
                let index = Tensor::<B, 1, burn::tensor::Int>::from_data(
                    burn::tensor::TensorData::new(tape.index.clone(), [tape.index.len()]),
                    &device,
                )
                .into_primitive();
                let g = g.map(|t| {
                    let t = if *scalar {
                        let mut d = target.clone();
                        d[*axis] = 1;
                        reshape::<B>(t, &d)
                    } else {
                        t
                    };
                    Ok(B::float_select_add(zeros::<B>(&target, &t), *axis, index.clone(), t))
                })?;
                Ok(only(g))
            }
            Op::Activation(act) => {
                let input = tape.saved.ok_or("the activation input was not kept")?;
                if let (true, Some(output)) = (pairing.host, tape.output)
                    && let Some(g) = rescale_on_host(act, input.clone(), output, g.clone(), pairing)?
                {
                    return Ok(only(g));
                }
                let (ux, ur) = split_rows::<B>(input, pairing);
                let rank = float_dims::<B>(&ux).len();
                let (mx, mr) = with_rank!(rank, D => {
                    let u_pair = Tensor::cat(vec![typed::<B, D>(ux), typed::<B, D>(ur)], 0);
                    let v_pair = act.forward(u_pair.clone());
                    let m = rescale_multipliers(act, u_pair, v_pair);
                    (prim(m.clone().narrow(0, 0, rows)), prim(m.narrow(0, rows, rows)))
                }, return Err(format!("rank {rank} activations are not supported")));
                let x = B::float_mul(g.x, mx);
                let r = g.r.map(|r| B::float_mul(r, mr));
                Ok(only(Grad { x, r }))
            }
            Op::MaxPool1d(pool) => {
                let input = tape.saved.ok_or("the max-pool input was not kept")?;
                if pairing.host && let Some(m) = max_pool_on_host(pool, &input, &g, pairing) {
                    return Ok(only(Grad { x: m.clone(), r: Some(m) }));
                }
                let (ux, ur) = split_rows::<B>(input, pairing);
                let u_pair = Tensor::cat(vec![typed::<B, 3>(ux), typed::<B, 3>(ur)], 0);
                let (_, rule) = max_pool_rule(pool, u_pair);
                let gx = typed::<B, 3>(g.x);
                let gr = g.r.map_or_else(|| gx.clone(), typed::<B, 3>);
                let m = prim(rule.multipliers(gx, gr));
                Ok(only(Grad { x: m.clone(), r: Some(m) }))
            }
            other => Err(format!("{} has no direct backward step", other.name())),
        }
    }
}
