"""The Backend base class and the rule that picks a backend from arguments."""

from __future__ import annotations

import sys
import typing
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

if TYPE_CHECKING:
    import torch

    from tswarp._typing import Array, ArrayLike

_TORCH_NAMES = {"pytorch", "torch"}


class Backend:
    """A NumPy-inspired array namespace: the same names on every backend.

    ``Backend(data)`` works as in tslearn and returns the backend chosen by
    :func:`instantiate_backend` (``Backend("pytorch")``, ``Backend(np.zeros(2))``, ...).
    Backends hold no state: two backends of the same kind compare equal, and every call
    returns a new object, so that :meth:`set_backend` changes only the object it is called on.

    Parameters
    ----------
    data : Backend, str, array-like or None, default None
        What asks for a backend, read as by :func:`instantiate_backend`.

    Attributes
    ----------
    backend_string : str
        ``"numpy"`` or ``"pytorch"``.

    Notes
    -----
    Each backend holds NumPy's names for array creation (``array``, ``zeros``, ``arange``,
    ...), elementwise functions, reductions, shape functions, dtypes (``float32``,
    ``float64``, ...), distances (``cdist``, ``pdist``, ``pairwise_distances``) and the
    namespaces ``linalg``, ``random`` and ``testing``, with NumPy's signatures.
    """

    backend_string: str | None = None

    if TYPE_CHECKING:
        # The array namespace (``zeros``, ``from_numpy``, ...) is defined by each subclass.
        def __getattr__(self, name: str) -> Any: ...

    def __new__(cls, data: object = None) -> Backend:
        if cls is Backend:
            return instantiate_backend(data)
        return super().__new__(cls)

    def __init__(self, data: object = None) -> None:
        pass

    @property
    def is_numpy(self) -> bool:
        """True for the NumPy backend."""
        return self.backend_string == "numpy"

    @property
    def is_pytorch(self) -> bool:
        """True for the PyTorch backend."""
        return self.backend_string == "pytorch"

    def get_backend(self) -> Backend:
        """Return this backend, as tslearn's ``get_backend``.

        Returns
        -------
        Backend
            This object.
        """
        return self

    def set_backend(self, data: object = None) -> None:
        """Switch this object to the backend that ``data`` asks for, as tslearn's does.

        Parameters
        ----------
        data : Backend, str, array-like or None, default None
            Read as by :func:`instantiate_backend`: ``"numpy"``, ``"pytorch"``, an array, a
            tensor, a backend, or None for NumPy.

        Examples
        --------
        >>> from tswarp.backend import Backend
        >>> be = Backend("numpy")
        >>> be.set_backend("pytorch")
        >>> be.backend_string
        'pytorch'
        """
        # A backend is its class (no instance state), so switching class is the whole switch.
        self.__class__ = type(instantiate_backend(data))

    def __eq__(self, other):
        return isinstance(other, Backend) and other.backend_string == self.backend_string

    def __hash__(self):
        return hash(self.backend_string)

    def __reduce__(self):
        return (_backend_by_name, (self.backend_string,))

    def __repr__(self):
        return f"{type(self).__name__}()"


def _is_torch_tensor(obj: object) -> TypeGuard[torch.Tensor]:
    # A tensor can only exist once torch is imported, so look it up instead of importing it.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def _backend_by_name(name):
    if name == "numpy":
        from tswarp.backend._numpy import NumPyBackend

        return NumPyBackend()
    try:
        from tswarp.backend._pytorch import PyTorchBackend
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise ImportError(
            "The PyTorch backend needs torch, which is not installed. "
            'Install it with: pip install "tswarp[torch]"'
        ) from None
    return PyTorchBackend()


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


def instantiate_backend(*args: object) -> Backend:
    """Return the backend asked for by the first argument that decides.

    Arguments are read left to right. A :class:`Backend` instance is returned as it is; the
    strings ``"numpy"`` and ``"pytorch"`` (any case; ``"torch"`` too) name a backend; a NumPy
    array or scalar means NumPy and a torch tensor means PyTorch (found without importing
    torch). Anything else, such as None, another string, a list or a number, does not decide.
    When nothing decides, the NumPy backend is returned.

    Parameters
    ----------
    *args : Backend, str, array-like or None
        The arguments that may decide, in order.

    Returns
    -------
    Backend
        The backend asked for.

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


def select_backend(data: object) -> Backend:
    """Return the backend that ``data`` asks for, as tslearn's ``select_backend``.

    The same rule as :func:`instantiate_backend` with one argument: ``"numpy"`` or
    ``"pytorch"``, an array or a tensor, a backend; anything else selects NumPy.

    Parameters
    ----------
    data : Backend, str, array-like or None
        What asks for a backend.

    Returns
    -------
    Backend
        The backend asked for.

    Examples
    --------
    >>> from tswarp.backend import select_backend
    >>> select_backend("pytorch").backend_string
    'pytorch'
    """
    return instantiate_backend(data)


_ARRAY_TYPES = {"numpy": "numpy", "pytorch": "pytorch", "torch": "pytorch", "list": "list"}


def cast(data: ArrayLike, array_type: str = "numpy") -> Array | list[Any]:
    """Convert ``data`` to a NumPy array, a torch tensor or a list, as tslearn's ``cast``.

    Parameters
    ----------
    data : array-like
        A NumPy array, a torch tensor, or a (nested) list or tuple of numbers.
    array_type : {"numpy", "pytorch", "list"}, default "numpy"
        What to convert to (any case; ``"torch"`` is ``"pytorch"``).

    Returns
    -------
    array-like
        ``data`` itself when it already has that type, otherwise a new array, tensor or list.
        A tensor becomes a NumPy array through a detached host copy, whatever its device.

    Raises
    ------
    ValueError
        If ``array_type`` is not one of the three names.

    Examples
    --------
    >>> import numpy as np
    >>> from tswarp.backend import cast
    >>> cast(np.array([1.0, 2.0]), "list")
    [1.0, 2.0]
    >>> cast([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    kind = _ARRAY_TYPES.get(array_type.lower()) if isinstance(array_type, str) else None
    if kind is None:
        raise ValueError(f"array_type must be 'numpy', 'pytorch' or 'list', got {array_type!r}")
    if kind == "list":
        if isinstance(data, list):
            return data
        return data.tolist() if _is_torch_tensor(data) else np.asarray(data).tolist()
    be = _backend_by_name(kind)
    if be.is_array(data):
        return typing.cast("Array", data)
    if kind == "numpy" and _is_torch_tensor(data):
        return data.detach().cpu().numpy().copy()
    return be.array(data)
