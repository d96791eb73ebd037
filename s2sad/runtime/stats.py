"""Runtime helpers of ``scipy.stats`` and ``scipy.integrate`` derivative rules.

SciPy is optional: nothing here imports it at module level unless guarded.
"""
import numpy as np  # noqa: F401

__all__ = []
