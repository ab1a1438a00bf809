"""The module aliases of tslearn's softdtw_variants and dtw_variants."""

import importlib

import numpy as np
import pytest

import tswarp.metrics
from tswarp.metrics import dtw_variants, softdtw_variants

# tslearn's softdtw_variants module keeps an older signature for these four.
OLD_SIGNATURES = {"soft_dtw", "soft_dtw_alignment", "cdist_soft_dtw", "cdist_soft_dtw_normalized"}


@pytest.mark.parametrize("module", [softdtw_variants, dtw_variants])
def test_names_are_the_real_ones(module):
    for name in module.__all__:
        if module is softdtw_variants and name in OLD_SIGNATURES:
            continue
        real = getattr(tswarp.metrics, name, None) or getattr(tswarp.backend, name)
        assert getattr(module, name) is real


def test_old_signatures_give_the_same_values(rng):
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    for gamma in (0.0, 0.5):
        assert softdtw_variants.soft_dtw(x, y, gamma) == tswarp.metrics.soft_dtw(x, y, gamma)
        alignment, value = softdtw_variants.soft_dtw_alignment(ts1=x, ts2=y, gamma=gamma)
        expected_alignment, expected_value = tswarp.metrics.soft_dtw_alignment(x, y, gamma)
        np.testing.assert_array_equal(alignment, expected_alignment)
        assert value == expected_value
    X = rng.normal(size=(3, 5, 2))
    for name in ("cdist_soft_dtw", "cdist_soft_dtw_normalized"):
        ours, real = getattr(softdtw_variants, name), getattr(tswarp.metrics, name)
        np.testing.assert_array_equal(ours(X, None, 0.3, "numpy"), real(X, gamma=0.3))
        np.testing.assert_array_equal(ours(X, X[:2], gamma=0.3), real(X, X[:2], gamma=0.3))


def test_old_signatures_check_their_arguments():
    with pytest.raises(ValueError, match="gamma"):
        softdtw_variants.soft_dtw([1.0, 2.0], [1.0], gamma=-1.0)
    with pytest.raises(TypeError):
        softdtw_variants.soft_dtw([1.0], [1.0], global_constraint="itakura")


@pytest.mark.parametrize("name", ["softdtw_variants", "dtw_variants"])
def test_tslearn_names_that_tswarp_has_are_there(name):
    tslearn_module = pytest.importorskip(f"tslearn.metrics.{name}")
    ours = importlib.import_module(f"tswarp.metrics.{name}")
    theirs = {n for n in dir(tslearn_module) if not n.startswith("_")}
    available = {n for n in theirs if hasattr(tswarp.metrics, n) or n == "instantiate_backend"}
    assert available <= set(ours.__all__)
    assert set(ours.__all__) <= theirs


def test_from_import_by_prefix():
    from tswarp.metrics.softdtw_variants import SoftDTW, SquaredEuclidean, gamma_soft_dtw

    assert SoftDTW(SquaredEuclidean([1, 2], [1, 2]), gamma=1.0).compute() < 0
    assert gamma_soft_dtw([[1, 2, 3]], random_state=0) > 0


def test_attributes_of_the_package():
    assert tswarp.metrics.softdtw_variants is softdtw_variants
    assert tswarp.metrics.dtw_variants is dtw_variants
