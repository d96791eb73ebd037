"""Derivative templates for ``scipy.special`` and ``scipy.linalg``.

Registered only when SciPy imports (SciPy is an optional dependency: the ``scipy``
extra); without it this module registers nothing.
"""
