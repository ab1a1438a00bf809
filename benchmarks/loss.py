"""Soft-DTW loss, forward + backward: tswarp against tslearn's SoftDTWLossPyTorch and pysdtw.

    python benchmarks/loss.py [--quick] [--threads 2] [--repeat 10] [--no-normalize]
                              [--no-probes] [--spin] [--json out.json]

What is timed: ``loss(x, y).sum().backward()`` with x (b, m, d) float32 requiring grad and
y (b, n, d) float32, gamma = 1, on the CPU: tswarp.metrics.SoftDTWLossPyTorch, tslearn's
tslearn.metrics.SoftDTWLossPyTorch and pysdtw.SoftDTW(use_cuda=False), each with its default
squared-Euclidean ground cost. The normalize=True workloads (the soft-DTW divergence, three
DPs) compare tswarp with tslearn only: pysdtw has no such option. Data: z-normalised Gaussian
random walks, fixed seed.

Every thread count T runs in a fresh subprocess whose environment caps the thread pools at T
before anything is imported (OMP_NUM_THREADS for tswarp's OpenMP kernels, NUMBA_NUM_THREADS
for the numba prange loops of tslearn and pysdtw, torch.set_num_threads(T) for torch's own
ops). Libraries that are not installed, and a tswarp without SoftDTWLossPyTorch, are skipped
with a note.

The subprocesses also get OMP_WAIT_POLICY=PASSIVE (--spin leaves the default): one process
holds several OpenMP runtimes (torch's bundled libgomp, the system libgomp of tswarp's kernels
and of numba's omp layer, scikit-learn's, loaded by tslearn), and with the default policy the
threads of one pool keep spinning after each parallel region while the next pool's threads
wait for a core. On a 2-core machine shared with other work this made every library 10 to 30
times slower, by amounts that depended on which library ran before (one 256x256 pair: tswarp
196 ms, tslearn 200 ms, pysdtw 324 ms, against 15, 16 and 18 ms with PASSIVE).

Before timing, every library's float32 loss values and x-gradients are compared with the
reference (tswarp; else the first library that runs), and with a float64 truth computed in
NumPy from soft_dtw_alignment on the same data (tslearn's; else tswarp's). Not from tslearn's
loss on float64 tensors: that loss rounds its DP table R through float32 (torch.Tensor(R_))
whatever the input dtype, so its float64 values and gradients carry float32 errors.
  value diff   max over the batch of |v - v_ref| / |v_ref|
  grad diff    max |g - g_ref| / max |g_ref| over the whole gradient
  f64 value, f64 grad   the same two against the float64 truth (float32 rounding)
"agree" when value diff < 1e-5 and grad diff < 1e-3, else MISMATCH (kept in the table but
left out of "tswarp vs fastest peer").

Columns of each table:
  import (s)   importing the library and building the loss in a fresh process (torch is
               imported before the clock starts).
  first (s)    the first forward+backward in that fresh process, including numba JIT
               compilation (tslearn and pysdtw compile without an on-disk cache, every process).
  median (ms)  median of --repeat samples (default 10) after a warm-up call; libraries are
               interleaved sample by sample, and a sample averages as many calls as fill
               about 50 ms.
  min          the fastest of those samples: on a busy machine, where other processes
               preempt a thread that the rest wait for at a barrier, it is the steadier figure.
  ratio        library median / tswarp median: above 1 means tswarp is faster.
  peak (MiB)   extra resident memory of one forward+backward, measured in a fresh process per
               library and workload: after two warm-up calls (so JIT code and caches are in
               place) and x.grad = None, it writes "5" to /proc/self/clear_refs, which resets
               the peak-RSS counter VmHWM to the current RSS, runs one forward+backward and
               reports VmHWM minus the RSS before the call. The process runs with
               MALLOC_MMAP_THRESHOLD_=65536 so that glibc serves every large block with mmap
               and unmaps it on free; otherwise memory freed by the warm-up stays resident and
               hides the next call's peak. RSS sees torch, numpy and numba allocations alike,
               which tracemalloc does not; it counts touched pages only, and the kernel's RSS
               counters are batched per CPU (an error of a few hundred KiB).
"""

import argparse
import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

GAMMA = 1.0
VALUE_TOLERANCE = 1e-5
GRAD_TOLERANCE = 1e-3
LIBRARIES = ("tswarp", "tslearn", "pysdtw")
SHAPES = {  # (batch, m, n, d)
    "full": [(32, 128, 128, 1), (32, 128, 128, 8), (1, 512, 512, 1)],
    "quick": [(8, 64, 64, 1), (8, 64, 64, 8), (1, 256, 256, 1)],
}
WIDTHS = (11, 10, 12, 8, 7, 11, 11, 10, 10, 9)  # table columns after the library name
THREAD_VARS = ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def random_walks(n, sz, d, seed):
    walks = np.cumsum(np.random.default_rng(seed).standard_normal((n, sz, d)), axis=1)
    return (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)


def workloads(quick, normalize):
    shapes = SHAPES["quick" if quick else "full"]
    out = [dict(b=b, m=m, n=n, d=d, normalize=False) for b, m, n, d in shapes]
    if normalize:
        out += [dict(b=b, m=m, n=n, d=d, normalize=True) for b, m, n, d in shapes]
    return out


def workload_title(w):
    pair = "one pair" if w["b"] == 1 else f"batch {w['b']}"
    norm = ", normalize=True" if w["normalize"] else ""
    return f"soft-DTW loss fwd+bwd: {pair}, {w['m']}x{w['n']}, d={w['d']}, gamma=1{norm}"


def inputs(w, dtype, seed=0):
    import torch

    x = torch.from_numpy(random_walks(w["b"], w["m"], w["d"], seed)).to(dtype)
    y = torch.from_numpy(random_walks(w["b"], w["n"], w["d"], seed + 1)).to(dtype)
    return x.requires_grad_(), y


def make_loss(library, normalize):
    """(loss module or None, note)."""
    module_name = {"tswarp": "tswarp.metrics", "tslearn": "tslearn.metrics"}.get(library, library)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None, "skipped: not installed"
    if library == "pysdtw":
        if normalize:
            return None, "skipped: no normalize (soft-DTW divergence) option"
        return module.SoftDTW(gamma=GAMMA, use_cuda=False), ""
    cls = getattr(module, "SoftDTWLossPyTorch", None)
    if cls is None:
        return None, f"skipped: {module_name}.SoftDTWLossPyTorch not available yet"
    return cls(gamma=GAMMA, normalize=normalize), ""


def step(loss, x, y):
    x.grad = None
    loss(x, y).sum().backward()


def evaluate(loss, x, y):
    x.grad = None
    values = loss(x, y)
    values.sum().backward()
    return values.detach().double().numpy().copy(), x.grad.double().numpy().copy()


def differences(result, reference):
    (values, grad), (ref_values, ref_grad) = result, reference
    if values.shape != ref_values.shape or grad.shape != ref_grad.shape:
        return float("inf"), float("inf")
    value = np.max(np.abs(values - ref_values) / np.maximum(np.abs(ref_values), 1e-300))
    grad = np.max(np.abs(grad - ref_grad)) / max(np.max(np.abs(ref_grad)), 1e-300)
    return float(value), float(grad)


def proc_status(*keys):
    """Fields of /proc/self/status, in bytes."""
    found = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in keys:
                found[key] = int(value.split()[0]) * 1024  # reported in kB
    return found


def probe(args):
    """Fresh process: import time, first call (with JIT), peak extra RSS of one call."""
    import torch

    torch.set_num_threads(args._threads)
    w = json.loads(args._probe)
    start = time.perf_counter()
    loss, note = make_loss(w["library"], w["normalize"])
    imported = time.perf_counter() - start
    if loss is None:
        print(json.dumps(dict(error=note)))
        return
    x, y = inputs(w, torch.float32)
    start = time.perf_counter()
    step(loss, x, y)
    first = time.perf_counter() - start
    step(loss, x, y)
    x.grad = None
    gc.collect()
    peak = None
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # reset VmHWM to the current RSS
        before = proc_status("VmRSS")["VmRSS"]
        step(loss, x, y)
        peak = proc_status("VmHWM")["VmHWM"] - before
    except OSError:
        pass  # not Linux, or clear_refs not writable: no memory figure
    print(json.dumps(dict(import_s=imported, first_s=first, peak_bytes=peak)))


def run_probe(library, w, args):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    command = [sys.executable, os.path.abspath(__file__), "--_threads", str(args._threads)]
    command += ["--_probe", json.dumps(dict(w, library=library))]
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return dict(error=(out.stderr.strip().splitlines() or ["probe failed"])[-1][:60])


def float64_truth(x, y, normalize):
    """(values, x-gradients, source) in float64 from NumPy soft_dtw_alignment, pair by pair.

    E = soft_dtw_alignment(a, b)[0] is d value / d cost, so with squared Euclidean costs the
    gradient w.r.t. a is 2 (rowsum(E) a - E b). tslearn's function when installed (numba, no
    torch involved), else tswarp's.
    """
    for source in ("tslearn.metrics", "tswarp.metrics"):
        try:
            module = importlib.import_module(source)
            break
        except ImportError:
            continue

    def pair(a, b):
        E, value = module.soft_dtw_alignment(a, b, gamma=GAMMA)
        E = np.asarray(E)
        return value, 2 * (E.sum(1)[:, None] * a - E @ b), 2 * (E.sum(0)[:, None] * b - E.T @ a)

    X, Y = x.detach().double().numpy(), y.detach().double().numpy()
    values, grad = np.zeros(len(X)), np.zeros_like(X)
    for p, (a, b) in enumerate(zip(X, Y, strict=True)):
        values[p], grad[p], _ = pair(a, b)
        if normalize:
            value_aa, grad_first, grad_second = pair(a, a)
            values[p] -= (value_aa + pair(b, b)[0]) / 2
            grad[p] -= (grad_first + grad_second) / 2
    return (values, grad), source.split(".")[0]


def check(rows, w, torch):
    """Values and gradients of every row against the reference and the float64 truth."""
    x, y = inputs(w, torch.float32)
    for r in (r for r in rows if r["loss"] is not None):
        try:
            r["result"] = evaluate(r["loss"], x, y)
        except Exception as exc:  # a peer, or a half-written tswarp, may fail
            r["loss"], r["note"] = None, f"error: {type(exc).__name__}: {exc}"[:70]
    live = [r for r in rows if r["loss"] is not None]
    if not live:
        return None, "-"
    reference = live[0]
    truth, truth_source = float64_truth(x, y, w["normalize"])
    for r in live:
        r["diff"] = differences(r["result"], reference["result"])
        r["f64"] = differences(r["result"], truth)
        ok = r["diff"][0] < VALUE_TOLERANCE and r["diff"][1] < GRAD_TOLERANCE
        r["mismatch"] = not ok
        r["note"] = ("reference" if r is reference else ("agree" if ok else "MISMATCH")) + (
            f"; {r['note']}" if r["note"] else ""
        )
    return reference, truth_source


def run_workload(w, args, torch):
    rows = []
    for library in LIBRARIES:
        loss, note = make_loss(library, w["normalize"])
        rows.append(dict(library=library, loss=loss, note=note))
    reference, truth_source = check(rows, w, torch)
    live = [r for r in rows if r["loss"] is not None]
    x, y = inputs(w, torch.float32)
    for r in live:
        step(r["loss"], x, y)  # warm-up (and JIT)
        start = time.perf_counter()
        step(r["loss"], x, y)
        once = time.perf_counter() - start
        r["number"] = max(1, round(args.min_sample / max(once, 1e-9)))
        r["samples"] = [once] if r["number"] == 1 else []
    for _ in range(args.repeat):  # interleave the libraries so that machine noise hits them alike
        for r in live:
            if len(r["samples"]) < args.repeat:
                start = time.perf_counter()
                for _ in range(r["number"]):
                    step(r["loss"], x, y)
                r["samples"].append((time.perf_counter() - start) / r["number"])
    for r in rows:
        r["probe"] = run_probe(r["library"], w, args) if args.probes and r["loss"] else {}

    base = next((r for r in live if r["library"] == "tswarp"), None)
    ref_name = reference["library"] if reference else "-"
    print(f"\n{workload_title(w)}  (reference: {ref_name}; float64 truth: {truth_source} NumPy)")
    header = (
        f"{'library':<17}{'import (s)':>11}{'first (s)':>10}{'median (ms)':>12}{'min':>8}"
        f"{'ratio':>7}"
        f"{'peak (MiB)':>11}{'value diff':>11}{'grad diff':>10}{'f64 value':>10}"
        f"{'f64 grad':>9}  check"
    )
    print(header + "\n" + "-" * (len(header) + 10))
    records = []
    for r in rows:
        if r["loss"] is None:
            dashes = "".join(f"{'-':>{k}}" for k in WIDTHS)
            print(f"{r['library']:<17}{dashes}  {r['note']}")
            continue
        median = statistics.median(r["samples"])
        ratio = median / statistics.median(base["samples"]) if base else None
        p = r["probe"]
        peak = p.get("peak_bytes")
        fields = [
            f"{p['import_s']:.2f}" if "import_s" in p else "-",
            f"{p['first_s']:.3f}" if "first_s" in p else "-",
            f"{median * 1e3:.2f}",
            f"{min(r['samples']) * 1e3:.2f}",
            f"{ratio:.2f}" if ratio else "-",
            f"{peak / 2**20:.1f}" if peak is not None else "-",
        ]
        diffs = [f"{v:.0e}" for v in (*r["diff"], *r["f64"])]
        note = r["note"] + (f"; probe {p['error']}" if "error" in p else "")
        print(
            f"{r['library']:<17}"
            + "".join(f"{v:>{k}}" for v, k in zip(fields + diffs, WIDTHS, strict=True))
            + f"  {note}"
        )
        records.append(
            dict(
                workload=workload_title(w),
                library=r["library"],
                median_s=median,
                samples_s=r["samples"],
                ratio=ratio,
                value_diff=r["diff"][0],
                grad_diff=r["diff"][1],
                f64_value_diff=r["f64"][0],
                f64_grad_diff=r["f64"][1],
                check=r["note"],
                **{k: v for k, v in p.items() if k != "error"},
            )
        )
    cost_mib = w["b"] * w["m"] * w["n"] * 4 / 2**20
    dp = 3 if w["normalize"] else 1
    print(f"  note: one float32 (b, m, n) cost matrix is {cost_mib:.1f} MiB; {dp} DP(s) per call")
    peers = [r for r in live if r is not base and not r["mismatch"]]
    if base and peers:
        fastest = min(peers, key=lambda r: statistics.median(r["samples"]))
        speedup = statistics.median(fastest["samples"]) / statistics.median(base["samples"])
        print(f"tswarp vs fastest peer: {speedup:.2f} ({fastest['library']})")
    else:
        print("tswarp vs fastest peer: n/a (" + ("no peer" if base else "tswarp not timed") + ")")
    sys.stdout.flush()
    return records


def worker(args):
    import torch

    torch.set_num_threads(args._threads)
    names = []
    for name in LIBRARIES:
        try:
            names.append(f"{name} {importlib.import_module(name).__version__}")
        except (ImportError, AttributeError):
            pass
    policy = os.environ.get("OMP_WAIT_POLICY", "default")
    print(f"\n=== threads={args._threads}, OMP_WAIT_POLICY={policy}")
    print(f"torch {torch.__version__}, " + ", ".join(names))
    print(
        f"{os.cpu_count()} CPUs; load average at start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    records = []
    for w in workloads(args.quick, args.normalize):
        records += [dict(r, threads=args._threads) for r in run_workload(w, args, torch)]
    if args._out:
        with open(args._out, "w") as out:
            json.dump(records, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller shapes, 3 samples")
    parser.add_argument("--threads", default="2", help="comma-separated thread counts")
    parser.add_argument("--repeat", type=int, help="timed samples per library (default 10)")
    parser.add_argument(
        "--no-normalize", dest="normalize", action="store_false", help="skip normalize=True"
    )
    parser.add_argument(
        "--no-probes", dest="probes", action="store_false", help="skip fresh-process probes"
    )
    parser.add_argument(
        "--spin", action="store_true", help="keep OpenMP's default wait policy (not PASSIVE)"
    )
    parser.add_argument("--json", help="also write every timing to this file")
    parser.add_argument("--_threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_out", help=argparse.SUPPRESS)
    parser.add_argument("--_probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.repeat = args.repeat or (3 if args.quick else 10)
    args.min_sample = 0.02 if args.quick else 0.05
    if args._probe is not None:
        return probe(args)
    if args._threads is not None:
        return worker(args)

    records = []
    for threads in (int(t) for t in args.threads.split(",")):
        env = dict(os.environ, **{var: str(threads) for var in THREAD_VARS})
        if not args.spin:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tswarp-loss-{os.getpid()}.json")
        command = [sys.executable, os.path.abspath(__file__), "--_threads", str(threads)]
        command += ["--_out", out, "--repeat", str(args.repeat)]
        command += ["--quick"] * args.quick + ["--no-normalize"] * (not args.normalize)
        command += ["--no-probes"] * (not args.probes)
        subprocess.run(command, env=env, check=True)
        with open(out) as f:
            records += json.load(f)
        os.remove(out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(quick=args.quick, repeat=args.repeat, records=records), f, indent=1)


if __name__ == "__main__":
    main()
