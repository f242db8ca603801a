//! A minimal SVG writer: shapes and text in pixel coordinates, with letters as reusable glyphs.

use std::fmt::{self, Write};

use super::font::{self, FAMILY};

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    /// Axis lines and tick labels.
    pub const AXIS: Rgb = Rgb(51, 51, 51);
    /// Light grid and baseline lines.
    pub const GRID: Rgb = Rgb(210, 210, 210);

    /// Relative luminance in [0, 1] (sRGB weights, no gamma): picks black or white text on it.
    pub fn luminance(self) -> f64 {
        (0.2126 * f64::from(self.0) + 0.7152 * f64::from(self.1) + 0.0722 * f64::from(self.2))
            / 255.0
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Horizontal alignment of a text relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

/// How a text is set: size in px, alignment, colour, rotation (degrees, clockwise) about the
/// anchor point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TextStyle {
    pub size: f64,
    pub anchor: Anchor,
    pub colour: Rgb,
    pub rotate: f64,
}

impl TextStyle {
    /// Left-aligned, black, unrotated text of `size` px.
    pub fn new(size: f64) -> Self {
        TextStyle {
            size,
            anchor: Anchor::Start,
            colour: Rgb::BLACK,
            rotate: 0.0,
        }
    }
    pub fn anchor(self, anchor: Anchor) -> Self {
        TextStyle { anchor, ..self }
    }
    pub fn colour(self, colour: Rgb) -> Self {
        TextStyle { colour, ..self }
    }
    pub fn rotate(self, rotate: f64) -> Self {
        TextStyle { rotate, ..self }
    }
    /// The width of `text` in this style.
    pub fn width(&self, text: &str) -> f64 {
        font::text_width(text, self.size)
    }
}

/// Formats a coordinate with two decimals, trimming trailing zeros (keeps files small).
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.2}", self.0);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

/// An SVG document under construction, `width × height` px on a white background.
#[derive(Debug)]
pub(crate) struct Svg {
    width: f64,
    height: f64,
    defs: String,
    body: String,
}

impl Svg {
    /// An empty white canvas.
    pub fn new(width: f64, height: f64) -> Self {
        let mut svg = Svg {
            width,
            height,
            defs: String::new(),
            body: String::new(),
        };
        svg.rect(0.0, 0.0, width, height, Rgb::WHITE);
        svg
    }

    /// The size of the canvas in px.
    pub fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            Num(x),
            Num(y),
            Num(w),
            Num(h)
        );
    }

    /// A straight line of `width` px.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: Rgb, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
            Num(x1),
            Num(y1),
            Num(x2),
            Num(y2),
            Num(width)
        );
    }

    /// One line of text; `(x, y)` is the anchor point on the baseline.
    pub fn text(&mut self, (x, y): (f64, f64), text: &str, style: TextStyle) {
        let anchor = match style.anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let (x, y) = (Num(x), Num(y));
        let _ = write!(
            self.body,
            r#"<text x="{x}" y="{y}" font-size="{}" text-anchor="{anchor}" fill="{}""#,
            Num(style.size),
            style.colour
        );
        if style.rotate != 0.0 {
            let _ = write!(
                self.body,
                r#" transform="rotate({} {x} {y})""#,
                Num(style.rotate)
            );
        }
        let _ = writeln!(self.body, ">{}</text>", escape(text));
    }

    /// Defines a glyph: `unit_path` is path data in the unit square (y down), see
    /// [`font::unit_glyph`]. Returns the id to pass to [`Svg::glyph`].
    pub fn define_glyph(&mut self, id: &str, unit_path: &str) -> String {
        let _ = writeln!(self.defs, r#"<path id="{id}" d="{unit_path}"/>"#);
        id.to_owned()
    }

    /// Draws a defined glyph stretched into the box `(x, y, w, h)`; `flip` turns it upside down.
    pub fn glyph(&mut self, id: &str, (x, y, w, h): (f64, f64, f64, f64), fill: Rgb, flip: bool) {
        let (sy, ty) = if flip { (-h, y + h) } else { (h, y) };
        let _ = writeln!(
            self.body,
            r##"<use xlink:href="#{id}" transform="matrix({} 0 0 {} {} {})" fill="{fill}"/>"##,
            Num4(w),
            Num4(sy),
            Num(x),
            Num(ty)
        );
    }

    /// The finished document.
    pub fn finish(&self) -> String {
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" "#,
                r#"width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{family}, sans-serif">"#,
                "\n<defs>\n{defs}</defs>\n{body}</svg>\n"
            ),
            w = Num(self.width),
            h = Num(self.height),
            family = FAMILY,
            defs = self.defs,
            body = self.body
        )
    }
}

/// A scale factor with four decimals: glyph heights can be a fraction of a pixel.
struct Num4(f64);

impl fmt::Display for Num4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.4}", self.0);
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Escapes the XML special characters of a text node.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_text_is_escaped() {
        assert_eq!(Num(1.0).to_string(), "1");
        assert_eq!(Num(1.256).to_string(), "1.26");
        assert_eq!(Num(-0.001).to_string(), "0");
        assert_eq!(Num4(0.12345).to_string(), "0.1235");
        assert_eq!(
            escape("a<b & \"c\">\u{7}"),
            "a&lt;b &amp; &quot;c&quot;&gt; "
        );
        assert_eq!(Rgb(255, 165, 0).to_string(), "#ffa500");
    }

    #[test]
    fn document_holds_shapes_text_and_glyphs() {
        let mut svg = Svg::new(100.0, 50.0);
        let id = svg.define_glyph("g-A", "M0 0 L1 0 L1 1 Z");
        svg.glyph(&id, (10.0, 20.0, 5.0, 8.0), Rgb(0, 128, 0), true);
        svg.text((3.0, 4.0), "R&D", TextStyle::new(12.0).rotate(-90.0));
        let doc = svg.finish();
        assert!(doc.starts_with("<svg xmlns="));
        assert!(doc.contains(r#"<path id="g-A" d="M0 0 L1 0 L1 1 Z"/>"#));
        assert!(
            doc.contains(r##"transform="matrix(5 0 0 -8 10 28)" fill="#008000""##),
            "{doc}"
        );
        assert!(
            doc.contains(r#"transform="rotate(-90 3 4)">R&amp;D</text>"#),
            "{doc}"
        );
    }
}
