//! Integration tests: shuffle. Parity with tangermeme 1.6.0's `dinucleotide_shuffle` on every
//! case of `tests/data/shuffle/cases.json` (made by `tangermeme.ersatz.dinucleotide_shuffle(X,
//! **kwargs)`, see `tests/data/README.md`), the two calls that raise, and the properties every
//! shuffle must have, on the fixtures and on random batches.

use motiflift_kernels::Error;
use motiflift_kernels::rng::{Mt19937, random_one_hot};
use motiflift_kernels::shuffle::{DinucleotideShuffleOptions, Seeds, dinucleotide_shuffle};
use ndarray::{Array3, Array4};
use ndarray_npy::read_npy;
use serde_json::Value;

use crate::common::data;

/// The parsed `cases.json`.
fn cases() -> Value {
    let path = data("shuffle/cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// tangermeme's keyword arguments as our seeds and options.
fn arguments(kwargs: &Value) -> (Seeds, DinucleotideShuffleOptions) {
    let seeds = match &kwargs["random_state"] {
        Value::Array(list) => Seeds::PerSequence(list.iter().map(|s| s.as_i64().unwrap()).collect()),
        s => Seeds::Base(s.as_i64().unwrap()),
    };
    let defaults = DinucleotideShuffleOptions::default();
    let opts = DinucleotideShuffleOptions {
        n: kwargs["n"].as_u64().map_or(defaults.n, |n| n as usize),
        start: kwargs["start"].as_i64().unwrap_or(defaults.start),
        end: kwargs["end"].as_i64().unwrap_or(defaults.end),
        allow_n: kwargs["allow_N"].as_bool().unwrap_or(defaults.allow_n),
    };
    (seeds, opts)
}

/// An int8 one-hot fixture as u8.
fn one_hot<D: ndarray::Dimension>(rel: &str) -> ndarray::Array<u8, D> {
    let path = data(rel);
    let x: ndarray::Array<i8, D> = read_npy(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    x.mapv(|v| v as u8)
}

/// The region `[start, end)` of a case, as tangermeme resolves it (all fixtures are in range).
fn region(opts: &DinucleotideShuffleOptions, len: usize) -> (usize, usize) {
    let end = if opts.end < 0 { len as i64 + 1 + opts.end } else { opts.end };
    (opts.start as usize, end as usize)
}

/// Code of column `j` of a `(alphabet, len)` one-hot block (`alphabet` for N).
fn code(block: &[u8], alphabet: usize, len: usize, j: usize) -> usize {
    (0..alphabet).find(|&r| block[r * len + j] == 1).unwrap_or(alphabet)
}

/// Counts of ordered adjacent pairs of codes in columns `[start, end)`.
fn dinucleotides(block: &[u8], alphabet: usize, len: usize, (start, end): (usize, usize)) -> Vec<usize> {
    let k = alphabet + 1;
    let mut counts = vec![0; k * k];
    for j in start..end.saturating_sub(1) {
        counts[code(block, alphabet, len, j) * k + code(block, alphabet, len, j + 1)] += 1;
    }
    counts
}

/// Checks the properties of a dinucleotide shuffle output `y` `(n_seqs, n, a, len)` of `x`.
fn assert_shuffle_properties(x: &[u8], y: &[u8], [n_seqs, alphabet, len]: [usize; 3], n: usize, (start, end): (usize, usize)) {
    let size = alphabet * len;
    assert_eq!(y.len(), n_seqs * n * size);
    for i in 0..n_seqs {
        let seq = &x[i * size..(i + 1) * size];
        let want = dinucleotides(seq, alphabet, len, (start, end));
        for t in 0..n {
            let shuf = &y[(i * n + t) * size..(i * n + t + 1) * size];
            for r in 0..alphabet {
                let (row, srow) = (&shuf[r * len..(r + 1) * len], &seq[r * len..(r + 1) * len]);
                assert_eq!(row[..start], srow[..start], "sequence {i}, shuffle {t}: left flank changed");
                assert_eq!(row[end..], srow[end..], "sequence {i}, shuffle {t}: right flank changed");
            }
            if end > start {
                for j in [start, end - 1] {
                    assert_eq!(code(shuf, alphabet, len, j), code(seq, alphabet, len, j), "sequence {i}, shuffle {t}: end {j} moved");
                }
            }
            assert_eq!(dinucleotides(shuf, alphabet, len, (start, end)), want, "sequence {i}, shuffle {t}: dinucleotide counts");
        }
    }
}

#[test]
fn every_fixture_case_is_bit_identical() {
    let cases = cases();
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x: Array3<u8> = one_hot(case["input"].as_str().unwrap());
        let expected: Array4<u8> = one_hot(case["output"].as_str().unwrap());
        let (seeds, opts) = arguments(&case["kwargs"]);
        let shape = [x.shape()[0], x.shape()[1], x.shape()[2]];
        let x = x.as_standard_layout().into_owned().into_raw_vec_and_offset().0;
        let y = dinucleotide_shuffle(&x, shape, &seeds, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = expected.as_standard_layout().into_owned().into_raw_vec_and_offset().0;
        assert_eq!(expected.shape(), [shape[0], opts.n, shape[1], shape[2]], "{name}");
        let first_diff = y.iter().zip(&want).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "{name}: first differing element");
        assert_eq!(y.len(), want.len(), "{name}");
        assert_shuffle_properties(&x, &y, shape, opts.n, region(&opts, shape[2]));
    }
}

#[test]
fn the_two_raising_calls_raise() {
    let cases = cases();
    for case in cases["errors"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let codes: Vec<usize> = case["input_codes"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap() as usize).collect();
        let len = codes.len();
        let mut x = vec![0u8; 4 * len];
        for (j, &c) in codes.iter().enumerate().filter(|(_, c)| **c < 4) {
            x[c * len + j] = 1;
        }
        let (seeds, opts) = arguments(&case["kwargs"]);
        let err = dinucleotide_shuffle(&x, [1, 4, len], &seeds, &opts).expect_err(name);
        match name {
            "homopolymer_A30_n2" => assert!(matches!(err, Error::IdenticalShuffles { index: 0 }), "{name}: {err}"),
            "N_without_allow_N" => {
                assert!(matches!(err, Error::NotOneHot { index: 0, position: 2, .. }), "{name}: {err}")
            }
            other => panic!("unexpected error case {other}"),
        }
    }
}

#[test]
fn random_batches_keep_dinucleotides_ends_and_flanks() {
    let mut rng = Mt19937::new(2024);
    for (n_seqs, len, start, end, allow_n) in
        [(5, 300, 0, -1, false), (4, 257, 31, 200, false), (3, 150, -100, -7, false), (6, 90, 0, -1, true)]
    {
        let mut x = random_one_hot(n_seqs, 4, len, None, &mut rng).unwrap();
        if allow_n {
            // An N run and single Ns, inside and at the ends of the region.
            for i in 0..n_seqs {
                for j in [0, 10, 11, 12, 40, len - 1] {
                    for r in 0..4 {
                        x[i * 4 * len + r * len + j] = 0;
                    }
                }
            }
        }
        let opts = DinucleotideShuffleOptions { n: 7, start, end, allow_n };
        let y = dinucleotide_shuffle(&x, [n_seqs, 4, len], &Seeds::Base(99), &opts).unwrap();
        let l = len as i64;
        let end = if end < 0 { l + 1 + end } else { end };
        let resolve = |v: i64| if v < 0 { (v + l) as usize } else { v as usize };
        assert_shuffle_properties(&x, &y, [n_seqs, 4, len], 7, (resolve(start), resolve(end)));
    }
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let x = random_one_hot(40, 4, 500, None, &mut Mt19937::new(5)).unwrap();
    let opts = DinucleotideShuffleOptions { n: 6, ..Default::default() };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| dinucleotide_shuffle(&x, [40, 4, 500], &Seeds::Base(7), &opts).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    // Sequence i of the batch equals a batch of its own seeded with 7 + i.
    let i = 17;
    let alone = dinucleotide_shuffle(&x[i * 2000..(i + 1) * 2000], [1, 4, 500], &Seeds::Base(7 + i as i64), &opts).unwrap();
    assert_eq!(alone, one[i * 6 * 2000..(i + 1) * 6 * 2000]);
}
