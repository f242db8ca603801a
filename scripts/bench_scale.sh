#!/usr/bin/env bash
# Genome-wide scale benchmark: peak memory (/usr/bin/time -v, "Maximum resident set size") and
# throughput of the streaming subcommands on synthetic data of N loci, for each N in SIZES.
# Nothing is committed: the data are generated under DATA (default: a folder in $TMPDIR).
#
#   scripts/bench_scale.sh                      # SIZES="20000 200000"
#   SIZES="20000" ATTR_LOCI=400 SHUFFLES=2 scripts/bench_scale.sh
#
# Per N: a random genome (8 x 4 Mb) and N peaks, `extract` of all N windows of 2114 bp (int8
# (N, 4, 2114): 1.7 GB at N = 200,000), `attribute` (BPNet fixture) of the first ATTR_LOCI loci
# of that file with SHUFFLES references each (a shard of the file: DeepLIFT on 2 CPU cores is a
# few hundred pairs/s, so all of 200,000 x 20 is hours; memory must not depend on N), `seqlets`
# on synthetic (N, 2114) float32 attributions (three passes over the file), `annotate` of the
# seqlets of the first ANNOT_LOCI loci (Tomtom against the 215 JASPAR motifs), and `merge` of
# two halves of X.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SIZES="${SIZES:-20000 200000}"
SHUFFLES="${SHUFFLES:-2}"
ATTR_LOCI="${ATTR_LOCI:-200}"
ANNOT_LOCI="${ANNOT_LOCI:-20000}"
DATA="${DATA:-${TMPDIR:-/tmp}/motiflift-bench-scale}"
PROFILE="${PROFILE:-dev}"

if [ "$PROFILE" = release ]; then
    cargo build --release -p motiflift --bin motiflift --example synth_scale
    BIN=target/release/motiflift; SYNTH=target/release/examples/synth_scale
else
    cargo build -p motiflift --bin motiflift --example synth_scale
    BIN=target/debug/motiflift; SYNTH=target/debug/examples/synth_scale
fi
MOTIFS=tests/data/motifs/jaspar2024_hsapiens_chipseq.meme
MODEL=tests/data/models/bpnet/model.torch

results="$DATA/results.tsv"
mkdir -p "$DATA"
printf 'step\tN\tunits\twall_s\tpeak_rss_MB\tunits_per_s\n' >"$results"

# measure STEP N UNITS CMD...: runs CMD under /usr/bin/time -v, appends a line to $results.
measure() {
    local step=$1 n=$2 units=$3
    shift 3
    local log="$DATA/$step.$n.time"
    /usr/bin/time -v "$@" 2>"$log" >/dev/null || { tail -n 30 "$log"; exit 1; }
    local rss wall
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    awk -v s="$step" -v n="$n" -v u="$units" -v w="$wall" -v r="$rss" \
        'BEGIN { printf "%s\t%d\t%d\t%.2f\t%.1f\t%.1f\n", s, n, u, w, r / 1024, u / (w > 0 ? w : 1e-9) }' |
        tee -a "$results"
}

for n in $SIZES; do
    d="$DATA/$n"
    mkdir -p "$d"
    [ -f "$d/A.npy" ] || "$SYNTH" "$d" "$n"
    measure extract "$n" "$n" "$BIN" -q extract --bed "$d/peaks.bed" --fasta "$d/genome.fa" -o "$d/X.npy"
    shards=$(( (n + ATTR_LOCI - 1) / ATTR_LOCI ))
    measure attribute "$n" $((ATTR_LOCI * SHUFFLES)) "$BIN" -q attribute --model "$MODEL" --arch bpnet \
        --wrap control,count -i "$d/X.npy" --n-shuffles "$SHUFFLES" --shard "0/$shards" -o "$d/A_attr.npy"
    measure seqlets "$n" "$n" "$BIN" -q seqlets -i "$d/A.npy" -o "$d/seqlets.tsv"
    ashards=$(( (n + ANNOT_LOCI - 1) / ANNOT_LOCI ))
    nseq=$(awk -F'\t' -v m=$(( n / ashards )) 'NR > 1 && $1 < m' "$d/seqlets.tsv" | wc -l)
    measure annotate "$n" "$nseq" "$BIN" -q annotate --seqlets "$d/seqlets.tsv" -i "$d/X.npy" --motifs "$MOTIFS" \
        --shard "0/$ashards" -o "$d/annotated.tsv"
    "$BIN" -q extract --bed "$d/peaks.bed" --fasta "$d/genome.fa" --shard 0/2 -o "$d/X.0.npy"
    "$BIN" -q extract --bed "$d/peaks.bed" --fasta "$d/genome.fa" --shard 1/2 -o "$d/X.1.npy"
    measure merge "$n" "$n" "$BIN" -q merge -o "$d/X.merged.npy" "$d/X.0.npy" "$d/X.1.npy"
    cmp "$d/X.npy" "$d/X.merged.npy"
    rm -f "$d/X.0.npy" "$d/X.1.npy" "$d/X.merged.npy"
done
echo "results: $results"
column -t "$results"
