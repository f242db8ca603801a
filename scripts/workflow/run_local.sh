#!/usr/bin/env bash
# Runs the Snakemake workflow on the bundled example on this machine, then demonstrates that a
# killed run resumes without redoing finished shards.
#
#   scripts/workflow/run_local.sh            # from anywhere in the repository
#
# 1. a virtual environment scripts/.venv-snakemake with Snakemake from PyPI (once);
# 2. cargo build -p motiflift (dev profile, optimised; PROFILE=release for a release build);
# 3. a fresh run into workflow-out-kill/, killed (SIGTERM to Snakemake) once the first
#    attribution shards are written; the finished shard files are fingerprinted;
# 4. the same command again: it finishes the workflow, and the fingerprints show the shards
#    finished before the kill were not redone;
# 5. a last `snakemake --dry-run` reports nothing left to do.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV=scripts/.venv-snakemake
CORES="${CORES:-2}"
PROFILE="${PROFILE:-dev}"
OUT="${OUT:-workflow-out-kill}"

if [ ! -x "$VENV/bin/snakemake" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet snakemake
fi
"$VENV/bin/snakemake" --version

if [ "$PROFILE" = release ]; then
    cargo build --release -p motiflift
    BIN=target/release/motiflift
else
    cargo build -p motiflift
    BIN=target/debug/motiflift
fi

SMK=("$VENV/bin/snakemake" -s scripts/workflow/Snakefile --directory "$ROOT" --cores "$CORES"
     --config "motiflift=$BIN" "out=$OUT" --rerun-incomplete)

rm -rf "$OUT"
log1="$(mktemp)"
echo "== run 1 (killed once attribution shards are done)"
# Snakemake in its own process group, so the kill reaches it and its jobs.
setsid "${SMK[@]}" >"$log1" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    n=$( (find "$OUT" -path '*/shards/attributions.*.npy' 2>/dev/null || true) | wc -l)
    [ "$n" -ge 3 ] && break
    sleep 0.2
done
kill -TERM -- "-$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "   killed; finished shard files:"
before="$(mktemp)"
find "$OUT" -path '*/shards/*' -name '*.npy' -printf '%p %i %T@\n' | sort >"$before"
sed 's/^/     /' "$before"
echo "   partial files left beside them (expected: none):"
find "$OUT" -name '.*.part-*' -o -name '.*.tmp-*' | sed 's/^/     /'
total=$(grep -c . "$before" || true)

echo "== run 2 (resume)"
"$VENV/bin/snakemake" -s scripts/workflow/Snakefile --directory "$ROOT" --unlock \
    --config "motiflift=$BIN" "out=$OUT" >/dev/null 2>&1 || true
log2="$(mktemp)"
"${SMK[@]}" >"$log2" 2>&1
grep -E "^(Job stats|job +count|[a-z_]+ +[0-9]+$|total)" "$log2" | sed 's/^/   /' || true
redone=0
while read -r path inode mtime; do
    now="$(stat -c '%i' "$path") $(find "$path" -printf '%T@')"
    if [ "$now" != "$inode $mtime" ]; then
        echo "   REDONE: $path"
        redone=$((redone + 1))
    fi
done <"$before"
echo "   shards finished before the kill: $total, redone after it: $redone"

echo "== run 3 (dry run: nothing to do)"
"${SMK[@]}" --dry-run 2>&1 | tail -n 2 | sed 's/^/   /'
echo "outputs in $OUT/: $(find "$OUT" -type f | wc -l) files"
[ "$redone" -eq 0 ]
