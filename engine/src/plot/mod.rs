//! Figures as SVG and PNG files: attribution logos ([`plot_logo`], tangermeme's `plot_logo`),
//! bar charts of annotated motif counts ([`plot_counts`]) and motif co-occurrence heatmaps
//! ([`plot_pairwise`]).
//!
//! Every figure is built as an SVG document (letters are vector paths taken from the embedded
//! DejaVu Sans font, text is SVG text) and rendered to a PNG at twice its pixel size by `resvg`
//! with that same embedded font, so the output does not depend on the fonts of the machine.
//!
//! ```
//! # let dir = std::env::temp_dir().join(format!("motiflift-doc-plot-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let x = ndarray::Array2::<f32>::from_shape_fn((4, 30), |(b, i)| ((b + i) % 4) as f32 * 0.1);
//! let track = motiflift::plot::LogoTrack { title: "toy".into(), values: x.view(), annotations: vec![] };
//! let files = motiflift::plot::plot_logo(&[track], 0..30, dir.join("toy.svg"))?;
//! assert_eq!(files.png, dir.join("toy.png"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), motiflift::Error>(())
//! ```

mod axis;
mod counts;
mod font;
mod logo;
mod output;
mod pairwise;
mod svg;

pub use counts::plot_counts;
pub use logo::{Annotation, LogoTrack, plot_logo};
pub use output::FigureFiles;
pub use pairwise::plot_pairwise;
