"""In-place NumPy and aliasing, resolved before ANF.

Input: a fenced ``gast.FunctionDef`` after desugaring (``return`` only last, ``break``
only as the last ``if flag: break`` of a loop body, every ``for`` over a ``range``);
nested defs and lambdas are still as written.  Output: the same function, edited in
place, where ANF's functional reading of writes (``y = setitem(y, i, v)``,
``ys = append(ys, v)``, ``y = y + v``) is exact:

* in-place NumPy calls are explicit writes with NumPy's semantics::

    f(a, b, out=y)        -> y[...] = f(a, b)     (where=m: np.where(m, f(a, b), y))
    z = f(a, out=y)       -> y[...] = f(a); z = y
    np.copyto(y, x)       -> y[...] = x           y.fill(c)  -> y[...] = c
    y.sort(axis=k)        -> y[...] = (y sorted along k, by argsort and indexing)
    np.add.at(y, i, v)    -> y[...] = added_at(y, i, v)      (np.subtract.at: -v)
    np.put(y, i, v)       -> y[...] = reshape(setitem(ravel(y), ravel(i), ravel(v)))
    ys.sort() / ys.reverse() on a list -> ys = sorted(ys) / ys = ys[::-1]

  and no other mutating call is left anywhere (a located error instead);
* after each write (``y[i] = v``, ``y[i] += v``, ``y += v`` on an array or list,
  ``ys.append(v)``, ``ys.extend(vs)``, ``v = ys.pop()``, the forms above), every other
  name that may see the written memory and is read later holds what NumPy would give
  it: a name bound to the same object (``z = y``, neither rebound since) is rebound
  (``z = y``), and a view ``v = y[1:]`` (basic index with a slice, of a provable
  ndarray, index names unchanged) is written back into its base (``y[1:] = v``) or
  taken again from it (``v = y[1:]``); an element ``a = ys[i]`` of a list, dict or array
  is written back (``ys[i] = a``).  Any other such name is a located
  ``UnsupportedSyntaxError`` naming both names and the line of the alias;
* where s2sad cannot tell at compile time whether a write happens in place (``y += v``
  and ``ys[i] += v`` when ``y``/``ys[i]`` may be a number or an array; a call of a
  function that writes into its parameter, with an argument that may be a number), the
  code tests it when it runs (``in_place = isinstance(y, (np.ndarray, list, dict))``):
  the modelling statements run under ``if in_place:``, and what cannot be modelled
  raises the located error there (``raise aliasing_error``);
* nothing writes into a global or closure value (or ``self``), and no call of the
  user's functions writes into an argument that anything may read again (callees are
  summarised from their source: which parameters they write into, which they return).

Model: a flow-sensitive points-to analysis over the structured AST (fixed points over
loop bodies).  Abstract objects are allocation sites (recency: the newest object of a
site apart from older ones), parameters, globals, the elements of those, and enclosing
variables (nested defs); a value is a set of (object, exact) tokens, ``exact=False``
meaning a view, element or other part.  Must-alias classes (``z = y``) and view facts
are intersected at joins; the desugared exit flags (``returned``, ``broke``, ``skip``)
are followed path by path; liveness is computed on the same AST.  Writes the analysis
finds are modelled (statements inserted after them, found again until nothing changes),
refused, or guarded as above; the inserted statements are ordinary assignments ANF reads.

Not modelled: two arguments aliasing each other at run time; arrays of dtype object;
calls of function values s2sad cannot read (a parameter holding a function; assumed not
to write into their arguments).  Aliases inside nested defs are refused, not modelled.

The package, in layers (a module imports only modules listed before it):

* :mod:`.catalog` (what NumPy and builtin functions do to their arguments),
  :mod:`.syntax` (AST builders and readers), :mod:`.domain` (abstract values, states,
  sites, summaries);
* :mod:`.facts` (syntactic facts: exit flags, liveness, reads of nested defs, whether
  anything may write), :mod:`.canon` (in-place calls as writes);
* the analysis, one mixin a module: :mod:`.expressions`, :mod:`.invocations` (calls),
  :mod:`.statements` (statements and loops), :mod:`.writes` (deciding, modelling and
  refusing writes), :mod:`.guards` (the inserted statements and run-time checks),
  :mod:`.summaries` (nested defs and callees); :mod:`.analysis` puts them together;
* :mod:`.resolve`: the entry points, re-exported here.
"""
from .resolve import param_kinds, resolve_aliasing

__all__ = ["param_kinds", "resolve_aliasing"]
