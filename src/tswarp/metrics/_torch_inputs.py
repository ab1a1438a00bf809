"""Validation of torch series and datasets, mirroring the NumPy rules of ``_inputs``."""

import numpy as np
import torch

from tswarp.metrics import _inputs

_HALF = (torch.float16, torch.bfloat16)


def _float_tensor(ts, name):
    if ts.is_complex():
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {ts.dtype}")
    if ts.dtype in _HALF:
        return ts.to(torch.float32)  # the DP is not run in half precision
    return ts if ts.is_floating_point() else ts.to(torch.float64)


def _trailing_padding(nan_rows):
    """Number of trailing True entries along the last axis (padding rows), per series."""
    return torch.cumprod(nan_rows.flip(-1).to(torch.int64), dim=-1).sum(-1)


def to_series(ts, name):
    """One series as a floating (sz, d) tensor on its device, padding rows removed.

    Non-tensor input is validated as NumPy data and becomes a CPU tensor.
    """
    if not isinstance(ts, torch.Tensor):
        return torch.from_numpy(_inputs.to_series(ts, name))
    ts = _inputs.series_shape(_float_tensor(ts, name), name)
    size = ts.shape[0] - int(_trailing_padding(torch.isnan(ts).all(1)))
    if size == 0:
        raise _inputs.empty_series(name)
    ts = ts[:size]
    bad = ~torch.isfinite(ts).all(1)
    if bool(bad.any()):
        raise _inputs.value_inside(name, int(bad.nonzero()[0, 0]))
    return ts


def same_place(x, y, names):
    """x and y on one device and one float dtype (the wider one)."""
    if x.device != y.device:
        raise ValueError(
            f"{names[0]} and {names[1]} must be on the same device, got {x.device} and {y.device}"
        )
    dtype = torch.promote_types(x.dtype, y.dtype)
    return x.to(dtype), y.to(dtype)


def to_series_pair(s1, s2):
    x, y = to_series(s1, "s1"), to_series(s2, "s2")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            "s1 and s2 must have the same number of features (dimension d), got "
            f"d={x.shape[1]} for s1 and d={y.shape[1]} for s2"
        )
    _inputs.check_layout_pair(x, y)
    return same_place(x, y, ("s1", "s2"))


def to_dataset(dataset, name):
    """(padded (n, sz, d) tensor, lengths as an intp array) with NumPy's dataset rules."""
    if isinstance(dataset, (list, tuple)) and any(isinstance(t, torch.Tensor) for t in dataset):
        series = [to_series(ts, f"{name}[{i}]") for i, ts in enumerate(dataset)]
        if len({ts.shape[1] for ts in series}) > 1:
            raise ValueError(f"all series of {name} must have the same number of features")
        padded = torch.nn.utils.rnn.pad_sequence(series, batch_first=True)
        return padded, np.array([len(ts) for ts in series], dtype=np.intp)
    if not isinstance(dataset, torch.Tensor):
        padded, lengths = _inputs.to_dataset(dataset, name)
        return torch.from_numpy(padded), lengths
    arr = _inputs.dataset_shape(_float_tensor(dataset, name), name)
    if arr.numel() == 0 and arr.shape[0] > 0:
        raise ValueError(f"{name} has no time steps or no features: shape {tuple(arr.shape)}")
    lengths = arr.shape[1] - _trailing_padding(torch.isnan(arr).all(2))
    lengths = lengths.cpu().numpy().astype(np.intp)
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise _inputs.empty_series(f"{name}[{empty[0]}]")
    steps = torch.arange(arr.shape[1], device=arr.device)
    inside = steps[None, :] < torch.as_tensor(lengths, device=arr.device)[:, None]
    bad = ~torch.isfinite(arr).all(2) & inside
    if bool(bad.any()):
        index, step = (int(v) for v in bad.nonzero()[0])
        raise _inputs.value_inside(f"{name}[{index}]", step)
    # Padding becomes 0: never read by the DP, and no NaN can reach a gradient through it.
    return torch.where(inside[:, :, None], arr, 0.0), lengths


def to_dataset_pair(dataset1, dataset2):
    first = to_dataset(dataset1, "dataset1")
    if dataset2 is None:
        _inputs.check_layout_datasets(first[0], first[0], False)
        return first, first
    second = to_dataset(dataset2, "dataset2")
    (X, x_lengths), (Y, y_lengths) = first, second
    if len(x_lengths) and len(y_lengths) and X.shape[2] != Y.shape[2]:
        raise ValueError(
            "dataset1 and dataset2 must have the same number of features (dimension d), got "
            f"d={X.shape[2]} for dataset1 and d={Y.shape[2]} for dataset2"
        )
    _inputs.check_layout_datasets(X, Y, True)
    X, Y = same_place(X, Y, ("dataset1", "dataset2"))
    return (X, x_lengths), (Y, y_lengths)
