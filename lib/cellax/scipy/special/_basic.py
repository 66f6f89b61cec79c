"""cellax.scipy.special: the functions composed directly from cellax.numpy / cellax.lax ops
(logs, logistic, error functions, logsumexp, entropies)."""
from __future__ import annotations

import numpy as np

from cellax import lax
from cellax import numpy as jnp
from cellax import dtypes
from cellax.custom_derivatives import custom_jvp
from cellax.numpy._util import promote_args_inexact, const, canon_axes


def gammaln(x):
    x, = promote_args_inexact("gammaln", x)
    return lax.lgamma(x)


def digamma(x):
    x, = promote_args_inexact("digamma", x)
    return lax.digamma(x)


def erf(x):
    x, = promote_args_inexact("erf", x)
    return lax.erf(x)


def erfc(x):
    x, = promote_args_inexact("erfc", x)
    return lax.erfc(x)


def erfinv(x):
    x, = promote_args_inexact("erfinv", x)
    return lax.erf_inv(x)


@custom_jvp
def logit(x):
    x, = promote_args_inexact("logit", x)
    return lax.log(lax.div(x, lax.sub(const(x, 1), x)))


logit.defjvps(lambda g, ans, x: lax.div(g, lax.mul(x, lax.sub(const(x, 1), x))))


def expit(x):
    x, = promote_args_inexact("expit", x)
    return lax.logistic(x)


def _reduction_dims(a, axis):
    if axis is None:
        return tuple(range(a.ndim))
    return canon_axes(axis, a.ndim)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log(sum(b * exp(a))) along `axis`, computed stably (max shifted out)."""
    if where is not None:
        a = jnp.where(where, a, 0)
    if b is not None:
        a_arr, b_arr = promote_args_inexact("logsumexp", a, b)
        a_arr = jnp.where(b_arr != 0, a_arr, -np.inf)
    else:
        a_arr, = promote_args_inexact("logsumexp", a)
        b_arr = None
    dims = _reduction_dims(a_arr, axis)
    is_complex = dtypes.is_complex(a_arr.dtype)
    amax = jnp.max(jnp.real(a_arr) if is_complex else a_arr, axis=dims, keepdims=keepdims,
                   where=where, initial=-np.inf)
    amax = lax.stop_gradient(lax.select(jnp.isfinite(amax), amax, lax.full_like(amax, 0)))
    amax_with_dims = amax if keepdims else lax.expand_dims(amax, dims)
    exp_a = lax.exp(lax.sub(a_arr, amax_with_dims.astype(a_arr.dtype)))
    if b_arr is not None:
        exp_a = lax.mul(exp_a, b_arr)
    sumexp = exp_a.sum(axis=dims, keepdims=keepdims, where=where)
    sign = lax.sign(sumexp)
    if return_sign or not is_complex:
        sumexp = abs(sumexp)
    out = lax.add(lax.log(sumexp), amax.astype(sumexp.dtype))
    if return_sign:
        return (out, sign)
    if b_arr is not None and not dtypes.is_complex(out.dtype):
        out = jnp.where(sign < 0, jnp.array(np.nan, dtype=out.dtype), out)
    return out


@custom_jvp
def xlogy(x, y):
    """x * log(y), 0 where x == 0 (NaN in y still propagates)."""
    x, y = promote_args_inexact("xlogy", x, y)
    return jnp.where((x != 0.) | jnp.isnan(y), lax.mul(x, lax.log(y)), jnp.zeros_like(x))


@xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    (x, y), (x_dot, y_dot) = primals, tangents
    result = xlogy(x, y)
    return result, (x_dot * lax.log(y) + y_dot * x / y).astype(result.dtype)


@custom_jvp
def xlog1py(x, y):
    """x * log1p(y), 0 where x == 0 (NaN in y still propagates)."""
    x, y = promote_args_inexact("xlog1py", x, y)
    return jnp.where((x != 0.) | jnp.isnan(y), lax.mul(x, lax.log1p(y)), jnp.zeros_like(x))


@xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    (x, y), (x_dot, y_dot) = primals, tangents
    result = xlog1py(x, y)
    return result, (x_dot * lax.log1p(y) + y_dot * x / (1 + y)).astype(result.dtype)


@custom_jvp
def _xlogx(x):
    return xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return _xlogx(x), x_dot * (lax.log(x) + 1)


def entr(x):
    """-x log x for x > 0, 0 at 0, -inf for x < 0."""
    x, = promote_args_inexact("entr", x)
    if dtypes.is_complex(x.dtype):
        raise ValueError("entr does not support complex-valued inputs.")
    return lax.select(lax.lt(x, const(x, 0)), lax.full_like(x, -np.inf), lax.neg(_xlogx(x)))


def ndtr(x):
    """The standard normal CDF."""
    x = jnp.asarray(x)
    dt = np.dtype(x.dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"x.dtype={dt} is not supported, see docstring for supported types.")
    t = dt.type
    half_sqrt_2 = t(0.5) * np.sqrt(2., dtype=dt)
    w = x * half_sqrt_2
    z = lax.abs(w)
    y = lax.select(lax.lt(z, const(z, half_sqrt_2)), const(w, 1.) + lax.erf(w),
                   lax.select(lax.gt(w, const(w, 0.)), const(z, 2.) - lax.erfc(z),
                              lax.erfc(z)))
    return t(0.5) * y


def softmax(x, /, *, axis=None):
    from cellax.nn import softmax as _nn_softmax
    return _nn_softmax(x, axis=axis)


def log_softmax(x, /, *, axis=None):
    from cellax.nn import log_softmax as _nn_log_softmax
    return _nn_log_softmax(x, axis=axis)
