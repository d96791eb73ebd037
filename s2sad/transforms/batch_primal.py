"""Batched primals: one sweep of a generated gradient for a whole batch of examples.

Input: a compiled joint gradient (``mode="grad"``: ``d{f}_d{x}(*args)`` computing the
value and the gradients in one function) and the names of the parameters that receive
a batch (``vmap(grad(f), in_axes=(None, 0))``: the examples).  Output: the same function
where those parameters, and every value computed from them, carry a leading batch
axis; what does not depend on them is computed once.  The returned gradients are all
batched (per-example gradients, ``(nb,) + shape``).

This extends :mod:`s2sad.transforms.batch` (batched seeds) to values that are not
linear in the batched inputs, so its table does not suffice: here

* arithmetic (``+ - * / **``) with a batched operand, comparisons, every NumPy ufunc,
  ``np.where`` and the elementwise runtime helpers are
  :func:`~s2sad.runtime.batched.apply`-ed (which refuses containers at run time:
  ``+`` of tuples concatenates, it must not add):
  the batched arguments get length-1 axes after their batch axis up to the highest
  primal rank, so broadcasting pairs the primal axes as in the one-example code;
* ``@`` of two batched values is :func:`~s2sad.runtime.batched.matmul_both`,
  ``np.outer`` :func:`~s2sad.runtime.batched.outer`, ``x.T``
  :func:`~s2sad.runtime.batched.T`.

Everything else goes through the seed rewriter, whose every rule either handles a
batched value in that position or raises :class:`~s2sad.transforms.batch.NotBatchable`
(the caller then runs one sweep per example).  Control flow on a batched value, calls
of the user's helpers (their residuals would be batched: the caller compiles with
``inline_helpers`` so that there are as few as possible), shape queries of batched
values, and keywords of a ufunc are all NotBatchable.
"""
import copy

import gast
import numpy as np

from .. import runtime
from ..runtime import elementwise as runtime_elementwise
from .batch import NotBatchable, _Rewriter, _call, _is_number, _name, _separated_advanced
from .batch import _slice_expr, _text
from .ops import resolve

__all__ = ["rewrite_primal"]

_UFUNC_OF = {gast.Add: np.add, gast.Sub: np.subtract, gast.Mult: np.multiply,
             gast.Div: np.true_divide, gast.Pow: np.power}
_COMPARE = {gast.Gt: np.greater, gast.GtE: np.greater_equal, gast.Lt: np.less,
            gast.LtE: np.less_equal, gast.Eq: np.equal, gast.NotEq: np.not_equal}
#: elementwise broadcasting functions that are not ufuncs (each checked to compute
#: elementwise with NumPy broadcasting when its array arguments are arrays)
_ELEMENTWISE = (np.where, runtime_elementwise.power_term, runtime_elementwise.fmax_wins,
                runtime.tie_share, runtime.abs_sign, runtime.clip_mask, runtime.xlogy)
#: runtime helpers -> positions of primal arguments they read only the shape and dtype
#: of: a batched value there is replaced by one example of it
_SHAPE_ONLY = ((runtime.unbroadcast, (1,)), (runtime.broadcast_like, (1,)),
               (runtime.unreduce, (1,)), (runtime.unreduce_mean, (1, 2)),
               (runtime.unslice, (1,)))
#: functions of a value's shape and dtype whose result for a batched value is the
#: batched result (zeros of shape (nb,) + s)
_LIKE = (np.zeros_like, np.ones_like, runtime.zeros_like)
#: runtime helpers run once per example when a primal operand is batched
_PER_EXAMPLE = (runtime.matmul_adjoint_a, runtime.matmul_adjoint_b, runtime.dot_adjoint_a,
                runtime.dot_adjoint_b)


def rewrite_primal(dv, imports, roots):
    """The batched form (a gast ``FunctionDef``) of joint gradient ``dv`` for batched
    parameters ``roots``.  Raises :class:`NotBatchable`."""
    if dv.mode != "grad" or not hasattr(dv, "functions") or len(dv.functions) != 1:
        raise NotBatchable("not a joint gradient")
    if getattr(dv, "helpers", None):
        raise NotBatchable("it calls user functions (their residuals would be batched)")
    fdef = dv.functions[0]
    rewriter = _PrimalRewriter(dv, imports, list(roots), None)
    return rewriter.function(copy.deepcopy(fdef))


class _PrimalRewriter(_Rewriter):
    def ufunc(self, func):
        name = self.imports.bind(getattr(func, "__name__", "ufunc"), func)
        return _name(name)

    def applied(self, func, args, pre, how="apply"):
        """``batched.apply(func, flags, *args)`` (or another runner, ``how``)."""
        flags = [self.is_batched(a) for a in args]
        values = [self.expr(a, pre) for a in args]
        marks = gast.Tuple(elts=[gast.Constant(value=f, kind=None) for f in flags],
                           ctx=gast.Load())
        return _call(self.batched_ref(how), [self.ufunc(func), marks] + values)

    def binop(self, node, pre):
        lb, rb = self.is_batched(node.left), self.is_batched(node.right)
        op = type(node.op)
        if op is gast.MatMult and lb and rb:
            return _call(self.batched_ref("matmul_both"),
                         [self.expr(node.left, pre), self.expr(node.right, pre)])
        if op in _UFUNC_OF and (_is_number(node.left) or _is_number(node.right)) and not (
                op is gast.Pow and rb):
            # with a number literal the one-example operation is the batched one (also
            # for a container: 2 * (a, b) repeats it either way)
            return super().binop(node, pre)
        if op in _UFUNC_OF:  # checked at run time: arrays and numbers only
            return self.applied(_UFUNC_OF[op], [node.left, node.right], pre)
        return super().binop(node, pre)

    def expr(self, node, pre):
        if not self.is_batched(node):
            return node
        if isinstance(node, gast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
                raise NotBatchable("a chained or identity comparison of a batched value")
            return self.applied(_COMPARE[type(node.ops[0])],
                                [node.left, node.comparators[0]], pre)
        if isinstance(node, gast.Attribute) and node.attr == "T":
            return _call(self.batched_ref("T"), [self.expr(node.value, pre)])
        return super().expr(node, pre)

    def call(self, node, pre):
        func_node = node.func
        if isinstance(func_node, gast.Attribute) and self.is_batched(func_node.value):
            return super().call(node, pre)
        try:
            func = resolve(func_node, self.imports.bound)
        except KeyError:
            return super().call(node, pre)
        plain = not node.keywords and not any(isinstance(a, gast.Starred) for a in node.args)
        for helper, positions in _SHAPE_ONLY:
            if func is helper:
                for i in positions:
                    if i < len(node.args) and self.is_batched(node.args[i]):
                        node.args[i] = self.example(node.args[i], pre)
        if isinstance(func, np.ufunc) or any(func is f for f in _ELEMENTWISE):
            if not plain:
                raise NotBatchable("keywords of %s with a batched argument" % _text(func_node))
            return self.applied(func, node.args, pre)
        if any(func is f for f in _PER_EXAMPLE) and plain and any(
                self.is_batched(a) for a in node.args[1:]):
            return self.applied(func, node.args, pre, "per_example")
        if (any(func is f for f in _LIKE) and len(node.args) == 1
                and all(k.arg == "dtype" and not self.is_batched(k.value)
                        for k in node.keywords)):
            node.args = [self.expr(node.args[0], pre)]
            return node
        if func is np.outer and plain and len(node.args) == 2:
            flags = [self.is_batched(a) for a in node.args]
            marks = gast.Tuple(elts=[gast.Constant(value=f, kind=None) for f in flags],
                               ctx=gast.Load())
            return _call(self.batched_ref("outer"),
                         [marks] + [self.expr(a, pre) for a in node.args])
        if (func is np.matmul and plain and len(node.args) == 2
                and all(self.is_batched(a) for a in node.args)):
            return _call(self.batched_ref("matmul_both"),
                         [self.expr(a, pre) for a in node.args])
        return super().call(node, pre)

    def example(self, node, pre):
        """A temporary holding the first example of batched ``node`` (for its shape)."""
        name = next(self.temps)
        pre.append(gast.Assign(targets=[_name(name, gast.Store())], type_comment=None,
                               value=_call(self.batched_ref("example"),
                                           [self.expr(node, pre)])))
        return _name(name)

    def batched_part(self, target, value):
        """A write ``buf[index] = batched`` makes ``buf`` batched (its initial value is
        then broadcast over the batch: a new array, written in place after)."""
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            return _name(target.value.id, gast.Store())
        return super().batched_part(target, value)

    def assign(self, stmt):
        """``buf[index] = value`` into a batched ``buf`` (the generated code's own
        adjoint buffers): ``batched.assign`` writes every example's ``index``."""
        target = stmt.targets[0]
        if (len(stmt.targets) == 1 and isinstance(target, gast.Subscript)
                and isinstance(target.value, gast.Name) and target.value.id in self.batched):
            if self.is_batched(target.slice) or _separated_advanced(target.slice):
                raise NotBatchable("a write at a batched or separated index")
            pre = []
            value = self.expr(stmt.value, pre)
            flag = gast.Constant(value=self.is_batched(stmt.value), kind=None)
            call = _call(self.batched_ref("assign"),
                         [_name(target.value.id), _slice_expr(target.slice), value, flag])
            return pre + [gast.Expr(value=call)]
        return super().assign(stmt)

    def ret(self, stmt):
        pre = []
        stmt.value = self.batched_operand(stmt.value, pre)
        return pre + [stmt]
