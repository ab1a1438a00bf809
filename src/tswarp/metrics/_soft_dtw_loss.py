"""A soft-DTW loss for training PyTorch models: one value per pair of a batch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike

from tswarp._constraints import parse_constraint
from tswarp._gamma import check_gamma
from tswarp._torch._dispatch import soft_dtw_batch, soft_dtw_series_batch
from tswarp.metrics._inputs import (
    check_compute_with_backend,
    check_same_features,
    value_inside,
)
from tswarp.metrics._torch_inputs import real_tensor, steps_within, zero_padding

_REDUCTIONS = ("none", "mean", "sum")


def _lengths(lengths, batch, full, name):
    """Host list of per-sample lengths: integers in [1, full]."""
    if lengths is None:
        return [full] * batch
    try:
        values = torch.as_tensor(lengths)
    except (TypeError, ValueError, RuntimeError):
        values = None
    # Fractional lengths are refused, not truncated; any signed or unsigned integers are taken.
    if values is None or _not_integers(values.dtype):
        raise ValueError(f"{name} must hold integers, one length per sample, got {lengths!r}")
    values = values.reshape(-1).tolist()
    if len(values) != batch or not all(1 <= v <= full for v in values):
        raise ValueError(f"{name} must hold {batch} lengths between 1 and {full}, got {values}")
    return values


def _not_integers(dtype):
    return dtype.is_floating_point or dtype.is_complex or dtype == torch.bool


def _batch(t, name):
    """A (b, length, features) tensor of real numbers; integers and bools become float64."""
    if not isinstance(t, torch.Tensor) or t.ndim != 3:
        shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
        raise ValueError(f"{name} must be a 3-D tensor (batch, length, features), got {shape}")
    if 0 in t.shape[1:]:
        raise ValueError(
            f"{name} must hold series of at least one time step and one feature, got shape "
            f"{tuple(t.shape)}"
        )
    return real_tensor(t, name)


def _finite_steps(t, lengths, name):
    """``t`` once no NaN or infinity lies within the lengths; padding beyond them becomes 0.

    One reduction over ``t`` when all is finite; the bad entries are found only otherwise.
    """
    if bool(torch.isfinite(t).all()):
        return t
    inside = steps_within(lengths, t.shape[1], t.device)
    bad = ~torch.isfinite(t).all(2) & inside
    if bool(bad.any()):
        sample, step = (int(v) for v in bad.nonzero()[0])
        raise value_inside(f"{name}[{sample}]", step, lengths[sample])
    return zero_padding(t, lengths, inside)


class SoftDTWLossPyTorch(torch.nn.Module):
    """Soft-DTW between the series of two batches, as a differentiable loss.

    CPU tensors run on the compiled kernels, other devices on the torch wavefront; both stay
    on the input's device and have analytic backward passes. The call and its shapes are
    described in :meth:`forward`.

    Parameters
    ----------
    gamma : float, default 1.0
        Temperature of the soft minimum, > 0. Smaller values approach DTW (squared).
    normalize : bool, default False
        Return the soft-DTW divergence ``sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2``
        instead: 0 when x and y are equal, and never negative.
    dist_func : callable or None, default None
        ``dist_func(x, y)`` returns the (b, m, n) costs between the time steps of
        ``x`` (b, m, d) and ``y`` (b, n, d); differentiated through by autograd. By default,
        squared Euclidean distances, computed from differences (no cancellation in float32).
    global_constraint : {"sakoe_chiba", "itakura"} or None, default None
        A global constraint on the alignments, as in :func:`tswarp.metrics.soft_dtw`.
    sakoe_chiba_radius : int or None, default None
        The radius of the Sakoe-Chiba band, as in :func:`tswarp.metrics.soft_dtw`.
    itakura_max_slope : float or None, default None
        The maximum slope of the Itakura parallelogram, as in
        :func:`tswarp.metrics.soft_dtw`.
    compute_with_backend : bool or None, default None
        As in :func:`tswarp.metrics.soft_dtw`: None runs CPU tensors on the compiled kernels
        and other devices on the torch wavefront; True runs the wavefront on every device;
        False the compiled kernels (on host copies for other devices).
    reduction : {"none", "mean", "sum"}, default "none"
        What the call returns: the (b,) losses of the pairs (tslearn's behaviour), their
        mean or their sum.

    Raises
    ------
    ValueError
        If ``gamma`` is not positive, ``reduction`` is not one of the three names, or the
        constraint arguments are invalid.
    TypeError
        If ``dist_func`` is neither callable nor None.

    See Also
    --------
    tswarp.metrics.soft_dtw : The soft-DTW of two series, in NumPy or PyTorch.

    Examples
    --------
    >>> import torch
    >>> loss = SoftDTWLossPyTorch(gamma=0.1, reduction="mean")
    >>> loss
    SoftDTWLossPyTorch(gamma=0.1, normalize=False, reduction='mean')
    >>> x = torch.zeros(4, 3, 2, requires_grad=True)
    >>> y = torch.arange(24.0).reshape(4, 3, 2)
    >>> value = loss(x, y)
    >>> value
    tensor(1081., grad_fn=<MeanBackward0>)
    """

    def __init__(
        self,
        gamma: float = 1.0,
        normalize: bool = False,
        dist_func: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        global_constraint: str | None = None,
        sakoe_chiba_radius: int | None = None,
        itakura_max_slope: float | None = None,
        compute_with_backend: bool | None = None,
        *,
        reduction: str = "none",
    ) -> None:
        super().__init__()
        # Too large a gamma for the lengths of a batch is an error when the batch comes.
        gamma = check_gamma(gamma, positive=True)
        if dist_func is not None and not callable(dist_func):
            raise TypeError(f"dist_func must be callable or None, got {dist_func!r}")
        if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
            raise ValueError(
                f"reduction must be one of {', '.join(map(repr, _REDUCTIONS))}, got {reduction!r}"
            )
        self.gamma = float(gamma)
        self.normalize = bool(normalize)
        self.dist_func = dist_func
        self.global_constraint = global_constraint
        self.sakoe_chiba_radius = sakoe_chiba_radius
        self.itakura_max_slope = itakura_max_slope
        self._constraint = parse_constraint(
            global_constraint, sakoe_chiba_radius, itakura_max_slope
        )
        check_compute_with_backend(compute_with_backend)
        self.compute_with_backend = compute_with_backend
        self.reduction = reduction

    def extra_repr(self) -> str:
        """The settings shown by ``repr``: gamma, normalize, and a reduction other than none.

        Returns
        -------
        str
            The settings, comma separated.
        """
        text = f"gamma={self.gamma}, normalize={self.normalize}"
        if self.reduction != "none":
            text += f", reduction={self.reduction!r}"
        return text

    def _costs(self, x, y, x_lengths, y_lengths, call):
        """dist_func(x, y), checked: real, and finite on the cells within the lengths."""
        costs = self.dist_func(x, y)
        expected = (x.shape[0], x.shape[1], y.shape[1])
        if not isinstance(costs, torch.Tensor) or tuple(costs.shape) != expected:
            got = tuple(costs.shape) if isinstance(costs, torch.Tensor) else type(costs)
            raise ValueError(f"dist_func must return a tensor of shape {expected}, got {got}")
        costs = real_tensor(costs, f"the output of {call}")
        if bool(torch.isfinite(costs).all()):
            return costs
        used = (
            steps_within(x_lengths, x.shape[1], x.device)[:, :, None]
            & steps_within(y_lengths, y.shape[1], y.device)[:, None, :]
        )
        bad = ~torch.isfinite(costs) & used
        if bool(bad.any()):
            sample, i, j = (int(v) for v in bad.nonzero()[0])
            raise ValueError(
                f"dist_func returned a NaN or infinite cost: {call}[{sample}, {i}, {j}]"
            )
        return torch.where(used, costs, 0.0)

    def forward(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        x_lengths: ArrayLike | torch.Tensor | None = None,
        y_lengths: ArrayLike | torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The soft-DTW losses between the pairs ``(x[i], y[i])`` of two batches.

        Steps beyond a sample's length are ignored: they may hold anything (NaN included) and
        get a zero gradient. Integer and bool tensors are computed in float64.

        Parameters
        ----------
        x : torch.Tensor
            The (b, m, d) first series of the pairs.
        y : torch.Tensor
            The (b, n, d) second series of the pairs; n may differ from m.
        x_lengths : array-like of int or None, default None
            The b lengths of the series of ``x``, each between 1 and m; None: all m.
        y_lengths : array-like of int or None, default None
            The b lengths of the series of ``y``, each between 1 and n; None: all n.

        Returns
        -------
        torch.Tensor
            The (b,) losses in the dtype of the costs, on the input's device, or their mean
            or sum (a 0-d tensor) as ``reduction`` says.

        Raises
        ------
        ValueError
            If a batch is not a 3-D tensor, the batch sizes or the features differ, a length
            is out of range, or a value within the lengths (of the series, or returned by
            ``dist_func``) is NaN or infinite.
        TypeError
            If a tensor is complex or sparse.
        """
        values = self._losses(x, y, x_lengths, y_lengths)
        if self.reduction == "mean":
            return values.mean()
        if self.reduction == "sum":
            return values.sum()
        return values

    def _losses(self, x, y, x_lengths, y_lengths):
        """The (b,) losses, unreduced."""
        x, y = _batch(x, "x"), _batch(y, "y")
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"x and y must have the same batch size, got {x.shape[0]} and {y.shape[0]}"
            )
        if self.dist_func is None:
            check_same_features(x.shape[2], y.shape[2], ("x", "y"))
        b, m, n = x.shape[0], x.shape[1], y.shape[1]
        m_lengths = _lengths(x_lengths, b, m, "x_lengths")
        n_lengths = _lengths(y_lengths, b, n, "y_lengths")
        x, y = _finite_steps(x, m_lengths, "x"), _finite_steps(y, n_lengths, "y")
        gamma, constraint = self.gamma, self._constraint
        if self.dist_func is None and not self.normalize:
            return soft_dtw_series_batch(
                x, y, gamma, m_lengths, n_lengths, constraint, self.compute_with_backend
            )
        if self.dist_func is None:
            # The three problems of the divergence in one batch, padded to a common length;
            # the (y, y) pairs keep no state for the backward unless y needs a gradient.
            size = max(m, n)
            x, y = (F.pad(t, (0, 0, 0, size - t.shape[1])) for t in (x, y))
            keep = np.repeat(
                [x.requires_grad or y.requires_grad, x.requires_grad, y.requires_grad], b
            )
            values = soft_dtw_series_batch(
                torch.cat([x, x, y]),
                torch.cat([y, x, y]),
                gamma,
                m_lengths + m_lengths + n_lengths,
                n_lengths + m_lengths + n_lengths,
                constraint,
                self.compute_with_backend,
                keep=keep,
            )
        elif not self.normalize:
            costs = self._costs(x, y, m_lengths, n_lengths, "dist_func(x, y)")
            return soft_dtw_batch(
                costs, gamma, m_lengths, n_lengths, constraint, self.compute_with_backend
            )
        else:
            size = max(m, n)
            costs = [
                self._costs(x, y, m_lengths, n_lengths, "dist_func(x, y)"),
                self._costs(x, x, m_lengths, m_lengths, "dist_func(x, x)"),
                self._costs(y, y, n_lengths, n_lengths, "dist_func(y, y)"),
            ]
            costs = [F.pad(c, (0, size - c.shape[2], 0, size - c.shape[1])) for c in costs]
            rows = m_lengths + m_lengths + n_lengths
            cols = n_lengths + m_lengths + n_lengths
            values = soft_dtw_batch(
                torch.cat(costs), gamma, rows, cols, constraint, self.compute_with_backend
            )
        return values[:b] - (values[b : 2 * b] + values[2 * b :]) / 2
