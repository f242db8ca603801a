//! Integration tests: Tomtom against memelite 0.5.0.
//!
//! `tests/data/tomtom/<variant>_<field>.npy.gz` are the fixture set's `tomtom/` arrays:
//! `memelite.tomtom.tomtom(Qs, Ts, n_jobs=2, **kwargs)` with `Qs` the first 30 and `Ts` all 215
//! motifs of `motifs/jaspar2024_hsapiens_chipseq.meme`. With `exact: true` p-values are compared
//! bit for bit, by default within 1e-9 relative (the criterion); integers and nearest
//! indices always exactly.

use motiflift::annotate::tomtom_targets;
use motiflift::io::meme::read_meme;
use motiflift_kernels::tomtom::{Motif, TomtomHits, TomtomOptions, tomtom};

use crate::common::{data, npy_gz};

fn jaspar() -> Vec<Motif<f64>> {
    let motifs =
        read_meme(data("motifs/jaspar2024_hsapiens_chipseq.meme")).expect("JASPAR database");
    tomtom_targets(&motifs).expect("4-row motifs")
}

/// Compares `hits` with the fixture arrays of `variant`, p-values bit for bit when `bits` (else
/// within 1e-9 relative); returns the number of p-values.
fn compare(variant: &str, hits: &TomtomHits, bits: bool) -> usize {
    let field =
        |name: &str| npy_gz::<f64, ndarray::Ix2>(&format!("tomtom/{variant}_{name}.npy.gz"));
    let p = field("pvalues");
    assert_eq!(
        p.shape(),
        [hits.n_queries, hits.n_columns],
        "{variant}: shape"
    );
    for (name, ours) in [
        ("scores", &hits.scores),
        ("offsets", &hits.offsets),
        ("overlaps", &hits.overlaps),
    ] {
        let want: Vec<i64> = field(name).iter().map(|&v| v as i64).collect();
        assert_eq!(ours, &want, "{variant}: {name}");
    }
    let strands: Vec<u8> = field("strands").iter().map(|&v| v as u8).collect();
    assert_eq!(hits.strands, strands, "{variant}: strands");
    if let Some(idx) = &hits.indices {
        let want: Vec<usize> = field("idxs").iter().map(|&v| v as usize).collect();
        assert_eq!(idx, &want, "{variant}: nearest indices");
    }
    for (k, (ours, want)) in hits.p_values.iter().zip(p.iter()).enumerate() {
        let close = if bits {
            ours.to_bits() == want.to_bits()
        } else {
            (ours - want).abs() <= 1e-9 * want.abs()
        };
        assert!(
            close,
            "{variant}: p-value {k} (query {}, column {}): {ours:e} vs memelite {want:e}",
            k / hits.n_columns,
            k % hits.n_columns
        );
        assert!((0.0..=1.0).contains(ours));
    }
    p.len()
}

/// The fixture variants and their options.
fn variants() -> [(&'static str, TomtomOptions); 4] {
    [
        ("default", TomtomOptions::default()),
        (
            "nearest5",
            TomtomOptions {
                n_nearest: Some(5),
                ..Default::default()
            },
        ),
        (
            "exact_targets",
            TomtomOptions {
                n_target_bins: None,
                ..Default::default()
            },
        ),
        (
            "forward_only",
            TomtomOptions {
                reverse_complement: false,
                ..Default::default()
            },
        ),
    ]
}

#[test]
fn jaspar_fixture_variants_are_bit_exact() {
    let targets = jaspar();
    for (variant, options) in variants() {
        let options = TomtomOptions {
            exact: true,
            ..options
        };
        let hits = tomtom(&targets[..30], &targets, &options).expect(variant);
        assert!(compare(variant, &hits, true) > 0);
    }
}

#[test]
fn jaspar_fixture_variants_match_by_default() {
    let targets = jaspar();
    for (variant, options) in variants() {
        let hits = tomtom(&targets[..30], &targets, &options).expect(variant);
        assert!(compare(variant, &hits, false) > 0);
    }
}

#[test]
fn rows_do_not_depend_on_the_other_queries() {
    // memelite test_tomtom_subsets; the fixture rows 10..13 from a call with only those queries.
    let targets = jaspar();
    let exact = TomtomOptions {
        exact: true,
        ..Default::default()
    };
    let hits = tomtom(&targets[10..13], &targets, &exact).unwrap();
    let p = npy_gz::<f64, ndarray::Ix2>("tomtom/default_pvalues.npy.gz");
    let want: Vec<u64> = p
        .slice(ndarray::s![10..13, ..])
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(
        hits.p_values
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        want
    );
}

/// The 12 motifs of memesuite-lite's `tests/data/test.meme`.
fn test_meme() -> Vec<Motif<f64>> {
    tomtom_targets(&read_meme(data("tomtom/test.meme")).expect("test.meme")).expect("4-row motifs")
}

fn onehot(seq: &str) -> Motif<f64> {
    let cols: Vec<[f64; 4]> = seq
        .bytes()
        .map(|b| {
            let mut c = [0.0; 4];
            c[b"ACGT".iter().position(|&x| x == b).expect("ACGT")] = 1.0;
            c
        })
        .collect();
    Motif::from_columns(&cols)
}

#[test]
fn golden_values_of_memelite_tests() {
    // ALGORITHMS §7.10 (memelite tests/test_tomtom.py, test_tomtom_meme and friends).
    let t = test_meme();
    let exact = TomtomOptions {
        exact: true,
        ..Default::default()
    };
    let hits = tomtom(&t[..1], &t, &exact).unwrap();
    let p = [
        1.521254246214154e-23,
        0.9592701821511296,
        0.9902337416242015,
        0.5019843341111853,
        0.6629680099656556,
        0.9934378680317549,
        0.21816166157723602,
        0.9999984036192336,
        0.2650769391807928,
        0.533013551113654,
        0.8721862779251124,
        0.7187879053211702,
    ];
    assert_eq!(hits.p_values, p);
    assert_eq!(
        hits.scores,
        [879, 557, 565, 617, 582, 573, 626, 515, 628, 607, 599, 587]
    );
    assert_eq!(hits.offsets, [0, 0, 0, 7, -2, 2, 2, 2, 1, -2, 7, 0]);
    assert_eq!(hits.overlaps, [10, 9, 10, 8, 8, 10, 8, 8, 10, 8, 10, 10]);
    assert_eq!(hits.strands, [0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0]);

    let fwd = tomtom(
        &t[..1],
        &t,
        &TomtomOptions {
            reverse_complement: false,
            ..exact.clone()
        },
    )
    .unwrap();
    assert_eq!(
        fwd.p_values[..2],
        [7.139753262231726e-21, 0.9427762229187818]
    );
    assert_eq!(
        fwd.scores,
        [877, 539, 563, 614, 584, 543, 624, 514, 628, 591, 592, 586]
    );
    assert!(fwd.strands.iter().all(|&s| s == 0));

    let q = onehot("TGACTCAT");
    let hits = tomtom(std::slice::from_ref(&q), &t, &exact).unwrap();
    assert_eq!(
        hits.p_values,
        [
            0.1729163451832076,
            0.5302983665132751,
            0.8549530326369306,
            0.5715095114653039,
            0.41354609245598095,
            0.36769013484161306,
            0.25637870742233887,
            0.5850912833667693,
            0.8659412979275483,
            0.8193017913681547,
            0.18776301947034518,
            0.5981921007302702,
        ]
    );
    assert_eq!(
        hits.scores,
        [545, 504, 500, 524, 507, 551, 534, 505, 489, 494, 570, 504]
    );
    assert_eq!(hits.offsets, [-2, 1, 1, 4, -4, 9, 0, 5, -1, 3, 2, -1]);
    assert_eq!(hits.overlaps, [6, 8, 8, 8, 4, 8, 8, 5, 7, 8, 8, 7]);
    assert_eq!(hits.strands, [0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1]);
    let near = tomtom(
        std::slice::from_ref(&q),
        &t,
        &TomtomOptions {
            n_nearest: Some(3),
            ..exact.clone()
        },
    )
    .unwrap();
    assert_eq!(near.indices, Some(vec![0, 10, 6]));

    // By default the one-hot query takes the fast null: the same hits, p-values within 1e-9.
    let fast = tomtom(std::slice::from_ref(&q), &t, &TomtomOptions::default()).unwrap();
    assert_eq!(
        (&fast.scores, &fast.offsets, &fast.overlaps, &fast.strands),
        (&hits.scores, &hits.offsets, &hits.overlaps, &hits.strands)
    );
    for (x, y) in fast.p_values.iter().zip(&hits.p_values) {
        assert!((x - y).abs() <= 1e-9 * y, "{x:e} vs memelite {y:e}");
    }
}

#[test]
fn query_dtypes_give_the_same_one_hot_results() {
    // One-hot norms are exact in every dtype, so f64, f32 and u8 queries agree bit for bit.
    let t = test_meme();
    let q = onehot("GATTACAATGA");
    let o = TomtomOptions::default();
    let a = tomtom(std::slice::from_ref(&q), &t, &o).unwrap();
    let q32 = Motif::new(q.values().iter().map(|&v| v as f32).collect(), q.width()).unwrap();
    let q8 = Motif::new(q.values().iter().map(|&v| v as u8).collect(), q.width()).unwrap();
    assert_eq!(tomtom(&[q32], &t, &o).unwrap(), a);
    assert_eq!(tomtom(&[q8], &t, &o).unwrap(), a);
}

#[test]
fn fast_one_hot_null_matches_the_exact_one() {
    // One-hot windows of the attributed loci (N-free) and two with N columns, against JASPAR.
    let x: ndarray::Array3<u8> = motiflift::io::npy::read_onehot(data("inputs/X.npy.gz")).unwrap();
    let mut queries: Vec<Motif<u8>> = (0..300)
        .map(|i| {
            let (e, w) = (i % 64, 4 + (i * 7) % 22);
            let s = (i * 131) % (2114 - w);
            Motif::new(
                x.slice(ndarray::s![e, .., s..s + w])
                    .iter()
                    .copied()
                    .collect(),
                w,
            )
            .unwrap()
        })
        .collect();
    for q in &mut queries[..2] {
        let mut v = q.values().to_vec();
        let w = q.width();
        for r in 0..4 {
            v[r * w + 1] = 0;
        }
        *q = Motif::new(v, w).unwrap();
    }
    let targets = jaspar();
    for n_nearest in [None, Some(1), Some(5)] {
        let fast = TomtomOptions {
            n_nearest,
            ..Default::default()
        };
        let exact = TomtomOptions {
            exact: true,
            ..fast.clone()
        };
        let (a, b) = (
            tomtom(&queries, &targets, &exact).unwrap(),
            tomtom(&queries, &targets, &fast).unwrap(),
        );
        assert_eq!(
            (&a.scores, &a.offsets, &a.overlaps, &a.strands),
            (&b.scores, &b.offsets, &b.overlaps, &b.strands)
        );
        assert_eq!(a.indices, b.indices, "n_nearest={n_nearest:?}");
        if n_nearest.is_none() {
            // The fast null ran: it rounds differently from memelite somewhere.
            assert_ne!(a.p_values, b.p_values);
        }
        for (k, (x, y)) in a.p_values.iter().zip(&b.p_values).enumerate() {
            assert!(
                (x - y).abs() <= 1e-12 * x,
                "n_nearest={n_nearest:?} entry {k}: exact {x:e}, fast {y:e}"
            );
        }
    }
}

#[test]
fn bad_motifs_are_rejected_with_their_index() {
    let t = test_meme();
    let o = TomtomOptions::default();
    let empty = Motif::<f64>::from_columns(&[]);
    let err = tomtom(&[t[0].clone(), empty.clone()], &t, &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("query 1 has width 0"), "{err}");
    let err = tomtom(&t[..1], &[t[1].clone(), empty], &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("target 1 has width 0"), "{err}");
    let mut nan = t[2].values().to_vec();
    nan[5] = f64::NAN;
    let nan = Motif::new(nan, t[2].width()).unwrap();
    let err = tomtom(&[nan], &t, &o).unwrap_err().to_string();
    assert!(
        err.contains("query 0, row 0, column 5") && err.contains("NaN"),
        "{err}"
    );
    let zeros = Motif::new(vec![0.0; 12], 3).unwrap();
    let err = tomtom(std::slice::from_ref(&zeros), &t, &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("all-zero"), "{err}");
    assert!(tomtom(&t[..1], &[zeros], &o).is_err());
    // One all-zero query among others is allowed (memelite test_tomtom_zeroes).
    let zero = Motif::new(vec![0.0; 8], 2).unwrap();
    assert!(tomtom(&[t[0].clone(), zero], &t, &o).is_ok());
    assert!(
        tomtom(
            &t[..1],
            &t,
            &TomtomOptions {
                n_score_bins: 0,
                ..Default::default()
            }
        )
        .is_err()
    );
    assert!(tomtom::<f64>(&[], &t, &o).is_err());
}
