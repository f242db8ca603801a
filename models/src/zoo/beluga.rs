//! DeepSEA Beluga and Beluga-like CNNs: an `nn.Sequential` whose first block holds six valid
//! convolutions (ReLU after each, max-pool after the 2nd and 4th) and whose second block holds
//! flatten → Linear → ReLU → Linear; a sigmoid follows.
//!
//! Two weight layouts load without conversion: Conv1d weights `model.0.{i}.weight`
//! `(out, in, k)` with `model.1.{2,4}.weight` (the fixtures' `BelugaLike`), and the published
//! `deepsea.beluga.pth`: Conv2d weights `(out, in, 1, k)` on a `(N, 4, 1, L)` view (a `(1, k)`
//! Conv2d is a Conv1d) with `model.1.{2,4}.1.weight` (each Linear sits in an
//! `nn.Sequential(Lambda, Linear)`).

use burn::tensor::{Tensor, backend::Backend};

use super::{Hyper, Wrappers, wrappers};
use crate::error::Result;
use crate::graph::{Graph, GraphBuilder};
use crate::import::StateDict;
use crate::ops::{Conv1d, ConvPadding, IntsArg, Linear, Op};
use motiflift_kernels::deeplift::{Activation, MaxPool1d};

const ARCH: &str = "beluga";
/// Sequential indices of the convolutions in `model.0`.
const CONVS: [usize; 6] = [0, 2, 6, 8, 12, 14];
/// Convolutions followed by a max-pool (positions in `CONVS`).
const POOL_AFTER: [usize; 2] = [1, 3];
/// Sequential indices of the dense layers in `model.1`.
const DENSE: [usize; 2] = [2, 4];

/// The key prefix in front of `model.0.0.weight` (empty for a plain state dict).
fn prefix(state: &StateDict) -> Result<String> {
    state
        .keys()
        .find_map(|k| k.strip_suffix("model.0.0.weight"))
        .map(str::to_string)
        .ok_or_else(|| state.missing("model.0.0.weight", ARCH))
}

/// A convolution weight, 3-D or the published `(out, in, 1, k)` Conv2d layout.
fn conv_weight<B: Backend>(
    state: &StateDict,
    key: &str,
    device: &B::Device,
) -> Result<Tensor<B, 3>> {
    match state.shape(key) {
        Some(s) if s.len() == 3 => state.tensor(key, ARCH, device),
        Some(s) if s.len() == 4 && s[2] == 1 => {
            let w: Tensor<B, 4> = state.tensor(key, ARCH, device)?;
            Ok(w.reshape([s[0], s[1], s[3]]))
        }
        Some(s) => Err(state.wrong_shape(key, "(out, in, k) or (out, in, 1, k)".into(), s)),
        None => Err(state.missing(key, ARCH)),
    }
}

/// A dense layer at `model.1.{i}` or, in the published layout, `model.1.{i}.1`.
fn dense<B: Backend>(
    state: &StateDict,
    p: &str,
    i: usize,
    device: &B::Device,
) -> Result<Linear<B>> {
    let plain = format!("{p}model.1.{i}");
    let base = if state.shape(&format!("{plain}.weight")).is_some() {
        plain
    } else {
        format!("{p}model.1.{i}.1")
    };
    let w: Tensor<B, 2> = state.tensor(&format!("{base}.weight"), ARCH, device)?;
    let out = w.dims()[0];
    let bkey = format!("{base}.bias");
    let b = match state.shape(&bkey) {
        None => None,
        Some(s) if s == [out] => Some(state.tensor(&bkey, ARCH, device)?),
        Some(s) => return Err(state.wrong_shape(&bkey, format!("({out},)"), s)),
    };
    Ok(Linear::from_torch(w, b))
}

pub(super) fn build<B: Backend>(
    state: &StateDict,
    hyper: &Hyper,
    wrap: &Wrappers,
    device: &B::Device,
) -> Result<Graph<B>> {
    if wrap.control || wrap.count {
        return Err(crate::Error::Spec {
            reason: "the `control` and `count` wrappers apply to BPNet models only".into(),
        });
    }
    let p = prefix(state)?;
    let pool = hyper.pool_size.unwrap_or(4);
    let inner = hyper.inner_input_length.unwrap_or(2000);

    let mut g = GraphBuilder::new(device);
    let crop = wrap.crop.unwrap_or(0);
    let mut h = wrappers::crop_input(&mut g, crop);
    let (mut channels, mut length) = (None, inner);
    for (j, &i) in CONVS.iter().enumerate() {
        let key = format!("{p}model.0.{i}.weight");
        let w = conv_weight::<B>(state, &key, device)?;
        let [o, c, k] = w.dims();
        if let Some(ch) = channels
            && ch != c
        {
            return Err(state.wrong_shape(
                &key,
                format!("(out, {ch}, k) after the previous layer"),
                vec![o, c, k],
            ));
        }
        if j == 0 {
            g.input_shape(Some(c), Some(inner + 2 * crop));
        }
        let bkey = format!("{p}model.0.{i}.bias");
        let b = match state.shape(&bkey) {
            None => None,
            Some(s) if s == [o] => Some(state.tensor(&bkey, ARCH, device)?),
            Some(s) => return Err(state.wrong_shape(&bkey, format!("({o},)"), s)),
        };
        if length < k {
            return Err(state.arch_error(format!(
                "an inner input length of {inner} is too short for the convolutions (set inner_input_length)"
            )));
        }
        length -= k - 1;
        channels = Some(o);
        let c = g.push(
            format!("model.0.{i}"),
            Op::Conv1d(Conv1d::new(w, b, ConvPadding::Explicit(0, 0))),
            &[h],
        );
        h = g.push(
            format!("model.0.{}", i + 1),
            Op::Activation(Activation::Relu),
            &[c],
        );
        if POOL_AFTER.contains(&j) {
            length /= pool;
            h = g.push(
                format!("model.0.{}", i + 3),
                Op::MaxPool1d(MaxPool1d::new(pool)),
                &[h],
            );
        }
    }
    let flat = channels.unwrap_or(0) * length;
    let l1 = dense::<B>(state, &p, DENSE[0], device)?;
    if l1.in_features() != flat {
        return Err(state.arch_error(format!(
            "the first dense layer takes {} features but the convolutions give {} channels × {length} positions = {flat} \
             for an inner input length of {inner} and pool size {pool}; set inner_input_length / pool_size",
            l1.in_features(),
            channels.unwrap_or(0)
        )));
    }
    let l2 = dense::<B>(state, &p, DENSE[1], device)?;
    if l2.in_features() != l1.out_features() {
        let key = format!("{p}model.1.{}.weight", DENSE[1]);
        return Err(state.wrong_shape(
            &key,
            format!("(n_targets, {})", l1.out_features()),
            vec![l2.out_features(), l2.in_features()],
        ));
    }
    let n_targets = l2.out_features();
    let h = g.push(
        "model.1.1",
        Op::Reshape {
            shape: IntsArg::Static(vec![0, -1]),
            allowzero: false,
        },
        &[h],
    );
    let h = g.push("model.1.2", Op::Linear(l1), &[h]);
    let h = g.push("model.1.3", Op::Activation(Activation::Relu), &[h]);
    let h = g.push("model.1.4", Op::Linear(l2), &[h]);
    let mut y = g.push("model.2", Op::Activation(Activation::Sigmoid), &[h]);
    if let Some(cols) = &wrap.output {
        y = wrappers::select_columns(&mut g, y, cols, Some(n_targets))?;
    }
    g.output("y", y);
    g.build()
}
