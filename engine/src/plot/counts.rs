//! Grouped bar chart of how often the top motifs were annotated, one bar per model.

use std::path::Path;

use ndarray::ArrayView2;

use super::axis::{self, Scale};
use super::output::{FigureFiles, write_figure};
use super::svg::{Anchor, Rgb, Svg, TextStyle};
use crate::{Error, Result};

/// Matplotlib's `tab10` colours, one per model.
const TAB10: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

const MARGIN: f64 = 18.0;
const TITLE: f64 = 15.0;
const TICK: f64 = 11.0;
const NAME: f64 = 11.0;
const PANEL_HEIGHT: f64 = 300.0;
/// sin 45° = cos 45°: motif names are drawn at −45°.
const DIAG: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// Indices of the `k` largest positive `totals`, largest first; ties keep index order.
pub(crate) fn top_indices(totals: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..totals.len()).filter(|&i| totals[i] > 0.0).collect();
    order.sort_by(|&a, &b| totals[b].total_cmp(&totals[a]));
    order.truncate(k);
    order
}

/// Checks that a matrix holds only finite, non-negative values; `what` names it in the error.
pub(crate) fn check_counts(what: &str, m: ArrayView2<'_, f64>) -> Result<()> {
    match m.indexed_iter().find(|(_, v)| !v.is_finite() || **v < 0.0) {
        Some(((r, c), v)) => Err(Error::Invalid(format!(
            "{what}: value {v} at [{r}, {c}]; expected finite counts ≥ 0"
        ))),
        None => Ok(()),
    }
}

/// Draws the `top` motifs with the largest total count over all models as a grouped bar chart
/// (one colour per model, with a legend) and writes it as SVG and PNG (see
/// [`FigureFiles::for_path`]).
///
/// `counts` has shape `(models.len(), motifs.len())`: how many seqlets each model had annotated
/// with each motif (e.g. the column sums of tangermeme's `count_annotations` matrix of each
/// model). Motifs with a total of zero are never shown; ties keep the motif order.
///
/// Errors: [`Error::Invalid`] for no models, mismatched lengths, `top == 0`, or a negative or
/// non-finite count; [`Error::Io`] / [`Error::File`] naming the file that could not be written.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-counts-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::plot::plot_counts;
/// let counts = ndarray::array![[12.0, 0.0, 7.0], [9.0, 2.0, 11.0]];
/// let files = plot_counts(&["BPNet", "ChromBPNet"], counts.view(), &["CTCF", "SP1", "GATA1"], 15,
///     dir.join("counts"))?;
/// assert!(files.png.exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn plot_counts(
    models: &[impl AsRef<str>],
    counts: ArrayView2<'_, f64>,
    motifs: &[impl AsRef<str>],
    top: usize,
    path: impl AsRef<Path>,
) -> Result<FigureFiles> {
    let models: Vec<&str> = models.iter().map(AsRef::as_ref).collect();
    let motifs: Vec<&str> = motifs.iter().map(AsRef::as_ref).collect();
    let svg = draw(&models, counts, &motifs, top)?;
    write_figure(&svg, path.as_ref())
}

fn draw(models: &[&str], counts: ArrayView2<'_, f64>, motifs: &[&str], top: usize) -> Result<Svg> {
    if models.is_empty() || top == 0 {
        return Err(Error::Invalid(
            "plot_counts: expected at least one model and top ≥ 1".into(),
        ));
    }
    if counts.dim() != (models.len(), motifs.len()) {
        return Err(Error::Invalid(format!(
            "plot_counts: counts have shape {:?}; expected ({} models, {} motifs)",
            counts.dim(),
            models.len(),
            motifs.len()
        )));
    }
    check_counts("plot_counts", counts)?;
    let totals: Vec<f64> = counts.columns().into_iter().map(|c| c.sum()).collect();
    let shown = top_indices(&totals, top);

    let m = models.len();
    let bar = if m <= 3 {
        16.0
    } else {
        (48.0 / m as f64).max(5.0)
    };
    let group = bar * m as f64 + 14.0;
    let plot_width = (group * shown.len() as f64).max(260.0);

    let max = shown
        .iter()
        .flat_map(|&j| counts.column(j).to_vec())
        .fold(0.0, f64::max);
    let (ticks, decimals) = nice_axis(max);
    let hi = ticks.last().copied().unwrap_or(1.0);

    let tick = TextStyle::new(TICK).colour(Rgb::AXIS);
    let ytick_width = ticks
        .iter()
        .map(|&t| tick.width(&axis::label(t, decimals)))
        .fold(0.0, f64::max);
    let name = TextStyle::new(NAME)
        .colour(Rgb::AXIS)
        .anchor(Anchor::End)
        .rotate(-45.0);
    let name_widths: Vec<f64> = shown.iter().map(|&j| name.width(motifs[j])).collect();
    let first_overhang = name_widths.first().map_or(0.0, |w| w * DIAG - group / 2.0);
    let left = (MARGIN + TICK * 1.4 + 6.0 + ytick_width + 8.0).max(MARGIN + first_overhang);

    let legend = TextStyle::new(NAME);
    let legend_width = 14.0 + 6.0 + models.iter().map(|s| legend.width(s)).fold(0.0, f64::max);
    let title = format!("Top {} annotated motifs", shown.len());
    let title_style = TextStyle::new(TITLE).anchor(Anchor::Middle);
    let width = (left + plot_width + 20.0 + legend_width + MARGIN)
        .max(title_style.width(&title) + 2.0 * MARGIN)
        .ceil();
    let panel_top = MARGIN + TITLE + 14.0;
    let panel_bottom = panel_top + PANEL_HEIGHT;
    let names_depth = name_widths.iter().fold(0.0, |a: f64, w| a.max(w * DIAG)) + NAME;
    let height = (panel_bottom + 10.0 + names_depth + MARGIN).ceil();

    let mut svg = Svg::new(width, height);
    svg.text(
        (left + plot_width / 2.0, MARGIN + TITLE),
        &title,
        title_style,
    );
    let y = Scale {
        lo: 0.0,
        hi,
        p0: panel_bottom,
        p1: panel_top,
    };

    // Y axis with grid lines, its label, and the baseline.
    for &t in &ticks {
        let py = y.px(t);
        svg.line((left, py), (left + plot_width, py), Rgb(235, 235, 235), 1.0);
        svg.line((left - 4.0, py), (left, py), Rgb::AXIS, 1.0);
        let label_style = tick.anchor(Anchor::End);
        svg.text(
            (left - 6.0, py + TICK * 0.35),
            &axis::label(t, decimals),
            label_style,
        );
    }
    let mid = (panel_top + panel_bottom) / 2.0;
    let ylabel = TextStyle::new(TICK * 1.1)
        .colour(Rgb::AXIS)
        .anchor(Anchor::Middle)
        .rotate(-90.0);
    svg.text((MARGIN + TICK, mid), "annotated seqlets", ylabel);
    svg.line((left, panel_top), (left, panel_bottom), Rgb::AXIS, 1.0);

    // Bars and motif names.
    for (g, &j) in shown.iter().enumerate() {
        let gx = left + g as f64 * group + 7.0;
        for (i, colour) in (0..m).map(|i| (i, TAB10[i % TAB10.len()])) {
            let v = counts[[i, j]];
            let top_px = y.px(v);
            svg.rect(
                gx + i as f64 * bar,
                top_px,
                bar - 1.0,
                panel_bottom - top_px,
                colour,
            );
        }
        let cx = gx + bar * m as f64 / 2.0;
        svg.text((cx + NAME * 0.3, panel_bottom + 10.0), motifs[j], name);
    }
    svg.line(
        (left, panel_bottom),
        (left + plot_width, panel_bottom),
        Rgb::AXIS,
        1.0,
    );
    if shown.is_empty() {
        let note = TextStyle::new(NAME)
            .colour(Rgb::AXIS)
            .anchor(Anchor::Middle);
        svg.text(
            (left + plot_width / 2.0, mid),
            "no motif was annotated",
            note,
        );
    }

    // Legend, right of the plot.
    let lx = left + plot_width + 20.0;
    for (i, model) in models.iter().enumerate() {
        let ly = panel_top + 4.0 + i as f64 * NAME * 1.8;
        svg.rect(lx, ly, 14.0, 14.0, TAB10[i % TAB10.len()]);
        svg.text((lx + 20.0, ly + 11.0), model, legend);
    }
    Ok(svg)
}

/// Ticks from 0 to a round value at or above `max` (at least 1).
fn nice_axis(max: f64) -> (Vec<f64>, usize) {
    let (ticks, decimals) = axis::ticks(0.0, max.max(1.0), 5);
    let step = match ticks.as_slice() {
        [a, b, ..] => b - a,
        _ => 1.0,
    };
    let mut ticks = ticks;
    while ticks.last().is_some_and(|&t| t < max) {
        let next = ticks.last().map_or(0.0, |t| t + step);
        ticks.push(next);
    }
    (ticks, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_motifs_by_total_ties_in_order_zeros_dropped() {
        assert_eq!(top_indices(&[1.0, 5.0, 0.0, 5.0, 2.0], 3), vec![1, 3, 4]);
        assert_eq!(top_indices(&[0.0, 3.0, 0.0], 10), vec![1]);
    }

    #[test]
    fn axis_covers_the_largest_count() {
        assert_eq!(nice_axis(7.0).0, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(nice_axis(10.0).0, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_axis(0.0).0.last(), Some(&1.0));
    }

    #[test]
    fn chart_shows_the_top_motifs_only() {
        let counts = ndarray::array![[1.0, 9.0, 0.0, 4.0], [2.0, 8.0, 0.0, 0.0]];
        let svg = draw(&["a", "b"], counts.view(), &["m0", "m1", "m2", "m3"], 2)
            .unwrap()
            .finish();
        assert!(
            svg.contains(">m1</text>") && svg.contains(">m3</text>"),
            "{svg}"
        );
        assert!(!svg.contains(">m0</text>") && !svg.contains(">m2</text>"));
        assert!(svg.contains(">Top 2 annotated motifs</text>"));
    }

    #[test]
    fn bad_inputs_are_invalid() {
        let c = ndarray::array![[1.0, 2.0]];
        assert!(draw(&[], c.view(), &["x", "y"], 3).is_err());
        assert!(
            draw(&["a"], c.view(), &["x"], 3)
                .unwrap_err()
                .to_string()
                .contains("shape")
        );
        assert!(draw(&["a"], c.view(), &["x", "y"], 0).is_err());
        let neg = ndarray::array![[1.0, -2.0]];
        let err = draw(&["a"], neg.view(), &["x", "y"], 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("[0, 1]"), "{err}");
    }
}
