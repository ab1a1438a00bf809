"""Validation of torch series and datasets: the rules of ``_inputs`` applied to tensors.

Only the tensor side lives here: which tensors hold usable values, their float dtypes, one
device per call, and padding filled with 0 (see ``zero_padding``).
"""

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


def _host(mask):
    return mask.cpu().numpy()


def to_series(ts, name):
    """One series as a contiguous floating (sz, d) tensor on its device, padding removed.

    Non-tensor input is validated as NumPy data and becomes a CPU tensor.
    """
    if not isinstance(ts, torch.Tensor):
        return torch.from_numpy(_inputs.to_series(ts, name))
    ts = _inputs.series_shape(_float_tensor(ts, name), name)
    size = _inputs.series_lengths(ts[None], name, torch, _host, dataset=False)[0]
    return ts[:size].contiguous()  # the compiled kernels read it in place


def same_place(x, y, names):
    """x and y on one device and one float dtype (the wider one)."""
    if x.device != y.device:
        raise ValueError(
            f"{names[0]} and {names[1]} must be on the same device, got {x.device} and {y.device}"
        )
    dtype = torch.promote_types(x.dtype, y.dtype)
    return x.to(dtype), y.to(dtype)


def to_series_pair(s1, s2):
    """Validate two series as ``_inputs.to_series_pair``, as tensors on one device."""
    return _inputs.validate_series_pair(s1, s2, to_series, same_place)


def steps_within(lengths, size, device):
    """(b, size) bool tensor on ``device``: True at the steps within each series' length."""
    steps = torch.arange(size, device=device)
    return steps < torch.as_tensor(lengths, device=device)[:, None]


def zero_padding(arr, lengths, inside=None):
    """``arr`` (b, sz, d) with 0 in the rows past ``lengths`` (``inside``, if known, is
    their ``steps_within``). The wavefront computes whole padded batches: a NaN there would
    reach the gradients (as 0 * NaN) although no path crosses it."""
    if inside is None:
        inside = steps_within(lengths, arr.shape[1], arr.device)
    return torch.where(inside[:, :, None], arr, 0.0)


def _padded_series(dataset, name):
    """A list of series as (padded tensor, lengths): one device, the widest of their dtypes."""
    series = [to_series(ts, f"{name}[{i}]") for i, ts in enumerate(dataset)]
    _inputs.check_series_features(series, name)
    devices = {ts.device for ts in series}
    if len(devices) > 1:
        raise ValueError(f"all series of {name} must be on the same device, got {devices}")
    dtype = functools.reduce(torch.promote_types, (ts.dtype for ts in series))
    padded = torch.nn.utils.rnn.pad_sequence([ts.to(dtype) for ts in series], batch_first=True)
    return padded, np.array([len(ts) for ts in series], dtype=np.intp)


def to_dataset(dataset, name):
    """(padded (n, sz, d) tensor, lengths as an intp array) with the rules of
    ``_inputs.to_dataset``; padding rows hold 0 (see ``zero_padding``)."""
    if isinstance(dataset, (list, tuple)) and any(isinstance(t, torch.Tensor) for t in dataset):
        return _padded_series(dataset, name)  # padded with 0 already
    if isinstance(dataset, torch.Tensor):
        arr = _inputs.dataset_shape(_float_tensor(dataset, name), name)
        lengths = _inputs.series_lengths(arr, name, torch, _host)
    else:
        arr, lengths = _inputs.to_dataset(dataset, name)
        arr = torch.from_numpy(arr)
    if arr.shape[0] and (lengths < arr.shape[1]).any():
        arr = zero_padding(arr, lengths)
    return arr, lengths


def to_dataset_pair(dataset1, dataset2):
    """Validate one or two datasets as ``_inputs.to_dataset_pair``, as tensors on one device."""
    return _inputs.validate_dataset_pair(dataset1, dataset2, to_dataset, same_place)
