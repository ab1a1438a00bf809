"""Every public function, class and method of tswarp carries type annotations.

mypy checks only the bodies of annotated functions, so an unannotated public callable is both
untyped for the users of the package (it ships ``py.typed``) and unchecked in CI.
"""

import importlib
import inspect

import pytest

# Public modules, with the optional dependency each needs (None: always importable).
MODULES = {
    "tswarp": None,
    "tswarp.backend": None,
    "tswarp.barycenters": None,
    "tswarp.cli": None,
    "tswarp.datasets": None,
    "tswarp.metrics": None,
    "tswarp.metrics.cycc": None,
    "tswarp.metrics.dtw_variants": None,
    "tswarp.metrics.performance": None,
    "tswarp.metrics.softdtw_variants": None,
    "tswarp.neighbors": "sklearn",
    "tswarp.clustering": "sklearn",
    "tswarp.plot": "matplotlib",
    "tswarp.distributed": "distributed",
    "tswarp.metrics.soft_dtw_loss_pytorch": "torch",
}
# Names of __all__ that are loaded on first use and need an optional dependency.
OPTIONAL_NAMES = {
    ("tswarp.backend", "PyTorchBackend"): "torch",
    ("tswarp.metrics", "SoftDTWLossPyTorch"): "torch",
}


def _ours(obj):
    return getattr(obj, "__module__", "").startswith("tswarp")


def _public_methods(cls):
    """(name, function) of the public methods (and __init__) that tswarp defines on cls."""
    seen = set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, member in vars(klass).items():
            if name in seen or (name.startswith("_") and name != "__init__"):
                continue
            seen.add(name)
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            elif isinstance(member, property):
                member = member.fget
            # A backend's names for NumPy's or torch's own functions (and lambdas over them)
            # are theirs, with their signatures; the functions tswarp writes are checked.
            if inspect.isfunction(member) and _ours(member) and "<" not in member.__qualname__:
                yield name, member


def _public_callables(module_name):
    """(qualified name, function) of the callables a module exports, and their methods."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        if (module_name, name) in OPTIONAL_NAMES:
            pytest.importorskip(OPTIONAL_NAMES[module_name, name])
        obj = getattr(module, name)
        if not _ours(obj) or inspect.ismodule(obj):
            continue
        if inspect.isclass(obj):
            for method_name, method in _public_methods(obj):
                yield f"{module_name}.{name}.{method_name}", method
        elif callable(obj):
            yield f"{module_name}.{name}", obj


def _missing_annotations(function):
    """The parameters (and 'return') of a function that carry no annotation."""
    signature = inspect.signature(function, eval_str=False)
    missing = [
        parameter.name
        for index, parameter in enumerate(signature.parameters.values())
        # *args and **kwargs are passed through to another function, whose types they take.
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and not (index == 0 and parameter.name in ("self", "cls"))
        and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


@pytest.mark.parametrize("module_name", sorted(MODULES))
def test_public_api_is_annotated(module_name):
    if MODULES[module_name] is not None:
        pytest.importorskip(MODULES[module_name])
    callables = dict(_public_callables(module_name))
    assert callables
    unannotated = {
        name: missing
        for name, function in callables.items()
        if (missing := _missing_annotations(function))
    }
    assert not unannotated, f"without annotations: {unannotated}"
