//! safetensors files: `read_safetensors` (header JSON, metadata, tensor data).
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift_models::import::read_safetensors;

fuzz_target!(|data: &[u8]| {
    let path = motiflift_fuzz::scratch("in.safetensors", data);
    let _ = read_safetensors(&path);
});
