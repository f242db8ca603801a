//! Integration tests: models. Every fixture model (bpnet, chrombpnet, procapnet, beluga) loaded
//! from every format (state_dict, safetensors, ONNX) predicts what PyTorch recorded
//! (`tests/data/models/`, made by tangermeme 1.6.0 / bpnet-lite 1.1.0, see tests/data/README.md);
//! bad files and unsupported ops are clear errors.

use burn::tensor::{Tensor, TensorData, backend::Backend};
use motiflift_kernels::deeplift::Plain;
use motiflift_models::import::{StateDict, read_safetensors};
use motiflift_models::{Cpu, CpuAutodiff, Error, Graph, ModelSpec, load};
use ndarray::{Array2, Array3, Ix3};
use ndarray_npy::read_npy;

use crate::common::{data, max_abs_diff, npy_gz};

const MODELS: [&str; 4] = ["bpnet", "chrombpnet", "procapnet", "beluga"];
const FORMATS: [&str; 3] = ["torch", "safetensors", "onnx"];
/// Largest accepted max |error| / max |reference| (issue #3).
const TOLERANCE: f32 = 1e-5;

/// The seed's wrappers around each fixture model (`models/<name>/model.json`).
fn wrappers(name: &str) -> &'static str {
    match name {
        "bpnet" => "control,count",
        "beluga" => "crop=57,output=0:1",
        _ => "count",
    }
}

/// The spec tangermeme's wrapped model corresponds to; ONNX files contain their wrappers.
fn spec(name: &str, format: &str) -> ModelSpec {
    let spec = ModelSpec::new(data(&format!("models/{name}/model.{format}")));
    if format == "onnx" {
        return spec;
    }
    spec.with_arch(name.parse().unwrap())
        .with_wrappers(wrappers(name).parse().unwrap())
}

fn load_on<B: Backend>(spec: &ModelSpec) -> Graph<B> {
    load::<B>(spec, &Default::default()).unwrap_or_else(|e| panic!("{}: {e}", spec.path.display()))
}

/// The first `n` attributed loci (`inputs/X.npy`) as float one-hot.
fn x_rows<B: Backend>(n: usize) -> Tensor<B, 3> {
    let x = npy_gz::<i8, Ix3>("inputs/X.npy.gz");
    let (_, a, l) = x.dim();
    let values: Vec<f32> = x.iter().take(n * a * l).map(|&v| f32::from(v)).collect();
    Tensor::from_data(TensorData::new(values, [n, a, l]), &Default::default())
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

/// max |got − want| / max |want|.
fn relative_error(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    let (d, m) = max_abs_diff(got, want);
    d / m
}

#[test]
fn fixture_models_match_pytorch_in_every_format() {
    let x = x_rows::<Cpu>(64);
    for name in MODELS {
        let want: Array2<f32> = read_npy(data(&format!("models/{name}/y_X.npy"))).unwrap();
        for format in FORMATS {
            let graph = load_on::<Cpu>(&spec(name, format));
            let y = graph.predict(x.clone()).unwrap();
            assert_eq!(y.dims(), [64, 1], "{name} {format}");
            let err = relative_error(&values(y), want.as_slice().unwrap());
            eprintln!("{name:10} {format:11} relative error {err:.2e}");
            assert!(err <= TOLERANCE, "{name} {format}: relative error {err}");
        }
    }
}

#[test]
fn unwrapped_bpnets_return_profile_and_counts() {
    let x = x_rows::<Cpu>(4);
    for name in ["bpnet", "chrombpnet", "procapnet"] {
        let profile: Array3<f32> =
            read_npy(data(&format!("models/{name}/profile_first4.npy"))).unwrap();
        let counts: Array2<f32> =
            read_npy(data(&format!("models/{name}/counts_first4.npy"))).unwrap();
        for format in ["torch", "safetensors"] {
            let wrap = if name == "bpnet" { "control" } else { "" };
            let spec = spec(name, format).with_wrappers(wrap.parse().unwrap());
            let graph = load_on::<Cpu>(&spec);
            assert_eq!(graph.output_names(), vec!["profile", "counts"]);
            assert!(matches!(
                graph.predict(x.clone()),
                Err(Error::Output { .. })
            ));
            let outs = graph.forward_outputs(x.clone(), &Plain).unwrap();
            assert_eq!(outs[0].dims(), profile.shape().to_vec(), "{name} {format}");
            let p = values(outs[0].clone().into_tensor::<3>().unwrap());
            let c = values(outs[1].clone().into_tensor::<2>().unwrap());
            let (ep, ec) = (
                relative_error(&p, profile.as_slice().unwrap()),
                relative_error(&c, counts.as_slice().unwrap()),
            );
            assert!(
                ep <= TOLERANCE && ec <= TOLERANCE,
                "{name} {format}: profile {ep}, counts {ec}"
            );
        }
    }
}

#[test]
fn beluga_without_output_selection_returns_all_tasks() {
    let want: Array2<f32> = read_npy(data("models/beluga/all_tasks_X.npy")).unwrap();
    let spec = spec("beluga", "safetensors").with_wrappers("crop=57".parse().unwrap());
    let y = load_on::<Cpu>(&spec).predict(x_rows(64)).unwrap();
    assert_eq!(y.dims(), [64, 8]);
    assert!(relative_error(&values(y), want.as_slice().unwrap()) <= TOLERANCE);
}

/// Writes `state` as a safetensors file (float32, with `metadata` as `__metadata__`).
fn write_safetensors(path: &std::path::Path, state: &StateDict) {
    let mut header = serde_json::Map::new();
    let mut bytes = Vec::new();
    for key in state.keys() {
        let d = state.get(key).unwrap();
        let start = bytes.len();
        for v in d.to_vec::<f32>().unwrap() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        header.insert(
            key.to_string(),
            serde_json::json!({"dtype": "F32", "shape": d.shape.to_vec(), "data_offsets": [start, bytes.len()]}),
        );
    }
    if let Some(meta) = &state.metadata {
        header.insert("__metadata__".into(), meta.clone());
    }
    let header = serde_json::to_vec(&serde_json::Value::Object(header)).unwrap();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header);
    file.extend(bytes);
    std::fs::write(path, file).unwrap();
}

/// The published `deepsea.beluga.pth` layout: Conv2d `(out, in, 1, k)` weights and each Linear
/// inside `nn.Sequential(Lambda, Linear)` (`model.1.{2,4}.1.*`).
#[test]
fn beluga_loads_from_the_published_conv2d_layout() {
    let fixture = read_safetensors(&data("models/beluga/model.safetensors")).unwrap();
    let mut published = StateDict::new("deepsea.beluga.safetensors");
    for key in fixture.keys() {
        let d = fixture.get(key).unwrap().clone();
        let (key, d) = match d.shape.as_slice() {
            [o, i, k] => (
                key.to_string(),
                TensorData::new(d.to_vec::<f32>().unwrap(), [*o, *i, 1, *k]),
            ),
            _ if key.starts_with("model.1.") => (
                key.replacen("weight", "1.weight", 1)
                    .replacen("bias", "1.bias", 1),
                d,
            ),
            _ => (key.to_string(), d),
        };
        published.insert(key, d);
    }
    assert!(published.shape("model.1.2.1.weight").is_some());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deepsea.beluga.safetensors");
    write_safetensors(&path, &published);
    let spec = ModelSpec::new(&path)
        .with_arch("beluga".parse().unwrap())
        .with_wrappers(wrappers("beluga").parse().unwrap());
    let y = load_on::<Cpu>(&spec).predict(x_rows(16)).unwrap();
    let want: Array2<f32> = read_npy(data("models/beluga/y_X.npy")).unwrap();
    assert!(relative_error(&values(y), &want.as_slice().unwrap()[..16]) <= TOLERANCE);
}

#[test]
fn onnx_op_set_matches_onnxruntime() {
    let x: Array3<f32> = read_npy(data("models/onnx_ops/ops_X.npy")).unwrap();
    let want: Array2<f32> = read_npy(data("models/onnx_ops/ops_y.npy")).unwrap();
    let graph = load_on::<Cpu>(&ModelSpec::new(data("models/onnx_ops/ops.onnx")));
    let (n, a, l) = x.dim();
    let x = Tensor::<Cpu, 3>::from_data(
        TensorData::new(x.into_raw_vec_and_offset().0, [n, a, l]),
        &Default::default(),
    );
    let y = graph.predict(x).unwrap();
    assert_eq!(y.dims(), [n, want.ncols()]);
    let err = relative_error(&values(y), want.as_slice().unwrap());
    assert!(err <= TOLERANCE, "relative error {err}");
    graph.check_attributable().unwrap();
}

#[test]
fn unsupported_onnx_op_is_an_error_naming_op_and_node() {
    let err = load::<Cpu>(
        &ModelSpec::new(data("models/onnx_ops/erf.onnx")),
        &Default::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedOp { node, op, .. } if node == "node_erf" && op == "Erf"),
        "{err}"
    );
    assert!(err.to_string().contains("Erf") && err.to_string().contains("node_erf"));
}

#[test]
fn product_of_input_dependent_tensors_is_not_attributable() {
    let graph = load_on::<Cpu>(&ModelSpec::new(data("models/onnx_ops/square.onnx")));
    assert_eq!(
        graph.predict(x_rows(2).narrow(2, 0, 40)).unwrap().dims(),
        [2, 1]
    );
    let err = graph.check_attributable().unwrap_err();
    assert!(
        matches!(&err, Error::NotAttributable { node, op, .. } if node == "node_square" && op == "Mul"),
        "{err}"
    );
    for name in MODELS {
        for format in FORMATS {
            load_on::<Cpu>(&spec(name, format))
                .check_attributable()
                .unwrap();
        }
    }
}

#[test]
fn missing_key_is_an_error_naming_key_and_file() {
    let mut state = read_safetensors(&data("models/bpnet/model.safetensors")).unwrap();
    state.remove("linear.weight");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no_linear.safetensors");
    write_safetensors(&path, &state);
    let spec = ModelSpec::new(&path)
        .with_arch("bpnet".parse().unwrap())
        .with_wrappers(wrappers("bpnet").parse().unwrap());
    let err = load::<Cpu>(&spec, &Default::default()).unwrap_err();
    assert!(
        matches!(&err, Error::MissingKey { key, file, .. } if key == "linear.weight" && file == &path),
        "{err}"
    );
    assert!(err.to_string().contains("no_linear.safetensors"));
}

#[test]
fn wrong_weight_shape_is_an_error_naming_key_and_shapes() {
    let mut state = read_safetensors(&data("models/bpnet/model.safetensors")).unwrap();
    state.insert(
        "rconvs.2.weight",
        TensorData::new(vec![0f32; 16 * 32 * 3], [16, 32, 3]),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad_rconv.safetensors");
    write_safetensors(&path, &state);
    let spec = ModelSpec::new(&path)
        .with_arch("bpnet".parse().unwrap())
        .with_wrappers(wrappers("bpnet").parse().unwrap());
    let err = load::<Cpu>(&spec, &Default::default()).unwrap_err();
    assert!(
        matches!(&err, Error::WeightShape { key, found, .. } if key == "rconvs.2.weight" && found == &vec![16, 32, 3]),
        "{err}"
    );
    assert!(err.to_string().contains("(32, 32, k)"), "{err}");
}

#[test]
fn truncated_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for format in FORMATS {
        let bytes = std::fs::read(data(&format!("models/bpnet/model.{format}"))).unwrap();
        let path = dir.path().join(format!("truncated.{format}"));
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let mut spec = spec("bpnet", format);
        spec.path = path.clone();
        let err = load::<Cpu>(&spec, &Default::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Corrupt { file, .. } if file == &path),
            "{format}: {err}"
        );
        assert!(err.to_string().contains("truncated."), "{err}");
    }
}

#[test]
fn wrong_input_shape_is_an_error() {
    let graph = load_on::<Cpu>(&spec("beluga", "torch"));
    assert_eq!(graph.input_length(), Some(2114));
    let err = graph.predict(x_rows(2).narrow(2, 0, 2000)).unwrap_err();
    assert!(
        matches!(&err, Error::InputShape { found, .. } if found == &vec![2, 4, 2000]),
        "{err}"
    );
    let bpnet = load_on::<Cpu>(&spec("bpnet", "torch"));
    let err = bpnet.predict(x_rows(1).narrow(1, 0, 3)).unwrap_err();
    assert!(matches!(err, Error::InputShape { .. }), "{err}");
    // 140 bp: the count head's window [109 − 37, 140 − 109 + 37) is empty.
    assert!(matches!(
        bpnet.predict(x_rows(1).narrow(2, 0, 140)),
        Err(Error::Eval { .. })
    ));
}

#[test]
fn control_tracks_need_the_control_wrapper() {
    let bare = spec("bpnet", "torch").with_wrappers("count".parse().unwrap());
    let err = load::<Cpu>(&bare, &Default::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Spec { reason } if reason.contains("control")),
        "{err}"
    );
    let extra = spec("chrombpnet", "torch").with_wrappers("control,count".parse().unwrap());
    assert!(matches!(
        load::<Cpu>(&extra, &Default::default()),
        Err(Error::Spec { .. })
    ));
    let out_of_range = spec("beluga", "torch").with_wrappers("crop=57,output=8".parse().unwrap());
    assert!(matches!(
        load::<Cpu>(&out_of_range, &Default::default()),
        Err(Error::Output { .. })
    ));
}

#[test]
fn graphs_run_and_differentiate_on_the_autodiff_backend() {
    let graph = load_on::<CpuAutodiff>(&spec("bpnet", "onnx"));
    let x = x_rows::<CpuAutodiff>(2).require_grad();
    let y = graph.predict(x.clone()).unwrap();
    let plain = load_on::<Cpu>(&spec("bpnet", "onnx"))
        .predict(x_rows(2))
        .unwrap();
    assert_eq!(values(y.clone()), values(plain));
    let grads = y.sum().backward();
    let g = x.grad(&grads).expect("a gradient for the input");
    assert_eq!(g.dims(), [2, 4, 2114]);
    assert!(values(g).iter().any(|&v| v != 0.0));
}

/// bpnet-lite's full `ChromBPNet` saves a `bias` and an `accessibility` BPNet in one state dict;
/// `--arch chrombpnet` explains the accessibility model.
#[test]
fn chrombpnet_files_with_bias_and_accessibility_models_load_the_accessibility_model() {
    let fixture = read_safetensors(&data("models/chrombpnet/model.safetensors")).unwrap();
    let mut both = StateDict::new("chrombpnet_full.safetensors");
    for key in fixture.keys() {
        let d = fixture.get(key).unwrap().clone();
        let zeros = TensorData::new(vec![0f32; d.num_elements()], d.shape.clone());
        both.insert(format!("accessibility.{key}"), d);
        both.insert(format!("bias.{key}"), zeros);
    }
    both.metadata = fixture.metadata.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chrombpnet_full.safetensors");
    write_safetensors(&path, &both);
    let spec = ModelSpec::new(&path)
        .with_arch("chrombpnet".parse().unwrap())
        .with_wrappers("count".parse().unwrap());
    let y = load_on::<Cpu>(&spec).predict(x_rows(8)).unwrap();
    let want: Array2<f32> = read_npy(data("models/chrombpnet/y_X.npy")).unwrap();
    assert!(relative_error(&values(y), &want.as_slice().unwrap()[..8]) <= TOLERANCE);
}
