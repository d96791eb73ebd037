"""Pytrees: nested containers of arrays, flattened to a list of leaves.

Responsibility: turn a nested value into ``(leaves, treedef)`` and back, with the
same conventions as JAX so that gradients have the structure of their inputs.

Containers (*nodes*) are:

* ``tuple`` and ``list``, flattened in order;
* ``dict``, flattened in **sorted key order** (insertion order if the keys cannot be
  sorted); ``collections.OrderedDict`` and ``collections.defaultdict`` keep insertion
  order;
* namedtuples, rebuilt as the same namedtuple type;
* ``None``, a node with no children (so it has no leaves);
* dataclasses registered with :func:`register_dataclass`;
* any type registered with :func:`register_pytree_node`.

Everything else (arrays, Python numbers, strings, arbitrary objects) is a *leaf*.
Subclasses of the built-in containers are leaves unless registered, as in JAX;
namedtuples are recognised by their ``_fields``.

Contract: ``unflatten(treedef, flatten(tree)[0])`` rebuilds ``tree`` (dicts come back
with their keys in flattening order), and two trees have equal ``treedef`` exactly
when they have the same containers, keys and registered metadata.
"""
import collections
import dataclasses
from typing import (
    Any, Callable, Hashable, Iterable, List, Optional, Sequence, Tuple, Type, TypeVar,
)

__all__ = [
    "PyTreeDef", "flatten", "unflatten", "tree_map", "tree_leaves", "tree_structure",
    "register_pytree_node", "register_dataclass", "is_node",
]

#: A registered container class.
NodeT = TypeVar("NodeT")

#: ``flatten_func`` of :func:`register_pytree_node`: ``node -> (children, aux_data)``.
FlattenFunc = Callable[[NodeT], Tuple[Iterable[Any], Any]]

#: ``unflatten_func`` of :func:`register_pytree_node`: ``(aux_data, children) -> node``.
UnflattenFunc = Callable[[Any, Iterable[Any]], NodeT]


class _NodeType:
    """How to take one kind of container apart and put it back together."""

    __slots__ = ("name", "flatten", "unflatten")

    def __init__(self, name, flatten_fn, unflatten_fn):
        self.name = name
        self.flatten = flatten_fn      # node -> (children, aux_data)
        self.unflatten = unflatten_fn  # (aux_data, children) -> node


_REGISTRY = {}


def _sorted_keys(mapping):
    keys = list(mapping)
    try:
        return sorted(keys)
    except TypeError:  # keys of mixed or unorderable types
        return keys


def _flatten_dict(node):
    keys = _sorted_keys(node)
    return [node[k] for k in keys], tuple(keys)


def _flatten_ordered(node):
    keys = tuple(node)
    return [node[k] for k in keys], keys


def _flatten_defaultdict(node):
    keys = tuple(_sorted_keys(node))
    return [node[k] for k in keys], (node.default_factory, keys)


def _unflatten_defaultdict(aux, children):
    factory, keys = aux
    return collections.defaultdict(factory, zip(keys, children))


_REGISTRY[tuple] = _NodeType("tuple", lambda t: (list(t), None), lambda _, c: tuple(c))
_REGISTRY[list] = _NodeType("list", lambda t: (list(t), None), lambda _, c: list(c))
_REGISTRY[dict] = _NodeType("dict", _flatten_dict, lambda keys, c: dict(zip(keys, c)))
_REGISTRY[collections.OrderedDict] = _NodeType(
    "OrderedDict", _flatten_ordered, lambda keys, c: collections.OrderedDict(zip(keys, c)))
_REGISTRY[collections.defaultdict] = _NodeType(
    "defaultdict", _flatten_defaultdict, _unflatten_defaultdict)
_REGISTRY[type(None)] = _NodeType("None", lambda _: ([], None), lambda _, c: None)

_NAMEDTUPLE = _NodeType("namedtuple", lambda t: (list(t), None), None)


def _is_namedtuple_type(cls):
    return issubclass(cls, tuple) and hasattr(cls, "_fields") and hasattr(cls, "_make")


_TYPE_CACHE = {}  # class -> _NodeType or None; cleared by every registration


def _node_type(cls):
    try:
        return _TYPE_CACHE[cls]
    except KeyError:
        pass
    entry = _REGISTRY.get(cls)
    if entry is None and _is_namedtuple_type(cls):
        entry = _NAMEDTUPLE
    _TYPE_CACHE[cls] = entry
    return entry


def is_node(value: Any) -> bool:
    """True if ``value`` is a container (a pytree node), False if it is a leaf."""
    return _node_type(type(value)) is not None


def register_pytree_node(nodetype: Type[NodeT], flatten_func: FlattenFunc[NodeT],
                         unflatten_func: UnflattenFunc[NodeT]) -> Type[NodeT]:
    """Make instances of ``nodetype`` pytree containers.

    Args:
      nodetype: the class to register.
      flatten_func: ``node -> (children, aux_data)``; ``children`` is an iterable of
        subtrees and ``aux_data`` hashable metadata kept in the treedef.
      unflatten_func: ``(aux_data, children) -> node``.

    Returns:
      ``nodetype``, so the call can be used on a class right after its definition.

    Example:
      >>> import s2sad
      >>> class Pair:
      ...     def __init__(self, a, b):
      ...         self.a, self.b = a, b
      >>> _ = s2sad.register_pytree_node(
      ...     Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
      >>> s2sad.pytree.tree_leaves(Pair(1.0, [2.0, 3.0]))
      [1.0, 2.0, 3.0]
    """
    if not isinstance(nodetype, type):
        raise TypeError("register_pytree_node expects a class, got %r" % (nodetype,))
    if nodetype in _REGISTRY:
        raise ValueError("%s is already registered as a pytree node" % nodetype.__qualname__)
    if not callable(flatten_func) or not callable(unflatten_func):
        raise TypeError("register_pytree_node expects callables flatten_func(node) -> "
                        "(children, aux) and unflatten_func(aux, children)")
    _REGISTRY[nodetype] = _NodeType(nodetype.__qualname__, flatten_func, unflatten_func)
    _TYPE_CACHE.clear()
    return nodetype


def register_dataclass(nodetype: Type[NodeT], data_fields: Optional[Sequence[str]] = None,
                       meta_fields: Optional[Sequence[str]] = None) -> Type[NodeT]:
    """Register a dataclass as a pytree whose leaves are its ``data_fields``.

    Args:
      nodetype: a dataclass (or any class whose constructor accepts every field as a
        keyword argument).
      data_fields: names of the fields that hold arrays (differentiated, flattened).
      meta_fields: names of static fields, kept in the treedef and copied unchanged
        into gradients. When both lists are omitted they are read from
        ``dataclasses.fields``: a field with ``metadata={"static": True}`` is a meta
        field, every other field a data field.

    Returns:
      ``nodetype``, so this function also works as a class decorator.

    Example:
      >>> import dataclasses
      >>> import numpy as np
      >>> import s2sad
      >>> @dataclasses.dataclass
      ... class Linear:
      ...     w: np.ndarray
      ...     b: np.ndarray
      ...     name: str = "layer"
      >>> _ = s2sad.register_dataclass(Linear, data_fields=["w", "b"], meta_fields=["name"])
      >>> len(s2sad.pytree.tree_leaves(Linear(np.ones(2), np.zeros(1))))
      2
    """
    if data_fields is None and meta_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            name = getattr(nodetype, "__name__", nodetype)
            raise TypeError("register_dataclass(%s) needs data_fields and meta_fields "
                            "because it is not a dataclass" % name)
        fields = [f for f in dataclasses.fields(nodetype) if f.init]
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    elif data_fields is None or meta_fields is None:
        raise TypeError("register_dataclass needs both data_fields and meta_fields "
                        "(or neither, to read them from the dataclass)")
    data_fields = tuple(data_fields)
    meta_fields = tuple(meta_fields)
    overlap = set(data_fields) & set(meta_fields)
    if overlap:
        raise ValueError("fields %s are listed as both data and meta fields" % sorted(overlap))
    if dataclasses.is_dataclass(nodetype):
        known = {f.name for f in dataclasses.fields(nodetype) if f.init}
        missing = known - set(data_fields) - set(meta_fields)
        unknown = (set(data_fields) | set(meta_fields)) - known
        if missing or unknown:
            raise ValueError(
                "register_dataclass(%s): data_fields + meta_fields must list every init "
                "field exactly once; missing %s, unknown %s"
                % (nodetype.__name__, sorted(missing), sorted(unknown)))

    def flatten_fn(node):
        children = [getattr(node, name) for name in data_fields]
        return children, tuple(getattr(node, name) for name in meta_fields)

    def unflatten_fn(meta, children):
        kwargs = dict(zip(data_fields, children))
        kwargs.update(zip(meta_fields, meta))
        return nodetype(**kwargs)

    return register_pytree_node(nodetype, flatten_fn, unflatten_fn)


class PyTreeDef:
    """The structure of a pytree: its containers, keys and metadata, without leaves.

    A leaf is a ``PyTreeDef`` whose ``node_type`` is None.  Instances are immutable,
    hashable when their metadata is, and compare equal when the structures are the same.
    """

    __slots__ = ("node_type", "node_data", "children", "num_leaves", "_cls")

    def __init__(self, cls: Optional[type], node_type: Optional[_NodeType], node_data: Any,
                 children: Iterable["PyTreeDef"]) -> None:
        self._cls = cls
        self.node_type = node_type
        self.node_data = node_data
        self.children = tuple(children)
        self.num_leaves = 1 if node_type is None else sum(c.num_leaves for c in self.children)

    @property
    def is_leaf(self) -> bool:
        return self.node_type is None

    @property
    def num_nodes(self) -> int:
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        """Rebuild a tree of this structure from ``leaves``."""
        return unflatten(self, leaves)

    def _key(self):
        return (self._cls, self.node_data, self.children)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        try:
            return self._key() == other._key()
        except Exception:  # metadata whose == raises or is ambiguous (arrays)
            return False

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "PyTreeDef(%s)" % self._describe()

    def _describe(self):
        if self.node_type is None:
            return "*"
        kids = [c._describe() for c in self.children]
        cls = self._cls
        if cls is tuple:
            return "(%s)" % (", ".join(kids) + ("," if len(kids) == 1 else ""))
        if cls is list:
            return "[%s]" % ", ".join(kids)
        if cls is type(None):
            return "None"
        if cls is dict:
            return "{%s}" % ", ".join("%r: %s" % (k, v) for k, v in zip(self.node_data, kids))
        if cls is collections.OrderedDict:
            return "OrderedDict({%s})" % ", ".join(
                "%r: %s" % (k, v) for k, v in zip(self.node_data, kids))
        if self.node_type is _NAMEDTUPLE:
            return "%s(%s)" % (cls.__name__, ", ".join(
                "%s=%s" % (f, v) for f, v in zip(cls._fields, kids)))
        meta = "" if self.node_data is None else "[%r]" % (self.node_data,)
        return "CustomNode(%s%s, [%s])" % (cls.__name__, meta, ", ".join(kids))


_LEAF = PyTreeDef(None, None, None, ())


def _flatten_into(tree, leaves, is_leaf):
    if is_leaf is not None and is_leaf(tree):
        leaves.append(tree)
        return _LEAF
    cls = type(tree)
    node_type = _node_type(cls)
    if node_type is None:
        leaves.append(tree)
        return _LEAF
    children, aux = node_type.flatten(tree)
    return PyTreeDef(cls, node_type, aux,
                     [_flatten_into(child, leaves, is_leaf) for child in children])


def flatten(tree: Any, is_leaf: Optional[Callable[[Any], bool]] = None
            ) -> Tuple[List[Any], PyTreeDef]:
    """Split ``tree`` into its list of leaves and its structure.

    Args:
      tree: any nested value.
      is_leaf: optional predicate; a subtree for which it returns True is a leaf.

    Returns:
      ``(leaves, treedef)``.

    Example:
      >>> from s2sad import pytree
      >>> leaves, treedef = pytree.flatten({"b": 2.0, "a": (1.0, None)})
      >>> leaves
      [1.0, 2.0]
      >>> treedef
      PyTreeDef({'a': (*, None), 'b': *})
    """
    leaves = []
    treedef = _flatten_into(tree, leaves, is_leaf)
    return leaves, treedef


def _build(treedef, it):
    if treedef.node_type is None:
        return next(it)
    children = [_build(child, it) for child in treedef.children]
    if treedef.node_type is _NAMEDTUPLE:
        return treedef._cls(*children)
    return treedef.node_type.unflatten(treedef.node_data, children)


def unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a tree of structure ``treedef`` from ``leaves`` (inverse of :func:`flatten`).

    Example:
      >>> from s2sad import pytree
      >>> _, treedef = pytree.flatten((1.0, [2.0]))
      >>> pytree.unflatten(treedef, [10.0, 20.0])
      (10.0, [20.0])
    """
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError("unflatten: %r expects %d leaves, got %d"
                         % (treedef, treedef.num_leaves, len(leaves)))
    return _build(treedef, iter(leaves))


def _leaves_into(tree, leaves):
    node_type = _node_type(type(tree))
    if node_type is None:
        leaves.append(tree)
    else:
        for child in node_type.flatten(tree)[0]:
            _leaves_into(child, leaves)


def tree_leaves(tree: Any, is_leaf: Optional[Callable[[Any], bool]] = None) -> List[Any]:
    """The leaves of ``tree``, in flattening order."""
    if is_leaf is not None:
        return flatten(tree, is_leaf)[0]
    leaves = []
    _leaves_into(tree, leaves)
    return leaves


def tree_structure(tree: Any, is_leaf: Optional[Callable[[Any], bool]] = None) -> PyTreeDef:
    """The :class:`PyTreeDef` of ``tree``."""
    return flatten(tree, is_leaf)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Optional[Callable[[Any], bool]] = None) -> Any:
    """Apply ``f`` leaf by leaf to ``tree`` and the trees in ``rest`` (same structure).

    Example:
      >>> from s2sad import pytree
      >>> pytree.tree_map(lambda a, b: a + b, {"x": 1.0, "y": [2.0]}, {"x": 10.0, "y": [20.0]})
      {'x': 11.0, 'y': [22.0]}
    """
    leaves, treedef = flatten(tree, is_leaf)
    others = []
    for other in rest:
        other_leaves, other_def = flatten(other, is_leaf)
        if other_def != treedef:
            raise ValueError("tree_map: tree structures differ: %r vs %r" % (treedef, other_def))
        others.append(other_leaves)
    return unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def node_children(value: Any) -> Tuple[PyTreeDef, List[Any]]:
    """One level of flattening: ``(treedef_of_this_node_only, children)``.

    The returned treedef has leaf placeholders for children and rebuilds the node with
    :func:`rebuild_node`.  ``value`` must be a node (see :func:`is_node`).
    """
    cls = type(value)
    node_type = _node_type(cls)
    children, aux = node_type.flatten(value)
    children = list(children)
    return PyTreeDef(cls, node_type, aux, [_LEAF] * len(children)), children


def rebuild_node(node: PyTreeDef, children: Sequence[Any]) -> Any:
    """Rebuild a one-level node from :func:`node_children` with new ``children``."""
    if node.node_type is _NAMEDTUPLE:
        return node._cls(*children)
    return node.node_type.unflatten(node.node_data, list(children))


def node_keys(node: PyTreeDef) -> Optional[Tuple[Hashable, ...]]:
    """The keys of a dict-like one-level node (None for sequences and custom nodes)."""
    if node._cls in (dict, collections.OrderedDict):
        return node.node_data
    if node._cls is collections.defaultdict:
        return node.node_data[1]
    return None
