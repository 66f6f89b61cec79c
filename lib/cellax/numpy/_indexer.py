"""Parsing NumPy-style indices for `x[idx]` and `x.at[idx]` (`NDIndexer`), and turning
them into static slices, a `dynamic_slice` or a gather, as JAX does (a port of the
parsing half of `jax._src.numpy.indexing`); split out of `_indexing`, which uses it.

Index arithmetic on host values (Python ints, NumPy arrays) is done with NumPy when
running eagerly, and staged with lax operations under a trace so that jaxprs match JAX's.
"""
from __future__ import annotations

import enum
import operator
from typing import Any, NamedTuple, Sequence

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer, get_aval
from cellax.errors import NonConcreteBooleanIndexError
from cellax.lax import GatherDimensionNumbers, GatherScatterMode

_HOST = (np.ndarray, np.generic, int, float, bool, complex)

# ---------------------------------------------------------------------------------------
# Small helpers: host-or-lax arithmetic on index values


def _fold(*xs) -> bool:
    """Compute on the host: all inputs are host values and nothing is being traced."""
    return core.current_trace() is core.eval_trace and all(isinstance(x, _HOST) for x in xs)


def _shape(x) -> tuple[int, ...]:
    aval = getattr(x, "aval", None)
    return aval.shape if aval is not None else np.shape(x)


def _ndim(x) -> int:
    return len(_shape(x))


def _dtype(x) -> np.dtype:
    return dtypes.dtype(x)


def _asarray(x):
    """An index value as an array: tracers, device arrays and (weakly typed) Python scalars
    pass; other host values become NumPy arrays of the canonical dtype when running eagerly
    (index arithmetic then stays on the host) and device arrays under a trace (so that the
    arithmetic is staged, as in JAX)."""
    if isinstance(x, (ArrayImpl, Tracer)) or type(x) in (int, float, bool, complex):
        return x
    if (isinstance(x, (list, tuple)) and _contains_array(x)) or (
            isinstance(x, (list, tuple)) and not _fold()):
        from cellax.numpy import _core as jnp
        return jnp.asarray(x)
    value = np.asarray(x)
    if value.dtype == object:
        raise TypeError(f"Cannot convert index {x!r} to an array")
    return value.astype(dtypes.canonicalize_dtype(value.dtype), copy=False)


def _contains_array(seq) -> bool:
    for x in seq:
        if isinstance(x, (Tracer, ArrayImpl)):
            return True
        if isinstance(x, (list, tuple)) and _contains_array(x):
            return True
    return False


def _convert(x, dtype):
    dtype = np.dtype(dtype)
    if isinstance(x, np.ndarray):
        if x.dtype == dtype:
            return x
        if _fold(x):
            return x.astype(dtype)
        from cellax.numpy import _core as jnp
        x = jnp.asarray(x)  # a staged conversion, as JAX's (of a device array)
    if isinstance(x, (np.generic, int, bool)):
        return np.asarray(x, dtype)
    return lax.convert_element_type(x, dtype)


def _expand_dims(x, dims):
    if not dims:
        return x
    if _fold(x):
        return np.expand_dims(np.asarray(x), tuple(dims))
    return lax.expand_dims(x, tuple(dims))


def _broadcast_in_dim(x, shape, dims):
    shape = tuple(shape)
    if _fold(x):
        x = np.asarray(x)
        expanded = [1] * len(shape)
        for s, d in zip(x.shape, dims):
            expanded[d] = s
        return np.broadcast_to(x.reshape(expanded), shape)
    return lax.broadcast_in_dim(x, shape, tuple(dims))


def _broadcast_to(x, shape):
    shape = tuple(shape)
    nd = _ndim(x)
    if _shape(x) == shape:
        return x
    return _broadcast_in_dim(x, shape, range(len(shape) - nd, len(shape)))


def _broadcast_arrays(*args):
    shapes = [_shape(a) for a in args]
    if not shapes or all(s == shapes[0] for s in shapes):
        return list(args)
    from cellax.numpy import _core as jnp
    result = jnp.broadcast_shapes(*shapes)
    return [_broadcast_to(a, result) for a in args]


def _normalize_array_index(index, size: int):
    """`index + size` where `index < 0` (unsigned indices pass through)."""
    dt = _dtype(index)
    if dt.kind == "u":
        return index
    if _fold(index):
        index = np.asarray(index)
        return np.where(index < 0, index + np.asarray(size, index.dtype), index)
    aval = get_aval(index)
    # lax._const: a weakly typed scalar example keeps the constant weak.
    size_c = int(size) if (aval.weak_type and aval.ndim == 0) else np.asarray(size, dt)[()]
    if isinstance(index, np.ndarray):
        neg = index < 0  # NumPy, as in JAX: a host constant
    else:
        neg = lax.lt(index, dt.type(0))
    return lax.select(neg, lax.add(index, size_c), index)


def _index_dtype_for_shape(shape) -> np.dtype:
    if any(d > np.iinfo(np.int32).max for d in shape):
        return np.dtype(np.int64)
    return np.dtype(np.int32)


def _slice_elt(v):
    if v is None:
        return None
    return operator.index(v)  # TypeError for traced or non-integer entries


def _slice_indices(s: slice, size: int) -> tuple[int, int, int]:
    return slice(_slice_elt(s.start), _slice_elt(s.stop), _slice_elt(s.step)).indices(size)


def _canonicalize_slice(s: slice, axis_size: int) -> tuple[int, int, int]:
    """(start, step, size) of `x[s]` along an axis of `axis_size` (JAX's core helper)."""
    step = _slice_elt(s.step) if s.step is not None else 1
    if step == 0:
        raise ValueError("slice step cannot be zero")
    step_gt_0 = step > 0

    def clamp_index(i):
        if i >= 0:
            return min(axis_size, i) if step_gt_0 else min(axis_size - 1, i)
        return max(0, axis_size + i) if step_gt_0 else max(-1, axis_size + i)

    start = (0 if step_gt_0 else axis_size - 1) if s.start is None else clamp_index(
        _slice_elt(s.start))
    stop = (axis_size if step_gt_0 else -1) if s.stop is None else clamp_index(
        _slice_elt(s.stop))
    gap = step if step_gt_0 else -step
    distance = (stop - start) if step_gt_0 else (start - stop)
    return start, step, max(0, distance + gap - 1) // gap


def _is_concrete(x) -> bool:
    if isinstance(x, Tracer):
        return x.to_concrete_value() is not None
    return True


def _concrete_value(x):
    if isinstance(x, Tracer):
        return x.to_concrete_value()
    return x


# ---------------------------------------------------------------------------------------
# Parsing indices


class IndexType(enum.Enum):
    NONE = "none"
    SLICE = "slice"
    ELLIPSIS = "ellipsis"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ARRAY = "array"

    @classmethod
    def from_index(cls, idx) -> IndexType:
        if idx is None:
            return cls.NONE
        if idx is Ellipsis:
            return cls.ELLIPSIS
        if isinstance(idx, slice):
            return cls.SLICE
        if _is_integer_index(idx):
            return cls.INTEGER
        if _is_boolean_index(idx):
            return cls.BOOLEAN
        if isinstance(idx, (ArrayImpl, Tracer, np.ndarray)):
            if dtypes.issubdtype(idx.dtype, np.integer):
                return cls.ARRAY
            raise TypeError(f"Indexer must have integer or boolean type, got indexer with "
                            f"type {idx.dtype}")
        if isinstance(idx, str):
            raise TypeError(f"JAX does not support string indexing; got idx={idx!r}")
        if isinstance(idx, Sequence):
            if not idx:  # empty indices default to float, so special-case this.
                return cls.ARRAY
            dt = _sequence_dtype(idx)
            if dt == dtypes.bool_:
                return cls.BOOLEAN
            if dtypes.issubdtype(dt, np.integer):
                return cls.ARRAY
            raise TypeError(f"Indexer must have integer or boolean type, got indexer with "
                            f"type {dt}")
        if isinstance(idx, (float, complex, np.generic)):
            raise TypeError(f"Indexer must have integer or boolean type, got indexer with "
                            f"type {np.dtype(type(idx))}")
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`)"
                         f" and integer or boolean arrays are valid indices. Got {idx}")


def _sequence_dtype(seq) -> np.dtype:
    if not _contains_array(seq):
        value = np.asarray(seq)
        if value.dtype == object:
            raise TypeError(f"Cannot convert index {seq!r} to an array")
        return dtypes.canonicalize_dtype(value.dtype)
    leaves: list = []

    def collect(s):
        for x in s:
            if isinstance(x, (list, tuple)):
                collect(x)
            else:
                leaves.append(x)
    collect(seq)
    return dtypes.result_type(*leaves)


def _is_integer_index(idx) -> bool:
    return isinstance(idx, (int, np.integer)) and not isinstance(idx, (bool, np.bool_))


def _is_scalar(x) -> bool:
    return np.isscalar(x) or (isinstance(x, (np.ndarray, ArrayImpl, Tracer)) and _ndim(x) == 0)


def _is_boolean_index(i) -> bool:
    try:
        aval = get_aval(i)
    except TypeError:
        aval = None
    return ((aval is not None and aval.dtype == dtypes.bool_)
            or (isinstance(i, list) and bool(i)
                and all(_is_scalar(e) and _dtype(e) == dtypes.bool_ for e in i)))


class ParsedIndex(NamedTuple):
    index: Any
    typ: IndexType
    consumed_axes: tuple[int, ...]


def _parse_indices(indices: tuple, shape: tuple[int, ...]) -> list[ParsedIndex]:
    dimensions_consumed: list[int] = []
    ellipses_indices: list[int] = []
    index_types: list[IndexType] = []
    for i, idx in enumerate(indices):
        typ = IndexType.from_index(idx)
        index_types.append(typ)
        if typ == IndexType.NONE:
            dimensions_consumed.append(0)
        elif typ == IndexType.ELLIPSIS:
            dimensions_consumed.append(0)
            ellipses_indices.append(i)
        elif typ == IndexType.BOOLEAN:
            dimensions_consumed.append(len(_shape(idx)) if not isinstance(idx, list)
                                       else np.ndim(idx))
        else:
            dimensions_consumed.append(1)
    if len(ellipses_indices) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    total_consumed = sum(dimensions_consumed)
    if total_consumed > len(shape):
        raise IndexError(f"Too many indices: array is {len(shape)}-dimensional,"
                         f" but {total_consumed} were indexed")
    if ellipses_indices:
        dimensions_consumed[ellipses_indices[0]] = len(shape) - total_consumed
    result: list[ParsedIndex] = []
    current_dim = 0
    for index, typ, n_consumed in zip(indices, index_types, dimensions_consumed):
        consumed_axes = tuple(range(current_dim, current_dim + n_consumed))
        current_dim += len(consumed_axes)
        result.append(ParsedIndex(index, typ, consumed_axes))
    return result


def _should_unpack_list_index(x) -> bool:
    return ((isinstance(x, (np.ndarray, ArrayImpl, Tracer)) and _ndim(x) != 0)
            or isinstance(x, (Sequence, slice)) or x is Ellipsis or x is None)


def eliminate_deprecated_list_indexing(idx) -> tuple:
    if not isinstance(idx, tuple):
        if isinstance(idx, Sequence) and not isinstance(idx, str):
            if any(_should_unpack_list_index(i) for i in idx):
                msg = ("Using a non-tuple sequence for multidimensional indexing is not "
                       "allowed; use `arr[tuple(seq)]` instead of `arr[seq]`. See "
                       "https://github.com/jax-ml/jax/issues/4564 for more information.")
            else:
                msg = ("Using a non-tuple sequence for multidimensional indexing is not "
                       "allowed; use `arr[array(seq)]` instead of `arr[seq]`. See "
                       "https://github.com/jax-ml/jax/issues/4564 for more information.")
            raise TypeError(msg)
        idx = (idx,)
    return idx


class _StaticSliceIndexer(NamedTuple):
    start_indices: list
    limit_indices: list
    strides: list | None
    rev_axes: list
    squeeze_axes: list
    newaxis_dims: list

    def is_trivial_slice(self, arr_shape) -> bool:
        if self.strides is not None or len(arr_shape) != len(self.start_indices):
            return False
        return all((start, stop) == (0, size) for start, stop, size in
                   zip(self.start_indices, self.limit_indices, arr_shape))


class _DynamicSliceIndexer(NamedTuple):
    start_indices: list
    slice_sizes: list
    rev_axes: list
    squeeze_axes: list
    newaxis_dims: list
    trivial_slicing: bool
    normalize_indices: bool


class _GatherIndexer(NamedTuple):
    slice_shape: Sequence[int]          # the shape of the result of x[idx]
    gather_slice_shape: Sequence[int]   # slice_sizes of the gather
    gather_indices: Any
    dnums: GatherDimensionNumbers
    unique_indices: bool
    indices_are_sorted: bool
    reversed_y_dims: Sequence[int]      # negative-stride slices, reversed after the gather
    newaxis_dims: Sequence[int]         # `None` axes: inserted for gathers, removed for scatters
    scalar_bool_dims: Sequence[int]     # scalar-boolean axes, inserted before indexing


class NDIndexer:
    """A user index parsed against the shape of the array it indexes."""

    __slots__ = ("shape", "indices")

    def __init__(self, shape, indices: list[ParsedIndex]):
        self.shape = tuple(shape)
        self.indices = list(indices)

    @classmethod
    def from_raw_indices(cls, indices, shape) -> NDIndexer:
        indices = eliminate_deprecated_list_indexing(indices)
        return cls(shape, _parse_indices(indices, tuple(shape)))

    def validate_static_indices(self, normalize_indices: bool = True) -> None:
        for idx in self.indices:
            if idx.typ == IndexType.INTEGER:
                i = operator.index(idx.index)
                axis, = idx.consumed_axes
                size = self.shape[axis]
                normed = i + size if normalize_indices and i < 0 else i
                if not 0 <= normed < size:
                    raise IndexError(f"index {i} out of bounds for axis {axis} with size "
                                     f"{size} (normalize_indices={normalize_indices})")

    def validate_slices(self) -> None:
        for position, idx in enumerate(self.indices):
            if idx.typ == IndexType.SLICE:
                s = idx.index
                if not all(v is None or _is_concrete(v) for v in (s.start, s.stop, s.step)):
                    raise IndexError(f"Slice entries must be static integers. Got {s} at "
                                     f"position {position}")

    def expand_bool_indices(self) -> NDIndexer:
        """Boolean arrays become the integer arrays of their nonzero positions (they must be
        concrete); scalar booleans stay."""
        expanded: list[ParsedIndex] = []
        for position, idx in enumerate(self.indices):
            if idx.typ != IndexType.BOOLEAN:
                expanded.append(idx)
                continue
            if not _is_concrete(idx.index):
                raise NonConcreteBooleanIndexError(idx.index)
            value = np.asarray(_concrete_value(idx.index))
            if value.ndim == 0:
                expanded.append(ParsedIndex(bool(value), idx.typ, ()))
                continue
            expected_shape = [self.shape[i] for i in idx.consumed_axes]
            if not all(s1 in (0, s2) for s1, s2 in zip(value.shape, expected_shape)):
                raise IndexError("boolean index did not match shape of indexed array in index"
                                 f" {position}: got {value.shape}, expected {expected_shape}")
            where = np.where(value)
            expanded.extend(ParsedIndex(i, IndexType.ARRAY, (axis,))
                            for i, axis in zip(where, idx.consumed_axes))
        return NDIndexer(self.shape, expanded)

    def expand_scalar_bool_indices(self) -> NDIndexer:
        new_shape = list(self.shape)
        new_indices = list(self.indices)
        current_dim = 0
        for i, idx in enumerate(self.indices):
            if idx.typ == IndexType.BOOLEAN and np.ndim(idx.index) == 0:
                new_shape.insert(i, 1)
                new_indices[i] = ParsedIndex(np.arange(int(idx.index)), IndexType.ARRAY,
                                             (current_dim,))
                current_dim += 1
            else:
                n = len(idx.consumed_axes)
                new_indices[i] = ParsedIndex(idx.index, idx.typ,
                                             tuple(range(current_dim, current_dim + n)))
                current_dim += n
        return NDIndexer(new_shape, new_indices)

    def convert_sequences_to_arrays(self) -> NDIndexer:
        return NDIndexer(self.shape, [
            ParsedIndex(_asarray(idx.index), idx.typ, idx.consumed_axes)
            if isinstance(idx.index, Sequence) else idx for idx in self.indices])

    def expand_ellipses(self) -> NDIndexer:
        expanded: list[ParsedIndex] = []
        consumed = 0
        for idx in self.indices:
            consumed += len(idx.consumed_axes)
            if idx.typ == IndexType.ELLIPSIS:
                expanded.extend(ParsedIndex(slice(None), IndexType.SLICE, (axis,))
                                for axis in idx.consumed_axes)
            else:
                expanded.append(idx)
        expanded.extend(ParsedIndex(slice(None), IndexType.SLICE, (axis,))
                        for axis in range(consumed, len(self.shape)))
        return NDIndexer(self.shape, expanded)

    def normalize_indices(self) -> NDIndexer:
        new: list[ParsedIndex] = []
        for idx in self.indices:
            if idx.typ == IndexType.INTEGER:
                axis, = idx.consumed_axes
                size = self.shape[axis]
                if isinstance(idx.index, np.unsignedinteger):
                    normed = idx.index
                else:
                    normed = idx.index + size if idx.index < 0 else idx.index
                new.append(ParsedIndex(normed, idx.typ, idx.consumed_axes))
            elif idx.typ == IndexType.ARRAY:
                axis, = idx.consumed_axes
                new.append(ParsedIndex(_normalize_array_index(idx.index, self.shape[axis]),
                                       idx.typ, idx.consumed_axes))
            else:
                new.append(idx)
        return NDIndexer(self.shape, new)

    def to_static_slice(self, *, normalize_indices: bool = True,
                        mode=None) -> _StaticSliceIndexer:
        parsed_mode = (GatherScatterMode.PROMISE_IN_BOUNDS if mode is None
                       else GatherScatterMode.from_any(mode))
        if parsed_mode not in (GatherScatterMode.PROMISE_IN_BOUNDS, GatherScatterMode.CLIP):
            raise ValueError("static_slice requires mode='promise_in_bounds' or mode='clip'")
        if parsed_mode == GatherScatterMode.PROMISE_IN_BOUNDS:
            self.validate_static_indices(normalize_indices=normalize_indices)
        self.validate_slices()
        for position, pidx in enumerate(self.indices):
            if pidx.typ not in (IndexType.INTEGER, IndexType.ELLIPSIS, IndexType.SLICE,
                                IndexType.NONE):
                raise TypeError("static_slice: indices must be static scalars or slices."
                                f" Got index of type {type(pidx.index)} at position "
                                f"{position}")
        start_indices: list[int] = []
        limit_indices: list[int] = []
        strides: list[int] = []
        rev_axes: list[int] = []
        squeeze_axes: list[int] = []
        newaxis_dims: list[int] = []
        for pidx in self.expand_ellipses().indices:
            if pidx.typ == IndexType.NONE:
                newaxis_dims.append(len(start_indices) - len(squeeze_axes) + len(newaxis_dims))
            elif pidx.typ == IndexType.INTEGER:
                axis, = pidx.consumed_axes
                if self.shape[axis] == 0:
                    raise IndexError(f"index is out of bounds for axis {axis} with size 0")
                start = int(pidx.index)
                if normalize_indices and start < 0:
                    start += self.shape[axis]
                start = min(max(start, 0), self.shape[axis] - 1)
                start_indices.append(start)
                limit_indices.append(start + 1)
                strides.append(1)
                squeeze_axes.append(axis)
            else:  # SLICE
                axis, = pidx.consumed_axes
                size = self.shape[axis]
                start, stop, stride = _slice_indices(pidx.index, size)
                if stride < 0:
                    new_start = min(size, stop + 1 + abs(start - stop - 1) % abs(stride))
                    start_indices.append(new_start)
                    limit_indices.append(max(new_start, start + 1))
                    strides.append(abs(stride))
                    rev_axes.append(axis)
                else:
                    start_indices.append(start)
                    limit_indices.append(max(start, stop))
                    strides.append(stride)
        return _StaticSliceIndexer(start_indices, limit_indices,
                                   None if all(s == 1 for s in strides) else strides,
                                   rev_axes, squeeze_axes, newaxis_dims)

    def to_dynamic_slice(self, *, normalize_indices: bool = True,
                         mode=None) -> _DynamicSliceIndexer:
        if mode is not None:
            parsed_mode = GatherScatterMode.from_any(mode)
            if parsed_mode not in (GatherScatterMode.PROMISE_IN_BOUNDS,
                                   GatherScatterMode.CLIP):
                raise ValueError("dynamic_slice requires mode='promise_in_bounds' or "
                                 "mode='clip'")
        for position, pidx in enumerate(self.indices):
            if pidx.typ in (IndexType.INTEGER, IndexType.ELLIPSIS, IndexType.NONE):
                pass
            elif pidx.typ == IndexType.SLICE:
                if pidx.index.step is not None and pidx.index.step not in (-1, 1):
                    raise TypeError("dynamic_slice: only unit steps supported in slice."
                                    f" Got {pidx.index} at position {position}")
            elif pidx.typ == IndexType.ARRAY:
                if isinstance(pidx.index, Sequence) or _ndim(pidx.index) != 0:
                    raise TypeError("dynamic_slice: only scalar indices allowed."
                                    f" Got index of type {type(pidx.index)} at position "
                                    f"{position}")
            else:
                raise TypeError("dynamic_slice: indices must be scalars or slices."
                                f" Got index of type {type(pidx.index)} at position {position}")
        start_indices: list = []
        slice_sizes: list[int] = []
        rev_axes: list[int] = []
        squeeze_axes: list[int] = []
        newaxis_dims: list[int] = []
        trivial_slicing = True
        for pidx in self.expand_ellipses().indices:
            if pidx.typ == IndexType.NONE:
                newaxis_dims.append(len(start_indices) - len(squeeze_axes) + len(newaxis_dims))
            elif pidx.typ in (IndexType.INTEGER, IndexType.ARRAY):
                trivial_slicing = False
                axis, = pidx.consumed_axes
                if self.shape[axis] == 0:
                    raise IndexError(f"index is out of bounds for axis {axis} with size 0")
                index = pidx.index
                if pidx.typ == IndexType.INTEGER:
                    # jnp.asarray(int): a (weakly typed) array, not a static integer.
                    index = np.asarray(index, dtypes.dtype(index) if isinstance(
                        index, np.integer) else dtypes.default_int_dtype())
                start_indices.append(index)
                slice_sizes.append(1)
                squeeze_axes.append(axis)
            else:  # SLICE
                if pidx.index != slice(None):
                    trivial_slicing = False
                axis, = pidx.consumed_axes
                size = self.shape[axis]
                start, stop, stride = _slice_indices(pidx.index, size)
                if stride < 0:
                    new_start = stop + 1 + abs(start - stop - 1) % abs(stride)
                    start_indices.append(new_start)
                    slice_sizes.append(max(0, start + 1 - new_start))
                    rev_axes.append(axis)
                else:
                    start_indices.append(start)
                    slice_sizes.append(max(0, stop - start))
        if len(start_indices) > 1:
            # dynamic_slice needs start indices of one dtype.
            dt = _index_dtype_for_shape(self.shape)
            start_indices = [i.astype(dt) if isinstance(i, np.ndarray) else (
                np.asarray(i, dt) if isinstance(i, (int, np.integer))
                else lax.convert_element_type(i, dt)) for i in start_indices]
        return _DynamicSliceIndexer(start_indices, slice_sizes, rev_axes, squeeze_axes,
                                    newaxis_dims, trivial_slicing, normalize_indices)

    def is_advanced_int_indexer(self) -> bool:
        return any(idx.typ in (IndexType.ARRAY, IndexType.BOOLEAN) and _ndim(idx.index) > 0
                   for idx in self.indices)

    def to_gather(self, normalize_indices: bool = True) -> _GatherIndexer:
        return _index_to_gather(self, normalize_indices=normalize_indices)


# ---------------------------------------------------------------------------------------
# An index as one gather


def _index_to_gather(indexer: NDIndexer, *, normalize_indices: bool = True) -> _GatherIndexer:
    indexer.validate_slices()
    indexer = indexer.convert_sequences_to_arrays()
    is_advanced = np.nonzero(np.array([idx.typ in (IndexType.ARRAY, IndexType.INTEGER)
                                       for idx in indexer.indices]))
    advanced_axes_are_contiguous = bool(np.all(np.diff(is_advanced) == 1))
    indexer = indexer.expand_ellipses()
    scalar_bool_dims = [n for n, i in enumerate(indexer.indices) if i.typ == IndexType.BOOLEAN]
    indexer = indexer.expand_scalar_bool_indices()
    if normalize_indices:
        indexer = indexer.normalize_indices()

    advanced_indexes: Sequence = []
    idx_advanced_axes: Sequence[int] = []
    x_advanced_axes: Sequence[int] = []
    if indexer.is_advanced_int_indexer():
        idx_without_none = [(i, d) for i, d in enumerate(indexer.indices)
                            if d.typ != IndexType.NONE]
        advanced_pairs = [(_asarray(e.index), i, j) for j, (i, e) in enumerate(idx_without_none)
                          if e.typ in (IndexType.ARRAY, IndexType.INTEGER)]
        advanced_indexes = [p[0] for p in advanced_pairs]
        idx_advanced_axes = [p[1] for p in advanced_pairs]
        x_advanced_axes = [p[2] for p in advanced_pairs]

    x_axis = 0
    y_axis = 0
    collapsed_y_axis = 0
    offset_dims: list[int] = []
    collapsed_slice_dims: list[int] = []
    start_index_map: list[int] = []
    index_dtype = _index_dtype_for_shape(indexer.shape)
    gather_indices: list[tuple[Any, int]] = []
    gather_indices_shape: list[int] = []
    slice_shape: list[int] = []
    newaxis_dims: list[int] = []
    reversed_y_dims: list[int] = []
    gather_slice_shape: list[int] = []

    for idx_pos, index in enumerate(indexer.indices):
        if advanced_indexes and (
                (advanced_axes_are_contiguous and idx_pos == idx_advanced_axes[0])
                or (not advanced_axes_are_contiguous and idx_pos == 0)):
            advanced_index_arrs = _broadcast_arrays(*advanced_indexes)
            shape = _shape(advanced_index_arrs[0])
            start_dim = len(gather_indices_shape)
            gather_indices.extend((_convert(a, index_dtype), start_dim)
                                  for a in advanced_index_arrs)
            gather_indices_shape += shape
            start_index_map.extend(x_advanced_axes)
            collapsed_slice_dims.extend(x_advanced_axes)
            slice_shape.extend(shape)
            y_axis += len(shape)
            collapsed_y_axis += len(shape)

        if idx_pos in idx_advanced_axes:
            x_axis += 1
            gather_slice_shape.append(1)
            continue

        if index.typ in (IndexType.INTEGER, IndexType.ARRAY) and _ndim(index.index) == 0:
            if indexer.shape[x_axis] == 0:
                raise IndexError(f"index is out of bounds for axis {x_axis} with size 0")
            gather_indices.append((_convert(index.index, index_dtype),
                                   len(gather_indices_shape)))
            collapsed_slice_dims.append(x_axis)
            gather_slice_shape.append(1)
            start_index_map.append(x_axis)
            x_axis += 1
        elif index.typ == IndexType.NONE:
            slice_shape.append(1)
            newaxis_dims.append(y_axis)
            y_axis += 1
        elif index.typ == IndexType.SLICE:
            start, step, slice_size = _canonicalize_slice(index.index, indexer.shape[x_axis])
            slice_shape.append(slice_size)
            if step == 1:
                if slice_size != indexer.shape[x_axis]:
                    gather_indices.append((np.asarray(start, index_dtype),
                                           len(gather_indices_shape)))
                    start_index_map.append(x_axis)
                gather_slice_shape.append(slice_size)
                offset_dims.append(collapsed_y_axis)
            else:
                if _fold():
                    indices = np.arange(slice_size, dtype=index_dtype) * step + start
                    if step < 0:
                        indices = indices[::-1]
                else:
                    indices = lax.add(np.asarray(start, index_dtype),
                                      lax.mul(np.asarray(step, index_dtype),
                                              lax.iota(index_dtype, slice_size)))
                    if step < 0:
                        indices = lax.rev(indices, (0,))
                if step < 0:
                    reversed_y_dims.append(collapsed_y_axis)
                gather_slice_shape.append(1)
                gather_indices.append((indices, len(gather_indices_shape)))
                start_index_map.append(x_axis)
                gather_indices_shape.append(slice_size)
                collapsed_slice_dims.append(x_axis)
            collapsed_y_axis += 1
            y_axis += 1
            x_axis += 1
        else:
            raise IndexError(f"Got unsupported indexer at position {idx_pos}: {index!r}")

    if len(gather_indices) == 0:
        gather_indices_array: Any = np.zeros((0,), dtype=index_dtype)
    elif len(gather_indices) == 1:
        g, _ = gather_indices[0]
        gather_indices_array = _expand_dims(g, (_ndim(g),))
    else:
        last_dim = len(gather_indices_shape)
        gather_indices_shape.append(1)
        parts = [_broadcast_in_dim(g, gather_indices_shape, tuple(range(i, i + _ndim(g))))
                 for g, i in gather_indices]
        if _fold(*parts):
            gather_indices_array = np.concatenate(parts, last_dim)
        else:
            gather_indices_array = lax.concatenate(parts, last_dim)

    dnums = GatherDimensionNumbers(offset_dims=tuple(offset_dims),
                                   collapsed_slice_dims=tuple(sorted(collapsed_slice_dims)),
                                   start_index_map=tuple(start_index_map))
    return _GatherIndexer(slice_shape=slice_shape, gather_slice_shape=gather_slice_shape,
                          gather_indices=gather_indices_array, dnums=dnums,
                          unique_indices=not advanced_indexes,
                          indices_are_sorted=not advanced_indexes,
                          reversed_y_dims=reversed_y_dims, newaxis_dims=tuple(newaxis_dims),
                          scalar_bool_dims=scalar_bool_dims)
