"""Tests of the command line: ``s2sad show``, ``s2sad check`` and their error paths.

Each test runs ``python -m s2sad`` in a subprocess, as a user would.
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = '''\
import numpy as np
from s2sad.rules import adjoint, d


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
    return np.sum(np.linalg.qr(x)[0])


def mismatched(x, y):
    return np.sum(np.dot(x, y))


CONSTANT = 3
'''


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
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
