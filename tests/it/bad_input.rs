//! Integration tests: bad input to the I/O layer gives an error naming the file, the line or
//! record, and what was expected — never a panic.

use ndarray::Ix3;

use motiflift::io::bed::{Locus, read_bed};
use motiflift::io::fasta::Fasta;
use motiflift::io::loci::{ExtractOptions, extract_loci};
use motiflift::io::meme::read_meme;
use motiflift::io::npy::{read_onehot, write_npy};

use crate::common::data;

fn write(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn malformed_bed_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "short.bed", "# header\nchr1\t10\t20\nchr1\t10\n");
    let e = read_bed(&p, false).unwrap_err().to_string();
    assert!(
        e.contains("short.bed:3:") && e.contains("at least 3"),
        "{e}"
    );
}

#[test]
fn bed_start_after_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "rev.bed", "chr1\t10\t20\nchr1\t30\t20\n");
    let e = read_bed(&p, false).unwrap_err().to_string();
    assert!(
        e.contains("rev.bed:2:") && e.contains("start 30 > end 20"),
        "{e}"
    );
}

#[test]
fn bed_non_integer_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "float.bed", "chr1\t10.5\t20\n");
    let e = read_bed(&p, false).unwrap_err().to_string();
    assert!(
        e.contains("float.bed:1:") && e.contains("start `10.5` is not an integer"),
        "{e}"
    );
}

#[test]
fn bed_summit_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "summit.bed",
        "chr1\t100\t200\tp\t0\t.\t1\t1\t1\t150\n",
    );
    let e = read_bed(&p, true).unwrap_err().to_string();
    assert!(
        e.contains("summit.bed:1:") && e.contains("summit 150 out of range"),
        "{e}"
    );
}

#[test]
fn missing_chromosome() {
    let fasta = Fasta::open(data("genome/genome.fa")).unwrap();
    let loci = [
        Locus::new("chr1", 5000, 5100),
        Locus::new("chrUn", 5000, 5100),
        Locus::new("chrX", 1, 2),
    ];
    let e = extract_loci(&loci, &fasta, &ExtractOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("genome.fa") && e.contains("chrUn, chrX") && e.contains("chr1, chr2, chr3"),
        "{e}"
    );
}

#[test]
fn truncated_fasta() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("cut.fa");
    let bytes = std::fs::read(data("genome/genome.fa")).unwrap();
    std::fs::write(&fa, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::copy(data("genome/genome.fa.fai"), dir.path().join("cut.fa.fai")).unwrap();
    let e = Fasta::open(&fa).unwrap_err().to_string();
    assert!(
        e.contains("cut.fa") && e.contains("truncated FASTA") && e.contains("chr2"),
        "{e}"
    );
}

#[test]
fn fasta_with_iupac_code() {
    let dir = tempfile::tempdir().unwrap();
    let fa = write(&dir, "iupac.fa", ">chr1\nACGTACGTAC\nGTRCAN\n");
    let fasta = Fasta::open(&fa).unwrap();
    let opts = ExtractOptions {
        in_window: 6,
        ..Default::default()
    };
    let e = extract_loci(&[Locus::new("chr1", 10, 12)], &fasta, &opts)
        .unwrap_err()
        .to_string();
    // R is base 12 (0-based), reported 1-based as chr1:13.
    assert!(
        e.contains("iupac.fa") && e.contains("chr1:13") && e.contains("'R'"),
        "{e}"
    );
}

#[test]
fn meme_motif_without_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "nomatrix.meme",
        "MEME version 4\n\nMOTIF a\nURL x\n\nMOTIF b\nletter-probability matrix: w= 1\n1 0 0 0\n",
    );
    let e = read_meme(&p).unwrap_err().to_string();
    assert!(
        e.contains("nomatrix.meme:6:") && e.contains("motif `a` (line 3)"),
        "{e}"
    );
}

#[test]
fn meme_matrix_row_with_three_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "row.meme",
        "MOTIF a\nletter-probability matrix: w= 2\n1 0 0 0\n0.5 0.5 0\n",
    );
    let e = read_meme(&p).unwrap_err().to_string();
    assert!(
        e.contains("row.meme:4:") && e.contains("expected 4 numbers"),
        "{e}"
    );
}

#[test]
fn npy_wrong_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("i32.npy");
    write_npy(&p, &ndarray::Array3::<i32>::zeros((1, 4, 3))).unwrap();
    let e = read_onehot::<Ix3>(&p).unwrap_err().to_string();
    assert!(
        e.contains("i32.npy") && e.contains("expected dtype") && e.contains("'<i4'"),
        "{e}"
    );
}

#[test]
fn npy_wrong_shape() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("flat.npy");
    write_npy(&p, &ndarray::Array2::<i8>::zeros((4, 3))).unwrap();
    let e = read_onehot::<Ix3>(&p).unwrap_err().to_string();
    assert!(
        e.contains("flat.npy") && e.contains("3 dimensions") && e.contains("[4, 3]"),
        "{e}"
    );
}
