//! Allocator settings for long CPU runs.
//!
//! A DeepLIFT pass allocates and frees tensors of tens of megabytes many times per batch. glibc
//! serves blocks that large with `mmap` and returns them with `munmap`, so every batch pays again
//! for page faults and zeroing of fresh pages (a quarter of a CPU pass, measured). Binaries that
//! do little else — the `motiflift` command line, the benchmarks — call
//! [`retain_freed_memory`] once at start-up; a library never changes the process allocator on
//! its own.

/// Makes glibc's `malloc` keep freed memory for reuse: no `mmap` for large blocks and no
/// trimming of the heap, so large tensors are recycled instead of faulted in again. Peak memory
/// is unchanged; memory is returned to the system when the process ends. A no-op on other
/// platforms and C libraries.
///
/// ```
/// motiflift::allocator::retain_freed_memory();
/// let v = vec![0f32; 1 << 22];
/// assert_eq!(v.len(), 1 << 22);
/// ```
pub fn retain_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning parameters; it is called before any
    // threads of ours allocate concurrently, and a rejected setting (return 0) leaves the
    // allocator as it was, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}
