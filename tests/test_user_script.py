"""A user's script, run as a user runs it: its own file, its own directory, a fresh
interpreter, ``s2sad`` imported from wherever this interpreter finds it (in CI: the
wheel installed into a fresh virtual environment, see .ci/run).

The script calls grad, jvp, jacrev, hessian and prints a derivative with the
``s2sad show`` command; every number is checked against the closed form.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent('''
    import numpy as np
    import s2sad

    def energy(x, k):
        return 0.5 * k * np.sum(x ** 2) + np.sum(np.sin(x))

    x = np.array([0.3, -1.2, 2.0])
    print(repr(s2sad.grad(energy)(x, 4.0).tolist()))
    out, tangent = s2sad.jvp(energy, (x, 4.0), (np.ones(3), 0.0))
    print(repr(float(tangent)))
    def waves(v):
        return np.sin(v) * 2.0

    print(repr(s2sad.jacrev(waves)(x).tolist()))
    print(repr(s2sad.hessian(energy)(x, 4.0).tolist()))
    print(s2sad.__file__)
''')


def _run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if not os.environ.get("S2SAD_REQUIRE_INSTALLED"):  # the work tree, in a developer's run
        import s2sad
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(s2sad.__file__)))
    return subprocess.run([sys.executable] + args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_user_script_outside_the_tree(tmp_path):
    (tmp_path / "user.py").write_text(SCRIPT)
    proc = _run(["user.py"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    x, k = np.array([0.3, -1.2, 2.0]), 4.0
    np.testing.assert_allclose(eval(lines[0]), k * x + np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(eval(lines[1]), np.sum(k * x + np.cos(x)), rtol=1e-12)
    np.testing.assert_allclose(eval(lines[2]), np.diag(2.0 * np.cos(x)), rtol=1e-12)
    np.testing.assert_allclose(eval(lines[3]), np.diag(k - np.sin(x)), rtol=1e-12)
    if os.environ.get("S2SAD_REQUIRE_INSTALLED"):
        assert os.path.realpath(lines[4]).startswith(os.path.realpath(sys.prefix))


def test_show_command_outside_the_tree(tmp_path):
    (tmp_path / "model.py").write_text(SCRIPT.split("x = np.array")[0])
    proc = _run(["-m", "s2sad", "show", "model.py:energy"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "def denergy_dx(x, k, benergy=1.0):" in proc.stdout
    assert "np.cos(x)" in proc.stdout
    namespace = {}
    exec(compile(proc.stdout, "shown.py", "exec"), namespace)  # the printed code runs as is
    value, g = namespace["denergy_dx"](np.array([0.5, 1.0]), 2.0)
    np.testing.assert_allclose(g, 2.0 * np.array([0.5, 1.0]) + np.cos([0.5, 1.0]))
