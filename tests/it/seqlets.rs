//! Integration tests: seqlets. Parity with tangermeme 1.6.0 on the attributions of the four
//! fixture models (`tests/data/seqlets/`, see its README): `recursive_seqlets` (default,
//! threshold 0.001 with flanks 2, FDR mode, float64 with other parameters) and
//! `tfmodisco_seqlets`, through the engine API; and the errors on bad input.

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type, UInt64Type};
use motiflift::seqlets::{
    RecursiveOptions, TfmodiscoOptions, recursive_seqlets, recursive_seqlets_fdr, tfmodisco_seqlets,
};
use motiflift_kernels::rng::Mt19937;
use ndarray::{Array2, Array3, Ix2};

use crate::common::{data, npy_gz};

const MODELS: [&str; 4] = ["bpnet", "chrombpnet", "procapnet", "beluga"];

/// One seqlet row: example, start, end, attribution, p-value (NaN when absent).
type Row = (i64, i64, i64, f64, f64);

fn attr_sum(model: &str) -> Array2<f32> {
    npy_gz::<f32, Ix2>(&format!("seqlets/{model}_attr_sum.npy.gz"))
}

/// Reads a tangermeme seqlet TSV (4 or 5 columns, `%.17g` floats).
fn read_tsv(rel: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let int = |i: usize| f[i].parse::<i64>().unwrap_or_else(|e| panic!("{rel}: {line}: {e}"));
            let float = |i: usize| f.get(i).map_or(f64::NAN, |v| v.parse::<f64>().unwrap_or_else(|e| panic!("{rel}: {e}")));
            (int(0), int(1), int(2), float(3), float(4))
        })
        .collect()
}

fn rows(batch: &RecordBatch) -> Vec<Row> {
    let int = |i: usize| batch.column(i).as_primitive::<Int64Type>().values().to_vec();
    let float = |i: usize| batch.column(i).as_primitive::<Float64Type>().values().to_vec();
    let (e, s, t, a) = (int(0), int(1), int(2), float(3));
    let p = if batch.num_columns() > 4 { float(4) } else { vec![f64::NAN; e.len()] };
    (0..e.len()).map(|k| (e[k], s[k], t[k], a[k], p[k])).collect()
}

/// tangermeme's final sort is not stable, so tables are compared sorted by
/// (p-value, example_idx, start); every value must be bit-identical.
fn assert_same_recursive(mut got: Vec<Row>, mut expected: Vec<Row>, what: &str) {
    let key = |r: &Row| (r.4.to_bits(), r.0, r.1);
    assert!(got.windows(2).all(|w| w[0].4 <= w[1].4), "{what}: not sorted by p-value");
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got.len(), expected.len(), "{what}: number of seqlets");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((g.0, g.1, g.2), (e.0, e.1, e.2), "{what}: seqlet");
        assert_eq!(g.3.to_bits(), e.3.to_bits(), "{what}: attribution of {e:?}: {}", g.3);
        assert_eq!(g.4.to_bits(), e.4.to_bits(), "{what}: p-value of {e:?}: {}", g.4);
    }
}

#[test]
fn recursive_default_matches_tangermeme() {
    for model in MODELS {
        let x = attr_sum(model);
        let got = recursive_seqlets(x.view().into_dyn(), &RecursiveOptions::default()).unwrap();
        assert_eq!(got.schema(), motiflift::seqlets::seqlet_schema(true));
        let expected = read_tsv(&format!("seqlets/{model}_seqlets_recursive_default.tsv"));
        assert_same_recursive(rows(&got), expected, model);
    }
}

#[test]
fn recursive_threshold_and_flanks_match_tangermeme() {
    let options = RecursiveOptions { threshold: 0.001, additional_flanks: 2, ..Default::default() };
    for model in MODELS {
        let got = recursive_seqlets(attr_sum(model).view().into_dyn(), &options).unwrap();
        let expected = read_tsv(&format!("seqlets/{model}_seqlets_recursive_t0.001_flank2.tsv"));
        assert_same_recursive(rows(&got), expected, model);
    }
}

#[test]
fn recursive_float64_with_other_parameters_matches_tangermeme() {
    let x = attr_sum("bpnet").mapv(f64::from);
    let options = RecursiveOptions { threshold: 0.05, min_seqlet_len: 6, max_seqlet_len: 12, additional_flanks: 3, n_bins: 300 };
    let got = recursive_seqlets(x.view().into_dyn(), &options).unwrap();
    assert_same_recursive(rows(&got), read_tsv("seqlets/bpnet_params_f64.tsv"), "float64");
}

#[test]
fn alphabet_axis_is_summed() {
    // Put each position's value in one of the four channels: the sum over the alphabet is the
    // value itself (zeros add nothing), so the seqlets are the fixture's.
    let x = attr_sum("procapnet");
    let (n, l) = x.dim();
    let x3 = Array3::from_shape_fn((n, 4, l), |(i, a, t)| if a == (i + t) % 4 { x[[i, t]] } else { 0.0 });
    let got = recursive_seqlets(x3.view().into_dyn(), &RecursiveOptions::default()).unwrap();
    let expected = read_tsv("seqlets/procapnet_seqlets_recursive_default.tsv");
    assert_same_recursive(rows(&got), expected, "(n, 4, L) input");
}

#[test]
fn fdr_mode_matches_tangermeme() {
    let x = attr_sum("bpnet");
    let (n, l) = x.dim();
    // The control of make_data.py: rows 0..64 then 0..32, each permuted by RandomState(0).
    let mut rng = Mt19937::new(0);
    let mut control = Array2::<f32>::zeros((n + 32, l));
    for (k, mut row) in control.rows_mut().into_iter().enumerate() {
        let perm = rng.permutation(l);
        row.iter_mut().zip(&perm).for_each(|(v, &p)| *v = x[[k % n, p]]);
    }
    let r = recursive_seqlets_fdr(x.view().into_dyn(), control.view().into_dyn(), &RecursiveOptions::default(), 0.05).unwrap();
    assert!(r.warning.is_none());
    assert_same_recursive(rows(&r.seqlets), read_tsv("seqlets/bpnet_fdr_seqlets.tsv"), "FDR seqlets");

    let text = std::fs::read_to_string(data("seqlets/bpnet_fdr_table.tsv")).unwrap();
    // pandas writes the NaN estimates (no seqlet on X) as empty fields.
    let parse = |v: &str| if v.is_empty() { f64::NAN } else { v.parse::<f64>().unwrap() };
    let expected: Vec<Vec<f64>> = text.lines().skip(1).map(|l| l.split('\t').map(parse).collect()).collect();
    let fdr = &r.fdr;
    assert_eq!(fdr.num_rows(), expected.len());
    let thresholds = fdr.column(0).as_primitive::<Float64Type>();
    let counts = fdr.column(1).as_primitive::<UInt64Type>();
    let controls = fdr.column(2).as_primitive::<UInt64Type>();
    let estimates = fdr.column(3).as_primitive::<Float64Type>();
    for (k, e) in expected.iter().enumerate() {
        assert_eq!(thresholds.value(k), e[0], "threshold {k}");
        assert_eq!((counts.value(k) as f64, controls.value(k) as f64), (e[1], e[2]), "counts at {}", e[0]);
        let (g, e3) = (estimates.value(k), e[3]);
        assert!(g == e3 || (g.is_nan() && e3.is_nan()), "fdr at {}: {g} vs {e3}", e[0]);
    }
    // The seqlets are called at the largest threshold whose estimate is at most the target.
    let chosen = expected.iter().find(|e| e[3] <= 0.05).map(|e| e[0]);
    assert_eq!(r.threshold, chosen);
}

#[test]
fn fdr_mode_warns_when_no_threshold_qualifies() {
    let x = attr_sum("beluga");
    let r = recursive_seqlets_fdr(x.view().into_dyn(), x.view().into_dyn(), &RecursiveOptions::default(), 0.01).unwrap();
    // The control is X itself: every estimate is (n + 1) / n > 1.
    assert_eq!(r.threshold, None);
    assert_eq!(r.seqlets.num_rows(), 0);
    assert!(r.warning.unwrap().contains("No threshold reaches an estimated false discovery rate"));
}

#[test]
fn tfmodisco_matches_tangermeme() {
    for model in MODELS {
        let got = tfmodisco_seqlets(attr_sum(model).view().into_dyn(), &TfmodiscoOptions::default()).unwrap();
        assert_eq!(got.schema(), motiflift::seqlets::seqlet_schema(false));
        let got = rows(&got);
        let expected = read_tsv(&format!("seqlets/{model}_seqlets_tfmodisco_default.tsv"));
        // Same rows in the same order (by example, then extraction), attributions bit-identical.
        assert_eq!(got.len(), expected.len(), "{model}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!((g.0, g.1, g.2, g.3.to_bits()), (e.0, e.1, e.2, e.3.to_bits()), "{model}: {e:?} vs {g:?}");
        }
    }
}

#[test]
fn bad_input_is_rejected_with_the_place_at_fault() {
    let options = RecursiveOptions::default();
    let mut x = attr_sum("bpnet");
    x[[5, 17]] = f32::NAN;
    let err = recursive_seqlets(x.view().into_dyn(), &options).unwrap_err().to_string();
    assert!(err.contains("example 5, position 17"), "{err}");
    x[[5, 17]] = f32::INFINITY;
    let err = tfmodisco_seqlets(x.view().into_dyn(), &TfmodiscoOptions::default()).unwrap_err().to_string();
    assert!(err.contains("example 5, position 17") && err.contains("inf"), "{err}");

    let empty = Array2::<f32>::zeros((0, 2114));
    let err = recursive_seqlets(empty.view().into_dyn(), &options).unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");

    let ok = attr_sum("bpnet");
    for threshold in [0.0, -0.5, 1.5, f64::NAN] {
        let err = recursive_seqlets(ok.view().into_dyn(), &RecursiveOptions { threshold, ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("threshold"), "{err}");
    }
    let err = recursive_seqlets(ok.view().into_dyn(), &RecursiveOptions { min_seqlet_len: 30, ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("min_seqlet_len") && err.contains("max_seqlet_len"), "{err}");

    let flat = ndarray::Array1::<f32>::zeros(10);
    let err = recursive_seqlets(flat.view().into_dyn(), &options).unwrap_err().to_string();
    assert!(err.contains("(n, L)"), "{err}");
}

#[test]
fn constant_input_calls_nothing() {
    let x = Array2::<f32>::from_elem((3, 100), 0.25);
    assert_eq!(recursive_seqlets(x.view().into_dyn(), &RecursiveOptions::default()).unwrap().num_rows(), 0);
}

#[test]
fn cli_writes_the_same_tables_as_the_api() {
    use clap::Parser;
    use motiflift::cli::{Cli, run};
    use motiflift::io::{npy::write_npy, table::read_table};
    use motiflift::seqlets::seqlet_schema;

    let dir = tempfile::tempdir().unwrap();
    let x = attr_sum("chrombpnet");
    let input = dir.path().join("A.npy");
    write_npy(&input, &x).unwrap();
    let cli = |args: &[&str]| {
        let mut argv = vec!["motiflift", "-q", "seqlets", "-i", input.to_str().unwrap()];
        argv.extend_from_slice(args);
        run(Cli::try_parse_from(argv).unwrap())
    };

    let tsv = dir.path().join("s.tsv");
    cli(&["--threshold", "0.001", "--additional-flanks", "2", "-o", tsv.to_str().unwrap()]).unwrap();
    let options = RecursiveOptions { threshold: 0.001, additional_flanks: 2, ..Default::default() };
    let api = recursive_seqlets(x.view().into_dyn(), &options).unwrap();
    assert_eq!(read_table(&tsv, &seqlet_schema(true)).unwrap(), api);

    let parquet = dir.path().join("t.parquet");
    cli(&["--method", "tfmodisco", "-o", parquet.to_str().unwrap()]).unwrap();
    let api = tfmodisco_seqlets(x.view().into_dyn(), &TfmodiscoOptions::default()).unwrap();
    assert_eq!(read_table(&parquet, &seqlet_schema(false)).unwrap(), api);

    let err = cli(&["--fdr-table", "f.tsv", "-o", tsv.to_str().unwrap()]).unwrap_err().to_string();
    assert!(err.contains("--control"), "{err}");
    let err = cli(&["--min-seqlet-len", "9", "--max-seqlet-len", "5", "-o", tsv.to_str().unwrap()]).unwrap_err().to_string();
    assert!(err.contains("min_seqlet_len") && err.contains("max_seqlet_len"), "{err}");
}

/// The synthetic tracks of `benches/seqlets.rs` and `scripts/bench_tangermeme.py`: Laplace(0,
/// 0.01) noise from a splitmix64 stream, one 8-bp bump of 0.02 · (1 + i mod 5) per track.
fn synthetic_tracks(n: usize, l: usize) -> Array2<f32> {
    let splitmix64 = |i: u64| {
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut x = Array2::from_shape_fn((n, l), |(i, t)| {
        let u = ((splitmix64((i * l + t) as u64) >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0;
        (if u < 0.5 { 0.01 * (2.0 * u).ln() } else { -0.01 * (2.0 * (1.0 - u)).ln() }) as f32
    });
    for i in 0..n {
        let start = (i * 37) % (l - 8);
        let bump = (0.02 * (1 + i % 5) as f64) as f32;
        x.slice_mut(ndarray::s![i, start..start + 8]).iter_mut().for_each(|v| *v += bump);
    }
    x
}

#[test]
fn tfmodisco_with_subsampled_window_sums_matches_tangermeme() {
    // 500 x 2114 tracks have 1,047,000 windows: the thresholds come from 1,000,000 of them,
    // drawn by RandomState(1234).choice without replacement.
    let x = synthetic_tracks(500, 2114);
    let got = rows(&tfmodisco_seqlets(x.view().into_dyn(), &TfmodiscoOptions::default()).unwrap());
    let expected = read_tsv("seqlets/synthetic500_tfmodisco_first25.tsv");
    let got: Vec<Row> = got.into_iter().filter(|r| r.0 < 25).collect();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((g.0, g.1, g.2, g.3.to_bits()), (e.0, e.1, e.2, e.3.to_bits()), "{e:?} vs {g:?}");
    }
}
