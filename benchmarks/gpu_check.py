"""Usage: pip install . && python benchmarks/gpu_check.py  (CPU smoke test: --device cpu --quick)

One prepared check of tswarp's PyTorch path on a CUDA device, to run in a single call on a GPU
machine (a few minutes at most on an H100). Needs torch, numpy and tswarp installed from the
working tree; pysdtw is optional. Exit status: 0 when every parity check passes, 1 when one
fails or crashes, 2 when the device is not available.

1. Versions of torch, CUDA, numpy, tswarp and pysdtw, and the device's name.
2. Parity on the device, against float64 references computed on the CPU:
   - soft-DTW: tswarp.metrics.SoftDTWLossPyTorch values and gradients (x and y both require
     grad) for batches of 8 pairs, d=3, lengths m != n drawn in 64..300, gamma 0.1 and 1,
     without and with a Sakoe-Chiba band (sakoe_chiba_radius=10), normalize False and True,
     run on the device in float64 and in float32. The reference is NumPy float64:
     tswarp.metrics.soft_dtw_alignment gives each pair's value and expected alignment E, and
     the gradient 2 sum_j E_ij (x_i - y_j): compiled kernels that share no code with the torch
     wavefront or the torch cost function. The loss on CPU float64 tensors (the compiled
     kernels) is checked against it too.
   - DTW: tswarp.metrics.dtw on device tensors, single pairs with lengths drawn alike, with
     and without the band, float64 and float32. Reference: the NumPy dtw value and, from the
     NumPy dtw_path, the gradient sum_{j: (i, j) on the path} (x_i - y_j) / dtw. A float32
     gradient that differs is a warning only: float32 rounding can flip a near-tie between
     two paths.
   - Every output and gradient must be on the device, and the loss in its input's dtype.
   - CUDA graphs: the wavefront's loops replayed from captured graphs (the default on CUDA)
     against the same loops run eagerly (tswarp._torch._cuda_graphs switched off): soft-DTW
     and DTW values and gradients must be identical, and the graphs must have been captured.
   - Triton kernels (tswarp._torch._fused, switched on for this check only; where Triton
     imports): the soft-DTW loss cases of 2a run through them, against the same NumPy
     reference, values to 1e-12 in float64; then batches whose diagonals are longer than a
     program's lanes (1500 x 1300, ragged lengths) against the torch wavefront on the device.
3. Timing: the loss forward+backward (loss(x, y).sum().backward()) at batch 64, 128x128 and
   512x512, d=1, float32, gamma=1: tswarp with CUDA graphs ("tswarp"), tswarp with them off
   ("eager"), tswarp's Triton kernels ("triton", where Triton imports), and
   pysdtw.SoftDTW(use_cuda=True) when importable: medians of --repeat samples after
   warm-up, interleaved, with torch.cuda.synchronize() around each.
4. Long series: lengths 4096 and 8192 at batch 4: time and torch.cuda.max_memory_allocated
   of one forward+backward (peak stats reset first; the inputs, a few KiB, are included),
   for the wavefront and the Triton kernels. pysdtw caps lengths at 1024 and is expected to
   fail there.
5. A compact summary table of the parity checks. An error in step 3 or 4 (say, out of
   memory) is printed and does not stop the script.

--device cpu runs everything on the CPU, where the loss uses the compiled kernels;
--force-wavefront makes CPU tensors take the torch wavefront that other devices use (it
builds the loss with compute_with_backend=True), so the smoke test exercises the
code that runs on the GPU. --quick shrinks every size.
"""

import argparse
import contextlib
import gc
import math
import statistics
import sys
import time
import traceback

import numpy as np
import torch

import tswarp
import tswarp.metrics as tm
from tswarp._torch import _cuda_graphs, _fused
from tswarp._torch import soft_dtw as tsoft_dtw

GAMMAS = (0.1, 1.0)
COMPUTE_WITH_BACKEND = None  # --force-wavefront: True, the torch wavefront on the CPU too
RADIUS = 10
D = 3
BATCH = 8
# Tolerances: values |a - b| / |b|; gradients max |a - b| / max |b|. For float32 inputs, the
# torch wavefront run on the CPU (--force-wavefront, full sizes; its DP runs in float64)
# reached 1.0e-7 on values and 3.5e-6 on gradients; float64 stayed below 1e-11.
TOLERANCE = {
    ("loss", torch.float64): (1e-9, 1e-8),
    ("loss", torch.float32): (1e-5, 2e-3),
    ("triton", torch.float64): (1e-12, 1e-9),
    ("triton", torch.float32): (1e-5, 2e-3),
    ("dtw", torch.float64): (1e-9, 1e-9),
    ("dtw", torch.float32): (1e-5, 1e-4),
}
SIZES = {
    "full": dict(lengths=(64, 300), cases=3, dtw_pairs=4, b=64, sz=(128, 512), long=(4096, 8192)),
    "quick": dict(lengths=(64, 128), cases=1, dtw_pairs=2, b=8, sz=(64, 128), long=(256, 512)),
}


class Checks:
    """Parity results by category: worst difference, tolerance, PASS / WARN / FAIL."""

    def __init__(self):
        self.rows = {}

    def add(self, category, diff, tolerance, warn_only=False, error=None):
        row = self.rows.setdefault(
            category, dict(n=0, worst=0.0, tol=tolerance, fail=0, warn=0, errors=[])
        )
        row["n"] += 1
        bad = error is not None or not diff <= tolerance  # NaN is bad
        if error is None:
            row["worst"] = max(row["worst"], diff) if not math.isnan(diff) else math.nan
        if bad and warn_only and error is None:
            row["warn"] += 1
        elif bad:
            row["fail"] += 1
            if error and len(row["errors"]) < 3:
                row["errors"].append(error)
        return not bad

    def placement(self, label, tensors, device, dtype=None):
        wrong = [
            f"{name} on {t.device}" + (f" as {t.dtype}" if dtype and t.dtype != dtype else "")
            for name, t in tensors.items()
            if t is None or t.device != device or (dtype is not None and t.dtype != dtype)
        ]
        self.add("outputs on device", 0.0, 0.0, error=f"{label}: {wrong}" if wrong else None)

    def failed(self):
        return sum(row["fail"] for row in self.rows.values())

    def print_summary(self):
        print("\n== 5. summary of the parity checks")
        header = f"{'check':<44}{'cases':>6}{'worst diff':>12}{'tolerance':>11}  status"
        print(header + "\n" + "-" * (len(header) + 8))
        for name, r in self.rows.items():
            status = "FAIL" if r["fail"] else ("WARN" if r["warn"] else "PASS")
            extra = f" ({r['fail']} failed)" if r["fail"] else ""
            extra += f" ({r['warn']} warned)" if r["warn"] else ""
            print(f"{name:<44}{r['n']:>6}{r['worst']:>12.1e}{r['tol']:>11.0e}  {status}{extra}")
            for error in r["errors"]:
                print(f"    {error[:150]}")


@contextlib.contextmanager
def switches(graphs=True, fused=False):
    """CUDA graphs and the Triton kernels switched as asked, restored after."""
    previous = _cuda_graphs.set_enabled(graphs), _fused.set_enabled(fused)
    try:
        yield
    finally:
        _cuda_graphs.set_enabled(previous[0])
        _fused.set_enabled(previous[1])


def triton_runs_on(device):
    """Whether the Triton kernels can run on ``device`` (None if so, else why not)."""
    with switches(fused=True):
        if _fused.usable(torch.empty(0, device=device)):
            return None
    if _fused._kernels_module() is None:
        return "Triton is not importable"
    return f"not on {device} (CUDA tensors, or CPU tensors under TRITON_INTERPRET=1)"


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def random_walks(n, sz, d, rng):
    walks = np.cumsum(rng.standard_normal((n, sz, d)), axis=1)
    return (walks - walks.mean(axis=1, keepdims=True)) / walks.std(axis=1, keepdims=True)


def relative(got, ref):
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    return float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)))


def relative_to_max(got, ref):
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    return float(np.max(np.abs(got - ref)) / max(float(np.max(np.abs(ref))), 1e-300))


def as_numpy(t):
    return t.detach().to("cpu", torch.float64).numpy()


def worst_gradient(grads, references):
    return max(relative_to_max(as_numpy(g), r) for g, r in zip(grads, references, strict=True))


# ---------------------------------------------------------------- references (NumPy, float64)


def soft_pair_reference(x, y, gamma, radius):
    """Soft-DTW value and gradients w.r.t. x and y of one pair, from the expected alignment."""
    E, value = tm.soft_dtw_alignment(x, y, gamma=gamma, sakoe_chiba_radius=radius)
    grad_x = 2 * (E.sum(1)[:, None] * x - E @ y)
    grad_y = 2 * (E.sum(0)[:, None] * y - E.T @ x)
    return value, grad_x, grad_y


def soft_reference(X, Y, gamma, radius, normalize):
    values, gx, gy = [], np.zeros_like(X), np.zeros_like(Y)
    for p, (x, y) in enumerate(zip(X, Y, strict=True)):
        value, gx[p], gy[p] = soft_pair_reference(x, y, gamma, radius)
        if normalize:
            vxx, ax, bx = soft_pair_reference(x, x, gamma, radius)
            vyy, ay, by = soft_pair_reference(y, y, gamma, radius)
            value -= (vxx + vyy) / 2
            gx[p] -= (ax + bx) / 2
            gy[p] -= (ay + by) / 2
        values.append(value)
    return np.array(values), gx, gy


def dtw_reference(x, y, radius):
    value = tm.dtw(x, y, sakoe_chiba_radius=radius)
    path, _ = tm.dtw_path(x, y, sakoe_chiba_radius=radius)
    rows, cols = np.array(path).T
    diff = (x[rows] - y[cols]) / value
    grad_x, grad_y = np.zeros_like(x), np.zeros_like(y)
    np.add.at(grad_x, rows, diff)
    np.add.at(grad_y, cols, -diff)
    return value, grad_x, grad_y


# ---------------------------------------------------------------- 2. parity


def run_loss(X, Y, device, dtype, gamma, radius, normalize):
    loss = tm.SoftDTWLossPyTorch(
        gamma=gamma,
        normalize=normalize,
        sakoe_chiba_radius=radius,
        compute_with_backend=COMPUTE_WITH_BACKEND,
    )
    x = torch.tensor(X, dtype=dtype, device=device, requires_grad=True)
    y = torch.tensor(Y, dtype=dtype, device=device, requires_grad=True)
    values = loss(x, y)
    values.sum().backward()
    return values, x.grad, y.grad


def soft_parity(checks, device, size, rng, fused=False):
    """The loss against the NumPy reference: on the CPU and the device in float64 and
    float32; ``fused``: on the device through the Triton kernels, one case per setting."""
    low, high = size["lengths"]
    print(
        f"{'gamma':>6}{'band':>6}{'norm':>6}{'m':>5}{'n':>5}{'dtype':>9}{'value':>10}{'grad':>10}"
    )
    for gamma in GAMMAS:
        for radius in (None, RADIUS):
            for normalize in (False, True):
                for _ in range(1 if fused else size["cases"]):
                    m, n = (int(v) for v in rng.integers(low, high + 1, size=2))
                    X, Y = random_walks(BATCH, m, D, rng), random_walks(BATCH, n, D, rng)
                    ref = soft_reference(X, Y, gamma, radius, normalize)
                    runs = [] if fused else [("cpu f64", torch.device("cpu"), torch.float64)]
                    runs += [(str(dt)[6:], device, dt) for dt in (torch.float64, torch.float32)]
                    for label, dev, dtype in runs:
                        tag = f"gamma={gamma} radius={radius} normalize={normalize} {m}x{n}"
                        where = "CPU loss" if label == "cpu f64" else f"loss on device {label}"
                        where = f"Triton {where}" if fused else where
                        tol_v, tol_g = TOLERANCE[("triton" if fused else "loss", dtype)]
                        try:
                            with switches(fused=fused):
                                values, gx, gy = run_loss(
                                    X, Y, dev, dtype, gamma, radius, normalize
                                )
                        except Exception as exc:
                            error = f"{tag}: {type(exc).__name__}: {exc}"
                            checks.add(f"{where}: value", math.nan, tol_v, error=error)
                            traceback.print_exc(limit=3)
                            continue
                        dv = relative(as_numpy(values), ref[0])
                        dg = worst_gradient((gx, gy), ref[1:])
                        checks.add(f"{where}: value", dv, tol_v)
                        checks.add(f"{where}: gradient", dg, tol_g)
                        outputs = dict(values=values, x_grad=gx, y_grad=gy)
                        checks.placement(f"{where} {tag}", outputs, dev, dtype)
                        band = "-" if radius is None else str(radius)
                        print(
                            f"{gamma:>6}{band:>6}{normalize!s:>6}{m:>5}{n:>5}{label:>9}"
                            f"{dv:>10.1e}{dg:>10.1e}"
                        )
                        sys.stdout.flush()


def dtw_parity(checks, device, size, rng):
    print("\n== 2b. DTW (tswarp.metrics.dtw on tensors): device vs NumPy float64 reference")
    low, high = size["lengths"]
    print(f"{'band':>6}{'m':>5}{'n':>5}{'dtype':>9}{'value':>10}{'grad':>10}")
    for radius in (None, RADIUS):
        for _ in range(size["dtw_pairs"]):
            m, n = (int(v) for v in rng.integers(low, high + 1, size=2))
            x_np, y_np = random_walks(1, m, D, rng)[0], random_walks(1, n, D, rng)[0]
            ref = dtw_reference(x_np, y_np, radius)
            for dtype in (torch.float64, torch.float32):
                label, tag = str(dtype)[6:], f"radius={radius} {m}x{n}"
                tol_v, tol_g = TOLERANCE[("dtw", dtype)]
                try:
                    x = torch.tensor(x_np, dtype=dtype, device=device, requires_grad=True)
                    y = torch.tensor(y_np, dtype=dtype, device=device, requires_grad=True)
                    value = tm.dtw(x, y, sakoe_chiba_radius=radius)
                    value.backward()
                except Exception as exc:
                    error = f"{tag} {label}: {type(exc).__name__}: {exc}"
                    checks.add(f"DTW on device {label}: value", math.nan, tol_v, error=error)
                    traceback.print_exc(limit=3)
                    continue
                dv = relative(as_numpy(value), ref[0])
                dg = worst_gradient((x.grad, y.grad), ref[1:])
                checks.add(f"DTW on device {label}: value", dv, tol_v)
                warn_only = dtype == torch.float32  # float32 may break a near-tie differently
                name = f"DTW on device {label}: gradient" + (" (warn only)" if warn_only else "")
                checks.add(name, dg, tol_g, warn_only=warn_only)
                checks.placement(f"dtw {tag} {label}", dict(value=value, x_grad=x.grad), device)
                band = "-" if radius is None else str(radius)
                print(f"{band:>6}{m:>5}{n:>5}{label:>9}{dv:>10.1e}{dg:>10.1e}")
                sys.stdout.flush()


def graph_parity(checks, device, rng):
    print("\n== 2c. CUDA graphs (captured loops) vs the same loops run eagerly")
    if device.type != "cuda":
        print("  not a CUDA device: graphs are never captured here")
        return
    X, Y = random_walks(BATCH, 150, D, rng), random_walks(BATCH, 120, D, rng)
    runs = {}
    _cuda_graphs.clear()
    for graphs in (False, True, True):  # eager, capture + replay, replay
        previous = _cuda_graphs.set_enabled(graphs)
        try:
            row = []
            for gamma, radius in ((1.0, None), (0.1, RADIUS)):
                row += run_loss(X, Y, device, torch.float32, gamma, radius, False)
            x = torch.tensor(X[0], dtype=torch.float32, device=device, requires_grad=True)
            y = torch.tensor(Y[0], dtype=torch.float32, device=device)
            value = tm.dtw(x, y)
            value.backward()
            row += [value, x.grad]
        finally:
            _cuda_graphs.set_enabled(previous)
        runs.setdefault(graphs, []).append(row)
    captured = len(_cuda_graphs._graphs)
    eager = runs[False][0]
    worst = max(
        relative_to_max(as_numpy(a), as_numpy(b))
        for row in runs[True]
        for a, b in zip(row, eager, strict=True)
    )
    error = None if captured else "no graph was captured"
    checks.add("CUDA graphs vs eager (identical)", worst, 0.0, error=error)
    print(f"  graphs captured: {captured}; worst difference from eager: {worst:.1e}")


def fused_parity(checks, device, size, rng):
    print("\n== 2d. Triton kernels: device vs NumPy float64 reference, and vs the wavefront")
    why_not = triton_runs_on(device)
    if why_not:
        print(f"  not run: {why_not}")
        return
    soft_parity(checks, device, size, rng, fused=True)
    # Diagonals longer than a program's lanes (MAX_BLOCK): several runs a diagonal.
    n, m = (1500, 1300) if device.type == "cuda" else (40, 30)
    if device.type != "cuda":
        _fused.MAX_BLOCK = 8
    costs = torch.tensor(rng.random((2, n, m)) * 4, dtype=torch.float64, device=device)
    n_lengths = torch.tensor([n, n - n // 7], device=device)
    m_lengths = torch.tensor([m - m // 40, m], device=device)
    results = []
    for fused in (True, False):
        c = costs.clone().requires_grad_(True)
        with switches(fused=fused):
            values = tsoft_dtw(c, 1.0, n_lengths, m_lengths)
            (grad,) = torch.autograd.grad(values.sum(), c)
        results.append((values.detach(), grad))
    dv = relative_to_max(as_numpy(results[0][0]), as_numpy(results[1][0]))
    dg = relative_to_max(as_numpy(results[0][1]), as_numpy(results[1][1]))
    checks.add("Triton vs wavefront, long diagonals: value", dv, 1e-12)
    checks.add("Triton vs wavefront, long diagonals: gradient", dg, 1e-9)
    print(f"  {n}x{m}, batch 2, ragged, float64: value {dv:.1e}, gradient {dg:.1e}")


# ---------------------------------------------------------------- 3 and 4. timing


def load_pysdtw(device):
    try:
        import pysdtw
    except ImportError:
        return None, "pysdtw not installed"
    try:
        return pysdtw.SoftDTW(gamma=1.0, use_cuda=device.type == "cuda"), ""
    except Exception as exc:
        return None, f"pysdtw: {type(exc).__name__}: {exc}"


def make_step(loss, x, y, graphs=True, fused=False):
    def step():
        x.grad = None
        with switches(graphs, fused):
            loss(x, y).sum().backward()

    return step


def peak_memory(step, device):
    """max_memory_allocated of one call after resetting the peak stats (bytes), or None."""
    if device.type != "cuda":
        return None
    sync(device)
    gc.collect()
    torch.cuda.reset_peak_memory_stats(device)
    step()
    sync(device)
    return torch.cuda.max_memory_allocated(device)


def time_and_compare(entries, device, repeat, warmup):
    """entries: name -> (loss, x, y). Check values, then interleaved medians; name -> dict."""
    results = {}
    for name, (loss, x, y, graphs, fused) in entries.items():
        try:
            with torch.no_grad(), switches(graphs, fused):
                values = as_numpy(loss(x, y))
            step = make_step(loss, x, y, graphs, fused)
            sync(device)
            start = time.perf_counter()
            step()
            sync(device)
            first = time.perf_counter() - start
            for _ in range(warmup - 1):
                step()
            results[name] = dict(step=step, values=values, first=first, samples=[])
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0][:100]
            results[name] = dict(error=message)
    live = {k: v for k, v in results.items() if "error" not in v}
    for _ in range(repeat):
        for r in live.values():
            sync(device)
            start = time.perf_counter()
            r["step"]()
            sync(device)
            r["samples"].append(time.perf_counter() - start)
    for r in live.values():
        r["median"] = statistics.median(r["samples"])
        try:
            r["peak"] = peak_memory(r["step"], device)
        except Exception as exc:
            r["peak"], r["error_peak"] = None, f"{type(exc).__name__}"
    return results


def print_timing(title, results, device):
    print(f"\n{title}")
    header = f"{'library':<10}{'first (s)':>10}{'median (ms)':>13}{'ratio':>7}{'peak (MiB)':>12}"
    print(header + "  value diff vs tswarp\n" + "-" * (len(header) + 22))
    base = results.get("tswarp", {})
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<10}{'-':>10}{'-':>13}{'-':>7}{'-':>12}  error: {r['error']}")
            continue
        ratio = r["median"] / base["median"] if "median" in base else math.nan
        peak = "-" if r.get("peak") is None else f"{r['peak'] / 2**20:.1f}"
        diff = relative(r["values"], base["values"]) if "values" in base else math.nan
        print(
            f"{name:<10}{r['first']:>10.3f}{r['median'] * 1e3:>13.2f}{ratio:>7.2f}{peak:>12}"
            f"  {diff:.1e}"
        )
    sys.stdout.flush()


def timing_entries(b, sz, device, pysdtw_loss, rng, eager=True):
    X = random_walks(b, sz, 1, rng)
    Y = random_walks(b, sz, 1, rng)
    entries = {}
    tswarp_loss = tm.SoftDTWLossPyTorch(gamma=1.0, compute_with_backend=COMPUTE_WITH_BACKEND)
    triton = device.type == "cuda" and triton_runs_on(device) is None
    for name, loss, graphs, fused in (
        ("tswarp", tswarp_loss, True, False),
        ("eager", tswarp_loss if eager and device.type == "cuda" else None, False, False),
        ("triton", tswarp_loss if triton else None, True, True),
        ("pysdtw", pysdtw_loss, True, False),
    ):
        if loss is not None:
            x = torch.tensor(X, dtype=torch.float32, device=device, requires_grad=True)
            y = torch.tensor(Y, dtype=torch.float32, device=device)
            entries[name] = (loss, x, y, graphs, fused)
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="torch device (default cuda)")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeat", type=int, default=None, help="timed samples (default 10)")
    parser.add_argument(
        "--force-wavefront", action="store_true", help="run CPU tensors on the torch wavefront"
    )
    parser.add_argument("--parity-only", action="store_true", help="skip steps 3 and 4")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    repeat = args.repeat or (3 if args.quick else 10)
    device = torch.device(args.device)
    started = time.perf_counter()

    print("== 1. versions and device")
    try:
        import pysdtw

        pysdtw_version = pysdtw.__version__
    except ImportError:
        pysdtw_version = "not installed"
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, numpy {np.__version__}")
    print(f"tswarp {tswarp.__version__} ({tswarp.__file__}), pysdtw {pysdtw_version}")
    print(f"python {sys.version.split()[0]}, CPU threads {torch.get_num_threads()}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            print("CUDA is not available: nothing to check (use --device cpu for a smoke test)")
            return 2
        device = torch.device("cuda", torch.cuda.current_device())
        props = torch.cuda.get_device_properties(device)
        print(
            f"device: {torch.cuda.get_device_name(device)}, {props.total_memory / 2**30:.1f} "
            f"GiB, compute capability {props.major}.{props.minor}, cuDNN "
            f"{torch.backends.cudnn.version()}"
        )
        print(
            f"TF32 matmul allowed: {torch.backends.cuda.matmul.allow_tf32}, float32 matmul "
            f"precision: {torch.get_float32_matmul_precision()}"
        )
    else:
        print(f"device: {device} (smoke test)")
    if args.force_wavefront:
        global COMPUTE_WITH_BACKEND
        COMPUTE_WITH_BACKEND = True
        print("--force-wavefront: CPU tensors run the torch wavefront")
    if getattr(tm, "SoftDTWLossPyTorch", None) is None:
        print("tswarp.metrics.SoftDTWLossPyTorch is missing: nothing to check")
        return 1

    rng = np.random.default_rng(args.seed)
    checks = Checks()
    print("\n== 2a. soft-DTW loss: device vs NumPy float64 reference")
    soft_parity(checks, device, size, rng)
    dtw_parity(checks, device, size, rng)
    graph_parity(checks, device, rng)
    fused_parity(checks, device, size, rng)
    print(f"\n(parity took {time.perf_counter() - started:.0f} s so far)")

    pysdtw_loss, note = load_pysdtw(device) if not args.parity_only else (None, "")
    if note:
        print(f"\nnote: {note}")
    b = size["b"]
    for sz in size["sz"] if not args.parity_only else ():
        title = (
            f"== 3. loss forward+backward on {device}: batch {b}, {sz}x{sz}, d=1, float32, "
            f"gamma=1 (median of {repeat})"
        )
        try:
            entries = timing_entries(b, sz, device, pysdtw_loss, rng)
            print_timing(title, time_and_compare(entries, device, repeat, warmup=2), device)
            print("  tswarp: CUDA graphs; eager: the same loops without them; triton: the")
            print("  Triton kernels (one launch a pass)")
            print("  pysdtw: squared costs as |x|^2 + |y|^2 - 2 x.y (clamped at 0)")
        except Exception as exc:
            print(f"\n{title}\n  error: {type(exc).__name__}: {str(exc)[:200]}")
        entries = None

    for length in size["long"] if not args.parity_only else ():
        if time.perf_counter() - started > 360:
            print(f"\n== 4. length {length}: skipped, past 6 minutes")
            continue
        title = f"== 4. long series on {device}: batch 4, {length}x{length}, d=1, float32"
        title += " (median of 3)"
        try:
            # No eager row: tables this long are past the graphs' size limit anyway.
            entries = timing_entries(4, length, device, pysdtw_loss, rng, eager=False)
            print_timing(title, time_and_compare(entries, device, 3, warmup=1), device)
        except Exception as exc:
            print(f"\n{title}\n  error: {type(exc).__name__}: {str(exc)[:200]}")
        entries = None
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()

    checks.print_summary()
    failed = checks.failed()
    print(
        f"\n{'FAILED' if failed else 'PASSED'}: {failed} failing case(s); "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
