"""Time-series distances: DTW and soft-DTW, with tslearn's names and arguments."""

from tswarp.metrics._dtw import dtw

__all__ = ["dtw"]
