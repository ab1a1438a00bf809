"""Time to import the metrics module and to get the first DTW result, in fresh processes.

Every library runs in its own new interpreter, several times; the table shows medians and the
ratio of each library's time to tswarp's. Libraries that are not installed are skipped.

    python benchmarks/startup.py [--runs 7]
"""

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys

# Each probe imports a library's DTW and calls it once on the same pair of series.
PROBES = {
    "tswarp": ("tswarp", "from tswarp.metrics import dtw", "dtw(x, y)"),
    "tslearn": ("tslearn", "from tslearn.metrics import dtw", "dtw(x, y)"),
    "dtaidistance": (
        "dtaidistance",
        "from dtaidistance.dtw import distance_fast",
        "distance_fast(x, y)",
    ),
    "aeon": ("aeon", "from aeon.distances import dtw_distance", "dtw_distance(x, y)"),
}

TEMPLATE = """
import json, time
import numpy as np
x = np.sin(np.linspace(0, 6, 200))
y = np.cos(np.linspace(0, 6, 250))
start = time.perf_counter()
{import_line}
imported = time.perf_counter()
{call}
done = time.perf_counter()
print(json.dumps({{"import": imported - start, "first_call": done - imported}}))
"""


def time_fresh_process(import_line, call):
    code = TEMPLATE.format(import_line=import_line, call=call)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per library")
    args = parser.parse_args()

    medians = {}
    for name, (module, import_line, call) in PROBES.items():
        if importlib.util.find_spec(module) is None:
            print(f"skipping {name}: not installed", file=sys.stderr)
            continue
        time_fresh_process(import_line, call)  # warm the OS file cache, not counted
        runs = [time_fresh_process(import_line, call) for _ in range(args.runs)]
        medians[name] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}

    base = medians["tswarp"]
    print(f"Fresh-process startup, median of {args.runs} runs (ratio = library / tswarp)\n")
    header = f"{'library':<14}{'import (ms)':>13}{'ratio':>9}{'first dtw (ms)':>17}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    for name, row in medians.items():
        print(
            f"{name:<14}{row['import'] * 1e3:>13.1f}{row['import'] / base['import']:>9.1f}"
            f"{row['first_call'] * 1e3:>17.2f}{row['first_call'] / base['first_call']:>9.1f}"
        )


if __name__ == "__main__":
    main()
