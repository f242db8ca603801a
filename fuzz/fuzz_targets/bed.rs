//! BED / narrowPeak lines: `read_bed` with and without summits, and the interleaving of the
//! loci with themselves.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift::io::bed::{LociOptions, read_bed, read_loci};

fuzz_target!(|data: &[u8]| {
    let path = motiflift_fuzz::scratch("in.bed", data);
    let _ = read_bed(&path, false);
    let _ = read_bed(&path, true);
    let opts = LociOptions {
        summits: false,
        chroms: Some(vec!["chr1".into()]),
    };
    let _ = read_loci(&[&path, &path], &opts);
});
