"""Gathers and value-dependent indexing of `cellax.numpy` (take, take_along_axis,
put_along_axis, choose, select, compress, nonzero, argwhere, trim_zeros, insert, delete,
place, put), split out of `_shape_ops`. Arguments that determine output shapes must be
concrete, as in JAX; where JAX needs a sort or a loop for a value-dependent index (insert,
delete, nonzero without `size`), concrete inputs are handled on the host."""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.numpy import _core
from cellax.numpy._core import _where
from cellax.numpy._shape_ops import _concrete_np, _ndim, indices, tile, unravel_index
from cellax.numpy._util import (arr, canon_axes, canon_axis, check_arraylike, const, dtype_of,
                                ensure_arraylike, jit, promote_dtypes, shape_of)


# ---------------------------------------------------------------------------------------
# Gathers


def take(a, indices_, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    a, idx = ensure_arraylike("take", a, indices_)
    return _take(a, idx, None if axis is None else operator.index(axis), mode,
                 unique_indices, indices_are_sorted, fill_value)


@jit(static_argnames=("axis", "mode", "unique_indices", "indices_are_sorted", "fill_value"))
def _take(a, idx, axis, mode, unique_indices, indices_are_sorted, fill_value):
    if axis is None:
        a = _core.ravel(a)
        axis_idx = 0
    else:
        axis_idx = canon_axis(operator.index(axis), _ndim(a))
    n = shape_of(a)[axis_idx]
    if mode is None or mode == "fill":
        gather_mode = lax.GatherScatterMode.FILL_OR_DROP
        idx = _where(lax.lt(idx, const(idx, 0)), lax.add(idx, const(idx, n)), idx)
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.take is not supported.")
    elif mode == "wrap":
        idx = _core.remainder(idx, const(idx, n))
        gather_mode = lax.GatherScatterMode.PROMISE_IN_BOUNDS
    elif mode == "clip":
        gather_mode = lax.GatherScatterMode.CLIP
    else:
        raise ValueError(f"Invalid mode '{mode}' for np.take")
    index_dims = _ndim(idx)
    slice_sizes = list(shape_of(a))
    if slice_sizes[axis_idx] == 0:
        if math.prod(shape_of(idx)) != 0:
            raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
        return a
    if math.prod(shape_of(idx)) == 0:
        out_shape = slice_sizes[:axis_idx] + list(shape_of(idx)) + slice_sizes[axis_idx + 1:]
        return lax.full_like(a, 0, shape=out_shape)
    slice_sizes[axis_idx] = 1
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(list(range(axis_idx))
                          + list(range(axis_idx + index_dims, _ndim(a) + index_dims - 1))),
        collapsed_slice_dims=(axis_idx,), start_index_map=(axis_idx,))
    return lax.gather(a, lax.expand_dims(idx, (index_dims,)), dnums, tuple(slice_sizes),
                      mode=gather_mode, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted, fill_value=fill_value)


def _index_dtype_for_axis(dt, size):
    # JAX widens small index dtypes so that negative-index wrapping cannot overflow.
    if dt.kind == "u":
        return dt
    if np.iinfo(dt).max < size:
        return dtypes.default_int_dtype()
    return dt


@jit(static_argnames=("axis", "mode", "fill_value", "wrap_negative_indices"), inline=True)
def take_along_axis(arr_, indices_, axis=-1, mode=None, fill_value=None, *,
                    wrap_negative_indices=None):
    a, idx = ensure_arraylike("take_along_axis", arr_, indices_)
    idx_shape = shape_of(idx)
    if not dtypes.is_integer(dtype_of(idx)):
        raise TypeError(f"take_along_axis indices must be of integer type, got "
                        f"{dtype_of(idx)}")
    if axis is None:
        if len(idx_shape) != 1:
            raise ValueError(f"take_along_axis indices must be 1D if axis=None, got shape "
                             f"{idx_shape}")
        a = _core.ravel(a)
        axis = 0
    rank = _ndim(a)
    if rank != len(idx_shape):
        raise ValueError(f"indices and arr must have the same number of dimensions; "
                         f"{len(idx_shape)} vs. {rank}")
    ax = canon_axis(axis, rank)
    axis_size = shape_of(a)[ax]
    arr_shape = list(shape_of(a))
    arr_shape[ax] = 1
    out_shape = _core.broadcast_shapes(idx_shape, tuple(arr_shape))
    if axis_size == 0:
        return lax.full(out_shape, 0, dtype_of(a))
    if wrap_negative_indices is None:
        wrap_negative_indices = mode != "promise_in_bounds"
    if wrap_negative_indices and dtype_of(idx).kind != "u":
        idx = _where(lax.lt(idx, const(idx, 0)), lax.add(idx, const(idx, axis_size)), idx)
    index_dims = [i for i, d in enumerate(idx_shape) if i == ax or d != 1]
    gather_index_shape = tuple(np.array(out_shape)[index_dims]) + (1,)
    gather_indices = lax.reshape(idx, gather_index_shape)
    slice_sizes, offset_dims, start_index_map, collapsed = [], [], [], []
    operand_batching_dims, start_indices_batching_dims, dims_to_squeeze = [], [], []
    new_i = j = 0
    for i in range(rank):
        if i == ax:
            slice_sizes.append(1)
            start_index_map.append(new_i)
            collapsed.append(new_i)
            new_i += 1
            j += 1
        elif idx_shape[i] == 1:
            offset_dims.append(i)
            slice_sizes.append(arr_shape[i])
            new_i += 1
        elif arr_shape[i] == 1:
            dims_to_squeeze.append(i)
            j += 1
        else:
            slice_sizes.append(0 if arr_shape[i] == 0 else 1)
            operand_batching_dims.append(new_i)
            start_indices_batching_dims.append(j)
            new_i += 1
            j += 1
    a = lax.squeeze(a, dims_to_squeeze)
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(offset_dims), collapsed_slice_dims=tuple(collapsed),
        start_index_map=tuple(start_index_map),
        operand_batching_dims=tuple(operand_batching_dims),
        start_indices_batching_dims=tuple(start_indices_batching_dims))
    return lax.gather(a, gather_indices, dnums, tuple(slice_sizes),
                      mode="fill" if mode is None else mode, fill_value=fill_value)


@jit(static_argnames=("axis", "inplace", "mode"))
def put_along_axis(arr_, indices_, values, axis, inplace=True, *, mode=None):
    if inplace:
        raise ValueError("jax.numpy.put_along_axis cannot modify arrays in-place, because JAX "
                         "arrays are immutable. Pass inplace=False to instead return an "
                         "updated array.")
    a, idx, values = ensure_arraylike("put_along_axis", arr_, indices_, values)
    original_axis, original_shape = axis, shape_of(a)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    if _ndim(a) != _ndim(idx):
        raise ValueError(f"put_along_axis arguments 'arr' and 'indices' must have same ndim. "
                         f"Got arr.ndim={_ndim(a)} and indices.ndim={_ndim(idx)}.")
    try:
        values = _core.broadcast_to(values, shape_of(idx))
    except ValueError:
        raise ValueError(f"put_along_axis argument 'values' must be broadcastable to "
                         f"'indices'. Got values.shape={shape_of(values)} and "
                         f"indices.shape={shape_of(idx)}.") from None
    ax = canon_axis(axis, _ndim(a))
    grid = list(indices(shape_of(a), sparse=True))
    grid[ax] = idx
    result = a.at[tuple(grid)].set(values, mode=mode)
    if original_axis is None:
        result = _core.reshape(result, original_shape)
    return result


def choose(a, choices, out=None, mode="raise"):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    check_arraylike("choose", a, *choices)
    a = arr(a)
    choices = [arr(c) for c in choices]
    if not dtypes.is_integer(dtype_of(a)):
        raise ValueError("`a` array must be integer typed")
    N = len(choices)
    if mode == "raise":
        a_np = _concrete_np(a, "The error occurred because jnp.choose was jit-compiled with "
                               "mode='raise'. Use mode='wrap' or mode='clip' instead.")
        if np.any((a_np < 0) | (a_np >= N)):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        a = _core.remainder(a, N)
    elif mode == "clip":
        a = _core.clip(a, 0, N - 1)
    else:
        raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    a, *choices = _core.broadcast_arrays(a, *choices)
    choices = promote_dtypes(*choices)
    return lax.select_n(lax.convert_element_type(a, np.int32), *choices) if N > 1 else \
        choices[0]


def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError(f"condlist must have length equal to choicelist ({len(condlist)} vs "
                         f"{len(choicelist)})")
    if len(condlist) == 0:
        raise ValueError("condlist must be non-empty")
    check_arraylike("select", *condlist, *choicelist, default)
    conds = [arr(c) for c in condlist]
    choices = promote_dtypes(arr(default), *[arr(c) for c in choicelist])
    conditions = _core.stack(_core.broadcast_arrays(False, *conds))
    idx = _core.argmax(_core.astype(conditions, bool), axis=0)
    return lax.select_n(*_core.broadcast_arrays(idx, *choices))


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    check_arraylike("compress", condition, a, fill_value)
    cond = _core.astype(arr(condition), bool)
    a = arr(a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    if _ndim(cond) != 1:
        raise ValueError("condition must be a 1D array")
    if axis is None:
        axis = 0
        a = _core.ravel(a)
    else:
        a = _core.moveaxis(a, axis, 0)
    n = shape_of(a)[0]
    cond, extra = cond[:n], cond[n:]
    a = a[:shape_of(cond)[0]]
    if size is None:
        cond_np = _concrete_np(cond, "jnp.compress requires a concrete condition, or a "
                                     "static `size`")
        if np.any(_concrete_np(extra, "jnp.compress condition")):
            raise ValueError("condition contains entries that are out of bounds")
        result = take(a, _core.asarray(np.nonzero(cond_np)[0].astype(np.int32)), axis=0)
    elif not 0 <= size <= shape_of(a)[0]:
        raise ValueError(f"size must be positive and not greater than the size of the array "
                         f"axis; got size={size} for a.shape[axis]={shape_of(a)[0]}")
    else:
        mask = _core.expand_dims(cond, tuple(range(1, _ndim(a))))
        a = _core.where(mask, a, _core.asarray(fill_value, dtype=dtype_of(a)))
        (pos,) = nonzero(cond, size=size, fill_value=0)
        count = _core.sum(cond)
        filled = _core.greater_equal(_core.arange(size), count)
        result = take(a, pos, axis=0)
        result = _core.where(_core.expand_dims(filled, tuple(range(1, _ndim(a)))),
                             _core.asarray(fill_value, dtype=dtype_of(a)), result)
    return _core.moveaxis(result, 0, axis)


def extract(condition, arr_, *, size=None, fill_value=0):
    check_arraylike("extreact", condition, arr_, fill_value)
    return compress(_core.ravel(condition), _core.ravel(arr_), size=size,
                    fill_value=fill_value)


# ---------------------------------------------------------------------------------------
# Nonzero and friends


def nonzero(a, *, size=None, fill_value=None):
    a = ensure_arraylike("nonzero", a)
    s = shape_of(a)
    if len(s) == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "jnp.atleast_1d(scalar).nonzero() instead.")
    mask = a if dtype_of(a) == dtypes.bool_ else _core.not_equal(a, 0)
    int_dt = dtypes.default_int_dtype()
    concrete = not isinstance(mask, Tracer) or mask.to_concrete_value() is not None
    if size is None:
        m = _concrete_np(mask, "The size argument of jnp.nonzero must be statically "
                               "specified to use jnp.nonzero within JAX transformations.")
        return tuple(_core.asarray(i.astype(int_dt)) for i in np.nonzero(m))
    size = operator.index(size)
    if math.prod(s) == 0 or size == 0:
        return tuple(_core.zeros(size, int_dt) for _ in s)
    fills = None
    if fill_value is not None:
        fills = fill_value if isinstance(fill_value, tuple) else (fill_value,) * len(s)
        if builtins.any(np.shape(v) != () for v in fills):
            raise ValueError(f"fill_value must be a scalar or a tuple of length {len(s)}; "
                             f"got {fill_value}")
    if concrete:
        m = _concrete_np(mask, "")
        found = [np.pad(i[:size], (0, size - builtins.min(i.size, size))).astype(int_dt)
                 for i in np.nonzero(m)]
        out = tuple(_core.asarray(i) for i in found)
        if fills is not None:
            fill_mask = _core.greater_equal(_core.arange(size), int(np.count_nonzero(m)))
            out = tuple(_core.where(fill_mask, fv, e) for fv, e in zip(fills, out))
        return out
    # Traced input, static size: JAX's cumsum + bincount construction.
    from cellax.numpy._reductions import cumsum
    flat_mask = _core.ravel(mask)
    counts = cumsum(flat_mask)
    binned = _core.zeros(size, int_dt).at[_core.clip(counts, 0)].add(
        np.array(1, int_dt), mode="drop")
    flat_indices = cumsum(binned)
    strides = (np.cumprod(s[::-1])[::-1] // s).astype(int_dt)
    out = tuple(_core.remainder(_core.floor_divide(flat_indices, st), n)
                for st, n in zip(strides, s))
    if fills is not None:
        fill_mask = _core.greater_equal(_core.arange(size), _core.sum(flat_mask))
        out = tuple(_core.where(fill_mask, fv, e) for fv, e in zip(fills, out))
    return out


def flatnonzero(a, *, size=None, fill_value=None):
    return nonzero(_core.ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    a = ensure_arraylike("argwhere", a)
    result = _core.transpose(_core.vstack(nonzero(_core.atleast_1d(a), size=size,
                                                  fill_value=fill_value)))
    if _ndim(a) == 0:
        return _core.reshape(result[:0], (shape_of(result)[0], 0))
    return _core.reshape(result, (shape_of(result)[0], _ndim(a)))


def trim_zeros(filt, trim="fb", axis=None):
    filt = ensure_arraylike("trim_zeros", filt)
    f = _concrete_np(filt, "Error arose in the `filt` argument of trim_zeros()")
    nd = f.ndim
    axis_set = set(canon_axes(axis, nd))
    t = trim.lower()
    if not axis_set or ("f" not in t and "b" not in t):
        return filt

    def get_slice(ax):
        if ax not in axis_set:
            return slice(None)
        mask = f.any(axis=tuple(i for i in range(nd) if i != ax))
        if not mask.any():
            return slice(0, 0)
        start = int(mask.argmax()) if "f" in t else None
        stop = f.shape[ax] - int(mask[::-1].argmax()) if "b" in t else None
        return slice(start, stop)
    return filt[tuple(get_slice(ax) for ax in range(nd))]


# ---------------------------------------------------------------------------------------
# Insert / delete (static indices)


def delete(arr_, obj, axis=None, *, assume_unique_indices=False):
    a = ensure_arraylike("delete", arr_)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    axis = canon_axis(axis, _ndim(a))
    n = shape_of(a)[axis]
    try:
        i = operator.index(obj)
    except TypeError:
        pass
    else:
        i = canon_axis(i, n)
        idx = (slice(None),) * axis
        return _core.concatenate([a[idx + (slice(0, i),)], a[idx + (slice(i + 1, None),)]],
                                 axis=axis)
    if isinstance(obj, slice):
        obj = np.arange(n)[obj]
    else:
        check_arraylike("delete", a, obj)
    obj_np = _concrete_np(obj, "'obj' array argument of jnp.delete()")
    if dtypes.is_integer(obj_np.dtype) or obj_np.size == 0:
        mask = np.ones(n, dtype=bool)
        mask[obj_np.astype(np.int64)] = False
    elif obj_np.dtype == bool:
        if obj_np.shape != (n,):
            raise ValueError("np.delete(arr, obj): for boolean indices, obj must be "
                             "one-dimensional with length matching specified axis.")
        mask = ~obj_np
    else:
        raise ValueError(f"np.delete(arr, obj): got obj.dtype={obj_np.dtype}; must be "
                         f"integer or bool.")
    return take(a, _core.asarray(np.nonzero(mask)[0].astype(np.int32)), axis=axis)


def insert(arr_, obj, values, axis=None):
    check_arraylike("insert", arr_, 0 if isinstance(obj, slice) else obj, values)
    a = arr(arr_)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    axis = canon_axis(core.concrete_or_error(axis, "axis argument of jnp.insert()"), _ndim(a))
    n_input = shape_of(a)[axis]
    if isinstance(obj, slice):
        idx = np.arange(*obj.indices(n_input))
    else:
        idx = _concrete_np(obj, "jnp.insert requires concrete (static) indices in cellax")
    if idx.ndim > 1:
        raise ValueError(f"jnp.insert(): obj must be a slice, a one-dimensional array, or a "
                         f"scalar; got {obj}")
    if not np.issubdtype(idx.dtype, np.integer):
        if idx.size == 0 and not isinstance(obj, (ArrayImpl, Tracer)):
            idx = idx.astype(int)
        else:
            raise ValueError(f"jnp.insert(): index array must be integer typed; got {obj}")
    vals = _core.array(values, ndmin=_ndim(a), dtype=dtype_of(a))
    if idx.size == 1:
        index = idx.ravel()[0]
        if idx.ndim == 0:
            vals = _core.moveaxis(vals, 0, axis)
        idx = np.full(shape_of(vals)[axis], index)
    n_insert = _core.broadcast_shapes(idx.shape, (shape_of(vals)[axis],))[0]
    out_shape = list(shape_of(a))
    out_shape[axis] = n_insert
    vals = _core.broadcast_to(vals, tuple(out_shape))
    idx = np.broadcast_to(idx, (n_insert,))
    idx = np.clip(np.where(idx < 0, idx + n_input, idx), 0, n_input)
    order = np.argsort(idx, kind="stable")
    values_ind = idx.copy()
    values_ind[order] += np.arange(n_insert, dtype=idx.dtype)
    arr_mask = np.ones(n_input + n_insert, dtype=bool)
    arr_mask[values_ind] = False
    arr_ind = np.nonzero(arr_mask)[0]
    # The output is a gather from [a, values] along `axis`.
    source = np.empty(n_input + n_insert, np.int32)
    source[arr_ind] = np.arange(n_input)
    source[values_ind] = n_input + np.arange(n_insert)
    combined = lax.concatenate([a, lax.convert_element_type(vals, dtype_of(a),
                                                            dtypes.dtype_and_weak(a)[1])], axis)
    return take(combined, _core.asarray(source), axis=axis, mode="clip")


# ---------------------------------------------------------------------------------------
# Masked and flat writes


def _tile_to_size(a, size):
    n = shape_of(a)[0]
    if n < size:
        a = tile(a, int(np.ceil(size / n)))
    return a[:size] if shape_of(a)[0] > size else a


@jit(static_argnames=("inplace",), inline=True)
def place(arr_, mask, vals, *, inplace=True):
    data, mask, vals = ensure_arraylike("place", arr_, mask, vals)
    vals = _core.ravel(vals)
    if inplace:
        raise ValueError("jax.numpy.place cannot modify arrays in-place, because JAX arrays "
                         "are immutable. Pass inplace=False to instead return an updated "
                         "array.")
    size = math.prod(shape_of(data))
    if size != math.prod(shape_of(mask)):
        raise ValueError("place: arr and mask must be the same size")
    if not shape_of(vals)[0]:
        raise ValueError("Cannot place values from an empty array")
    if not size:
        return data
    (idx,) = nonzero(_core.ravel(mask), size=size, fill_value=size)
    vals = _tile_to_size(vals, shape_of(idx)[0])
    return _core.reshape(_core.ravel(data).at[idx].set(vals, mode="drop"), shape_of(data))


@jit(static_argnames=("mode", "inplace"), inline=True)
def put(a, ind, v, mode=None, *, inplace=True):
    if inplace:
        raise ValueError("jax.numpy.put cannot modify arrays in-place, because JAX arrays are "
                         "immutable. Pass inplace=False to instead return an updated array.")
    a, ind, _ = ensure_arraylike("put", a, ind, v)
    ind = _core.ravel(ind)
    v = _core.ravel(v)
    size = math.prod(shape_of(a))
    if not size or not shape_of(ind)[0] or not shape_of(v)[0]:
        return a
    v = _tile_to_size(v, shape_of(ind)[0])
    if mode is None:
        scatter_mode = "drop"
    elif mode == "clip":
        ind = _core.clip(ind, 0, size - 1)
        scatter_mode = "promise_in_bounds"
    elif mode == "wrap":
        ind = _core.remainder(ind, size)
        scatter_mode = "promise_in_bounds"
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.put is not supported.")
    else:
        raise ValueError(f"mode should be one of 'wrap' or 'clip'; got mode={mode!r}")
    return a.at[unravel_index(ind, shape_of(a))].set(v, mode=scatter_mode)
