//! Elementwise activations that take the DeepLIFT rescale rule.

use burn::tensor::{Tensor, activation as act, backend::Backend};

/// An elementwise nonlinearity. Every variant takes the rescale rule (ALGORITHMS §4.4);
/// `Exp` and `Log` too (tangermeme would silently treat functional `exp`/`log` as linear).
///
/// ```
/// use motiflift_kernels::deeplift::Activation;
/// assert_eq!(Activation::from_name("Relu"), Some(Activation::Relu));
/// assert_eq!(Activation::from_name("Softmax"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x > 0`, else `slope·x`.
    LeakyRelu {
        /// Negative slope.
        slope: f64,
    },
    /// `x` for `x > 0`, else `alpha·(exp(x) − 1)`.
    Elu {
        /// Scale of the negative part.
        alpha: f64,
    },
    /// Scaled ELU.
    Selu,
    /// Gaussian error linear unit (exact, erf form).
    Gelu,
    /// `x·sigmoid(x)`.
    Silu,
    /// `x·tanh(softplus(x))`.
    Mish,
    /// Logistic function.
    Sigmoid,
    /// `log(sigmoid(x))`.
    LogSigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// `log(1 + exp(beta·x)) / beta`.
    Softplus {
        /// Sharpness.
        beta: f64,
    },
    /// Natural exponential.
    Exp,
    /// Natural logarithm.
    Log,
}

/// SELU's constants (PyTorch).
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

impl Activation {
    /// The activation for an ONNX / PyTorch op name with default parameters, if known.
    ///
    /// ```
    /// use motiflift_kernels::deeplift::Activation;
    /// assert_eq!(Activation::from_name("Sigmoid"), Some(Activation::Sigmoid));
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Relu" | "ReLU" => Self::Relu,
            "LeakyRelu" | "LeakyReLU" => Self::LeakyRelu { slope: 0.01 },
            "Elu" | "ELU" => Self::Elu { alpha: 1.0 },
            "Selu" | "SELU" => Self::Selu,
            "Gelu" | "GELU" => Self::Gelu,
            "Silu" | "SiLU" => Self::Silu,
            "Mish" => Self::Mish,
            "Sigmoid" => Self::Sigmoid,
            "LogSigmoid" => Self::LogSigmoid,
            "Tanh" => Self::Tanh,
            "Softplus" => Self::Softplus { beta: 1.0 },
            "Exp" => Self::Exp,
            "Log" => Self::Log,
            _ => return None,
        })
    }

    /// Evaluates the activation elementwise.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_kernels::deeplift::Activation;
    /// let x = Tensor::<Flex, 1>::from_floats([0.0], &Default::default());
    /// let y = Activation::Sigmoid.forward(x).into_scalar();
    /// assert_eq!(y, 0.5);
    /// ```
    pub fn forward<B: Backend, const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        match *self {
            Self::Relu => act::relu(x),
            Self::LeakyRelu { slope } => act::leaky_relu(x, slope),
            Self::Elu { alpha } => act::elu(x, alpha),
            Self::Selu => act::selu(x),
            Self::Gelu => act::gelu(x),
            Self::Silu => act::silu(x),
            Self::Mish => act::mish(x),
            Self::Sigmoid => act::sigmoid(x),
            Self::LogSigmoid => act::log_sigmoid(x),
            Self::Tanh => act::tanh(x),
            Self::Softplus { beta } => act::softplus(x, beta),
            Self::Exp => x.exp(),
            Self::Log => x.log(),
        }
    }

    /// The ordinary derivative at one point, as [`Activation::derivative`] computes it
    /// elementwise; `None` for GELU and Mish (which need `erf`/nested transcendentals and stay
    /// on the tensor path).
    ///
    /// ```
    /// use motiflift_kernels::deeplift::Activation;
    /// assert_eq!(Activation::Relu.derivative_at(0.0), Some(0.0));
    /// assert_eq!(Activation::Sigmoid.derivative_at(0.0), Some(0.25));
    /// assert_eq!(Activation::Gelu.derivative_at(0.0), None);
    /// ```
    pub fn derivative_at(&self, x: f32) -> Option<f32> {
        let sigmoid = |x: f32| 1.0 / (1.0 + (-x).exp());
        Some(match *self {
            Self::Relu => f32::from(u8::from(x > 0.0)),
            Self::LeakyRelu { slope } => if x <= 0.0 { slope as f32 } else { 1.0 },
            Self::Elu { alpha } => if x > 0.0 { 1.0 } else { x.exp() * alpha as f32 },
            Self::Selu => if x > 0.0 { SELU_SCALE as f32 } else { x.exp() * (SELU_ALPHA * SELU_SCALE) as f32 },
            Self::Silu => {
                let s = sigmoid(x);
                s + x * s * (1.0 - s)
            }
            Self::Sigmoid => {
                let s = sigmoid(x);
                s * (1.0 - s)
            }
            Self::LogSigmoid => 1.0 - sigmoid(x),
            Self::Tanh => 1.0 - x.tanh().powi(2),
            Self::Softplus { beta } => sigmoid(x * beta as f32),
            Self::Exp => x.exp(),
            Self::Log => 1.0 / x,
            Self::Gelu | Self::Mish => return None,
        })
    }

    /// The ordinary derivative `f'(x)`, elementwise — the rescale rule's fallback where the
    /// input difference is below the threshold. At a kink (ReLU at 0) it takes PyTorch's value.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_kernels::deeplift::Activation;
    /// let x = Tensor::<Flex, 1>::from_floats([-1.0, 0.0, 2.0], &Default::default());
    /// let d = Activation::Relu.derivative(x).into_data().to_vec::<f32>().unwrap();
    /// assert_eq!(d, vec![0.0, 0.0, 1.0]);
    /// ```
    pub fn derivative<B: Backend, const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let positive = || x.clone().greater_elem(0.0);
        match *self {
            Self::Relu => positive().float(),
            Self::LeakyRelu { slope } => {
                x.ones_like().mask_fill(x.clone().lower_equal_elem(0.0), slope)
            }
            Self::Elu { alpha } => {
                let neg = x.clone().exp().mul_scalar(alpha);
                neg.mask_fill(positive(), 1.0)
            }
            Self::Selu => {
                let neg = x.clone().exp().mul_scalar(SELU_ALPHA * SELU_SCALE);
                neg.mask_fill(positive(), SELU_SCALE)
            }
            Self::Gelu => {
                // Φ(x) + x·φ(x)
                let cdf = x
                    .clone()
                    .div_scalar(std::f64::consts::SQRT_2)
                    .erf()
                    .add_scalar(1.0)
                    .mul_scalar(0.5);
                let pdf = x
                    .clone()
                    .powf_scalar(2.0)
                    .mul_scalar(-0.5)
                    .exp()
                    .mul_scalar(1.0 / (2.0 * std::f64::consts::PI).sqrt());
                cdf + x * pdf
            }
            Self::Silu => {
                let s = act::sigmoid(x.clone());
                s.clone() + x * s.clone() * s.neg().add_scalar(1.0)
            }
            Self::Mish => {
                // tanh(sp) + x·sigmoid(x)·(1 − tanh(sp)²)
                let t = act::softplus(x.clone(), 1.0).tanh();
                let s = act::sigmoid(x.clone());
                t.clone() + x * s * t.powf_scalar(2.0).neg().add_scalar(1.0)
            }
            Self::Sigmoid => {
                let s = act::sigmoid(x);
                s.clone() * s.neg().add_scalar(1.0)
            }
            Self::LogSigmoid => act::sigmoid(x).neg().add_scalar(1.0),
            Self::Tanh => x.tanh().powf_scalar(2.0).neg().add_scalar(1.0),
            Self::Softplus { beta } => act::sigmoid(x.mul_scalar(beta)),
            Self::Exp => x.exp(),
            Self::Log => x.recip(),
        }
    }
}
