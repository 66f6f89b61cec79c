"""User-facing automatic differentiation: jvp, linearize, vjp, grad, value_and_grad,
linear_transpose.

Reverse mode is linearize + transpose: `vjp` linearizes the function (a JVP whose
tangent work is staged into a linear jaxpr, see `interpreters.partial_eval`) and the
pullback runs that jaxpr backwards (`interpreters.transpose`). These wrappers deal
with pytrees, `argnums`, `has_aux` and argument checking.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import Tracer
from cellax.interpreters import jvp as jvp_mod
from cellax.interpreters import partial_eval as pe
from cellax.interpreters.jvp import Zero, float0
from cellax.interpreters.staging import DebugInfo, fun_name, fun_source
from cellax.interpreters.transpose import UndefinedPrimal, backward_pass
from cellax.tree_util import (tree_flatten, tree_map, tree_structure, tree_unflatten)


def _instantiate_zeros(ts):
    return [jvp_mod.instantiate(t) for t in ts]


def _check_inputs_differentiable(fun_label: str, leaves, allow_int: bool) -> None:
    for x in leaves:
        aval = core.get_aval(x)
        dt = aval.dtype
        if dtypes.is_inexact(dt):
            continue
        if allow_int and (dt.kind in "iub"):
            continue
        if dt.kind in "iub":
            raise TypeError(
                f"{fun_label} requires real- or complex-valued inputs (input dtype that is a "
                f"sub-dtype of np.inexact), but got {dt.name}. If you want to use "
                "Boolean- or integer-valued inputs, use vjp or set allow_int to True.")
        raise TypeError(f"{fun_label} got an input of unsupported dtype {dt}")


def _as_array_leaves(leaves):
    from cellax.numpy import asarray
    out = []
    for x in leaves:
        if isinstance(x, (Tracer,)) or hasattr(x, "aval"):
            out.append(x)
        else:
            try:
                core.get_aval(x)
            except TypeError:
                raise TypeError(f"Argument '{x}' of type {type(x)} is not a valid JAX type")
            out.append(x if type(x) in (int, float, complex, bool) else asarray(x))
    return out


# ---------------------------------------------------------------------------------------
# Forward mode


def jvp(fun: Callable, primals, tangents, has_aux: bool = False):
    """(primals_out, tangents_out) of `fun` at `primals` along `tangents`."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primal and tangent arguments to jax.jvp must be tuples or lists; "
                        f"found {type(primals).__name__} and {type(tangents).__name__}.")
    p_flat, p_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise TypeError("primal and tangent arguments to jax.jvp must have the same tree "
                        f"structure; primals have tree structure {p_tree} whereas tangents "
                        f"have tree structure {t_tree}.")
    for p, t in zip(p_flat, t_flat):
        pa, ta = core.get_aval(p), core.get_aval(t)
        expected = jvp_mod.tangent_aval(pa)
        if ta.dtype != expected.dtype and not (expected.dtype == float0 and ta.dtype == float0):
            raise TypeError("primal and tangent arguments to jax.jvp do not match; dtypes must "
                            "be equal, or in case of int/bool primal dtype the tangent dtype "
                            f"must be float0. Got primal dtype {pa.dtype} and so expected "
                            f"tangent dtype {expected.dtype}, but got tangent dtype "
                            f"{ta.dtype} instead.")
        if pa.shape != ta.shape:
            raise ValueError("jvp called with different primal and tangent shapes;Got primal "
                             f"shape {pa.shape} and tangent shape as {ta.shape}")
    p_flat = _as_array_leaves(p_flat)
    flat_fun, box = _flatten_fun(fun, p_tree, has_aux, "jvp")

    t_in = [Zero.from_primal(p) if core.get_aval(t).dtype == float0 else t
            for p, t in zip(p_flat, t_flat)]
    primals_out, tangents_out = jvp_mod.jvp_flat(flat_fun, p_flat, t_in)
    out_tree, n = box["tree"], box["n_out"]
    tangents_out = _instantiate_zeros(tangents_out[:n])
    res = (tree_unflatten(out_tree, primals_out[:n]), tree_unflatten(out_tree, tangents_out))
    return (*res, _aux(box, primals_out)) if has_aux else res


def _flatten_fun(fun: Callable, in_tree, has_aux: bool, who: str):
    """`fun` on flat inputs returning flat outputs; `box` receives the output tree
    ("tree") and, with has_aux, the auxiliary data ("aux")."""
    box: dict = {}

    def flat_fun(*xs):
        out = fun(*tree_unflatten(in_tree, xs))
        aux_leaves = []
        if has_aux:
            out, aux = _split_aux(out, who)
            aux_leaves, box["aux_tree"] = tree_flatten(aux)
        leaves, box["tree"] = tree_flatten(out)
        box["n_out"] = len(leaves)
        # Auxiliary data leaves are extra (undifferentiated) outputs, so that they come out
        # of the transformation as values rather than as its tracers.
        return [*leaves, *aux_leaves]

    return flat_fun, box


def _aux(box, primals_out):
    return tree_unflatten(box["aux_tree"], list(primals_out[box["n_out"]:]))


def _split_aux(out, who):
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise ValueError(f"{who} with has_aux=True requires the function to return a pair "
                         f"(output, auxiliary_data), got {type(out).__name__}.")
    return out[0], _stop_gradient_tree(out[1])


def _stop_gradient_tree(tree):
    from cellax import lax
    return tree_map(lambda x: lax.stop_gradient(x) if isinstance(x, Tracer) else x, tree)


def linearize(fun: Callable, *primals, has_aux: bool = False):
    """(primals_out, f_jvp): f_jvp evaluates the linearized function (a staged jaxpr)."""
    p_flat, p_tree = tree_flatten(primals)
    p_flat = _as_array_leaves(p_flat)
    flat_fun, box = _flatten_fun(fun, p_tree, has_aux, "linearize")

    lin = pe.linearize_flat(flat_fun, p_flat, DebugInfo("linearize", fun_name(fun),
                                                        fun_source(fun), None),
                            num_main=lambda: box["n_out"])
    out_tree = box["tree"]
    aux = _aux(box, lin.primals_out) if has_aux else None
    lin.primals_out = lin.primals_out[:box["n_out"]]
    out_tangent_avals = lin.out_tangent_avals()

    def f_jvp(*tangents):
        t_flat, t_tree = tree_flatten(tangents)
        if t_tree != p_tree:
            raise TypeError(f"linearized function called on tangent values inconsistent "
                            f"with the original primal values: expected structure {p_tree}, "
                            f"got {t_tree}")
        nonzero = core.eval_jaxpr(lin.jaxpr, lin.consts, *t_flat)
        it = iter(nonzero)
        outs = [jvp_mod.zeros_like_aval(a) if z else next(it)
                for a, z in zip(out_tangent_avals, lin.out_zero)]
        return tree_unflatten(out_tree, outs)

    res = (tree_unflatten(out_tree, lin.primals_out), f_jvp)
    return (*res, aux) if has_aux else res


# ---------------------------------------------------------------------------------------
# Reverse mode


class _Pullback:
    """The vjp function: maps output cotangents to input cotangents."""

    def __init__(self, lin: pe.Linearized, in_tree, out_tree, in_avals):
        self._lin = lin
        self._in_tree = in_tree
        self._out_tree = out_tree
        self._in_avals = in_avals
        self._out_avals = [core.get_aval(p) for p in lin.primals_out]

    def __call__(self, *cts):
        ct = cts[0] if len(cts) == 1 else cts
        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != self._out_tree:
            raise TypeError(f"Tree structure of cotangent input {ct_tree}, does not match "
                            f"structure of primal output {self._out_tree}.")
        for c, a in zip(ct_flat, self._out_avals):
            ca = core.get_aval(c)
            ta = jvp_mod.tangent_aval(a)
            if ca.shape != a.shape:
                raise ValueError(f"unexpected JAX type (e.g. shape/dtype) for argument to vjp "
                                 f"function: got {ca.str_short()}, but expected "
                                 f"{ta.str_short()} because the corresponding output of the "
                                 f"function had shape {a.shape}.")
        lin = self._lin
        nonzero_cts = [c for c, z in zip(ct_flat, lin.out_zero) if not z]
        args = [UndefinedPrimal(a) for a in lin.in_avals]
        cts_in = backward_pass(lin.jaxpr, lin.consts, args, nonzero_cts)
        cts_in = [jvp_mod.zeros_like_aval(a) if type(c) is Zero or c is None else c
                  for c, a in zip(cts_in, lin.in_avals)]
        cts_in = [_cast_ct(c, a) for c, a in zip(cts_in, self._in_avals)]
        return tree_unflatten(self._in_tree, cts_in)


def _cast_ct(ct, primal_aval):
    """Cotangents take the primal's dtype."""
    if primal_aval.dtype == float0 or not dtypes.is_inexact(primal_aval.dtype):
        return ct
    aval = core.get_aval(ct)
    if aval.dtype != primal_aval.dtype:
        from cellax import lax
        return lax.convert_element_type(ct, primal_aval.dtype, aval.weak_type)
    return ct


def vjp(fun: Callable, *primals, has_aux: bool = False, reduce_axes=()):
    """(primals_out, vjp_fn[, aux]): vjp_fn maps output cotangents to input cotangents."""
    p_flat, p_tree = tree_flatten(primals)
    p_flat = _as_array_leaves(p_flat)
    flat_fun, box = _flatten_fun(fun, p_tree, has_aux, "vjp")

    lin = pe.linearize_flat(flat_fun, p_flat, DebugInfo("vjp", fun_name(fun), fun_source(fun),
                                                        None), num_main=lambda: box["n_out"])
    out_tree = box["tree"]
    aux = _aux(box, lin.primals_out) if has_aux else None
    lin.primals_out = lin.primals_out[:box["n_out"]]
    in_avals = [core.get_aval(p) for p in p_flat]
    pullback = _Pullback(lin, p_tree, out_tree, in_avals)
    out = tree_unflatten(out_tree, lin.primals_out)
    return (out, pullback, aux) if has_aux else (out, pullback)


def argnums_partial(fun: Callable, args, kwargs, nums):
    """(f, dyn_args): f takes only the arguments at positions `nums`, the others fixed."""
    def f_partial(*dyn):
        full = list(args)
        for i, d in zip(nums, dyn):
            full[i] = d
        return fun(*full, **kwargs)
    return f_partial, tuple(args[i] for i in nums)


def _normalize_argnums(argnums, nargs: int, who: str):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums and not single:
        raise ValueError(f"{who} argnums must be an int or a non-empty tuple of ints")
    for a in nums:
        if not isinstance(a, int):
            raise TypeError(f"{who} argnums must be ints, got {a!r} of type {type(a).__name__}")
        if not -nargs <= a < nargs:
            raise TypeError(f"Differentiating with respect to argnums={argnums} requires at "
                            f"least {max(nums) + 1 if a >= 0 else -a} positional arguments "
                            f"to be passed by the caller, but got only {nargs} positional "
                            f"arguments.")
    return single, tuple(a % nargs for a in nums)


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False, reduce_axes=()):
    """A function returning (fun(*args), gradient of fun with respect to argnums)."""
    label = "value_and_grad"

    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), label)
        f_partial, diff_args = argnums_partial(fun, args, kwargs, nums)
        leaves = tree_flatten(diff_args)[0]
        _check_inputs_differentiable("grad", leaves, allow_int)

        if has_aux:
            ans, pullback, aux = vjp(f_partial, *diff_args, has_aux=True)
        else:
            ans, pullback = vjp(f_partial, *diff_args)
        _check_scalar(ans)
        aval = core.get_aval(ans)
        from cellax import lax
        one = lax.full_like(ans, 1, shape=())  # weak if the output is
        grads = pullback(one)
        g = grads[0] if single else grads
        return ((ans, aux), g) if has_aux else (ans, g)

    return value_and_grad_f


def _check_scalar(x):
    leaves, tree = tree_flatten(x)
    msg = ("Gradient only defined for scalar-output functions. Output {}.")
    if len(leaves) != 1 or tree != tree_structure(0):
        raise TypeError(msg.format(f"was {x}" if not leaves else
                                   f"had {len(leaves)} leaves (a pytree), not one scalar"))
    aval = core.get_aval(leaves[0])
    if aval.shape != ():
        raise TypeError(msg.format(f"had shape: {aval.shape}"))
    if not dtypes.is_inexact(aval.dtype):
        raise TypeError(f"grad requires real- or complex-valued outputs (output dtype that is "
                        f"a sub-dtype of np.inexact), but got {aval.dtype.name}. For "
                        "holomorphic differentiation, pass holomorphic=True. For "
                        "differentiation of non-holomorphic functions involving complex "
                        "outputs, use jax.vjp directly.")
    if dtypes.is_complex(aval.dtype):
        raise TypeError(f"grad requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation, pass holomorphic=True.")


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False, reduce_axes=()):
    """The gradient of a scalar-valued `fun` with respect to its `argnums` arguments."""
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        return vg(*args, **kwargs)[1]

    return grad_f


def linear_transpose(fun: Callable, *primals, reduce_axes=()):
    """The transpose of the linear function `fun`, traced at the avals of `primals`."""
    from cellax.api import _abstractify
    from cellax.interpreters import staging
    p_flat, p_tree = tree_flatten(primals)
    avals = [_abstractify(x, fun_name(fun), lambda: "?") for x in p_flat]
    for a in avals:
        if not dtypes.is_inexact(a.dtype):
            raise TypeError(f"linear_transpose only supports [float or complex] -> [float or "
                            f"complex], and integer -> integer functions, but got "
                            f"{a.dtype.name}.")
    box = []

    def flat_fun(*xs):
        leaves, tree = tree_flatten(fun(*tree_unflatten(p_tree, xs)))
        box.append(tree)
        return leaves

    jaxpr, consts, _ = staging.trace_to_jaxpr(flat_fun, avals)
    out_tree = box[0]
    out_avals = [v.aval for v in jaxpr.outvars]

    def transposed_fun(*cts):
        ct = cts[0] if len(cts) == 1 else cts
        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise TypeError(f"cotangent tree does not match function output, expected "
                            f"{out_tree} but got {ct_tree}")
        for c, a in zip(ct_flat, out_avals):
            if core.get_aval(c).shape != a.shape:
                raise TypeError(f"cotangent type does not match function output, expected "
                                f"{a.str_short()} but got {core.get_aval(c).str_short()}")
        res = backward_pass(jaxpr, consts, [UndefinedPrimal(a) for a in avals], ct_flat)
        res = [jvp_mod.zeros_like_aval(a) if type(r) is Zero else r for r, a in zip(res, avals)]
        return tree_unflatten(p_tree, res)

    return transposed_fun


_unused = (Any, np)


# ---------------------------------------------------------------------------------------
# checkpoint / remat


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy=None,
               static_argnums: int | tuple[int, ...] = ()) -> Callable:
    """`fun` whose intermediate values are recomputed in the backward pass instead of
    being saved (the default policy: save nothing but the inputs)."""
    from cellax.api import _abstractify
    from cellax.core import ClosedJaxpr
    from cellax.interpreters import staging
    from cellax.primitives.call import remat_p
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)

    @functools.wraps(fun)
    def remat_f(*args, **kwargs):
        static = {i: args[i] for i in static_argnums}
        dyn = tuple(a for i, a in enumerate(args) if i not in static)
        flat, in_tree = tree_flatten((dyn, kwargs))
        avals = [_abstractify(x, fun_name(fun), lambda: "?") for x in flat]
        box = []

        def flat_fun(*xs):
            d, k = tree_unflatten(in_tree, xs)
            it = iter(d)
            full = [static[i] if i in static else next(it) for i in range(len(args))]
            leaves, tree = tree_flatten(fun(*full, **k))
            box.append(tree)
            return leaves

        jaxpr, consts, _ = staging.trace_to_jaxpr(flat_fun, avals)
        closed, lifted = staging.closed_jaxpr_with_const_inputs(jaxpr, consts)
        outs = remat_p.bind(*lifted, *flat, jaxpr=closed, prevent_cse=prevent_cse,
                            differentiated=False, policy=policy)
        return tree_unflatten(box[0], outs)

    return remat_f


remat = checkpoint
