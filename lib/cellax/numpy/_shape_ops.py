"""Shape manipulation, gathers and index helpers of `cellax.numpy` (split, tile, repeat,
roll, flip, tril/triu, diag, take, pad, nonzero, searchsorted, ...), composed from
existing lax primitives. Arguments that determine output shapes must be concrete, as in
JAX; where JAX needs a sort or a loop for a value-dependent index (insert, delete,
nonzero without `size`), concrete inputs are handled on the host."""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.numpy import _core
from cellax.numpy._core import _where
from cellax.numpy._util import (arr, canon_axes, canon_axis, check_arraylike, const, dtype_of,
                                ensure_arraylike, index_tuple, jit, promote_dtypes, shape_of)


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
# Gathers


def take(a, indices_, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    a, idx = ensure_arraylike("take", a, indices_)
    return _take(a, idx, None if axis is None else operator.index(axis), mode,
                 unique_indices, indices_are_sorted, fill_value)


@jit(static_argnames=("axis", "mode", "unique_indices", "indices_are_sorted", "fill_value"))
def _take(a, idx, axis, mode, unique_indices, indices_are_sorted, fill_value):
    if axis is None:
        a = _core.ravel(a)
        axis_idx = 0
    else:
        axis_idx = canon_axis(operator.index(axis), _ndim(a))
    n = shape_of(a)[axis_idx]
    if mode is None or mode == "fill":
        gather_mode = lax.GatherScatterMode.FILL_OR_DROP
        idx = _where(lax.lt(idx, const(idx, 0)), lax.add(idx, const(idx, n)), idx)
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.take is not supported.")
    elif mode == "wrap":
        idx = _core.remainder(idx, const(idx, n))
        gather_mode = lax.GatherScatterMode.PROMISE_IN_BOUNDS
    elif mode == "clip":
        gather_mode = lax.GatherScatterMode.CLIP
    else:
        raise ValueError(f"Invalid mode '{mode}' for np.take")
    index_dims = _ndim(idx)
    slice_sizes = list(shape_of(a))
    if slice_sizes[axis_idx] == 0:
        if math.prod(shape_of(idx)) != 0:
            raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
        return a
    if math.prod(shape_of(idx)) == 0:
        out_shape = slice_sizes[:axis_idx] + list(shape_of(idx)) + slice_sizes[axis_idx + 1:]
        return lax.full_like(a, 0, shape=out_shape)
    slice_sizes[axis_idx] = 1
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(list(range(axis_idx))
                          + list(range(axis_idx + index_dims, _ndim(a) + index_dims - 1))),
        collapsed_slice_dims=(axis_idx,), start_index_map=(axis_idx,))
    return lax.gather(a, lax.expand_dims(idx, (index_dims,)), dnums, tuple(slice_sizes),
                      mode=gather_mode, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted, fill_value=fill_value)


def _index_dtype_for_axis(dt, size):
    # JAX widens small index dtypes so that negative-index wrapping cannot overflow.
    if dt.kind == "u":
        return dt
    if np.iinfo(dt).max < size:
        return dtypes.default_int_dtype()
    return dt


@jit(static_argnames=("axis", "mode", "fill_value", "wrap_negative_indices"), inline=True)
def take_along_axis(arr_, indices_, axis=-1, mode=None, fill_value=None, *,
                    wrap_negative_indices=None):
    a, idx = ensure_arraylike("take_along_axis", arr_, indices_)
    idx_shape = shape_of(idx)
    if not dtypes.is_integer(dtype_of(idx)):
        raise TypeError(f"take_along_axis indices must be of integer type, got "
                        f"{dtype_of(idx)}")
    if axis is None:
        if len(idx_shape) != 1:
            raise ValueError(f"take_along_axis indices must be 1D if axis=None, got shape "
                             f"{idx_shape}")
        a = _core.ravel(a)
        axis = 0
    rank = _ndim(a)
    if rank != len(idx_shape):
        raise ValueError(f"indices and arr must have the same number of dimensions; "
                         f"{len(idx_shape)} vs. {rank}")
    ax = canon_axis(axis, rank)
    axis_size = shape_of(a)[ax]
    arr_shape = list(shape_of(a))
    arr_shape[ax] = 1
    out_shape = _core.broadcast_shapes(idx_shape, tuple(arr_shape))
    if axis_size == 0:
        return lax.full(out_shape, 0, dtype_of(a))
    if wrap_negative_indices is None:
        wrap_negative_indices = mode != "promise_in_bounds"
    if wrap_negative_indices and dtype_of(idx).kind != "u":
        idx = _where(lax.lt(idx, const(idx, 0)), lax.add(idx, const(idx, axis_size)), idx)
    index_dims = [i for i, d in enumerate(idx_shape) if i == ax or d != 1]
    gather_index_shape = tuple(np.array(out_shape)[index_dims]) + (1,)
    gather_indices = lax.reshape(idx, gather_index_shape)
    slice_sizes, offset_dims, start_index_map, collapsed = [], [], [], []
    operand_batching_dims, start_indices_batching_dims, dims_to_squeeze = [], [], []
    new_i = j = 0
    for i in range(rank):
        if i == ax:
            slice_sizes.append(1)
            start_index_map.append(new_i)
            collapsed.append(new_i)
            new_i += 1
            j += 1
        elif idx_shape[i] == 1:
            offset_dims.append(i)
            slice_sizes.append(arr_shape[i])
            new_i += 1
        elif arr_shape[i] == 1:
            dims_to_squeeze.append(i)
            j += 1
        else:
            slice_sizes.append(0 if arr_shape[i] == 0 else 1)
            operand_batching_dims.append(new_i)
            start_indices_batching_dims.append(j)
            new_i += 1
            j += 1
    a = lax.squeeze(a, dims_to_squeeze)
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(offset_dims), collapsed_slice_dims=tuple(collapsed),
        start_index_map=tuple(start_index_map),
        operand_batching_dims=tuple(operand_batching_dims),
        start_indices_batching_dims=tuple(start_indices_batching_dims))
    return lax.gather(a, gather_indices, dnums, tuple(slice_sizes),
                      mode="fill" if mode is None else mode, fill_value=fill_value)


@jit(static_argnames=("axis", "inplace", "mode"))
def put_along_axis(arr_, indices_, values, axis, inplace=True, *, mode=None):
    if inplace:
        raise ValueError("jax.numpy.put_along_axis cannot modify arrays in-place, because JAX "
                         "arrays are immutable. Pass inplace=False to instead return an "
                         "updated array.")
    a, idx, values = ensure_arraylike("put_along_axis", arr_, indices_, values)
    original_axis, original_shape = axis, shape_of(a)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    if _ndim(a) != _ndim(idx):
        raise ValueError(f"put_along_axis arguments 'arr' and 'indices' must have same ndim. "
                         f"Got arr.ndim={_ndim(a)} and indices.ndim={_ndim(idx)}.")
    try:
        values = _core.broadcast_to(values, shape_of(idx))
    except ValueError:
        raise ValueError(f"put_along_axis argument 'values' must be broadcastable to "
                         f"'indices'. Got values.shape={shape_of(values)} and "
                         f"indices.shape={shape_of(idx)}.") from None
    ax = canon_axis(axis, _ndim(a))
    grid = list(indices(shape_of(a), sparse=True))
    grid[ax] = idx
    result = a.at[tuple(grid)].set(values, mode=mode)
    if original_axis is None:
        result = _core.reshape(result, original_shape)
    return result


def choose(a, choices, out=None, mode="raise"):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    check_arraylike("choose", a, *choices)
    a = arr(a)
    choices = [arr(c) for c in choices]
    if not dtypes.is_integer(dtype_of(a)):
        raise ValueError("`a` array must be integer typed")
    N = len(choices)
    if mode == "raise":
        a_np = _concrete_np(a, "The error occurred because jnp.choose was jit-compiled with "
                               "mode='raise'. Use mode='wrap' or mode='clip' instead.")
        if np.any((a_np < 0) | (a_np >= N)):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        a = _core.remainder(a, N)
    elif mode == "clip":
        a = _core.clip(a, 0, N - 1)
    else:
        raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    a, *choices = _core.broadcast_arrays(a, *choices)
    choices = promote_dtypes(*choices)
    return lax.select_n(lax.convert_element_type(a, np.int32), *choices) if N > 1 else \
        choices[0]


def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError(f"condlist must have length equal to choicelist ({len(condlist)} vs "
                         f"{len(choicelist)})")
    if len(condlist) == 0:
        raise ValueError("condlist must be non-empty")
    check_arraylike("select", *condlist, *choicelist, default)
    conds = [arr(c) for c in condlist]
    choices = promote_dtypes(arr(default), *[arr(c) for c in choicelist])
    conditions = _core.stack(_core.broadcast_arrays(False, *conds))
    idx = _core.argmax(_core.astype(conditions, bool), axis=0)
    return lax.select_n(*_core.broadcast_arrays(idx, *choices))


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    check_arraylike("compress", condition, a, fill_value)
    cond = _core.astype(arr(condition), bool)
    a = arr(a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    if _ndim(cond) != 1:
        raise ValueError("condition must be a 1D array")
    if axis is None:
        axis = 0
        a = _core.ravel(a)
    else:
        a = _core.moveaxis(a, axis, 0)
    n = shape_of(a)[0]
    cond, extra = cond[:n], cond[n:]
    a = a[:shape_of(cond)[0]]
    if size is None:
        cond_np = _concrete_np(cond, "jnp.compress requires a concrete condition, or a "
                                     "static `size`")
        if np.any(_concrete_np(extra, "jnp.compress condition")):
            raise ValueError("condition contains entries that are out of bounds")
        result = take(a, _core.asarray(np.nonzero(cond_np)[0].astype(np.int32)), axis=0)
    elif not 0 <= size <= shape_of(a)[0]:
        raise ValueError(f"size must be positive and not greater than the size of the array "
                         f"axis; got size={size} for a.shape[axis]={shape_of(a)[0]}")
    else:
        mask = _core.expand_dims(cond, tuple(range(1, _ndim(a))))
        a = _core.where(mask, a, _core.asarray(fill_value, dtype=dtype_of(a)))
        (pos,) = nonzero(cond, size=size, fill_value=0)
        count = _core.sum(cond)
        filled = _core.greater_equal(_core.arange(size), count)
        result = take(a, pos, axis=0)
        result = _core.where(_core.expand_dims(filled, tuple(range(1, _ndim(a)))),
                             _core.asarray(fill_value, dtype=dtype_of(a)), result)
    return _core.moveaxis(result, 0, axis)


def extract(condition, arr_, *, size=None, fill_value=0):
    check_arraylike("extreact", condition, arr_, fill_value)
    return compress(_core.ravel(condition), _core.ravel(arr_), size=size,
                    fill_value=fill_value)


# ---------------------------------------------------------------------------------------
# Nonzero and friends


def nonzero(a, *, size=None, fill_value=None):
    a = ensure_arraylike("nonzero", a)
    s = shape_of(a)
    if len(s) == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "jnp.atleast_1d(scalar).nonzero() instead.")
    mask = a if dtype_of(a) == dtypes.bool_ else _core.not_equal(a, 0)
    int_dt = dtypes.default_int_dtype()
    concrete = not isinstance(mask, Tracer) or mask.to_concrete_value() is not None
    if size is None:
        m = _concrete_np(mask, "The size argument of jnp.nonzero must be statically "
                               "specified to use jnp.nonzero within JAX transformations.")
        return tuple(_core.asarray(i.astype(int_dt)) for i in np.nonzero(m))
    size = operator.index(size)
    if math.prod(s) == 0 or size == 0:
        return tuple(_core.zeros(size, int_dt) for _ in s)
    fills = None
    if fill_value is not None:
        fills = fill_value if isinstance(fill_value, tuple) else (fill_value,) * len(s)
        if builtins.any(np.shape(v) != () for v in fills):
            raise ValueError(f"fill_value must be a scalar or a tuple of length {len(s)}; "
                             f"got {fill_value}")
    if concrete:
        m = _concrete_np(mask, "")
        found = [np.pad(i[:size], (0, size - builtins.min(i.size, size))).astype(int_dt)
                 for i in np.nonzero(m)]
        out = tuple(_core.asarray(i) for i in found)
        if fills is not None:
            fill_mask = _core.greater_equal(_core.arange(size), int(np.count_nonzero(m)))
            out = tuple(_core.where(fill_mask, fv, e) for fv, e in zip(fills, out))
        return out
    # Traced input, static size: JAX's cumsum + bincount construction.
    from cellax.numpy._reductions import cumsum
    flat_mask = _core.ravel(mask)
    counts = cumsum(flat_mask)
    binned = _core.zeros(size, int_dt).at[_core.clip(counts, 0)].add(
        np.array(1, int_dt), mode="drop")
    flat_indices = cumsum(binned)
    strides = (np.cumprod(s[::-1])[::-1] // s).astype(int_dt)
    out = tuple(_core.remainder(_core.floor_divide(flat_indices, st), n)
                for st, n in zip(strides, s))
    if fills is not None:
        fill_mask = _core.greater_equal(_core.arange(size), _core.sum(flat_mask))
        out = tuple(_core.where(fill_mask, fv, e) for fv, e in zip(fills, out))
    return out


def flatnonzero(a, *, size=None, fill_value=None):
    return nonzero(_core.ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    a = ensure_arraylike("argwhere", a)
    result = _core.transpose(_core.vstack(nonzero(_core.atleast_1d(a), size=size,
                                                  fill_value=fill_value)))
    if _ndim(a) == 0:
        return _core.reshape(result[:0], (shape_of(result)[0], 0))
    return _core.reshape(result, (shape_of(result)[0], _ndim(a)))


def trim_zeros(filt, trim="fb", axis=None):
    filt = ensure_arraylike("trim_zeros", filt)
    f = _concrete_np(filt, "Error arose in the `filt` argument of trim_zeros()")
    nd = f.ndim
    axis_set = set(canon_axes(axis, nd))
    t = trim.lower()
    if not axis_set or ("f" not in t and "b" not in t):
        return filt

    def get_slice(ax):
        if ax not in axis_set:
            return slice(None)
        mask = f.any(axis=tuple(i for i in range(nd) if i != ax))
        if not mask.any():
            return slice(0, 0)
        start = int(mask.argmax()) if "f" in t else None
        stop = f.shape[ax] - int(mask[::-1].argmax()) if "b" in t else None
        return slice(start, stop)
    return filt[tuple(get_slice(ax) for ax in range(nd))]


# ---------------------------------------------------------------------------------------
# Insert / delete (static indices)


def delete(arr_, obj, axis=None, *, assume_unique_indices=False):
    a = ensure_arraylike("delete", arr_)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    axis = canon_axis(axis, _ndim(a))
    n = shape_of(a)[axis]
    try:
        i = operator.index(obj)
    except TypeError:
        pass
    else:
        i = canon_axis(i, n)
        idx = (slice(None),) * axis
        return _core.concatenate([a[idx + (slice(0, i),)], a[idx + (slice(i + 1, None),)]],
                                 axis=axis)
    if isinstance(obj, slice):
        obj = np.arange(n)[obj]
    else:
        check_arraylike("delete", a, obj)
    obj_np = _concrete_np(obj, "'obj' array argument of jnp.delete()")
    if dtypes.is_integer(obj_np.dtype) or obj_np.size == 0:
        mask = np.ones(n, dtype=bool)
        mask[obj_np.astype(np.int64)] = False
    elif obj_np.dtype == bool:
        if obj_np.shape != (n,):
            raise ValueError("np.delete(arr, obj): for boolean indices, obj must be "
                             "one-dimensional with length matching specified axis.")
        mask = ~obj_np
    else:
        raise ValueError(f"np.delete(arr, obj): got obj.dtype={obj_np.dtype}; must be "
                         f"integer or bool.")
    return take(a, _core.asarray(np.nonzero(mask)[0].astype(np.int32)), axis=axis)


def insert(arr_, obj, values, axis=None):
    check_arraylike("insert", arr_, 0 if isinstance(obj, slice) else obj, values)
    a = arr(arr_)
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    axis = canon_axis(core.concrete_or_error(axis, "axis argument of jnp.insert()"), _ndim(a))
    n_input = shape_of(a)[axis]
    if isinstance(obj, slice):
        idx = np.arange(*obj.indices(n_input))
    else:
        idx = _concrete_np(obj, "jnp.insert requires concrete (static) indices in cellax")
    if idx.ndim > 1:
        raise ValueError(f"jnp.insert(): obj must be a slice, a one-dimensional array, or a "
                         f"scalar; got {obj}")
    if not np.issubdtype(idx.dtype, np.integer):
        if idx.size == 0 and not isinstance(obj, (ArrayImpl, Tracer)):
            idx = idx.astype(int)
        else:
            raise ValueError(f"jnp.insert(): index array must be integer typed; got {obj}")
    vals = _core.array(values, ndmin=_ndim(a), dtype=dtype_of(a))
    if idx.size == 1:
        index = idx.ravel()[0]
        if idx.ndim == 0:
            vals = _core.moveaxis(vals, 0, axis)
        idx = np.full(shape_of(vals)[axis], index)
    n_insert = _core.broadcast_shapes(idx.shape, (shape_of(vals)[axis],))[0]
    out_shape = list(shape_of(a))
    out_shape[axis] = n_insert
    vals = _core.broadcast_to(vals, tuple(out_shape))
    idx = np.broadcast_to(idx, (n_insert,))
    idx = np.clip(np.where(idx < 0, idx + n_input, idx), 0, n_input)
    order = np.argsort(idx, kind="stable")
    values_ind = idx.copy()
    values_ind[order] += np.arange(n_insert, dtype=idx.dtype)
    arr_mask = np.ones(n_input + n_insert, dtype=bool)
    arr_mask[values_ind] = False
    arr_ind = np.nonzero(arr_mask)[0]
    # The output is a gather from [a, values] along `axis`.
    source = np.empty(n_input + n_insert, np.int32)
    source[arr_ind] = np.arange(n_input)
    source[values_ind] = n_input + np.arange(n_insert)
    combined = lax.concatenate([a, lax.convert_element_type(vals, dtype_of(a),
                                                            dtypes.dtype_and_weak(a)[1])], axis)
    return take(combined, _core.asarray(source), axis=axis, mode="clip")


# ---------------------------------------------------------------------------------------
# Padding


def _broadcast_to_pairs(nvals, nd, name):
    nvals = np.asarray(_tree_concrete(nvals, f"{name} argument of jnp.pad"))
    if nvals.shape == (nd, 2):
        return tuple((nv[0], nv[1]) for nv in nvals)
    if nvals.shape == (1, 2):
        return tuple((nvals[0, 0], nvals[0, 1]) for _ in range(nd))
    if nvals.shape == (2,):
        return tuple((nvals[0], nvals[1]) for _ in range(nd))
    if nvals.shape == (1,):
        return tuple((nvals[0], nvals[0]) for _ in range(nd))
    if nvals.shape == ():
        v = nvals.flat[0]
        return tuple((v, v) for _ in range(nd))
    raise ValueError(f"jnp.pad: {name} with nd={nd} has unsupported shape {nvals.shape}. "
                     f"Valid shapes are ({nd}, 2), (1, 2), (2,), (1,), or ().")


def _tree_concrete(x, context):
    if isinstance(x, (list, tuple)):
        return type(x)(_tree_concrete(v, context) for v in x)
    if isinstance(x, Tracer):
        return np.asarray(core.concrete_or_error(x, context))
    if isinstance(x, ArrayImpl):
        return np.asarray(x)
    return x


def _check_no_padding(axis_padding, mode):
    if axis_padding[0] > 0 or axis_padding[1] > 0:
        raise ValueError(f"Cannot apply '{mode}' padding to empty axis")


def _pad_constant(a, pad_width, constant_values):
    nd = _ndim(a)
    cv = lax.convert_element_type(constant_values, dtype_of(a), dtypes.dtype_and_weak(a)[1])
    cnd = _ndim(cv)
    if cnd == 0:
        return lax.pad(a, cv, [(int(lo), int(hi), 0) for lo, hi in pad_width])
    if cnd == 1:
        if shape_of(cv)[-1] == 1:
            return lax.pad(a, _core.squeeze(cv), [(int(lo), int(hi), 0) for lo, hi in pad_width])
        if shape_of(cv)[-1] != 2:
            raise ValueError(f"jnp.pad: constant_values has unsupported shape {shape_of(cv)}. "
                             f"If the shape is 1D or 2D, the last dimension must be of size 1 "
                             f"or 2.")
    cv = _core.broadcast_to(cv, (nd, 2))
    for i in range(nd):
        widths = [(0, 0, 0)] * nd
        if pad_width[i][0] != 0:
            widths[i] = (int(pad_width[i][0]), 0, 0)
            a = lax.pad(a, cv[i, 0], widths)
        if pad_width[i][1] != 0:
            widths[i] = (0, int(pad_width[i][1]), 0)
            a = lax.pad(a, cv[i, 1], widths)
    return a


def _pad_wrap(a, pad_width):
    for i in range(_ndim(a)):
        size = shape_of(a)[i]
        if size == 0:
            _check_no_padding(pad_width[i], "wrap")
            continue
        lr, lrem = builtins.divmod(int(pad_width[i][0]), size)
        rr, rrem = builtins.divmod(int(pad_width[i][1]), size)
        parts = []
        if lrem > 0:
            parts.append(lax.slice_in_dim(a, size - lrem, size, axis=i))
        parts += (lr + rr + 1) * [a]
        if rrem > 0:
            parts.append(lax.slice_in_dim(a, 0, rrem, axis=i))
        a = lax.concatenate(parts, i)
    return a


def _pad_symmetric_or_reflect(a, pad_width, mode, reflect_type):
    for i in range(_ndim(a)):
        axis_size = shape_of(a)[i]
        if axis_size == 0:
            _check_no_padding(pad_width[i], mode)
            continue
        if pad_width[i][0] == 0 and pad_width[i][1] == 0:
            continue

        def build(a, padding, before):
            edge = lax.slice_in_dim(a, 0, 1, axis=i) if before else \
                lax.slice_in_dim(a, shape_of(a)[i] - 1, None, axis=i)
            offset = 1 if (mode == "reflect" and axis_size > 1) else 0
            while padding > 0:
                curr = builtins.min(padding, axis_size - offset)
                padding -= curr
                n = shape_of(a)[i]
                if before:
                    start, stop = offset, offset + curr
                else:
                    start = n - (curr + offset)
                    stop = n if (mode == "symmetric" or axis_size == 1) else n - 1
                x = _flip(lax.slice_in_dim(a, start, stop, axis=i), i)
                if reflect_type == "odd":
                    x = _core.subtract(_core.multiply(2, edge), x)
                    if axis_size > 1:
                        edge = lax.slice_in_dim(x, 0, 1, axis=i) if before else \
                            lax.slice_in_dim(x, shape_of(x)[i] - 1, None, axis=i)
                a = lax.concatenate([x, a] if before else [a, x], i)
            return a
        a = build(a, int(pad_width[i][0]), True)
        a = build(a, int(pad_width[i][1]), False)
    return a


def _pad_edge(a, pad_width):
    for i in range(_ndim(a)):
        n = shape_of(a)[i]
        if n == 0:
            _check_no_padding(pad_width[i], "edge")
            continue
        before = repeat(lax.slice_in_dim(a, 0, 1, axis=i), int(pad_width[i][0]), axis=i)
        after = repeat(lax.slice_in_dim(a, n - 1, n, axis=i), int(pad_width[i][1]), axis=i)
        a = lax.concatenate([before, a, after], i)
    return a


def _pad_linear_ramp(a, pad_width, end_values):
    from cellax.numpy._creation import _linspace_axis
    weak = dtypes.dtype_and_weak(a)[1]
    for ax in range(_ndim(a)):
        n = shape_of(a)[ax]
        eb = _core.squeeze(lax.slice_in_dim(a, 0, 1, axis=ax), ax)
        ea = _core.squeeze(lax.slice_in_dim(a, n - 1, None, axis=ax), ax)
        rb = _linspace_axis(end_values[ax][0], eb, int(pad_width[ax][0]), False, dtype_of(a),
                            ax)
        ra = _linspace_axis(end_values[ax][1], ea, int(pad_width[ax][1]), False, dtype_of(a),
                            ax)
        rb = lax.convert_element_type(rb, dtype_of(a), weak)
        ra = _flip(lax.convert_element_type(ra, dtype_of(a), weak), ax)
        a = lax.concatenate([rb, a, ra], ax)
    return a


def _pad_stats(a, pad_width, stat_length, stat_func):
    weak = dtypes.dtype_and_weak(a)[1]
    for i in range(_ndim(a)):
        if stat_length is None:
            sb = sa = stat_func(a, axis=i, keepdims=True)
        else:
            n = shape_of(a)[i]
            lb, la = (int(v) for v in stat_length[i])
            if lb == 0 or la == 0:
                raise ValueError("stat_length of 0 yields no value for padding")
            lb, la = builtins.min(lb, n), builtins.min(la, n)
            sb = stat_func(lax.slice_in_dim(a, 0, lb, axis=i), axis=i, keepdims=True)
            sa = stat_func(lax.slice_in_dim(a, n - la, None, axis=i), axis=i, keepdims=True)
        if dtypes.is_integer(dtype_of(a)):
            sb, sa = _core.round(sb), _core.round(sa)
        sb = lax.convert_element_type(sb, dtype_of(a), weak)
        sa = lax.convert_element_type(sa, dtype_of(a), weak)
        before = repeat(sb, int(pad_width[i][0]), axis=i)
        after = repeat(sa, int(pad_width[i][1]), axis=i)
        a = lax.concatenate([before, a, after], i)
    return a


def _pad_empty(a, pad_width):
    for i in range(_ndim(a)):
        s = shape_of(a)
        before = _core.zeros_like(a, shape=s[:i] + (int(pad_width[i][0]),) + s[i + 1:])
        after = _core.zeros_like(a, shape=s[:i] + (int(pad_width[i][1]),) + s[i + 1:])
        a = lax.concatenate([before, a, after], i)
    return a


def pad(array, pad_width, mode="constant", **kwargs):
    a = ensure_arraylike("pad", array)
    nd = _ndim(a)
    pw = _broadcast_to_pairs(pad_width, nd, "pad_width")
    if pw and not builtins.all(isinstance(p, (int, np.integer)) for pair in pw for p in pair):
        raise TypeError("`pad_width` must be of integral type.")
    if callable(mode):
        raise NotImplementedError("jnp.pad with a callable mode is not supported in cellax")
    allowed = {"empty": [], "edge": [], "wrap": [], "constant": ["constant_values"],
               "linear_ramp": ["end_values"], "maximum": ["stat_length"],
               "mean": ["stat_length"], "median": ["stat_length"],
               "minimum": ["stat_length"], "reflect": ["reflect_type"],
               "symmetric": ["reflect_type"]}
    try:
        unsupported = set(kwargs) - set(allowed[mode])
    except KeyError:
        raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.") from None
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    if nd == 0:
        return a
    if np.any(np.array(pw) < 0):
        raise ValueError("index can't contain negative values")
    pw = tuple((int(lo), int(hi)) for lo, hi in pw)
    if mode == "constant":
        return _pad(a, pw, mode, arr(kwargs.get("constant_values", 0)), None, None, "even")
    if mode == "linear_ramp":
        ev = _broadcast_to_pairs(kwargs.get("end_values", 0), nd, "end_values")
        ev = tuple(tuple(float(v) if not isinstance(v, (int, np.integer)) else int(v)
                         for v in pair) for pair in ev)
    else:
        ev = None
    sl = kwargs.get("stat_length")
    if sl is not None:
        sl = tuple(tuple(int(v) for v in pair) for pair in _broadcast_to_pairs(sl, nd,
                                                                              "stat_length"))
    return _pad(a, pw, mode, None, sl, ev, kwargs.get("reflect_type", "even"))


@jit(static_argnames=("pw", "mode", "stat_length", "end_values", "reflect_type"))
def _pad(a, pw, mode, constant_values, stat_length, end_values, reflect_type):
    if mode == "constant":
        return _pad_constant(a, pw, constant_values)
    if mode == "wrap":
        return _pad_wrap(a, pw)
    if mode in ("symmetric", "reflect"):
        if reflect_type not in ("even", "odd"):
            raise ValueError(f"Unimplemented reflect_type '{reflect_type}' for np.pad.")
        return _pad_symmetric_or_reflect(a, pw, mode, reflect_type)
    if mode == "edge":
        return _pad_edge(a, pw)
    if mode == "linear_ramp":
        return _pad_linear_ramp(a, pw, end_values)
    if mode in ("maximum", "minimum", "mean"):
        fn = {"maximum": _core.max, "minimum": _core.min, "mean": _core.mean}[mode]
        return _pad_stats(a, pw, stat_length, fn)
    if mode == "empty":
        return _pad_empty(a, pw)
    raise NotImplementedError(f"jnp.pad mode '{mode}' is not supported in cellax (it needs a "
                              f"sort).")


# ---------------------------------------------------------------------------------------
# Sorted-array lookups, counting


def _sort_lt(x, y):
    # NumPy's sort order: NaNs last.
    if dtypes.is_float(dtype_of(x)):
        return _core.logical_or(_core.less(x, y),
                                _core.logical_and(_core.isnan(y), _core.logical_not(
                                    _core.isnan(x))))
    if dtypes.is_complex(dtype_of(x)):
        xr, xi, yr, yi = _core.real(x), _core.imag(x), _core.real(y), _core.imag(y)
        return _core.logical_or(_sort_lt(xr, yr), _core.logical_and(_core.equal(xr, yr),
                                                                    _sort_lt(xi, yi)))
    return _core.less(x, y)


@jit(static_argnames=("side", "method"))
def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    if sorter is None:
        a, v = ensure_arraylike("searchsorted", a, v)
    else:
        a, v, sorter = ensure_arraylike("searchsorted", a, v, sorter)
    if _ndim(a) != 1:
        raise ValueError("a should be 1-dimensional")
    if side not in ("left", "right"):
        raise ValueError(f"{side!r} is an invalid value for keyword 'side'. Expected one of "
                         f"['left', 'right'].")
    if method not in ("scan", "scan_unrolled", "sort", "compare_all"):
        raise ValueError(f"method={method!r} not recognized; expected one of 'scan', "
                         f"'scan_unrolled', 'sort', or 'compare_all'")
    a, v = promote_dtypes(a, v)
    if sorter is not None:
        a = take(a, sorter, mode="clip")
    n = shape_of(a)[0]
    dt = np.dtype(np.int32) if n < 2 ** 31 - 1 else np.dtype(np.int64)
    # Every method gives the same answer; cellax counts comparisons against all of `a`.
    av = lax.broadcast_in_dim(a, shape_of(v) + (n,), (_ndim(v),))
    vv = lax.broadcast_in_dim(v, shape_of(v) + (n,), tuple(range(_ndim(v))))
    cmp = _sort_lt(av, vv) if side == "left" else _core.logical_not(_sort_lt(vv, av))
    return _core.sum(cmp, axis=-1, dtype=dt)


@jit(static_argnames=("right", "method"))
def digitize(x, bins, right=False, *, method=None):
    x, bins = ensure_arraylike("digitize", x, bins)
    right = bool(core.concrete_or_error(right, "right argument of jnp.digitize()"))
    if _ndim(bins) != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins}")
    if shape_of(bins)[0] == 0:
        return _core.zeros_like(x, dtype=np.int32)
    side = "right" if not right else "left"
    kw = {} if method is None else {"method": method}
    n = shape_of(bins)[0]
    return _core.where(_core.greater_equal(bins[-1], bins[0]),
                       searchsorted(bins, x, side=side, **kw),
                       _core.subtract(n, searchsorted(bins[::-1], x, side=side, **kw)))


def bincount(x, weights=None, minlength=0, *, length=None):
    x = ensure_arraylike("bincount", x)
    if dtype_of(x) == dtypes.bool_:
        x = lax.convert_element_type(x, np.int32)
    if not dtypes.is_integer(dtype_of(x)):
        raise TypeError(f"x argument to bincount must have an integer type; got {dtype_of(x)}")
    if _ndim(x) != 1:
        raise ValueError("only 1-dimensional input supported.")
    minlength = operator.index(core.concrete_or_error(
        minlength, "The error occurred because of argument 'minlength' of jnp.bincount."))
    if length is None:
        xn = _concrete_np(x, "The error occurred because of argument 'x' of jnp.bincount. To "
                             "avoid this error, pass a static `length` argument.")
        length = builtins.max(minlength, xn.size and int(builtins.max(0, xn.max())) + 1)
    else:
        length = operator.index(core.concrete_or_error(
            length, "The error occurred because of argument 'length' of jnp.bincount."))
    if weights is None:
        weights = np.array(1, dtype=dtypes.default_int_dtype())
    elif np.shape(x) != shape_of(weights) and shape_of(x) != shape_of(weights):
        raise ValueError(f"shape of weights must match shape of x. Got {shape_of(x)} and "
                         f"{shape_of(weights)}")
    return _core.zeros(length, dtypes.dtype(weights)).at[_core.clip(x, 0)].add(weights,
                                                                               mode="drop")


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    del weights
    if isinstance(bins, str):
        raise NotImplementedError("string values for `bins` not implemented.")
    check_arraylike("histogram_bin_edges", a, bins)
    a = arr(a)
    dt = _core._to_inexact_dtype(dtype_of(a))
    if np.ndim(bins) == 1 or _ndim(bins) == 1:
        return _core.asarray(bins, dtype=dt)
    nbins = operator.index(core.concrete_or_error(bins, "bins argument of "
                                                  "histogram_bin_edges"))
    if range is None:
        range = [_core.min(a), _core.max(a)]  # noqa: A001
    rng = _core.asarray(range, dtype=dt)
    if shape_of(rng) != (2,):
        raise ValueError(f"`range` must be either None or a sequence of scalars, got {range}")
    zero_width = _core.equal(_core.subtract(_core.max(rng), _core.min(rng)), 0)
    lo = _core.where(zero_width, _core.subtract(rng[0], 0.5), rng[0])
    hi = _core.where(zero_width, _core.add(rng[1], 0.5), rng[1])
    from cellax.numpy._creation import _linspace_axis
    return _linspace_axis(lo, hi, nbins + 1, True, dt, 0)


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    if weights is None:
        a, _ = ensure_arraylike("histogram", a, bins)
        (a,) = promote_dtypes(_core._to_inexact(a))
        weights = _core.ones_like(a)
    else:
        a, _, weights = ensure_arraylike("histogram", a, bins, weights)
        if shape_of(a) != shape_of(weights):
            raise ValueError("weights should have the same shape as a.")
        from cellax.numpy._util import promote_dtypes_inexact
        a, weights = promote_dtypes_inexact(a, weights)
    edges = histogram_bin_edges(a, bins, range, weights)
    n = shape_of(edges)[0]
    bin_idx = searchsorted(edges, a, side="right")
    bin_idx = _core.where(_core.equal(a, edges[-1]), n - 1, bin_idx)
    counts = _core.zeros(n, dtype_of(weights)).at[bin_idx].add(weights)[1:]
    if density:
        from cellax.numpy._math import diff
        widths = diff(edges)
        counts = _core.true_divide(_core.true_divide(counts, widths), _core.sum(counts))
    return counts, edges


def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    element, test_elements = ensure_arraylike("isin", element, test_elements)
    e, t = promote_dtypes(element, test_elements)
    e, t = _core.ravel(e), _core.ravel(t)
    if method not in ("auto", "compare_all", "binary_search", "sort"):
        raise ValueError(f"method={method!r} is not implemented; options are 'compare_all', "
                         f"'binary_search', 'sort', and 'auto'")
    if shape_of(e)[0] == 0 or shape_of(t)[0] == 0:
        res = (_core.ones if invert else _core.zeros)(shape_of(e), dtype=bool)
    elif invert:
        res = _core.all(_core.not_equal(e[:, None], t[None, :]), -1)
    else:
        res = _core.any(_core.equal(e[:, None], t[None, :]), -1)
    return _core.reshape(res, shape_of(element))


_unused = (jit,)


def _tile_to_size(a, size):
    n = shape_of(a)[0]
    if n < size:
        a = tile(a, int(np.ceil(size / n)))
    return a[:size] if shape_of(a)[0] > size else a


@jit(static_argnames=("inplace",), inline=True)
def place(arr_, mask, vals, *, inplace=True):
    data, mask, vals = ensure_arraylike("place", arr_, mask, vals)
    vals = _core.ravel(vals)
    if inplace:
        raise ValueError("jax.numpy.place cannot modify arrays in-place, because JAX arrays "
                         "are immutable. Pass inplace=False to instead return an updated "
                         "array.")
    size = math.prod(shape_of(data))
    if size != math.prod(shape_of(mask)):
        raise ValueError("place: arr and mask must be the same size")
    if not shape_of(vals)[0]:
        raise ValueError("Cannot place values from an empty array")
    if not size:
        return data
    (idx,) = nonzero(_core.ravel(mask), size=size, fill_value=size)
    vals = _tile_to_size(vals, shape_of(idx)[0])
    return _core.reshape(_core.ravel(data).at[idx].set(vals, mode="drop"), shape_of(data))


@jit(static_argnames=("mode", "inplace"), inline=True)
def put(a, ind, v, mode=None, *, inplace=True):
    if inplace:
        raise ValueError("jax.numpy.put cannot modify arrays in-place, because JAX arrays are "
                         "immutable. Pass inplace=False to instead return an updated array.")
    a, ind, _ = ensure_arraylike("put", a, ind, v)
    ind = _core.ravel(ind)
    v = _core.ravel(v)
    size = math.prod(shape_of(a))
    if not size or not shape_of(ind)[0] or not shape_of(v)[0]:
        return a
    v = _tile_to_size(v, shape_of(ind)[0])
    if mode is None:
        scatter_mode = "drop"
    elif mode == "clip":
        ind = _core.clip(ind, 0, size - 1)
        scatter_mode = "promise_in_bounds"
    elif mode == "wrap":
        ind = _core.remainder(ind, size)
        scatter_mode = "promise_in_bounds"
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.put is not supported.")
    else:
        raise ValueError(f"mode should be one of 'wrap' or 'clip'; got mode={mode!r}")
    return a.at[unravel_index(ind, shape_of(a))].set(v, mode=scatter_mode)


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


def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
    from cellax.numpy._math import diff
    from cellax.numpy._util import promote_dtypes_inexact
    if weights is None:
        sample = ensure_arraylike("histogramdd", sample)
        (sample,) = promote_dtypes_inexact(sample)
    else:
        sample, weights = ensure_arraylike("histogramdd", sample, weights)
        if shape_of(weights) != shape_of(sample)[:1]:
            raise ValueError("should have one weight for each sample.")
        sample, weights = promote_dtypes_inexact(sample, weights)
    N, D = shape_of(sample)
    if range is not None and (len(range) != D or builtins.any(
            r is not None and np.shape(r)[0] != 2 for r in range)):
        raise ValueError(f"For sample.shape={(N, D)}, range must be a sequence of {D} pairs "
                         f"or Nones; got range={range}")
    try:
        bins_per_dim = list(bins)
    except TypeError:
        bins_per_dim = D * [bins]
    else:
        if len(bins_per_dim) != D:
            raise ValueError("should be a bin for each dimension.")
    idx_by_dim, edges_by_dim = [], []
    for i in builtins.range(D):
        r = None if range is None else range[i]
        edges = histogram_bin_edges(sample[:, i], bins_per_dim[i], r, weights)
        idx = searchsorted(edges, sample[:, i], side="right")
        idx = _core.where(_core.equal(sample[:, i], edges[-1]), _core.subtract(idx, 1), idx)
        idx_by_dim.append(idx)
        edges_by_dim.append(edges)
    nbins = tuple(shape_of(e)[0] + 1 for e in edges_by_dim)
    dedges = [diff(e) for e in edges_by_dim]
    xy = ravel_multi_index(tuple(idx_by_dim), nbins, mode="clip")
    hist = bincount(xy, weights, length=math.prod(nbins))
    hist = _core.reshape(hist, nbins)[D * (slice(1, -1),)]
    if density:
        hist = _core.astype(hist, dtype_of(sample))
        hist = _core.true_divide(hist, _core.sum(hist))
        for norm in ix_(*dedges):
            hist = _core.true_divide(hist, norm)
    return hist, edges_by_dim


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
    x, y = ensure_arraylike("histogram2d", x, y)
    try:
        N = len(bins)
    except TypeError:
        N = 1
    if N != 1 and N != 2:
        e = arr(bins)
        bins = [e, e]
    sample = _core.transpose(_core.stack([x, y]))
    hist, edges = histogramdd(sample, bins, range, weights, density)
    return hist, edges[0], edges[1]


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
