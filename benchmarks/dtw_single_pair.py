"""DTW of one pair: the kernel the chooser picks (anti-diagonal SIMD) against the scalar one.

    python benchmarks/dtw_single_pair.py [--repeat N] [--simd NAME] [--path]

Both kernels run in this process on the same band, interleaved call by call: the scalar one
(_dtw.dtw_value, with --path _dtw.dtw_path) and the one _select.dtw_value (dtw_path) picks on
the build --simd names (default: the one chosen at import). Each row gives medians of --repeat
calls, in dynamic-programming cells (in-band (i, j)) per second, and checks that both return
the same value (and path). Data: float64 Gaussian random walks, fixed seed.
"""

import argparse
import functools
import statistics
import time

import numpy as np

from tswarp._kernels import _dtw, _select

CASES = [  # length, features, Sakoe-Chiba radius
    (1000, 1, None),
    (4000, 1, None),
    (1000, 3, None),
    (1000, 1, 25),
    (1000, 3, 25),
]


def seconds(kernel, x, y, lo, hi):
    """One timed call of a kernel."""
    start = time.perf_counter()
    value = kernel(x, y, lo, hi)
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--simd", help="the build to run (default: TSWARP_SIMD or the fastest)")
    parser.add_argument("--path", action="store_true", help="time dtw_path instead of dtw")
    args = parser.parse_args()
    build = _select.build_index(args.simd) if args.simd else _select.BUILD
    scalar = _dtw.dtw_path if args.path else _dtw.dtw_value
    chosen = functools.partial(_select.dtw_path if args.path else _select.dtw_value, build=build)
    rng = np.random.default_rng(0)
    name = "dtw_path" if args.path else "dtw"
    print(f"{name}, build: {args.simd or _select.variant()}, medians of {args.repeat} calls")
    print("length  d radius  scalar Gcells/s  SIMD Gcells/s ratio")
    for length, d, radius in CASES:
        x, y = (np.cumsum(rng.standard_normal((length, d)), axis=0) for _ in range(2))
        lo, hi = _dtw.band(length, length, 0 if radius is None else 2, radius or 0)
        cells = int(np.sum(hi - lo))
        times = {"scalar": [], "simd": []}
        for _ in range(args.repeat):
            for label, kernel in (("scalar", scalar), ("simd", chosen)):
                elapsed, value = seconds(kernel, x, y, lo, hi)
                times[label].append(elapsed)
                if label == "scalar":
                    expected = value
                elif value != expected:
                    raise AssertionError(f"results differ for {(length, d, radius)}")
        old, new = (statistics.median(times[label]) for label in ("scalar", "simd"))
        print(
            f"{length:>6} {d:>2} {radius or '-':>6} {cells / old / 1e9:>16.2f} "
            f"{cells / new / 1e9:>14.2f} {old / new:5.2f}x"
        )


if __name__ == "__main__":
    main()
