"""The wavefront's loops replayed as CUDA graphs: one launch per pass, not one per operation.

A loop (the forward or the backward sweep of one DP) works in place on a few flat tensors.
On a CUDA device, the first call for a given key (the plan, hence n, m and the band, the
batch size, the dtype, the device) captures the loop on private copies of those tensors
into a ``torch.cuda.CUDAGraph``; every call then copies its tensors in, replays the graph
and copies them back. The graphs sit in a small least-recently-used cache.

The loop runs eagerly instead when graphs are switched off (``set_enabled(False)``, or the
environment variable TSWARP_CUDA_GRAPHS=0 at import), off CUDA, under ``torch.compile``,
inside another capture, when the tensors exceed ``MAX_BYTES`` (the private copies would
double the memory, and long diagonals are not launch-bound anyway), or when the capture
fails (that key then stays eager).
"""

import collections
import os

import torch

CAPACITY = 8  # graphs kept
MAX_BYTES = 512 * 2**20  # largest total size of a loop's tensors that is captured

_enabled = os.environ.get("TSWARP_CUDA_GRAPHS", "1") != "0"
# key -> (graph, private tensors), or None: eager
_graphs: collections.OrderedDict = collections.OrderedDict()
_UNCAPTURABLE = None


def set_enabled(flag):
    """Switch graph capture on or off (on by default); returns the previous setting."""
    global _enabled
    previous, _enabled = _enabled, bool(flag)
    return previous


def enabled():
    return _enabled


def clear():
    """Forget every captured graph (and free their private tensors)."""
    _graphs.clear()


def capturable(tensors):
    """Whether a loop on ``tensors`` may be captured now."""
    first = tensors[0]
    if not (_enabled and first.is_cuda):
        return False
    if torch.compiler.is_compiling() or torch.cuda.is_current_stream_capturing():
        return False
    return fits(tensors)


def fits(tensors):
    """Whether ``tensors`` take at most MAX_BYTES (their private copies as much again)."""
    return sum(t.numel() * t.element_size() for t in tensors) <= MAX_BYTES


def run(key, loop, tensors):
    """``loop(*tensors)``, which updates ``tensors`` in place: replayed from a graph when
    ``capturable``, else run as is. ``key`` names everything the loop's launches depend
    on besides the tensors' contents; it is completed with their shapes, dtypes, device.
    """
    if not capturable(tensors):
        loop(*tensors)
        return
    key = (key, *((t.shape, t.dtype, t.device) for t in tensors))
    if key in _graphs:
        _graphs.move_to_end(key)
        entry = _graphs[key]
    else:
        entry = _graphs[key] = _capture(loop, tensors)
        while len(_graphs) > CAPACITY:
            _graphs.popitem(last=False)
    if entry is _UNCAPTURABLE:
        loop(*tensors)
        return
    graph, private = entry
    for mine, theirs in zip(private, tensors, strict=True):
        mine.copy_(theirs)
    graph.replay()
    for mine, theirs in zip(private, tensors, strict=True):
        theirs.copy_(mine)


def _capture(loop, tensors):
    """(graph, private copies of ``tensors``) with ``loop`` captured on the copies, or
    _UNCAPTURABLE when capture fails."""
    private = [t.clone() for t in tensors]
    try:
        # Warm-up on a side stream, as capture requires (lazy initialisations happen here).
        stream = torch.cuda.Stream(device=tensors[0].device)
        stream.wait_stream(torch.cuda.current_stream(tensors[0].device))
        with torch.cuda.stream(stream):
            loop(*private)
        torch.cuda.current_stream(tensors[0].device).wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            loop(*private)
    except RuntimeError:
        return _UNCAPTURABLE
    return graph, private
