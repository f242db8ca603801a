//! Shared helpers for the integration tests.

use std::path::PathBuf;

/// Path of a file under `tests/data/` (the fixture subset committed with the repo).
#[allow(dead_code)]
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}
