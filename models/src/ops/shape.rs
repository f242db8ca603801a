//! Layout ops (slice, pad, reshape, squeeze, transpose, concat, split, expand, gather) on float
//! tensors and, where ONNX shape arithmetic needs them, on integer vectors.

use burn::tensor::{Int, Shape, Slice, Tensor, TensorData, backend::Backend};

use super::OpResult;
use super::elementwise::to_float;
use crate::value::{DynTensor, Ints, MAX_RANK, Value};

/// An axis, negative counting from the end, as an index below `rank`.
pub(crate) fn norm_axis(axis: i64, rank: usize) -> OpResult<usize> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        Ok(a as usize)
    } else {
        Err(format!("axis {axis} is out of range for rank {rank}"))
    }
}

/// Integers as a shape (each ≥ 0).
pub(crate) fn to_dims(v: &[i64]) -> OpResult<Vec<usize>> {
    v.iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("negative dimension {d} in shape {v:?}")))
        .collect()
}

fn check_rank(dims: &[usize]) -> OpResult<()> {
    if dims.is_empty() || dims.len() > MAX_RANK {
        Err(format!(
            "result shape {dims:?} must have rank 1 to {MAX_RANK}"
        ))
    } else {
        Ok(())
    }
}

/// The `(start, end, step)` of every axis of `dims` that an ONNX `Slice` keeps (clamped,
/// negative indices from the end, positive steps only).
pub(crate) fn slice_ranges(
    dims: &[usize],
    starts: &[i64],
    ends: &[i64],
    axes: Option<&[i64]>,
    steps: Option<&[i64]>,
) -> OpResult<Vec<(usize, usize, usize)>> {
    let rank = dims.len().max(1);
    let axes: Vec<usize> = match axes {
        Some(a) => a
            .iter()
            .map(|&a| norm_axis(a, rank))
            .collect::<OpResult<_>>()?,
        None => (0..starts.len()).collect(),
    };
    if starts.len() != axes.len() || ends.len() != axes.len() {
        return Err(format!(
            "starts {starts:?}, ends {ends:?} and axes {axes:?} differ in length"
        ));
    }
    let mut ranges: Vec<(usize, usize, usize)> = (0..rank)
        .map(|i| (0, *dims.get(i).unwrap_or(&1), 1))
        .collect();
    for (k, &axis) in axes.iter().enumerate() {
        let step = steps.map_or(1, |s| s.get(k).copied().unwrap_or(1));
        if step < 1 {
            return Err(format!(
                "slice step {step} is not supported (only positive steps)"
            ));
        }
        let n = ranges[axis].1 as i64;
        let clamp = |v: i64| (if v < 0 { v + n } else { v }).clamp(0, n) as usize;
        let (s, e) = (clamp(starts[k]), clamp(ends[k]));
        ranges[axis] = (s, e.max(s), step as usize);
    }
    Ok(ranges)
}

/// ONNX `Slice`: clamped bounds, negative indices from the end, positive steps.
pub(crate) fn slice<B: Backend>(
    x: Value<B>,
    starts: &[i64],
    ends: &[i64],
    axes: Option<&[i64]>,
    steps: Option<&[i64]>,
) -> OpResult<Value<B>> {
    let dims = x.dims();
    let ranges = slice_ranges(&dims, starts, ends, axes, steps)?;
    let out_dims: Vec<usize> = ranges
        .iter()
        .map(|&(s, e, st)| (e - s).div_ceil(st))
        .collect();
    match x {
        Value::Ints(i) => {
            if i.dims.len() > 1 {
                return Err("slicing integer tensors of rank > 1 is not supported".into());
            }
            let (s, _, st) = ranges[0];
            let values = (0..out_dims[0]).map(|j| i.values[s + j * st]).collect();
            Ok(Value::Ints(Ints {
                values,
                dims: vec![out_dims[0]],
            }))
        }
        Value::Float(t) => {
            if out_dims.contains(&0) {
                return Err(format!("slice of {dims:?} would be empty ({out_dims:?})"));
            }
            let slices: Vec<Slice> = ranges
                .iter()
                .map(|&(s, e, st)| Slice::new(s as isize, Some(e as isize), st as isize))
                .collect();
            Ok(Value::Float(DynTensor(B::float_slice(t.0, &slices))))
        }
    }
}

/// Constant padding; `pads` lists `(before, after)` for the leading axes.
pub(crate) fn pad<B: Backend>(
    x: DynTensor<B>,
    pads: &[(usize, usize)],
    value: f32,
) -> OpResult<DynTensor<B>> {
    let dims = x.dims();
    if pads.len() > dims.len() {
        return Err(format!(
            "{} pads for a tensor of rank {}",
            pads.len(),
            dims.len()
        ));
    }
    let mut t = x;
    for (axis, &(before, after)) in pads.iter().enumerate() {
        if before + after == 0 {
            continue;
        }
        let device = B::float_device(&t.0);
        let block = |n: usize, t: &DynTensor<B>| {
            let mut d = t.dims();
            d[axis] = n;
            DynTensor::<B>::from_f32(vec![value; d.iter().product()], &d, &device).0
        };
        let mut pieces = Vec::with_capacity(3);
        if before > 0 {
            pieces.push(block(before, &t));
        }
        let tail = (after > 0).then(|| block(after, &t));
        pieces.push(t.0);
        pieces.extend(tail);
        t = DynTensor(B::float_cat(pieces, axis));
    }
    Ok(t)
}

/// ONNX `Reshape`.
pub(crate) fn reshape<B: Backend>(
    x: Value<B>,
    target: &[i64],
    allowzero: bool,
) -> OpResult<Value<B>> {
    let dims = x.dims();
    let numel: usize = dims.iter().product();
    let mut out = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            0 if !allowzero => out.push(
                *dims
                    .get(i)
                    .ok_or_else(|| format!("shape {target:?}: no input axis {i} to copy"))?,
            ),
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            d if d >= 0 => out.push(d as usize),
            _ => return Err(format!("invalid target shape {target:?}")),
        }
    }
    if let Some(i) = infer {
        let rest: usize = out.iter().product();
        if rest == 0 || !numel.is_multiple_of(rest) {
            return Err(format!("cannot reshape {dims:?} to {target:?}"));
        }
        out[i] = numel / rest;
    }
    if out.iter().product::<usize>() != numel {
        return Err(format!(
            "cannot reshape {dims:?} ({numel} elements) to {target:?}"
        ));
    }
    match x {
        Value::Ints(i) => Ok(Value::Ints(Ints {
            values: i.values,
            dims: out,
        })),
        Value::Float(t) => {
            check_rank(&out)?;
            Ok(Value::Float(t.reshape(&out)))
        }
    }
}

/// ONNX `Flatten`: `(d0·…·d[axis−1], d[axis]·…)`.
pub(crate) fn flatten<B: Backend>(x: Value<B>, axis: usize) -> OpResult<Value<B>> {
    let dims = x.dims();
    if axis > dims.len() {
        return Err(format!("flatten axis {axis} is out of range for {dims:?}"));
    }
    let a: usize = dims[..axis].iter().product();
    let b: usize = dims[axis..].iter().product();
    reshape(x, &[a as i64, b as i64], true)
}

/// Removes size-1 axes (`axes`, or all of them).
pub(crate) fn squeeze<B: Backend>(x: Value<B>, axes: Option<&[i64]>) -> OpResult<Value<B>> {
    let dims = x.dims();
    let axes: Vec<usize> = match axes {
        Some(a) => a
            .iter()
            .map(|&a| norm_axis(a, dims.len()))
            .collect::<OpResult<_>>()?,
        None => (0..dims.len()).filter(|&i| dims[i] == 1).collect(),
    };
    if let Some(&a) = axes.iter().find(|&&a| dims[a] != 1) {
        return Err(format!("cannot squeeze axis {a} of {dims:?} (size ≠ 1)"));
    }
    let out: Vec<i64> = dims
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &d)| d as i64)
        .collect();
    match x {
        Value::Ints(i) => Ok(Value::Ints(Ints {
            values: i.values,
            dims: to_dims(&out)?,
        })),
        Value::Float(_) if out.is_empty() => reshape(x, &[1], true),
        Value::Float(_) => reshape(x, &out, true),
    }
}

/// Inserts size-1 axes at the given output positions.
pub(crate) fn unsqueeze<B: Backend>(x: Value<B>, axes: &[i64]) -> OpResult<Value<B>> {
    let dims = x.dims();
    // A rank-0 value stored with shape [1] is a float scalar constant.
    let in_rank = match &x {
        Value::Ints(i) => i.dims.len(),
        Value::Float(_) => dims.len(),
    };
    let out_rank = in_rank + axes.len();
    let mut axes: Vec<usize> = axes
        .iter()
        .map(|&a| norm_axis(a, out_rank))
        .collect::<OpResult<_>>()?;
    axes.sort_unstable();
    let mut out = dims[..in_rank].to_vec();
    for a in axes {
        out.insert(a.min(out.len()), 1);
    }
    let target: Vec<i64> = out.iter().map(|&d| d as i64).collect();
    reshape(x, &target, true)
}

/// Permutes axes.
pub(crate) fn transpose<B: Backend>(x: DynTensor<B>, perm: &[usize]) -> OpResult<DynTensor<B>> {
    let rank = x.rank();
    let mut seen = vec![false; rank];
    for &p in perm {
        if p >= rank || std::mem::replace(&mut seen[p], true) {
            return Err(format!("{perm:?} is not a permutation of {rank} axes"));
        }
    }
    if perm.len() != rank {
        return Err(format!("{perm:?} is not a permutation of {rank} axes"));
    }
    Ok(DynTensor(B::float_permute(x.0, perm)))
}

/// Concatenation along `axis`; integer inputs stay integers unless a float is present.
pub(crate) fn concat<B: Backend>(inputs: Vec<Value<B>>, axis: i64) -> OpResult<Value<B>> {
    let first = inputs.first().ok_or("no inputs")?;
    if inputs.iter().all(|v| matches!(v, Value::Ints(_))) {
        let mut values = Vec::new();
        for v in &inputs {
            if let Value::Ints(i) = v {
                if i.dims.len() > 1 {
                    return Err("concatenating integer tensors of rank > 1 is not supported".into());
                }
                values.extend_from_slice(&i.values);
            }
        }
        return Ok(Value::Ints(Ints::vector(values)));
    }
    let device = inputs
        .iter()
        .find_map(|v| match v {
            Value::Float(t) => Some(B::float_device(&t.0)),
            Value::Ints(_) => None,
        })
        .ok_or("no float input")?;
    let rank = first.dims().len();
    let axis = norm_axis(axis, rank)?;
    let tensors: Vec<DynTensor<B>> = inputs.iter().map(|v| to_float(v, &device)).collect();
    let d0 = tensors[0].dims();
    for t in &tensors {
        let d = t.dims();
        let same = d.len() == d0.len()
            && d.iter()
                .zip(&d0)
                .enumerate()
                .all(|(i, (a, b))| i == axis || a == b);
        if !same {
            return Err(format!(
                "cannot concatenate shapes {d0:?} and {d:?} along axis {axis}"
            ));
        }
    }
    Ok(Value::Float(DynTensor(B::float_cat(
        tensors.into_iter().map(|t| t.0).collect(),
        axis,
    ))))
}

/// Splits along `axis` into pieces of `sizes`.
pub(crate) fn split<B: Backend>(
    x: DynTensor<B>,
    axis: usize,
    sizes: &[usize],
) -> OpResult<Vec<Value<B>>> {
    let dims = x.dims();
    if axis >= dims.len() || sizes.iter().sum::<usize>() != dims[axis] {
        return Err(format!(
            "cannot split {dims:?} along axis {axis} into {sizes:?}"
        ));
    }
    let mut start = 0;
    let mut out = Vec::with_capacity(sizes.len());
    for &n in sizes {
        let slices: Vec<Slice> = (0..dims.len())
            .map(|i| {
                if i == axis {
                    Slice::new(start as isize, Some((start + n) as isize), 1)
                } else {
                    Slice::full()
                }
            })
            .collect();
        out.push(Value::Float(DynTensor(B::float_slice(
            x.0.clone(),
            &slices,
        ))));
        start += n;
    }
    Ok(out)
}

/// ONNX `Expand` (numpy broadcasting of the input against `target`).
pub(crate) fn expand<B: Backend>(
    x: Value<B>,
    target: &[i64],
    device: &B::Device,
) -> OpResult<Value<B>> {
    let t = to_float(&x, device);
    let dims = t.dims();
    let target = to_dims(target)?;
    let out = super::elementwise::broadcast_dims(&dims, &target)?;
    check_rank(&out)?;
    let lifted = t.reshape(&[vec![1; out.len() - dims.len()], dims].concat());
    Ok(Value::Float(DynTensor(B::float_expand(
        lifted.0,
        Shape::from(out),
    ))))
}

/// ONNX `Gather` with constant or computed integer indices.
pub(crate) fn gather<B: Backend>(
    x: Value<B>,
    axis: usize,
    indices: &[i64],
    scalar: bool,
    device: &B::Device,
) -> OpResult<Value<B>> {
    let dims = x.dims();
    let n = *dims
        .get(axis)
        .ok_or_else(|| format!("gather axis {axis} is out of range for {dims:?}"))?
        as i64;
    let idx: Vec<usize> = indices
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + n } else { i };
            if (0..n).contains(&j) {
                Ok(j as usize)
            } else {
                Err(format!(
                    "index {i} is out of range for axis {axis} of {dims:?}"
                ))
            }
        })
        .collect::<OpResult<_>>()?;
    match x {
        Value::Ints(v) => {
            if v.dims.len() != 1 {
                return Err("gathering from integer tensors of rank ≠ 1 is not supported".into());
            }
            let values = idx.iter().map(|&j| v.values[j]).collect();
            let dims = if scalar { Vec::new() } else { vec![idx.len()] };
            Ok(Value::Ints(Ints { values, dims }))
        }
        Value::Float(t) => {
            let data = TensorData::new(
                idx.iter().map(|&j| j as i64).collect::<Vec<_>>(),
                [idx.len()],
            );
            let index = Tensor::<B, 1, Int>::from_data(data, device).into_primitive();
            let picked = DynTensor(B::float_select(t.0, axis, index));
            if scalar {
                squeeze(Value::Float(picked), Some(&[axis as i64]))
            } else {
                Ok(Value::Float(picked))
            }
        }
    }
}

/// Integers to a float constant.
pub(crate) fn ints_to_float<B: Backend>(x: Value<B>, device: &B::Device) -> Value<B> {
    Value::Float(to_float(&x, device))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    fn ints(v: &[i64]) -> Value<Flex> {
        Value::Ints(Ints::vector(v.to_vec()))
    }

    fn float(dims: &[usize]) -> Value<Flex> {
        let n = dims.iter().product();
        Value::Float(DynTensor::from_f32(
            (0..n).map(|i| i as f32).collect(),
            dims,
            &Default::default(),
        ))
    }

    fn floats(v: Value<Flex>) -> (Vec<usize>, Vec<f32>) {
        match v {
            Value::Float(t) => (
                t.dims(),
                t.0.clone().into_data().to_vec::<f32>().unwrap_or_default(),
            ),
            Value::Ints(i) => panic!("expected floats, got {i:?}"),
        }
    }

    #[test]
    fn slice_clamps_and_counts_negative_indices_from_the_end() {
        // x[:, :, 2:-1] of a length-6 axis, then an end far past the axis.
        let (dims, v) = floats(slice(float(&[1, 1, 6]), &[2], &[-1], Some(&[2]), None).unwrap());
        assert_eq!((dims, v), (vec![1, 1, 3], vec![2.0, 3.0, 4.0]));
        let (_, v) = floats(
            slice(
                float(&[1, 1, 6]),
                &[-2],
                &[i64::MAX],
                Some(&[-1]),
                Some(&[1]),
            )
            .unwrap(),
        );
        assert_eq!(v, vec![4.0, 5.0]);
        let (_, v) = floats(slice(float(&[1, 1, 6]), &[0], &[6], Some(&[2]), Some(&[4])).unwrap());
        assert_eq!(v, vec![0.0, 4.0]);
        assert!(slice(float(&[1, 1, 6]), &[4], &[2], Some(&[2]), None).is_err());
        assert!(slice(float(&[1, 1, 6]), &[0], &[6], Some(&[2]), Some(&[-1])).is_err());
    }

    #[test]
    fn shape_arithmetic_on_integers() {
        // Shape → Gather(2) → Slice → Concat, as exported with a dynamic batch axis.
        let shape = ints(&[64, 4, 2114]);
        let len = gather::<Flex>(shape.clone(), 0, &[2], true, &Default::default()).unwrap();
        assert!(matches!(&len, Value::Ints(i) if i.values == vec![2114] && i.dims.is_empty()));
        let len = unsqueeze(len, &[0]).unwrap();
        assert!(matches!(&len, Value::Ints(i) if i.dims == vec![1]));
        let tail = slice(shape, &[1], &[i64::MAX], None, None).unwrap();
        let joined = concat::<Flex>(vec![len, tail], 0).unwrap();
        assert!(matches!(joined, Value::Ints(i) if i.values == vec![2114, 4, 2114]));
    }

    #[test]
    fn reshape_copies_zeros_and_infers_minus_one() {
        let (dims, _) = floats(reshape(float(&[2, 3, 4]), &[0, -1], false).unwrap());
        assert_eq!(dims, vec![2, 12]);
        assert!(reshape(float(&[2, 3, 4]), &[5, -1], false).is_err());
        assert!(reshape(float(&[2, 3, 4]), &[-1, -1], false).is_err());
        let (dims, _) = floats(flatten(float(&[2, 3, 4]), 1).unwrap());
        assert_eq!(dims, vec![2, 12]);
        let (dims, _) = floats(squeeze(float(&[2, 1, 4, 1]), None).unwrap());
        assert_eq!(dims, vec![2, 4]);
        assert!(squeeze(float(&[2, 3]), Some(&[1])).is_err());
    }

    #[test]
    fn pad_expand_split_and_transpose() {
        let (dims, v) = floats(Value::Float(
            pad(
                DynTensor::from_f32(vec![1.0, 2.0], &[1, 2], &Default::default()),
                &[(0, 0), (1, 2)],
                9.0,
            )
            .unwrap(),
        ));
        assert_eq!((dims, v), (vec![1, 5], vec![9.0, 1.0, 2.0, 9.0, 9.0]));
        let (dims, v) =
            floats(expand::<Flex>(float(&[1, 2]), &[3, 1, 2], &Default::default()).unwrap());
        assert_eq!(
            (dims, v),
            (vec![3, 1, 2], vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
        );
        assert!(expand::<Flex>(float(&[3]), &[2], &Default::default()).is_err());
        let Value::Float(t) = float(&[1, 5]) else {
            unreachable!()
        };
        let parts = split(t.clone(), 1, &[2, 3]).unwrap();
        assert_eq!(floats(parts[1].clone()).1, vec![2.0, 3.0, 4.0]);
        assert!(split(t.clone(), 1, &[2, 2]).is_err());
        let tr = transpose(t.clone(), &[1, 0]).unwrap();
        assert_eq!(tr.dims(), vec![5, 1]);
        assert!(transpose(t, &[0, 0]).is_err());
    }
}
