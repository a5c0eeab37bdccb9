"""Analysis: design-based estimates of satisfaction indices (pure functions on arrays).

The estimators arrive with issue #5; this package already ships its error base so the
service can depend on it.
"""

from analysis.errors import AnalysisError

__all__ = ["AnalysisError"]
