"""Every public callable of tslearn 0.10's metrics modules exists in tswarp, with its signature.

For each module below, the public callables that tslearn defines in ``tslearn.metrics`` (not
the NumPy or numba functions a module merely imports) must exist in tswarp's module of the
same name, or in ``tswarp.metrics`` where tswarp has no module of that name, with the same
parameters: names, order, kinds and defaults. tswarp may add parameters after tslearn's, each
with a default, and may give a default to a parameter that tslearn requires.
"""

import importlib
import importlib.util
import inspect

import pytest

MODULES = [
    "tslearn.metrics",
    "tslearn.metrics.dtw_variants",
    "tslearn.metrics.softdtw_variants",
    "tslearn.metrics.cycc",
    "tslearn.metrics.soft_dtw_loss_pytorch",
    "tslearn.metrics.utils",
    "tslearn.metrics.performance",
]

# Public names of those modules that tswarp does not have, and why.
NOT_IN_TSWARP = {
    # An import of tslearn's own compute_mask under another name, for its internal use.
    "tslearn.metrics.dtw_variants.compute_mask_": "tswarp.metrics.compute_mask is the function",
    # numba kernels behind lcss_accumulated_matrix*, callable only on typed NumPy arrays.
    "tslearn.metrics.dtw_variants.njit_lcss_accumulated_matrix": "a numba kernel",
    "tslearn.metrics.dtw_variants.njit_lcss_accumulated_matrix_from_dist_matrix": (
        "a numba kernel"
    ),
}


def _public_callables(module):
    for name in sorted(dir(module)):
        obj = getattr(module, name)
        owner = getattr(obj, "__module__", None) or ""
        if not name.startswith("_") and callable(obj) and owner.startswith("tslearn.metrics"):
            yield name, obj


def _cases():
    if importlib.util.find_spec("tslearn") is None:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="tslearn missing"))]
    cases = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        cases += [(module_name, name) for name, _ in _public_callables(module)]
    return cases


def _tswarp_module(tslearn_module_name):
    name = tslearn_module_name.replace("tslearn", "tswarp", 1)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return importlib.import_module("tswarp.metrics")


def _check_same_parameters(theirs, ours):
    """tslearn's parameters first, in order, then tswarp's additions with defaults."""
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    their_named = [p for p in theirs.parameters.values() if p.kind not in variadic]
    our_named = [p for p in ours.parameters.values() if p.kind not in variadic]
    assert [p.name for p in our_named[: len(their_named)]] == [p.name for p in their_named]
    for their, our in zip(their_named, our_named, strict=False):
        assert our.kind == their.kind, our.name
        if their.default is not inspect.Parameter.empty:
            assert our.default == their.default, our.name
    for extra in our_named[len(their_named) :]:
        assert extra.default is not inspect.Parameter.empty, f"{extra.name} needs a default"
    for kind in variadic:
        if any(p.kind == kind for p in theirs.parameters.values()):
            assert any(p.kind == kind for p in ours.parameters.values()), kind


@pytest.mark.parametrize("module_name, name", _cases())
def test_same_name_and_signature(module_name, name):
    tslearn_module = importlib.import_module(module_name)
    if f"{module_name}.{name}" in NOT_IN_TSWARP:
        pytest.skip(NOT_IN_TSWARP[f"{module_name}.{name}"])
    if name == "SoftDTWLossPyTorch":
        pytest.importorskip("torch")
    ours = getattr(_tswarp_module(module_name), name, None)
    assert ours is not None, f"tswarp has no {name} for {module_name}"
    _check_same_parameters(
        inspect.signature(getattr(tslearn_module, name)), inspect.signature(ours)
    )


def test_the_table_of_missing_names_is_current():
    pytest.importorskip("tslearn.metrics")
    for qualified in NOT_IN_TSWARP:
        module_name, name = qualified.rsplit(".", 1)
        assert hasattr(importlib.import_module(module_name), name)
        assert not hasattr(_tswarp_module(module_name), name)


def test_constants_of_tslearn_metrics():
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    import tswarp.metrics

    assert tswarp.metrics.GLOBAL_CONSTRAINT_CODE == tslearn_metrics.GLOBAL_CONSTRAINT_CODE
    # "sax" compares SAX words, not series, and needs breakpoints: tswarp's tables of
    # pairwise metrics leave it out (docs/differences.md).
    for name in ("TSLEARN_VALID_METRICS", "VARIABLE_LENGTH_METRICS", "METRIC_TO_FUNCTION"):
        assert set(getattr(tslearn_metrics, name)) - {"sax"} <= set(getattr(tswarp.metrics, name))
        assert "sax" not in getattr(tswarp.metrics, name)


def test_the_check_rejects_what_it_should():
    def tslearn_like(s1, s2, mask, be=None, **kwds):
        pass

    def reordered(s1, s2, be=None, mask=None, **kwds):
        pass

    def other_default(s1, s2, mask, be="numpy", **kwds):
        pass

    def required_extra(s1, s2, mask, be=None, extra=None, other=None, *, needed, **kwds):
        pass

    def no_kwds(s1, s2, mask, be=None):
        pass

    def fine(s1, s2, mask=None, be=None, extra=None, **kwds):
        pass

    theirs = inspect.signature(tslearn_like)
    _check_same_parameters(theirs, inspect.signature(fine))
    for bad in (reordered, other_default, required_extra, no_kwds):
        with pytest.raises(AssertionError):
            _check_same_parameters(theirs, inspect.signature(bad))
