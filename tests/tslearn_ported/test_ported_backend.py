"""tslearn 0.10's backend test cases, run against tswarp, and the list of what is not ported.

The backend tests reproduce tslearn's ``tests/test_backend.py`` with the ``tslearn.`` prefix
changed to ``tswarp.``. tslearn is distributed under the BSD 2-Clause licence, Copyright (c)
2017, Romain Tavenard (``TSLEARN_LICENSE.txt`` in this folder).
"""

import pytest
from conftest import HAS_TORCH
from tslearn_ported._common import NOT_PORTED

from tswarp.backend import Backend, NumPyBackend


@pytest.mark.skipif(HAS_TORCH, reason="PyTorch is installed")
def test_backend_no_torch():
    # tslearn raises ValueError("Could not use the PyTorch backend ..."); tswarp an ImportError
    # that names the extra to install (docs/differences.md).
    with pytest.raises(ImportError, match=r"tswarp\[torch\]"):
        Backend("torch")


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_backend():
    from tswarp.backend import PyTorchBackend

    backend_ = Backend("torch")
    assert backend_.is_pytorch
    assert not backend_.is_numpy
    assert isinstance(backend_.get_backend(), PyTorchBackend)

    backend_.set_backend("numpy")
    assert not backend_.is_pytorch
    assert backend_.is_numpy
    assert isinstance(backend_.get_backend(), NumPyBackend)


@pytest.mark.parametrize("case", sorted(NOT_PORTED))
def test_not_ported(case):
    pytest.skip(NOT_PORTED[case])
