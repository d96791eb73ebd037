"""Runtime helpers of reduction and statistics derivative rules.
"""
import numpy as np  # noqa: F401

__all__ = []
