"""Turn the JSON of benchmarks/metrics.py into the docs' results table and ratio plot.

    python benchmarks/metrics.py --json results.json
    python benchmarks/report.py results.json docs/benchmarks

Several JSON files may be given (for example a full run, then a run of a few workloads with
``metrics.py --only``): a workload's rows come from the last file that has it.

Writes ``results.md`` (one row per workload: tswarp's median time and throughput, each peer's
time divided by tswarp's) and ``ratios.png`` (the same ratios as bars, needs matplotlib).
With ``--ceiling C`` (float64 DTW cells per second of one core, as printed by
benchmarks/ceiling.c), the DTW rows also show tswarp's share of the machine's ceiling:
throughput / (C * threads); ``--soft-ceiling S`` (its "soft64" figure) does the same for the
soft-DTW rows.
"""

import argparse
import json
import os

PEERS = ["tslearn", "dtaidistance", "aeon", "pysdtw"]


def load(paths):
    rows, repeats = {}, set()
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        repeats.add(data.get("repeat"))
        fresh = {}
        for record in data["records"]:
            row = fresh.setdefault(record["workload"], {})
            agrees = record["check"] in ("reference",) or record["check"].startswith("agree")
            if record.get("median_s") is not None and agrees:
                row[record["library"]] = record
        rows.update(fresh)
    data["repeat"] = " or ".join(str(r) for r in sorted(repeats, key=str))
    return data, rows


SOFT = ("soft_dtw:", "soft_dtw_alignment:", "cdist_soft_dtw:")


def ceiling_share(workload, record, ceiling, soft_ceiling):
    """tswarp's share of the ceiling of its recurrence ("" without that ceiling)."""
    if workload.startswith(("dtw:", "cdist_dtw:")):
        limit = ceiling
    elif workload.startswith(SOFT):
        limit = soft_ceiling
    else:
        return ""
    if limit is None:
        return ""
    threads = record.get("threads", 1) if workload.startswith("cdist") else 1
    return f"{record['cells'] / record['median_s'] / (limit * threads):.0%}"


def table(data, rows, ceiling=None, soft_ceiling=None):
    # The share column only when a ceiling measured on the same machine is given.
    shares = ceiling is not None or soft_ceiling is not None
    head = ["workload", "tswarp median", "tswarp M cells/s"] + ["share of ceiling"] * shares
    head += [f"{peer} / tswarp" for peer in PEERS]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for workload, row in rows.items():
        own = row.get("tswarp")
        if own is None:
            continue
        median = own["median_s"]
        shown = f"{median * 1e3:.1f} ms" if median < 1 else f"{median:.2f} s"
        cells = [workload, shown, f"{own['cells'] / median / 1e6:.0f}"]
        if shares:
            cells.append(ceiling_share(workload, own, ceiling, soft_ceiling))
        # dtaidistance has a "no pruning" variant: the plain entry is its default call.
        cells += [f"{row[peer]['median_s'] / median:.2f}" if peer in row else "" for peer in PEERS]
        lines.append("| " + " | ".join(cells) + " |")
    note = "quick sizes" if data.get("quick") else "full sizes"
    lines.append("")
    lines.append(
        f"Medians of {data.get('repeat')} interleaved samples ({note}); a ratio above 1 means "
        "tswarp is faster. Only results that agree with tswarp's are listed."
    )
    if ceiling is not None:
        lines.append(
            f"The ceiling is {ceiling / 1e9:.1f} G cells/s per core: the arithmetic of a "
            "univariate float64 DTW cell alone, measured by benchmarks/ceiling.c on the same "
            "machine (a d=3 cell does about twice that work)."
        )
    if soft_ceiling is not None:
        lines.append(
            f"The soft-DTW ceiling is {soft_ceiling / 1e6:.0f} M cells/s per core: the "
            "arithmetic of a float64 soft-DTW cell, with the kernels' own exp and log, "
            "measured the same way. soft_dtw_alignment also runs the backward pass, whose "
            "work its share counts against the forward's ceiling."
        )
    return "\n".join(lines) + "\n"


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [w for w, row in rows.items() if "tswarp" in row and len(row) > 1]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 1.5))
    height = 0.8 / len(PEERS)
    for k, peer in enumerate(PEERS):
        ys, xs = [], []
        for i, workload in enumerate(names):
            if peer in rows[workload]:
                ys.append(i + k * height)
                xs.append(rows[workload][peer]["median_s"] / rows[workload]["tswarp"]["median_s"])
        ax.barh(ys, xs, height=height, label=peer)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(names))], names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("peer time / tswarp time (log scale; > 1: tswarp is faster)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results", nargs="+", help="JSON written by benchmarks/metrics.py --json (one or more)"
    )
    parser.add_argument("outdir", help="folder for results.md and ratios.png")
    parser.add_argument(
        "--ceiling", type=float, help="float64 DTW cells/s of one core, from benchmarks/ceiling.c"
    )
    parser.add_argument(
        "--soft-ceiling", type=float, help="soft-DTW cells/s of one core (ceiling.c's soft64)"
    )
    args = parser.parse_args()
    data, rows = load(args.results)
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "results.md"), "w") as f:
        f.write(table(data, rows, args.ceiling, args.soft_ceiling))
    plot(rows, os.path.join(args.outdir, "ratios.png"))


if __name__ == "__main__":
    main()
