//! The DeepLIFT rules of tangermeme 1.6.0 (ALGORITHMS §4.4) as custom backward passes on
//! Burn's autodiff.
//!
//! A batch holds `2B` rows: `B` inputs first, then their `B` references, row `i` paired with
//! row `B + i`. The forward values are the ordinary ones; only the backward step of each
//! nonlinear op is replaced:
//!
//! - **rescale** (elementwise activations): the gradient is multiplied by the secant
//!   `Δv/Δu` (shared by both halves), or by each half's own derivative where `|Δu| < 1e-6`;
//! - **max pool**: both halves' upstream gradients, weighted by the output differences, are
//!   routed to their arg-max positions with accumulation, then divided by `Δu`;
//! - **softmax**: the guarded-ratio rule of §4.4.
//!
//! The multipliers are computed in the forward pass (where both halves are at hand) and kept as
//! the op's backward state, so the backward pass costs one multiply per element for the
//! rescale rule — and it never has to look at the other half.
//!
//! ```
//! use burn::backend::{Autodiff, Flex};
//! use burn::tensor::Tensor;
//! use motiflift_kernels::deeplift::{Activation, DeepLift, Nonlinear};
//!
//! type B = Autodiff<Flex>;
//! let device = Default::default();
//! // One input (2.0) and its reference (-1.0): relu gives 2 and 0, the secant is 2/3.
//! let x = Tensor::<B, 2>::from_floats([[2.0], [-1.0]], &device).require_grad();
//! let y = DeepLift.activation(&Activation::Relu, x.clone());
//! let grads = y.sum().backward();
//! let m = x.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
//! assert!((m[0] - 2.0 / 3.0).abs() < 1e-7 && (m[1] - 2.0 / 3.0).abs() < 1e-7);
//! ```

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::tensor::backend::Backend;
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorPrimitive};

use super::{Activation, MaxPool1d, Nonlinear};

/// Below this absolute input difference the rescale rule falls back to the ordinary gradient.
pub const RESCALE_THRESHOLD: f64 = 1e-6;

/// DeepLIFT rules on a paired batch `[inputs; references]` (see the module docs).
///
/// ```
/// use motiflift_kernels::deeplift::DeepLift;
/// let rules = DeepLift;
/// # let _ = rules;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DeepLift;

/// Wraps an inner-backend float primitive as a tensor of rank `D`.
fn tensor<B: Backend, const D: usize>(p: B::FloatTensorPrimitive) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

/// The float primitive of an inner-backend tensor.
fn primitive<B: Backend, const D: usize>(t: Tensor<B, D>) -> B::FloatTensorPrimitive {
    t.into_primitive().tensor()
}

/// Splits a paired batch into its input and reference halves.
fn halves<B: Backend, const D: usize>(t: Tensor<B, D>) -> (Tensor<B, D>, Tensor<B, D>) {
    let rows = t.dims()[0];
    let half = rows / 2;
    (t.clone().narrow(0, 0, half), t.narrow(0, half, rows - half))
}

/// The rescale multipliers for both halves of `u` (ALGORITHMS §4.4).
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_kernels::deeplift::{Activation, rules::rescale_multipliers};
/// let u = Tensor::<Flex, 1>::from_floats([1.0, 1.0], &Default::default());
/// let m = rescale_multipliers(&Activation::Relu, u.clone(), Activation::Relu.forward(u));
/// assert_eq!(m.into_data().to_vec::<f32>().unwrap(), vec![1.0, 1.0]);
/// ```
pub fn rescale_multipliers<B: Backend, const D: usize>(
    act: &Activation,
    u: Tensor<B, D>,
    v: Tensor<B, D>,
) -> Tensor<B, D> {
    let (ux, ur) = halves(u);
    let (vx, vr) = halves(v);
    let du = ux.clone() - ur.clone();
    let small = du.clone().abs().lower_elem(RESCALE_THRESHOLD);
    let secant = (vx - vr) / du;
    let mx = secant.clone().mask_where(small.clone(), act.derivative(ux));
    let mr = secant.mask_where(small, act.derivative(ur));
    Tensor::cat(vec![mx, mr], 0)
}

#[derive(Debug)]
struct RescaleBackward;

impl<B: Backend> Backward<B, 1> for RescaleBackward {
    type State = B::FloatTensorPrimitive;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let multipliers = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| B::float_mul(grad, multipliers));
    }
}

/// What the max-pool rule needs in the backward pass: built from the paired input by
/// [`max_pool_rule`], applied to the upstream gradients by [`MaxPoolRule::multipliers`].
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_kernels::deeplift::{MaxPool1d, rules::max_pool_rule};
/// // One input row [3, 1] and its reference [0, 2], pooled over both positions.
/// let u = Tensor::<Flex, 3>::from_floats([[[3.0, 1.0]], [[0.0, 2.0]]], &Default::default());
/// let (v, rule) = max_pool_rule(&MaxPool1d::new(2), u);
/// assert_eq!(v.into_data().to_vec::<f32>().unwrap(), vec![3.0, 2.0]);
/// let ones = Tensor::<Flex, 3>::ones([1, 1, 1], &Default::default());
/// let m = rule.multipliers(ones.clone(), ones).into_data().to_vec::<f32>().unwrap();
/// // Δv = 1 goes to the input's arg-max (position 0) and is divided by Δu = 3.
/// assert_eq!(m, vec![1.0 / 3.0, 0.0]);
/// ```
#[derive(Debug, Clone)]
pub struct MaxPoolRule<B: Backend> {
    /// Arg-max positions of the input half, `(B, C, Lout)`.
    idx_x: Tensor<B, 3, Int>,
    /// Arg-max positions of the reference half.
    idx_r: Tensor<B, 3, Int>,
    /// `max(v_x, v_r) − v_r`.
    d_x: Tensor<B, 3>,
    /// `v_x − max(v_x, v_r)`.
    d_r: Tensor<B, 3>,
    /// `u_x − u_r`, `(B, C, L)`.
    du: Tensor<B, 3>,
}

/// The forward values of a max-pool over the paired batch `u` `(2B, C, L)` and what its
/// DeepLIFT rule needs (ALGORITHMS §4.4, max pool). See [`MaxPoolRule`] for an example.
pub fn max_pool_rule<B: Backend>(pool: &MaxPool1d, u: Tensor<B, 3>) -> (Tensor<B, 3>, MaxPoolRule<B>) {
    let (v, idx) = burn::tensor::module::max_pool1d_with_indices(
        u.clone(),
        pool.kernel,
        pool.stride,
        pool.padding,
        pool.dilation,
        pool.ceil_mode,
    );
    let (ux, ur) = halves(u);
    let (vx, vr) = halves(v.clone());
    let (idx_x, idx_r) = halves_int(idx);
    let m = vx.clone().max_pair(vr.clone());
    let rule = MaxPoolRule { idx_x, idx_r, d_x: m.clone() - vr, d_r: vx - m, du: ux - ur };
    (v, rule)
}

impl<B: Backend> MaxPoolRule<B> {
    /// The multipliers at the pool's input, `(B, C, L)`, shared by both halves, from the
    /// upstream gradients of the input half `gx` and of the reference half `gr` `(B, C, Lout)`:
    /// both are weighted by the output differences and routed to their arg-max positions with
    /// accumulation, then divided by `Δu` (the ordinary routing of `gx` where `Δu = 0`).
    /// See [`MaxPoolRule`] for an example.
    pub fn multipliers(self, gx: Tensor<B, 3>, gr: Tensor<B, 3>) -> Tensor<B, 3> {
        let zeros = self.du.zeros_like();
        let route = |idx: Tensor<B, 3, Int>, values: Tensor<B, 3>| {
            zeros.clone().scatter(2, idx, values, IndexingUpdateOp::Add)
        };
        let routed = route(self.idx_x.clone(), gx.clone() * self.d_x) + route(self.idx_r, gr * self.d_r);
        let ordinary = route(self.idx_x, gx);
        let equal = self.du.clone().equal_elem(0.0);
        (routed / self.du).mask_where(equal, ordinary)
    }
}

#[derive(Debug)]
struct MaxPoolBackward;

impl<B: Backend> Backward<B, 1> for MaxPoolBackward {
    type State = MaxPoolRule<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let rule = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| {
            let (gx, gr) = halves(tensor::<B, 3>(grad));
            let new = rule.multipliers(gx, gr);
            primitive(Tensor::cat(vec![new.clone(), new], 0))
        });
    }
}

/// What the softmax rule needs in the backward pass (ALGORITHMS §4.4, softmax).
#[derive(Debug, Clone)]
struct SoftmaxState<B: Backend> {
    /// The softmax axis.
    dim: usize,
    /// The rank of the tensor.
    rank: usize,
    /// `ρ` per half, `(2B, ...)`.
    rho: B::FloatTensorPrimitive,
    /// `mA` (guarded `Δa/Δx`), `(B, ...)`.
    m_a: B::FloatTensorPrimitive,
    /// `σ·(−w_x·w_r)`, `(B, ...)` with the softmax axis of size 1.
    scale: B::FloatTensorPrimitive,
}

#[derive(Debug)]
struct SoftmaxBackward;

/// `num / den` where `|den| >= 1e-6`, `fallback` elsewhere.
fn guarded<B: Backend, const D: usize>(
    num: Tensor<B, D>,
    den: Tensor<B, D>,
    fallback: Tensor<B, D>,
) -> Tensor<B, D> {
    let small = den.clone().abs().lower_elem(RESCALE_THRESHOLD);
    (num / den).mask_where(small, fallback)
}

fn softmax_backward<B: Backend, const D: usize>(
    state: SoftmaxState<B>,
    grad: B::FloatTensorPrimitive,
) -> B::FloatTensorPrimitive {
    let g = tensor::<B, D>(grad);
    let rho = tensor::<B, D>(state.rho);
    let m_a = tensor::<B, D>(state.m_a);
    let scale = tensor::<B, D>(state.scale);
    let scale2 = Tensor::cat(vec![scale.clone(), scale], 0);
    let m_a2 = Tensor::cat(vec![m_a.clone(), m_a], 0);
    let g_rho = g * rho;
    let inner = (g_rho.clone() * scale2).sum_dim(state.dim);
    primitive(g_rho + m_a2 * inner)
}

impl<B: Backend> Backward<B, 1> for SoftmaxBackward {
    type State = SoftmaxState<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let state = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| match state.rank {
            2 => softmax_backward::<B, 2>(state, grad),
            3 => softmax_backward::<B, 3>(state, grad),
            _ => softmax_backward::<B, 4>(state, grad),
        });
    }
}

/// Forward values and backward state of the softmax rule.
fn softmax_rule<B: Backend, const D: usize>(
    u: Tensor<B, D>,
    dim: usize,
) -> (Tensor<B, D>, SoftmaxState<B>) {
    let (ux, ur) = halves(u);
    let c = ux.clone().max_dim(dim).max_pair(ur.clone().max_dim(dim));
    let ax = (ux.clone() - c.clone()).exp();
    let ar = (ur.clone() - c).exp();
    let tiny = f32::MIN_POSITIVE as f64;
    let wx = ax.clone().sum_dim(dim).clamp_min(tiny).recip();
    let wr = ar.clone().sum_dim(dim).clamp_min(tiny).recip();
    let yx = ax.clone() * wx.clone();
    let yr = ar.clone() * wr.clone();
    let dx = ux - ur;
    let m_a = guarded(ax - ar.clone(), dx.clone(), ar);
    let log_ratio = wx.clone().log() - wr.clone().log();
    let rho = guarded(yx.clone() - yr.clone(), dx + log_ratio.clone(), yr.clone());
    let sigma = guarded(log_ratio, wx.clone() - wr.clone(), wr.clone().recip());
    let scale = sigma * (wx * wr).neg();
    let y = Tensor::cat(vec![yx, yr], 0);
    let state = SoftmaxState {
        dim,
        rank: D,
        rho: primitive(Tensor::cat(vec![rho.clone(), rho], 0)),
        m_a: primitive(m_a),
        scale: primitive(scale),
    };
    (y, state)
}

impl<B: Backend, C: CheckpointStrategy> Nonlinear<Autodiff<B, C>> for DeepLift {
    fn activation<const D: usize>(
        &self,
        act: &Activation,
        x: Tensor<Autodiff<B, C>, D>,
    ) -> Tensor<Autodiff<B, C>, D> {
        let x = x.into_primitive().tensor();
        let u = tensor::<B, D>(x.primitive.clone());
        let v = act.forward(u.clone());
        let out = match RescaleBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let m = rescale_multipliers(act, u, v.clone());
                prep.finish(primitive(m), primitive(v))
            }
            OpsKind::UnTracked(prep) => prep.finish(primitive(v)),
        };
        Tensor::from_primitive(TensorPrimitive::Float(out))
    }

    fn max_pool1d(
        &self,
        pool: &MaxPool1d,
        x: Tensor<Autodiff<B, C>, 3>,
    ) -> Tensor<Autodiff<B, C>, 3> {
        let x = x.into_primitive().tensor();
        let u = tensor::<B, 3>(x.primitive.clone());
        let out = match MaxPoolBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (v, rule) = max_pool_rule(pool, u);
                prep.finish(rule, primitive(v))
            }
            OpsKind::UnTracked(prep) => {
                let v = burn::tensor::module::max_pool1d(
                    u,
                    pool.kernel,
                    pool.stride,
                    pool.padding,
                    pool.dilation,
                    pool.ceil_mode,
                );
                prep.finish(primitive(v))
            }
        };
        Tensor::from_primitive(TensorPrimitive::Float(out))
    }

    fn softmax<const D: usize>(
        &self,
        x: Tensor<Autodiff<B, C>, D>,
        dim: usize,
    ) -> Tensor<Autodiff<B, C>, D> {
        let x = x.into_primitive().tensor();
        let u = tensor::<B, D>(x.primitive.clone());
        let out = match SoftmaxBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (y, state) = softmax_rule(u, dim);
                prep.finish(state, primitive(y))
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(primitive(burn::tensor::activation::softmax(u, dim)))
            }
        };
        Tensor::from_primitive(TensorPrimitive::Float(out))
    }
}

/// Splits an integer paired batch into its halves.
fn halves_int<B: Backend>(t: Tensor<B, 3, Int>) -> (Tensor<B, 3, Int>, Tensor<B, 3, Int>) {
    let rows = t.dims()[0];
    let half = rows / 2;
    (t.clone().narrow(0, 0, half), t.narrow(0, half, rows - half))
}
