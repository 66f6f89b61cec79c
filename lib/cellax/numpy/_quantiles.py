"""Order statistics in `cellax.numpy`: quantile, percentile, median and their NaN-skipping
variants, with JAX's methods (linear, lower, higher, midpoint, nearest, inverted_cdf).

The reduced axes are moved last and merged into one, that axis is sorted, and the values
at the two ranks around `q * (n - 1)` are picked and combined. `nan*` variants count the
non-NaN entries per row (NaNs sort last); the others give NaN for any row with a NaN."""
from __future__ import annotations

import math

import numpy as np

from cellax import dtypes, lax
from cellax.lax import sorting as _lsort
from cellax.numpy import _core
from cellax.numpy._util import (canon_axis, const, dtype_of, ensure_arraylike, jit,
                                promote_dtypes_inexact, shape_of)
from cellax.primitives.sorting import gather_along

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf")


def _reject_out(name: str, out, overwrite_input) -> None:
    if overwrite_input or out is not None:
        raise ValueError(f"jax.numpy.{name} does not support overwrite_input=True or "
                         f"out != None")


def _take_ranks(a, idx):
    """a: rows + (n,); idx: q_shape + rows (integer ranks). Returns q_shape + rows."""
    q_nd = len(shape_of(idx)) - (len(shape_of(a)) - 1)
    idx = _core.moveaxis(idx, tuple(range(q_nd)), tuple(range(-q_nd, 0))) if q_nd else idx
    if not q_nd:
        idx = lax.expand_dims(idx, (len(shape_of(idx)),))
    out = gather_along(a, idx, len(shape_of(a)) - 1)
    if not q_nd:
        return lax.squeeze(out, (len(shape_of(out)) - 1,))
    return _core.moveaxis(out, -1, 0)


def _full(x, q_shape, rows, lead: bool):
    """x (shape q_shape when `lead`, else rows) broadcast to q_shape + rows."""
    q_nd, r_nd = len(q_shape), len(rows)
    dims = tuple(range(q_nd)) if lead else tuple(range(q_nd, q_nd + r_nd))
    return lax.broadcast_in_dim(x, tuple(q_shape) + tuple(rows), dims)


def _quantile(a, q, axis, method, keepdims, skip_nans, weights):
    if method not in _METHODS:
        raise ValueError("method can only be 'linear', 'lower', 'higher', 'midpoint', "
                         "'nearest' or 'inverted_cdf'")
    if weights is not None:
        if dtypes.is_complex(dtype_of(weights)):
            raise ValueError("Weights cannot be complex types.")
        if method != "inverted_cdf":
            raise NotImplementedError(f"{method} doesn't support weights. Only method "
                                      f"'inverted_cdf' supports weights.")
        a, weights = promote_dtypes_inexact(a, weights)
    else:
        (a,) = promote_dtypes_inexact(a)
    if dtypes.is_complex(dtype_of(a)):
        raise ValueError("quantile does not support complex input, as the operation is "
                         "poorly defined.")
    shape = shape_of(a)
    nd = len(shape)
    if axis is None:
        axes = tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = tuple(canon_axis(ax, nd) for ax in axis)
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis")
    else:
        axes = (canon_axis(axis, nd),)
    if weights is not None and shape_of(weights) != shape:
        if axis is None:
            raise ValueError("Weights shape must match 'a' shape when axis is None.")
        want = tuple(shape[ax] for ax in axes)
        if shape_of(weights) != want:
            raise ValueError(f"Weights shape {shape_of(weights)} must match reduction axes "
                             f"{want}")
        weights = lax.broadcast_in_dim(weights, shape, axes)
    q_shape = shape_of(q)
    if len(q_shape) > 1:
        raise ValueError(f"q must be have rank <= 1, got shape {q_shape}")

    # Rows: the kept axes; the reduced axes merged into one trailing axis of length n.
    kept = tuple(i for i in range(nd) if i not in axes)
    rows = tuple(shape[i] for i in kept)
    n = math.prod(shape[i] for i in axes)

    def to_rows(x):
        return lax.reshape(lax.transpose(x, kept + tuple(sorted(axes))), rows + (n,))

    if n == 0 and math.prod(rows) != 0:
        # JAX fails here deep inside (a gather's TypeError, or an IndexError for the nan*
        # variants); same exception types, with a message that says what is wrong.
        err = IndexError if skip_nans else TypeError
        raise err(f"cannot take a quantile over an empty axis: the array has shape {shape} "
                  f"and the reduced axes {axes} have no elements")
    a = to_rows(a)
    if weights is not None:
        weights = to_rows(weights)
    nan_data = _core.isnan(a)
    if not skip_nans:
        a = _core.where(_core.any(nan_data, axis=-1, keepdims=True), np.nan, a)
    if weights is not None:
        a, weights = _lsort.sort_key_val(a, weights, dimension=len(rows))
    else:
        a = _lsort.sort(a, dimension=len(rows))
    qdt = dtype_of(q)
    if skip_nans:
        count = _core.sum(lax.bitwise_not(_core.isnan(a)), axis=-1, dtype=qdt)
    else:
        count = lax.full(rows, n, qdt)

    if method == "inverted_cdf":
        result = _inverted_cdf(a, q, weights, count, rows, skip_nans)
    else:
        qf, cf = _full(q, q_shape, rows, True), _full(count, q_shape, rows, False)
        pos = lax.mul(qf, lax.sub(cf, const(cf, 1)))
        lo, hi = lax.floor(pos), lax.ceil(pos)
        hi_w = lax.sub(pos, lo)
        lo_w = lax.sub(const(hi_w, 1), hi_w)
        top = lax.sub(cf, const(cf, 1))
        lo = lax.max(const(lo, 0), lax.min(lo, top))
        hi = lax.max(const(hi, 0), lax.min(hi, top))
        int_dt = dtypes.default_int_dtype()
        lo_v = _take_ranks(a, lax.convert_element_type(lo, int_dt))
        hi_v = _take_ranks(a, lax.convert_element_type(hi, int_dt))
        if method == "linear":
            result = lax.add(lax.mul(lax.convert_element_type(lo_v, qdt), lo_w),
                             lax.mul(lax.convert_element_type(hi_v, qdt), hi_w))
        elif method == "lower":
            result = lo_v
        elif method == "higher":
            result = hi_v
        elif method == "nearest":
            result = _core.where(lax.le(hi_w, const(hi_w, 0.5)), lo_v, hi_v)
        else:  # midpoint
            result = lax.mul(lax.add(lo_v, hi_v), const(lo_v, 0.5))
    if keepdims:
        result = _core.reshape(result, tuple(q_shape) + tuple(
            1 if i in axes else shape[i] for i in range(nd)))
    return lax.convert_element_type(result, dtype_of(a))


def _inverted_cdf(a, q, weights, count, rows, skip_nans):
    from cellax.numpy._reductions import cumsum
    q_shape = shape_of(q)
    if weights is None:
        weights = _core.ones_like(a)
    zero = _core.zeros_like(weights)
    bad = lax.bitwise_or(lax.lt(weights, zero), _core.isnan(weights))
    nan_data = _core.isnan(a)
    w = _core.where(lax.bitwise_or(bad, nan_data), zero, weights)
    cum = cumsum(w, axis=-1)
    n = shape_of(a)[-1]
    total = lax.squeeze(lax.slice_in_dim(cum, n - 1, n, axis=len(rows)), (len(rows),))
    qdt = dtype_of(q)
    target = lax.mul(_full(q, q_shape, rows, True),
                     _full(lax.convert_element_type(total, qdt), q_shape, rows, False))
    # The first rank whose cumulative weight reaches q * total.
    full_shape = tuple(q_shape) + tuple(rows) + (n,)
    cum_f = lax.broadcast_in_dim(lax.convert_element_type(cum, qdt), full_shape,
                                 tuple(range(len(q_shape), len(full_shape))))
    below = lax.lt(cum_f, lax.expand_dims(target, (len(full_shape) - 1,)))
    idx = _core.sum(below, axis=-1, dtype=dtypes.default_int_dtype())
    limit = lax.convert_element_type(lax.sub(count, const(count, 1)), dtype_of(idx))
    idx = lax.max(const(idx, 0), lax.min(idx, _full(limit, q_shape, rows, False)))
    result = _take_ranks(a, idx)
    no_data = lax.eq(count, const(count, 0))
    if skip_nans:
        force_nan = lax.bitwise_or(_core.any(bad, axis=-1), no_data)
    else:
        force_nan = lax.bitwise_or(_core.any(bad, axis=-1), _core.any(nan_data, axis=-1))
    return _core.where(_full(force_nan, q_shape, rows, False), np.nan, result)


@jit(static_argnames=("axis", "overwrite_input", "keepdims", "method"))
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    a, q = ensure_arraylike("quantile", a, q)
    if weights is not None:
        weights = ensure_arraylike("quantile", weights)
    _reject_out("quantile", out, overwrite_input)
    return _quantile(a, q, axis, method, keepdims, False, weights)


@jit(static_argnames=("axis", "overwrite_input", "keepdims", "method"))
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    a, q = ensure_arraylike("nanquantile", a, q)
    if weights is not None:
        weights = ensure_arraylike("nanquantile", weights)
    _reject_out("nanquantile", out, overwrite_input)
    return _quantile(a, q, axis, method, keepdims, True, weights)


def _percent(q):
    (q,) = promote_dtypes_inexact(q)
    return lax.div(q, const(q, 100))


@jit(static_argnames=("axis", "overwrite_input", "keepdims", "method"))
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    a, q = ensure_arraylike("percentile", a, q)
    if weights is not None:
        weights = ensure_arraylike("percentile", weights)
    return quantile(a, _percent(q), axis=axis, out=out, overwrite_input=overwrite_input,
                    method=method, keepdims=keepdims, weights=weights)


@jit(static_argnames=("axis", "overwrite_input", "keepdims", "method"))
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    a, q = ensure_arraylike("nanpercentile", a, q)
    if weights is not None:
        weights = ensure_arraylike("nanpercentile", weights)
    return nanquantile(a, _percent(q), axis=axis, out=out, overwrite_input=overwrite_input,
                       method=method, keepdims=keepdims, weights=weights)


@jit(static_argnames=("axis", "overwrite_input", "keepdims"))
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    a = ensure_arraylike("median", a)
    return quantile(a, 0.5, axis=axis, out=out, overwrite_input=overwrite_input,
                    keepdims=keepdims, method="midpoint")


@jit(static_argnames=("axis", "overwrite_input", "keepdims"))
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    a = ensure_arraylike("nanmedian", a)
    return nanquantile(a, 0.5, axis=axis, out=out, overwrite_input=overwrite_input,
                       keepdims=keepdims, method="midpoint")

