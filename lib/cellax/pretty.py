"""Printing jaxprs in JAX's text format (a first cut; see tests/test_pretty_golden.py)."""
from __future__ import annotations

import numpy as np

from cellax import core
from cellax.core import Jaxpr, Literal


def _name(i: int) -> str:
    s = ""
    i += 1
    while i > 0:
        i -= 1
        s = chr(ord("a") + i % 26) + s
        i //= 26
    return s


class _Names:
    def __init__(self):
        self.names: dict = {}

    def __call__(self, v) -> str:
        if isinstance(v, Literal):
            return pp_literal(v)
        if isinstance(v, core.DropVar):
            return "_"
        n = self.names.get(v)
        if n is None:
            n = self.names[v] = _name(len(self.names))
        return n


def pp_literal(lit: Literal) -> str:
    val = lit.val
    if isinstance(val, (np.ndarray, np.generic)):
        val = val.item()
    if isinstance(val, bool):
        s = str(val)
    elif isinstance(val, float):
        s = repr(val)
    else:
        s = str(val)
    return f"{s}:{lit.aval.str_short()}"


def _pp_param(v, names) -> str:
    if isinstance(v, core.ClosedJaxpr):
        return pp_jaxpr(v.jaxpr)
    if isinstance(v, Jaxpr):
        return pp_jaxpr(v)
    if isinstance(v, np.dtype):
        return v.name
    if isinstance(v, tuple) and v and all(isinstance(x, np.dtype) for x in v):
        return "(" + ", ".join(x.name for x in v) + ")"
    return str(v)


def pp_eqn(eqn, names=None) -> str:
    names = names or _Names()
    lhs = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in eqn.outvars)
    params = eqn.params
    hidden = getattr(eqn.primitive, "hidden_params", ())
    shown = [(k, params[k]) for k in sorted(params) if k not in hidden]
    p = ("[" + " ".join(f"{k}={_pp_param(v, names)}" for k, v in shown) + "]") if shown else ""
    rhs = " ".join(names(v) for v in eqn.invars)
    return f"{lhs} = {eqn.primitive.name}{p} {rhs}".rstrip()


def pp_jaxpr(jaxpr: Jaxpr) -> str:
    names = _Names()
    consts = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in jaxpr.constvars)
    ins = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in jaxpr.invars)
    eqns = [pp_eqn(e, names) for e in jaxpr.eqns]
    outs = ", ".join(names(v) for v in jaxpr.outvars)
    outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
    head = f"{{ lambda {consts}; {ins}. let"
    body = "".join(f"\n    {e}" for e in eqns)
    return f"{head}{body}\n  in {outs} }}"
