//! ONNX models: `load_onnx` on the CPU backend (protobuf parsing, opset check, onnx-ir's graph
//! building and the mapping onto motiflift's op set).
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift_models::Cpu;
use motiflift_models::import::load_onnx;

fuzz_target!(|data: &[u8]| {
    // load_onnx turns onnx-ir's own panics into errors (catch_unwind): keep those quiet.
    motiflift_fuzz::quiet_caught_panics();
    let path = motiflift_fuzz::scratch("in.onnx", data);
    let _ = load_onnx::<Cpu>(&path, &Default::default(), &Default::default());
});
