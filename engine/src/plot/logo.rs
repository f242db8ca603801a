//! Attribution logos (tangermeme's `plot_logo`): one or more stacked tracks of letters scaled by
//! their attribution over a window, with seqlet/motif annotations drawn as labelled bars.

use std::ops::Range;
use std::path::Path;

use ndarray::ArrayView2;

use super::axis::{self, Scale};
use super::font;
use super::output::{FigureFiles, write_figure};
use super::svg::{Anchor, Rgb, Svg, TextStyle};
use crate::{Error, Result};

/// The letters of the four rows, and tangermeme's colours for them: A green (0, .5, 0), C blue,
/// G orange (1, .65, 0), T red.
const LETTERS: [(char, Rgb); 4] = [
    ('A', Rgb(0, 128, 0)),
    ('C', Rgb(0, 0, 255)),
    ('G', Rgb(255, 165, 0)),
    ('T', Rgb(255, 0, 0)),
];

/// Glyphs smaller than this fraction of the window's largest |value| are not drawn
/// (tangermeme's `min_height_pct`).
const MIN_HEIGHT_PCT: f64 = 0.02;

/// Width of a glyph, in positions.
const GLYPH_WIDTH: f64 = 0.95;

/// Annotation rows drawn with bars before labels turn small and grey (tangermeme's `n_tracks`).
const N_ROWS: usize = 4;

/// Matplotlib's `Set1` colours for annotation rows (used when there is more than one row).
const SET1: [Rgb; 9] = [
    Rgb(228, 26, 28),
    Rgb(55, 126, 184),
    Rgb(77, 175, 74),
    Rgb(152, 78, 163),
    Rgb(255, 127, 0),
    Rgb(255, 255, 51),
    Rgb(166, 86, 40),
    Rgb(247, 129, 191),
    Rgb(153, 153, 153),
];

const MARGIN: f64 = 18.0;
const TITLE: f64 = 15.0;
const TICK: f64 = 11.0;
const LABEL: f64 = 11.0;
const EXTRA: f64 = 9.0;
const PANEL_HEIGHT: f64 = 140.0;
const TICK_LEN: f64 = 4.0;
const LINE: f64 = 1.2;
/// Space above the labels of an annotation row, holding its bar.
const BAR_SPACE: f64 = 8.0;

/// A seqlet or motif hit to mark under a logo: positions `[start, end)` of the example, a label
/// (e.g. the motif name) and an optional score (e.g. a Tomtom p-value) shown after it.
///
/// ```
/// use motiflift::plot::Annotation;
/// let a = Annotation { start: 40, end: 52, label: "CTCF".into(), score: Some(1.2e-6) };
/// assert_eq!(a.text(), "CTCF (1.2e-06)");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// First position covered (0-based, in the example's coordinates).
    pub start: usize,
    /// One past the last position covered.
    pub end: usize,
    /// The text drawn under the bar.
    pub label: String,
    /// A score appended as ` (score)` with three significant digits, as tangermeme does.
    pub score: Option<f64>,
}

impl Annotation {
    /// The label text: `label`, then ` (score)` if there is a score.
    ///
    /// ```
    /// use motiflift::plot::Annotation;
    /// let a = Annotation { start: 0, end: 5, label: "SP1".into(), score: None };
    /// assert_eq!(a.text(), "SP1");
    /// ```
    pub fn text(&self) -> String {
        match self.score {
            Some(s) => format!("{} ({})", self.label, axis::three_significant(s)),
            None => self.label.clone(),
        }
    }
}

/// One logo track: a `(4, L)` matrix of attributions (rows A, C, G, T; projected or
/// hypothetical), a title, and the annotations to mark under it.
///
/// ```
/// use motiflift::plot::LogoTrack;
/// let x = ndarray::Array2::<f32>::zeros((4, 100));
/// let track = LogoTrack { title: "model 1".into(), values: x.view(), annotations: vec![] };
/// assert_eq!(track.values.ncols(), 100);
/// ```
#[derive(Clone, Debug)]
pub struct LogoTrack<'a> {
    /// Drawn above the track.
    pub title: String,
    /// Attributions, shape `(4, L)`.
    pub values: ArrayView2<'a, f32>,
    /// Seqlets or motif hits; those strictly inside the window are drawn (tangermeme keeps rows
    /// with `start > window.start` and `end < window.end`).
    pub annotations: Vec<Annotation>,
}

/// Draws the logos of `tracks` over the positions `window` (the same window for every track,
/// stacked top to bottom, each with its own y scale) and writes them as SVG and PNG (see
/// [`FigureFiles::for_path`] for the file names).
///
/// At each position the letters with positive values are stacked upwards from zero in ascending
/// order, those with negative values downwards and upside down; letters are 0.95 positions wide;
/// letters under 2 % of the window's largest |value| are left out. Annotations are drawn under
/// the x axis as bars with their label, first-fit into up to four rows so that nothing overlaps;
/// those that do not fit are listed below in small grey type without a bar.
///
/// Errors: [`Error::Invalid`] for no tracks, an empty window or one past a track's end, a
/// matrix without 4 rows, a non-finite value or an annotation with `start > end`; [`Error::Io`]
/// / [`Error::File`] naming the file that could not be written.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-logo-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::plot::{Annotation, LogoTrack, plot_logo};
/// let mut x = ndarray::Array2::<f32>::zeros((4, 60));
/// for (i, base) in [0, 1, 2, 3, 0, 1].into_iter().enumerate() {
///     x[[base, 20 + i]] = 0.5 + 0.1 * i as f32;
/// }
/// let hit = Annotation { start: 19, end: 27, label: "motif".into(), score: Some(0.001) };
/// let track = LogoTrack { title: "example 0".into(), values: x.view(), annotations: vec![hit] };
/// let files = plot_logo(&[track], 10..40, dir.join("logo"))?;
/// assert!(files.svg.exists() && files.png.exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn plot_logo(
    tracks: &[LogoTrack<'_>],
    window: Range<usize>,
    path: impl AsRef<Path>,
) -> Result<FigureFiles> {
    let svg = draw(tracks, &window)?;
    write_figure(&svg, path.as_ref())
}

/// A track checked against the window, with its y range and laid-out annotations.
struct Prepared<'a, 'v> {
    track: &'a LogoTrack<'v>,
    lo: f64,
    hi: f64,
    yticks: (Vec<f64>, usize),
    rows: Vec<Placed>,
    extra: Vec<Placed>,
}

/// An annotation placed in a row: its bar (px, `None` for extras) and label position and lines.
struct Placed {
    row: usize,
    bar: Option<(f64, f64)>,
    x: f64,
    lines: Vec<String>,
}

fn check(tracks: &[LogoTrack<'_>], window: &Range<usize>) -> Result<()> {
    if tracks.is_empty() {
        return Err(Error::Invalid("plot_logo: no tracks to draw".into()));
    }
    if window.start >= window.end {
        return Err(Error::Invalid(format!(
            "plot_logo: empty window {}..{} (expected start < end)",
            window.start, window.end
        )));
    }
    for (i, t) in tracks.iter().enumerate() {
        let (rows, len) = t.values.dim();
        if rows != LETTERS.len() {
            return Err(Error::Invalid(format!(
                "plot_logo: track {i} ({:?}) has shape ({rows}, {len}); expected (4, length) with rows A, C, G, T",
                t.title
            )));
        }
        if window.end > len {
            return Err(Error::Invalid(format!(
                "plot_logo: window {}..{} is out of range for track {i} ({:?}) of length {len}",
                window.start, window.end, t.title
            )));
        }
        let cols = t.values.slice(ndarray::s![.., window.clone()]);
        if let Some(((r, c), v)) = cols.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::Invalid(format!(
                "plot_logo: track {i} ({:?}) has value {v} at row {r}, position {}; expected finite values",
                t.title,
                window.start + c
            )));
        }
        if let Some((j, a)) = t
            .annotations
            .iter()
            .enumerate()
            .find(|(_, a)| a.start > a.end)
        {
            return Err(Error::Invalid(format!(
                "plot_logo: track {i} ({:?}) annotation {j} ({:?}) has start {} > end {}",
                t.title, a.label, a.start, a.end
            )));
        }
    }
    Ok(())
}

/// The extreme column sums of the negative and of the positive values (0 included), the y range.
fn y_range(values: ArrayView2<'_, f32>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for col in values.columns() {
        let pos: f64 = col.iter().map(|&v| f64::from(v).max(0.0)).sum();
        let neg: f64 = col.iter().map(|&v| f64::from(v).min(0.0)).sum();
        hi = hi.max(pos);
        lo = lo.min(neg);
    }
    if hi == lo { (0.0, 1.0) } else { (lo, hi) }
}

/// First-fit placement of `items` (`(x0, x1)` extents, in order) into rows; `limit` caps the rows.
/// Returns each item's row, or `None` if it fits in none of the `limit` rows.
fn first_fit(items: &[(f64, f64)], limit: usize) -> Vec<Option<usize>> {
    let mut rows: Vec<Vec<(f64, f64)>> = Vec::new();
    items
        .iter()
        .map(|&(x0, x1)| {
            let free = |row: &Vec<(f64, f64)>| row.iter().all(|&(a, b)| x1 <= a || x0 >= b);
            let r = match rows.iter().position(free) {
                Some(r) => r,
                None if rows.len() < limit => {
                    rows.push(Vec::new());
                    rows.len() - 1
                }
                None => return None,
            };
            rows[r].push((x0, x1));
            Some(r)
        })
        .collect()
}

/// Lays out the annotations of a track strictly inside `window`, sorted by start: bars with
/// labels in up to [`N_ROWS`] rows, the rest as extras. `x` maps window-relative positions to px;
/// labels stay within `[x_min, x_max]`.
fn place(
    annotations: &[Annotation],
    window: &Range<usize>,
    x: &Scale,
    (x_min, x_max): (f64, f64),
) -> (Vec<Placed>, Vec<Placed>) {
    let mut inside: Vec<&Annotation> = annotations
        .iter()
        .filter(|a| a.start > window.start && a.end < window.end)
        .collect();
    inside.sort_by_key(|a| a.start);
    const GAP: f64 = 8.0;
    let label = |a: &Annotation, size: f64, bar: (f64, f64)| {
        // Like tangermeme, a space in the label text starts a new line.
        let lines: Vec<String> = a.text().split(' ').map(str::to_owned).collect();
        let width = lines
            .iter()
            .map(|l| font::text_width(l, size))
            .fold(0.0, f64::max);
        let lx = bar.0.min(x_max - width).max(x_min);
        (lines, lx, (bar.0.min(lx), (bar.1.max(lx + width)) + GAP))
    };
    let bars: Vec<(f64, f64)> = inside
        .iter()
        .map(|a| {
            let s = (a.start - window.start) as f64;
            let e = (a.end - window.start) as f64;
            (
                x.px(s - GLYPH_WIDTH / 2.0),
                x.px((e - 1.0).max(s) + GLYPH_WIDTH / 2.0),
            )
        })
        .collect();
    let labelled: Vec<_> = inside
        .iter()
        .zip(&bars)
        .map(|(a, &b)| label(a, LABEL, b))
        .collect();
    let rows = first_fit(&labelled.iter().map(|l| l.2).collect::<Vec<_>>(), N_ROWS);
    let (mut placed, mut rest) = (Vec::new(), Vec::new());
    for (i, ((lines, lx, _), row)) in labelled.into_iter().zip(rows).enumerate() {
        match row {
            Some(row) => placed.push(Placed {
                row,
                bar: Some(bars[i]),
                x: lx,
                lines,
            }),
            None => rest.push(i),
        }
    }
    let extras: Vec<_> = rest
        .iter()
        .map(|&i| label(inside[i], EXTRA, bars[i]))
        .collect();
    let extra_rows = first_fit(&extras.iter().map(|l| l.2).collect::<Vec<_>>(), usize::MAX);
    let extra = extras
        .into_iter()
        .zip(extra_rows)
        .map(|((lines, lx, _), row)| Placed {
            row: row.unwrap_or(0),
            bar: None,
            x: lx,
            lines,
        })
        .collect();
    (placed, extra)
}

/// Height in px of the rows of `placed` (bar + label lines), row by row.
fn row_heights(placed: &[Placed], size: f64, bar_space: f64) -> Vec<f64> {
    let n = placed.iter().map(|p| p.row + 1).max().unwrap_or(0);
    let mut heights = vec![0.0; n];
    for p in placed {
        let h = bar_space + p.lines.len() as f64 * size * LINE + 6.0;
        heights[p.row] = f64::max(heights[p.row], h);
    }
    heights
}

/// Builds the figure.
fn draw(tracks: &[LogoTrack<'_>], window: &Range<usize>) -> Result<Svg> {
    check(tracks, window)?;
    let len = window.end - window.start;
    // About 1100 px wide: up to 22 px per position for short windows, at least 1 px per position
    // up to 8000 positions, then 8000 px in all.
    let per_pos = (1100.0 / len as f64)
        .min(22.0)
        .max((8000.0 / len as f64).min(1.0));
    let plot_width = per_pos * len as f64;

    let tick = TextStyle::new(TICK).colour(Rgb::AXIS);
    let prepared_y: Vec<_> = tracks
        .iter()
        .map(|t| {
            let (lo, hi) = y_range(t.values.slice(ndarray::s![.., window.clone()]));
            (lo, hi, axis::ticks(lo, hi, 4))
        })
        .collect();
    let ytick_width = prepared_y
        .iter()
        .flat_map(|(_, _, (v, d))| v.iter().map(|&t| tick.width(&axis::label(t, *d))))
        .fold(0.0, f64::max);
    let left = MARGIN + ytick_width + TICK_LEN + 6.0;
    let title_width = tracks
        .iter()
        .map(|t| font::text_width(&t.title, TITLE))
        .fold(0.0, f64::max);
    let width = (left + plot_width.max(title_width) + MARGIN).ceil();
    let x = Scale {
        lo: -0.5,
        hi: len as f64 - 0.5,
        p0: left,
        p1: left + plot_width,
    };

    let prepared: Vec<Prepared> = tracks
        .iter()
        .zip(prepared_y)
        .map(|(track, (lo, hi, yticks))| {
            let (rows, extra) = place(&track.annotations, window, &x, (MARGIN, width - MARGIN));
            Prepared {
                track,
                lo,
                hi,
                yticks,
                rows,
                extra,
            }
        })
        .collect();

    // Heights: title, panel, x tick labels, annotation rows, extras; tracks 16 px apart.
    const TRACK_GAP: f64 = 16.0;
    let track_height = |p: &Prepared<'_, '_>| {
        let ann: f64 = row_heights(&p.rows, LABEL, BAR_SPACE).iter().sum::<f64>()
            + row_heights(&p.extra, EXTRA, 0.0).iter().sum::<f64>();
        TITLE + 10.0 + PANEL_HEIGHT + TICK_LEN + TICK * LINE + 6.0 + ann
    };
    let tracks_height =
        prepared.iter().map(track_height).sum::<f64>() + TRACK_GAP * (prepared.len() - 1) as f64;
    let x_title = TICK * 1.1;
    let height = (MARGIN + tracks_height + 8.0 + x_title + MARGIN).ceil();
    let mut svg = Svg::new(width, height);
    let glyphs: Vec<Option<String>> = LETTERS
        .iter()
        .map(|&(c, _)| font::unit_glyph(c).map(|d| svg.define_glyph(&format!("letter-{c}"), &d)))
        .collect();

    let mut top = MARGIN;
    for p in &prepared {
        draw_track(&mut svg, p, window, &x, &glyphs, top);
        top += track_height(p) + TRACK_GAP;
    }
    svg.text(
        (
            left + plot_width / 2.0,
            MARGIN + tracks_height + 8.0 + x_title * 0.8,
        ),
        "position",
        TextStyle::new(x_title)
            .anchor(Anchor::Middle)
            .colour(Rgb::AXIS),
    );
    Ok(svg)
}

/// Draws one track with its top edge at `top`.
fn draw_track(
    svg: &mut Svg,
    p: &Prepared<'_, '_>,
    window: &Range<usize>,
    x: &Scale,
    glyphs: &[Option<String>],
    top: f64,
) {
    let values = p.track.values.slice(ndarray::s![.., window.clone()]);
    let (left, right) = (x.p0, x.p1);
    svg.text((left, top + TITLE), &p.track.title, TextStyle::new(TITLE));
    let panel_top = top + TITLE + 10.0;
    let panel_bottom = panel_top + PANEL_HEIGHT;
    let y = Scale {
        lo: p.lo,
        hi: p.hi,
        p0: panel_bottom,
        p1: panel_top,
    };

    // Y axis: spine, ticks, labels; a light zero line across the panel.
    let tick = TextStyle::new(TICK).colour(Rgb::AXIS).anchor(Anchor::End);
    svg.line(
        (left - 3.0, y.px(p.lo)),
        (left - 3.0, y.px(p.hi)),
        Rgb::AXIS,
        1.0,
    );
    let (values_t, decimals) = &p.yticks;
    for &t in values_t {
        let py = y.px(t);
        svg.line(
            (left - 3.0 - TICK_LEN, py),
            (left - 3.0, py),
            Rgb::AXIS,
            1.0,
        );
        svg.text(
            (left - 5.0 - TICK_LEN, py + TICK * 0.35),
            &axis::label(t, *decimals),
            tick,
        );
    }
    svg.line((left, y.px(0.0)), (right, y.px(0.0)), Rgb::GRID, 1.0);

    // Letters.
    let threshold = MIN_HEIGHT_PCT
        * values
            .iter()
            .map(|v| f64::from(v.abs()))
            .fold(0.0, f64::max);
    for (j, col) in values.columns().into_iter().enumerate() {
        let mut items: Vec<(f64, usize)> = col
            .iter()
            .enumerate()
            .map(|(r, &v)| (f64::from(v), r))
            .filter(|(v, _)| v.abs() >= threshold && *v != 0.0)
            .collect();
        // Ascending |value| away from zero: biggest letters outermost, on both sides.
        items.sort_by(|a, b| a.0.abs().total_cmp(&b.0.abs()));
        let x0 = x.px(j as f64 - GLYPH_WIDTH / 2.0);
        let w = x.px(j as f64 + GLYPH_WIDTH / 2.0) - x0;
        let (mut up, mut down) = (0.0, 0.0);
        for (v, r) in items {
            let Some(id) = &glyphs[r] else { continue };
            let colour = LETTERS[r].1;
            if v > 0.0 {
                let (y0, y1) = (y.px(up + v), y.px(up));
                svg.glyph(id, (x0, y0, w, y1 - y0), colour, false);
                up += v;
            } else {
                let (y0, y1) = (y.px(down), y.px(down + v));
                svg.glyph(id, (x0, y0, w, y1 - y0), colour, true);
                down += v;
            }
        }
    }

    // X axis: ticks at round positions (in the example's coordinates) under the panel.
    let max_ticks = ((right - left) / 70.0).floor().max(1.0) as usize;
    let (xt, _) = axis::ticks(window.start as f64, (window.end - 1) as f64, max_ticks);
    let style = TextStyle::new(TICK)
        .colour(Rgb::AXIS)
        .anchor(Anchor::Middle);
    for t in xt.into_iter().filter(|t| t.fract() == 0.0) {
        let px = x.px(t - window.start as f64);
        svg.line(
            (px, panel_bottom),
            (px, panel_bottom + TICK_LEN),
            Rgb::AXIS,
            1.0,
        );
        svg.text((px, panel_bottom + TICK_LEN + TICK), &format!("{t}"), style);
    }

    // Annotations: bars and labels in rows, then the extras.
    let mut row_top = panel_bottom + TICK_LEN + TICK * LINE + 6.0;
    let heights = row_heights(&p.rows, LABEL, BAR_SPACE);
    let one_row = heights.len() <= 1;
    for (r, h) in heights.iter().enumerate() {
        let colour = if one_row {
            Rgb::BLACK
        } else {
            SET1[r % SET1.len()]
        };
        for a in p.rows.iter().filter(|a| a.row == r) {
            if let Some((b0, b1)) = a.bar {
                svg.line((b0, row_top + 3.0), (b1, row_top + 3.0), colour, 3.0);
            }
            for (k, line) in a.lines.iter().enumerate() {
                let baseline = row_top + BAR_SPACE + LABEL * (0.85 + LINE * k as f64);
                svg.text((a.x, baseline), line, TextStyle::new(LABEL).colour(colour));
            }
        }
        row_top += h;
    }
    let grey = Rgb(178, 178, 178);
    for (r, h) in row_heights(&p.extra, EXTRA, 0.0).iter().enumerate() {
        for a in p.extra.iter().filter(|a| a.row == r) {
            for (k, line) in a.lines.iter().enumerate() {
                let baseline = row_top + EXTRA * (0.85 + LINE * k as f64);
                svg.text((a.x, baseline), line, TextStyle::new(EXTRA).colour(grey));
            }
        }
        row_top += h;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn ann(start: usize, end: usize, label: &str) -> Annotation {
        Annotation {
            start,
            end,
            label: label.into(),
            score: None,
        }
    }

    #[test]
    fn y_range_is_extreme_column_sums() {
        let x = ndarray::array![[1.0f32, -0.5], [0.5, -0.25], [0.0, 2.0], [-1.0, 0.0]];
        assert_eq!(y_range(x.view()), (-1.0, 2.0));
        assert_eq!(y_range(Array2::<f32>::zeros((4, 3)).view()), (0.0, 1.0));
    }

    #[test]
    fn first_fit_fills_rows_in_order_and_caps_them() {
        let items = [
            (0.0, 10.0),
            (5.0, 15.0),
            (10.0, 20.0),
            (6.0, 8.0),
            (7.0, 9.0),
        ];
        assert_eq!(
            first_fit(&items, 3),
            vec![Some(0), Some(1), Some(0), Some(2), None]
        );
        assert_eq!(first_fit(&items, usize::MAX)[4], Some(3));
    }

    #[test]
    fn only_annotations_strictly_inside_the_window_are_placed() {
        let x = Scale {
            lo: -0.5,
            hi: 99.5,
            p0: 0.0,
            p1: 1000.0,
        };
        let anns = [
            ann(10, 20, "edge"),
            ann(11, 20, "in"),
            ann(30, 99, "in2"),
            ann(40, 100, "end"),
        ];
        let (rows, extra) = place(&anns, &(10..100), &x, (0.0, 1000.0));
        let labels: Vec<_> = rows.iter().map(|p| p.lines.join(" ")).collect();
        assert_eq!(labels, ["in", "in2"]);
        assert!(extra.is_empty());
        // Bar of [11, 20) in window 10..100: positions 1..=9 from 1 − 0.475 to 9 + 0.475, at
        // 10 px per position with position 0 centred on 5 px.
        let (b0, b1) = rows[0].bar.unwrap();
        assert!(
            (b0 - 10.25).abs() < 1e-9 && (b1 - 99.75).abs() < 1e-9,
            "{b0} {b1}"
        );
    }

    #[test]
    fn crowded_annotations_go_to_lower_rows_then_to_extras() {
        let x = Scale {
            lo: -0.5,
            hi: 99.5,
            p0: 0.0,
            p1: 1000.0,
        };
        let anns: Vec<_> = (0..6)
            .map(|i| ann(10 + i, 20 + i, &format!("m{i}")))
            .collect();
        let (rows, extra) = place(&anns, &(0..100), &x, (0.0, 1000.0));
        assert_eq!(rows.iter().map(|p| p.row).collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert_eq!(extra.len(), 2);
        assert!(extra.iter().all(|p| p.bar.is_none()));
        // The two extras' labels overlap in x, so they take two rows.
        assert_eq!(extra.iter().map(|p| p.row).collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn labels_stay_inside_the_figure() {
        let x = Scale {
            lo: -0.5,
            hi: 19.5,
            p0: 0.0,
            p1: 200.0,
        };
        let long = "a_very_long_motif_name_indeed";
        let (rows, _) = place(&[ann(15, 19, long)], &(0..20), &x, (10.0, 210.0));
        let w = font::text_width(long, LABEL);
        assert!((rows[0].x + w - 210.0).abs() < 1e-9);
    }

    #[test]
    fn bad_inputs_are_invalid() {
        let x = Array2::<f32>::zeros((4, 10));
        let t = |values| LogoTrack {
            title: "t".into(),
            values,
            annotations: vec![],
        };
        assert!(check(&[], &(0..5)).is_err());
        assert!(
            check(&[t(x.view())], &(5..5))
                .unwrap_err()
                .to_string()
                .contains("empty window")
        );
        assert!(
            check(&[t(x.view())], &(0..11))
                .unwrap_err()
                .to_string()
                .contains("length 10")
        );
        let three = Array2::<f32>::zeros((3, 10));
        assert!(
            check(&[t(three.view())], &(0..5))
                .unwrap_err()
                .to_string()
                .contains("(3, 10)")
        );
        let mut nan = x.clone();
        nan[[2, 4]] = f32::NAN;
        let err = check(&[t(nan.view())], &(0..5)).unwrap_err().to_string();
        assert!(err.contains("position 4"), "{err}");
        assert!(check(&[t(nan.view())], &(5..10)).is_ok());
        let mut bad = t(x.view());
        bad.annotations.push(ann(6, 3, "oops"));
        assert!(
            check(&[bad], &(0..10))
                .unwrap_err()
                .to_string()
                .contains("start 6 > end 3")
        );
    }

    #[test]
    fn letters_stack_in_order_and_small_ones_are_skipped() {
        // Column: A = 1, C = 3, G = −2, T = 0.01 (under 2 % of 3).
        let x = ndarray::array![[1.0f32], [3.0], [-2.0], [0.01]];
        let track = LogoTrack {
            title: "t".into(),
            values: x.view(),
            annotations: vec![],
        };
        let doc = draw(&[track], &(0..1)).unwrap().finish();
        // Each letter as (name, height scale, top y) from `matrix(w 0 0 h x y)`.
        let letters: Vec<(String, f64, f64)> = doc
            .lines()
            .filter_map(|l| l.strip_prefix(r##"<use xlink:href="#letter-"##))
            .map(|l| {
                let m: Vec<f64> = l
                    .split("matrix(")
                    .nth(1)
                    .unwrap()
                    .split(')')
                    .next()
                    .unwrap()
                    .split(' ')
                    .map(|v| v.parse().unwrap())
                    .collect();
                (l[..1].to_owned(), m[3], m[5])
            })
            .collect();
        // Drawn by increasing |value|: A (1), G (−2, flipped: negative scale), C (3).
        let names: Vec<&str> = letters.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(names, ["A", "G", "C"], "{doc}");
        let (a, g, c) = (&letters[0], &letters[1], &letters[2]);
        assert!(a.1 > 0.0 && c.1 > 0.0 && g.1 < 0.0);
        // C sits on top of A: its box ends where A's begins; heights 3 : 1 : 2.
        assert!((c.2 + c.1 - a.2).abs() < 0.02, "{letters:?}");
        assert!(
            (c.1 / a.1 - 3.0).abs() < 0.01 && (g.1 / a.1 + 2.0).abs() < 0.01,
            "{letters:?}"
        );
        // G hangs below A's baseline (the zero line), upside down: its translate is its bottom.
        assert!((g.2 + g.1 - (a.2 + a.1)).abs() < 0.02, "{letters:?}");
    }
}
