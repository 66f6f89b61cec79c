"""`cellax.random` continuous distributions built by transforming uniform and normal
draws: exponential, cauchy, laplace, logistic, gumbel, pareto, rayleigh, wald,
triangular, lognormal, truncated_normal, maxwell, double_sided_maxwell, weibull_min.

Each public function validates its arguments the way `jax.random` does, then calls a
staged (jitted) sampler on the key data that performs the same operations in the same
order as JAX, so the floats agree bit for bit.
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.api import jit
from cellax.random._basic import (
    _bits_data, _broadcast_shapes_or_raise, _check_all_safe_to_cast, _check_broadcast_shapes,
    _check_param_shapes, _key_data, _normal, _sample_dtype, _split_n, _uniform)


def _const(x, value):
    return np.array(value, dtypes.dtype(x))[()]


# -- exponential, cauchy, laplace, logistic


def _exponential(data, shape, dtype):
    u = _uniform(data, shape, dtype)
    # log1p(-u) keeps the argument of the log in (0, 1].
    return lax.neg(lax.log1p(lax.neg(u)))


_exponential_jit = jit(_exponential, static_argnums=(1, 2))


def exponential(key, shape=(), dtype=None):
    """Exponential(1) random values."""
    data = _key_data("exponential", key)
    dtype = _sample_dtype("exponential", dtype)
    return _exponential_jit(data, core.canonicalize_shape(shape), dtype)


def _cauchy(data, shape, dtype):
    u = _uniform(data, shape, dtype, dtypes.finfo(dtype).eps, 1.0)
    return lax.tan(lax.mul(_const(u, np.pi), lax.sub(u, _const(u, 0.5))))


_cauchy_jit = jit(_cauchy, static_argnums=(1, 2))


def cauchy(key, shape=(), dtype=None):
    """Standard Cauchy random values."""
    data = _key_data("cauchy", key)
    dtype = _sample_dtype("cauchy", dtype)
    return _cauchy_jit(data, core.canonicalize_shape(shape), dtype)


def _laplace(data, shape, dtype):
    u = _uniform(data, shape, dtype, -1.0 + dtypes.finfo(dtype).epsneg, 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


_laplace_jit = jit(_laplace, static_argnums=(1, 2))


def laplace(key, shape=(), dtype=None):
    """Standard Laplace random values."""
    data = _key_data("laplace", key)
    dtype = _sample_dtype("laplace", dtype)
    return _laplace_jit(data, core.canonicalize_shape(shape), dtype)


def _logistic(data, shape, dtype):
    x = _uniform(data, shape, dtype, dtypes.finfo(dtype).tiny, 1.0)
    return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


_logistic_jit = jit(_logistic, static_argnums=(1, 2))


def logistic(key, shape=(), dtype=None):
    """Standard logistic random values."""
    data = _key_data("logistic", key)
    dtype = _sample_dtype("logistic", dtype)
    return _logistic_jit(data, core.canonicalize_shape(shape), dtype)


# -- gumbel


def _u32_pair_to_float(words):
    """Two uint32 words (a 64-bit fixed-point fraction) as the nearest float32 below."""
    info = dtypes.finfo(np.float32)
    u32 = np.uint32
    hi, lo = words[0], words[1]
    hiclz, loclz = lax.clz(hi), lax.clz(lo)
    mantissa = lax.bitwise_or(
        lax.shift_left(hi, hiclz),
        jnp.where(hiclz == 32, lax.shift_left(lo, loclz),
                  lax.shift_right_logical(lo, info.bits - hiclz)))
    mantissa = lax.shift_right_logical(mantissa, np.array(info.bits - info.nmant - 1, u32))
    mantissa = lax.bitwise_and(mantissa, np.array((1 << info.nmant) - 1, u32))
    exp = lax.shift_left(-info.minexp - jnp.where(hiclz == 32, 32 + loclz, hiclz),
                         np.array(info.nmant, u32))
    exp = lax.bitwise_and(exp, np.array((1 << (info.bits - 2)) - (1 << (info.nmant - 1)), u32))
    return lax.bitcast_convert_type(lax.bitwise_or(exp, mantissa), np.float32)


def _gumbel(data, shape, dtype, mode):
    info = dtypes.finfo(dtype)
    if dtype == np.float32 and mode == "highest":
        u32 = np.uint32
        words = _bits_data(data, 32, (2, *shape))
        neg = lax.bitwise_not(words)
        lo_neg = neg[1]
        # 1 - u as a 64-bit fixed-point number: negate and add one with carry.
        neg = neg + jnp.array([lo_neg == np.array(0xFFFFFFFF, u32), jnp.ones_like(lo_neg)],
                              dtype=u32)
        flip = words[0] < np.array(1 << 31, u32)
        x = _u32_pair_to_float(jnp.where(flip, words, neg))
        return jnp.where(flip, -jnp.log(-jnp.log1p(-x)), -jnp.log(-jnp.log(x)))
    if mode in ("high", "highest"):
        both = _uniform(data, (2, *shape), dtype, 0.0, 1.0)
        high, low = both[0], both[1]
        x = jnp.where(high >= 0.5, high, high + 2 ** -(info.nmant) * low + info.tiny)
        return -jnp.log(-jnp.log1p(-x))
    return -jnp.log(-jnp.log(_uniform(data, shape, dtype, info.tiny, 1.0)))


_gumbel_jit = jit(_gumbel, static_argnums=(1, 2, 3))


def _gumbel_mode(mode):
    if mode is None:
        from cellax.config import config
        mode = "high" if config.read("jax_use_high_dynamic_range_gumbel") else "low"
    if mode not in ("highest", "high", "low"):
        raise ValueError("Must provide valid mode for gumbel got: %s" % mode)
    return mode


def gumbel(key, shape=(), dtype=None, mode=None):
    """Standard Gumbel random values."""
    data = _key_data("gumbel", key)
    dtype = _sample_dtype("gumbel", dtype)
    shape = core.canonicalize_shape(shape)
    return _gumbel_jit(data, shape, dtype, _gumbel_mode(mode))


# -- pareto, rayleigh, wald, triangular, lognormal


def _pareto(data, b, shape, dtype):
    b = lax.convert_element_type(b, dtype)
    return lax.exp(_exponential_jit(data, shape, dtype) / b)


_pareto_jit = jit(_pareto, static_argnums=(2, 3))


def pareto(key, b, shape=None, dtype=None):
    """Pareto random values with shape parameter `b`."""
    data = _key_data("pareto", key)
    dtype = _sample_dtype("pareto", dtype)
    shape = _check_broadcast_shapes("pareto", shape, b)
    _check_all_safe_to_cast("pareto", dtype, b)
    return _pareto_jit(data, b, shape, dtype)


def _rayleigh(data, scale, shape, dtype):
    u = _uniform(data, shape, dtype)
    scale = jnp.broadcast_to(scale.astype(dtype), shape)
    root = lax.sqrt(lax.mul(lax.log(u), _const(scale, -2)))
    return lax.mul(scale, root)


_rayleigh_jit = jit(_rayleigh, static_argnums=(2, 3))


def rayleigh(key, scale, shape=None, dtype=None):
    """Rayleigh random values with the given scale."""
    data = _key_data("rayleigh", key)
    dtype = _sample_dtype("rayleigh", dtype)
    shape = _check_broadcast_shapes("rayleigh", shape, scale)
    _check_all_safe_to_cast("rayleigh", dtype, scale)
    return _rayleigh_jit(data, scale, shape, dtype)


def _wald(data, mean, shape, dtype):
    k1, k2 = _split_n(data, 2)
    mean = jnp.broadcast_to(mean.astype(dtype), shape)
    v = _normal(k1, shape, dtype)
    z = _uniform(k2, shape, dtype)
    y = lax.integer_pow(v, 2)
    y_sq = lax.integer_pow(y, 2)
    mean_sq = lax.integer_pow(mean, 2)
    sqrt_term = lax.sqrt(4 * mean * y + mean_sq * y_sq)
    x = mean + mean_sq * y / 2 - mean / 2 * sqrt_term
    return lax.select(lax.le(z, mean / (mean + x)), x, mean_sq / x)


_wald_jit = jit(_wald, static_argnums=(2, 3))


def wald(key, mean, shape=None, dtype=None):
    """Wald (inverse Gaussian) random values with the given mean."""
    data = _key_data("wald", key)
    dtype = _sample_dtype("wald", dtype)
    shape = _check_broadcast_shapes("wald", shape, mean)
    _check_all_safe_to_cast("wald", dtype, mean)
    return _wald_jit(data, mean, shape, dtype)


def _triangular(data, left, mode, right, shape, dtype):
    left = jnp.broadcast_to(lax.convert_element_type(left, dtype), shape)
    right = jnp.broadcast_to(lax.convert_element_type(right, dtype), shape)
    mode = jnp.broadcast_to(lax.convert_element_type(mode, dtype), shape)
    fc = (mode - left) / (right - left)
    u = _uniform(data, shape, dtype)
    out1 = left + lax.sqrt(u * (right - left) * (mode - left))
    out2 = right - lax.sqrt((1 - u) * (right - left) * (right - mode))
    return lax.select(u < fc, out1, out2)


_triangular_jit = jit(_triangular, static_argnums=(4, 5), inline=True)


def triangular(key, left, mode, right, shape=None, dtype=None):
    """Triangular random values on [left, right] peaking at `mode`."""
    data = _key_data("triangular", key)
    dtype = _sample_dtype("triangular", dtype)
    shape = _check_broadcast_shapes("triangular", shape, left, mode, right)
    _check_all_safe_to_cast("triangular", dtype, left, mode, right)
    return _triangular_jit(data, left, mode, right, shape, dtype)


def _lognormal(data, sigma, shape, dtype):
    sigma = lax.convert_element_type(sigma, dtype)
    return lax.exp(_normal(data, shape, dtype) * sigma)


_lognormal_jit = jit(_lognormal, static_argnums=(2, 3), inline=True)


def lognormal(key, sigma=np.float32(1), shape=None, dtype=None):
    """exp(sigma * N(0, 1)) random values."""
    data = _key_data("lognormal", key)
    dtype = _sample_dtype("lognormal", dtype, "inexact")
    shape = _check_broadcast_shapes("lognormal", shape, sigma)
    _check_all_safe_to_cast("lognormal", dtype, sigma)
    return _lognormal_jit(data, sigma, shape, dtype)


# -- truncated_normal


def _truncated_normal(data, lower, upper, shape, dtype):
    if shape is None:
        shape = _broadcast_shapes_or_raise(np.shape(lower), np.shape(upper))
    else:
        _check_param_shapes("truncated_normal", shape, np.shape(lower), np.shape(upper))
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a = lax.erf(lower / sqrt2)
    b = lax.erf(upper / sqrt2)
    u = _uniform(data, shape, dtype, a, b)
    out = sqrt2 * lax.erf_inv(u)
    # Rounding (or u == a) could land on a bound; keep to the open interval.
    return jnp.clip(out,
                    lax.nextafter(lax.stop_gradient(lower), np.array(np.inf, dtype)),
                    lax.nextafter(lax.stop_gradient(upper), np.array(-np.inf, dtype)))


_truncated_normal_jit = jit(_truncated_normal, static_argnums=(3, 4))


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Standard normal values truncated to the open interval (lower, upper)."""
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    data = _key_data("truncated_normal", key)
    dtype = _sample_dtype("truncated_normal", dtype)
    return _truncated_normal_jit(data, lower, upper, shape, dtype)


# -- maxwell, double_sided_maxwell, weibull_min


def _maxwell(data, shape, dtype):
    from cellax.numpy import linalg
    # Through jnp.linalg.norm's own jit, as JAX does: XLA fuses across that call boundary
    # differently, which changes the last bit of some norms.
    return linalg.norm(_normal(data, (*shape, 3), dtype), axis=-1)


_maxwell_jit = jit(_maxwell, static_argnums=(1, 2))


def maxwell(key, shape=(), dtype=None):
    """Maxwell-Boltzmann random values (the norm of a 3-d standard normal)."""
    data = _key_data("maxwell", key)
    dtype = _sample_dtype("maxwell", dtype)
    return _maxwell_jit(data, core.canonicalize_shape(shape), dtype)


def _double_sided_maxwell(data, loc, scale, shape, dtype):
    from cellax.random._discrete import _rademacher
    params_shape = _broadcast_shapes_or_raise(np.shape(loc), np.shape(scale))
    if not shape:
        shape = params_shape
    # JAX appends the parameters' shape even when it was just used as the shape.
    shape = shape + params_shape
    maxwell_key, sign_key = _split_n(data, 2)
    rvs = _maxwell_jit(maxwell_key, shape, dtype)
    sign = _rademacher(sign_key, shape, dtype)
    return sign * rvs * scale + loc


_double_sided_maxwell_jit = jit(_double_sided_maxwell, static_argnums=(3, 4))


def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
    """Maxwell values with a random sign, scaled by `scale` and shifted by `loc`."""
    data = _key_data("double_sided_maxwell", key)
    dtype = _sample_dtype("double_sided_maxwell", dtype)
    return _double_sided_maxwell_jit(data, loc, scale, core.canonicalize_shape(shape), dtype)


def _weibull_min(data, scale, concentration, shape, dtype):
    u = _uniform(data, shape, dtype, 0, 1)
    return jnp.power(-jnp.log1p(-u), 1.0 / concentration) * scale


_weibull_min_jit = jit(_weibull_min, static_argnums=(3, 4))


def weibull_min(key, scale, concentration, shape=(), dtype=None):
    """Weibull random values (inverse-CDF sampling)."""
    data = _key_data("weibull_min", key)
    dtype = _sample_dtype("weibull_min", dtype)
    return _weibull_min_jit(data, scale, concentration, core.canonicalize_shape(shape), dtype)


__all__ = ["exponential", "cauchy", "laplace", "logistic", "gumbel", "pareto", "rayleigh",
           "wald", "triangular", "lognormal", "truncated_normal", "maxwell",
           "double_sided_maxwell", "weibull_min"]

