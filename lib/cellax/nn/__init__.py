"""cellax.nn: activation functions and helpers, composed from cellax.numpy / cellax.lax."""
from __future__ import annotations

import operator

import numpy as np

from cellax import lax
from cellax import numpy as jnp
from cellax import dtypes
from cellax.custom_derivatives import custom_jvp
from cellax.numpy._util import ensure_arraylike, promote_args_inexact, jit
from cellax.numpy import tanh  # noqa: F401
from cellax.scipy.special import logsumexp  # noqa: F401
from cellax.nn import initializers  # noqa: F401


def identity(x):
    return jnp.asarray(x)


@custom_jvp
@jit
def relu(x):
    return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: lax.select(x > 0, g, lax.full_like(g, 0)))


@custom_jvp
@jit
def relu6(x):
    return jnp.minimum(jnp.maximum(x, 0), 6.)


relu6.defjvps(lambda g, ans, x: lax.select((x > 0) & (x < 6), g, lax.full_like(g, 0)))


@jit
def squareplus(x, b=4):
    x, b = ensure_arraylike("squareplus", x, b)
    return (x + jnp.sqrt(jnp.square(x) + b)) / 2


@jit
def softplus(x):
    return jnp.logaddexp(x, 0)


@jit
def sparse_plus(x):
    x = ensure_arraylike("sparse_plus", x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


@jit
def soft_sign(x):
    x = ensure_arraylike("soft_sign", x)
    return x / (jnp.abs(x) + 1)


def sigmoid(x):
    return lax.logistic(x)


@jit
def sparse_sigmoid(x):
    return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


@jit
def silu(x):
    x = ensure_arraylike("silu", x)
    return x * sigmoid(x)


swish = silu


@jit
def mish(x):
    x = ensure_arraylike("mish", x)
    return x * jnp.tanh(softplus(x))


@jit
def log_sigmoid(x):
    x = ensure_arraylike("log_sigmoid", x)
    return -softplus(-x)


@jit
def elu(x, alpha=1.0):
    x = ensure_arraylike("elu", x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0., x)))


@jit
def leaky_relu(x, negative_slope=1e-2):
    x = ensure_arraylike("leaky_relu", x)
    return jnp.where(x >= 0, x, negative_slope * x)


@jit
def hard_tanh(x):
    x = ensure_arraylike("hard_tanh", x)
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


@jit
def celu(x, alpha=1.0):
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


@jit
def selu(x):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def gelu(x, approximate: bool = True):
    """GELU; tanh approximation by default, erfc form when approximate=False."""
    x, = promote_args_inexact("gelu", x)
    if approximate:
        c = np.sqrt(2 / np.pi).astype(x.dtype)
        cdf = 0.5 * (1.0 + jnp.tanh(c * (x + 0.044715 * (x ** 3))))
        return x * cdf
    sqrt_half = np.sqrt(0.5).astype(x.dtype)
    return jnp.array(0.5 * x * (lax.erfc(-x * sqrt_half)), dtype=x.dtype)


@jit(static_argnames=("axis",))
def glu(x, axis: int = -1):
    x = ensure_arraylike("glu", x)
    assert x.shape[axis] % 2 == 0, "axis size must be divisible by 2"
    x1, x2 = jnp.split(x, 2, axis)
    return x1 * sigmoid(x2)


@jit
def hard_sigmoid(x):
    return relu6(x + 3.) / 6.


@jit
def hard_silu(x):
    x = ensure_arraylike("hard_silu", x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@jit(static_argnames=("axis",))
def log_softmax(x, axis=-1, where=None):
    """log(softmax(x)); masked-out entries (where=False) are -inf."""
    x = ensure_arraylike("log_softmax", x)
    x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, -np.inf)
    shifted = x_safe - lax.stop_gradient(x_max)
    shifted_lse = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    result = shifted - shifted_lse
    if where is not None:
        return jnp.where(where, result, -np.inf)
    return result


def softmax(x, axis=-1, where=None):
    """exp(x) normalised along `axis`; masked-out entries (where=False) are 0."""
    initial = -np.inf
    x_max = jnp.max(x, axis, where=where, initial=initial, keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, initial)
    unnormalized = jnp.exp(x_safe - lax.stop_gradient(x_max))
    result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
    if where is not None:
        result = jnp.where(where, result, 0)
    return result


@jit(static_argnames=("axis", "algorithm"))
def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm: str = "fast"):
    """(x - mean) / sqrt(variance + epsilon) along `axis`."""
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        if algorithm == "stable":
            variance = jnp.mean(jnp.square(jnp.subtract(x, mean)), axis, keepdims=True,
                                where=where)
        elif algorithm == "fast":
            variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where) \
                - jnp.square(mean)
            variance = jnp.clip(variance, 0)
        else:
            raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
    return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


@jit(static_argnames=("num_classes", "dtype", "axis"))
def _one_hot(x, num_classes: int, *, dtype, axis: int):
    axis = operator.index(axis)
    out_axis = axis % (x.ndim + 1)
    lhs = lax.expand_dims(x, (axis,))
    rhs_shape = [1] * x.ndim
    rhs_shape.insert(out_axis, num_classes)
    rhs = lax.broadcasted_iota(x.dtype, rhs_shape, out_axis)
    return (lhs == rhs).astype(dtype)


def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1):
    """One-hot encode integer indices; out-of-range indices give all zeros."""
    num_classes = operator.index(num_classes)
    x = jnp.asarray(x)
    dtype = dtypes.default_float_dtype() if dtype is None else dtype
    return _one_hot(x, num_classes, dtype=dtype, axis=axis)


@custom_jvp
@jit
def log1mexp(x):
    """log(1 - exp(-x)) for x >= 0, accurate near 0 and for large x (Mächler's switch at
    log 2 between the expm1 and log1p forms)."""
    x = ensure_arraylike("log1mexp", x)
    near_zero = x < jnp.log(2.0)
    return jnp.where(near_zero, jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


# d/dx log(1 - e^{-x}) = e^{-x} / (1 - e^{-x}) = 1 / expm1(x)
log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
    """log(mean(exp(x))) along `axis` = logsumexp(x) - log(count), counting only the
    `where` entries when given."""
    lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
    shape = np.shape(x)
    if where is None:
        axes = range(len(shape)) if axis is None else (
            (axis,) if isinstance(axis, (int, np.integer)) else axis)
        count = int(np.prod([shape[a] for a in axes], dtype=np.int64))
        count = lax.convert_element_type(count, lse.dtype)
    else:
        count = jnp.sum(jnp.broadcast_to(where, shape), axis, dtype=lse.dtype,
                        keepdims=keepdims)
    return lse - jnp.log(count)


from cellax.nn._attention import (  # noqa: E402,F401
    dot_product_attention, get_scaled_dot_general_config, scaled_dot_general, scaled_matmul)
