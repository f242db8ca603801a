//! DeepLIFT/SHAP multipliers of a graph by one forward pass over distinct examples and
//! references and one direct backward sweep over the pairs (DESIGN §4, "do less work").
//!
//! tangermeme runs `[inputs; references]` through the model for every pair, so an example's
//! forward pass is repeated for each of its references, and autodiff carries the reference half
//! back through every layer. Here each example runs forward once per batch, the multipliers of
//! every linear op are applied by its transpose directly, and the reference half's gradient is
//! carried only above a max-pool (the one rule that reads it). The rules are the same functions
//! as the autodiff path's ([`motiflift_kernels::deeplift::rules`]), so results are identical up
//! to float rounding.

use burn::tensor::{Int, Tensor, TensorData, TensorPrimitive, backend::Backend};
use motiflift_kernels::deeplift::Plain;

use crate::error::{Error, Result};
use crate::graph::{Graph, INPUT};
use crate::ops::vjp::{self, Grad, Pairing, Tape};
use crate::value::{DynTensor, Value};

/// The result of [`Graph::deep_lift_pairs`].
///
/// ```
/// # fn pass() -> motiflift_models::deeplift::PairedPass<burn::backend::Flex> { unimplemented!() }
/// let p = pass();
/// assert_eq!(p.multipliers.dims()[0], p.reference_outputs.len());
/// ```
#[derive(Debug, Clone)]
pub struct PairedPass<B: Backend> {
    /// The multipliers of each pair at the model input, `(pairs, channels, length)`.
    pub multipliers: Tensor<B, 3>,
    /// The target output of each distinct example.
    pub example_outputs: Vec<f32>,
    /// The target output of each pair's reference.
    pub reference_outputs: Vec<f32>,
}

impl<B: Backend> Graph<B> {
    /// Whether [`Graph::deep_lift_pairs`] can run this graph (every op on the path from the
    /// input has a direct backward step; otherwise use the autodiff rules).
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use motiflift_kernels::deeplift::Activation;
    /// use motiflift_models::{GraphBuilder, ops::{Op, ReduceOp}};
    /// let mut g = GraphBuilder::<Flex>::new(&Default::default());
    /// let h = g.push("relu", Op::Activation(Activation::Relu), &[g.input()]);
    /// let y = g.push("sum", Op::Reduce { op: ReduceOp::Sum, axes: vec![1, 2], keepdims: false }, &[h]);
    /// g.output("y", y);
    /// assert!(g.build().unwrap().supports_deep_lift_pairs());
    /// ```
    pub fn supports_deep_lift_pairs(&self) -> bool {
        self.outputs.len() == 1
            && self.nodes.iter().zip(&self.node_dependent).all(|(node, &dep)| !dep || vjp::supported(&node.op))
    }

    /// DeepLIFT multipliers of the pairs `(example_of[p], references[p])` for output column
    /// `target`: `examples` `(u, C, L)` holds each distinct example once, `references` `(b, C, L)`
    /// one reference per pair. `Ok(None)` when the graph cannot be run this way (see
    /// [`Graph::supports_deep_lift_pairs`], or an op that moves the batch axis); then use the
    /// autodiff rules, which give the same multipliers.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_kernels::deeplift::Activation;
    /// use motiflift_models::{GraphBuilder, ops::{Op, ReduceOp}};
    /// let device = Default::default();
    /// let mut g = GraphBuilder::<Flex>::new(&device);
    /// let h = g.push("relu", Op::Activation(Activation::Relu), &[g.input()]);
    /// let y = g.push("sum", Op::Reduce { op: ReduceOp::Sum, axes: vec![1, 2], keepdims: false }, &[h]);
    /// g.output("y", y);
    /// let graph = g.build().unwrap();
    /// // One example, two references: relu(x) − relu(r) = Σ (x − r)·m.
    /// let x = Tensor::<Flex, 3>::from_floats([[[2.0, -1.0]]], &device);
    /// let r = Tensor::<Flex, 3>::from_floats([[[0.0, 1.0]], [[-2.0, -1.0]]], &device);
    /// let pass = graph.deep_lift_pairs(x, r, &[0, 0], 0)?.unwrap();
    /// assert_eq!(pass.example_outputs, vec![2.0]);
    /// assert_eq!(pass.reference_outputs, vec![1.0, 0.0]);
    /// let m = pass.multipliers.into_data().to_vec::<f32>().unwrap();
    /// assert_eq!(m, vec![1.0, 0.5, 0.5, 0.0]);
    /// # Ok::<(), motiflift_models::Error>(())
    /// ```
    pub fn deep_lift_pairs(
        &self,
        examples: Tensor<B, 3>,
        references: Tensor<B, 3>,
        example_of: &[usize],
        target: usize,
    ) -> Result<Option<PairedPass<B>>> {
        if !self.supports_deep_lift_pairs() {
            return Ok(None);
        }
        let [u, _, _] = examples.dims();
        let [b, c, len] = references.dims();
        if example_of.len() != b || example_of.iter().any(|&e| e >= u) {
            return Err(Error::Output {
                reason: format!("{} pair indices for {b} references and {u} examples", example_of.len()),
            });
        }
        let rows = u + b;
        let device = self.device().clone();
        let index = TensorData::new(example_of.iter().map(|&e| e as i64).collect::<Vec<_>>(), [b]);
        let pairing = Pairing {
            examples: u,
            pairs: b,
            example_of: Tensor::<B, 1, Int>::from_data(index, &device).into_primitive(),
        };

        // Forward over [examples; references], keeping what each backward step needs.
        let mut tapes: Vec<Option<Tape<B>>> = vec![None; self.nodes.len()];
        let mut batch_axis_kept = true;
        let z = Tensor::cat(vec![examples, references], 0);
        let outputs = self.run(z, &Plain, |k, inputs| {
            if !self.node_dependent[k] {
                return Ok(());
            }
            let node = &self.nodes[k];
            let deps: Vec<bool> = node.inputs.iter().map(|&v| self.dependent[v]).collect();
            for (value, &dep) in inputs.iter().zip(&deps) {
                if dep && matches!(value, Value::Float(t) if t.dims().first() != Some(&rows)) {
                    batch_axis_kept = false;
                }
            }
            let tape = node.op.record(inputs, &deps, &device).map_err(|reason| Error::Eval {
                node: node.name.clone(),
                op: node.op.name().to_string(),
                reason,
            })?;
            tapes[k] = Some(tape);
            Ok(())
        })?;
        let Some(y) = outputs.into_iter().next() else { return Ok(None) };
        let out_dims = y.dims();
        if !batch_axis_kept || out_dims.first() != Some(&rows) {
            return Ok(None);
        }
        let n_outputs: usize = out_dims[1..].iter().product();
        if target >= n_outputs {
            return Err(Error::Output {
                reason: format!("target {target} is out of range: the model has {n_outputs} output(s)"),
            });
        }
        let column = y.reshape(&[rows, n_outputs]).typed::<2>().narrow(1, target, 1);
        let values: Vec<f32> = column
            .into_data()
            .convert::<f32>()
            .into_vec()
            .map_err(|e| Error::Output { reason: format!("{e:?}") })?;
        let (example_outputs, reference_outputs) = (values[..u].to_vec(), values[u..].to_vec());

        // Backward over the pairs.
        let first_mixing = self.nodes.iter().zip(&self.node_dependent).position(|(n, &d)| d && vjp::mixes_halves(&n.op));
        let mut seed = vec![0f32; b * n_outputs];
        for p in 0..b {
            seed[p * n_outputs + target] = 1.0;
        }
        let mut grad_dims = out_dims.clone();
        grad_dims[0] = b;
        let seed = DynTensor::<B>::from_f32(seed, &grad_dims, &device).0;
        let mut grads: Vec<Option<Grad<B>>> = vec![None; self.n_values];
        grads[self.outputs[0].1] = Some(Grad { x: seed.clone(), r: first_mixing.map(|_| seed) });
        for (k, node) in self.nodes.iter().enumerate().rev() {
            let Some(tape) = tapes[k].take() else { continue };
            let outs: Vec<Option<Grad<B>>> = node.outputs.iter().map(|&v| grads[v].take()).collect();
            if outs.iter().all(Option::is_none) {
                continue;
            }
            let deps: Vec<bool> = node.inputs.iter().map(|&v| self.dependent[v]).collect();
            let Ok(ins) = node.op.vjp(tape, outs, &deps, &pairing) else { return Ok(None) };
            let keep_reference = first_mixing.is_some_and(|f| f < k);
            for (&v, g) in node.inputs.iter().zip(ins) {
                let Some(mut g) = g else { continue };
                if !self.dependent[v] {
                    continue;
                }
                if !keep_reference {
                    g.r = None;
                }
                grads[v] = Some(match grads[v].take() {
                    Some(prev) => prev.add(g),
                    None => g,
                });
            }
        }
        let Some(m) = grads[INPUT].take() else {
            return Err(Error::Output { reason: "the model output does not depend on its input".into() });
        };
        let multipliers = Tensor::<B, 3>::from_primitive(TensorPrimitive::Float(m.x));
        if multipliers.dims() != [b, c, len] {
            return Ok(None);
        }
        Ok(Some(PairedPass { multipliers, example_outputs, reference_outputs }))
    }
}
