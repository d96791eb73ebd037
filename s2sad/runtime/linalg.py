"""Runtime helpers of product and ``numpy.linalg`` derivative rules.
"""
import numpy as np  # noqa: F401

__all__ = []
