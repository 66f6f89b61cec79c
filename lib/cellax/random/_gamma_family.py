"""`cellax.random` distributions built on the gamma sampler (`random_gamma_p`): gamma,
loggamma, beta, dirichlet, t, chisquare, f, generalized_normal, ball; and the two
samplers built on linear algebra: multivariate_normal and orthogonal.

Gamma draws are differentiable with respect to the shape parameter `a` (implicit
reparameterisation, through `lax.random_gamma_grad`), so everything here is too.
"""
from __future__ import annotations

import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.api import jit
from cellax.primitives.random_gamma import random_gamma_p
from cellax.random._basic import (
    _broadcast_shapes_or_raise, _check_all_safe_to_cast, _check_broadcast_shapes,
    _check_param_shapes, _key_data, _normal, _sample_dtype, _split_n)
from cellax.random._continuous import _exponential_jit


def _concrete_index(value, what: str) -> int:
    return operator.index(core.concrete_or_error(value, f"The error occurred in {what}"))


# -- gamma, loggamma


def _gamma(data, a, shape, dtype, log_space=False):
    if shape is None:
        shape = np.shape(a)
    else:
        _check_param_shapes("gamma", shape, np.shape(a))
    a = lax.convert_element_type(a, dtype)
    if np.shape(a) != shape:
        a = jnp.broadcast_to(a, shape)
    return random_gamma_p.bind(data, a, log_space=log_space)


_gamma_jit = jit(_gamma, static_argnames=("shape", "dtype", "log_space"))


def _gamma_draw(data, a, shape, dtype, log_space=False):
    return _gamma_jit(data, a, shape=shape, dtype=dtype, log_space=log_space)


def gamma(key, a, shape=None, dtype=None):
    """Gamma(a, 1) random values (differentiable with respect to `a`)."""
    data = _key_data("gamma", key)
    dtype = _sample_dtype("gamma", dtype)
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    return _gamma_draw(data, a, shape, dtype)


def loggamma(key, a, shape=None, dtype=None):
    """log of Gamma(a, 1) random values, accurate for small `a`."""
    data = _key_data("loggamma", key)
    dtype = _sample_dtype("loggamma", dtype, message_name="gamma")
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    return _gamma_draw(data, a, shape, dtype, log_space=True)


# -- beta, dirichlet


def _beta(data, a, b, shape, dtype):
    if shape is None:
        shape = _broadcast_shapes_or_raise(np.shape(a), np.shape(b))
    else:
        _check_param_shapes("beta", shape, np.shape(a), np.shape(b))
    a = lax.convert_element_type(a, dtype)
    b = lax.convert_element_type(b, dtype)
    key_a, key_b = _split_n(data, 2)
    a = jnp.broadcast_to(a, shape)
    b = jnp.broadcast_to(b, shape)
    log_gamma_a = _gamma_draw(key_a, a, shape, dtype, log_space=True)
    log_gamma_b = _gamma_draw(key_b, b, shape, dtype, log_space=True)
    # gamma_a / (gamma_a + gamma_b), scaled by the larger one to stay finite.
    log_max = lax.max(log_gamma_a, log_gamma_b)
    gamma_a_scaled = jnp.exp(log_gamma_a - log_max)
    gamma_b_scaled = jnp.exp(log_gamma_b - log_max)
    return gamma_a_scaled / (gamma_a_scaled + gamma_b_scaled)


_beta_jit = jit(_beta, static_argnums=(3, 4))


def beta(key, a, b, shape=None, dtype=None):
    """Beta(a, b) random values."""
    data = _key_data("beta", key)
    dtype = _sample_dtype("beta", dtype)
    _check_all_safe_to_cast("beta", dtype, a, b)
    shape = _check_broadcast_shapes("beta", shape, a, b)
    return _beta_jit(data, a, b, shape, dtype)


def _dirichlet(data, alpha, shape, dtype):
    from cellax.nn import softmax
    if not np.ndim(alpha) >= 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == "
                         f"{np.ndim(alpha)}")
    if shape is None:
        shape = np.shape(alpha)[:-1]
    else:
        _check_param_shapes("dirichlet", shape, np.shape(alpha)[:-1])
    alpha = lax.convert_element_type(alpha, dtype)
    # Log space keeps small concentrations from underflowing to 0/0.
    log_gamma_samples = _gamma_draw(data, alpha, shape + np.shape(alpha)[-1:], dtype,
                                    log_space=True)
    return softmax(log_gamma_samples, -1)


_dirichlet_jit = jit(_dirichlet, static_argnums=(2, 3))


def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet(alpha) random vectors along the last axis."""
    data = _key_data("dirichlet", key)
    dtype = _sample_dtype("dirichlet", dtype)
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    return _dirichlet_jit(data, alpha, shape, dtype)


# -- t, chisquare, f


def _t(data, df, shape, dtype):
    if shape is None:
        shape = np.shape(df)
    else:
        _check_param_shapes("t", shape, np.shape(df))
    df = lax.convert_element_type(df, dtype)
    key_n, key_g = _split_n(data, 2)
    n = _normal(key_n, shape, dtype)
    half_df = lax.div(df, np.array(2, dtype)[()])
    g = _gamma_draw(key_g, half_df, shape, dtype)
    return n * jnp.sqrt(half_df / g)


_t_jit = jit(_t, static_argnums=(2, 3))


def t(key, df, shape=None, dtype=None):
    """Student's t random values with `df` degrees of freedom."""
    data = _key_data("t", key)
    dtype = _sample_dtype("t", dtype)
    shape = _check_broadcast_shapes("t", shape, df)
    _check_all_safe_to_cast("t", dtype, df)
    return _t_jit(data, df, shape, dtype)


def _chisquare(data, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    two = np.array(2, dtype)[()]
    half_df = lax.div(df, two)
    log_g = _gamma_draw(data, half_df, shape, dtype, log_space=True)
    return lax.mul(jnp.exp(log_g), two)


_chisquare_jit = jit(_chisquare, static_argnums=(2, 3))


def chisquare(key, df, shape=None, dtype=None):
    """Chi-square random values with `df` degrees of freedom."""
    data = _key_data("chisquare", key)
    dtype = _sample_dtype("chisquare", dtype)
    shape = _check_broadcast_shapes("chisquare", shape, df)
    _check_all_safe_to_cast("chisquare", dtype, df)
    return _chisquare_jit(data, df, shape, dtype)


def _f(data, dfnum, dfden, shape, dtype):
    dfden = lax.convert_element_type(dfden, dtype)
    dfnum = lax.convert_element_type(dfnum, dtype)
    key_dfd, key_dfn = _split_n(data, 2)
    chi2_dfn = _chisquare_jit(key_dfn, dfnum, _check_broadcast_shapes("chisquare", shape, dfnum),
                              dtype)
    chi2_dfd = _chisquare_jit(key_dfd, dfden, _check_broadcast_shapes("chisquare", shape, dfden),
                              dtype)
    return lax.div(lax.div(chi2_dfn, dfnum), lax.div(chi2_dfd, dfden))


_f_jit = jit(_f, static_argnums=(3, 4))


def f(key, dfnum, dfden, shape=None, dtype=None):
    """F-distribution random values with (dfnum, dfden) degrees of freedom."""
    data = _key_data("f", key)
    dtype = _sample_dtype("f", dtype)
    shape = _check_broadcast_shapes("f", shape, dfnum, dfden)
    _check_all_safe_to_cast("f", dtype, dfnum, dfden)
    return _f_jit(data, dfnum, dfden, shape, dtype)


# -- generalized_normal, ball


def _generalized_normal(data, p, shape, dtype):
    from cellax.random._discrete import _rademacher
    k0, k1 = _split_n(data, 2)
    g = _gamma_draw(k0, 1 / p, shape, dtype)
    r = _rademacher(k1, shape, dtype)
    return r * g ** (1 / p)


_generalized_normal_jit = jit(_generalized_normal, static_argnums=(2, 3))


def generalized_normal(key, p, shape=(), dtype=None):
    """Generalized normal random values with shape parameter `p` (density ~ exp(-|x|^p))."""
    shape = core.canonicalize_shape(shape)
    data = _key_data("generalized_normal", key)
    dtype = _sample_dtype("generalized_normal", dtype, "any")
    return _generalized_normal_jit(data, p, shape, dtype)


def _ball(data, p, d, shape, dtype):
    k1, k2 = _split_n(data, 2)
    g = _generalized_normal_jit(k1, p, (*shape, d), dtype)
    e = _exponential_jit(k2, shape, dtype)
    return g / (((jnp.abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


_ball_jit = jit(_ball, static_argnums=(2, 3, 4))


def ball(key, d, p=2, shape=(), dtype=None):
    """Points drawn uniformly from the unit `p`-norm ball in `d` dimensions."""
    shape = core.canonicalize_shape(shape)
    data = _key_data("ball", key)
    dtype = _sample_dtype("ball", dtype, "any")
    d = _concrete_index(d, "jax.random.ball()")
    return _ball_jit(data, p, d, shape, dtype)


# -- multivariate_normal, orthogonal (need cellax.numpy.linalg)


def _multivariate_normal(data, mean, cov, shape, dtype, method):
    from cellax.numpy import linalg
    if not np.ndim(mean) >= 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{np.ndim(mean)}")
    if not np.ndim(cov) >= 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{np.ndim(cov)}")
    n = mean.shape[-1]
    if np.shape(cov)[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {np.shape(cov)}.")
    if shape is None:
        shape = _broadcast_shapes_or_raise(mean.shape[:-1], cov.shape[:-2])
    else:
        _check_param_shapes("normal", shape, mean.shape[:-1], cov.shape[:-2])
    if method == "svd":
        u, s, _ = linalg.svd(cov)
        factor = u * jnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = linalg.eigh(cov)
        factor = v * jnp.sqrt(w[..., None, :])
    else:
        factor = linalg.cholesky(cov)
    samples = _normal(data, shape + mean.shape[-1:], dtype)
    return mean + jnp.einsum("...ij,...j->...i", factor, samples)


_multivariate_normal_jit = jit(_multivariate_normal, static_argnums=(3, 4, 5))


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Multivariate normal random vectors with the given mean and covariance."""
    from cellax.numpy._core import promote_dtypes_inexact
    data = _key_data("multivariate_normal", key)
    mean, cov = promote_dtypes_inexact(jnp.asarray(mean), jnp.asarray(cov))
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dtype = mean.dtype if dtype is None else dtypes.check_user_dtype(dtype)
    if not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `multivariate_normal` must be a float dtype, "
                         f"got {dtype}")
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    return _multivariate_normal_jit(data, mean, cov, shape, dtype, method)


def _orthogonal(data, n, m, shape, dtype):
    from cellax.numpy import linalg
    z = _normal(data, (*shape, max(n, m), min(n, m)), dtype)
    q, r = linalg.qr(z)
    d = jnp.diagonal(r, axis1=-2, axis2=-1)
    x = q * jnp.expand_dims(jnp.sign(d), -2)
    return jnp.swapaxes(x, -1, -2) if n < m else x


_orthogonal_jit = jit(_orthogonal, static_argnums=(1, 2, 3, 4))


def orthogonal(key, n, shape=(), dtype=None, m=None):
    """Random matrices with orthonormal columns (or rows), Haar distributed."""
    m_ = n if m is None else m
    shape = core.canonicalize_shape(shape)
    data = _key_data("orthogonal", key)
    dtype = _sample_dtype("orthogonal", dtype, "any")
    n = _concrete_index(n, "jax.random.orthogonal()")
    m_ = _concrete_index(m_, "jax.random.orthogonal()")
    return _orthogonal_jit(data, n, m_, shape, dtype)


__all__ = ["gamma", "loggamma", "beta", "dirichlet", "t", "chisquare", "f",
           "generalized_normal", "ball", "multivariate_normal", "orthogonal"]
