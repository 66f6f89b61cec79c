"""User-facing vectorization: `vmap`, and the Jacobians built on it (`jacfwd`, `jacrev`,
`jacobian`, `hessian`).

`vmap` handles pytrees of `in_axes`/`out_axes` (prefix trees), negative axes, `None`,
keyword arguments (mapped over axis 0), `axis_size` and `axis_name`; the batching
trace (`interpreters.batching`) does the work on flat lists.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from cellax import core
from cellax.interpreters import batching
from cellax.interpreters.staging import fun_name
from cellax.tree_util import (broadcast_prefix, tree_flatten, tree_map, tree_structure,
                              tree_transpose, tree_unflatten)


def _describe_arg(i, arg_names):
    return f"argument {arg_names[i]}" if arg_names and i < len(arg_names) else f"argument {i}"


def _flat_axes(axes, tree, what: str, fname: str) -> list:
    try:
        return broadcast_prefix(axes, tree, is_leaf=lambda x: x is None)
    except ValueError as e:
        raise ValueError(f"vmap {what} specification must be a tree prefix of the "
                         f"corresponding value, got specification {axes} for value tree "
                         f"{tree_structure(tree)}. ({fname}: {e})") from None


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name=None,
         axis_size: int | None = None, spmd_axis_name=None) -> Callable:
    """Vectorize `fun` over the `in_axes` of its arguments (see JAX's `vmap`)."""
    if not callable(fun):
        raise TypeError(f"vmap requires a callable; got {fun!r}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or isinstance(in_axes, (int, tuple, dict)) or
            type(in_axes).__module__ != "builtins"):
        raise TypeError("vmap in_axes must be an int, None, or a tuple of entries "
                        f"corresponding to the positional arguments passed to the function, "
                        f"but got {in_axes}.")
    fname = fun_name(fun)

    @functools.wraps(fun)
    def vmap_f(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError("vmap in_axes must be an int, None, or a tuple of entries "
                             "corresponding to the positional arguments passed to the "
                             f"function, but got len(in_axes)={len(in_axes)}, "
                             f"len(args)={len(args)}")
        flat_args, in_tree = tree_flatten((args, kwargs))
        axes_args = _flat_axes(in_axes if isinstance(in_axes, tuple) else in_axes, args,
                               "in_axes", fname) if args else []
        axes_kwargs = [0] * len(tree_flatten(kwargs)[0])
        flat_axes = list(axes_args) + axes_kwargs
        names = _leaf_names(fun, args, kwargs)
        dims, size = _check_axes(flat_args, flat_axes, axis_size, names, fname)
        box = []

        def flat_fun(*xs):
            a, k = tree_unflatten(in_tree, xs)
            out = fun(*a, **k)
            leaves, tree = tree_flatten(out)
            box.append((tree, out))
            return leaves

        outs, out_dims = batching.batch_flat(flat_fun, size, axis_name, flat_args, dims)
        out_tree, out_struct = box[0]
        flat_out_axes = _flat_axes(out_axes, out_struct, "out_axes", fname) if outs else []
        results = []
        for o, d, ax in zip(outs, out_dims, flat_out_axes):
            if ax is None:
                if d is not None:
                    raise ValueError(
                        f"vmap has mapped output but out_axes is None (function {fname}). "
                        "An output with out_axes=None must not depend on the mapped inputs; "
                        "use out_axes=0 to return it batched.")
                results.append(o)
                continue
            nd = core.get_aval(o).ndim + (1 if d is None else 0)
            if not -nd <= ax < nd:
                raise ValueError(f"vmap out_axes specification {ax} is out of bounds for an "
                                 f"output of rank {nd} (function {fname}).")
            ax = ax % nd
            if d is None:
                o = batching.broadcast_batched(o, size)
                d = 0
            results.append(batching.moveaxis(o, d, ax))
        return tree_unflatten(out_tree, results)

    return vmap_f


def _leaf_names(fun, args, kwargs) -> list[str]:
    try:
        from cellax.api import _arg_names
        return _arg_names(fun, args, kwargs)
    except Exception:  # noqa: BLE001 - names only decorate an error message
        return []


def _check_axes(flat_args, flat_axes, axis_size, names, fname):
    dims, sizes = [], []
    for i, (x, ax) in enumerate(zip(flat_args, flat_axes)):
        if ax is None:
            dims.append(None)
            continue
        if not isinstance(ax, (int, np.integer)):
            raise TypeError(f"vmap in_axes leaves must be ints or None, got {ax!r}")
        aval = core.get_aval(x)
        nd = aval.ndim
        if not -nd <= ax < nd:
            raise ValueError(
                f"vmap was requested to map its argument along axis {ax}, which implies that "
                f"its rank should be at least {ax + 1 if ax >= 0 else -ax}, but is only {nd} "
                f"(its shape is {aval.shape}) ({_describe_arg(i, names)} of {fname}).")
        ax = int(ax) % nd
        dims.append(ax)
        sizes.append((i, ax, aval.shape[ax], aval))
    distinct = {s for _, _, s, _ in sizes}
    if axis_size is not None:
        distinct.add(axis_size)
    if not sizes and axis_size is None:
        raise ValueError(f"vmap must have at least one non-None value in in_axes (function "
                         f"{fname}), or be given axis_size.")
    if len(distinct) > 1:
        lines = [f"  * one axis had size {s}: axis {ax} of {_describe_arg(i, names)} of type "
                 f"{aval.str_short(False).replace('[', '[', 1)}"
                 for i, ax, s, aval in sizes]
        if axis_size is not None:
            lines.append(f"  * axis_size was given as {axis_size}")
        raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n"
                         + ";\n".join(lines))
    size = axis_size if axis_size is not None else sizes[0][2]
    return dims, size


# ---------------------------------------------------------------------------------------
# Jacobians and Hessians


def _std_basis(flat_avals):
    """Identity rows for the flattened inputs: one (n, *shape) array per input."""
    sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in flat_avals]
    total = sum(sizes)
    eye = np.eye(total)
    out, start = [], 0
    for a, n in zip(flat_avals, sizes):
        block = eye[:, start:start + n].reshape((total, *a.shape)).astype(a.dtype)
        out.append(block)
        start += n
    return out, total


def _check_float(fun_label, avals, holomorphic):
    from cellax import dtypes
    for a in avals:
        if not dtypes.is_inexact(a.dtype):
            raise TypeError(f"{fun_label} requires real- or complex-valued inputs (input "
                            f"dtype that is a sub-dtype of np.inexact), but got "
                            f"{a.dtype.name}. If you want to use Boolean- or integer-valued "
                            "inputs, use vjp or set allow_int to True.")


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """The Jacobian of `fun` by forward mode: vmap of jvp over the standard basis."""
    from cellax.autodiff import _normalize_argnums, argnums_partial, jvp

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), "jacfwd")
        f_dyn, dyn = argnums_partial(fun, args, kwargs, nums)
        flat, tree = tree_flatten(dyn)
        avals = [core.get_aval(x) for x in flat]
        _check_float("jacfwd", avals, holomorphic)

        basis, n = _std_basis(avals)

        def push(*t_flat):
            t = tree_unflatten(tree, list(t_flat))
            res = jvp(f_dyn, dyn, t, has_aux=has_aux)
            return (res[1], res[2]) if has_aux else res[1]

        out = vmap(push, in_axes=0, out_axes=-1)(*basis) if not has_aux else \
            vmap(push, in_axes=0, out_axes=(-1, None))(*basis)
        if has_aux:
            jac_flat, aux = out
        else:
            jac_flat, aux = out, None
        y = f_dyn(*dyn)
        if has_aux:
            y = y[0]
        jac = _unravel_jacobian(jac_flat, y, tree, avals, single)
        return (jac, aux) if has_aux else jac

    return jacfun


def _unravel_jacobian(jac_flat, y, in_tree, in_avals, single: bool):
    """jac_flat: pytree like y whose leaves have a trailing (or leading) axis of size n
    (all inputs flattened); returns y-structure of dyn-structure of blocks."""
    from cellax import numpy as jnp
    sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in in_avals]

    def split_leaf(j, yl):
        yshape = core.get_aval(yl).shape
        blocks, start = [], 0
        for a, n in zip(in_avals, sizes):
            piece = j[..., start:start + n]
            blocks.append(jnp.reshape(piece, (*yshape, *a.shape)))
            start += n
        per_arg = tree_unflatten(in_tree, blocks)
        return per_arg[0] if single else per_arg

    return tree_map(split_leaf, jac_flat, y)


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """The Jacobian of `fun` by reverse mode: vmap of the vjp over the output basis."""
    from cellax.autodiff import _normalize_argnums, argnums_partial, vjp

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), "jacrev")
        f_dyn, dyn = argnums_partial(fun, args, kwargs, nums)
        flat, tree = tree_flatten(dyn)
        avals = [core.get_aval(x) for x in flat]
        if not allow_int:
            _check_float("jacrev", avals, holomorphic)

        if has_aux:
            y, pullback, aux = vjp(f_dyn, *dyn, has_aux=True)
        else:
            (y, pullback), aux = vjp(f_dyn, *dyn), None
        y_flat, y_tree = tree_flatten(y)
        y_avals = [core.get_aval(v) for v in y_flat]
        basis, n = _std_basis(y_avals)

        def pull(*ct_flat):
            return pullback(tree_unflatten(y_tree, list(ct_flat)))

        cts = vmap(pull)(*basis)  # tuple (per dyn arg) of trees, leading axis n
        if single:
            cts = cts[0]
        # Reassemble: for each output leaf, a block of the input's structure.
        sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in y_avals]
        from cellax import numpy as jnp
        out_leaves = []
        start = 0
        for ya, m in zip(y_avals, sizes):
            def block(c, ya=ya, start=start, m=m):
                piece = c[start:start + m]
                ishape = core.get_aval(c).shape[1:]
                return jnp.reshape(piece, (*ya.shape, *ishape))
            out_leaves.append(tree_map(block, cts))
            start += m
        jac = tree_unflatten(y_tree, out_leaves)
        return (jac, aux) if has_aux else jac

    return jacfun


jacobian = jacrev


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
    """The Hessian of `fun`: jacfwd of jacrev."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)


_unused = (tree_transpose,)
