//! Large zeroed buffers backed by transparent huge pages where the kernel allows it (as numpy
//! does for its large arrays): first-touch page faults on a multi-megabyte output otherwise cost
//! more than filling it.

/// Buffers at least this large are advised to use huge pages.
const THRESHOLD: usize = 4 << 20;
/// The huge page size on x86-64 and aarch64 (4 KiB base pages).
const HUGE: usize = 2 << 20;

/// A zeroed `Vec<u8>` of `len` bytes; on Linux, buffers of 4 MiB or more are advised
/// (`madvise(MADV_HUGEPAGE)`) to use transparent huge pages. The advice is best effort.
pub(crate) fn zeroed(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    if len >= THRESHOLD {
        advise_huge(&mut buf);
    }
    buf
}

#[cfg(target_os = "linux")]
fn advise_huge(buf: &mut [u8]) {
    let start = buf.as_mut_ptr() as usize;
    let aligned = start.next_multiple_of(HUGE);
    let end = (start + buf.len()) & !(HUGE - 1);
    if end > aligned {
        // SAFETY: [aligned, end) lies inside `buf`'s allocation, which we borrow mutably;
        // MADV_HUGEPAGE only changes how the kernel backs the pages, never their contents, and
        // its failure (e.g. no THP support) is harmless, so the return value is ignored.
        unsafe {
            libc::madvise(
                aligned as *mut libc::c_void,
                end - aligned,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_buf: &mut [u8]) {}

#[cfg(test)]
mod tests {
    #[test]
    fn buffers_are_zeroed_whatever_their_size() {
        for len in [0, 1, super::THRESHOLD + 12_345] {
            let b = super::zeroed(len);
            assert_eq!(b.len(), len);
            assert!(b.iter().all(|&v| v == 0));
        }
    }
}
