"""The `scan` primitive: a loop over the leading axis of its scanned operands.

Operands are `[consts..., init carry..., xs...]`; the body `jaxpr` (a ClosedJaxpr) maps
`[consts, carry, x slices] -> [new carry, y slices]` and the results are
`[final carry..., stacked ys...]`. Params are JAX 0.10's: jaxpr, length, reverse,
num_consts, num_carry, unroll (unroll is kept but not used by the lowering).

Rules, all below the primitive:
  lowering       a `stablehlo.while` over an i32 counter: dynamic_slice of each x per
                 step, dynamic_update_slice of each y into its stacked buffer
  jvp            a scan of the jvp'd body; carries whose tangent becomes nonzero after
                 an iteration are found by a fixpoint
  partial eval   known/unknown split of the body: the known scan runs forward and emits
                 the residuals the unknown (linear) scan needs, stacked as extra ys;
                 residuals that are consts or xs are passed through, loop-invariant ones
                 are hoisted out of the loop
  transpose      a reverse scan of the transposed body: the carry cotangent flows
                 backwards, cotangents of linear consts accumulate in the carry
  batching       the batch dim moved into the body (axis 0 of consts and carry, axis 1
                 of xs and ys); carries that become batched are found by a fixpoint
"""
from __future__ import annotations

import numpy as np

from cellax import core, dispatch, dtypes
from cellax.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Primitive, ShapedArray, Var,
                         set_current_trace)
from cellax.interpreters import batching as _batching
from cellax.interpreters import jvp as _jvp
from cellax.interpreters import lowering as _lowering
from cellax.interpreters import partial_eval as _pe
from cellax.interpreters import staging as _staging
from cellax.interpreters import transpose as _tr
from cellax.interpreters.lowering import i64_array, tensor_type

from cellax.primitives.control_flow import _split

scan_p = Primitive("scan")
scan_p.multiple_results = True


def _stacked(length: int, aval: ShapedArray) -> ShapedArray:
    return ShapedArray((length, *aval.shape), aval.dtype, aval.weak_type)


def _unstacked(aval: ShapedArray) -> ShapedArray:
    return ShapedArray(aval.shape[1:], aval.dtype, aval.weak_type)


def _typematch(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def _scan_abstract_eval(*avals, reverse, length, jaxpr, num_consts, num_carry, unroll):
    in_avals = jaxpr.in_avals
    if len(avals) != len(in_avals):
        raise TypeError(f"scan: {len(avals)} operands for a body of {len(in_avals)} inputs")
    consts, init, xs = _split(avals, [num_consts, num_carry])
    j_consts, j_init, j_xs = _split(in_avals, [num_consts, num_carry])
    carry_out, ys = _split(jaxpr.out_avals, [num_carry])
    if not all(map(_typematch, j_init, carry_out)):
        raise TypeError("scan body carry input and output types mismatch: "
                        f"{[a.str_short() for a in j_init]} vs "
                        f"{[a.str_short() for a in carry_out]}")
    if not all(map(_typematch, consts, j_consts)) or not all(map(_typematch, init, j_init)):
        raise TypeError("scan called with consts or carry of types "
                        f"{[a.str_short() for a in consts + init]}, the body takes "
                        f"{[a.str_short() for a in j_consts + j_init]}")
    if not all(x.ndim >= 1 and x.shape[0] == length and _typematch(_unstacked(x), j)
               for x, j in zip(xs, j_xs)):
        raise TypeError(f"scan of length {length} called with xs of types "
                        f"{[a.str_short() for a in xs]}, the body takes slices of types "
                        f"{[a.str_short() for a in j_xs]}")
    return [*carry_out, *[_stacked(length, a) for a in ys]]


def _scan_impl(*args, **params):
    return dispatch.apply_primitive(scan_p, *args, **params)


scan_p.def_impl(_scan_impl)
scan_p.def_abstract_eval(_scan_abstract_eval)


# ---------------------------------------------------------------------------------------
# Lowering

_I32 = "tensor<i32>"


def _scan_lower(ctx, *args, reverse, length, jaxpr, num_consts, num_carry, unroll):
    avals_in = ctx.avals_in
    consts, init, xs = _split(list(args), [num_consts, num_carry])
    xs_avals = avals_in[num_consts + num_carry:]
    ys_avals = ctx.avals_out[num_carry:]
    if length == 0:  # no iteration: a while would still type-check a slice of size 1
        ys = [ctx.broadcast(ctx.constant(np.zeros((), a.dtype)), ShapedArray((), a.dtype),
                            a.shape) for a in ys_avals]
        return [*init, *ys]
    ys_init = [ctx.broadcast(ctx.constant(np.zeros((), a.dtype)), ShapedArray((), a.dtype),
                             a.shape) for a in ys_avals]
    operands = [ctx.constant(np.int32(0)), *consts, *init, *xs, *ys_init]
    types = [_I32, *[tensor_type(a) for a in avals_in], *[tensor_type(a) for a in ys_avals]]
    n_fixed = 1 + num_consts
    pred_t = "tensor<i1>"

    def cond(c, blk):
        limit = c.constant(np.int32(length))
        p = c.op("stablehlo.compare", [blk[0], limit], [_I32, _I32], [pred_t],
                 {"comparison_direction": "#stablehlo<comparison_direction LT>",
                  "compare_type": "#stablehlo<comparison_type SIGNED>"})[0]
        return [p], [pred_t]

    def body(c, blk):
        i, cs, carry, xs_b, ys_b = _split(blk, [1, num_consts, num_carry, len(xs)])
        i = i[0]
        if reverse:
            last = c.constant(np.int32(length - 1))
            idx = c.op("stablehlo.subtract", [last, i], [_I32, _I32], [_I32])[0]
        else:
            idx = i
        zero = c.constant(np.int32(0))
        x_slices = []
        for x, a in zip(xs_b, xs_avals):
            one = (1, *a.shape[1:])
            s = c.op("stablehlo.dynamic_slice", [x, idx, *[zero] * (a.ndim - 1)],
                     [tensor_type(a), *[_I32] * a.ndim], [tensor_type(one, a.dtype)],
                     {"slice_sizes": i64_array(one)})[0]
            x_slices.append(c.op("stablehlo.reshape", [s], [tensor_type(one, a.dtype)],
                                 [tensor_type(a.shape[1:], a.dtype)])[0])
        outs = _lowering.lower_eqns(c.fn, jaxpr.jaxpr, jaxpr.consts, [*cs, *carry, *x_slices])
        new_carry, ys = _split(outs, [num_carry])
        new_ys = []
        for buf, y, a in zip(ys_b, ys, ys_avals):
            one = (1, *a.shape[1:])
            u = c.op("stablehlo.reshape", [y], [tensor_type(a.shape[1:], a.dtype)],
                     [tensor_type(one, a.dtype)])[0]
            new_ys.append(c.op("stablehlo.dynamic_update_slice",
                               [buf, u, idx, *[zero] * (a.ndim - 1)],
                               [tensor_type(a), tensor_type(one, a.dtype), *[_I32] * a.ndim],
                               [tensor_type(a)])[0])
        one_i = c.constant(np.int32(1))
        i1 = c.op("stablehlo.add", [i, one_i], [_I32, _I32], [_I32])[0]
        return [i1, *cs, *new_carry, *xs_b, *new_ys], types

    cond_region = ctx.region(types, cond)
    body_region = ctx.region(types, body)
    res = ctx.op("stablehlo.while", operands, types, types,
                 regions=[cond_region, body_region])
    return [*res[n_fixed:n_fixed + num_carry], *res[len(res) - len(ys_avals):]]


core.lowering_rules[scan_p] = _scan_lower


# ---------------------------------------------------------------------------------------
# Shared helpers for the transformation rules

def _params(params, **kw):
    return dict(params, **kw)


def _is_float0(aval) -> bool:
    return aval.dtype == _jvp.float0 or not dtypes.is_inexact(aval.dtype)


class _IdentityCache:
    """A cache keyed on a jaxpr's identity (plus hashable extras); an entry only counts
    while the jaxpr it was made from is the one asked about."""

    def __init__(self):
        self.d: dict = {}

    def get(self, jaxpr, key):
        hit = self.d.get((id(jaxpr), key))
        if hit is not None and hit[0] is jaxpr:
            return hit[1]
        return None

    def put(self, jaxpr, key, value):
        if len(self.d) > 4096:
            self.d.clear()
        self.d[(id(jaxpr), key)] = (jaxpr, value)
        return value


_jvp_cache = _IdentityCache()
_transpose_cache = _IdentityCache()
_batch_cache = _IdentityCache()


# ---------------------------------------------------------------------------------------
# JVP


def _weak_tangent_aval(aval: ShapedArray) -> ShapedArray:
    """A tangent aval that keeps the primal's weak type (as JAX's tangents do)."""
    t = _jvp.tangent_aval(aval)
    return t.update(weak_type=aval.weak_type) if t.dtype == aval.dtype else t


def _jvp_body(closed: ClosedJaxpr, num_consts: int, num_carry: int, nonzeros, inst_carry):
    """The jvp of the body, with binders in scan order:
    [consts, consts_dot, carry, carry_dot, xs, xs_dot] -> [carry, carry_dot, ys, ys_dot]
    (only nonzero tangents; carry tangents in `inst_carry` always present).
    Returns (closed jaxpr, which outputs have a tangent)."""
    key = (num_consts, num_carry, tuple(nonzeros), tuple(inst_carry))
    hit = _jvp_cache.get(closed.jaxpr, key)
    if hit is not None:
        return hit
    in_avals = closed.in_avals
    n_in = len(in_avals)
    groups = [num_consts, num_carry, n_in - num_consts - num_carry]
    t_aval = _weak_tangent_aval
    nz_groups = _split(nonzeros, groups[:2])
    aval_groups = _split(in_avals, groups[:2])
    flat_avals = []
    for avals, nzs in zip(aval_groups, nz_groups):
        flat_avals += avals
        flat_avals += [t_aval(a) for a, nz in zip(avals, nzs) if nz]
    box = []

    def f(*args):
        primals, tangents = [], []
        it = iter(args)
        for avals, nzs in zip(aval_groups, nz_groups):
            ps = [next(it) for _ in avals]
            ts = [next(it) if nz else _jvp.Zero(t_aval(a)) for a, nz in zip(avals, nzs)]
            primals += ps
            tangents += ts
        po, to = _jvp.jvp_flat(lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs),
                               primals, tangents)
        to = [_jvp.Zero(t_aval(core.get_aval(p))) if _is_float0(core.get_aval(p)) else t
              for p, t in zip(po, to)]
        carry_p, ys_p = _split(po, [num_carry])
        carry_t, ys_t = _split(to, [num_carry])
        carry_t = [_jvp.instantiate(t) if inst else t for t, inst in zip(carry_t, inst_carry)]
        out_nz = [type(t) is not _jvp.Zero for t in carry_t + ys_t]
        box.append(out_nz)
        return [*carry_p, *[t for t in carry_t if type(t) is not _jvp.Zero],
                *ys_p, *[t for t in ys_t if type(t) is not _jvp.Zero]]

    jaxpr, consts, _ = _staging.trace_to_jaxpr(f, flat_avals)
    return _jvp_cache.put(closed.jaxpr, key, (ClosedJaxpr(jaxpr, consts), box[0]))


def _scan_jvp(primals, tangents, *, reverse, length, jaxpr, num_consts, num_carry, unroll):
    in_avals = jaxpr.in_avals
    nonzeros = [type(t) is not _jvp.Zero and not _is_float0(a)
                for t, a in zip(tangents, in_avals)]
    const_nz, init_nz, xs_nz = _split(nonzeros, [num_consts, num_carry])
    carry_nz = init_nz
    for _ in range(1 + num_carry):
        jvp_closed, out_nz = _jvp_body(jaxpr, num_consts, num_carry,
                                       const_nz + carry_nz + xs_nz, carry_nz)
        carry_out_nz = out_nz[:num_carry]
        if carry_out_nz == carry_nz:
            break
        carry_nz = [a or b for a, b in zip(carry_nz, carry_out_nz)]
    else:
        raise AssertionError("scan jvp: carry fixpoint not reached")
    consts, init, xs = _split(list(primals), [num_consts, num_carry])
    c_dot, i_dot, x_dot = _split(list(tangents), [num_consts, num_carry])
    c_dot = [t for t, nz in zip(c_dot, const_nz) if nz]
    i_dot = [_jvp.instantiate(t) for t, nz in zip(i_dot, carry_nz) if nz]
    x_dot = [t for t, nz in zip(x_dot, xs_nz) if nz]
    outs = scan_p.bind(*consts, *c_dot, *init, *i_dot, *xs, *x_dot, reverse=reverse,
                       length=length, jaxpr=jvp_closed, num_consts=num_consts + len(c_dot),
                       num_carry=num_carry + len(i_dot), unroll=unroll)
    n_ys = len(jaxpr.out_avals) - num_carry
    carry, carry_dot, ys, ys_dot = _split(outs, [num_carry, len(i_dot), n_ys])
    primals_out = carry + ys
    it = iter(carry_dot + ys_dot)
    tangents_out = [next(it) if nz else _jvp.Zero(_jvp.tangent_aval(core.get_aval(p)))
                    for p, nz in zip(primals_out, out_nz)]
    return primals_out, tangents_out


core.jvp_rules[scan_p] = _scan_jvp


# ---------------------------------------------------------------------------------------
# Partial evaluation


def _split_body(closed: ClosedJaxpr, num_consts: int, num_carry: int, in_uk, inst_out,
                hoist: bool):
    """A scan body split by which inputs are unknown.

    known:   [known consts, known carry, known xs] -> [known carry, known ys, stacked res]
    unknown: [intensive res, unknown consts, unknown carry, unknown xs, extensive res]
             -> [unknown carry, unknown ys]
    Each residual says where its value comes from (`res_src`):
      ("closed", k)   constant k of the closed body jaxpr  (intensive)
      ("const", k)    known const operand k (index among the known consts)  (intensive)
      ("hoisted", k)  output k of `hoist` (loop-invariant, computed before the loop)
      ("xs", k)       known xs operand k, passed through  (extensive)
      ("stacked", k)  stacked output k of the known scan  (extensive)
    """
    jaxpr = closed.jaxpr
    unknown = {v for v, u in zip(jaxpr.invars, in_uk) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        ins_uk = [type(v) is not Literal and v in unknown for v in eqn.invars]
        if not any(ins_uk):
            known_eqns.append(eqn)
            continue
        rule = _pe.partial_eval_jaxpr_rules.get(eqn.primitive)
        if rule is not None and not all(ins_uk):
            k_eqn, u_eqn, outs_uk = rule(eqn, ins_uk)
            if k_eqn is not None:
                known_eqns.append(k_eqn)
            unknown_eqns.append(u_eqn)
            unknown.update(v for v, o in zip(eqn.outvars, outs_uk) if o)
        else:
            unknown_eqns.append(eqn)
            unknown.update(eqn.outvars)
    out_uk = [(type(v) is not Literal and v in unknown) or bool(inst)
              for v, inst in zip(jaxpr.outvars, inst_out)]

    # Residuals: known vars read by the unknown side (or output by it, when instantiated).
    residuals, seen = [], set()

    def note(v):
        if type(v) is not Literal and v not in unknown and v not in seen:
            seen.add(v)
            residuals.append(v)

    for eqn in unknown_eqns:
        for v in eqn.invars:
            note(v)
    for v, u in zip(jaxpr.outvars, out_uk):
        if u:
            note(v)

    n_in = len(jaxpr.invars)
    kinds = [0] * num_consts + [1] * num_carry + [2] * (n_in - num_consts - num_carry)
    known_pos = {}  # invar -> (kind, index among the known inputs of that kind)
    counters = [0, 0, 0]
    for v, u, k in zip(jaxpr.invars, in_uk, kinds):
        if not u:
            known_pos[v] = (k, counters[k])
            counters[k] += 1
    const_index = {v: i for i, v in enumerate(jaxpr.constvars)}

    # Loop-variant values: anything computed from a known carry or x.
    variant = {v for v, (k, _) in known_pos.items() if k != 0}
    for eqn in known_eqns:
        if any(type(v) is not Literal and v in variant for v in eqn.invars):
            variant.update(eqn.outvars)

    res_src, stacked, hoisted = [], [], []
    for r in residuals:
        if r in const_index:
            res_src.append(("closed", const_index[r]))
        elif r in known_pos and known_pos[r][0] == 0:
            res_src.append(("const", known_pos[r][1]))
        elif r in known_pos and known_pos[r][0] == 2:
            res_src.append(("xs", known_pos[r][1]))
        elif hoist and r not in variant and r not in known_pos:
            res_src.append(("hoisted", len(hoisted)))
            hoisted.append(r)
        else:
            res_src.append(("stacked", len(stacked)))
            stacked.append(r)

    known_invars = [v for v, u in zip(jaxpr.invars, in_uk) if not u]
    known_outs = [v for v, u in zip(jaxpr.outvars, out_uk) if not u]
    known = Jaxpr(jaxpr.constvars, known_invars, known_outs + stacked, known_eqns,
                  jaxpr.debug_info)
    known, _ = _pe.dce_jaxpr(known)
    hoist_jaxpr = None
    if hoisted:
        const_invars = [v for v, u, k in zip(jaxpr.invars, in_uk, kinds) if not u and k == 0]
        hoist_jaxpr, _ = _pe.dce_jaxpr(Jaxpr(jaxpr.constvars, const_invars, hoisted,
                                             [e for e in known_eqns
                                              if not any(o in variant for o in e.outvars)],
                                             jaxpr.debug_info))

    intensive = [r for r, s in zip(residuals, res_src) if s[0] in ("closed", "const",
                                                                   "hoisted")]
    extensive = [r for r, s in zip(residuals, res_src) if s[0] in ("xs", "stacked")]
    # A residual var that is a body input keeps its Var as a binder of the unknown jaxpr;
    # make sure no Var is bound twice (an unknown input is never a residual).
    unknown_invars = [v for v, u in zip(jaxpr.invars, in_uk) if u]
    unknown_j = Jaxpr([], [*intensive, *unknown_invars, *extensive],
                      [v for v, u in zip(jaxpr.outvars, out_uk) if u], unknown_eqns,
                      jaxpr.debug_info)
    return dict(known=known, unknown=unknown_j, out_uk=out_uk, res_src=res_src,
                intensive_src=[s for s in res_src if s[0] in ("closed", "const", "hoisted")],
                extensive_src=[s for s in res_src if s[0] in ("xs", "stacked")],
                hoist=hoist_jaxpr, n_stacked=len(stacked))


_split_cache = _IdentityCache()


def _fixpoint_split(closed, num_consts, num_carry, unknowns, hoist):
    """`_split_body` with the carries that become unknown after an iteration found by a
    fixpoint (cached: an eager `grad` then reuses the known scan's compiled program)."""
    key = (num_consts, num_carry, tuple(unknowns), hoist)
    hit = _split_cache.get(closed.jaxpr, key)
    if hit is not None:
        return hit
    return _split_cache.put(closed.jaxpr, key,
                            _fixpoint_split_uncached(closed, num_consts, num_carry, unknowns,
                                                     hoist))


def _fixpoint_split_uncached(closed, num_consts, num_carry, unknowns, hoist):
    const_uk, carry_uk, xs_uk = _split(unknowns, [num_consts, num_carry])
    n_ys = len(closed.out_avals) - num_carry
    for _ in range(1 + num_carry):
        sp = _split_body(closed, num_consts, num_carry, const_uk + carry_uk + xs_uk,
                         carry_uk + [False] * n_ys, hoist)
        carry_uk_out = sp["out_uk"][:num_carry]
        if carry_uk_out == carry_uk:
            return sp, const_uk, carry_uk, xs_uk
        carry_uk = [a or b for a, b in zip(carry_uk, carry_uk_out)]
    raise AssertionError("scan partial eval: carry fixpoint not reached")


def _scan_partial_eval(trace, args, params):
    closed = params["jaxpr"]
    num_consts, num_carry = params["num_consts"], params["num_carry"]
    unknowns = [trace.is_unknown(a) for a in args]
    sp, const_uk, carry_uk, xs_uk = _fixpoint_split(closed, num_consts, num_carry, unknowns,
                                                    hoist=True)
    consts, init, xs = _split(list(args), [num_consts, num_carry])
    k_consts = [a for a, u in zip(consts, const_uk) if not u]
    k_init = [a for a, u in zip(init, carry_uk) if not u]
    k_xs = [a for a, u in zip(xs, xs_uk) if not u]
    known = sp["known"]
    with set_current_trace(trace.parent):
        hoisted = (core.eval_jaxpr(sp["hoist"], closed.consts, *k_consts)
                   if sp["hoist"] is not None else [])
        if known.outvars:
            known_outs = scan_p.bind(
                *k_consts, *k_init, *k_xs,
                **_params(params, jaxpr=ClosedJaxpr(known, closed.consts),
                          num_consts=len(k_consts), num_carry=len(k_init)))
        else:
            known_outs = []
    n_known_out = len(known_outs) - sp["n_stacked"]
    stacked = known_outs[n_known_out:]

    def value(src):
        kind, k = src
        return {"closed": closed.consts, "const": k_consts, "hoisted": hoisted,
                "xs": k_xs, "stacked": stacked}[kind][k]

    intensive = [value(s) for s in sp["intensive_src"]]
    extensive = [value(s) for s in sp["extensive_src"]]
    unknown_j = sp["unknown"]
    if unknown_j.outvars:
        u_args = [*intensive, *[a for a, u in zip(consts, const_uk) if u],
                  *[a for a, u in zip(init, carry_uk) if u],
                  *[a for a, u in zip(xs, xs_uk) if u], *extensive]
        unknown_outs = trace.staging.process_primitive(
            scan_p, u_args,
            _params(params, jaxpr=ClosedJaxpr(unknown_j, []),
                    num_consts=len(intensive) + sum(const_uk), num_carry=sum(carry_uk)))
    else:
        unknown_outs = []
    k_it, u_it = iter(known_outs[:n_known_out]), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in sp["out_uk"]]


_pe.partial_eval_rules[scan_p] = _scan_partial_eval


def _scan_partial_eval_jaxpr(eqn, ins_unknown):
    params = eqn.params
    closed = params["jaxpr"]
    num_consts, num_carry = params["num_consts"], params["num_carry"]
    length = params["length"]
    # No hoisting here: the known side must be one equation.
    sp, const_uk, carry_uk, xs_uk = _fixpoint_split(closed, num_consts, num_carry,
                                                    list(ins_unknown), hoist=False)
    consts, init, xs = _split(list(eqn.invars), [num_consts, num_carry])
    k_consts = [a for a, u in zip(consts, const_uk) if not u]
    k_init = [a for a, u in zip(init, carry_uk) if not u]
    k_xs = [a for a, u in zip(xs, xs_uk) if not u]
    known = sp["known"]
    out_uk = sp["out_uk"]
    n_stacked = sp["n_stacked"]
    stacked_vars = [Var(_stacked(length, v.aval))
                    for v in known.outvars[len(known.outvars) - n_stacked:]]
    known_eqn = None
    if known.outvars:
        known_eqn = JaxprEqn(
            [*k_consts, *k_init, *k_xs],
            [*[v for v, u in zip(eqn.outvars, out_uk) if not u], *stacked_vars], scan_p,
            _params(params, jaxpr=ClosedJaxpr(known, closed.consts),
                    num_consts=len(k_consts), num_carry=len(k_init)), eqn.source_info)
    # Residuals that are constants of the closed body stay constants of the unknown body.
    unknown_j = sp["unknown"]
    int_src = sp["intensive_src"]
    n_int = len(int_src)
    closed_pos = [i for i, s in enumerate(int_src) if s[0] == "closed"]
    int_vars = unknown_j.invars[:n_int]
    new_constvars = [int_vars[i] for i in closed_pos]
    new_consts = [closed.consts[int_src[i][1]] for i in closed_pos]
    kept_int = [i for i in range(n_int) if int_src[i][0] != "closed"]
    unknown_j = Jaxpr(new_constvars, [int_vars[i] for i in kept_int] + unknown_j.invars[n_int:],
                      unknown_j.outvars, unknown_j.eqns, unknown_j.debug_info)

    def atom(src):
        kind, k = src
        return {"const": k_consts, "xs": k_xs, "stacked": stacked_vars}[kind][k]

    intensive = [atom(int_src[i]) for i in kept_int]
    extensive = [atom(s) for s in sp["extensive_src"]]
    unknown_eqn = JaxprEqn(
        [*intensive, *[a for a, u in zip(consts, const_uk) if u],
         *[a for a, u in zip(init, carry_uk) if u], *[a for a, u in zip(xs, xs_uk) if u],
         *extensive],
        [v for v, u in zip(eqn.outvars, out_uk) if u], scan_p,
        _params(params, jaxpr=ClosedJaxpr(unknown_j, new_consts),
                num_consts=len(intensive) + sum(const_uk), num_carry=sum(carry_uk)),
        eqn.source_info)
    return known_eqn, unknown_eqn, out_uk


_pe.partial_eval_jaxpr_rules[scan_p] = _scan_partial_eval_jaxpr


# ---------------------------------------------------------------------------------------
# Transpose


def _transpose_body(closed: ClosedJaxpr, num_consts: int, num_carry: int,
                    const_lin, xs_lin, ct_ys_nz):
    """[res consts, ct const accumulators, ct carry, nonzero ct ys, res xs]
    -> [ct const accumulators, ct carry, ct linear xs]."""
    key = (num_consts, num_carry, const_lin, xs_lin, ct_ys_nz)
    hit = _transpose_cache.get(closed.jaxpr, key)
    if hit is not None:
        return hit
    in_avals = closed.in_avals
    c_avals, carry_avals, x_avals = _split(in_avals, [num_consts, num_carry])
    y_avals = closed.out_avals[num_carry:]
    t_aval = _jvp.tangent_aval
    res_c_avals = [a for a, lin in zip(c_avals, const_lin) if not lin]
    acc_avals = [t_aval(a) for a, lin in zip(c_avals, const_lin) if lin]
    ct_carry_avals = [t_aval(a) for a in carry_avals]
    ct_y_avals = [t_aval(a) for a, nz in zip(y_avals, ct_ys_nz) if nz]
    res_x_avals = [a for a, lin in zip(x_avals, xs_lin) if not lin]

    def f(*args):
        res_c, acc, ct_carry, ct_y, res_x = _split(
            list(args), [len(res_c_avals), len(acc_avals), len(ct_carry_avals),
                         len(ct_y_avals)])
        rc, rx, cy = iter(res_c), iter(res_x), iter(ct_y)
        primals = [_tr.UndefinedPrimal(a) if lin else next(rc)
                   for a, lin in zip(c_avals, const_lin)]
        primals += [_tr.UndefinedPrimal(a) for a in carry_avals]
        primals += [_tr.UndefinedPrimal(a) if lin else next(rx)
                    for a, lin in zip(x_avals, xs_lin)]
        cts_out = [*ct_carry, *[next(cy) if nz else _jvp.Zero(t_aval(a))
                                for a, nz in zip(y_avals, ct_ys_nz)]]
        cts_in = _tr.backward_pass(closed.jaxpr, closed.consts, primals, cts_out)
        ct_c, ct_carry_in, ct_x = _split(cts_in, [num_consts, num_carry])
        ct_c = [c for c, lin in zip(ct_c, const_lin) if lin]
        new_acc = [_cast(_jvp.instantiate(_jvp.add_tangents(a, _zero_if_none(c, av))), av)
                   for a, c, av in zip(acc, ct_c, acc_avals)]
        ct_carry_in = [_cast(_jvp.instantiate(_zero_if_none(c, av)), av)
                       for c, av in zip(ct_carry_in, ct_carry_avals)]
        lin_x_avals = [t_aval(a) for a, lin in zip(x_avals, xs_lin) if lin]
        ct_x = [_cast(_jvp.instantiate(_zero_if_none(c, av)), av)
                for c, av in zip([c for c, lin in zip(ct_x, xs_lin) if lin], lin_x_avals)]
        return [*new_acc, *ct_carry_in, *ct_x]

    jaxpr, consts, _ = _staging.trace_to_jaxpr(
        f, [*res_c_avals, *acc_avals, *ct_carry_avals, *ct_y_avals, *res_x_avals])
    return _transpose_cache.put(closed.jaxpr, key, ClosedJaxpr(jaxpr, consts))


def _zero_if_none(ct, aval):
    return _jvp.Zero(aval) if ct is None else ct


def _cast(x, aval):
    """Cotangents keep the carry's exact dtype (a weak-typed body value may differ)."""
    a = core.get_aval(x)
    if a.dtype != aval.dtype and aval.dtype != _jvp.float0:
        from cellax import lax
        return lax.convert_element_type(x, aval.dtype)
    return x


def _scan_transpose(cts, *args, reverse, length, jaxpr, num_consts, num_carry, unroll):
    consts, init, xs = _split(list(args), [num_consts, num_carry])
    const_lin = tuple(_tr.is_undefined_primal(a) for a in consts)
    xs_lin = tuple(_tr.is_undefined_primal(a) for a in xs)
    ct_carry, ct_ys = _split(list(cts), [num_carry])
    ct_ys_nz = tuple(type(c) is not _jvp.Zero for c in ct_ys)
    carry_avals = jaxpr.in_avals[num_consts:num_consts + num_carry]
    t_aval = _jvp.tangent_aval
    ct_carry = [_jvp.zeros_like_aval(t_aval(a)) if type(c) is _jvp.Zero else c
                for c, a in zip(ct_carry, carry_avals)]
    lin_c_avals = [t_aval(a) for a, lin in zip(jaxpr.in_avals[:num_consts], const_lin) if lin]
    acc0 = [_jvp.zeros_like_aval(a) for a in lin_c_avals]
    trans = _transpose_body(jaxpr, num_consts, num_carry, const_lin, xs_lin, ct_ys_nz)
    res_c = [a for a, lin in zip(consts, const_lin) if not lin]
    res_x = [a for a, lin in zip(xs, xs_lin) if not lin]
    outs = scan_p.bind(*res_c, *acc0, *ct_carry, *[c for c in ct_ys if type(c) is not
                                                    _jvp.Zero], *res_x,
                       reverse=not reverse, length=length, jaxpr=trans,
                       num_consts=len(res_c), num_carry=len(acc0) + num_carry, unroll=unroll)
    acc, ct_init, ct_xs = _split(outs, [len(acc0), num_carry])
    acc_it, xs_it = iter(acc), iter(ct_xs)
    return ([next(acc_it) if lin else None for lin in const_lin]
            + [c if _tr.is_undefined_primal(a) else None for c, a in zip(ct_init, init)]
            + [next(xs_it) if lin else None for lin in xs_lin])


core.transpose_rules[scan_p] = _scan_transpose


# ---------------------------------------------------------------------------------------
# Batching


def _batch_body(closed: ClosedJaxpr, in_batched, size: int, axis_name, inst_out):
    """The body over a leading batch axis of its batched inputs; outputs batched when
    the body makes them so or `inst_out` asks (batch axis first)."""
    key = (tuple(in_batched), size, axis_name, tuple(inst_out))
    hit = _batch_cache.get(closed.jaxpr, key)
    if hit is not None:
        return hit
    in_avals = [_stacked(size, a) if b else a for a, b in zip(closed.in_avals, in_batched)]
    box = []

    def f(*args):
        outs, dims = _batching.batch_flat(
            lambda *ys: core.eval_jaxpr(closed.jaxpr, closed.consts, *ys), size, axis_name,
            args, [0 if b else None for b in in_batched])
        res, batched = [], []
        for o, d, inst in zip(outs, dims, inst_out):
            if d is None and inst:
                o, d = _batching.broadcast_batched(o, size), 0
            elif d is not None:
                o = _batching.moveaxis(o, d, 0)
            res.append(o)
            batched.append(d is not None)
        box.append(batched)
        return res

    jaxpr, consts, _ = _staging.trace_to_jaxpr(f, in_avals)
    return _batch_cache.put(closed.jaxpr, key, (ClosedJaxpr(jaxpr, consts), box[0]))


def _scan_batch(size, vals, dims, *, axis_name=None, reverse, length, jaxpr, num_consts,
                num_carry, unroll):
    n_ys = len(jaxpr.out_avals) - num_carry
    batched = [d is not None for d in dims]
    const_b, init_b, xs_b = _split(batched, [num_consts, num_carry])
    carry_b = init_b
    for _ in range(1 + num_carry):
        body, out_b = _batch_body(jaxpr, const_b + carry_b + xs_b, size, axis_name,
                                  carry_b + [False] * n_ys)
        carry_out_b = out_b[:num_carry]
        if carry_out_b == carry_b:
            break
        carry_b = [a or b for a, b in zip(carry_b, carry_out_b)]
    else:
        raise AssertionError("scan batching: carry fixpoint not reached")
    consts, init, xs = _split(list(vals), [num_consts, num_carry])
    c_dims, i_dims, x_dims = _split(list(dims), [num_consts, num_carry])
    consts = [_batching.moveaxis(x, d, 0) if d is not None else x
              for x, d in zip(consts, c_dims)]
    init = [_batching.bdim_at_front(x, d, size) if b else x
            for x, d, b in zip(init, i_dims, carry_b)]
    xs = [_batching.moveaxis(x, d, 1) if d is not None else x for x, d in zip(xs, x_dims)]
    outs = scan_p.bind(*consts, *init, *xs, reverse=reverse, length=length, jaxpr=body,
                       num_consts=num_consts, num_carry=num_carry, unroll=unroll)
    return outs, [0 if b else None for b in carry_b] + [1 if b else None
                                                        for b in out_b[num_carry:]]


scan_p.batch_rule_takes_axis_name = True
core.batching_rules[scan_p] = _scan_batch


def clear_caches() -> None:
    _jvp_cache.d.clear()
    _transpose_cache.d.clear()
    _batch_cache.d.clear()
    _split_cache.d.clear()
