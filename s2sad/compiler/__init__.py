"""The compiler layer: a user function in, a compiled, cached derivative out.

Below the API, above the passes (see ARCHITECTURE.md).  :func:`derivative` (in
:mod:`~s2sad.compiler.driver`) runs :mod:`~s2sad.compiler.prepare` (parsing, the
fence, the shared passes) and then the pipeline of the mode:
:mod:`~s2sad.compiler.build_reverse` (joint and split reverse mode, shape-specialised
by :mod:`~s2sad.compiler.build_specialised`), :mod:`~s2sad.compiler.build_forward`
or :mod:`~s2sad.compiler.build_linearize`; :mod:`~s2sad.compiler.build_batched`
makes the batched sweeps of Jacobians.  :mod:`~s2sad.compiler.assemble` renders
(:mod:`~s2sad.compiler.codegen`) and imports (:mod:`~s2sad.compiler.cache`) the
generated module.
"""
from .build_batched import batched, why_not
from .cache import cache_dir
from .driver import (
    MODES, BoundDerivative, batched_derivative, cached, clear_cache, derivative, stats,
)
from .assemble import Derivative

__all__ = ["MODES", "BoundDerivative", "Derivative", "batched", "batched_derivative",
           "cache_dir", "cached", "clear_cache", "derivative", "stats", "why_not"]
