"""Runtime helpers of elementwise and complex derivative rules.
"""
import numpy as np  # noqa: F401

__all__ = []
