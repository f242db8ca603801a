//! Integration tests: `--shard k/N` on every per-locus subcommand, and `motiflift merge` of the
//! shards equal to the unsharded run byte for byte (small inputs: a few loci, few shuffles).

use std::path::{Path, PathBuf};

use clap::Parser;

use motiflift::cli::{Cli, run};

use crate::common::data;

/// Parses and runs an argv (program name prepended, `--quiet` added).
fn motiflift(args: &[&str]) -> motiflift::Result<()> {
    let argv = ["motiflift", "--quiet"].iter().chain(args).copied();
    run(Cli::try_parse_from(argv).expect("valid command line"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `args` (with `-o OUT` and `--shard k/N` appended) whole and as `n` shards, merges the
/// shards, and checks the merge is byte-identical to the whole output.
fn whole_equals_merged_shards(dir: &Path, name: &str, ext: &str, args: &[&str], n: usize) -> PathBuf {
    let whole = dir.join(format!("{name}.{ext}"));
    let mut argv: Vec<&str> = args.to_vec();
    argv.extend(["-o", s(&whole)]);
    motiflift(&argv).unwrap_or_else(|e| panic!("{name} (whole): {e}"));
    let parts: Vec<PathBuf> = (0..n).map(|k| dir.join(format!("{name}.{k}-of-{n}.{ext}"))).collect();
    for (k, part) in parts.iter().enumerate() {
        let shard = format!("{k}/{n}");
        let mut argv: Vec<&str> = args.to_vec();
        argv.extend(["-o", s(part), "--shard", &shard]);
        motiflift(&argv).unwrap_or_else(|e| panic!("{name} (shard {shard}): {e}"));
    }
    let merged = dir.join(format!("{name}.merged.{ext}"));
    let mut argv = vec!["merge", "-o", s(&merged)];
    argv.extend(parts.iter().map(|p| s(p)));
    motiflift(&argv).unwrap_or_else(|e| panic!("merge {name}: {e}"));
    let (a, b) = (std::fs::read(&whole).unwrap(), std::fs::read(&merged).unwrap());
    if a != b && ext == "tsv" {
        let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        let diff: Vec<_> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).take(4).collect();
        panic!("{name}: the merge of {n} shards differs from the whole run (whole | merged): {diff:#?}");
    }
    assert!(a == b, "{name}: the merge of {n} shards differs from the whole run");
    // No temporary files are left beside the outputs.
    let stray: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    whole
}

#[test]
fn shards_merged_equal_a_single_run_for_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (bed, fa) = (data("genome/loci.bed"), data("genome/genome.fa"));
    // 7 loci of 1000 bp: uneven shards (2, 2, 3).
    let x = whole_equals_merged_shards(
        d,
        "X",
        "npy",
        &["extract", "--bed", s(&bed), "--fasta", s(&fa), "--width", "1000", "--n-loci", "7"],
        3,
    );
    whole_equals_merged_shards(d, "R", "npy", &["shuffle", "-i", s(&x), "--n-shuffles", "2", "--seed", "7"], 3);

    // BPNet, 2 references per locus, batches that straddle loci and shards.
    let model = data("models/bpnet/model.torch");
    let attribute = [
        "attribute", "--model", s(&model), "--arch", "bpnet", "--wrap", "control,count", "-i", s(&x),
        "--n-shuffles", "2", "--batch-size", "3",
    ];
    let a = whole_equals_merged_shards(d, "A", "npy", &attribute, 3);

    // Seqlets: the null comes from every locus, the calling from the shard's.
    let seqlets = ["seqlets", "-i", s(&a), "--threshold", "0.05"];
    let table = whole_equals_merged_shards(d, "seqlets", "tsv", &seqlets, 3);
    let n_rows = std::fs::read_to_string(&table).unwrap().lines().count() - 1;
    assert!(n_rows > 3, "too few seqlets to test the merge order: {n_rows}");

    let motifs = data("motifs/planted_motifs.meme");
    let annotate = ["annotate", "--seqlets", s(&table), "-i", s(&x), "--motifs", s(&motifs), "--n-nearest", "2"];
    whole_equals_merged_shards(d, "annotated", "tsv", &annotate, 3);
}

#[test]
fn seqlet_shards_of_the_fixture_equal_the_whole_table_and_tangermeme() {
    let dir = tempfile::tempdir().unwrap();
    let a = data("seqlets/bpnet_attr_sum.npy.gz");
    let whole = whole_equals_merged_shards(dir.path(), "s", "tsv", &["seqlets", "-i", s(&a)], 4);
    let table = motiflift::annotate::read_seqlet_table(&whole).unwrap();
    let expected = motiflift::annotate::read_seqlet_table(data("seqlets/bpnet_seqlets_recursive_default.tsv")).unwrap();
    assert_eq!(table.num_rows(), expected.num_rows());
}

#[test]
fn mean_over_models_and_mismatched_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = ndarray::Array3::from_shape_fn((3, 4, 5), |(i, j, k)| (i + j + k) as f32);
    let b = a.mapv(|v| v * 3.0);
    let (pa, pb, pm) = (d.join("a.npy"), d.join("b.npy"), d.join("mean.npy"));
    motiflift::io::npy::write_npy(&pa, &a).unwrap();
    motiflift::io::npy::write_npy(&pb, &b).unwrap();
    motiflift(&["merge", "--mean-over-models", "-o", s(&pm), s(&pa), s(&pb)]).unwrap();
    let m: ndarray::Array3<f32> = ndarray_npy::read_npy(&pm).unwrap();
    assert_eq!(m, a.mapv(|v| v * 2.0));

    let c = d.join("c.npy");
    motiflift::io::npy::write_npy(&c, &ndarray::Array3::<f32>::zeros((3, 4, 6))).unwrap();
    let e = motiflift(&["merge", "-o", s(&d.join("x.npy")), s(&pa), s(&c)]).unwrap_err().to_string();
    assert!(e.contains("c.npy") && e.contains("shape") && e.contains("a.npy"), "{e}");
    let e = motiflift(&["merge", "--mean-over-models", "-o", s(&pm), s(&pa), s(&c)]).unwrap_err().to_string();
    assert!(e.contains("c.npy") && e.contains("[3, 4, 6]"), "{e}");
    let i = d.join("i.npy");
    motiflift::io::npy::write_npy(&i, &ndarray::Array3::<i8>::zeros((1, 4, 5))).unwrap();
    let e = motiflift(&["merge", "-o", s(&d.join("y.npy")), s(&pa), s(&i)]).unwrap_err().to_string();
    assert!(e.contains("i.npy") && e.contains("dtype"), "{e}");

    let (t1, t2) = (d.join("t1.tsv"), d.join("t2.tsv"));
    std::fs::write(&t1, "example_idx\tstart\tend\tattribution\n0\t1\t5\t0.5\n").unwrap();
    std::fs::write(&t2, "example_idx\tstart\tend\n1\t1\t5\n").unwrap();
    let e = motiflift(&["merge", "-o", s(&d.join("t.tsv")), s(&t1), s(&t2)]).unwrap_err().to_string();
    assert!(e.contains("t2.tsv") && e.contains("columns"), "{e}");
    let e = motiflift(&["merge", "-o", s(&d.join("t.tsv")), s(&t1), s(&pa)]).unwrap_err().to_string();
    assert!(e.contains("a.npy"), "{e}");
    let argv = ["motiflift", "attribute", "--model", "m.onnx", "-i", "X.npy", "-o", "A.npy", "--shard", "3/3"];
    let e = Cli::try_parse_from(argv).unwrap_err().to_string();
    assert!(e.contains("3/3") && e.contains("0 <= k < N"), "{e}");
}
