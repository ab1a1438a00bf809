"""The name of ``tslearn.metrics.soft_dtw_loss_pytorch``, so that code importing from that
module moves over by changing the prefix. Loading it needs torch."""

from tswarp.metrics import SoftDTWLossPyTorch

__all__ = ["SoftDTWLossPyTorch"]
