import doctest
import importlib
import importlib.metadata
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HAS_TORCH

import tswarp

ROOT = Path(__file__).resolve().parents[1]


def run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("module", ["tswarp", "tswarp.backend", "tswarp.metrics"])
def test_import_leaves_torch_out(module):
    assert run_python(f"import {module}, sys; print('torch' in sys.modules)") == "False"


@pytest.mark.parametrize(
    "module", ["tswarp", "tswarp.metrics", "tswarp.datasets", "tswarp.cli", "tswarp.neighbors"]
)
def test_import_leaves_scikit_learn_out(module):
    # scikit-learn is the estimators' extra: imported by them alone, on first use.
    assert run_python(f"import {module}, sys; print('sklearn' in sys.modules)") == "False"


def test_import_leaves_dask_out():
    code = "import sys, tswarp, tswarp.metrics, tswarp.cli; print('dask' in sys.modules)"
    assert run_python(code) == "False"


def test_numpy_metric_call_leaves_torch_out():
    code = (
        "import sys, numpy as np\n"
        "from tswarp.metrics import dtw\n"
        "from tswarp.backend import instantiate_backend\n"
        "dtw(np.arange(3.0), [1, 2]); instantiate_backend(None, 'x', np.zeros(1))\n"
        "print('torch' in sys.modules)"
    )
    assert run_python(code) == "False"


def test_version_comes_from_the_build_metadata():
    assert tswarp.__version__ == importlib.metadata.version("tswarp")


def test_openmp_enabled_is_a_bool():
    assert isinstance(tswarp.openmp_enabled(), bool)


def test_submodules_load_lazily():
    assert tswarp.metrics.dtw([0.0], [1.0]) == 1.0
    assert "backend" in dir(tswarp)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = tswarp.nope


def test_kernels_are_compiled():
    # A failed compile must never fall back to Python: the kernel is an extension module.
    from tswarp._kernels import _dtw

    assert Path(_dtw.__file__).suffix in {".so", ".pyd"}


# Modules that import an optional dependency when they load: skipped when it is missing.
NEEDS = {
    "torch": (
        "tswarp._torch",
        "tswarp.backend._pytorch",
        "tswarp.barycenters._torch_soft_dtw",
        "tswarp.metrics._soft_dtw_loss",
        "tswarp.metrics._torch_inputs",
        "tswarp.metrics._torch_metrics",
        "tswarp.metrics._torch_subsequence",
        "tswarp.metrics.soft_dtw_loss_pytorch",
    ),
    "matplotlib": ("tswarp.plot",),
    "sklearn": ("tswarp.neighbors._estimators", "tswarp.clustering"),
    "distributed": ("tswarp.distributed",),
    "zarr": ("tswarp.distributed",),
}
MISSING = tuple(
    prefix
    for dependency, prefixes in NEEDS.items()
    if importlib.util.find_spec(dependency) is None
    for prefix in prefixes
)


def public_modules():
    for info in pkgutil.walk_packages(tswarp.__path__, "tswarp."):
        if not info.name.startswith(MISSING):
            yield info.name


@pytest.mark.parametrize("name", ["tswarp", *public_modules()])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
@pytest.mark.parametrize(
    "page",
    [
        "docs/backend.md",
        "docs/metrics.md",
        "docs/dtw_variants.md",
        "docs/frechet.md",
        "docs/lcss.md",
        "docs/subsequence.md",
        "docs/more_metrics.md",
        "docs/gak.md",
        "docs/ctw.md",
        "docs/differences.md",
        "docs/barycenters.md",
        "docs/neighbors.md",
        "docs/clustering.md",
        "docs/gallery.md",
        "docs/getting-started.md",
        "docs/training.md",
        "README.md",
    ],
)
def test_docs_page_examples(page):
    result = doctest.testfile(
        str(ROOT / page), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0
    assert result.failed == 0


# The docs' theme gives code 88 columns beside the sidebar (docs/conf.py); wider lines scroll.
CODE_COLUMNS = 88


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_docs_code_fits_the_page(page):
    inside, wide = False, []
    for number, line in enumerate((ROOT / "docs" / page).read_text().splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
        elif inside and len(line) > CODE_COLUMNS:
            wide.append(f"{page}:{number} ({len(line)} columns)")
    assert not wide, wide


# The layers below the public metrics never import them: the kernels, the thread rule, the
# shared argument checks and the torch engine stand on their own.
LOWER_LAYERS = [
    "tswarp._kernels._dtw",
    "tswarp._threads",
    "tswarp._config",
    "tswarp._constraints",
    "tswarp._gamma",
    "tswarp.backend",
]


TORCH_ENGINE = pytest.param(
    "tswarp._torch", marks=pytest.mark.skipif(not HAS_TORCH, reason="needs torch")
)


@pytest.mark.parametrize("module", [*LOWER_LAYERS, TORCH_ENGINE])
def test_lower_layers_do_not_import_the_metrics(module):
    code = f"import sys, {module}; print('tswarp.metrics' in sys.modules)"
    assert run_python(code) == "False"
