"""Canonical correlation analysis (CCA) of two sets of variables, in NumPy.

Canonical time warping projects both series on the directions where their aligned time steps
correlate most. tslearn fits scikit-learn's ``CCA`` for this; the same procedure is written
here, so that the projections, and the warping paths computed on them, are tslearn's:

- each variable is centred and divided by its sample standard deviation (1 if constant);
- each pair of directions is found by alternating regressions of one side's score on the
  other side's variables (power iteration, started from the first non-constant column of
  the second set, stopped when the first side's direction moves by less than 1e-6 squared);
- both sets are then deflated by the part that the new scores explain, before the next pair.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp.metrics._inputs import from_objects

if TYPE_CHECKING:
    from tswarp._typing import ArrayLike

_TOLERANCE = 1e-6
_MAX_ITER = 500


def _pseudo_inverse(a):
    """Pseudo-inverse that drops singular values below 1e6 * eps of the largest, as
    scikit-learn's CCA does (a rank cut on the SVD itself, not numpy.linalg.pinv's)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    rank = int(np.sum(s > s.max() * 1e6 * np.finfo(np.float64).eps))
    return (vh[:rank].T / s[:rank]) @ u[:, :rank].T


def _variables(data: ArrayLike, name: str) -> np.ndarray:
    """``data`` as a float64 (n, d) array of finite numbers; a 1-D array is one variable."""
    try:
        values = np.asarray(data)
        if values.dtype == object:
            values = from_objects(values, name)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {error}") from None
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {values.dtype}")
    values = values.astype(np.float64)
    if values.ndim == 1:
        values = values.reshape(-1, 1)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(
            f"{name} must be a non-empty array of shape (n_samples,) or (n_samples, n_features), "
            f"got shape {np.shape(data)}"
        )
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must hold finite numbers (no NaN or infinity)")
    return values


def _scaling(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, std, e) of each column, mean and std (ddof 1, 0 if constant) in units of 2**e:
    each column is scaled by a power of two first, exactly, so that neither sums nor squares
    overflow or underflow, whatever the magnitude of the values."""
    _, exponents = np.frexp(np.abs(data).max(axis=0))
    scaled = np.ldexp(data, -exponents)
    std = scaled.std(axis=0, ddof=1) if len(data) > 1 else np.zeros(data.shape[1])
    return scaled.mean(axis=0), std, exponents


def _standardised(data: np.ndarray, scaling, name: str) -> np.ndarray:
    """``(data - mean) / std`` per column (std 1 where it is 0), in the scaled units."""
    mean, std, exponents = scaling
    with np.errstate(over="ignore"):
        scaled = np.ldexp(data, -exponents)
    if not np.isfinite(scaled).all():
        raise ValueError(
            f"{name} holds values too large for this fit (over 2**1023 times the largest "
            "value of its variable in the fitted samples)"
        )
    return (scaled - mean) / np.where(std == 0.0, 1.0, std)


def _in_units(values, exponents):
    """Column statistics in units of 2**exponents as plain numbers (inf past the range)."""
    with np.errstate(over="ignore"):
        return np.ldexp(values, exponents)


def _scores(data, name, scaling, rotations):
    """The canonical scores of new samples of one set of variables."""
    values = _variables(data, name)
    if values.shape[1] != len(rotations):
        raise ValueError(
            f"{name} must have the {len(rotations)} features of the fitted {name}, "
            f"got {values.shape[1]}"
        )
    return _standardised(values, scaling, name) @ rotations


def _check_n_components(n_components, d1, d2):
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral):
        raise TypeError(f"n_components must be an integer, got {n_components!r}")
    if not 1 <= n_components <= min(d1, d2):
        raise ValueError(
            f"n_components must be between 1 and {min(d1, d2)}, the smaller number of "
            f"features of X ({d1}) and Y ({d2}), got {n_components}"
        )
    return int(n_components)


def _first_directions(X, Y):
    """The first pair of canonical directions of the residuals X and Y, by power iteration;
    None when Y has nothing left to explain."""
    eps = np.finfo(np.float64).eps
    varying = np.flatnonzero(np.any(np.abs(Y) > eps, axis=0))
    if varying.size == 0:
        return None
    x_pinv, y_pinv = _pseudo_inverse(X), _pseudo_inverse(Y)
    y_score = Y[:, varying[0]]
    previous = None
    for _ in range(_MAX_ITER):
        x_weights = x_pinv @ y_score
        x_weights /= np.sqrt(x_weights @ x_weights) + eps
        y_weights = y_pinv @ (X @ x_weights)
        y_weights /= np.sqrt(y_weights @ y_weights) + eps
        y_score = Y @ y_weights / (y_weights @ y_weights + eps)
        if Y.shape[1] == 1 or (previous is not None and _moved(x_weights, previous) < _TOLERANCE):
            break
        previous = x_weights
    # A sign convention: the largest entry of the first side's direction is positive.
    sign = np.sign(x_weights[np.argmax(np.abs(x_weights))]) or 1.0
    return x_weights * sign, y_weights * sign


def _moved(new, old):
    step = new - old
    return step @ step


def _deflated(data, scores):
    """``data`` less its regression on ``scores`` (and the regression's coefficients).

    Scores that are all 0 (a side with no variance left) explain nothing: ``data`` stays.
    """
    norm = scores @ scores
    if norm == 0.0:
        return data, np.zeros(data.shape[1])
    loadings = scores @ data / norm
    return data - np.outer(scores, loadings), loadings


class CCA:
    """Canonical correlation analysis with ``n_components`` pairs of directions.

    Parameters
    ----------
    n_components : int
        Number of pairs of canonical directions.

    Attributes
    ----------
    n_components : int
        Number of pairs of canonical directions.
    x_mean_, y_mean_, x_std_, y_std_ : numpy.ndarray
        The centring and scaling of each set of variables (after :meth:`fit`).
    x_weights_, y_weights_ : numpy.ndarray of shape (d1, n_components), (d2, n_components)
        The directions found on the deflated variables.
    x_rotations_, y_rotations_ : numpy.ndarray of the same shapes
        The projections of standardised variables onto the canonical scores.
    """

    def __init__(self, n_components: int) -> None:
        self.n_components = n_components
        self.x_rotations_: np.ndarray | None = None
        self.y_rotations_: np.ndarray | None = None

    def fit(self, X: ArrayLike, Y: ArrayLike) -> CCA:
        """Fit the directions on paired samples.

        Parameters
        ----------
        X : array-like of shape (n, d1) or (n,)
            The first set of variables (1-D for one variable).
        Y : array-like of shape (n, d2) or (n,)
            The second set, paired with ``X`` sample by sample.

        Returns
        -------
        CCA
            This object, fitted.

        Raises
        ------
        ValueError
            If an input is empty, not 1-D or 2-D, or not finite, if ``X`` and ``Y`` hold
            different numbers of samples, or if ``n_components`` is not between 1 and the
            smaller number of features.
        TypeError
            If an input holds something other than real numbers, or ``n_components`` is not
            an integer.
        """
        x_values, y_values = _variables(X, "X"), _variables(Y, "Y")
        if len(x_values) != len(y_values):
            raise ValueError(
                "X and Y must hold as many samples (rows), got "
                f"{len(x_values)} for X and {len(y_values)} for Y"
            )
        k = _check_n_components(self.n_components, x_values.shape[1], y_values.shape[1])
        # transform reads the scaled statistics; the attributes give them as plain numbers
        self._scalings = _scaling(x_values), _scaling(y_values)
        x = _standardised(x_values, self._scalings[0], "X")
        y = _standardised(y_values, self._scalings[1], "Y")
        (x_mean, x_std, x_exp), (y_mean, y_std, y_exp) = self._scalings
        self.x_mean_, self.y_mean_ = _in_units(x_mean, x_exp), _in_units(y_mean, y_exp)
        self.x_std_ = np.where(x_std == 0.0, 1.0, _in_units(x_std, x_exp))
        self.y_std_ = np.where(y_std == 0.0, 1.0, _in_units(y_std, y_exp))
        self.x_weights_, self.y_weights_ = np.zeros((x.shape[1], k)), np.zeros((y.shape[1], k))
        x_loadings, y_loadings = np.zeros((x.shape[1], k)), np.zeros((y.shape[1], k))
        eps = np.finfo(np.float64).eps
        for c in range(k):
            y = np.where(np.all(np.abs(y) < 10 * eps, axis=0), 0.0, y)  # spent columns
            directions = _first_directions(x, y)
            if directions is None:
                break  # y is fully explained: the remaining directions stay 0
            self.x_weights_[:, c], self.y_weights_[:, c] = directions
            x, x_loadings[:, c] = _deflated(x, x @ directions[0])
            y, y_loadings[:, c] = _deflated(y, y @ directions[1])
        self.x_rotations_ = self.x_weights_ @ np.linalg.pinv(x_loadings.T @ self.x_weights_)
        self.y_rotations_ = self.y_weights_ @ np.linalg.pinv(y_loadings.T @ self.y_weights_)
        return self

    def transform(self, X: ArrayLike, Y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Project both sets of variables on the fitted directions.

        Parameters
        ----------
        X : array-like of shape (m, d1) or (m,)
            Samples of the first set of variables (1-D for one variable).
        Y : array-like of shape (p, d2) or (p,)
            Samples of the second set.

        Returns
        -------
        x_scores : numpy.ndarray of shape (m, n_components)
            The canonical scores of ``X``.
        y_scores : numpy.ndarray of shape (p, n_components)
            The canonical scores of ``Y``.

        Raises
        ------
        ValueError
            If the object is not fitted, or an input is empty, not finite, or has another
            number of features than in :meth:`fit`.
        TypeError
            If an input holds something other than real numbers.
        """
        x_rotations, y_rotations = self.x_rotations_, self.y_rotations_
        if x_rotations is None or y_rotations is None:
            raise ValueError("this CCA is not fitted: ctw_path fits it only when max_iter > 1")
        x_scaling, y_scaling = self._scalings
        return _scores(X, "X", x_scaling, x_rotations), _scores(Y, "Y", y_scaling, y_rotations)
