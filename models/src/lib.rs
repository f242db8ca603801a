//! # motiflift-models
//!
//! Sequence models as a small DAG of Burn ops ([`graph`]), the model zoo ([`zoo`]: BPNet,
//! ChromBPNet, ProCapNet, Beluga/DeepSEA and the seed's wrappers) and importers ([`import`]:
//! PyTorch state_dict, safetensors, ONNX).

#![warn(missing_docs)]
