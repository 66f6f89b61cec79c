"""`jax.lax`'s cumulative reductions (cumsum, cumprod, cummax, cummin, cumlogsumexp),
windowed reductions (`reduce_window`), the generic `reduce` and `reduce_precision`.

`reduce_window` and `reduce` recognise the monoids JAX recognises (a `lax` binary op with
its identity as a concrete scalar init value) and bind the specialised primitive; any
other computation is traced to a jaxpr and bound with the generic primitive.
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import ClosedJaxpr, Tracer, get_aval
from cellax.primitives import windowed as _w
from cellax.primitives.cumulative import (cumlogsumexp_p, cummax_p, cummin_p,  # noqa: F401
                                          cumprod_p, cumsum_p)
from cellax.primitives.windowed import (reduce_p, reduce_precision_p,  # noqa: F401
                                        reduce_window_max_p, reduce_window_min_p,
                                        reduce_window_p, reduce_window_sum_p,
                                        select_and_gather_add_p, select_and_scatter_add_p)
from cellax.tree_util import tree_flatten, tree_unflatten

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp", "reduce_window",
           "reduce_window_shape_tuple", "reduce", "reduce_precision",
           "cumsum_p", "cumprod_p", "cummax_p", "cummin_p", "cumlogsumexp_p",
           "reduce_window_p", "reduce_window_sum_p", "reduce_window_max_p",
           "reduce_window_min_p", "select_and_scatter_add_p", "select_and_gather_add_p",
           "reduce_p", "reduce_precision_p"]

reduce_window_shape_tuple = _w.reduce_window_shape_tuple


# ---------------------------------------------------------------------------------------
# Cumulative reductions


def cumsum(operand, axis: int = 0, reverse: bool = False):
    """Cumulative sum along `axis`."""
    return cumsum_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cumprod(operand, axis: int = 0, reverse: bool = False):
    """Cumulative product along `axis`."""
    return cumprod_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cummax(operand, axis: int = 0, reverse: bool = False):
    """Cumulative maximum along `axis`."""
    return cummax_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cummin(operand, axis: int = 0, reverse: bool = False):
    """Cumulative minimum along `axis`."""
    return cummin_p.bind(operand, axis=int(axis), reverse=bool(reverse))


def cumlogsumexp(operand, axis: int = 0, reverse: bool = False):
    """Cumulative log-sum-exp along `axis`."""
    return cumlogsumexp_p.bind(operand, axis=int(axis), reverse=bool(reverse))


# ---------------------------------------------------------------------------------------
# Helpers


def _padtype_to_pads(in_shape, window_shape, window_strides, padding: str) -> list:
    """'VALID' / 'SAME' / 'SAME_LOWER' as explicit (low, high) pads per dimension."""
    kind = padding.upper()
    if kind not in ("VALID", "SAME", "SAME_LOWER"):
        raise RuntimeError(f"Unrecognized padding type: expected 'VALID', 'SAME', or "
                           f"'SAME_LOWER', got {padding}.")
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    pads = []
    for d, w, s in zip(in_shape, window_shape, window_strides):
        out = -(-d // s)
        total = max((out - 1) * s + w - d, 0)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if kind == "SAME" else (big, small))
    return pads


def _concrete_scalar(x):
    """The value of a concrete scalar (Python/NumPy scalar, Array, or a tracer that knows
    its value), else None."""
    if isinstance(x, Tracer):
        x = x.to_concrete_value()
        if x is None:
            return None
    try:
        v = np.asarray(x)
    except Exception:  # noqa: BLE001 - anything not convertible is not concrete
        return None
    return v if v.shape == () else None


def _as_init_value(v):
    """A host init value as an array of its (weak) dtype: a literal while staging."""
    if isinstance(v, Tracer) or hasattr(v, "aval"):
        return v
    dt, weak = dtypes.dtype_and_weak(v)
    return core.constant_array(np.asarray(v, dt), core.ShapedArray((), dt, bool(weak)))


def _lax():
    from cellax.lax import lax
    return lax


# ---------------------------------------------------------------------------------------
# reduce_window


def _monoid_window_prim(computation, inits):
    if len(inits) != 1:
        return None
    val = _concrete_scalar(inits[0])
    if val is None:
        return None
    dt = get_aval(inits[0]).dtype
    lax = _lax()
    if computation is lax.add:
        return reduce_window_sum_p if val == 0 else None
    if computation is lax.max:
        return reduce_window_max_p if val == _w.max_identity(dt) else None
    if computation is lax.min:
        return reduce_window_min_p if val == _w.min_identity(dt) else None
    return None


def reduce_window(operand, init_value, computation: Callable,
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding: str | Sequence[tuple[int, int]] = "VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None):
    """Reduce each (padded, strided, dilated) window of `operand` (an array or a pytree of
    arrays) with `computation`, starting from `init_value`."""
    flat_ops, op_tree = tree_flatten(operand)
    flat_inits, init_tree = tree_flatten(init_value)
    if op_tree != init_tree:
        raise ValueError(f"Operands must have the same tree structure as init_values: "
                         f"{op_tree} vs. {init_tree}")
    if len(flat_ops) != len(flat_inits):
        raise ValueError(f"Must have same total number of operands as init_values:  "
                         f"{len(flat_ops)} vs. {len(flat_inits)}")
    if not flat_ops:
        raise ValueError("reduce_window must have at least one operand.")
    window_dimensions = tuple(window_dimensions)
    if isinstance(padding, str):
        dilated = window_dimensions if window_dilation is None else _w.dilate_shape(
            window_dimensions, window_dilation)
        strides = window_strides if window_strides is not None else (1,) * len(dilated)
        padding = tuple(_padtype_to_pads(get_aval(flat_ops[0]).shape, dilated, strides,
                                         padding))
    else:
        padding = tuple((int(lo), int(hi)) for lo, hi in padding)
    nd = len(window_dimensions)
    params = dict(
        window_dimensions=window_dimensions,
        window_strides=tuple(window_strides) if window_strides is not None else (1,) * nd,
        padding=padding,
        base_dilation=tuple(base_dilation) if base_dilation is not None else (1,) * nd,
        window_dilation=tuple(window_dilation) if window_dilation is not None else (1,) * nd)
    prim = _monoid_window_prim(computation, flat_inits)
    if prim is not None:
        return prim.bind(flat_ops[0], **params)
    flat_inits = [_as_init_value(v) for v in flat_inits]
    outs = _w.reduce_window_flat(flat_ops, flat_inits, computation, init_tree, **params)
    return tree_unflatten(op_tree, outs)


# ---------------------------------------------------------------------------------------
# reduce


def _monoid_reducer(computation, inits):
    if len(inits) != 1:
        return None
    val = _concrete_scalar(inits[0])
    if val is None:
        return None
    dt = get_aval(inits[0]).dtype
    lax = _lax()
    intlike = dt == dtypes.bool_ or dtypes.is_integer(dt)
    if computation is lax.add:
        return lax.reduce_sum if val == 0 else None
    if computation is lax.mul:
        return lax.reduce_prod if val == 1 else None
    if computation is lax.bitwise_or and intlike:
        return lax.reduce_or if val == np.zeros((), dt) else None
    if computation is lax.bitwise_and and intlike:
        return lax.reduce_and if val == np.array(-1).astype(dt) else None
    if computation is lax.bitwise_xor and intlike:
        return lax.reduce_xor if val == np.zeros((), dt) else None
    if computation is lax.max:
        return lax.reduce_max if val == _w.max_identity(dt) else None
    if computation is lax.min:
        return lax.reduce_min if val == _w.min_identity(dt) else None
    return None


def reduce(operands: Any, init_values: Any, computation: Callable,
           dimensions: Sequence[int], out_sharding=None) -> Any:
    """Reduce `operands` (an array or pytree of arrays) over `dimensions` with
    `computation` from `init_values` (scalars); the pair must form a monoid."""
    flat_ops, op_tree = tree_flatten(operands)
    flat_inits, init_tree = tree_flatten(init_values)
    if op_tree != init_tree:
        raise ValueError(f"Operands must have the same tree structure as init_values: "
                         f"{op_tree} vs. {init_tree}")
    if len(flat_ops) != len(flat_inits):
        raise ValueError(f"Must have same total number of operands as init_values:  "
                         f"{len(flat_ops)} vs. {len(flat_inits)}")
    dimensions = tuple(int(d) for d in dimensions)
    monoid = _monoid_reducer(computation, flat_inits)
    if monoid is not None:
        lax = _lax()
        weak = all(dtypes.dtype_and_weak(x)[1] for x in (*flat_ops, *flat_inits))
        if out_sharding is not None and monoid is not lax.reduce_sum:
            raise NotImplementedError
        extra = {"out_sharding": out_sharding} if out_sharding is not None else {}
        out = monoid(flat_ops[0], dimensions, **extra)
        aval = get_aval(out)
        if aval.weak_type != weak:
            out = lax.convert_element_type(out, aval.dtype, weak_type=weak)
        return out
    flat_inits = [_as_init_value(v) for v in flat_inits]
    init_avals = [get_aval(v) for v in flat_inits]
    jaxpr, consts, out_tree = _w.variadic_reduction_jaxpr(computation, init_avals,
                                                          init_tree)
    outs = reduce_p.bind(*flat_ops, *flat_inits, computation=computation,
                         jaxpr=ClosedJaxpr(jaxpr, consts), dimensions=dimensions)
    return tree_unflatten(out_tree, outs)


# ---------------------------------------------------------------------------------------
# reduce_precision


def reduce_precision(operand, exponent_bits: int, mantissa_bits: int):
    """Round `operand` to the precision of a float with the given exponent and mantissa
    bit counts (keeping its dtype)."""
    exponent_bits = operator.index(core.concrete_or_error(
        exponent_bits, "exponent_bits argument of lax.reduce_precision"))
    mantissa_bits = operator.index(core.concrete_or_error(
        mantissa_bits, "mantissa_bits argument of lax.reduce_precision"))
    if not isinstance(operand, Tracer) and not hasattr(operand, "aval"):
        operand = _as_init_value(operand) if np.ndim(operand) == 0 else operand
    return reduce_precision_p.bind(operand, exponent_bits=exponent_bits,
                                   mantissa_bits=mantissa_bits)
