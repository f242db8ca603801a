//! The targets that can rank among a query's `n_nearest` (ALGORITHMS §7.9), so that the fast
//! null computes a few p-values per query instead of one per target.
//!
//! Against targets of one length the p-value is a survival function of the best total, so it
//! does not increase with the total: among the targets of a length only those holding one of the
//! `k + 2` largest totals can be among the `k + 1` smallest p-values, unless ties (equal
//! p-values of different totals) put others level with them. The caller computes the shortlist's
//! p-values and accepts its ranking only when the `k + 1` best are clearly apart from each other
//! and below every *floor* — the smallest shortlisted total of a length that left targets out,
//! whose p-value bounds theirs from below.

/// The shortlisted targets of one query and the floors that bound the others.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Shortlist {
    /// Targets holding one of the `keep` largest distinct totals of their length, ascending.
    pub targets: Vec<usize>,
    /// For each length with targets left out: a shortlisted target holding the smallest
    /// shortlisted total of that length.
    pub floors: Vec<usize>,
}

/// The shortlist of targets with lengths `lens` and best totals `totals`, keeping the `keep`
/// largest distinct totals of every length; `None` when it would hold every target.
pub(crate) fn shortlist(lens: &[usize], totals: &[i64], keep: usize) -> Option<Shortlist> {
    let t_max = lens.iter().copied().max()?;
    if keep == 0 {
        return None;
    }
    // The `keep` largest distinct totals of each length, descending, `i64::MIN` for none.
    let mut top = vec![i64::MIN; (t_max + 1) * keep];
    for (&t, &m) in lens.iter().zip(totals) {
        let list = &mut top[t * keep..(t + 1) * keep];
        if m <= list[keep - 1] {
            continue;
        }
        let at = list.iter().position(|&v| v <= m).unwrap_or(keep - 1);
        if list[at] != m {
            list.copy_within(at..keep - 1, at + 1);
            list[at] = m;
        }
    }
    let threshold = |t: usize| top[t * keep + keep - 1];
    // Lengths with targets left out, until their floor is found.
    let mut cut = vec![false; t_max + 1];
    let mut targets = Vec::new();
    for (i, (&t, &m)) in lens.iter().zip(totals).enumerate() {
        if m >= threshold(t) {
            targets.push(i);
        } else {
            cut[t] = true;
        }
    }
    if targets.len() == lens.len() {
        return None;
    }
    let mut floors = Vec::new();
    for &i in &targets {
        let t = lens[i];
        if cut[t] && totals[i] == threshold(t) {
            floors.push(i);
            cut[t] = false;
        }
    }
    Some(Shortlist { targets, floors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_largest_distinct_totals_of_each_length() {
        // Length 5: totals 9, 7, 7, 3, 1; length 6: 4, 4 (all kept); length 7: 2.
        let lens = [5, 6, 5, 5, 7, 5, 6, 5];
        let totals = [7, 4, 9, 3, 2, 1, 4, 7];
        let list = shortlist(&lens, &totals, 2).unwrap();
        assert_eq!(list.targets, [0, 1, 2, 4, 6, 7]);
        // Length 5 left out totals 3 and 1 below its floor 7 (target 0 holds it first).
        assert_eq!(list.floors, [0]);
        let list = shortlist(&lens, &totals, 3).unwrap();
        assert_eq!(list.targets, [0, 1, 2, 3, 4, 6, 7]);
        assert_eq!(list.floors, [3]);
        assert_eq!(shortlist(&lens, &totals, 4), None);
        assert_eq!(shortlist(&[], &[], 2), None);
    }
}
