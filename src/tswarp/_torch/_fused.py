"""Soft-DTW in one Triton launch per pass for the whole batch (``_triton_kernels``).

The torch wavefront issues a dozen operations per anti-diagonal; these kernels run a pair's
whole sweep in one program, every pair of the batch at once. They take the same arguments
as ``_wavefront.forward`` (costs, gamma, per-pair lengths, a mask or Band), keep one float64
per cell between the passes, and give the same values and expected alignments.

Switched off by default: the kernels have been checked on CPU tensors under Triton's
interpreter (TRITON_INTERPRET=1), which runs the programs one after another and so cannot
show a missing barrier, but not yet on a GPU by ``benchmarks/gpu_check.py``. Switch them on
with ``set_enabled(True)`` or the environment variable TSWARP_TRITON=1 at import. When on,
they run for soft-DTW (gamma >= HARD_BELOW) on CUDA tensors where Triton imports (it ships
with torch's CUDA builds), and on CPU tensors under the interpreter; the wavefront runs in
every other case, and under ``torch.compile``.
"""

import functools
import os
from collections import namedtuple

import torch

from tswarp._torch import _wavefront
from tswarp._torch._bands import Band

MAX_BLOCK = 1024  # lanes of a program: longer diagonals are walked in several runs

_enabled = os.environ.get("TSWARP_TRITON", "0") == "1"

# What the backward pass needs: the forward's table and end values, and its arguments.
Trace = namedtuple("Trace", ["costs", "n_lengths", "m_lengths", "mask", "table", "end", "gamma"])


def set_enabled(flag):
    """Switch the Triton kernels on or off (off by default); returns the previous setting."""
    global _enabled
    previous, _enabled = _enabled, bool(flag)
    return previous


def enabled():
    return _enabled


@functools.cache
def _kernels_module():
    try:
        from tswarp._torch import _triton_kernels
    except ImportError:  # no Triton: the wavefront runs
        return None
    return _triton_kernels


def usable(costs):
    """Whether the Triton kernels compute soft-DTW on ``costs`` now."""
    if not _enabled or torch.compiler.is_compiling():
        return False
    module = _kernels_module()
    if module is None:
        return False
    if costs.is_cuda:
        return True
    return costs.device.type == "cpu" and module.interpreting()


def forward(costs, gamma, n_lengths=None, m_lengths=None, mask=None):
    """Values (b,) in float64 and the Trace that ``backward`` needs; arguments as
    ``_wavefront.forward`` (lengths are clamped to 1..n and 1..m)."""
    b, n, m = costs.shape
    costs = costs.detach()
    n_lengths = _lengths(n_lengths, n, b, costs.device)
    m_lengths = _lengths(m_lengths, m, b, costs.device)
    mask = _mask(mask, b, n, m, costs.device)
    table = torch.empty((b, n * m), dtype=torch.float64, device=costs.device)
    end = torch.empty(b, dtype=torch.float64, device=costs.device)
    if b:
        forward_kernel, _ = _kernels_module().kernels()
        forward_kernel[(b,)](
            costs, *costs.stride(),
            n_lengths, m_lengths,
            *_mask_arguments(mask, costs),
            table, n * m, end,
            _inverse(gamma, costs.device),
            **_launch(mask, n, m),
        )  # fmt: skip
    trace = Trace(costs, n_lengths, m_lengths, mask, table, end, gamma)
    return end * -gamma, trace


def backward(trace, seeds):
    """E (b, n, m), contiguous in the costs' dtype: seeds[p] times the gradient of value p
    w.r.t. its costs; zero outside the admissible cells and for pairs without a finite value."""
    costs, table, end = trace.costs, trace.table, trace.end
    b, n, m = costs.shape
    seeds = torch.where(end == -torch.inf, 0.0, seeds.to(torch.float64)).contiguous()
    E = torch.zeros((b, n, m), dtype=_alignment_dtype(costs.dtype), device=costs.device)
    if b:
        _, backward_kernel = _kernels_module().kernels()
        backward_kernel[(b,)](
            costs, *costs.stride(),
            trace.n_lengths, trace.m_lengths,
            *_mask_arguments(trace.mask, costs),
            table, torch.empty_like(table), n * m,
            end, seeds,
            E, *E.stride(),
            _inverse(trace.gamma, costs.device),
            **_launch(trace.mask, n, m),
        )  # fmt: skip
    return E.to(costs.dtype)


def _alignment_dtype(dtype):
    # Half-width E is written as float32 and cast here: Triton's interpreter turns float64
    # into bfloat16 as an integer cast (1.0 becomes the bit pattern 1), so its bfloat16
    # gradients vanish; float32 to bfloat16 it converts properly.
    return torch.float32 if dtype.itemsize < 4 else dtype


def _lengths(lengths, full, b, device):
    # Clamped: a length past the padded size would make the kernels read past the costs.
    return _wavefront._lengths(lengths, full, b, device).clamp(1, full).contiguous()


def _mask(mask, b, n, m, device):
    """The admissible cells as a uint8 (b, n, m) tensor (batch stride 0 for a shared mask)."""
    if isinstance(mask, Band):
        mask = mask.mask
    if mask is None:
        return None
    if tuple(mask.shape[-2:]) != (n, m):
        raise ValueError(f"mask of shape {tuple(mask.shape)} for costs of shape {(b, n, m)}")
    mask = mask.to(device=device, dtype=torch.bool)
    return mask.view(torch.uint8).reshape(-1, n, m).expand(b, n, m)


def _mask_arguments(mask, costs):
    if mask is None:  # never read: any pointer with zero strides
        return (costs, 0, 0, 0)
    return (mask, *mask.stride())


def _inverse(gamma, device):
    # A tensor, not a Python float: Triton would pass a float as float32.
    return torch.tensor([1.0 / gamma], dtype=torch.float64, device=device)


def _launch(mask, n, m):
    block = min(max(16, 1 << (max(min(n, m), 1) - 1).bit_length()), MAX_BLOCK)
    return {
        "HAS_MASK": mask is not None,
        "BLOCK": block,
        "num_warps": min(max(block // 64, 1), 8),
        "num_stages": 1,  # no software pipelining across the barriers
        "enable_fp_fusion": True,  # said, not defaulted: Triton 3.9 warns on the default
    }
