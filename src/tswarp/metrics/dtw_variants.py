"""The names of ``tslearn.metrics.dtw_variants``, so that code importing from that module
moves over by changing the prefix. Everything here is defined elsewhere in tswarp."""

from tswarp.backend import instantiate_backend
from tswarp.metrics import (
    GLOBAL_CONSTRAINT_CODE,
    dtw_limited_warping_length,
    dtw_path_limited_warping_length,
    dtw_subsequence_path,
    lb_envelope,
    lb_keogh,
    lcss,
    lcss_accumulated_matrix,
    lcss_accumulated_matrix_from_dist_matrix,
    lcss_path,
    lcss_path_from_metric,
    subsequence_cost_matrix,
    subsequence_path,
)

__all__ = [
    "GLOBAL_CONSTRAINT_CODE",
    "dtw_limited_warping_length",
    "dtw_path_limited_warping_length",
    "dtw_subsequence_path",
    "instantiate_backend",
    "lb_envelope",
    "lb_keogh",
    "lcss",
    "lcss_accumulated_matrix",
    "lcss_accumulated_matrix_from_dist_matrix",
    "lcss_path",
    "lcss_path_from_metric",
    "subsequence_cost_matrix",
    "subsequence_path",
]
