//! bpnet-lite's BPNet (and the ChromBPNet / ProCapNet variants without control tracks).
//!
//! ```text
//! h = relu(iconv(X))                                  # Conv1d(4, F, k0, padding=k0 // 2)
//! for i in 0..n_layers: h = h + relu(rconvs[i](h))    # Conv1d(F, F, k, dilation=2^(i+1), same padding)
//! profile = fconv(cat([h, X_ctl]))[:, :, t:L-t]       # Conv1d(F + n_ctl, n_outputs, kf, padding=kf // 2)
//! pooled = mean(h[:, :, max(t-37, 0):L-t+37], dim=2)  # (+ log(sum(X_ctl[...]) + 1) with control tracks)
//! counts = linear(pooled)                             # Linear(F (+1), 1)
//! ```

use burn::tensor::{Tensor, backend::Backend};

use super::{Arch, Hyper, Wrappers, wrappers};
use crate::error::{Error, Result};
use crate::graph::{Graph, GraphBuilder, ValueId};
use crate::import::StateDict;
use crate::ops::{BinaryOp, Conv1d, ConvPadding, IntsArg, Linear, Op, ReduceOp};
use motiflift_kernels::deeplift::Activation;

/// bpnet-lite pools the count head over the profile window widened by this much on each side.
const COUNT_FLANK: usize = 37;

/// The key prefix of the BPNet inside `state` (`""`, `"model."`, … or bpnet-lite ChromBPNet's
/// `"accessibility."`).
fn prefix(state: &StateDict, arch: &str) -> Result<String> {
    let mut found: Vec<String> = state
        .keys()
        .filter_map(|k| k.strip_suffix("iconv.weight"))
        .filter(|p| p.is_empty() || p.ends_with('.'))
        .map(str::to_string)
        .collect();
    if let Some(acc) = found.iter().find(|p| p.ends_with("accessibility.")) {
        return Ok(acc.clone());
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(state.missing("iconv.weight", arch)),
        _ => Err(state.arch_error(format!(
            "several BPNets in one file (prefixes {found:?}); keep only the one to explain"
        ))),
    }
}

/// `(k − 1) / 2 · dilation` on both sides: bpnet-lite's "same" padding for odd kernels.
fn same_padding(
    state: &StateDict,
    key: &str,
    kernel: usize,
    dilation: usize,
) -> Result<ConvPadding> {
    if kernel.is_multiple_of(2) {
        return Err(state.wrong_shape(
            key,
            "an odd kernel length (bpnet-lite pads k // 2)".into(),
            vec![kernel],
        ));
    }
    let p = (kernel - 1) / 2 * dilation;
    Ok(ConvPadding::Explicit(p, p))
}

/// An optional bias `(n,)`.
fn bias<B: Backend>(
    state: &StateDict,
    key: &str,
    n: usize,
    arch: &str,
    device: &B::Device,
) -> Result<Option<Tensor<B, 1>>> {
    match state.shape(key) {
        None => Ok(None),
        Some(s) if s == [n] => Ok(Some(state.tensor(key, arch, device)?)),
        Some(s) => Err(state.wrong_shape(key, format!("({n},)"), s)),
    }
}

pub(super) fn build<B: Backend>(
    arch: Arch,
    state: &StateDict,
    hyper: &Hyper,
    wrap: &Wrappers,
    device: &B::Device,
) -> Result<Graph<B>> {
    let name = arch.name();
    let p = prefix(state, name)?;
    let key = |k: &str| format!("{p}{k}");

    let iconv_w: Tensor<B, 3> = state.tensor(&key("iconv.weight"), name, device)?;
    let [nf, alphabet, k0] = iconv_w.dims();
    let iconv = Conv1d::new(
        iconv_w,
        bias(state, &key("iconv.bias"), nf, name, device)?,
        same_padding(state, &key("iconv.weight"), k0, 1)?,
    );

    let mut rconvs = Vec::new();
    while state
        .shape(&key(&format!("rconvs.{}.weight", rconvs.len())))
        .is_some()
    {
        let i = rconvs.len();
        let wkey = key(&format!("rconvs.{i}.weight"));
        let w: Tensor<B, 3> = state.tensor(&wkey, name, device)?;
        let [o, c, k] = w.dims();
        if o != nf || c != nf {
            return Err(state.wrong_shape(&wkey, format!("({nf}, {nf}, k)"), vec![o, c, k]));
        }
        let dilation = 1usize << (i + 1);
        let b = bias(state, &key(&format!("rconvs.{i}.bias")), nf, name, device)?;
        rconvs.push(
            Conv1d::new(w, b, same_padding(state, &wkey, k, dilation)?).with_dilation(dilation),
        );
    }

    let fkey = key("fconv.weight");
    let fconv_w: Tensor<B, 3> = state.tensor(&fkey, name, device)?;
    let [n_out, f_in, kf] = fconv_w.dims();
    if f_in < nf {
        return Err(state.wrong_shape(
            &fkey,
            format!("(n_outputs, {nf} + n_control_tracks, k)"),
            vec![n_out, f_in, kf],
        ));
    }
    let n_ctl = f_in - nf;
    let lkey = key("linear.weight");
    let lin_w: Tensor<B, 2> = state.tensor(&lkey, name, device)?;
    let want_in = nf + usize::from(n_ctl > 0);
    if lin_w.dims()[1] != want_in {
        return Err(state.wrong_shape(&lkey, format!("(n, {want_in})"), lin_w.dims().to_vec()));
    }
    let n_counts = lin_w.dims()[0];

    if n_ctl > 0 && arch != Arch::Bpnet {
        return Err(state.arch_error(format!(
            "this {name} has {n_ctl} control tracks; load it with the `bpnet` architecture"
        )));
    }
    if n_ctl > 0 && !wrap.control {
        return Err(Error::Spec {
            reason: format!(
                "{} has {n_ctl} control tracks but motiflift feeds only the sequence: add the `control` wrapper (all-zero control tracks)",
                state.file().display()
            ),
        });
    }
    if n_ctl == 0 && wrap.control {
        return Err(Error::Spec {
            reason: format!(
                "the `control` wrapper was given but {} has no control tracks",
                state.file().display()
            ),
        });
    }
    // Zero control tracks contribute exactly nothing: drop their weights.
    let fconv = Conv1d::new(
        fconv_w.narrow(1, 0, nf),
        bias(state, &key("fconv.bias"), n_out, name, device)?,
        same_padding(state, &fkey, kf, 1)?,
    );
    let linear = Linear::from_torch(
        lin_w.narrow(1, 0, nf),
        bias(state, &key("linear.bias"), n_counts, name, device)?,
    );

    let trimming = hyper.trimming.unwrap_or(1 << rconvs.len());
    let mut g = GraphBuilder::new(device);
    g.input_shape(Some(alphabet), None);
    let x = wrappers::crop_input(&mut g, wrap.crop.unwrap_or(0));
    let h = g.push("iconv", Op::Conv1d(iconv), &[x]);
    let mut h = g.push("irelu", Op::Activation(Activation::Relu), &[h]);
    for (i, conv) in rconvs.into_iter().enumerate() {
        let c = g.push(format!("rconvs.{i}"), Op::Conv1d(conv), &[h]);
        let r = g.push(
            format!("rrelus.{i}"),
            Op::Activation(Activation::Relu),
            &[c],
        );
        h = g.push(format!("add.{i}"), Op::Binary(BinaryOp::Add), &[h, r]);
    }
    let profile = g.push("fconv", Op::Conv1d(fconv), &[h]);
    let profile = trim(&mut g, "profile.trim", profile, trimming, trimming);
    let lo = trimming.saturating_sub(COUNT_FLANK);
    let window = trim(
        &mut g,
        "counts.window",
        h,
        lo,
        trimming.saturating_sub(COUNT_FLANK),
    );
    let pooled = g.push(
        "counts.mean",
        Op::Reduce {
            op: ReduceOp::Mean,
            axes: vec![2],
            keepdims: false,
        },
        &[window],
    );
    let counts = g.push("linear", Op::Linear(linear), &[pooled]);
    if !wrap.count {
        if wrap.output.is_some() {
            return Err(Error::Spec {
                reason: "output-column selection on a BPNet needs the `count` wrapper (the profile is 3-D)".into(),
            });
        }
        g.output("profile", profile);
        g.output("counts", counts);
        return g.build();
    }
    let y = match &wrap.output {
        Some(cols) => wrappers::select_columns(&mut g, counts, cols, Some(n_counts))?,
        None => counts,
    };
    g.output("counts", y);
    g.build()
}

/// `x[:, :, start : L − end_trim]` (the end clamps to `L` when `end_trim` is 0).
fn trim<B: Backend>(
    g: &mut GraphBuilder<B>,
    name: &str,
    x: ValueId,
    start: usize,
    end_trim: usize,
) -> ValueId {
    let end = if end_trim == 0 {
        i64::MAX
    } else {
        -(end_trim as i64)
    };
    let op = Op::Slice {
        starts: IntsArg::Static(vec![start as i64]),
        ends: IntsArg::Static(vec![end]),
        axes: Some(IntsArg::Static(vec![2])),
        steps: None,
    };
    g.push(name, op, &[x])
}
