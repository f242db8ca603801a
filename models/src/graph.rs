//! The model graph: a DAG of [`Op`]s evaluated in order, generic over the backend and over the
//! [`Nonlinear`] implementation that evaluates its nonlinearities.

use burn::tensor::{Tensor, backend::Backend};
use motiflift_kernels::deeplift::{Nonlinear, Plain};

use crate::error::{Error, Result};
use crate::ops::{Attribution, Op};
use crate::value::{DynTensor, Ints, Value};

/// Identifies a value (an edge) of a graph.
pub type ValueId = usize;

/// One node: an op applied to values, producing values.
#[derive(Debug, Clone)]
pub struct Node<B: Backend> {
    /// The node name (ONNX node name, or a PyTorch module path for zoo models).
    pub name: String,
    /// The op.
    pub op: Op<B>,
    /// Input values.
    pub inputs: Vec<ValueId>,
    /// Output values.
    pub outputs: Vec<ValueId>,
}

/// A sequence model as a DAG of ops. Input: one-hot `(batch, 4, length)` float; output:
/// `(batch, n_outputs)`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_kernels::deeplift::Activation;
/// use motiflift_models::{GraphBuilder, ops::{Op, ReduceOp}};
///
/// let device = Default::default();
/// let mut g = GraphBuilder::<Flex>::new(&device);
/// let x = g.input();
/// let h = g.push("relu", Op::Activation(Activation::Relu), &[x]);
/// let y = g.push("sum", Op::Reduce { op: ReduceOp::Sum, axes: vec![2], keepdims: false }, &[h]);
/// g.output("y", y);
/// let graph = g.build().unwrap();
///
/// let x = Tensor::<Flex, 3>::ones([2, 4, 10], &device);
/// let y = graph.predict(x).unwrap();
/// assert_eq!(y.dims(), [2, 4]);
/// ```
#[derive(Debug, Clone)]
pub struct Graph<B: Backend> {
    pub(crate) nodes: Vec<Node<B>>,
    constants: Vec<(ValueId, Value<B>)>,
    pub(crate) n_values: usize,
    pub(crate) outputs: Vec<(String, ValueId)>,
    input_channels: Option<usize>,
    input_length: Option<usize>,
    /// Per node: whether any input depends on the model input.
    pub(crate) node_dependent: Vec<bool>,
    /// Per value: whether it depends on the model input.
    pub(crate) dependent: Vec<bool>,
    /// Per value: the last node that reads it (`usize::MAX` for graph outputs).
    last_use: Vec<usize>,
    device: B::Device,
}

/// The model input value.
pub(crate) const INPUT: ValueId = 0;

/// What [`Graph::run`] shows its observer of a node.
pub(crate) enum Stage<'a, B: Backend> {
    /// The node's inputs, before it runs.
    Inputs(&'a [Value<B>]),
    /// Its outputs.
    Outputs(&'a [Value<B>]),
}

impl<B: Backend> Graph<B> {
    /// Runs the graph with the nonlinearities evaluated by `rules` and returns the single output
    /// as `(batch, n_outputs)` (a 1-D output becomes one column; trailing axes of size 1 are
    /// squeezed, as tangermeme does).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_kernels::deeplift::Plain;
    /// use motiflift_models::{GraphBuilder, ops::{Op, ReduceOp}};
    ///
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Flex>::new(&device);
    /// let y = g.push("mean", Op::Reduce { op: ReduceOp::Mean, axes: vec![1, 2], keepdims: false }, &[g.input()]);
    /// g.output("y", y);
    /// let graph = g.build().unwrap();
    /// let y = graph.forward(Tensor::<Flex, 3>::ones([3, 4, 8], &device), &Plain).unwrap();
    /// assert_eq!(y.dims(), [3, 1]);
    /// ```
    pub fn forward<N: Nonlinear<B>>(&self, x: Tensor<B, 3>, rules: &N) -> Result<Tensor<B, 2>> {
        let mut outs = self.forward_outputs(x, rules)?;
        if outs.len() != 1 {
            let names: Vec<&str> = self.outputs.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::Output {
                reason: format!(
                    "the model has {} outputs ({}); select one (e.g. the `count` wrapper for BPNet)",
                    names.len(),
                    names.join(", ")
                ),
            });
        }
        let y = outs.pop().ok_or_else(|| Error::Output {
            reason: "no output".into(),
        })?;
        to_batch_columns(y)
    }

    /// [`Graph::forward`] with the ordinary nonlinearities ([`Plain`]).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::{GraphBuilder, ops::{Op, ReduceOp}};
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Flex>::new(&device);
    /// let y = g.push("sum", Op::Reduce { op: ReduceOp::Sum, axes: vec![1, 2], keepdims: false }, &[g.input()]);
    /// g.output("y", y);
    /// let y = g.build().unwrap().predict(Tensor::<Flex, 3>::ones([1, 4, 5], &device)).unwrap();
    /// assert_eq!(y.into_scalar(), 20.0);
    /// ```
    pub fn predict(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 2>> {
        self.forward(x, &Plain)
    }

    /// Runs the graph and returns every output as is (e.g. BPNet's profile and counts).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_kernels::deeplift::Plain;
    /// use motiflift_models::{GraphBuilder, ops::Op};
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Flex>::new(&device);
    /// let x = g.input();
    /// g.output("same", x);
    /// let outs = g.build().unwrap().forward_outputs(Tensor::<Flex, 3>::ones([1, 4, 5], &device), &Plain).unwrap();
    /// assert_eq!(outs[0].dims(), vec![1, 4, 5]);
    /// ```
    pub fn forward_outputs<N: Nonlinear<B>>(
        &self,
        x: Tensor<B, 3>,
        rules: &N,
    ) -> Result<Vec<DynTensor<B>>> {
        self.run(x, rules, |_, _| Ok(()))
    }

    /// Evaluates every node in order, showing `observe` each node's index with its inputs
    /// before it runs and with its outputs after, and returns the graph outputs.
    pub(crate) fn run<N: Nonlinear<B>>(
        &self,
        x: Tensor<B, 3>,
        rules: &N,
        mut observe: impl FnMut(usize, Stage<'_, B>) -> Result<()>,
    ) -> Result<Vec<DynTensor<B>>> {
        self.check_input(&x.dims())?;
        let mut slots: Vec<Option<Value<B>>> = vec![None; self.n_values];
        slots[INPUT] = Some(Value::Float(DynTensor::from_tensor(x)));
        for (id, v) in &self.constants {
            slots[*id] = Some(v.clone());
        }
        for (k, node) in self.nodes.iter().enumerate() {
            let mut inputs = Vec::with_capacity(node.inputs.len());
            for (j, &v) in node.inputs.iter().enumerate() {
                let again = node.inputs[j + 1..].contains(&v);
                let value = if self.last_use[v] == k && !again {
                    slots[v].take()
                } else {
                    slots[v].clone()
                };
                inputs.push(value.ok_or_else(|| {
                    self.eval_error(node, format!("value {v} was never computed"))
                })?);
            }
            observe(k, Stage::Inputs(&inputs))?;
            let outs = node
                .op
                .eval(inputs, rules, self.node_dependent[k], &self.device)
                .map_err(|reason| self.eval_error(node, reason))?;
            if outs.len() != node.outputs.len() {
                return Err(self.eval_error(
                    node,
                    format!(
                        "produced {} outputs, expected {}",
                        outs.len(),
                        node.outputs.len()
                    ),
                ));
            }
            observe(k, Stage::Outputs(&outs))?;
            for (&id, v) in node.outputs.iter().zip(outs) {
                slots[id] = Some(v);
            }
        }
        self.outputs
            .iter()
            .map(|(name, id)| match slots[*id].clone() {
                Some(Value::Float(t)) => Ok(t),
                Some(Value::Ints(i)) => Err(Error::Output {
                    reason: format!(
                        "output `{name}` is an integer tensor {:?}, not a prediction",
                        i.values
                    ),
                }),
                None => Err(Error::Output {
                    reason: format!("output `{name}` was never computed"),
                }),
            })
            .collect()
    }

    /// Checks that every nonlinear op on the path from the input has a DeepLIFT rule; the error
    /// names the first node that has none. Call it before attributing.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::{Error, GraphBuilder, ops::{BinaryOp, Op}};
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// let x = g.input();
    /// let sq = g.push("square", Op::Binary(BinaryOp::Mul), &[x, x]);
    /// g.output("y", sq);
    /// let err = g.build().unwrap().check_attributable().unwrap_err();
    /// assert!(matches!(err, Error::NotAttributable { ref node, .. } if node == "square"));
    /// ```
    pub fn check_attributable(&self) -> Result<()> {
        for node in &self.nodes {
            let deps: Vec<bool> = node.inputs.iter().map(|&v| self.dependent[v]).collect();
            if !deps.contains(&true) {
                continue;
            }
            if let Attribution::NoRule(reason) = node.op.attribution(&deps) {
                return Err(Error::NotAttributable {
                    node: node.name.clone(),
                    op: node.op.name().to_string(),
                    reason,
                });
            }
        }
        Ok(())
    }

    /// The input length the graph requires, if it is fixed (e.g. by a dense layer).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::GraphBuilder;
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// g.input_shape(Some(4), Some(2114));
    /// let x = g.input();
    /// g.output("x", x);
    /// assert_eq!(g.build().unwrap().input_length(), Some(2114));
    /// ```
    pub fn input_length(&self) -> Option<usize> {
        self.input_length
    }

    /// The number of input channels (alphabet size), if known.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::GraphBuilder;
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// g.input_shape(Some(4), None);
    /// let x = g.input();
    /// g.output("x", x);
    /// assert_eq!(g.build().unwrap().input_channels(), Some(4));
    /// ```
    pub fn input_channels(&self) -> Option<usize> {
        self.input_channels
    }

    /// The nodes, in evaluation order.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::{GraphBuilder, ops::Op};
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// let y = g.push("id", Op::Identity, &[g.input()]);
    /// g.output("y", y);
    /// assert_eq!(g.build().unwrap().nodes()[0].name, "id");
    /// ```
    pub fn nodes(&self) -> &[Node<B>] {
        &self.nodes
    }

    /// The output names, in order.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::GraphBuilder;
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// let x = g.input();
    /// g.output("y", x);
    /// assert_eq!(g.build().unwrap().output_names(), vec!["y"]);
    /// ```
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The device holding the weights.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::GraphBuilder;
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Flex>::new(&device);
    /// let x = g.input();
    /// g.output("x", x);
    /// assert_eq!(g.build().unwrap().device(), &device);
    /// ```
    pub fn device(&self) -> &B::Device {
        &self.device
    }

    /// The same graph on backend `C`, its nodes and constants mapped by `node` and `value`.
    pub(crate) fn map_backend<C: Backend<Device = B::Device>>(
        &self,
        node: impl Fn(&Node<B>) -> Node<C>,
        value: impl Fn(&Value<B>) -> Value<C>,
    ) -> Graph<C> {
        Graph {
            nodes: self.nodes.iter().map(node).collect(),
            constants: self.constants.iter().map(|(id, v)| (*id, value(v))).collect(),
            n_values: self.n_values,
            outputs: self.outputs.clone(),
            input_channels: self.input_channels,
            input_length: self.input_length,
            node_dependent: self.node_dependent.clone(),
            dependent: self.dependent.clone(),
            last_use: self.last_use.clone(),
            device: self.device.clone(),
        }
    }

    fn check_input(&self, dims: &[usize; 3]) -> Result<()> {
        let ok_c = self.input_channels.is_none_or(|c| c == dims[1]);
        let ok_l = self.input_length.is_none_or(|l| l == dims[2]);
        if dims[0] == 0 || !ok_c || !ok_l {
            let c = self
                .input_channels
                .map_or("channels".to_string(), |c| c.to_string());
            let l = self
                .input_length
                .map_or("length".to_string(), |l| l.to_string());
            return Err(Error::InputShape {
                expected: format!("(batch ≥ 1, {c}, {l})"),
                found: dims.to_vec(),
            });
        }
        Ok(())
    }

    fn eval_error(&self, node: &Node<B>, reason: String) -> Error {
        Error::Eval {
            node: node.name.clone(),
            op: node.op.name().to_string(),
            reason,
        }
    }
}

/// Brings a model output to `(batch, n_outputs)`.
fn to_batch_columns<B: Backend>(y: DynTensor<B>) -> Result<Tensor<B, 2>> {
    let mut dims = y.dims();
    if dims.len() == 1 {
        dims.push(1);
    }
    while dims.len() > 2 && dims.last() == Some(&1) {
        dims.pop();
    }
    if dims.len() != 2 {
        return Err(Error::Output {
            reason: format!(
                "shape {:?} is not (batch, n_outputs); only trailing axes of size 1 are squeezed",
                y.dims()
            ),
        });
    }
    Ok(y.reshape(&dims).typed::<2>())
}

/// Builds a [`Graph`] node by node; value 0 is the model input.
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_models::{DynTensor, GraphBuilder, ops::{BinaryOp, Op}};
///
/// let device = Default::default();
/// let mut g = GraphBuilder::<Flex>::new(&device);
/// let two = g.constant(DynTensor::from_tensor(Tensor::<Flex, 1>::from_floats([2.0], &device)));
/// let y = g.push("double", Op::Binary(BinaryOp::Mul), &[g.input(), two]);
/// g.output("y", y);
/// let out = g.build().unwrap().forward_outputs(Tensor::ones([1, 1, 1], &device), &motiflift_kernels::deeplift::Plain).unwrap();
/// assert_eq!(out[0].clone().into_tensor::<3>().unwrap().into_scalar(), 2.0);
/// ```
#[derive(Debug)]
pub struct GraphBuilder<B: Backend> {
    nodes: Vec<Node<B>>,
    constants: Vec<(ValueId, Value<B>)>,
    n_values: usize,
    outputs: Vec<(String, ValueId)>,
    input_channels: Option<usize>,
    input_length: Option<usize>,
    device: B::Device,
}

impl<B: Backend> GraphBuilder<B> {
    /// An empty graph whose constants will live on `device`.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// let g = motiflift_models::GraphBuilder::<Flex>::new(&Default::default());
    /// assert_eq!(g.input(), 0);
    /// ```
    pub fn new(device: &B::Device) -> Self {
        Self {
            nodes: Vec::new(),
            constants: Vec::new(),
            n_values: 1,
            outputs: Vec::new(),
            input_channels: None,
            input_length: None,
            device: device.clone(),
        }
    }

    /// The model input `(batch, channels, length)`.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// assert_eq!(motiflift_models::GraphBuilder::<Flex>::new(&Default::default()).input(), 0);
    /// ```
    pub fn input(&self) -> ValueId {
        INPUT
    }

    /// The device of the graph.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// let device = Default::default();
    /// assert_eq!(motiflift_models::GraphBuilder::<Flex>::new(&device).device(), &device);
    /// ```
    pub fn device(&self) -> &B::Device {
        &self.device
    }

    /// Declares the input channels and length the graph needs (`None`: any).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// let mut g = motiflift_models::GraphBuilder::<Flex>::new(&Default::default());
    /// g.input_shape(Some(4), None);
    /// ```
    pub fn input_shape(&mut self, channels: Option<usize>, length: Option<usize>) {
        self.input_channels = channels;
        self.input_length = length;
    }

    /// A float constant.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::{DynTensor, GraphBuilder};
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Flex>::new(&device);
    /// let c = g.constant(DynTensor::from_tensor(Tensor::<Flex, 1>::zeros([3], &device)));
    /// assert_eq!(c, 1);
    /// ```
    pub fn constant(&mut self, value: DynTensor<B>) -> ValueId {
        self.add_constant(Value::Float(value))
    }

    /// An integer constant (shape arithmetic).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::{GraphBuilder, Ints};
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// assert_eq!(g.constant_ints(Ints::vector(vec![1, 2])), 1);
    /// ```
    pub fn constant_ints(&mut self, value: Ints) -> ValueId {
        self.add_constant(Value::Ints(value))
    }

    fn add_constant(&mut self, value: Value<B>) -> ValueId {
        let id = self.fresh();
        self.constants.push((id, value));
        id
    }

    fn fresh(&mut self) -> ValueId {
        self.n_values += 1;
        self.n_values - 1
    }

    /// Appends a node with one output and returns that output.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::{GraphBuilder, ops::Op};
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// let y = g.push("id", Op::Identity, &[g.input()]);
    /// assert_eq!(y, 1);
    /// ```
    pub fn push(&mut self, name: impl Into<String>, op: Op<B>, inputs: &[ValueId]) -> ValueId {
        self.push_multi(name, op, inputs, 1)[0]
    }

    /// Appends a node with `n_outputs` outputs (e.g. `Split`) and returns them.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_models::{GraphBuilder, ops::Op};
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// let parts = g.push_multi("split", Op::Split { axis: 1, sizes: vec![2, 2] }, &[g.input()], 2);
    /// assert_eq!(parts, vec![1, 2]);
    /// ```
    pub fn push_multi(
        &mut self,
        name: impl Into<String>,
        op: Op<B>,
        inputs: &[ValueId],
        n_outputs: usize,
    ) -> Vec<ValueId> {
        let outputs: Vec<ValueId> = (0..n_outputs.max(1)).map(|_| self.fresh()).collect();
        self.nodes.push(Node {
            name: name.into(),
            op,
            inputs: inputs.to_vec(),
            outputs: outputs.clone(),
        });
        outputs
    }

    /// Marks `value` as a graph output called `name`.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// let mut g = motiflift_models::GraphBuilder::<Flex>::new(&Default::default());
    /// let x = g.input();
    /// g.output("y", x);
    /// ```
    pub fn output(&mut self, name: impl Into<String>, value: ValueId) {
        self.outputs.push((name.into(), value));
    }

    /// Checks the wiring and returns the graph.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// let g = motiflift_models::GraphBuilder::<Flex>::new(&Default::default());
    /// assert!(g.build().is_err()); // no output
    /// ```
    pub fn build(mut self) -> Result<Graph<B>> {
        if self.outputs.is_empty() {
            return Err(Error::Output {
                reason: "the graph has no output".into(),
            });
        }
        // Drop nodes no output depends on (e.g. BPNet's profile head under the count wrapper).
        let mut live = vec![false; self.n_values];
        for (_, v) in &self.outputs {
            if let Some(l) = live.get_mut(*v) {
                *l = true;
            }
        }
        let mut keep = vec![false; self.nodes.len()];
        for (k, node) in self.nodes.iter().enumerate().rev() {
            if node
                .outputs
                .iter()
                .any(|&v| live.get(v).copied().unwrap_or(false))
            {
                keep[k] = true;
                for &v in &node.inputs {
                    if let Some(l) = live.get_mut(v) {
                        *l = true;
                    }
                }
            }
        }
        let mut keep = keep.into_iter();
        self.nodes.retain(|_| keep.next().unwrap_or(false));

        let mut defined = vec![false; self.n_values];
        defined[INPUT] = true;
        for (id, _) in &self.constants {
            defined[*id] = true;
        }
        let mut dependent = vec![false; self.n_values];
        dependent[INPUT] = true;
        let mut last_use = vec![0usize; self.n_values];
        let mut node_dependent = Vec::with_capacity(self.nodes.len());
        for (k, node) in self.nodes.iter().enumerate() {
            for &v in &node.inputs {
                if v >= self.n_values || !defined[v] {
                    return Err(Error::Eval {
                        node: node.name.clone(),
                        op: node.op.name().to_string(),
                        reason: format!("reads value {v} before it is computed"),
                    });
                }
                last_use[v] = k;
            }
            let dep =
                node.inputs.iter().any(|&v| dependent[v]) && !matches!(node.op, Op::Shape { .. });
            node_dependent.push(dep);
            for &v in &node.outputs {
                defined[v] = true;
                dependent[v] = dep;
            }
        }
        for (name, v) in &self.outputs {
            if *v >= self.n_values || !defined[*v] {
                return Err(Error::Output {
                    reason: format!("output `{name}` is never computed"),
                });
            }
            last_use[*v] = usize::MAX;
        }
        Ok(Graph {
            nodes: self.nodes,
            constants: self.constants,
            n_values: self.n_values,
            outputs: self.outputs,
            input_channels: self.input_channels,
            input_length: self.input_length,
            node_dependent,
            dependent,
            last_use,
            device: self.device,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{BinaryOp, ReduceOp};
    use burn::backend::Flex;
    use motiflift_kernels::deeplift::Activation;

    fn sum_all(g: &mut GraphBuilder<Flex>, x: ValueId) -> ValueId {
        g.push(
            "sum",
            Op::Reduce {
                op: ReduceOp::Sum,
                axes: vec![1, 2],
                keepdims: false,
            },
            &[x],
        )
    }

    #[test]
    fn a_value_read_twice_by_one_node_is_not_consumed_early() {
        let device = Default::default();
        let mut g = GraphBuilder::<Flex>::new(&device);
        let x = g.input();
        let sq = g.push("square", Op::Binary(BinaryOp::Mul), &[x, x]);
        let y = sum_all(&mut g, sq);
        g.output("y", y);
        let graph = g.build().unwrap();
        let x = Tensor::<Flex, 3>::from_floats([[[1.0, 2.0], [3.0, 0.0]]], &device);
        assert_eq!(graph.predict(x).unwrap().into_scalar(), 14.0);
    }

    #[test]
    fn nodes_no_output_needs_are_dropped() {
        let mut g = GraphBuilder::<Flex>::new(&Default::default());
        let x = g.input();
        let unused = g.push("unused", Op::Activation(Activation::Exp), &[x]);
        let y = sum_all(&mut g, x);
        g.output("y", y);
        let graph = g.build().unwrap();
        assert_eq!(graph.nodes().len(), 1);
        assert!(unused > 0);
    }

    #[test]
    fn nonlinear_ops_on_constants_need_no_rule() {
        // log(c · c) of a constant is not on a path from the input.
        let device = Default::default();
        let mut g = GraphBuilder::<Flex>::new(&device);
        let c = g.constant(DynTensor::from_tensor(Tensor::<Flex, 3>::ones(
            [1, 1, 1],
            &device,
        )));
        let cc = g.push("cc", Op::Binary(BinaryOp::Mul), &[c, c]);
        let shift = g.push("log", Op::Activation(Activation::Log), &[cc]);
        let y = g.push("add", Op::Binary(BinaryOp::Add), &[g.input(), shift]);
        let y = sum_all(&mut g, y);
        g.output("y", y);
        g.build().unwrap().check_attributable().unwrap();
    }

    #[test]
    fn outputs_are_brought_to_batch_columns() {
        let device = Default::default();
        let y = DynTensor::<Flex>::from_f32(vec![1.0, 2.0], &[2, 1, 1], &device);
        assert_eq!(to_batch_columns(y).unwrap().dims(), [2, 1]);
        let y = DynTensor::<Flex>::from_f32(vec![1.0, 2.0], &[2], &device);
        assert_eq!(to_batch_columns(y).unwrap().dims(), [2, 1]);
        let y = DynTensor::<Flex>::from_f32(vec![0.0; 12], &[2, 3, 2], &device);
        assert!(to_batch_columns(y).is_err());
    }
}
