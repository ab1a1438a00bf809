"""The names of ``tslearn.metrics.softdtw_variants``, so that code importing from that module
moves over by changing the prefix. Everything here is defined elsewhere in tswarp."""

from tswarp.backend import instantiate_backend
from tswarp.metrics import (
    GLOBAL_CONSTRAINT_CODE,
    TSLEARN_VALID_METRICS,
    VARIABLE_LENGTH_METRICS,
    SoftDTW,
    SquaredEuclidean,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    dtw,
    dtw_path,
    gamma_soft_dtw,
    sigma_gak,
    soft_dtw,
    soft_dtw_alignment,
)

__all__ = [
    "GLOBAL_CONSTRAINT_CODE",
    "TSLEARN_VALID_METRICS",
    "VARIABLE_LENGTH_METRICS",
    "SoftDTW",
    "SquaredEuclidean",
    "cdist_soft_dtw",
    "cdist_soft_dtw_normalized",
    "dtw",
    "dtw_path",
    "gamma_soft_dtw",
    "instantiate_backend",
    "sigma_gak",
    "soft_dtw",
    "soft_dtw_alignment",
]
