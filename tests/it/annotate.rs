//! Integration tests: seqlet annotation and annotation counts against tangermeme 1.6.0.
//!
//! For each fixture model: `X` = `tests/data/inputs/X.npy.gz` (the 64 attributed loci), seqlets =
//! `tests/data/seqlets/<model>_seqlets_recursive_default.tsv`, motifs = the 215 JASPAR matrices;
//! expected arrays in `tests/data/annotate/<model>_*.npy.gz` (see `tests/data/README.md`).

use motiflift::annotate::{
    annotate_seqlets, annotate_seqlets_with, count_annotations, pairwise_annotations,
    pairwise_annotations_spacing, seqlet_rows,
};
use motiflift::io::meme::{Motif, read_meme};
use motiflift::io::npy::read_onehot;
use motiflift::io::table::read_table;
use motiflift::seqlets::seqlet_schema;
use motiflift_kernels::tomtom::TomtomOptions;
use ndarray::{Array3, Ix1, Ix2};

use crate::common::{data, npy_gz};

const MODELS: [&str; 4] = ["bpnet", "chrombpnet", "procapnet", "beluga"];

fn inputs() -> (Array3<u8>, Vec<Motif>) {
    let x = read_onehot(data("inputs/X.npy.gz")).expect("X");
    let motifs = read_meme(data("motifs/jaspar2024_hsapiens_chipseq.meme")).expect("motifs");
    (x, motifs)
}

fn seqlets(model: &str) -> Vec<[i64; 3]> {
    let path = data(&format!("seqlets/{model}_seqlets_recursive_default.tsv"));
    seqlet_rows(&read_table(path, &seqlet_schema(true)).expect("seqlet table"))
        .expect("coordinates")
}

#[test]
fn exact_annotations_are_tangermeme_bit_for_bit() {
    let (x, motifs) = inputs();
    for model in MODELS {
        let rows = seqlets(model);
        for k in [1, 3] {
            let options = TomtomOptions {
                n_nearest: Some(k),
                exact: true,
                ..Default::default()
            };
            let hits = annotate_seqlets_with(x.view(), &rows, &motifs, &options).expect(model);
            let idxs = npy_gz::<i32, Ix2>(&format!("annotate/{model}_annotate_n{k}_idxs.npy.gz"));
            let pvals = npy_gz::<f64, Ix2>(&format!("annotate/{model}_annotate_n{k}_pvals.npy.gz"));
            assert_eq!(
                hits.motif_indices, idxs,
                "{model} n_nearest={k}: motif indices"
            );
            for ((i, ours), want) in hits.p_values.indexed_iter().zip(pvals.iter()) {
                assert!(
                    ours.to_bits() == want.to_bits(),
                    "{model} n_nearest={k} seqlet {i:?}: {ours:e} vs tangermeme {want:e}"
                );
            }
        }
    }
}

#[test]
fn default_annotations_match_tangermeme_for_every_model() {
    // The default (fast one-hot null): identical indices, p-values within 1e-9 relative (the
    // issue's criterion; in practice below 1e-12).
    let (x, motifs) = inputs();
    let mut worst = 0f64;
    for model in MODELS {
        let rows = seqlets(model);
        for k in [1, 3] {
            let hits = annotate_seqlets(x.view(), &rows, &motifs, k).expect(model);
            let idxs = npy_gz::<i32, Ix2>(&format!("annotate/{model}_annotate_n{k}_idxs.npy.gz"));
            let pvals = npy_gz::<f64, Ix2>(&format!("annotate/{model}_annotate_n{k}_pvals.npy.gz"));
            assert_eq!(
                hits.motif_indices, idxs,
                "{model} n_nearest={k}: motif indices"
            );
            for ((i, ours), want) in hits.p_values.indexed_iter().zip(pvals.iter()) {
                let rel = (ours - want).abs() / want;
                assert!(
                    rel <= 1e-9,
                    "{model} n_nearest={k} seqlet {i:?}: {ours:e} vs tangermeme {want:e}"
                );
                worst = worst.max(rel);
            }
        }
    }
    assert!(
        worst <= 1e-12,
        "largest relative p-value difference {worst:e}"
    );
}

/// `(example_idx, best motif)` rows, as the fixtures fed to the counting functions.
fn annotation_rows(model: &str) -> Vec<[usize; 2]> {
    let idxs = npy_gz::<i32, Ix2>(&format!("annotate/{model}_annotate_n1_idxs.npy.gz"));
    seqlets(model)
        .iter()
        .zip(idxs.column(0))
        .map(|(s, &m)| [s[0] as usize, m as usize])
        .collect()
}

#[test]
fn counts_match_tangermeme() {
    for model in MODELS {
        let rows = annotation_rows(model);
        // Default: uint8 in tangermeme; ours are u32, equal here as no count reaches 256.
        let c = count_annotations(&rows, None, None).unwrap();
        let want = npy_gz::<u8, Ix2>(&format!("annotate/{model}_count_annotations.npy.gz"));
        assert_eq!(c.shape, want.shape(), "{model}");
        assert!(
            c.data.iter().all(|&v| v < 256),
            "{model}: a count wraps in tangermeme's uint8"
        );
        assert_eq!(
            c.data,
            want.iter().map(|&v| u32::from(v)).collect::<Vec<_>>(),
            "{model}"
        );

        let shape = Some((64, 215));
        let c = count_annotations(&rows, shape, None).unwrap();
        let want = npy_gz::<i32, Ix2>(&format!("annotate/{model}_count_annotations_shape.npy.gz"));
        assert_eq!(
            c.data,
            want.iter().map(|&v| v as u32).collect::<Vec<_>>(),
            "{model} shape"
        );
        for dim in [0, 1] {
            let c = count_annotations(&rows, shape, Some(dim)).unwrap();
            let want = npy_gz::<i32, Ix1>(&format!(
                "annotate/{model}_count_annotations_dim{dim}.npy.gz"
            ));
            assert_eq!(
                c.data,
                want.iter().map(|&v| v as u32).collect::<Vec<_>>(),
                "{model} dim={dim}"
            );
        }
    }
}

#[test]
fn pairs_match_tangermeme() {
    // The fixture set has pairwise arrays for bpnet and beluga only.
    for model in ["bpnet", "beluga"] {
        let rows = annotation_rows(model);
        let p = pairwise_annotations(&rows, true, true, None).unwrap();
        let want = npy_gz::<i64, Ix2>(&format!("annotate/{model}_pairwise_annotations.npy.gz"));
        assert_eq!(p.shape, want.shape(), "{model}");
        assert_eq!(p.data, want.iter().copied().collect::<Vec<_>>(), "{model}");
        let p = pairwise_annotations(&rows, false, false, Some(215)).unwrap();
        let want = npy_gz::<i32, Ix2>(&format!(
            "annotate/{model}_pairwise_annotations_nonunique_asym.npy.gz"
        ));
        assert_eq!(
            p.data,
            want.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
            "{model} non-unique"
        );
    }
}

#[test]
fn bad_seqlets_are_rejected_with_their_row() {
    let (x, motifs) = inputs();
    let x = x.slice(ndarray::s![..2, .., ..100]).to_owned();
    let ok = [0, 10, 20];
    for (bad, needle) in [
        ([0, 30, 30], "empty"),
        ([0, 40, 35], "empty"),
        ([1, 95, 101], "past the sequence"),
        ([2, 0, 10], "example index"),
        ([-1, 0, 10], "example index"),
    ] {
        let err = annotate_seqlets(x.view(), &[ok, bad], &motifs, 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("seqlet 1") && err.contains(needle),
            "{bad:?}: {err}"
        );
    }
    let mut nan = motifs[..3].to_vec();
    nan[2].pwm[[1, 0]] = f64::NAN;
    let err = annotate_seqlets(x.view(), &[ok], &nan, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("target 2") && err.contains("NaN"), "{err}");
    let mut empty = motifs[..3].to_vec();
    empty[0].pwm = ndarray::Array2::zeros((4, 0));
    let err = annotate_seqlets(x.view(), &[ok], &empty, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("target 0 has width 0"), "{err}");
    assert!(annotate_seqlets(x.view(), &[ok], &motifs, 0).is_err());
    let none = annotate_seqlets(x.view(), &[], &motifs, 3).unwrap();
    assert_eq!(none.motif_indices.shape(), [0, 3]);
}

fn cli(args: &[&str]) -> motiflift::Result<()> {
    use clap::Parser;
    let argv = std::iter::once("motiflift")
        .chain(std::iter::once("--quiet"))
        .chain(args.iter().copied());
    motiflift::cli::run(motiflift::cli::Cli::try_parse_from(argv).expect("command line"))
}

#[test]
fn cli_annotate_count_pairwise_reproduce_tangermeme() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let seqlets = data("seqlets/bpnet_seqlets_recursive_default.tsv");
    let x = data("inputs/X.npy.gz");
    let db = data("motifs/jaspar2024_hsapiens_chipseq.meme");
    let (seqlets, x, db) = (
        seqlets.to_str().unwrap(),
        x.to_str().unwrap(),
        db.to_str().unwrap(),
    );
    for (k, name, exact) in [
        ("1", "a1.tsv", false),
        ("3", "a3.parquet", false),
        ("1", "e1.parquet", true),
    ] {
        let mut args = vec![
            "annotate",
            "--seqlets",
            seqlets,
            "-i",
            x,
            "--motifs",
            db,
            "--n-nearest",
            k,
        ];
        if exact {
            args.push("--exact");
        }
        let path = out(name);
        cli(&[&args[..], &["-o", &path]].concat()).unwrap();
    }
    let a1 = motiflift::annotate::read_seqlet_table(out("a1.tsv")).unwrap();
    // `--exact` gives tangermeme's p-values bit for bit, the default within 1e-9 relative.
    let e1 = motiflift::annotate::read_seqlet_table(out("e1.parquet")).unwrap();
    let p_of = |t: &arrow::record_batch::RecordBatch| -> Vec<f64> {
        t.column_by_name("motif_p-value")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow::array::Float64Array>()
            .unwrap()
            .values()
            .to_vec()
    };
    let want = npy_gz::<f64, Ix2>("annotate/bpnet_annotate_n1_pvals.npy.gz");
    let want: Vec<f64> = want.iter().copied().collect();
    assert_eq!(p_of(&e1), want);
    for (ours, want) in p_of(&a1).iter().zip(&want) {
        assert!((ours - want).abs() <= 1e-9 * want, "{ours:e} vs {want:e}");
    }
    let names: Vec<String> = a1
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "example_idx",
            "start",
            "end",
            "attribution",
            "p-value",
            "motif_idx",
            "motif",
            "motif_p-value"
        ]
    );
    let a3 = motiflift::annotate::read_seqlet_table(out("a3.parquet")).unwrap();
    assert_eq!(a3.num_rows(), 3 * a1.num_rows());
    assert_eq!(a3.schema().field(5).name(), "rank");

    // Counting the rank-1 rows of either table gives tangermeme's arrays.
    for table in ["a1.tsv", "a3.parquet"] {
        cli(&[
            "count",
            "--annotations",
            &out(table),
            "--motifs",
            db,
            "--n-examples",
            "64",
            "-o",
            &out("c.npy"),
        ])
        .unwrap();
        let c: ndarray::Array2<u32> = ndarray_npy::read_npy(out("c.npy")).unwrap();
        let want = npy_gz::<i32, Ix2>("annotate/bpnet_count_annotations_shape.npy.gz");
        assert_eq!(c, want.mapv(|v| v as u32), "{table}");
    }
    cli(&[
        "count",
        "--annotations",
        &out("a1.tsv"),
        "--motifs",
        db,
        "--dim",
        "0",
        "-o",
        &out("d0.npy"),
    ])
    .unwrap();
    let d0: ndarray::Array1<u32> = ndarray_npy::read_npy(out("d0.npy")).unwrap();
    assert_eq!(
        d0,
        npy_gz::<i32, Ix1>("annotate/bpnet_count_annotations_dim0.npy.gz").mapv(|v| v as u32)
    );
    cli(&[
        "pairwise",
        "--annotations",
        &out("a3.parquet"),
        "--motifs",
        db,
        "--non-unique",
        "--asymmetric",
        "-o",
        &out("p.npy"),
    ])
    .unwrap();
    let p: ndarray::Array2<i64> = ndarray_npy::read_npy(out("p.npy")).unwrap();
    let want = npy_gz::<i32, Ix2>("annotate/bpnet_pairwise_annotations_nonunique_asym.npy.gz");
    assert_eq!(p, want.mapv(i64::from));

    // Spacings of the best annotations: the kernel's counts of (example, motif, start, end).
    let rows: Vec<[usize; 4]> = self::seqlets("bpnet")
        .iter()
        .zip(annotation_rows("bpnet"))
        .map(|(s, [e, m])| [e, m, s[1] as usize, s[2] as usize])
        .collect();
    let a1_path = out("a1.tsv");
    for (asymmetric, name) in [(false, "s.npy"), (true, "sa.npy")] {
        let path = out(name);
        let mut args = vec![
            "pairwise",
            "--annotations",
            &a1_path,
            "--motifs",
            db,
            "--spacing",
            "50",
            "-o",
            &path,
        ];
        if asymmetric {
            args.push("--asymmetric");
        }
        cli(&args).unwrap();
        let y: ndarray::Array3<u32> = ndarray_npy::read_npy(&path).unwrap();
        let want = pairwise_annotations_spacing(&rows, 50, !asymmetric, Some(215)).unwrap();
        assert_eq!(y.shape(), [215, 215, 50]);
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), want.data);
        assert!(want.data.iter().any(|&v| v > 0));
    }
    assert!(
        cli(&[
            "pairwise",
            "--annotations",
            &out("a1.tsv"),
            "--motifs",
            db,
            "--spacing",
            "0",
            "-o",
            &out("z.npy"),
        ])
        .is_err()
    );

    // Annotating an annotated table, or with a missing motif file, fails naming the file.
    let err = cli(&[
        "annotate",
        "--seqlets",
        &out("a1.tsv"),
        "-i",
        x,
        "--motifs",
        db,
        "-o",
        &out("b.tsv"),
    ])
    .unwrap_err();
    assert!(
        err.to_string().contains("a1.tsv") && err.to_string().contains("motif_idx"),
        "{err}"
    );
    let err = cli(&[
        "count",
        "--annotations",
        &out("a1.tsv"),
        "--motifs",
        "missing.meme",
        "-o",
        &out("c.npy"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("missing.meme"), "{err}");
}

#[test]
fn cli_tomtom_writes_memelite_hits() {
    let dir = tempfile::tempdir().unwrap();
    let db = data("tomtom/test.meme");
    let db = db.to_str().unwrap();
    let out = dir.path().join("hits.tsv");
    let args = [
        "tomtom",
        "--query",
        db,
        "--target",
        db,
        "--n-nearest",
        "2",
        "-o",
        out.to_str().unwrap(),
    ];
    cli(&args).unwrap();
    let fast = std::fs::read_to_string(&out).unwrap();
    cli(&[&args[..], &["--exact"]].concat()).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("query_idx\tquery\ttarget_idx\ttarget\trank\tp-value\tscore\toffset\toverlap\tstrand")
    );
    // Motif 0 is its own best match (ALGORITHMS §7.10: p = 1.521254246214154e-23, score 879).
    assert_eq!(
        lines.next(),
        Some(
            "0\tMEOX1_homeodomain_1\t0\tMEOX1_homeodomain_1\t1\t1.521254246214154e-23\t879\t0\t10\t0"
        )
    );
    assert_eq!(text.lines().count(), 1 + 12 * 2);
    // The default: the same hits, p-values within 1e-9 relative.
    assert_eq!(fast.lines().count(), text.lines().count());
    for (a, b) in fast.lines().zip(text.lines()).skip(1) {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split('\t').collect(), b.split('\t').collect());
        assert_eq!((&a[..5], &a[6..]), (&b[..5], &b[6..]));
        let (pa, pb): (f64, f64) = (a[5].parse().unwrap(), b[5].parse().unwrap());
        assert!((pa - pb).abs() <= 1e-9 * pb, "{pa:e} vs {pb:e}");
    }
}
