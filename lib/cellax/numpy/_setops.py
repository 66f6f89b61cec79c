"""Set operations in `cellax.numpy`: unique (and the Array API's unique_all/_counts/
_inverse/_values), union1d, intersect1d, setdiff1d and setxor1d.

Their output sizes depend on the values, so, as in JAX, they need concrete inputs unless a
static `size=` is given: then the result is padded (with `fill_value`, or as JAX pads) or
truncated to `size`, and they work under `jit`. Unique rows are found by a lexicographic
sort of the rows (one sort key per column), then a "differs from the previous row" mask.
"""
from __future__ import annotations

import math
import operator
from typing import NamedTuple

import numpy as np

from cellax import core, dtypes, lax
from cellax.lax import sorting as _lsort
from cellax.numpy import _core
from cellax.numpy._util import (canon_axis, dtype_of, ensure_arraylike, jit, promote_dtypes,
                                shape_of)

UNIQUE_SIZE_HINT = (
    "To make jnp.unique() compatible with JIT and other transforms, you can specify a "
    "concrete value for the size argument, which will determine the output size.")


def _int():
    return dtypes.default_int_dtype()


def _arange(n):
    return lax.broadcasted_iota(_int(), (n,), 0)


def _take(a, idx, axis=None):
    from cellax.numpy._shape_ops import take
    return take(a, idx, axis=axis)


def _nonzero(mask, size=None, fill_value=None):
    from cellax.numpy._shape_ops import nonzero
    return nonzero(mask, size=size, fill_value=fill_value)[0]


@jit(static_argnames=("equal_nan",))
def _sorted_rows(aux, equal_nan):
    """aux: (n, m) with n, m > 0. Rows sorted lexicographically, the mask of rows that start
    a new value, and the permutation."""
    n, m = shape_of(aux)
    if dtypes.is_complex(dtype_of(aux)):
        # Every complex NaN is the same NaN, for the sort and the comparison below.
        aux = _core.where(_core.isnan(aux), np.array(np.nan, dtype_of(aux)), aux)
    cols = [lax.squeeze(lax.slice_in_dim(aux, j, j + 1, axis=1), (1,)) for j in range(m)]
    perm = _lsort.sort((*cols, _arange(n)), dimension=0, num_keys=m)[-1]
    srt = _take(aux, perm, axis=0)
    prev, cur = srt[:-1], srt[1:]
    differs = lax.ne(cur, prev)
    if equal_nan and dtypes.is_inexact(dtype_of(aux)):
        both_nan = lax.bitwise_and(_core.isnan(cur), _core.isnan(prev))
        differs = lax.bitwise_and(differs, lax.bitwise_not(both_nan))
    new = _core.any(differs, axis=1)
    mask = lax.concatenate([lax.full((1,), True, dtypes.bool_), new], 0)
    return srt, mask, perm


def _unique(ar, axis, return_index=False, return_inverse=False, return_counts=False,
            equal_nan=True, size=None, fill_value=None, return_true_size=False):
    shape = shape_of(ar)
    n = shape[axis]
    rest = shape[:axis] + shape[axis + 1:]
    if n == 0 and size and fill_value is None:
        raise ValueError("jnp.unique: for zero-sized input with nonzero size argument, "
                         "fill_value must be specified")
    aux = _core.moveaxis(ar, axis, 0)
    m = math.prod(rest)
    if n == 0 or m == 0:
        return _unique_empty(ar, aux, axis, n, rest, return_index, return_inverse,
                             return_counts, size, fill_value, return_true_size)
    srt, mask, perm = _sorted_rows(_core.reshape(aux, (n, m)), equal_nan)
    srt = _core.reshape(srt, (n,) + rest)
    num = _core.sum(mask, dtype=_int())
    if size is None:
        ind = _nonzero(core.concrete_or_error(
            mask, "The error arose in jnp.unique(). " + UNIQUE_SIZE_HINT))
    else:
        ind = _nonzero(mask, size=size)
    result = _take(srt, ind, axis=0)
    if size is not None and fill_value is not None:
        valid = lax.lt(_arange(size), lax.broadcast_in_dim(num, (size,), ()))
        valid = lax.expand_dims(valid, tuple(range(1, len(rest) + 1)))
        result = _core.where(valid, result, _core.asarray(fill_value).astype(dtype_of(result)))
    out = [_core.moveaxis(result, 0, axis)]
    if return_index:
        out.append(_take(perm, ind))
    if return_inverse:
        from cellax.numpy._reductions import cumsum
        rank = lax.sub(cumsum(mask, dtype=_int()), np.array(1, _int()))
        out.append(_core.zeros(n, _int()).at[perm].set(rank))
    if return_counts:
        if size is None:
            starts = lax.concatenate([ind, np.array([n], dtype_of(ind))], 0)
        else:
            starts = _nonzero(mask, size=size + 1)
            tail = starts[1:]
            starts = starts.at[1:].set(_core.where(tail, tail, n))
        out.append(lax.sub(starts[1:], starts[:-1]))
    if return_true_size:
        out.append(num)
    return out[0] if len(out) == 1 else tuple(out)


def _unique_empty(ar, aux, axis, n, rest, return_index, return_inverse, return_counts,
                  size, fill_value, return_true_size):
    # JAX keeps one (empty) row when the rows themselves are empty.
    rows = 1 if n and not math.prod(rest) else 0
    dt = dtype_of(ar)
    if size is not None:
        fill = 0 if fill_value is None else fill_value
        result = lax.full((size,) + rest, _core.asarray(fill).astype(dt), dt)
    else:
        result = _core.zeros((rows,) + rest, dt)
    out = [_core.moveaxis(result, 0, axis)]
    if return_index:
        out.append(_core.zeros(rows, _int()))
    if return_inverse:
        out.append(_core.zeros(n, _int()))
    if return_counts:
        out.append(lax.full((1,), n, _int()) if n else _core.zeros(0, _int()))
    if return_true_size:
        out.append(lax.full((), 0, _int()))
    del aux
    return out[0] if len(out) == 1 else tuple(out)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
           *, equal_nan=True, size=None, fill_value=None, sorted=True):  # noqa: A002
    del sorted
    arr = ensure_arraylike("unique", ar)
    if size is None:
        arr = core.concrete_or_error(arr, "The error arose for the first argument of "
                                          "jnp.unique(). " + UNIQUE_SIZE_HINT)
        arr = _core.asarray(arr)
    else:
        size = operator.index(core.concrete_or_error(
            size, "The error arose for the size argument of jnp.unique(). "
            + UNIQUE_SIZE_HINT))
    shape = shape_of(arr)
    if axis is None:
        arr, ax = _core.ravel(arr), 0
    else:
        ax = canon_axis(axis, len(shape))
    out = _unique(arr, ax, return_index, return_inverse, return_counts, equal_nan=equal_nan,
                  size=size, fill_value=fill_value)
    if return_inverse and axis is None:
        k = 2 if return_index else 1
        out = (*out[:k], _core.reshape(out[k], shape), *out[k + 1:])
    return out


class _UniqueAllResult(NamedTuple):
    values: object
    indices: object
    inverse_indices: object
    counts: object


class _UniqueCountsResult(NamedTuple):
    values: object
    counts: object


class _UniqueInverseResult(NamedTuple):
    values: object
    inverse_indices: object


def unique_all(x, /, *, size=None, fill_value=None):
    x = ensure_arraylike("unique_all", x)
    return _UniqueAllResult(*unique(x, return_index=True, return_inverse=True,
                                    return_counts=True, equal_nan=False, size=size,
                                    fill_value=fill_value))


def unique_counts(x, /, *, size=None, fill_value=None):
    x = ensure_arraylike("unique_counts", x)
    return _UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False, size=size,
                                       fill_value=fill_value))


def unique_inverse(x, /, *, size=None, fill_value=None):
    x = ensure_arraylike("unique_inverse", x)
    return _UniqueInverseResult(*unique(x, return_inverse=True, equal_nan=False, size=size,
                                        fill_value=fill_value))


def unique_values(x, /, *, size=None, fill_value=None):
    x = ensure_arraylike("unique_values", x)
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# ---------------------------------------------------------------------------------------
# Binary set operations


def _static_size(name: str, size):
    return operator.index(core.concrete_or_error(size, f"The error arose in {name}()"))


def _need_concrete(name: str, *xs):
    for x in xs:
        core.concrete_or_error(x, f"The error arose in {name}()")


def union1d(ar1, ar2, *, size=None, fill_value=None):
    ar1, ar2 = ensure_arraylike("union1d", ar1, ar2)
    if size is None:
        _need_concrete("union1d", ar1, ar2)
    else:
        size = _static_size("union1d", size)
    return unique(_core.concatenate((ar1, ar2), axis=None), size=size, fill_value=fill_value)


def _pad_results(vals, valid, fill_value):
    """Entries past the valid ones: `fill_value`, or (as JAX) the smallest valid value
    (0 when there is none)."""
    if fill_value is not None:
        return _core.where(valid, vals, _core.asarray(fill_value).astype(dtype_of(vals)))
    vals = _core.where(valid, vals, _core.zeros((), dtype_of(vals)))
    vals = _core.where(valid, vals, _core.max(vals))
    return _core.where(valid, vals, _core.min(vals))


def _sorted_unique_padded(x, assume_unique, return_index=False):
    """x's unique values sorted and padded to len(x), the count of real ones, and (with
    return_index) their first positions in x."""
    n = shape_of(x)[0]
    if assume_unique:
        perm = _lsort.sort((x, _arange(n)), dimension=0)[1]
        vals, count, idx = _take(x, perm), lax.full((), n, _int()), perm
        return (vals, count, idx) if return_index else (vals, count)
    out = _unique(x, 0, return_index=return_index, size=n, fill_value=0,
                  return_true_size=True)
    if return_index:
        vals, idx, count = out
        return vals, count, idx
    return out


def _combined_sorted(v1, c1, v2, c2, *extra):
    """v1 (valid first c1) and v2 (valid first c2) merged: the valid values sorted first
    (stably, so an equal value from v1 comes before one from v2), then the rest."""
    n1, n2 = shape_of(v1)[0], shape_of(v2)[0]
    valid = lax.concatenate([lax.lt(_arange(n1), lax.broadcast_in_dim(c1, (n1,), ())),
                             lax.lt(_arange(n2), lax.broadcast_in_dim(c2, (n2,), ()))], 0)
    vals = lax.concatenate([v1, v2], 0)
    outs = _lsort.sort((lax.bitwise_not(valid), vals, *extra), dimension=0, num_keys=2)
    return lax.bitwise_not(outs[0]), outs[1], outs[2:]


@jit(static_argnames=("assume_unique", "size"))
def _setxor1d_size(a1, a2, fill_value, *, assume_unique, size):
    v1, c1 = _sorted_unique_padded(a1, assume_unique)
    v2, c2 = _sorted_unique_padded(a2, assume_unique)
    valid, aux, _ = _combined_sorted(v1, c1, v2, c2)
    t = shape_of(aux)[0]
    if t == 0:
        return _pad_results(_core.zeros(size, dtype_of(aux)),
                            _core.zeros(size, dtypes.bool_), fill_value)
    same_prev = lax.concatenate([np.array([False]), lax.eq(aux[1:], aux[:-1])], 0)
    valid_next = lax.concatenate([valid[1:], np.array([False])], 0)
    same_next = lax.bitwise_and(
        lax.concatenate([lax.eq(aux[1:], aux[:-1]), np.array([False])], 0), valid_next)
    once = lax.bitwise_and(valid, lax.bitwise_not(lax.bitwise_or(same_prev, same_next)))
    num = _core.sum(once, dtype=_int())
    where_ = _nonzero(once, size=size, fill_value=t)
    vals = aux.at[where_].get(mode="fill", fill_value=0)
    return _pad_results(vals, lax.lt(_arange(size), lax.broadcast_in_dim(num, (size,), ())),
                        fill_value)


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    ar1, ar2 = ensure_arraylike("setxor1d", ar1, ar2)
    a1, a2 = promote_dtypes(_core.ravel(ar1), _core.ravel(ar2))
    if size is not None:
        return _setxor1d_size(a1, a2, fill_value, assume_unique=bool(assume_unique),
                              size=_static_size("setxor1d", size))
    if not assume_unique:
        a1, a2 = unique(a1), unique(a2)
    aux = _core.concatenate((a1, a2))
    if shape_of(aux)[0] == 0:
        return aux
    aux = _lsort.sort(aux)
    ne = lax.ne(aux[1:], aux[:-1])
    t = np.array([True])
    flag = lax.concatenate([t, ne, t], 0)
    return aux[lax.bitwise_and(flag[1:], flag[:-1])]


@jit(static_argnames=("assume_unique", "size", "return_indices"))
def _intersect1d_size(a1, a2, fill_value, *, assume_unique, size, return_indices):
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    v1, c1, i1 = _sorted_unique_padded(a1, assume_unique, return_index=True)
    v2, c2, i2 = _sorted_unique_padded(a2, assume_unique, return_index=True)
    valid, aux, (pos,) = _combined_sorted(v1, c1, v2, c2, _arange(n1 + n2))
    t = n1 + n2
    if t == 0:
        vals = _pad_results(_core.zeros(size, dtype_of(aux)),
                            _core.zeros(size, dtypes.bool_), fill_value)
        empty = _core.full(size, 0, _int())
        return (vals, empty, empty) if return_indices else vals
    # Each common value appears twice in a row: once from each input (v1's first).
    match = lax.bitwise_and(lax.eq(aux[1:], aux[:-1]), valid[1:])
    num = _core.sum(match, dtype=_int())
    at = _nonzero(match, size=size, fill_value=t)
    valid_out = lax.lt(_arange(size), lax.broadcast_in_dim(num, (size,), ()))
    vals = _pad_results(aux.at[at].get(mode="fill", fill_value=0), valid_out, fill_value)
    if not return_indices:
        return vals
    j1 = pos.at[at].get(mode="fill", fill_value=n1)
    j2 = lax.sub(pos.at[at + 1].get(mode="fill", fill_value=t), np.array(n1, _int()))
    j1 = _core.where(valid_out, j1, n1)
    j2 = _core.where(valid_out, j2, n2)
    j1 = i1.at[j1].get(mode="fill", fill_value=n1)
    j2 = i2.at[j2].get(mode="fill", fill_value=n2)
    return vals, j1, j2


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    ar1, ar2 = ensure_arraylike("intersect1d", ar1, ar2)
    a1, a2 = promote_dtypes(ar1, ar2)
    a1, a2 = _core.ravel(a1), _core.ravel(a2)
    if size is not None:
        return _intersect1d_size(a1, a2, fill_value, assume_unique=bool(assume_unique),
                                 size=_static_size("intersect1d", size),
                                 return_indices=bool(return_indices))
    i1 = i2 = None
    if not assume_unique:
        if return_indices:
            a1, i1 = unique(a1, return_index=True)
            a2, i2 = unique(a2, return_index=True)
        else:
            a1, a2 = unique(a1), unique(a2)
    n1 = shape_of(a1)[0]
    both = _core.concatenate((a1, a2))
    aux, pos = _lsort.sort_key_val(both, _arange(shape_of(both)[0]))
    match = lax.eq(aux[1:], aux[:-1])
    common = aux[:-1][match]
    if not return_indices:
        return common
    j1 = pos[:-1][match]
    j2 = lax.sub(pos[1:][match], np.array(n1, dtype_of(pos)))
    if i1 is not None:
        j1, j2 = i1[j1], i2[j2]
    return common, j1, j2


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    from cellax.numpy._shape_ops import isin
    a1, a2 = ensure_arraylike("setdiff1d", ar1, ar2)
    a1, a2 = _core.ravel(a1), _core.ravel(a2)
    if size is None:
        _need_concrete("setdiff1d", ar1)
    else:
        size = _static_size("setdiff1d", size)
    fill = _core.full_like(a1, 0 if fill_value is None else fill_value, shape=())
    n1 = shape_of(a1)[0]
    if n1 == 0:
        return _core.full_like(a1, fill, shape=size or 0)
    if not assume_unique:
        a1 = unique(a1, size=size and n1)
    keep = isin(a1, a2, invert=True)
    if size is None:
        return a1[keep]
    if not assume_unique:
        # unique(size=n1) repeats its first value as padding: those are not results.
        n_unique = lax.sub(np.array(n1 + 1, _int()),
                           _core.sum(lax.eq(a1, a1[0]), dtype=_int()))
        keep = lax.bitwise_and(keep, lax.lt(_arange(n1), lax.broadcast_in_dim(
            n_unique, (n1,), ())))
    num = _core.sum(keep, dtype=_int())
    picked = a1[_nonzero(keep, size=size)]
    return _core.where(lax.lt(_arange(size), lax.broadcast_in_dim(num, (size,), ())),
                       picked, fill)
