"""Runtime helpers of ``numpy.fft`` derivative rules.
"""
import numpy as np  # noqa: F401

__all__ = []
