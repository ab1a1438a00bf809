"""Time-series distances: DTW and its variants, soft-DTW, Fréchet, LCSS; tslearn's names."""

import importlib as _importlib

from tswarp._constraints import GLOBAL_CONSTRAINT_CODE, InfeasibleConstraintError
from tswarp.metrics import performance
from tswarp.metrics._cca import CCA
from tswarp.metrics._ctw import cdist_ctw, ctw, ctw_path
from tswarp.metrics._dtw import cdist_dtw, dtw, dtw_accumulated_matrix, dtw_path
from tswarp.metrics._dtw_from_metric import dtw_path_from_metric
from tswarp.metrics._frechet import (
    cdist_frechet,
    frechet,
    frechet_accumulated_matrix,
    frechet_path,
    frechet_path_from_metric,
)
from tswarp.metrics._gak import cdist_gak, gak, sigma_gak, unnormalized_gak
from tswarp.metrics._lcss import (
    cdist_lcss,
    lcss,
    lcss_accumulated_matrix,
    lcss_accumulated_matrix_from_dist_matrix,
    lcss_path,
    lcss_path_from_metric,
)
from tswarp.metrics._limited_warping import (
    dtw_limited_warping_length,
    dtw_path_limited_warping_length,
)
from tswarp.metrics._lower_bounds import lb_envelope, lb_keogh
from tswarp.metrics._masks import compute_mask, itakura_mask, sakoe_chiba_mask
from tswarp.metrics._registry import (
    METRIC_TO_FUNCTION,
    PAIRWISE_METRICS,
    TSLEARN_VALID_METRICS,
    VALID_METRICS,
    VARIABLE_LENGTH_METRICS,
)
from tswarp.metrics._sax import cdist_sax
from tswarp.metrics._sbd import cdist_normalized_cc, cdist_sbd, sbd, y_shifted_sbd_vec
from tswarp.metrics._soft_dtw import (
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    soft_dtw,
    soft_dtw_alignment,
    soft_dtw_normalized,
)
from tswarp.metrics._soft_dtw_classes import SoftDTW, SquaredEuclidean, gamma_soft_dtw
from tswarp.metrics._subsequence import (
    dtw_subsequence,
    dtw_subsequence_path,
    subsequence_cost_matrix,
    subsequence_path,
    subsequence_search,
)

__all__ = [
    "CCA",
    "GLOBAL_CONSTRAINT_CODE",
    "METRIC_TO_FUNCTION",
    "PAIRWISE_METRICS",
    "TSLEARN_VALID_METRICS",
    "VALID_METRICS",
    "VARIABLE_LENGTH_METRICS",
    "InfeasibleConstraintError",
    "SoftDTW",
    "SoftDTWLossPyTorch",
    "SquaredEuclidean",
    "cdist_ctw",
    "cdist_dtw",
    "cdist_frechet",
    "cdist_gak",
    "cdist_lcss",
    "cdist_normalized_cc",
    "cdist_sax",
    "cdist_sbd",
    "cdist_soft_dtw",
    "cdist_soft_dtw_normalized",
    "compute_mask",
    "ctw",
    "ctw_path",
    "dtw",
    "dtw_accumulated_matrix",
    "dtw_limited_warping_length",
    "dtw_path",
    "dtw_path_from_metric",
    "dtw_path_limited_warping_length",
    "dtw_subsequence",
    "dtw_subsequence_path",
    "frechet",
    "frechet_accumulated_matrix",
    "frechet_path",
    "frechet_path_from_metric",
    "gak",
    "gamma_soft_dtw",
    "itakura_mask",
    "lb_envelope",
    "lb_keogh",
    "lcss",
    "lcss_accumulated_matrix",
    "lcss_accumulated_matrix_from_dist_matrix",
    "lcss_path",
    "lcss_path_from_metric",
    "performance",
    "sakoe_chiba_mask",
    "sbd",
    "sigma_gak",
    "soft_dtw",
    "soft_dtw_alignment",
    "soft_dtw_normalized",
    "subsequence_cost_matrix",
    "subsequence_path",
    "subsequence_search",
    "unnormalized_gak",
    "y_shifted_sbd_vec",
]


def __getattr__(name):
    # The alias modules import from this one: loaded on first use, after it is complete.
    if name in ("cycc", "dtw_variants", "soft_dtw_loss_pytorch", "softdtw_variants"):
        return _importlib.import_module(f"tswarp.metrics.{name}")
    # The loss is a torch.nn.Module: defining it imports torch, so it loads on first use.
    if name == "SoftDTWLossPyTorch":
        try:
            from tswarp.metrics._soft_dtw_loss import SoftDTWLossPyTorch
        except ModuleNotFoundError as error:
            if error.name != "torch":
                raise
            raise ImportError(
                "SoftDTWLossPyTorch needs torch, which is not installed. Install it with: "
                'pip install "tswarp[torch]"'
            ) from None
        return SoftDTWLossPyTorch
    raise AttributeError(f"module 'tswarp.metrics' has no attribute {name!r}")
