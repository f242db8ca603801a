//! Synthetic inputs for the genome-wide benchmark (`scripts/bench_scale.sh`): a random genome
//! with a BED of `N` peaks, and `(N, L)` float32 attribution-like tracks (noise with a few
//! bumps per locus), written chunk by chunk (never held whole).
//!
//! ```text
//! cargo run -p motiflift --example synth_scale -- OUT_DIR N [L]
//! ```
//!
//! Writes `OUT_DIR/genome.fa` (+ `.fai`), `OUT_DIR/peaks.bed` and `OUT_DIR/A.npy`.

use std::io::Write;
use std::path::Path;

use motiflift::io::npy_stream::NpyWriter;

/// splitmix64: a small deterministic generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: synth_scale OUT_DIR N [L]".into());
    }
    let out = Path::new(&args[1]);
    let n: usize = args[2].parse()?;
    let l: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(2114);
    std::fs::create_dir_all(out)?;
    let mut rng = Rng(12345);

    // Genome: 8 chromosomes of 4 Mb, 60 bases a line, with its .fai.
    let (n_chroms, chrom_len, line) = (8usize, 4_000_000usize, 60usize);
    let mut fa = std::io::BufWriter::new(std::fs::File::create(out.join("genome.fa"))?);
    let mut fai = std::io::BufWriter::new(std::fs::File::create(out.join("genome.fa.fai"))?);
    let mut offset = 0u64;
    for c in 0..n_chroms {
        let name = format!("chr{}", c + 1);
        let header = format!(">{name}\n");
        fa.write_all(header.as_bytes())?;
        offset += header.len() as u64;
        writeln!(fai, "{name}\t{chrom_len}\t{offset}\t{line}\t{}", line + 1)?;
        let mut row = Vec::with_capacity(line + 1);
        for start in (0..chrom_len).step_by(line) {
            row.clear();
            for _ in start..(start + line).min(chrom_len) {
                row.push(b"ACGT"[(rng.next() & 3) as usize]);
            }
            row.push(b'\n');
            fa.write_all(&row)?;
            offset += row.len() as u64;
        }
    }
    fa.flush()?;
    fai.flush()?;

    // Peaks: random 200 bp intervals whose windows fit their chromosome, in genome order.
    let mut peaks: Vec<(usize, usize)> = (0..n)
        .map(|_| {
            let c = (rng.next() % n_chroms as u64) as usize;
            let mid = l + (rng.next() % (chrom_len - 2 * l) as u64) as usize;
            (c, mid - 100)
        })
        .collect();
    peaks.sort_unstable();
    let mut bed = std::io::BufWriter::new(std::fs::File::create(out.join("peaks.bed"))?);
    for (c, s) in &peaks {
        writeln!(bed, "chr{}\t{s}\t{}", c + 1, s + 200)?;
    }
    bed.flush()?;

    // Attributions (n, L): small noise, two or three bumps of 6..20 positions per locus.
    let mut a = NpyWriter::new::<f32>(out.join("A.npy"), &[l], n)?;
    let mut row = vec![0f32; l];
    for _ in 0..n {
        for v in row.iter_mut() {
            *v = (rng.uniform() - 0.5) * 0.02;
        }
        for _ in 0..2 + rng.next() % 2 {
            let w = 6 + (rng.next() % 15) as usize;
            let s = (rng.next() % (l - w) as u64) as usize;
            let h = 0.2 + rng.uniform();
            row[s..s + w].iter_mut().for_each(|v| *v += h);
        }
        a.write(&row)?;
    }
    a.finish()?;
    eprintln!("{n} peaks, attributions ({n}, {l}) in {}", out.display());
    Ok(())
}
