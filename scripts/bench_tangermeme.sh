#!/usr/bin/env bash
# Times tangermeme 1.6.0 on the jobs of motiflift's criterion benches, on this machine, for
# side-by-side ratios. Creates scripts/.venv (gitignored) with tangermeme from the package index
# on first use. Usage: scripts/bench_tangermeme.sh [--repeats R] [JOB ...]  (JOB: shuffle, extract, seqlets, tomtom, deep_lift_shap)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# A no-op (no download) once the pinned versions are installed.
"$venv/bin/python" -m pip install --quiet tangermeme==1.6.0 memelite==0.5.0 bpnet-lite
exec "$venv/bin/python" "$here/bench_tangermeme.py" "$@"
