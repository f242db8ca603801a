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
}
