"""Array backends: one NumPy-inspired namespace over NumPy arrays and torch tensors.

>>> from tswarp.backend import instantiate_backend
>>> be = instantiate_backend("numpy")
>>> be.backend_string
'numpy'

``PyTorchBackend`` is loaded on first use, so importing this module never imports torch.
"""

from tswarp.backend._base import Backend, cast, instantiate_backend, select_backend
from tswarp.backend._numpy import NumPyBackend

__all__ = [
    "Backend",
    "NumPyBackend",
    "PyTorchBackend",
    "cast",
    "instantiate_backend",
    "select_backend",
]


def __getattr__(name):
    if name == "PyTorchBackend":
        return type(instantiate_backend("pytorch"))
    raise AttributeError(f"module 'tswarp.backend' has no attribute {name!r}")
