"""The pairwise metrics by name: one table for code that takes a metric as a string.

``PAIRWISE_METRICS`` maps tswarp's names to their cdist functions. tslearn spells two of them
without the underscore and keeps three tables; its names are kept as aliases, so that tslearn
code that reads ``TSLEARN_VALID_METRICS``, ``VARIABLE_LENGTH_METRICS`` or
``METRIC_TO_FUNCTION`` works unchanged.
"""

from tswarp.metrics._ctw import cdist_ctw
from tswarp.metrics._dtw import cdist_dtw
from tswarp.metrics._frechet import cdist_frechet
from tswarp.metrics._gak import cdist_gak
from tswarp.metrics._lcss import cdist_lcss
from tswarp.metrics._soft_dtw import cdist_soft_dtw, cdist_soft_dtw_normalized

PAIRWISE_METRICS = {
    "dtw": cdist_dtw,
    "soft_dtw": cdist_soft_dtw,
    "soft_dtw_normalized": cdist_soft_dtw_normalized,
    "frechet": cdist_frechet,
    "lcss": cdist_lcss,
    "gak": cdist_gak,
    "ctw": cdist_ctw,
}
"""tswarp's metric names and their cdist functions (``lcss`` and ``gak`` give
similarities in [0, 1])."""

VALID_METRICS = tuple(PAIRWISE_METRICS)
"""The names of ``PAIRWISE_METRICS``."""


def _tslearn_spelling(name):
    return name.replace("soft_dtw", "softdtw")


TSLEARN_VALID_METRICS = [_tslearn_spelling(name) for name in PAIRWISE_METRICS]
"""The metrics in tslearn's spelling, as tslearn's list of the same name."""

METRIC_TO_FUNCTION = {
    **PAIRWISE_METRICS,
    **{_tslearn_spelling(name): cdist for name, cdist in PAIRWISE_METRICS.items()},
}
"""Every accepted name, tswarp's and tslearn's, and its cdist function."""

VARIABLE_LENGTH_METRICS = list(METRIC_TO_FUNCTION)
"""The names whose metric compares series of different lengths: all of them, both spellings."""
