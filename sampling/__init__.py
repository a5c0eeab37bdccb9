"""Sampling: frames, sample designs, selection and weights (pure functions on arrays).

The statistics arrive with issue #4; this package already ships its error base so the
service can depend on it.
"""

from sampling.errors import SamplingError

__all__ = ["SamplingError"]
