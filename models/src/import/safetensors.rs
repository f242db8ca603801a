//! safetensors files, read with burn-store; the header's `__metadata__` (e.g. an `architecture`
//! JSON string) is kept for the zoo.

use std::io::Read;
use std::path::Path;

use burn_store::{ModuleStore, SafetensorsStore};

use super::StateDict;
use crate::error::{Error, Result};

/// Reads every tensor of a safetensors file, converted to `f32`, and its metadata.
///
/// ```no_run
/// let sd = motiflift_models::import::read_safetensors("beluga.safetensors".as_ref())?;
/// assert!(sd.metadata.is_some());
/// # Ok::<(), motiflift_models::Error>(())
/// ```
pub fn read_safetensors(path: &Path) -> Result<StateDict> {
    let corrupt = |reason: String| Error::Corrupt {
        file: path.to_path_buf(),
        format: "safetensors",
        reason,
    };
    let mut state = StateDict::new(path);
    state.metadata = read_metadata(path)?;
    let mut store = SafetensorsStore::from_file(path).map_indices_contiguous(false);
    let snapshots = store
        .get_all_snapshots()
        .map_err(|e| corrupt(e.to_string()))?;
    for (key, snapshot) in snapshots {
        let data = snapshot
            .to_data()
            .map_err(|e| corrupt(format!("tensor `{key}`: {e}")))?;
        state.insert(key.clone(), data);
    }
    Ok(state)
}

/// The `__metadata__` object of the header (8-byte little-endian length, then JSON).
fn read_metadata(path: &Path) -> Result<Option<serde_json::Value>> {
    let io = |source| Error::Io {
        file: path.to_path_buf(),
        source,
    };
    let corrupt = |reason: String| Error::Corrupt {
        file: path.to_path_buf(),
        format: "safetensors",
        reason,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut n = [0u8; 8];
    file.read_exact(&mut n)
        .map_err(|_| corrupt(format!("{len} bytes is too short for a header")))?;
    let n = u64::from_le_bytes(n);
    if n > len.saturating_sub(8) {
        return Err(corrupt(format!(
            "the header claims {n} bytes but the file has {len}"
        )));
    }
    let mut header = vec![0u8; n as usize];
    file.read_exact(&mut header).map_err(io)?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| corrupt(format!("header is not JSON: {e}")))?;
    Ok(header.get("__metadata__").cloned())
}
