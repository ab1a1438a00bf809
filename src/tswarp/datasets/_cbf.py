"""The Cylinder-Bell-Funnel synthetic set (Saito, 1994), generated deterministically.

Each series is ``(6 + eta) * shape(t) + eps(t)`` for t = 0..length-1, where the shape is 1 on
the event [a, b] and 0 elsewhere (cylinder), a ramp up over [a, b] (bell) or a ramp down
(funnel); a is a whole number drawn uniformly from [16, 32], b - a from [32, 96], and eta and
every eps(t) are standard normal. The events start and last differently in every series, which
is what makes the set hard for the Euclidean distance and easy for DTW.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = {1: "cylinder", 2: "bell", 3: "funnel"}


def _generator(seed):
    # PCG64 with integers() and standard_normal() gives the same stream on every platform.
    if isinstance(seed, np.random.SeedSequence):
        return np.random.Generator(np.random.PCG64(seed))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return np.random.Generator(np.random.PCG64(int(seed)))


def _count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def make_cbf(
    n_series: int = 30, length: int = 128, seed: int | np.random.SeedSequence = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_series`` Cylinder-Bell-Funnel series, the three classes in equal shares.

    Parameters
    ----------
    n_series : int, default 30
        Number of series. Classes take turns (1, 2, 3, 1, ...) before the order is shuffled,
        so their counts differ by at most one.
    length : int, default 128
        Series length; the events are drawn as for the standard length 128 (a in [16, 32],
        b - a in [32, 96]) and are cut at the end of a shorter series.
    seed : int or numpy.random.SeedSequence, default 0
        The same seed gives the same arrays, on every platform.

    Returns
    -------
    X : numpy.ndarray of shape (n_series, length, 1), float64
        The series.
    y : numpy.ndarray of shape (n_series,), int64
        The labels: 1 for cylinder, 2 for bell, 3 for funnel (the labels of the UCR archive's CBF).

    Examples
    --------
    >>> X, y = make_cbf(6, seed=1)
    >>> X.shape, sorted(y.tolist())
    ((6, 128, 1), [1, 1, 2, 2, 3, 3])
    """
    n_series = _count(n_series, "n_series", 0)
    length = _count(length, "length", 1)
    rng = _generator(seed)
    y = rng.permutation(np.arange(n_series) % 3 + 1).astype(np.int64)
    a = rng.integers(16, 32, size=n_series, endpoint=True)
    b = a + rng.integers(32, 96, size=n_series, endpoint=True)
    eta = rng.standard_normal(n_series)
    eps = rng.standard_normal((n_series, length))

    t = np.arange(length)[None, :]
    a, b = a[:, None], b[:, None]
    on_event = (t >= a) & (t <= b)
    ramp_up = (t - a) / (b - a)
    shape = np.where(y[:, None] == 2, ramp_up, np.where(y[:, None] == 3, 1.0 - ramp_up, 1.0))
    X = (6.0 + eta[:, None]) * on_event * shape + eps
    return X[:, :, None], y


def load_cbf(
    n_train: int = 30, n_test: int = 900, length: int = 128, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw a train/test split of Cylinder-Bell-Funnel, sized like the UCR archive's CBF.

    The two sets come from independent streams spawned from ``seed``, so the test set does
    not change when ``n_train`` does. The values are not z-normalised (the UCR copy is):
    DTW classifies either well.

    Parameters
    ----------
    n_train : int, default 30
        Number of training series.
    n_test : int, default 900
        Number of test series.
    length : int, default 128
        Series length, as in :func:`make_cbf`.
    seed : int, default 0
        A seed >= 0; the same seed gives the same arrays, on every platform.

    Returns
    -------
    X_train, y_train, X_test, y_test : numpy.ndarray
        Series of shape (n, length, 1) and labels 1 (cylinder), 2 (bell), 3 (funnel).

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_cbf()
    >>> X_train.shape, X_test.shape
    ((30, 128, 1), (900, 128, 1))
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    train_seed, test_seed = np.random.SeedSequence(int(seed)).spawn(2)
    X_train, y_train = make_cbf(n_train, length, train_seed)
    X_test, y_test = make_cbf(n_test, length, test_seed)
    return X_train, y_train, X_test, y_test
