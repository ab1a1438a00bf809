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

from typing import TYPE_CHECKING

import numpy as np

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


def _variables(data: ArrayLike) -> np.ndarray:
    """``data`` as a float64 (n, d) array; a 1-D array is one variable."""
    data = np.asarray(data, dtype=np.float64)
    return data.reshape(len(data), -1) if data.ndim == 1 else data


def _standardised(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = data.mean(axis=0)
    std = data.std(axis=0, ddof=1) if len(data) > 1 else np.zeros(data.shape[1])
    std[(std == 0.0) | np.isnan(std)] = 1.0
    return (data - mean) / std, mean, std


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
        """
        x, self.x_mean_, self.x_std_ = _standardised(_variables(X))
        y, self.y_mean_, self.y_std_ = _standardised(_variables(Y))
        k = self.n_components
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
            If the object is not fitted.
        """
        if self.x_rotations_ is None:
            raise ValueError("this CCA is not fitted: ctw_path fits it only when max_iter > 1")
        x = (_variables(X) - self.x_mean_) / self.x_std_
        y = (_variables(Y) - self.y_mean_) / self.y_std_
        return x @ self.x_rotations_, y @ self.y_rotations_
