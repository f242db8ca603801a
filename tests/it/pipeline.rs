//! Integration tests: pipeline.

/// Figures: each is written as SVG and PNG, both well-formed, with the expected pixel size and
/// the expected colours on them.
mod plots {
    use std::path::Path;

    use motiflift::plot::{
        Annotation, FigureFiles, LogoTrack, plot_counts, plot_logo, plot_pairwise,
    };
    use ndarray::{Array2, Array3, s};
    use resvg::{tiny_skia::Pixmap, usvg};

    use crate::common::npy_gz;

    /// Parses the SVG with usvg and decodes the PNG; checks the PNG is twice the SVG's size.
    fn read_figure(files: &FigureFiles) -> (usvg::Size, Pixmap) {
        let svg = std::fs::read(&files.svg).unwrap();
        assert!(svg.starts_with(b"<svg "), "{}", files.svg.display());
        let tree = usvg::Tree::from_data(&svg, &usvg::Options::default()).unwrap();
        let size = tree.size();
        let png = std::fs::read(&files.png).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{}", files.png.display());
        let pixmap = Pixmap::decode_png(&png).unwrap();
        assert_eq!(pixmap.width(), (size.width() * 2.0).ceil() as u32);
        assert_eq!(pixmap.height(), (size.height() * 2.0).ceil() as u32);
        (size, pixmap)
    }

    /// How many pixels have exactly the colour `rgb` (the inside of a filled shape).
    fn pixels_of(pixmap: &Pixmap, (r, g, b): (u8, u8, u8)) -> usize {
        pixmap
            .pixels()
            .iter()
            .filter(|p| (p.red(), p.green(), p.blue()) == (r, g, b))
            .count()
    }

    fn svg_text(files: &FigureFiles) -> String {
        std::fs::read_to_string(&files.svg).unwrap()
    }

    #[test]
    fn plot_logo_of_four_models_at_one_locus() {
        // tangermeme's projected attributions of four zoo models (tests/data/attribute), example 0.
        let models = ["bpnet", "chrombpnet", "procapnet", "beluga"];
        let attrs: Vec<Array3<f32>> = models
            .iter()
            .map(|m| npy_gz(&format!("attribute/{m}_attributions_first4.npy.gz")))
            .collect();
        let views: Vec<Array2<f32>> = attrs
            .iter()
            .map(|a| a.slice(s![0, .., ..]).to_owned())
            .collect();
        let hits = vec![
            Annotation {
                start: 955,
                end: 968,
                label: "MA0139.2_CTCF".into(),
                score: Some(3.1e-7),
            },
            Annotation {
                start: 960,
                end: 966,
                label: "SP1".into(),
                score: Some(0.0042),
            },
            Annotation {
                start: 990,
                end: 1001,
                label: "GATA1".into(),
                score: None,
            },
            // Outside the window (strictly inside is required): not drawn.
            Annotation {
                start: 930,
                end: 950,
                label: "OUTSIDE".into(),
                score: None,
            },
        ];
        let tracks: Vec<LogoTrack> = models
            .iter()
            .zip(&views)
            .map(|(m, v)| LogoTrack {
                title: format!("{m}, example 0"),
                values: v.view(),
                annotations: hits.clone(),
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let files = plot_logo(&tracks, 930..1010, dir.path().join("logo")).unwrap();
        assert_eq!(files.svg, dir.path().join("logo.svg"));
        let (size, pixmap) = read_figure(&files);
        assert!(
            size.width() > 900.0 && size.height() > 4.0 * 180.0,
            "{size:?}"
        );
        // Every letter colour is on the image (A green, C blue, G orange, T red).
        for rgb in [(0, 128, 0), (0, 0, 255), (255, 165, 0), (255, 0, 0)] {
            assert!(
                pixels_of(&pixmap, rgb) > 200,
                "{rgb:?}: {}",
                pixels_of(&pixmap, rgb)
            );
        }
        let text = svg_text(&files);
        for m in models {
            assert!(text.contains(&format!(">{m}, example 0</text>")));
        }
        // Labels: the name, then the score with three significant digits on a second line.
        assert_eq!(text.matches(">MA0139.2_CTCF</text>").count(), 4);
        assert_eq!(text.matches(">(3.1e-07)</text>").count(), 4);
        assert!(!text.contains("OUTSIDE"));
    }

    #[test]
    fn plot_logo_of_a_planted_motif_hypothetical() {
        // Noise everywhere (hypothetical attributions), a strong motif at 40..48.
        let mut state = 12345u32;
        let mut x = Array2::<f32>::from_shape_fn((4, 100), |_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 * 0.02 - 0.01
        });
        for (i, base) in [0usize, 1, 2, 3, 3, 2, 1, 0].into_iter().enumerate() {
            x[[base, 40 + i]] = 0.2;
        }
        let track = LogoTrack {
            title: "planted".into(),
            values: x.view(),
            annotations: vec![],
        };
        let dir = tempfile::tempdir().unwrap();
        let files = plot_logo(&[track], 30..60, dir.path().join("fig.png")).unwrap();
        assert_eq!(files.png, dir.path().join("fig.png"));
        let (_, pixmap) = read_figure(&files);
        // The eight planted letters dominate: blue (C) and green (A) each fill large areas.
        assert!(pixels_of(&pixmap, (0, 0, 255)) > 3000);
        assert!(pixels_of(&pixmap, (0, 128, 0)) > 3000);
    }

    #[test]
    fn plot_counts_of_two_models() {
        let motifs: Vec<String> = (0..30).map(|i| format!("MOTIF_{i:02}")).collect();
        let counts = Array2::from_shape_fn((2, 30), |(m, j)| ((j * 7 + m * 3) % 11) as f64);
        let dir = tempfile::tempdir().unwrap();
        let files = plot_counts(
            &["bpnet", "chrombpnet"],
            counts.view(),
            &motifs,
            15,
            dir.path().join("counts"),
        )
        .unwrap();
        let (_, pixmap) = read_figure(&files);
        // Bars in tab10 blue and orange.
        assert!(pixels_of(&pixmap, (31, 119, 180)) > 1000);
        assert!(pixels_of(&pixmap, (255, 127, 14)) > 1000);
        let text = svg_text(&files);
        let shown = motifs
            .iter()
            .filter(|m| text.contains(&format!(">{m}</text>")))
            .count();
        assert_eq!(shown, 15);
        // The motif with the largest total is shown, the one with the smallest is not.
        let total = |j: usize| counts.column(j).sum();
        let (best, worst) = (0..30).fold((0, 0), |(b, w), j| {
            (
                if total(j) > total(b) { j } else { b },
                if total(j) < total(w) { j } else { w },
            )
        });
        assert!(text.contains(&format!(">{}</text>", motifs[best])));
        assert!(!text.contains(&format!(">{}</text>", motifs[worst])));
        assert!(text.contains(">bpnet</text>") && text.contains(">chrombpnet</text>"));
    }

    #[test]
    fn plot_pairwise_heatmap() {
        let names: Vec<String> = (0..25).map(|i| format!("m{i}")).collect();
        let pairs = Array2::from_shape_fn((25, 25), |(i, j)| ((i * j) % 9) as f64);
        let dir = tempfile::tempdir().unwrap();
        let files = plot_pairwise(pairs.view(), &names, 20, dir.path().join("pairs.svg")).unwrap();
        let (size, pixmap) = read_figure(&files);
        assert!(size.width() > 500.0 && size.height() > 500.0, "{size:?}");
        // The ends of viridis: the largest count's cell and the colour bar's top; zeros.
        assert!(pixels_of(&pixmap, (253, 231, 37)) > 500);
        assert!(pixels_of(&pixmap, (68, 1, 84)) > 500);
        assert!(svg_text(&files).contains(">Co-occurrence of the top 20 motifs</text>"));
    }

    #[test]
    fn plot_errors_name_the_problem() {
        let x = Array2::<f32>::zeros((4, 50));
        let track = LogoTrack {
            title: "t".into(),
            values: x.view(),
            annotations: vec![],
        };
        let dir = tempfile::tempdir().unwrap();
        let err =
            plot_logo(std::slice::from_ref(&track), 40..60, dir.path().join("a")).unwrap_err();
        assert!(matches!(err, motiflift::Error::Invalid(_)), "{err}");
        assert!(err.to_string().contains("length 50"), "{err}");
        assert!(plot_logo(&[], 0..10, dir.path().join("b")).is_err());
        let missing = dir.path().join("no/such/dir/fig");
        let err = plot_logo(&[track], 0..10, &missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("fig.svg") || err.contains("fig.png"), "{err}");
        let nothing_written = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(nothing_written, 0);
        assert!(!Path::new(&missing).exists());
    }
}
