"""Static typing of the public API: the ``py.typed`` marker and ``mypy --strict``.

``typing_user_script.py`` (next to this file) is a user's script; mypy checks it the
way a user's project sees an installed s2sad: the package is found through the
interpreter's ``sys.path`` (``PYTHONPATH`` is set to the directory holding the ``s2sad``
package this test imported), not through ``MYPYPATH``, so mypy only uses it because of
``py.typed`` and reports no errors from inside s2sad, only from the script. A second,
inline script misuses the API line by line; mypy must flag exactly those lines, which
proves the hints are not all ``Any``. Both scripts run in one mypy process, in a
temporary directory with an empty config file (no project or user configuration).

Everything is located from ``__file__`` and ``s2sad.__file__``, so the test also runs
when ``tests/`` is copied elsewhere and s2sad is installed.
"""
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import s2sad
import s2sad.errors
import s2sad.pytree
import s2sad.testing

HERE = Path(__file__).resolve().parent
USER_SCRIPT = HERE / "typing_user_script.py"
PACKAGE_DIR = Path(s2sad.__file__).resolve().parent
SEARCH_ROOT = PACKAGE_DIR.parent  # the directory mypy finds the s2sad package in

#: Misuses, one per line, each marked with the error code mypy must report there
#: (``a|b``: the code differs between mypy versions).
MISUSE = '''\
from typing import Any

import numpy as np
import numpy.typing as npt

import s2sad
from s2sad.testing import check_grads

Array = npt.NDArray[np.float64]


def f(x: Array) -> Any:
    return np.sum(x * x)


def misuse(x: Array, flag: bool) -> None:
    s2sad.grad(3)  # E: arg-type
    s2sad.grad(f, argnums="x")  # E: arg-type
    s2sad.grad(f, argnum=0)  # E: call-arg
    s2sad.grad(f, 0, False, False, False, True)  # E: call-arg|misc
    s2sad.value_and_grad(f, has_aux="yes")  # E: arg-type
    s2sad.hessian(f, allow_int=True)  # E: call-arg
    s2sad.jacfwd(f, chunk_size="2")  # E: arg-type
    s2sad.jacrev(f, argnums=(0, "1"))  # E: arg-type
    s2sad.jvp(f, x, x)  # E: call-overload
    out_a, t_a = s2sad.jvp(f, (x,), (x,), has_aux=True)  # E: misc
    out_b, pullback_b = s2sad.vjp(f, x, has_aux=True)  # E: misc
    out_c, pullback_c = s2sad.vjp(f, x, has_aux=flag)  # E: misc
    out_d, pullback_d = s2sad.vjp(f, x)
    pullback_d(x, x)  # E: call-arg
    out_e, f_jvp_e = s2sad.linearize(f, x, has_aux=True)  # E: misc
    text: int = s2sad.source(f)  # E: assignment
    s2sad.source(f, mode=1)  # E: arg-type
    s2sad.register_dataclass("Layer")  # E: arg-type
    check_grads(f, (x,), order="1")  # E: arg-type
    s2sad.clear_cache(1)  # E: call-arg|misc
'''

_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<kind>error|note): (?P<msg>.*?)"
                   r"(?:  \[(?P<code>[a-z0-9-]+)\])?$")


def _env():
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SEARCH_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A directory outside the source tree with both scripts and an empty mypy config."""
    tmp = tmp_path_factory.mktemp("typing")
    shutil.copy(USER_SCRIPT, tmp / USER_SCRIPT.name)
    (tmp / "misuse.py").write_text(MISUSE)
    (tmp / "mypy.ini").write_text("[mypy]\n")
    return tmp


@pytest.fixture(scope="module")
def mypy_report(workdir):
    """``(returncode, output, {file: [(line, kind, message, code)]})`` of one mypy run."""
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is not installed; it is part of the test extra: "
                    "pip install -e '.[test]' (or pip install mypy)")
    cmd = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--strict",
           "--no-incremental", "--cache-dir", str(workdir / ".mypy_cache"),
           "--show-error-codes", "--no-color-output", "--no-pretty",
           USER_SCRIPT.name, "misuse.py"]
    proc = subprocess.run(cmd, cwd=str(workdir), env=_env(), capture_output=True, text=True,
                          timeout=600)
    output = proc.stdout + proc.stderr
    found = {}
    for line in proc.stdout.splitlines():
        m = _LINE.match(line)
        if m:
            found.setdefault(m["file"], []).append(
                (int(m["line"]), m["kind"], m["msg"], m["code"]))
    return proc.returncode, output, found


def test_py_typed_marker():
    marker = PACKAGE_DIR / "py.typed"
    assert marker.is_file(), "%s is missing (PEP 561 marker; ship it as package data)" % marker
    assert "partial" not in marker.read_text(), "s2sad is typed inline, not a partial stub"


def test_user_script_passes_mypy_strict(mypy_report):
    returncode, output, found = mypy_report
    assert returncode in (0, 1), "mypy did not run to completion:\n" + output
    errors = [e for e in found.get(USER_SCRIPT.name, []) if e[1] == "error"]
    assert not errors, ("mypy --strict reports errors in %s:\n%s"
                        % (USER_SCRIPT.name, output))
    # notes may point at s2sad's definitions ("grad" defined here), errors may not
    elsewhere = sorted(name for name, reports in found.items()
                       if name not in (USER_SCRIPT.name, "misuse.py")
                       and any(kind == "error" for _, kind, _, _ in reports))
    assert not elsewhere, ("mypy reports errors outside the scripts (inside s2sad?): %s\n%s"
                           % (elsewhere, output))


def test_misuse_is_caught(mypy_report):
    returncode, output, found = mypy_report
    assert returncode == 1, "mypy should fail on misuse.py:\n" + output
    expected = {}
    for number, text in enumerate(MISUSE.splitlines(), 1):
        if "# E: " in text:
            expected[number] = set(text.split("# E: ")[1].strip().split("|"))
    got = {}
    for line, kind, _, code in found.get("misuse.py", []):
        if kind == "error":
            got.setdefault(line, set()).add(code)
    missed = {n: c for n, c in expected.items() if not c & got.get(n, set())}
    unexpected = {n: c for n, c in got.items() if n not in expected}
    assert not missed and not unexpected, (
        "misuse.py: errors expected but not reported (line: code) %s; reported on unmarked "
        "lines %s\n%s" % (missed, unexpected, output))


def test_user_script_runs(workdir):
    proc = subprocess.run([sys.executable, USER_SCRIPT.name], cwd=str(workdir), env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "typing user script: ok" in proc.stdout


# --- every public signature is fully annotated ----------------------------------------


def _public_functions():
    """``(name, function)`` for every public function and method of the namespaces."""
    for module in (s2sad, s2sad.testing, s2sad.pytree):
        declared = typing.get_type_hints(module)  # module-level annotations (clear_cache)
        for name in module.__all__:
            value = getattr(module, name)
            qualified = "%s.%s" % (module.__name__, name)
            if inspect.ismodule(value) or name in declared:
                continue
            if inspect.isclass(value):
                if issubclass(value, BaseException):
                    continue  # test_error_classes_annotated
                yield from _methods(value, qualified)
            elif callable(value):
                yield qualified, value


def _methods(cls, qualified):
    for name, value in vars(cls).items():
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        if isinstance(value, property):
            value = value.fget
        if (inspect.isfunction(value) and value.__module__ == cls.__module__
                and value.__qualname__.startswith(cls.__qualname__ + ".")):
            yield "%s.%s" % (qualified, name), value


def _unannotated(fun):
    """The parts of ``fun``'s signature without annotations."""
    typing.get_type_hints(fun)  # the annotations evaluate (on every supported Python)
    sig = inspect.signature(fun)
    missing = [p.name for i, p in enumerate(sig.parameters.values())
               if p.annotation is p.empty and not (i == 0 and p.name in ("self", "cls"))]
    if sig.return_annotation is sig.empty and fun.__name__ != "__init__":
        missing.append("return")
    return missing


def test_public_signatures_annotated():
    functions = dict(_public_functions())
    for name in ("s2sad.grad", "s2sad.vjp", "s2sad.jvp", "s2sad.testing.check_grads",
                 "s2sad.register_pytree_node", "s2sad.pytree.PyTreeDef.__eq__"):
        assert name in functions, name
    assert "clear_cache" in typing.get_type_hints(s2sad) or "s2sad.clear_cache" in functions
    missing = {name: m for name, m in functions.items() if _unannotated(m)}
    assert not missing, "public functions with unannotated parameters or returns: %s" % {
        name: _unannotated(m) for name, m in missing.items()}


def test_error_classes_annotated():
    missing = {}
    for name in dir(s2sad.errors):
        cls = getattr(s2sad.errors, name)
        if inspect.isclass(cls) and issubclass(cls, BaseException) \
                and cls.__module__ == s2sad.errors.__name__:
            for qualified, method in _methods(cls, name):
                if _unannotated(method):
                    missing[qualified] = _unannotated(method)
    assert not missing, missing
