"""The torch wavefront against the compiled kernels, on the CPU, forward + backward.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/wavefront.py [--threads 1] [--repeat 15]
                                                             [--batch 64] [--length 128]

What is timed: ``loss(x, y).sum().backward()`` with tswarp.metrics.SoftDTWLossPyTorch
(gamma = 1, squared Euclidean costs), x and y float32 (batch, length, 1), x requiring grad,
built twice: with compute_with_backend=True, which sends CPU tensors through the torch
wavefront that runs on GPUs, and with the default, the compiled kernels. Both run in this
process with the same torch.set_num_threads. Samples alternate between the two (one call
each), after a warm-up; medians and minima of --repeat samples, and their ratio.

It also prints the number of aten calls of one forward + backward (torch.profiler, every
event named "aten::...", nested ones included) and that number per anti-diagonal
(n + m - 1), the figure that sets the wavefront's speed on a GPU, where each call is a
kernel launch. Before timing, the two engines' values and gradients are compared.

Set OMP_WAIT_POLICY=PASSIVE on a shared machine (see benchmarks/loss.py): the compiled
kernels' OpenMP threads and torch's then do not spin against each other.

The "faults" column is the median number of minor page faults per call. On the CPU the
wavefront allocates tables of several MB each call, and glibc's malloc hands such blocks back
to the system and takes them again: a call that faults them all in runs ~25% slower. The
medians include such calls; the minima mostly do not. (The CUDA caching allocator keeps its
blocks, so this does not arise on a GPU.)
"""

import argparse
import os
import resource
import statistics
import time

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

import tswarp
import tswarp.metrics as tm


def make_step(loss, x, y):
    def step():
        x.grad = None
        loss(x, y).sum().backward()

    return step


def aten_calls(step):
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    return sum(event.name.startswith("aten::") for event in prof.events())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    walks = np.cumsum(rng.standard_normal((2, args.batch, args.length, 1)), axis=2)
    walks = (walks - walks.mean(axis=2, keepdims=True)) / walks.std(axis=2, keepdims=True)
    x = torch.tensor(walks[0], dtype=torch.float32, requires_grad=True)
    y = torch.tensor(walks[1], dtype=torch.float32)
    engines = {
        "wavefront": tm.SoftDTWLossPyTorch(gamma=1.0, compute_with_backend=True),
        "compiled": tm.SoftDTWLossPyTorch(gamma=1.0),
    }
    steps = {name: make_step(loss, x, y) for name, loss in engines.items()}

    print(f"tswarp {tswarp.__version__}, torch {torch.__version__}, threads {args.threads}")
    print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'default')}")
    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"loss forward+backward: batch {args.batch}, {args.length}x{args.length}, d=1, "
        f"float32, gamma=1 (median of {args.repeat}, interleaved)"
    )
    results = {}
    for name, loss in engines.items():
        values = loss(x, y).detach()
        (grad,) = torch.autograd.grad(loss(x, y).sum(), x)
        results[name] = dict(values=values, grad=grad, samples=[], faults=[])
    value_diff = float(
        ((results["wavefront"]["values"] - results["compiled"]["values"]).abs()).max()
        / results["compiled"]["values"].abs().max()
    )
    grad_diff = float(
        (results["wavefront"]["grad"] - results["compiled"]["grad"]).abs().max()
        / results["compiled"]["grad"].abs().max()
    )
    print(f"wavefront vs compiled: value diff {value_diff:.1e}, gradient diff {grad_diff:.1e}")

    for step in steps.values():
        step()  # warm-up
    for _ in range(args.repeat):
        for name, step in steps.items():
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            start = time.perf_counter()
            step()
            results[name]["samples"].append(time.perf_counter() - start)
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
            results[name]["faults"].append(faults)
    diagonals = 2 * args.length - 1
    print(
        f"\n{'engine':<11}{'median (ms)':>12}{'min (ms)':>10}{'ratio':>7}{'faults':>8}"
        f"{'aten calls':>12}{'per diagonal':>14}"
    )
    base = statistics.median(results["compiled"]["samples"])
    for name, step in steps.items():
        samples = results[name]["samples"]
        median = statistics.median(samples)
        calls = aten_calls(step)
        print(
            f"{name:<11}{median * 1e3:>12.2f}{min(samples) * 1e3:>10.2f}{median / base:>7.2f}"
            f"{statistics.median(results[name]['faults']):>8.0f}"
            f"{calls:>12}{calls / diagonals:>14.1f}"
        )
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
