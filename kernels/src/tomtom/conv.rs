//! The span convolution of §7.5: in memelite's exact order ([`Order::Memelite`]: every output
//! adds its terms in ascending index of the first operand, each product rounded, from `0.0`),
//! or, for the fast null, in two interleaved chains ([`Order::Any`]).
//!
//! The kernel keeps a block of outputs in registers and walks the first operand once per block,
//! multiplying by a zero-padded copy of the second; a product with a padding zero is `+0.0` and
//! leaves the sum unchanged (all values are finite and non-negative), so the bits are those of a
//! plain double loop. One chain of additions per output waits on each addition's latency; two
//! chains (even and odd terms, added at the end) keep twice as many additions in flight. All
//! terms are non-negative, so both orders agree to a few units in the last place. It is
//! compiled for the baseline target, AVX2 and AVX-512 (see `crate::simd`).

use crate::simd::{dispatch, multiversion};

/// Outputs per register block.
const W: usize = 16;

/// The order of each output's additions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// memelite's: ascending index of the first operand, one chain.
    Memelite,
    /// Even and odd terms in two chains, then their sum: equal up to rounding, faster.
    Any,
}

/// Reusable padded copy of the short operand.
#[derive(Debug, Default)]
pub(crate) struct ConvScratch {
    fpad: Vec<f64>,
}

/// `out[q] = Σ_k a[k] · f[q − k]`, summed in `order`, for `q` in `0..a.len() + f.len() − 1`.
/// `a` and `f` must be non-empty, finite and non-negative.
pub(crate) fn convolve(
    a: &[f64],
    f: &[f64],
    out: &mut [f64],
    order: Order,
    scratch: &mut ConvScratch,
) {
    debug_assert_eq!(out.len(), a.len() + f.len() - 1);
    let mut at = 0;
    convolve_padded(a, f, order, scratch, |block| {
        out[at..at + block.len()].copy_from_slice(block);
        at += block.len();
    });
}

/// [`convolve`] in [`Order::Any`], appending the `a.len() + f.len() − 1` outputs to `out`.
pub(crate) fn convolve_append(a: &[f64], f: &[f64], out: &mut Vec<f64>, scratch: &mut ConvScratch) {
    convolve_padded(a, f, Order::Any, scratch, |block| {
        out.extend_from_slice(block)
    });
}

/// Pads `f` into the scratch and runs the widest build of the block kernel.
fn convolve_padded(
    a: &[f64],
    f: &[f64],
    order: Order,
    scratch: &mut ConvScratch,
    emit: impl FnMut(&[f64]),
) {
    let fpad = &mut scratch.fpad;
    fpad.clear();
    fpad.resize(f.len() + 2 * (W - 1), 0.0);
    fpad[W - 1..W - 1 + f.len()].copy_from_slice(f);
    match order {
        Order::Memelite => dispatch!(one_chain(a, f.len(), fpad, emit)),
        Order::Any => dispatch!(two_chains(a, f.len(), fpad, emit)),
    }
}

multiversion!(one_chain(a: &[f64], nf: usize, fpad: &[f64], emit: impl FnMut(&[f64])));
multiversion!(two_chains(a: &[f64], nf: usize, fpad: &[f64], emit: impl FnMut(&[f64])));

#[inline(always)]
fn one_chain(a: &[f64], nf: usize, fpad: &[f64], emit: impl FnMut(&[f64])) {
    convolve_blocks::<1>(a, nf, fpad, emit)
}

#[inline(always)]
fn two_chains(a: &[f64], nf: usize, fpad: &[f64], emit: impl FnMut(&[f64])) {
    convolve_blocks::<2>(a, nf, fpad, emit)
}

/// Emits the outputs in blocks of `W` (the last one shorter), term `k` of each added to chain
/// `k mod C`, the chains summed in order at the end.
#[inline(always)]
fn convolve_blocks<const C: usize>(
    a: &[f64],
    nf: usize,
    fpad: &[f64],
    mut emit: impl FnMut(&[f64]),
) {
    let no = a.len() + nf - 1;
    let mut q0 = 0;
    while q0 < no {
        let k_lo = (q0 + 1).saturating_sub(nf);
        let k_hi = (q0 + W - 1).min(a.len() - 1);
        let mut acc = [[0.0f64; W]; C];
        // fpad[W − 1 + l] = f[l]; output q0 + w takes f[q0 + w − k].
        let term = |chain: &mut [f64; W], k: usize| {
            let s = q0 + W - 1 - k;
            let fs: &[f64; W] = fpad[s..s + W].try_into().expect("W values");
            for w in 0..W {
                chain[w] += a[k] * fs[w];
            }
        };
        let mut k = k_lo;
        while k + C <= k_hi + 1 {
            for (c, chain) in acc.iter_mut().enumerate() {
                term(chain, k + c);
            }
            k += C;
        }
        for (c, k) in (k..=k_hi).enumerate() {
            term(&mut acc[c], k);
        }
        let mut sum = acc[0];
        for chain in &acc[1..] {
            for w in 0..W {
                sum[w] += chain[w];
            }
        }
        emit(&sum[..W.min(no - q0)]);
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
    fn blocked_convolution_is_the_double_loop() {
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
            convolve(&a, &f, &mut out, Order::Memelite, &mut scratch);
            let want = naive(&a, &f);
            assert!(
                out.iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{na} x {nf}"
            );
            // Two chains: the same sums up to rounding (non-negative terms).
            convolve(&a, &f, &mut out, Order::Any, &mut scratch);
            for (x, y) in out.iter().zip(&want) {
                assert!((x - y).abs() <= 1e-15 * y, "{na} x {nf}: {x} vs {y}");
            }
            let mut appended = vec![7.0];
            convolve_append(&a, &f, &mut appended, &mut scratch);
            assert_eq!(appended[1..], out[..], "{na} x {nf}");
        }
    }
}
