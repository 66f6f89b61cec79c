"""`jnp.vectorize`: NumPy's generalized-ufunc vectorization, by nested `vmap`s over the
broadcast loop dimensions (as in `jax.numpy`)."""
from __future__ import annotations

import functools
import re

import numpy as np

from cellax.numpy import _core

_DIMENSION_NAME = r"\w+"
_CORE_DIMENSION_LIST = "(?:{0:}(?:,{0:})*)?".format(_DIMENSION_NAME)
_ARGUMENT = rf"\({_CORE_DIMENSION_LIST}\)"
_ARGUMENT_LIST = "{0:}(?:,{0:})*".format(_ARGUMENT)
_SIGNATURE = "^{0:}->{0:}$".format(_ARGUMENT_LIST)


def _parse_gufunc_signature(signature):
    if not re.match(_SIGNATURE, signature):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    args, retvals = ([tuple(re.findall(_DIMENSION_NAME, arg))
                      for arg in re.findall(_ARGUMENT, arg_list)]
                     for arg_list in signature.split("->"))
    return args, retvals


def _update_dim_sizes(dim_sizes, shape, core_dims, error_context="", *, is_input):
    n = len(core_dims)
    if is_input:
        if len(shape) < n:
            raise ValueError(f"input with shape {shape!r} does not have enough dimensions for "
                             f"all core dimensions {core_dims!r} {error_context}")
    elif len(shape) != n:
        raise ValueError(f"output shape {shape!r} does not match core dimensions "
                         f"{core_dims!r} {error_context}")
    core_shape = shape[-n:] if core_dims else ()
    for dim, size in zip(core_dims, core_shape):
        if dim not in dim_sizes:
            dim_sizes[dim] = size
        elif size != dim_sizes[dim]:
            raise ValueError(f"inconsistent size for core dimension {dim!r}: {size!r} vs "
                             f"{dim_sizes[dim]!r} {error_context}")


def _parse_input_dimensions(args, input_core_dims, error_context=""):
    if len(args) != len(input_core_dims):
        raise TypeError(f"wrong number of positional arguments: expected "
                        f"{len(input_core_dims)!r}, got {len(args)!r} {error_context}")
    shapes, dim_sizes = [], {}
    for arg, core_dims in zip(args, input_core_dims):
        _update_dim_sizes(dim_sizes, _core.shape(arg), core_dims, error_context, is_input=True)
        shapes.append(_core.shape(arg)[:_core.ndim(arg) - len(core_dims)])
    return _core.broadcast_shapes(*shapes), dim_sizes


def _check_output_dims(func, dim_sizes, expected, error_context=""):
    def wrapped(*args):
        out = func(*args)
        out_shapes = [_core.shape(o) for o in (out if isinstance(out, tuple) else [out])]
        if len(expected) > 1 and not isinstance(out, tuple):
            raise TypeError(f"output must be a tuple when multiple outputs are expected, got: "
                            f"{out!r}\n{error_context}")
        if len(out_shapes) != len(expected):
            raise TypeError(f"wrong number of output arguments: expected {len(expected)!r}, "
                            f"got {len(out_shapes)!r} {error_context}")
        sizes = dict(dim_sizes)
        for shape, core_dims in zip(out_shapes, expected):
            _update_dim_sizes(sizes, shape, core_dims, error_context, is_input=False)
        return out
    return wrapped


def _apply_excluded(func, excluded, args, kwargs):
    if not excluded:
        return func, args, kwargs
    dynamic_args = [a for i, a in enumerate(args) if i not in excluded]
    dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in excluded}
    static_args = [(i, args[i]) for i in sorted(e for e in excluded if isinstance(e, int))
                   if i < len(args)]
    static_kwargs = {k: v for k, v in kwargs.items() if k in excluded}

    def new_func(*args, **kwargs):
        args = list(args)
        for i, a in static_args:
            args.insert(i, a)
        return func(*args, **kwargs, **static_kwargs)
    return new_func, dynamic_args, dynamic_kwargs


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    if any(not isinstance(e, (str, int)) for e in excluded):
        raise TypeError(f"jax.numpy.vectorize can only exclude integer or string arguments, "
                        f"but excluded={excluded!r}")
    if any(isinstance(e, int) and e < 0 for e in excluded):
        raise ValueError(f"excluded={excluded!r} contains negative numbers")

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        from cellax.vectorization import vmap
        error_context = (f"on vectorized function with excluded={excluded!r} and "
                         f"signature={signature!r}")
        func, args, kwargs = _apply_excluded(pyfunc, excluded, args, kwargs)
        if signature is not None:
            input_core_dims, output_core_dims = _parse_gufunc_signature(signature)
        else:
            input_core_dims, output_core_dims = [()] * len(args), None
        none_args = {i for i, a in enumerate(args) if a is None}
        if any(none_args):
            if any(input_core_dims[i] != () for i in none_args):
                raise ValueError(f"Cannot pass None at locations {none_args} with "
                                 f"signature={signature!r}")
            func, args, _ = _apply_excluded(func, none_args, args, {})
            input_core_dims = [d for i, d in enumerate(input_core_dims) if i not in none_args]
        args = tuple(_core.asarray(a) for a in args)
        broadcast_shape, dim_sizes = _parse_input_dimensions(args, input_core_dims,
                                                             error_context)
        checked = func if output_core_dims is None else _check_output_dims(
            func, dim_sizes, output_core_dims, error_context)
        squeezed, rev_filled = [], []
        for a, core_dims in zip(args, input_core_dims):
            shape = _core.shape(a)
            noncore = shape[:len(shape) - len(core_dims)]
            filled = (len(broadcast_shape) - len(noncore)) * (1,) + noncore
            rev_filled.append(filled[::-1])
            squeezed.append(_core.squeeze(a, axis=tuple(i for i, s in enumerate(noncore)
                                                        if s == 1)))
        vectorized = checked
        dims_to_expand = []
        for negdim, sizes in enumerate(zip(*rev_filled)):
            in_axes = tuple(None if s == 1 else 0 for s in sizes)
            if all(ax is None for ax in in_axes):
                dims_to_expand.append(len(broadcast_shape) - 1 - negdim)
            else:
                vectorized = vmap(vectorized, in_axes)
        result = vectorized(*squeezed)
        if not dims_to_expand:
            return result
        if isinstance(result, tuple):
            return tuple(_core.expand_dims(r, axis=dims_to_expand) for r in result)
        return _core.expand_dims(result, axis=dims_to_expand)
    return wrapped


_unused = (np,)
