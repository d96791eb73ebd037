"""Runtime helpers of ``numpy.linalg`` derivative rules (norms, solves, determinants,
decompositions).
"""
import numpy as np  # noqa: F401

__all__ = []
