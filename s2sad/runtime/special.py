"""Runtime helpers of SciPy derivative rules (``scipy.special``, ``scipy.linalg``).

SciPy is optional: nothing here imports it at module level unless guarded.
"""
import numpy as np  # noqa: F401

__all__ = []
