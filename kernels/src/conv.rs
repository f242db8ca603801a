//! Host 1-D convolution (stride 1, one group) and its input gradient, for the CPU path of
//! DeepLIFT: every batch row on its own thread, one matrix product per row over the row's
//! unrolled taps (so a first layer of 4 input channels and 21 taps is one product of inner size
//! 84, not 21 of inner size 4), and the result of a row does not depend on the batch size or
//! the number of threads.
//!
//! Layouts are PyTorch's, row-major: input `(batch, in, len)`, weight `(out, in, kernel)`,
//! output `(batch, out, out_len)`.
//!
//! ```
//! use motiflift_kernels::conv::{Conv1dGeometry, conv1d, conv1d_input_grad};
//! // One input channel, one output channel, kernel [1, 2], no padding: y[t] = x[t] + 2 x[t + 1].
//! let g = Conv1dGeometry { batch: 1, in_channels: 1, out_channels: 1, kernel: 2, dilation: 1, pad_before: 0, pad_after: 0, len: 3 };
//! let y = conv1d(&[1.0, 2.0, 3.0], &[1.0, 2.0], None, &g)?;
//! assert_eq!(y, [5.0, 8.0]);
//! // The transpose: x-gradient of Σ gy·y.
//! assert_eq!(conv1d_input_grad(&[1.0, 1.0], &[1.0, 2.0], &g)?, [1.0, 3.0, 2.0]);
//! # Ok::<(), motiflift_kernels::Error>(())
//! ```

use std::mem::MaybeUninit;
use std::ops::Range;

use rayon::prelude::*;

use crate::{Error, Result};

/// The shape of a stride-1, ungrouped 1-D convolution.
///
/// ```
/// let g = motiflift_kernels::conv::Conv1dGeometry {
///     batch: 2, in_channels: 4, out_channels: 8, kernel: 3, dilation: 2, pad_before: 2, pad_after: 2, len: 10,
/// };
/// assert_eq!(g.out_len(), Some(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv1dGeometry {
    /// Rows of the batch.
    pub batch: usize,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel taps.
    pub kernel: usize,
    /// Spacing of the taps.
    pub dilation: usize,
    /// Zeros before each input row.
    pub pad_before: usize,
    /// Zeros after each input row.
    pub pad_after: usize,
    /// Input length.
    pub len: usize,
}

impl Conv1dGeometry {
    /// Output length; `None` when the kernel span exceeds the padded input.
    pub fn out_len(&self) -> Option<usize> {
        let span = self.dilation.checked_mul(self.kernel.checked_sub(1)?)? + 1;
        (self.len + self.pad_before + self.pad_after).checked_sub(span).map(|d| d + 1)
    }

    fn check(&self, what: &'static str, got: &[(usize, usize)]) -> Result<usize> {
        let t = self.out_len().filter(|_| self.kernel > 0 && self.dilation > 0).ok_or_else(|| {
            Error::InvalidArgument { name: what, reason: format!("no output for {self:?}") }
        })?;
        for &(have, want) in got {
            if have != want {
                return Err(Error::InvalidArgument {
                    name: what,
                    reason: format!("a buffer of {have} values where {self:?} needs {want}"),
                });
            }
        }
        Ok(t)
    }
}

/// `y = conv(x, w) + bias`: `x` `(batch, in, len)`, `w` `(out, in, kernel)`, `bias` `(out,)`;
/// returns `(batch, out, out_len)`.
///
/// Per row: the padded input unrolled into its `(in·kernel, out_len)` columns, then one matrix
/// product with the weights as they are stored.
///
/// See the module docs for an example.
pub fn conv1d(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Conv1dGeometry) -> Result<Vec<f32>> {
    let (c, o, k) = (g.in_channels, g.out_channels, g.kernel);
    let mut sizes = vec![(x.len(), g.batch * c * g.len), (w.len(), o * c * k)];
    if let Some(b) = bias {
        sizes.push((b.len(), o));
    }
    let t = g.check("conv1d", &sizes)?;
    let row = c * g.len;
    let fill = |cols: &mut Vec<f32>, b: usize, yb: &mut [MaybeUninit<f32>]| {
        // Each output row starts as its bias (zero without one): one pass, no zeroing first.
        for (r, y) in yb.chunks_mut(t).enumerate() {
            let v = bias.map_or(0.0, |b| b[r]);
            for y in y {
                y.write(v);
            }
        }
        // SAFETY: every element was initialised just above (`yb` has `o` rows of `t`), and
        // `MaybeUninit<f32>` has the layout of `f32`.
        let yb = unsafe { std::slice::from_raw_parts_mut(yb.as_mut_ptr().cast::<f32>(), yb.len()) };
        let xb = &x[b * row..(b + 1) * row];
        // cols[(i·k + j), s] = x[i, s + j·d − pad_before], zero outside the row.
        for tap in taps(g, t) {
            let col = &mut cols[tap.row * t..(tap.row + 1) * t];
            col[..tap.span.start].fill(0.0);
            col[tap.span.end..].fill(0.0);
            col[tap.span.clone()].copy_from_slice(&xb[tap.input..tap.input + tap.span.len()]);
        }
        let cols = Strided { data: cols, row_stride: t };
        matmul(yb, t, bias.is_some(), w, c * k, cols, o, t);
    };
    // SAFETY: `fill` initialises its whole chunk before anything else.
    let y = unsafe { build_chunks_overwritten(g.batch * o * t, o * t, || vec![0f32; c * k * t], fill) };
    Ok(y)
}

/// The input gradient of [`conv1d`]: `gx[b, i, s] = Σ_o Σ_j w[o, i, j] · gy[b, o, s + pad_before
/// − j·dilation]` (terms outside `gy` are zero), `gy` `(batch, out, out_len)`; returns
/// `(batch, in, len)`. The bias does not enter.
///
/// Per row: one matrix product of the transposed weights with `gy` gives every tap's
/// contribution `(in·kernel, out_len)`, which are then added into the input positions they
/// came from.
///
/// See the module docs for an example.
pub fn conv1d_input_grad(gy: &[f32], w: &[f32], g: &Conv1dGeometry) -> Result<Vec<f32>> {
    let (c, o, k) = (g.in_channels, g.out_channels, g.kernel);
    let t = g.out_len().unwrap_or(0);
    g.check("conv1d_input_grad", &[(gy.len(), g.batch * o * t), (w.len(), o * c * k)])?;
    // wt[(i·k + j), o] = w[o, i, j].
    let ck = c * k;
    let mut wt = vec![0f32; ck * o];
    for oo in 0..o {
        for r in 0..ck {
            wt[r * o + oo] = w[oo * ck + r];
        }
    }
    let row = o * t;
    let gx = build_chunks(g.batch * c * g.len, c * g.len, || vec![0f32; ck * t], |cols, b, gxb| {
        let gyb = &gy[b * row..(b + 1) * row];
        matmul(cols, t, false, &wt, o, Strided { data: gyb, row_stride: t }, ck, t);
        for tap in taps(g, t) {
            let col = &cols[tap.row * t..(tap.row + 1) * t];
            let dst = &mut gxb[tap.input..tap.input + tap.span.len()];
            for (dst, src) in dst.iter_mut().zip(&col[tap.span]) {
                *dst += src;
            }
        }
    });
    Ok(gx)
}

/// A buffer of `len` values written in parallel, chunk by chunk, by `fill(scratch, i, values)`
/// for chunk `i` (values `i·chunk .. min((i + 1)·chunk, len)`), `scratch` made by `init` once
/// per task. Each chunk is zeroed on the thread that fills it, so the buffer is never cleared
/// in one serial pass.
///
/// ```
/// let v = motiflift_kernels::conv::build_chunks(5, 2, || (), |_, i, c| c[0] = i as f32 + 1.0);
/// assert_eq!(v, [1.0, 0.0, 2.0, 0.0, 3.0]);
/// ```
pub fn build_chunks<T>(
    len: usize,
    chunk: usize,
    init: impl Fn() -> T + Sync + Send,
    fill: impl Fn(&mut T, usize, &mut [f32]) + Sync + Send,
) -> Vec<f32> {
    let zeroed = |scratch: &mut T, i: usize, values: &mut [MaybeUninit<f32>]| {
        for v in values.iter_mut() {
            v.write(0.0);
        }
        // SAFETY: every element was initialised just above, and `MaybeUninit<f32>` has the
        // layout of `f32`.
        let values = unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<f32>(), values.len()) };
        fill(scratch, i, values);
    };
    // SAFETY: `zeroed` initialises every element of each chunk.
    unsafe { build_chunks_overwritten(len, chunk, init, zeroed) }
}

/// [`build_chunks`] for a `fill` that writes every value of its chunk: nothing is zeroed first.
///
/// # Safety
///
/// `fill` must initialise every element of the chunk it is given.
pub(crate) unsafe fn build_chunks_overwritten<T>(
    len: usize,
    chunk: usize,
    init: impl Fn() -> T + Sync + Send,
    fill: impl Fn(&mut T, usize, &mut [MaybeUninit<f32>]) + Sync + Send,
) -> Vec<f32> {
    let n = if chunk == 0 { 0 } else { len };
    let mut out: Vec<f32> = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    out.spare_capacity_mut()[..n].par_chunks_mut(chunk).enumerate().for_each_init(init, |scratch, (i, values)| {
        fill(scratch, i, values);
    });
    // SAFETY: the chunks above cover the first `n` elements, each initialised by `fill` (the
    // caller's contract; a panic in `fill` propagates before this line).
    unsafe { out.set_len(n) };
    out
}

/// One unrolled row of a batch row: tap `j` of input channel `i`.
struct Tap {
    /// The unrolled row, `i·kernel + j`.
    row: usize,
    /// The output positions `s` whose input position `s + j·dilation − pad_before` lies inside
    /// the channel (the others read the zero padding).
    span: Range<usize>,
    /// Where, in the batch row `(in, len)`, the input of `span.start` is.
    input: usize,
}

/// The taps of a batch row of geometry `g` with `t` output positions, channel by channel, in
/// unrolled-row order (the order the input gradient adds them in).
fn taps(g: &Conv1dGeometry, t: usize) -> impl Iterator<Item = Tap> + '_ {
    (0..g.in_channels).flat_map(move |i| {
        (0..g.kernel).map(move |j| {
            let shift = (j * g.dilation) as isize - g.pad_before as isize;
            let lo = (-shift).clamp(0, t as isize) as usize;
            let hi = (g.len as isize - shift).clamp(lo as isize, t as isize) as usize;
            let from = if lo < hi { (lo as isize + shift) as usize } else { 0 };
            Tap { row: i * g.kernel + j, span: lo..hi, input: i * g.len + from }
        })
    })
}

/// A matrix whose row `r` starts at `data[r · row_stride]`, columns contiguous.
struct Strided<'a> {
    data: &'a [f32],
    row_stride: usize,
}

/// `dst (m × n, row stride dst_stride) = a (m × inner, contiguous) · b (inner × n)`, plus the
/// old `dst` when `accumulate`, on this thread.
#[allow(clippy::too_many_arguments)]
fn matmul(dst: &mut [f32], dst_stride: usize, accumulate: bool, a: &[f32], inner: usize, b: Strided<'_>, m: usize, n: usize) {
    if m == 0 || n == 0 {
        return;
    }
    if inner == 0 {
        if !accumulate {
            for r in 0..m {
                dst[r * dst_stride..r * dst_stride + n].fill(0.0);
            }
        }
        return;
    }
    // Bounds the raw accesses below: every element read or written lies in its slice.
    assert!(a.len() >= m * inner);
    assert!(dst.len() >= (m - 1) * dst_stride + n);
    assert!(b.data.len() >= (inner - 1) * b.row_stride + n);
    // SAFETY: the three asserts above bound every index gemm touches (dst: rows < m with stride
    // dst_stride, columns < n; a: m × inner contiguous; b: inner rows of stride row_stride,
    // columns < n); `dst` is borrowed mutably and the inputs immutably, so they do not alias.
    unsafe {
        gemm::gemm(
            m,
            n,
            inner,
            dst.as_mut_ptr(),
            1,
            dst_stride as isize,
            accumulate,
            a.as_ptr(),
            1,
            inner as isize,
            b.data.as_ptr(),
            1,
            b.row_stride as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, term by term.
    fn naive(x: &[f32], w: &[f32], g: &Conv1dGeometry) -> Vec<f32> {
        let t = g.out_len().unwrap();
        let (c, o, k) = (g.in_channels, g.out_channels, g.kernel);
        let mut y = vec![0f32; g.batch * o * t];
        for b in 0..g.batch {
            for oo in 0..o {
                for s in 0..t {
                    let mut acc = 0f64;
                    for i in 0..c {
                        for j in 0..k {
                            let p = (s + j * g.dilation) as isize - g.pad_before as isize;
                            if p >= 0 && (p as usize) < g.len {
                                acc += (w[(oo * c + i) * k + j] * x[(b * c + i) * g.len + p as usize]) as f64;
                            }
                        }
                    }
                    y[(b * o + oo) * t + s] = acc as f32;
                }
            }
        }
        y
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n).map(|i| (((i as u32).wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 500.0 - 1.0).collect()
    }

    #[test]
    fn matches_the_definition_and_its_transpose() {
        for (k, d, before, after) in [(3, 1, 1, 1), (3, 4, 4, 4), (21, 1, 10, 10), (5, 2, 0, 3), (4, 1, 2, 0)] {
            let g = Conv1dGeometry { batch: 3, in_channels: 5, out_channels: 7, kernel: k, dilation: d, pad_before: before, pad_after: after, len: 40 };
            let (x, w) = (values(3 * 5 * 40, 1), values(7 * 5 * k, 2));
            let y = conv1d(&x, &w, None, &g).unwrap();
            let want = naive(&x, &w, &g);
            assert!(y.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4), "{k} {d}");
            // <gy, conv(x)> = <conv_input_grad(gy), x> for every x: the adjoint.
            let gy = values(y.len(), 3);
            let gx = conv1d_input_grad(&gy, &w, &g).unwrap();
            let lhs: f64 = gy.iter().zip(&y).map(|(a, b)| (a * b) as f64).sum();
            let rhs: f64 = gx.iter().zip(&x).map(|(a, b)| (a * b) as f64).sum();
            assert!((lhs - rhs).abs() < 1e-3 * lhs.abs().max(1.0), "{k} {d}: {lhs} vs {rhs}");
        }
    }

    #[test]
    fn bias_is_added_and_sizes_are_checked() {
        let g = Conv1dGeometry { batch: 1, in_channels: 1, out_channels: 2, kernel: 1, dilation: 1, pad_before: 0, pad_after: 0, len: 2 };
        assert_eq!(conv1d(&[1.0, 2.0], &[1.0, 3.0], Some(&[0.5, -1.0]), &g).unwrap(), [1.5, 2.5, 2.0, 5.0]);
        assert!(conv1d(&[1.0], &[1.0, 3.0], None, &g).is_err());
        let long = Conv1dGeometry { kernel: 5, ..g };
        assert!(conv1d(&[1.0, 2.0], &[0.0; 10], None, &long).is_err());
    }
}
