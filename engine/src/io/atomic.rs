//! Atomic file writes: write a temporary file beside the target, then rename it into place, so a
//! reader never sees a half-written file and a failed write leaves no debris.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// Writes `path` atomically: `write` fills a buffered temporary file in the same directory, which
/// is then flushed and renamed over `path`. On any error the temporary file is removed and `path`
/// is left untouched.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-atomic-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use std::io::Write;
/// let path = dir.join("hello.txt");
/// motiflift::io::atomic::write_atomic(&path, |w| w.write_all(b"hi\n"))?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hi\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
{
    write_atomic_with(path, |w| write(w).map_err(|e| Error::io(path, e)))
}

/// Like [`write_atomic`], for writers whose errors are already [`Error`]s (for example a format
/// encoder that reports its own failures).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-atomic2-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("fail.txt");
/// let err = motiflift::io::atomic::write_atomic_with(&path, |_| {
///     Err(motiflift::Error::Invalid("nothing to write".into()))
/// });
/// assert!(err.is_err());
/// assert!(!path.exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<()>,
{
    let tmp = temp_path(path);
    let file = File::create(&tmp).map_err(|e| Error::io(path, e))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let written = write(&mut writer).and_then(|()| {
        let file = writer
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?;
        file.sync_data().map_err(|e| Error::io(path, e))
    });
    let renamed = written.and_then(|()| fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if renamed.is_err() {
        // Best effort: the temporary file may not exist any more.
        let _ = fs::remove_file(&tmp);
    }
    renamed
}

/// A temporary name beside `path`, unique within this process.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn failed_write_leaves_old_file_and_no_temp() {
        let dir = std::env::temp_dir().join(format!("motiflift-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keep.txt");
        fs::write(&path, "old").unwrap();
        let res = write_atomic(&path, |w| {
            w.write_all(b"new")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(res.unwrap_err().to_string().contains("disk full"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("keep.txt")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_file() {
        let path = std::env::temp_dir().join("motiflift-no-such-dir/x/out.npy");
        let err = write_atomic(&path, |w| w.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("out.npy"), "{err}");
    }
}
