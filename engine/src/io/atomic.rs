//! Atomic file writes: write a temporary file beside the target, then rename it into place, so a
//! reader never sees a half-written file and a failed write leaves no debris.
//!
//! Every temporary file is registered while it exists: [`remove_temporaries_on_signal`] (the
//! binary calls it) removes them when the process is interrupted (SIGINT, SIGTERM, SIGHUP), and
//! a temporary file of a process that no longer runs (killed with SIGKILL, a node lost) is
//! removed the next time its target is written.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
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
    let tmp = TempFile::create(path)?;
    let mut writer = BufWriter::with_capacity(1 << 20, tmp.file()?);
    write(&mut writer)?;
    let file = writer
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_data().map_err(|e| Error::io(path, e))?;
    drop(file);
    tmp.persist()
}

/// The temporary files of this process that exist now.
static LIVE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn live() -> std::sync::MutexGuard<'static, Option<HashSet<PathBuf>>> {
    // A panic while holding the lock leaves a set that is still valid.
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file beside `target` (`.<name>.tmp-<pid>-<n>`), created empty: removed when
/// dropped, renamed over `target` by [`TempFile::persist`]. While it exists it is registered
/// for [`remove_temporaries_on_signal`].
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-tempfile-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use std::io::Write;
/// use motiflift::io::atomic::TempFile;
/// let target = dir.join("out.txt");
/// let tmp = TempFile::create(&target)?;
/// tmp.file()?.write_all(b"done\n").unwrap();
/// assert!(!target.exists());
/// tmp.persist()?;
/// assert_eq!(std::fs::read_to_string(&target).unwrap(), "done\n");
/// drop(TempFile::create(&target)?); // dropped: nothing is left beside the target
/// assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Debug)]
pub struct TempFile {
    tmp: PathBuf,
    target: PathBuf,
}

impl TempFile {
    /// Creates the temporary file of `target`, first removing those left beside it by
    /// processes that no longer run.
    pub fn create(target: &Path) -> Result<Self> {
        remove_stale(target);
        let tmp = temp_path(target);
        live().get_or_insert_with(HashSet::new).insert(tmp.clone());
        let this = Self { tmp, target: target.to_path_buf() };
        File::create(&this.tmp).map_err(|e| Error::io(target, e))?;
        Ok(this)
    }

    /// The temporary file, opened for writing (at its start).
    pub fn file(&self) -> Result<File> {
        fs::OpenOptions::new()
            .write(true)
            .open(&self.tmp)
            .map_err(|e| Error::io(&self.target, e))
    }

    /// Renames the temporary file over the target.
    pub fn persist(self) -> Result<()> {
        fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        if let Some(set) = live().as_mut() {
            set.remove(&self.tmp);
        }
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: the temporary file may not exist any more.
        let _ = fs::remove_file(&self.tmp);
        if let Some(set) = live().as_mut() {
            set.remove(&self.tmp);
        }
    }
}

/// Makes SIGINT, SIGTERM and SIGHUP remove this process's temporary files, then exit with
/// status 130, so an interrupted run leaves neither a truncated output nor debris (a target
/// written before the signal stays). Call it once, early, in a program's `main`; a library
/// embedding motiflift may keep its own handlers instead.
///
/// ```no_run
/// motiflift::io::atomic::remove_temporaries_on_signal()?;
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn remove_temporaries_on_signal() -> Result<()> {
    ctrlc::set_handler(|| {
        if let Some(set) = live().take() {
            for tmp in set {
                let _ = fs::remove_file(tmp);
            }
        }
        std::process::exit(130);
    })
    .map_err(|e| Error::Invalid(format!("cannot install the signal handler: {e}")))
}

/// A temporary name beside `path`, unique within this process.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!("{}{}-{n}", temp_prefix(path), std::process::id()))
}

/// `.<name>.tmp-`: the start of every temporary name of `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.tmp-")
}

/// Removes the temporary files of `path` whose process no longer runs (where the OS tells,
/// through `/proc`; elsewhere nothing is removed).
fn remove_stale(path: &Path) {
    let proc = Path::new("/proc");
    let (Some(dir), true) = (path.parent(), proc.join("self").exists()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(&prefix).and_then(|rest| rest.split('-').next()) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !proc.join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
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
    fn temporaries_of_dead_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("motiflift-stale-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.npy");
        // No process has a pid this large (Linux caps pids at 2^22).
        let stale = dir.join(".out.npy.tmp-4294967295-0");
        let other = dir.join(".other.npy.tmp-4294967295-0");
        fs::write(&stale, "half").unwrap();
        fs::write(&other, "half").unwrap();
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
        assert!(other.exists(), "another target's file is left alone");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_file() {
        let path = std::env::temp_dir().join("motiflift-no-such-dir/x/out.npy");
        let err = write_atomic(&path, |w| w.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("out.npy"), "{err}");
    }
}
