"""Gather and scatter primitives: gather, scatter, scatter-add/sub/mul/min/max.

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
import weakref
from typing import Callable, NamedTuple, Sequence

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
    _no_duplicate_dims(operand_batching_dims, "gather", "operand_batching_dims")
    _is_sorted(operand_batching_dims, "gather", "operand_batching_dims")
    _sorted_dims_in_range(operand_batching_dims, operand.ndim, "gather",
                          "operand_batching_dims")
    _disjoint_dims(collapsed_slice_dims, operand_batching_dims, "gather",
                   "collapsed_slice_dims", "operand_batching_dims")
    _disjoint_dims(start_index_map, operand_batching_dims, "gather",
                   "start_index_map", "operand_batching_dims")
    _no_duplicate_dims(start_indices_batching_dims, "gather", "start_indices_batching_dims")
    _dims_in_range(start_indices_batching_dims, indices.ndim, "gather",
                   "start_indices_batching_dims")
    if index_vector_dim in start_indices_batching_dims:
        raise TypeError("Gather op cannot have the index vector dimension as a batching "
                        f"dimension; got {start_indices_batching_dims}.")
    if len(operand_batching_dims) != len(start_indices_batching_dims):
        raise TypeError("Gather op requires equal numbers of operand_batching_dims and "
                        f"start_indices_batching_dims, got {operand_batching_dims} and"
                        f"{start_indices_batching_dims}.")
    operand_batch_shape = tuple(operand.shape[i] for i in operand_batching_dims)
    indices_batch_shape = tuple(indices.shape[i] for i in start_indices_batching_dims)
    if operand_batch_shape != indices_batch_shape:
        raise TypeError("Gather op requires operand batching dimensions and indices batching "
                        f"dimensions to have the same shape, got {operand_batch_shape} and "
                        f"{indices_batch_shape}.")
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


def lower_fun(ctx, fun: Callable, args: Sequence[str], avals_in=None) -> list[str]:
    """Lower `fun` (cellax ops on tracers; returns one array) by tracing it to a jaxpr and
    lowering its equations in place (JAX's `mlir.lower_fun`)."""
    from cellax.interpreters.staging import trace_to_jaxpr
    avals_in = list(ctx.avals_in if avals_in is None else avals_in)
    jaxpr, consts, _ = trace_to_jaxpr(lambda *xs: [fun(*xs)], avals_in)
    return lowering.lower_eqns(ctx.fn, jaxpr, consts, args)


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
        return lower_fun(ctx, fill_fn, [operand, indices])[0]
    if mode not in (GatherScatterMode.PROMISE_IN_BOUNDS, GatherScatterMode.CLIP):
        raise NotImplementedError(f"gather mode {mode} is not supported")
    return emit_gather(ctx, operand, indices, operand_aval, indices_aval, out_aval,
                       dimension_numbers, slice_sizes, indices_are_sorted)


_standard(gather_p, _gather_abstract_eval, _gather_lower)


# ---------------------------------------------------------------------------------------
# Scatters: one abstract evaluation and one lowering for all six primitives.


def _updates_batching_dims(indices_batching_dims, update_window_dims, index_vector_dim,
                           updates_shape):
    scatter_dim_in_updates: list = list(range(index_vector_dim))
    for i in update_window_dims:
        scatter_dim_in_updates.insert(i, None)
    if len(scatter_dim_in_updates) != len(updates_shape):
        return ()
    return tuple(scatter_dim_in_updates.index(i) for i in indices_batching_dims)


def _scatter_abstract_eval(operand, indices, updates, *, update_jaxpr, update_consts,
                           dimension_numbers, indices_are_sorted, unique_indices, mode):
    _check_integer_indices(indices)
    if operand.dtype != updates.dtype:
        raise TypeError(f"lax.scatter requires arguments to have the same dtypes, got "
                        f"{operand.dtype}, {updates.dtype}.")
    dn = dimension_numbers
    update_window_dims = tuple(dn.update_window_dims)
    inserted_window_dims = tuple(dn.inserted_window_dims)
    operand_batching_dims = tuple(dn.operand_batching_dims)
    scatter_indices_batching_dims = tuple(dn.scatter_indices_batching_dims)
    scatter_dims_to_operand_dims = tuple(dn.scatter_dims_to_operand_dims)
    index_vector_dim = indices.ndim - 1
    if index_vector_dim < 0:
        raise TypeError(f"Scatter index leaf dimension must be within [0, "
                        f"rank(indices) + 1). rank(indices) is {indices.ndim} "
                        f"and scatter index leaf dimension is {index_vector_dim}.")
    expanded_indices_shape = list(indices.shape)
    expected_updates_rank = len(expanded_indices_shape) - 1 + len(update_window_dims)
    if updates.ndim != expected_updates_rank:
        raise TypeError(f"Updates tensor must be of rank {expected_updates_rank}; "
                        f"got {updates.ndim}.")
    _is_sorted(update_window_dims, "scatter", "update_window_dims")
    _no_duplicate_dims(update_window_dims, "scatter", "update_window_dims")
    _sorted_dims_in_range(update_window_dims, updates.ndim, "scatter", "update_window_dims")
    _is_sorted(inserted_window_dims, "scatter", "inserted_window_dims")
    _no_duplicate_dims(inserted_window_dims, "scatter", "inserted_window_dims")
    _sorted_dims_in_range(inserted_window_dims, operand.ndim, "scatter",
                          "inserted_window_dims")
    _is_sorted(operand_batching_dims, "scatter", "operand_batching_dims")
    _no_duplicate_dims(operand_batching_dims, "scatter", "operand_batching_dims")
    _sorted_dims_in_range(operand_batching_dims, operand.ndim, "scatter",
                          "operand_batching_dims")
    _disjoint_dims(inserted_window_dims, operand_batching_dims, "scatter",
                   "inserted_window_dims", "operand_batching_dims")
    _disjoint_dims(scatter_dims_to_operand_dims, operand_batching_dims, "scatter",
                   "scatter_dims_to_operand_dims", "operand_batching_dims")
    _no_duplicate_dims(scatter_indices_batching_dims, "scatter",
                       "scatter_indices_batching_dims")
    _dims_in_range(scatter_indices_batching_dims, indices.ndim, "scatter",
                   "scatter_indices_batching_dims")
    if index_vector_dim in scatter_indices_batching_dims:
        raise TypeError("Scatter op cannot have the index vector dimension as a batching "
                        f"dimension; got {scatter_indices_batching_dims}.")
    if len(operand_batching_dims) != len(scatter_indices_batching_dims):
        raise TypeError("Scatter op requires equal numbers of operand_batching_dims and "
                        f"scatter_indices_batching_dims, got {operand_batching_dims} and "
                        f"{scatter_indices_batching_dims}.")
    operand_batch_shape = tuple(operand.shape[i] for i in operand_batching_dims)
    indices_batch_shape = tuple(indices.shape[i] for i in scatter_indices_batching_dims)
    if operand_batch_shape != indices_batch_shape:
        raise TypeError("Scatter op requires operand batching dimensions and indices batching "
                        f"dimensions to have the same shape, got {operand_batch_shape} and "
                        f"{indices_batch_shape}.")
    updates_batching_dims = _updates_batching_dims(
        scatter_indices_batching_dims, update_window_dims, index_vector_dim, updates.shape)
    updates_batch_shape = tuple(updates.shape[i] for i in updates_batching_dims)
    if operand_batch_shape != updates_batch_shape:
        raise TypeError("Scatter op requires operand batching dimensions and updates batching "
                        f"dimensions to have the same shape, got {operand_batch_shape} and "
                        f"{updates_batch_shape}.")
    window_size = (len(update_window_dims) + len(inserted_window_dims)
                   + len(operand_batching_dims))
    if operand.ndim != window_size:
        raise TypeError(f"Scatter op has window of size {window_size}; doesn't "
                        f"match operand of rank {operand.ndim}.")
    if len(scatter_dims_to_operand_dims) != indices.shape[index_vector_dim]:
        raise TypeError(f"Scatter op has {len(scatter_dims_to_operand_dims)} "
                        f"elements in scatter_dims_to_operand_dims and the bound "
                        f"of dimension index_vector_dim={index_vector_dim} of "
                        f"indices is {indices.shape[index_vector_dim]}. These two "
                        f"numbers must be equal")
    for i, dim in enumerate(scatter_dims_to_operand_dims):
        if dim < 0 or dim >= operand.ndim:
            raise TypeError(f"Invalid scatter_dims_to_operand_dims mapping; domain "
                            f"is [0, {operand.ndim}), got: {i}->{dim}.")
    _no_duplicate_dims(scatter_dims_to_operand_dims, "scatter",
                       "scatter_dims_to_operand_dims")
    max_update_slice_sizes = [operand.shape[i] for i in range(operand.ndim)
                              if i not in inserted_window_dims
                              and i not in operand_batching_dims]
    for i, update_window_dim in enumerate(update_window_dims):
        if max_update_slice_sizes[i] < updates.shape[update_window_dim]:
            raise TypeError(f"Bounds of the window dimensions of updates must not "
                            f"exceed the bounds of the corresponding dimensions of "
                            f"operand. For dimension {update_window_dim}, updates "
                            f"bound is {updates.shape[update_window_dim]}, operand "
                            f"bound is {max_update_slice_sizes[i]}.")
    update_scatter_dims = [d for d in range(updates.ndim) if d not in update_window_dims]
    scatter_dims_seen = 0
    for i in update_scatter_dims:
        if scatter_dims_seen == index_vector_dim:
            scatter_dims_seen += 1
        if updates.shape[i] != expanded_indices_shape[scatter_dims_seen]:
            raise TypeError(f"Bounds of the scatter dimensions of updates must be "
                            f"the same as the bounds of the corresponding dimensions "
                            f"of scatter indices. For scatter dimension {i}, updates "
                            f"bound is {updates.shape[i]}, indices bound is "
                            f"{expanded_indices_shape[scatter_dims_seen]}.")
        scatter_dims_seen += 1
    return ShapedArray(operand.shape, operand.dtype, operand.weak_type)


def _clamp_scatter_indices(operand, indices, updates, *, dnums):
    """Clamp `indices` so that every scattered window is in range (CLIP mode)."""
    from cellax import lax
    oaval, iaval, uaval = map(core.get_aval, (operand, indices, updates))
    slice_sizes, pos = [], 0
    for i in range(oaval.ndim):
        if i in dnums.inserted_window_dims or i in dnums.operand_batching_dims:
            slice_sizes.append(1)
        else:
            slice_sizes.append(uaval.shape[dnums.update_window_dims[pos]])
            pos += 1
    upper = [oaval.shape[i] - slice_sizes[i] for i in dnums.scatter_dims_to_operand_dims]
    upper = np.minimum(np.array(upper, np.int64), np.iinfo(iaval.dtype).max).astype(iaval.dtype)
    upper = lax.broadcast_in_dim(upper, iaval.shape, (iaval.ndim - 1,))
    return lax.clamp(iaval.dtype.type(0), indices, upper)


def _region(ctx, arg_types: Sequence[str], body) -> str:
    """A region whose block arguments are named apart from the function's `%argN`."""
    fn = ctx.fn
    saved_lines, saved_indent = fn.lines, fn.indent
    args = [fn.fresh().replace("%", "%rarg") for _ in arg_types]
    fn.lines, fn.indent = [], saved_indent + "  "
    try:
        results, result_types = body(args)
        ctx.op("stablehlo.return", results, result_types, [])
        inner = fn.lines
    finally:
        fn.lines, fn.indent = saved_lines, saved_indent
    head = ", ".join(f"{a}: {t}" for a, t in zip(args, arg_types))
    return "{\n" + f"{saved_indent} ^bb0({head}):\n" + "\n".join(inner) + f"\n{saved_indent}}}"


def _scatter_lower(ctx, operand, indices, updates, *, update_jaxpr, update_consts,
                   dimension_numbers, indices_are_sorted, unique_indices, mode):
    operand_aval, indices_aval, updates_aval = ctx.avals_in
    out_aval = ctx.avals_out[0]
    dn = dimension_numbers
    if mode == GatherScatterMode.CLIP:
        indices = lower_fun(
            ctx, lambda x, i, u: _clamp_scatter_indices(x, i, u, dnums=dn),
            [operand, indices, updates])[0]
    elif mode == GatherScatterMode.ONE_HOT:
        raise NotImplementedError("scatter mode ONE_HOT is not supported")
    scalar = tensor_type(ShapedArray((), out_aval.dtype))

    def body(args):
        if update_jaxpr is None:
            return [args[1]], [scalar]
        outs = lowering.lower_eqns(ctx.fn, update_jaxpr, update_consts, args)
        return outs, [scalar] * len(outs)

    region = _region(ctx, [scalar, scalar], body)
    attr = _dims_attr("scatter", [
        ("update_window_dims", tuple(dn.update_window_dims)),
        ("inserted_window_dims", tuple(dn.inserted_window_dims)),
        ("input_batching_dims", tuple(dn.operand_batching_dims)),
        ("scatter_indices_batching_dims", tuple(dn.scatter_indices_batching_dims)),
        ("scatter_dims_to_operand_dims", tuple(dn.scatter_dims_to_operand_dims)),
        ("index_vector_dim", indices_aval.ndim - 1)])
    return ctx.op("stablehlo.scatter", [operand, indices, updates],
                  [tensor_type(operand_aval), tensor_type(indices_aval),
                   tensor_type(updates_aval)], [tensor_type(out_aval)],
                  {"indices_are_sorted": _bool_attr(indices_are_sorted),
                   "scatter_dimension_numbers": attr,
                   "unique_indices": _bool_attr(unique_indices)}, regions=[region])[0]


def _scatter_prim(name: str) -> Primitive:
    return _standard(Primitive(name), _scatter_abstract_eval, _scatter_lower)


scatter_p = _scatter_prim("scatter")
scatter_add_p = _scatter_prim("scatter-add")
scatter_sub_p = _scatter_prim("scatter-sub")
scatter_mul_p = _scatter_prim("scatter-mul")
scatter_min_p = _scatter_prim("scatter-min")
scatter_max_p = _scatter_prim("scatter-max")

# ---------------------------------------------------------------------------------------
# The update computation of a scatter: a jaxpr of two scalars, cached so that equal
# computations give the identical (hashable-by-identity) jaxpr and eager caches hit.

_reduction_jaxprs: dict = {}
_reduction_jaxprs_weak: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reduction_jaxpr(computation: Callable, aval: ShapedArray):
    """(jaxpr, consts) of `computation(x, y)` on two scalars of `aval`."""
    try:
        table = _reduction_jaxprs_weak.setdefault(computation, {})
    except TypeError:  # not weakly referenceable (e.g. a builtin)
        table = _reduction_jaxprs.setdefault(computation, {})
    hit = table.get(aval)
    if hit is not None:
        return hit
    from cellax.interpreters.staging import trace_to_jaxpr

    def comp(x, y):
        result = computation(x, y)
        if not core.is_valid_jaxtype(result):
            raise ValueError(f"Invalid return type from reduction function: {type(result)}\n"
                             f"Reduction functions should only return an array.\n"
                             f"Full return value: {result}")
        return [result]

    jaxpr, consts, _ = trace_to_jaxpr(comp, [aval, aval])
    if any(isinstance(c, core.Tracer) for c in consts):
        raise NotImplementedError("Reduction computations can't close over Tracers.")
    table[aval] = hit = (jaxpr, tuple(consts))
    return hit


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
    Zero, add_tangents, instantiate, tangent_aval)
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


# -- scatter-add / scatter-sub: linear in operand and updates ----------------------------


def _scatter_addsub_jvp(prim):
    def rule(primals, tangents, **params):
        operand, indices, updates = primals
        g_operand, _, g_updates = tangents
        out = prim.bind(operand, indices, updates, **params)
        if type(g_operand) is Zero and type(g_updates) is Zero:
            return out, _scatter_tangent_zero(out)
        return out, prim.bind(instantiate(g_operand), indices, instantiate(g_updates),
                              **params)
    return rule


def _scatter_addsub_transpose(prim):
    def rule(ct, operand, indices, updates, *, update_jaxpr, update_consts,
             dimension_numbers, indices_are_sorted, unique_indices, mode):
        from cellax import lax
        if is_undefined_primal(indices):
            raise ValueError(f"{prim.name} is not linear in its indices")
        if type(ct) is Zero:
            return [None, None, None]
        operand_ct = ct if is_undefined_primal(operand) else None
        updates_ct = None
        if is_undefined_primal(updates):
            updates_ct = _gather_updates(ct, indices, dimension_numbers, updates.aval.shape,
                                         mode)
            if prim is scatter_sub_p:
                updates_ct = lax.neg(updates_ct)
        return [operand_ct, None, updates_ct]
    return rule


for _p in (scatter_add_p, scatter_sub_p):
    core.jvp_rules[_p] = _scatter_addsub_jvp(_p)
    core.transpose_rules[_p] = _scatter_addsub_transpose(_p)


# -- scatter-mul: linear in the operand (for fixed updates) ------------------------------

_SCATTER_MUL_UNIQUE = "scatter_mul gradients are only implemented if `unique_indices=True`"


def _scatter_mul_jvp(primals, tangents, **params):
    from cellax import lax
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    out = scatter_mul_p.bind(operand, indices, updates, **params)
    t = _scatter_tangent_zero(out)
    if type(g_operand) is not Zero:
        t = scatter_mul_p.bind(g_operand, indices, updates, **params)
    if type(g_updates) is not Zero:
        if not params["unique_indices"]:
            raise NotImplementedError(_SCATTER_MUL_UNIQUE)
        aval = core.get_aval(operand)
        spread = lax.scatter_add(_zeros(aval.shape, aval.dtype), indices, g_updates,
                                 params["dimension_numbers"],
                                 indices_are_sorted=params["indices_are_sorted"],
                                 unique_indices=True, mode=params["mode"])
        t_updates = lax.mul(operand, spread)
        t = add_tangents(t, t_updates)
    return out, t


def _scatter_mul_transpose(ct, operand, indices, updates, *, update_jaxpr, update_consts,
                           dimension_numbers, indices_are_sorted, unique_indices, mode):
    from cellax import lax
    if is_undefined_primal(indices):
        raise ValueError("scatter-mul is not linear in its indices")
    if is_undefined_primal(operand) and is_undefined_primal(updates):
        raise ValueError("scatter-mul is not linear in operand and updates together")
    if type(ct) is Zero:
        return [None, None, None]
    operand_ct = updates_ct = None
    if is_undefined_primal(operand):
        operand_ct = lax.scatter_mul(ct, indices, updates, dimension_numbers,
                                     indices_are_sorted=indices_are_sorted,
                                     unique_indices=unique_indices, mode=mode)
    if is_undefined_primal(updates):
        if not unique_indices:
            raise NotImplementedError(_SCATTER_MUL_UNIQUE)
        updates_ct = _gather_updates(lax.mul(ct, operand), indices, dimension_numbers,
                                     updates.aval.shape, mode)
    return [operand_ct, None, updates_ct]


core.jvp_rules[scatter_mul_p] = _scatter_mul_jvp
core.transpose_rules[scatter_mul_p] = _scatter_mul_transpose


# -- scatter (`.at[].set`) ----------------------------------------------------------------


def _scatter_jvp(primals, tangents, *, update_jaxpr, update_consts, dimension_numbers,
                 indices_are_sorted, unique_indices, mode):
    from cellax import lax
    operand, indices, updates = primals
    g_operand, _, g_updates = tangents
    params = dict(update_jaxpr=update_jaxpr, update_consts=update_consts,
                  dimension_numbers=dimension_numbers,
                  indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                  mode=mode)
    if type(g_operand) is Zero and type(g_updates) is Zero:
        out = scatter_p.bind(operand, indices, updates, **params)
        return out, _scatter_tangent_zero(out)
    if update_jaxpr is not None:
        raise NotImplementedError("scatter_apply JVP not implemented")
    g_operand, g_updates = instantiate(g_operand), instantiate(g_updates)
    if unique_indices:
        # No two updates collide, so the scatter is linear in (operand, updates).
        return (scatter_p.bind(operand, indices, updates, **params),
                scatter_p.bind(g_operand, indices, g_updates, **params))

    # Colliding updates: which one lands is up to the backend. Scatter a distinct id per
    # update window (0 marks "not written") and read back, at every update, the id that
    # landed there; keep only the operand elements nobody wrote and the updates that
    # landed. Both the primal and the tangent are then scatter-adds of masked values, so
    # they agree on the winner and reverse mode only needs scatter-add's transpose. The
    # read-back gather clamps its indices: an update that a scatter dropped reads some
    # other id (or 0), never its own. Equations are staged in JAX's order.
    dn = dimension_numbers
    oaval, uaval = core.get_aval(operand), core.get_aval(updates)
    ids_shape = tuple(1 if d in dn.update_window_dims else n
                      for d, n in enumerate(uaval.shape))
    num_ids = int(np.prod(ids_shape, dtype=np.int64))
    id_dtype = np.dtype(np.uint32) if num_ids < np.iinfo(np.uint32).max \
        else np.dtype(np.uint64)
    update_ids = lax.add(lax.reshape(lax.iota(id_dtype, num_ids), ids_shape),
                         lax.full(uaval.shape, 1, id_dtype))
    written = lax.scatter(lax.full(oaval.shape, 0, id_dtype), indices, update_ids, dn,
                          indices_are_sorted=indices_are_sorted,
                          unique_indices=unique_indices, mode=mode)
    landed = _gather_updates(written, indices, dn, uaval.shape,
                             GatherScatterMode.PROMISE_IN_BOUNDS)

    def keep_unwritten(x):
        return lax.select(lax.eq(written, _zeros(oaval.shape, id_dtype)), x,
                          _zeros(oaval.shape, oaval.dtype))

    def keep_landed(u):
        return lax.select(lax.eq(update_ids, landed), u, _zeros(uaval.shape, uaval.dtype))

    def scatter_add(x, u):
        return lax.scatter_add(x, indices, u, dn, indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode)

    operand, updates = keep_unwritten(operand), keep_landed(updates)
    g_operand, g_updates = keep_unwritten(g_operand), keep_landed(g_updates)
    return scatter_add(operand, updates), scatter_add(g_operand, g_updates)


def _scatter_transpose(ct, operand, indices, updates, *, update_jaxpr, update_consts,
                       dimension_numbers, indices_are_sorted, unique_indices, mode):
    from cellax import lax
    if not unique_indices:
        raise NotImplementedError("scatter transpose is only implemented where "
                                  "unique_indices=True")
    if is_undefined_primal(indices):
        raise ValueError("scatter is not linear in its indices")
    if type(ct) is Zero:
        return [None, None, None]
    operand_ct = updates_ct = None
    updates_shape = _shape_of(updates)
    if is_undefined_primal(operand):
        # Elements that were overwritten get no cotangent.
        ct_dtype = core.get_aval(ct).dtype
        operand_ct = lax.scatter(ct, indices, _zeros(updates_shape, ct_dtype),
                                 dimension_numbers, indices_are_sorted=indices_are_sorted,
                                 unique_indices=True, mode=mode)
    if is_undefined_primal(updates):
        updates_ct = _gather_updates(ct, indices, dimension_numbers, updates_shape, mode)
    return [operand_ct, None, updates_ct]


core.jvp_rules[scatter_p] = _scatter_jvp
core.transpose_rules[scatter_p] = _scatter_transpose


# -- scatter-min / scatter-max: like reduce_max, tied contenders share the tangent -------


def _scatter_extremum_jvp(prim):
    # At a location hit by the scatter, the output tangent is the mean of the tangents
    # of every contender (updates and the operand element) equal to the result. Written
    # as g_operand plus a scatter-add of per-update corrections: each of the n_refs
    # updates hitting a location removes 1/n_refs of the operand's tangent there and
    # adds back the operand's share if it survives, and adds its own share if it won.
    # Equations are staged in JAX's order; the gathers clamp, and whatever a dropped
    # update computes is dropped again by the final scatter-add.
    def rule(primals, tangents, **params):
        from cellax import lax
        operand, indices, updates = primals
        g_operand, _, g_updates = tangents
        out = prim.bind(operand, indices, updates, **params)
        if type(g_operand) is Zero and type(g_updates) is Zero:
            return out, _scatter_tangent_zero(out)
        g_operand, g_updates = instantiate(g_operand), instantiate(g_updates)
        dn = params["dimension_numbers"]
        oaval, uaval = core.get_aval(operand), core.get_aval(updates)
        dt = oaval.dtype

        def at_updates(x):
            return _gather_updates(x, indices, dn, uaval.shape,
                                   GatherScatterMode.PROMISE_IN_BOUNDS)

        def hits(make_u):
            # For every update: the sum of `make_u()` over the updates landing where it
            # lands.
            zeros = _zeros(oaval.shape, dt)
            return at_updates(lax.scatter_add(zeros, indices, make_u(), dn))

        before, after = at_updates(operand), at_updates(out)
        won = lax.eq(updates, after)
        kept = lax.eq(before, after)
        n_won = hits(lambda: lax.select(won, _ones(uaval.shape, dt),
                                        _zeros(uaval.shape, dt)))
        n_refs = hits(lambda: _ones(uaval.shape, dt))
        share = lax.select(kept, lax.div(1.0, lax.add(n_won, 1.0)), lax.div(1.0, n_won))
        update_coef = lax.select(won, share, _zeros(uaval.shape, dt))
        operand_share = lax.select(kept, lax.div(1.0, lax.add(n_won, 1.0)),
                                   _zeros(uaval.shape, dt))
        operand_coef = lax.div(lax.add(-1.0, operand_share), n_refs)
        delta = lax.add(lax.mul(at_updates(g_operand), operand_coef),
                        lax.mul(g_updates, update_coef))
        t = lax.scatter_add(g_operand, indices, delta, dn,
                            indices_are_sorted=params["indices_are_sorted"],
                            unique_indices=params["unique_indices"], mode=params["mode"])
        return out, t
    return rule


core.jvp_rules[scatter_min_p] = _scatter_extremum_jvp(scatter_min_p)
core.jvp_rules[scatter_max_p] = _scatter_extremum_jvp(scatter_max_p)


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


def _scatter_batch(prim: Primitive):
    def rule(size, vals, dims, *, update_jaxpr, update_consts, dimension_numbers,
             indices_are_sorted, unique_indices, mode):
        operand, indices, updates = vals
        operand_bdim, indices_bdim, updates_bdim = dims
        dn = dimension_numbers
        operand = _batching.bdim_at_front(operand, operand_bdim, size)
        updates = _batching.bdim_at_front(updates, updates_bdim, size)
        if indices_bdim is None:
            dn = ScatterDimensionNumbers(
                update_window_dims=(0, *_shifted(dn.update_window_dims)),
                inserted_window_dims=_shifted(dn.inserted_window_dims),
                scatter_dims_to_operand_dims=_shifted(dn.scatter_dims_to_operand_dims),
                operand_batching_dims=_shifted(dn.operand_batching_dims),
                scatter_indices_batching_dims=tuple(dn.scatter_indices_batching_dims))
        else:
            indices = _batching.moveaxis(indices, indices_bdim, 0)
            dn = ScatterDimensionNumbers(
                update_window_dims=_shifted(dn.update_window_dims),
                inserted_window_dims=_shifted(dn.inserted_window_dims),
                scatter_dims_to_operand_dims=_shifted(dn.scatter_dims_to_operand_dims),
                operand_batching_dims=(0, *_shifted(dn.operand_batching_dims)),
                scatter_indices_batching_dims=(
                    0, *_shifted(dn.scatter_indices_batching_dims)))
        # Examples never share a destination (the batch dimension keeps them apart), so
        # uniqueness and sortedness of each example's indices carry over.
        out = prim.bind(operand, indices, updates, update_jaxpr=update_jaxpr,
                        update_consts=update_consts, dimension_numbers=dn,
                        indices_are_sorted=indices_are_sorted,
                        unique_indices=unique_indices, mode=mode)
        return out, 0
    return rule


core.batching_rules[gather_p] = _gather_batch
for _p in (scatter_p, scatter_add_p, scatter_sub_p, scatter_mul_p, scatter_min_p,
           scatter_max_p):
    core.batching_rules[_p] = _scatter_batch(_p)
