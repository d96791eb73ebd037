"""Runtime helpers of shape, indexing, joining and splitting derivative rules.
"""
import numpy as np  # noqa: F401

__all__ = []
