"""The compiler's passes, from AST to AST (see ``shared/design.md`` §1).

Each module is one pass or the analysis it needs, with a docstring stating the AST
shapes it accepts and what it guarantees: desugaring (:mod:`.desugar`), function tables
(:mod:`.tables`), aliasing and in-place NumPy (:mod:`.aliasing`), ANF (:mod:`.anf`,
:mod:`.inline`), activity, reverse and forward mode (:mod:`.reverse`, :mod:`.tape`,
:mod:`.calls`, :mod:`.forward`, :mod:`.linearize`, :mod:`.batch`), and the optimisers
(:mod:`.optimize`, :mod:`.licm`, :mod:`.fuse`, :mod:`.outer`, :mod:`.specialize`,
:mod:`.lower`).  Passes import rules and runtime helpers, never the compiler or the API.
"""
