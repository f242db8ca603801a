//! The closed set of graph ops (DESIGN §3), one file per family. Every op is either linear (Burn's
//! autodiff differentiates it) or hands its nonlinearity to a
//! [`Nonlinear`](motiflift_kernels::deeplift::Nonlinear) implementation, which decides the
//! DeepLIFT rule; the few that are neither are flagged by [`Op::attribution`].

mod conv;
mod host;
mod elementwise;
mod linear;
mod nonlinear;
mod norm;
mod reduce;
mod shape;
pub(crate) mod vjp;

pub use conv::{Conv1d, ConvPadding, ConvTranspose1d};
pub use elementwise::BinaryOp;
pub use linear::Linear;
pub use nonlinear::AvgPool1d;
pub use norm::BatchNorm;
pub use reduce::ReduceOp;

use burn::tensor::backend::Backend;
use motiflift_kernels::deeplift::{Activation, MaxPool1d, Nonlinear, Plain};

use crate::value::{Ints, Value};

/// Result of an op: the reason goes into [`Error::Eval`](crate::Error::Eval) with the node name.
pub(crate) type OpResult<T> = std::result::Result<T, String>;

/// Whether `device`'s tensors live in host memory (Burn's CPU backends, with or without
/// autodiff), so that kernels may run on their data directly where no gradient is tracked.
pub(crate) fn on_host<B: Backend>(device: &B::Device) -> bool {
    let name = B::name(device);
    name.contains("flex") || name.contains("ndarray")
}

/// An integer parameter (axes, starts, a shape): fixed when the graph is built, or read at run
/// time from one of the node's inputs (ONNX shape arithmetic).
///
/// ```
/// use motiflift_models::ops::IntsArg;
/// let a = IntsArg::Static(vec![0, 2]);
/// assert_ne!(a, IntsArg::Input(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntsArg {
    /// Known when the graph is built.
    Static(Vec<i64>),
    /// The integer value of the node input with this index.
    Input(usize),
}

impl IntsArg {
    /// The integers, reading `inputs` when they are a run-time input.
    pub(crate) fn resolve<B: Backend>(&self, inputs: &[Value<B>]) -> OpResult<Vec<i64>> {
        match self {
            IntsArg::Static(v) => Ok(v.clone()),
            IntsArg::Input(k) => match inputs.get(*k) {
                Some(Value::Ints(i)) => Ok(i.values.clone()),
                Some(other) => Err(format!(
                    "input {k} must be an integer tensor (shape arithmetic), got a {}",
                    other.describe()
                )),
                None => Err(format!("input {k} is missing")),
            },
        }
    }
}

/// How an op is treated by DeepLIFT (ALGORITHMS §4.4).
///
/// ```
/// use motiflift_models::ops::Attribution;
/// assert_eq!(Attribution::Linear, Attribution::Linear);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// Linear (or affine) in its input-dependent operands: ordinary gradients are exact.
    Linear,
    /// Nonlinear, with the named DeepLIFT rule.
    Rule(&'static str),
    /// Nonlinear without a rule: the graph cannot be attributed (the reason says why).
    NoRule(String),
}

/// One graph op. Weights are stored on the op as plain (non-tracked) tensors.
///
/// ```
/// use burn::backend::Flex;
/// use motiflift_models::ops::{Attribution, Op};
/// use motiflift_kernels::deeplift::Activation;
///
/// let op: Op<Flex> = Op::Activation(Activation::Relu);
/// assert_eq!(op.name(), "Relu");
/// assert_eq!(op.attribution(&[true]), Attribution::Rule("rescale"));
/// ```
#[derive(Debug, Clone)]
pub enum Op<B: Backend> {
    /// 1-D convolution with constant weights (`Conv1d`; ONNX `Conv` on 3-D input).
    Conv1d(Conv1d<B>),
    /// 1-D transposed convolution with constant weights.
    ConvTranspose1d(ConvTranspose1d<B>),
    /// `x·W + b` over the last axis with constant weights (`Linear`; ONNX `Gemm`, `MatMul`).
    Linear(Linear<B>),
    /// Matrix product of two computed tensors (numpy `matmul` semantics).
    MatMul,
    /// Elementwise op of two values, numpy broadcasting.
    Binary(BinaryOp),
    /// Elementwise op with a constant scalar: `x ∘ value`, or `value ∘ x` when `scalar_first`.
    Scalar {
        /// The operation.
        op: BinaryOp,
        /// The constant.
        value: f64,
        /// Whether the constant is the left operand.
        scalar_first: bool,
    },
    /// Negation.
    Neg,
    /// An elementwise activation (rescale rule); `Exp` and `Log` included.
    Activation(Activation),
    /// Max-pool over the last axis of a 3-D tensor (max-pool rule).
    MaxPool1d(MaxPool1d),
    /// Average pool over the last axis of a 3-D tensor.
    AvgPool1d(AvgPool1d),
    /// Softmax along `axis` (softmax rule).
    Softmax {
        /// The axis (never 0, the batch axis).
        axis: usize,
    },
    /// Log-softmax along `axis`: softmax, then the `Log` activation.
    LogSoftmax {
        /// The axis.
        axis: usize,
    },
    /// Batch normalisation in eval form (a per-channel affine map on axis 1).
    BatchNorm(BatchNorm<B>),
    /// Mean or sum over `axes` (all axes when empty).
    Reduce {
        /// Mean or sum.
        op: ReduceOp,
        /// The reduced axes (negative counts from the end).
        axes: Vec<i64>,
        /// Whether reduced axes are kept with size 1.
        keepdims: bool,
    },
    /// ONNX `Slice` (starts/ends clamped, negative indices from the end, positive steps).
    Slice {
        /// Start index per axis.
        starts: IntsArg,
        /// End index (exclusive) per axis.
        ends: IntsArg,
        /// The axes (all leading axes when absent).
        axes: Option<IntsArg>,
        /// Steps (1 when absent).
        steps: Option<IntsArg>,
    },
    /// Constant padding: `(before, after)` per axis, leading axes first.
    Pad {
        /// Padding per axis.
        pads: Vec<(usize, usize)>,
        /// The fill value.
        value: f32,
    },
    /// Reshape (ONNX semantics: `0` copies the input dim unless `allowzero`, `-1` is inferred).
    Reshape {
        /// The target shape.
        shape: IntsArg,
        /// Whether `0` means an empty axis.
        allowzero: bool,
    },
    /// Flatten to 2-D: axes before `axis` and from `axis` on.
    Flatten {
        /// The split point.
        axis: usize,
    },
    /// Remove size-1 axes (all of them when `axes` is absent).
    Squeeze {
        /// The axes to remove.
        axes: Option<IntsArg>,
    },
    /// Insert size-1 axes at the given output positions.
    Unsqueeze {
        /// Positions in the output.
        axes: IntsArg,
    },
    /// Permute axes.
    Transpose {
        /// The permutation.
        perm: Vec<usize>,
    },
    /// Concatenate all inputs along `axis` (negative counts from the end).
    Concat {
        /// The axis.
        axis: i64,
    },
    /// Split along `axis` into pieces of the given sizes (one output each).
    Split {
        /// The axis.
        axis: usize,
        /// The size of each piece.
        sizes: Vec<usize>,
    },
    /// Broadcast to a shape (numpy rules, ONNX `Expand`).
    Expand {
        /// The target shape.
        shape: IntsArg,
    },
    /// The shape of the input, axes `start..end` (ONNX `Shape`).
    Shape {
        /// First axis.
        start: usize,
        /// One past the last axis.
        end: usize,
    },
    /// Select entries along `axis` with constant or computed integer indices (ONNX `Gather`).
    Gather {
        /// The axis.
        axis: usize,
        /// The indices; a rank-0 index removes the axis.
        indices: IntsArg,
        /// Whether `indices` is a scalar (rank 0).
        scalar: bool,
    },
    /// A float tensor of `shape` filled with `value` (ONNX `ConstantOfShape`).
    ConstantOfShape {
        /// The shape.
        shape: IntsArg,
        /// The fill value.
        value: f32,
    },
    /// Integers to float (ONNX `Cast` of a shape); float to float is [`Op::Identity`].
    IntsToFloat,
    /// Pass-through (Dropout in eval mode, Identity, float-to-float Cast).
    Identity,
}

impl<B: Backend> Op<B> {
    /// The op name used in messages (ONNX spelling where one exists).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::ops::Op;
    /// assert_eq!(Op::<Flex>::Identity.name(), "Identity");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Op::Conv1d(_) => "Conv1d",
            Op::ConvTranspose1d(_) => "ConvTranspose1d",
            Op::Linear(_) => "Linear",
            Op::MatMul => "MatMul",
            Op::Binary(op) | Op::Scalar { op, .. } => op.name(),
            Op::Neg => "Neg",
            Op::Activation(a) => nonlinear::activation_name(a),
            Op::MaxPool1d(_) => "MaxPool1d",
            Op::AvgPool1d(_) => "AvgPool1d",
            Op::Softmax { .. } => "Softmax",
            Op::LogSoftmax { .. } => "LogSoftmax",
            Op::BatchNorm(_) => "BatchNormalization",
            Op::Reduce { op, .. } => op.name(),
            Op::Slice { .. } => "Slice",
            Op::Pad { .. } => "Pad",
            Op::Reshape { .. } => "Reshape",
            Op::Flatten { .. } => "Flatten",
            Op::Squeeze { .. } => "Squeeze",
            Op::Unsqueeze { .. } => "Unsqueeze",
            Op::Transpose { .. } => "Transpose",
            Op::Concat { .. } => "Concat",
            Op::Split { .. } => "Split",
            Op::Expand { .. } => "Expand",
            Op::Shape { .. } => "Shape",
            Op::Gather { .. } => "Gather",
            Op::ConstantOfShape { .. } => "ConstantOfShape",
            Op::IntsToFloat => "Cast",
            Op::Identity => "Identity",
        }
    }

    /// How DeepLIFT treats this op, given which of its inputs depend on the model input.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::ops::{Attribution, BinaryOp, Op};
    /// let mul: Op<Flex> = Op::Binary(BinaryOp::Mul);
    /// assert_eq!(mul.attribution(&[true, false]), Attribution::Linear);
    /// assert!(matches!(mul.attribution(&[true, true]), Attribution::NoRule(_)));
    /// ```
    pub fn attribution(&self, dependent: &[bool]) -> Attribution {
        let dep = |k: usize| dependent.get(k).copied().unwrap_or(false);
        match self {
            Op::Activation(_) => Attribution::Rule("rescale"),
            Op::MaxPool1d(_) => Attribution::Rule("max-pool"),
            Op::Softmax { .. } => Attribution::Rule("softmax"),
            Op::LogSoftmax { .. } => Attribution::Rule("softmax, then rescale for the log"),
            Op::Binary(BinaryOp::Mul) if dep(0) && dep(1) => Attribution::NoRule(
                "product of two input-dependent tensors (no bilinear rule)".into(),
            ),
            Op::Binary(BinaryOp::Div) if dep(1) => {
                Attribution::NoRule("division by an input-dependent tensor".into())
            }
            Op::Scalar {
                op: BinaryOp::Div,
                scalar_first: true,
                ..
            } => Attribution::NoRule("reciprocal of an input-dependent tensor".into()),
            Op::MatMul if dep(0) && dep(1) => Attribution::NoRule(
                "matrix product of two input-dependent tensors (no bilinear rule)".into(),
            ),
            _ => Attribution::Linear,
        }
    }

    /// Evaluates the op. `dependent` says whether any input depends on the model input; when it
    /// does not, nonlinearities are evaluated plainly (they carry no attribution).
    pub(crate) fn eval<N: Nonlinear<B>>(
        &self,
        inputs: Vec<Value<B>>,
        rules: &N,
        dependent: bool,
        device: &B::Device,
    ) -> OpResult<Vec<Value<B>>> {
        if dependent {
            self.eval_with(inputs, rules, device)
        } else {
            self.eval_with(inputs, &Plain, device)
        }
    }

    fn eval_with<N: Nonlinear<B>>(
        &self,
        mut inputs: Vec<Value<B>>,
        rules: &N,
        device: &B::Device,
    ) -> OpResult<Vec<Value<B>>> {
        use shape as s;
        let one = |v: Value<B>| Ok(vec![v]);
        match self {
            Op::Conv1d(c) => one(Value::Float(c.forward(float(&mut inputs, 0)?, rules.untracked())?)),
            Op::ConvTranspose1d(c) => one(Value::Float(c.forward(float(&mut inputs, 0)?)?)),
            Op::Linear(l) => one(Value::Float(l.forward(float(&mut inputs, 0)?)?)),
            Op::MatMul => one(Value::Float(linear::matmul(
                float(&mut inputs, 0)?,
                float(&mut inputs, 1)?,
            )?)),
            Op::Binary(op) => one(elementwise::binary(*op, inputs, device, rules.untracked())?),
            Op::Scalar {
                op,
                value,
                scalar_first,
            } => one(Value::Float(elementwise::scalar(
                *op,
                float(&mut inputs, 0)?,
                *value,
                *scalar_first,
            ))),
            Op::Neg => one(Value::Float(elementwise::neg(float(&mut inputs, 0)?))),
            Op::Activation(a) => one(Value::Float(nonlinear::activation(
                rules,
                a,
                float(&mut inputs, 0)?,
            )?)),
            Op::MaxPool1d(p) => one(Value::Float(nonlinear::max_pool1d(
                rules,
                p,
                float(&mut inputs, 0)?,
            )?)),
            Op::AvgPool1d(p) => one(Value::Float(p.forward(float(&mut inputs, 0)?)?)),
            Op::Softmax { axis } => one(Value::Float(nonlinear::softmax(
                rules,
                float(&mut inputs, 0)?,
                *axis,
                false,
            )?)),
            Op::LogSoftmax { axis } => one(Value::Float(nonlinear::softmax(
                rules,
                float(&mut inputs, 0)?,
                *axis,
                true,
            )?)),
            Op::BatchNorm(bn) => one(Value::Float(bn.forward(float(&mut inputs, 0)?)?)),
            Op::Reduce { op, axes, keepdims } => one(Value::Float(reduce::reduce(
                *op,
                float(&mut inputs, 0)?,
                axes,
                *keepdims,
                rules.untracked(),
            )?)),
            Op::Slice {
                starts,
                ends,
                axes,
                steps,
            } => {
                let starts = starts.resolve(&inputs)?;
                let ends = ends.resolve(&inputs)?;
                let axes = axes.as_ref().map(|a| a.resolve(&inputs)).transpose()?;
                let steps = steps.as_ref().map(|a| a.resolve(&inputs)).transpose()?;
                one(s::slice(
                    first(inputs)?,
                    &starts,
                    &ends,
                    axes.as_deref(),
                    steps.as_deref(),
                )?)
            }
            Op::Pad { pads, value } => {
                one(Value::Float(s::pad(float(&mut inputs, 0)?, pads, *value)?))
            }
            Op::Reshape { shape, allowzero } => {
                let target = shape.resolve(&inputs)?;
                one(s::reshape(first(inputs)?, &target, *allowzero)?)
            }
            Op::Flatten { axis } => one(s::flatten(first(inputs)?, *axis)?),
            Op::Squeeze { axes } => {
                let axes = axes.as_ref().map(|a| a.resolve(&inputs)).transpose()?;
                one(s::squeeze(first(inputs)?, axes.as_deref())?)
            }
            Op::Unsqueeze { axes } => {
                let axes = axes.resolve(&inputs)?;
                one(s::unsqueeze(first(inputs)?, &axes)?)
            }
            Op::Transpose { perm } => {
                one(Value::Float(s::transpose(float(&mut inputs, 0)?, perm)?))
            }
            Op::Concat { axis } => one(s::concat(inputs, *axis)?),
            Op::Split { axis, sizes } => s::split(float(&mut inputs, 0)?, *axis, sizes),
            Op::Expand { shape } => {
                let target = shape.resolve(&inputs)?;
                one(s::expand(first(inputs)?, &target, device)?)
            }
            Op::Shape { start, end } => {
                let dims = first(inputs)?.dims();
                let (start, end) = (*start.min(&dims.len()), *end.min(&dims.len()));
                one(Value::Ints(Ints::vector(
                    dims[start..end.max(start)]
                        .iter()
                        .map(|&d| d as i64)
                        .collect(),
                )))
            }
            Op::Gather {
                axis,
                indices,
                scalar,
            } => {
                let idx = indices.resolve(&inputs)?;
                one(s::gather(first(inputs)?, *axis, &idx, *scalar, device)?)
            }
            Op::ConstantOfShape { shape, value } => {
                let dims = s::to_dims(&shape.resolve(&inputs)?)?;
                let n = dims.iter().product();
                one(Value::Float(crate::value::DynTensor::from_f32(
                    vec![*value; n],
                    &dims,
                    device,
                )))
            }
            Op::IntsToFloat => one(s::ints_to_float(first(inputs)?, device)),
            Op::Identity => one(first(inputs)?),
        }
    }
}

/// The first input, by value.
fn first<B: Backend>(inputs: Vec<Value<B>>) -> OpResult<Value<B>> {
    inputs
        .into_iter()
        .next()
        .ok_or_else(|| "the node has no input".to_string())
}

/// Input `k` as a float tensor, moved out of `inputs` (so that the backend may reuse its buffer).
fn float<B: Backend>(inputs: &mut [Value<B>], k: usize) -> OpResult<crate::value::DynTensor<B>> {
    let slot = inputs
        .get_mut(k)
        .ok_or_else(|| format!("input {k} is missing"))?;
    match std::mem::replace(slot, Value::Ints(Ints::scalar(0))) {
        Value::Float(t) => Ok(t),
        other => {
            let what = other.describe();
            *slot = other;
            Err(format!("input {k} must be a float tensor, got an {what}"))
        }
    }
}
