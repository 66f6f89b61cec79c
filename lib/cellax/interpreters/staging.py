"""Tracing Python functions into jaxprs (used by `make_jaxpr` and `jit`).

A `StagingTrace` records every primitive applied to its tracers as an equation.
Values from outside the trace (arrays, NumPy arrays, tracers of enclosing traces)
become constvars; Python and NumPy scalars become literals.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from cellax import core
from cellax.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, ShapedArray, Tracer, Var,
                         set_current_trace, user_source_info)


class DebugInfo:
    """What error messages and printers need to know about a traced function."""

    __slots__ = ("traced_for", "func_name", "func_src", "_arg_names", "result_paths")

    def __init__(self, traced_for: str, func_name: str, func_src: str | None,
                 arg_names: Sequence[str] | Callable[[], Sequence[str]] | None,
                 result_paths=None):
        self.traced_for = traced_for
        self.func_name = func_name
        self.func_src = func_src
        # Argument names are only needed by error messages and printers: a callable is
        # accepted so that computing them stays off the tracing path.
        self._arg_names = arg_names
        self.result_paths = result_paths

    @property
    def arg_names(self) -> tuple[str, ...] | None:
        names = self._arg_names
        if callable(names):
            names = self._arg_names = names()
        return tuple(names) if names is not None else None


def fun_name(f: Callable) -> str:
    while hasattr(f, "func") and not hasattr(f, "__name__"):  # functools.partial
        f = f.func
    return getattr(f, "__name__", type(f).__name__)


def fun_source(f: Callable) -> str | None:
    f = getattr(f, "__wrapped__", f)
    code = getattr(f, "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{code.co_firstlineno}"


class JaxprTracer(Tracer):
    __slots__ = ("_aval", "var")

    def __init__(self, trace, aval: ShapedArray, var: Var):
        self._trace = trace
        self._aval = aval
        self.var = var

    @property
    def aval(self) -> ShapedArray:
        return self._aval

    def _origin_msg(self) -> str:
        return self._trace.origin_msg(self.var)

    def __repr__(self):
        # JAX's form: JitTracer(~float32[]) ("~" marks a weak type).
        aval = self._aval
        return f"JitTracer({'~' if aval.weak_type else ''}{aval.str_short(False)})"


_LITERAL_TYPES = (int, float, complex, bool, np.generic)


class StagingTrace(core.Trace):
    """Records primitives applied to its tracers into a jaxpr."""

    def __init__(self, debug_info: DebugInfo | None = None):
        self.eqns: list[JaxprEqn] = []
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.const_vals: list[Any] = []
        self._const_atoms: dict[int, Var] = {}
        self.debug_info = debug_info

    def __repr__(self):
        return "StagingTrace"

    def new_arg(self, aval: ShapedArray) -> JaxprTracer:
        v = Var(aval)
        self.invars.append(v)
        return JaxprTracer(self, aval, v)

    def literal_tracer(self, value, aval: ShapedArray) -> JaxprTracer:
        """A tracer for a scalar constant created while tracing (`jnp.float32(2)`,
        `jnp.zeros(())`): like JAX, it is inlined as a literal into the equations that use
        it, and it is not concrete (`float()` of it raises, as of any tracer)."""
        if isinstance(value, np.ndarray):
            value = value[()]
        return JaxprTracer(self, aval, Literal(value, aval))

    def atom(self, x):
        """The Var or Literal standing for `x` in this trace's jaxpr."""
        if type(x) is JaxprTracer and x._trace is self:
            return x.var
        if isinstance(x, Tracer):
            if not x._trace.live:
                raise core.escaped_tracer_error(x)
            return self._const_var(x)
        if isinstance(x, _LITERAL_TYPES) or (isinstance(x, np.ndarray) and x.shape == ()):
            aval = core.get_aval(x)
            return Literal(x, aval)
        return self._const_var(x)

    def _const_var(self, x) -> Var:
        v = self._const_atoms.get(id(x))
        if v is None:
            v = Var(core.get_aval(x).strip_weak_type() if isinstance(x, np.ndarray)
                    else core.get_aval(x))
            self._const_atoms[id(x)] = v
            self.constvars.append(v)
            self.const_vals.append(x)
        return v

    def process_primitive(self, primitive, args, params):
        invars = [self.atom(x) for x in args]
        out = primitive.abstract_eval(*[v.aval for v in invars], **params)
        src = user_source_info()
        if primitive.multiple_results:
            outvars = [Var(a) for a in out]
            self.eqns.append(JaxprEqn(invars, outvars, primitive, params, src))
            return [JaxprTracer(self, v.aval, v) for v in outvars]
        v = Var(out)
        self.eqns.append(JaxprEqn(invars, [v], primitive, params, src))
        return JaxprTracer(self, out, v)

    def to_jaxpr(self, outs: Sequence[Any]) -> tuple[Jaxpr, list[Any]]:
        outvars = [self.atom(x) for x in outs]
        jaxpr = Jaxpr(self.constvars, self.invars, outvars, self.eqns, self.debug_info)
        return jaxpr, list(self.const_vals)

    # -- error messages ---------------------------------------------------------------

    def origin_msg(self, var: Var) -> str:
        """Where a traced value came from, in JAX's words: the function being traced and the
        arguments the value depends on (or, for a value computed from constants only, the
        operations that made it)."""
        dbg = self.debug_info
        if dbg is None:
            return ""
        producers = {}
        for eqn in self.eqns:
            for o in eqn.outvars:
                producers[o] = eqn
        self._constvar_set = set(self.constvars)
        seen, todo, deps, roots = set(), [var], set(), []
        invar_index = {v: i for i, v in enumerate(self.invars)}
        while todo:
            v = todo.pop()
            if v in seen or isinstance(v, Literal):
                continue
            seen.add(v)
            if v in invar_index:
                deps.add(invar_index[v])
            elif v in producers:
                eqn = producers[v]
                # As JAX: the operations that brought a constant (a literal or a closed-over
                # array) into the computation.
                if any(isinstance(x, Literal) or x in self._constvar_set for x in eqn.invars):
                    roots.append(eqn)
                todo.extend(eqn.invars)
        where = f" at {dbg.func_src}" if dbg.func_src else ""
        msg = (f"The error occurred while tracing the function {dbg.func_name}{where} for "
               f"{dbg.traced_for}. ")
        arg_names = dbg.arg_names
        if deps and arg_names:
            names = [arg_names[i] for i in sorted(deps) if i < len(arg_names)]
            if len(names) == 1:
                args = f"the argument {names[0]}"
            elif len(names) == 2:
                args = f"the arguments {names[0]} and {names[1]}"
            else:
                args = f"the arguments {', '.join(names[:-1])}, and {names[-1]}"
            msg += ("This concrete value was not available in Python because it depends on "
                    f"the value{'s' if len(names) > 1 else ''} of {args}.")
        elif roots:
            roots.sort(key=self.eqns.index)
            lines = [f"  operation {_pp_eqn(e)}\n    from line {e.source_info}"
                     for e in roots[:5]]
            msg += ("This value became a tracer due to operations on these lines:\n\n"
                    + "\n\n".join(lines))
            if len(roots) > 5:
                msg += "\n\n(Additional originating lines are not shown.)"
        return "\n" + msg


def _pp_eqn(eqn) -> str:
    try:
        from cellax.pretty import pp_eqn
        return pp_eqn(eqn)
    except Exception:  # noqa: BLE001 - an error message must never fail to build
        return str(eqn.primitive)


def trace_to_jaxpr(fun: Callable, in_avals: Sequence[ShapedArray],
                   debug_info: DebugInfo | None = None) -> tuple[Jaxpr, list[Any], list[Any]]:
    """Trace `fun` (flat arrays in, flat list out) to a jaxpr.

    Returns (jaxpr, const values, flat outputs as traced).
    """
    trace = StagingTrace(debug_info)
    in_tracers = [trace.new_arg(a) for a in in_avals]
    try:
        with set_current_trace(trace):
            outs = fun(*in_tracers)
        jaxpr, consts = trace.to_jaxpr(outs)
    finally:
        trace.invalidate()
    return jaxpr, consts, outs


def closed_jaxpr_with_const_inputs(jaxpr: Jaxpr, consts: Sequence[Any]):
    """Split consts into those that must become explicit inputs (tracers of enclosing
    traces) and those that stay closed over (concrete values)."""
    if not any(isinstance(c, Tracer) for c in consts):
        return ClosedJaxpr(jaxpr, consts), []
    keep_vars, keep_vals, lift_vars, lift_vals = [], [], [], []
    for v, c in zip(jaxpr.constvars, consts):
        if isinstance(c, Tracer):
            lift_vars.append(v)
            lift_vals.append(c)
        else:
            keep_vars.append(v)
            keep_vals.append(c)
    new = Jaxpr(keep_vars, lift_vars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns,
                jaxpr.debug_info)
    return ClosedJaxpr(new, keep_vals), lift_vals
