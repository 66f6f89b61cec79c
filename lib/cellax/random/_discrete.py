"""`cellax.random` discrete distributions and resampling: bernoulli, rademacher,
categorical, permutation, choice, poisson, geometric, binomial, multinomial.

The rejection samplers (poisson, binomial) run JAX's `while` loops with the same key
schedule, so the same key gives the same counts; permutation sorts by random 32-bit keys
(`lax.sort_key_val`) the same number of rounds as JAX.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.api import jit
from cellax.numpy._core import _check_arraylike, promote_dtypes_inexact
from cellax.random._basic import (
    _bits_data, _broadcast_shapes_or_raise, _check_broadcast_shapes, _check_param_shapes,
    _key_data, _sample_dtype, _split_n, _uniform, randint, uniform)
from cellax.random._continuous import gumbel


def _canonicalize_axis(axis, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


# -- bernoulli, rademacher


def _bernoulli(data, p, shape, mode):
    if shape is None:
        shape = np.shape(p)
    else:
        _check_param_shapes("bernoulli", shape, np.shape(p))
    dtype = dtypes.dtype(p)
    if mode == "high":
        u = _uniform(data, (2, *shape), dtype)
        u1, u2 = u[0], u[1]
        # Add the next bits of resolution below the first draw's last mantissa bit.
        u2 = u2 * 2 ** -dtypes.finfo(dtype).nmant
        return u2 < p - u1
    return _uniform(data, shape, dtype) < p


_bernoulli_jit = jit(_bernoulli, static_argnames=("shape", "mode"))


def bernoulli(key, p=0.5, shape=None, mode="low"):
    """Random booleans, True with probability `p`."""
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    if mode not in ["high", "low"]:
        raise ValueError(f"got {mode=}, expected 'high' or 'low'")
    data = _key_data("bernoulli", key)
    dtype = dtypes.dtype(p)
    if not dtypes.is_float(dtype):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
    p = lax.convert_element_type(p, dtype)
    return _bernoulli_jit(data, p, shape=shape, mode=mode)


def _rademacher(data, shape, dtype):
    half = lax.convert_element_type(0.5, dtypes.default_float_dtype())
    b = _bernoulli_jit(data, half, shape=shape, mode="low").astype(dtype)
    return (2 * b - 1).astype(dtype)


_rademacher_jit = jit(_rademacher, static_argnums=(1, 2))


def rademacher(key, shape=(), dtype=None):
    """Random -1 / +1 values with equal probability."""
    data = _key_data("rademacher", key)
    dtype = dtypes.check_user_dtype(int if dtype is None else dtype)
    return _rademacher_jit(data, core.canonicalize_shape(shape), dtype)


# -- categorical


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None):
    """Indices drawn from the categorical distributions given by `logits` along `axis`."""
    data = _key_data("categorical", key)
    _check_arraylike("categorical", logits)
    logits_arr = jnp.asarray(logits)
    batch_shape = tuple(np.delete(logits_arr.shape, axis))
    if shape is None:
        shape = batch_shape
    else:
        shape = core.canonicalize_shape(shape)
        _check_param_shapes("categorical", shape, batch_shape)
    ndim = logits_arr.ndim
    shape_prefix = shape[:len(shape) - len(batch_shape)]
    if replace:
        if axis >= 0:
            axis -= ndim
        logits_shape = list(shape[len(shape) - len(batch_shape):])
        logits_shape.insert(axis % ndim, logits_arr.shape[axis])
        noise = gumbel(data, (*shape_prefix, *logits_shape), logits_arr.dtype, mode=mode)
        return jnp.argmax(noise + lax.expand_dims(logits_arr, tuple(range(len(shape_prefix)))),
                          axis=axis)
    # Without replacement: the Gumbel top-k trick.
    logits_arr = logits_arr + gumbel(data, logits_arr.shape, logits_arr.dtype, mode=mode)
    k = math.prod(shape_prefix)
    if k > logits_arr.shape[axis]:
        raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number "
                         f"of categories ({logits_arr.shape[axis]}).")
    _, indices = lax.top_k(jnp.moveaxis(logits_arr, axis, -1), k)
    dimensions = (indices.ndim - 1, *range(indices.ndim - 1))
    return lax.reshape(indices, shape, dimensions)


# -- permutation, choice


def _shuffle(data, x, axis):
    # Sorting by random 32-bit keys; repeated rounds make key collisions (which would
    # bias the order) negligible. Same round count as JAX.
    size = math.prod(x.shape)
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        data, sub = _split_n(data, 2)
        sort_keys = _bits_data(sub, 32, tuple(x.shape))
        _, x = lax.sort_key_val(sort_keys, x, axis)
    return x


_shuffle_jit = jit(_shuffle, static_argnums=(2,))


def permutation(key, x, axis=0, independent=False):
    """A random permutation of `arange(x)` (int `x`) or of `x` along `axis`."""
    data = _key_data("permutation", key)
    _check_arraylike("permutation", x)
    axis = _canonicalize_axis(axis, np.ndim(x) or 1)
    if not np.ndim(x):
        if not dtypes.is_integer(dtypes.dtype(x)):
            raise TypeError("x must be an integer or at least 1-dimensional")
        r = operator.index(core.concrete_or_error(
            x, "argument x of jax.random.permutation()"))
        return _shuffle_jit(data, jnp.arange(r), axis)
    if independent or np.ndim(x) == 1:
        return _shuffle_jit(data, x, axis)
    ind = _shuffle_jit(data, jnp.arange(x.shape[axis]), 0)
    return jnp.take(x, ind, axis, unique_indices=True)


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    """Random samples from `a` (or `arange(a)`), with or without replacement."""
    data = _key_data("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
    _check_arraylike("choice", a)
    arr = jnp.asarray(a)
    if arr.ndim == 0:
        n_inputs = operator.index(core.concrete_or_error(
            a, "The error occurred in jax.random.choice()"))
    else:
        axis = _canonicalize_axis(axis, arr.ndim)
        n_inputs = arr.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return jnp.zeros(shape, dtype=arr.dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is None:
        if replace:
            ind = randint(data, shape, 0, n_inputs)
            result = ind if arr.ndim == 0 else jnp.take(arr, ind, axis)
        else:
            slices = (slice(None),) * axis + (slice(n_draws),)
            result = permutation(data, n_inputs if arr.ndim == 0 else arr, axis)[slices]
    else:
        _check_arraylike("choice", p)
        p_arr, = promote_dtypes_inexact(jnp.asarray(p))
        if p_arr.shape != (n_inputs,):
            raise ValueError("p must be None or a 1D vector with the same size as "
                             f"a.shape[axis]. p has shape {p_arr.shape} and a.shape[axis] "
                             f"is {n_inputs}.")
        if replace:
            p_cuml = jnp.cumsum(p_arr)
            r = p_cuml[-1] * (1 - uniform(data, shape, dtype=p_cuml.dtype))
            ind = jnp.searchsorted(p_cuml, r).astype(int)
        else:
            g = gumbel(data, (n_inputs,), dtype=p_arr.dtype, mode=mode) + jnp.log(p_arr)
            ind = lax.top_k(g, k=n_draws)[1].astype(int)
        result = ind if arr.ndim == 0 else jnp.take(arr, ind, axis)
    return result.reshape(shape if arr.ndim == 0 else
                          arr.shape[0:axis] + tuple(shape) + arr.shape[axis + 1:])


# -- poisson


def _poisson_knuth(data, lam, shape, dtype, max_iters):
    def body(carry):
        i, k, rng, log_prod = carry
        rng, sub = _split_n(rng, 2)
        k = lax.select(log_prod > -lam, k + 1, k)
        u = _uniform(sub, shape, np.dtype(np.float32))
        return i + 1, k, rng, log_prod + jnp.log(u)

    def cond(carry):
        i, log_prod = carry[0], carry[3]
        return (log_prod > -lam).any() & (i < max_iters)

    k_init = lax.full_like(lam, 0, dtype, shape)
    log_rate_init = lax.full_like(lam, 0, np.float32, shape)
    k = lax.while_loop(cond, body, (0, k_init, data, log_rate_init))[1]
    return (k - 1).astype(dtype)


_poisson_knuth_jit = jit(_poisson_knuth, static_argnums=(2, 3, 4))


def _poisson_rejection(data, lam, shape, dtype, max_iters):
    # Hormann's transformed rejection (PTRS).
    log_lam = lax.log(lam)
    b = 0.931 + 2.53 * lax.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)

    def body(carry):
        i, k_out, accepted, rng = carry
        rng, sub0, sub1 = _split_n(rng, 3)
        u = _uniform(sub0, shape, lam.dtype) - 0.5
        v = _uniform(sub1, shape, lam.dtype)
        u_shifted = 0.5 - abs(u)
        k = lax.floor((2 * a / u_shifted + b) * u + lam + 0.43)
        s = lax.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = -lam + k * log_lam - lax.lgamma(k + 1)
        accept1 = (u_shifted >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < 0.013) & (v > u_shifted))
        accept2 = s <= t
        accept = accept1 | (~reject & accept2)
        k_out = lax.select(accept, k, k_out)
        accepted = accepted | accept
        return i + 1, k_out, accepted, rng

    def cond(carry):
        i, _, accepted, _ = carry
        return (~accepted).any() & (i < max_iters)

    k_init = lax.full_like(lam, -1, lam.dtype, shape)
    accepted = lax.full_like(lam, False, np.dtype("bool"), shape)
    k = lax.while_loop(cond, body, (0, k_init, accepted, data))[1]
    return k.astype(dtype)


_poisson_rejection_jit = jit(_poisson_rejection, static_argnums=(2, 3, 4))


def _poisson(data, lam, shape, dtype):
    # Knuth's algorithm below lam = 10, transformed rejection above (as NumPy and TF).
    use_knuth = lax.ne(lam, lam) | (lam < 10)
    lam_knuth = lax.select(use_knuth, lam, lax.full_like(lam, 0.0))
    lam_rejection = lax.select(use_knuth, lax.full_like(lam, 1e5), lam)
    max_iters = dtype.type(np.iinfo(dtype).max)
    result = lax.select(use_knuth,
                        _poisson_knuth_jit(data, lam_knuth, shape, dtype, max_iters),
                        _poisson_rejection_jit(data, lam_rejection, shape, dtype, max_iters))
    return lax.select(lam == 0, jnp.zeros_like(result), result)


_poisson_jit = jit(_poisson, static_argnums=(2, 3))


def poisson(key, lam, shape=None, dtype=None):
    """Poisson random counts with rate `lam`."""
    data = _key_data("poisson", key)
    dtype = dtypes.check_user_dtype(int if dtype is None else dtype)
    shape = core.canonicalize_shape(shape) if shape is not None else np.shape(lam)
    lam = jnp.broadcast_to(lam, shape)
    lam = lax.convert_element_type(lam, np.float32)
    return _poisson_jit(data, lam, shape, dtype)


# -- geometric


def _geometric(data, p, shape, dtype):
    _check_arraylike("geometric", p)
    p, = promote_dtypes_inexact(p)
    u = _uniform(data, shape, p.dtype)
    # u == 0 would give log(0); JAX maps it to 1 (keeping all other draws unchanged).
    u = jnp.where(u == 0, 1, u)
    log_u = lax.log(u)
    log_one_minus_p = jnp.broadcast_to(lax.log1p(-p), shape)
    g = lax.floor(lax.div(log_u, log_one_minus_p)) + 1
    return g.astype(dtype)


_geometric_jit = jit(_geometric, static_argnums=(2, 3))


def geometric(key, p, shape=None, dtype=None):
    """Geometric random counts (trials to the first success, >= 1)."""
    data = _key_data("geometric", key)
    dtype = _sample_dtype("geometric", dtype, "int")
    shape = _check_broadcast_shapes("geometric", shape, p)
    return _geometric_jit(data, p, shape, dtype)


# -- binomial, multinomial


_STIRLING_TAIL = [0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287]


def _stirling_approx_tail(k):
    table = jnp.array(_STIRLING_TAIL, dtype=k.dtype)
    use_table = k <= 9
    k = lax.clamp(np.array(0.0, k.dtype)[()], k, np.array(9.0, k.dtype)[()])
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    k = jnp.floor(k)
    return lax.select(use_table, table[jnp.asarray(k, dtype="int32")], approx)


def _binomial_inversion(data, count, prob, shape, dtype, max_iters):
    log1minusprob = jnp.log1p(-prob)

    def body(carry):
        i, num_geom, geom_sum, rng = carry
        sub, rng = _split_n(rng, 2)
        num_geom_out = lax.select(geom_sum <= count, num_geom + 1, num_geom)
        u = _uniform(sub, shape, prob.dtype)
        geom = jnp.ceil(jnp.log(u) / log1minusprob)
        return i + 1, num_geom_out, geom_sum + geom, rng

    def cond(carry):
        i, geom_sum = carry[0], carry[2]
        return (geom_sum <= count).any() & (i < max_iters)

    num_geom_init = lax.full_like(prob, 0, prob.dtype, shape)
    geom_sum_init = lax.full_like(prob, 0, prob.dtype, shape)
    k = lax.while_loop(cond, body, (0, num_geom_init, geom_sum_init, data))[1]
    return (k - 1).astype(dtype)


def _btrs(data, count, prob, shape, dtype, max_iters):
    # Hormann's transformed rejection with squeeze (BTRS).
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)

    def body(carry):
        i, k_out, accepted, rng = carry
        rng, sub0, sub1 = _split_n(rng, 3)
        u = _uniform(sub0, shape, prob.dtype)
        v = _uniform(sub1, shape, prob.dtype)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = jnp.log(v * alpha / (a / (us * us) + b))
        ub = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
              + (count + 1) * jnp.log((count - m + 1) / (count - k + 1))
              + (k + 0.5) * jnp.log(r * (count - k + 1) / (k + 1))
              + _stirling_approx_tail(m)
              + _stirling_approx_tail(count - m)
              - _stirling_approx_tail(k)
              - _stirling_approx_tail(count - k))
        accept = accept1 | (~reject & (v <= ub))
        k_out = lax.select(accept, k, k_out)
        return i + 1, k_out, accepted | accept, rng

    def cond(carry):
        i, accepted = carry[0], carry[2]
        return (~accepted).any() & (i < max_iters)

    k_init = lax.full_like(prob, -1, prob.dtype, shape)
    carry = (0, k_init, jnp.full(shape, False, bool), data)
    return lax.while_loop(cond, body, carry)[1].astype(dtype)


def _binomial(data, count, prob, shape, dtype):
    if shape is None:
        shape = _broadcast_shapes_or_raise(np.shape(count), np.shape(prob))
    else:
        _check_param_shapes("binomial", shape, np.shape(count), np.shape(prob))
    # Staged inline, so Python scalars arrive as they are: make them (weak) arrays.
    count, prob = jnp.asarray(count), jnp.asarray(prob)
    prob, = promote_dtypes_inexact(prob)
    count = lax.convert_element_type(count, prob.dtype)
    count = jnp.broadcast_to(count, shape)
    prob = jnp.broadcast_to(prob, shape)
    p_lt_half = prob < 0.5
    q = lax.select(p_lt_half, prob, 1.0 - prob)
    count_nan_or_neg = lax.ne(count, count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_is_nan = lax.ne(q, q)
    q_l_0 = q < 0.0
    q = lax.select(q_is_nan | q_l_0, lax.full_like(q, 0.01), q)
    # Inversion for small count * q, BTRS otherwise (as TensorFlow Probability).
    use_inversion = count_nan_or_neg | (count * q <= 10.0)
    count = jnp.floor(count)  # float counts behave as in np.random.binomial
    count_inv = lax.select(use_inversion, count, lax.full_like(count, 0.0))
    count_btrs = lax.select(use_inversion, lax.full_like(count, 1e4), count)
    q_btrs = lax.select(use_inversion, lax.full_like(q, 0.5), q)
    max_iters = dtype.type(dtypes.finfo(dtype).max)
    samples = lax.select(use_inversion,
                         _binomial_inversion(data, count_inv, q, shape, dtype, max_iters),
                         _btrs(data, count_btrs, q_btrs, shape, dtype, max_iters))
    invalid = q_l_0 | q_is_nan | count_nan_or_neg
    samples = lax.select(invalid, jnp.full_like(samples, np.nan, dtype), samples)
    samples = lax.select(count_inf & (~invalid), jnp.full_like(samples, np.inf, dtype),
                         samples)
    return lax.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                      count.astype(dtype) - samples)


_binomial_jit = jit(_binomial, static_argnums=(3, 4), inline=True)


def binomial(key, n, p, shape=None, dtype=None):
    """Binomial(n, p) random counts (as floats)."""
    data = _key_data("binomial", key)
    _check_arraylike("binomial", n, p)
    dtype = _sample_dtype("binomial", dtype)
    if shape is not None:
        shape = core.canonicalize_shape(shape)
    return _binomial_jit(data, n, p, shape, dtype)


def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
    """Multinomial counts: `n` trials over the categories of the last axis of `p`."""
    from cellax.random._keys import _split_data
    data = _key_data("multinomial", key)
    _check_arraylike("multinomial", n, p)
    n, p = promote_dtypes_inexact(jnp.asarray(n), jnp.asarray(p))
    if shape is None:
        shape = p.shape
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.broadcast_to(p, shape)

    def step(remainder, ratio_key):
        ratio, k = ratio_key
        count = _binomial_jit(k, remainder, ratio.clip(0, 1), None, remainder.dtype)
        return remainder - count, count

    p = jnp.moveaxis(p, -1, 0)
    remaining_probs = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining_probs == 0, 1, remaining_probs)
    keys = _split_data(data, (ratios.shape[0],))
    _, counts = lax.scan(step, n, (ratios, keys), unroll=unroll)
    dtype = counts.dtype if dtype is None else dtypes.check_user_dtype(dtype)
    return jnp.moveaxis(counts, 0, -1).astype(dtype)


__all__ = ["bernoulli", "rademacher", "categorical", "permutation", "choice", "poisson",
           "geometric", "binomial", "multinomial"]
