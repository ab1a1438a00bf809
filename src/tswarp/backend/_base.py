"""The Backend base class and the rule that picks a backend from arguments."""

import sys

import numpy as np

_TORCH_NAMES = {"pytorch", "torch"}


class Backend:
    """A NumPy-inspired array namespace: the same names on every backend.

    ``Backend(data)`` works as in tslearn and returns the backend chosen by
    :func:`instantiate_backend` (``Backend("pytorch")``, ``Backend(np.zeros(2))``, ...).
    Subclasses are stateless: two backends of the same kind compare equal.
    """

    backend_string = None

    def __new__(cls, data=None):
        if cls is Backend:
            return instantiate_backend(data)
        return super().__new__(cls)

    def __init__(self, data=None):
        pass

    @property
    def is_numpy(self):
        return self.backend_string == "numpy"

    @property
    def is_pytorch(self):
        return self.backend_string == "pytorch"

    def get_backend(self):
        return self

    def __eq__(self, other):
        return isinstance(other, Backend) and other.backend_string == self.backend_string

    def __hash__(self):
        return hash(self.backend_string)

    def __reduce__(self):
        return (_backend_by_name, (self.backend_string,))

    def __repr__(self):
        return f"{type(self).__name__}()"


def _is_torch_tensor(obj):
    # A tensor can only exist once torch is imported, so look it up instead of importing it.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def _backend_by_name(name):
    if name == "numpy":
        from tswarp.backend._numpy import NUMPY_BACKEND

        return NUMPY_BACKEND
    try:
        from tswarp.backend._pytorch import PYTORCH_BACKEND
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise ImportError(
            "The PyTorch backend needs torch, which is not installed. "
            'Install it with: pip install "tswarp[torch]"'
        ) from None
    return PYTORCH_BACKEND


def _decide(arg):
    """The backend name an argument asks for, or None when it does not decide."""
    if isinstance(arg, str):
        name = arg.lower()
        if name == "numpy":
            return "numpy"
        if name in _TORCH_NAMES:
            return "pytorch"
        return None
    if isinstance(arg, (np.ndarray, np.generic)):
        return "numpy"
    if _is_torch_tensor(arg):
        return "pytorch"
    return None


def instantiate_backend(*args):
    """Return the backend asked for by the first argument that decides.

    Arguments are read left to right. A :class:`Backend` instance is returned as it is; the
    strings ``"numpy"`` and ``"pytorch"`` (any case; ``"torch"`` too) name a backend; a NumPy
    array or scalar means NumPy and a torch tensor means PyTorch (found without importing
    torch). Anything else, such as None, another string, a list or a number, does not decide.
    When nothing decides, the NumPy backend is returned.

    Raises
    ------
    ImportError
        If the PyTorch backend is asked for and torch is not installed.
    """
    for arg in args:
        if isinstance(arg, Backend):
            return arg
        name = _decide(arg)
        if name is not None:
            return _backend_by_name(name)
    return _backend_by_name("numpy")
