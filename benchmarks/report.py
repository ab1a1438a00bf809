"""Turn the JSON of benchmarks/metrics.py into the docs' results table and ratio plot.

    python benchmarks/metrics.py --json results.json
    python benchmarks/report.py results.json docs/benchmarks

Writes ``results.md`` (one row per workload: tswarp's median time and throughput, each peer's
time divided by tswarp's) and ``ratios.png`` (the same ratios as bars, needs matplotlib).
With ``--ceiling C`` (float64 DTW cells per second of one core, as printed by
benchmarks/ceiling.c), the DTW rows also show tswarp's share of the machine's ceiling:
throughput / (C * threads).
"""

import argparse
import json
import os

PEERS = ["tslearn", "dtaidistance", "aeon", "pysdtw"]


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for record in data["records"]:
        row = rows.setdefault(record["workload"], {})
        agrees = record["check"] in ("reference",) or record["check"].startswith("agree")
        if record.get("median_s") is not None and agrees:
            row[record["library"]] = record
    return data, rows


def ceiling_share(workload, record, ceiling):
    """tswarp's share of the DTW ceiling, for float64 DTW workloads only ("" otherwise)."""
    if ceiling is None or not workload.startswith(("dtw:", "cdist_dtw:")):
        return ""
    threads = record.get("threads", 1) if workload.startswith("cdist") else 1
    return f"{record['cells'] / record['median_s'] / (ceiling * threads):.0%}"


def table(data, rows, ceiling=None):
    lines = [
        "| workload | tswarp median | tswarp M cells/s | share of ceiling | "
        + " | ".join(f"{peer} / tswarp" for peer in PEERS)
        + " |",
        "|---" * (4 + len(PEERS)) + "|",
    ]
    for workload, row in rows.items():
        own = row.get("tswarp")
        if own is None:
            continue
        median = own["median_s"]
        shown = f"{median * 1e3:.1f} ms" if median < 1 else f"{median:.2f} s"
        ratios = []
        for peer in PEERS:
            # dtaidistance has a "no pruning" variant: the plain entry is its default call.
            ratios.append(f"{row[peer]['median_s'] / median:.2f}" if peer in row else "")
        throughput = own["cells"] / median / 1e6
        share = ceiling_share(workload, own, ceiling)
        lines.append(
            f"| {workload} | {shown} | {throughput:.0f} | {share} | " + " | ".join(ratios) + " |"
        )
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
    parser.add_argument("results", help="JSON written by benchmarks/metrics.py --json")
    parser.add_argument("outdir", help="folder for results.md and ratios.png")
    parser.add_argument(
        "--ceiling", type=float, help="float64 DTW cells/s of one core, from benchmarks/ceiling.c"
    )
    args = parser.parse_args()
    data, rows = load(args.results)
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "results.md"), "w") as f:
        f.write(table(data, rows, args.ceiling))
    plot(rows, os.path.join(args.outdir, "ratios.png"))


if __name__ == "__main__":
    main()
