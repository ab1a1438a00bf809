"""Validation of torch series and datasets, mirroring the NumPy rules of ``_inputs``."""

import functools

import numpy as np
import torch

from tswarp.metrics import _inputs

# The dynamic programs run in these two dtypes; narrower floats widen to one of them exactly.
_KERNEL_DTYPES = (torch.float32, torch.float64)


def check_tensor(ts, name):
    """TypeError or ValueError, naming ``name``, for a tensor whose values cannot be computed
    with: sparse (or another non-strided layout), on the meta device, or not real."""
    if ts.layout != torch.strided:
        raise TypeError(
            f"{name} must be a dense tensor, got layout {ts.layout}; convert it with .to_dense()"
        )
    if ts.device.type == "meta":
        raise ValueError(f"{name} is a meta tensor: it has a shape but no values to compute with")
    if ts.is_complex() or ts.is_quantized:
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {ts.dtype}")


def real_tensor(ts, name):
    """A checked tensor with readable values: integers and bools become float64 (as NumPy
    data does), floating dtypes stay, and a negated view (NumPy cannot read one) is resolved."""
    check_tensor(ts, name)
    ts = ts.resolve_neg()
    return ts if ts.is_floating_point() else ts.to(torch.float64)


def _float_tensor(ts, name):
    ts = real_tensor(ts, name)
    return ts if ts.dtype in _KERNEL_DTYPES else ts.to(torch.float32)


def host_array(ts, name):
    """A tensor's values as a NumPy array on the host, detached: how the NumPy path reads it.

    Floats other than float32 and float64 become float64, as NumPy's float16 does there
    (bfloat16 has no NumPy dtype); other dtypes are kept for the caller to check.
    """
    check_tensor(ts, name)
    ts = ts.detach()
    if ts.is_floating_point() and ts.dtype not in _KERNEL_DTYPES:
        ts = ts.to(torch.float64)
    return ts.cpu().resolve_neg().numpy()


def _trailing_padding(nan_rows):
    """Number of trailing True entries along the last axis (padding rows), per series."""
    return torch.cumprod(nan_rows.flip(-1).to(torch.int64), dim=-1).sum(-1)


def to_series(ts, name):
    """One series as a contiguous floating (sz, d) tensor on its device, padding removed.

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
    return ts.contiguous()  # the compiled kernels read it in place


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


def _padded_series(dataset, name):
    """A list of series as (padded tensor, lengths): one device, the widest of their dtypes."""
    series = [to_series(ts, f"{name}[{i}]") for i, ts in enumerate(dataset)]
    if len({ts.shape[1] for ts in series}) > 1:
        raise ValueError(f"all series of {name} must have the same number of features")
    devices = {ts.device for ts in series}
    if len(devices) > 1:
        raise ValueError(f"all series of {name} must be on the same device, got {devices}")
    dtype = functools.reduce(torch.promote_types, (ts.dtype for ts in series))
    padded = torch.nn.utils.rnn.pad_sequence([ts.to(dtype) for ts in series], batch_first=True)
    return padded, np.array([len(ts) for ts in series], dtype=np.intp)


def to_dataset(dataset, name):
    """(padded (n, sz, d) tensor, lengths as an intp array) with NumPy's dataset rules."""
    if isinstance(dataset, (list, tuple)) and any(isinstance(t, torch.Tensor) for t in dataset):
        return _padded_series(dataset, name)
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
