"""Tests of the command line: ``s2sad show``, ``s2sad check`` and their error paths.

Most tests run ``python -m s2sad`` in a subprocess, as a user would; the ones that
need to replace a part of s2sad (to fake a bug in it) call :func:`s2sad.cli.main`.
"""
import os
import re
import subprocess
import sys
import textwrap

import pytest

import s2sad
from s2sad import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = '''\
import numpy as np
from s2sad.rules import adjoint, d, tangent


def loss(w, x):
    return np.sum(np.tanh(np.dot(x, w)) ** 2)


def scalar(a, b):
    return a * b + a


def vector(x):
    return np.sin(x) * 2.0


def bad_cube(x):
    return x * x * x


@adjoint(bad_cube)
def bad_cube_adjoint(y, x):
    d[x] = d[y] * x


def uses_bad(x):
    return np.sum(bad_cube(x))


def unsupported(x):
    with open("f") as f:
        return x


def calls_unknown(x):
    return np.sum(np.unwrap(x))


def mismatched(x, y):
    return np.sum(np.dot(x, y))


def sq(x):
    return x * x


@tangent(sq)
def sq_tangent(y, x):
    d[y] = d[x] * x                # wrong: the tangent is 2 x dx


@adjoint(sq)
def sq_adjoint(y, x):
    d[x] = d[y] * 2.0 * x


def uses_sq(x):                    # reverse mode right, forward mode wrong
    return np.sum(np.sin(sq(x)))


def cube(x):
    return x * x * x


@tangent(cube)
def cube_tangent(y, x):
    d[y] = d[x] * 3.0 * x * x


@adjoint(cube)
def cube_adjoint(y, x):
    d[x] = d[y] * 3.0 * sq(x)      # right, but its own derivative goes through sq


def uses_cube(x):                  # first derivatives right, the Hessian wrong
    return np.sum(cube(x))


def pair(x, y):
    return (np.sin(x) * y, {"b": np.cos(x), "a": y ** 2})


def with_default(x, scale=2.0):
    return np.sum(x ** 2) * scale


def lookup(x):
    table = {"a": 1.0}
    return np.sum(x) * table["b"]


CONSTANT = 3
'''


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return str(path)


def run_main(capsys, *args):
    """``(status, stdout, stderr)`` of :func:`s2sad.cli.main` run in this process."""
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "s2sad", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def assert_one_line_error(proc, *phrases):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_show_prints_the_derivative(model):
    proc = run("show", model + ":loss")
    assert proc.returncode == 0, proc.stderr
    assert "def dloss_dw(w, x" in proc.stdout
    compile(proc.stdout, "<shown>", "exec")


def test_show_argnums_and_no_optimize(model):
    proc = run("show", model + ":scalar", "--argnums", "0,1", "--no-optimize")
    assert proc.returncode == 0, proc.stderr
    assert "def dscalar_da_b(" in proc.stdout


def test_show_vjp_mode(model):
    proc = run("show", model + ":vector", "--mode", "vjp")
    assert proc.returncode == 0, proc.stderr
    assert "_forward(x)" in proc.stdout and "_backward(residuals" in proc.stdout


def test_show_value_and_grad_mode(model):
    proc = run("show", model + ":loss", "--mode", "value_and_grad")
    assert proc.returncode == 0, proc.stderr
    assert "def d" in proc.stdout


@pytest.mark.parametrize("mode", ["jvp", "jacfwd"])
def test_show_forward_modes(model, mode):
    proc = run("show", model + ":vector", "--mode", mode)
    assert proc.returncode == 0, proc.stderr
    assert "forward mode" in proc.stdout and "def jvp_vector(x, dx)" in proc.stdout
    assert "dx * np.cos(x)" in proc.stdout
    compile(proc.stdout, "<shown>", "exec")


def test_show_linearize_prints_the_split_pair(model):
    proc = run("show", model + ":vector", "--mode", "linearize")
    assert proc.returncode == 0, proc.stderr
    assert "split forward mode" in proc.stdout
    assert "def vector_linearize(x)" in proc.stdout
    assert "def vector_tangent(residuals, dx)" in proc.stdout
    assert "np.cos(x)" in proc.stdout.split("def vector_tangent")[0]  # in the primal only
    compile(proc.stdout, "<shown>", "exec")


def test_show_jvp_argnums(model):
    proc = run("show", model + ":scalar", "--mode", "jvp", "--argnums", "0,1")
    assert proc.returncode == 0, proc.stderr
    assert "def jvp_scalar(a, b, da, db)" in proc.stdout


def test_show_jacrev_mode_prints_the_split_sweeps(model):
    proc = run("show", model + ":loss", "--mode", "jacrev")
    assert proc.returncode == 0, proc.stderr
    assert "_forward(w, x):" in proc.stdout and "_backward(residuals" in proc.stdout
    compile(proc.stdout, "<shown>", "exec")


def test_show_hessian_mode_is_forward_over_reverse(model):
    proc = run("show", model + ":loss", "--mode", "hessian")
    assert proc.returncode == 0, proc.stderr
    assert "forward mode" in proc.stdout           # the outer, forward-mode function
    assert "def jvp_dloss_dw(w, x" in proc.stdout  # forward mode of the generated gradient
    compile(proc.stdout, "<shown>", "exec")


def test_show_forward_mode_errors_are_one_line(model):
    assert_one_line_error(run("show", model + ":calls_unknown", "--mode", "jvp"),
                          "model.py:", "rule")
    assert_one_line_error(run("show", model + ":loss", "--mode", "hessian", "--argnums", "7"),
                          "out of range")


def test_check_passes(model):
    proc = run("check", model + ":loss", "--shapes", "3", "4,3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout
    assert "argument 0 (w)" in proc.stdout and "argument 1 (x)" in proc.stdout


def test_check_scalars_and_vector_output(model):
    assert run("check", model + ":scalar", "--shapes", "scalar", "()").returncode == 0
    assert run("check", model + ":vector", "--shapes", "5").returncode == 0


def test_check_reports_a_mismatch_with_exit_1(model):
    proc = run("check", model + ":uses_bad", "--shapes", "4")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "MISMATCH" in proc.stdout


def test_python_dash_m_and_console_script_agree(model):
    proc = run("--help")
    assert proc.returncode == 0 and "show" in proc.stdout and "check" in proc.stdout


# --- error paths: one line on stderr, exit status 2, no traceback ----------------------

def test_missing_file(tmp_path):
    proc = run("show", str(tmp_path / "nope.py") + ":loss")
    assert_one_line_error(proc, "nope.py", "no such file")


def test_missing_function(model):
    proc = run("show", model + ":nope")
    assert_one_line_error(proc, "model.py", "no function 'nope'", "loss")


def test_not_a_function(model):
    assert_one_line_error(run("show", model + ":CONSTANT"), "not a function")


def test_target_without_function(model):
    assert_one_line_error(run("show", model), "FILE.py:FUNC")


def test_syntax_error_in_file(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def f(x):\n    return x +\n")
    assert_one_line_error(run("show", str(path) + ":f"), "broken.py:2", "syntax error")


def test_file_raising_on_import(tmp_path):
    path = tmp_path / "raises.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np

        raise RuntimeError("boom")
        """))
    assert_one_line_error(run("show", str(path) + ":f"), "raises.py:3", "RuntimeError",
                          "boom")


def test_unsupported_syntax(model):
    proc = run("show", model + ":unsupported")
    assert_one_line_error(proc, "model.py:")


def test_missing_rule(model):
    proc = run("show", model + ":calls_unknown")
    assert_one_line_error(proc, "model.py:", "rule")


def test_unknown_mode(model):
    assert_one_line_error(run("show", model + ":loss", "--mode", "hvp"), "invalid choice")


def test_bad_argnums(model):
    assert_one_line_error(run("show", model + ":loss", "--argnums", "x"), "--argnums")
    assert_one_line_error(run("show", model + ":loss", "--argnums", "5"), "out of range")


def test_bad_shapes(model):
    proc = run("check", model + ":mismatched", "--shapes", "3", "4")
    assert_one_line_error(proc, "model.py:", "--shapes")


def test_usage_error_is_one_line(model):
    assert_one_line_error(run("frobnicate"), "s2sad: error")


# --- --version, --help, --traceback ----------------------------------------------------

def test_version():
    proc = run("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "s2sad %s\n" % s2sad.__version__


def test_version_in_process_returns_0(capsys):
    status, out, _ = run_main(capsys, "--version")
    assert status == 0 and out.strip() == "s2sad " + s2sad.__version__


def test_help_describes_the_commands_and_options():
    top = run("--help")
    assert top.returncode == 0
    for phrase in ("show", "check", "--version", "--traceback", "exit status"):
        assert phrase in top.stdout, phrase
    show = run("show", "--help")
    assert show.returncode == 0
    for phrase in ("--mode", "--argnums", "--no-optimize", "--shapes", "--traceback",
                   "linearize", "the split sweeps"):
        assert phrase in show.stdout, phrase
    check = run("check", "--help")
    assert check.returncode == 0
    for phrase in ("--mode", "--shapes", "--argnums", "--seed", "--rtol", "--atol", "--eps",
                   "hessian", "FD along v of s2sad.grad"):
        assert phrase in " ".join(check.stdout.split()), phrase


@pytest.mark.parametrize("where", ["before", "after"])
def test_traceback_before_or_after_the_command(tmp_path, where):
    path = write(tmp_path, "raises.py", """\
        import numpy as np

        raise RuntimeError("boom")
        """)
    args = ["show", path + ":f"]
    args = ["--traceback"] + args if where == "before" else args + ["--traceback"]
    proc = run(*args)
    assert proc.returncode == 2
    assert "Traceback (most recent call last)" in proc.stderr
    assert 'raise RuntimeError("boom")' in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "raises.py:3" in last and "RuntimeError: boom" in last


def test_traceback_after_the_command_in_process(model, capsys):
    status, _, err = run_main(capsys, "show", model + ":calls_unknown", "--traceback")
    assert status == 2
    assert "Traceback (most recent call last)" in err and "MissingRuleError" in err


# --- check --mode -----------------------------------------------------------------------

ALL_MODES = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd",
             "hessian"]


@pytest.mark.parametrize("mode", ALL_MODES)
def test_check_every_mode_passes_on_a_right_derivative(model, capsys, mode):
    status, out, err = run_main(capsys, "check", model + ":loss", "--shapes", "3", "4,3",
                                "--mode", mode)
    assert status == 0, out + err
    assert "--mode %s" % mode in out.splitlines()[0]
    assert "OK: the %s of loss agrees with finite differences." % mode in out
    for label in ("argument 0 (w): max abs error", "argument 1 (x): max abs error"):
        line = next(ln for ln in out.splitlines() if label in ln)
        assert re.search(r"\(rtol 1e-05, atol 1e-06\) ok\b", line), line
    assert "MISMATCH" not in out


@pytest.mark.parametrize("mode", ["grad", "value_and_grad", "vjp", "jacrev"])
def test_check_reverse_modes_catch_a_wrong_adjoint(model, capsys, mode):
    status, out, _ = run_main(capsys, "check", model + ":uses_bad", "--shapes", "4",
                              "--mode", mode)
    assert status == 1, out
    assert "argument 0 (x)" in out and "MISMATCH" in out.splitlines()[-2]
    assert out.splitlines()[-1].startswith("MISMATCH: the %s of uses_bad" % mode)


@pytest.mark.parametrize("mode", ["jvp", "linearize", "jacfwd"])
def test_check_forward_modes_catch_a_wrong_tangent(model, mode):
    proc = run("check", model + ":uses_sq", "--shapes", "3", "--mode", mode)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "MISMATCH: the %s of uses_sq" % mode in proc.stdout
    # the same function passes in reverse mode: only its tangent rule is wrong
    assert run("check", model + ":uses_sq", "--shapes", "3").returncode == 0


def test_check_hessian_catches_a_wrong_second_derivative(model):
    for mode in ("grad", "jvp"):  # the first derivatives are right
        proc = run("check", model + ":uses_cube", "--shapes", "3", "--mode", mode)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run("check", model + ":uses_cube", "--shapes", "3", "--mode", "hessian")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "finite differences of s2sad.grad" in proc.stdout
    assert "MISMATCH: the hessian of uses_cube" in proc.stdout


def test_check_reports_abs_and_rel_error_numbers(model, capsys):
    _, out, _ = run_main(capsys, "check", model + ":uses_bad", "--shapes", "4",
                         "--mode", "jacrev")
    line = next(ln for ln in out.splitlines() if "argument 0 (x)" in ln)
    abs_err = float(line.split("max abs error ")[1].split(",")[0])
    rel_err = float(line.split("max rel error ")[1].split(" ")[0])
    assert abs_err > 1e-3 and rel_err > 1e-3   # d[x] = d[y] * x is far from 3 x**2


def test_check_argnums_selects_the_arguments(model, capsys):
    status, out, _ = run_main(capsys, "check", model + ":loss", "--shapes", "3", "4,3",
                              "--mode", "jvp", "--argnums", "1")
    assert status == 0, out
    assert "argument 1 (x)" in out and "argument 0 (w)" not in out


def test_check_argnums_out_of_range(model):
    assert_one_line_error(run("check", model + ":loss", "--shapes", "3", "4,3", "--mode",
                              "jacfwd", "--argnums", "5"), "--argnums", "out of range")


def test_check_hessian_of_scalars_with_reordered_argnums(model, capsys):
    status, out, _ = run_main(capsys, "check", model + ":scalar", "--shapes", "scalar",
                              "scalar", "--mode", "hessian", "--argnums", "1,0")
    assert status == 0, out
    assert out.index("argument 1 (b)") < out.index("argument 0 (a)")


def test_check_hessian_of_an_array_output_uses_jacrev(model, capsys):
    status, out, _ = run_main(capsys, "check", model + ":vector", "--shapes", "3",
                              "--mode", "hessian")
    assert status == 0, out
    assert "finite differences of s2sad.jacrev" in out


@pytest.mark.parametrize("mode", ["grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd"])
def test_check_a_tuple_and_dict_output(model, capsys, mode):
    status, out, err = run_main(capsys, "check", model + ":pair", "--shapes", "3", "scalar",
                                "--mode", mode)
    assert status == 0, out + err
    assert "output shapes: (3,), (), (3,)" in out  # dict leaves in sorted key order
    assert "argument 0 (x)" in out and "argument 1 (y)" in out


def test_check_value_and_grad_of_an_array_output_is_s2sads_error(model):
    proc = run("check", model + ":vector", "--shapes", "3", "--mode", "value_and_grad")
    assert_one_line_error(proc, "model.py:", "scalar-output")
    assert "--shapes" not in proc.stderr  # s2sad's message says what to do


def test_check_unknown_mode_lists_the_modes(model):
    proc = run("check", model + ":loss", "--shapes", "3", "4,3", "--mode", "hvp")
    assert_one_line_error(proc, "invalid choice", "'hvp'")
    for mode in ALL_MODES:
        assert "'%s'" % mode in proc.stderr


def test_check_error_in_the_users_function_is_located(model):
    proc = run("check", model + ":lookup", "--shapes", "3", "--mode", "jvp")
    line = 1 + MODEL.splitlines().index('    return np.sum(x) * table["b"]')
    assert_one_line_error(proc, "model.py:%d: KeyError: 'b'" % line)


# --- --shapes and the parameters ----------------------------------------------------------

@pytest.mark.parametrize("command", ["show", "check"])
def test_more_shapes_than_parameters(model, command):
    proc = run(command, model + ":loss", "--shapes", "3", "4,3", "5")
    assert_one_line_error(proc, "model.py:", "gives 3 shapes", "loss takes 2 positional "
                          "parameters (w, x)")


@pytest.mark.parametrize("command", ["show", "check"])
def test_fewer_shapes_than_required_parameters(model, command):
    proc = run(command, model + ":loss", "--shapes", "3")
    assert_one_line_error(proc, "model.py:", "gives 1 shape,", "loss needs 2 positional "
                          "parameters without a default")


def test_shapes_may_leave_out_parameters_with_defaults(model, capsys):
    status, out, _ = run_main(capsys, "show", model + ":with_default", "--shapes", "3")
    assert status == 0 and "def dwith_default_dx(" in out
    status, out, _ = run_main(capsys, "check", model + ":with_default", "--shapes", "3")
    assert status == 0 and "OK" in out
    status, out, _ = run_main(capsys, "check", model + ":with_default", "--shapes", "3",
                              "scalar", "--mode", "jacfwd")
    assert status == 0 and "argument 1 (scale)" in out
    status, _, err = run_main(capsys, "check", model + ":with_default", "--shapes", "3",
                              "scalar", "2")
    assert status == 2 and "with_default takes 2 positional parameters" in err


def test_show_shapes_only_for_the_reverse_modes(model):
    assert_one_line_error(run("show", model + ":vector", "--mode", "jvp", "--shapes", "3"),
                          "--shapes", "grad or value_and_grad", "not jvp")


# --- import errors that are not the file's fault ------------------------------------------

def test_missing_s2sad_module_means_a_broken_installation(tmp_path):
    path = write(tmp_path, "uses_internal.py", """\
        import numpy as np
        import s2sad.no_such_module


        def f(x):
            return x
        """)
    proc = run("show", path + ":f")
    assert_one_line_error(proc, "s2sad installation is broken", "'s2sad.no_such_module'",
                          "reinstall", "uses_internal.py imports it at line 2")
    assert proc.stderr.startswith("s2sad: ")          # not FILE:LINE: the file is fine
    assert "fix the file" not in proc.stderr


def test_missing_third_party_module_names_it_and_the_interpreter(tmp_path):
    path = write(tmp_path, "needs_dep.py", """\
        import numpy as np


        import not_a_real_dependency_xyz


        def f(x):
            return x
        """)
    proc = run("show", path + ":f")
    assert_one_line_error(proc, "needs_dep.py:4:", "'not_a_real_dependency_xyz' is not "
                          "installed", "needs_dep.py imports it at line 4", sys.executable)
    assert "fix the file" not in proc.stderr and "importing the file raised" not in proc.stderr


def test_missing_module_imported_by_the_users_helper(tmp_path):
    write(tmp_path, "helper.py", "import not_a_real_dependency_q\n")
    path = write(tmp_path, "main_file.py", """\
        import helper


        def f(x):
            return x
        """)
    proc = run("show", path + ":f")
    assert_one_line_error(proc, "'not_a_real_dependency_q' is not installed",
                          "main_file.py imports it at line 1 (import helper)")


def test_missing_submodule_of_an_installed_package(tmp_path):
    path = write(tmp_path, "sub.py", "import numpy.no_such_submodule\n")
    assert_one_line_error(run("show", path + ":f"), "sub.py:1:", "installed package 'numpy' "
                          "has no module 'numpy.no_such_submodule'")


def test_wrong_name_imported_from_s2sad_is_the_files_error(tmp_path):
    path = write(tmp_path, "wrong_name.py", "from s2sad import no_such_name\n")
    assert_one_line_error(run("show", path + ":f"), "wrong_name.py:1:", "ImportError",
                          "no_such_name", "fix the file")


def test_syntax_error_in_a_module_the_file_imports(tmp_path):
    write(tmp_path, "broken_helper.py", "def g(:\n")
    path = write(tmp_path, "imports_broken.py", "import broken_helper\n")
    assert_one_line_error(run("show", path + ":f"), "broken_helper.py:1", "syntax error")


# --- errors of s2sad itself -----------------------------------------------------------------

def _raising_in_s2sad(error):
    """A function that raises ``error`` from a frame in s2sad's package directory, as an
    exception raised by s2sad's own code would."""
    filename = os.path.join(os.path.dirname(s2sad.__file__), "fake_internal_module.py")
    namespace = {"error": error}
    exec(compile("def boom(*args, **kwargs):\n    raise error\n", filename, "exec"), namespace)
    return namespace["boom"]


def assert_internal_error(status, err, *phrases):
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("s2sad: internal error while differentiating loss ("), err
    assert "bug in s2sad" in lines[0] and "--traceback" in lines[0]
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_internal_error_while_compiling_is_s2sads(model, capsys, monkeypatch):
    monkeypatch.setattr(s2sad, "source", _raising_in_s2sad(
        s2sad.InternalError("the tape went out of step")))
    status, _, err = run_main(capsys, "show", model + ":loss")
    assert_internal_error(status, err, "InternalError", "the tape went out of step")


def test_a_crash_inside_s2sad_is_s2sads(model, capsys, monkeypatch):
    monkeypatch.setattr(s2sad, "jvp", _raising_in_s2sad(KeyError("adjoint_of_w")))
    status, _, err = run_main(capsys, "check", model + ":loss", "--shapes", "3", "4,3",
                              "--mode", "jvp")
    assert_internal_error(status, err, "KeyError", "adjoint_of_w")
    assert "--shapes fit" not in err


def test_missing_s2sad_module_while_compiling(model, capsys, monkeypatch):
    monkeypatch.setattr(s2sad, "source", _raising_in_s2sad(ModuleNotFoundError(
        "No module named 's2sad.transforms.batch'", name="s2sad.transforms.batch")))
    status, _, err = run_main(capsys, "show", model + ":loss")
    assert status == 2 and err.startswith("s2sad: the s2sad installation is broken")
    assert "'s2sad.transforms.batch'" in err and "while differentiating loss" in err


# --- what cli.py relies on ------------------------------------------------------------------

def test_the_cli_modes_are_the_modes_of_source():
    def f(x):
        return x * x
    with pytest.raises(ValueError) as info:
        s2sad.source(f, mode="no_such_mode")
    listed = re.findall(r"'(\w+)'", str(info.value).split("available modes are")[1])
    assert sorted(listed) == sorted(cli._MODES) == sorted(ALL_MODES)


def test_cli_imports_only_public_s2sad_names_at_the_top():
    import ast
    tree = ast.parse(open(cli.__file__).read())
    allowed = {"s2sad", "s2sad.errors", "s2sad.testing"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assert node in tree.body, "import inside a function at line %d" % node.lineno
        if isinstance(node, ast.ImportFrom) and node.level:  # from . import x / from .m import
            module = "s2sad" + ("." + node.module if node.module else "")
            assert module in allowed, module
            if module == "s2sad":
                assert all(a.name in s2sad.__all__ or a.name == "testing" for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] != "s2sad" or alias.name in allowed, alias.name
