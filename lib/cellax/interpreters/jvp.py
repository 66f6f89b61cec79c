"""Forward-mode differentiation: the JVP trace, symbolic zeros and rule helpers.

A `JVPTracer` carries a primal and a tangent. Tangents that are known to be zero
are the symbolic `Zero(aval)`, so untouched inputs cost nothing. Rules run with the
parent trace current: primal work is done (or staged) by whatever trace the JVP
was started from, which is what makes jvp-of-jvp and jvp-of-jit compose.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import ShapedArray, Trace, Tracer, set_current_trace

# ---------------------------------------------------------------------------------------
# Symbolic zeros

float0 = dtypes.float0


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    """The aval of tangents for primal `aval` (float0 for integer and bool primals)."""
    if dtypes.is_inexact(aval.dtype):
        return ShapedArray(aval.shape, aval.dtype, False)
    return ShapedArray(aval.shape, float0, False)


class Zero:
    """A tangent (or cotangent) known to be zero, of a given aval."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval})"

    @staticmethod
    def from_primal(x) -> Zero:
        return Zero(tangent_aval(core.get_aval(x)))


def zeros_like_aval(aval: ShapedArray):
    if aval.dtype == float0:
        return np.zeros(aval.shape, dtype=float0)
    from cellax import lax
    return lax.full(aval.shape, 0, aval.dtype)


def instantiate(t):
    return zeros_like_aval(t.aval) if type(t) is Zero else t


def add_tangents(a, b):
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    from cellax.primitives.elementwise import add_any_p
    return add_any_p.bind(a, b)


# ---------------------------------------------------------------------------------------
# The trace


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> ShapedArray:
        return core.get_aval(self.primal)

    def to_concrete_value(self):
        p = self.primal
        if isinstance(p, Tracer):
            return p.to_concrete_value()
        return p

    def _origin_msg(self) -> str:
        p = self.primal
        return p._origin_msg() if isinstance(p, Tracer) else ""


class JVPTrace(Trace):
    def __init__(self, parent: Trace, tag=None):
        self.parent = parent
        self.tag = tag

    def __repr__(self):
        return "JVPTrace"

    def to_primal_tangent(self, x):
        if type(x) is JVPTracer and x._trace is self:
            return x.primal, x.tangent
        return x, Zero.from_primal(x)

    def process_primitive(self, primitive, args, params):
        primals, tangents = [], []
        for x in args:
            if type(x) is JVPTracer and x._trace is self:
                primals.append(x.primal)
                tangents.append(x.tangent)
            else:
                if isinstance(x, Tracer) and not x._trace.live:
                    raise core.escaped_tracer_error(x, primitive)
                primals.append(x)
                tangents.append(None)
        with set_current_trace(self.parent):
            if all(t is None for t in tangents):
                return primitive.bind(*primals, **params)
            tangents = [Zero.from_primal(p) if t is None else t
                        for p, t in zip(primals, tangents)]
            rule = core.jvp_rules.get(primitive)
            if rule is None:
                raise NotImplementedError(
                    f"Differentiation rule for '{primitive}' not implemented")
            primal_out, tangent_out = rule(primals, tangents, **params)
        if primitive.multiple_results:
            return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
        return self.wrap(primal_out, tangent_out)

    def wrap(self, primal, tangent):
        return JVPTracer(self, primal, tangent)


def jvp_flat(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any]):
    """Run `fun` (flat in, flat out) on JVP tracers; returns (primals_out, tangents_out).

    Output tangents may be `Zero`."""
    parent = core.current_trace()
    trace = JVPTrace(parent)
    in_tracers = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
    try:
        with set_current_trace(trace):
            outs = fun(*in_tracers)
    finally:
        trace.invalidate()
    primals_out, tangents_out = [], []
    for o in outs:
        p, t = trace.to_primal_tangent(o)
        primals_out.append(p)
        tangents_out.append(t)
    return primals_out, tangents_out


# ---------------------------------------------------------------------------------------
# Rule helpers (used right under each primitive's definition)


def defjvp(primitive, *tangent_fns: Callable | None) -> None:
    """JVP from one function per argument: `fn(tangent, *primals, **params)` gives that
    argument's contribution to the output tangent (None: the argument is not
    differentiable). The primal output is `primitive.bind(*primals)`."""

    def rule(primals, tangents, **params):
        primal_out = primitive.bind(*primals, **params)
        out = Zero(tangent_aval(core.get_aval(primal_out)))
        for fn, t in zip(tangent_fns, tangents):
            if fn is None or type(t) is Zero:
                continue
            out = add_tangents(out, fn(t, *primals, **params))
        return primal_out, out

    core.jvp_rules[primitive] = rule


def defjvp2(primitive, *tangent_fns: Callable | None) -> None:
    """Like `defjvp`, but each function also receives the primal output first:
    `fn(tangent, primal_out, *primals, **params)`."""

    def rule(primals, tangents, **params):
        primal_out = primitive.bind(*primals, **params)
        out = Zero(tangent_aval(core.get_aval(primal_out)))
        for fn, t in zip(tangent_fns, tangents):
            if fn is None or type(t) is Zero:
                continue
            out = add_tangents(out, fn(t, primal_out, *primals, **params))
        return primal_out, out

    core.jvp_rules[primitive] = rule


def deflinear(primitive, transpose_rule: Callable) -> None:
    """A primitive linear in all its arguments: its JVP applies it to the tangents
    (zeros instantiated), and `transpose_rule(ct, *args, **params)` is its transpose."""

    def rule(primals, tangents, **params):
        primal_out = primitive.bind(*primals, **params)
        if all(type(t) is Zero for t in tangents):
            if primitive.multiple_results:
                return primal_out, [Zero(tangent_aval(core.get_aval(p))) for p in primal_out]
            return primal_out, Zero(tangent_aval(core.get_aval(primal_out)))
        tangent_out = primitive.bind(*[instantiate(t) for t in tangents], **params)
        return primal_out, tangent_out

    core.jvp_rules[primitive] = rule
    core.transpose_rules[primitive] = transpose_rule


def def_nondifferentiable(primitive) -> None:
    """Outputs have zero tangents (comparisons, integer ops, argmax...)."""

    def rule(primals, tangents, **params):
        out = primitive.bind(*primals, **params)
        if primitive.multiple_results:
            return out, [Zero(tangent_aval(core.get_aval(o))) for o in out]
        return out, Zero(tangent_aval(core.get_aval(out)))

    core.jvp_rules[primitive] = rule
