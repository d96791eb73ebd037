"""Derivative templates for ``scipy.stats`` distributions and ``scipy.integrate.odeint``.

Registered only when SciPy imports (SciPy is an optional dependency: the ``scipy``
extra); without it this module registers nothing.
"""
