"""The ``s2sad`` command line (also ``python -m s2sad``).

Responsibility: load a function from a file and either print its generated
derivative (``show``) or compare it with finite differences (``check``).

Usage::

    s2sad show FILE.py:FUNC [--mode MODE] [--argnums 0,1] [--no-optimize]
                            [--shapes 3,4 4]
    s2sad check FILE.py:FUNC --shapes 3,4 4 [--argnums 0] [--seed 0]

``--mode`` is one of grad, value_and_grad, vjp, jvp, linearize, jacrev, jacfwd,
hessian: grad and value_and_grad print the joint reverse sweep, vjp and jacrev the
split sweeps (``f_forward``/``f_backward``), jvp and jacfwd the forward-mode function,
linearize the split forward pair (``f_linearize``/``f_tangent``), hessian the
forward-mode function of the generated gradient.

Exit status: 0 on success, 1 when ``check`` finds a mismatch, 2 on an error.  Errors
print one line on stderr, ``FILE:LINE: what happened; how to fix it``, and no
traceback (pass ``--traceback`` to see one).
"""
import argparse
import importlib.util
import os
import sys
import traceback
from typing import Optional, Sequence

import numpy as np

__all__ = ["main"]

_MODES = ("grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian")


class CLIError(Exception):
    """An error reported as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("%s: error: %s; run '%s --help' for usage\n"
                         % (self.prog, message, self.prog))
        sys.exit(2)


def _build_parser():
    parser = _Parser(prog="s2sad", description="Source-to-source automatic differentiation: "
                     "print or check the derivative of a Python function.")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full Python traceback on errors (for debugging)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    show = sub.add_parser("show", help="print the generated derivative source")
    show.add_argument("target", metavar="FILE.py:FUNC")
    show.add_argument("--mode", default="grad", choices=_MODES,
                      help="which derivative to generate (default: grad)")
    show.add_argument("--argnums", default="0",
                      help="comma-separated positions of the differentiated arguments")
    show.add_argument("--no-optimize", action="store_true",
                      help="show the code before optimisation")
    show.add_argument("--shapes", nargs="+", metavar="SHAPE",
                      help="grad/value_and_grad: print the code specialised for arguments "
                      "of these shapes, as s2sad.grad runs it ('3,4' for a 3x4 array, "
                      "'scalar' for a Python float)")

    check = sub.add_parser("check", help="compare the derivative with finite differences "
                           "at random inputs")
    check.add_argument("target", metavar="FILE.py:FUNC")
    check.add_argument("--shapes", nargs="+", required=True, metavar="SHAPE",
                       help="one shape per positional argument: '3,4' for a 3x4 array, "
                       "'3' for a vector, 'scalar' (or '()') for a float")
    check.add_argument("--argnums", default=None,
                       help="positions to check (default: all)")
    check.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    check.add_argument("--rtol", type=float, default=1e-5)
    check.add_argument("--atol", type=float, default=1e-6)
    check.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    return parser


# --- loading -------------------------------------------------------------------------

def _split_target(target):
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise CLIError("%s: expected FILE.py:FUNC; name the file and the function, as in "
                       "model.py:loss" % target)
    return path, name


def _line_in(tb, path):
    """The last line of traceback ``tb`` that lies in ``path`` (or None)."""
    line = None
    real = os.path.realpath(path)
    for frame in traceback.extract_tb(tb):
        if os.path.realpath(frame.filename) == real:
            line = frame.lineno
    return line


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
    except SyntaxError as e:
        raise CLIError("%s:%s: syntax error: %s; fix the file and run again"
                       % (path, e.lineno, e.msg)) from None
    except Exception as e:  # the file raised while being imported
        line = _line_in(e.__traceback__, path)
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


# --- error formatting ----------------------------------------------------------------

def _format_s2sad_error(error, path, fun):
    from .errors import MissingRuleError, UnsupportedSyntaxError
    if isinstance(error, UnsupportedSyntaxError):
        message = error.msg if error.hint else (
            error.msg + "; rewrite it with supported constructs")
        return "%s:%s: %s" % (error.filename, error.lineno, message)
    if isinstance(error, MissingRuleError):
        where = error.where.split(" ")[0] if error.where else path
        return "%s: %s" % (where, _first_line(error))
    return "%s: %s" % (_function_location(path, fun), _first_line(error))


def _function_location(path, fun):
    code = getattr(fun, "__code__", None)
    return "%s:%d" % (path, code.co_firstlineno) if code is not None else path


# --- commands ------------------------------------------------------------------------

def _show(args):
    from . import api
    path, fun = _load(args.target)
    argnums = _argnums(args.argnums)
    options = {"optimize": not args.no_optimize}
    if args.shapes:
        if args.no_optimize:
            raise CLIError("--shapes shows the optimised, specialised code; drop "
                           "--no-optimize")
        options = {"shapes": tuple(float if s == () else s
                                   for s in map(_parse_shape, args.shapes))}
    try:
        text = api.source(fun, mode=args.mode, argnums=argnums, **options)
    except Exception as e:
        raise _as_cli_error(e, path, fun) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _as_cli_error(error, path, fun, hint=""):
    from .errors import S2SADError
    if isinstance(error, S2SADError):
        return CLIError(_format_s2sad_error(error, path, fun))
    line = _line_in(error.__traceback__, path)
    where = "%s:%d" % (path, line) if line is not None else _function_location(path, fun)
    return CLIError("%s: %s: %s%s" % (where, type(error).__name__, _first_line(error), hint))


def _check(args):
    from . import testing
    path, fun = _load(args.target)
    shapes = [_parse_shape(s) for s in args.shapes]
    argnums = None if args.argnums is None else _argnums(args.argnums)
    rng = np.random.default_rng(args.seed)
    inputs = tuple(float(rng.standard_normal()) if shape == () else rng.standard_normal(shape)
                   for shape in shapes)
    names = testing._param_names(fun)
    described = ", ".join("%s %s" % (names[i] if i < len(names) else "arg%d" % i,
                                     "scalar" if s == () else s) for i, s in enumerate(shapes))
    name = getattr(fun, "__name__", args.target)
    print("s2sad check %s at random inputs: %s (seed %d)" % (name, described, args.seed))
    try:
        value, rows = testing.compare_vjp(fun, inputs, argnums, eps=args.eps, rtol=args.rtol,
                                          atol=args.atol, seed=args.seed)
    except AssertionError as e:
        print("MISMATCH: %s" % e)
        return 1
    except Exception as e:
        raise _as_cli_error(e, path, fun, "; check that --shapes fit the function "
                            "(one shape per positional argument)") from None
    print("  output shape: %s" % (np.shape(value),))
    for r in rows:
        print("  argument %d%s: s2sad %.10g, finite differences %.10g, error %.2g (tolerance "
              "%.2g) %s" % (r.argnum, " (%s)" % r.name if r.name else "", r.analytic,
                            r.numeric, r.error, r.tolerance, "ok" if r.ok else "MISMATCH"))
    if all(r.ok for r in rows):
        print("OK: the derivative of %s agrees with finite differences." % name)
        return 0
    print("MISMATCH: the derivative of %s disagrees with finite differences; a derivative "
          "rule it uses is probably wrong." % name)
    return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Example:
      >>> from s2sad.cli import main
      >>> main(["show", "no_such_file.py:f"])
      2
    """
    parser = _build_parser()
    args = parser.parse_args(None if argv is None else list(argv))
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
