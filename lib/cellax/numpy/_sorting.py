"""Sorting in `cellax.numpy`: sort, argsort, lexsort, partition, argpartition and
sort_complex, all on the `sort` and `top_k` primitives (`cellax.lax.sorting`).

As in JAX, floating-point values sort with NaNs last and -0.0 equal to 0.0, complex values
by (real, imag), and `descending=True` reverses the ascending order (for a stable argsort
the input is reversed first, so equal values keep their original order)."""
from __future__ import annotations

import numpy as np

from cellax import dtypes, lax
from cellax.lax import sorting as _lsort
from cellax.numpy import _core
from cellax.numpy._util import canon_axis, dtype_of, ensure_arraylike, jit, shape_of


def _check_kind_order(name: str, kind, order) -> None:
    if kind is not None:
        raise TypeError(f"'kind' argument to {name} is not supported. Use stable=True or "
                        f"stable=False to specify sort stability.")
    if order is not None:
        raise TypeError(f"'order' argument to {name} is not supported.")


def _index_dtype(n: int) -> np.dtype:
    if n > np.iinfo(np.int32).max:
        return np.dtype(np.int64)
    return dtypes.default_int_dtype()


@jit(static_argnames=("axis", "kind", "order", "stable", "descending"))
def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    a = ensure_arraylike("sort", a)
    _check_kind_order("sort", kind, order)
    if axis is None:
        a, axis = _core.ravel(a), 0
    dim = canon_axis(axis, len(shape_of(a)))
    out = _lsort.sort(a, dimension=dim, is_stable=stable)
    return lax.rev(out, (dim,)) if descending else out


@jit(static_argnames=("axis", "kind", "order", "stable", "descending", "dtype"))
def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False, dtype=None):
    a = ensure_arraylike("argsort", a)
    _check_kind_order("argsort", kind, order)
    if axis is None:
        a, axis = _core.ravel(a), 0
    shape = shape_of(a)
    dim = canon_axis(axis, len(shape))
    idx_dt = (_index_dtype(shape[dim] if shape else 1) if dtype is None
              else dtypes.check_user_dtype(dtype, "argsort"))
    iota = lax.broadcasted_iota(idx_dt, shape, dim)
    if descending and stable:
        # Reversed first, so that after the final reversal equal keys are in index order.
        a, iota = lax.rev(a, (dim,)), lax.rev(iota, (dim,))
    _, idx = _lsort.sort_key_val(a, iota, dimension=dim, is_stable=stable)
    return lax.rev(idx, (dim,)) if descending else idx


@jit(static_argnames=("axis",))
def lexsort(keys, axis=-1):
    keys = tuple(keys)
    if len(keys) == 0:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    keys = ensure_arraylike("lexsort", *keys)
    keys = [keys] if not isinstance(keys, list) else keys
    if len({shape_of(k) for k in keys}) > 1:
        raise ValueError("all keys need to be the same shape")
    shape = shape_of(keys[0])
    if not shape:
        return lax.full((), 0, dtypes.default_int_dtype())
    dim = canon_axis(axis, len(shape))
    iota = lax.broadcasted_iota(_index_dtype(shape[dim]), shape, dim)
    # The last key is the primary one.
    return _lsort.sort((*keys[::-1], iota), dimension=dim, num_keys=len(keys))[-1]


def _negated_for_bottom(x):
    """A transform whose top-k picks the bottom-k of x (for unsigned: the bitwise complement,
    for the rest: negation)."""
    if dtype_of(x).kind == "u":
        return lax.bitwise_not(x)
    return _core.negative(x)


def _partition_args(name: str, a, kth, axis):
    a = ensure_arraylike(name, a)
    if dtypes.is_complex(dtype_of(a)):
        raise NotImplementedError(f"jnp.{name} for complex dtype is not implemented.")
    axis = canon_axis(axis, len(shape_of(a)))
    kth = canon_axis(kth, shape_of(a)[axis])
    return _core.swapaxes(a, axis, -1), kth, axis


@jit(static_argnames=("kth", "axis"))
def partition(a, kth, axis=-1):
    x, kth, axis = _partition_args("partition", a, kth, axis)
    n = shape_of(x)[-1]
    # The kth+1 smallest values, ascending, then the rest, descending.
    low = _negated_for_bottom(_lsort.top_k(_negated_for_bottom(x), kth + 1)[0])
    high = _lsort.top_k(x, n - kth - 1)[0]
    out = lax.concatenate([low, high], len(shape_of(x)) - 1)
    return _core.swapaxes(out, -1, axis)


@jit(static_argnames=("kth", "axis"))
def argpartition(a, kth, axis=-1):
    from cellax.numpy._shape_ops import put_along_axis
    x, kth, axis = _partition_args("partition", a, kth, axis)
    n = shape_of(x)[-1]
    low_idx = _lsort.top_k(_negated_for_bottom(x), kth + 1)[1]
    # The remaining indices, in increasing order: top_k of a 0/1 mask of "not yet taken".
    rest = put_along_axis(lax.full(shape_of(x), 1.0, np.float32), low_idx, 0.0, axis=-1,
                          inplace=False)
    high_idx = _lsort.top_k(rest, n - kth - 1)[1]
    out = lax.concatenate([low_idx, high_idx], len(shape_of(x)) - 1)
    return _core.swapaxes(out, -1, axis)


@jit
def sort_complex(a):
    a = ensure_arraylike("sort_complex", a)
    out = _lsort.sort(a)
    dt = dtype_of(out)
    wide = (dtypes.float64, dtypes.complex128, dtypes.int64, dtypes.uint64)
    cdt = dtypes.complex128 if dt in wide else dtypes.complex64
    return lax.convert_element_type(out, cdt)
