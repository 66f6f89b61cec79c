"""Scatter primitives: scatter, scatter-add/sub/mul/min/max, each with all its rules (one
abstract evaluation and one lowering for the six, JVPs, transposes, batching), split out
of `indexing`, which holds the parameter types, the shared checks and gather (and
imports these back). Conventions and out-of-bounds handling are described there."""
from __future__ import annotations

import weakref
from typing import Callable, Sequence

import numpy as np

from cellax import core
from cellax.core import Primitive, ShapedArray
from cellax.interpreters import batching as _batching
from cellax.interpreters import lowering
from cellax.interpreters.jvp import Zero, add_tangents, instantiate
from cellax.interpreters.lowering import tensor_type
from cellax.interpreters.transpose import is_undefined_primal
from cellax.interpreters.lowering import lower_fun
from cellax.primitives.elementwise import _standard
from cellax.primitives.indexing import (
    GatherScatterMode, ScatterDimensionNumbers, _bool_attr, _check_batching_dims,
    _check_integer_indices, _dims_attr, _gather_updates, _is_sorted, _no_duplicate_dims,
    _ones, _scatter_tangent_zero, _shape_of, _shifted, _sorted_dims_in_range, _zeros)


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
    operand_batch_shape = _check_batching_dims(
        "scatter", operand, indices, operand_batching_dims,
        ("scatter_indices_batching_dims", scatter_indices_batching_dims),
        ("inserted_window_dims", inserted_window_dims),
        ("scatter_dims_to_operand_dims", scatter_dims_to_operand_dims))
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


# ---------------------------------------------------------------------------------------
# Differentiation (the scheme is described in `indexing`, next to gather's rules).


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
# Batching (the scheme is described in `indexing`, next to gather's rule).


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


for _p in (scatter_p, scatter_add_p, scatter_sub_p, scatter_mul_p, scatter_min_p,
           scatter_max_p):
    core.batching_rules[_p] = _scatter_batch(_p)
