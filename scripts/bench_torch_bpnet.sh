#!/usr/bin/env bash
# Times PyTorch on the jobs of benches/models.rs (the BPNet fixture at batch 64, CPU) for
# side-by-side ratios with `cargo bench --bench models`. Uses scripts/.venv (gitignored, shared
# with bench_tangermeme.sh) and installs torch from the package index if it is missing.
# Usage: scripts/bench_torch_bpnet.sh [--repeats R] [--threads T]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet torch numpy
fi
exec "$venv/bin/python" "$here/bench_torch_bpnet.py" "$@"
