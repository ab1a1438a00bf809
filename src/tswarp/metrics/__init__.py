"""Time-series distances: DTW and soft-DTW, with tslearn's names and arguments."""

from tswarp.metrics._dtw import dtw
from tswarp.metrics._lower_bounds import lb_envelope, lb_keogh

__all__ = ["dtw", "lb_envelope", "lb_keogh"]
