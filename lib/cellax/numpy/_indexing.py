"""NumPy-style indexing (`x[idx]`) and functional updates (`x.at[idx].set(y)`), as JAX does
them (a port of `jax._src.numpy.indexing` and `jax._src.ops.scatter`).

`x[idx]` first tries static slicing (`slice`/`rev`/`squeeze`/`broadcast_in_dim`), then a
`dynamic_slice` (traced scalar indices), then a `gather` (integer and boolean arrays);
the same primitives JAX stages. `x.at[idx].<op>(y)` always lowers to a scatter.

Out-of-bounds indices follow JAX: reads clamp (or fill, with `mode="fill"`), updates
are dropped (or clamped, with `mode="clip"`). Index arithmetic on host values (Python
ints, NumPy arrays) is done with NumPy when running eagerly, and staged with lax
operations under a trace so that jaxprs match JAX's. Parsing an index (`NDIndexer`) is in
`_indexer`.
"""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer, get_aval
from cellax.lax import GatherScatterMode, ScatterDimensionNumbers
from cellax.numpy._indexer import (  # noqa: F401 - some only kept importable from here
    IndexType, NDIndexer, ParsedIndex, _asarray, _broadcast_to, _dtype, _DynamicSliceIndexer,
    _fold, _shape, _StaticSliceIndexer, eliminate_deprecated_list_indexing)


# ---------------------------------------------------------------------------------------
# x[idx]


def rewriting_take(arr, idx, *, indices_are_sorted: bool = False,
                   unique_indices: bool = False, mode=None, fill_value=None,
                   normalize_indices: bool = True):
    """`arr[idx]`, with `.at[idx].get()`'s options."""
    if not isinstance(arr, (ArrayImpl, Tracer)):
        from cellax.numpy import _core as jnp
        arr = jnp.asarray(arr)
    shape = get_aval(arr).shape
    indexer = NDIndexer.from_raw_indices(idx, shape)
    if _check_static_indices() and (mode is None or GatherScatterMode.from_any(mode)
                  == GatherScatterMode.PROMISE_IN_BOUNDS):
        indexer.validate_static_indices(normalize_indices=normalize_indices)
    try:
        static = indexer.to_static_slice(normalize_indices=normalize_indices, mode=mode)
    except (TypeError, ValueError, IndexError):
        pass
    else:
        return _static_slice(arr, static)
    try:
        dynamic = indexer.to_dynamic_slice(normalize_indices=normalize_indices, mode=mode)
    except (TypeError, ValueError, IndexError):
        pass
    else:
        return _dynamic_slice(arr, dynamic)
    indexer = indexer.expand_bool_indices()
    return _gather(arr, indexer, indices_are_sorted=indices_are_sorted,
                   unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                   normalize_indices=normalize_indices)


def _check_static_indices() -> bool:
    from cellax.config import config
    return bool(config._values.get("jax_check_static_indices", False))


def _static_slice(arr, indexer: _StaticSliceIndexer):
    if indexer.is_trivial_slice(get_aval(arr).shape):
        result = arr
    else:
        result = lax.slice(arr, indexer.start_indices, indexer.limit_indices, indexer.strides)
    if indexer.rev_axes:
        result = lax.rev(result, indexer.rev_axes)
    if indexer.squeeze_axes:
        result = lax.squeeze(result, indexer.squeeze_axes)
    if indexer.newaxis_dims:
        result = lax.expand_dims(result, indexer.newaxis_dims)
    return result


def _dynamic_slice_indices(arr, start_indices, allow_negative_indices: bool) -> list:
    """Normalize negative start indices (JAX's `lax.dynamic_slice` does this)."""
    result = []
    for i, d in zip(start_indices, get_aval(arr).shape):
        dt = _dtype(i)
        if dt.kind == "u":
            result.append(i)
        elif isinstance(i, (int, np.integer)):
            result.append(np.asarray(i + d if (allow_negative_indices and i < 0) else i, dt))
        elif not allow_negative_indices:
            result.append(i)
        elif _fold(i):
            i = np.asarray(i)
            result.append(np.asarray(i + d if i < 0 else i, i.dtype))
        else:
            result.append(lax.select(lax.lt(i, np.asarray(0, dt)),
                                     lax.add(i, np.asarray(d, dt)), i))
    return result


def _dynamic_slice(arr, indexer: _DynamicSliceIndexer):
    if indexer.trivial_slicing:
        result = arr
    else:
        starts = _dynamic_slice_indices(arr, indexer.start_indices, indexer.normalize_indices)
        result = lax.dynamic_slice(arr, starts, indexer.slice_sizes)
    if indexer.rev_axes:
        result = lax.rev(result, indexer.rev_axes)
    if indexer.squeeze_axes:
        result = lax.squeeze(result, indexer.squeeze_axes)
    if indexer.newaxis_dims:
        result = lax.expand_dims(result, indexer.newaxis_dims)
    return result


def _gather(arr, indexer: NDIndexer, *, indices_are_sorted, unique_indices, mode, fill_value,
            normalize_indices):
    gi = indexer.to_gather(normalize_indices=normalize_indices)
    y = arr
    if fill_value is not None:
        fill_value = core.concrete_or_error(fill_value, "fill_value argument to indexed get()")
        if np.ndim(fill_value) != 0:
            raise ValueError("fill_value argument to indexed get() must be a scalar")
        if isinstance(fill_value, (np.ndarray, ArrayImpl)):
            fill_value = np.asarray(fill_value).item()
    if gi.scalar_bool_dims:
        y = lax.expand_dims(y, gi.scalar_bool_dims)
    if any(d == 0 for d in gi.slice_shape):
        aval = get_aval(y)
        return lax.convert_element_type(lax.full(gi.slice_shape, 0, aval.dtype), aval.dtype,
                                        aval.weak_type)
    if not any(d == 0 for d in _shape(gi.gather_indices)):
        y = lax.gather(y, gi.gather_indices, gi.dnums, gi.gather_slice_shape,
                       unique_indices=unique_indices or gi.unique_indices,
                       indices_are_sorted=indices_are_sorted or gi.indices_are_sorted,
                       mode=mode, fill_value=fill_value)
    if gi.reversed_y_dims:
        y = lax.rev(y, gi.reversed_y_dims)
    return lax.expand_dims(y, gi.newaxis_dims) if gi.newaxis_dims else y


def getitem(x, idx):
    return rewriting_take(x, idx)


# ---------------------------------------------------------------------------------------
# x.at[idx].set(y) and friends


def _scatter_update(x, idx, y, scatter_op: Callable, indices_are_sorted: bool,
                    unique_indices: bool, mode=None, normalize_indices: bool = True):
    """The value of `x` after `x[idx] op= y`, computed without mutation."""
    from cellax.numpy import _core as jnp
    if not isinstance(x, (ArrayImpl, Tracer)):
        x = jnp.asarray(x)
    x_dtype = get_aval(x).dtype
    if (isinstance(y, int) and x_dtype.kind in "iu"
            and np.iinfo(x_dtype).min <= y <= np.iinfo(x_dtype).max):
        y = np.asarray(y, x_dtype)
    elif isinstance(y, (list, tuple)):
        y = _asarray(y)
    elif not (isinstance(y, (ArrayImpl, Tracer, np.ndarray, np.generic, bool, int, float,
                             complex)) or hasattr(y, "__jax_array__")):
        raise TypeError(f"Value {y!r} with type {type(y)} is not a valid JAX type")
    elif isinstance(y, np.ndarray):
        y = y.astype(dtypes.canonicalize_dtype(y.dtype), copy=False)
    indexer = NDIndexer.from_raw_indices(idx, get_aval(x).shape).expand_bool_indices()
    return _scatter_impl(x, y, indexer, scatter_op=scatter_op,
                         indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                         mode=mode, normalize_indices=normalize_indices)


def _safe_to_cast(y, x) -> bool:
    in_dt, out_dt = _dtype(y), _dtype(x)
    if in_dt == out_dt:
        return True
    return dtypes.result_type(y, out_dt) == out_dt


def _scatter_impl(x, y, indexer: NDIndexer, *, scatter_op, indices_are_sorted,
                  unique_indices, mode, normalize_indices):
    from cellax.numpy import _core as jnp
    x_aval = get_aval(x)
    dtype, weak_type = x_aval.dtype, x_aval.weak_type
    if not _safe_to_cast(y, x):
        warnings.warn(
            "scatter inputs have incompatible types: cannot safely cast value "
            f"from dtype={_dtype(y)} to dtype={dtype} with "
            "jax_numpy_dtype_promotion=standard. "
            "In future JAX releases this will result in an error.", FutureWarning,
            stacklevel=4)
    gi = indexer.to_gather(normalize_indices=normalize_indices)
    if any(d == 0 for d in gi.slice_shape):
        return x
    x, y = jnp.promote_dtypes(x, y)
    y = _broadcast_to(y, tuple(gi.slice_shape))
    if gi.newaxis_dims:
        y = lax.squeeze(y, gi.newaxis_dims)
    if gi.reversed_y_dims:
        y = lax.rev(y, gi.reversed_y_dims)
    if gi.scalar_bool_dims:
        x = lax.expand_dims(x, gi.scalar_bool_dims)
    dnums = ScatterDimensionNumbers(
        update_window_dims=gi.dnums.offset_dims,
        inserted_window_dims=gi.dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims=gi.dnums.start_index_map,
        operand_batching_dims=gi.dnums.operand_batching_dims,
        scatter_indices_batching_dims=gi.dnums.start_indices_batching_dims)
    out = scatter_op(x, gi.gather_indices, y, dnums,
                     indices_are_sorted=gi.indices_are_sorted or indices_are_sorted,
                     unique_indices=gi.unique_indices or unique_indices, mode=mode)
    if gi.scalar_bool_dims:
        out = lax.squeeze(out, gi.scalar_bool_dims)
    return lax.convert_element_type(out, dtype, weak_type)


class _IndexUpdateHelper:
    """`x.at[idx]`: functional equivalents of in-place updates.

    ``x.at[idx].set(y)`` is ``x[idx] = y``; likewise ``add``, ``subtract``, ``multiply``
    (``mul``), ``divide``, ``power``, ``min``, ``max``, ``apply(ufunc)`` and ``get()``.
    Repeated indices all apply. Keywords: ``mode`` ("promise_in_bounds" (default),
    "clip", "drop"/"fill"), ``indices_are_sorted``, ``unique_indices``,
    ``wrap_negative_indices`` and, for ``get``, ``fill_value``.
    """

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    """`x.at[idx]`: the array and index that an update method applies to."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None, out_sharding=None, wrap_negative_indices=True):
        return rewriting_take(self.array, self.index, indices_are_sorted=indices_are_sorted,
                              unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                              normalize_indices=wrap_negative_indices)

    def _update(self, values, op, indices_are_sorted, unique_indices, mode,
                wrap_negative_indices, array=None):
        return _scatter_update(self.array if array is None else array, self.index, values, op,
                               indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode,
                               normalize_indices=wrap_negative_indices)

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
        return self._update(values, lax.scatter, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
        return self._update(values, lax.scatter_add, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 out_sharding=None, wrap_negative_indices=True):
        return self._update(values, lax.scatter_sub, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 out_sharding=None, wrap_negative_indices=True):
        return self._update(values, lax.scatter_mul, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    mul = multiply

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               out_sharding=None, wrap_negative_indices=True):
        from cellax.numpy import _core as jnp
        ones = jnp.ones_like(self.array)
        return jnp.divide(self.array, self._update(
            values, lax.scatter_mul, indices_are_sorted, unique_indices, mode,
            wrap_negative_indices, array=ones))

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
              out_sharding=None, wrap_negative_indices=True):
        from cellax.numpy import _core as jnp
        ones = jnp.ones_like(self.array)
        return jnp.power(self.array, self._update(
            values, lax.scatter_mul, indices_are_sorted, unique_indices, mode,
            wrap_negative_indices, array=ones))

    def min(self, values, *, indices_are_sorted=False, unique_indices=False,  # noqa: A003
            mode=None, out_sharding=None, wrap_negative_indices=True):
        return self._update(values, lax.scatter_min, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False,  # noqa: A003
            mode=None, out_sharding=None, wrap_negative_indices=True):
        return self._update(values, lax.scatter_max, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):
        def scatter_apply(x, indices, y, dims, **kw):
            return lax.scatter_apply(x, indices, func, dims, update_shape=_shape(y), **kw)
        zero = np.zeros((), get_aval(self.array).dtype)[()]
        return self._update(zero, scatter_apply, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)
