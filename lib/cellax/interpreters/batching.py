"""Vectorization: the batching trace behind `vmap`.

A `BatchTracer` holds a value with one extra (batch) dimension `batch_dim`, or
`not_mapped` (None) for values the same across the batch. Each primitive's batching
rule (in `core.batching_rules`) maps (values, batch dims) to (outputs, batch dims),
moving the batch dimension into the primitive's own dimensions (e.g. a batch
dimension of `dot_general`) instead of looping.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

import numpy as np

from cellax import core
from cellax.core import ShapedArray, Trace, Tracer, set_current_trace

not_mapped = None


class BatchTracer(Tracer):
    __slots__ = ("val", "batch_dim")

    def __init__(self, trace: BatchTrace, val, batch_dim: int | None):
        self._trace = trace
        self.val = val
        self.batch_dim = batch_dim

    @property
    def aval(self) -> ShapedArray:
        aval = core.get_aval(self.val)
        if self.batch_dim is None:
            return aval
        shape = aval.shape[:self.batch_dim] + aval.shape[self.batch_dim + 1:]
        return ShapedArray(shape, aval.dtype, aval.weak_type)

    def to_concrete_value(self):
        return None

    def _origin_msg(self) -> str:
        v = self.val
        return v._origin_msg() if isinstance(v, Tracer) else ""


class BatchTrace(Trace):
    def __init__(self, parent: Trace, axis_size: int, axis_name=None):
        self.parent = parent
        self.axis_size = axis_size
        self.axis_name = axis_name

    def __repr__(self):
        return f"BatchTrace(axis_size={self.axis_size}, axis_name={self.axis_name!r})"

    def to_val_dim(self, x):
        if type(x) is BatchTracer and x._trace is self:
            return x.val, x.batch_dim
        if isinstance(x, Tracer) and not x._trace.live:
            raise core.escaped_tracer_error(x)
        return x, None

    def process_primitive(self, primitive, args, params):
        vals, dims = [], []
        for x in args:
            if type(x) is BatchTracer and x._trace is self:
                vals.append(x.val)
                dims.append(x.batch_dim)
            else:
                if isinstance(x, Tracer) and not x._trace.live:
                    raise core.escaped_tracer_error(x, primitive)
                vals.append(x)
                dims.append(None)
        axis_param = getattr(primitive, "axis_name_param", None)
        if axis_param is not None:
            names = params[axis_param]
            names = names if isinstance(names, tuple) else (names,)
            if self.axis_name is not None and self.axis_name in names:
                with set_current_trace(self.parent):
                    out, out_dims = collective_rules[primitive](self, vals, dims, **params)
                return self._wrap(primitive, out, out_dims)
        if all(d is None for d in dims):
            with set_current_trace(self.parent):
                return primitive.bind(*vals, **params)
        rule = core.batching_rules.get(primitive)
        if rule is None:
            raise NotImplementedError(f"Batching rule for '{primitive}' not implemented")
        if getattr(primitive, "batch_rule_takes_axis_name", False):
            params = dict(params, axis_name=self.axis_name)
        with set_current_trace(self.parent):
            out, out_dims = rule(self.axis_size, vals, dims, **params)
        return self._wrap(primitive, out, out_dims)

    def _wrap(self, primitive, out, out_dims):
        if primitive.multiple_results:
            return [BatchTracer(self, o, d) if d is not None else o
                    for o, d in zip(out, out_dims)]
        return BatchTracer(self, out, out_dims) if out_dims is not None else out


# primitive -> rule(trace, vals, dims, **params) for collectives on this trace's axis
collective_rules: dict = {}

# ---------------------------------------------------------------------------------------
# The axis environment: (name, size) of the enclosing vmaps, innermost last. Collectives
# check their axis names against it when staged (e.g. under a jit inside a vmap).


class _AxisEnv(threading.local):
    def __init__(self):
        self.frames: list = []


_axis_env = _AxisEnv()


def axis_env() -> tuple:
    return tuple(_axis_env.frames)


def axis_size(name) -> int:
    for n, s in reversed(_axis_env.frames):
        if n == name:
            return s
    raise NameError(f"unbound axis name: {name}. The axis name must be bound by an "
                    "enclosing vmap(..., axis_name=...).")


def batch_flat(fun: Callable, axis_size: int, axis_name, vals: Sequence[Any],
               dims: Sequence[int | None]):
    """Run `fun` (flat in, flat out) with inputs batched along `dims`; returns the output
    values and their batch dims (None: not batched)."""
    parent = core.current_trace()
    trace = BatchTrace(parent, axis_size, axis_name)
    ins = [BatchTracer(trace, v, d) if d is not None else v for v, d in zip(vals, dims)]
    frames = _axis_env.frames
    frames.append((axis_name, axis_size))
    try:
        with set_current_trace(trace):
            outs = fun(*ins)
    finally:
        frames.pop()
        trace.invalidate()
    out_vals, out_dims = [], []
    for o in outs:
        v, d = trace.to_val_dim(o)
        out_vals.append(v)
        out_dims.append(d)
    return out_vals, out_dims


# ---------------------------------------------------------------------------------------
# Helpers for rules (they run with the parent trace current and bind primitives)


def moveaxis(x, src: int | None, dst: int):
    """Move axis `src` of `x` to `dst` (physical dims)."""
    if src == dst:
        return x
    from cellax.primitives.shape import transpose_p
    nd = core.get_aval(x).ndim
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return transpose_p.bind(x, permutation=tuple(perm))


def bdim_at_front(x, bdim: int | None, size: int):
    """x with its batch dimension first; an unbatched x is broadcast to have one."""
    if bdim is None:
        return broadcast_batched(x, size)
    return moveaxis(x, bdim, 0)


def broadcast_batched(x, size: int):
    from cellax.primitives.shape import broadcast_in_dim_p
    aval = core.get_aval(x)
    return broadcast_in_dim_p.bind(x, shape=(size, *aval.shape),
                                   broadcast_dimensions=tuple(range(1, aval.ndim + 1)),
                                   sharding=None)


def shape_with_bdim(shape, bdim, size):
    shape = list(shape)
    shape.insert(bdim, size)
    return tuple(shape)


def vectorized_rule(prim):
    """Unary elementwise: apply as is; the batch dim stays where it is."""
    def rule(size, vals, dims, **params):
        return prim.bind(*vals, **params), dims[0]
    return rule


def broadcasting_rule(prim):
    """N-ary elementwise with lax broadcasting (equal shapes, scalars, size-1 dims)."""
    def rule(size, vals, dims, **params):
        vals, out_dim = _align_for_broadcast(vals, dims, size)
        out = prim.bind(*vals, **params)
        if prim.multiple_results:
            return out, [out_dim] * len(out)
        return out, out_dim
    return rule


def _align_for_broadcast(vals, dims, size):
    avals = [core.get_aval(v) for v in vals]
    logical_ndims = [a.ndim - (d is not None) for a, d in zip(avals, dims)]
    rank = max(logical_ndims)
    batched = [(a, d) for a, d in zip(avals, dims) if d is not None]
    # Fast path: every batched operand has full rank and the same batch dim, and every
    # unbatched operand is a scalar.
    first_dim = batched[0][1]
    if all(d == first_dim for _, d in batched) and all(
            nd == rank for nd, d in zip(logical_ndims, dims) if d is not None) and all(
            nd == 0 for nd, d in zip(logical_ndims, dims) if d is None):
        return list(vals), first_dim
    from cellax.primitives.shape import broadcast_in_dim_p, reshape_p
    out = []
    for v, a, d, nd in zip(vals, avals, dims, logical_ndims):
        if d is None:
            if nd == 0:
                out.append(v)
            else:
                # Unbatched operand of full rank: a leading size-1 dim broadcasts.
                lead = rank - nd
                out.append(broadcast_in_dim_p.bind(
                    v, shape=(1,) * (1 + lead) + a.shape,
                    broadcast_dimensions=tuple(range(1 + lead, 1 + rank)), sharding=None))
        else:
            v = moveaxis(v, d, 0)
            if nd < rank:
                shape = core.get_aval(v).shape
                v = reshape_p.bind(v, new_sizes=(shape[0],) + (1,) * (rank - nd) + shape[1:],
                                   dimensions=None, sharding=None)
            out.append(v)
    return out, 0


def batch_jaxpr(closed, in_batched: Sequence[bool], axis_size: int, axis_name=None,
                force_out_batched: bool = False):
    """A jaxpr computing `closed` over a leading batch axis of the batched inputs.

    Returns (closed_jaxpr, out_batched). Batched outputs have the batch axis first."""
    from cellax.core import ClosedJaxpr
    from cellax.interpreters.staging import trace_to_jaxpr
    in_avals = [ShapedArray((axis_size, *a.shape), a.dtype, a.weak_type) if b else a
                for a, b in zip(closed.in_avals, in_batched)]
    box = []

    def f(*xs):
        outs, out_dims = batch_flat(
            lambda *ys: core.eval_jaxpr(closed.jaxpr, closed.consts, *ys), axis_size,
            axis_name, xs, [0 if b else None for b in in_batched])
        if force_out_batched:
            outs = [bdim_at_front(o, d, axis_size) for o, d in zip(outs, out_dims)]
            out_dims = [0] * len(outs)
        else:
            outs = [moveaxis(o, d, 0) if d is not None else o for o, d in zip(outs, out_dims)]
        box.append([d is not None for d in out_dims])
        return outs

    jaxpr, consts, _ = trace_to_jaxpr(f, in_avals)
    return ClosedJaxpr(jaxpr, consts), box[0]


_unused = (np,)
