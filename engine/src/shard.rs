//! Sharding: `--shard k/N` splits the loci into `N` contiguous blocks and processes block `k`
//! (0-based), so that `N` jobs together do the work of one and their outputs, concatenated in
//! shard order (`motiflift merge`), are byte-identical to a single run.
//!
//! Block `k` of `n` loci is `[k·n/N, (k+1)·n/N)` (integer division): sizes differ by at most one,
//! every locus is in exactly one block, and the blocks are in locus order. Everything that
//! depends on a locus (shuffle seeds, `example_idx`) uses its global index.
//!
//! ```
//! use motiflift::shard::Shard;
//! let s: Shard = "1/3".parse()?;
//! assert_eq!(s.range(10), 3..6);
//! assert_eq!(Shard::WHOLE.range(10), 0..10);
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::Error;

/// Block `index` of `count` contiguous blocks of the loci.
///
/// ```
/// let s = motiflift::shard::Shard::new(2, 4)?;
/// assert_eq!((s.index(), s.count(), s.to_string()), (2, 4, "2/4".to_string()));
/// assert!(motiflift::shard::Shard::new(4, 4).is_err());
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// All loci in one block (no sharding).
    ///
    /// ```
    /// assert!(motiflift::shard::Shard::WHOLE.is_whole());
    /// ```
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Block `index` (0-based) of `count`; `index < count` and `count >= 1`.
    ///
    /// ```
    /// assert!(motiflift::shard::Shard::new(0, 0).is_err());
    /// ```
    pub fn new(index: usize, count: usize) -> Result<Self, Error> {
        if count == 0 || index >= count {
            return Err(Error::Invalid(format!(
                "--shard {index}/{count}: expected k/N with N >= 1 and 0 <= k < N (k is 0-based)"
            )));
        }
        Ok(Self { index, count })
    }

    /// The 0-based block number `k`.
    ///
    /// ```
    /// assert_eq!("3/5".parse::<motiflift::shard::Shard>()?.index(), 3);
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// The number of blocks `N`.
    ///
    /// ```
    /// assert_eq!("3/5".parse::<motiflift::shard::Shard>()?.count(), 5);
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether this is the whole set (`0/1`).
    ///
    /// ```
    /// assert!(!"0/2".parse::<motiflift::shard::Shard>()?.is_whole());
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// The global locus indices of this block among `n` loci.
    ///
    /// ```
    /// use motiflift::shard::Shard;
    /// let blocks: Vec<_> = (0..3).map(|k| Shard::new(k, 3).unwrap().range(7)).collect();
    /// assert_eq!(blocks, [0..2, 2..4, 4..7]);
    /// ```
    pub fn range(&self, n: usize) -> Range<usize> {
        let at = |k: usize| ((k as u128 * n as u128) / self.count as u128) as usize;
        at(self.index)..at(self.index + 1)
    }
}

impl Default for Shard {
    fn default() -> Self {
        Self::WHOLE
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::Invalid(format!("--shard `{s}`: expected k/N, e.g. 0/4 (k is 0-based)"));
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Self::new(k, n)
    }
}

/// Loci processed per chunk by the streaming subcommands (memory is bounded by this many loci,
/// not by the number of loci in the file).
pub const CHUNK_LOCI: usize = 1024;

/// Consecutive chunks of at most `chunk` indices covering `range`.
///
/// ```
/// let c: Vec<_> = motiflift::shard::chunks(3..10, 4).collect();
/// assert_eq!(c, [3..7, 7..10]);
/// ```
pub fn chunks(range: Range<usize>, chunk: usize) -> impl Iterator<Item = Range<usize>> {
    let chunk = chunk.max(1);
    let end = range.end;
    range.step_by(chunk).map(move |s| s..(s + chunk).min(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_locus_once_in_order() {
        for n in [0usize, 1, 5, 64, 1001] {
            for count in 1..9 {
                let mut next = 0;
                for k in 0..count {
                    let r = Shard::new(k, count).unwrap().range(n);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn parse_errors_say_what_is_expected() {
        for bad in ["3", "a/2", "2/2", "0/0", "-1/2"] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains("k/N"), "{bad}: {e}");
        }
    }
}
