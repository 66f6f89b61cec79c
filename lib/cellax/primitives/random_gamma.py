"""`random_gamma`: Gamma(a, 1) samples (or their logs) from Threefry key data.

Operands: `key` (the uint32 data of a key array, shape `key_batch + (2,)`) and `a`
(float, shape `key_batch + rest`). Every key of the batch is split into `prod(rest)`
keys, one per element of `a`, and each element is drawn by Marsaglia and Tsang's
rejection sampler (a `while` loop over normal/uniform draws), so the samples agree bit
for bit with `jax.random.gamma`. With `log_space=True` the result is log(sample),
computed so that tiny `a` does not underflow (used by loggamma, beta, dirichlet).

Rules: abstract eval (the aval of `a`), eager impl and lowering (both trace the sampler
into the enclosing module), jvp through the derivative of the sample with respect to
`a` (`lax.random_gamma_grad`, the implicit reparameterisation gradient), and batching
(both operands' batch axes moved to the front, which is one more key-batch dimension).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters import batching as _batching
from cellax.interpreters.jvp import defjvp2
from cellax.primitives.elementwise import _standard
from cellax.interpreters.lowering import lower_fun

random_gamma_p = Primitive("random_gamma")


def _random_gamma_abstract_eval(key, a, *, log_space):
    if key.dtype != dtypes.uint32 or key.ndim < 1 or key.shape[-1] != 2:
        raise TypeError(f"random_gamma expects uint32[..., 2] key data, got {key.str_short()}")
    batch = key.shape[:-1]
    if tuple(a.shape[:len(batch)]) != tuple(batch):
        raise ValueError(f"random_gamma: the key batch shape {batch} must prefix the shape "
                         f"of a, {a.shape}")
    if not dtypes.is_float(a.dtype):
        raise TypeError(f"random_gamma requires a floating a, got {a.dtype}")
    return ShapedArray(a.shape, a.dtype, a.weak_type)


def _gamma_one(key, alpha, log_space: bool):
    """One Gamma(alpha) draw from one key (data uint32[2]): Marsaglia-Tsang."""
    from cellax import lax
    from cellax.random._basic import _normal_jit, _uniform_jit
    from cellax.random._continuous import _exponential_jit
    from cellax.random._keys import _split_data

    dtype = alpha.dtype

    def const(v):
        return np.array(v, dtype)[()]

    zero, one, two, minus_one = const(0), const(1), const(2), const(-1)
    half, third, squeeze = const(0.5), const(1.0 / 3.0), const(0.0331)

    def split(k, n):
        ks = _split_data(k, (n,))
        return [lax.index_in_dim(ks, i, keepdims=False) for i in range(n)]

    # alpha < 1 draws Gamma(alpha + 1) and scales by U**(1/alpha) afterwards.
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, third)
    c = lax.div(third, lax.sqrt(d))

    def keep_going(state):
        _, x, v, u = state
        return lax.bitwise_and(
            lax.ge(u, lax.sub(one, lax.mul(squeeze, lax.mul(x, x)))),
            lax.ge(lax.log(u), lax.add(lax.mul(x, half),
                                       lax.mul(d, lax.add(lax.sub(one, v), lax.log(v))))))

    def propose(state):
        def positive_v(kxv):
            k, sub = split(kxv[0], 2)
            x = _normal_jit(sub, (), dtype)
            return k, x, lax.add(one, lax.mul(x, c))

        k, x_key, u_key = split(state[0], 3)
        _, x, v = lax.while_loop(lambda kxv: lax.le(kxv[2], zero), positive_v,
                                 (x_key, zero, minus_one))
        u = _uniform_jit(u_key, 0.0, 1.0, (), dtype)
        return k, lax.mul(x, x), lax.mul(lax.mul(v, v), v), u

    key, subkey = split(key, 2)
    # The initial state fails the acceptance test, so the loop draws at least once.
    _, _, v, _ = lax.while_loop(keep_going, propose, (key, zero, one, two))
    if log_space:
        log_u = lax.neg(_exponential_jit(subkey, (), dtype))
        log_boost = lax.select(lax.bitwise_or(boost_mask, lax.eq(log_u, zero)), zero,
                               lax.mul(log_u, lax.div(one, alpha_orig)))
        return lax.add(lax.add(lax.log(d), lax.log(v)), log_boost)
    u = 1 - _uniform_jit(subkey, 0.0, 1.0, (), dtype)
    boost = lax.select(boost_mask, one, lax.pow(u, lax.div(one, alpha_orig)))
    return lax.mul(lax.mul(d, v), boost)


def _gamma_sample(key, a, *, log_space):
    """All draws: each key of the batch split into one key per element of `a`."""
    from cellax import lax
    from cellax.random._keys import _split_data
    from cellax.vectorization import vmap

    a_shape = tuple(a.shape)
    batch_ndim = key.ndim - 1
    count = math.prod(a_shape[batch_ndim:])
    keys = lax.reshape(key, (math.prod(key.shape[:-1]), 2))
    keys = vmap(lambda k: _split_data(k, (count,)))(keys)
    keys = lax.reshape(keys, (math.prod(keys.shape[:-1]), 2))
    alphas = lax.reshape(a, (math.prod(a_shape),))
    samples = vmap(partial(_gamma_one, log_space=log_space))(keys, alphas)
    return lax.reshape(samples, a_shape)


def _random_gamma_lower(ctx, key, a, *, log_space):
    return lower_fun(ctx, partial(_gamma_sample, log_space=log_space), [key, a])[0]


_standard(random_gamma_p, _random_gamma_abstract_eval, _random_gamma_lower)


def _gamma_grad(sample, a, *, log_space):
    """d sample / d a, elementwise (for log samples: of the log)."""
    from cellax import lax
    from cellax.vectorization import vmap
    grad_fn = lax.random_gamma_grad
    samples = lax.reshape(sample, (math.prod(sample.shape),))
    alphas = lax.reshape(a, (math.prod(a.shape),))
    if log_space:
        # d log(s) = ds / s; exp(log s) can round to 0, so use the smallest normal instead.
        samples = lax.exp(samples)
        tiny = lax.full_like(samples, dtypes.finfo(samples.dtype).tiny)
        samples = lax.select(lax.eq(samples, lax.full_like(samples, 0)), tiny, samples)
        grads = vmap(lambda al, s: lax.div(grad_fn(al, s), s))(alphas, samples)
    else:
        grads = vmap(grad_fn)(alphas, samples)
    return lax.reshape(grads, tuple(a.shape))


def _random_gamma_jvp_a(tangent, ans, key, a, *, log_space):
    from cellax import lax
    return lax.mul(tangent, _gamma_grad(ans, a, log_space=log_space))


defjvp2(random_gamma_p, None, _random_gamma_jvp_a)


def _random_gamma_batch(size, vals, dims, *, log_space):
    key, a = vals
    key = _batching.bdim_at_front(key, dims[0], size)
    a = _batching.bdim_at_front(a, dims[1], size)
    return random_gamma_p.bind(key, a, log_space=log_space), 0


core.batching_rules[random_gamma_p] = _random_gamma_batch
