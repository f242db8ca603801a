//! Shared helpers for the integration tests.

use std::path::PathBuf;

/// Path of a file under `tests/data/` (the fixture subset committed with the repo).
#[allow(dead_code)]
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// Reads a gzip-compressed `.npy` file under `tests/data/`.
#[allow(dead_code)]
pub fn npy_gz<T: ndarray_npy::ReadableElement, D: ndarray::Dimension>(rel: &str) -> ndarray::Array<T, D> {
    use ndarray_npy::ReadNpyExt;
    let path = data(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let array = ndarray::ArrayD::<T>::read_npy(flate2::read::GzDecoder::new(file))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    array.into_dimensionality::<D>().unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Largest absolute difference between two arrays, and the largest |b|.
#[allow(dead_code)]
pub fn max_abs_diff<'a>(a: impl IntoIterator<Item = &'a f32>, b: impl IntoIterator<Item = &'a f32>) -> (f32, f32) {
    a.into_iter().zip(b).fold((0f32, 0f32), |(d, m), (x, y)| (d.max((x - y).abs()), m.max(y.abs())))
}

/// The wrappers of the seed around each fixture model (`models/<name>/model.json`).
#[allow(dead_code)]
pub fn fixture_wrappers(name: &str) -> &'static str {
    match name {
        "bpnet" => "control,count",
        "chrombpnet" | "procapnet" => "count",
        "beluga" => "crop=57,output=0",
        other => panic!("no fixture model {other}"),
    }
}

/// Loads fixture model `name` (`tests/data/models/<name>/`) from `format` (`torch`,
/// `safetensors` or `onnx`) with the seed's wrappers: the exact model tangermeme explained.
#[allow(dead_code)]
pub fn fixture_model<B: burn::tensor::backend::Backend>(name: &str, format: &str) -> motiflift_models::Graph<B> {
    use motiflift_models::ModelSpec;
    let path = data(&format!("models/{name}/model.{format}"));
    let mut spec = ModelSpec::new(path);
    if format != "onnx" {
        spec = spec
            .with_arch(name.parse().expect("architecture"))
            .with_wrappers(fixture_wrappers(name).parse().expect("wrappers"));
    }
    motiflift_models::load::<B>(&spec, &Default::default()).unwrap_or_else(|e| panic!("{name} ({format}): {e}"))
}
