//! ONNX models, parsed at run time by `onnx-ir` (burn-import's parser: typed nodes, constants as
//! `TensorData`) and mapped node by node onto the graph's closed op set.

use std::collections::HashMap;
use std::path::Path;

use burn::tensor::{DType, Tensor, TensorData, backend::Backend};
use motiflift_kernels::deeplift::{Activation, MaxPool1d};
use onnx_ir::ir::{ArgType, Argument, Node, RuntimeInputRef};
use onnx_ir::node::{
    cast::CastConfig,
    constant_of_shape::ConstantOfShapeShape,
    expand::ExpandConfig,
    pad::{ConstantValueInput, PadInput, PadMode},
    padding::{AutoPad, PaddingConfig1d},
    reshape::ReshapeInput,
    slice::SliceInput,
    split::SplitSizesInput,
    squeeze::SqueezeInput,
    unsqueeze::UnsqueezeConfig,
};
use onnx_ir::{OnnxGraph, OnnxGraphBuilder};

use crate::error::{Error, Result};
use crate::graph::{Graph, GraphBuilder, ValueId};
use crate::ops::{
    AvgPool1d, BatchNorm, BinaryOp, Conv1d, ConvPadding, ConvTranspose1d, IntsArg, Linear, Op,
    ReduceOp,
};
use crate::value::{DynTensor, Ints};
use crate::zoo::{Wrappers, wrappers};

/// Loads an ONNX model with one float input `(batch, channels, length)` as a graph. Of the
/// wrappers only `crop` and `output` apply. An op outside the supported set is an
/// [`Error::UnsupportedOp`] naming the op and the node.
///
/// ```no_run
/// use motiflift_models::{Cpu, import::load_onnx};
/// let g = load_onnx::<Cpu>("model.onnx".as_ref(), &Default::default(), &Default::default())?;
/// println!("{} nodes", g.nodes().len());
/// # Ok::<(), motiflift_models::Error>(())
/// ```
pub fn load_onnx<B: Backend>(path: &Path, wrap: &Wrappers, device: &B::Device) -> Result<Graph<B>> {
    if wrap.control || wrap.count {
        return Err(Error::Spec {
            reason: "the `control` and `count` wrappers apply to BPNet state dicts; an ONNX file already contains its wrappers".into(),
        });
    }
    let original = OriginalNames::read(path)?;
    // onnx-ir panics on some malformed graphs; keep that inside this call as an error.
    let parsed = std::panic::catch_unwind(|| OnnxGraphBuilder::new().parse_file(path));
    let onnx = match parsed {
        Ok(result) => result.map_err(|e| parse_error(path, e))?,
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the ONNX parser failed".into());
            return Err(Error::Corrupt {
                file: path.to_path_buf(),
                format: "ONNX",
                reason,
            });
        }
    };
    check_constants(path, &onnx, &original)?;
    let mut importer = Importer {
        g: GraphBuilder::new(device),
        names: HashMap::new(),
        sigmoid_of: HashMap::new(),
        original,
    };
    importer.input(&onnx, wrap.crop.unwrap_or(0))?;
    for node in &onnx.nodes {
        importer.node(node)?;
    }
    let mut outputs = Vec::new();
    for out in &onnx.outputs {
        outputs.push((out.name.clone(), importer.value(out, "graph output")?));
    }
    if let (Some(cols), [(name, y)]) = (&wrap.output, outputs.as_slice()) {
        let n = onnx.outputs[0]
            .ty
            .static_shape_known()
            .and_then(|s| s.get(1).copied());
        let y = wrappers::select_columns(&mut importer.g, *y, cols, n)?;
        outputs = vec![(name.clone(), y)];
    } else if wrap.output.is_some() {
        return Err(Error::Spec {
            reason: "output-column selection needs a model with one output".into(),
        });
    }
    for (name, v) in outputs {
        importer.g.output(name, v);
    }
    importer.g.build()
}

/// onnx-ir hands over each initializer and constant with the dims and the bytes the file holds:
/// a corrupt file can make them disagree, and Burn would panic on such a tensor. Checks them all,
/// naming the node.
fn check_constants(path: &Path, onnx: &OnnxGraph, original: &OriginalNames) -> Result<()> {
    for node in &onnx.nodes {
        for arg in node.inputs().iter().chain(node.outputs()) {
            let Some(data) = arg.value() else { continue };
            if matches!(data.dtype, DType::QFloat(_)) {
                continue;
            }
            let numel = data.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
            let bytes = numel.and_then(|n| n.checked_mul(data.dtype.size()));
            if bytes != Some(data.bytes.len()) {
                return Err(Error::Corrupt {
                    file: path.to_path_buf(),
                    format: "ONNX",
                    reason: format!(
                        "node `{}`: value `{}` has shape {:?} ({:?}) but holds {} bytes",
                        original.get(node.name()),
                        arg.name,
                        data.shape.to_vec(),
                        data.dtype,
                        data.bytes.len()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The node names of the ONNX file itself. onnx-ir renames every node `<type><k>` (the k-th node of
/// that type); errors should name the node as the user's tools (Netron, onnx) show it.
struct OriginalNames(HashMap<String, String>);

impl OriginalNames {
    /// Reads the raw protobuf, checks the opset (≥ 13) and indexes the node names.
    fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let corrupt = |reason: String| Error::Corrupt {
            file: path.to_path_buf(),
            format: "ONNX",
            reason,
        };
        let model = <onnx_ir::ModelProto as protobuf::Message>::parse_from_bytes(&bytes)
            .map_err(|e| corrupt(e.to_string()))?;
        let graph = model
            .graph
            .as_ref()
            .ok_or_else(|| corrupt("the file holds no graph".into()))?;
        let opset = model
            .opset_import
            .iter()
            .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
            .map(|o| o.version);
        match opset {
            Some(v) if v >= MIN_OPSET => {}
            other => {
                return Err(Error::Spec {
                    reason: format!(
                        "{} uses ONNX opset {}; motiflift reads opset {MIN_OPSET} or newer (re-export it)",
                        path.display(),
                        other.map_or("(none)".to_string(), |v| v.to_string())
                    ),
                });
            }
        }
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut names = HashMap::new();
        for node in &graph.node {
            let op = node.op_type.to_lowercase();
            let k = counts.entry(op.clone()).or_insert(0);
            *k += 1;
            if !node.name.is_empty() {
                names.insert(format!("{op}{k}"), node.name.clone());
            }
        }
        Ok(Self(names))
    }

    /// The file's name for the onnx-ir node `name` (onnx-ir's own when the op was renamed).
    fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }
}

/// The oldest ONNX opset accepted (axes as inputs of Squeeze/Unsqueeze/ReduceSum, …).
const MIN_OPSET: i64 = 13;

/// An `onnx-ir` error as a motiflift error.
fn parse_error(path: &Path, e: onnx_ir::Error) -> Error {
    match e {
        onnx_ir::Error::Io { error, .. } => Error::Io {
            file: path.to_path_buf(),
            source: error,
        },
        other => Error::Corrupt {
            file: path.to_path_buf(),
            format: "ONNX",
            reason: other.to_string(),
        },
    }
}

struct Importer<B: Backend> {
    g: GraphBuilder<B>,
    /// ONNX value name → graph value.
    names: HashMap<String, ValueId>,
    /// Graph value of `Sigmoid(x)` → `x` (to recognise `x · sigmoid(x)` as SiLU).
    sigmoid_of: HashMap<ValueId, ValueId>,
    /// The file's node names.
    original: OriginalNames,
}

/// A shorthand for an unsupported-op error.
fn unsupported(node: &str, op: &str, reason: impl Into<String>) -> Error {
    Error::UnsupportedOp {
        node: node.to_string(),
        op: op.to_string(),
        reason: reason.into(),
    }
}

/// The ONNX op type of a node (its variant name).
fn op_type(node: &Node) -> String {
    let debug = format!("{node:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("?")
        .to_string()
}

impl<B: Backend> Importer<B> {
    /// The file's name of `node`.
    fn node_name(&self, node: &Node) -> String {
        self.original.get(node.name())
    }

    fn device(&self) -> B::Device {
        self.g.device().clone()
    }

    fn input(&mut self, onnx: &OnnxGraph, crop: usize) -> Result<()> {
        let inputs: Vec<&Argument> = onnx.inputs.iter().filter(|a| a.value().is_none()).collect();
        let [x] = inputs.as_slice() else {
            return Err(unsupported(
                "graph input",
                "inputs",
                format!(
                    "the model must take exactly one input (the one-hot sequences), it takes {}",
                    inputs.len()
                ),
            ));
        };
        let shape = x.ty.static_shape().cloned().unwrap_or_default();
        if x.ty.rank() != 3 {
            return Err(unsupported(
                &x.name,
                "input",
                format!("input `{}` must be (batch, channels, length)", x.name),
            ));
        }
        let channels = shape.get(1).copied().flatten();
        let length = shape.get(2).copied().flatten();
        self.g.input_shape(channels, length);
        let cropped = wrappers::crop_input(&mut self.g, crop);
        self.names.insert(x.name.clone(), cropped);
        Ok(())
    }

    /// The graph value of a node input: a named value, or a constant.
    fn value(&mut self, arg: &Argument, node: &str) -> Result<ValueId> {
        if let Some(&id) = self.names.get(&arg.name) {
            return Ok(id);
        }
        if let Some(data) = arg.value() {
            let id = self.constant(data, node)?;
            if !arg.name.is_empty() {
                self.names.insert(arg.name.clone(), id);
            }
            return Ok(id);
        }
        Err(unsupported(
            node,
            "input",
            format!(
                "value `{}` is neither computed before nor a constant",
                arg.name
            ),
        ))
    }

    fn constant(&mut self, data: TensorData, node: &str) -> Result<ValueId> {
        let dims = data.shape.to_vec();
        if data.dtype.is_float() {
            let values = data
                .convert::<f32>()
                .to_vec::<f32>()
                .map_err(|e| unsupported(node, "constant", format!("{e:?}")))?;
            let dims = if dims.is_empty() { vec![1] } else { dims };
            Ok(self
                .g
                .constant(DynTensor::from_f32(values, &dims, &self.device())))
        } else if matches!(
            data.dtype,
            DType::I64
                | DType::I32
                | DType::I16
                | DType::I8
                | DType::U8
                | DType::U16
                | DType::U32
                | DType::U64
                | DType::Bool(_)
        ) {
            let values = data
                .convert::<i64>()
                .to_vec::<i64>()
                .map_err(|e| unsupported(node, "constant", format!("{e:?}")))?;
            Ok(self.g.constant_ints(Ints { values, dims }))
        } else {
            Err(unsupported(
                node,
                "constant",
                format!("constants of type {:?} are not supported", data.dtype),
            ))
        }
    }

    /// The values of a constant input (weights).
    fn weight(
        &self,
        node: &str,
        op: &str,
        args: &[Argument],
        k: usize,
        what: &str,
    ) -> Result<Option<TensorData>> {
        match args.get(k) {
            None => Ok(None),
            Some(a) if a.is_optional() => Ok(None),
            Some(a) => a.value().map(|d| Some(d.convert::<f32>())).ok_or_else(|| {
                unsupported(
                    node,
                    op,
                    format!("the {what} must be a constant (initializer), not a computed value"),
                )
            }),
        }
    }

    fn tensor<const D: usize>(
        &self,
        node: &str,
        op: &str,
        data: TensorData,
        what: &str,
    ) -> Result<Tensor<B, D>> {
        if data.shape.len() != D {
            return Err(unsupported(
                node,
                op,
                format!("the {what} has shape {:?}, expected {D} axes", data.shape),
            ));
        }
        Ok(Tensor::from_data(data, &self.device()))
    }

    fn bias(
        &self,
        node: &str,
        op: &str,
        args: &[Argument],
        k: usize,
        n: usize,
    ) -> Result<Option<Tensor<B, 1>>> {
        match self.weight(node, op, args, k, "bias")? {
            None => Ok(None),
            Some(d) => {
                let values = d
                    .to_vec::<f32>()
                    .map_err(|e| unsupported(node, op, format!("{e:?}")))?;
                let values = match values.len() {
                    1 => vec![values[0]; n],
                    len if len == n => values,
                    len => {
                        return Err(unsupported(
                            node,
                            op,
                            format!("bias of {len} values for {n} outputs"),
                        ));
                    }
                };
                Ok(Some(Tensor::from_floats(values.as_slice(), &self.device())))
            }
        }
    }

    /// Adds a node reading `inputs` and names its outputs.
    fn emit(&mut self, node: &Node, op: Op<B>, inputs: &[ValueId]) {
        let outs = node.outputs();
        let ids = self
            .g
            .push_multi(self.node_name(node), op, inputs, outs.len());
        for (arg, id) in outs.iter().zip(ids) {
            self.names.insert(arg.name.clone(), id);
        }
    }

    /// An integer parameter that is static or a run-time input (appended to `inputs`).
    fn ints_arg(
        &mut self,
        node: &Node,
        runtime: Option<&RuntimeInputRef>,
        fixed: Option<&[i64]>,
        inputs: &mut Vec<ValueId>,
    ) -> Result<IntsArg> {
        match (fixed, runtime) {
            (Some(v), _) => Ok(IntsArg::Static(v.to_vec())),
            (None, Some(r)) => {
                let arg = node.inputs().get(r.input_index).ok_or_else(|| {
                    unsupported(
                        &self.node_name(node),
                        &op_type(node),
                        format!("missing input {}", r.input_index),
                    )
                })?;
                let id = self.value(arg, &self.node_name(node))?;
                inputs.push(id);
                Ok(IntsArg::Input(inputs.len() - 1))
            }
            (None, None) => Err(unsupported(
                &self.node_name(node),
                &op_type(node),
                "missing integer parameter",
            )),
        }
    }

    fn first_input(&mut self, node: &Node) -> Result<ValueId> {
        let arg = node
            .inputs()
            .first()
            .ok_or_else(|| unsupported(&self.node_name(node), &op_type(node), "no input"))?;
        self.value(arg, &self.node_name(node))
    }

    fn unary(&mut self, node: &Node, op: Op<B>) -> Result<()> {
        let x = self.first_input(node)?;
        self.emit(node, op, &[x]);
        Ok(())
    }

    fn node(&mut self, node: &Node) -> Result<()> {
        let name = self.node_name(node);
        let op = op_type(node);
        let act = |a: Activation| Op::Activation(a);
        match node {
            Node::Constant(_) => {
                for out in node.outputs() {
                    if let Some(data) = out.value() {
                        let id = self.constant(data, &name)?;
                        self.names.insert(out.name.clone(), id);
                    }
                }
                Ok(())
            }
            Node::Conv1d(n) => {
                let c = &n.config;
                let w = self
                    .weight(&name, &op, &n.inputs, 1, "weight")?
                    .ok_or_else(|| unsupported(&name, &op, "no weight"))?;
                let w: Tensor<B, 3> = self.tensor(&name, &op, w, "weight")?;
                let out = w.dims()[0];
                let padding = match (c.auto_pad.clone(), c.padding.clone()) {
                    (AutoPad::SameUpper, _) => ConvPadding::SameUpper,
                    (AutoPad::SameLower, _) => ConvPadding::SameLower,
                    (AutoPad::Valid, _) | (AutoPad::NotSet, PaddingConfig1d::Valid) => {
                        ConvPadding::Explicit(0, 0)
                    }
                    (AutoPad::NotSet, PaddingConfig1d::Explicit(a, b)) => {
                        ConvPadding::Explicit(a, b)
                    }
                };
                let conv = Conv1d {
                    weight: w,
                    bias: self.bias(&name, &op, &n.inputs, 2, out)?,
                    stride: c.stride,
                    padding,
                    dilation: c.dilation,
                    groups: c.groups,
                };
                self.unary(node, Op::Conv1d(conv))
            }
            Node::ConvTranspose1d(n) => {
                let c = &n.config;
                let w = self
                    .weight(&name, &op, &n.inputs, 1, "weight")?
                    .ok_or_else(|| unsupported(&name, &op, "no weight"))?;
                let w: Tensor<B, 3> = self.tensor(&name, &op, w, "weight")?;
                let out = w.dims()[1] * c.groups;
                let conv = ConvTranspose1d {
                    weight: w,
                    bias: self.bias(&name, &op, &n.inputs, 2, out)?,
                    stride: c.stride,
                    padding: c.padding,
                    padding_out: c.padding_out,
                    dilation: c.dilation,
                    groups: c.groups,
                };
                self.unary(node, Op::ConvTranspose1d(conv))
            }
            Node::Linear(n) => {
                let w = self
                    .weight(&name, &op, &n.inputs, 1, "weight")?
                    .ok_or_else(|| unsupported(&name, &op, "no weight"))?;
                let w: Tensor<B, 2> = self.tensor(&name, &op, w, "weight")?;
                let w = if n.config.transpose_weight {
                    w.transpose()
                } else {
                    w
                };
                let out = w.dims()[1];
                let linear = Linear {
                    weight: w,
                    bias: self.bias(&name, &op, &n.inputs, 2, out)?,
                };
                self.unary(node, Op::Linear(linear))
            }
            Node::Gemm(n) => {
                let c = &n.config;
                let w = self
                    .weight(&name, &op, &n.inputs, 1, "B matrix")?
                    .ok_or_else(|| unsupported(&name, &op, "no B matrix"))?;
                let w: Tensor<B, 2> = self.tensor(&name, &op, w, "B matrix")?;
                let w = if c.trans_b != 0 { w.transpose() } else { w } * c.alpha;
                let out = w.dims()[1];
                let bias = self
                    .bias(&name, &op, &n.inputs, 2, out)?
                    .map(|b| b * c.beta);
                let mut x = self.first_input(node)?;
                if c.trans_a != 0 {
                    x = self.g.push(
                        format!("{name}.transA"),
                        Op::Transpose { perm: vec![1, 0] },
                        &[x],
                    );
                }
                self.emit(node, Op::Linear(Linear { weight: w, bias }), &[x]);
                Ok(())
            }
            Node::MatMul(n) => {
                let b_const = n
                    .inputs
                    .get(1)
                    .and_then(|a| a.value())
                    .filter(|d| d.shape.len() == 2);
                match b_const {
                    Some(w) => {
                        let w: Tensor<B, 2> =
                            self.tensor(&name, &op, w.convert::<f32>(), "matrix")?;
                        self.unary(
                            node,
                            Op::Linear(Linear {
                                weight: w,
                                bias: None,
                            }),
                        )
                    }
                    None => self.binary_inputs(node, Op::MatMul),
                }
            }
            Node::Add(_) => self.arithmetic(node, BinaryOp::Add),
            Node::Sub(_) => self.arithmetic(node, BinaryOp::Sub),
            Node::Mul(_) => self.arithmetic(node, BinaryOp::Mul),
            Node::Div(_) => self.arithmetic(node, BinaryOp::Div),
            Node::Neg(_) => self.unary(node, Op::Neg),
            Node::Relu(_) => self.unary(node, act(Activation::Relu)),
            Node::Sigmoid(_) => {
                let x = self.first_input(node)?;
                self.emit(node, act(Activation::Sigmoid), &[x]);
                if let Some(&y) = node.outputs().first().and_then(|o| self.names.get(&o.name)) {
                    self.sigmoid_of.insert(y, x);
                }
                Ok(())
            }
            Node::Tanh(_) => self.unary(node, act(Activation::Tanh)),
            Node::Exp(_) => self.unary(node, act(Activation::Exp)),
            Node::Log(_) => self.unary(node, act(Activation::Log)),
            Node::Elu(n) => self.unary(
                node,
                act(Activation::Elu {
                    alpha: n.config.alpha,
                }),
            ),
            Node::LeakyRelu(n) => self.unary(
                node,
                act(Activation::LeakyRelu {
                    slope: n.config.alpha,
                }),
            ),
            Node::Selu(_) => self.unary(node, act(Activation::Selu)),
            Node::Gelu(_) => self.unary(node, act(Activation::Gelu)),
            Node::Softplus(_) => self.unary(node, act(Activation::Softplus { beta: 1.0 })),
            Node::Mish(_) => self.unary(node, act(Activation::Mish)),
            Node::Swish(n) if n.config.alpha == 1.0 => self.unary(node, act(Activation::Silu)),
            Node::Softmax(n) => self.unary(
                node,
                Op::Softmax {
                    axis: n.config.axis,
                },
            ),
            Node::LogSoftmax(n) => self.unary(
                node,
                Op::LogSoftmax {
                    axis: n.config.axis,
                },
            ),
            Node::MaxPool1d(n) => {
                let c = &n.config;
                let padding = match (c.auto_pad.clone(), c.padding.clone()) {
                    (AutoPad::NotSet, PaddingConfig1d::Explicit(a, b)) if a == b => a,
                    (AutoPad::NotSet | AutoPad::Valid, PaddingConfig1d::Valid)
                    | (AutoPad::Valid, _) => 0,
                    _ => {
                        return Err(unsupported(
                            &name,
                            &op,
                            "only symmetric explicit padding is supported",
                        ));
                    }
                };
                let pool = MaxPool1d {
                    kernel: c.kernel_size,
                    stride: c.stride,
                    padding,
                    dilation: c.dilation,
                    ceil_mode: c.ceil_mode,
                };
                self.unary(node, Op::MaxPool1d(pool))
            }
            Node::AveragePool1d(n) => {
                let c = &n.config;
                let padding = match (c.auto_pad.clone(), c.padding.clone()) {
                    (AutoPad::NotSet, PaddingConfig1d::Explicit(a, b)) if a == b => a,
                    (AutoPad::NotSet | AutoPad::Valid, PaddingConfig1d::Valid)
                    | (AutoPad::Valid, _) => 0,
                    _ => {
                        return Err(unsupported(
                            &name,
                            &op,
                            "only symmetric explicit padding is supported",
                        ));
                    }
                };
                if c.dilation != 1 {
                    return Err(unsupported(
                        &name,
                        &op,
                        "dilated average pooling is not supported",
                    ));
                }
                let pool = AvgPool1d {
                    kernel: c.kernel_size,
                    stride: c.stride,
                    padding,
                    count_include_pad: c.count_include_pad,
                    ceil_mode: c.ceil_mode,
                };
                self.unary(node, Op::AvgPool1d(pool))
            }
            Node::BatchNormalization(n) => {
                let eps = match &n.config {
                    onnx_ir::node::batch_norm::BatchNormConfig::Static(s) => s.epsilon,
                    onnx_ir::node::batch_norm::BatchNormConfig::Runtime(r) => r.epsilon,
                };
                let mut vals = Vec::with_capacity(4);
                for (k, what) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")] {
                    let d = self
                        .weight(&name, &op, &n.inputs, k, what)?
                        .ok_or_else(|| unsupported(&name, &op, format!("no {what}")))?;
                    vals.push(
                        d.to_vec::<f32>()
                            .map_err(|e| unsupported(&name, &op, format!("{e:?}")))?,
                    );
                }
                let bn =
                    BatchNorm::new(&vals[0], &vals[1], &vals[2], &vals[3], eps, &self.device());
                self.unary(node, Op::BatchNorm(bn))
            }
            Node::ReduceMean(n) => {
                self.reduce(node, ReduceOp::Mean, &n.config.dims, n.config.keepdims)
            }
            Node::ReduceSum(n) => {
                self.reduce(node, ReduceOp::Sum, &n.config.dims, n.config.keepdims)
            }
            Node::Slice(n) => {
                let c = &n.config;
                let mut inputs = vec![self.first_input(node)?];
                let arg = |this: &mut Self, s: &SliceInput, inputs: &mut Vec<ValueId>| match s {
                    SliceInput::Static(v) => Ok(IntsArg::Static(v.clone())),
                    SliceInput::Runtime(r) => this.ints_arg(node, Some(r), None, inputs),
                };
                let starts = arg(self, &c.starts, &mut inputs)?;
                let ends = arg(self, &c.ends, &mut inputs)?;
                let axes = c
                    .axes
                    .as_ref()
                    .map(|a| arg(self, a, &mut inputs))
                    .transpose()?;
                let steps = c
                    .steps
                    .as_ref()
                    .map(|a| arg(self, a, &mut inputs))
                    .transpose()?;
                self.emit(
                    node,
                    Op::Slice {
                        starts,
                        ends,
                        axes,
                        steps,
                    },
                    &inputs,
                );
                Ok(())
            }
            Node::Pad(n) => {
                let c = &n.config;
                let pads = match (&c.pads, &c.mode) {
                    (PadInput::Static(p), PadMode::Constant) => p.clone(),
                    _ => {
                        return Err(unsupported(
                            &name,
                            &op,
                            "only constant padding with static pads is supported",
                        ));
                    }
                };
                let value = match &c.constant_value {
                    ConstantValueInput::Static(v) => *v,
                    ConstantValueInput::Runtime(_) => {
                        return Err(unsupported(&name, &op, "the pad value must be a constant"));
                    }
                };
                self.unary(node, Op::Pad { pads, value })
            }
            Node::Reshape(n) => {
                let mut inputs = vec![self.first_input(node)?];
                let shape = match &n.config.shape {
                    ReshapeInput::Static(v) => IntsArg::Static(v.clone()),
                    ReshapeInput::Runtime(r) => self.ints_arg(node, Some(r), None, &mut inputs)?,
                };
                self.emit(
                    node,
                    Op::Reshape {
                        shape,
                        allowzero: false,
                    },
                    &inputs,
                );
                Ok(())
            }
            Node::Flatten(n) => self.unary(
                node,
                Op::Flatten {
                    axis: n.config.axis,
                },
            ),
            Node::Squeeze(n) => {
                let mut inputs = vec![self.first_input(node)?];
                let axes = match &n.config.axes {
                    None => None,
                    Some(SqueezeInput::Static(v)) => Some(IntsArg::Static(v.clone())),
                    Some(SqueezeInput::Runtime(r)) => {
                        Some(self.ints_arg(node, Some(r), None, &mut inputs)?)
                    }
                };
                self.emit(node, Op::Squeeze { axes }, &inputs);
                Ok(())
            }
            Node::Unsqueeze(n) => {
                let mut inputs = vec![self.first_input(node)?];
                let axes = match &n.config {
                    UnsqueezeConfig::Static(v) => IntsArg::Static(v.clone()),
                    UnsqueezeConfig::Runtime(r) => {
                        self.ints_arg(node, Some(r), None, &mut inputs)?
                    }
                };
                self.emit(node, Op::Unsqueeze { axes }, &inputs);
                Ok(())
            }
            Node::Transpose(n) => {
                let perm = n
                    .config
                    .perm
                    .iter()
                    .map(|&p| usize::try_from(p).unwrap_or(usize::MAX))
                    .collect();
                self.unary(node, Op::Transpose { perm })
            }
            Node::Concat(n) => {
                let inputs = n
                    .inputs
                    .iter()
                    .map(|a| self.value(a, &name))
                    .collect::<Result<Vec<_>>>()?;
                self.emit(
                    node,
                    Op::Concat {
                        axis: n.config.axis as i64,
                    },
                    &inputs,
                );
                Ok(())
            }
            Node::Split(n) => {
                let c = &n.config;
                let n_out = n.outputs.len();
                let dim = n
                    .inputs
                    .first()
                    .and_then(|a| a.ty.static_shape_known())
                    .and_then(|s| s.get(c.axis).copied());
                let sizes = match (&c.split_sizes, c.split_size, dim) {
                    (Some(SplitSizesInput::Static(s)), _, _) => s.clone(),
                    (_, Some(size), Some(d)) => (0..n_out)
                        .map(|k| size.min(d.saturating_sub(k * size)))
                        .collect(),
                    (None, None, Some(d)) if n_out > 0 => {
                        let size = d.div_ceil(n_out);
                        (0..n_out)
                            .map(|k| size.min(d.saturating_sub(k * size)))
                            .collect()
                    }
                    _ => {
                        return Err(unsupported(
                            &name,
                            &op,
                            "split sizes must be known when the model is loaded",
                        ));
                    }
                };
                self.unary(
                    node,
                    Op::Split {
                        axis: c.axis,
                        sizes,
                    },
                )
            }
            Node::Expand(n) => {
                let mut inputs = vec![self.first_input(node)?];
                let shape = match &n.config {
                    ExpandConfig::Static(v) => IntsArg::Static(v.clone()),
                    ExpandConfig::Runtime(r) => self.ints_arg(node, Some(r), None, &mut inputs)?,
                };
                self.emit(node, Op::Expand { shape }, &inputs);
                Ok(())
            }
            Node::Shape(n) => self.unary(
                node,
                Op::Shape {
                    start: n.config.start,
                    end: n.config.end,
                },
            ),
            Node::Gather(n) => {
                let mut inputs = vec![self.first_input(node)?];
                let idx_arg = n
                    .inputs
                    .get(1)
                    .ok_or_else(|| unsupported(&name, &op, "no indices"))?;
                let scalar = matches!(
                    idx_arg.ty,
                    ArgType::ScalarNative(_) | ArgType::ScalarTensor(_)
                ) || idx_arg
                    .ty
                    .static_shape_known()
                    .is_some_and(|s| s.is_empty());
                let indices = match idx_arg.value() {
                    Some(d) => IntsArg::Static(
                        d.convert::<i64>()
                            .to_vec::<i64>()
                            .map_err(|e| unsupported(&name, &op, format!("{e:?}")))?,
                    ),
                    None => {
                        inputs.push(self.value(idx_arg, &name)?);
                        IntsArg::Input(1)
                    }
                };
                self.emit(
                    node,
                    Op::Gather {
                        axis: n.config.axis,
                        indices,
                        scalar,
                    },
                    &inputs,
                );
                Ok(())
            }
            Node::ConstantOfShape(n) => {
                let c = &n.config;
                let mut inputs = Vec::new();
                let shape = match &c.shape {
                    ConstantOfShapeShape::Static(v) => IntsArg::Static(v.clone()),
                    ConstantOfShapeShape::Runtime(r) => {
                        self.ints_arg(node, Some(r), None, &mut inputs)?
                    }
                };
                let value = match &c.value {
                    Some(d) => d
                        .clone()
                        .convert::<f32>()
                        .to_vec::<f32>()
                        .ok()
                        .and_then(|v| v.first().copied())
                        .unwrap_or(0.0),
                    None => 0.0,
                };
                self.emit(node, Op::ConstantOfShape { shape, value }, &inputs);
                Ok(())
            }
            Node::Cast(n) => self.cast(node, &n.config),
            Node::Dropout(_) => {
                let x = self.first_input(node)?;
                // Dropout may declare a second (mask) output; only the data output is used.
                let ids = self.g.push_multi(name.clone(), Op::Identity, &[x], 1);
                if let Some(out) = node.outputs().first() {
                    self.names.insert(out.name.clone(), ids[0]);
                }
                Ok(())
            }
            Node::Identity(_) => self.unary(node, Op::Identity),
            _ => Err(unsupported(
                &name,
                &op,
                "not in motiflift's op set (convolutions, dense layers, arithmetic, activations, pooling, \
                 softmax, batch norm, reductions and layout ops)",
            )),
        }
    }

    fn binary_inputs(&mut self, node: &Node, op: Op<B>) -> Result<()> {
        let name = self.node_name(node);
        let inputs = node
            .inputs()
            .iter()
            .map(|a| self.value(a, &name))
            .collect::<Result<Vec<_>>>()?;
        if inputs.len() != 2 {
            return Err(unsupported(
                &name,
                &op_type(node),
                format!("expected 2 inputs, got {}", inputs.len()),
            ));
        }
        self.emit(node, op, &inputs);
        Ok(())
    }

    /// `Add`/`Sub`/`Mul`/`Div`: a constant scalar operand becomes a scalar op; `x · sigmoid(x)` is
    /// recognised as SiLU.
    fn arithmetic(&mut self, node: &Node, op: BinaryOp) -> Result<()> {
        let args = node.inputs();
        let scalar = |a: &Argument| {
            a.value()
                .filter(|d| d.dtype.is_float() && d.num_elements() == 1 && d.shape.len() <= 1)
                .and_then(|d| {
                    d.convert::<f64>()
                        .to_vec::<f64>()
                        .ok()
                        .and_then(|v| v.first().copied())
                })
        };
        if let [a, b] = args {
            match (scalar(a), scalar(b)) {
                (None, Some(c)) => {
                    let x = self.value(a, &self.node_name(node))?;
                    self.emit(
                        node,
                        Op::Scalar {
                            op,
                            value: c,
                            scalar_first: false,
                        },
                        &[x],
                    );
                    return Ok(());
                }
                (Some(c), None) => {
                    let x = self.value(b, &self.node_name(node))?;
                    self.emit(
                        node,
                        Op::Scalar {
                            op,
                            value: c,
                            scalar_first: true,
                        },
                        &[x],
                    );
                    return Ok(());
                }
                _ => {}
            }
            if op == BinaryOp::Mul {
                let (x, y) = (
                    self.value(a, &self.node_name(node))?,
                    self.value(b, &self.node_name(node))?,
                );
                let silu = |s: &HashMap<ValueId, ValueId>, v, w| s.get(&v) == Some(&w);
                if silu(&self.sigmoid_of, y, x) || silu(&self.sigmoid_of, x, y) {
                    let input = if silu(&self.sigmoid_of, y, x) { x } else { y };
                    self.emit(node, Op::Activation(Activation::Silu), &[input]);
                    return Ok(());
                }
            }
        }
        self.binary_inputs(node, Op::Binary(op))
    }

    fn reduce(&mut self, node: &Node, op: ReduceOp, dims: &[usize], keepdims: bool) -> Result<()> {
        self.unary(
            node,
            Op::Reduce {
                op,
                axes: dims.iter().map(|&d| d as i64).collect(),
                keepdims,
            },
        )
    }

    fn cast(&mut self, node: &Node, config: &CastConfig) -> Result<()> {
        let arg = node
            .inputs()
            .first()
            .ok_or_else(|| unsupported(&self.node_name(node), "Cast", "no input"))?;
        let from_float = matches!(&arg.ty, ArgType::Tensor(t) if t.dtype.is_float())
            || matches!(&arg.ty, ArgType::ScalarTensor(d) | ArgType::ScalarNative(d) if d.is_float());
        let op = match (from_float, config.to.is_float()) {
            (true, true) | (false, false) => Op::Identity,
            (false, true) => Op::IntsToFloat,
            (true, false) => {
                return Err(unsupported(
                    &self.node_name(node),
                    "Cast",
                    "casting a float tensor to integers is not supported",
                ));
            }
        };
        self.unary(node, op)
    }
}
