"""Traversal of (g)ast trees, faster than :func:`ast.walk` on the compiler's hot paths.

Input: any ``ast.AST`` node (gast nodes are ``ast.AST`` subclasses).  Output:
:func:`walk` yields the node and every node below it in exactly the breadth-first
order of :func:`ast.walk` (so callers that take the first match see the same one),
without the two generator layers of ``ast.iter_child_nodes``/``ast.iter_fields``.
Imports nothing from s2sad.
"""
from ast import AST
from collections import deque

__all__ = ["walk"]


def walk(node):
    """Every node of the tree under ``node`` (itself first), breadth-first."""
    todo = deque((node,))
    popleft, append = todo.popleft, todo.append
    while todo:
        node = popleft()
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, AST):
                        append(item)
        yield node
