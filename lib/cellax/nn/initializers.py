"""cellax.nn.initializers: `init(key, shape, dtype)` builders on cellax.random."""
from __future__ import annotations

import math

import numpy as np

from cellax import lax, random
from cellax import numpy as jnp
from cellax import dtypes


def _dtype(dtype):
    return dtypes.default_float_dtype() if dtype is None else dtype


def zeros(key, shape, dtype=None):
    return jnp.zeros(shape, _dtype(dtype))


def ones(key, shape, dtype=None):
    return jnp.ones(shape, _dtype(dtype))


def constant(value, dtype=None):
    def init(key, shape, dtype=dtype):
        return jnp.full(shape, value, dtype=_dtype(dtype))
    return init


def uniform(scale=1e-2, dtype=None):
    def init(key, shape, dtype=dtype):
        dtype = _dtype(dtype)
        return random.uniform(key, shape, dtype) * jnp.array(scale, dtype)
    return init


def normal(stddev=1e-2, dtype=None):
    def init(key, shape, dtype=dtype):
        dtype = _dtype(dtype)
        return random.normal(key, shape, dtype) * jnp.array(stddev, dtype)
    return init


def _truncated_normal(key, lower, upper, shape, dtype):
    """Standard normal truncated to (lower, upper) by inverse-CDF sampling."""
    dtype = np.dtype(dtypes.canonicalize_dtype(dtype))
    if not dtypes.issubdtype(dtype, np.floating):
        raise TypeError("truncated_normal only accepts floating point dtypes.")
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a = lax.erf(lower / sqrt2)
    b = lax.erf(upper / sqrt2)
    u = random.uniform(key, shape, dtype, minval=a, maxval=b)
    out = sqrt2 * lax.erf_inv(u)
    return jnp.clip(out,
                    lax.nextafter(lax.stop_gradient(lower), np.array(np.inf, dtype=dtype)),
                    lax.nextafter(lax.stop_gradient(upper), np.array(-np.inf, dtype=dtype)))


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0):
    def init(key, shape, dtype=dtype):
        dtype = _dtype(dtype)
        return _truncated_normal(key, lower, upper, shape, dtype) * jnp.array(stddev, dtype)
    return init


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(
            f"Can't compute input and output sizes of a {len(shape)}-dimensional weights "
            "tensor with default in_axis. Must be at least 2D or specify in_axis explicitly.")

    def size(ax):
        return shape[ax] if isinstance(ax, int) else math.prod([shape[i] for i in ax])

    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    receptive = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


def variance_scaling(scale, mode: str, distribution: str, in_axis=-2, out_axis=-1,
                     batch_axis=(), dtype=None):
    """Samples with variance scale / fan (fan_in, fan_out, fan_avg or fan_geo_avg)."""
    def init(key, shape, dtype=dtype):
        shape = tuple(int(d) for d in shape)
        dtype = _dtype(dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            denominator = fan_in
        elif mode == "fan_out":
            denominator = fan_out
        elif mode == "fan_avg":
            denominator = (fan_in + fan_out) / 2
        elif mode == "fan_geo_avg":
            denominator = (fan_in * fan_out) ** 0.5
        else:
            raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
        if dtypes.is_complex(dtype):
            raise NotImplementedError("cellax: complex variance_scaling is not supported")
        variance = jnp.array(scale / denominator, dtype=dtype)
        if distribution == "truncated_normal":
            stddev = jnp.sqrt(variance) / jnp.array(.87962566103423978, dtype)
            return _truncated_normal(key, -2, 2, shape, dtype) * stddev
        elif distribution == "normal":
            return random.normal(key, shape, dtype) * jnp.sqrt(variance)
        elif distribution == "uniform":
            return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
        raise ValueError(
            f"invalid distribution for variance scaling initializer: {distribution}")
    return init


def _vs(scale, mode, distribution):
    def builder(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
        return variance_scaling(scale, mode, distribution, in_axis=in_axis,
                                out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)
    return builder


glorot_uniform = xavier_uniform = _vs(1.0, "fan_avg", "uniform")
glorot_normal = xavier_normal = _vs(1.0, "fan_avg", "truncated_normal")
lecun_uniform = _vs(1.0, "fan_in", "uniform")
lecun_normal = _vs(1.0, "fan_in", "truncated_normal")
he_uniform = kaiming_uniform = _vs(2.0, "fan_in", "uniform")
he_normal = kaiming_normal = _vs(2.0, "fan_in", "truncated_normal")
for _n, _f in [("glorot_uniform", glorot_uniform), ("glorot_normal", glorot_normal),
               ("lecun_uniform", lecun_uniform), ("lecun_normal", lecun_normal),
               ("he_uniform", he_uniform), ("he_normal", he_normal)]:
    _f.__name__ = _f.__qualname__ = _n
del _n, _f
