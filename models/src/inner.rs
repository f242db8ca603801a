//! A graph of an autodiff backend moved to its inner backend (as Burn's `AutodiffModule::valid`
//! does for modules): the weights are shared, not copied, and passes on the result record no
//! autodiff steps. Burn 0.21 frees the step records of untracked operations only after a
//! backward pass, so passes that never call one (the direct DeepLIFT sweep, predictions) must
//! run here, or every batch leaves its records behind.

use burn::tensor::backend::AutodiffBackend;

use crate::graph::{Graph, Node};
use crate::ops::{BatchNorm, Conv1d, ConvTranspose1d, Linear, Op};
use crate::value::{DynTensor, Value};

impl<B: AutodiffBackend> Graph<B> {
    /// The same graph on `B::InnerBackend`, sharing the weights.
    ///
    /// ```
    /// use burn::backend::{Autodiff, Flex};
    /// use burn::tensor::Tensor;
    /// use motiflift_kernels::deeplift::Activation;
    /// use motiflift_models::{GraphBuilder, ops::{Op, ReduceOp}};
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Autodiff<Flex>>::new(&device);
    /// let h = g.push("relu", Op::Activation(Activation::Relu), &[g.input()]);
    /// let y = g.push("sum", Op::Reduce { op: ReduceOp::Sum, axes: vec![1, 2], keepdims: false }, &[h]);
    /// g.output("y", y);
    /// let graph = g.build().unwrap();
    /// let inner: motiflift_models::Graph<Flex> = graph.inner();
    /// let y = inner.predict(Tensor::<Flex, 3>::from_floats([[[1.0, -1.0, 2.0]]], &device)).unwrap();
    /// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), vec![3.0]);
    /// ```
    pub fn inner(&self) -> Graph<B::InnerBackend> {
        self.map_backend(
            |n| Node { name: n.name.clone(), op: inner_op(&n.op), inputs: n.inputs.clone(), outputs: n.outputs.clone() },
            inner_value,
        )
    }
}

fn inner_tensor<B: AutodiffBackend>(t: &DynTensor<B>) -> DynTensor<B::InnerBackend> {
    DynTensor(B::inner(t.0.clone()))
}

fn inner_value<B: AutodiffBackend>(v: &Value<B>) -> Value<B::InnerBackend> {
    match v {
        Value::Float(t) => Value::Float(inner_tensor(t)),
        Value::Ints(i) => Value::Ints(i.clone()),
    }
}

fn inner_op<B: AutodiffBackend>(op: &Op<B>) -> Op<B::InnerBackend> {
    match op.clone() {
        Op::Conv1d(c) => Op::Conv1d(Conv1d {
            weight: c.weight.inner(),
            bias: c.bias.map(|b| b.inner()),
            stride: c.stride,
            padding: c.padding,
            dilation: c.dilation,
            groups: c.groups,
        }),
        Op::ConvTranspose1d(c) => Op::ConvTranspose1d(ConvTranspose1d {
            weight: c.weight.inner(),
            bias: c.bias.map(|b| b.inner()),
            stride: c.stride,
            padding: c.padding,
            padding_out: c.padding_out,
            dilation: c.dilation,
            groups: c.groups,
        }),
        Op::Linear(l) => Op::Linear(Linear { weight: l.weight.inner(), bias: l.bias.map(|b| b.inner()) }),
        Op::BatchNorm(bn) => Op::BatchNorm(BatchNorm { scale: bn.scale.inner(), shift: bn.shift.inner() }),
        Op::MatMul => Op::MatMul,
        Op::Binary(op) => Op::Binary(op),
        Op::Scalar { op, value, scalar_first } => Op::Scalar { op, value, scalar_first },
        Op::Neg => Op::Neg,
        Op::Activation(a) => Op::Activation(a),
        Op::MaxPool1d(p) => Op::MaxPool1d(p),
        Op::AvgPool1d(p) => Op::AvgPool1d(p),
        Op::Softmax { axis } => Op::Softmax { axis },
        Op::LogSoftmax { axis } => Op::LogSoftmax { axis },
        Op::Reduce { op, axes, keepdims } => Op::Reduce { op, axes, keepdims },
        Op::Slice { starts, ends, axes, steps } => Op::Slice { starts, ends, axes, steps },
        Op::Pad { pads, value } => Op::Pad { pads, value },
        Op::Reshape { shape, allowzero } => Op::Reshape { shape, allowzero },
        Op::Flatten { axis } => Op::Flatten { axis },
        Op::Squeeze { axes } => Op::Squeeze { axes },
        Op::Unsqueeze { axes } => Op::Unsqueeze { axes },
        Op::Transpose { perm } => Op::Transpose { perm },
        Op::Concat { axis } => Op::Concat { axis },
        Op::Split { axis, sizes } => Op::Split { axis, sizes },
        Op::Expand { shape } => Op::Expand { shape },
        Op::Shape { start, end } => Op::Shape { start, end },
        Op::Gather { axis, indices, scalar } => Op::Gather { axis, indices, scalar },
        Op::ConstantOfShape { shape, value } => Op::ConstantOfShape { shape, value },
        Op::IntsToFloat => Op::IntsToFloat,
        Op::Identity => Op::Identity,
    }
}
