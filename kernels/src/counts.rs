//! Counting annotations per example and annotation pairs (ALGORITHMS §6.2–§6.4), as
//! `tangermeme.annotate.count_annotations`, `pairwise_annotations` and
//! `pairwise_annotations_spacing`.
//!
//! tangermeme accumulates `count_annotations` and `pairwise_annotations_spacing` in `uint8` by
//! default, which silently wraps at 256; these functions count in `u32` (`pairwise_annotations`
//! in `i64`, tangermeme's default), so they agree with tangermeme whenever its counts do not
//! wrap and otherwise give the true counts (tangermeme's = ours mod 256).
//!
//! ```
//! use motiflift_kernels::counts::{count_annotations, pairwise_annotations};
//! let rows = [[0, 0], [0, 0], [0, 1], [1, 0], [1, 1]]; // (example, annotation)
//! assert_eq!(count_annotations(&rows, None, None)?.data, [2, 1, 1, 1]);
//! assert_eq!(pairwise_annotations(&rows, true, true, None)?.data, [0, 2, 2, 0]);
//! # Ok::<(), motiflift_kernels::Error>(())
//! ```

use crate::{Error, Result};

/// A dense row-major count array.
///
/// ```
/// let c = motiflift_kernels::counts::Counts { shape: vec![2, 3], data: vec![0u32; 6] };
/// assert_eq!(c.shape.iter().product::<usize>(), c.data.len());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts<T> {
    /// The array's shape.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<T>,
}

/// Observed sizes `max + 1` of the first two columns, replaced by a requested size, which must
/// not be smaller.
fn sizes<const N: usize>(rows: &[[usize; N]], shape: [Option<usize>; 2]) -> Result<[usize; 2]> {
    let mut n = [0usize; 2];
    for r in rows {
        n[0] = n[0].max(r[0] + 1);
        n[1] = n[1].max(r[1] + 1);
    }
    for (k, s) in shape.iter().enumerate() {
        if let Some(s) = *s {
            if n[k] > s {
                return Err(Error::InvalidArgument {
                    name: "shape",
                    reason: format!(
                        "observed maximum indices need sizes {n:?}, more than the given shape {shape:?}"
                    ),
                });
            }
            n[k] = s;
        }
    }
    Ok(n)
}

/// Counts `(example_idx, annotation_idx)` rows: `dim = None` gives the `(n_examples,
/// n_annotations)` matrix of occurrences, `Some(0)` the occurrences of each annotation,
/// `Some(1)` the annotations of each example. Sizes are the maximum index + 1, or `shape`
/// (which must not be smaller). Counts are `u32` (tangermeme's default `uint8` wraps at 256).
///
/// Empty input is an error unless `shape` is given (then every count is zero; tangermeme raises
/// on empty input).
///
/// ```
/// use motiflift_kernels::counts::count_annotations;
/// let rows = [[0, 0], [0, 0], [0, 1], [1, 0], [1, 1]];
/// assert_eq!(count_annotations(&rows, None, Some(0))?.data, [3, 2]);
/// assert_eq!(count_annotations(&rows, None, Some(1))?.data, [3, 2]);
/// let c = count_annotations(&rows, Some((3, 4)), None)?;
/// assert_eq!((c.shape.as_slice(), c.data[1]), ([3, 4].as_slice(), 1));
/// # Ok::<(), motiflift_kernels::Error>(())
/// ```
pub fn count_annotations(
    rows: &[[usize; 2]],
    shape: Option<(usize, usize)>,
    dim: Option<usize>,
) -> Result<Counts<u32>> {
    if rows.is_empty() && shape.is_none() {
        return Err(Error::Empty("annotations to count"));
    }
    // Each row adds 1 to one count: with at most u32::MAX rows no count can overflow.
    if u32::try_from(rows.len()).is_err() {
        return Err(Error::InvalidArgument {
            name: "X",
            reason: format!(
                "{} annotations overflow the u32 counts; count at most {} at a time",
                rows.len(),
                u32::MAX
            ),
        });
    }
    let [n_examples, n_annotations] = sizes(rows, [shape.map(|s| s.0), shape.map(|s| s.1)])?;
    Ok(match dim {
        None => {
            let mut data = vec![0u32; n_examples * n_annotations];
            for &[e, a] in rows {
                data[e * n_annotations + a] += 1;
            }
            Counts {
                shape: vec![n_examples, n_annotations],
                data,
            }
        }
        Some(d @ (0 | 1)) => {
            let n = if d == 0 { n_annotations } else { n_examples };
            let mut data = vec![0u32; n];
            for r in rows {
                data[r[1 - d]] += 1;
            }
            Counts {
                shape: vec![n],
                data,
            }
        }
        Some(d) => {
            return Err(Error::InvalidArgument {
                name: "dim",
                reason: format!("must be None, 0 or 1, got {d}"),
            });
        }
    })
}

/// Counts pairs of annotations that occur in the same example (§6.3): an `(n, n)` matrix with
/// `n` the maximum annotation index + 1 or `shape` (empty input needs `shape`). Per example, in
/// row order (sorted and de-duplicated when `unique`), every pair of list positions `p < q` adds
/// 1 to `y[A[p], A[q]]` and, when `symmetric` and the two differ, to `y[A[q], A[p]]`.
///
/// ```
/// use motiflift_kernels::counts::pairwise_annotations;
/// let rows = [[0, 0], [0, 0], [0, 1], [1, 0], [1, 1]];
/// assert_eq!(pairwise_annotations(&rows, false, true, None)?.data, [1, 3, 3, 0]);
/// assert_eq!(pairwise_annotations(&rows, false, false, None)?.data, [1, 3, 0, 0]);
/// # Ok::<(), motiflift_kernels::Error>(())
/// ```
pub fn pairwise_annotations(
    rows: &[[usize; 2]],
    unique: bool,
    symmetric: bool,
    shape: Option<usize>,
) -> Result<Counts<i64>> {
    if rows.is_empty() && shape.is_none() {
        return Err(Error::Empty("annotations to pair"));
    }
    let [n_examples, n] = sizes(rows, [None, shape])?;
    let mut per_example: Vec<Vec<usize>> = vec![Vec::new(); n_examples];
    for &[e, a] in rows {
        per_example[e].push(a);
    }
    let mut data = vec![0i64; n * n];
    for mut list in per_example {
        if unique {
            list.sort_unstable();
            list.dedup();
        }
        for (p, &a) in list.iter().enumerate() {
            for &b in &list[p + 1..] {
                data[a * n + b] += 1;
                if symmetric && a != b {
                    data[b * n + a] += 1;
                }
            }
        }
    }
    Ok(Counts {
        shape: vec![n, n],
        data,
    })
}

/// Counts pairs of annotations of one example by their spacing (§6.4): rows are
/// `(example_idx, annotation_idx, start, end)`; for every pair (row order) the left one is the
/// one with the smaller start (on equal starts, the later row), the spacing is
/// `start_right − end_left`, pairs spaced `max_distance` or more apart are skipped, and
/// `y[left, right, spacing] += 1` (and `y[right, left, spacing]` when `symmetric` and they
/// differ). Output `(n, n, max_distance)` in `u32` (tangermeme's default `uint8` wraps).
///
/// Errors: empty input, overlapping annotations of one example (negative spacing), a `shape`
/// smaller than the largest annotation index + 1.
///
/// ```
/// use motiflift_kernels::counts::pairwise_annotations_spacing;
/// // Annotation 0 at [10, 15), annotation 1 at [3, 7): 1 is left of 0, 3 bases apart.
/// let y = pairwise_annotations_spacing(&[[0, 0, 10, 15], [0, 1, 3, 7]], 5, false, None)?;
/// assert_eq!(y.shape, [2, 2, 5]);
/// assert_eq!(y.data[(1 * 2 + 0) * 5 + 3], 1);
/// assert_eq!(y.data.iter().sum::<u32>(), 1);
/// # Ok::<(), motiflift_kernels::Error>(())
/// ```
pub fn pairwise_annotations_spacing(
    rows: &[[usize; 4]],
    max_distance: usize,
    symmetric: bool,
    shape: Option<usize>,
) -> Result<Counts<u32>> {
    if rows.is_empty() {
        return Err(Error::Empty("annotations to space"));
    }
    let [n_examples, n] = sizes(rows, [None, shape])?;
    let mut per_example: Vec<Vec<[usize; 3]>> = vec![Vec::new(); n_examples];
    for &[e, a, start, end] in rows {
        per_example[e].push([a, start, end]);
    }
    let mut data = vec![0u32; n * n * max_distance];
    for (e, list) in per_example.iter().enumerate() {
        for (p, &first) in list.iter().enumerate() {
            for &second in &list[p + 1..] {
                let (left, right) = if first[1] < second[1] {
                    (first, second)
                } else {
                    (second, first)
                };
                let d = right[1] as i64 - left[2] as i64;
                if d >= max_distance as i64 {
                    continue;
                }
                if d < 0 {
                    return Err(Error::InvalidArgument {
                        name: "X",
                        reason: format!(
                            "annotations of example {e} overlap: [{}, {}) and [{}, {}); drop or merge overlapping \
                             annotations before counting spacings",
                            left[1], left[2], right[1], right[2]
                        ),
                    });
                }
                let d = d as usize;
                bump(&mut data[(left[0] * n + right[0]) * max_distance + d], e)?;
                if symmetric && left[0] != right[0] {
                    bump(&mut data[(right[0] * n + left[0]) * max_distance + d], e)?;
                }
            }
        }
    }
    Ok(Counts {
        shape: vec![n, n, max_distance],
        data,
    })
}

/// Adds 1 to a `u32` count; an overflow is an error (at example `e`), never a wrap.
fn bump(count: &mut u32, e: usize) -> Result<()> {
    *count = count.checked_add(1).ok_or_else(|| Error::InvalidArgument {
        name: "X",
        reason: format!("a pair count overflows u32 ({}) at example {e}", u32::MAX),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_never_wrap() {
        let mut c = u32::MAX - 1;
        bump(&mut c, 0).unwrap();
        assert_eq!(c, u32::MAX);
        let e = bump(&mut c, 7).unwrap_err().to_string();
        assert!(e.contains("overflows u32") && e.contains("example 7"), "{e}");
        assert_eq!(c, u32::MAX);
    }

    // ALGORITHMS §6.3 golden rows.
    const ROWS: [[usize; 2]; 5] = [[0, 0], [0, 0], [0, 1], [1, 0], [1, 1]];

    #[test]
    fn golden_counts() {
        assert_eq!(
            count_annotations(&ROWS, None, None).unwrap(),
            Counts {
                shape: vec![2, 2],
                data: vec![2, 1, 1, 1]
            }
        );
        assert_eq!(
            count_annotations(&ROWS, None, Some(0)).unwrap().data,
            [3, 2]
        );
        assert_eq!(
            count_annotations(&ROWS, None, Some(1)).unwrap().data,
            [3, 2]
        );
        let with_shape = count_annotations(&ROWS, Some((3, 3)), Some(0)).unwrap();
        assert_eq!(with_shape.data, [3, 2, 0]);
        assert!(count_annotations(&ROWS, Some((1, 5)), None).is_err());
        assert!(count_annotations(&ROWS, None, Some(2)).is_err());
        assert!(count_annotations(&[], None, None).is_err());
        assert_eq!(
            count_annotations(&[], Some((2, 1)), None).unwrap().data,
            [0, 0]
        );
    }

    #[test]
    fn counts_do_not_wrap_at_256() {
        let rows = vec![[0usize, 0usize]; 300];
        assert_eq!(count_annotations(&rows, None, None).unwrap().data, [300]);
    }

    #[test]
    fn golden_pairs() {
        assert_eq!(
            pairwise_annotations(&ROWS, true, true, None).unwrap().data,
            [0, 2, 2, 0]
        );
        assert_eq!(
            pairwise_annotations(&ROWS, false, true, None).unwrap().data,
            [1, 3, 3, 0]
        );
        assert_eq!(
            pairwise_annotations(&ROWS, false, false, None)
                .unwrap()
                .data,
            [1, 3, 0, 0]
        );
        let big = pairwise_annotations(&ROWS, true, true, Some(20)).unwrap();
        assert_eq!(
            (big.shape.as_slice(), big.data.iter().sum::<i64>()),
            ([20, 20].as_slice(), 4)
        );
        assert!(pairwise_annotations(&ROWS, true, true, Some(1)).is_err());
        // Self loops (tangermeme test_pairwise_annotations_self_loops): three identical rows.
        let same = [[0, 2]; 3];
        assert_eq!(
            pairwise_annotations(&same, false, true, None).unwrap().data[2 * 3 + 2],
            3
        );
        assert_eq!(
            pairwise_annotations(&same, true, true, None).unwrap().data[2 * 3 + 2],
            0
        );
    }

    #[test]
    fn spacing_orders_by_start_and_skips_far_pairs() {
        let rows = [
            [0, 0, 0, 4],
            [0, 1, 6, 10],
            [0, 2, 50, 60],
            [1, 1, 0, 5],
            [1, 0, 5, 9],
        ];
        let y = pairwise_annotations_spacing(&rows, 10, false, None).unwrap();
        let at = |a: usize, b: usize, d: usize| y.data[(a * 3 + b) * 10 + d];
        assert_eq!(at(0, 1, 2), 1); // example 0: [0,4) then [6,10)
        assert_eq!(at(1, 0, 0), 1); // example 1: 1 at [0,5) is left of 0 at [5,9)
        assert_eq!(y.data.iter().sum::<u32>(), 2); // 2 at [50, 60) is too far from both
        let s = pairwise_annotations_spacing(&rows, 10, true, None).unwrap();
        assert_eq!(s.data.iter().sum::<u32>(), 4);
        assert!(
            pairwise_annotations_spacing(&[[0, 0, 0, 5], [0, 1, 3, 8]], 10, true, None).is_err()
        );
        assert!(pairwise_annotations_spacing(&[], 10, true, None).is_err());
        assert!(pairwise_annotations_spacing(&rows, 10, true, Some(2)).is_err());
    }
}
