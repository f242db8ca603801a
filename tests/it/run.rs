//! `motiflift run` on the bundled example (`engine/examples/pipeline.toml`).
//!
//! The example's references are `dinucleotide_shuffle(X, n=10, random_state=1234)`, the
//! fixtures' own, so its per-model counts and co-occurrence matrices can be compared with
//! tangermeme's `count_annotations` / `pairwise_annotations` (`tests/data/pipeline/`).

use std::path::PathBuf;

use motiflift::io::npy::read_f32;
use motiflift::pipeline::{Pipeline, RunOptions};
use ndarray::{Array2, Ix2};
use ndarray_npy::ReadNpyExt;

use crate::common::npy_gz;

fn example() -> Pipeline {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("engine/examples/pipeline.toml");
    Pipeline::from_file(path).unwrap()
}

fn read_npy<T: ndarray_npy::ReadableElement>(path: &std::path::Path) -> Array2<T> {
    Array2::<T>::read_npy(std::fs::File::open(path).unwrap()).unwrap()
}

#[test]
fn reduced_example_writes_every_output_and_reuses_steps() {
    let out = tempfile::tempdir().unwrap();
    let pipeline = example();
    let options = RunOptions { quiet: true, max_loci: Some(6) };
    let report = pipeline.run(out.path(), &options).unwrap();
    assert!(report.reused.is_empty());
    for model in ["BPNet", "ChromBPNet", "ProCapNet", "Beluga"] {
        let dir = out.path().join(model);
        let a: ndarray::Array3<f32> = read_f32(dir.join("attributions.npy")).unwrap();
        assert_eq!(a.dim(), (6, 4, 2114));
        let counts: Array2<u32> = read_npy(&dir.join("counts.npy"));
        assert_eq!(counts.dim(), (6, 215));
        let pairs: Array2<i64> = read_npy(&dir.join("pairwise.npy"));
        assert_eq!(pairs.dim(), (215, 215));
        let annotated = std::fs::read_to_string(dir.join("annotated.tsv")).unwrap();
        let header = annotated.lines().next().unwrap();
        assert_eq!(header, "example_idx\tstart\tend\tattribution\tp-value\tmotif_idx\tmotif\tmotif_p-value");
        assert_eq!(annotated.lines().count() - 1, counts.sum() as usize);
    }
    let summary = std::fs::read_to_string(&report.summary_path).unwrap();
    assert!(summary.contains("| BPNet |") && summary.contains("counts.png"), "{summary}");
    for fig in ["counts.png", "counts.svg", "BPNet/pairwise.png"] {
        assert!(std::fs::metadata(out.path().join(fig)).unwrap().len() > 1000, "{fig}");
    }

    // A second run reuses the attributions and annotations of every model.
    let again = pipeline.run(out.path(), &options).unwrap();
    assert_eq!(again.reused.len(), 8, "{:?}", again.reused);

    plot_subcommands_draw_the_run_outputs(out.path());
}

/// `motiflift plot logo|counts|pairwise` on the files of a run: each writes a valid SVG and a
/// PNG of twice its size; bad shapes are errors naming the file.
fn plot_subcommands_draw_the_run_outputs(out: &std::path::Path) {
    use clap::Parser;
    use resvg::{tiny_skia::Pixmap, usvg};
    let s = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    let motifs = s(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/motifs/jaspar2024_hsapiens_chipseq.meme"));
    let plot = |args: &[String]| {
        let mut argv = vec!["motiflift".to_string(), "-q".into(), "plot".into()];
        argv.extend(args.iter().cloned());
        motiflift::cli::run(motiflift::cli::Cli::try_parse_from(argv).unwrap())
    };
    let figs = out.join("figs");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "logo".into(), "-a".into(), s(out.join("BPNet/attributions.npy")), "-a".into(),
                s(out.join("Beluga/attributions.npy")), "--annotations".into(), s(out.join("BPNet/annotated.tsv")),
                "--annotations".into(), s(out.join("Beluga/annotated.parquet")), "--example".into(), "2".into(),
                "-o".into(), s(figs.join("logo.png")),
            ],
            "logo",
        ),
        (
            vec![
                "counts".into(), "--counts".into(), s(out.join("BPNet/counts.npy")), "--counts".into(),
                s(out.join("ChromBPNet/counts.npy")), "--motifs".into(), motifs.clone(), "-o".into(),
                s(figs.join("counts.png")),
            ],
            "counts",
        ),
        (
            vec![
                "pairwise".into(), "--pairs".into(), s(out.join("BPNet/pairwise.npy")), "--motifs".into(),
                motifs.clone(), "--top".into(), "8".into(), "-o".into(), s(figs.join("pairwise.svg")),
            ],
            "pairwise",
        ),
    ];
    for (args, name) in &cases {
        plot(args).unwrap_or_else(|e| panic!("plot {name}: {e}"));
        let svg = std::fs::read(figs.join(format!("{name}.svg"))).unwrap();
        let size = usvg::Tree::from_data(&svg, &usvg::Options::default()).unwrap().size();
        let png = Pixmap::decode_png(&std::fs::read(figs.join(format!("{name}.png"))).unwrap()).unwrap();
        assert_eq!(png.width(), (size.width() * 2.0).ceil() as u32, "{name}");
        assert_eq!(png.height(), (size.height() * 2.0).ceil() as u32, "{name}");
        assert!(size.width() > 300.0 && size.height() > 150.0, "{name}: {size:?}");
    }
    // The logo has two tracks: titled after their files' stems by default... here both are
    // `attributions`, and the BPNet track's seqlets are labelled with motif names.
    let logo = std::fs::read_to_string(figs.join("logo.svg")).unwrap();
    assert!(logo.matches(">attributions<").count() == 2, "track titles missing");
    // Counts are (n_examples, n_motifs); a pair matrix is not accepted as counts of 215 motifs.
    let err = plot(&[
        "pairwise".into(), "--pairs".into(), s(out.join("BPNet/counts.npy")), "--motifs".into(), motifs,
        "-o".into(), s(figs.join("bad.png")),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("counts.npy") && err.contains("215"), "{err}");
}

#[test]
fn example_counts_and_pairs_equal_tangermeme() {
    let out = tempfile::tempdir().unwrap();
    example().run(out.path(), &RunOptions { quiet: true, max_loci: None }).unwrap();
    for (model, name) in [("BPNet", "bpnet"), ("ChromBPNet", "chrombpnet"), ("ProCapNet", "procapnet"), ("Beluga", "beluga")] {
        let counts: Array2<u32> = read_npy(&out.path().join(model).join("counts.npy"));
        let expected: Array2<i32> = npy_gz::<i32, Ix2>(&format!("pipeline/{name}_counts.npy.gz"));
        assert_eq!(counts.dim(), expected.dim(), "{model}");
        let diff = counts.iter().zip(expected.iter()).filter(|(a, b)| **a as i64 != **b as i64).count();
        assert_eq!(diff, 0, "{model}: {diff} count cells differ from tangermeme's");
    }
    // tangermeme's pairwise_annotations fixtures exist for these two models.
    for (model, name) in [("BPNet", "bpnet"), ("Beluga", "beluga")] {
        let pairs: Array2<i64> = read_npy(&out.path().join(model).join("pairwise.npy"));
        let expected: Array2<i64> = npy_gz::<i64, Ix2>(&format!("pipeline/{name}_pairwise.npy.gz"));
        assert_eq!(pairs, expected, "{model}: pairwise co-occurrence differs from tangermeme's");
    }
    planted_motifs_lead_the_counts(out.path());
}

/// The motifs each model was trained to depend on (the fixtures' `summary.json`
/// `effect_motifs`) are among its most annotated motifs. Beluga's one effect motif, CTCF, is
/// mostly named after its paralog CTCFL (the model attends to the shared core; fixtures README).
fn planted_motifs_lead_the_counts(out: &std::path::Path) {
    let motifs = motiflift::io::meme::read_meme(crate::common::data("motifs/jaspar2024_hsapiens_chipseq.meme")).unwrap();
    let cases: [(&str, &[&str], usize); 4] = [
        ("BPNet", &["MA0139.2 CTCF", "MA0035.5 GATA1", "MA0147.4 MYC", "MA0488.2 JUN", "MA0138.3 REST"], 4),
        ("ChromBPNet", &["MA0139.2 CTCF", "MA0079.5 SP1", "MA0488.2 JUN", "MA0148.5 FOXA1", "MA0502.3 NFYB"], 4),
        ("ProCapNet", &["MA0079.5 SP1", "MA0502.3 NFYB", "MA0147.4 MYC", "MA0138.3 REST"], 3),
        ("Beluga", &["MA0139.2 CTCF", "MA1102.3 CTCFL", "MA1929.2 CTCF", "MA1930.2 CTCF"], 1),
    ];
    for (model, effect, at_least) in cases {
        let counts: Array2<u32> = read_npy(&out.join(model).join("counts.npy"));
        let totals = counts.sum_axis(ndarray::Axis(0));
        let mut order: Vec<usize> = (0..totals.len()).collect();
        order.sort_by_key(|&m| std::cmp::Reverse(totals[m]));
        let top: Vec<&str> = order[..10].iter().map(|&m| motifs[m].name.as_str()).collect();
        let found = effect.iter().filter(|e| top.contains(e)).count();
        assert!(found >= at_least, "{model}: {found} of its effect motifs {effect:?} in its top 10 {top:?}");
    }
}
