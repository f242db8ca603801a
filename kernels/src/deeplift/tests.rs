//! Tests of the DeepLIFT rules: the custom backward passes against a linearised oracle
//! (`f(ū) + (u − ū)·m` with `ū` detached), and summation-to-delta on random small networks.

use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorData, module::conv1d, ops::ConvOptions};

use super::rules::rescale_multipliers;
use super::{Activation, DeepLift, MaxPool1d, Nonlinear};

type B = Autodiff<Flex>;

/// A small deterministic generator for test data (xorshift).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) as f32 * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
    fn one_hot(&mut self, rows: usize, len: usize) -> Vec<f32> {
        let mut v = vec![0f32; rows * 4 * len];
        for r in 0..rows {
            for l in 0..len {
                let c = ((self.next() + 1.0) * 2.0).floor().clamp(0.0, 3.0) as usize;
                v[r * 4 * len + c * len + l] = 1.0;
            }
        }
        v
    }
}

/// The linearised rescale rule: same forward values, gradient = the multipliers.
struct Linearised;

impl Nonlinear<B> for Linearised {
    fn activation<const D: usize>(&self, act: &Activation, x: Tensor<B, D>) -> Tensor<B, D> {
        let u = x.clone().inner();
        let v = act.forward(u.clone());
        let m = Tensor::<B, D>::from_inner(rescale_multipliers(act, u, v.clone()));
        let v = Tensor::<B, D>::from_inner(v);
        v + (x.clone() - x.detach()) * m
    }
    fn max_pool1d(&self, pool: &MaxPool1d, x: Tensor<B, 3>) -> Tensor<B, 3> {
        DeepLift.max_pool1d(pool, x)
    }
    fn softmax<const D: usize>(&self, x: Tensor<B, D>, dim: usize) -> Tensor<B, D> {
        DeepLift.softmax(x, dim)
    }
}

const ACTIVATIONS: [Activation; 12] = [
    Activation::Relu,
    Activation::LeakyRelu { slope: 0.1 },
    Activation::Elu { alpha: 1.0 },
    Activation::Selu,
    Activation::Gelu,
    Activation::Silu,
    Activation::Mish,
    Activation::Sigmoid,
    Activation::LogSigmoid,
    Activation::Tanh,
    Activation::Softplus { beta: 1.0 },
    Activation::Exp,
];

/// A random Conv → act → MaxPool → Conv → act → mean → Linear → act network on `(2B, 4, L)`.
struct Net {
    w1: Tensor<B, 3>,
    b1: Tensor<B, 1>,
    w2: Tensor<B, 3>,
    w3: Tensor<B, 2>,
    act1: Activation,
    act2: Activation,
    pool: MaxPool1d,
    softmax: bool,
}

impl Net {
    fn random(rng: &mut Lcg, act1: Activation, act2: Activation, pool: MaxPool1d, softmax: bool) -> Self {
        let dev = Default::default();
        let t3 = |rng: &mut Lcg, s: [usize; 3]| {
            Tensor::<B, 3>::from_data(TensorData::new(rng.vec(s.iter().product()), s), &dev)
        };
        Self {
            w1: t3(rng, [6, 4, 5]),
            b1: Tensor::from_data(TensorData::new(rng.vec(6), [6]), &dev),
            w2: t3(rng, [5, 6, 3]),
            w3: Tensor::from_data(TensorData::new(rng.vec(5 * 3), [5, 3]), &dev),
            act1,
            act2,
            pool,
            softmax,
        }
    }

    fn forward<N: Nonlinear<B>>(&self, x: Tensor<B, 3>, rules: &N) -> Tensor<B, 2> {
        let opts = ConvOptions::new([1], [2], [1], 1);
        let h = conv1d(x, self.w1.clone(), Some(self.b1.clone()), opts.clone());
        let h = rules.activation(&self.act1, h);
        let h = rules.max_pool1d(&self.pool, h);
        let h = conv1d(h, self.w2.clone(), None, ConvOptions::new([1], [1], [2], 1));
        let h = rules.activation(&self.act2, h);
        let pooled = h.mean_dim(2).squeeze_dim::<2>(2);
        let y = pooled.matmul(self.w3.clone());
        if self.softmax { rules.softmax(y, 1) } else { y }
    }
}

/// Multipliers of the summed target output w.r.t. the input half, and the outputs.
fn multipliers<N: Nonlinear<B>>(net: &Net, z: Tensor<B, 3>, rules: &N, target: usize) -> (Vec<f32>, Vec<f32>) {
    let z = z.require_grad();
    let y = net.forward(z.clone(), rules).narrow(1, target, 1);
    let grads = y.clone().sum().backward();
    let m = z.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
    (m, y.into_data().to_vec::<f32>().unwrap())
}

fn paired_batch(rng: &mut Lcg, b: usize, len: usize) -> (Tensor<B, 3>, Vec<f32>) {
    let data = rng.one_hot(2 * b, len);
    (Tensor::from_data(TensorData::new(data.clone(), [2 * b, 4, len]), &Default::default()), data)
}

#[test]
fn custom_backward_equals_linearised_oracle() {
    let mut rng = Lcg(0x9E37_79B9_7F4A_7C15);
    for act in ACTIVATIONS {
        let net = Net::random(&mut rng, act, Activation::Relu, MaxPool1d::new(2), false);
        let (z, _) = paired_batch(&mut rng, 3, 24);
        let (m1, y1) = multipliers(&net, z.clone(), &DeepLift, 0);
        let (m2, y2) = multipliers(&net, z, &Linearised, 0);
        assert_eq!(y1, y2, "{act:?}: forward values differ");
        for (a, b) in m1.iter().zip(&m2) {
            assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{act:?}: {a} vs {b}");
        }
    }
}

/// Σ_{c,l} (x − r)·m must equal f(x) − f(r) for every pair.
fn check_summation(net: &Net, b: usize, len: usize, rng: &mut Lcg, target: usize, tol: f32) {
    let (z, data) = paired_batch(rng, b, len);
    let (m, y) = multipliers(net, z, &DeepLift, target);
    let width = 4 * len;
    for p in 0..b {
        let mut input_diff = 0f32;
        for j in 0..width {
            input_diff += (data[p * width + j] - data[(b + p) * width + j]) * m[p * width + j];
        }
        let output_diff = y[p] - y[b + p];
        assert!(
            (output_diff - input_diff).abs() <= tol * (1.0 + output_diff.abs()),
            "pair {p}: output diff {output_diff} vs attribution sum {input_diff}"
        );
    }
}

#[test]
fn summation_to_delta_on_random_networks() {
    let mut rng = Lcg(42);
    let pools = [
        MaxPool1d::new(2),
        MaxPool1d { kernel: 3, stride: 1, padding: 0, dilation: 1, ceil_mode: false },
        MaxPool1d { kernel: 4, stride: 2, padding: 0, dilation: 1, ceil_mode: false },
    ];
    for (i, act1) in ACTIVATIONS.iter().enumerate() {
        let act2 = ACTIVATIONS[(i * 5 + 3) % ACTIVATIONS.len()];
        let pool = pools[i % pools.len()];
        let net = Net::random(&mut rng, *act1, act2, pool, false);
        check_summation(&net, 4, 30, &mut rng, 1, 2e-5);
    }
}

#[test]
fn summation_to_delta_through_softmax() {
    let mut rng = Lcg(7);
    for target in 0..3 {
        let net = Net::random(&mut rng, Activation::Relu, Activation::Tanh, MaxPool1d::new(2), true);
        check_summation(&net, 4, 30, &mut rng, target, 2e-5);
    }
}

#[test]
fn rescale_falls_back_to_the_derivative_for_equal_inputs() {
    let dev = Default::default();
    // Input and reference identical: the multiplier is each half's own derivative.
    let x = Tensor::<B, 2>::from_floats([[0.5], [0.5]], &dev).require_grad();
    let y = DeepLift.activation(&Activation::Sigmoid, x.clone());
    let grads = y.sum().backward();
    let m = x.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
    let s = 1.0 / (1.0 + (-0.5f32).exp());
    assert!((m[0] - s * (1.0 - s)).abs() < 1e-7);
}

#[test]
fn maxpool_rule_routes_both_halves() {
    let dev = Default::default();
    // Window of 2: input [3, 1] (max 3 at 0), reference [0, 2] (max 2 at 1).
    let x = Tensor::<B, 3>::from_floats([[[3.0, 1.0]], [[0.0, 2.0]]], &dev).require_grad();
    let y = DeepLift.max_pool1d(&MaxPool1d::new(2), x.clone());
    let grads = y.sum().backward();
    let m = x.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
    // m_pool = max(3, 2) = 3: d_x = 1 routed to 0, d_r = 0 routed to 1; Δu = [3, -1].
    assert_eq!(m, vec![1.0 / 3.0, 0.0, 1.0 / 3.0, 0.0]);
}
