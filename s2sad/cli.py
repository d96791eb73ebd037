"""The ``s2sad`` command line (also ``python -m s2sad``).

Responsibility: load a function from a file and either print its generated
derivative (``show``) or compare it with finite differences (``check``)::

    s2sad [--version] [--traceback] COMMAND ...
    s2sad show FILE.py:FUNC [--mode MODE] [--argnums 0,1] [--no-optimize] [--shapes 3,4 4]
    s2sad check FILE.py:FUNC --shapes 3,4 4 [--mode MODE] [--argnums 0] [--seed 0]
                             [--rtol 1e-5] [--atol 1e-6] [--eps 1e-6]

Contract:

* ``--mode`` is one of :data:`_MODES` (the modes of :func:`s2sad.source`) for both
  commands; what each prints or checks is in ``_SHOW_MODES_HELP`` / ``_CHECK_MODES_HELP``
  (the ``--help`` text).  ``check`` draws its inputs from ``--seed``.
* ``--shapes`` gives one shape per positional parameter; more shapes than parameters,
  or fewer than the parameters without a default, is an error (both commands).
* Exit status: 0 on success, 1 when ``check`` finds a mismatch, 2 on an error.
  Errors print one line on stderr and no traceback (``--traceback``, before or after
  the command, prints it): ``FILE:LINE: what happened; how to fix it`` for a problem in
  the user's file; ``s2sad: ...`` for a problem of s2sad itself (a bug, or a broken
  installation: a missing ``s2sad.*`` module); a module the file imports that is not
  installed is named, with the importing line and ``sys.executable``.
* This module uses only s2sad's public names, ``s2sad.errors`` and ``s2sad.testing``.
"""
import argparse
import importlib.util
import inspect
import os
import sys
import traceback
from typing import Optional, Sequence

import numpy as np

import s2sad
from . import testing
from .errors import InternalError, MissingRuleError, S2SADError, UnsupportedSyntaxError

__all__ = ["main"]

_MODES = ("grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian")
_SHAPED_MODES = ("grad", "value_and_grad")  # the modes show --shapes can specialise
# exception types that, raised by s2sad's own code, mean a bug in s2sad (ValueError and
# TypeError are how s2sad reports bad usage, so they are not among them)
_BUG_TYPES = (AssertionError, AttributeError, LookupError, NameError, RecursionError)
_PACKAGE_DIR = os.path.dirname(os.path.realpath(s2sad.__file__))

_SHOW_MODES_HELP = """\
what --mode prints:
  grad, value_and_grad  the joint reverse sweep (one function)
  vjp, jacrev           the split sweeps f_forward / f_backward (jacrev: batched)
  jvp, jacfwd           the forward-mode function jvp_f(*args, *tangents)
  linearize             the split forward pair f_linearize / f_tangent
  hessian               the forward-mode function of the generated gradient"""

_CHECK_MODES_HELP = """\
what --mode compares (u, v: random directions; FD: central finite differences):
  grad            <v, vjp(u)> against <FD of f along v, u> (any output; the default)
  value_and_grad  the value and the gradient, entry by entry, against FD (scalar f)
  vjp             s2sad.vjp's gradient of <u, f>, entry by entry, against FD
  jvp, linearize  the output tangent along a random v (one per argument) against FD
  jacrev, jacfwd  the whole Jacobian, entry by entry, against FD
  hessian         the Hessian times a random v against FD along v of s2sad.grad
                  (of s2sad.jacrev for an array output)
The entry-by-entry modes call f twice per input entry: keep --shapes small.
An argument passes when |s2sad - FD| <= atol + rtol * |FD| at every entry; the
report gives the max abs error and the max rel error (max abs error / max |FD|).
The step is eps * max(1, |x|)."""


class CLIError(Exception):
    """An error reported as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("%s: error: %s; run '%s --help' for usage\n"
                         % (self.prog, message, self.prog))
        sys.exit(2)


def _build_parser():
    parser = _Parser(
        prog="s2sad", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Source-to-source automatic differentiation: print or check the\n"
        "derivative of a Python function.",
        epilog="examples:\n  s2sad show model.py:loss --mode jvp\n"
        "  s2sad show model.py:loss --shapes 3 4,3\n"
        "  s2sad check model.py:loss --shapes 3 4,3 --mode hessian\n\n"
        "exit status: 0 success, 1 check found a mismatch, 2 error (one line on stderr).")
    parser.add_argument("--version", action="version", version="s2sad " + s2sad.__version__,
                        help="print 's2sad VERSION' and exit")
    traceback_help = "on an error, print the full Python traceback instead of one line"
    parser.add_argument("--traceback", action="store_true", help=traceback_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name, help, description, epilog=None):
        p = sub.add_parser(name, help=help, description=description, epilog=epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("target", metavar="FILE.py:FUNC",
                       help="the file and the function in it, as in model.py:loss")
        # SUPPRESS: absent here, the flag keeps the value given before the command
        p.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                       help=traceback_help)
        return p

    show = command("show", "print the generated derivative source",
                   "Print the Python source s2sad generates for the derivative of FUNC.",
                   _SHOW_MODES_HELP)
    show.add_argument("--mode", default="grad", choices=_MODES, metavar="MODE",
                      help="which derivative to generate: %s (default: grad; see below)"
                      % ", ".join(_MODES))
    show.add_argument("--argnums", default="0",
                      help="comma-separated positions of the differentiated arguments "
                      "(default: 0)")
    show.add_argument("--no-optimize", action="store_true",
                      help="show the code before optimisation")
    show.add_argument("--shapes", nargs="+", metavar="SHAPE",
                      help="modes grad and value_and_grad: print the code specialised for "
                      "arguments of these shapes, as s2sad.grad runs it; one shape per "
                      "positional parameter ('3,4' for a 3x4 array, 'scalar' for a float)")

    check = command("check", "compare the derivative with finite differences at random "
                    "inputs", "Differentiate FUNC at random inputs of --shapes and compare "
                    "with central\nfinite differences; exit 1 on a mismatch.",
                    _CHECK_MODES_HELP)
    check.add_argument("--shapes", nargs="+", required=True, metavar="SHAPE",
                       help="one shape per positional parameter: '3,4' for a 3x4 array, "
                       "'3' for a vector, 'scalar' (or '()') for a float")
    check.add_argument("--mode", default="grad", choices=_MODES, metavar="MODE",
                       help="which transform to check: %s (default: grad; see below)"
                       % ", ".join(_MODES))
    check.add_argument("--argnums", default=None,
                       help="comma-separated positions to check (default: all)")
    check.add_argument("--seed", type=int, default=0,
                       help="seed of the inputs and directions (default: 0)")
    check.add_argument("--rtol", type=float, default=1e-5,
                       help="relative tolerance (default: 1e-5)")
    check.add_argument("--atol", type=float, default=1e-6,
                       help="absolute tolerance (default: 1e-6)")
    check.add_argument("--eps", type=float, default=1e-6,
                       help="relative finite-difference step (default: 1e-6)")
    return parser


# --- loading -------------------------------------------------------------------------

def _split_target(target):
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise CLIError("%s: expected FILE.py:FUNC; name the file and the function, as in "
                       "model.py:loss" % target)
    return path, name


def _frame_in(tb, path):
    """The last frame of traceback ``tb`` that lies in ``path`` (or None)."""
    found = None
    real = os.path.realpath(path)
    for frame in traceback.extract_tb(tb):
        if os.path.realpath(frame.filename) == real:
            found = frame
    return found


def _raised_by_s2sad(error):
    """Whether the innermost Python frame of ``error``'s traceback is s2sad's own code
    (generated derivatives live in a cache directory, not in the package)."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and os.path.realpath(frames[-1].filename).startswith(
        _PACKAGE_DIR + os.sep)


def _is_s2sad_module(name):
    return name == "s2sad" or name.startswith("s2sad.")


def _broken_install(module, when):
    return ("s2sad: the s2sad installation is broken: its module %r is missing (%s); "
            "reinstall s2sad into this Python (%s -m pip install --force-reinstall s2sad, or "
            "pip install -e . in a source checkout; s2sad is loaded from %s)"
            % (module, when, sys.executable, _PACKAGE_DIR))


def _import_problem(error, path, stem):
    """The message for an ImportError raised while importing the user's file that is
    not the file's own fault, or None (then it is reported as an error of the file)."""
    name = getattr(error, "name", None)
    if not name or name.split(".")[0] == stem:
        return None
    frame = _frame_in(error.__traceback__, path)
    base = os.path.basename(path)
    if _is_s2sad_module(name):
        if isinstance(error, ModuleNotFoundError) or _raised_by_s2sad(error):
            return _broken_install(name, "%s imports it%s" % (
                base, "" if frame is None else " at line %d" % frame.lineno))
        return None  # from s2sad import no_such_name, in the user's file
    if not isinstance(error, ModuleNotFoundError):
        return None
    top = name.split(".")[0]
    try:
        has_top = top != name and importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        has_top = False
    if has_top:
        what = "the installed package %r has no module %r" % (top, name)
        fix = "check the name, or install the version of %r that has it" % top
    else:
        what = "the module %r is not installed in this interpreter (%s)" % (
            name, sys.executable)
        fix = ("install it (%s -m pip install ...) or run s2sad with the Python that has it"
               % sys.executable)
    if frame is None:
        return "%s: %s; %s imports it; %s" % (path, what, base, fix)
    return "%s:%d: %s; %s imports it at line %d (%s); %s" % (
        path, frame.lineno, what, base, frame.lineno, frame.line, fix)


def _load(target):
    path, name = _split_target(target)
    if not os.path.isfile(path):
        raise CLIError("%s: no such file; check the path before ':'" % path)
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    stem = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(stem, path)
    if spec is None or spec.loader is None:
        raise CLIError("%s: cannot load this file as Python; give a .py file" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:  # in the file, or in a module of the user's it imports
        raise CLIError("%s:%s: syntax error: %s; fix the file and run again"
                       % (e.filename or path, e.lineno, e.msg)) from None
    except Exception as e:  # the file raised while being imported
        problem = _import_problem(e, path, stem) if isinstance(e, ImportError) else None
        if problem is not None:
            raise CLIError(problem) from None
        line = getattr(_frame_in(e.__traceback__, path), "lineno", None)
        raise CLIError("%s%s: importing the file raised %s: %s; fix the file so that it "
                       "imports cleanly" % (path, "" if line is None else ":%d" % line,
                                            type(e).__name__, _first_line(e))) from None
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            defined = sorted(k for k, v in vars(module).items()
                             if callable(v) and getattr(v, "__module__", None) == stem)
            raise CLIError("%s: no function %r in this file%s; check the name after ':'"
                           % (path, name, " (it defines: %s)" % ", ".join(defined)
                              if defined else ""))
        obj = getattr(obj, part)
    if not callable(obj):
        raise CLIError("%s: %r is a %s, not a function; name a function after ':'"
                       % (path, name, type(obj).__name__))
    return path, obj


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _parse_ints(text, what):
    try:
        return tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise CLIError("%s %r: expected comma-separated integers, as in 0,1"
                       % (what, text)) from None


def _parse_shape(text):
    if text.strip() in ("", "()", "scalar"):
        return ()
    shape = _parse_ints(text.strip("()"), "--shapes")
    if any(n < 0 for n in shape):
        raise CLIError("--shapes %r: dimensions must be non-negative" % text)
    return shape


def _argnums(text):
    nums = _parse_ints(text, "--argnums")
    if not nums:
        raise CLIError("--argnums %r: name at least one argument, as in 0 or 0,1" % text)
    return nums[0] if len(nums) == 1 else nums


def _parameters(fun):
    """``(names of the positional parameters, how many have no default, takes *args)``,
    or None when the signature cannot be read."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return ([p.name for p in positional], sum(p.default is p.empty for p in positional),
            any(p.kind == p.VAR_POSITIONAL for p in params))


def _shapes(texts, path, fun):
    """The shapes of ``--shapes``, checked against ``fun``'s positional parameters."""
    shapes = [_parse_shape(s) for s in texts]
    found = _parameters(fun)
    if found is None:
        return shapes
    names, required, star = found
    name = _fun_name(fun)
    listed = " (%s)" % ", ".join(names) if names else ""
    many = len(shapes) > len(names) and not star
    if many or len(shapes) < required:
        n = len(names) if many else required
        raise CLIError("%s: --shapes gives %d shape%s, but %s %s %d positional parameter%s%s"
                       "%s; give one shape per parameter" % (
                           _function_location(path, fun), len(shapes),
                           "" if len(shapes) == 1 else "s", name, "takes" if many else "needs",
                           n, "" if n == 1 else "s", "" if many else " without a default",
                           listed))
    return shapes


# --- error formatting ----------------------------------------------------------------

def _fun_name(fun):
    return getattr(fun, "__name__", None) or repr(fun)


def _function_location(path, fun):
    code = getattr(fun, "__code__", None)
    return "%s:%d" % (path, code.co_firstlineno) if code is not None else path


def _as_cli_error(error, path, fun, hint=""):
    """The one-line report of ``error``, raised while s2sad differentiated ``fun``."""
    doing = "while differentiating %s (%s)" % (_fun_name(fun), _function_location(path, fun))
    if isinstance(error, ImportError) and _is_s2sad_module(getattr(error, "name", "") or ""):
        return CLIError(_broken_install(error.name, "needed " + doing))
    if isinstance(error, InternalError) or (isinstance(error, _BUG_TYPES)
                                            and not isinstance(error, S2SADError)
                                            and _raised_by_s2sad(error)):
        return CLIError("s2sad: internal error %s: %s: %s; this is a bug in s2sad, not in "
                        "your file: rerun with --traceback and report it"
                        % (doing, type(error).__name__, _first_line(error)))
    if isinstance(error, UnsupportedSyntaxError):
        message = error.msg if error.hint else (
            error.msg + "; rewrite it with supported constructs")
        return CLIError("%s:%s: %s" % (error.filename, error.lineno, message))
    if isinstance(error, MissingRuleError):
        where = error.where.split(" ")[0] if error.where else path
        return CLIError("%s: %s" % (where, _first_line(error)))
    if isinstance(error, S2SADError):
        return CLIError("%s: %s" % (_function_location(path, fun), _first_line(error)))
    line = getattr(_frame_in(error.__traceback__, path), "lineno", None)
    where = "%s:%d" % (path, line) if line is not None else _function_location(path, fun)
    text = _first_line(error)
    if hint and not _raised_by_s2sad(error):  # s2sad's own messages say what to do
        text = text.rstrip(".") + hint
    return CLIError("%s: %s: %s" % (where, type(error).__name__, text))


# --- show ----------------------------------------------------------------------------

def _show(args):
    path, fun = _load(args.target)
    argnums = _argnums(args.argnums)
    options = {"optimize": not args.no_optimize}
    if args.shapes:
        if args.no_optimize:
            raise CLIError("--shapes shows the optimised, specialised code; drop "
                           "--no-optimize")
        if args.mode not in _SHAPED_MODES:
            raise CLIError("--shapes specialises the code of --mode grad or value_and_grad, "
                           "not %s; drop --shapes or change --mode" % args.mode)
        options = {"shapes": tuple(float if s == () else s
                                   for s in _shapes(args.shapes, path, fun))}
    try:
        text = s2sad.source(fun, mode=args.mode, argnums=argnums, **options)
    except Exception as e:
        raise _as_cli_error(e, path, fun) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


# --- check: finite differences -------------------------------------------------------

def _leaves(tree):
    """The array leaves of an output: tuples, lists and dicts (in sorted key order, as
    s2sad flattens them) are containers, None is empty."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _leaves(tree[key])]
    return [] if tree is None else [np.asarray(tree)]


def _map(fn, tree):
    if isinstance(tree, (tuple, list)):
        items = [_map(fn, item) for item in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, dict):
        return type(tree)((key, _map(fn, value)) for key, value in tree.items())
    return None if tree is None else fn(tree)


def _random_like(x, rng):
    value = rng.standard_normal(np.shape(x))
    return float(value) if isinstance(x, float) else value


def _call(f, args):
    """``f(*args)`` on copies (``f`` may write into its arguments)."""
    return f(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])


def _step(eps, xs):
    return eps * max([1.0] + [float(np.max(np.abs(x))) for x in xs if np.size(x)])


def _fd(f, args, dirs, h):
    """The leaves of the central difference of ``f`` along ``dirs`` (position ->
    direction) with step ``h``."""
    plus = [a + h * dirs[i] if i in dirs else a for i, a in enumerate(args)]
    minus = [a - h * dirs[i] if i in dirs else a for i, a in enumerate(args)]
    return [(p - m) / (2.0 * h) for p, m in zip(_leaves(_call(f, plus)),
                                                 _leaves(_call(f, minus)))]


def _fd_jacobian(f, args, i, eps):
    """Leaves ``out.shape + x.shape`` of the Jacobian of ``f`` in ``x = args[i]``, entry by
    entry, the step relative to each entry."""
    x = args[i]
    outs = _leaves(_call(f, args))
    columns = []
    for k in np.ndindex(np.shape(x)):
        e = np.zeros(np.shape(x))
        e[k] = 1.0
        columns.append(_fd(f, args, {i: e if np.ndim(x) else 1.0},
                           _step(eps, [np.asarray(x)[k]])))
    return [np.stack([c[j] for c in columns], axis=-1).reshape(np.shape(o) + np.shape(x))
            if columns else np.zeros(np.shape(o) + np.shape(x)) for j, o in enumerate(outs)]


def _row(label, got, want, args, detail=""):
    """``(label, max abs error, max rel error, ok, detail)`` comparing two leaf lists."""
    got, want = _leaves(got), _leaves(want)
    if len(got) != len(want) or any(g.shape != w.shape for g, w in zip(got, want)):
        return (label, np.inf, np.inf, False, "s2sad gives shapes %s, finite differences %s"
                % ([g.shape for g in got], [w.shape for w in want]))
    errors = [np.where(np.isnan(g) & np.isnan(w), 0.0, np.abs(g - w)) for g, w in zip(got, want)]
    abs_err = max([float(np.max(e)) for e in errors if e.size] + [0.0])
    scale = max([float(np.max(np.abs(w))) for w in want if w.size] + [0.0])
    rel_err = abs_err / scale if scale > 0 else (0.0 if abs_err == 0 else np.inf)
    ok = all(np.allclose(g, w, rtol=args.rtol, atol=args.atol, equal_nan=True)
             for g, w in zip(got, want))
    return (label, abs_err, rel_err, ok, detail)


def _compare(mode, fun, inputs, value, wrt, labels, args):
    """The rows of the comparison of ``mode``'s derivative with finite differences."""
    rng = np.random.default_rng([args.seed, 1])
    if mode == "grad":  # s2sad.testing's check, as s2sad.testing.check_grads runs it
        try:
            _, found = testing.compare_vjp(fun, inputs, wrt, eps=_step(args.eps, inputs),
                                           rtol=args.rtol, atol=args.atol, seed=args.seed)
        except AssertionError as e:  # its report of a wrong forward sweep
            if not _raised_by_s2sad(e):
                raise
            return [("output value", np.inf, np.inf, False, _first_line(e))]
        return [(labels[r.argnum], r.error, r.error / abs(r.numeric) if r.numeric else
                 (0.0 if r.error == 0 else np.inf), r.ok, "<v, vjp(u)>: s2sad %.10g, "
                 "finite differences %.10g" % (r.analytic, r.numeric)) for r in found]
    rows = []

    def check_value(out):
        rows.insert(0, _row("output value", out, value, args, "against %s itself" % name))
    name = _fun_name(fun)
    if mode == "value_and_grad":
        out, grads = s2sad.value_and_grad(fun, argnums=tuple(wrt))(*inputs)
        check_value(out)
        for i, g in zip(wrt, grads):
            rows.append(_row(labels[i], g, _fd_jacobian(fun, inputs, i, args.eps), args))
    elif mode == "vjp":
        out, f_vjp = s2sad.vjp(fun, *inputs)
        check_value(out)
        u = _map(lambda leaf: _random_like(leaf, rng), out)
        grads = f_vjp(u)

        def inner(*a):
            return sum(float(np.vdot(x, y)) for x, y in zip(_leaves(u), _leaves(fun(*a))))
        for i in wrt:
            rows.append(_row(labels[i], grads[i], _fd_jacobian(inner, inputs, i, args.eps),
                             args, "gradient of <u, f> for a random u"))
    elif mode in ("jvp", "linearize"):
        out, f_jvp = (s2sad.linearize(fun, *inputs) if mode == "linearize" else (None, None))
        for i in wrt:
            v = _random_like(inputs[i], rng)
            tangents = [v if j == i else _map(lambda x: x * 0.0, a)
                        for j, a in enumerate(inputs)]
            if mode == "jvp":
                out, t_out = s2sad.jvp(fun, tuple(inputs), tuple(tangents))
            else:
                t_out = f_jvp(*tangents)
            want = _fd(fun, inputs, {i: v}, _step(args.eps, [inputs[i]]))
            rows.append(_row(labels[i], t_out, want, args, "tangent along a random v"))
        check_value(out)
    elif mode in ("jacrev", "jacfwd"):
        transform = s2sad.jacrev if mode == "jacrev" else s2sad.jacfwd
        for i in wrt:
            rows.append(_row(labels[i], transform(fun, argnums=i)(*inputs),
                             _fd_jacobian(fun, inputs, i, args.eps), args))
    else:  # hessian: H v against finite differences of s2sad.grad (jacrev) along v
        hess = s2sad.hessian(fun, argnums=tuple(wrt))(*inputs)
        dirs = {i: _random_like(inputs[i], rng) for i in wrt}
        first = s2sad.grad if np.ndim(value) == 0 else s2sad.jacrev  # array output: jacrev
        want = _fd(first(fun, argnums=tuple(wrt)), inputs, dirs,
                   _step(args.eps, [inputs[i] for i in wrt]))
        for a, i in enumerate(wrt):
            got = sum(np.tensordot(hess[a][b], dirs[j], axes=np.ndim(dirs[j]))
                      for b, j in enumerate(wrt))
            rows.append(_row(labels[i], got, want[a], args,
                             "Hessian times a random v, against finite differences of "
                             "s2sad.%s" % first.__name__))
    return rows


def _check(args):
    path, fun = _load(args.target)
    shapes = _shapes(args.shapes, path, fun)
    rng = np.random.default_rng(args.seed)
    inputs = tuple(float(rng.standard_normal()) if shape == () else rng.standard_normal(shape)
                   for shape in shapes)
    names = (_parameters(fun) or ([], 0, False))[0]
    labels = ["argument %d%s" % (i, " (%s)" % names[i] if i < len(names) else "")
              for i in range(len(inputs))]
    if args.argnums is None:
        wrt = list(range(len(inputs)))
    else:
        wrt = []
        for n in np.atleast_1d(_argnums(args.argnums)).tolist():
            if not -len(inputs) <= n < len(inputs):
                raise CLIError("--argnums %s: argument %d is out of range: --shapes gives "
                               "%d arguments" % (args.argnums, n, len(inputs)))
            if n % len(inputs) not in wrt:
                wrt.append(n % len(inputs))
    described = ", ".join("%s %s" % (names[i] if i < len(names) else "arg%d" % i,
                                     "scalar" if s == () else s) for i, s in enumerate(shapes))
    name = _fun_name(fun)
    print("s2sad check %s --mode %s at random inputs: %s (seed %d)"
          % (name, args.mode, described, args.seed))
    try:
        value = _call(fun, inputs)
        shapes_out = [leaf.shape for leaf in _leaves(value)]
        print("  output shape%s: %s" % ("" if len(shapes_out) == 1 else "s", ", ".join(
            map(str, shapes_out)) or "none"))
        rows = _compare(args.mode, fun, inputs, value, wrt, labels, args)
    except Exception as e:
        raise _as_cli_error(e, path, fun, "; check that --shapes fit the function "
                            "(one shape per positional argument)") from None
    for label, abs_err, rel_err, ok, detail in rows:
        print("  %s: max abs error %.2g, max rel error %.2g (rtol %.2g, atol %.2g) %s%s"
              % (label, abs_err, rel_err, args.rtol, args.atol, "ok" if ok else "MISMATCH",
                 "; " + detail if detail else ""))
    if all(row[3] for row in rows):
        print("OK: the %s of %s agrees with finite differences." % (args.mode, name))
        return 0
    print("MISMATCH: the %s of %s disagrees with finite differences; a derivative "
          "rule it uses is probably wrong." % (args.mode, name))
    return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Example:
      >>> from s2sad.cli import main
      >>> main(["show", "no_such_file.py:f"])
      2
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as e:  # --help, --version (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    command = {"show": _show, "check": _check}[args.command]
    try:
        return command(args)
    except CLIError as e:
        message = str(e)
        cause = e.__context__
    except Exception as e:  # a bug in s2sad: still one line unless --traceback
        message = "s2sad: internal error: %s: %s; rerun with --traceback and report it" % (
            type(e).__name__, _first_line(e))
        cause = e
    sys.stdout.flush()
    if args.traceback and cause is not None:
        traceback.print_exception(type(cause), cause, cause.__traceback__)
    sys.stderr.write(message.replace("\n", " ") + "\n")
    return 2
