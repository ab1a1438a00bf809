"""Time-series distances: DTW and soft-DTW, with tslearn's names and arguments."""

from tswarp.metrics._constraints import GLOBAL_CONSTRAINT_CODE
from tswarp.metrics._dtw import cdist_dtw, dtw, dtw_accumulated_matrix, dtw_path
from tswarp.metrics._lower_bounds import lb_envelope, lb_keogh
from tswarp.metrics._masks import compute_mask, itakura_mask, sakoe_chiba_mask
from tswarp.metrics._soft_dtw import (
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    soft_dtw,
    soft_dtw_alignment,
    soft_dtw_normalized,
)

__all__ = [
    "GLOBAL_CONSTRAINT_CODE",
    "cdist_dtw",
    "cdist_soft_dtw",
    "cdist_soft_dtw_normalized",
    "compute_mask",
    "dtw",
    "dtw_accumulated_matrix",
    "dtw_path",
    "itakura_mask",
    "lb_envelope",
    "lb_keogh",
    "sakoe_chiba_mask",
    "soft_dtw",
    "soft_dtw_alignment",
    "soft_dtw_normalized",
]
