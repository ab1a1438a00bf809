"""Time-series distances: DTW and soft-DTW, with tslearn's names and arguments."""

from tswarp.metrics._constraints import GLOBAL_CONSTRAINT_CODE
from tswarp.metrics._dtw import cdist_dtw, dtw, dtw_accumulated_matrix, dtw_path
from tswarp.metrics._lower_bounds import lb_envelope, lb_keogh
from tswarp.metrics._masks import compute_mask, itakura_mask, sakoe_chiba_mask

__all__ = [
    "GLOBAL_CONSTRAINT_CODE",
    "cdist_dtw",
    "compute_mask",
    "dtw",
    "dtw_accumulated_matrix",
    "dtw_path",
    "itakura_mask",
    "lb_envelope",
    "lb_keogh",
    "sakoe_chiba_mask",
]
