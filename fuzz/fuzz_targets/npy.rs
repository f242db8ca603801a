//! `.npy` headers and data: every reader (one-hot, float32, float64, integer vector) at any rank
//! and at the ranks the pipeline uses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift::io::npy::{read_f32, read_f64, read_i64_vec, read_onehot};
use ndarray::{Ix2, Ix3, IxDyn};

fuzz_target!(|data: &[u8]| {
    let path = motiflift_fuzz::scratch("in.npy", data);
    let _ = read_onehot::<IxDyn>(&path);
    let _ = read_onehot::<Ix3>(&path);
    let _ = read_f32::<IxDyn>(&path);
    let _ = read_f32::<Ix3>(&path);
    let _ = read_f64::<IxDyn>(&path);
    let _ = read_f64::<Ix2>(&path);
    let _ = read_i64_vec(&path);
});
