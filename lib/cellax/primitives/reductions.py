"""Reduction primitives: reduce_sum/prod/max/min/and/or/xor, argmax/argmin."""
from __future__ import annotations

import numpy as np

from cellax import dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.lowering import i64_array, tensor_type
from cellax.primitives.elementwise import _compare_type, _dtype_kinds_ok, _standard


def _check_axes(name: str, x: ShapedArray, axes) -> None:
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{name}: invalid axes {axes} for operand of shape {x.shape}")


def _reduced_shape(x: ShapedArray, axes) -> tuple:
    return tuple(d for i, d in enumerate(x.shape) if i not in axes)


def _identity(name: str, dt: np.dtype):
    if name == "reduce_sum" or name == "reduce_or" or name == "reduce_xor":
        return np.zeros((), dt)
    if name == "reduce_prod" or name == "reduce_and":
        return np.ones((), dt) if dt != dtypes.bool_ else np.array(True)
    if name == "reduce_max":
        return dtypes.max_identity(dt)  # finfo.min for float8 types without -inf
    if name == "reduce_min":
        return dtypes.min_identity(dt)
    raise AssertionError(name)


def emit_reduce(ctx, x: str, aval: ShapedArray, axes, op: str, init) -> str:
    """stablehlo.reduce of `x` over `axes` with a binary `op` and scalar `init`."""
    scalar = ShapedArray((), aval.dtype)
    st = tensor_type(scalar)
    init_v = ctx.constant(np.asarray(init, aval.dtype))
    out_shape = _reduced_shape(aval, axes)

    def body(c, args):
        r = c.op(op, args, [st, st], [st])[0]
        return [r], [st]

    region = ctx.region([st, st], body)
    return ctx.op("stablehlo.reduce", [x, init_v], [tensor_type(aval), st],
                  [tensor_type(out_shape, aval.dtype)],
                  {"dimensions": i64_array(axes)}, regions=[region])[0]


def _reduction(name: str, op: str, allowed: str) -> Primitive:
    prim = Primitive(name)

    def abstract_eval(x, *, axes, out_sharding=None):
        _dtype_kinds_ok(name, x.dtype, allowed)
        _check_axes(name, x, axes)
        return ShapedArray(_reduced_shape(x, axes), x.dtype, x.weak_type)

    def lower(ctx, x, *, axes, out_sharding=None):
        aval = ctx.avals_in[0]
        return emit_reduce(ctx, x, aval, axes, op, _identity(name, aval.dtype))

    return _standard(prim, abstract_eval, lower)


reduce_sum_p = _reduction("reduce_sum", "stablehlo.add", "fciu")
reduce_prod_p = _reduction("reduce_prod", "stablehlo.multiply", "fciu")
reduce_max_p = _reduction("reduce_max", "stablehlo.maximum", "fciub")
reduce_min_p = _reduction("reduce_min", "stablehlo.minimum", "fciub")
reduce_and_p = _reduction("reduce_and", "stablehlo.and", "iub")
reduce_or_p = _reduction("reduce_or", "stablehlo.or", "iub")
reduce_xor_p = _reduction("reduce_xor", "stablehlo.xor", "iub")

# ---------------------------------------------------------------------------------------
# argmax / argmin: a variadic reduce over (value, index) pairs; NaN wins, ties take the
# lowest index (as JAX does).


def _arg_reduction(name: str, direction: str) -> Primitive:
    prim = Primitive(name)

    def abstract_eval(x, *, axes, index_dtype):
        _dtype_kinds_ok(name, x.dtype, "fiub")
        _check_axes(name, x, axes)
        if len(axes) != 1:
            raise ValueError(f"{name} only supports a single axis, got {axes}")
        if x.shape[axes[0]] == 0:
            raise ValueError(f"{name} of an empty axis: operand shape {x.shape}, axis {axes[0]}")
        return ShapedArray(_reduced_shape(x, axes), np.dtype(index_dtype), False)

    def lower(ctx, x, *, axes, index_dtype):
        aval = ctx.avals_in[0]
        axis = axes[0]
        idt = np.dtype(index_dtype)
        iaval = ShapedArray(aval.shape, idt)
        idx = ctx.op("stablehlo.iota", [], [], [tensor_type(iaval)],
                     {"iota_dimension": f"{axis} : i64"})[0]
        vs = ShapedArray((), aval.dtype)
        is_ = ShapedArray((), idt)
        vt, it = tensor_type(vs), tensor_type(is_)
        bt = tensor_type(ShapedArray((), dtypes.bool_))
        ctype = f"#stablehlo<comparison_type {_compare_type(aval.dtype)}>"

        def cmp(c, a, b, d, t, typ):
            return c.op("stablehlo.compare", [a, b], [t, t], [bt],
                        {"comparison_direction": f"#stablehlo<comparison_direction {d}>",
                         "compare_type": typ})[0]

        def body(c, args):
            av, ai, bv, bi = args
            pick_a = cmp(c, av, bv, direction, vt, ctype)
            if dtypes.is_inexact(aval.dtype):
                a_nan = cmp(c, av, av, "NE", vt, ctype)
                pick_a = c.op("stablehlo.or", [pick_a, a_nan], [bt, bt], [bt])[0]
            eq = cmp(c, av, bv, "EQ", vt, ctype)
            lower_idx = cmp(c, ai, bi, "LT", it, "#stablehlo<comparison_type SIGNED>")
            tie = c.op("stablehlo.and", [eq, lower_idx], [bt, bt], [bt])[0]
            pick_a = c.op("stablehlo.or", [pick_a, tie], [bt, bt], [bt])[0]
            v = c.op("stablehlo.select", [pick_a, av, bv], [bt, vt, vt], [vt])[0]
            i = c.op("stablehlo.select", [pick_a, ai, bi], [bt, it, it], [it])[0]
            return [v, i], [vt, it]

        init_v = ctx.constant(_identity("reduce_min" if direction == "LT" else "reduce_max",
                                        aval.dtype))
        init_i = ctx.constant(np.zeros((), idt))
        region = ctx.region([vt, it, vt, it], body)
        out_shape = _reduced_shape(aval, axes)
        outs = ctx.op("stablehlo.reduce", [x, idx, init_v, init_i],
                      [tensor_type(aval), tensor_type(iaval), vt, it],
                      [tensor_type(out_shape, aval.dtype), tensor_type(out_shape, idt)],
                      {"dimensions": i64_array(axes)}, regions=[region])
        return outs[1]

    return _standard(prim, abstract_eval, lower)


argmax_p = _arg_reduction("argmax", "GT")
argmin_p = _arg_reduction("argmin", "LT")


# ---------------------------------------------------------------------------------------
# Autodiff rules

from cellax import core  # noqa: E402
from cellax.interpreters.jvp import (Zero, def_nondifferentiable, deflinear,  # noqa: E402
                                     jvp_flat)


def _reduce_sum_transpose(ct, x, *, axes, out_sharding=None):
    from cellax.primitives.shape import broadcast_in_dim_p
    shape = x.aval.shape
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return [broadcast_in_dim_p.bind(ct, shape=shape, broadcast_dimensions=kept,
                                    sharding=None)]


deflinear(reduce_sum_p, _reduce_sum_transpose)


def _reduce_chooser_jvp(prim):
    # The tangent of max/min: the mean of the input tangents at the locations that attain
    # the extremum (ties share it equally), as JAX does.
    def rule(primals, tangents, *, axes):
        from cellax.primitives import elementwise as ew
        from cellax.primitives.shape import broadcast_in_dim_p
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        if type(t) is Zero or not dtypes.is_inexact(core.get_aval(x).dtype):
            return ans, Zero(core.get_aval(ans))
        shape = core.get_aval(x).shape
        kept = tuple(i for i in range(len(shape)) if i not in axes)
        ans_b = broadcast_in_dim_p.bind(ans, shape=shape, broadcast_dimensions=kept,
                                        sharding=None)
        dt = core.get_aval(x).dtype
        mask = ew.convert_element_type_p.bind(ew.eq_p.bind(x, ans_b), new_dtype=dt,
                                              weak_type=False, sharding=None)
        counts = reduce_sum_p.bind(mask, axes=axes, out_sharding=None)
        picked = reduce_sum_p.bind(ew.mul_p.bind(t, mask), axes=axes, out_sharding=None)
        return ans, ew.div_p.bind(picked, counts)
    return rule


core.jvp_rules[reduce_max_p] = _reduce_chooser_jvp(reduce_max_p)
core.jvp_rules[reduce_min_p] = _reduce_chooser_jvp(reduce_min_p)


def _prod_tree(x, axes):
    """reduce_prod written as a balanced tree of multiplies over a leading axis, so that its
    derivative (through mul's rule) is exact even where inputs are zero."""
    from cellax.primitives import elementwise as ew
    from cellax.primitives import shape as sh
    aval = core.get_aval(x)
    kept = [i for i in range(aval.ndim) if i not in axes]
    x = sh.transpose_p.bind(x, permutation=tuple(list(axes) + kept))
    n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    rest = tuple(aval.shape[i] for i in kept)
    x = sh.reshape_p.bind(x, new_sizes=(n, *rest), dimensions=None, sharding=None)
    while n > 1:
        if n % 2:
            one = sh.broadcast_in_dim_p.bind(np.ones((), aval.dtype)[()], shape=(1, *rest),
                                             broadcast_dimensions=(), sharding=None)
            x = sh.concatenate_p.bind(x, one, dimension=0)
            n += 1
        half = n // 2
        a = sh.slice_p.bind(x, start_indices=(0,) * (1 + len(rest)),
                            limit_indices=(half, *rest), strides=None)
        b = sh.slice_p.bind(x, start_indices=(half,) + (0,) * len(rest),
                            limit_indices=(n, *rest), strides=None)
        x = ew.mul_p.bind(a, b)
        n = half
    if n == 0:
        return sh.broadcast_in_dim_p.bind(np.ones((), aval.dtype)[()], shape=rest,
                                          broadcast_dimensions=(), sharding=None)
    return sh.reshape_p.bind(x, new_sizes=rest, dimensions=None, sharding=None)


def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    ans = reduce_prod_p.bind(x, axes=axes)
    if type(t) is Zero or not dtypes.is_inexact(core.get_aval(x).dtype):
        return ans, Zero(core.get_aval(ans))
    _, (t_out,) = jvp_flat(lambda v: [_prod_tree(v, axes)], [x], [t])
    return ans, t_out


core.jvp_rules[reduce_prod_p] = _reduce_prod_jvp
for _p in (reduce_and_p, reduce_or_p, reduce_xor_p, argmax_p, argmin_p):
    def_nondifferentiable(_p)


# ---------------------------------------------------------------------------------------
# Batching rules: shift the reduced axes past the batch dim.

def _reduction_batch(prim):
    def rule(size, vals, dims, *, axes, **params):
        (x,), (d,) = vals, dims
        phys = tuple(a + (a >= d) for a in axes)
        out_d = d - sum(1 for a in phys if a < d)
        return prim.bind(x, axes=phys, **params), out_d
    return rule


for _p in (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p, reduce_and_p,
           reduce_or_p, reduce_xor_p, argmax_p, argmin_p):
    core.batching_rules[_p] = _reduction_batch(_p)
