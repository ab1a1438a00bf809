"""tswarp.metrics.dtw on one pair: the anti-diagonal SIMD kernel against the scalar one.

    python benchmarks/dtw_single_pair.py [--repeat N] [--simd NAME] [--path]

Both kernels run through tswarp.metrics.dtw (with --path, tswarp.metrics.dtw_path) in this
process, interleaved call by call: the scalar one by pointing the value (path) at
_dtw.dtw_value (_dtw.dtw_path), as before the SIMD kernel existed. Each row gives medians of
--repeat calls, in dynamic-programming cells (in-band (i, j)) per second, and checks that both
return the same value (and path). Data: float64 Gaussian random walks, fixed seed.
"""

import argparse
import statistics
import time
import types

import numpy as np

from tswarp._kernels import _dtw, _simd
from tswarp.metrics import _dtw as metrics_dtw
from tswarp.metrics import dtw, dtw_path

CASES = [  # length, features, Sakoe-Chiba radius
    (1000, 1, None),
    (4000, 1, None),
    (1000, 3, None),
    (1000, 1, 25),
    (1000, 3, 25),
]
SCALAR = types.SimpleNamespace(dtw_value=_dtw.dtw_value, dtw_path=_dtw.dtw_path)


def seconds(metric, kernels, x, y, radius):
    """One timed call of the metric with the given kernels."""
    metrics_dtw._simd = kernels
    start = time.perf_counter()
    value = metric(x, y, sakoe_chiba_radius=radius)
    elapsed = time.perf_counter() - start
    metrics_dtw._simd = _simd
    return elapsed, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--simd", help="the build to run (default: TSWARP_SIMD or the fastest)")
    parser.add_argument("--path", action="store_true", help="time dtw_path instead of dtw")
    args = parser.parse_args()
    if args.simd:
        _simd._use(args.simd)
    metric = dtw_path if args.path else dtw
    rng = np.random.default_rng(0)
    print(
        f"{metric.__name__}, build: {_simd.variant()}, medians of {args.repeat} interleaved calls"
    )
    print("length  d radius  scalar Gcells/s  SIMD Gcells/s ratio")
    for length, d, radius in CASES:
        x, y = (np.cumsum(rng.standard_normal((length, d)), axis=0) for _ in range(2))
        lo, hi = _dtw.band(length, length, 0 if radius is None else 2, radius or 0)
        cells = int(np.sum(hi - lo))
        times = {"scalar": [], "simd": []}
        for _ in range(args.repeat):
            for name, kernels in (("scalar", SCALAR), ("simd", _simd)):
                elapsed, value = seconds(metric, kernels, x, y, radius)
                times[name].append(elapsed)
                if name == "scalar":
                    expected = value
                elif value != expected:
                    raise AssertionError(f"results differ for {(length, d, radius)}")
        old, new = (statistics.median(times[name]) for name in ("scalar", "simd"))
        print(
            f"{length:>6} {d:>2} {radius or '-':>6} {cells / old / 1e9:>16.2f} "
            f"{cells / new / 1e9:>14.2f} {old / new:5.2f}x"
        )


if __name__ == "__main__":
    main()
