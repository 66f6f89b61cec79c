"""Shape manipulation and index helpers of `cellax.numpy` (split, tile, repeat, roll, flip,
tril/triu, diag, meshgrid, unravel_index, apply_along_axis, ...), composed from existing
lax primitives. Arguments that determine output shapes must be concrete, as in JAX.
Gathers (take, nonzero, insert, ...) are in `_gather_ops`, padding in `_pad`,
searchsorted and histograms in `_histogram`; they are imported back at the end."""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.numpy import _core
from cellax.numpy._util import (arr, canon_axis, check_arraylike, dtype_of, ensure_arraylike,
                                index_tuple, jit, shape_of)


def _ndim(x) -> int:
    return len(shape_of(x))


def _concrete_np(x, context: str) -> np.ndarray:
    if isinstance(x, Tracer):
        return np.asarray(core.concrete_or_error(x, context))
    return np.asarray(x)


# ---------------------------------------------------------------------------------------
# Splitting, stacking, tiling


def _split(op, ary, indices_or_sections, axis=0):
    ary = ensure_arraylike(op, ary)
    axis = operator.index(core.concrete_or_error(axis, f"in jax.numpy.{op} argument `axis`"))
    nd = _ndim(ary)
    axis = canon_axis(axis, nd)
    size = shape_of(ary)[axis]
    if isinstance(indices_or_sections, (tuple, list)) or (
            isinstance(indices_or_sections, (np.ndarray, ArrayImpl, Tracer))
            and _ndim(indices_or_sections) > 0):
        idx = [int(core.concrete_or_error(i, f"in jax.numpy.{op} argument 1"))
               for i in indices_or_sections]
        split_indices = np.asarray([0] + idx + [size])
        sizes = list(np.diff(split_indices))
    else:
        num = int(core.concrete_or_error(indices_or_sections, f"in jax.numpy.{op} argument 1"))
        part, r = builtins.divmod(size, num)
        if r == 0:
            sizes = [part] * num
        elif op == "array_split":
            sizes = [part + 1] * r + [part] * (num - r)
        else:
            raise ValueError(f"array split does not result in an equal division: rest is {r}")
    # As lax.split: consecutive slices of the given sizes.
    if builtins.any(s < 0 for s in sizes):
        raise ValueError(f"Sizes passed to split must be nonnegative, got {sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(lax.slice_in_dim(ary, start, start + int(s), axis=axis))
        start += int(s)
    return out


def split(ary, indices_or_sections, axis=0):
    return _split("split", ary, indices_or_sections, axis)


def array_split(ary, indices_or_sections, axis=0):
    return _split("array_split", ary, indices_or_sections, axis)


def vsplit(ary, indices_or_sections):
    return _split("vsplit", ary, indices_or_sections, 0)


def hsplit(ary, indices_or_sections):
    a = ensure_arraylike("hsplit", ary)
    return _split("hsplit", a, indices_or_sections, 0 if _ndim(a) == 1 else 1)


def dsplit(ary, indices_or_sections):
    return _split("dsplit", ary, indices_or_sections, 2)


def unstack(x, /, *, axis=0):
    x = ensure_arraylike("unstack", x)
    nd = _ndim(x)
    if nd == 0:
        raise ValueError("Unstack requires arrays with rank > 0, however a scalar array was "
                         "passed.")
    axis = canon_axis(axis, nd)
    return tuple(lax.index_in_dim(x, i, axis, keepdims=False)
                 for i in range(shape_of(x)[axis]))


def tile(A, reps):
    A = ensure_arraylike("tile", A)
    try:
        reps_tup = tuple(iter(reps))
    except TypeError:
        reps_tup = (reps,)
    reps_tup = tuple(operator.index(r) for r in reps_tup)
    reps_tup = (1,) * (_ndim(A) - len(reps_tup)) + reps_tup
    if len(reps_tup) > _ndim(A):
        A = lax.expand_dims(A, tuple(range(len(reps_tup) - _ndim(A))))
    shape = shape_of(A)
    # lax.tile: broadcast to (r0, s0, r1, s1, ...) then merge each pair.
    bshape = [d for pair in zip(reps_tup, shape) for d in pair]
    out = lax.broadcast_in_dim(A, bshape, tuple(range(1, 2 * len(shape), 2)))
    return lax.reshape(out, tuple(r * s for r, s in zip(reps_tup, shape)))


def concat(arrays, /, *, axis=0):
    check_arraylike("concat", *arrays)
    return _core.concatenate(arrays, axis=axis)


def permute_dims(a, /, axes):
    a = ensure_arraylike("permute_dims", a)
    return lax.transpose(a, axes)


def atleast_3d(*arys):
    check_arraylike("atleast_3d", *arys)
    if len(arys) == 1:
        a = arr(arys[0])
        nd = _ndim(a)
        if nd == 0:
            a = lax.expand_dims(a, (0, 1, 2))
        elif nd == 1:
            a = lax.expand_dims(a, (0, 2))
        elif nd == 2:
            a = lax.expand_dims(a, (2,))
        return a
    return [atleast_3d(a) for a in arys]


def _as_list(tup, name):
    if isinstance(tup, (np.ndarray, ArrayImpl, Tracer)):
        return [tup[i] for i in range(shape_of(tup)[0])]
    check_arraylike(name, *tup)
    return list(tup)


def dstack(tup, dtype=None):
    arrs = [atleast_3d(m) for m in _as_list(tup, "dstack")]
    return _core.concatenate(arrs, axis=2, dtype=dtype)


def column_stack(tup):
    arrs = []
    for a in _as_list(tup, "column_stack"):
        a = arr(a)
        arrs.append(_core.transpose(_core.atleast_2d(a)) if _ndim(a) < 2 else a)
    return _core.concatenate(arrs, axis=1)


def _atleast_nd(x, n):
    return lax.broadcast_to_rank(arr(x), n) if _ndim(x) < n else arr(x)


def _block(xs):
    if isinstance(xs, tuple):
        raise ValueError(f"jax.numpy.block does not allow tuples, got {xs}")
    if isinstance(xs, list):
        if len(xs) == 0:
            raise ValueError("jax.numpy.block does not allow empty list arguments")
        parts, depths = zip(*[_block(x) for x in xs])
        if builtins.any(d != depths[0] for d in depths[1:]):
            raise ValueError("Mismatched list depths in jax.numpy.block")
        rank = builtins.max(depths[0], builtins.max(_ndim(x) for x in parts))
        parts = [_atleast_nd(x, rank) for x in parts]
        return _core.concatenate(parts, axis=-depths[0]), depths[0] + 1
    return arr(xs), 1


def block(arrays):
    return _block(arrays)[0]


@jit(static_argnames=("axis",))
def append(arr_, values, axis=None):
    if axis is None:
        return _core.concatenate([_core.ravel(arr_), _core.ravel(values)], 0)
    return _core.concatenate([arr_, values], axis=axis)


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
    if isinstance(repeats, (int, np.integer)):
        check_arraylike("repeat", a)
    else:
        check_arraylike("repeat", a, repeats)
    a = arr(a)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    axis = operator.index(core.concrete_or_error(axis, "'axis' argument of jnp.repeat()"))
    nd = _ndim(a)
    if total_repeat_length is None:
        reps = _concrete_np(repeats,
                            "When jit-compiling jnp.repeat, the total number of repeats must "
                            "be static. To fix this, either specify a static value for "
                            "`repeats`, or pass a static value to `total_repeat_length`.")
        if reps.ndim == 0 and nd != 0:
            axis = canon_axis(axis, nd)
            shape = list(shape_of(a))
            aux = list(shape)
            aux.insert(axis + 1, int(reps))
            out = lax.broadcast_in_dim(a, aux, [i for i in range(len(aux)) if i != axis + 1])
            shape[axis] *= int(reps)
            return lax.reshape(out, tuple(shape))
        reps = np.ravel(reps)
        if nd == 0:
            if reps.shape == (1,):
                return _core.full([int(reps[0])], a)
            raise ValueError("`repeat` with a scalar parameter `a` is only implemented for "
                             "scalar values of the parameter `repeats`.")
        axis = canon_axis(axis, nd)
        reps = np.broadcast_to(reps, (shape_of(a)[axis],))
        # Concrete repeats: the gather indices are known on the host.
        idx = np.repeat(np.arange(shape_of(a)[axis]), reps).astype(np.int32)
        if idx.size == 0:
            shape = list(shape_of(a))
            shape[axis] = 0
            return lax.full(shape, 0, dtype_of(a))
        return take(a, _core.asarray(idx), axis=axis, mode="clip")
    # Traced repeats with a static total length: JAX's scatter + cumsum construction.
    from cellax.numpy._reductions import cumsum
    total_repeat_length = int(total_repeat_length)
    reps = _core.ravel(arr(repeats))
    if nd == 0:
        if shape_of(reps) == (1,):
            return _core.full([total_repeat_length], a)
        raise ValueError("`repeat` with a scalar parameter `a` is only implemented for "
                         "scalar values of the parameter `repeats`.")
    axis = canon_axis(axis, nd)
    reps = _core.broadcast_to(reps, (shape_of(a)[axis],))
    if total_repeat_length == 0:
        shape = list(shape_of(a))
        shape[axis] = 0
        return lax.full(shape, 0, dtype_of(a))
    if shape_of(a)[axis] == 0:
        return a
    exclusive = roll(reps, 1).at[0].set(0)
    scatter_indices = cumsum(exclusive)
    indicators = _core.zeros([total_repeat_length], dtype=np.int32)
    indicators = indicators.at[scatter_indices].add(1)
    gather_indices = _core.subtract(cumsum(indicators), 1)
    return take(a, gather_indices, axis=axis)


def resize(a, new_shape):
    check_arraylike("resize", a)
    return _resize(arr(a), index_tuple(new_shape))


@jit(static_argnames=("new_shape",), name="resize")
def _resize(a, new_shape):
    if builtins.any(d < 0 for d in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    a = _core.ravel(a)
    new_size = math.prod(new_shape)
    size = shape_of(a)[0]
    if size == 0 or new_size == 0:
        return _core.zeros_like(a, shape=new_shape)
    repeats = -(-new_size // size)
    return _core.reshape(tile(a, repeats)[:new_size], new_shape)


# ---------------------------------------------------------------------------------------
# Reordering


@jit(static_argnames=("axis",))
def _flip(m, axis=None):
    nd = _ndim(m)
    if axis is None:
        return lax.rev(m, tuple(range(nd)))
    return lax.rev(m, tuple(canon_axis(ax, nd) for ax in index_tuple(axis)))


def flip(m, axis=None):
    return _flip(ensure_arraylike("flip", m), None if axis is None else index_tuple(axis))


def fliplr(m):
    return _flip(ensure_arraylike("fliplr", m), 1)


def flipud(m):
    return _flip(ensure_arraylike("flipud", m), 0)


def rot90(m, k=1, axes=(0, 1)):
    return _rot90(ensure_arraylike("rot90", m), operator.index(k), tuple(axes))


@jit(static_argnames=("k", "axes"), name="rot90")
def _rot90(m, k, axes):
    nd = _ndim(m)
    if nd < 2:
        raise ValueError(f"rot90 requires its first argument to have ndim at least two, but got "
                         f"first argument of shape {shape_of(m)}, which has ndim {nd}")
    ax1, ax2 = canon_axis(axes[0], nd), canon_axis(axes[1], nd)
    if ax1 == ax2:
        raise ValueError("Axes must be different")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return _flip(_flip(m, ax1), ax2)
    perm = list(range(nd))
    perm[ax1], perm[ax2] = perm[ax2], perm[ax1]
    if k == 1:
        return lax.transpose(_flip(m, ax2), perm)
    return _flip(lax.transpose(m, perm), ax2)


@jit(static_argnames=("shift", "axis"))
def _roll_static(a, shift, axis):
    for ax, s in zip(*np.broadcast_arrays(axis, shift)):
        n = shape_of(a)[ax]
        if n == 0:
            continue
        i = int(-s) % n
        a = lax.concatenate([lax.slice_in_dim(a, i, n, axis=ax),
                             lax.slice_in_dim(a, 0, i, axis=ax)], ax)
    return a


@jit(static_argnames=("axis",))
def _roll_dynamic(a, shift, axis):
    b_shape = _core.broadcast_shapes(shape_of(shift), np.shape(axis))
    if len(b_shape) != 1:
        raise ValueError("'shift' and 'axis' arguments to roll must be scalars or 1D arrays")
    shifts = _core.broadcast_to(shift, b_shape)
    for j, i in enumerate(np.broadcast_to(axis, b_shape)):
        n = shape_of(a)[i]
        x = _core.remainder(lax.convert_element_type(shifts[j], np.int32),
                            np.int32(builtins.max(n, 1)))
        doubled = lax.concatenate([a, a], int(i))
        a = lax.dynamic_slice_in_dim(doubled, lax.sub(np.int32(n), x), n, axis=int(i))
    return a


def roll(a, shift, axis=None):
    a = ensure_arraylike("roll", a)
    if axis is None:
        return _core.reshape(roll(_core.ravel(a), shift, 0), shape_of(a))
    axis = tuple(canon_axis(ax, _ndim(a)) for ax in index_tuple(axis))
    try:
        shift = index_tuple(shift)
    except TypeError:
        return _roll_dynamic(a, arr(shift), axis)
    return _roll_static(a, shift, axis)


@jit(static_argnames=("axis", "start"))
def rollaxis(a, axis, start=0):
    a = ensure_arraylike("rollaxis", a)
    start = operator.index(core.concrete_or_error(start, "'start' argument of jnp.rollaxis()"))
    nd = _ndim(a)
    axis = canon_axis(axis, nd)
    if not -nd <= start <= nd:
        raise ValueError(f"{start=} must satisfy {-nd}<=start<={nd}")
    if start < 0:
        start += nd
    if start > axis:
        start -= 1
    return _core.moveaxis(a, axis, start)


# ---------------------------------------------------------------------------------------
# Triangles and diagonals


def _tri_mask(N, M, k):
    rows = lax.add(lax.broadcasted_iota(np.int32, (N, M), 0), np.int32(k))
    return lax.ge(rows, lax.broadcasted_iota(np.int32, (N, M), 1))


@jit(static_argnames=("N", "M", "k", "dtype"), inline=True)
def tri(N, M=None, k=0, dtype=None):
    dt = np.dtype(np.float32) if dtype is None else dtypes.check_user_dtype(dtype, "tri")
    M = N if M is None else M
    return lax.convert_element_type(_tri_mask(operator.index(N), operator.index(M),
                                               operator.index(k)), dt)


def _tril_triu(name, m, k, upper):
    s = shape_of(m)
    if len(s) < 2:
        raise ValueError(f"Argument to jax.numpy.{name} must be at least 2D")
    N, M = s[-2:]
    mask = _tri_mask(N, M, operator.index(k) - (1 if upper else 0))
    which = lax.broadcast(mask, s[:-2])
    zeros = _core.zeros_like(m)
    return lax.select(which, zeros, m) if upper else lax.select(which, m, zeros)


@jit(static_argnames=("k",))
def tril(m, k=0):
    return _tril_triu("tril", ensure_arraylike("tril", m), k, False)


@jit(static_argnames=("k",))
def triu(m, k=0):
    return _tril_triu("triu", ensure_arraylike("triu", m), k, True)


@jit(static_argnames=("offset", "axis1", "axis2"))
def diagonal(a, offset=0, axis1=0, axis2=1):
    a = ensure_arraylike("diagonal", a)
    s = shape_of(a)
    if len(s) < 2:
        raise ValueError("diagonal requires an array of at least two dimensions.")
    offset = operator.index(core.concrete_or_error(offset, "'offset' argument of "
                                                   "jnp.diagonal()"))
    nd = len(s)
    a1, a2 = canon_axis(axis1, nd), canon_axis(axis2, nd)
    a = _core.moveaxis(a, (a1, a2), (-2, -1))
    n = builtins.max(0, builtins.min(s[a1] + builtins.min(offset, 0),
                                     s[a2] - builtins.max(offset, 0)))
    i = np.arange(n, dtype=np.int32)
    j = np.arange(abs(offset), abs(offset) + n, dtype=np.int32)
    return a[..., i, j] if offset >= 0 else a[..., j, i]


def diag(v, k=0):
    return _diag(ensure_arraylike("diag", v), operator.index(k))


@jit(static_argnames=("k",))
def _diag(v, k):
    s = shape_of(v)
    if len(s) == 1:
        n = s[0] + abs(k)
        zero = lax.full_like(v, 0, shape=())
        v = lax.pad(v, zero, ((builtins.max(0, -k), builtins.max(0, k), 0),))
        return _core.where(_core.eye(n, k=k, dtype=bool), v[:, None], zero)
    if len(s) == 2:
        return diagonal(v, offset=k)
    raise ValueError("diag input must be 1d or 2d")


def diagflat(v, k=0):
    check_arraylike("diagflat", v)
    v = _core.ravel(v)
    n = shape_of(v)[0]
    adj = n + abs(k)
    res = _core.zeros(adj * adj, dtype=dtype_of(v))
    i = np.arange(0, adj - abs(k))
    fi = i + k + i * adj if k >= 0 else i + (i - k) * adj
    res = res.at[fi.astype(np.int32)].set(v)
    return _core.reshape(res, (adj, adj))


@jit(static_argnames=("offset", "axis1", "axis2", "dtype"))
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    a = ensure_arraylike("trace", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.trace is not supported.")
    nd = _ndim(a)
    a1, a2 = canon_axis(axis1, nd), canon_axis(axis2, nd)
    if a1 == a2:
        raise ValueError(f"axis1 and axis2 can not be same. axis1={axis1} and axis2={axis2}")
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "trace")
    s = shape_of(a)
    a = _core.moveaxis(a, (a1, a2), (-2, -1))
    mask = _core.eye(s[a1], s[a2], k=offset, dtype=bool)
    a = _core.where(mask, a, _core.zeros_like(a))
    return _core.sum(a, axis=(-2, -1), dtype=dtype)


def diag_indices(n, ndim=2):
    n = operator.index(core.concrete_or_error(n, "'n' argument of jnp.diag_indices()"))
    ndim = operator.index(core.concrete_or_error(ndim, "'ndim' argument of jnp.diag_indices()"))
    if n < 0:
        raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
    if ndim < 0:
        raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
    return (lax.iota(dtypes.default_int_dtype(), n),) * ndim


def diag_indices_from(arr_):
    a = ensure_arraylike("diag_indices_from", arr_)
    s = shape_of(a)
    if not len(s) >= 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(s)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(s[0], ndim=len(s))


def _host_indices(pair):
    return tuple(_core.asarray(x.astype(dtypes.default_int_dtype())) for x in pair)


def triu_indices(n, k=0, m=None):
    n = operator.index(core.concrete_or_error(n, "n argument of jnp.triu_indices"))
    k = operator.index(core.concrete_or_error(k, "k argument of jnp.triu_indices"))
    m = n if m is None else operator.index(core.concrete_or_error(
        m, "m argument of jnp.triu_indices"))
    return _host_indices(np.triu_indices(n, k, m))


def tril_indices(n, k=0, m=None):
    n = operator.index(core.concrete_or_error(n, "n argument of jnp.triu_indices"))
    k = operator.index(core.concrete_or_error(k, "k argument of jnp.triu_indices"))
    m = n if m is None else operator.index(core.concrete_or_error(
        m, "m argument of jnp.triu_indices"))
    return _host_indices(np.tril_indices(n, k, m))


def _shape_2d(a, name):
    s = a.shape if hasattr(a, "shape") else shape_of(ensure_arraylike(name, a))
    if len(s) != 2:
        raise ValueError("Only 2-D inputs are accepted")
    return s


def triu_indices_from(arr_, k=0):
    s = _shape_2d(arr_, "triu_indices_from")
    return triu_indices(s[0], k=k, m=s[1])


def tril_indices_from(arr_, k=0):
    s = _shape_2d(arr_, "tril_indices_from")
    return tril_indices(s[0], k=k, m=s[1])


def mask_indices(n, mask_func, k=0, *, size=None):
    i, j = nonzero(mask_func(_core.ones((n, n)), k), size=size)
    return i, j


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    if inplace:
        raise NotImplementedError("JAX arrays are immutable, must use inplace=False")
    if wrap:
        raise NotImplementedError("wrap=True is not implemented, must use wrap=False")
    a, val = ensure_arraylike("fill_diagonal", a, val)
    s = shape_of(a)
    if len(s) < 2:
        raise ValueError("array must be at least 2-d")
    if len(s) > 2 and not builtins.all(n == s[0] for n in s[1:]):
        raise ValueError("All dimensions of input must be of equal length")
    n = builtins.min(s)
    idx = diag_indices(n, len(s))
    if _ndim(val) == 0:
        return a.at[idx].set(val)
    v = _core.ravel(val)
    v = resize(v, (n,))
    return a.at[idx].set(v)


# ---------------------------------------------------------------------------------------
# Index grids


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    check_arraylike("meshgrid", *xi)
    args = [arr(x) for x in xi]
    if not copy:
        raise ValueError("jax.numpy.meshgrid only supports copy=True")
    if indexing not in ["xy", "ij"]:
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    if builtins.any(_ndim(a) != 1 for a in args):
        raise ValueError(f"Arguments to jax.numpy.meshgrid must be 1D, got shapes "
                         f"{[shape_of(a) for a in args]}")
    if indexing == "xy" and len(args) >= 2:
        args[0], args[1] = args[1], args[0]
    shape = [1 if sparse else shape_of(a)[0] for a in args]

    def a_shape(i, a):
        return [*shape[:i], shape_of(a)[0], *shape[i + 1:]] if sparse else shape
    out = [lax.broadcast_in_dim(a, a_shape(i, a), (i,)) for i, a in enumerate(args)]
    if indexing == "xy" and len(args) >= 2:
        out[0], out[1] = out[1], out[0]
    return out


def indices(dimensions, dtype=None, sparse=False):
    dt = dtypes.check_user_dtype(int if dtype is None else dtype, "indices")
    dims = tuple(operator.index(core.concrete_or_error(d, "dimensions argument of "
                                                       "jnp.indices")) for d in dimensions)
    N = len(dims)
    out = []
    s = dims
    for i, d in enumerate(dims):
        idx = lax.iota(dt, d)
        if sparse:
            s = (1,) * i + (d,) + (1,) * (N - i - 1)
        out.append(lax.broadcast_in_dim(idx, s, (i,)))
    if sparse:
        return tuple(out)
    return _core.stack(out, 0) if out else _core.asarray(np.array([], dtype=dt))


def ix_(*args):
    check_arraylike("ix", *args)
    n = len(args)
    out = []
    for i, a in enumerate(args):
        a = arr(a)
        if _ndim(a) != 1:
            raise ValueError(f"Arguments to jax.numpy.ix_ must be 1-dimensional, got shape "
                             f"{shape_of(a)}")
        if dtype_of(a) == dtypes.bool_:
            raise NotImplementedError("Boolean arguments to jax.numpy.ix_ are not implemented")
        shape = [1] * n
        shape[i] = shape_of(a)[0]
        if shape_of(a)[0] == 0:
            out.append(lax.full(shape, 0, dtypes.default_int_dtype()))
        else:
            out.append(lax.broadcast_in_dim(a, shape, (i,)))
    return tuple(out)


def ravel_multi_index(multi_index, dims, mode="raise", order="C", *, dtype=None):
    assert len(multi_index) == len(dims), \
        f"len(multi_index)={len(multi_index)} != len(dims)={len(dims)}"
    dims = tuple(operator.index(core.concrete_or_error(
        d, "in `dims` argument of ravel_multi_index().")) for d in dims)
    check_arraylike("ravel_multi_index", *multi_index)
    idx = [arr(i) for i in multi_index]
    if dtype is None:
        dt = dtypes.result_type(int, *idx)
    else:
        dt = dtypes.check_user_dtype(dtype, "ravel_multi_index")
    if not dtypes.is_integer(dt):
        raise ValueError(f"dtype={dt} is not an integer type.")
    if math.prod(dims) - 1 > dtypes.iinfo(dt).max:
        raise ValueError(f"jnp.ravel_multi_index: dtype={dt} not large enough to hold "
                         f"flattened index for dims={dims}. Use the dtype argument to pass a "
                         f"suitable dtype (e.g. dtype=np.min_scalar_type(prod(dims))).")
    for i in idx:
        if mode == "raise":
            core.concrete_or_error(i, "The error occurred because ravel_multi_index was "
                                      "jit-compiled with mode='raise'. Use mode='wrap' or "
                                      "mode='clip' instead.")
        if not dtypes.is_integer(dtype_of(i)):
            raise TypeError("only int indices permitted")
    if mode == "raise":
        if builtins.any(np.any((np.asarray(_concrete_np(i, "")) < 0)
                               | (np.asarray(_concrete_np(i, "")) >= d))
                        for i, d in zip(idx, dims)):
            raise ValueError("invalid entry in coordinates array")
    elif mode == "clip":
        idx = [_core.clip(i, 0, d - 1) for i, d in zip(idx, dims)]
    elif mode == "wrap":
        idx = [_core.remainder(i, d) for i, d in zip(idx, dims)]
    elif mode != "ignore":
        raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', 'clip', or "
                         f"'ignore'.")
    if order == "F":
        strides = np.cumprod((1,) + dims[:-1])
    elif order == "C":
        strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
    else:
        raise ValueError(f"invalid order={order!r}. Expected 'C' or 'F'")
    result = _core.asarray(0, dtype=dt)
    for i, s in zip(idx, strides):
        result = _core.add(result, _core.multiply(_core.astype(i, dt), int(s)))
    return result


def unravel_index(indices_, shape):
    from cellax.numpy._math import divmod as _divmod
    idx = ensure_arraylike("unravel_index", indices_)
    try:
        shape = list(shape)
    except TypeError:
        shape = [shape]
    if builtins.any(np.ndim(s) != 0 for s in shape):
        raise ValueError("unravel_index: shape should be a scalar or 1D sequence.")
    out = [0] * len(shape)
    for i, s in reversed(list(enumerate(shape))):
        idx, out[i] = _divmod(idx, s)
    oob_pos = _core.greater(idx, 0)
    if dtype_of(idx).kind == "u":
        oob_neg = _core.asarray(False)
    else:
        oob_neg = _core.less(idx, -1)
    return tuple(_core.where(oob_pos, s - 1, _core.where(oob_neg, 0, i))
                 for s, i in zip(shape, out))


# ---------------------------------------------------------------------------------------
# Applying functions along axes


def apply_along_axis(func1d, axis, arr_, *args, **kwargs):
    from cellax.vectorization import vmap
    check_arraylike("apply_along_axis", arr_)
    nd = _ndim(arr_)
    axis = canon_axis(axis, nd)
    func = lambda x: func1d(x, *args, **kwargs)  # noqa: E731
    for i in range(1, nd - axis):
        func = vmap(func, in_axes=i, out_axes=-1)
    for _ in range(axis):
        func = vmap(func, in_axes=0, out_axes=0)
    return func(arr_)


def apply_over_axes(func, a, axes):
    a = ensure_arraylike("apply_over_axes", a)
    for axis in axes:
        b = func(a, axis)
        if _ndim(b) == _ndim(a):
            a = b
        elif _ndim(b) == _ndim(a) - 1:
            a = _core.expand_dims(b, axis)
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return a


def piecewise(x, condlist, funclist, *args, **kw):
    from cellax.numpy._reductions import cumsum
    from cellax.numpy._vectorize import vectorize
    x = ensure_arraylike("piecewise", x)
    nc, nf = len(condlist), len(funclist)
    if nf == nc + 1:
        funclist = funclist[-1:] + funclist[:-1]
    elif nf == nc:
        funclist = [0] + list(funclist)
    else:
        raise ValueError(f"with {nc} condition(s), either {nc} or {nc + 1} functions are "
                         f"expected; got {nf}")
    conds = _core.asarray(condlist, dtype=bool)
    indices = _core.argmax(cumsum(_core.concatenate([_core.zeros_like(conds[:1]), conds], 0),
                                  0), 0)
    dt = dtype_of(x)

    def branch(f):
        if callable(f):
            return lambda v: _core.astype(f(v, *args, **kw), dt)
        return lambda v: _core.array(f, dtype=dt)
    branches = [branch(f) for f in funclist]

    def switch(i, v):  # every branch on the element, then the chosen one (lax.switch's clamp)
        i = _core.clip(i, 0, len(branches) - 1)
        out = branches[0](v)
        for k in range(1, len(branches)):
            out = _core.where(_core.equal(i, k), branches[k](v), out)
        return out
    return vectorize(switch)(indices, x)


# Moved out by topic; imported back so that `_shape_ops.<name>` keeps working.
from cellax.numpy._gather_ops import (  # noqa: E402,F401
    argwhere, choose, compress, delete, extract, flatnonzero, insert, nonzero, place, put,
    put_along_axis, select, take, take_along_axis, trim_zeros)
from cellax.numpy._histogram import (  # noqa: E402,F401
    bincount, digitize, histogram, histogram2d, histogram_bin_edges, histogramdd, isin,
    searchsorted)
from cellax.numpy._pad import pad  # noqa: E402,F401
