"""Sorting primitives: `sort` (variadic, lexicographic on its first `num_keys` operands),
`top_k` and `approx_top_k`, each followed by all its rules.

The sort comparator orders floating-point keys totally, as JAX does: -0.0 and 0.0 compare
equal, every NaN compares equal to every other NaN and after +inf. Complex keys compare
by (real, imag). The comparator is written directly as a `stablehlo.sort` region.
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.dispatch import apply_primitive
from cellax.interpreters.jvp import Zero, tangent_aval
from cellax.interpreters.lowering import i64_array, tensor_type

_BOOL = ShapedArray((), dtypes.bool_)


def _def(prim: Primitive, abstract_eval, lowering) -> Primitive:
    prim.multiple_results = True
    prim.def_impl(lambda *args, **params: apply_primitive(prim, *args, **params))
    prim.def_abstract_eval(abstract_eval)
    core.lowering_rules[prim] = lowering
    return prim


def _compare(ctx, a: str, b: str, dt: np.dtype, direction: str, ctype: str) -> str:
    t = tensor_type((), dt)
    return ctx.op("stablehlo.compare", [a, b], [t, t], [tensor_type(_BOOL)],
                  {"comparison_direction": f"#stablehlo<comparison_direction {direction}>",
                   "compare_type": f"#stablehlo<comparison_type {ctype}>"})[0]


def _select(ctx, p: str, a: str, b: str, dt: np.dtype) -> str:
    t = tensor_type((), dt)
    return ctx.op("stablehlo.select", [p, a, b], [tensor_type(_BOOL), t, t], [t])[0]


def _bool_op(ctx, op: str, a: str, b: str) -> str:
    t = tensor_type(_BOOL)
    return ctx.op(op, [a, b], [t, t], [t])[0]


def _canonical_float(ctx, x: str, dt: np.dtype) -> str:
    """x with -0.0 made +0.0 and every NaN made the one positive quiet NaN, so a total-order
    comparison treats them as JAX's sort does."""
    zero = ctx.constant(np.zeros((), dt))
    is_zero = _compare(ctx, x, zero, dt, "EQ", "FLOAT")
    x2 = _select(ctx, is_zero, ctx.constant(np.zeros((), dt)), x, dt)
    is_nan = _compare(ctx, x, x, dt, "NE", "FLOAT")
    return _select(ctx, is_nan, ctx.constant(np.array(np.nan, dt)), x2, dt)


def _key_parts(ctx, x: str, dt: np.dtype) -> list[tuple[str, np.dtype, str]]:
    """(value, dtype, compare type) of the scalar keys that stand for `x` in the order."""
    if dtypes.is_complex(dt):
        part = np.dtype(np.float64) if dt == dtypes.complex128 else np.dtype(np.float32)
        out = []
        for op in ("stablehlo.real", "stablehlo.imag"):
            p = ctx.op(op, [x], [tensor_type((), dt)], [tensor_type((), part)])[0]
            out.append((_canonical_float(ctx, p, part), part, "TOTALORDER"))
        return out
    if dtypes.is_float(dt):
        return [(_canonical_float(ctx, x, dt), dt, "TOTALORDER")]
    return [(x, dt, "SIGNED" if dt.kind == "i" else "UNSIGNED")]


def emit_sort_comparator(ctx, avals, num_keys: int) -> str:
    """The `stablehlo.sort` region: lexicographic less-than on the first `num_keys`."""
    arg_types = [tensor_type((), a.dtype) for a in avals for _ in range(2)]

    def body(c, args):
        xs, ys = [], []
        for i in range(num_keys):
            dt = avals[i].dtype
            xs += _key_parts(c, args[2 * i], dt)
            ys += _key_parts(c, args[2 * i + 1], dt)
        pred = None
        for (x, dt, ct), (y, _, _) in reversed(list(zip(xs, ys))):
            lt = _compare(c, x, y, dt, "LT", ct)
            if pred is None:
                pred = lt
            else:
                eq = _compare(c, x, y, dt, "EQ", ct)
                pred = _bool_op(c, "stablehlo.or", lt, _bool_op(c, "stablehlo.and", eq, pred))
        return [pred], [tensor_type(_BOOL)]

    return ctx.region(arg_types, body)


# ---------------------------------------------------------------------------------------
# sort

sort_p = Primitive("sort")


def _sort_abstract_eval(*avals, dimension, is_stable, num_keys):
    if not avals:
        raise TypeError("Sort requires at least one operand")
    if any(a.shape != avals[0].shape for a in avals[1:]):
        raise TypeError("Arguments to sort must have equal shapes, got: "
                        + " ".join(str(a.shape) for a in avals))
    if not 0 <= dimension < max(avals[0].ndim, 1):
        raise ValueError(f"sort: dimension {dimension} is out of bounds for operands of "
                         f"shape {avals[0].shape}")
    if not 1 <= num_keys <= len(avals):
        raise ValueError(f"num_keys={num_keys} must be between 1 and "
                         f"len(operand)={len(avals)}")
    return [ShapedArray(a.shape, a.dtype, a.weak_type) for a in avals]


def _sort_lower(ctx, *operands, dimension, is_stable, num_keys):
    avals = ctx.avals_in
    region = emit_sort_comparator(ctx, avals, num_keys)
    types = [tensor_type(a) for a in avals]
    return ctx.op("stablehlo.sort", list(operands), types, types,
                  {"dimension": f"{dimension} : i64",
                   "is_stable": "true" if is_stable else "false"}, regions=[region])


_def(sort_p, _sort_abstract_eval, _sort_lower)


def _index_dtype(n: int) -> np.dtype:
    return np.dtype(np.int32) if n <= np.iinfo(np.int32).max else np.dtype(np.int64)


def gather_along(x, idx, axis: int):
    """x[..., idx, ...] along `axis`, where `idx` has x's shape except at `axis` (a gather
    whose other dimensions are batching dimensions)."""
    from cellax.lax import lax as _lax
    from cellax.primitives.indexing import GatherDimensionNumbers
    nd = core.get_aval(idx).ndim
    others = tuple(i for i in range(nd) if i != axis)
    dnums = GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(axis,),
                                   start_index_map=(axis,), operand_batching_dims=others,
                                   start_indices_batching_dims=others)
    idx = _lax.expand_dims(idx, (nd,))
    return _lax.gather(x, idx, dnums, (1,) * nd, mode="promise_in_bounds")


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
    from cellax.lax import lax as _lax
    shape = core.get_aval(primals[0]).shape
    iota = _lax.broadcasted_iota(_index_dtype(shape[dimension] if shape else 1), shape,
                                 dimension)
    outs = sort_p.bind(*primals, iota, dimension=dimension, is_stable=is_stable,
                       num_keys=num_keys)
    perm = outs[-1]
    t_out = [Zero(tangent_aval(core.get_aval(p))) if type(t) is Zero
             else gather_along(t, perm, dimension) for p, t in zip(outs[:-1], tangents)]
    return list(outs[:-1]), t_out


core.jvp_rules[sort_p] = _sort_jvp


def _sort_batch(size, vals, dims, *, dimension, is_stable, num_keys):
    from cellax.interpreters.batching import bdim_at_front
    vals = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    outs = sort_p.bind(*vals, dimension=dimension + 1, is_stable=is_stable,
                       num_keys=num_keys)
    return outs, [0] * len(outs)


core.batching_rules[sort_p] = _sort_batch


# ---------------------------------------------------------------------------------------
# top_k: the k largest entries along `axis`, largest first, ties by lower index.

top_k_p = Primitive("top_k")


def _top_k_abstract_eval(operand, *, k, axis):
    if dtypes.is_complex(operand.dtype):
        raise ValueError("top_k is not compatible with complex inputs.")
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    if operand.ndim == 0:
        raise TypeError(f"top_k operand must have >= 1 dimension, got {operand.shape}")
    if not 0 <= axis < operand.ndim:
        raise ValueError(f"axis argument out of range: axis={axis} for "
                         f"operand.shape={operand.shape}")
    shape = list(operand.shape)
    if shape[axis] < k:
        raise ValueError("k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={shape} and axis={axis}")
    if shape[axis] > np.iinfo(np.int32).max + 1:
        raise ValueError("top_k returns int32 indices, which will overflow for array "
                         "dimensions larger than the maximum int32 (2147483647). Got "
                         f"operand.shape={operand.shape}")
    shape[axis] = k
    return [ShapedArray(tuple(shape), operand.dtype, operand.weak_type),
            ShapedArray(tuple(shape), np.dtype(np.int32), False)]


def _transpose_op(ctx, x: str, aval: ShapedArray, perm) -> tuple[str, ShapedArray]:
    out = ShapedArray(tuple(aval.shape[p] for p in perm), aval.dtype)
    r = ctx.op("stablehlo.transpose", [x], [tensor_type(aval)], [tensor_type(out)],
               {"permutation": i64_array(perm)})[0]
    return r, out


def _top_k_lower(ctx, operand, *, k, axis):
    aval = ctx.avals_in[0]
    last = aval.ndim - 1
    perm = list(range(aval.ndim))
    perm[axis], perm[last] = perm[last], perm[axis]
    if axis != last:
        operand, aval = _transpose_op(ctx, operand, aval, perm)
    shape = aval.shape[:-1] + (k,)
    vals_t = ShapedArray(shape, aval.dtype)
    idx_t = ShapedArray(shape, np.dtype(np.int32))
    outs = ctx.op("chlo.top_k", [operand], [tensor_type(aval)],
                  [tensor_type(vals_t), tensor_type(idx_t)], {"k": f"{k} : i64"})
    if axis != last:
        outs = [_transpose_op(ctx, o, a, perm)[0] for o, a in zip(outs, (vals_t, idx_t))]
    return outs


_def(top_k_p, _top_k_abstract_eval, _top_k_lower)


def _top_k_jvp(primals, tangents, *, k, axis):
    (x,), (t,) = primals, tangents
    vals, idx = top_k_p.bind(x, k=k, axis=axis)
    idx_zero = Zero(tangent_aval(core.get_aval(idx)))
    if type(t) is Zero:
        return [vals, idx], [Zero(tangent_aval(core.get_aval(vals))), idx_zero]
    return [vals, idx], [gather_along(t, idx, axis), idx_zero]


core.jvp_rules[top_k_p] = _top_k_jvp


def _top_k_batch(size, vals, dims, *, k, axis):
    (x,), (d,) = vals, dims
    outs = top_k_p.bind(x, k=k, axis=axis + (d <= axis))
    return outs, [d, d]


core.batching_rules[top_k_p] = _top_k_batch


# ---------------------------------------------------------------------------------------
# approx_top_k: JAX's approximate max-k/min-k. Off TPU, JAX (through XLA's fallback)
# computes it exactly: a stable sort of (operand, iota) by value, then the first k.

approx_top_k_p = Primitive("approx_top_k")


def _approx_top_k_abstract_eval(operand, *, k, reduction_dimension, recall_target, is_max_k,
                                reduction_input_size_override, aggregate_to_topk):
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if operand.ndim == 0:
        raise TypeError(f"approx_top_k operand must have >= 1 dimension, got "
                        f"{operand.shape}")
    if not -operand.ndim <= reduction_dimension < operand.ndim:
        raise ValueError(f"reduction_dimension {reduction_dimension} is out of bounds for "
                         f"an operand of shape {operand.shape}")
    dims = list(operand.shape)
    if dims[reduction_dimension] < k:
        raise ValueError(f"k must be smaller than the size of reduction_dim "
                         f"{dims[reduction_dimension]}, got {k}")
    if not dtypes.is_float(operand.dtype):
        raise ValueError("operand must be a floating type")
    if not aggregate_to_topk:
        raise NotImplementedError("cellax implements approx_top_k only with "
                                  "aggregate_to_topk=True")
    dims[reduction_dimension] = k
    return [ShapedArray(tuple(dims), operand.dtype, operand.weak_type),
            ShapedArray(tuple(dims), np.dtype(np.int32), False)]


def _approx_top_k_lower(ctx, operand, *, k, reduction_dimension, recall_target, is_max_k,
                        reduction_input_size_override, aggregate_to_topk):
    aval = ctx.avals_in[0]
    dim = reduction_dimension % aval.ndim
    iaval = ShapedArray(aval.shape, np.dtype(np.int32))
    iota = ctx.op("stablehlo.iota", [], [], [tensor_type(iaval)],
                  {"iota_dimension": f"{dim} : i64"})[0]
    types = [tensor_type((), aval.dtype), tensor_type((), aval.dtype),
             tensor_type((), np.int32), tensor_type((), np.int32)]

    def body(c, args):
        return [_compare(c, args[0], args[1], aval.dtype, "GT" if is_max_k else "LT",
                         "FLOAT")], [tensor_type(_BOOL)]

    region = ctx.region(types, body)
    sorted_ = ctx.op("stablehlo.sort", [operand, iota], [tensor_type(aval), tensor_type(iaval)],
                     [tensor_type(aval), tensor_type(iaval)],
                     {"dimension": f"{dim} : i64", "is_stable": "true"}, regions=[region])
    limit = list(aval.shape)
    limit[dim] = k
    outs = []
    for x, a in zip(sorted_, (aval, iaval)):
        out = ShapedArray(tuple(limit), a.dtype)
        outs.append(ctx.op("stablehlo.slice", [x], [tensor_type(a)], [tensor_type(out)],
                           {"start_indices": i64_array([0] * a.ndim),
                            "limit_indices": i64_array(limit),
                            "strides": i64_array([1] * a.ndim)})[0])
    return outs


_def(approx_top_k_p, _approx_top_k_abstract_eval, _approx_top_k_lower)


def _approx_top_k_jvp(primals, tangents, **params):
    (x,), (t,) = primals, tangents
    vals, idx = approx_top_k_p.bind(x, **params)
    idx_zero = Zero(tangent_aval(core.get_aval(idx)))
    if type(t) is Zero:
        return [vals, idx], [Zero(tangent_aval(core.get_aval(vals))), idx_zero]
    axis = params["reduction_dimension"] % core.get_aval(x).ndim
    return [vals, idx], [gather_along(t, idx, axis), idx_zero]


core.jvp_rules[approx_top_k_p] = _approx_top_k_jvp


def _approx_top_k_batch(size, vals, dims, *, reduction_dimension, **params):
    (x,), (d,) = vals, dims
    nd = core.get_aval(x).ndim
    logical = [i for i in range(nd) if i != d]
    outs = approx_top_k_p.bind(x, reduction_dimension=logical[reduction_dimension], **params)
    return outs, [d, d]


core.batching_rules[approx_top_k_p] = _approx_top_k_batch
