//! Elementwise arithmetic with numpy broadcasting, on float tensors and on shape integers.

use burn::tensor::{Scalar, backend::Backend, ops::FloatTensor};

use super::OpResult;
use crate::value::{DynTensor, Ints, Value};

/// An elementwise arithmetic op.
///
/// ```
/// use motiflift_models::ops::BinaryOp;
/// assert_eq!(BinaryOp::Sub.apply_i64(7, 2), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a − b`.
    Sub,
    /// `a · b`.
    Mul,
    /// `a / b` (integer division truncates, as ONNX).
    Div,
}

impl BinaryOp {
    /// The ONNX op name.
    ///
    /// ```
    /// assert_eq!(motiflift_models::ops::BinaryOp::Mul.name(), "Mul");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "Add",
            BinaryOp::Sub => "Sub",
            BinaryOp::Mul => "Mul",
            BinaryOp::Div => "Div",
        }
    }

    /// The op on two integers (shape arithmetic); division by zero gives 0.
    ///
    /// ```
    /// assert_eq!(motiflift_models::ops::BinaryOp::Div.apply_i64(2114, 2), 1057);
    /// ```
    pub fn apply_i64(self, a: i64, b: i64) -> i64 {
        match self {
            BinaryOp::Add => a.wrapping_add(b),
            BinaryOp::Sub => a.wrapping_sub(b),
            BinaryOp::Mul => a.wrapping_mul(b),
            BinaryOp::Div => a.checked_div(b).unwrap_or(0),
        }
    }

    fn apply<B: Backend>(self, a: FloatTensor<B>, b: FloatTensor<B>) -> FloatTensor<B> {
        match self {
            BinaryOp::Add => B::float_add(a, b),
            BinaryOp::Sub => B::float_sub(a, b),
            BinaryOp::Mul => B::float_mul(a, b),
            BinaryOp::Div => B::float_div(a, b),
        }
    }
}

/// The numpy broadcast of two shapes.
pub(crate) fn broadcast_dims(a: &[usize], b: &[usize]) -> OpResult<Vec<usize>> {
    let rank = a.len().max(b.len());
    let get = |d: &[usize], i: usize| {
        if i + d.len() >= rank {
            d[i + d.len() - rank]
        } else {
            1
        }
    };
    (0..rank)
        .map(|i| match (get(a, i), get(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => Err(format!("shapes {a:?} and {b:?} do not broadcast")),
        })
        .collect()
}

/// `a ∘ b` with numpy broadcasting; integers stay integers, an integer operand of a float op
/// becomes a float constant. `untracked`: no gradient is taken through this call (then a
/// host loop may run).
pub(crate) fn binary<B: Backend>(
    op: BinaryOp,
    inputs: Vec<Value<B>>,
    device: &B::Device,
    untracked: bool,
) -> OpResult<Value<B>> {
    let [a, b]: [Value<B>; 2] =
        inputs.try_into().map_err(|v: Vec<Value<B>>| format!("expected 2 inputs, got {}", v.len()))?;
    match (a, b) {
        (Value::Ints(x), Value::Ints(y)) => {
            let dims = broadcast_dims(&x.dims, &y.dims)?;
            let n: usize = dims.iter().product();
            let at = |v: &Ints, i: usize| {
                if v.values.len() == 1 {
                    v.values[0]
                } else {
                    v.values[i % v.values.len()]
                }
            };
            if (x.values.len() != 1 && x.values.len() != n)
                || (y.values.len() != 1 && y.values.len() != n)
            {
                return Err(format!(
                    "integer broadcasting of {:?} and {:?} is limited to scalars",
                    x.dims, y.dims
                ));
            }
            Ok(Value::Ints(Ints {
                values: (0..n).map(|i| op.apply_i64(at(&x, i), at(&y, i))).collect(),
                dims,
            }))
        }
        (Value::Float(mut x), Value::Float(mut y)) if untracked && op == BinaryOp::Add && x.dims() == y.dims() => {
            // A residual connection: one parallel pass, in place in an operand nothing else holds.
            if super::host::add_assign::<B>(&mut x.0, &y.0) {
                return Ok(Value::Float(x));
            }
            if super::host::add_assign::<B>(&mut y.0, &x.0) {
                return Ok(Value::Float(y));
            }
            match super::host::sum::<B>(&x.0, &y.0) {
                Some(t) => Ok(Value::Float(DynTensor(t))),
                None => Ok(Value::Float(DynTensor(op.apply::<B>(x.0, y.0)))),
            }
        }
        (a, b) => {
            let (x, y) = (to_float(&a, device), to_float(&b, device));
            let dims = broadcast_dims(&x.dims(), &y.dims())?;
            let lift = |t: DynTensor<B>| {
                let d = t.dims();
                t.reshape(&[vec![1; dims.len() - d.len()], d].concat())
            };
            Ok(Value::Float(DynTensor(op.apply::<B>(lift(x).0, lift(y).0))))
        }
    }
}

/// A float view of a value (integers become a constant).
pub(crate) fn to_float<B: Backend>(v: &Value<B>, device: &B::Device) -> DynTensor<B> {
    match v {
        Value::Float(t) => t.clone(),
        Value::Ints(i) => {
            let dims = if i.dims.is_empty() {
                vec![1]
            } else {
                i.dims.clone()
            };
            DynTensor::from_f32(i.values.iter().map(|&x| x as f32).collect(), &dims, device)
        }
    }
}

/// `x ∘ c`, or `c ∘ x` when `scalar_first`.
pub(crate) fn scalar<B: Backend>(
    op: BinaryOp,
    x: DynTensor<B>,
    c: f64,
    scalar_first: bool,
) -> DynTensor<B> {
    let s = Scalar::Float(c);
    DynTensor(match (op, scalar_first) {
        (BinaryOp::Add, _) => B::float_add_scalar(x.0, s),
        (BinaryOp::Mul, _) => B::float_mul_scalar(x.0, s),
        (BinaryOp::Sub, false) => B::float_sub_scalar(x.0, s),
        (BinaryOp::Sub, true) => B::float_add_scalar(B::float_neg(x.0), s),
        (BinaryOp::Div, false) => B::float_div_scalar(x.0, s),
        (BinaryOp::Div, true) => B::float_mul_scalar(B::float_recip(x.0), s),
    })
}

/// `−x`.
pub(crate) fn neg<B: Backend>(x: DynTensor<B>) -> DynTensor<B> {
    DynTensor(B::float_neg(x.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    #[test]
    fn numpy_broadcasting() {
        assert_eq!(broadcast_dims(&[2, 1, 4], &[3, 1]).unwrap(), vec![2, 3, 4]);
        assert_eq!(broadcast_dims(&[1], &[5, 6]).unwrap(), vec![5, 6]);
        assert!(broadcast_dims(&[2, 3], &[4, 3]).is_err());
    }

    #[test]
    fn float_and_integer_operands() {
        let device = Default::default();
        let x = Value::<Flex>::Float(DynTensor::from_f32(
            vec![1.0, 2.0, 3.0, 4.0],
            &[2, 2],
            &device,
        ));
        let row = Value::Float(DynTensor::from_f32(vec![10.0, 20.0], &[2], &device));
        let Value::Float(y) = binary(BinaryOp::Sub, vec![x.clone(), row], &device, false).unwrap() else {
            unreachable!()
        };
        assert_eq!(
            y.0.into_data().to_vec::<f32>().unwrap(),
            vec![-9.0, -18.0, -7.0, -16.0]
        );
        let two = Value::Ints(Ints::scalar(2));
        let Value::Float(y) = binary(BinaryOp::Mul, vec![x, two.clone()], &device, false).unwrap() else {
            unreachable!()
        };
        assert_eq!(
            y.0.into_data().to_vec::<f32>().unwrap(),
            vec![2.0, 4.0, 6.0, 8.0]
        );
        let len = Value::Ints(Ints::vector(vec![2114]));
        let Value::Ints(d) = binary::<Flex>(BinaryOp::Div, vec![len, two], &device, false).unwrap() else {
            unreachable!()
        };
        assert_eq!(d.values, vec![1057]);
    }

    #[test]
    fn scalar_on_either_side() {
        let x = || DynTensor::<Flex>::from_f32(vec![1.0, 4.0], &[2], &Default::default());
        let v = |t: DynTensor<Flex>| t.0.into_data().to_vec::<f32>().unwrap();
        assert_eq!(v(scalar(BinaryOp::Sub, x(), 1.0, true)), vec![0.0, -3.0]);
        assert_eq!(v(scalar(BinaryOp::Div, x(), 8.0, true)), vec![8.0, 2.0]);
        assert_eq!(v(scalar(BinaryOp::Div, x(), 2.0, false)), vec![0.5, 2.0]);
    }
}
