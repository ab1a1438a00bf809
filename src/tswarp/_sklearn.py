"""What the scikit-learn estimators share: scikit-learn itself, imported on demand, and the
rule that turns their ``X`` into a validated dataset.

scikit-learn is an optional dependency (the ``estimators`` extra): only the estimator modules
(:mod:`tswarp.neighbors`, and the clustering and barycenter estimators to come) call
:func:`sklearn_base`, so ``import tswarp`` and :mod:`tswarp.metrics` never import it.
"""

import sys
from typing import Any

import numpy as np

from tswarp.backend._base import _is_torch_tensor
from tswarp.metrics._inputs import to_dataset

INSTALL_HINT = "pip install 'tswarp[estimators]'"


def sklearn_base(module: str = "tswarp.neighbors") -> Any:
    """scikit-learn's ``sklearn.base`` module, which holds ``BaseEstimator`` and the mixins.

    Raises ImportError naming the extra to install when scikit-learn is missing; ``module``
    is the tswarp module that needs it, for the message.
    """
    try:
        import sklearn.base
    except ImportError as error:
        raise ImportError(f"{module} needs scikit-learn: {INSTALL_HINT}") from error
    return sklearn.base


def time_series_dataset(X, name="X", own=False):
    """An estimator's input as ``(data, lengths)``: a C-contiguous float64 (n, sz, d) array,
    NaN-padded, and the length of each series.

    The data may share memory with ``X``; with ``own`` it never does (see :func:`owned`),
    for estimators that keep their training data past fit.

    ``X`` is (n, sz, d), (n, sz) (n univariate series, as in tslearn) or a list of series of
    possibly different lengths; trailing all-NaN rows are padding. A 1-D array is refused
    (one series or n values of length 1 would both be guesses), as are empty datasets,
    sparse matrices, complex numbers and NaN or infinite values inside a series, with
    errors naming ``name``.
    """
    if _is_sparse(X):
        raise TypeError(
            f"sparse input is not supported: {name} must be a dense dataset of time series"
        )
    if not isinstance(X, (list, tuple)) and not _is_torch_tensor(X):
        X = np.asarray(X)  # the caller's memory still, for pandas or array-like objects
        if X.dtype == object:
            try:  # numbers stored as objects; an array of ragged series stays a list of them
                X = X.astype(np.float64)
            except ValueError:
                X = list(X)
    if isinstance(X, np.ndarray):
        if np.iscomplexobj(X):
            raise ValueError(f"Complex data not supported: {name} must hold real numbers")
        if X.ndim == 1:
            raise ValueError(
                f"{name} must be a dataset of shape (n_ts, sz, d) or (n_ts, sz), or a list "
                f"of series; got a 1-D array of shape {X.shape}. Reshape your data: "
                "pass [series] for one series"
            )
        if X.ndim in (2, 3) and X.shape[0] and X.shape[1] == 0:
            raise ValueError(
                f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required: the "
                f"series of {name} have no time steps"
            )
    data, lengths = to_dataset(X, name)
    if len(lengths) == 0:
        raise ValueError(f"{name} holds no time series: at least one is needed")
    data = data.astype(np.float64, copy=False)
    return (owned(data, X) if own else data), lengths


def owned(data, source):
    """``data``, copied when it may share memory with the caller's ``source``: what an
    estimator keeps past fit must not change when the caller overwrites its input."""
    return data.copy() if _shares_memory(data, source) else data


def _shares_memory(data, source):
    """Whether the array ``data`` may share memory with ``source``."""
    if isinstance(source, (list, tuple)):
        return False  # their values were stacked into a new array
    if _is_torch_tensor(source):
        return source.device.type == "cpu"  # may be a view of it: a copy is cheap next to fit
    return np.may_share_memory(data, np.asarray(source))


def _is_sparse(X):
    """Whether X is a SciPy sparse matrix or array (without importing SciPy)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(X)


def missing_target(estimator):
    """The error of a supervised estimator's fit called without y."""
    return ValueError(
        f"{type(estimator).__name__} requires y to be passed, but the target y is None"
    )
