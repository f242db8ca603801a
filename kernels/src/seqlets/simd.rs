//! Runtime choice between the baseline build of a hot loop and its AVX2 build.
//!
//! The loops are plain Rust written to vectorise; compiling them a second time with AVX2
//! enabled doubles the vector width. Both builds give identical bits: vector lanes perform
//! the same IEEE operations as scalar code, and Rust never contracts `a * b + c` into a fused
//! multiply-add (FMA is not enabled anyway).

/// Runs `$base(args)`, or `$avx2(args)` — the same function compiled with
/// `#[target_feature(enable = "avx2")]` — when the CPU has AVX2.
macro_rules! dispatch {
    ($base:ident / $avx2:ident ($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, the only feature `$avx2` enables.
                unsafe { $avx2($($arg),*) }
            } else {
                $base($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $base($($arg),*)
        }
    }};
}

pub(crate) use dispatch;
