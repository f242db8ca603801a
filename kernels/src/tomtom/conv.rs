//! The span convolution of §7.5 in memelite's exact order: every output adds its terms in
//! ascending index of the first operand, each product rounded, from `0.0`.
//!
//! The kernel keeps a block of outputs in registers and walks the first operand once per block,
//! multiplying by a zero-padded copy of the second; a product with a padding zero is `+0.0` and
//! leaves the sum unchanged (all values are finite and non-negative), so the bits are those of a
//! plain double loop. It is compiled for the baseline target, AVX2 and AVX-512 (see `crate::simd`).

use crate::simd::{dispatch, multiversion};

/// Outputs per register block.
const W: usize = 16;

/// Reusable padded copy of the short operand.
#[derive(Debug, Default)]
pub(crate) struct ConvScratch {
    fpad: Vec<f64>,
}

/// `out[q] = Σ_k a[k] · f[q − k]` over ascending `k`, for `q` in `0..a.len() + f.len() − 1`.
/// `a` and `f` must be non-empty, finite and non-negative.
pub(crate) fn convolve(a: &[f64], f: &[f64], out: &mut [f64], scratch: &mut ConvScratch) {
    debug_assert_eq!(out.len(), a.len() + f.len() - 1);
    let mut at = 0;
    convolve_padded(a, f, scratch, |block| {
        out[at..at + block.len()].copy_from_slice(block);
        at += block.len();
    });
}

/// [`convolve`], appending the `a.len() + f.len() − 1` outputs to `out`.
pub(crate) fn convolve_append(a: &[f64], f: &[f64], out: &mut Vec<f64>, scratch: &mut ConvScratch) {
    convolve_padded(a, f, scratch, |block| out.extend_from_slice(block));
}

/// Pads `f` into the scratch and runs the widest build of the block kernel.
fn convolve_padded(a: &[f64], f: &[f64], scratch: &mut ConvScratch, emit: impl FnMut(&[f64])) {
    let fpad = &mut scratch.fpad;
    fpad.clear();
    fpad.resize(f.len() + 2 * (W - 1), 0.0);
    fpad[W - 1..W - 1 + f.len()].copy_from_slice(f);
    dispatch!(convolve_blocks(a, f.len(), fpad, emit))
}

multiversion!(convolve_blocks(a: &[f64], nf: usize, fpad: &[f64], emit: impl FnMut(&[f64])));

/// Emits the outputs in blocks of `W` (the last one shorter).
#[inline(always)]
fn convolve_blocks(a: &[f64], nf: usize, fpad: &[f64], mut emit: impl FnMut(&[f64])) {
    let no = a.len() + nf - 1;
    let mut q0 = 0;
    while q0 < no {
        let k_lo = (q0 + 1).saturating_sub(nf);
        let k_hi = (q0 + W - 1).min(a.len() - 1);
        let mut acc = [0.0f64; W];
        for (k, &ak) in a.iter().enumerate().take(k_hi + 1).skip(k_lo) {
            // fpad[W − 1 + l] = f[l]; output q0 + w takes f[q0 + w − k].
            let s = q0 + W - 1 - k;
            let fs: &[f64; W] = fpad[s..s + W].try_into().expect("W values");
            for w in 0..W {
                acc[w] += ak * fs[w];
            }
        }
        emit(&acc[..W.min(no - q0)]);
        q0 += W;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], f: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; a.len() + f.len() - 1];
        for (k, &ak) in a.iter().enumerate() {
            for (l, &fl) in f.iter().enumerate() {
                out[k + l] += ak * fl;
            }
        }
        out
    }

    #[test]
    fn blocked_convolution_is_bitwise_the_double_loop() {
        let mut rng = crate::rng::Mt19937::new(3);
        let mut scratch = ConvScratch::default();
        for (na, nf) in [
            (1, 1),
            (1, 40),
            (40, 1),
            (3, 7),
            (17, 16),
            (100, 63),
            (250, 5),
            (33, 101),
        ] {
            let a: Vec<f64> = (0..na).map(|_| rng.next_f64() * 1e-3).collect();
            let mut f: Vec<f64> = (0..nf).map(|_| rng.next_f64()).collect();
            f[nf / 2] = 0.0;
            let mut out = vec![f64::NAN; na + nf - 1];
            convolve(&a, &f, &mut out, &mut scratch);
            let want = naive(&a, &f);
            assert!(
                out.iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{na} x {nf}"
            );
            let mut appended = vec![7.0];
            convolve_append(&a, &f, &mut appended, &mut scratch);
            assert_eq!(appended[1..], out[..], "{na} x {nf}");
        }
    }
}
