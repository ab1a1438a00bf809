"""DTW, soft-DTW, Fréchet and LCSS throughput of tswarp against tslearn, dtaidistance, aeon,
pysdtw.

    python benchmarks/metrics.py [--quick] [--threads 1,2] [--repeat N] [--json out.json]
                                 [--only cdist_frechet,cdist_lcss,cdist_gak]

Every thread count T runs in a fresh subprocess of this script whose environment caps the
thread pools at T before any library is imported (OMP_NUM_THREADS for the OpenMP of tswarp and
dtaidistance, which has no other thread control; NUMBA_NUM_THREADS for aeon and pysdtw;
torch.set_num_threads), and which passes n_jobs=T to the libraries that take it (dtaidistance:
parallel=True when T > 1). The pairwise workloads run at every T; the single-pair workloads run
once, at the first T. Libraries that are not installed, and tswarp functions that do not exist
yet, are skipped with a note. Data: z-normalised Gaussian random walks, float64, fixed seed.

Before timing, every result is compared with the reference on the same data (tswarp; tslearn
where tswarp lacks the function), after converting to the same definition (aeon returns squared
DTW and |soft-DTW|). A library that disagrees is flagged MISMATCH and left out of the summary.

Columns of each table:
  first (s)    the first call in this process, including numba JIT compilation (tslearn, aeon,
               pysdtw) unless an earlier workload already compiled that kernel; not in the median.
  median (ms)  median of --repeat samples; libraries are interleaved sample by sample, and a
               sample averages as many calls as fill about 50 ms (20 ms with --quick).
  Mcells/s     dynamic-programming cells per second: the sum over the pairs of len1 * len2, or the
               exact in-band count under a Sakoe-Chiba band. A set against itself has n(n-1)/2
               DTW pairs, n(n+1)/2 soft-DTW pairs (soft-DTW(x, x) is not 0).
  ratio        library time / tswarp time: above 1 means tswarp is faster.
  check        max relative difference from the reference; "agree" when below 1e-6 (pysdtw rounds
               its cost matrix through float32, so it lands near 1e-8).
Each table ends with "tswarp vs fastest peer": the fastest agreeing peer's time / tswarp's time.
"""

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

TOLERANCE = 1e-6
# n/sz: cdist_dtw and cdist_frechet; soft_n/soft_sz: cdist_soft_dtw; pair/soft_pair: single-pair
# lengths
SIZES = {
    "full": dict(n=200, sz=256, soft_n=100, soft_sz=128, pair=(1000, 4000), soft_pair=(256, 1000)),
    "quick": dict(n=50, sz=256, soft_n=40, soft_sz=128, pair=(1000, 2000), soft_pair=(256, 1000)),
}
# long: the series searched by the subsequence workloads (query of 128 steps)
SIZES["full"]["long"], SIZES["quick"]["long"] = 100_000, 20_000
# cdist_sbd against tslearn's k-Shape building block cdist_normalized_cc
SBD_SIZES = {"full": dict(n=500, sz=512), "quick": dict(n=100, sz=512)}


def random_walks(n, sz, d, seed=0):
    walks = np.cumsum(np.random.default_rng(seed).standard_normal((n, sz, d)), axis=1)
    return (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)


def band_cells(sz, radius):
    """Cells (i, j) of an sz x sz matrix with |i - j| <= radius."""
    i = np.arange(sz)
    return int(np.sum(np.minimum(i + radius, sz - 1) - np.maximum(i - radius, 0) + 1))


def load_libraries():
    modules = {
        "tswarp": "tswarp.metrics",
        "tslearn": "tslearn.metrics",
        "dtaidistance": "dtaidistance.dtw",
        "dtaidistance_ndim": "dtaidistance.dtw_ndim",
        "aeon": "aeon.distances",
        "pysdtw": "pysdtw",
    }
    libs = {}
    for name, module in modules.items():
        try:
            libs[name] = importlib.import_module(module)
        except ImportError:
            libs[name] = None
            if not name.endswith("_ndim"):
                print(f"skipping {name}: not installed", file=sys.stderr)
    return libs


def row(library, fn=None, extract=None, note=""):
    return dict(library=library, fn=fn, extract=extract or (lambda out: out), note=note)


def api_row(libs, library, name, call, extract=None):
    """A row calling libs[library].<name> via call(function); skipped when it is missing."""
    module = libs[library]
    if module is None:
        return None
    function = getattr(module, name, None)
    if function is None:
        return row(library, note=f"skipped: {module.__name__}.{name} not available yet")
    return row(library, lambda: call(function), extract)


# Workloads: each returns (title, cells, rows, notes). A row's extract maps the library's output
# to a dict of arrays that are compared with the reference row's: "value" entry by entry,
# "matrix" relative to its largest entry.


def cdist_dtw_workload(libs, threads, n, sz, d, radius=None):
    X = random_walks(n, sz, d)
    upper = np.triu_indices(n, k=1)
    band = (
        {} if radius is None else dict(global_constraint="sakoe_chiba", sakoe_chiba_radius=radius)
    )
    cells = n * (n - 1) // 2 * (sz * sz if radius is None else band_cells(sz, radius))
    rows = [
        api_row(libs, lib, "cdist_dtw", lambda f: f(X, n_jobs=threads, **band), lambda m: m[upper])
        for lib in ("tswarp", "tslearn")
    ]
    notes = []
    if libs["dtaidistance"] is not None:
        # dtaidistance's band is |i - j| < window, so radius r is window r + 1.
        module = libs["dtaidistance"] if d == 1 else libs["dtaidistance_ndim"]
        series = np.ascontiguousarray(X[:, :, 0] if d == 1 else X)
        dtai_band = {} if radius is None else {"window": radius + 1}
        call = lambda: module.distance_matrix_fast(series, parallel=threads > 1, **dtai_band)  # noqa: E731
        rows.append(row("dtaidistance", call, lambda m: m[upper]))
    if libs["aeon"] is not None:
        # aeon keeps |i - j| <= int(window * sz) for equal lengths (dtw_distance docstring and
        # _dtw_distance_direct in aeon 1.6); (r + 0.5) / sz is exact in binary and gives r.
        # Checked below against aeon's own create_bounding_matrix and tslearn's mask.
        window = None if radius is None else (radius + 0.5) / sz
        Xa = np.ascontiguousarray(X.transpose(0, 2, 1))  # aeon wants (n, channels, time)
        aeon_pairwise = libs["aeon"].dtw_pairwise_distance
        call = lambda: aeon_pairwise(Xa, window=window, n_jobs=threads)  # noqa: E731
        rows.append(row("aeon", call, lambda m: np.sqrt(m[upper])))
        notes.append("aeon returns squared DTW; its square root is compared")
    if radius is not None:
        counts = {"|i-j|<=r": band_cells(sz, radius)}
        if libs["tslearn"] is not None:
            counts["tslearn mask"] = int(libs["tslearn"].sakoe_chiba_mask(sz, sz, radius).sum())
        if libs["aeon"] is not None:
            counts["aeon bounds"] = int(libs["aeon"].create_bounding_matrix(sz, sz, window).sum())
        notes.append("in-band cells per pair: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if len(set(counts.values())) > 1:
            notes.append("WARNING: band definitions differ")
    band_title = "" if radius is None else f", Sakoe-Chiba radius {radius}"
    title = f"cdist_dtw: {n} series x {sz}, d={d}{band_title}, threads={threads}"
    return title, cells, rows, notes


def cdist_soft_dtw_workload(libs, threads, n, sz):
    X = random_walks(n, sz, 1, seed=1)
    upper = np.triu_indices(n, k=1)
    rows = [
        api_row(
            libs,
            lib,
            "cdist_soft_dtw",
            lambda f: f(X, gamma=1.0, n_jobs=threads),
            lambda m: m[upper],
        )
        for lib in ("tswarp", "tslearn")
    ]
    notes = []
    if libs["aeon"] is not None:
        Xa = np.ascontiguousarray(X.transpose(0, 2, 1))
        aeon_pairwise = libs["aeon"].soft_dtw_pairwise_distance
        call = lambda: aeon_pairwise(Xa, gamma=1.0, n_jobs=threads)  # noqa: E731
        rows.append(row("aeon", call, lambda m: m[upper]))
        notes.append("aeon returns |soft-DTW| and skips the diagonal (sets it to 0), so it")
        notes.append("computes n(n-1)/2 of the n(n+1)/2 pairs; off-diagonal |values| are compared")
    title = f"cdist_soft_dtw: {n} series x {sz}, d=1, gamma=1, threads={threads}"
    return title, n * (n + 1) // 2 * sz * sz, rows, notes


def cdist_frechet_workload(libs, threads, n, sz):
    X = random_walks(n, sz, 1, seed=2)
    upper = np.triu_indices(n, k=1)
    rows = [
        api_row(libs, lib, "cdist_frechet", lambda f: f(X, n_jobs=threads), lambda m: m[upper])
        for lib in ("tswarp", "tslearn")
    ]
    notes = []
    if libs["aeon"] is not None and not hasattr(libs["aeon"], "frechet_pairwise_distance"):
        notes.append("aeon has no Fréchet distance: skipped")
    title = f"cdist_frechet: {n} series x {sz}, threads={threads}"
    return title, n * (n - 1) // 2 * sz * sz, rows, notes


def cdist_lcss_workload(libs, threads, n, sz, eps=0.5):
    X = random_walks(n, sz, 1, seed=3)
    upper = np.triu_indices(n, k=1)
    call = lambda f: f(X, eps=eps, n_jobs=threads)  # noqa: E731
    rows = [api_row(libs, "tswarp", "cdist_lcss", call, lambda m: m[upper])]
    notes = []
    if libs["tslearn"] is not None:
        # tslearn has no cdist_lcss: its own pairwise helper (joblib threads over the upper
        # triangle, one tslearn.metrics.lcss call per pair) is what its cdist_* functions use.
        from tslearn.backend import instantiate_backend
        from tslearn.metrics.utils import _cdist_generic

        lcss, be = libs["tslearn"].lcss, instantiate_backend("numpy")
        call = lambda: _cdist_generic(lcss, X, None, threads, 0, be, False, eps=eps)  # noqa: E731
        rows.append(row("tslearn", call, lambda m: m[upper]))
        notes.append("tslearn: its _cdist_generic helper over tslearn.metrics.lcss")
    if libs["aeon"] is not None:
        # aeon matches steps whose Euclidean distance is at most epsilon, as tswarp's eps, and
        # returns 1 - similarity, with no window by default.
        Xa = np.ascontiguousarray(X.transpose(0, 2, 1))
        aeon_pairwise = libs["aeon"].lcss_pairwise_distance
        call = lambda: aeon_pairwise(Xa, epsilon=eps, n_jobs=threads)  # noqa: E731
        rows.append(row("aeon", call, lambda m: 1.0 - m[upper]))
        notes.append("aeon returns 1 - LCSS similarity; 1 - its values are compared")
    title = f"cdist_lcss: {n} series x {sz}, eps={eps}, threads={threads}"
    return title, n * (n - 1) // 2 * sz * sz, rows, notes


def cdist_sbd_workload(libs, threads, n, sz):
    """One triangle of shape-based distances: tslearn's self_similarity=True does the same
    pairs (its lower triangle comes out doubled, so the upper one is compared)."""
    X = random_walks(n, sz, 1, seed=3)
    upper = np.triu_indices(n, k=1)
    unknown = -np.ones(n)
    rows = [
        api_row(libs, "tswarp", "cdist_sbd", lambda f: f(X), lambda m: m[upper]),
        api_row(
            libs,
            "tslearn",
            "cdist_normalized_cc",
            lambda f: f(X, X, unknown.copy(), unknown.copy(), True),
            lambda m: 1.0 - m[upper],
        ),
    ]
    notes = ["tslearn: 1 - cdist_normalized_cc(X, X, -1, -1, self_similarity=True)"]
    title = f"cdist_sbd: {n} series x {sz}, threads={threads}"
    return title, n * (n - 1) // 2 * sz * sz, rows, notes


def cdist_gak_workload(libs, threads, n, sz, sigma=4.0):
    X = random_walks(n, sz, 1, seed=4)
    rows = [
        api_row(libs, lib, "cdist_gak", lambda f: f(X, sigma=sigma, n_jobs=threads))
        for lib in ("tswarp", "tslearn")
    ]
    notes = ["normalised kernels: n(n+1)/2 pairs, diagonal included (as tslearn computes it)"]
    title = f"cdist_gak: {n} series x {sz}, sigma={sigma}, threads={threads}"
    return title, n * (n + 1) // 2 * sz * sz, rows, notes


def cdist_ctw_workload(libs, threads, n, sz, d=3):
    # tslearn's CTW distance is the DTW of the first n_components features (its loop stops
    # after one CCA step, which does not change the distance): tswarp runs that DTW alone.
    X = random_walks(n, sz, d, seed=4)
    upper = np.triu_indices(n, k=1)
    rows = [
        api_row(libs, lib, "cdist_ctw", lambda f: f(X, n_jobs=threads), lambda m: m[upper])
        for lib in ("tswarp", "tslearn")
    ]
    title = f"cdist_ctw: {n} series x {sz}, d={d}, threads={threads}"
    return title, n * (n - 1) // 2 * sz * sz, rows, []


def dtw_pair_workload(libs, sz):
    x, y = random_walks(2, sz, 1, seed=2)
    x1, y1 = x[:, 0].copy(), y[:, 0].copy()
    rows = [api_row(libs, lib, "dtw", lambda f: f(x, y)) for lib in ("tswarp", "tslearn")]
    notes = []
    if libs["dtaidistance"] is not None:
        dtai = libs["dtaidistance"]
        rows.append(row("dtaidistance", lambda: dtai.distance_fast(x1, y1)))
        no_pruning = lambda: dtai.distance_fast(x1, y1, use_pruning=False)  # noqa: E731
        rows.append(row("dtaidistance (no pruning)", no_pruning))
        notes.append("distance_fast prunes with the Euclidean upper bound by default (exact)")
    if libs["aeon"] is not None:
        aeon_dtw = libs["aeon"].dtw_distance
        rows.append(row("aeon", lambda: aeon_dtw(x1, y1), np.sqrt))
        notes.append("aeon returns squared DTW; its square root is compared")
    return f"dtw: one pair, length {sz}, d=1", sz * sz, rows, notes


def soft_dtw_pair_workload(libs, sz, threads):
    x, y = random_walks(2, sz, 1, seed=3)
    rows = [
        api_row(libs, lib, "soft_dtw", lambda f: f(x, y, gamma=1.0))
        for lib in ("tswarp", "tslearn")
    ]
    notes = []
    if libs["aeon"] is not None:
        aeon_soft = libs["aeon"].soft_dtw_distance
        x1, y1 = x[:, 0].copy(), y[:, 0].copy()
        rows.append(row("aeon", lambda: aeon_soft(x1, y1, gamma=1.0)))
        notes.append("aeon returns |soft-DTW|; compared with |reference|")
    if libs["pysdtw"] is not None:
        import torch

        torch.set_num_threads(threads)
        loss = libs["pysdtw"].SoftDTW(gamma=1.0, use_cuda=False)
        tx, ty = torch.from_numpy(x)[None], torch.from_numpy(y)[None]
        rows.append(row("pysdtw", lambda: loss(tx, ty), lambda out: out.item()))
        notes.append("pysdtw: forward of its torch loss, CPU, float64 tensors")
    return f"soft_dtw: one pair, length {sz}, d=1, gamma=1", sz * sz, rows, notes


def soft_dtw_alignment_workload(libs, sz):
    x, y = random_walks(2, sz, 1, seed=4)
    as_dict = lambda out: {"matrix": out[0], "value": out[1]}  # noqa: E731
    rows = [
        api_row(libs, lib, "soft_dtw_alignment", lambda f: f(x, y, gamma=1.0), as_dict)
        for lib in ("tswarp", "tslearn")
    ]
    notes = ["aeon's soft_dtw_alignment_path returns a hard path, not the expected alignment"]
    return f"soft_dtw_alignment: one pair, length {sz}, d=1, gamma=1", sz * sz, rows, notes


def long_series_and_query(size, query_size, seed):
    """A random walk and a query cut from it (from its middle) plus noise, as in a search for
    a pattern seen before."""
    rng = np.random.default_rng(seed)
    longseq = np.cumsum(rng.standard_normal(size))
    start = size // 2 + 123
    query = longseq[start : start + query_size] + 0.5 * rng.standard_normal(query_size)
    return longseq, query


def subsequence_path_workload(libs, size, query_size):
    longseq, query = long_series_and_query(size, query_size, seed=5)
    as_dict = lambda out: {"matrix": np.array(out[0]), "value": float(out[1])}  # noqa: E731
    rows = [
        api_row(libs, lib, "dtw_subsequence_path", lambda f: f(query, longseq), as_dict)
        for lib in ("tswarp", "tslearn")
    ]
    title = f"dtw_subsequence_path: a {query_size}-step query in {size} steps, d=1"
    return title, size * query_size, rows, ["paths are compared step by step"]


def subsequence_search_workload(libs, size, query_size, k, z_normalize):
    longseq, query = long_series_and_query(size, query_size, seed=6)
    search = getattr(libs["tswarp"], "subsequence_search", None)
    as_array = lambda out: {"matrix": np.array(out, dtype=float)}  # noqa: E731
    call = lambda prune: search(query, longseq, k=k, z_normalize=z_normalize, prune=prune)  # noqa: E731
    rows = [
        api_row(libs, "tswarp", "subsequence_search", lambda f: call(True), as_array),
        row("tswarp exhaustive", lambda: call(False), as_array) if search else None,
    ]
    radius = query_size // 10
    cells = (size - query_size + 1) * band_cells(query_size, radius)
    title = (
        f"subsequence_search: k={k}, a {query_size}-step query in {size} steps, d=1, "
        f"Sakoe-Chiba radius {radius}, z-normalised={z_normalize}"
    )
    notes = ["cells: every window's band; the pruned search computes few of them"]
    return title, cells, rows, notes


def relative_difference(result, reference, library):
    result = result if isinstance(result, dict) else {"value": result}
    reference = reference if isinstance(reference, dict) else {"value": reference}
    worst = 0.0
    for key, ref in reference.items():
        ref, got = np.asarray(ref, dtype=float), np.asarray(result[key], dtype=float)
        if library == "aeon" and key == "value":
            ref = np.abs(ref)  # aeon's soft-DTW is |soft-DTW|; DTW is positive anyway
        if got.shape != ref.shape:
            return float("inf")
        scale = np.abs(ref).max() if key == "matrix" else np.abs(ref)
        worst = max(worst, float(np.max(np.abs(got - ref) / np.maximum(scale, 1e-300))))
    return worst


def run_workload(workload, repeat, min_sample):
    title, cells, rows, notes = workload
    rows = [r for r in rows if r is not None]
    live = [r for r in rows if r["fn"] is not None]
    for r in live:
        try:
            start = time.perf_counter()
            r["values"] = r["extract"](r["fn"]())
            r["first"] = time.perf_counter() - start
            start = time.perf_counter()
            r["fn"]()
            once = time.perf_counter() - start
        except Exception as exc:  # a peer, or a half-written tswarp, may fail
            r["fn"], r["note"] = None, f"error: {type(exc).__name__}: {exc}"[:70]
            continue
        r["number"] = max(1, round(min_sample / max(once, 1e-9)))
        r["samples"] = [once] if r["number"] == 1 else []
    live = [r for r in live if r["fn"] is not None]
    reference = live[0] if live else None
    for r in live:
        r["diff"] = relative_difference(r["values"], reference["values"], r["library"])
        r["note"] = (
            "reference" if r is reference else ("agree" if r["diff"] < TOLERANCE else "MISMATCH")
        )
        if r is not reference:
            r["note"] += f" {r['diff']:.0e}"
    for _ in range(repeat):  # interleave the libraries so that machine noise hits them alike
        for r in live:
            if len(r["samples"]) < repeat:
                start = time.perf_counter()
                for _ in range(r["number"]):
                    r["fn"]()
                r["samples"].append((time.perf_counter() - start) / r["number"])

    base = next((r for r in live if r["library"] == "tswarp"), None)
    print(
        f"\n{title}  ({cells:.3g} cells, reference: {reference['library'] if reference else '-'})"
    )
    header = (
        f"{'library':<26}{'first (s)':>10}{'median (ms)':>13}{'Mcells/s':>10}{'ratio':>8}  check"
    )
    print(header + "\n" + "-" * (len(header) + 14))
    records = []
    for r in rows:
        if r["fn"] is None:
            print(f"{r['library']:<26}{'-':>10}{'-':>13}{'-':>10}{'-':>8}  {r['note']}")
            continue
        median = statistics.median(r["samples"])
        ratio = median / statistics.median(base["samples"]) if base else None
        ratio_text = f"{ratio:.2f}" if ratio else "-"
        print(
            f"{r['library']:<26}{r['first']:>10.3f}{median * 1e3:>13.2f}"
            f"{cells / median / 1e6:>10.1f}{ratio_text:>8}  {r['note']}"
        )
        records.append(
            dict(
                workload=title,
                library=r["library"],
                cells=cells,
                first_s=r["first"],
                median_s=median,
                samples_s=r["samples"],
                ratio=ratio,
                check=r["note"],
            )
        )
    for note in notes:
        print(f"  note: {note}")
    peers = [r for r in live if r is not base and not r["note"].startswith("MISMATCH")]
    if base and peers:
        fastest = min(peers, key=lambda r: statistics.median(r["samples"]))
        speedup = statistics.median(fastest["samples"]) / statistics.median(base["samples"])
        print(f"tswarp vs fastest peer: {speedup:.2f} ({fastest['library']})")
    else:
        print("tswarp vs fastest peer: n/a (" + ("no peer" if base else "tswarp not timed") + ")")
    sys.stdout.flush()
    return records


def worker(args):
    warnings.filterwarnings("ignore", message=".*unsafe cast.*")  # aeon's prange index casts
    libs = load_libraries()
    size = SIZES["quick" if args.quick else "full"]
    threads, repeat = args._worker, args.repeat
    min_sample = 0.02 if args.quick else 0.05
    names = [n for n in ("tswarp", "tslearn", "dtaidistance", "aeon", "pysdtw") if libs[n]]
    versions = [f"{n} {getattr(importlib.import_module(n), '__version__', '?')}" for n in names]
    print(f"\n=== threads={threads}: " + ", ".join(versions) + f"; {os.cpu_count()} CPUs")
    print("load average at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    workloads = [
        lambda: cdist_dtw_workload(libs, threads, size["n"], size["sz"], 1),
        lambda: cdist_dtw_workload(libs, threads, size["n"], size["sz"], 3),
        lambda: cdist_dtw_workload(libs, threads, size["n"], size["sz"], 1, radius=25),
        lambda: cdist_soft_dtw_workload(libs, threads, size["soft_n"], size["soft_sz"]),
        lambda: cdist_frechet_workload(libs, threads, size["n"], size["sz"]),
        lambda: cdist_lcss_workload(libs, threads, size["n"], size["sz"]),
        lambda: cdist_sbd_workload(libs, threads, **SBD_SIZES["quick" if args.quick else "full"]),
        lambda: cdist_gak_workload(libs, threads, size["n"], size["sz"]),
        lambda: cdist_ctw_workload(libs, threads, 50, 128),
    ]
    if args._pairs:
        workloads += [lambda sz=sz: dtw_pair_workload(libs, sz) for sz in size["pair"]]
        workloads += [
            lambda sz=sz: soft_dtw_pair_workload(libs, sz, threads) for sz in size["soft_pair"]
        ]
        workloads += [
            lambda sz=sz: soft_dtw_alignment_workload(libs, sz) for sz in size["soft_pair"]
        ]
        workloads += [
            lambda: subsequence_path_workload(libs, size["long"], 128),
            lambda: subsequence_search_workload(libs, size["long"], 128, 5, False),
            lambda: subsequence_search_workload(libs, size["long"], 128, 5, True),
        ]
    records = []
    for make in workloads:
        workload = make()
        if args.only and not any(part in workload[0] for part in args.only.split(",")):
            continue
        for record in run_workload(workload, repeat, min_sample):
            records.append(dict(record, threads=threads))
    with open(args._out, "w") as out:
        json.dump(records, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, 3 samples")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument(
        "--repeat", type=int, help="timed samples per library (default 5, quick 3)"
    )
    parser.add_argument("--json", help="also write every timing to this file")
    parser.add_argument(
        "--only",
        help="comma-separated parts of workload titles: run just the workloads that match",
    )
    parser.add_argument("--_worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_out", help=argparse.SUPPRESS)
    parser.add_argument("--_pairs", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.repeat = args.repeat or (3 if args.quick else 5)
    if args._worker is not None:
        return worker(args)

    records = []
    for index, threads in enumerate(int(t) for t in args.threads.split(",")):
        env = dict(os.environ)
        for var in (
            "OMP_NUM_THREADS",
            "NUMBA_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
        ):
            env[var] = str(threads)
        out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tswarp-bench-{os.getpid()}.json")
        command = [sys.executable, os.path.abspath(__file__), "--_worker", str(threads)]
        command += ["--_out", out, "--repeat", str(args.repeat)]
        command += ["--only", args.only] if args.only else []
        command += ["--quick"] * args.quick + ["--_pairs"] * (index == 0)
        subprocess.run(command, env=env, check=True)
        with open(out) as f:
            records += json.load(f)
        os.remove(out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(quick=args.quick, repeat=args.repeat, records=records), f, indent=1)


if __name__ == "__main__":
    main()
