"""Golden snapshots of printed derivatives: the readability review of s2sad's output.

For each case of :data:`GOLDEN`, ``s2sad.source(f, **options)`` must equal
``tests/golden/<case>.py`` exactly.  With ``--regen-golden`` (``tox -e golden``) the
files are rewritten instead, and the diff is reviewed like any code change: does the
derivative read like code a careful person would write by hand?

The functions live in ``tests/functions.py`` (so the corpus checks their gradients
numerically too); the ``# Grad of:`` comments cite their lines there.
"""
import os

import numpy as np
import pytest

import s2sad

import functions

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")

#: snapshot name -> (function in functions.py, options of s2sad.source)
GOLDEN = {
    "tanh_loss": ("tanh_loss", {"mode": "grad", "argnums": 0}),
    "tanh_loss_vjp": ("tanh_loss", {"mode": "vjp", "argnums": 0}),
    "mlp_mse": ("mlp_mse", {"mode": "grad", "argnums": (0, 1)}),
    "logistic_regression": ("logistic_regression", {"mode": "grad", "argnums": 0}),
    "euler_oscillator": ("euler_oscillator", {"mode": "grad", "argnums": (0, 1)}),
    "rnn": ("rnn", {"mode": "grad", "argnums": 0}),
    "if_else": ("if_else", {"mode": "grad", "argnums": (0, 1)}),
    "while_doubling": ("while_doubling", {"mode": "grad", "argnums": 0}),
    "calls_helper": ("calls_helper", {"mode": "grad", "argnums": (0, 1)}),
    "writes_in_loop": ("writes_in_loop", {"mode": "grad", "argnums": 0}),
    "loss_with_aux": ("loss_with_aux", {"mode": "value_and_grad", "argnums": 0,
                                        "has_aux": True}),
}


def golden_path(name):
    return os.path.join(GOLDEN_DIR, name + ".py")


def printed(name):
    fname, options = GOLDEN[name]
    return s2sad.source(getattr(functions, fname), **options)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_printed_source_matches_golden(name, regen_golden):
    text = printed(name)
    path = golden_path(name)
    if regen_golden:
        os.makedirs(GOLDEN_DIR, exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return
    assert os.path.exists(path), (
        "no golden file %s; run `python -m pytest tests/test_golden.py --regen-golden`" % path)
    with open(path) as f:
        expected = f.read()
    assert text == expected, (
        "the printed derivative of %s changed; review the diff and run "
        "`python -m pytest tests/test_golden.py --regen-golden` if it is better" % name)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_source_compiles(name):
    with open(golden_path(name)) as f:
        compile(f.read(), golden_path(name), "exec")


def test_every_golden_file_has_a_case():
    on_disk = {f[:-3] for f in os.listdir(GOLDEN_DIR) if f.endswith(".py")}
    assert on_disk == set(GOLDEN)


def test_printed_tanh_loss_runs_as_is():
    """The printed module is self-contained: executing it gives s2sad's gradient."""
    namespace = {}
    exec(compile(printed("tanh_loss"), "<golden tanh_loss>", "exec"), namespace)
    rng = np.random.default_rng(0)
    w, A = rng.uniform(0.5, 1.5, 4), rng.uniform(0.5, 1.5, (3, 4))
    value, bw = namespace["dtanh_loss_dw"](w, A)
    assert value == functions.tanh_loss(w, A)
    np.testing.assert_allclose(bw, s2sad.grad(functions.tanh_loss)(w, A), rtol=1e-14)
