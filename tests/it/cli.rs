//! Integration tests: the `motiflift` command line, driven in-process through `motiflift::cli`.

use clap::Parser;
use ndarray::{Array1, Array3, Ix1, Ix3};

use motiflift::cli::{Cli, run};

use crate::common::{data, npy_gz};

/// Parses and runs an argv (program name prepended, `--quiet` added).
fn motiflift(args: &[&str]) -> motiflift::Result<()> {
    let argv = ["motiflift", "--quiet"].iter().chain(args).copied();
    run(Cli::try_parse_from(argv).expect("valid command line"))
}

fn path_str(p: &std::path::Path) -> String {
    p.to_str().unwrap().to_string()
}

#[test]
fn extract_writes_tangermeme_int8_and_mask() {
    let dir = tempfile::tempdir().unwrap();
    let (x, mask) = (dir.path().join("X.npy"), dir.path().join("kept.npy"));
    let (bed, fa) = (
        path_str(&data("genome/peaks.bed.gz")),
        path_str(&data("genome/genome.fa")),
    );
    motiflift(&[
        "extract",
        "--bed",
        &bed,
        "--fasta",
        &fa,
        "-o",
        &path_str(&x),
        "--mask",
        &path_str(&mask),
    ])
    .unwrap();
    let got: Array3<i8> = ndarray_npy::read_npy(&x).unwrap();
    assert_eq!(got, npy_gz::<i8, Ix3>("extract/peaks_w2114_X.npy.gz"));
    let got_mask: Array1<bool> = ndarray_npy::read_npy(&mask).unwrap();
    assert_eq!(
        got_mask,
        npy_gz::<bool, Ix1>("extract/peaks_w2114_mask.npy.gz")
    );
}

#[test]
fn extract_options_reach_extract_loci() {
    let dir = tempfile::tempdir().unwrap();
    let (bed, fa) = (
        path_str(&data("genome/peaks.bed.gz")),
        path_str(&data("genome/genome.fa")),
    );
    let x = path_str(&dir.path().join("X.npy"));
    let mask = path_str(&dir.path().join("m.npy"));
    let args = [
        "extract",
        "--bed",
        &bed,
        "--fasta",
        &fa,
        "--chroms",
        "chr2,chr3",
        "--width",
        "500",
        "--max-jitter",
        "25",
        "--n-loci",
        "40",
        "-o",
        &x,
        "--mask",
        &mask,
    ];
    motiflift(&args).unwrap();
    let got: Array3<i8> = ndarray_npy::read_npy(&x).unwrap();
    assert_eq!(
        got,
        npy_gz::<i8, Ix3>("extract/peaks_chroms_jitter_X.npy.gz")
    );
    let got_mask: Array1<bool> = ndarray_npy::read_npy(&mask).unwrap();
    assert_eq!(
        got_mask,
        npy_gz::<bool, Ix1>("extract/peaks_chroms_jitter_mask.npy.gz")
    );

    motiflift(&[
        "extract",
        "--bed",
        &bed,
        "--fasta",
        &fa,
        "--summits",
        "--width",
        "1001",
        "-o",
        &x,
    ])
    .unwrap();
    let got: Array3<i8> = ndarray_npy::read_npy(&x).unwrap();
    assert_eq!(
        got,
        npy_gz::<i8, Ix3>("extract/peaks_summits_w1001_X.npy.gz")
    );
}

#[test]
fn extract_error_names_the_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("X.npy");
    let fa = path_str(&data("genome/genome.fa"));
    let e = motiflift(&[
        "extract",
        "--bed",
        "no_such.bed",
        "--fasta",
        &fa,
        "-o",
        &path_str(&x),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("no_such.bed"), "{e}");
    assert!(!x.exists());
}

#[test]
fn bad_arguments_are_rejected_by_the_parser() {
    assert!(
        Cli::try_parse_from(["motiflift", "extract", "--fasta", "g.fa", "-o", "x.npy"]).is_err()
    );
    assert!(
        Cli::try_parse_from([
            "motiflift",
            "extract",
            "--bed",
            "a",
            "--fasta",
            "g",
            "-o",
            "x",
            "--width",
            "-3"
        ])
        .is_err()
    );
}

/// Runs `motiflift shuffle` on a `tests/data/shuffle` case and compares with tangermeme's output.
fn shuffle_case(case: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("R.npy"));
    let input = path_str(&data(&format!("shuffle/{case}_X.npy")));
    let args: Vec<&str> = ["shuffle", "-i", &input, "-o", &out]
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect();
    motiflift(&args).unwrap();
    let got: ndarray::Array4<u8> = ndarray_npy::read_npy(&out).unwrap();
    let want: ndarray::Array4<i8> =
        ndarray_npy::read_npy(data(&format!("shuffle/{case}_shuffled.npy"))).unwrap();
    assert_eq!(got, want.mapv(|v| v as u8), "{case}");
}

#[test]
fn shuffle_matches_tangermeme_dinucleotide_shuffle() {
    // dinucleotide_shuffle(X, n=8, random_state=42)
    shuffle_case("batch6x100", &["--n-shuffles", "8", "--seed", "42"]);
    // dinucleotide_shuffle(X, n=3, start=10, end=-11, random_state=3)
    shuffle_case(
        "negative_end2x120",
        &[
            "--n-shuffles",
            "3",
            "--start",
            "10",
            "--end",
            "-11",
            "--seed",
            "3",
        ],
    );
    // dinucleotide_shuffle(X, n=5, random_state=11, allow_N=True)
    shuffle_case(
        "with_N2x150",
        &["--n-shuffles", "5", "--seed", "11", "--allow-n"],
    );
}

#[test]
fn shuffle_in_chunks_equals_one_kernel_call() {
    // 146 sequences span three 64-sequence chunks; sequence i must keep seed 9 + i.
    let input = path_str(&data("extract/peaks_w2114_X.npy.gz"));
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("R.npy"));
    motiflift(&[
        "shuffle",
        "-i",
        &input,
        "--n-shuffles",
        "2",
        "--seed",
        "9",
        "--allow-n",
        "-o",
        &out,
    ])
    .unwrap();
    let got: ndarray::Array4<u8> = ndarray_npy::read_npy(&out).unwrap();
    let x = npy_gz::<i8, Ix3>("extract/peaks_w2114_X.npy.gz").mapv(|v| v as u8);
    let (n, a, l) = x.dim();
    let opts = motiflift_kernels::shuffle::DinucleotideShuffleOptions {
        n: 2,
        allow_n: true,
        ..Default::default()
    };
    let seeds = motiflift_kernels::shuffle::Seeds::Base(9);
    let want = motiflift_kernels::shuffle::dinucleotide_shuffle(
        x.as_slice().unwrap(),
        [n, a, l],
        &seeds,
        &opts,
    )
    .unwrap();
    assert_eq!(got.shape(), [n, 2, a, l]);
    assert_eq!(got.as_slice().unwrap(), want.as_slice());
}

#[test]
fn shuffle_rejects_n_without_allow_n() {
    let input = path_str(&data("shuffle/with_N2x150_X.npy"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("R.npy");
    let e = motiflift(&["shuffle", "-i", &input, "-o", &path_str(&out)])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("with_N2x150_X.npy") && e.contains("sequence 0"),
        "{e}"
    );
    assert!(!out.exists());
}
