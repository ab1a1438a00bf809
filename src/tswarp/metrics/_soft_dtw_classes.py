"""tslearn's low-level soft-DTW API: gamma_soft_dtw, SquaredEuclidean and SoftDTW.

``SoftDTW`` runs soft-DTW on a cost matrix with the compiled kernels of ``cdist_soft_dtw``
(tensors: the torch engine of ``SoftDTWLossPyTorch``), and its gradient is their backward,
the expected alignment. ``SquaredEuclidean`` gives the cost matrix and the product of its
Jacobian with that gradient: together, the gradient of soft-DTW with respect to a series.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tswarp._constraints import band_for, parse_constraint
from tswarp._gamma import check_gamma, check_gamma_fits
from tswarp._kernels import _soft_dtw
from tswarp._kernels._select import BUILD
from tswarp.backend import instantiate_backend
from tswarp.metrics._from_metric import _squared_euclidean
from tswarp.metrics._gak import check_steps_to_draw
from tswarp.metrics._inputs import (
    check_compute_with_backend,
    dataset_backend,
    host_values,
    to_backend,
    to_dataset,
    to_series_pair,
    torch_inputs,
)

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset
    from tswarp.backend import Backend

    class _Costs(Protocol):  # what SoftDTW takes instead of a matrix, as SquaredEuclidean
        def compute(self) -> Array: ...


_NO_CONSTRAINT = parse_constraint()


# --- gamma_soft_dtw ----------------------------------------------------------------------------


def _random_state(random_state):
    """NumPy's RandomState for ``random_state``, as scikit-learn's check_random_state."""
    if random_state is None:
        return np.random.mtrand._rand  # the global generator of np.random.seed
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.RandomState(random_state)
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(
        "random_state must be None, an integer or a numpy.random.RandomState, got "
        f"{random_state!r}"
    )


def sampled_median_distance(dataset, n_samples, random_state):
    """(median Euclidean distance between sampled time steps, padded length sz).

    ``n_samples`` steps are drawn among all the steps of all the series (with replacement
    when there are fewer), as tslearn draws them, and the median is taken over their pairs.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"n_samples must be an integer, got {n_samples!r}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 (the median of pairs of steps), got {n_samples}")
    X, _ = to_dataset(dataset, "dataset")
    sz, d = X.shape[1], X.shape[2]
    steps = X.reshape(-1, d).astype(np.float64)
    steps = steps[np.isfinite(steps.sum(axis=1))]  # padding rows out, in order
    check_steps_to_draw(len(steps))
    generator = _random_state(random_state)
    chosen = generator.choice(len(steps), size=int(n_samples), replace=len(steps) < n_samples)
    sample = steps[chosen]
    distances = np.sqrt(_squared_euclidean(sample, sample)[np.triu_indices(len(sample), 1)])
    return float(np.median(distances)), sz


def gamma_soft_dtw(
    dataset: Dataset,
    n_samples: int = 100,
    random_state: int | np.random.RandomState | None = None,
    be: Backend | str | None = None,
) -> float | Array:
    r"""A gamma for soft-DTW suited to a dataset: :math:`2 \sigma^2`.

    :math:`\sigma` is the median Euclidean distance between ``n_samples`` time steps drawn
    at random from the dataset, times the square root of the series' length (Cuturi's
    heuristic for the global alignment kernel, as in tslearn). The same ``random_state``
    draws the same steps as tslearn, so the value is tslearn's.

    Parameters
    ----------
    dataset : array-like of shape (n_ts, sz, d), (n_ts, sz) or (sz,), or a list of series
        Shorter series NaN-padded at the end; padding steps are never drawn.
    n_samples : int, default 100
        Time steps drawn (with replacement when the dataset has fewer), at least 2.
    random_state : None, int or numpy.random.RandomState
        The generator of the draw: NumPy's global one (None), one seeded with an integer, or
        the given one.
    be : Backend, str or None
        The backend of the result; by default the dataset's.

    Returns
    -------
    numpy.float64
        The suggested gamma. A 0-d float64 tensor for a tensor dataset.

    Examples
    --------
    >>> float(gamma_soft_dtw([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], n_samples=200, random_state=0))
    8.0
    """
    be = dataset_backend(be, dataset)
    median, sz = sampled_median_distance(dataset, n_samples, random_state)
    gamma = np.float64(2.0 * (median * math.sqrt(sz)) ** 2)
    # A scalar for NumPy: from_numpy would make a 0-d array, which is no float.
    return to_backend(be, gamma, dataset) if be.is_pytorch else gamma


# --- SquaredEuclidean --------------------------------------------------------------------------


def _float64_pair(be, X, Y):
    if be.is_pytorch:
        import torch

        x, y = torch_inputs().to_series_pair(X, Y)
        return x.to(torch.float64), y.to(torch.float64)
    x, y = to_series_pair(X, Y)
    return x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)


class SquaredEuclidean:
    """Squared Euclidean costs between the time steps of two series, and their Jacobian.

    Parameters
    ----------
    X : array-like of shape (m, d) or (m,)
        A time series (trailing all-NaN rows are padding and are dropped).
    Y : array-like of shape (n, d) or (n,)
        Another time series with ``d`` features.
    be : Backend, str or None
        The backend to compute with; by default the type of ``X`` and ``Y`` decides.
    compute_with_backend : bool, default False
        Accepted for tslearn's signature: both backends compute in their own arrays.

    Examples
    --------
    >>> SquaredEuclidean([1, 2, 2, 3], [1, 2, 3, 4]).compute()
    array([[0., 1., 4., 9.],
           [1., 0., 1., 4.],
           [1., 0., 1., 4.],
           [4., 1., 0., 1.]])
    """

    def __init__(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        be: Backend | str | None = None,
        compute_with_backend: bool = False,
    ) -> None:
        check_compute_with_backend(compute_with_backend)
        self.be = instantiate_backend(be, X, Y)
        self.compute_with_backend = compute_with_backend
        self.X, self.Y = _float64_pair(self.be, X, Y)

    def compute(self) -> Array:
        """Compute the (m, n) float64 matrix ``D[i, j] = ||X[i] - Y[j]||^2``.

        Returns
        -------
        numpy.ndarray or torch.Tensor of shape (m, n), float64
            The squared distances; on tensors, differentiable with respect to ``X`` and ``Y``.
        """
        if self.be.is_pytorch:
            from tswarp._torch._costs import squared_euclidean

            return squared_euclidean(self.X, self.Y)
        return _squared_euclidean(self.X, self.Y)

    def jacobian_product(self, E: ArrayLike) -> Array:
        """Multiply the Jacobian of :meth:`compute` (w.r.t. ``X``) with ``E``.

        Parameters
        ----------
        E : array-like of shape (m, n)
            A matrix of the shape of the costs, e.g. :meth:`SoftDTW.grad`.

        Returns
        -------
        G : array of shape (m, d), float64
            ``G[i] = sum_j E[i, j] * 2 * (X[i] - Y[j])``.
        """
        matrix = self._matrix(E)
        # Both series centred on one point: the costs are unchanged, and the two products
        # below do not cancel when the data share a large offset.
        centre = (self.X.mean(0) + self.Y.mean(0)) / 2
        x, y = self.X - centre, self.Y - centre
        return 2 * (x * matrix.sum(1)[:, None] - matrix @ y)

    def _matrix(self, E):
        shape = (self.X.shape[0], self.Y.shape[0])
        if self.be.is_pytorch:
            import torch

            E = torch.as_tensor(E, dtype=torch.float64, device=self.X.device)
        else:
            E = np.asarray(host_values(E, "E"), dtype=np.float64)
        if tuple(E.shape) != shape:
            raise ValueError(f"E must have the shape of the costs {shape}, got {tuple(E.shape)}")
        return E


# --- SoftDTW -----------------------------------------------------------------------------------


def _cost_matrix(D, be):
    """D as a float64 (m, n) array (tensor for PyTorch), checked: no NaN, no -inf."""
    if be.is_pytorch:
        import torch

        costs = torch_inputs().real_tensor(torch.as_tensor(D), "D").to(torch.float64)
        values = costs.detach().cpu().numpy()
    else:
        values = host_values(D, "D")
        if values.dtype.kind not in "biuf":
            raise TypeError(f"D must hold real numbers, got dtype {values.dtype}")
        costs = values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"D must be a non-empty (m, n) cost matrix, got shape {values.shape}")
    if np.isnan(values).any() or (values == -np.inf).any():
        raise ValueError("D must not hold NaN or -inf")
    return costs


class SoftDTW:
    """Soft-DTW on a cost matrix, and its gradient with respect to that matrix.

    Parameters
    ----------
    D : array-like of shape (m, n), or an object with a ``compute()`` method
        The costs between the steps of two series, or what computes them (for instance
        :class:`SquaredEuclidean`). ``+inf`` forbids a cell.
    gamma : float, default 1.0
        The soft minimum's temperature, > 0.
    be : Backend, str or None
        The backend to compute with; by default the type of the costs decides.
    compute_with_backend : bool, default False
        On tensors: True runs the torch wavefront on their device; False the compiled
        kernels on a host copy. The same values either way.

    Examples
    --------
    >>> sdtw = SoftDTW(SquaredEuclidean([1, 2, 3], [1, 2, 2, 3]), gamma=1.0)
    >>> round(float(sdtw.compute()), 6)
    -1.58128
    >>> sdtw.grad().shape
    (3, 4)
    """

    def __init__(
        self,
        D: ArrayLike | _Costs,
        gamma: float = 1.0,
        be: Backend | str | None = None,
        compute_with_backend: bool = False,
    ) -> None:
        check_compute_with_backend(compute_with_backend)
        if hasattr(D, "compute"):
            D = D.compute()
        self.be = instantiate_backend(be, D)
        self.compute_with_backend = compute_with_backend
        self.D = _cost_matrix(D, self.be)
        self.gamma = check_gamma(gamma, positive=True)
        check_gamma_fits(self.gamma, *self.D.shape)
        self.computed = False

    def compute(self) -> float | Array:
        """Compute the soft-DTW value of the costs.

        Returns
        -------
        numpy.float64 or torch.Tensor
            The value: a 0-d float64 tensor on tensors, differentiable when the cost tensor
            needs a gradient.
        """
        m, n = self.D.shape
        if self.be.is_pytorch:
            from tswarp._torch._dispatch import soft_dtw_batch

            # Costs that carry a graph keep it (the value is then differentiable through
            # them); others get one here, for grad().
            tracked = self.D.requires_grad
            self._costs = self.D if tracked else self.D.detach().requires_grad_(True)
            self._value = soft_dtw_batch(
                self._costs[None], self.gamma, [m], [n], _NO_CONSTRAINT, self.compute_with_backend
            )[0]
            self.computed = True
            return self._value if tracked else self._value.detach()
        lo, hi = (limits[None] for limits in band_for(m, n, _NO_CONSTRAINT))
        self._pair = (np.array([m]), np.array([n]), lo, hi)
        self._weights = _soft_dtw.cost_batch_weights(1, m, n)
        values = np.empty(1)
        _soft_dtw.soft_dtw_cost_batch(
            self.D[None], *self._pair, self.gamma, BUILD, values, self._weights, 1
        )
        self.computed = True
        return np.float64(values[0])

    def grad(self) -> Array:
        """Compute the gradient of :meth:`compute`'s value with respect to the costs.

        Returns
        -------
        numpy.ndarray or torch.Tensor of shape (m, n), float64
            The gradient: the expected alignment.

        Raises
        ------
        ValueError
            If :meth:`compute` has not been called.
        """
        if not self.computed:
            raise ValueError("call compute() before grad(): the gradient needs its values")
        if self.be.is_pytorch:
            import torch

            return torch.autograd.grad(self._value, self._costs, retain_graph=True)[0]
        alignment = np.empty((1, *self.D.shape))
        _soft_dtw.soft_dtw_cost_batch_backward(
            self._weights, *self._pair, self.gamma, BUILD, alignment, 1
        )
        return alignment[0]
