"""Time PyTorch on the jobs of motiflift's `benches/models.rs`: the BPNet fixture
(tests/data/models/bpnet/model.torch, bpnet-lite layout, 32 filters, 5 dilated layers, 2 control
tracks, trimming 109) on the 64 fixture loci (tests/data/inputs/X.npy.gz), float32, CPU.

Run through `scripts/bench_torch_bpnet.sh`, which makes the virtual environment. Usage:

    bench_torch_bpnet.py [--repeats R] [--threads T]

Jobs (the names of the criterion benches):
* forward_counts: the wrapped model tangermeme explains, CountWrapper(ControlWrapper(BPNet)).
  bpnet-lite computes the profile head too and drops it; `counts head only` skips it, as
  motiflift's graph does (dead-node elimination), for a same-work comparison.
* forward_profile_and_counts: BPNet(X, zeros) returning both heads.
* forward_backward_counts: forward of the wrapped model and backward of the summed output to the
  input (parameters frozen), the pass DeepLIFT runs.
The BPNet forward is bpnet-lite 1.1.0's, re-implemented in a few lines (no bpnet-lite needed); the
script checks it against the recorded tangermeme predictions (tests/data/models/bpnet/y_X.npy).
"""

import argparse
import gzip
import os
import time

import numpy
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")


class BPNet(torch.nn.Module):
    """bpnet-lite 1.1.0 BPNet (forward as in tests/data/models/bpnet/model.json)."""

    def __init__(self, n_filters=32, n_layers=5, n_outputs=2, n_control_tracks=2, trimming=109):
        super().__init__()
        self.trimming = trimming
        self.iconv = torch.nn.Conv1d(4, n_filters, 21, padding=10)
        self.rconvs = torch.nn.ModuleList(
            [torch.nn.Conv1d(n_filters, n_filters, 3, padding=2**i, dilation=2**i) for i in range(1, n_layers + 1)]
        )
        self.fconv = torch.nn.Conv1d(n_filters + n_control_tracks, n_outputs, 75, padding=37)
        self.linear = torch.nn.Linear(n_filters + (1 if n_control_tracks else 0), 1)

    def trunk(self, X):
        h = torch.relu(self.iconv(X))
        for conv in self.rconvs:
            h = h + torch.relu(conv(h))
        return h

    def counts(self, h, X_ctl):
        start, end = self.trimming, h.shape[2] - self.trimming
        pooled = torch.mean(h[:, :, start - 37 : end + 37], dim=2)
        ctl = torch.sum(X_ctl[:, :, start - 37 : end + 37], dim=(1, 2)).unsqueeze(-1)
        return self.linear(torch.cat([pooled, torch.log(ctl + 1)], dim=-1))

    def forward(self, X, X_ctl, heads="both"):
        h = self.trunk(X)
        counts = self.counts(h, X_ctl)
        if heads == "counts":
            return counts
        start, end = self.trimming, X.shape[2] - self.trimming
        profile = self.fconv(torch.cat([h, X_ctl], dim=1))[:, :, start:end]
        return profile, counts


def best_of(fn, repeats):
    """Warm up once, then return the fastest of `repeats` wall-clock times in seconds."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model = BPNet()
    model.load_state_dict(torch.load(os.path.join(DATA, "models", "bpnet", "model.torch"), map_location="cpu"))
    model.eval().requires_grad_(False)
    with gzip.open(os.path.join(DATA, "inputs", "X.npy.gz")) as f:
        X = torch.from_numpy(numpy.load(f).astype(numpy.float32))
    X_ctl = torch.zeros(X.shape[0], 2, X.shape[2])

    with torch.no_grad():
        y = model(X, X_ctl)[1].numpy()
    want = numpy.load(os.path.join(DATA, "models", "bpnet", "y_X.npy"))
    err = numpy.abs(y - want).max() / numpy.abs(want).max()
    assert err < 1e-5, f"re-implemented BPNet differs from the recorded predictions: {err}"

    def forward_counts_full():
        with torch.no_grad():
            return model(X, X_ctl)[1]

    def forward_counts_only():
        with torch.no_grad():
            return model(X, X_ctl, heads="counts")

    def forward_both():
        with torch.no_grad():
            return model(X, X_ctl)

    def forward_backward(heads):
        def run():
            x = X.clone().requires_grad_(True)
            y = model(x, X_ctl)[1] if heads == "both" else model(x, X_ctl, heads="counts")
            y.sum().backward()
            return x.grad

        return run

    rows = [
        ("forward_counts (wrapped model, profile head computed and dropped)", best_of(forward_counts_full, args.repeats)),
        ("forward_counts (counts head only)", best_of(forward_counts_only, args.repeats)),
        ("forward_profile_and_counts", best_of(forward_both, args.repeats)),
        ("forward_backward_counts (wrapped model)", best_of(forward_backward("both"), args.repeats)),
        ("forward_backward_counts (counts head only)", best_of(forward_backward("counts"), args.repeats)),
    ]
    print(f"torch {torch.__version__}, {args.threads} threads, batch {X.shape[0]} x {X.shape[2]} bp (max rel. error vs y_X {err:.1e})")
    for name, seconds in rows:
        print(f"{name:70s} {seconds * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
