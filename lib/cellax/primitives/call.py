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


# ---------------------------------------------------------------------------------------
# Autodiff rules: jvp (a jvp'd jaxpr in a new jit), partial evaluation (split into a known
# and an unknown jit, so primal work stays out of the linear jaxpr), and transpose.

from cellax.core import ClosedJaxpr, JaxprEqn, Var, set_current_trace  # noqa: E402
from cellax.interpreters import jvp as _jvp  # noqa: E402
from cellax.interpreters import partial_eval as _pe  # noqa: E402
from cellax.interpreters import staging as _staging  # noqa: E402
from cellax.interpreters import transpose as _tr  # noqa: E402

_jvp_cache: dict = {}
_transpose_cache: dict = {}


def jvp_jaxpr(closed: ClosedJaxpr, nonzeros: tuple[bool, ...]):
    """(closed jaxpr of (primals, nonzero tangents) -> (primals, nonzero tangents),
    which output tangents are nonzero)."""
    key = (id(closed.jaxpr), nonzeros)
    hit = _jvp_cache.get(key)
    if hit is not None and hit[0] is closed.jaxpr:
        return hit[1], hit[2]
    n = len(closed.in_avals)
    t_avals = [_jvp.tangent_aval(a) for a, nz in zip(closed.in_avals, nonzeros) if nz]
    box = []

    def f(*args):
        nz_t = iter(args[n:])
        tangents = [next(nz_t) if nz else _jvp.Zero(_jvp.tangent_aval(a))
                    for a, nz in zip(closed.in_avals, nonzeros)]
        po, to = _jvp.jvp_flat(lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs),
                               args[:n], tangents)
        box.append(tuple(type(t) is not _jvp.Zero for t in to))
        return [*po, *[t for t in to if type(t) is not _jvp.Zero]]

    jaxpr, consts, _ = _staging.trace_to_jaxpr(f, [*closed.in_avals, *t_avals])
    out = ClosedJaxpr(jaxpr, consts)
    _jvp_cache[key] = (closed.jaxpr, out, box[0])
    return out, box[0]


def _with_jaxpr(params, jaxpr: ClosedJaxpr, name: str | None = None) -> dict:
    new = dict(params, jaxpr=jaxpr, donated_invars=(False,) * len(jaxpr.in_avals))
    if name is not None:
        new["name"] = name
    return new


def call_jvp_rule(prim, new_params):
    """JVP of a call primitive: the same primitive over the jvp'd jaxpr.
    `new_params(params, jaxpr)` gives the new equation's params."""
    def rule(primals, tangents, **params):
        closed = params["jaxpr"]
        nonzeros = tuple(type(t) is not _jvp.Zero for t in tangents)
        jvp_closed, out_nz = jvp_jaxpr(closed, nonzeros)
        outs = prim.bind(*primals, *[t for t in tangents if type(t) is not _jvp.Zero],
                         **new_params(params, jvp_closed))
        n = len(closed.out_avals)
        it = iter(outs[n:])
        tangent_out = [next(it) if nz else _jvp.Zero(_jvp.tangent_aval(a))
                       for a, nz in zip(closed.out_avals, out_nz)]
        return list(outs[:n]), tangent_out
    return rule


core.jvp_rules[jit_p] = call_jvp_rule(jit_p, _with_jaxpr)


def _jit_partial_eval(trace, args, params):
    closed = params["jaxpr"]
    unknowns = [trace.is_unknown(a) for a in args]
    known_j, unknown_j, out_unknowns, res_forward = _pe.partial_eval_jaxpr(closed.jaxpr,
                                                                         unknowns)
    known_closed = ClosedJaxpr(known_j, closed.consts)
    known_args = [a for a, u in zip(args, unknowns) if not u]
    with set_current_trace(trace.parent):
        known_outs = jit_p.bind(*known_args, **_with_jaxpr(params, known_closed))
    n_known = len(known_outs) - sum(f is None for f in res_forward)
    computed = iter(known_outs[n_known:])
    residuals = [next(computed) if f is None else known_args[f] for f in res_forward]
    unknown_outs = trace.staging.process_primitive(
        jit_p, [*residuals, *[a for a, u in zip(args, unknowns) if u]],
        _with_jaxpr(params, ClosedJaxpr(unknown_j, [])))
    k_it, u_it = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_unknowns]


_pe.partial_eval_rules[jit_p] = _jit_partial_eval


def _jit_partial_eval_jaxpr(eqn, ins_unknown):
    closed = eqn.params["jaxpr"]
    known_j, unknown_j, out_unknowns, res_forward = _pe.partial_eval_jaxpr(closed.jaxpr,
                                                                         ins_unknown)
    known_in = [v for v, u in zip(eqn.invars, ins_unknown) if not u]
    n_computed = sum(f is None for f in res_forward)
    computed_vars = [Var(v.aval) for v in known_j.outvars[len(known_j.outvars) - n_computed:]]
    it = iter(computed_vars)
    res_vars = [next(it) if f is None else known_in[f] for f in res_forward]
    known_eqn = JaxprEqn(
        known_in,
        [*[v for v, u in zip(eqn.outvars, out_unknowns) if not u], *computed_vars], jit_p,
        _with_jaxpr(eqn.params, ClosedJaxpr(known_j, closed.consts)), eqn.source_info)
    unknown_eqn = JaxprEqn(
        [*res_vars, *[v for v, u in zip(eqn.invars, ins_unknown) if u]],
        [v for v, u in zip(eqn.outvars, out_unknowns) if u], jit_p,
        _with_jaxpr(eqn.params, ClosedJaxpr(unknown_j, [])), eqn.source_info)
    return known_eqn, unknown_eqn, out_unknowns


_pe.partial_eval_jaxpr_rules[jit_p] = _jit_partial_eval_jaxpr


def transpose_jaxpr(closed: ClosedJaxpr, undefined: tuple[bool, ...],
                    ct_nonzero: tuple[bool, ...]) -> ClosedJaxpr:
    """A jaxpr mapping (non-linear inputs, nonzero output cotangents) to the cotangents of
    the linear (undefined) inputs."""
    key = (id(closed.jaxpr), undefined, ct_nonzero)
    hit = _transpose_cache.get(key)
    if hit is not None and hit[0] is closed.jaxpr:
        return hit[1]
    res_avals = [a for a, u in zip(closed.in_avals, undefined) if not u]
    ct_avals = [_jvp.tangent_aval(a) for a, nz in zip(closed.out_avals, ct_nonzero) if nz]
    n_res = len(res_avals)

    def f(*xs):
        res, cts_nz = iter(xs[:n_res]), iter(xs[n_res:])
        args = [_tr.UndefinedPrimal(a) if u else next(res)
                for a, u in zip(closed.in_avals, undefined)]
        cts = [next(cts_nz) if nz else _jvp.Zero(_jvp.tangent_aval(a))
               for a, nz in zip(closed.out_avals, ct_nonzero)]
        cts_in = _tr.backward_pass(closed.jaxpr, closed.consts, args, cts)
        return [_jvp.instantiate(ct) for ct, u in zip(cts_in, undefined) if u]

    jaxpr, consts, _ = _staging.trace_to_jaxpr(f, [*res_avals, *ct_avals])
    out = ClosedJaxpr(jaxpr, consts)
    _transpose_cache[key] = (closed.jaxpr, out)
    return out


def call_transpose_rule(prim, new_params):
    """Transpose of a call primitive: the same primitive over the transposed jaxpr."""
    def rule(cts, *args, **params):
        closed = params["jaxpr"]
        undefined = tuple(_tr.is_undefined_primal(a) for a in args)
        ct_nonzero = tuple(type(c) is not _jvp.Zero for c in cts)
        trans = transpose_jaxpr(closed, undefined, ct_nonzero)
        outs = prim.bind(*[a for a, u in zip(args, undefined) if not u],
                         *[c for c in cts if type(c) is not _jvp.Zero],
                         **new_params(params, trans))
        it = iter(outs)
        return [next(it) if u else None for u in undefined]
    return rule


core.transpose_rules[jit_p] = call_transpose_rule(jit_p, _with_jaxpr)


def clear_autodiff_caches() -> None:
    _jvp_cache.clear()
    _transpose_cache.clear()


# ---------------------------------------------------------------------------------------
# remat2 (`checkpoint`): a call whose residuals are not saved for the backward pass; under
# partial evaluation the unknown side recomputes the primal values it needs.

remat_p = Primitive("remat2")
remat_p.multiple_results = True


def _remat_impl(*args, jaxpr, prevent_cse=True, differentiated=False, policy=None):
    return core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def _remat_abstract_eval(*avals, jaxpr, **_):
    return list(jaxpr.out_avals)


def _remat_lower(ctx, *args, jaxpr, **_):
    from cellax.interpreters import lowering
    return lowering.lower_eqns(ctx.fn, jaxpr.jaxpr, jaxpr.consts, list(args))


remat_p.def_impl(_remat_impl)
remat_p.def_abstract_eval(_remat_abstract_eval)
core.lowering_rules[remat_p] = _remat_lower


core.jvp_rules[remat_p] = call_jvp_rule(remat_p, lambda params, j: dict(params, jaxpr=j))


def _remat_split(closed: ClosedJaxpr, unknowns):
    """(known jaxpr without residuals, unknown jaxpr recomputing from all inputs,
    out_unknowns)."""
    known_j, _, out_unknowns, res_forward = _pe.partial_eval_jaxpr(closed.jaxpr, unknowns)
    n_known_out = len(out_unknowns) - sum(out_unknowns)
    known_j, _ = _pe.dce_jaxpr(core.Jaxpr(known_j.constvars, known_j.invars,
                                          known_j.outvars[:n_known_out], known_j.eqns,
                                          known_j.debug_info))
    j = closed.jaxpr
    rec, _ = _pe.dce_jaxpr(core.Jaxpr(j.constvars, j.invars,
                                      [v for v, u in zip(j.outvars, out_unknowns) if u],
                                      j.eqns, j.debug_info))
    return ClosedJaxpr(known_j, closed.consts), ClosedJaxpr(rec, closed.consts), out_unknowns


def _remat_partial_eval(trace, args, params):
    closed = params["jaxpr"]
    unknowns = [trace.is_unknown(a) for a in args]
    known, recompute, out_unknowns = _remat_split(closed, unknowns)
    with set_current_trace(trace.parent):
        known_outs = core.eval_jaxpr(known.jaxpr, known.consts,
                                     *[a for a, u in zip(args, unknowns) if not u])
    unknown_outs = trace.staging.process_primitive(
        remat_p, list(args), dict(params, jaxpr=recompute, differentiated=True))
    k_it, u_it = iter(known_outs), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_unknowns]


_pe.partial_eval_rules[remat_p] = _remat_partial_eval


def _remat_partial_eval_jaxpr(eqn, ins_unknown):
    known, recompute, out_unknowns = _remat_split(eqn.params["jaxpr"], ins_unknown)
    known_eqn = JaxprEqn([v for v, u in zip(eqn.invars, ins_unknown) if not u],
                         [v for v, u in zip(eqn.outvars, out_unknowns) if not u], remat_p,
                         dict(eqn.params, jaxpr=known), eqn.source_info)
    unknown_eqn = JaxprEqn(list(eqn.invars), [v for v, u in zip(eqn.outvars, out_unknowns)
                                              if u], remat_p,
                           dict(eqn.params, jaxpr=recompute, differentiated=True),
                           eqn.source_info)
    return known_eqn, unknown_eqn, out_unknowns


_pe.partial_eval_jaxpr_rules[remat_p] = _remat_partial_eval_jaxpr


core.transpose_rules[remat_p] = call_transpose_rule(
    remat_p, lambda params, j: dict(params, jaxpr=j, differentiated=True))


# ---------------------------------------------------------------------------------------
# Batching rules for call primitives: batch the inner jaxpr (batched inputs first-axis).

from cellax.interpreters import batching as _batching  # noqa: E402

_batch_cache: dict = {}


def batched_call_jaxpr(closed: ClosedJaxpr, in_batched: tuple[bool, ...], size: int,
                       axis_name=None):
    key = (id(closed.jaxpr), in_batched, size, axis_name)
    hit = _batch_cache.get(key)
    if hit is not None and hit[0] is closed.jaxpr:
        return hit[1], hit[2]
    out, out_batched = _batching.batch_jaxpr(closed, in_batched, size, axis_name)
    _batch_cache[key] = (closed.jaxpr, out, out_batched)
    return out, out_batched


def _call_batch_rule(prim):
    prim.batch_rule_takes_axis_name = True

    def rule(size, vals, dims, *, axis_name=None, **params):
        closed = params["jaxpr"]
        in_batched = tuple(d is not None for d in dims)
        vals = [_batching.moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)]
        new, out_batched = batched_call_jaxpr(closed, in_batched, size, axis_name)
        new_params = dict(params, jaxpr=new)
        if "donated_invars" in params:
            new_params["donated_invars"] = (False,) * len(vals)
        outs = prim.bind(*vals, **new_params)
        return outs, [0 if b else None for b in out_batched]
    return rule


core.batching_rules[jit_p] = _call_batch_rule(jit_p)
core.batching_rules[remat_p] = _call_batch_rule(remat_p)
