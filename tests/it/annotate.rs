//! Integration tests: seqlet annotation and annotation counts against tangermeme 1.6.0.
//!
//! For each fixture model: `X` = `tests/data/inputs/X.npy.gz` (the 64 attributed loci), seqlets =
//! `tests/data/seqlets/<model>_seqlets_recursive_default.tsv`, motifs = the 215 JASPAR matrices;
//! expected arrays in `tests/data/annotate/<model>_*.npy.gz` (see `tests/data/README.md`).

use motiflift::annotate::{annotate_seqlets, count_annotations, pairwise_annotations, seqlet_rows};
use motiflift::io::meme::{Motif, read_meme};
use motiflift::io::npy::read_onehot;
use motiflift::io::table::read_table;
use motiflift::seqlets::seqlet_schema;
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
    seqlet_rows(&read_table(path, &seqlet_schema(true)).expect("seqlet table")).expect("coordinates")
}

#[test]
fn annotations_match_tangermeme_for_every_model() {
    let (x, motifs) = inputs();
    for model in MODELS {
        let rows = seqlets(model);
        for k in [1, 3] {
            let hits = annotate_seqlets(x.view(), &rows, &motifs, k).expect(model);
            let idxs = npy_gz::<i32, Ix2>(&format!("annotate/{model}_annotate_n{k}_idxs.npy.gz"));
            let pvals = npy_gz::<f64, Ix2>(&format!("annotate/{model}_annotate_n{k}_pvals.npy.gz"));
            assert_eq!(hits.motif_indices, idxs, "{model} n_nearest={k}: motif indices");
            for ((i, ours), want) in hits.p_values.indexed_iter().zip(pvals.iter()) {
                assert!(
                    (ours - want).abs() <= 1e-9 * want.abs() && ours.to_bits() == want.to_bits(),
                    "{model} n_nearest={k} seqlet {i:?}: {ours:e} vs tangermeme {want:e}"
                );
            }
        }
    }
}

/// `(example_idx, best motif)` rows, as the fixtures fed to the counting functions.
fn annotation_rows(model: &str) -> Vec<[usize; 2]> {
    let idxs = npy_gz::<i32, Ix2>(&format!("annotate/{model}_annotate_n1_idxs.npy.gz"));
    seqlets(model).iter().zip(idxs.column(0)).map(|(s, &m)| [s[0] as usize, m as usize]).collect()
}

#[test]
fn counts_match_tangermeme() {
    for model in MODELS {
        let rows = annotation_rows(model);
        // Default: uint8 in tangermeme; ours are u32, equal here as no count reaches 256.
        let c = count_annotations(&rows, None, None).unwrap();
        let want = npy_gz::<u8, Ix2>(&format!("annotate/{model}_count_annotations.npy.gz"));
        assert_eq!(c.shape, want.shape(), "{model}");
        assert!(c.data.iter().all(|&v| v < 256), "{model}: a count wraps in tangermeme's uint8");
        assert_eq!(c.data, want.iter().map(|&v| u32::from(v)).collect::<Vec<_>>(), "{model}");

        let shape = Some((64, 215));
        let c = count_annotations(&rows, shape, None).unwrap();
        let want = npy_gz::<i32, Ix2>(&format!("annotate/{model}_count_annotations_shape.npy.gz"));
        assert_eq!(c.data, want.iter().map(|&v| v as u32).collect::<Vec<_>>(), "{model} shape");
        for dim in [0, 1] {
            let c = count_annotations(&rows, shape, Some(dim)).unwrap();
            let want = npy_gz::<i32, Ix1>(&format!("annotate/{model}_count_annotations_dim{dim}.npy.gz"));
            assert_eq!(c.data, want.iter().map(|&v| v as u32).collect::<Vec<_>>(), "{model} dim={dim}");
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
        let want = npy_gz::<i32, Ix2>(&format!("annotate/{model}_pairwise_annotations_nonunique_asym.npy.gz"));
        assert_eq!(p.data, want.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(), "{model} non-unique");
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
        let err = annotate_seqlets(x.view(), &[ok, bad], &motifs, 1).unwrap_err().to_string();
        assert!(err.contains("seqlet 1") && err.contains(needle), "{bad:?}: {err}");
    }
    let mut nan = motifs[..3].to_vec();
    nan[2].pwm[[1, 0]] = f64::NAN;
    let err = annotate_seqlets(x.view(), &[ok], &nan, 1).unwrap_err().to_string();
    assert!(err.contains("target 2") && err.contains("NaN"), "{err}");
    let mut empty = motifs[..3].to_vec();
    empty[0].pwm = ndarray::Array2::zeros((4, 0));
    let err = annotate_seqlets(x.view(), &[ok], &empty, 1).unwrap_err().to_string();
    assert!(err.contains("target 0 has width 0"), "{err}");
    assert!(annotate_seqlets(x.view(), &[ok], &motifs, 0).is_err());
    let none = annotate_seqlets(x.view(), &[], &motifs, 3).unwrap();
    assert_eq!(none.motif_indices.shape(), [0, 3]);
}
