"""Python source from (g)ast nodes, printed the same on every supported Python.

:func:`unparse` is :func:`ast.unparse` with the printing of Python 3.11 and later on
every version: Python 3.9 and 3.10 put parentheses around every tuple
(``for (i, x) in ...``, ``(a, b) = ...``) where later versions write ``for i, x in``
and ``a, b = ...``.  Generated derivatives, their ``# Grad of:`` comments and error
messages all print through here, so the printed derivative of a function is
identical on every Python s2sad supports.  Input: an ``ast`` or ``gast`` node (a
gast node is converted first).  Imports nothing from s2sad.
"""
import ast
import sys

import gast

__all__ = ["unparse"]

_OLD_TUPLES = sys.version_info < (3, 11)


if _OLD_TUPLES:
    _Precedence = ast._Precedence

    class _Unparser(ast._Unparser):
        """3.9/3.10's unparser with 3.11's rules for tuples: parentheses only where
        the precedence needs them (an empty tuple, a tuple inside an expression)."""

        def visit_Tuple(self, node):
            with self.delimit_if("(", ")", len(node.elts) == 0
                                 or self.get_precedence(node) > _Precedence.TUPLE):
                self.items_view(self.traverse, node.elts)

        def visit_Assign(self, node):
            self.fill()
            for target in node.targets:
                self.set_precedence(_Precedence.TUPLE, target)
                self.traverse(target)
                self.write(" = ")
            self.traverse(node.value)
            type_comment = self.get_type_comment(node)
            if type_comment:
                self.write(type_comment)

        def _for_helper(self, fill, node):
            self.set_precedence(_Precedence.TUPLE, node.target)
            super()._for_helper(fill, node)


def unparse(node):
    """The source text of ``node`` (see the module docstring)."""
    if type(node).__module__.startswith("gast"):  # gast nodes subclass ast.AST
        node = gast.gast_to_ast(node)
    if _OLD_TUPLES:
        return _Unparser().visit(node)
    return ast.unparse(node)
