//! MEME minimal motif format: `read_meme` and `read_meme_n`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift::io::meme::{read_meme, read_meme_n};

fuzz_target!(|data: &[u8]| {
    let path = motiflift_fuzz::scratch("in.meme", data);
    let _ = read_meme(&path);
    let _ = read_meme_n(&path, Some(1));
});
