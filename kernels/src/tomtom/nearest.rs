//! numba's `np.argsort` (quicksort), whose tie order `n_nearest` inherits (ALGORITHMS §7.9).

/// `a < b`, NaN sorting last.
fn lt(a: f64, b: f64) -> bool {
    a < b || (b.is_nan() && !a.is_nan())
}

/// The permutation numba's `np.argsort(keys)` returns: an introsort-free quicksort with
/// median-of-three pivots, an explicit LIFO stack and insertion sort below 16 elements. It is
/// not stable; reproducing it reproduces memelite's order among equal p-values.
#[cfg(test)]
pub(crate) fn numba_argsort(keys: &[f64]) -> Vec<usize> {
    numba_argsort_head(keys, keys.len())
}

/// The first `k` entries of [`numba_argsort`]'s permutation (the rest unspecified): ranges
/// wholly past `k` are left unsorted, which changes nothing before `k` — quicksort never moves
/// an element across a finished partition boundary.
pub(crate) fn numba_argsort_head(keys: &[f64], k: usize) -> Vec<usize> {
    let n = keys.len();
    let mut r: Vec<usize> = (0..n).collect();
    if n < 2 {
        return r;
    }
    // Signed indices, as in numba: `hi` may step below `lo` (to −1).
    let key = |r: &[usize], i: isize| keys[r[i as usize]];
    let swap = |r: &mut [usize], a: isize, b: isize| r.swap(a as usize, b as usize);
    let mut stack: Vec<(isize, isize)> = vec![(0, n as isize - 1)];
    let k = k as isize;
    while let Some((mut lo, mut hi)) = stack.pop() {
        if lo >= k {
            continue;
        }
        while hi - lo >= 15 && lo < k {
            let mid = (lo + hi) >> 1;
            if lt(key(&r, mid), key(&r, lo)) {
                swap(&mut r, lo, mid);
            }
            if lt(key(&r, hi), key(&r, mid)) {
                swap(&mut r, hi, mid);
            }
            if lt(key(&r, mid), key(&r, lo)) {
                swap(&mut r, lo, mid);
            }
            let pivot = key(&r, mid);
            swap(&mut r, hi, mid);
            let (mut i, mut j) = (lo, hi - 1);
            loop {
                while i < hi && lt(key(&r, i), pivot) {
                    i += 1;
                }
                while j >= lo && lt(pivot, key(&r, j)) {
                    j -= 1;
                }
                if i >= j {
                    break;
                }
                swap(&mut r, i, j);
                i += 1;
                j -= 1;
            }
            swap(&mut r, i, hi);
            if hi - i > i - lo {
                if hi > i {
                    stack.push((i + 1, hi));
                }
                hi = i - 1;
            } else {
                if i > lo {
                    stack.push((lo, i - 1));
                }
                lo = i + 1;
            }
        }
        if lo >= k {
            continue;
        }
        let mut t = lo + 1;
        while t <= hi {
            let k = r[t as usize];
            let mut s = t;
            while s > lo && lt(keys[k], key(&r, s - 1)) {
                r[s as usize] = r[s as usize - 1];
                s -= 1;
            }
            r[s as usize] = k;
            t += 1;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_keeps_numbas_tie_order() {
        // Reference: numba.njit(lambda a: np.argsort(a)) on numba 0.68.1.
        let keys = [
            0.5, 0.25, 1.0, 0.25, 1.0, 1.0, 0.5, 0.125, 1.0, 0.25, 1.0, 0.5, 1.0, 1.0, 0.25, 1.0,
            0.5, 0.125, 1.0, 1.0,
        ];
        let r = numba_argsort(&keys);
        assert!(r.windows(2).all(|w| keys[w[0]] <= keys[w[1]]));
        assert_eq!(
            r,
            [
                17, 7, 9, 1, 3, 14, 16, 11, 0, 6, 19, 10, 12, 13, 5, 15, 4, 2, 18, 8
            ]
        );
    }

    #[test]
    fn large_inputs_with_ties_and_nans() {
        // Keys: numpy.random.RandomState(5).choice([1.0, 0.5, 0.25, nan], size=n); reference
        // permutations from numba 0.68.1 (first 12 and last 5 entries).
        let mut rng = crate::rng::Mt19937::new(5);
        let values = [1.0, 0.5, 0.25, f64::NAN];
        let mut draw =
            |n: usize| -> Vec<f64> { (0..n).map(|_| values[rng.bounded(4) as usize]).collect() };
        let keys = draw(300);
        let r = numba_argsort(&keys);
        assert_eq!(
            r[..12],
            [113, 112, 110, 102, 241, 97, 93, 90, 89, 247, 248, 117]
        );
        assert_eq!(numba_argsort_head(&keys, 12)[..12], r[..12]);
        assert_eq!(numba_argsort_head(&keys, 1)[0], 113);
        assert_eq!(r[295..], [91, 94, 220, 243, 78]);
        let keys = draw(1000);
        let r = numba_argsort(&keys);
        assert_eq!(
            r[..12],
            [188, 628, 390, 949, 184, 878, 389, 388, 180, 312, 726, 485]
        );
        assert_eq!(r[995..], [505, 499, 496, 490, 489]);
        let r = numba_argsort(&[1.0; 430]);
        assert_eq!(
            r[..16],
            [
                293, 292, 291, 290, 289, 288, 287, 286, 285, 284, 283, 294, 282, 280, 279, 278
            ]
        );
    }
}
