//! The seed's wrappers: zero control tracks, the count head, an input crop and an output-column
//! selection.

use std::str::FromStr;

use burn::tensor::backend::Backend;

use crate::error::{Error, Result};
use crate::graph::{GraphBuilder, ValueId};
use crate::ops::{IntsArg, Op};

/// Wrappers around a model, as on the command line (`--wrap control,count` or
/// `--wrap crop=57,output=0:1`).
///
/// * `control`: bpnet-lite `ControlWrapper` — the control tracks are all zero. Needed for a BPNet
///   with control tracks (the graph takes only the sequence); implemented exactly by dropping the
///   control channels' weights (their contribution is `0·w` in the profile head and
///   `w·log(0 + 1) = 0` in the count head).
/// * `count`: bpnet-lite `CountWrapper` — the output is the count head `(batch, 1)`.
/// * `crop=A`: the model sees `X[:, :, A:-A]` (as the seed's Beluga wrapper).
/// * `output=I` / `output=I:J`: keep output column `I` / columns `I..J` (repeatable).
///
/// ```
/// use motiflift_models::zoo::Wrappers;
/// let w: Wrappers = "crop=57,output=0:1".parse().unwrap();
/// assert_eq!(w.crop, Some(57));
/// assert_eq!(w.output, Some(vec![0]));
/// assert!(!w.control && !w.count);
/// assert!("bogus".parse::<Wrappers>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wrappers {
    /// Zero control tracks.
    pub control: bool,
    /// Select the count head.
    pub count: bool,
    /// Crop this many positions from both ends of the input.
    pub crop: Option<usize>,
    /// Keep only these output columns, in this order.
    pub output: Option<Vec<usize>>,
}

impl FromStr for Wrappers {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |item: &str, why: &str| Error::Spec {
            reason: format!(
                "wrapper `{item}` {why} (expected a comma-separated list of control, count, crop=N, output=I or output=I:J)"
            ),
        };
        let mut w = Wrappers::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (item, None),
            };
            match (key, value) {
                ("control", None) => w.control = true,
                ("count", None) => w.count = true,
                ("crop", Some(v)) => {
                    w.crop = Some(
                        v.parse()
                            .map_err(|_| bad(item, "needs a non-negative integer"))?,
                    )
                }
                ("output", Some(v)) => {
                    let cols = w.output.get_or_insert_with(Vec::new);
                    match v.split_once(':') {
                        Some((a, b)) => {
                            let a: usize = a
                                .trim()
                                .parse()
                                .map_err(|_| bad(item, "has a bad range start"))?;
                            let b: usize = b
                                .trim()
                                .parse()
                                .map_err(|_| bad(item, "has a bad range end"))?;
                            if b <= a {
                                return Err(bad(item, "is an empty range"));
                            }
                            cols.extend(a..b);
                        }
                        None => {
                            cols.push(v.parse().map_err(|_| bad(item, "needs a column index"))?)
                        }
                    }
                }
                _ => return Err(bad(item, "is unknown")),
            }
        }
        Ok(w)
    }
}

/// Crops `crop` positions from both ends of the model input (axis 2).
pub(crate) fn crop_input<B: Backend>(g: &mut GraphBuilder<B>, crop: usize) -> ValueId {
    let x = g.input();
    if crop == 0 {
        return x;
    }
    let op = Op::Slice {
        starts: IntsArg::Static(vec![crop as i64]),
        ends: IntsArg::Static(vec![-(crop as i64)]),
        axes: Some(IntsArg::Static(vec![2])),
        steps: None,
    };
    g.push("wrapper.crop", op, &[x])
}

/// Keeps output columns `columns` of `y` (axis 1); `n_outputs` checks them when known.
pub(crate) fn select_columns<B: Backend>(
    g: &mut GraphBuilder<B>,
    y: ValueId,
    columns: &[usize],
    n_outputs: Option<usize>,
) -> Result<ValueId> {
    if columns.is_empty() {
        return Err(Error::Spec {
            reason: "the output selection is empty".into(),
        });
    }
    if let Some(n) = n_outputs
        && let Some(&c) = columns.iter().find(|&&c| c >= n)
    {
        return Err(Error::Output {
            reason: format!("output column {c} is out of range: the model has {n} outputs"),
        });
    }
    let indices = IntsArg::Static(columns.iter().map(|&c| c as i64).collect());
    Ok(g.push(
        "wrapper.output",
        Op::Gather {
            axis: 1,
            indices,
            scalar: false,
        },
        &[y],
    ))
}
