//! Runtime values of a graph: float tensors of any rank and small integer vectors (shape
//! arithmetic, as in ONNX `Shape → Gather → Sub → Unsqueeze → Slice` chains).

use burn::tensor::{
    DType, Shape, Tensor, TensorData, TensorMetadata, TensorPrimitive, backend::Backend,
    ops::FloatTensor,
};

use crate::error::{Error, Result};

/// Calls `$body` with the const generic `$D` bound to the rank `$rank` (1 to 6); evaluates
/// `$otherwise` for any other rank.
macro_rules! with_rank {
    ($rank:expr, $D:ident => $body:expr, $otherwise:expr) => {
        match $rank {
            1 => {
                const $D: usize = 1;
                $body
            }
            2 => {
                const $D: usize = 2;
                $body
            }
            3 => {
                const $D: usize = 3;
                $body
            }
            4 => {
                const $D: usize = 4;
                $body
            }
            5 => {
                const $D: usize = 5;
                $body
            }
            6 => {
                const $D: usize = 6;
                $body
            }
            _ => $otherwise,
        }
    };
}
pub(crate) use with_rank;

/// The largest tensor rank a graph value may have.
pub(crate) const MAX_RANK: usize = 6;

/// A float tensor whose rank is only known at run time (a graph value).
///
/// ```
/// use burn::backend::Flex;
/// use burn::tensor::Tensor;
/// use motiflift_models::DynTensor;
///
/// let t = Tensor::<Flex, 2>::from_floats([[1.0, 2.0, 3.0]], &Default::default());
/// let d = DynTensor::from_tensor(t);
/// assert_eq!(d.dims(), vec![1, 3]);
/// let back: Tensor<Flex, 2> = d.into_tensor().unwrap();
/// assert_eq!(back.dims(), [1, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct DynTensor<B: Backend>(pub(crate) FloatTensor<B>);

impl<B: Backend> DynTensor<B> {
    /// Wraps a tensor of static rank.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// let t = Tensor::<Flex, 1>::from_floats([1.0], &Default::default());
    /// assert_eq!(motiflift_models::DynTensor::from_tensor(t).rank(), 1);
    /// ```
    pub fn from_tensor<const D: usize>(tensor: Tensor<B, D>) -> Self {
        Self(tensor.into_primitive().tensor())
    }

    /// The tensor with its static rank `D`; an error if the rank differs.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// use motiflift_models::DynTensor;
    /// let d = DynTensor::from_tensor(Tensor::<Flex, 1>::from_floats([1.0], &Default::default()));
    /// assert!(d.clone().into_tensor::<1>().is_ok());
    /// assert!(d.into_tensor::<2>().is_err());
    /// ```
    pub fn into_tensor<const D: usize>(self) -> Result<Tensor<B, D>> {
        let dims = self.dims();
        if dims.len() != D {
            return Err(Error::Output {
                reason: format!("a tensor of shape {dims:?} is not of rank {D}"),
            });
        }
        Ok(self.typed())
    }

    /// The shape.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// let t = Tensor::<Flex, 3>::zeros([2, 4, 5], &Default::default());
    /// assert_eq!(motiflift_models::DynTensor::from_tensor(t).dims(), vec![2, 4, 5]);
    /// ```
    pub fn dims(&self) -> Vec<usize> {
        self.0.shape().to_vec()
    }

    /// The number of axes.
    ///
    /// ```
    /// use burn::backend::Flex;
    /// use burn::tensor::Tensor;
    /// let t = Tensor::<Flex, 3>::zeros([2, 4, 5], &Default::default());
    /// assert_eq!(motiflift_models::DynTensor::from_tensor(t).rank(), 3);
    /// ```
    pub fn rank(&self) -> usize {
        self.0.shape().num_dims()
    }

    /// The tensor with static rank `D`; the caller has checked the rank.
    pub(crate) fn typed<const D: usize>(self) -> Tensor<B, D> {
        Tensor::from_primitive(TensorPrimitive::Float(self.0))
    }

    /// Reshapes to `dims` (same number of elements, checked by the caller).
    pub(crate) fn reshape(self, dims: &[usize]) -> Self {
        if self.dims() == dims {
            return self;
        }
        Self(B::float_reshape(self.0, Shape::from(dims.to_vec())))
    }

    /// A float constant from `values` with shape `dims` on `device`.
    pub(crate) fn from_f32(values: Vec<f32>, dims: &[usize], device: &B::Device) -> Self {
        let data = TensorData::new(values, dims.to_vec());
        Self(B::float_from_data(data.convert_dtype(DType::F32), device))
    }
}

/// A small integer tensor (shape arithmetic): row-major values and their shape (rank 0 or 1 in
/// practice).
///
/// ```
/// use motiflift_models::Ints;
/// let s = Ints::vector(vec![64, 4, 2114]);
/// assert_eq!(s.dims, vec![3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ints {
    /// The values, row-major.
    pub values: Vec<i64>,
    /// The shape (empty for a scalar).
    pub dims: Vec<usize>,
}

impl Ints {
    /// A 1-D integer vector.
    ///
    /// ```
    /// assert_eq!(motiflift_models::Ints::vector(vec![1, 2]).values, vec![1, 2]);
    /// ```
    pub fn vector(values: Vec<i64>) -> Self {
        let dims = vec![values.len()];
        Self { values, dims }
    }

    /// A rank-0 integer.
    ///
    /// ```
    /// assert!(motiflift_models::Ints::scalar(3).dims.is_empty());
    /// ```
    pub fn scalar(value: i64) -> Self {
        Self {
            values: vec![value],
            dims: Vec::new(),
        }
    }
}

/// A value flowing along a graph edge.
#[derive(Debug, Clone)]
pub(crate) enum Value<B: Backend> {
    /// A float tensor (activations, weights).
    Float(DynTensor<B>),
    /// Integers (shapes, indices).
    Ints(Ints),
}

impl<B: Backend> Value<B> {
    /// A short description for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Float(t) => format!("float tensor of shape {:?}", t.dims()),
            Value::Ints(i) => format!("integer tensor {:?} of shape {:?}", i.values, i.dims),
        }
    }

    /// The shape of the value.
    pub(crate) fn dims(&self) -> Vec<usize> {
        match self {
            Value::Float(t) => t.dims(),
            Value::Ints(i) => i.dims.clone(),
        }
    }
}
