//! The embedded font (DejaVu Sans, see `engine/assets/DejaVuSans-LICENSE.txt`): text widths for
//! layout, and the outlines of the logo letters.

use std::fmt::Write;
use std::sync::OnceLock;

use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};

/// The TrueType data of the font every figure uses, for SVG text and PNG rendering alike.
pub(crate) const FONT_DATA: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family name of [`FONT_DATA`], as written in SVG `font-family` attributes.
pub(crate) const FAMILY: &str = "DejaVu Sans";

/// Advance widths (in em) of the printable ASCII characters, and the fallback for the others.
struct Metrics {
    ascii: [f64; 95],
    fallback: f64,
}

fn font() -> Option<FontRef<'static>> {
    FontRef::new(FONT_DATA).ok()
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        // DejaVu Sans's average Latin advance, used if the embedded font could not be read.
        let mut m = Metrics {
            ascii: [0.6; 95],
            fallback: 0.6,
        };
        if let Some(font) = font() {
            let upem = f64::from(
                font.metrics(Size::unscaled(), LocationRef::default())
                    .units_per_em,
            );
            let glyphs = font.glyph_metrics(Size::unscaled(), LocationRef::default());
            let charmap = font.charmap();
            let advance = |c: char| {
                charmap
                    .map(c)
                    .and_then(|g| glyphs.advance_width(g))
                    .map(|w| f64::from(w) / upem)
            };
            for (slot, c) in m.ascii.iter_mut().zip(' '..='~') {
                *slot = advance(c).unwrap_or(m.fallback);
            }
            m.fallback = advance('M').unwrap_or(m.fallback);
        }
        m
    })
}

/// The width of `text` set in the embedded font at `size` px (no kerning: a close upper bound).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    let m = metrics();
    let em: f64 = text
        .chars()
        .map(|c| match c {
            ' '..='~' => m.ascii[c as usize - 32],
            _ => m.fallback,
        })
        .sum();
    em * size
}

/// A glyph outline written as SVG path data in the unit square: x from 0 (left of the ink) to 1
/// (right), y from 0 (top of the ink) to 1 (bottom).
struct UnitPen {
    d: String,
    x0: f32,
    y1: f32,
    sx: f32,
    sy: f32,
}

impl UnitPen {
    fn point(&mut self, x: f32, y: f32) {
        let u = (x - self.x0) / self.sx;
        let v = (self.y1 - y) / self.sy;
        // Four decimals are a 10⁻⁴ of the glyph box: invisible at any plotting size.
        let _ = write!(self.d, "{u:.4} {v:.4} ");
    }
}

impl OutlinePen for UnitPen {
    fn move_to(&mut self, x: f32, y: f32) {
        self.d.push('M');
        self.point(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.d.push('L');
        self.point(x, y);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.d.push('Q');
        self.point(cx0, cy0);
        self.point(x, y);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.d.push('C');
        self.point(cx0, cy0);
        self.point(cx1, cy1);
        self.point(x, y);
    }
    fn close(&mut self) {
        self.d.push('Z');
    }
}

/// SVG path data of the letter `c` from the embedded font, stretched so that its ink fills the
/// unit square (y pointing down); `None` if the font has no such glyph.
pub(crate) fn unit_glyph(c: char) -> Option<String> {
    let font = font()?;
    let gid = font.charmap().map(c)?;
    let bounds = font
        .glyph_metrics(Size::unscaled(), LocationRef::default())
        .bounds(gid)?;
    let (sx, sy) = (bounds.x_max - bounds.x_min, bounds.y_max - bounds.y_min);
    if sx <= 0.0 || sy <= 0.0 {
        return None;
    }
    let mut pen = UnitPen {
        d: String::new(),
        x0: bounds.x_min,
        y1: bounds.y_max,
        sx,
        sy,
    };
    let outline = font.outline_glyphs().get(gid)?;
    outline
        .draw(
            DrawSettings::unhinted(Size::unscaled(), LocationRef::default()),
            &mut pen,
        )
        .ok()?;
    Some(pen.d.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_is_readable_and_measures_text() {
        assert!(font().is_some());
        // DejaVu Sans: 'i' is narrower than 'M'; widths add up and scale with the size.
        assert!(text_width("i", 10.0) < text_width("M", 10.0));
        let ab = text_width("AB", 12.0);
        assert!((ab - text_width("A", 12.0) - text_width("B", 12.0)).abs() < 1e-9);
        assert!((text_width("AB", 24.0) - 2.0 * ab).abs() < 1e-9);
        assert!(text_width("A", 10.0) > 5.0 && text_width("A", 10.0) < 8.0);
    }

    #[test]
    fn letter_outlines_fill_the_unit_square() {
        for c in ['A', 'C', 'G', 'T'] {
            let d = unit_glyph(c).unwrap();
            let nums: Vec<f64> = d
                .split(|ch: char| ch.is_ascii_alphabetic() || ch == ' ')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let (xs, ys): (Vec<f64>, Vec<f64>) = nums.chunks(2).map(|p| (p[0], p[1])).unzip();
            let span = |v: &[f64]| {
                let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
                let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            };
            let ((x0, x1), (y0, y1)) = (span(&xs), span(&ys));
            // On-curve extremes touch the box; control points may overshoot it slightly.
            assert!(
                x0 <= 0.001 && x1 >= 0.999 && y0 <= 0.001 && y1 >= 0.999,
                "{c}: {d}"
            );
            assert!(
                x0 > -0.05 && x1 < 1.05 && y0 > -0.05 && y1 < 1.05,
                "{c}: {d}"
            );
        }
        assert!(unit_glyph('\u{10FFFF}').is_none());
    }
}
