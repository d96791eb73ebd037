"""The folders of s2sad are its layers, and imports only go down (ARCHITECTURE.md).

Reads every module of the installed (or work-tree) package with :mod:`ast`, so it
checks what is shipped, and fails when

* a module imports from a layer above its own;
* an import of s2sad's own modules sits inside a function (such imports hide cycles);
* the module-level imports form a cycle;
* a module is longer than the house limit (a flat rule table may be longer);
* a folder is not a package (no ``__init__.py``: a wheel would leave it out).
"""
import ast
from pathlib import Path

import pytest

import s2sad

ROOT = Path(s2sad.__file__).resolve().parent

#: top to bottom; a module may import its own layer and the layers below it
LAYERS = [
    ("front", ["s2sad", "s2sad.__main__", "s2sad.cli", "s2sad.testing"]),
    ("api", ["s2sad.api"]),
    ("compiler", ["s2sad.compiler"]),
    ("transforms", ["s2sad.transforms"]),
    ("rules", ["s2sad.rules"]),
    ("runtime", ["s2sad.runtime"]),
    ("base", ["s2sad.errors", "s2sad.pytree", "s2sad.syntax", "s2sad._version"]),
]
MAX_LINES = 600
#: flat tables of declarative rules, exempt from the length limit
FLAT_TABLES = set()


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _layer(module):
    """Index of ``module``'s layer in :data:`LAYERS` (the longest matching prefix)."""
    best, index = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), i
    return index


def _imports(module):
    """``(target module, line, inside a function)`` of each import of s2sad's modules."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[:len(package.split(".")) - child.level + 1]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                if source == "s2sad" or source.startswith("s2sad."):
                    for alias in child.names:
                        target = source + "." + alias.name
                        found.append((target if target in MODULES else source, child.lineno,
                                      in_function))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "s2sad" or alias.name.startswith("s2sad."):
                        found.append((alias.name, child.lineno, in_function))
            visit(child, nested)

    visit(ast.parse(path.read_text()), False)
    return found


def test_every_module_has_a_layer():
    assert len(MODULES) > 40
    assert [m for m in MODULES if _layer(m) is None] == []


def test_every_folder_is_a_package():
    folders = {p.parent for p in ROOT.rglob("*.py")}
    assert [str(f) for f in folders if not (f / "__init__.py").exists()] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    mine = _layer(module)
    upward = ["%s:%d imports %s (layer %s, above %s)" % (
        module, line, target, LAYERS[_layer(target)][0], LAYERS[mine][0])
        for target, line, _ in _imports(module) if _layer(target) < mine]
    assert upward == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_of_s2sad_inside_a_function(module):
    inner = ["%s:%d imports %s inside a function" % (module, line, target)
             for target, line, in_function in _imports(module) if in_function]
    assert inner == []


def test_no_import_cycle():
    graph = {m: sorted({t for t, _, inner in _imports(m) if not inner and t != m})
             for m in MODULES}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in graph.get(node, []):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in FLAT_TABLES))
def test_modules_stay_short(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, "%s has %d lines (limit %d)" % (module, lines, MAX_LINES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_has_a_contract_docstring(module):
    tree = ast.parse(MODULES[module].read_text())
    doc = ast.get_docstring(tree)
    if module.endswith("__main__"):
        return
    assert doc and len(doc) > 40, module
