//! FASTA and its `.fai` index: the input is `<fasta>` or `<fasta>\0<fai>`; the file is opened,
//! every record fetched whole and in part, and one-hot windows extracted around its midpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motiflift::io::bed::Locus;
use motiflift::io::fasta::Fasta;
use motiflift::io::loci::{ExtractOptions, extract_loci};

fuzz_target!(|data: &[u8]| {
    let (fa, fai) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let path = motiflift_fuzz::scratch("in.fa", fa);
    match fai {
        Some(fai) => {
            motiflift_fuzz::scratch("in.fa.fai", fai);
        }
        None => motiflift_fuzz::remove("in.fa.fai"),
    }
    let Ok(fasta) = Fasta::open(&path) else {
        return;
    };
    let mut loci = Vec::new();
    for record in fasta.records().iter().take(8) {
        // Never ask for more than the file could hold: a region is read into memory.
        let len = record.length.min(1 << 16);
        let _ = fasta.fetch(&record.name, 0, len);
        let _ = fasta.fetch(&record.name, len / 3, len / 2);
        let _ = fasta.fetch(&record.name, len, len + 1);
        let mid = (len / 2) as i64;
        loci.push(Locus::new(record.name.clone(), mid, mid + 1));
    }
    for in_window in [1, 5, 64] {
        let opts = ExtractOptions {
            in_window,
            max_jitter: 1,
            ..Default::default()
        };
        let _ = extract_loci(&loci, &fasta, &opts);
    }
});
