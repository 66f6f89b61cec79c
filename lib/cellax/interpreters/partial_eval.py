"""Partial evaluation: run what is known now, stage what is unknown into a jaxpr.

`linearize` runs a JVP whose tangent inputs are *unknown*: primal operations (all
inputs known) are evaluated by the parent trace, tangent operations are staged into
a linear jaxpr whose constvars are the residuals. Reverse mode transposes that jaxpr.
Also home of dead-code elimination.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from cellax import core
from cellax.core import Jaxpr, Literal, Trace, set_current_trace
from cellax.interpreters import jvp as jvp_mod
from cellax.interpreters.staging import DebugInfo, JaxprTracer, StagingTrace


class PartialEvalTrace(Trace):
    """Unknown values are tracers of `self.staging`; everything else is known."""

    def __init__(self, parent: Trace, debug_info: DebugInfo | None = None):
        self.parent = parent
        self.staging = StagingTrace(debug_info)

    def __repr__(self):
        return "PartialEvalTrace"

    def new_unknown(self, aval) -> JaxprTracer:
        return self.staging.new_arg(aval)

    def is_unknown(self, x) -> bool:
        return type(x) is JaxprTracer and x._trace is self.staging

    def process_primitive(self, primitive, args, params):
        staging = self.staging
        for x in args:
            if type(x) is JaxprTracer and x._trace is staging:
                rule = partial_eval_rules.get(primitive)
                if rule is not None:
                    return rule(self, args, params)
                return staging.process_primitive(primitive, args, params)
        with set_current_trace(self.parent):
            return primitive.bind(*args, **params)

    def invalidate(self):
        self.live = False
        self.staging.invalidate()


class Linearized:
    """The result of linearizing a flat function at a point."""

    __slots__ = ("primals_out", "jaxpr", "consts", "out_zero", "in_avals")

    def __init__(self, primals_out, jaxpr, consts, out_zero, in_avals):
        self.primals_out = primals_out
        self.jaxpr = jaxpr          # linear: tangents in -> nonzero tangents out
        self.consts = consts        # residuals
        self.out_zero = out_zero    # which output tangents are symbolically zero
        self.in_avals = in_avals

    def out_tangent_avals(self):
        avals, it = [], iter(self.jaxpr.outvars)
        for p, z in zip(self.primals_out, self.out_zero):
            avals.append(jvp_mod.tangent_aval(core.get_aval(p)))
            if not z:
                next(it)
        return avals


def linearize_flat(fun: Callable, primals: Sequence[Any],
                   debug_info: DebugInfo | None = None,
                   num_main: Callable[[], int] | None = None) -> Linearized:
    """Linearize `fun` at `primals`. With `num_main`, only the first num_main() outputs
    are differentiated; the rest (auxiliary data) are returned as primal values only."""
    parent = core.current_trace()
    pe = PartialEvalTrace(parent, debug_info)
    in_avals = [jvp_mod.tangent_aval(core.get_aval(p)) for p in primals]
    tangents_in = [pe.new_unknown(a) for a in in_avals]
    try:
        with set_current_trace(pe):
            primals_out, tangents_out = jvp_mod.jvp_flat(fun, primals, tangents_in)
        if num_main is not None:
            tangents_out = tangents_out[:num_main()]
        out_zero = [type(t) is jvp_mod.Zero for t in tangents_out]
        jaxpr, consts = pe.staging.to_jaxpr([t for t in tangents_out
                                             if type(t) is not jvp_mod.Zero])
    finally:
        pe.invalidate()
    return Linearized(primals_out, jaxpr, consts, out_zero, in_avals)


def dce_jaxpr(jaxpr: Jaxpr, used_outputs: Sequence[bool] | None = None,
              keep_inputs: bool = True) -> tuple[Jaxpr, list[bool]]:
    """Drop equations whose results are unused. Returns (jaxpr, which inputs are used)."""
    outvars = jaxpr.outvars if used_outputs is None else [
        v for v, u in zip(jaxpr.outvars, used_outputs) if u]
    live = {v for v in outvars if not isinstance(v, Literal)}
    eqns = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outvars) or getattr(eqn.primitive, "has_effects", False):
            eqns.append(eqn)
            live.update(v for v in eqn.invars if not isinstance(v, Literal))
    eqns.reverse()
    used_inputs = [v in live for v in jaxpr.invars]
    invars = jaxpr.invars if keep_inputs else [v for v, u in zip(jaxpr.invars, used_inputs) if u]
    return Jaxpr(jaxpr.constvars, invars, outvars, eqns, jaxpr.debug_info), used_inputs


# ---------------------------------------------------------------------------------------
# Splitting a jaxpr into known and unknown parts (for call primitives like jit)

# primitive -> rule(trace: PartialEvalTrace, args, params) -> outputs
partial_eval_rules: dict = {}
# primitive -> rule(eqn, in_unknowns) -> (known_eqn | None, unknown_eqn | None,
#                                         out_unknowns, residual vars)
partial_eval_jaxpr_rules: dict = {}


_split_cache: dict = {}


def partial_eval_jaxpr(jaxpr: Jaxpr, in_unknowns: Sequence[bool]):
    """`_partial_eval_jaxpr`, memoized on the jaxpr's identity: splitting the same cached
    jaxpr again gives the same known/unknown jaxpr objects, so the compile caches (keyed on
    jaxpr identity) hit when a jitted function is differentiated eagerly again."""
    key = (id(jaxpr), tuple(in_unknowns))
    hit = _split_cache.get(key)
    if hit is not None and hit[0] is jaxpr:
        return hit[1]
    out = _partial_eval_jaxpr(jaxpr, in_unknowns)
    _split_cache[key] = (jaxpr, out)
    return out


def clear_caches() -> None:
    _split_cache.clear()


def _partial_eval_jaxpr(jaxpr: Jaxpr, in_unknowns: Sequence[bool]):
    """Split `jaxpr` (constvars count as known inputs) by which inputs are unknown.

    Returns (known, unknown, out_unknowns, res_forward) where
      known:   [known invars]            -> [known outputs..., computed residuals...]
      unknown: [residuals..., unknown invars] -> [unknown outputs...]
    and `res_forward[i]` is, for a residual that is just a known input, that input's index
    among the known inputs (the caller passes it through instead of returning it), else
    None.
    """
    from cellax.core import JaxprEqn, Var
    unknown_vars: set = {v for v, u in zip(jaxpr.invars, in_unknowns) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        ins_unknown = [type(v) is not Literal and v in unknown_vars for v in eqn.invars]
        if not any(ins_unknown):
            known_eqns.append(eqn)
            continue
        rule = partial_eval_jaxpr_rules.get(eqn.primitive)
        if rule is not None and not all(ins_unknown):
            k_eqn, u_eqn, outs_unknown = rule(eqn, ins_unknown)
            if k_eqn is not None:
                known_eqns.append(k_eqn)
            unknown_eqns.append(u_eqn)
            unknown_vars.update(v for v, u in zip(eqn.outvars, outs_unknown) if u)
        else:
            unknown_eqns.append(eqn)
            unknown_vars.update(eqn.outvars)
    # Residuals: known values the unknown side reads.
    known_defined = set(jaxpr.constvars) | {v for v, u in zip(jaxpr.invars, in_unknowns)
                                            if not u}
    for eqn in known_eqns:
        known_defined.update(eqn.outvars)
    residuals, seen = [], set()

    def note(v):
        if type(v) is not Literal and v in known_defined and v not in seen:
            seen.add(v)
            residuals.append(v)

    for eqn in unknown_eqns:
        for v in eqn.invars:
            note(v)
    out_unknowns = [type(v) is not Literal and v in unknown_vars for v in jaxpr.outvars]
    known_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
    known_invars = [v for v, u in zip(jaxpr.invars, in_unknowns) if not u]
    known_index = {v: i for i, v in enumerate(known_invars)}
    res_forward = [known_index.get(r) for r in residuals]
    computed = [r for r, f in zip(residuals, res_forward) if f is None]
    known = Jaxpr(jaxpr.constvars, known_invars, known_outs + computed, known_eqns,
                  jaxpr.debug_info)
    unknown = Jaxpr([], residuals + [v for v, u in zip(jaxpr.invars, in_unknowns) if u],
                    [v for v, u in zip(jaxpr.outvars, out_unknowns) if u], unknown_eqns,
                    jaxpr.debug_info)
    _ = (JaxprEqn, Var)
    return known, unknown, out_unknowns, res_forward
