"""Helpers shared by the `cellax.numpy` modules outside `_core`: argument checks,
NumPy-style dtype/shape promotion, and jit wrappers that mirror how JAX stages each
jnp function (a nested `jit[name=...]` equation, or inlined)."""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer, get_aval
from cellax.numpy import _core

check_arraylike = _core._check_arraylike
promote_dtypes = _core.promote_dtypes
promote_dtypes_inexact = _core.promote_dtypes_inexact
rank_promote = _core._rank_promote
shape_of = _core._shape


def jit(fun: Callable | None = None, *, static_argnames=(), inline: bool = False,
        name: str | None = None):
    """`cellax.jit` as JAX's jnp sources use it (`@jit`, `@jit(static_argnames=...)`);
    `name` renames the staged `jit[name=...]` to match JAX's."""
    if fun is None:
        return lambda f: jit(f, static_argnames=static_argnames, inline=inline, name=name)
    if name is not None:
        fun.__name__ = fun.__qualname__ = name
    if inline:
        return _core._eager_fast(fun, static_argnames)
    # The C++ dispatch object is the public function (no Python frame on an eager call,
    # as JAX's jnp functions); under a transformation it stages a `jit[name=...]`.
    import functools

    from cellax.api import jit as _jit
    wrapped = _jit(fun, static_argnames=static_argnames)
    cpp = wrapped._cpp
    functools.update_wrapper(cpp, fun)
    cpp.lower, cpp.trace, cpp.eval_shape = wrapped.lower, wrapped.trace, wrapped.eval_shape
    return cpp


def arr(x):
    """`x` as an Array or tracer (Python scalars keep their weak type)."""
    if isinstance(x, (ArrayImpl, Tracer)):
        return x
    return _core.asarray(x)


def ensure_arraylike(name: str, *args):
    check_arraylike(name, *args)
    out = [arr(a) for a in args]
    return out[0] if len(out) == 1 else out


def dtype_of(x) -> np.dtype:
    return dtypes.dtype_and_weak(x)[0]


def is_weak(x) -> bool:
    return dtypes.dtype_and_weak(x)[1]


def to_numeric(x):
    """bool -> the default integer dtype (weak type kept)."""
    dt, weak = dtypes.dtype_and_weak(x)
    if dt == dtypes.bool_:
        return lax.convert_element_type(x, dtypes.default_int_dtype(), weak)
    return x


def promote_dtypes_numeric(*args):
    return [to_numeric(a) for a in promote_dtypes(*[arr(a) for a in args])]


def promote_args(name: str, *args):
    check_arraylike(name, *args)
    out = promote_dtypes(*[arr(a) for a in args])
    return rank_promote(name, *out) if len(out) > 1 else out


def promote_args_numeric(name: str, *args):
    check_arraylike(name, *args)
    out = promote_dtypes_numeric(*args)
    return rank_promote(name, *out) if len(out) > 1 else out


def promote_args_inexact(name: str, *args):
    check_arraylike(name, *args)
    out = [arr(a) for a in promote_dtypes_inexact(*[arr(a) for a in args])]
    return rank_promote(name, *out) if len(out) > 1 else out


to_inexact_dtype = _core.to_inexact_dtype


def const(x, value):
    """A constant with the dtype of `x`, as JAX's `lax._const`: weakly typed only when `x`
    is a weakly typed scalar (a weak array of rank > 0 gets a strong constant)."""
    dt, weak = dtypes.dtype_and_weak(x)
    return lax.convert_element_type(np.asarray(value, dt) if not isinstance(value, np.ndarray)
                                    else value.astype(dt), dt, weak and np.ndim(x) == 0)


def canon_axis(axis, nd: int) -> int:
    return _core._canon_axis(axis, nd)


def canon_axes(axis, nd: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        return (canon_axis(axis, nd),)
    return tuple(canon_axis(a, nd) for a in axis)


def index_tuple(x) -> tuple[int, ...]:
    try:
        return (operator.index(x),)
    except TypeError:
        return tuple(operator.index(i) for i in x)


def concrete(x, context: str):
    return core.concrete_or_error(x, context)


def is_concrete(x) -> bool:
    return not isinstance(x, Tracer) or x.to_concrete_value() is not None


_unused = (get_aval,)
