"""The `jit` call primitive: an equation carrying a closed jaxpr.

Staging records it as one equation (printed `jit[name=f jaxpr={ ... }]`); eager
evaluation compiles the jaxpr once and runs it; lowering emits a private function
and a `func.call`. Other transformations treat it like any primitive.
"""
from __future__ import annotations

from cellax import core, dispatch
from cellax.core import Primitive
from cellax.interpreters.lowering import tensor_type

jit_p = Primitive("jit")
jit_p.multiple_results = True
# JAX prints only the name and the jaxpr of a jit equation.
jit_p.hidden_params = ("donated_invars", "keep_unused", "inline", "device")


def _jit_impl(*args, jaxpr, name, donated_invars=(), keep_unused=False, inline=False,
              device=None):
    program = dispatch.compiled_jaxpr(jaxpr, name, device,
                                      donated_invars if any(donated_invars) else None)
    return program(args)


def _jit_abstract_eval(*avals, jaxpr, name, **_):
    expected = jaxpr.in_avals
    if len(avals) != len(expected) or any(
            a.shape != e.shape or a.dtype != e.dtype for a, e in zip(avals, expected)):
        raise TypeError(f"jit {name!r} called with argument types "
                        f"{[a.str_short() for a in avals]}, expected "
                        f"{[e.str_short() for e in expected]}")
    return list(jaxpr.out_avals)


def _jit_lower(ctx, *args, jaxpr, name, **_):
    callee = ctx.module.callee_for(jaxpr, name)
    return ctx.op("func.call", list(args), [tensor_type(a) for a in ctx.avals_in],
                  [tensor_type(a) for a in ctx.avals_out], {"callee": f"@{callee}"})


jit_p.def_impl(_jit_impl)
jit_p.def_abstract_eval(_jit_abstract_eval)
core.lowering_rules[jit_p] = _jit_lower
