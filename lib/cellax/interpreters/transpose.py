"""The backward pass: transposing linear jaxprs.

In a linear jaxpr (from `linearize`), equations that touch no linear input compute
residual-derived values; they are evaluated forward first. The linear equations are
then visited in reverse, each primitive's transpose rule mapping output cotangents
to input cotangents. Linear inputs appear to rules as `UndefinedPrimal(aval)`.
"""
from __future__ import annotations

from typing import Any, Sequence

from cellax import core
from cellax.core import Jaxpr, Literal
from cellax.interpreters.jvp import Zero, add_tangents


class UndefinedPrimal:
    """Stands for a linear input of a primitive being transposed."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval})"


def is_undefined_primal(x) -> bool:
    return type(x) is UndefinedPrimal


def backward_pass(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any],
                  cts_out: Sequence[Any]) -> list:
    """Cotangents for the inputs of `jaxpr` that are `UndefinedPrimal` in `args`.

    `args` holds values for non-linear inputs and UndefinedPrimal for linear ones;
    `cts_out` may contain `Zero`. Returns one cotangent (or Zero) per input."""
    primal_env: dict = {}
    linear: set = set()

    def read_primal(v):
        if type(v) is Literal:
            return v.val
        return UndefinedPrimal(v.aval) if v in linear else primal_env[v]

    for v, c in zip(jaxpr.constvars, consts):
        primal_env[v] = c
    for v, a in zip(jaxpr.invars, args):
        if type(a) is UndefinedPrimal:
            linear.add(v)
        else:
            primal_env[v] = a

    linear_eqns = []
    for eqn in jaxpr.eqns:
        if any(type(v) is not Literal and v in linear for v in eqn.invars):
            linear_eqns.append(eqn)
            linear.update(eqn.outvars)
        else:
            outs = eqn.primitive.bind(*[read_primal(v) for v in eqn.invars], **eqn.params)
            outs = outs if eqn.primitive.multiple_results else [outs]
            for v, o in zip(eqn.outvars, outs):
                primal_env[v] = o

    ct_env: dict = {}

    def write_ct(v, ct):
        if type(v) is Literal or ct is None or type(ct) is Zero or v not in linear:
            return
        prev = ct_env.get(v)
        ct_env[v] = ct if prev is None else add_tangents(prev, ct)

    for v, ct in zip(jaxpr.outvars, cts_out):
        write_ct(v, ct)

    with core.name_scope("transpose"):
        _backward(linear_eqns, ct_env, read_primal, write_ct)
    return [ct_env.get(v, Zero(v.aval)) if type(a) is UndefinedPrimal else None
            for v, a in zip(jaxpr.invars, args)]


def _backward(linear_eqns, ct_env, read_primal, write_ct) -> None:
    for eqn in reversed(linear_eqns):
        cts = [ct_env.pop(v, None) for v in eqn.outvars]
        if all(c is None for c in cts):
            continue
        cts = [Zero(v.aval) if c is None else c for v, c in zip(eqn.outvars, cts)]
        rule = core.transpose_rules.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(
                f"Transpose rule (for reverse-mode differentiation) for '{eqn.primitive}' "
                "not implemented")
        invals = [read_primal(v) for v in eqn.invars]
        ct_in = rule(cts if eqn.primitive.multiple_results else cts[0], *invals, **eqn.params)
        for v, ct in zip(eqn.invars, ct_in):
            write_ct(v, ct)
