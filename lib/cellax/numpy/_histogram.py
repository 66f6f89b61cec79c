"""Sorted-array lookups and counting of `cellax.numpy` (searchsorted, digitize, bincount,
histogram, histogram2d, histogramdd, isin), split out of `_shape_ops`."""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax.numpy import _core
from cellax.numpy._gather_ops import take
from cellax.numpy._shape_ops import _concrete_np, _ndim, ix_, ravel_multi_index
from cellax.numpy._util import (arr, check_arraylike, dtype_of, ensure_arraylike, jit,
                                promote_dtypes, shape_of)


# ---------------------------------------------------------------------------------------
# Sorted-array lookups, counting


def _sort_lt(x, y):
    # NumPy's sort order: NaNs last.
    if dtypes.is_float(dtype_of(x)):
        return _core.logical_or(_core.less(x, y),
                                _core.logical_and(_core.isnan(y), _core.logical_not(
                                    _core.isnan(x))))
    if dtypes.is_complex(dtype_of(x)):
        xr, xi, yr, yi = _core.real(x), _core.imag(x), _core.real(y), _core.imag(y)
        return _core.logical_or(_sort_lt(xr, yr), _core.logical_and(_core.equal(xr, yr),
                                                                    _sort_lt(xi, yi)))
    return _core.less(x, y)


@jit(static_argnames=("side", "method"))
def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    if sorter is None:
        a, v = ensure_arraylike("searchsorted", a, v)
    else:
        a, v, sorter = ensure_arraylike("searchsorted", a, v, sorter)
    if _ndim(a) != 1:
        raise ValueError("a should be 1-dimensional")
    if side not in ("left", "right"):
        raise ValueError(f"{side!r} is an invalid value for keyword 'side'. Expected one of "
                         f"['left', 'right'].")
    if method not in ("scan", "scan_unrolled", "sort", "compare_all"):
        raise ValueError(f"method={method!r} not recognized; expected one of 'scan', "
                         f"'scan_unrolled', 'sort', or 'compare_all'")
    a, v = promote_dtypes(a, v)
    if sorter is not None:
        a = take(a, sorter, mode="clip")
    n = shape_of(a)[0]
    dt = np.dtype(np.int32) if n < 2 ** 31 - 1 else np.dtype(np.int64)
    # Every method gives the same answer; cellax counts comparisons against all of `a`.
    av = lax.broadcast_in_dim(a, shape_of(v) + (n,), (_ndim(v),))
    vv = lax.broadcast_in_dim(v, shape_of(v) + (n,), tuple(range(_ndim(v))))
    cmp = _sort_lt(av, vv) if side == "left" else _core.logical_not(_sort_lt(vv, av))
    return _core.sum(cmp, axis=-1, dtype=dt)


@jit(static_argnames=("right", "method"))
def digitize(x, bins, right=False, *, method=None):
    x, bins = ensure_arraylike("digitize", x, bins)
    right = bool(core.concrete_or_error(right, "right argument of jnp.digitize()"))
    if _ndim(bins) != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins}")
    if shape_of(bins)[0] == 0:
        return _core.zeros_like(x, dtype=np.int32)
    side = "right" if not right else "left"
    kw = {} if method is None else {"method": method}
    n = shape_of(bins)[0]
    return _core.where(_core.greater_equal(bins[-1], bins[0]),
                       searchsorted(bins, x, side=side, **kw),
                       _core.subtract(n, searchsorted(bins[::-1], x, side=side, **kw)))


def bincount(x, weights=None, minlength=0, *, length=None):
    x = ensure_arraylike("bincount", x)
    if dtype_of(x) == dtypes.bool_:
        x = lax.convert_element_type(x, np.int32)
    if not dtypes.is_integer(dtype_of(x)):
        raise TypeError(f"x argument to bincount must have an integer type; got {dtype_of(x)}")
    if _ndim(x) != 1:
        raise ValueError("only 1-dimensional input supported.")
    minlength = operator.index(core.concrete_or_error(
        minlength, "The error occurred because of argument 'minlength' of jnp.bincount."))
    if length is None:
        xn = _concrete_np(x, "The error occurred because of argument 'x' of jnp.bincount. To "
                             "avoid this error, pass a static `length` argument.")
        length = builtins.max(minlength, xn.size and int(builtins.max(0, xn.max())) + 1)
    else:
        length = operator.index(core.concrete_or_error(
            length, "The error occurred because of argument 'length' of jnp.bincount."))
    if weights is None:
        weights = np.array(1, dtype=dtypes.default_int_dtype())
    elif np.shape(x) != shape_of(weights) and shape_of(x) != shape_of(weights):
        raise ValueError(f"shape of weights must match shape of x. Got {shape_of(x)} and "
                         f"{shape_of(weights)}")
    return _core.zeros(length, dtypes.dtype(weights)).at[_core.clip(x, 0)].add(weights,
                                                                               mode="drop")


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    del weights
    if isinstance(bins, str):
        raise NotImplementedError("string values for `bins` not implemented.")
    check_arraylike("histogram_bin_edges", a, bins)
    a = arr(a)
    dt = _core.to_inexact_dtype(dtype_of(a))
    if np.ndim(bins) == 1 or _ndim(bins) == 1:
        return _core.asarray(bins, dtype=dt)
    nbins = operator.index(core.concrete_or_error(bins, "bins argument of "
                                                  "histogram_bin_edges"))
    if range is None:
        range = [_core.min(a), _core.max(a)]  # noqa: A001
    rng = _core.asarray(range, dtype=dt)
    if shape_of(rng) != (2,):
        raise ValueError(f"`range` must be either None or a sequence of scalars, got {range}")
    zero_width = _core.equal(_core.subtract(_core.max(rng), _core.min(rng)), 0)
    lo = _core.where(zero_width, _core.subtract(rng[0], 0.5), rng[0])
    hi = _core.where(zero_width, _core.add(rng[1], 0.5), rng[1])
    from cellax.numpy._creation import _linspace_axis
    return _linspace_axis(lo, hi, nbins + 1, True, dt, 0)


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    if weights is None:
        a, _ = ensure_arraylike("histogram", a, bins)
        (a,) = promote_dtypes(_core._to_inexact(a))
        weights = _core.ones_like(a)
    else:
        a, _, weights = ensure_arraylike("histogram", a, bins, weights)
        if shape_of(a) != shape_of(weights):
            raise ValueError("weights should have the same shape as a.")
        from cellax.numpy._util import promote_dtypes_inexact
        a, weights = promote_dtypes_inexact(a, weights)
    edges = histogram_bin_edges(a, bins, range, weights)
    n = shape_of(edges)[0]
    bin_idx = searchsorted(edges, a, side="right")
    bin_idx = _core.where(_core.equal(a, edges[-1]), n - 1, bin_idx)
    counts = _core.zeros(n, dtype_of(weights)).at[bin_idx].add(weights)[1:]
    if density:
        from cellax.numpy._math import diff
        widths = diff(edges)
        counts = _core.true_divide(_core.true_divide(counts, widths), _core.sum(counts))
    return counts, edges


def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    element, test_elements = ensure_arraylike("isin", element, test_elements)
    e, t = promote_dtypes(element, test_elements)
    e, t = _core.ravel(e), _core.ravel(t)
    if method not in ("auto", "compare_all", "binary_search", "sort"):
        raise ValueError(f"method={method!r} is not implemented; options are 'compare_all', "
                         f"'binary_search', 'sort', and 'auto'")
    if shape_of(e)[0] == 0 or shape_of(t)[0] == 0:
        res = (_core.ones if invert else _core.zeros)(shape_of(e), dtype=bool)
    elif invert:
        res = _core.all(_core.not_equal(e[:, None], t[None, :]), -1)
    else:
        res = _core.any(_core.equal(e[:, None], t[None, :]), -1)
    return _core.reshape(res, shape_of(element))


def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
    from cellax.numpy._math import diff
    from cellax.numpy._util import promote_dtypes_inexact
    if weights is None:
        sample = ensure_arraylike("histogramdd", sample)
        (sample,) = promote_dtypes_inexact(sample)
    else:
        sample, weights = ensure_arraylike("histogramdd", sample, weights)
        if shape_of(weights) != shape_of(sample)[:1]:
            raise ValueError("should have one weight for each sample.")
        sample, weights = promote_dtypes_inexact(sample, weights)
    N, D = shape_of(sample)
    if range is not None and (len(range) != D or builtins.any(
            r is not None and np.shape(r)[0] != 2 for r in range)):
        raise ValueError(f"For sample.shape={(N, D)}, range must be a sequence of {D} pairs "
                         f"or Nones; got range={range}")
    try:
        bins_per_dim = list(bins)
    except TypeError:
        bins_per_dim = D * [bins]
    else:
        if len(bins_per_dim) != D:
            raise ValueError("should be a bin for each dimension.")
    idx_by_dim, edges_by_dim = [], []
    for i in builtins.range(D):
        r = None if range is None else range[i]
        edges = histogram_bin_edges(sample[:, i], bins_per_dim[i], r, weights)
        idx = searchsorted(edges, sample[:, i], side="right")
        idx = _core.where(_core.equal(sample[:, i], edges[-1]), _core.subtract(idx, 1), idx)
        idx_by_dim.append(idx)
        edges_by_dim.append(edges)
    nbins = tuple(shape_of(e)[0] + 1 for e in edges_by_dim)
    dedges = [diff(e) for e in edges_by_dim]
    xy = ravel_multi_index(tuple(idx_by_dim), nbins, mode="clip")
    hist = bincount(xy, weights, length=math.prod(nbins))
    hist = _core.reshape(hist, nbins)[D * (slice(1, -1),)]
    if density:
        hist = _core.astype(hist, dtype_of(sample))
        hist = _core.true_divide(hist, _core.sum(hist))
        for norm in ix_(*dedges):
            hist = _core.true_divide(hist, norm)
    return hist, edges_by_dim


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
    x, y = ensure_arraylike("histogram2d", x, y)
    try:
        N = len(bins)
    except TypeError:
        N = 1
    if N != 1 and N != 2:
        e = arr(bins)
        bins = [e, e]
    sample = _core.transpose(_core.stack([x, y]))
    hist, edges = histogramdd(sample, bins, range, weights, density)
    return hist, edges[0], edges[1]
