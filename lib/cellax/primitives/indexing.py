"""Gather and scatter primitives: gather, scatter, scatter-add/sub/mul/min/max. This module
holds the parameter types, the shared checks and gather with all its rules; the scatters
are in `scatter` (imported back at the end).

Parameters follow JAX 0.10.2 exactly (`GatherDimensionNumbers`,
`ScatterDimensionNumbers` with batching dims, `GatherScatterMode`, `fill_value`,
`update_jaxpr`/`update_consts`), so equations print as JAX prints them. As in JAX
the index vector dimension is always the last dimension of the indices.

Out-of-bounds handling is JAX's: PROMISE_IN_BOUNDS and CLIP gathers lower to a
plain `stablehlo.gather` (which clamps start indices); FILL_OR_DROP gathers mask
out-of-bounds windows with `fill_value`. CLIP scatters clamp the indices first;
FILL_OR_DROP and PROMISE_IN_BOUNDS scatters rely on `stablehlo.scatter` dropping
out-of-bounds windows.
"""
from __future__ import annotations

import enum
from typing import NamedTuple, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters import lowering
from cellax.interpreters.lowering import i64_array, tensor_type
from cellax.primitives.elementwise import _standard

# ---------------------------------------------------------------------------------------
# Parameter types


class GatherDimensionNumbers(NamedTuple):
    """XLA's gather dimension numbers; `index_vector_dim` is implicitly the last one."""

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
    """XLA's scatter dimension numbers; `index_vector_dim` is implicitly the last one."""

    update_window_dims: Sequence[int]
    inserted_window_dims: Sequence[int]
    scatter_dims_to_operand_dims: Sequence[int]
    operand_batching_dims: Sequence[int] = ()
    scatter_indices_batching_dims: Sequence[int] = ()


class GatherScatterMode(enum.Enum):
    """How gathers and scatters treat out-of-bounds indices.

    CLIP: clamp indices so that the whole window is in range.
    FILL_OR_DROP: a gathered window that is partly out of bounds is filled with
      `fill_value`; a scattered window that is partly out of bounds is dropped.
    PROMISE_IN_BOUNDS: the user promises in-bounds indices (in practice gathers clamp
      and scatters drop).
    """

    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()
    ONE_HOT = enum.auto()

    @staticmethod
    def from_any(s) -> GatherScatterMode:
        if isinstance(s, GatherScatterMode):
            return s
        if s == "clip":
            return GatherScatterMode.CLIP
        if s is None or s == "fill" or s == "drop":
            return GatherScatterMode.FILL_OR_DROP
        if s == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        if s == "one_hot":
            return GatherScatterMode.ONE_HOT
        raise ValueError(f'Unknown gather mode "{s}"')


# ---------------------------------------------------------------------------------------
# Shared checks (messages as in JAX's shape rules)


def _is_sorted(dims, op_name, name):
    for i in range(1, len(dims)):
        if dims[i] < dims[i - 1]:
            raise TypeError(f"{name} in {op_name} op must be sorted; got {dims}")


def _dims_in_range(dims, rank, op_name, name):
    for dim in dims:
        if dim < 0 or dim >= rank:
            raise TypeError(f"Invalid {name} set in {op_name} op; valid range is "
                            f"[0, {rank}); got: {dim}.")


def _sorted_dims_in_range(dims, rank, op_name, name):
    if len(dims) == 0:
        return
    invalid_dim = None
    if dims[0] < 0:
        invalid_dim = dims[0]
    elif dims[-1] >= rank:
        invalid_dim = dims[-1]
    if invalid_dim:
        raise TypeError(f"Invalid {name} set in {op_name} op; valid range is "
                        f"[0, {rank}); got: {invalid_dim}.")


def _no_duplicate_dims(dims, op_name, name):
    if len(set(dims)) != len(dims):
        raise TypeError(f"{name} in {op_name} op must not repeat; got: {dims}.")


def _disjoint_dims(dims1, dims2, op_name, name1, name2):
    if not set(dims1).isdisjoint(set(dims2)):
        raise TypeError(f"{name1} and {name2} in {op_name} op must be disjoint; "
                        f"got: {dims1} and {dims2}.")


def _check_integer_indices(indices: ShapedArray) -> None:
    if indices.dtype.kind not in "iu":
        raise ValueError("indices must have an integer type")


def _is_empty_shape(shape) -> bool:
    return any(d == 0 for d in shape)


def _check_batching_dims(op_name, operand, indices, operand_batching_dims,
                         named_indices_batching_dims, named_window_dims, named_index_map):
    """The checks of a gather's / scatter's batching dims; returns the operand's batch shape.

    The `named_*` arguments are (name, dims) pairs: the indices' batching dims, the
    collapsed (gather) or inserted (scatter) window dims, and the start-index map. Checks
    and messages are JAX's, quirks included (see below)."""
    indices_name, indices_batching_dims = named_indices_batching_dims
    op = op_name.capitalize()
    # JAX looks for repeats before order in a gather, after it in a scatter.
    for check in ((_no_duplicate_dims, _is_sorted) if op_name == "gather"
                  else (_is_sorted, _no_duplicate_dims)):
        check(operand_batching_dims, op_name, "operand_batching_dims")
    _sorted_dims_in_range(operand_batching_dims, operand.ndim, op_name,
                          "operand_batching_dims")
    for name, dims in (named_window_dims, named_index_map):
        _disjoint_dims(dims, operand_batching_dims, op_name, name, "operand_batching_dims")
    _no_duplicate_dims(indices_batching_dims, op_name, indices_name)
    _dims_in_range(indices_batching_dims, indices.ndim, op_name, indices_name)
    if indices.ndim - 1 in indices_batching_dims:
        raise TypeError(f"{op} op cannot have the index vector dimension as a batching "
                        f"dimension; got {indices_batching_dims}.")
    if len(operand_batching_dims) != len(indices_batching_dims):
        space = "" if op_name == "gather" else " "  # JAX's gather message lacks it
        raise TypeError(f"{op} op requires equal numbers of operand_batching_dims and "
                        f"{indices_name}, got {operand_batching_dims} and{space}"
                        f"{indices_batching_dims}.")
    operand_batch_shape = tuple(operand.shape[i] for i in operand_batching_dims)
    indices_batch_shape = tuple(indices.shape[i] for i in indices_batching_dims)
    if operand_batch_shape != indices_batch_shape:
        raise TypeError(f"{op} op requires operand batching dimensions and indices batching "
                        f"dimensions to have the same shape, got {operand_batch_shape} and "
                        f"{indices_batch_shape}.")
    return operand_batch_shape


# ---------------------------------------------------------------------------------------
gather_p = Primitive("gather")


def _gather_abstract_eval(operand, indices, *, dimension_numbers, slice_sizes,
                          unique_indices, indices_are_sorted, mode, fill_value):
    _check_integer_indices(indices)
    dn = dimension_numbers
    offset_dims = tuple(dn.offset_dims)
    collapsed_slice_dims = tuple(dn.collapsed_slice_dims)
    operand_batching_dims = tuple(dn.operand_batching_dims)
    start_indices_batching_dims = tuple(dn.start_indices_batching_dims)
    start_index_map = tuple(dn.start_index_map)
    index_vector_dim = indices.ndim - 1
    if index_vector_dim < 0:
        raise TypeError(f"Gather index leaf dimension must be within [0, rank("
                        f"indices) + 1). rank(indices) is {indices.ndim} and "
                        f"gather index leaf dimension is {index_vector_dim}.")
    _is_sorted(offset_dims, "gather", "offset_dims")
    _no_duplicate_dims(offset_dims, "gather", "offset_dims")
    output_shape_rank = len(offset_dims) + indices.ndim - 1
    for i, offset_dim in enumerate(offset_dims):
        if offset_dim < 0 or offset_dim >= output_shape_rank:
            raise TypeError(f"Offset dimension {i} in gather op is out of bounds; "
                            f"got {offset_dim}, but should have been in "
                            f"[0, {output_shape_rank})")
    if len(start_index_map) != indices.shape[index_vector_dim]:
        raise TypeError(f"Gather op has {len(start_index_map)} elements in "
                        f"start_index_map and the bound of dimension "
                        f"index_vector_dim={index_vector_dim} of indices is "
                        f"{indices.shape[index_vector_dim]}. These two "
                        f"numbers must be equal.")
    for i, d in enumerate(start_index_map):
        if d < 0 or d >= operand.ndim:
            raise TypeError(f"Invalid start_index_map; domain is [0, {operand.ndim}), got: "
                            f"{i}->{d}.")
    _no_duplicate_dims(start_index_map, "gather", "start_index_map")
    _is_sorted(collapsed_slice_dims, "gather", "collapsed_slice_dims")
    _sorted_dims_in_range(collapsed_slice_dims, operand.ndim, "gather",
                          "collapsed_slice_dims")
    _no_duplicate_dims(collapsed_slice_dims, "gather", "collapsed_slice_dims")
    _check_batching_dims("gather", operand, indices, operand_batching_dims,
                         ("start_indices_batching_dims", start_indices_batching_dims),
                         ("collapsed_slice_dims", collapsed_slice_dims),
                         ("start_index_map", start_index_map))
    if operand.ndim != len(slice_sizes):
        raise TypeError(f"Gather op must have one slice size for every input "
                        f"dimension; got: len(slice_sizes)={len(slice_sizes)}, "
                        f"input_shape.rank={operand.ndim}")
    if len(slice_sizes) != (len(offset_dims) + len(collapsed_slice_dims)
                            + len(operand_batching_dims)):
        raise TypeError("All components of the offset index in a gather op must "
                        "either be a offset dimension or explicitly collapsed/batching; "
                        f"got len(slice_sizes)={len(slice_sizes)}, "
                        f"output_slice_sizes={offset_dims}, collapsed_slice_dims="
                        f"{collapsed_slice_dims}, operand_batching_dims="
                        f"{operand_batching_dims}.")
    for i, (size, dim) in enumerate(zip(slice_sizes, operand.shape)):
        if not _is_empty_shape(indices.shape) and not 0 <= size <= dim:
            raise TypeError(f"Slice size at index {i} in gather op is out of range, "
                            f"must be within [0, {dim} + 1), got {size}.")
    for i, d in enumerate(collapsed_slice_dims):
        if slice_sizes[d] != 1:
            raise TypeError(f"Gather op can only collapse slice dims with bound 1, "
                            f"but bound is {slice_sizes[d]} for index {d} at position {i}.")
    for i, d in enumerate(operand_batching_dims):
        if slice_sizes[d] > 1:
            raise TypeError(f"Gather op can only have operand batching dims with "
                            f"bound 0/1, but bound is {slice_sizes[d]} for index "
                            f"{d} at position {i}.")
    batch_shape = iter(indices.shape[:-1])
    window = iter(s for i, s in enumerate(slice_sizes)
                  if i not in collapsed_slice_dims and i not in operand_batching_dims)
    shape = tuple(next(window) if i in offset_dims else next(batch_shape)
                  for i in range(output_shape_rank))
    return ShapedArray(shape, operand.dtype, operand.weak_type)


def _dims_attr(name: str, fields) -> str:
    parts = [f"{k} = [{', '.join(map(str, v))}]" if isinstance(v, (tuple, list))
             else f"{k} = {v}" for k, v in fields if not isinstance(v, (tuple, list)) or v]
    return f"#stablehlo.{name}<{', '.join(parts)}>"


def _bool_attr(b) -> str:
    return "true" if b else "false"


def emit_gather(ctx, operand: str, indices: str, operand_aval, indices_aval, out_aval,
                dimension_numbers, slice_sizes, indices_are_sorted) -> str:
    """A plain `stablehlo.gather` (start indices are clamped by its semantics)."""
    dn = dimension_numbers
    if _is_empty_shape(out_aval.shape):
        zero = ctx.constant(np.zeros((), out_aval.dtype))
        return ctx.broadcast(zero, ShapedArray((), out_aval.dtype), out_aval.shape)
    attr = _dims_attr("gather", [
        ("offset_dims", tuple(dn.offset_dims)),
        ("collapsed_slice_dims", tuple(dn.collapsed_slice_dims)),
        ("operand_batching_dims", tuple(dn.operand_batching_dims)),
        ("start_indices_batching_dims", tuple(dn.start_indices_batching_dims)),
        ("start_index_map", tuple(dn.start_index_map)),
        ("index_vector_dim", indices_aval.ndim - 1)])
    return ctx.op("stablehlo.gather", [operand, indices],
                  [tensor_type(operand_aval), tensor_type(indices_aval)],
                  [tensor_type(out_aval)],
                  {"dimension_numbers": attr,
                   "indices_are_sorted": _bool_attr(indices_are_sorted),
                   "slice_sizes": i64_array(slice_sizes)})[0]


def _index_dtype_for_shape(shape) -> np.dtype:
    return np.dtype(np.int64) if any(d > np.iinfo(np.int32).max for d in shape) \
        else np.dtype(np.int32)


def _gather_fill(operand, indices, *, dimension_numbers, slice_sizes, indices_are_sorted,
                 fill_value, output_shape):
    """A FILL_OR_DROP gather as a PROMISE_IN_BOUNDS gather plus a mask (as JAX does)."""
    from cellax import lax
    dn = dimension_numbers
    oaval = core.get_aval(operand)
    index_dtype = _index_dtype_for_shape(oaval.shape)
    indices = lax.convert_element_type(indices, index_dtype)
    num_batch_dims = core.get_aval(indices).ndim - 1
    upper_bound = np.array([oaval.shape[d] - slice_sizes[d] for d in dn.start_index_map],
                           index_dtype).reshape((1,) * num_batch_dims + (-1,))
    mask = lax.bitwise_and(lax.ge(indices, index_dtype.type(0)),
                           lax.le(indices, upper_bound))
    mask = lax.reduce_and(mask, [num_batch_dims])
    output_ndims = num_batch_dims + len(dn.offset_dims)
    batch_dims_in_output = [d for d in range(output_ndims) if d not in dn.offset_dims]
    gather_out = gather_p.bind(operand, indices, dimension_numbers=dn,
                               slice_sizes=tuple(slice_sizes), unique_indices=False,
                               indices_are_sorted=indices_are_sorted,
                               mode=GatherScatterMode.PROMISE_IN_BOUNDS, fill_value=None)
    fill = lax.full(output_shape, np.asarray(fill_value).astype(oaval.dtype)[()], oaval.dtype)
    return lax.select(lax.broadcast_in_dim(mask, output_shape, batch_dims_in_output),
                      gather_out, fill)


def _gather_lower(ctx, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                  indices_are_sorted, mode, fill_value):
    operand_aval, indices_aval = ctx.avals_in
    out_aval = ctx.avals_out[0]
    if mode == GatherScatterMode.FILL_OR_DROP:
        def fill_fn(x, i):
            return _gather_fill(x, i, dimension_numbers=dimension_numbers,
                                slice_sizes=slice_sizes,
                                indices_are_sorted=indices_are_sorted,
                                fill_value=fill_value, output_shape=out_aval.shape)
        return lowering.lower_fun(ctx, fill_fn, [operand, indices])[0]
    if mode not in (GatherScatterMode.PROMISE_IN_BOUNDS, GatherScatterMode.CLIP):
        raise NotImplementedError(f"gather mode {mode} is not supported")
    return emit_gather(ctx, operand, indices, operand_aval, indices_aval, out_aval,
                       dimension_numbers, slice_sizes, indices_are_sorted)


_standard(gather_p, _gather_abstract_eval, _gather_lower)


def default_fill_value(dtype: np.dtype):
    """The fill value of a FILL_OR_DROP gather when none is given (JAX's defaults)."""
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtype.kind == "i":
        return int(np.iinfo(dtype).min)
    if dtype.kind == "u":
        return int(np.iinfo(dtype).max)
    if dtype == dtypes.bool_:
        return True
    raise ValueError(f"Unsupported dtype for gather fill_value {dtype}")


# ---------------------------------------------------------------------------------------
# Differentiation. Indices are never differentiable. A gather is linear in its operand
# and transposes to a scatter-add into zeros with the mirrored dimension numbers;
# scatter-add/sub transpose back to that gather. The other scatters get JVP rules that
# are built from gathers, scatter-adds and selects, so reverse mode only ever needs the
# gather / scatter-add pair (plus scatter and scatter-mul when they stay linear).

from cellax.interpreters.jvp import (  # noqa: E402
    Zero, tangent_aval)
from cellax.interpreters.transpose import is_undefined_primal  # noqa: E402


def _gather_dnums_for(dn: ScatterDimensionNumbers) -> GatherDimensionNumbers:
    """The gather that reads back, for each update element, the operand element it hits."""
    return GatherDimensionNumbers(
        offset_dims=tuple(dn.update_window_dims),
        collapsed_slice_dims=tuple(dn.inserted_window_dims),
        start_index_map=tuple(dn.scatter_dims_to_operand_dims),
        operand_batching_dims=tuple(dn.operand_batching_dims),
        start_indices_batching_dims=tuple(dn.scatter_indices_batching_dims))


def _scatter_dnums_for(dn: GatherDimensionNumbers) -> ScatterDimensionNumbers:
    """The scatter that writes each gathered element back where it was read from."""
    return ScatterDimensionNumbers(
        update_window_dims=tuple(dn.offset_dims),
        inserted_window_dims=tuple(dn.collapsed_slice_dims),
        scatter_dims_to_operand_dims=tuple(dn.start_index_map),
        operand_batching_dims=tuple(dn.operand_batching_dims),
        scatter_indices_batching_dims=tuple(dn.start_indices_batching_dims))


def _scatter_slice_sizes(dn: ScatterDimensionNumbers, operand_ndim: int,
                         updates_shape) -> tuple[int, ...]:
    sizes, windows = [], iter(dn.update_window_dims)
    for d in range(operand_ndim):
        if d in dn.inserted_window_dims or d in dn.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(int(updates_shape[next(windows)]))
    return tuple(sizes)


def _gather_updates(x, indices, dn: ScatterDimensionNumbers, updates_shape, mode):
    """For each update element of a scatter with `dn`, the element of `x` it lands on.

    `mode` is the gather's, as JAX's rules pick it; FILL_OR_DROP fills with zero (a
    dropped update gets a zero cotangent)."""
    return gather_p.bind(
        x, indices, dimension_numbers=_gather_dnums_for(dn),
        slice_sizes=_scatter_slice_sizes(dn, core.get_aval(x).ndim, updates_shape),
        unique_indices=False, indices_are_sorted=False,
        mode=mode, fill_value=0 if mode == GatherScatterMode.FILL_OR_DROP else None)


def _zeros(shape, dtype):
    from cellax import lax
    return lax.full(tuple(shape), 0, dtype)


def _ones(shape, dtype):
    from cellax import lax
    return lax.full(tuple(shape), 1, dtype)


def _shape_of(x):
    return x.aval.shape if is_undefined_primal(x) else core.get_aval(x).shape


def _scatter_tangent_zero(out):
    return Zero(tangent_aval(core.get_aval(out)))


# -- gather -----------------------------------------------------------------------------


def _gather_jvp(primals, tangents, *, dimension_numbers, slice_sizes, unique_indices,
                indices_are_sorted, mode, fill_value):
    operand, indices = primals
    g = tangents[0]
    out = gather_p.bind(operand, indices, dimension_numbers=dimension_numbers,
                        slice_sizes=slice_sizes, unique_indices=unique_indices,
                        indices_are_sorted=indices_are_sorted, mode=mode,
                        fill_value=fill_value)
    if type(g) is Zero:
        return out, _scatter_tangent_zero(out)
    # Filled windows are constants: their tangent is zero.
    t_fill = 0 if mode == GatherScatterMode.FILL_OR_DROP else None
    t = gather_p.bind(g, indices, dimension_numbers=dimension_numbers,
                      slice_sizes=slice_sizes, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted, mode=mode, fill_value=t_fill)
    return out, t


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes,
                      unique_indices, indices_are_sorted, mode, fill_value):
    from cellax import lax
    if is_undefined_primal(indices):
        raise ValueError("gather is not linear in its indices")
    if type(ct) is Zero:
        return [None, None]
    aval = operand.aval
    out = lax.scatter_add(_zeros(aval.shape, core.get_aval(ct).dtype), indices, ct,
                          _scatter_dnums_for(dimension_numbers),
                          indices_are_sorted=indices_are_sorted,
                          unique_indices=unique_indices, mode=mode)
    return [out, None]


core.jvp_rules[gather_p] = _gather_jvp
core.transpose_rules[gather_p] = _gather_transpose


# ---------------------------------------------------------------------------------------
# Batching rules. The vmapped dimension is folded into the gather / scatter itself (no
# loops), moved to the front of every argument that carries it:
#   gather, operand alone batched: one more offset (window) dimension of full size;
#   gather, indices alone batched: one more batch dimension of the indices;
#   gather, both batched: a pair of operand / start-indices batching dimensions.
# A scatter writes into its operand, so operand and updates always carry the batch
# dimension (broadcast when unbatched): with unbatched indices it is a full-size window
# dimension of the updates, with batched indices a batching dimension of all three.

from cellax.interpreters import batching as _batching  # noqa: E402


def _shifted(dims, by: int = 1) -> tuple[int, ...]:
    # NumPy integers, as JAX's rules make them: equations then print as JAX prints them
    # (`offset_dims=(0, np.int64(2))`); they hash and compare like ints.
    return tuple(np.add(by, tuple(dims), dtype=np.int64)) if len(dims) else ()


def _gather_batch(size, vals, dims, *, dimension_numbers, slice_sizes, unique_indices,
                  indices_are_sorted, mode, fill_value):
    operand, indices = vals
    operand_bdim, indices_bdim = dims
    dn = dimension_numbers
    if indices_bdim is None:
        # Every example reads the same windows: read them across the whole batch at once.
        operand = _batching.moveaxis(operand, operand_bdim, 0)
        dn = GatherDimensionNumbers(
            offset_dims=(0, *_shifted(dn.offset_dims)),
            collapsed_slice_dims=_shifted(dn.collapsed_slice_dims),
            start_index_map=_shifted(dn.start_index_map),
            operand_batching_dims=_shifted(dn.operand_batching_dims),
            start_indices_batching_dims=tuple(dn.start_indices_batching_dims))
        slice_sizes = (size, *slice_sizes)
    elif operand_bdim is None:
        indices = _batching.moveaxis(indices, indices_bdim, 0)
        dn = GatherDimensionNumbers(
            offset_dims=tuple(1 + d for d in dn.offset_dims),
            collapsed_slice_dims=tuple(dn.collapsed_slice_dims),
            start_index_map=tuple(dn.start_index_map),
            operand_batching_dims=tuple(dn.operand_batching_dims),
            start_indices_batching_dims=_shifted(dn.start_indices_batching_dims))
        # Different examples may read the same place: the stacked indices are neither
        # unique nor sorted any more.
        unique_indices = indices_are_sorted = False
    else:
        operand = _batching.moveaxis(operand, operand_bdim, 0)
        indices = _batching.moveaxis(indices, indices_bdim, 0)
        dn = GatherDimensionNumbers(
            offset_dims=_shifted(dn.offset_dims),
            collapsed_slice_dims=_shifted(dn.collapsed_slice_dims),
            start_index_map=_shifted(dn.start_index_map),
            operand_batching_dims=(0, *_shifted(dn.operand_batching_dims)),
            start_indices_batching_dims=(0, *_shifted(dn.start_indices_batching_dims)))
        # An empty batch takes empty slices (a batching dim's slice size is at most its
        # extent).
        slice_sizes = (min(size, 1), *slice_sizes)
    out = gather_p.bind(operand, indices, dimension_numbers=dn,
                        slice_sizes=tuple(int(s) for s in slice_sizes),
                        unique_indices=unique_indices,
                        indices_are_sorted=indices_are_sorted, mode=mode,
                        fill_value=fill_value)
    return out, 0


core.batching_rules[gather_p] = _gather_batch


# The scatters, imported back so that `indexing.<name>` keeps working.
from cellax.primitives.scatter import (  # noqa: E402,F401
    reduction_jaxpr, scatter_add_p, scatter_max_p, scatter_min_p, scatter_mul_p, scatter_p,
    scatter_sub_p)
