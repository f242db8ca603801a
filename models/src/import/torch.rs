//! PyTorch state dicts (`torch.save(model.state_dict())`: a zip archive with a pickle), read with
//! burn-store's PyTorch reader.

use std::path::Path;

use burn_store::pytorch::{PytorchError, PytorchReader};

use super::StateDict;
use crate::error::{Error, Result};

/// Checkpoint keys under which training frameworks nest the state dict.
const NESTED_KEYS: [&str; 3] = ["state_dict", "model_state_dict", "model"];

/// Reads every tensor of a PyTorch state dict (also one nested under `state_dict`,
/// `model_state_dict` or `model` in a checkpoint), converted to `f32`.
///
/// ```no_run
/// let sd = motiflift_models::import::read_torch("bpnet.torch".as_ref())?;
/// assert!(sd.shape("iconv.weight").is_some());
/// # Ok::<(), motiflift_models::Error>(())
/// ```
pub fn read_torch(path: &Path) -> Result<StateDict> {
    std::fs::metadata(path).map_err(|source| Error::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let mut reader = PytorchReader::new(path).map_err(|e| corrupt(path, e))?;
    for key in NESTED_KEYS {
        if !reader.is_empty() {
            break;
        }
        if let Ok(nested) = PytorchReader::with_top_level_key(path, key) {
            reader = nested;
        }
    }
    if reader.is_empty() {
        return Err(Error::Corrupt {
            file: path.to_path_buf(),
            format: "PyTorch state_dict",
            reason: "no tensors found".into(),
        });
    }
    let mut state = StateDict::new(path);
    for (key, snapshot) in reader.into_tensors() {
        let data = snapshot.to_data().map_err(|e| Error::Corrupt {
            file: path.to_path_buf(),
            format: "PyTorch state_dict",
            reason: format!("tensor `{key}`: {e}"),
        })?;
        state.insert(key, data);
    }
    Ok(state)
}

fn corrupt(path: &Path, e: PytorchError) -> Error {
    match e {
        PytorchError::Io(source) => Error::Io {
            file: path.to_path_buf(),
            source,
        },
        other => Error::Corrupt {
            file: path.to_path_buf(),
            format: "PyTorch state_dict",
            reason: other.to_string(),
        },
    }
}
