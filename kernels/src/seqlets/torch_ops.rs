//! The float32 numerics of PyTorch 2.15's CPU kernels (AVX2 build) that `tfmodisco_seqlets`
//! depends on, reproduced operation by operation: window sums (`unfold(...).sum(-1)`),
//! `linspace`, `histogram(bins=...)` and `quantile` (linear interpolation).
//!
//! They were checked against torch 2.15.0 on the fixtures (edges, histograms, quantiles and
//! window sums bit for bit); the orders below are those of torch's vectorised AVX2 kernels
//! (8 float lanes).

/// Float lanes of torch's AVX2 `Vectorized<float>`.
const LANES: usize = 8;

/// `x.sum()` of a contiguous float32 slice as torch's `vectorized_inner_sum` computes it:
/// whole 8-lane vectors summed lane-wise (from zero), the scalar tail summed from zero, then the
/// lanes added to the tail one by one. Slices shorter than a vector are summed sequentially.
pub(crate) fn torch_sum(x: &[f32]) -> f32 {
    if x.len() < LANES {
        return x.iter().fold(0.0f32, |a, &v| a + v);
    }
    let n_vec = x.len() / LANES;
    let mut lanes = [0.0f32; LANES];
    for v in x[..n_vec * LANES].chunks_exact(LANES) {
        for (a, &b) in lanes.iter_mut().zip(v) {
            *a += b;
        }
    }
    let tail = x[n_vec * LANES..].iter().fold(0.0f32, |a, &v| a + v);
    lanes.iter().fold(tail, |a, &v| a + v)
}

/// Sums of every window of `width` consecutive values of each row of `x` (`n` rows of `l`),
/// as `x.unfold(-1, width, 1).sum(dim=-1)`: shape `(n, l - width + 1)`, row-major.
pub(crate) fn window_sums(x: &[f32], l: usize, width: usize) -> Vec<f32> {
    let w = l + 1 - width;
    x.chunks_exact(l).flat_map(|row| (0..w).map(move |j| torch_sum(&row[j..j + width]))).collect()
}

/// `torch.linspace(start, end, steps)` in float32 (`steps >= 2`): the first half counts up from
/// `start`, the second half down from `end`, each element one fused multiply-add.
pub(crate) fn linspace(start: f32, end: f32, steps: usize) -> Vec<f32> {
    let step = (end - start) / (steps - 1) as f32;
    let halfway = steps / 2;
    (0..steps)
        .map(|idx| {
            if idx < halfway {
                step.mul_add(idx as f32, start)
            } else {
                (-step).mul_add((steps - idx - 1) as f32, end)
            }
        })
        .collect()
}

/// Bin edges and counts of `torch.histogram(values, bins)`: `bins` equal-width bins over
/// `[min, max]` (widened by 0.5 on each side when they are equal), edges from [`linspace`];
/// a value goes to the bin found by linear interpolation and a local search of the edges, the
/// maximum to the last bin.
pub(crate) fn histogram(values: &[f32], bins: usize) -> (Vec<f32>, Vec<u64>) {
    let (mut lo, mut hi) = values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if lo == hi {
        lo = (f64::from(lo) - 0.5) as f32;
        hi = (f64::from(hi) + 0.5) as f32;
    }
    let edges = linspace(lo, hi, bins + 1);
    let (left, right) = (edges[0], edges[bins]);
    let mut counts = vec![0u64; bins];
    for &v in values {
        if !(v >= left && v <= right) {
            continue;
        }
        let guess = ((v - left) * bins as f32 / (right - left)) as i64;
        let from = (guess - 1).max(0) as usize;
        let to = ((guess + 2).max(0) as usize).min(bins + 1);
        let pos = from + edges[from..to].partition_point(|&e| e <= v);
        let bin = pos.saturating_sub(1).min(bins - 1);
        counts[bin] += 1;
    }
    (edges, counts)
}

/// `torch.quantile(values, q)` with linear interpolation for one float32 `q`, given `sorted`
/// ascending: the rank `q * (n - 1)` in float64, the weight rounded to float32, and torch's
/// `lerp` with a fused multiply-add (as its AVX2 kernels compute it).
pub(crate) fn quantile_sorted(sorted: &[f32], q: f32) -> f32 {
    let rank = f64::from(q) * (sorted.len() - 1) as f64;
    let below = rank.floor();
    let weight = (rank - below) as f32;
    let (lo, hi) = (sorted[below as usize], sorted[rank.ceil() as usize]);
    lerp(lo, hi, weight)
}

/// torch's `lerp(start, end, weight)` (vectorised form: one fused multiply-add).
fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 { weight.mul_add(end - start, start) } else { (weight - 1.0).mul_add(end - start, end) }
}

/// Values sorted ascending (NaN-free input).
pub(crate) fn sorted(values: &[f32]) -> Vec<f32> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f32::total_cmp);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_order_is_torch_avx2_order() {
        // 21 values: lanes k and k + 8 pair up, the tail 16..21 is summed first, then the
        // lanes are added to it in order.
        let mut z = [0.0f32; 21];
        z[0] = 1e8;
        z[1] = 3.0;
        z[16] = -1e8;
        // tail = -1e8; + lane 0 (1e8) = 0; + lane 1 (3) = 3, where a sequential sum loses the 3.
        assert_eq!(torch_sum(&z), 3.0);
        assert_eq!(z.iter().fold(0.0f32, |a, &v| a + v), 0.0);
        let x: Vec<f32> = (0..21).map(|i| i as f32).collect();
        assert_eq!(torch_sum(&x), 210.0);
        assert_eq!(torch_sum(&[1e8, 3.0, -1e8]), 0.0);
    }

    #[test]
    fn linspace_ends_and_halves() {
        let e = linspace(-1.0, 3.0, 1001);
        assert_eq!(e.len(), 1001);
        assert_eq!((e[0], e[1000]), (-1.0, 3.0));
        assert!(e.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(linspace(0.0, 1.0, 3), vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn histogram_puts_the_maximum_in_the_last_bin() {
        let (edges, counts) = histogram(&[0.0, 0.25, 0.5, 1.0, 1.0], 4);
        assert_eq!(edges, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(counts, vec![1, 1, 1, 2]);
        let (edges, counts) = histogram(&[2.0, 2.0], 2);
        assert_eq!((edges, counts), (vec![1.5, 2.0, 2.5], vec![0, 2]));
    }

    #[test]
    fn quantiles_interpolate_linearly() {
        let s = sorted(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.25), 1.75);
    }
}
