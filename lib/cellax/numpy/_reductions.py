"""Reductions of `cellax.numpy` beyond `_core`'s sum/prod/max/min/mean/var/std: NaN-aware
reductions, weighted averages, ptp/count_nonzero, and cumulative sums/products/extrema.

Cumulative reductions bind the `cumsum` / `cumprod` / `cummax` primitives, as JAX's do.
"""
from __future__ import annotations

import builtins

import numpy as np

from cellax import dtypes, lax
from cellax.numpy import _core
from cellax.numpy._core import _where, isnan
from cellax.numpy._util import (arr, canon_axis, check_arraylike, const, dtype_of,
                                ensure_arraylike, jit, promote_dtypes_inexact, shape_of)


def _check_where(name, where):
    if where is not None:
        check_arraylike(name, where)
    return where


def _ensure_optional_axes(axis):
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        return int(axis)
    return tuple(int(a) for a in axis)


# ---------------------------------------------------------------------------------------
# Simple reductions


def ptp(a, axis=None, out=None, keepdims=False):
    a = ensure_arraylike("ptp", a)
    return _ptp(a, _ensure_optional_axes(axis), out, keepdims)


@jit(static_argnames=("axis", "keepdims"))
def _ptp(a, axis=None, out=None, keepdims=False):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.ptp is not supported.")
    x = _core.max(a, axis=axis, keepdims=keepdims)
    y = _core.min(a, axis=axis, keepdims=keepdims)
    return lax.sub(x, y)


@jit(static_argnames=("axis", "keepdims"))
def count_nonzero(a, axis=None, keepdims=False):
    a = ensure_arraylike("count_nonzero", a)
    return _core.sum(lax.ne(a, const(a, 0)), axis=axis, dtype=dtypes.default_int_dtype(),
                     keepdims=keepdims)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    return _average(a, _ensure_optional_axes(axis), weights, returned, keepdims)


@jit(static_argnames=("axis", "returned", "keepdims"), inline=True)
def _average(a, axis=None, weights=None, returned=False, keepdims=False):
    nd = len(shape_of(a))
    axis_tuple = tuple(range(nd)) if axis is None else tuple(
        canon_axis(ax, nd) for ax in ((axis,) if isinstance(axis, int) else axis))
    if weights is None:
        a = ensure_arraylike("average", a)
        (a,) = promote_dtypes_inexact(a)
        avg = _core.mean(a, axis=axis, keepdims=keepdims)
        n = int(np.prod([shape_of(a)[d] for d in axis_tuple]))
        weights_sum = lax.full((), n, dtype=dtype_of(avg))
    else:
        a, weights = ensure_arraylike("average", a, weights)
        a, weights = promote_dtypes_inexact(a, weights)
        if shape_of(a) != shape_of(weights):
            if axis is None:
                raise ValueError("Axis must be specified when shapes of a and weights differ.")
            if shape_of(weights) != tuple(shape_of(a)[ax] for ax in axis_tuple):
                raise ValueError("Shape of weights must be consistent with shape of a along "
                                 "specified axis.")
            new_shape = tuple(d if i in axis_tuple else 1 for i, d in enumerate(shape_of(a)))
            weights = lax.reshape(weights, new_shape, dimensions=tuple(np.argsort(axis_tuple)))
        weights_sum = _core.sum(weights, axis=axis, keepdims=keepdims)
        avg = _core.true_divide(_core.sum(_core.multiply(a, weights), axis=axis,
                                          keepdims=keepdims), weights_sum)
    if returned:
        if shape_of(avg) != shape_of(weights_sum):
            weights_sum = _core.broadcast_to(weights_sum, shape_of(avg))
        return avg, weights_sum
    return avg


# ---------------------------------------------------------------------------------------
# NaN-aware reductions


def _nan_reduction(a, name, jnp_reduction, init_val, nan_if_all_nan, axis=None,
                   keepdims=False, where=None, **kwargs):
    a = ensure_arraylike(name, a)
    where = _check_where(name, where)
    if not dtypes.is_inexact(dtype_of(a)):
        return jnp_reduction(a, axis=axis, keepdims=keepdims, where=where, **kwargs)
    out = jnp_reduction(_where(isnan(a), _core._reduction_init_val(dtype_of(a), init_val), a),
                        axis=axis, keepdims=keepdims, where=where, **kwargs)
    if nan_if_all_nan:
        return _where(_core.all(isnan(a), axis=axis, keepdims=keepdims), const(a, np.nan), out)
    return out


@jit(static_argnames=("axis", "keepdims"))
def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return _nan_reduction(a, "nanmin", _core.min, np.inf, nan_if_all_nan=initial is None,
                          axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)


@jit(static_argnames=("axis", "keepdims"))
def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return _nan_reduction(a, "nanmax", _core.max, -np.inf, nan_if_all_nan=initial is None,
                          axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)


@jit(static_argnames=("axis", "dtype", "keepdims"))
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "nansum")
    return _nan_reduction(a, "nansum", _core.sum, 0, nan_if_all_nan=False, axis=axis,
                          dtype=dtype, out=out, keepdims=keepdims, initial=initial,
                          where=where)


@jit(static_argnames=("axis", "dtype", "keepdims"))
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "nanprod")
    return _nan_reduction(a, "nanprod", _core.prod, 1, nan_if_all_nan=False, axis=axis,
                          dtype=dtype, out=out, keepdims=keepdims, initial=initial,
                          where=where)


@jit(static_argnames=("axis", "dtype", "keepdims"))
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    a = ensure_arraylike("nanmean", a)
    where = _check_where("nanmean", where)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanmean is not supported.")
    dt = dtype_of(a)
    if dt == dtypes.bool_ or dtypes.is_integer(dt):
        return _core.mean(a, axis, dtype, out, keepdims, where=where)
    dtype = _core.to_inexact_dtype(dt) if dtype is None else dtypes.check_user_dtype(
        dtype, "mean")
    nan_mask = lax.bitwise_not(isnan(a))
    normalizer = _core.sum(nan_mask, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
    return lax.div(nansum(a, axis, dtype=dtype, keepdims=keepdims, where=where), normalizer)


@jit(static_argnames=("axis", "dtype", "keepdims"))
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    a = ensure_arraylike("nanvar", a)
    where = _check_where("nanvar", where)
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "nanvar")
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanvar is not supported.")
    comp, dtype = _core._var_promote_types(dtype_of(a), dtype)
    a = lax.convert_element_type(a, comp)
    if mean is None:
        a_mean = nanmean(a, axis, dtype=comp, keepdims=True, where=where)
    else:
        a_mean = _core.astype(ensure_arraylike("nanvar", mean), comp)
    centered = _where(isnan(a), 0, _core.subtract(a, a_mean))
    if dtypes.is_complex(dtype_of(centered)):
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        centered = lax.square(centered)
    normalizer = _core.sum(lax.bitwise_not(isnan(a)), axis=axis, keepdims=keepdims,
                           where=where)
    normalizer = _core.subtract(normalizer, ddof)
    normalizer_mask = lax.le(normalizer, const(normalizer, 0))
    result = _core.sum(centered, axis, keepdims=keepdims, where=where)
    result = _where(normalizer_mask, np.nan, result)
    divisor = _where(normalizer_mask, 1, normalizer)
    result = lax.div(result, lax.convert_element_type(divisor, dtype_of(result)))
    return lax.convert_element_type(result, dtype)


@jit(static_argnames=("axis", "dtype", "keepdims"))
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    a = ensure_arraylike("nanstd", a)
    where = _check_where("nanstd", where)
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "nanstd")
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanstd is not supported.")
    return lax.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                           where=where, mean=mean))


def _nanarg(name, a, axis, keepdims, fill, fn):
    a = ensure_arraylike(name, a)
    if not dtypes.is_inexact(dtype_of(a)):
        return fn(a, axis=axis, keepdims=bool(keepdims))
    nan_mask = isnan(a)
    res = fn(_where(nan_mask, fill, a), axis=axis, keepdims=bool(keepdims))
    return _core.where(_core.all(nan_mask, axis=axis, keepdims=bool(keepdims)), -1, res)


def nanargmax(a, axis=None, out=None, keepdims=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanargmax is not supported.")
    return _nanarg("nanargmax", a, axis, keepdims, -np.inf, _core.argmax)


def nanargmin(a, axis=None, out=None, keepdims=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.nanargmin is not supported.")
    return _nanarg("nanargmin", a, axis, keepdims, np.inf, _core.argmin)


# ---------------------------------------------------------------------------------------
# Cumulative reductions


_SCAN_OPS = {"sum": lax.cumsum, "prod": lax.cumprod}


def _cumulative_reduction(name, op_name, a, axis, dtype, out=None, fill_nan=False,
                          fill_value=0, promote_integers=False):
    a = ensure_arraylike(name, a)
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported")
    if axis is None or len(shape_of(a)) == 0:
        a = lax.reshape(a, (int(np.prod(shape_of(a))),))
    if axis is None:
        axis = 0
    axis = canon_axis(axis, len(shape_of(a)))
    if fill_nan:  # JAX's staged `_where` (a `jit[name=_where]` in the jaxpr)
        a = _core._jitted(_where)(isnan(a), const(a, fill_value), a)
    dt = dtype_of(a)
    if dtype is None:
        result_type = _core._promote_integer_dtype(dt) if (
            promote_integers or dt == dtypes.bool_) else dt
        comp = result_type
    elif np.dtype(dtype) == dtypes.bool_:
        result_type = dtypes.bool_
        if dt != result_type:
            a = lax.ne(a, const(a, 0))
        comp = _core._promote_integer_dtype(result_type)
    else:
        result_type = dtypes.check_user_dtype(dtype, name)
        comp = result_type
    a = lax.convert_element_type(a, comp)
    result = _SCAN_OPS[op_name](a, axis)
    return lax.convert_element_type(result, result_type)


@jit(static_argnames=("axis", "dtype"))
def cumsum(a, axis=None, dtype=None, out=None):
    return _cumulative_reduction("cumsum", "sum", a, axis, dtype, out)


@jit(static_argnames=("axis", "dtype"))
def cumprod(a, axis=None, dtype=None, out=None):
    return _cumulative_reduction("cumprod", "prod", a, axis, dtype, out)


@jit(static_argnames=("axis", "dtype"))
def nancumsum(a, axis=None, dtype=None, out=None):
    return _cumulative_reduction("nancumsum", "sum", a, axis, dtype, out, fill_nan=True,
                                 fill_value=0)


@jit(static_argnames=("axis", "dtype"))
def nancumprod(a, axis=None, dtype=None, out=None):
    return _cumulative_reduction("nancumprod", "prod", a, axis, dtype, out, fill_nan=True,
                                 fill_value=1)


def _cumulative_api(name, op_name, x, axis, dtype, include_initial, initial):
    x = ensure_arraylike(name, x)
    nd = len(shape_of(x))
    if nd == 0:
        what = "sum" if op_name == "sum" else "product"
        raise ValueError(f"The input must be non-scalar to take a cumulative {what}, however "
                         f"a scalar value or scalar array was given.")
    if axis is None:
        axis = 0
        if nd > 1:
            raise ValueError(f"The input array has rank {nd}, however axis was not set to an "
                             f"explicit value. The axis argument is only optional for "
                             f"one-dimensional arrays.")
    axis = canon_axis(axis, nd)
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype)
    if op_name == "sum":
        out = _cumsum_with_promotion(x, axis=axis, dtype=dtype)
    else:
        out = _cumulative_reduction(name, op_name, x, axis, dtype)
    if include_initial:
        zeros_shape = list(shape_of(x))
        zeros_shape[axis] = 1
        out = lax.concatenate([lax.full(zeros_shape, initial, dtype=dtype_of(out)), out],
                              axis)
    return out


@jit(static_argnames=("axis", "dtype"))
def _cumsum_with_promotion(a, axis=None, dtype=None, out=None):
    return _cumulative_reduction("_cumsum_with_promotion", "sum", a, axis, dtype, out,
                                 promote_integers=True)


@jit(static_argnames=("axis", "dtype", "include_initial"), inline=True)
def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative_api("cumulative_sum", "sum", x, axis, dtype, include_initial, 0)


@jit(static_argnames=("axis", "dtype", "include_initial"), inline=True)
def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative_api("cumulative_prod", "prod", x, axis, dtype, include_initial, 1)


def cummax(x, axis=0, reverse=False):
    """`lax.cummax` with a NumPy-style (possibly negative) axis."""
    x = arr(x)
    return lax.cummax(x, canon_axis(axis, len(shape_of(x))), reverse)


_unused = (builtins,)
