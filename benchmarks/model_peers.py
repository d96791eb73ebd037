"""The model workloads of model_workloads.py for autograd and JAX (peers.py merges them).

Same operations as the NumPy originals, in each peer's namespaces: ``autograd.numpy`` /
``autograd.scipy`` and ``jax.numpy`` / ``jax.scipy``.
"""
import math


def _models(np, linalg, special, norm):
    def gp_nlml(theta, X, y):
        n = y.shape[0]
        sq = np.sum(X ** 2, axis=1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * np.dot(X, X.T)
        K = np.exp(2.0 * theta[1]) * np.exp(-0.5 * d2 / np.exp(2.0 * theta[0])) \
            + np.exp(2.0 * theta[2]) * np.eye(n)
        L = np.linalg.cholesky(K)
        alpha = linalg.solve_triangular(L, y, lower=True)
        return 0.5 * np.dot(alpha, alpha) + np.sum(np.log(np.diag(L))) \
            + 0.5 * n * math.log(2 * math.pi)

    def attention(Wq, Wk, Wv, Wo, x, target):
        d = Wq.shape[2]
        q = np.einsum("bte,ehd->bthd", x, Wq)
        k = np.einsum("bte,ehd->bthd", x, Wk)
        v = np.einsum("bte,ehd->bthd", x, Wv)
        s = np.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d)
        e = np.exp(s - np.max(s, axis=-1, keepdims=True))
        weights = e / np.sum(e, axis=-1, keepdims=True)
        out = np.einsum("bhqk,bkhd->bqhd", weights, v)
        y = np.einsum("bqhd,hde->bqe", out, Wo)
        return np.mean((y - target) ** 2)

    def gmm_loglik(logits, means, log_scales, X):
        log_weights = logits - special.logsumexp(logits)
        z = (X[:, None, :] - means[None, :, :]) / np.exp(log_scales)[None, :, :]
        log_comp = np.sum(-0.5 * z ** 2 - log_scales[None, :, :], axis=2) \
            - 0.5 * X.shape[1] * math.log(2 * math.pi)
        return np.sum(special.logsumexp(log_weights[None, :] + log_comp, axis=1))

    def vi_elbo(mu, log_sigma, X, y, eps, noise):
        total = 0.0
        for s in range(eps.shape[0]):
            w = mu + np.exp(log_sigma) * eps[s]
            total = total + np.sum(norm.logpdf(y, np.dot(X, w), noise)) \
                + np.sum(norm.logpdf(w, 0.0, 1.0))
        return total / eps.shape[0] + np.sum(log_sigma)

    return dict(gp_nlml=gp_nlml, attention=attention, gmm_loglik=gmm_loglik, vi_elbo=vi_elbo)


def autograd_models():
    import autograd.numpy as anp
    import autograd.scipy.linalg as alinalg
    import autograd.scipy.special as aspecial
    from autograd.scipy.stats import norm

    return _models(anp, alinalg, aspecial, norm)


def jax_models():
    import jax.numpy as jnp
    import jax.scipy.linalg as jlinalg
    import jax.scipy.special as jspecial
    from jax.scipy.stats import norm

    return _models(jnp, jlinalg, jspecial, norm)
