//! A state dict read from a file: weight tensors by key, plus any architecture metadata.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::{Tensor, TensorData, backend::Backend};

use crate::error::{Error, Result};

/// Weight tensors by key (as `torch.save(model.state_dict())` writes them), with the file they
/// came from (for error messages) and the architecture metadata found with them.
///
/// ```
/// use burn::tensor::TensorData;
/// use motiflift_models::import::StateDict;
///
/// let mut sd = StateDict::new("model.torch");
/// sd.insert("linear.weight", TensorData::new(vec![0.5f32, 0.25], [1, 2]));
/// assert_eq!(sd.shape("linear.weight"), Some(vec![1, 2]));
/// assert!(sd.require("linear.bias", 1, "bpnet").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct StateDict {
    file: PathBuf,
    tensors: BTreeMap<String, TensorData>,
    /// Architecture metadata (hyper-parameters) stored with the weights, if any.
    pub metadata: Option<serde_json::Value>,
}

impl StateDict {
    /// An empty state dict for `file`.
    ///
    /// ```
    /// let sd = motiflift_models::import::StateDict::new("m.pt");
    /// assert!(sd.keys().next().is_none());
    /// ```
    pub fn new(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            tensors: BTreeMap::new(),
            metadata: None,
        }
    }

    /// Adds (or replaces) a tensor; its values are converted to `f32`.
    ///
    /// ```
    /// use burn::tensor::TensorData;
    /// let mut sd = motiflift_models::import::StateDict::new("m.pt");
    /// sd.insert("w", TensorData::new(vec![1.0f64], [1]));
    /// assert_eq!(sd.shape("w"), Some(vec![1]));
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, data: TensorData) {
        self.tensors.insert(key.into(), data.convert::<f32>());
    }

    /// The file the weights were read from.
    ///
    /// ```
    /// let sd = motiflift_models::import::StateDict::new("m.pt");
    /// assert_eq!(sd.file(), std::path::Path::new("m.pt"));
    /// ```
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// All keys, sorted.
    ///
    /// ```
    /// use burn::tensor::TensorData;
    /// let mut sd = motiflift_models::import::StateDict::new("m.pt");
    /// sd.insert("b", TensorData::new(vec![1.0f32], [1]));
    /// sd.insert("a", TensorData::new(vec![1.0f32], [1]));
    /// assert_eq!(sd.keys().collect::<Vec<_>>(), vec!["a", "b"]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// The shape of `key`, if present.
    ///
    /// ```
    /// let sd = motiflift_models::import::StateDict::new("m.pt");
    /// assert_eq!(sd.shape("missing"), None);
    /// ```
    pub fn shape(&self, key: &str) -> Option<Vec<usize>> {
        self.tensors.get(key).map(|d| d.shape.to_vec())
    }

    /// The tensor `key`, which must exist and have `rank` axes; `arch` names who needs it.
    ///
    /// ```
    /// use burn::tensor::TensorData;
    /// let mut sd = motiflift_models::import::StateDict::new("m.pt");
    /// sd.insert("w", TensorData::new(vec![1.0f32; 6], [2, 3]));
    /// assert!(sd.require("w", 2, "test").is_ok());
    /// assert!(sd.require("w", 3, "test").is_err());
    /// ```
    pub fn require(&self, key: &str, rank: usize, arch: &str) -> Result<&TensorData> {
        let data = self
            .tensors
            .get(key)
            .ok_or_else(|| self.missing(key, arch))?;
        if data.shape.len() != rank || data.shape.contains(&0) {
            return Err(self.wrong_shape(
                key,
                format!("{rank} non-empty axes"),
                data.shape.to_vec(),
            ));
        }
        Ok(data)
    }

    /// A [`Error::MissingKey`] for this file.
    pub(crate) fn missing(&self, key: &str, arch: &str) -> Error {
        let mut present: Vec<&str> = self.keys().take(12).collect();
        if self.tensors.len() > present.len() {
            present.push("…");
        }
        Error::MissingKey {
            file: self.file.clone(),
            key: key.to_string(),
            arch: arch.to_string(),
            present: present.join(", "),
        }
    }

    /// A [`Error::WeightShape`] for this file.
    pub(crate) fn wrong_shape(&self, key: &str, expected: String, found: Vec<usize>) -> Error {
        Error::WeightShape {
            file: self.file.clone(),
            key: key.to_string(),
            expected,
            found,
        }
    }

    /// An [`Error::Architecture`] for this file.
    pub(crate) fn arch_error(&self, reason: String) -> Error {
        Error::Architecture {
            file: self.file.clone(),
            reason,
        }
    }

    /// The tensor `key`, if present.
    ///
    /// ```
    /// use burn::tensor::TensorData;
    /// let mut sd = motiflift_models::import::StateDict::new("m.pt");
    /// sd.insert("w", TensorData::new(vec![1.5f32], [1]));
    /// assert_eq!(sd.get("w").unwrap().to_vec::<f32>().unwrap(), vec![1.5]);
    /// ```
    pub fn get(&self, key: &str) -> Option<&TensorData> {
        self.tensors.get(key)
    }

    /// Removes and returns the tensor `key`.
    ///
    /// ```
    /// use burn::tensor::TensorData;
    /// let mut sd = motiflift_models::import::StateDict::new("m.pt");
    /// sd.insert("w", TensorData::new(vec![1.5f32], [1]));
    /// assert!(sd.remove("w").is_some());
    /// assert!(sd.get("w").is_none());
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<TensorData> {
        self.tensors.remove(key)
    }

    /// The tensor `key` with rank `D` on `device`.
    pub(crate) fn tensor<B: Backend, const D: usize>(
        &self,
        key: &str,
        arch: &str,
        device: &B::Device,
    ) -> Result<Tensor<B, D>> {
        let data = self.require(key, D, arch)?;
        Ok(Tensor::from_data(data.clone(), device))
    }
}
