//! PyTorch state dicts (`torch.save` zip archives holding a pickle): `read_torch`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift_models::import::read_torch;

fuzz_target!(|data: &[u8]| {
    let path = motiflift_fuzz::scratch("in.pt", data);
    let _ = read_torch(&path);
});
