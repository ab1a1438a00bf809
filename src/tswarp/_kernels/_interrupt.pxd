# Long kernels that stop on Ctrl-C (see _interrupt.h). A wrapper runs its kernel as
#
#     while True:
#         stop = watch(cells)
#         with nogil:
#             ...  # the kernel, which polls tswarp_stopped(stop)
#         if finished(stop):
#             break
#
# and never returns what an interrupted kernel computed.
from cpython.exc cimport PyErr_CheckSignals

cdef extern from "_interrupt.h" nogil:
    ctypedef int tswarp_flag  # volatile int in C: every read is a load
    bint tswarp_stopped(const tswarp_flag* flag)
    const tswarp_flag* tswarp_unwatched()
    const tswarp_flag* tswarp_watch_signals()
    bint tswarp_unwatch_signals(const tswarp_flag* flag)


cdef inline bint in_main_thread():
    import threading
    return threading.current_thread() is threading.main_thread()


cdef inline const tswarp_flag* watch(double cells):
    """The flag that a kernel of about ``cells`` DP cells polls: raised by a signal while a
    long call (1e7 cells and more, 10 ms and more) runs in the main thread."""
    if cells < 1e7 or not in_main_thread():
        return tswarp_unwatched()
    return tswarp_watch_signals()


cdef inline bint finished(const tswarp_flag* stop) except -1:
    """True when the kernel ran to its end. Otherwise the signal's Python handler runs: it
    raises (KeyboardInterrupt), or returns and the kernel must run again (False)."""
    if not tswarp_unwatch_signals(stop):
        return True
    PyErr_CheckSignals()
    return False
