"""Time tangermeme 1.6.0 on the jobs that motiflift's criterion benches (`benches/`) time.

Run through `scripts/bench_tangermeme.sh`, which makes the virtual environment. Usage:

    bench_tangermeme.py [--repeats R] [JOB ...]

Each job is a function registered with `@job(name)`: it builds its inputs (seeded, so the runs
are comparable with the Rust benches), then times its calls with `best_of` and returns rows of
(case, seconds). With no JOB, every registered job runs. To add a job (seqlets, tomtom,
deep_lift_shap, ...), write one more decorated function; nothing else needs to change.
"""

import argparse
import os
import tempfile
import time

import numpy

JOBS = {}


def job(name):
    """Register a benchmark job under `name`."""

    def register(fn):
        JOBS[name] = fn
        return fn

    return register


def best_of(fn, repeats):
    """Run `fn` once to warm up (numba compilation, file caches), then `repeats` times; return
    the fastest wall-clock time in seconds."""

    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@job("shuffle")
def bench_shuffle(repeats):
    """dinucleotide_shuffle of 1,000 x 2,114 bp x 20 shuffles (benches/shuffle.rs)."""

    from tangermeme.ersatz import dinucleotide_shuffle
    from tangermeme.utils import random_one_hot

    X = random_one_hot((1000, 4, 2114), random_state=0)
    rows = []
    for n_jobs in (1, 2):
        seconds = best_of(lambda: dinucleotide_shuffle(X, n=20, random_state=0, n_jobs=n_jobs), repeats)
        rows.append((f"dinucleotide_shuffle 1000 x 2114 x 20, n_jobs={n_jobs}", seconds))
    return rows


def write_genome(directory, chrom_lengths, seed=0, line_width=60):
    """A random genome (about a tenth soft-masked) as FASTA; returns its path."""

    rng = numpy.random.RandomState(seed)
    path = os.path.join(directory, "genome.fa")
    with open(path, "w") as fasta:
        for name, length in chrom_lengths.items():
            seq = numpy.frombuffer(b"ACGT", dtype=numpy.uint8)[rng.randint(4, size=length)].copy()
            lower = rng.random_sample(length // 1000 + 1) < 0.1
            for k in numpy.nonzero(lower)[0]:
                seq[k * 1000:(k + 1) * 1000] |= 0x20
            text = seq.tobytes().decode()
            fasta.write(f">{name}\n")
            for i in range(0, length, line_width):
                fasta.write(text[i:i + line_width] + "\n")
    return path


def write_bed(directory, chrom_lengths, n_loci, seed=1, margin=5000):
    """`n_loci` random intervals (200-700 bp) away from the chromosome ends; returns its path."""

    rng = numpy.random.RandomState(seed)
    names = list(chrom_lengths)
    path = os.path.join(directory, "loci.bed")
    with open(path, "w") as bed:
        for _ in range(n_loci):
            chrom = names[rng.randint(len(names))]
            start = rng.randint(margin, chrom_lengths[chrom] - margin)
            bed.write(f"{chrom}\t{start}\t{start + rng.randint(200, 701)}\n")
    return path


@job("extract")
def bench_extract(repeats):
    """extract_loci of 10,000 loci, 2,114-bp windows, from a random 3 x 10 Mb genome."""

    from tangermeme.io import extract_loci

    chrom_lengths = {"chr1": 10_000_000, "chr2": 10_000_000, "chr3": 10_000_000}
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        fasta = write_genome(directory, chrom_lengths)
        bed = write_bed(directory, chrom_lengths, 10_000)
        for n_jobs in (1, 4):
            seconds = best_of(lambda: extract_loci(bed, fasta, in_window=2114, n_jobs=n_jobs), repeats)
            rows.append((f"extract_loci 10,000 loci x 2114 bp, n_jobs={n_jobs}", seconds))
    return rows


def synthetic_tracks(n, length=2114):
    """Laplace(0, 0.01) attribution tracks from a splitmix64 stream, one 8-bp bump of
    0.02 * (1 + i % 5) per track: the tracks of benches/seqlets.rs."""

    u64 = numpy.uint64
    z = numpy.arange(n * length, dtype=u64) + u64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> u64(30))) * u64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> u64(27))) * u64(0x94D049BB133111EB)
    z = z ^ (z >> u64(31))
    u = ((z >> u64(11)).astype(numpy.float64) + 0.5) / 2.0 ** 53
    x = numpy.where(u < 0.5, 0.01 * numpy.log(2 * u), -0.01 * numpy.log(2 * (1 - u)))
    x = x.astype(numpy.float32).reshape(n, length)
    for i in range(n):
        start = (i * 37) % (length - 8)
        x[i, start:start + 8] += numpy.float32(0.02 * (1 + i % 5))
    return x


@job("seqlets")
def bench_seqlets(repeats):
    """recursive_seqlets of 10,000 x 2,114 tracks, tfmodisco_seqlets of 1,000 (benches/seqlets.rs)."""

    import torch
    from tangermeme.seqlet import recursive_seqlets, tfmodisco_seqlets

    X = synthetic_tracks(10_000)
    rows = [("recursive_seqlets 10,000 x 2114", best_of(lambda: recursive_seqlets(X), repeats))]
    small = torch.from_numpy(X[:1000].copy())
    seconds = best_of(lambda: tfmodisco_seqlets(small.clone()), repeats)
    rows.append(("tfmodisco_seqlets 1,000 x 2114", seconds))
    return rows


def fixture_models():
    """The BPNet and Beluga-like fixture models (tests/data/models/), wrapped as in the seed."""

    import torch
    from bpnetlite.bpnet import BPNet, ControlWrapper, CountWrapper

    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "models")
    bpnet = BPNet(n_filters=32, n_layers=5, n_outputs=2, n_control_tracks=2, trimming=109)
    bpnet.load_state_dict(torch.load(os.path.join(data, "bpnet", "model.torch"), map_location="cpu"))
    bpnet = CountWrapper(ControlWrapper(bpnet)).eval()

    def conv(i, o):
        return torch.nn.Conv1d(i, o, 8)

    R, P, D = torch.nn.ReLU, lambda: torch.nn.MaxPool1d(4, 4), lambda: torch.nn.Dropout(0.2)
    trunk = torch.nn.Sequential(conv(4, 32), R(), conv(32, 32), R(), D(), P(), conv(32, 48), R(),
                                conv(48, 48), R(), D(), P(), conv(48, 64), R(), conv(64, 64), R())
    head = torch.nn.Sequential(D(), torch.nn.Flatten(), torch.nn.Linear(6784, 16), R(), torch.nn.Linear(16, 8))

    class BelugaLike(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = torch.nn.Sequential(trunk, head, torch.nn.Sigmoid())

        def forward(self, X):
            return self.model(X)

    class BelugaWrapper(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, X):
            return self.model(X[:, :, 57:-57])[:, 0:1]

    beluga = BelugaLike()
    beluga.load_state_dict(torch.load(os.path.join(data, "beluga", "model.torch"), map_location="cpu"))
    return {"bpnet": bpnet, "beluga": BelugaWrapper(beluga).eval()}


@job("deep_lift_shap")
def bench_deep_lift_shap(repeats):
    """deep_lift_shap of 64 loci x 20 shuffles, batch 32, on the fixture models (benches/attribute.rs)."""

    import gzip
    import torch
    from tangermeme.deep_lift_shap import deep_lift_shap

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "inputs", "X.npy.gz")
    with gzip.open(path) as f:
        X = torch.from_numpy(numpy.load(f)[:64].astype("float32"))
    rows = []
    for name, model in fixture_models().items():
        seconds = best_of(lambda: deep_lift_shap(model, X, n_shuffles=20, batch_size=32, random_state=0,
                                                 device="cpu"), repeats)
        rows.append((f"{name} 64 x 20 pairs ({64 * 20 / seconds:.0f} pairs/s)", seconds))
    return rows


@job("tomtom")
def bench_tomtom(repeats):
    """memelite tomtom (benches/tomtom.rs): 5,000 one-hot seqlets of 4-25 bp against the 215 JASPAR
    human ChIP-seq motifs with n_nearest=1 (what annotate_seqlets runs), the same seqlets against the
    879 JASPAR CORE vertebrates motifs, and those motifs all against all."""

    import gzip
    from memelite.io import read_meme
    from memelite.tomtom import tomtom
    from tangermeme.utils import random_one_hot

    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "motifs")
    X = random_one_hot((1, 4, 100_000), random_state=0).numpy()[0].astype("float32")
    rng = numpy.random.RandomState(1)
    seqlets = []
    for _ in range(5000):
        w = rng.randint(4, 26)
        s = rng.randint(0, 100_000 - w)
        seqlets.append(X[:, s:s + w])
    jaspar = list(read_meme(os.path.join(data, "jaspar2024_hsapiens_chipseq.meme")).values())
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "core.meme")
        with gzip.open(os.path.join(data, "jaspar2024_core_vertebrates.meme.gz")) as f, open(path, "wb") as out:
            out.write(f.read())
        core = list(read_meme(path).values())
    rows = []
    for n_jobs in (1, 2):
        seconds = best_of(lambda: tomtom(seqlets, jaspar, n_nearest=1, n_jobs=n_jobs), repeats)
        rows.append((f"5,000 seqlets x 215 motifs, n_nearest=1, n_jobs={n_jobs}", seconds))
    seconds = best_of(lambda: tomtom(seqlets, core, n_nearest=1, n_jobs=2), repeats)
    rows.append(("5,000 seqlets x 879 motifs, n_nearest=1, n_jobs=2", seconds))
    seconds = best_of(lambda: tomtom(core, core, n_jobs=2), repeats)
    rows.append(("879 x 879 motifs, n_jobs=2", seconds))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("jobs", nargs="*", metavar="JOB",
        help="jobs to run: {} (default: all)".format(", ".join(sorted(JOBS))))
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per case (default 5)")
    args = parser.parse_args()
    unknown = [name for name in args.jobs if name not in JOBS]
    if unknown:
        parser.error("unknown job(s) {}; known: {}".format(", ".join(unknown), ", ".join(sorted(JOBS))))

    import tangermeme
    print(f"tangermeme {tangermeme.__version__}, numpy {numpy.__version__}, {os.cpu_count()} CPUs")
    print(f"{'job':<10} {'case':<50} {'best (s)':>10}")
    for name in args.jobs or sorted(JOBS):
        for case, seconds in JOBS[name](args.repeats):
            print(f"{name:<10} {case:<50} {seconds:>10.4f}", flush=True)


if __name__ == "__main__":
    main()
