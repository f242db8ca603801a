//! Heatmap of how often pairs of the top motifs occur in the same example.

use std::path::Path;

use ndarray::ArrayView2;

use super::axis::{self, Scale};
use super::counts::{check_counts, top_indices};
use super::output::{FigureFiles, write_figure};
use super::svg::{Anchor, Rgb, Svg, TextStyle};
use crate::{Error, Result};

/// Matplotlib's `viridis` at ten evenly spaced points, interpolated linearly in between.
const VIRIDIS: [Rgb; 10] = [
    Rgb(68, 1, 84),
    Rgb(72, 40, 120),
    Rgb(62, 73, 137),
    Rgb(49, 104, 142),
    Rgb(38, 130, 142),
    Rgb(31, 158, 137),
    Rgb(53, 183, 121),
    Rgb(110, 206, 88),
    Rgb(181, 222, 43),
    Rgb(253, 231, 37),
];

const MARGIN: f64 = 18.0;
const TITLE: f64 = 15.0;
const TICK: f64 = 11.0;
const NAME: f64 = 11.0;
const BAR_WIDTH: f64 = 16.0;
const DIAG: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// The viridis colour of `t` in [0, 1] (clamped).
fn viridis(t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let f = t * (VIRIDIS.len() - 1) as f64;
    let i = (f.floor() as usize).min(VIRIDIS.len() - 2);
    let (a, b, u) = (VIRIDIS[i], VIRIDIS[i + 1], f - i as f64);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * u).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws the co-occurrence counts `pairs` (shape `(n, n)`, e.g. tangermeme's
/// `pairwise_annotations`) of the `top` motifs most involved in pairs (largest row plus column
/// sum; motifs in no pair are never shown) as a heatmap with a colour bar, and writes it as SVG and
/// PNG (see [`FigureFiles::for_path`]). Cells are labelled with their count when they are large
/// enough to hold it.
///
/// Errors: [`Error::Invalid`] for a non-square matrix, `motifs.len() != n`, `top == 0`, or a
/// negative or non-finite count; [`Error::Io`] / [`Error::File`] naming the file that could not
/// be written.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-pairs-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::plot::plot_pairwise;
/// let pairs = ndarray::array![[0.0, 5.0, 1.0], [5.0, 2.0, 0.0], [1.0, 0.0, 0.0]];
/// let files = plot_pairwise(pairs.view(), &["CTCF", "SP1", "GATA1"], 20, dir.join("pairs"))?;
/// assert!(files.svg.exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn plot_pairwise(
    pairs: ArrayView2<'_, f64>,
    motifs: &[impl AsRef<str>],
    top: usize,
    path: impl AsRef<Path>,
) -> Result<FigureFiles> {
    let motifs: Vec<&str> = motifs.iter().map(AsRef::as_ref).collect();
    let svg = draw(pairs, &motifs, top)?;
    write_figure(&svg, path.as_ref())
}

fn draw(pairs: ArrayView2<'_, f64>, motifs: &[&str], top: usize) -> Result<Svg> {
    let (n, n2) = pairs.dim();
    if n != n2 || n != motifs.len() || top == 0 {
        return Err(Error::Invalid(format!(
            "plot_pairwise: pairs have shape ({n}, {n2}) for {} motif names and top = {top}; \
             expected a square matrix with one row per motif and top ≥ 1",
            motifs.len()
        )));
    }
    check_counts("plot_pairwise", pairs)?;
    let involvement: Vec<f64> = (0..n)
        .map(|i| pairs.row(i).sum() + pairs.column(i).sum())
        .collect();
    let shown = top_indices(&involvement, top);
    let k = shown.len();
    let cell = if k == 0 {
        40.0
    } else {
        (520.0 / k as f64).clamp(14.0, 40.0)
    };
    let side = cell * k.max(1) as f64;

    let max = shown
        .iter()
        .flat_map(|&i| shown.iter().map(move |&j| (i, j)))
        .map(|(i, j)| pairs[[i, j]])
        .fold(0.0, f64::max);
    let vmax = if max > 0.0 { max } else { 1.0 };
    let integral = pairs.iter().all(|v| v.fract() == 0.0);

    let name = TextStyle::new(NAME).colour(Rgb::AXIS);
    let widest = shown
        .iter()
        .map(|&i| name.width(motifs[i]))
        .fold(0.0, f64::max);
    let title = format!("Co-occurrence of the top {k} motifs");
    let title_style = TextStyle::new(TITLE).anchor(Anchor::Middle);
    let left = MARGIN + widest + 8.0;
    let top_px = MARGIN + TITLE + 14.0;
    let (ticks, decimals) = axis::ticks(0.0, vmax, 5);
    let tick = TextStyle::new(TICK).colour(Rgb::AXIS);
    let tick_width = ticks
        .iter()
        .map(|&t| tick.width(&axis::label(t, decimals)))
        .fold(0.0, f64::max);
    let bar_x = left + side + 20.0;
    let width = (bar_x + BAR_WIDTH + 6.0 + tick_width + MARGIN)
        .max(left + side / 2.0 + title_style.width(&title) / 2.0 + MARGIN)
        .ceil();
    let height = (top_px + side + 8.0 + widest * DIAG + NAME + MARGIN).ceil();

    let mut svg = Svg::new(width, height);
    svg.text((left + side / 2.0, MARGIN + TITLE), &title, title_style);

    // Cells, with their values where they fit.
    let digits = |v: f64| {
        if integral {
            format!("{v}")
        } else {
            axis::three_significant(v)
        }
    };
    let fits = |s: &str| name.width(s) <= cell - 4.0 && cell >= 20.0;
    for (r, &i) in shown.iter().enumerate() {
        for (c, &j) in shown.iter().enumerate() {
            let v = pairs[[i, j]];
            let colour = viridis(v / vmax);
            let (x, y) = (left + c as f64 * cell, top_px + r as f64 * cell);
            svg.rect(x, y, cell, cell, colour);
            let text = digits(v);
            if fits(&text) {
                let ink = if colour.luminance() < 0.5 {
                    Rgb::WHITE
                } else {
                    Rgb::BLACK
                };
                let style = TextStyle::new(NAME).anchor(Anchor::Middle).colour(ink);
                svg.text((x + cell / 2.0, y + cell / 2.0 + NAME * 0.35), &text, style);
            }
        }
    }
    // Motif names: rows on the left, columns below at −45°.
    let row_style = name.anchor(Anchor::End);
    let col_style = name.anchor(Anchor::End).rotate(-45.0);
    for (r, &i) in shown.iter().enumerate() {
        let centre = r as f64 * cell + cell / 2.0;
        svg.text(
            (left - 6.0, top_px + centre + NAME * 0.35),
            motifs[i],
            row_style,
        );
        svg.text(
            (left + centre + NAME * 0.3, top_px + side + 8.0),
            motifs[i],
            col_style,
        );
    }
    if k == 0 {
        let note = TextStyle::new(NAME)
            .colour(Rgb::AXIS)
            .anchor(Anchor::Middle);
        svg.text(
            (left + side / 2.0, top_px + side / 2.0),
            "no co-occurring motifs",
            note,
        );
    }

    // Colour bar: thin slices from vmax (top) to 0, ticks on its right.
    const SLICES: usize = 64;
    let y = Scale {
        lo: 0.0,
        hi: vmax,
        p0: top_px + side,
        p1: top_px,
    };
    for s in 0..SLICES {
        let (a, b) = (s as f64 / SLICES as f64, (s + 1) as f64 / SLICES as f64);
        let (y0, y1) = (y.px(b * vmax), y.px(a * vmax));
        // Overlap slices by a hair so no seams show between them.
        svg.rect(bar_x, y0, BAR_WIDTH, y1 - y0 + 0.5, viridis((a + b) / 2.0));
    }
    for &t in &ticks {
        let py = y.px(t);
        svg.line(
            (bar_x + BAR_WIDTH, py),
            (bar_x + BAR_WIDTH + 4.0, py),
            Rgb::AXIS,
            1.0,
        );
        svg.text(
            (bar_x + BAR_WIDTH + 6.0, py + TICK * 0.35),
            &axis::label(t, decimals),
            tick,
        );
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_middle() {
        assert_eq!(viridis(0.0), Rgb(68, 1, 84));
        assert_eq!(viridis(1.0), Rgb(253, 231, 37));
        assert_eq!(viridis(2.0), Rgb(253, 231, 37));
        assert_eq!(viridis(f64::NAN), Rgb(68, 1, 84));
        // Halfway between stops 4 and 5.
        assert_eq!(viridis(0.5), Rgb(35, 144, 140));
    }

    #[test]
    fn heatmap_keeps_the_most_involved_motifs() {
        let p = ndarray::array![[0.0, 4.0, 0.0], [4.0, 0.0, 1.0], [0.0, 1.0, 0.0]];
        let svg = draw(p.view(), &["a", "b", "c"], 2).unwrap().finish();
        assert!(
            svg.contains(">a</text>") && svg.contains(">b</text>") && !svg.contains(">c</text>")
        );
        assert!(svg.contains(">4</text>"), "cells carry their counts");
        assert!(svg.contains(">Co-occurrence of the top 2 motifs</text>"));
    }

    #[test]
    fn bad_inputs_are_invalid() {
        let p = ndarray::array![[0.0, 1.0]];
        assert!(
            draw(p.view(), &["a"], 3)
                .unwrap_err()
                .to_string()
                .contains("(1, 2)")
        );
        let sq = ndarray::array![[0.0]];
        assert!(draw(sq.view(), &["a"], 0).is_err());
        let nan = ndarray::array![[f64::NAN]];
        assert!(draw(nan.view(), &["a"], 1).is_err());
    }
}
