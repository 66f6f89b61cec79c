"""Windowed reductions and reductions with a user computation.

`reduce_window_sum` / `reduce_window_max` / `reduce_window_min` (monoid windows),
`reduce_window` (a traced computation, variadic), `select_and_gather_add` (the tangent of
a max/min window: the tangent at the chosen element) and `select_and_scatter_add` (its
transpose: cotangents routed back to the chosen elements), the generic `reduce` over axes
and `reduce_precision`. Every primitive has the params JAX prints in its jaxprs.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters import batching
from cellax.interpreters.jvp import Zero, deflinear, jvp_flat, tangent_aval
from cellax.interpreters.lowering import i64_array, lower_eqns, tensor_type
from cellax.primitives import elementwise as _ew
from cellax.primitives.elementwise import _compare_type, _dtype_kinds_ok, _standard

# ---------------------------------------------------------------------------------------
# Shapes and parameter checks


def dilate_shape(shape, dilation) -> tuple:
    if not all(d > 0 for d in dilation):
        raise TypeError(f"All dilations must be positive, got {tuple(dilation)}.")
    dilation = (1,) * (len(shape) - len(dilation)) + tuple(dilation)
    return tuple(0 if d == 0 else 1 + k * (d - 1) for d, k in zip(shape, dilation))


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None) -> tuple:
    """The output shape of a windowed reduction (JAX's `lax.reduce_window_shape_tuple`)."""
    if base_dilation is not None:
        operand_shape = dilate_shape(operand_shape, base_dilation)
    if window_dilation is not None:
        window_dimensions = dilate_shape(window_dimensions, window_dilation)
    padded = tuple(d + lo + hi for d, (lo, hi) in zip(operand_shape, padding))
    return tuple(max((d - w) // s + 1, 0)
                 for d, w, s in zip(padded, window_dimensions, window_strides))


def check_shapelike(fun_name: str, arg_name: str, obj, non_zero_shape: bool = False):
    if not isinstance(obj, (tuple, list, np.ndarray)):
        raise TypeError(f"{fun_name} {arg_name} must be of type tuple/list/ndarray, got "
                        f"{type(obj)}.")
    if not len(obj):
        return
    arr = np.array(obj)
    if arr.ndim != 1:
        raise TypeError(f"{fun_name} {arg_name} must be 1-dimensional, got {arr.ndim}.")
    if not all(isinstance(d, (int, np.integer)) for d in obj):
        raise TypeError(f"{fun_name} {arg_name} must have every element be an integer type, "
                        f"got {tuple(map(type, obj))}.")
    lower, what = (1, "strictly positive") if non_zero_shape else (0, "nonnegative")
    if not all(d >= lower for d in obj):
        raise TypeError(f"{fun_name} {arg_name} must have every element be {what}, got "
                        f"{obj}.")


def common_window_shape(operand: ShapedArray, window_dimensions, window_strides, padding,
                        base_dilation, window_dilation) -> tuple:
    check_shapelike("reduce_window", "window_dimensions", window_dimensions, True)
    check_shapelike("reduce_window", "window_strides", window_strides, True)
    check_shapelike("reduce_window", "base_dilation", base_dilation)
    check_shapelike("reduce_window", "window_dilation", window_dilation)
    if operand.ndim != len(window_dimensions):
        raise TypeError(f"reduce_window got the wrong number of window_dimensions for "
                        f"operand: got operand shape {operand.shape} with window_dimensions "
                        f"{window_dimensions}.")
    for name, v in (("window_strides", window_strides), ("base_dilation", base_dilation),
                    ("window_dilation", window_dilation)):
        if len(v) != len(window_dimensions):
            raise TypeError(f"reduce_window got inconsistent {name} and window_dimensions: "
                            f"got {name} {v} and window_dimensions {window_dimensions}.")
    if len(padding) != len(window_dimensions):
        raise TypeError(f"reduce_window got inconsistent padding and window_dimensions: got "
                        f"padding {padding} and window_dimensions {window_dimensions}.")
    return reduce_window_shape_tuple(operand.shape, window_dimensions, window_strides,
                                     padding, base_dilation, window_dilation)


max_identity = dtypes.max_identity  # (they also handle float8 without inf, and int4)
min_identity = dtypes.min_identity


# ---------------------------------------------------------------------------------------
# Emission helpers (shared with the cumulative reductions)


def padding_attr(padding) -> str:
    n = len(padding)
    if n == 0:
        return "dense<> : tensor<0x2xi64>"
    rows = ", ".join(f"[{int(lo)}, {int(hi)}]" for lo, hi in padding)
    return f"dense<[{rows}]> : tensor<{n}x2xi64>"


def emit_reduce_window(ctx, operands, operand_avals, inits, out_shape, body, *,
                       window_dimensions, window_strides, padding, base_dilation,
                       window_dilation) -> list[str]:
    """A (variadic) `stablehlo.reduce_window`; `body(ctx, args)` builds the region from
    its block arguments (all accumulators, then all new elements)."""
    scalar_types = [tensor_type((), a.dtype) for a in operand_avals]
    region = ctx.region(scalar_types + scalar_types, body)
    attrs = {"base_dilations": i64_array(base_dilation), "padding": padding_attr(padding),
             "window_dilations": i64_array(window_dilation),
             "window_dimensions": i64_array(window_dimensions),
             "window_strides": i64_array(window_strides)}
    return ctx.op("stablehlo.reduce_window", [*operands, *inits],
                  [*(tensor_type(a) for a in operand_avals), *scalar_types],
                  [tensor_type(out_shape, a.dtype) for a in operand_avals], attrs,
                  regions=[region])


def compare(c, a: str, b: str, direction: str, dt) -> str:
    st = tensor_type((), dt)
    return c.op("stablehlo.compare", [a, b], [st, st], [tensor_type((), dtypes.bool_)],
                {"comparison_direction": f"#stablehlo<comparison_direction {direction}>",
                 "compare_type": f"#stablehlo<comparison_type {_compare_type(dt)}>"})[0]


def scalar_binary(c, op: str, a: str, b: str, dt) -> str:
    """`op(a, b)` on two scalars; max/min of complex values compare (real, imag) pairs."""
    st = tensor_type((), dt)
    if op in ("stablehlo.maximum", "stablehlo.minimum") and dtypes.is_complex(dt):
        rdt = np.dtype(dtypes.finfo(dt).dtype)
        rt = tensor_type((), rdt)
        direction = "GT" if op == "stablehlo.maximum" else "LT"
        ra, rb = (c.op("stablehlo.real", [v], [st], [rt])[0] for v in (a, b))
        ia, ib = (c.op("stablehlo.imag", [v], [st], [rt])[0] for v in (a, b))
        bt = tensor_type((), dtypes.bool_)
        which = c.op("stablehlo.select", [compare(c, ra, rb, "EQ", rdt),
                                          compare(c, ia, ib, direction, rdt),
                                          compare(c, ra, rb, direction, rdt)],
                     [bt, bt, bt], [bt])[0]
        return c.op("stablehlo.select", [which, a, b], [bt, st, st], [st])[0]
    return c.op(op, [a, b], [st, st], [st])[0]


def monoid_body(op: str, dt):
    def body(c, args):
        return [scalar_binary(c, op, args[0], args[1], dt)], [tensor_type((), dt)]
    return body


def jaxpr_body(jaxpr, consts, out_dtypes):
    def body(c, args):
        outs = lower_eqns(c.fn, jaxpr, consts, list(args))
        return outs, [tensor_type((), dt) for dt in out_dtypes]
    return body


_WINDOW_PARAMS = ("window_dimensions", "window_strides", "padding", "base_dilation",
                  "window_dilation")


def _window_params(window_dimensions, window_strides, padding, base_dilation,
                   window_dilation) -> dict:
    return dict(window_dimensions=window_dimensions, window_strides=window_strides,
                padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)


def _with_leading_unit(params: dict) -> dict:
    """Window params for an operand with a new leading (batch) dimension."""
    out = dict(params)
    for k in _WINDOW_PARAMS:
        if k in out:
            out[k] = (((0, 0),) if k == "padding" else (1,)) + tuple(out[k])
    return out


# ---------------------------------------------------------------------------------------
# reduce_window_sum / reduce_window_max / reduce_window_min

_MONOID = {"reduce_window_sum": ("stablehlo.add", lambda dt: np.zeros((), dt)),
           "reduce_window_max": ("stablehlo.maximum", max_identity),
           "reduce_window_min": ("stablehlo.minimum", min_identity)}


def _monoid_window(name: str) -> Primitive:
    prim = Primitive(name)
    op, identity = _MONOID[name]

    def abstract_eval(x, *, window_dimensions, window_strides, padding, base_dilation,
                      window_dilation):
        if name == "reduce_window_sum" and not (dtypes.is_inexact(x.dtype)
                                                or dtypes.is_integer(x.dtype)):
            raise TypeError(f"operand to reduce_window_sum must have a number dtype, got "
                            f"{x.dtype.name}")
        shape = common_window_shape(x, window_dimensions, window_strides, padding,
                                    base_dilation, window_dilation)
        return ShapedArray(shape, x.dtype, x.weak_type)

    def lower(ctx, x, **params):
        aval, out = ctx.avals_in[0], ctx.avals_out[0]
        init = ctx.constant(identity(aval.dtype))
        return emit_reduce_window(ctx, [x], [aval], [init], out.shape,
                                  monoid_body(op, aval.dtype), **params)[0]

    def batch(size, vals, dims, **params):
        (x,), (d,) = vals, dims
        new = dict(params)
        for k in _WINDOW_PARAMS:
            unit = (0, 0) if k == "padding" else 1
            new[k] = tuple(params[k][:d]) + (unit,) + tuple(params[k][d:])
        return prim.bind(x, **new), d

    _standard(prim, abstract_eval, lower)
    core.batching_rules[prim] = batch
    return prim


reduce_window_sum_p = _monoid_window("reduce_window_sum")
reduce_window_max_p = _monoid_window("reduce_window_max")
reduce_window_min_p = _monoid_window("reduce_window_min")


def transpose_window_padding(in_shape, window_dimensions, window_strides, out_shape,
                             padding, base_dilation, window_dilation) -> list:
    """Padding of the (stride-dilated) cotangent so that a stride-1 window pass over it
    lands back on the input (the data-gradient padding of a convolution)."""
    in_d = dilate_shape(in_shape, base_dilation)
    win_d = dilate_shape(window_dimensions, window_dilation)
    out_d = dilate_shape(out_shape, window_strides)
    # NumPy integers, as JAX computes them (they print as `np.int64(..)` in jaxprs)
    before = np.subtract(win_d, [lo for lo, _ in padding], dtype=np.int64) - 1
    after = np.add(in_d, win_d, dtype=np.int64) - 1 - np.asarray(out_d, np.int64) - before
    return list(zip(list(before), list(after)))


def _reduce_window_sum_transpose(ct, x, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
    from cellax.primitives.shape import pad_p
    in_shape = x.aval.shape
    if type(ct) is Zero:
        return [Zero(x.aval)]
    ct_shape = core.get_aval(ct).shape
    pads = transpose_window_padding(in_shape, window_dimensions, window_strides, ct_shape,
                                    padding, base_dilation, window_dilation)
    config = tuple((lo, hi, s - 1) for (lo, hi), s in zip(pads, window_strides))
    zero = np.zeros((), core.get_aval(ct).dtype)
    padded = pad_p.bind(ct, zero, padding_config=config)
    ones = (1,) * len(in_shape)
    out = reduce_window_sum_p.bind(
        padded, window_dimensions=tuple(window_dimensions),
        window_strides=tuple(base_dilation), padding=((0, 0),) * len(in_shape),
        base_dilation=ones, window_dilation=tuple(window_dilation))
    assert core.get_aval(out).shape == in_shape, (core.get_aval(out).shape, in_shape)
    return [out]


deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)


def _chooser_jvp(select_prim):
    def rule(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        prim = reduce_window_max_p if select_prim is _ew.ge_p else reduce_window_min_p
        out = prim.bind(x, **params)
        if type(t) is Zero:
            return out, Zero(tangent_aval(core.get_aval(out)))
        return out, select_and_gather_add_p.bind(t, x, select_prim=select_prim, **params)
    return rule


# ---------------------------------------------------------------------------------------
# select_and_gather_add: in each window, the tangent at the operand's max (ge) / min (le).

select_and_gather_add_p = Primitive("select_and_gather_add")


def _sga_abstract_eval(tangents, operand, *, select_prim, window_dimensions, window_strides,
                       padding, base_dilation, window_dilation):
    if tangents.shape != operand.shape:
        raise TypeError(f"select_and_gather_add tangents and operand shapes must match, got "
                        f"{tangents.shape} and {operand.shape}.")
    shape = common_window_shape(operand, window_dimensions, window_strides, padding,
                                base_dilation, window_dilation)
    return ShapedArray(shape, tangents.dtype, tangents.weak_type)


def _sga_lower(ctx, tangents, operand, *, select_prim, **params):
    t_aval, o_aval = ctx.avals_in
    direction = "GE" if select_prim is _ew.ge_p else "LE"
    ident = max_identity if select_prim is _ew.ge_p else min_identity
    init_k = ctx.constant(ident(o_aval.dtype))
    init_v = ctx.constant(np.zeros((), t_aval.dtype))
    kt, vt = tensor_type((), o_aval.dtype), tensor_type((), t_aval.dtype)
    bt = tensor_type((), dtypes.bool_)

    def body(c, args):
        kx, vx, ky, vy = args
        which = compare(c, kx, ky, direction, o_aval.dtype)
        k = c.op("stablehlo.select", [which, kx, ky], [bt, kt, kt], [kt])[0]
        v = c.op("stablehlo.select", [which, vx, vy], [bt, vt, vt], [vt])[0]
        return [k, v], [kt, vt]

    outs = emit_reduce_window(ctx, [operand, tangents], [o_aval, t_aval], [init_k, init_v],
                              ctx.avals_out[0].shape, body, **params)
    return outs[1]


def _sga_jvp(primals, tangents, **params):
    (t, x), (dt, _) = primals, tangents
    out = select_and_gather_add_p.bind(t, x, **params)
    if type(dt) is Zero:
        return out, Zero(tangent_aval(core.get_aval(out)))
    return out, select_and_gather_add_p.bind(dt, x, **params)


def _sga_transpose(ct, t, x, *, select_prim, window_dimensions, window_strides, padding,
                   base_dilation, window_dilation):
    from cellax.primitives.shape import pad_p, slice_p
    if any(d != 1 for d in window_dilation):
        raise NotImplementedError(
            f"VJP not implemented for select_and_gather (MaxPool) with window dilation, got "
            f"window_dilation={window_dilation}.")
    if type(ct) is Zero:
        return [Zero(t.aval), None]
    dilated = any(d != 1 for d in base_dilation)
    if dilated:
        ident = max_identity if select_prim is _ew.ge_p else min_identity
        x = pad_p.bind(x, ident(core.get_aval(x).dtype),
                       padding_config=tuple((0, 0, d - 1) for d in base_dilation))
    out = select_and_scatter_add_p.bind(ct, x, select_prim=select_prim,
                                        window_dimensions=window_dimensions,
                                        window_strides=window_strides, padding=padding)
    if dilated:
        shape = core.get_aval(out).shape
        out = slice_p.bind(out, start_indices=(0,) * len(shape), limit_indices=shape,
                           strides=tuple(base_dilation))
    return [out, None]


def _sga_batch(size, vals, dims, **params):
    t, x = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
    return select_and_gather_add_p.bind(t, x, **_with_leading_unit(params)), 0


_standard(select_and_gather_add_p, _sga_abstract_eval, _sga_lower)
core.jvp_rules[select_and_gather_add_p] = _sga_jvp
core.transpose_rules[select_and_gather_add_p] = _sga_transpose
core.batching_rules[select_and_gather_add_p] = _sga_batch
core.jvp_rules[reduce_window_max_p] = _chooser_jvp(_ew.ge_p)
core.jvp_rules[reduce_window_min_p] = _chooser_jvp(_ew.le_p)

# ---------------------------------------------------------------------------------------
# select_and_scatter_add: each window's source value added at the operand's max / min.

select_and_scatter_add_p = Primitive("select_and_scatter_add")


def _sas_abstract_eval(source, operand, *, select_prim, window_dimensions, window_strides,
                       padding):
    check_shapelike("select_and_scatter", "window_dimensions", window_dimensions)
    check_shapelike("select_and_scatter", "window_strides", window_strides)
    if len(window_dimensions) != len(window_strides):
        raise TypeError(f"select_and_scatter got inconsistent window_strides and "
                        f"window_dimensions: got window_strides {window_strides} and "
                        f"window_dimensions {window_dimensions}.")
    return ShapedArray(operand.shape, source.dtype, source.weak_type)


def _sas_lower(ctx, source, operand, *, select_prim, window_dimensions, window_strides,
               padding):
    s_aval, o_aval = ctx.avals_in
    odt, sdt = o_aval.dtype, s_aval.dtype
    ot, st = tensor_type((), odt), tensor_type((), sdt)
    padded_shape = tuple(d + lo + hi for d, (lo, hi) in zip(o_aval.shape, padding))
    # Padding is applied up front with the select identity and undone afterwards by the
    # opposite padding (XLA:CPU mishandles a padded select_and_scatter, as JAX notes);
    # negative padding crops, and cropped elements get no cotangent.
    padded = any(lo or hi for lo, hi in padding)
    if padded:
        ident = max_identity if select_prim is _ew.ge_p else min_identity
        operand = ctx.op("stablehlo.pad", [operand, ctx.constant(ident(odt))],
                         [tensor_type(o_aval), ot], [tensor_type(padded_shape, odt)],
                         {"edge_padding_low": i64_array(lo for lo, _ in padding),
                          "edge_padding_high": i64_array(hi for _, hi in padding),
                          "interior_padding": i64_array([0] * len(padding))})[0]
    direction = "GE" if select_prim is _ew.ge_p else "LE"

    def select_body(c, args):
        return [compare(c, args[0], args[1], direction, odt)], [tensor_type((),
                                                                            dtypes.bool_)]

    scatter_op = "stablehlo.or" if sdt == dtypes.bool_ else "stablehlo.add"
    regions = [ctx.region([ot, ot], select_body), ctx.region([st, st], monoid_body(
        scatter_op, sdt))]
    out = ctx.op("stablehlo.select_and_scatter",
                 [operand, source, ctx.constant(np.zeros((), sdt))],
                 [tensor_type(padded_shape, odt), tensor_type(s_aval), st],
                 [tensor_type(padded_shape, sdt)],
                 {"padding": padding_attr([(0, 0)] * len(padding)),
                  "window_dimensions": i64_array(window_dimensions),
                  "window_strides": i64_array(window_strides)}, regions=regions)[0]
    if padded:
        out = ctx.op("stablehlo.pad", [out, ctx.constant(np.zeros((), sdt))],
                     [tensor_type(padded_shape, sdt), st], [tensor_type(o_aval.shape, sdt)],
                     {"edge_padding_low": i64_array(-lo for lo, _ in padding),
                      "edge_padding_high": i64_array(-hi for _, hi in padding),
                      "interior_padding": i64_array([0] * len(padding))})[0]
    return out


def _sas_jvp(primals, tangents, **params):
    (s, x), (ds, _) = primals, tangents
    out = select_and_scatter_add_p.bind(s, x, **params)
    if type(ds) is Zero:
        return out, Zero(tangent_aval(core.get_aval(out)))
    return out, select_and_scatter_add_p.bind(ds, x, **params)


def _sas_transpose(ct, s, x, *, select_prim, window_dimensions, window_strides, padding):
    if type(ct) is Zero:
        return [Zero(s.aval), None]
    ones = (1,) * len(window_dimensions)
    return [select_and_gather_add_p.bind(
        ct, x, select_prim=select_prim, window_dimensions=window_dimensions,
        window_strides=window_strides, padding=padding, base_dilation=ones,
        window_dilation=ones), None]


def _sas_batch(size, vals, dims, **params):
    s, x = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
    return select_and_scatter_add_p.bind(s, x, **_with_leading_unit(params)), 0


_standard(select_and_scatter_add_p, _sas_abstract_eval, _sas_lower)
core.jvp_rules[select_and_scatter_add_p] = _sas_jvp
core.transpose_rules[select_and_scatter_add_p] = _sas_transpose
core.batching_rules[select_and_scatter_add_p] = _sas_batch

# ---------------------------------------------------------------------------------------
# Tracing user computations (cached so that equal calls reuse one jaxpr)

_comp_cache: dict = {}


def variadic_reduction_jaxpr(computation: Callable, init_avals: Sequence[ShapedArray],
                             tree):
    """(jaxpr, consts, out_tree) of `computation(xs, ys)` where xs and ys are pytrees
    (structure `tree`) of scalars of `init_avals`."""
    from cellax.interpreters.staging import trace_to_jaxpr
    from cellax.tree_util import tree_flatten, tree_unflatten
    key = None
    try:
        key = (computation, tuple(init_avals), tree)
        hit = _comp_cache.get(key)
    except TypeError:
        hit = None
    if hit is not None:
        return hit
    n = len(init_avals)
    out_tree_box = []

    def flat(*args):
        xs = tree_unflatten(tree, list(args[:n]))
        ys = tree_unflatten(tree, list(args[n:]))
        out_flat, out_tree = tree_flatten(computation(xs, ys))
        out_tree_box.append(out_tree)
        return out_flat

    scalar_avals = [ShapedArray((), a.dtype, a.weak_type) for a in init_avals]
    jaxpr, consts, _ = trace_to_jaxpr(flat, scalar_avals * 2)
    if any(isinstance(c, core.Tracer) for c in consts):
        raise NotImplementedError("Reduction computations can't close over Tracers.")
    hit = (jaxpr, tuple(consts), out_tree_box[0])
    if key is not None:
        _comp_cache[key] = hit
    return hit


# ---------------------------------------------------------------------------------------
# reduce_window: a window reduction with a traced (variadic) computation.

reduce_window_p = Primitive("reduce_window")
reduce_window_p.multiple_results = True


def _rw_abstract_eval(*avals, jaxpr, consts, window_dimensions, window_strides, padding,
                      base_dilation, window_dilation):
    n = len(avals) // 2
    ops, inits = avals[:n], avals[n:]
    if any(o.dtype != i.dtype for o, i in zip(ops, inits)):
        raise TypeError(f"reduce_window got inconsistent dtypes for operands and "
                        f"init_values: got operand dtypes {[o.dtype for o in ops]} and "
                        f"init_value dtypes {[i.dtype for i in inits]}.")
    if any(i.shape != () for i in inits):
        raise TypeError(f"reduce_window expected init_values to be scalars but init_values "
                        f"have shapes {[i.shape for i in inits]}.")
    shape = common_window_shape(ops[0], window_dimensions, window_strides, padding,
                                base_dilation, window_dilation)
    return [ShapedArray(shape, o.dtype) for o in ops]


def _rw_lower(ctx, *args, jaxpr, consts, **params):
    n = len(args) // 2
    avals = ctx.avals_in[:n]
    return emit_reduce_window(ctx, list(args[:n]), avals, list(args[n:]),
                              ctx.avals_out[0].shape,
                              jaxpr_body(jaxpr, consts, [a.dtype for a in avals]), **params)


def reduce_window_flat(operands, init_values, computation, tree, **params) -> list:
    """Bind `reduce_window` for flat operands / init values and a pytree computation."""
    init_avals = [core.get_aval(v) for v in init_values]
    jaxpr, consts, out_tree = variadic_reduction_jaxpr(computation, init_avals, tree)
    if out_tree != tree:
        raise ValueError(f"reduce_window output must have the same tree structure as the "
                         f"operands {tree} vs. {out_tree}")
    return reduce_window_p.bind(*operands, *init_values, jaxpr=jaxpr, consts=consts,
                                **params)


def window_stack(x, init, *, window_dimensions, window_strides, padding, base_dilation,
                 window_dilation):
    """All windows of `x` stacked on a new leading axis: (prod(window), *out_shape), with
    padding and base-dilation holes holding `init` (reduce_window's semantics)."""
    from cellax.primitives.shape import concatenate_p, pad_p, reshape_p, slice_p
    aval = core.get_aval(x)
    out_shape = reduce_window_shape_tuple(aval.shape, window_dimensions, window_strides,
                                          padding, base_dilation, window_dilation)
    x = pad_p.bind(x, init, padding_config=tuple(
        (lo, hi, b - 1) for (lo, hi), b in zip(padding, base_dilation)))
    slices = []
    for offset in np.ndindex(*window_dimensions):
        start = tuple(k * d for k, d in zip(offset, window_dilation))
        limit = tuple(s0 + (n - 1) * st + 1 if n else s0
                      for s0, n, st in zip(start, out_shape, window_strides))
        piece = slice_p.bind(x, start_indices=start, limit_indices=limit,
                             strides=tuple(window_strides))
        slices.append(reshape_p.bind(piece, new_sizes=(1, *out_shape), dimensions=None,
                                     sharding=None))
    if len(slices) == 1:
        return slices[0]
    return concatenate_p.bind(*slices, dimension=0)


def _rw_jvp(primals, tangents, *, jaxpr, consts, **params):
    # Differentiated as a reduce over the stacked windows, whose derivative (a tree of
    # applications of the computation) is itself linearizable: reverse mode and higher
    # orders work (JAX's own rule is forward-mode only).
    n = len(primals) // 2
    ops, inits = list(primals[:n]), list(primals[n:])
    if any(type(t) is not Zero for t in tangents[n:]):
        raise TypeError("reduce_window jvp does not support non-zero init_value_tangent.")
    closed = core.ClosedJaxpr(jaxpr, consts)

    def windowed(*xs):
        stacks = [window_stack(x, i, **params) for x, i in zip(xs, inits)]
        return reduce_p.bind(*stacks, *inits, computation=None, jaxpr=closed,
                             dimensions=(0,))

    return jvp_flat(windowed, ops, list(tangents[:n]))


def _rw_batch(size, vals, dims, *, jaxpr, consts, **params):
    n = len(vals) // 2
    if any(d is not None for d in dims[n:]):
        raise NotImplementedError("reduce_window batching is not implemented for initial "
                                  "values")
    ops = [batching.bdim_at_front(v, d, size) for v, d in zip(vals[:n], dims[:n])]
    outs = reduce_window_p.bind(*ops, *vals[n:], jaxpr=jaxpr, consts=consts,
                                **_with_leading_unit(params))
    return outs, [0] * n


_standard(reduce_window_p, _rw_abstract_eval, _rw_lower)
core.jvp_rules[reduce_window_p] = _rw_jvp
core.batching_rules[reduce_window_p] = _rw_batch

# ---------------------------------------------------------------------------------------
# reduce: reduction over axes with a traced (variadic) computation.

reduce_p = Primitive("reduce")
reduce_p.multiple_results = True


def _reduce_abstract_eval(*avals, computation, jaxpr, dimensions):
    n = len(avals) // 2
    ops, inits = avals[:n], avals[n:]
    if any(i.shape != () for i in inits):
        raise ValueError(f"reduce found non-scalar initial value: "
                         f"{[i.shape for i in inits]}")
    if [o.dtype for o in ops] != [i.dtype for i in inits]:
        raise TypeError(f"reduce operand dtypes should match corresponding initial value "
                        f"dtypes, got operands={list(ops)} and initial_values={list(inits)}")
    for o in ops:
        if any(not -o.ndim <= d < o.ndim for d in dimensions):
            raise ValueError(f"reduce dimensions {dimensions} out of range for operand of "
                             f"shape {o.shape}")
    dims = {d % o.ndim for o in ops for d in dimensions} if ops[0].ndim else set()
    return [ShapedArray(tuple(s for k, s in enumerate(o.shape) if k not in dims), o.dtype,
                        o.weak_type and i.weak_type) for o, i in zip(ops, inits)]


def _reduce_lower(ctx, *args, computation, jaxpr, dimensions):
    n = len(args) // 2
    avals = ctx.avals_in[:n]
    st = [tensor_type((), a.dtype) for a in avals]
    region = ctx.region(st + st, jaxpr_body(jaxpr.jaxpr, jaxpr.consts,
                                           [a.dtype for a in avals]))
    return ctx.op("stablehlo.reduce", list(args), [*(tensor_type(a) for a in avals), *st],
                  [tensor_type(a) for a in ctx.avals_out],
                  {"dimensions": i64_array(dimensions)}, regions=[region])


def _reduce_jvp(primals, tangents, *, computation, jaxpr, dimensions):
    from cellax import lax
    from cellax.vectorization import vmap
    n = len(primals) // 2
    xs, inits = list(primals[:n]), list(primals[n:])
    if any(type(t) is not Zero for t in tangents[n:]):
        raise NotImplementedError("Gradient of general lax.reduce with non-zero tangents for "
                                  "initial values to reduction not implemented")
    shape = core.get_aval(xs[0]).shape
    axes = tuple(d % len(shape) for d in dimensions)
    kept = tuple(k for k in range(len(shape)) if k not in axes)
    size = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    new_shape = (size, *(shape[k] for k in kept))
    perm = (*axes, *kept)

    def reducer(*args):
        return core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)

    for _ in range(len(kept) + 1):
        reducer = vmap(reducer)

    def tree_reduce(*vs):
        vs = [lax.reshape(lax.transpose(v, perm), new_shape) for v in vs]
        while vs[0].shape[0] > 1:
            m = vs[0].shape[0]
            m1 = (m + 1) // 2
            first = [lax.slice_in_dim(v, 0, m1) for v in vs]
            second = [lax.slice_in_dim(v, m1, m) for v in vs]
            if m - m1 != m1:
                cfg = [(0, 0, 0)] * len(new_shape)
                cfg[0] = (0, 1, 0)
                second = [lax.pad(v, i, cfg) for v, i in zip(second, inits)]
            vs = list(reducer(*first, *second))
        if vs[0].shape[0] == 0:
            return [lax.full(new_shape[1:], i) for i in inits]
        return [lax.squeeze(v, (0,)) for v in vs]

    return jvp_flat(tree_reduce, xs, list(tangents[:n]))


def _reduce_batch(size, vals, dims, *, computation, jaxpr, dimensions):
    n = len(vals) // 2
    if any(d is not None for d in dims[n:]):
        raise NotImplementedError("reduce batching is not implemented for batched initial "
                                  "values")
    ops = [batching.bdim_at_front(v, d, size) for v, d in zip(vals[:n], dims[:n])]
    nd = core.get_aval(vals[0]).ndim - (dims[0] is not None)
    new_dims = tuple((d % nd if nd else d) + 1 for d in dimensions)
    outs = reduce_p.bind(*ops, *vals[n:], computation=computation, jaxpr=jaxpr,
                         dimensions=new_dims)
    return outs, [0] * n


_standard(reduce_p, _reduce_abstract_eval, _reduce_lower)
core.jvp_rules[reduce_p] = _reduce_jvp
core.batching_rules[reduce_p] = _reduce_batch

# ---------------------------------------------------------------------------------------
# reduce_precision: round to a float format with fewer exponent / mantissa bits.

reduce_precision_p = Primitive("reduce_precision")


def _reduce_precision_abstract_eval(x, *, exponent_bits, mantissa_bits):
    _dtype_kinds_ok("reduce_precision", x.dtype, "f")
    if exponent_bits < 1:
        raise ValueError(f"reduce_precision: exponent_bits must be positive; got "
                         f"{exponent_bits}")
    if mantissa_bits < 0:
        raise ValueError(f"reduce_precision: mantissa_bits must be non-negative; got "
                         f"{mantissa_bits}")
    return ShapedArray(x.shape, x.dtype, x.weak_type)


def _reduce_precision_lower(ctx, x, *, exponent_bits, mantissa_bits):
    return ctx.simple("stablehlo.reduce_precision", [x],
                      {"exponent_bits": f"{int(exponent_bits)} : i32",
                       "mantissa_bits": f"{int(mantissa_bits)} : i32"})


_standard(reduce_precision_p, _reduce_precision_abstract_eval, _reduce_precision_lower)
deflinear(reduce_precision_p, lambda ct, x, **params: [
    ct if type(ct) is Zero else reduce_precision_p.bind(ct, **params)])
core.batching_rules[reduce_precision_p] = batching.vectorized_rule(reduce_precision_p)
