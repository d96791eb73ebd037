"""The workloads of workloads.py, rewritten for the peer AD systems.

Each peer's versions use that peer's array namespace (autograd.numpy, jax.numpy,
torch) and perform the same operations as the NumPy original, so the timings compare
the differentiation machinery rather than different algorithms.  Python loops stay
Python loops (that is what a user porting the NumPy code would write); the one
exception is the jitted JAX version of `branchy`, where `if` on a traced value is not
allowed, so it uses `jnp.where` per element, the JAX idiom.

Every peer is an optional import: `available()` says whether it can be used, and
`prepare()` returns a zero-argument closure that computes the gradient of a workload
on pre-converted inputs (conversion is not timed), plus a function that converts its
result to NumPy for verification.
"""

import time

import numpy as np


def _optional_models(name):
    """The model workloads (model_peers.py) for one peer; none when SciPy or the peer's
    scipy namespaces are missing (run.py then reports n/a)."""
    try:
        import model_peers

        return getattr(model_peers, name)()
    except ImportError:
        return {}


def _argnums_tuple(argnums):
    return tuple(argnums) if isinstance(argnums, (tuple, list)) else (argnums,)


# ---------------------------------------------------------------------------
# autograd
# ---------------------------------------------------------------------------


def autograd_impls():
    import autograd.numpy as anp

    def mlp_mse(W, b, X, y):
        return anp.mean((anp.tanh(anp.dot(X, W) + b) - y) ** 2)

    def rosenbrock(x):
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def mlp_xent(W1, b1, W2, b2, X, Y):
        h = anp.tanh(anp.dot(X, W1) + b1)
        logits = anp.dot(h, W2) + b2
        m = anp.max(logits, axis=1, keepdims=True)
        lse = m + anp.log(anp.sum(anp.exp(logits - m), axis=1, keepdims=True))
        return -anp.mean(anp.sum(Y * (logits - lse), axis=1))

    def rnn(W, U, xs):
        h = anp.zeros(W.shape[0])
        for t in range(xs.shape[0]):
            h = anp.tanh(anp.dot(W, h) + anp.dot(U, xs[t]))
        return anp.sum(h**2)

    def euler_oscillator(k, c):
        pos, vel = 1.0, 0.0
        for _ in range(200):
            acc = -k * pos - c * vel
            vel = vel + 0.01 * acc
            pos = pos + 0.01 * vel
        return pos**2

    def logreg(w, X, y, lam):
        z = anp.dot(X, w)
        return anp.mean(anp.logaddexp(0.0, -y * z)) + lam * anp.sum(w**2)

    def branchy(x):
        total = 0.0
        for i in range(x.shape[0]):
            if x[i] > 0:
                total = total + anp.sin(x[i]) * x[i]
            else:
                total = total + anp.exp(x[i]) - 1.0
        return total

    def heat(c, u0):
        u = u0
        for _ in range(100):
            u = u + 0.1 * c * (anp.roll(u, 1) - 2.0 * u + anp.roll(u, -1))
        return anp.sum(u**2)

    return dict(
        mlp_mse=mlp_mse,
        rosenbrock=rosenbrock,
        mlp_xent=mlp_xent,
        rnn=rnn,
        euler_oscillator=euler_oscillator,
        logreg=logreg,
        branchy=branchy,
        heat=heat,
        **_optional_models("autograd_models"),
    )


# ---------------------------------------------------------------------------
# JAX
# ---------------------------------------------------------------------------


def jax_impls():
    import jax
    import jax.numpy as jnp

    def mlp_mse(W, b, X, y):
        return jnp.mean((jnp.tanh(X @ W + b) - y) ** 2)

    def rosenbrock(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def mlp_xent(W1, b1, W2, b2, X, Y):
        h = jnp.tanh(X @ W1 + b1)
        logits = h @ W2 + b2
        m = jnp.max(logits, axis=1, keepdims=True)
        lse = m + jnp.log(jnp.sum(jnp.exp(logits - m), axis=1, keepdims=True))
        return -jnp.mean(jnp.sum(Y * (logits - lse), axis=1))

    def rnn(W, U, xs):
        h = jnp.zeros(W.shape[0])
        for t in range(xs.shape[0]):
            h = jnp.tanh(W @ h + U @ xs[t])
        return jnp.sum(h**2)

    def euler_oscillator(k, c):
        pos, vel = 1.0, 0.0
        for _ in range(200):
            acc = -k * pos - c * vel
            vel = vel + 0.01 * acc
            pos = pos + 0.01 * vel
        return pos**2

    def logreg(w, X, y, lam):
        z = X @ w
        return jnp.mean(jnp.logaddexp(0.0, -y * z)) + lam * jnp.sum(w**2)

    def branchy(x):
        total = 0.0
        for i in range(x.shape[0]):
            if x[i] > 0:
                total = total + jnp.sin(x[i]) * x[i]
            else:
                total = total + jnp.exp(x[i]) - 1.0
        return total

    def branchy_traceable(x):
        # `if` on a traced value is an error under jit; select per element instead.
        total = 0.0
        for i in range(x.shape[0]):
            xi = x[i]
            total = total + jnp.where(xi > 0, jnp.sin(xi) * xi, jnp.exp(xi) - 1.0)
        return total

    def heat(c, u0):
        u = u0
        for _ in range(100):
            u = u + 0.1 * c * (jnp.roll(u, 1) - 2.0 * u + jnp.roll(u, -1))
        return jnp.sum(u**2)

    eager = dict(
        mlp_mse=mlp_mse,
        rosenbrock=rosenbrock,
        mlp_xent=mlp_xent,
        rnn=rnn,
        euler_oscillator=euler_oscillator,
        logreg=logreg,
        branchy=branchy,
        heat=heat,
        **_optional_models("jax_models"),
    )

    def heat_traceable(c, u0):
        # 100 unrolled steps take XLA minutes to compile; a fori_loop compiles once
        def step(_, u):
            return u + 0.1 * c * (jnp.roll(u, 1) - 2.0 * u + jnp.roll(u, -1))

        return jnp.sum(jax.lax.fori_loop(0, 100, step, u0) ** 2)

    jit = dict(eager, branchy=branchy_traceable, heat=heat_traceable)
    return eager, jit


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------


def torch_impls():
    import torch

    def mlp_mse(W, b, X, y):
        return torch.mean((torch.tanh(X @ W + b) - y) ** 2)

    def rosenbrock(x):
        return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def mlp_xent(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        logits = h @ W2 + b2
        m = torch.amax(logits, dim=1, keepdim=True)
        lse = m + torch.log(torch.sum(torch.exp(logits - m), dim=1, keepdim=True))
        return -torch.mean(torch.sum(Y * (logits - lse), dim=1))

    def rnn(W, U, xs):
        h = torch.zeros(W.shape[0], dtype=W.dtype)
        for t in range(xs.shape[0]):
            h = torch.tanh(W @ h + U @ xs[t])
        return torch.sum(h**2)

    def euler_oscillator(k, c):
        pos, vel = 1.0, 0.0
        for _ in range(200):
            acc = -k * pos - c * vel
            vel = vel + 0.01 * acc
            pos = pos + 0.01 * vel
        return pos**2

    def logreg(w, X, y, lam):
        z = X @ w
        zero = torch.zeros((), dtype=z.dtype)
        return torch.mean(torch.logaddexp(zero, -y * z)) + lam * torch.sum(w**2)

    def branchy(x):
        total = 0.0
        for i in range(x.shape[0]):
            if x[i] > 0:
                total = total + torch.sin(x[i]) * x[i]
            else:
                total = total + torch.exp(x[i]) - 1.0
        return total

    def heat(c, u0):
        u = u0
        for _ in range(100):
            u = u + 0.1 * c * (torch.roll(u, 1) - 2.0 * u + torch.roll(u, -1))
        return torch.sum(u**2)

    return dict(
        mlp_mse=mlp_mse,
        rosenbrock=rosenbrock,
        mlp_xent=mlp_xent,
        rnn=rnn,
        euler_oscillator=euler_oscillator,
        logreg=logreg,
        branchy=branchy,
        heat=heat,
    )


# ---------------------------------------------------------------------------
# Uniform front end used by run.py
# ---------------------------------------------------------------------------


class Prepared:
    """A ready-to-time gradient call: `call()` computes, `to_numpy(result)` converts."""

    def __init__(self, call, to_numpy, compile_time=None):
        self.call = call
        self.to_numpy = to_numpy
        self.compile_time = compile_time


class Peer:
    name = ""
    label = ""

    def __init__(self):
        self._impls = None
        self.error = None

    def available(self):
        if self._impls is None and self.error is None:
            try:
                self._impls = self._load()
            except Exception as exc:  # an optional import; anything missing means "—"
                self.error = "%s: %s" % (type(exc).__name__, exc)
        return self._impls is not None

    def version(self):
        return None


class AutogradPeer(Peer):
    name, label = "autograd", "autograd"

    def _load(self):
        return autograd_impls()

    def version(self):
        try:
            from importlib.metadata import version

            return version("autograd")
        except Exception:
            return "?"

    def prepare(self, wl, args):
        import autograd

        fn = self._impls[wl.key]
        nums = _argnums_tuple(wl.argnums)
        if isinstance(wl.argnums, int):
            g = autograd.grad(fn, wl.argnums)
            return Prepared(lambda: g(*args), _to_numpy_tree)

        # autograd differentiates one argument: pack the parameters in a tuple,
        # which is how autograd code is usually written.
        def packed(params, *rest):
            full = list(rest)
            for i, p in zip(nums, params):
                full.insert(i, p)
            return fn(*full)

        params = tuple(args[i] for i in nums)
        rest = tuple(a for i, a in enumerate(args) if i not in nums)
        g = autograd.grad(packed, 0)
        return Prepared(lambda: g(params, *rest), _to_numpy_tree)


def _to_numpy_tree(x):
    if isinstance(x, (tuple, list)):
        return tuple(_to_numpy_tree(v) for v in x)
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if isinstance(x, float):
        return x
    return np.asarray(x)


class JaxPeer(Peer):
    name, label = "jax", "jax"

    def _load(self):
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        return jax_impls()

    def version(self):
        import jax

        return jax.__version__

    def convert(self, wl, args):
        import jax.numpy as jnp

        nums = _argnums_tuple(wl.argnums)
        out = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray) or (i in nums and isinstance(a, float)):
                a = jnp.asarray(
                    a,
                    dtype=jnp.float64 if np.issubdtype(np.asarray(a).dtype, np.floating) else None,
                )
            out.append(a)
        return tuple(out)

    def prepare(self, wl, args):
        import jax

        fn = self._impls[0][wl.key]
        g = jax.grad(fn, argnums=wl.argnums)
        jargs = self.convert(wl, args)
        jax.block_until_ready(jargs)
        return Prepared(lambda: jax.block_until_ready(g(*jargs)), _to_numpy_tree)


class JaxJitPeer(JaxPeer):
    name, label = "jit", "jax.jit"

    def prepare(self, wl, args):
        import jax

        fn = self._impls[1][wl.key]
        g = jax.jit(jax.grad(fn, argnums=wl.argnums))
        jargs = self.convert(wl, args)
        jax.block_until_ready(jargs)
        t0 = time.perf_counter()
        jax.block_until_ready(g(*jargs))
        compile_time = time.perf_counter() - t0
        return Prepared(lambda: jax.block_until_ready(g(*jargs)), _to_numpy_tree, compile_time)


class TorchPeer(Peer):
    name, label = "torch", "torch"

    def _load(self):
        import torch

        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass  # already set; only allowed once per process
        return torch_impls()

    def version(self):
        import torch

        return torch.__version__

    def convert(self, wl, args, requires_grad):
        import torch

        nums = _argnums_tuple(wl.argnums)
        out = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray):
                a = torch.from_numpy(a)
            elif i in nums and isinstance(a, float):
                a = torch.tensor(a, dtype=torch.float64)
            if requires_grad and i in nums:
                a = a.detach().requires_grad_(True)
            out.append(a)
        return tuple(out)

    def prepare(self, wl, args):
        fn = self._impls[wl.key]
        targs = self.convert(wl, args, requires_grad=True)
        nums = _argnums_tuple(wl.argnums)
        leaves = [targs[i] for i in nums]
        single = isinstance(wl.argnums, int)

        def call():
            for p in leaves:
                p.grad = None
            loss = fn(*targs)
            loss.backward()
            return leaves[0].grad if single else tuple(p.grad for p in leaves)

        return Prepared(call, _to_numpy_tree)


class TorchFuncPeer(TorchPeer):
    name, label = "torch.func", "torch.func"

    def prepare(self, wl, args):
        import torch.func

        fn = self._impls[wl.key]
        targs = self.convert(wl, args, requires_grad=False)
        g = torch.func.grad(fn, argnums=wl.argnums)
        return Prepared(lambda: g(*targs), _to_numpy_tree)


def all_peers():
    return [AutogradPeer(), JaxPeer(), JaxJitPeer(), TorchPeer(), TorchFuncPeer()]
