"""User-defined derivatives: `custom_jvp` and `custom_vjp`, and their primitives.

`custom_jvp_call` carries the traced primal function and the user's JVP rule; the
JVP trace calls the rule instead of differentiating the primal. `custom_vjp_call`
runs the user's `fwd` under differentiation and emits `custom_lin`, a primitive
linear in the tangents whose transpose is the user's `bwd`; so reverse mode works
through linearize + transpose, and forward mode raises as in JAX.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from cellax import core
from cellax.core import ClosedJaxpr, Primitive
from cellax.interpreters import jvp as jvp_mod
from cellax.interpreters import lowering
from cellax.interpreters.staging import fun_name, trace_to_jaxpr
from cellax.tree_util import tree_flatten, tree_structure, tree_unflatten

# ---------------------------------------------------------------------------------------
# Shared: a call primitive evaluated by inlining its jaxpr


class _Named:
    """A callable param printed by its name (as JAX prints `jvp=f_jvp`)."""

    __slots__ = ("fn", "name")

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def __call__(self, *a, **k):
        return self.fn(*a, **k)

    def __repr__(self):
        return self.name

    def __hash__(self):
        return hash(id(self.fn))

    def __eq__(self, other):
        return isinstance(other, _Named) and other.fn is self.fn


def _inline_lowering(ctx, *args, call_jaxpr, **_):
    return lowering.lower_eqns(ctx.fn, call_jaxpr.jaxpr, call_jaxpr.consts, list(args))


def _call_impl(*args, call_jaxpr, **_):
    return core.eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args)


def _call_abstract_eval(*avals, call_jaxpr, **_):
    return list(call_jaxpr.out_avals)


def _prepare_call(fun, nondiff_argnums, args, kwargs):
    """Split the non-differentiable arguments out of a call and trace the primal function
    on the rest. Returns (flat dyn args, their tree, {index: static arg},
    with_static(dyn) -> full argument list, closed jaxpr, output tree)."""
    if kwargs or (nondiff_argnums and max(nondiff_argnums) >= len(args)):
        import inspect
        bound = inspect.signature(fun).bind(*args, **kwargs)
        bound.apply_defaults()  # as JAX: defaulted arguments are passed explicitly
        args = bound.args
    static = {i: args[i] for i in nondiff_argnums}
    dyn = tuple(a for i, a in enumerate(args) if i not in static)
    flat, in_tree = tree_flatten(dyn)
    avals = [core.get_aval(x) for x in flat]

    def with_static(dyn_args):
        it = iter(dyn_args)
        return [static[i] if i in static else next(it) for i in range(len(args))]

    closed, out_tree = _trace_flat(lambda *d: fun(*with_static(d)), in_tree, avals,
                                   fun_name(fun))
    return flat, in_tree, static, with_static, closed, out_tree


def _check_no_traced_nondiff(args, nondiff_argnums) -> None:
    from cellax.errors import UnexpectedTracerError
    from cellax.tree_util import tree_leaves
    for i in nondiff_argnums:
        if i < len(args) and any(isinstance(leaf, core.Tracer) for leaf in tree_leaves(args[i])):
            raise UnexpectedTracerError(
                "Found a JAX Tracer object passed as an argument to a custom_vjp function in a "
                "position indicated by nondiff_argnums as non-differentiable. Tracers cannot "
                "be passed as non-differentiable arguments to custom_vjp functions; instead, "
                "nondiff_argnums should only be used for arguments that can't be or contain "
                "JAX tracers, e.g. function-valued arguments. In particular, array-valued "
                "arguments should typically not be indicated as nondiff_argnums.")


def _trace_flat(fun, in_tree, avals, debug_name):
    box = []

    def flat_fun(*xs):
        out = fun(*tree_unflatten(in_tree, xs))
        leaves, tree = tree_flatten(out)
        box.append(tree)
        return leaves

    jaxpr, consts, _ = trace_to_jaxpr(flat_fun, avals)
    return ClosedJaxpr(jaxpr, consts), box[0]


# ---------------------------------------------------------------------------------------
# custom_jvp

custom_jvp_call_p = Primitive("custom_jvp_call")
custom_jvp_call_p.multiple_results = True
custom_jvp_call_p.def_impl(_call_impl)
custom_jvp_call_p.def_abstract_eval(_call_abstract_eval)
core.lowering_rules[custom_jvp_call_p] = _inline_lowering


def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp, name, symbolic_zeros,
                         num_consts=0):
    consts, primals = primals[:num_consts], primals[num_consts:]
    tangents = tangents[num_consts:]
    tangents = [jvp_mod.instantiate(t) for t in tangents]
    primals_out, tangents_out = jvp(consts, primals, tangents)
    return primals_out, tangents_out


core.jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp


def _custom_jvp_call_transpose(cts, *args, call_jaxpr, **params):
    """A custom_jvp function applied to tangents (inside another custom rule) is staged into
    the linear jaxpr; there its custom rule no longer matters and the call transposes as
    its primal function does."""
    from cellax.interpreters import transpose as tr_mod
    from cellax.primitives.call import transpose_jaxpr
    undefined = tuple(tr_mod.is_undefined_primal(a) for a in args)
    ct_nonzero = tuple(type(c) is not jvp_mod.Zero for c in cts)
    trans = transpose_jaxpr(call_jaxpr, undefined, ct_nonzero)
    outs = core.eval_jaxpr(trans.jaxpr, trans.consts,
                           *[a for a, u in zip(args, undefined) if not u],
                           *[c for c in cts if type(c) is not jvp_mod.Zero])
    it = iter(outs)
    return [next(it) if u else None for u in undefined]


core.transpose_rules[custom_jvp_call_p] = _custom_jvp_call_transpose


class custom_jvp:
    """A function with a user-defined JVP rule (`@f.defjvp`), as `jax.custom_jvp`."""

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None
        self.symbolic_zeros = False

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *tangent_fns: Callable | None) -> None:
        """One function per argument: `fn(tangent, primal_out, *primals)`."""
        def jvp(primals, tangents):
            primal_out = self(*primals)
            total = None
            for fn, t in zip(tangent_fns, tangents):
                if fn is None:
                    continue
                contrib = fn(t, primal_out, *primals)
                total = contrib if total is None else _tree_add(total, contrib)
            if total is None:
                from cellax import numpy as jnp
                total = _tree_map(jnp.zeros_like, primal_out)
            return primal_out, total
        self.defjvp(jvp)

    def __call__(self, *args, **kwargs):
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {fun_name(self.fun)} "
                                 "using defjvp.")
        nondiff = self.nondiff_argnums
        flat, in_tree, static, with_static, closed, out_tree = _prepare_call(
            self.fun, nondiff, args, kwargs)
        user_jvp = self.jvp

        def flat_jvp(consts, primals, tangents):
            p = tree_unflatten(in_tree, primals)
            t = tree_unflatten(in_tree, tangents)
            full_p = tuple(with_static(p))
            full_t = tuple(with_static(t))
            if nondiff:
                ndargs = [static[i] for i in nondiff]
                dyn_p = tuple(x for i, x in enumerate(full_p) if i not in static)
                dyn_t = tuple(x for i, x in enumerate(full_t) if i not in static)
                out = user_jvp(*ndargs, dyn_p, dyn_t)
            else:
                out = user_jvp(full_p, full_t)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"Custom JVP rule {fun_name(user_jvp)} must return a pair "
                                f"(primals_out, tangents_out), got {type(out).__name__}.")
            po, pt = tree_flatten(out[0])
            to, tt = tree_flatten(out[1])
            if pt != out_tree:
                raise TypeError(f"Custom JVP rule {fun_name(user_jvp)} must produce primal "
                                f"outputs with the same container structure as the primal "
                                f"function: expected {out_tree}, got {pt}.")
            if tt != out_tree:
                raise TypeError(f"Custom JVP rule {fun_name(user_jvp)} must produce primal "
                                f"and tangent outputs with equal container (pytree) "
                                f"structures, but got {pt} and {tt} respectively.")
            return po, to

        # Tracers of enclosing traces that the function closes over (e.g. a traced
        # nondiff argument under jit) become leading operands, as JAX's num_consts.
        from cellax.interpreters.staging import closed_jaxpr_with_const_inputs
        closed, lifted = closed_jaxpr_with_const_inputs(closed.jaxpr, closed.consts)
        params = dict(call_jaxpr=closed, jvp=_Named(flat_jvp, fun_name(user_jvp)),
                      name=fun_name(self.fun), symbolic_zeros=self.symbolic_zeros)
        if lifted:
            params["num_consts"] = len(lifted)
        outs = custom_jvp_call_p.bind(*lifted, *flat, **params)
        return tree_unflatten(out_tree, outs)


custom_jvp_call_p.leading_params = ("name",)


def _tree_add(a, b):
    from cellax.tree_util import tree_map
    return tree_map(lambda x, y: x + y, a, b)


def _tree_map(f, t):
    from cellax.tree_util import tree_map
    return tree_map(f, t)


# ---------------------------------------------------------------------------------------
# custom_vjp

custom_vjp_call_p = Primitive("custom_vjp_call")
custom_vjp_call_p.multiple_results = True
custom_vjp_call_p.def_impl(_call_impl)
custom_vjp_call_p.def_abstract_eval(_call_abstract_eval)
core.lowering_rules[custom_vjp_call_p] = _inline_lowering

custom_vjp_call_p.leading_params = ("name",)

custom_lin_p = Primitive("custom_lin")
custom_lin_p.multiple_results = True


def _custom_lin_impl(*args, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


def _custom_lin_abstract_eval(*avals, num_res, bwd, out_avals, in_avals):
    return list(out_avals)


custom_lin_p.def_impl(_custom_lin_impl)
custom_lin_p.def_abstract_eval(_custom_lin_abstract_eval)
core.lowering_rules[custom_lin_p] = lambda ctx, *a, **p: _custom_lin_impl()


def _custom_lin_jvp(primals, tangents, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


def _custom_lin_transpose(cts, *args, num_res, bwd, out_avals, in_avals):
    res = args[:num_res]
    cts = [jvp_mod.instantiate(c) for c in cts]
    cts_in = bwd(res, cts)
    return [None] * num_res + list(cts_in)


core.jvp_rules[custom_lin_p] = _custom_lin_jvp
core.transpose_rules[custom_lin_p] = _custom_lin_transpose


def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, name, symbolic_zeros):
    primals_out, res = fwd(primals)
    nonzero = [t for t in tangents]
    in_avals = [jvp_mod.tangent_aval(core.get_aval(p)) for p in primals]
    out_avals = [jvp_mod.tangent_aval(core.get_aval(p)) for p in primals_out]
    tangents_in = [jvp_mod.instantiate(t) for t in nonzero]
    tangents_out = custom_lin_p.bind(*res, *tangents_in, num_res=len(res), bwd=bwd,
                                     out_avals=tuple(out_avals), in_avals=tuple(in_avals))
    return primals_out, tangents_out


core.jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp


class custom_vjp:
    """A function with a user-defined VJP (`f.defvjp(fwd, bwd)`), as `jax.custom_vjp`."""

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd = None
        self.bwd = None
        self.symbolic_zeros = False

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> None:
        self.fwd, self.bwd, self.symbolic_zeros = fwd, bwd, symbolic_zeros

    def __call__(self, *args, **kwargs):
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function "
                                 f"{fun_name(self.fun)} using defvjp.")
        nondiff = self.nondiff_argnums
        if nondiff:
            _check_no_traced_nondiff(args, nondiff)
        flat, in_tree, static, with_static, closed, out_tree = _prepare_call(
            self.fun, nondiff, args, kwargs)
        dyn = tree_unflatten(in_tree, flat)
        fwd, bwd, fname = self.fwd, self.bwd, fun_name(self.fun)
        res_tree_box = []

        def flat_fwd(primals):
            out = fwd(*with_static(tree_unflatten(in_tree, primals)))
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"Custom VJP fwd rule {fun_name(fwd)} for function {fname} "
                                f"must produce a pair (list or tuple of length two) where the "
                                f"first element represents the primal output and the second "
                                f"element represents residuals, got {type(out).__name__}.")
            po, pt = tree_flatten(out[0])
            if pt != out_tree:
                raise TypeError(f"Custom VJP fwd rule {fun_name(fwd)} for function {fname} "
                                f"must produce a pair whose first element has the same "
                                f"container structure as the primal output: expected "
                                f"{out_tree}, got {pt}.")
            res, res_tree = tree_flatten(out[1])
            res_tree_box.append(res_tree)
            return po, res

        def flat_bwd(res, cts):
            res_t = tree_unflatten(res_tree_box[-1], list(res))
            ct_t = tree_unflatten(out_tree, list(cts))
            nd = [static[i] for i in nondiff]
            out = bwd(*nd, res_t, ct_t)
            if not isinstance(out, (tuple, list)):
                raise TypeError(f"Custom VJP bwd rule {fun_name(bwd)} must produce a tuple "
                                f"of length equal to the number of arguments to the primal "
                                f"function ({len(dyn)}), got {type(out).__name__}.")
            out = tuple(out)
            expected = tree_structure(dyn)
            got = tree_structure(tuple(out))
            if got != expected:
                # None stands for a zero cotangent of a whole argument, as in JAX.
                fixed = []
                if len(out) == len(dyn):
                    for o, d in zip(out, dyn):
                        fixed.append(_tree_map(lambda x: _zeros_like(x), d) if o is None else o)
                    got2 = tree_structure(tuple(fixed))
                    if got2 == expected:
                        out = tuple(fixed)
                        got = got2
            if got != expected:
                raise TypeError(
                    "Custom VJP bwd rule must produce an output with the same container "
                    "(pytree) structure as the args tuple of the primal function, and in "
                    "particular must produce a tuple of length equal to the number of "
                    f"arguments to the primal function, but got bwd output structure {got} "
                    f"for primal input structure {expected}.")
            leaves = tree_flatten(out)[0]
            for leaf, p in zip(leaves, flat):
                la, pa = core.get_aval(leaf), core.get_aval(p)
                if la.shape != pa.shape:
                    raise ValueError(
                        f"Custom VJP bwd rule {fun_name(bwd)} produced an output with shape "
                        f"{la.shape} for a primal input of shape {pa.shape}; they must match.")
            return leaves

        outs = custom_vjp_call_p.bind(*flat, call_jaxpr=closed,
                                      fwd=_Named(flat_fwd, fun_name(fwd)),
                                      bwd=_Named(flat_bwd, fun_name(bwd)),
                                      name=fname, symbolic_zeros=self.symbolic_zeros)
        return tree_unflatten(out_tree, outs)


def _zeros_like(x):
    from cellax import numpy as jnp
    return jnp.zeros_like(x)


_unused = Any


# ---------------------------------------------------------------------------------------
# Batching: the primal jaxpr is batched, and the user's rules run under vmap. Every input
# is given a leading batch axis (unbatched ones broadcast) so the rules see one layout.

from cellax.interpreters import batching as _batching  # noqa: E402


def _vmapped(fn, size):
    """fn(*groups of flat lists) run with every flat input batched along axis 0."""
    def run(*groups):
        lens = [len(g) for g in groups]
        flat = [x for g in groups for x in g]

        def flat_fn(*xs):
            it = iter(xs)
            regrouped = [[next(it) for _ in range(n)] for n in lens]
            out = fn(*regrouped)
            if isinstance(out, tuple) and len(out) == 2 and all(
                    isinstance(o, (list, tuple)) for o in out):
                flat_fn.split = len(out[0])
                return [*out[0], *out[1]]
            flat_fn.split = None
            return list(out)

        outs, dims = _batching.batch_flat(flat_fn, size, None, flat, [0] * len(flat))
        outs = [_batching.bdim_at_front(o, d, size) for o, d in zip(outs, dims)]
        if flat_fn.split is not None:
            return outs[:flat_fn.split], outs[flat_fn.split:]
        return outs
    return run


def _custom_jvp_call_batch(size, vals, dims, *, call_jaxpr, jvp, name, symbolic_zeros,
                           num_consts=0):
    vals = [_batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    from cellax.primitives.call import batched_call_jaxpr
    new_jaxpr, _ = _batching.batch_jaxpr(call_jaxpr, (True,) * len(vals), size,
                                         force_out_batched=True)
    new_jvp = _vmapped(jvp.fn, size)
    outs = custom_jvp_call_p.bind(*vals, call_jaxpr=new_jaxpr,
                                  jvp=_Named(new_jvp, jvp.name), name=name,
                                  symbolic_zeros=symbolic_zeros)
    _ = batched_call_jaxpr
    return outs, [0] * len(outs)


core.batching_rules[custom_jvp_call_p] = _custom_jvp_call_batch


def _custom_vjp_call_batch(size, vals, dims, *, call_jaxpr, fwd, bwd, name, symbolic_zeros):
    vals = [_batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    new_jaxpr, _ = _batching.batch_jaxpr(call_jaxpr, (True,) * len(vals), size,
                                         force_out_batched=True)
    new_fwd = _vmapped(lambda primals: fwd.fn(primals), size)
    new_bwd = _vmapped(lambda res, cts: bwd.fn(res, cts), size)
    outs = custom_vjp_call_p.bind(*vals, call_jaxpr=new_jaxpr,
                                  fwd=_Named(new_fwd, fwd.name), bwd=_Named(new_bwd, bwd.name),
                                  name=name, symbolic_zeros=symbolic_zeros)
    return outs, [0] * len(outs)


core.batching_rules[custom_vjp_call_p] = _custom_vjp_call_batch


def _custom_lin_batch(size, vals, dims, *, num_res, bwd, out_avals, in_avals):
    vals = [_batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    new_bwd = _vmapped(lambda res, cts: bwd.fn(res, cts), size)

    def batched(aval):
        return core.ShapedArray((size, *aval.shape), aval.dtype, aval.weak_type)

    outs = custom_lin_p.bind(*vals, num_res=num_res, bwd=_Named(new_bwd, bwd.name),
                             out_avals=tuple(batched(a) for a in out_avals),
                             in_avals=tuple(batched(a) for a in in_avals))
    return outs, [0] * len(outs)


core.batching_rules[custom_lin_p] = _custom_lin_batch
