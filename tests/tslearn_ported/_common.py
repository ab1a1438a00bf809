"""What the ported tslearn test cases share: the backend grid and the list of what is not ported.

tslearn's metrics tests run every case for each backend argument ``be`` in
``Backend("numpy")``, ``Backend("pytorch")`` and ``None``, and each input type in
``"numpy"``, ``"pytorch"`` and ``"list"`` (inputs built with ``cast``). The ``case``
fixture of :mod:`conftest` in this folder gives the same nine combinations, the torch ones
skipped where torch is not installed. The inputs and expected values are tslearn's
(BSD 2-Clause licence, Copyright (c) 2017, Romain Tavenard; see ``TSLEARN_LICENSE.txt``).
"""

import numpy as np

# The documentation page that lists each deliberate difference a case below meets.
DIFFERENCES = "docs/differences.md"

# Cases of tslearn's metrics and backend test files that are not run here, and why. tslearn's
# test file is newer than its 0.10 release in places: it also calls names that 0.10 does not
# have, and those cases cannot pass on tslearn 0.10 either.
NOT_PORTED = {
    "test_masks: TimeSeriesKMeans with metric_params": (
        "tslearn.clustering is outside tslearn.metrics and tswarp has no k-means estimator"
    ),
    "dtw_variants.dtw, dtw_path, cdist_dtw, accumulated_matrix (deprecated aliases)": (
        "not in tslearn 0.10: its dtw_variants module has none of these names"
    ),
    "dtw_variants.sakoe_chiba_mask, itakura_mask, compute_mask": (
        "not in tslearn 0.10: its dtw_variants module has none of these names"
    ),
    "softdtw_variants.gak, unnormalized_gak, cdist_gak (deprecated aliases)": (
        "not in tslearn 0.10: its softdtw_variants module has none of these names"
    ),
    "pytest.deprecated_call around softdtw_variants.sigma_gak": (
        "tslearn 0.10 does not deprecate it, and neither does tswarp; the value is still compared"
    ),
}


def sqeuclidean_matrix(s1, s2):
    """Squared Euclidean distances between the time steps of two series, with NumPy alone.

    tslearn's tests take this matrix from ``scipy.spatial.distance.cdist``; tswarp's suite
    does not need SciPy.
    """
    a = np.asarray(s1, dtype=float).reshape(len(s1), -1)
    b = np.asarray(s2, dtype=float).reshape(len(s2), -1)
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
