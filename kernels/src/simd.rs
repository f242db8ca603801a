//! Runtime choice between the baseline build of a hot loop and its AVX2 and AVX-512 builds.
//!
//! The loops are plain Rust written to vectorise; compiling them again with AVX2 or AVX-512
//! enabled widens the vectors two or four times. Every build gives identical bits: vector
//! lanes perform the same IEEE operations as scalar code, and Rust never contracts
//! `a * b + c` into a fused multiply-add (AVX-512 implies FMA, but only explicit `mul_add`
//! would use it, and these loops have none).
//!
//! [`multiversion!`] declares the wider builds of an `#[inline(always)]` function `f` in a
//! module `f` beside it; [`dispatch!`] calls the widest one the CPU runs.

/// Declares `mod $f { fn avx2(..); fn avx512(..) }`: the function `$f` of the enclosing
/// module compiled with AVX2, and with AVX-512 (F, BW, DQ, VL). `$f` must be
/// `#[inline(always)]` so that each build inlines its own copy.
macro_rules! multiversion {
    ($f:ident $(<$g:ident: $bound:path>)? ($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)?) => {
        #[cfg(target_arch = "x86_64")]
        mod $f {
            #[allow(unused_imports)]
            use super::*;

            #[target_feature(enable = "avx2")]
            pub(super) fn avx2$(<$g: $bound>)?($($a: $t),*) $(-> $r)? {
                super::$f($($a),*)
            }

            #[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
            pub(super) fn avx512$(<$g: $bound>)?($($a: $t),*) $(-> $r)? {
                super::$f($($a),*)
            }
        }
    };
}

/// Runs the widest build of `$f(args)` the CPU supports: `$f::avx512`, `$f::avx2` (declared
/// by [`multiversion!`]) or `$f` itself.
macro_rules! dispatch {
    ($f:ident ($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $crate::simd::has_avx512() {
                // SAFETY: the CPU supports every feature `$f::avx512` enables.
                unsafe { $f::avx512($($arg),*) }
            } else if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, the only feature `$f::avx2` enables.
                unsafe { $f::avx2($($arg),*) }
            } else {
                $f($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $f($($arg),*)
        }
    }};
}

/// Whether the CPU runs the AVX-512 builds (F, BW, DQ and VL).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

pub(crate) use {dispatch, multiversion};

/// Asks the CPU to bring the cache line holding `v` into its caches: a hint for reads that
/// would otherwise wait on memory one after another. It changes no result.
#[inline(always)]
pub(crate) fn prefetch<T>(v: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults (and `v` is a valid reference anyway); SSE is part of
    // the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((v as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}
