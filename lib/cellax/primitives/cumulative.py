"""Cumulative reductions: cumsum, cumprod, cummax, cummin, cumlogsumexp (params `axis`,
`reverse`, as JAX prints them).

Each lowers as JAX does on CPU: one `stablehlo.reduce_window` whose window spans the whole
axis, padded by n-1 identity elements on one side (XLA rewrites this to an efficient
scan). cumsum is linear (its transpose is the reversed cumsum); the others differentiate
through the parallel prefix scan (`lax.associative_scan`), as in JAX.
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.jvp import Zero, deflinear, jvp_flat, tangent_aval
from cellax.interpreters.lowering import tensor_type
from cellax.primitives.elementwise import _standard
from cellax.primitives.windowed import (compare, emit_reduce_window, max_identity,
                                        min_identity, monoid_body)


def _logaddexp_body(dt):
    """log(exp(a) + exp(b)) on scalars, stable; NaN or same-signed infinities add."""
    st = tensor_type((), dt)
    bt = tensor_type((), dtypes.bool_)

    def body(c, args):
        a, b = args

        def un(op, x):
            return c.op(op, [x], [st], [st])[0]

        def bin_(op, x, y):
            return c.op(op, [x, y], [st, st], [st])[0]

        amax = bin_("stablehlo.maximum", a, b)
        delta = bin_("stablehlo.subtract", a, b)
        is_nan = compare(c, delta, delta, "NE", dt)
        soft = bin_("stablehlo.add", amax, un("stablehlo.log_plus_one", un(
            "stablehlo.exponential", un("stablehlo.negate", un("stablehlo.abs", delta)))))
        out = c.op("stablehlo.select", [is_nan, bin_("stablehlo.add", a, b), soft],
                   [bt, st, st], [st])[0]
        return [out], [st]
    return body


_KINDS = {
    "cumsum": (lambda dt: np.zeros((), dt), lambda dt: monoid_body("stablehlo.add", dt)),
    "cumprod": (lambda dt: np.ones((), dt), lambda dt: monoid_body("stablehlo.multiply", dt)),
    "cummax": (max_identity, lambda dt: monoid_body("stablehlo.maximum", dt)),
    "cummin": (min_identity, lambda dt: monoid_body("stablehlo.minimum", dt)),
    "cumlogsumexp": (lambda dt: np.array(-np.inf, dt), _logaddexp_body),
}


def _cumulative(name: str) -> Primitive:
    prim = Primitive(name)
    identity, make_body = _KINDS[name]

    def abstract_eval(x, *, axis, reverse):
        if not (dtypes.is_inexact(x.dtype) or dtypes.is_integer(x.dtype)):
            raise TypeError(f"{name} does not accept dtype {x.dtype.name}. Accepted dtypes "
                            f"are subtypes of number.")
        if axis < 0:
            raise ValueError("XLA operations do not allow negative axes")
        if axis >= x.ndim:
            raise ValueError(f"axis {axis} is out of bounds for array of shape {x.shape}")
        return ShapedArray(x.shape, x.dtype, x.weak_type)

    def lower(ctx, x, *, axis, reverse):
        aval = ctx.avals_in[0]
        n = aval.shape[axis]
        if n == 0:
            return x
        if name == "cumlogsumexp" and not dtypes.is_inexact(aval.dtype):
            raise ValueError(f"logaddexp requires floating-point or complex inputs; got "
                             f"{aval.dtype}")
        if name == "cumlogsumexp" and dtypes.is_complex(aval.dtype):
            raise NotImplementedError("cumlogsumexp of complex inputs is not supported")
        nd = aval.ndim
        padding = [(0, 0)] * nd
        padding[axis] = (0, n - 1) if reverse else (n - 1, 0)
        window = [1] * nd
        window[axis] = n
        init = ctx.constant(identity(aval.dtype))
        return emit_reduce_window(ctx, [x], [aval], [init], aval.shape,
                                  make_body(aval.dtype), window_dimensions=window,
                                  window_strides=[1] * nd, padding=padding,
                                  base_dilation=[1] * nd, window_dilation=[1] * nd)[0]

    def batch(size, vals, dims, *, axis, reverse):
        (x,), (d,) = vals, dims
        return prim.bind(x, axis=axis if axis < d else axis + 1, reverse=reverse), d

    _standard(prim, abstract_eval, lower)
    core.batching_rules[prim] = batch
    return prim


cumsum_p = _cumulative("cumsum")
cumprod_p = _cumulative("cumprod")
cummax_p = _cumulative("cummax")
cummin_p = _cumulative("cummin")
cumlogsumexp_p = _cumulative("cumlogsumexp")


def _cumsum_transpose(ct, x, *, axis, reverse):
    if type(ct) is Zero:
        return [Zero(x.aval)]
    return [cumsum_p.bind(ct, axis=axis, reverse=not reverse)]


deflinear(cumsum_p, _cumsum_transpose)


def _combine(name):
    from cellax import lax
    if name == "cumprod":
        return lax.mul
    if name == "cummax":
        return lax.max
    if name == "cummin":
        return lax.min
    from cellax.numpy._math import _logaddexp  # the custom_jvp logaddexp JAX uses
    return _logaddexp


def _scan_jvp(prim):
    # reduce_window is not differentiable to any order, so derivatives go through the
    # parallel prefix scan, whose primitives are.
    def rule(primals, tangents, *, axis, reverse):
        (x,), (t,) = primals, tangents
        if type(t) is Zero:
            out = prim.bind(x, axis=axis, reverse=reverse)
            return out, Zero(tangent_aval(core.get_aval(out)))
        from cellax.lax.loops import associative_scan
        combine = _combine(prim.name)
        (out,), (t_out,) = jvp_flat(
            lambda v: [associative_scan(combine, v, reverse=reverse, axis=axis)], [x], [t])
        return out, t_out
    return rule


for _p in (cumprod_p, cummax_p, cummin_p, cumlogsumexp_p):
    core.jvp_rules[_p] = _scan_jvp(_p)
