"""Derivative templates for ``numpy.fft``: the transforms, their inverses and the shifts.
"""
