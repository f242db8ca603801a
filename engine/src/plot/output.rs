//! Writing a figure: the SVG as is, and a PNG rendered from it by resvg with the embedded font.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::font::{FAMILY, FONT_DATA};
use super::svg::Svg;
use crate::io::atomic::write_atomic;
use crate::{Error, Result};

/// PNG pixels per SVG px: 2 gives crisp text on high-density screens and in slides.
const PNG_SCALE: f32 = 2.0;

/// The files a `plot_*` function wrote: the same figure as SVG and as PNG.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-files-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::plot::plot_counts;
/// let counts = ndarray::array![[3.0, 1.0]];
/// let files = plot_counts(&["model"], counts.view(), &["CTCF", "SP1"], 10, dir.join("fig.png"))?;
/// assert_eq!(files.svg, dir.join("fig.svg"));
/// assert_eq!(files.png, dir.join("fig.png"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureFiles {
    /// The vector figure.
    pub svg: PathBuf,
    /// The raster figure, at twice the SVG's pixel size.
    pub png: PathBuf,
}

impl FigureFiles {
    /// The two paths for `path`: a `.svg` or `.png` extension is replaced, any other name gets
    /// `.svg` and `.png` appended (so `fig.v2` → `fig.v2.svg`, `fig.v2.png`).
    ///
    /// ```
    /// use motiflift::plot::FigureFiles;
    /// let f = FigureFiles::for_path("out/logo.SVG");
    /// assert_eq!(f.png, std::path::Path::new("out/logo.png"));
    /// assert_eq!(FigureFiles::for_path("run.7").svg, std::path::Path::new("run.7.svg"));
    /// ```
    pub fn for_path(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let known = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("svg") || e.eq_ignore_ascii_case("png"));
        let stem = if known {
            path.with_extension("")
        } else {
            path.to_path_buf()
        };
        let with = |ext: &str| {
            let mut name = OsString::from(stem.as_os_str());
            name.push(ext);
            PathBuf::from(name)
        };
        FigureFiles {
            svg: with(".svg"),
            png: with(".png"),
        }
    }
}

/// Writes `svg` to the `.svg` and `.png` files for `path` (see [`FigureFiles::for_path`]),
/// each atomically.
pub(crate) fn write_figure(svg: &Svg, path: &Path) -> Result<FigureFiles> {
    let files = FigureFiles::for_path(path);
    let text = svg.finish();
    let png = render_png(&text, svg.size(), &files.png)?;
    write_atomic(&files.svg, |w| w.write_all(text.as_bytes()))?;
    write_atomic(&files.png, |w| w.write_all(&png))?;
    Ok(files)
}

/// A font database holding only the embedded font, so rendering is the same on every machine.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(FONT_DATA.to_vec());
            Arc::new(db)
        })
        .clone()
}

/// Renders the SVG document `text` of `size` px to PNG bytes; errors name `png`.
fn render_png(text: &str, (width, height): (f64, f64), png: &Path) -> Result<Vec<u8>> {
    let fail = |message: String| Error::File {
        path: png.to_path_buf(),
        message,
    };
    let options = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(text, &options)
        .map_err(|e| fail(format!("cannot render the figure: {e}")))?;
    let (w, h) = (
        (width as f32 * PNG_SCALE).ceil(),
        (height as f32 * PNG_SCALE).ceil(),
    );
    let mut pixmap = tiny_skia::Pixmap::new(w as u32, h as u32)
        .ok_or_else(|| fail(format!("cannot make a {w} × {h} px image")))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(PNG_SCALE, PNG_SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| fail(format!("cannot encode PNG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::svg::{Rgb, TextStyle};

    #[test]
    fn text_renders_with_the_embedded_font() {
        // A black word on white: with no usable font the PNG would stay blank.
        let mut svg = Svg::new(80.0, 30.0);
        svg.text((5.0, 22.0), "ACGT", TextStyle::new(20.0).colour(Rgb::BLACK));
        let bytes = render_png(&svg.finish(), svg.size(), Path::new("t.png")).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&bytes).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (160, 60));
        let dark = pixmap.pixels().iter().filter(|p| p.red() < 100).count();
        assert!(dark > 300, "only {dark} dark pixels");
    }

    #[test]
    fn unwritable_path_is_an_error_naming_the_file() {
        let svg = Svg::new(10.0, 10.0);
        let path = std::env::temp_dir().join("motiflift-no-such-dir/q/fig");
        let err = write_figure(&svg, &path).unwrap_err();
        assert!(err.to_string().contains("fig.svg"), "{err}");
    }
}
