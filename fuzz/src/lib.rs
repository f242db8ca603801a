//! Helpers shared by the fuzz targets: the readers under test take paths, so each input is
//! written to a scratch file (in `/dev/shm` when it exists, to keep the disk out of the loop).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A directory private to this process, created once.
///
/// ```no_run
/// assert!(motiflift_fuzz::scratch_dir().is_dir());
/// ```
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("motiflift-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cannot create the fuzz scratch directory");
        dir
    })
}

/// Writes `data` to the scratch file `name` and returns its path.
///
/// ```no_run
/// let p = motiflift_fuzz::scratch("x.bed", b"chr1\t0\t1\n");
/// assert_eq!(std::fs::read(p).unwrap(), b"chr1\t0\t1\n");
/// ```
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, data).expect("cannot write the fuzz scratch file");
    path
}

/// Removes the scratch file `name` if it exists.
///
/// ```no_run
/// motiflift_fuzz::remove("x.bed.fai");
/// ```
pub fn remove(name: &str) {
    let _ = std::fs::remove_file(scratch_dir().join(name));
}

/// Silences the panic hook that libFuzzer installs, for targets whose library catches panics of a
/// third-party parser on purpose (`catch_unwind`) and turns them into errors. A panic that
/// escapes the library still reaches libFuzzer's `catch_unwind` and is reported as a crash.
///
/// ```no_run
/// motiflift_fuzz::quiet_caught_panics();
/// ```
/// Set `MOTIFLIFT_FUZZ_VERBOSE=1` to keep every panic message (to see what a crasher hits).
pub fn quiet_caught_panics() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("MOTIFLIFT_FUZZ_VERBOSE").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
}
