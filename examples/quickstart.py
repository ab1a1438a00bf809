"""A first tour of tswarp: pick a backend, then compute DTW on a small bundled set of shapes.

Run with:  python examples/quickstart.py
"""

import numpy as np

import tswarp
from tswarp.backend import instantiate_backend
from tswarp.metrics import dtw


def shapes(length=64):
    """Three classic shapes (cylinder, bell, funnel), plus a time-shifted copy of each."""
    t = np.linspace(0.0, 1.0, length)
    plateau = ((t > 0.25) & (t < 0.75)).astype(float)
    ramp_up = np.clip((t - 0.25) / 0.5, 0.0, 1.0) * plateau
    series = {"cylinder": 6 * plateau, "bell": 6 * ramp_up, "funnel": 6 * ramp_up[::-1]}
    for name in list(series):
        series[name + " (shifted)"] = np.roll(series[name], length // 8)
    return series


def main():
    print(f"tswarp {tswarp.__version__} (OpenMP: {'on' if tswarp.openmp_enabled() else 'off'})")

    print("\nBackend selection")
    choices = [("numpy",), (np.array([0]),), (None,), ("Hello, World!",), (1, None, "numpy")]
    try:
        import torch

        choices += [("pytorch",), (torch.tensor([0]),), (1, None, torch.tensor([0]), "numpy")]
        be = instantiate_backend("pytorch")
        mat = be.array([[0, 1], [2, 3]], dtype=float)
        print(f"  torch backend: norm of {mat.tolist()} = {be.linalg.norm(mat)}")
    except ImportError:
        print('  (torch is not installed: pip install "tswarp[torch]" adds the PyTorch backend)')
    for args in choices:
        label = ", ".join(type(a).__name__ if hasattr(a, "shape") else repr(a) for a in args)
        print(f"  instantiate_backend({label}) -> {instantiate_backend(*args).backend_string}")

    print("\nDTW")
    print(f"  dtw([1, 2, 3], [1, 2, 2, 3, 4]) = {dtw([1, 2, 3], [1, 2, 2, 3, 4])}")
    print(
        f"  dtw([[1], [2], [3]], [[3], [4], [-3]]) = {dtw([[1], [2], [3]], [[3], [4], [-3]]):.4f}"
    )

    data = shapes()
    names = list(data)
    print("\nDTW distances between the bundled shapes (a shift costs DTW little):")
    print(" " * 20 + "".join(f"{name:>19}" for name in names))
    for a in names:
        row = "".join(f"{dtw(data[a], data[b]):>19.3f}" for b in names)
        print(f"{a:<20}{row}")
    euclidean = np.linalg.norm(data["bell"] - data["bell (shifted)"])
    print(
        f"\nbell vs its shifted copy: DTW {dtw(data['bell'], data['bell (shifted)']):.3f}, "
        f"Euclidean {euclidean:.3f}"
    )


if __name__ == "__main__":
    main()
