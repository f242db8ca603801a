//! Integration tests: I/O parity with tangermeme 1.6.0 / memelite 0.5.0 on the fixtures
//! (`tests/data/genome`, `tests/data/extract`, `tests/data/motifs`; see tests/data/README.md).

use ndarray::{Array1, Array2, Array3, Ix1, Ix3, s};

use motiflift::io::bed::{LociOptions, Locus, read_bed, read_loci};
use motiflift::io::fasta::Fasta;
use motiflift::io::loci::{ExtractOptions, extract_loci};
use motiflift::io::meme::{read_meme, read_meme_n, write_meme};
use motiflift::io::npy::{read_f32, read_i64_vec, read_onehot, write_npy};

use crate::common::{data, npy_gz};

fn peaks() -> Vec<Locus> {
    read_loci(&[data("genome/peaks.bed.gz")], &LociOptions::default()).unwrap()
}

fn genome() -> Fasta {
    Fasta::open(data("genome/genome.fa")).unwrap()
}

/// Asserts `x` (u8) equals the int8 fixture and `mask` the bool fixture.
fn assert_extract_parity(x: &Array3<u8>, mask: &[bool], fixture: &str) {
    let want_x: Array3<i8> = npy_gz::<i8, Ix3>(&format!("extract/{fixture}_X.npy.gz"));
    let want_mask: Array1<bool> = npy_gz::<bool, Ix1>(&format!("extract/{fixture}_mask.npy.gz"));
    assert_eq!(mask, want_mask.as_slice().unwrap(), "{fixture}: mask");
    assert_eq!(x.shape(), want_x.shape(), "{fixture}: shape");
    let diff = x
        .iter()
        .zip(want_x.iter())
        .filter(|(a, b)| **a as i8 != **b)
        .count();
    assert_eq!(diff, 0, "{fixture}: {diff} entries differ");
}

#[test]
fn extract_w2114_matches_tangermeme() {
    // extract_loci('genome/peaks.bed.gz', 'genome/genome.fa', in_window=2114, return_mask=True)
    let out = extract_loci(&peaks(), &genome(), &ExtractOptions::default()).unwrap();
    assert_eq!(out.mask.iter().filter(|&&k| k).count(), 146);
    assert_extract_parity(&out.x, &out.mask, "peaks_w2114");
    // Windows holding N (the planted N runs) are all-zero columns, not errors.
    let zero_columns = (0..out.x.shape()[0])
        .map(|i| {
            out.x
                .slice(s![i, .., ..])
                .sum_axis(ndarray::Axis(0))
                .iter()
                .filter(|&&c| c == 0)
                .count()
        })
        .sum::<usize>();
    assert!(
        zero_columns > 500,
        "expected the planted N runs, found {zero_columns} zero columns"
    );
}

#[test]
fn extract_summits_odd_window_matches_tangermeme() {
    // extract_loci(peaks, fasta, in_window=1001, summits=True, return_mask=True)
    let loci = read_loci(
        &[data("genome/peaks.bed.gz")],
        &LociOptions {
            summits: true,
            chroms: None,
        },
    )
    .unwrap();
    let opts = ExtractOptions {
        in_window: 1001,
        ..Default::default()
    };
    let out = extract_loci(&loci, &genome(), &opts).unwrap();
    assert_extract_parity(&out.x, &out.mask, "peaks_summits_w1001");
}

#[test]
fn extract_chroms_jitter_n_loci_matches_tangermeme() {
    // extract_loci(peaks, fasta, chroms=['chr2', 'chr3'], in_window=500, max_jitter=25, n_loci=40,
    //              return_mask=True)
    let chroms = Some(vec!["chr2".to_string(), "chr3".to_string()]);
    let loci = read_loci(
        &[data("genome/peaks.bed.gz")],
        &LociOptions {
            summits: false,
            chroms,
        },
    )
    .unwrap();
    let opts = ExtractOptions {
        in_window: 500,
        max_jitter: 25,
        n_loci: Some(40),
        ..Default::default()
    };
    let out = extract_loci(&loci, &genome(), &opts).unwrap();
    assert_eq!(out.x.shape(), [40, 4, 550]);
    assert_extract_parity(&out.x, &out.mask, "peaks_chroms_jitter");
}

#[test]
fn jittered_windows_hold_the_plain_windows_in_their_centre() {
    let loci = read_bed(data("genome/loci.bed"), false).unwrap();
    let fasta = genome();
    let plain = extract_loci(
        &loci,
        &fasta,
        &ExtractOptions {
            in_window: 100,
            ..Default::default()
        },
    )
    .unwrap();
    let wide = extract_loci(
        &loci,
        &fasta,
        &ExtractOptions {
            in_window: 100,
            max_jitter: 20,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(wide.x.slice(s![.., .., 20..120]), plain.x);
}

#[test]
fn fasta_without_index_equals_fasta_with_index() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("genome.fa");
    std::fs::copy(data("genome/genome.fa"), &copy).unwrap();
    let (indexed, scanned) = (genome(), Fasta::open(&copy).unwrap());
    assert_eq!(indexed.records(), scanned.records());
    let lengths: Vec<u64> = scanned.records().iter().map(|r| r.length).collect();
    assert_eq!(lengths, [240_000, 180_000, 150_000]);
    // A region across several 60-base lines, lower case kept.
    assert_eq!(
        indexed.fetch("chr2", 59_940, 60_180).unwrap(),
        scanned.fetch("chr2", 59_940, 60_180).unwrap()
    );
    assert_eq!(indexed.fetch("chr1", 0, 8).unwrap(), b"ATAAAATT");
}

#[test]
fn interleaving_two_files_is_round_robin() {
    // tangermeme test_interleave_loci_multi_str: source 0 row 0, source 1 row 0, ...
    let (a, b) = (data("genome/loci.bed"), data("genome/peaks.bed.gz"));
    let la = read_bed(&a, false).unwrap();
    let lb = read_bed(&b, false).unwrap();
    let both = read_loci(&[&a, &b], &LociOptions::default()).unwrap();
    assert_eq!(both.len(), la.len() + lb.len());
    for (r, pair) in both[..2 * la.len()].chunks(2).enumerate() {
        assert_eq!((&pair[0], &pair[1]), (&la[r], &lb[r]));
    }
    assert_eq!(&both[2 * la.len()..], &lb[la.len()..]);
    // Interleaving a file with itself repeats every row twice.
    let twice = read_loci(&[&a, &a], &LociOptions::default()).unwrap();
    assert!(
        twice
            .chunks(2)
            .zip(&la)
            .all(|(p, l)| p[0] == *l && p[1] == *l)
    );
}

#[test]
fn read_meme_matches_read_meme_of_memelite() {
    // tangermeme.io.read_meme('jaspar2024_hsapiens_chipseq.meme'), concatenated along the length.
    let motifs = read_meme(data("motifs/jaspar2024_hsapiens_chipseq.meme")).unwrap();
    assert_eq!(motifs.len(), 215);
    let tsv = std::fs::read_to_string(data("motifs/jaspar2024_hsapiens_chipseq.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let concat: Array2<f64> =
        ndarray_npy::read_npy(data("motifs/jaspar2024_hsapiens_chipseq_concat.npy")).unwrap();
    let mut at = 0;
    for (motif, row) in motifs.iter().zip(&rows) {
        let width: usize = row[4].parse().unwrap();
        assert_eq!(motif.name, row[3], "key of motif {}", row[0]);
        assert_eq!(motif.width(), width, "{}", motif.name);
        assert_eq!(
            motif.pwm,
            concat.slice(s![.., at..at + width]),
            "{}",
            motif.name
        );
        at += width;
    }
    assert_eq!(at, concat.ncols());
    assert_eq!(
        read_meme_n(data("motifs/jaspar2024_hsapiens_chipseq.meme"), Some(6))
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn read_meme_parses_all_of_jaspar_core_vertebrates() {
    let motifs = read_meme(data("motifs/jaspar2024_core_vertebrates.meme.gz")).unwrap();
    assert_eq!(motifs.len(), 879);
    for m in &motifs {
        let sums = m.pwm.sum_axis(ndarray::Axis(0));
        assert!(
            sums.iter().all(|s| (s - 1.0).abs() < 1e-5),
            "{}: column sums {sums}",
            m.name
        );
    }
    let planted = read_meme(data("motifs/planted_motifs.meme")).unwrap();
    let names: Vec<&str> = planted.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), 8);
    assert!(names.contains(&"MA0139.2 CTCF"), "{names:?}");
}

#[test]
fn write_meme_round_trips() {
    let motifs = read_meme(data("motifs/planted_motifs.meme")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.meme");
    write_meme(&path, &motifs).unwrap();
    assert_eq!(read_meme(&path).unwrap(), motifs);
}

#[test]
fn npy_readers_load_the_fixture_dtypes() {
    // int8 one-hot (extract_loci) and bool masks, read through the gzip path.
    let x = read_onehot::<Ix3>(data("extract/peaks_chroms_jitter_X.npy.gz")).unwrap();
    assert_eq!(x.shape(), [40, 4, 550]);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.npy");
    write_npy(&f, &x.mapv(f64::from)).unwrap();
    assert_eq!(read_onehot::<Ix3>(&f).unwrap(), x);
    assert_eq!(read_f32::<Ix3>(&f).unwrap(), x.mapv(f32::from));
    let v = dir.path().join("v.npy");
    write_npy(&v, &ndarray::array![5i64, -1]).unwrap();
    assert_eq!(read_i64_vec(&v).unwrap().to_vec(), [5, -1]);
}
