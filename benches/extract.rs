//! `extract_loci` of 10,000 loci × 2,114 bp from a random 3 × 10 Mb genome (60-base lines, a
//! tenth soft-masked): the job `scripts/bench_tangermeme.sh extract` times in tangermeme. The
//! timed call reads the BED, opens the FASTA through its `.fai` and extracts, as tangermeme's
//! `extract_loci(bed, fasta, in_window=2114)` does.
//!
//! Run with `cargo bench --bench extract`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use motiflift::io::bed::{LociOptions, read_loci};
use motiflift::io::fasta::Fasta;
use motiflift::io::loci::{ExtractOptions, extract_loci};
use motiflift_kernels::rng::Mt19937;

const CHROM_LEN: u32 = 10_000_000;
const N_LOCI: usize = 10_000;
const LINE: usize = 60;

/// Writes `genome.fa`, `genome.fa.fai` and `loci.bed` into `dir`.
fn write_inputs(dir: &Path) -> std::io::Result<()> {
    let mut rng = Mt19937::new(0);
    let mut fasta = Vec::new();
    let mut fai = String::new();
    for name in ["chr1", "chr2", "chr3"] {
        fasta.extend_from_slice(format!(">{name}\n").as_bytes());
        let offset = fasta.len();
        let mut seq: Vec<u8> = (0..CHROM_LEN)
            .map(|_| b"ACGT"[rng.bounded(4) as usize])
            .collect();
        for block in seq.chunks_mut(1000) {
            if rng.next_f64() < 0.1 {
                block.make_ascii_lowercase();
            }
        }
        for line in seq.chunks(LINE) {
            fasta.extend_from_slice(line);
            fasta.push(b'\n');
        }
        let _ = writeln!(fai, "{name}\t{CHROM_LEN}\t{offset}\t{LINE}\t{}", LINE + 1);
    }
    std::fs::write(dir.join("genome.fa"), fasta)?;
    std::fs::write(dir.join("genome.fa.fai"), fai)?;
    let mut bed = String::new();
    for _ in 0..N_LOCI {
        let chrom = 1 + rng.bounded(3);
        let start = 5000 + rng.bounded(CHROM_LEN - 10_000);
        let _ = writeln!(
            bed,
            "chr{chrom}\t{start}\t{}",
            start + 200 + rng.bounded(501)
        );
    }
    std::fs::write(dir.join("loci.bed"), bed)
}

fn bench_extract(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    write_inputs(dir.path()).expect("write the benchmark genome");
    let (bed, fa) = (dir.path().join("loci.bed"), dir.path().join("genome.fa"));
    let run = || {
        let loci = read_loci(&[&bed], &LociOptions::default()).expect("read BED");
        let fasta = Fasta::open(&fa).expect("open FASTA");
        extract_loci(black_box(&loci), &fasta, &ExtractOptions::default()).expect("extract")
    };
    assert_eq!(run().x.shape(), [N_LOCI, 4, 2114]);

    let mut group = c.benchmark_group("extract_loci_10000x2114");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    let threads = rayon::current_num_threads();
    group.bench_function(format!("{threads}_threads"), |b| b.iter(run));
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    group.bench_function("1_thread", |b| b.iter(|| single.install(run)));
    group.finish();
}

criterion_group!(benches, bench_extract);
criterion_main!(benches);
