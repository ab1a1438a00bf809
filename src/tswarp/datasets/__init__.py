"""Datasets: the Cylinder-Bell-Funnel generator and readers for the UCR/UEA archives' files.

The readers return what the metrics take: NaN-padded ``(n, sz, d)`` arrays (series of different
lengths end in NaN rows) and a label array, so the code that runs on the bundled set runs on a
dataset of the archive unchanged:

>>> from tswarp.datasets import load_cbf
>>> from tswarp.metrics import cdist_dtw
>>> X_train, y_train, X_test, y_test = load_cbf(n_train=9, n_test=30)
>>> predicted = y_train[cdist_dtw(X_test, X_train).argmin(axis=1)]
>>> predicted.shape
(30,)

With a file of the archive, ``X_train, y_train = read_ucr_tsv("CBF/CBF_TRAIN.tsv")`` (or
``read_ts("CBF/CBF_TRAIN.ts")``) takes the place of :func:`load_cbf`.
"""

from tswarp.datasets._cbf import load_cbf, make_cbf
from tswarp.datasets._ucr import load_dataset, read_ts, read_ucr_tsv

__all__ = ["load_cbf", "load_dataset", "make_cbf", "read_ts", "read_ucr_tsv"]
