"""`cellax.random` basic samplers: bits, uniform, normal, randint, and the helpers (dtype
and shape checks) the other distributions share."""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.api import jit
from cellax.random._keys import _bits_data, _bits_jit, _check_key, _split_data


def _canonical_shape(shape) -> tuple[int, ...]:
    return core.canonicalize_shape(shape)


def bits(key, shape=(), dtype=None):
    """Uniformly random unsigned integers of `dtype` (uint32 by default with x64 off)."""
    typed, _ = _check_key("bits", key)
    dtype = dtypes.default_uint_dtype() if dtype is None else dtypes.check_user_dtype(dtype)
    if dtype.kind != "u":
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
    return _bits_jit(typed._base_array, dtype.itemsize * 8, _canonical_shape(shape))


def _uniform_impl(data, minval, maxval, shape, dtype):
    minval = lax.broadcast_to_rank(lax.convert_element_type(minval, dtype), len(shape))
    maxval = lax.broadcast_to_rank(lax.convert_element_type(maxval, dtype), len(shape))
    info = dtypes.finfo(dtype)
    nbits, nmant = info.bits, info.nmant
    if nbits not in (16, 32, 64):
        raise TypeError(f"uniform only accepts 16-, 32-, or 64-bit dtypes, got {dtype}.")
    # Too few mantissa bits to draw directly (bfloat16): draw a byte and widen.
    rng_bits = nbits if nmant >= 8 else 8
    udtype = np.dtype(f"uint{nbits}")
    raw = _bits_data(data, rng_bits, shape)
    if rng_bits != nbits:
        raw = lax.convert_element_type(raw, udtype)
    # Keep the top `nmant` random bits as the mantissa of a float in [1, 2), then
    # shift to [0, 1) and scale.
    mantissa = lax.shift_right_logical(raw, np.array(rng_bits - nmant, udtype)[()])
    one_bits = np.array(1.0, dtype).view(udtype)[()]
    floats = lax.bitcast_convert_type(lax.bitwise_or(mantissa, one_bits), dtype)
    floats = floats - np.array(1.0, dtype)[()]
    scaled = floats * (maxval - minval) + minval
    return lax.max(minval, lax.reshape(scaled, shape))


_uniform_impl.__name__ = "_uniform"
_uniform_jit = jit(_uniform_impl, static_argnums=(3, 4))


def _float_dtype(name: str, dtype, allowed: str):
    dtype = dtypes.check_user_dtype(float if dtype is None else dtype)
    if not (dtypes.is_float(dtype) or (allowed == "fc" and dtype.kind == "c")):
        kinds = "a float dtype" if allowed == "f" else "a float or complex dtype"
        raise ValueError(f"dtype argument to `{name}` must be {kinds}, got {dtype}")
    return dtype


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    """Uniform random floats in [minval, maxval)."""
    typed, _ = _check_key("uniform", key)
    dtype = _float_dtype("uniform", dtype, "f")
    return _uniform_jit(typed._base_array, minval, maxval, _canonical_shape(shape), dtype)


def _normal_real(data, shape, dtype):
    # Inverse-CDF sampling: uniform in (-1, 1), excluding -1 where erf_inv is -inf.
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    hi = np.array(1.0, dtype)
    u = _uniform_jit(data, lo, hi, shape, dtype)
    return lax.mul(np.array(np.sqrt(2), dtype)[()], lax.erf_inv(u))


def _normal_impl(data, shape, dtype):
    if dtype.kind != "c":
        return _normal_real(data, shape, dtype)
    real = np.dtype(dtype.char.lower())
    parts = _split_data(data, (2,))
    re = _normal_real(lax.index_in_dim(parts, 0, keepdims=False), shape, real).astype(dtype)
    im = _normal_real(lax.index_in_dim(parts, 1, keepdims=False), shape, real).astype(dtype)
    return (re + 1j * im) / np.array(np.sqrt(2), dtype)[()]


_normal_impl.__name__ = "_normal"
_normal_jit = jit(_normal_impl, static_argnums=(1, 2))


def normal(key, shape=(), dtype=None):
    """Standard normal random values."""
    typed, _ = _check_key("normal", key)
    dtype = _float_dtype("normal", dtype, "fc")
    return _normal_jit(typed._base_array, _canonical_shape(shape), dtype)


# -- randint


def _broadcast_shapes_or_raise(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") \
            from None


def _check_param_shapes(name: str, shape, *param_shapes) -> None:
    if param_shapes:
        result = _broadcast_shapes_or_raise(shape, *param_shapes)
        if result != tuple(shape):
            raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                             "argument, and the result of broadcasting the shapes must equal "
                             f"the shape argument, but got result {result} for shape argument "
                             f"{shape}.")


def _clip_to_dtype(val, dtype):
    """`val` (an integer array) converted to integer `dtype`, saturating instead of wrapping."""
    src, dst = np.iinfo(val.dtype), np.iinfo(dtype)
    lo = np.array(max(dst.min, src.min), val.dtype)[()]
    hi = np.array(min(dst.max, src.max), val.dtype)[()]
    return jnp.clip(val, lo, hi).astype(dtype)


def _randint_impl(data, minval, maxval, shape, dtype):
    _check_param_shapes("randint", shape, np.shape(minval), np.shape(maxval))
    minval, maxval = jnp.asarray(minval), jnp.asarray(maxval)
    if minval.dtype.kind not in "iu":
        minval = minval.astype(int)
    if maxval.dtype.kind not in "iu":
        maxval = maxval.astype(int)
    info = np.iinfo(dtype)
    # maxval beyond dtype's range (e.g. 256 for uint8) makes the span one larger.
    maxval_out_of_range = lax.gt(maxval, _clip_to_dtype(jnp.array(info.max, dtype),
                                                        maxval.dtype))
    minval = lax.broadcast_to_rank(_clip_to_dtype(minval, dtype), len(shape))
    maxval = lax.broadcast_to_rank(_clip_to_dtype(maxval, dtype), len(shape))
    nbits = info.bits
    # Twice the bits of the dtype per value, which keeps the modulo bias small.
    keys = _split_data(data, (2,))
    high = _bits_data(lax.index_in_dim(keys, 0, keepdims=False), nbits, shape)
    low = _bits_data(lax.index_in_dim(keys, 1, keepdims=False), nbits, shape)
    udtype = np.dtype(f"uint{nbits}")
    span = lax.convert_element_type(maxval - minval, udtype)
    span = lax.select(maxval <= minval, lax.full_like(span, 1), span)
    span = lax.select(maxval_out_of_range & (maxval > minval),
                      lax.add(span, np.array(1, udtype)[()]), span)
    # (high * 2**nbits + low) mod span, without overflowing: 2**nbits mod span as a
    # product of two half-width powers.
    mult = lax.rem(np.array(2 ** (nbits // 2), udtype)[()], span)
    mult = lax.rem(lax.mul(mult, mult), span)
    offset = lax.add(lax.mul(lax.rem(high, span), mult), lax.rem(low, span))
    offset = lax.rem(offset, span)
    return lax.add(minval, lax.convert_element_type(offset, dtype))


_randint_impl.__name__ = "_randint"
_randint_jit = jit(_randint_impl, static_argnums=(3, 4))


def randint(key, shape, minval, maxval, dtype=None):
    """Uniform random integers in [minval, maxval)."""
    typed, _ = _check_key("randint", key)
    dtype = dtypes.check_user_dtype(int if dtype is None else dtype)
    shape = _canonical_shape(shape)
    if dtype.kind not in "iu":
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    info = np.iinfo(dtype)
    sample_dtype = dtype
    if info.bits < 32:  # sample at 32 bits, whose modulo bias is far smaller
        sample_dtype = dtypes.int32
        minval = jnp.clip(jnp.asarray(minval).astype(dtypes.int32), int(info.min),
                          int(info.max))
        maxval = jnp.clip(jnp.asarray(maxval).astype(dtypes.int32), int(info.min),
                          int(info.max) + 1)
    out = _randint_jit(typed._base_array, minval, maxval, shape, sample_dtype)
    return out.astype(dtype)


# ---------------------------------------------------------------------------------------
# Helpers shared by the distributions


class TypePromotionError(ValueError):
    """A parameter whose dtype cannot be cast to the sample dtype without loss."""


def _key_data(name: str, key):
    """The uint32[2] data of a single (typed or raw) key, validated as JAX does."""
    typed, _ = _check_key(name, key)
    return typed._base_array


def _check_broadcast_shapes(name: str, shape, *args) -> tuple[int, ...]:
    """`shape` checked against the parameters' shapes, or their broadcast when None."""
    arg_shapes = [np.shape(a) for a in args]
    if shape is None:
        return _broadcast_shapes_or_raise(*arg_shapes) if arg_shapes else ()
    shape = core.canonicalize_shape(shape)
    _check_param_shapes(name, shape, *arg_shapes)
    return shape


def _check_all_safe_to_cast(name: str, dtype, *args) -> None:
    for arg in args:
        src = dtypes.dtype(arg)
        if src != dtype and dtypes.result_type(arg, dtype) != dtype:
            raise TypePromotionError(f"In arguments to {name}, cannot safely cast argument of "
                                     f"type {jnp.asarray(arg).dtype} to {dtype}")


def _sample_dtype(name: str, dtype, what: str = "float", message_name: str | None = None):
    """The canonical sample dtype: float (default), inexact, or int, with JAX's errors."""
    default = int if what == "int" else float
    dtype = dtypes.check_user_dtype(default if dtype is None else dtype)
    label = message_name or name
    if what == "float" and not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `{label}` must be a float dtype, got {dtype}")
    if what == "inexact" and not dtypes.is_inexact(dtype):
        raise ValueError(f"dtype argument to `{label}` must be a float or complex dtype, "
                         f"got {dtype}")
    if what == "int" and not dtypes.is_integer(dtype):
        raise ValueError(f"dtype argument to `{label}` must be an int dtype, got {dtype}")
    return dtype


def _uniform(data, shape, dtype, minval=0.0, maxval=1.0):
    """Uniform draws from key data, as `uniform` stages them."""
    return _uniform_jit(data, minval, maxval, shape, dtype)


def _normal(data, shape, dtype):
    return _normal_jit(data, shape, dtype)


def _split_n(data, n: int):
    """`n` key datas split from `data` (JAX's `_split(key, n)` unpacked)."""
    keys = _split_data(data, (n,))
    return [lax.index_in_dim(keys, i, keepdims=False) for i in range(n)]
