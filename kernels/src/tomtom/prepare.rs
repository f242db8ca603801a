//! Target preparation, once per call (ALGORITHMS §7.2): reverse complements, column norms,
//! the lossy column hashing and the weights of the unique target columns.

use super::Motif;

/// The targets as every query sees them.
#[derive(Debug)]
pub(crate) struct Targets {
    /// Number of targets as given (the reverse complements follow them in `lens`).
    pub n_in: usize,
    /// Length of every target: the given ones, then their reverse complements.
    pub lens: Vec<usize>,
    /// Unique column of every concatenated target column.
    pub map: Vec<u32>,
    /// Unique columns, one vector per alphabet row (structure of arrays for the distance loop).
    pub rows: [Vec<f64>; 4],
    /// Squared norm of each unique column (its representative's).
    pub norms: Vec<f64>,
    /// How many concatenated columns each unique column stands for (a target set holds far
    /// fewer than 2^32 columns: each takes 32 bytes).
    pub counts: Vec<u32>,
    /// `counts[u] / total`.
    pub weights: Vec<f64>,
    /// `total / 2`, the median's stopping count.
    pub half: f64,
    /// The longest target.
    pub t_max: usize,
    /// `needed[t]`: some target has length `t`.
    pub needed: Vec<bool>,
}

impl Targets {
    /// Prepares `targets` (each of width ≥ 1, finite; checked by the caller).
    pub fn new(
        targets: &[Motif<f64>],
        n_target_bins: Option<usize>,
        reverse_complement: bool,
    ) -> Self {
        let n_in = targets.len();
        let mut lens: Vec<usize> = targets.iter().map(Motif::width).collect();
        let mut cols: Vec<[f64; 4]> = targets
            .iter()
            .flat_map(|t| (0..t.width()).map(|c| t.column(c)))
            .collect();
        if reverse_complement {
            lens.extend_from_within(..);
            for t in targets {
                let rc = t.reverse_complement();
                cols.extend((0..rc.width()).map(|c| rc.column(c)));
            }
        }
        let norms_all: Vec<f64> = cols
            .iter()
            .map(|&c| <f64 as super::MotifValue>::column_norm(c))
            .collect();
        let (map, reps, counts) = match n_target_bins {
            Some(h) => hash_columns(&cols, h),
            None => (
                (0..cols.len() as u32).collect(),
                (0..cols.len()).collect(),
                vec![1; cols.len()],
            ),
        };
        let rows = std::array::from_fn(|k| reps.iter().map(|&r| cols[r][k]).collect());
        let norms = reps.iter().map(|&r| norms_all[r]).collect();
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        let weights = counts.iter().map(|&c| c as f64 / total as f64).collect();
        let t_max = lens.iter().copied().max().unwrap_or(0);
        let mut needed = vec![false; t_max + 1];
        for &t in &lens {
            needed[t] = true;
        }
        Self {
            n_in,
            lens,
            map,
            rows,
            norms,
            counts,
            weights,
            half: total as f64 / 2.0,
            t_max,
            needed,
        }
    }

    /// Number of unique columns.
    pub fn n_unique(&self) -> usize {
        self.norms.len()
    }
}

/// memelite's lossy hashing with `h` bins per alphabet row: `(map, representatives, counts)`,
/// unique columns in ascending key order, each represented by its first column.
fn hash_columns(cols: &[[f64; 4]], h: usize) -> (Vec<u32>, Vec<usize>, Vec<u32>) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    for c in cols {
        for k in 0..4 {
            lo[k] = lo[k].min(c[k]);
            hi[k] = hi[k].max(c[k]);
        }
    }
    for k in 0..4 {
        if hi[k] == lo[k] {
            hi[k] = lo[k] + 1.0;
        }
    }
    let scale = (h as f64) - 1.0;
    let pow: [f64; 4] = std::array::from_fn(|k| (h as f64).powi(k as i32));
    // Exact integers (below 2^53 while h^4 is), so the summation order does not matter.
    let keys: Vec<f64> = cols
        .iter()
        .map(|c| {
            (0..4)
                .map(|k| ((c[k] - lo[k]) / (hi[k] - lo[k]) * scale).round_ties_even() * pow[k])
                .sum()
        })
        .collect();
    let mut order: Vec<usize> = (0..cols.len()).collect();
    // Stable: equal keys keep column order, so the first one is numpy.unique's representative.
    order.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
    let mut map = vec![0u32; cols.len()];
    let mut reps = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    for (i, &c) in order.iter().enumerate() {
        if i == 0 || keys[c] != keys[order[i - 1]] {
            reps.push(c);
            counts.push(0);
        }
        map[c] = (reps.len() - 1) as u32;
        *counts.last_mut().expect("a unique column was pushed above") += 1;
    }
    (map, reps, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_merges_close_columns_and_keeps_the_first() {
        // Rows 1-3 are constant, so only row 0 matters: 0.0 and 0.004 share bin 0 of 100.
        let cols = [
            [0.5, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.004, 0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
        ];
        let (map, reps, counts) = hash_columns(&cols, 100);
        assert_eq!(reps, [1, 0, 3]);
        assert_eq!(counts, [2, 1, 1]);
        assert_eq!(map, [1, 0, 0, 2]);
    }

    #[test]
    fn reverse_complements_follow_the_targets() {
        let t = Motif::from_columns(&[
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 0.5, 0.5],
        ]);
        let prep = Targets::new(&[t], None, true);
        assert_eq!(prep.lens, [3, 3]);
        // The reverse complement's first column is the reversed last column.
        assert_eq!(
            [
                prep.rows[0][3],
                prep.rows[1][3],
                prep.rows[2][3],
                prep.rows[3][3]
            ],
            [0.5, 0.5, 0.0, 0.0]
        );
        assert_eq!(prep.weights, vec![1.0 / 6.0; 6]);
        assert_eq!(prep.needed, [false, false, false, true]);
    }
}
