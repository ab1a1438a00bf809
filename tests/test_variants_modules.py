"""The module aliases of tslearn's softdtw_variants and dtw_variants."""

import importlib

import pytest

import tswarp.metrics
from tswarp.metrics import dtw_variants, softdtw_variants


@pytest.mark.parametrize("module", [softdtw_variants, dtw_variants])
def test_names_are_the_real_ones(module):
    for name in module.__all__:
        real = getattr(tswarp.metrics, name, None) or getattr(tswarp.backend, name)
        assert getattr(module, name) is real


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
