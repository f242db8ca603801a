//! Where attributions run: the CPU (`flex`, the reference) or an NVIDIA GPU (`cuda` feature).
//!
//! Code that must run on either backend implements [`OnBackend`] once, generically, and
//! [`Device::run`] instantiates it for the chosen backend.
//!
//! ```
//! use motiflift::device::{Device, OnBackend};
//! use burn::tensor::{Tensor, backend::Backend};
//!
//! struct Sum;
//! impl OnBackend for Sum {
//!     type Output = f32;
//!     fn run<B: Backend>(self, device: &B::Device) -> f32 {
//!         Tensor::<B, 1>::from_floats([1.0, 2.0], device).sum().into_scalar().elem()
//!     }
//! }
//! # use burn::tensor::ElementConversion;
//! assert_eq!(Device::Cpu.run(Sum), 3.0);
//! ```

use std::fmt;
use std::str::FromStr;

use burn::tensor::backend::Backend;

use crate::Error;

/// A computation generic over the Burn backend.
///
/// See the module docs for an example.
pub trait OnBackend {
    /// What the computation returns.
    type Output;
    /// Runs the computation on backend `B` and `device`.
    fn run<B: Backend>(self, device: &B::Device) -> Self::Output;
}

/// A compute device.
///
/// ```
/// use motiflift::device::Device;
/// assert_eq!("cpu".parse::<Device>().unwrap(), Device::Cpu);
/// assert!("tpu".parse::<Device>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// The CPU through Burn's `flex` backend (multi-threaded, the reference).
    Cpu,
    /// CUDA GPU `n` through Burn's `cuda` backend (feature `cuda`).
    Cuda(usize),
}

impl Device {
    /// `auto`: the first CUDA GPU when the `cuda` feature is built and a GPU answers,
    /// otherwise the CPU.
    ///
    /// ```
    /// let d = motiflift::device::Device::auto();
    /// # let _ = d;
    /// ```
    pub fn auto() -> Self {
        if cuda_available() { Self::Cuda(0) } else { Self::Cpu }
    }

    /// Runs `job` on this device.
    ///
    /// ```
    /// # use motiflift::device::{Device, OnBackend};
    /// # struct Nothing;
    /// # impl OnBackend for Nothing { type Output = (); fn run<B: burn::tensor::backend::Backend>(self, _: &B::Device) {} }
    /// Device::Cpu.run(Nothing);
    /// ```
    pub fn run<J: OnBackend>(self, job: J) -> J::Output {
        match self {
            Self::Cpu => job.run::<burn::backend::Flex>(&Default::default()),
            #[cfg(feature = "cuda")]
            Self::Cuda(i) => job.run::<burn::backend::Cuda>(&burn::backend::cuda::CudaDevice::new(i)),
            #[cfg(not(feature = "cuda"))]
            Self::Cuda(_) => job.run::<burn::backend::Flex>(&Default::default()),
        }
    }
}

/// Whether a CUDA device can be used by this build.
#[cfg(feature = "cuda")]
fn cuda_available() -> bool {
    // Burn 0.21 loads the CUDA driver dynamically; probing it panics when absent.
    std::panic::catch_unwind(|| {
        let device = burn::backend::cuda::CudaDevice::new(0);
        let t = burn::tensor::Tensor::<burn::backend::Cuda, 1>::from_floats([1.0], &device);
        t.into_data().to_vec::<f32>().is_ok()
    })
    .unwrap_or(false)
}

#[cfg(not(feature = "cuda"))]
fn cuda_available() -> bool {
    false
}

impl FromStr for Device {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "auto" => Ok(Self::auto()),
            "cuda" | "gpu" => Self::cuda(0),
            _ => match s.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(i)) => Self::cuda(i),
                _ => Err(Error::Invalid(format!(
                    "unknown device `{s}`: expected cpu, cuda, cuda:N or auto"
                ))),
            },
        }
    }
}

impl Device {
    fn cuda(i: usize) -> Result<Self, Error> {
        if cfg!(feature = "cuda") {
            Ok(Self::Cuda(i))
        } else {
            Err(Error::Invalid(
                "this motiflift was built without the `cuda` feature; rebuild with `--features cuda` or use --device cpu"
                    .into(),
            ))
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu (flex)"),
            Self::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}
