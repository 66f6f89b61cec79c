"""Structured control flow: the `cond` and `while` primitives (and `empty2`).

`cond` carries `branches`, a tuple of closed jaxprs of one signature; its first operand
is an int32 index choosing the branch, the rest are the branches' operands. `while`
carries `cond_jaxpr` and `body_jaxpr`; its operands are the cond consts, the body consts
and the initial carry. Both lower to StableHLO control flow (`stablehlo.case`,
`stablehlo.while`) and follow JAX's rules under every transformation:

- jvp: the same primitive over jvp'd jaxprs (a fixpoint over which carries have
  nonzero tangents for `while`);
- partial evaluation: `cond` splits each branch into a known part that also returns
  residuals (merged across branches by type, each branch filling the slots it does not
  use with `empty2`) and an unknown part taking them; `while` runs its known carries and
  stages the whole loop for the rest;
- transpose: `cond` is transposed branch by branch; `while` cannot be (reverse mode
  raises JAX's ValueError);
- batching: a batched index turns `cond` into a `select_n` over every branch's outputs;
  a batched `while` predicate makes the loop run until every element is done, keeping
  finished elements' carries (the lowering reduces the predicate with `or` and selects).

The user-facing functions (`lax.cond`, `lax.switch`, `lax.while_loop`) live in
`cellax.lax.control_flow`.
"""
from __future__ import annotations

import enum
import itertools
from typing import Sequence

import numpy as np

from cellax import core, dispatch, dtypes
from cellax.core import (ClosedJaxpr, DropVar, Jaxpr, JaxprEqn, Literal, Primitive,
                         ShapedArray, Var, set_current_trace)
from cellax.interpreters import batching as _batching
from cellax.interpreters import jvp as _jvp
from cellax.interpreters import lowering as _lowering
from cellax.interpreters import partial_eval as _pe
from cellax.interpreters import staging as _staging
from cellax.interpreters import transpose as _tr
from cellax.interpreters.lowering import tensor_type
from cellax.primitives import elementwise as _ew
from cellax.primitives import shape as _sh


def _split(xs, sizes):
    out, i = [], 0
    for n in sizes:
        out.append(list(xs[i:i + n]))
        i += n
    out.append(list(xs[i:]))
    return out


def _merge(unknowns, known, unknown):
    k_it, u_it = iter(known), iter(unknown)
    return [next(u_it) if u else next(k_it) for u in unknowns]


# ---------------------------------------------------------------------------------------
# empty2: an uninitialized scalar (zeros here). Partial evaluation of `cond` fills the
# residual slots a branch does not use with it, as JAX does.


class MemorySpace(enum.Enum):
    Device = "device"

    def __str__(self):
        return f"MemorySpace.{self.name}"

    __repr__ = __str__


empty2_p = Primitive("empty2")


def _empty2_abstract_eval(*, dtype, memory_space=MemorySpace.Device):
    return ShapedArray((), dtype)


def _empty2_lower(ctx, *, dtype, memory_space=MemorySpace.Device):
    return ctx.constant(np.zeros((), dtype))


empty2_p.def_impl(lambda **params: dispatch.apply_primitive(empty2_p, **params))
empty2_p.def_abstract_eval(_empty2_abstract_eval)
core.lowering_rules[empty2_p] = _empty2_lower
_jvp.def_nondifferentiable(empty2_p)
core.batching_rules[empty2_p] = lambda size, vals, dims, **params: (
    empty2_p.bind(**params), None)


def empty_like_aval(aval: ShapedArray):
    """A placeholder value of `aval` (JAX's `ad_util.empty_like_aval`)."""
    x = empty2_p.bind(dtype=aval.dtype, memory_space=MemorySpace.Device)
    if aval.shape:
        x = _sh.broadcast_in_dim_p.bind(x, shape=tuple(aval.shape), broadcast_dimensions=(),
                                        sharding=None)
    return x


# ---------------------------------------------------------------------------------------
# Jaxpr helpers shared by the rules (each caches on the identity of the jaxpr)

_jvp_cache: dict = {}
_batch_cache: dict = {}
_transpose_cache: dict = {}
_pe_cache: dict = {}


def _cached(cache, closed, key, make):
    key = (id(closed.jaxpr), tuple(map(id, closed.consts)), *key)
    hit = cache.get(key)
    if hit is not None and hit[0] is closed.jaxpr:
        return hit[1]
    out = make()
    cache[key] = (closed.jaxpr, out, closed.consts)  # the consts too: their ids are keys
    return out


_memo_cache: dict = {}


def _memo(jaxprs: Sequence[ClosedJaxpr], extra, make):
    """`make()`, remembered for these jaxprs (by identity) and `extra`: rules that build new
    jaxprs must build the same objects for the same inputs, or every eager call would bind
    new params and compile again."""
    key = (tuple((id(j.jaxpr), tuple(map(id, j.consts))) for j in jaxprs), extra)
    hit = _memo_cache.get(key)
    if hit is not None and all(a is b.jaxpr for a, b in zip(hit[0], jaxprs)):
        return hit[1]
    out = make()
    _memo_cache[key] = (tuple(j.jaxpr for j in jaxprs), out, [j.consts for j in jaxprs])
    return out


def jvp_jaxpr(closed: ClosedJaxpr, nonzeros: Sequence[bool], instantiate):
    """(closed jaxpr of (primals, nonzero tangents) -> (primals, tangents that are nonzero
    or instantiated), which output tangents it returns)."""
    nonzeros = tuple(nonzeros)
    inst = (tuple([instantiate] * len(closed.out_avals)) if isinstance(instantiate, bool)
            else tuple(instantiate))

    def make():
        n = len(closed.in_avals)
        t_avals = [_jvp.tangent_aval(a) for a, nz in zip(closed.in_avals, nonzeros) if nz]
        box = []

        def f(*args):
            nz_t = iter(args[n:])
            tangents = [next(nz_t) if nz else _jvp.Zero(_jvp.tangent_aval(a))
                        for a, nz in zip(closed.in_avals, nonzeros)]
            po, to = _jvp.jvp_flat(
                lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs), args[:n],
                tangents)
            out_nz = [type(t) is not _jvp.Zero or i for t, i in zip(to, inst)]
            box.append(out_nz)
            return [*po, *[_jvp.instantiate(t) for t, nz in zip(to, out_nz) if nz]]

        jaxpr, consts, _ = _staging.trace_to_jaxpr(f, [*closed.in_avals, *t_avals])
        return ClosedJaxpr(jaxpr, consts), box[0]

    return _cached(_jvp_cache, closed, (nonzeros, inst), make)


def batch_jaxpr_axes(closed: ClosedJaxpr, in_dims: Sequence[int | None],
                     out_dims: Sequence[int | None], size: int, axis_name=None):
    """`closed` over a batch axis at `in_dims` of its inputs (None: not batched). An output
    whose `out_dims` entry is an int gets its batch axis there (broadcast if it was not
    batched); with None, a batched output gets it first and an unbatched one stays so.
    Returns (closed jaxpr, which outputs are batched)."""
    in_dims, out_dims = tuple(in_dims), tuple(out_dims)

    def make():
        in_avals = [a if d is None else
                    ShapedArray((*a.shape[:d], size, *a.shape[d:]), a.dtype, a.weak_type)
                    for a, d in zip(closed.in_avals, in_dims)]
        box = []

        def f(*xs):
            outs, dims = _batching.batch_flat(
                lambda *ys: core.eval_jaxpr(closed.jaxpr, closed.consts, *ys), size,
                axis_name, xs, in_dims)
            res, batched = [], []
            for o, d, want in zip(outs, dims, out_dims):
                if want is None:
                    res.append(o if d is None else _batching.moveaxis(o, d, 0))
                elif d is None:
                    res.append(broadcast_at(o, size, want))
                else:
                    res.append(_batching.moveaxis(o, d, want))
                batched.append(d is not None or want is not None)
            box.append(batched)
            return res

        jaxpr, consts, _ = _staging.trace_to_jaxpr(f, in_avals)
        return ClosedJaxpr(jaxpr, consts), box[0]

    return _cached(_batch_cache, closed, (in_dims, out_dims, size, axis_name), make)


def broadcast_at(x, size: int, axis: int):
    """`x` with a new axis of `size` at `axis` (JAX's `batching.broadcast`)."""
    aval = core.get_aval(x)
    shape = (*aval.shape[:axis], size, *aval.shape[axis:])
    dims = tuple(i for i in range(len(shape)) if i != axis)
    return _sh.broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=dims,
                                       sharding=None)


def partial_eval_jaxpr_nounits(closed: ClosedJaxpr, unknowns: Sequence[bool], instantiate):
    """Split `closed` by which inputs are unknown (JAX's `partial_eval_jaxpr_nounits`):
    known: [known inputs] -> [known outputs..., residuals...]
    unknown: [residuals..., unknown inputs] -> [unknown outputs...]
    Outputs marked in `instantiate` are unknown even when computable from known inputs.
    Returns (known, unknown, out_unknowns, residual avals)."""
    unknowns = tuple(unknowns)
    inst = (tuple([instantiate] * len(closed.out_avals)) if isinstance(instantiate, bool)
            else tuple(instantiate))

    def make():
        known, unknown, out_uk, res_fwd = _pe.partial_eval_jaxpr(closed.jaxpr, unknowns)
        n_res = len(res_fwd)
        res_vars = list(unknown.invars[:n_res])
        unknown_in = list(unknown.invars[n_res:])
        n_known_out = len(known.outvars) - sum(f is None for f in res_fwd)
        k_it, u_it = iter(known.outvars[:n_known_out]), iter(unknown.outvars)
        known_outs, unknown_outs, out_unknowns = [], [], []
        for uk, i in zip(out_uk, inst):
            if uk:
                unknown_outs.append(next(u_it))
                out_unknowns.append(True)
                continue
            v = next(k_it)
            if i:
                if type(v) is not Literal and v not in res_vars:
                    res_vars.append(v)
                unknown_outs.append(v)
                out_unknowns.append(True)
            else:
                known_outs.append(v)
                out_unknowns.append(False)
        k = Jaxpr(known.constvars, known.invars, [*known_outs, *res_vars], known.eqns,
                  known.debug_info)
        u = Jaxpr([], [*res_vars, *unknown_in], unknown_outs, unknown.eqns,
                  unknown.debug_info)
        return (ClosedJaxpr(k, closed.consts), ClosedJaxpr(u, []), out_unknowns,
                [v.aval for v in res_vars])

    return _cached(_pe_cache, closed, (unknowns, inst), make)


def transpose_jaxpr(closed: ClosedJaxpr, undefined: Sequence[bool],
                    ct_nonzero: Sequence[bool], instantiate):
    """A jaxpr mapping (non-linear inputs, nonzero output cotangents) to the cotangents of
    the linear (undefined) inputs that are nonzero or instantiated. Returns (closed jaxpr,
    which linear inputs' cotangents it returns)."""
    undefined, ct_nonzero = tuple(undefined), tuple(ct_nonzero)
    n_lin = sum(undefined)
    inst = tuple([instantiate] * n_lin) if isinstance(instantiate, bool) else tuple(instantiate)

    def make():
        res_avals = [a for a, u in zip(closed.in_avals, undefined) if not u]
        ct_avals = [_jvp.tangent_aval(a) for a, nz in zip(closed.out_avals, ct_nonzero) if nz]
        n_res = len(res_avals)
        box = []

        def f(*xs):
            res, cts_nz = iter(xs[:n_res]), iter(xs[n_res:])
            args = [_tr.UndefinedPrimal(a) if u else next(res)
                    for a, u in zip(closed.in_avals, undefined)]
            cts = [next(cts_nz) if nz else _jvp.Zero(_jvp.tangent_aval(a))
                   for a, nz in zip(closed.out_avals, ct_nonzero)]
            cts_in = _tr.backward_pass(closed.jaxpr, closed.consts, args, cts)
            lin = [ct for ct, u in zip(cts_in, undefined) if u]
            nz = [(ct is not None and type(ct) is not _jvp.Zero) or i
                  for ct, i in zip(lin, inst)]
            box.append(nz)
            out = []
            for ct, keep, a in zip(lin, nz, [a for a, u in zip(closed.in_avals, undefined)
                                             if u]):
                if keep:
                    out.append(_jvp.zeros_like_aval(_jvp.tangent_aval(a))
                               if ct is None or type(ct) is _jvp.Zero else ct)
            return out

        jaxpr, consts, _ = _staging.trace_to_jaxpr(f, [*res_avals, *ct_avals])
        return ClosedJaxpr(jaxpr, consts), box[0]

    return _cached(_transpose_cache, closed, (undefined, ct_nonzero, inst), make)


def fresh_vars(jaxpr: Jaxpr) -> Jaxpr:
    """A copy of `jaxpr` with new variables (its parts were cut from another jaxpr; sharing
    variables with it would make the printer reuse names)."""
    env: dict = {}

    def new(v):
        if type(v) is Literal:
            return v
        w = env.get(v)
        if w is None:
            w = env[v] = DropVar(v.aval) if isinstance(v, DropVar) else Var(v.aval)
        return w

    constvars = [new(v) for v in jaxpr.constvars]
    invars = [new(v) for v in jaxpr.invars]
    eqns = [e.replace(invars=[new(v) for v in e.invars], outvars=[new(v) for v in e.outvars])
            for e in jaxpr.eqns]
    return Jaxpr(constvars, invars, [new(v) for v in jaxpr.outvars], eqns, jaxpr.debug_info)


def clear_caches() -> None:
    for c in (_jvp_cache, _batch_cache, _transpose_cache, _pe_cache, _memo_cache):
        c.clear()


# ---------------------------------------------------------------------------------------
# cond

cond_p = Primitive("cond")
cond_p.multiple_results = True


def _cond_abstract_eval(index, *avals, branches):
    if not branches:
        raise core.JaxprTypeError("cond requires at least one branch function")
    if index.shape or index.dtype != dtypes.int32:
        raise core.JaxprTypeError(f"cond called with index of type {index.str_short()} "
                                  "instead of int32[]")
    b0 = branches[0]
    for i, b in enumerate(branches[1:]):
        if [(a.shape, a.dtype) for a in b.in_avals] != [(a.shape, a.dtype)
                                                          for a in b0.in_avals]:
            raise core.JaxprTypeError(
                f"cond branches 0 and {i + 1} have mismatching input types: "
                f"{_avals_short(b0.in_avals)} vs {_avals_short(b.in_avals)}")
        if [(a.shape, a.dtype) for a in b.out_avals] != [(a.shape, a.dtype)
                                                           for a in b0.out_avals]:
            raise core.JaxprTypeError(
                f"cond branches 0 and {i + 1} have mismatching output types: "
                f"{_avals_short(b0.out_avals)} vs {_avals_short(b.out_avals)}")
    if len(avals) != len(b0.in_avals) or any(
            a.shape != e.shape or a.dtype != e.dtype for a, e in zip(avals, b0.in_avals)):
        raise core.JaxprTypeError(
            f"cond branches take input types {_avals_short(b0.in_avals)}, called with "
            f"operands of type {_avals_short(avals)}")
    return list(b0.out_avals)


def _avals_short(avals) -> str:
    return " ".join(a.str_short() for a in avals)


def _cond_impl(*args, branches):
    return dispatch.apply_primitive(cond_p, *args, branches=branches)


def _cond_lower(ctx, index, *args, branches):
    out_types = [tensor_type(a) for a in ctx.avals_out]
    regions = []
    for branch in branches:
        def body(c, _, branch=branch):
            outs = _lowering.lower_eqns(c.fn, branch.jaxpr, branch.consts, list(args))
            return outs, out_types
        regions.append(ctx.region([], body))
    return ctx.op("stablehlo.case", [index], [tensor_type(ctx.avals_in[0])], out_types,
                  regions=regions)


cond_p.def_impl(_cond_impl)
cond_p.def_abstract_eval(_cond_abstract_eval)
core.lowering_rules[cond_p] = _cond_lower


def _cond_jvp(primals, tangents, *, branches):
    index, *ops = primals
    _, *ops_dot = tangents
    ops_nz = [type(t) is not _jvp.Zero for t in ops_dot]
    out_nz = [False] * len(branches[0].out_avals)
    for b in branches:
        out_nz = [a or b_ for a, b_ in zip(out_nz, jvp_jaxpr(b, ops_nz, False)[1])]
    branches_jvp = tuple(jvp_jaxpr(b, ops_nz, out_nz)[0] for b in branches)
    out = cond_p.bind(index, *ops, *[t for t in ops_dot if type(t) is not _jvp.Zero],
                      branches=branches_jvp)
    n = len(out_nz)
    primals_out, it = out[:n], iter(out[n:])
    tangents_out = [next(it) if nz else _jvp.Zero(_jvp.tangent_aval(a))
                    for a, nz in zip(branches[0].out_avals, out_nz)]
    return list(primals_out), tangents_out


core.jvp_rules[cond_p] = _cond_jvp


def _merge_branch_residuals(branch_res_avals):
    """Residual slots shared by type across branches (JAX's `_merge_branch_residuals`):
    [x], [y], [x, x] -> [x, y, x], [[0], [1], [0, 2]]."""
    def enumerate_equal(xs):
        counts = {v: itertools.count() for v in set(xs)}
        return [(x, next(counts[x])) for x in xs]
    tagged = [enumerate_equal(avals) for avals in branch_res_avals]
    all_tagged = list(dict.fromkeys(t for ts in tagged for t in ts))
    index = {t: i for i, t in enumerate(all_tagged)}
    return [a for a, _ in all_tagged], [[index[t] for t in ts] for ts in tagged]


def _join_cond_outputs(jaxprs, all_res_avals, res_indices, num_non_res):
    """Each known branch returns every residual slot, `empty2` in those it does not use."""
    def augment(closed, indices):
        def f(*args):
            outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
            outs, res = outs[:num_non_res], outs[num_non_res:]
            aug = [empty_like_aval(a) for a in all_res_avals]
            for i, r in zip(indices, res):
                aug[i] = r
            return [*outs, *aug]
        jaxpr, consts, _ = _staging.trace_to_jaxpr(f, closed.in_avals)
        return ClosedJaxpr(jaxpr, consts)
    return tuple(augment(j, ix) for j, ix in zip(jaxprs, res_indices))


def _join_cond_pe_staged_jaxpr_inputs(jaxprs, all_res_avals, res_indices):
    """Each unknown branch takes every residual slot, ignoring those it does not use."""
    all_res_vars = [Var(a) for a in all_res_avals]

    def augment(closed, indices):
        j = closed.jaxpr
        n = len(indices)
        res_vars = list(all_res_vars)
        for i, v in zip(indices, j.invars[:n]):
            res_vars[i] = v
        return ClosedJaxpr(Jaxpr(j.constvars, [*res_vars, *j.invars[n:]], j.outvars, j.eqns,
                                 j.debug_info), closed.consts)
    return tuple(augment(j, ix) for j, ix in zip(jaxprs, res_indices))


def _cond_split(branches, ops_uk):
    """(known branches, unknown branches, out_unknowns, residual avals)."""
    return _memo(branches, ("cond_split", tuple(ops_uk)),
                 lambda: _cond_split_uncached(branches, ops_uk))


def _cond_split_uncached(branches, ops_uk):
    n_out = len(branches[0].out_avals)
    out_uks = [False] * n_out
    for b in branches:
        uks = partial_eval_jaxpr_nounits(b, ops_uk, False)[2]
        out_uks = [a or b_ for a, b_ in zip(out_uks, uks)]
    known, unknown, res_avals = [], [], []
    for b in branches:
        k, u, _, r = partial_eval_jaxpr_nounits(b, ops_uk, out_uks)
        known.append(k)
        unknown.append(u)
        res_avals.append(r)
    all_res_avals, res_indices = _merge_branch_residuals(res_avals)
    num_known_outs = n_out - sum(out_uks)
    known = _join_cond_outputs(known, all_res_avals, res_indices, num_known_outs)
    unknown = _join_cond_pe_staged_jaxpr_inputs(unknown, all_res_avals, res_indices)
    return known, unknown, out_uks, all_res_avals


def _cond_partial_eval(trace, args, params):
    branches = params["branches"]
    index_uk, *ops_uk = [trace.is_unknown(a) for a in args]
    if index_uk:  # the branch is chosen by an unknown value: stage the whole cond
        return trace.staging.process_primitive(cond_p, args, params)
    known, unknown, out_uks, res_avals = _cond_split(branches, ops_uk)
    index, *ops = args
    with set_current_trace(trace.parent):
        outs = cond_p.bind(index, *[x for x, uk in zip(ops, ops_uk) if not uk],
                           branches=known)
    n_known = len(outs) - len(res_avals)
    known_outs, res = outs[:n_known], outs[n_known:]
    unknown_outs = []
    if any(out_uks):
        unknown_outs = trace.staging.process_primitive(
            cond_p, [index, *res, *[x for x, uk in zip(ops, ops_uk) if uk]],
            dict(params, branches=unknown))
    return _merge(out_uks, known_outs, unknown_outs)


_pe.partial_eval_rules[cond_p] = _cond_partial_eval


def _cond_partial_eval_jaxpr(eqn, ins_unknown):
    index_uk, *ops_uk = ins_unknown
    if index_uk:
        return None, eqn, [True] * len(eqn.outvars)
    known, unknown, out_uks, res_avals = _cond_split(eqn.params["branches"], ops_uk)
    # Inside a jaxpr being split the known branches lose their dead code (the `empty2`
    # fillers), as JAX's dead-code elimination of the enclosing jaxpr does.
    known = _memo(known, "dce", lambda: tuple(
        ClosedJaxpr(_pe.dce_jaxpr(k.jaxpr)[0], k.consts) for k in known))
    res_vars = [Var(a) for a in res_avals]
    index, *ops = eqn.invars
    known_eqn = JaxprEqn(
        [index, *[v for v, uk in zip(ops, ops_uk) if not uk]],
        [*[v for v, uk in zip(eqn.outvars, out_uks) if not uk], *res_vars], cond_p,
        dict(eqn.params, branches=known), eqn.source_info)
    unknown_eqn = JaxprEqn(
        [index, *res_vars, *[v for v, uk in zip(ops, ops_uk) if uk]],
        [v for v, uk in zip(eqn.outvars, out_uks) if uk], cond_p,
        dict(eqn.params, branches=unknown), eqn.source_info)
    return known_eqn, unknown_eqn, out_uks


_pe.partial_eval_jaxpr_rules[cond_p] = _cond_partial_eval_jaxpr


def _cond_transpose(cts, index, *args, branches):
    if _tr.is_undefined_primal(index):
        raise ValueError("cond: cannot transpose with respect to the branch index")
    undefined = tuple(_tr.is_undefined_primal(a) for a in args)
    ct_nz = tuple(type(c) is not _jvp.Zero for c in cts)
    n_lin = sum(undefined)
    in_nz = [False] * n_lin
    for b in branches:
        in_nz = [a or b_ for a, b_ in zip(in_nz, transpose_jaxpr(b, undefined, ct_nz,
                                                                 False)[1])]
    trans = tuple(transpose_jaxpr(b, undefined, ct_nz, in_nz)[0] for b in branches)
    outs = cond_p.bind(index, *[a for a, u in zip(args, undefined) if not u],
                       *[c for c, nz in zip(cts, ct_nz) if nz], branches=trans)
    out_it, nz_it = iter(outs), iter(in_nz)
    result = [None]
    for a, u in zip(args, undefined):
        if not u:
            result.append(None)
        else:
            result.append(next(out_it) if next(nz_it) else None)
    return result


core.transpose_rules[cond_p] = _cond_transpose


def _bcast_select(pred, on_true, on_false):
    p_aval, x_aval = core.get_aval(pred), core.get_aval(on_true)
    if p_aval.ndim != x_aval.ndim:
        pred = _sh.broadcast_in_dim_p.bind(pred, shape=x_aval.shape,
                                           broadcast_dimensions=tuple(range(p_aval.ndim)),
                                           sharding=None)
    return _ew.select_n_p.bind(pred, on_false, on_true)


def _bcast_select_n(pred, *cases):
    p_aval, x_aval = core.get_aval(pred), core.get_aval(cases[0])
    if p_aval.ndim != x_aval.ndim:
        pred = _sh.broadcast_in_dim_p.bind(pred, shape=x_aval.shape,
                                           broadcast_dimensions=tuple(range(p_aval.ndim)),
                                           sharding=None)
    return _ew.select_n_p.bind(pred, *cases)


def _stop_gradient(x):
    return _ew.stop_gradient_p.bind(x) if dtypes.is_inexact(core.get_aval(x).dtype) else x


def _cond_batch(size, vals, dims, *, branches, axis_name=None):
    index, *ops = vals
    index_dim, *op_dims = dims
    n_out = len(branches[0].out_avals)
    if index_dim is not None:
        # A batched index: every branch runs on the whole batch and the results are
        # selected. Each branch sees its operands through a stop_gradient where it is not
        # taken, so that reverse mode through the untaken branch adds no NaNs.
        index = _batching.bdim_at_front(index, index_dim, size)
        ops = [_batching.bdim_at_front(x, d, size) for x, d in zip(ops, op_dims)]
        branch_outs = []
        for i, b in enumerate(branches):
            bb, _ = batch_jaxpr_axes(b, [0] * len(ops), [0] * n_out, size, axis_name)
            pred = _ew.eq_p.bind(index, np.int32(i))
            ops_ = [_bcast_select(pred, x, _stop_gradient(x)) for x in ops]
            branch_outs.append(core.eval_jaxpr(bb.jaxpr, bb.consts, *ops_))
        out = [_bcast_select_n(index, *outs) for outs in zip(*branch_outs)]
        return out, [0] * n_out
    in_dims = [None if d is None else 0 for d in op_dims]
    ops = [x if d is None else _batching.moveaxis(x, d, 0) for x, d in zip(ops, op_dims)]
    out_bat = [False] * n_out
    for b in branches:
        bat = batch_jaxpr_axes(b, in_dims, [None] * n_out, size, axis_name)[1]
        out_bat = [a or b_ for a, b_ in zip(out_bat, bat)]
    out_dims = [0 if b else None for b in out_bat]
    new = tuple(batch_jaxpr_axes(b, in_dims, out_dims, size, axis_name)[0] for b in branches)
    return cond_p.bind(index, *ops, branches=new), out_dims


core.batching_rules[cond_p] = _cond_batch
cond_p.batch_rule_takes_axis_name = True


# ---------------------------------------------------------------------------------------
# while

while_p = Primitive("while")
while_p.multiple_results = True


def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cconsts, bconsts, init = _split(avals, [cond_nconsts, body_nconsts])
    if len(cond_jaxpr.in_avals) != len(cconsts) + len(init):
        raise core.JaxprTypeError(
            f"while_loop len(cond_jaxpr.in_avals)={len(cond_jaxpr.in_avals)} but "
            f"len(cond_consts_avals) + len(in_avals)={len(cconsts) + len(init)}")
    if len(body_jaxpr.in_avals) != len(bconsts) + len(init):
        raise core.JaxprTypeError(
            f"while_loop len(body_jaxpr.in_avals)={len(body_jaxpr.in_avals)} but "
            f"len(body_consts_avals) + len(in_avals)={len(bconsts) + len(init)}")
    return list(body_jaxpr.out_avals)


def _while_impl(*args, **params):
    return dispatch.apply_primitive(while_p, *args, **params)


def _while_lower(ctx, *args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    from cellax.primitives.reductions import emit_reduce
    types = [tensor_type(a) for a in ctx.avals_in]
    carry_avals = ctx.avals_in[cond_nconsts + body_nconsts:]
    pred_aval = cond_jaxpr.out_avals[0]
    batched = bool(pred_aval.shape)
    bool_scalar = tensor_type((), dtypes.bool_)

    def cond_region(c, bargs):
        x, _, z = _split(bargs, [cond_nconsts, body_nconsts])
        pred, = _lowering.lower_eqns(c.fn, cond_jaxpr.jaxpr, cond_jaxpr.consts, x + z)
        if batched:  # some element still running
            pred = emit_reduce(c, pred, pred_aval, tuple(range(pred_aval.ndim)),
                               "stablehlo.or", False)
        return [pred], [bool_scalar]

    def body_region(c, bargs):
        x, y, z = _split(bargs, [cond_nconsts, body_nconsts])
        new_z = _lowering.lower_eqns(c.fn, body_jaxpr.jaxpr, body_jaxpr.consts, y + z)
        if batched:  # finished elements keep their carry
            pred, = _lowering.lower_eqns(c.fn, cond_jaxpr.jaxpr, cond_jaxpr.consts, x + z)
            selected = []
            for new, old, aval in zip(new_z, z, carry_avals):
                p = c.broadcast(pred, pred_aval, aval.shape, dims=range(pred_aval.ndim))
                selected.append(c.op(
                    "stablehlo.select", [p, new, old],
                    [tensor_type(aval.shape, dtypes.bool_), tensor_type(aval),
                     tensor_type(aval)], [tensor_type(aval)])[0])
            new_z = selected
        return [*x, *y, *new_z], types

    regions = [ctx.region(types, cond_region), ctx.region(types, body_region)]
    outs = ctx.op("stablehlo.while", list(args), types, types, regions=regions)
    return outs[cond_nconsts + body_nconsts:]


while_p.def_impl(_while_impl)
while_p.def_abstract_eval(_while_abstract_eval)
core.lowering_rules[while_p] = _while_lower


def _while_jvp(primals, tangents, *, cond_nconsts, cond_jaxpr, body_nconsts, body_jaxpr):
    nonzeros = [type(t) is not _jvp.Zero for t in tangents]
    cconst_nz, bconst_nz, init_nz = _split(nonzeros, [cond_nconsts, body_nconsts])
    carry_nz = init_nz
    for _ in range(1 + len(carry_nz)):
        body_nonzeros = bconst_nz + carry_nz
        body_jvp, nonzeros_out = jvp_jaxpr(body_jaxpr, body_nonzeros, carry_nz)
        if nonzeros_out == carry_nz:
            break
        carry_nz = [a or b for a, b in zip(carry_nz, nonzeros_out)]
    else:
        raise AssertionError("while_loop jvp: fixpoint not reached")
    nonzeros = cconst_nz + body_nonzeros
    tangents = [_jvp.instantiate(t) if nz else t for t, nz in zip(tangents, nonzeros)]
    cconst, bconst, init = _split(primals, [cond_nconsts, body_nconsts])
    _, bconst_dot, init_dot = _split(tangents, [cond_nconsts, body_nconsts])
    bconst_dot = [t for t in bconst_dot if type(t) is not _jvp.Zero]
    init_dot = [t for t in init_dot if type(t) is not _jvp.Zero]
    num_carry = len(init)

    def make():
        # [bconsts, carry, bconst_dots, carry_dots] -> [bconsts, bconst_dots, carry, carry_dots]
        j = body_jvp.jaxpr
        b, c, bd, cd = _split(j.invars, [body_nconsts, num_carry, len(bconst_dot)])
        body_rearranged = ClosedJaxpr(Jaxpr(j.constvars, [*b, *bd, *c, *cd], j.outvars,
                                            j.eqns, j.debug_info), body_jvp.consts)
        cj = cond_jaxpr.jaxpr
        cond_augmented = ClosedJaxpr(
            Jaxpr(cj.constvars, [*cj.invars, *[Var(core.get_aval(t)) for t in init_dot]],
                  cj.outvars, cj.eqns, cj.debug_info), cond_jaxpr.consts)
        return body_rearranged, cond_augmented

    body_rearranged, cond_augmented = _memo(
        (body_jvp, cond_jaxpr), ("while_jvp", body_nconsts, num_carry, len(bconst_dot),
                                 tuple(core.get_aval(t) for t in init_dot)), make)
    out = while_p.bind(*cconst, *bconst, *bconst_dot, *init, *init_dot,
                       cond_nconsts=cond_nconsts, cond_jaxpr=cond_augmented,
                       body_nconsts=len(bconst) + len(bconst_dot), body_jaxpr=body_rearranged)
    out_carry, it = out[:num_carry], iter(out[num_carry:])
    out_tangents = [next(it) if nz else _jvp.Zero(_jvp.tangent_aval(core.get_aval(p)))
                    for p, nz in zip(out_carry, nonzeros_out)]
    return list(out_carry), out_tangents


core.jvp_rules[while_p] = _while_jvp


def _while_split(params, unknowns):
    """(input unknowns, carry unknowns, known loop's params, whether the condition is
    unknown) for partial evaluation."""
    return _memo((params["cond_jaxpr"], params["body_jaxpr"]),
                 ("while_split", params["cond_nconsts"], params["body_nconsts"],
                  tuple(unknowns)), lambda: _while_split_uncached(params, unknowns))


def _while_split_uncached(params, unknowns):
    cond_nconsts, body_nconsts = params["cond_nconsts"], params["body_nconsts"]
    cond_jaxpr, body_jaxpr = params["cond_jaxpr"], params["body_jaxpr"]
    cconst_uk, bconst_uk, carry_uk = _split(unknowns, [cond_nconsts, body_nconsts])
    for _ in range(1 + len(carry_uk)):
        body_known, _, carry_out_uk, _ = partial_eval_jaxpr_nounits(
            body_jaxpr, bconst_uk + carry_uk, carry_uk)
        if carry_out_uk == carry_uk:
            break
        carry_uk = [a or b for a, b in zip(carry_uk, carry_out_uk)]
    else:
        raise AssertionError("while_loop partial eval: fixpoint not reached")
    cond_known, _, (cond_uk,), _ = partial_eval_jaxpr_nounits(cond_jaxpr,
                                                              cconst_uk + carry_uk, False)
    num_known = len(carry_uk) - sum(carry_uk)
    bk = body_known.jaxpr
    body_known = ClosedJaxpr(fresh_vars(Jaxpr(bk.constvars, bk.invars, bk.outvars[:num_known],
                                              bk.eqns, bk.debug_info)), body_known.consts)
    ck = cond_known.jaxpr
    cond_known = ClosedJaxpr(fresh_vars(Jaxpr(ck.constvars, ck.invars, ck.outvars[:1], ck.eqns,
                                              ck.debug_info)), cond_known.consts)
    known_params = dict(cond_nconsts=len(cconst_uk) - sum(cconst_uk), cond_jaxpr=cond_known,
                        body_nconsts=len(bconst_uk) - sum(bconst_uk), body_jaxpr=body_known)
    return cconst_uk + bconst_uk + carry_uk, carry_uk, known_params, cond_uk


def _while_partial_eval(trace, args, params):
    # The known carries are computed by a loop of their own; the unknown ones by the whole
    # loop, staged (so nothing is saved for a backward pass: reverse mode is refused).
    unknowns = [trace.is_unknown(a) for a in args]
    ins_uk, carry_uk, known_params, cond_uk = _while_split(params, unknowns)
    if cond_uk or all(unknowns) or all(carry_uk):
        return trace.staging.process_primitive(while_p, args, params)
    with set_current_trace(trace.parent):
        out_known = while_p.bind(*[a for a, uk in zip(args, ins_uk) if not uk],
                                 **known_params)
    if not any(carry_uk):
        return out_known
    out_all = trace.staging.process_primitive(while_p, args, params)
    return _merge(carry_uk, out_known, [o for o, uk in zip(out_all, carry_uk) if uk])


_pe.partial_eval_rules[while_p] = _while_partial_eval


def _while_partial_eval_jaxpr(eqn, ins_unknown):
    ins_uk, carry_uk, known_params, cond_uk = _while_split(eqn.params, ins_unknown)
    if cond_uk or all(carry_uk):
        return None, eqn, [True] * len(eqn.outvars)
    known_eqn = JaxprEqn([v for v, uk in zip(eqn.invars, ins_uk) if not uk],
                         [v for v, uk in zip(eqn.outvars, carry_uk) if not uk], while_p,
                         known_params, eqn.source_info)
    # The staged loop recomputes the known carries too; their results are dropped there.
    unknown_eqn = eqn.replace(outvars=[v if uk else DropVar(v.aval)
                                       for v, uk in zip(eqn.outvars, carry_uk)])
    return known_eqn, unknown_eqn, carry_uk


_pe.partial_eval_jaxpr_rules[while_p] = _while_partial_eval_jaxpr


def _while_transpose(*_, **__):
    raise ValueError("Reverse-mode differentiation does not work for lax.while_loop or "
                     "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or "
                     "using fori_loop with static start/stop.")


core.transpose_rules[while_p] = _while_transpose


def _while_batch(size, vals, dims, *, cond_nconsts, cond_jaxpr, body_nconsts, body_jaxpr,
                 axis_name=None):
    cconsts, bconsts, init = _split(vals, [cond_nconsts, body_nconsts])
    cconst_dims, bconst_dims, init_dims = _split(dims, [cond_nconsts, body_nconsts])
    n = len(init)
    carry_bat = [d is not None for d in init_dims]
    for _ in range(1 + n):
        carry_in = [0 if b else None for b in carry_bat]
        _, out_bat = batch_jaxpr_axes(body_jaxpr, bconst_dims + carry_in, [None] * n, size,
                                      axis_name)
        new = [a or b for a, b in zip(carry_bat, out_bat)]
        if new == carry_bat:
            break
        carry_bat = new
    else:
        raise AssertionError("while_loop batching: fixpoint not reached")
    carry_in = [0 if b else None for b in carry_bat]
    _, (pred_bat,) = batch_jaxpr_axes(cond_jaxpr, cconst_dims + carry_in, [None], size,
                                      axis_name)
    if pred_bat:
        # Every element runs until all are done: the whole carry is batched.
        carry_dims = [0] * n
        new_body, _ = batch_jaxpr_axes(body_jaxpr, bconst_dims + carry_dims, carry_dims, size,
                                       axis_name)
        new_cond, _ = batch_jaxpr_axes(cond_jaxpr, cconst_dims + carry_dims, [0], size,
                                       axis_name)
    else:
        # The predicate's rank (nonzero under an enclosing batched loop) must stay a prefix
        # of the carries' shapes: batch dims go right after it.
        rank = len(cond_jaxpr.out_avals[0].shape)
        carry_dims = [rank if b else None for b in carry_bat]
        new_body, _ = batch_jaxpr_axes(body_jaxpr, bconst_dims + carry_dims, carry_dims, size,
                                       axis_name)
        new_cond, _ = batch_jaxpr_axes(cond_jaxpr, cconst_dims + carry_dims, [None], size,
                                       axis_name)
    new_init = []
    for x, old, new in zip(init, init_dims, carry_dims):
        if old is None and new is not None:
            new_init.append(broadcast_at(x, size, new))
        elif old is None:
            new_init.append(x)
        else:
            new_init.append(_batching.moveaxis(x, old, new))
    outs = while_p.bind(*cconsts, *bconsts, *new_init, cond_nconsts=cond_nconsts,
                        cond_jaxpr=new_cond, body_nconsts=body_nconsts, body_jaxpr=new_body)
    return outs, carry_dims


core.batching_rules[while_p] = _while_batch
while_p.batch_rule_takes_axis_name = True
