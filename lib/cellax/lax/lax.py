"""`cellax.lax`: thin, strictly-typed wrappers that bind primitives (JAX's `jax.lax`).

lax functions do not promote dtypes (except that weakly typed Python scalars take
the other operand's dtype) and broadcast only scalars and size-1 dimensions of
equal-rank operands, as JAX's lax does.
"""
from __future__ import annotations

import builtins
import enum
import operator
from typing import Any, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import Tracer, canonicalize_shape, get_aval
from cellax.primitives import dot as _dot
from cellax.primitives import elementwise as _ew
from cellax.primitives import indexing as _ix
from cellax.primitives import reductions as _red
from cellax.primitives import shape as _sh


class Precision(enum.Enum):
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    def __repr__(self):
        return f"Precision.{self.name}"

    __str__ = __repr__


class RoundingMethod(enum.IntEnum):
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def _is_scalar_literal(x) -> bool:
    return type(x) in (int, float, builtins.complex, bool)


def _promote_scalar_args(name: str, *args):
    """Give Python scalars the dtype of the array operands (lax's only implicit cast)."""
    arrays = [a for a in args if not _is_scalar_literal(a)]
    if not arrays or len(arrays) == len(args):
        return args
    dt = get_aval(arrays[0]).dtype
    return tuple(convert_element_type(a, dt, weak_type=True) if _is_scalar_literal(a) else a
                 for a in args)


def _nary(prim):
    def fn(*args):
        return prim.bind(*_promote_scalar_args(prim.name, *args))
    fn.__name__ = prim.name
    return fn


neg = _nary(_ew.neg_p)
sign = _nary(_ew.sign_p)
floor = _nary(_ew.floor_p)
ceil = _nary(_ew.ceil_p)
is_finite = _nary(_ew.is_finite_p)
exp = _nary(_ew.exp_p)
exp2 = _nary(_ew.exp2_p)
log = _nary(_ew.log_p)
log1p = _nary(_ew.log1p_p)
expm1 = _nary(_ew.expm1_p)
tanh = _nary(_ew.tanh_p)
logistic = _nary(_ew.logistic_p)
sin = _nary(_ew.sin_p)
cos = _nary(_ew.cos_p)
tan = _nary(_ew.tan_p)
asin = _nary(_ew.asin_p)
acos = _nary(_ew.acos_p)
atan = _nary(_ew.atan_p)
sinh = _nary(_ew.sinh_p)
cosh = _nary(_ew.cosh_p)
asinh = _nary(_ew.asinh_p)
acosh = _nary(_ew.acosh_p)
atanh = _nary(_ew.atanh_p)
sqrt = _nary(_ew.sqrt_p)
rsqrt = _nary(_ew.rsqrt_p)
cbrt = _nary(_ew.cbrt_p)
erf = _nary(_ew.erf_p)
erfc = _nary(_ew.erfc_p)
erf_inv = _nary(_ew.erf_inv_p)
lgamma = _nary(_ew.lgamma_p)
digamma = _nary(_ew.digamma_p)
bitwise_not = _nary(_ew.not_p)
population_count = _nary(_ew.population_count_p)
clz = _nary(_ew.clz_p)
imag = _nary(_ew.imag_p)
real = _nary(_ew.real_p)
abs = _nary(_ew.abs_p)  # noqa: A001 - JAX's name
square = _nary(_ew.square_p)
add = _nary(_ew.add_p)
sub = _nary(_ew.sub_p)
mul = _nary(_ew.mul_p)
div = _nary(_ew.div_p)
rem = _nary(_ew.rem_p)
pow = _nary(_ew.pow_p)  # noqa: A001
max = _nary(_ew.max_p)  # noqa: A001
min = _nary(_ew.min_p)  # noqa: A001
atan2 = _nary(_ew.atan2_p)
nextafter = _nary(_ew.nextafter_p)
bitwise_and = _nary(_ew.and_p)
bitwise_or = _nary(_ew.or_p)
bitwise_xor = _nary(_ew.xor_p)
shift_left = _nary(_ew.shift_left_p)
shift_right_arithmetic = _nary(_ew.shift_right_arithmetic_p)
shift_right_logical = _nary(_ew.shift_right_logical_p)
complex = _nary(_ew.complex_p)  # noqa: A001
eq = _nary(_ew.eq_p)
ne = _nary(_ew.ne_p)
lt = _nary(_ew.lt_p)
le = _nary(_ew.le_p)
gt = _nary(_ew.gt_p)
ge = _nary(_ew.ge_p)


def conj(x):
    return _ew.conj_p.bind(x, input_dtype=get_aval(x).dtype)


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001
    return _ew.round_p.bind(x, rounding_method=RoundingMethod(rounding_method))


def integer_pow(x, y: int):
    return _ew.integer_pow_p.bind(x, y=int(y))


def convert_element_type(operand, new_dtype, weak_type: bool = False):
    """Cast `operand` to `new_dtype` (canonicalized). Host scalars and NumPy arrays are cast
    on the host and become constants, as in JAX (no equation is staged for them)."""
    new_dtype = dtypes.check_user_dtype(new_dtype, "convert_element_type")
    if isinstance(operand, (bool, int, float, builtins.complex, np.generic, np.ndarray)):
        value = np.asarray(operand)
        if value.dtype.kind == "c" and new_dtype.kind != "c":
            value = value.real
        value = value.astype(new_dtype)
        if value.shape == ():
            return _py_scalar(value, new_dtype) if weak_type else value[()]
        if not weak_type:
            return value
        # NumPy arrays carry no weak type: a weakly typed result must be an Array.
        return _ew.convert_element_type_p.bind(value, new_dtype=new_dtype, weak_type=True,
                                               sharding=None)
    aval = get_aval(operand)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return operand
    literal = getattr(operand, "var", None)
    if type(literal) is core.Literal:  # a literal tracer: fold on the host, as JAX does
        value = np.asarray(literal.val)
        if value.dtype.kind == "c" and new_dtype.kind != "c":
            value = value.real
        return operand._trace.literal_tracer(
            value.astype(new_dtype), core.ShapedArray((), new_dtype, bool(weak_type)))
    return _ew.convert_element_type_p.bind(operand, new_dtype=new_dtype,
                                           weak_type=bool(weak_type), sharding=None)


def _py_scalar(value: np.ndarray, dtype):
    """A weakly typed scalar of `dtype`: a Python scalar when `dtype` is the default dtype of
    its kind (Python scalars are weak), else a (strong) NumPy scalar."""
    v = value.item()
    if type(v) is not bool and dtypes.python_scalar_type_dtype(type(v)) == dtype:
        return v
    return value[()]


def bitcast_convert_type(operand, new_dtype):
    return _ew.bitcast_convert_type_p.bind(operand, new_dtype=np.dtype(new_dtype))


def select_n(which, *cases):
    return _ew.select_n_p.bind(which, *cases)


def select(pred, on_true, on_false):
    return _ew.select_n_p.bind(pred, on_false, on_true)


def clamp(min, x, max):  # noqa: A002
    return _ew.clamp_p.bind(*_promote_scalar_args("clamp", min, x, max))


# ---------------------------------------------------------------------------------------
# Shapes


def broadcast_in_dim(operand, shape, broadcast_dimensions, out_sharding=None):
    shape = canonicalize_shape(shape, "broadcast_in_dim shape")
    aval = get_aval(operand)
    if aval.shape == shape and tuple(broadcast_dimensions) == tuple(range(len(shape))):
        return operand
    return _sh.broadcast_in_dim_p.bind(operand, shape=shape,
                                       broadcast_dimensions=tuple(broadcast_dimensions),
                                       sharding=out_sharding)


def broadcast(operand, sizes):
    aval = get_aval(operand)
    sizes = tuple(sizes)
    return broadcast_in_dim(operand, sizes + aval.shape,
                            tuple(range(len(sizes), len(sizes) + aval.ndim)))


def broadcast_to_rank(x, rank: int):
    aval = get_aval(x)
    if aval.ndim == rank:
        return x
    return broadcast(x, (1,) * (rank - aval.ndim))


def reshape(operand, new_sizes, dimensions=None, out_sharding=None):
    new_sizes = canonicalize_shape(new_sizes, "reshape new_sizes")
    aval = get_aval(operand)
    same_dims = dimensions is None or tuple(dimensions) == tuple(range(aval.ndim))
    if aval.shape == new_sizes and same_dims:
        return operand
    return _sh.reshape_p.bind(operand, new_sizes=new_sizes,
                              dimensions=None if same_dims else tuple(dimensions),
                              sharding=out_sharding)


def transpose(operand, permutation):
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))) and get_aval(operand).ndim == len(
            permutation):
        return operand
    return _sh.transpose_p.bind(operand, permutation=permutation)


def squeeze(array, dimensions):
    aval = get_aval(array)
    dims = tuple(sorted({int(d) % aval.ndim if aval.ndim else int(d) for d in dimensions}))
    if not dims:
        return array
    return _sh.squeeze_p.bind(array, dimensions=dims)


def expand_dims(array, dimensions):
    aval = get_aval(array)
    ndim_out = aval.ndim + len(dimensions)
    dims = sorted(d % ndim_out for d in dimensions)
    shape = list(aval.shape)
    for d in dims:
        shape.insert(d, 1)
    bdims = [i for i in range(ndim_out) if i not in dims]
    return broadcast_in_dim(array, shape, bdims)


def concatenate(operands, dimension: int):
    operands = list(operands)
    if len(operands) == 1:
        return operands[0]
    return _sh.concatenate_p.bind(*operands, dimension=int(dimension))


def pad(operand, padding_value, padding_config):
    return _sh.pad_p.bind(operand, padding_value,
                          padding_config=tuple(tuple(p) for p in padding_config))


def rev(operand, dimensions):
    return _sh.rev_p.bind(operand, dimensions=tuple(dimensions))


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001
    return _sh.slice_p.bind(operand, start_indices=tuple(int(i) for i in start_indices),
                            limit_indices=tuple(int(i) for i in limit_indices),
                            strides=None if strides is None else tuple(int(s) for s in strides))


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    aval = get_aval(operand)
    start = [0] * aval.ndim
    limit = list(aval.shape)
    strides = [1] * aval.ndim
    axis = int(axis) % aval.ndim
    d = aval.shape[axis]
    start_index = 0 if start_index is None else start_index
    limit_index = d if limit_index is None else limit_index
    start[axis] = start_index + d if start_index < 0 else start_index
    limit[axis] = limit_index + d if limit_index < 0 else limit_index
    strides[axis] = stride
    return slice(operand, start, limit, strides if stride != 1 else None)


def index_in_dim(operand, index, axis=0, keepdims=True):
    aval = get_aval(operand)
    axis = int(axis) % aval.ndim
    index = int(index)
    if index < 0:
        index += aval.shape[axis]
    if not 0 <= index < aval.shape[axis]:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size "
                         f"{aval.shape[axis]}")
    out = slice_in_dim(operand, index, index + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_slice(operand, start_indices, slice_sizes):
    idx = [_index_scalar(i) for i in start_indices]
    return _sh.dynamic_slice_p.bind(operand, *idx,
                                    slice_sizes=tuple(int(s) for s in slice_sizes))


def dynamic_update_slice(operand, update, start_indices):
    idx = [_index_scalar(i) for i in start_indices]
    return _sh.dynamic_update_slice_p.bind(operand, update, *idx)


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0):
    aval = get_aval(operand)
    starts = [0] * aval.ndim
    starts[axis] = start_index
    sizes = list(aval.shape)
    sizes[axis] = slice_size
    return dynamic_slice(operand, starts, sizes)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True):
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def _index_scalar(i):
    if _is_scalar_literal(i) or isinstance(i, np.generic):
        return np.asarray(int(i), dtypes.default_int_dtype())[()] if not isinstance(
            i, np.generic) else i
    return i


def iota(dtype, size: int):
    dtype = dtypes.check_user_dtype(dtype, "iota")
    return _sh.iota_p.bind(dtype=dtype, shape=(int(size),), dimension=0, sharding=None)


def broadcasted_iota(dtype, shape, dimension: int, out_sharding=None):
    dtype = dtypes.check_user_dtype(dtype, "broadcasted_iota")
    shape = canonicalize_shape(shape)
    return _sh.iota_p.bind(dtype=dtype, shape=shape, dimension=int(dimension), sharding=None)


def full(shape, fill_value, dtype=None, sharding=None):
    shape = canonicalize_shape(shape, "full shape")
    if np.shape(fill_value) != ():
        raise TypeError(f"full must be called with scalar fill_value, got fill_value.shape "
                        f"{np.shape(fill_value)}.")
    weak = dtype is None and dtypes.dtype_and_weak(fill_value)[1]
    dtype = dtypes.check_user_dtype(dtype) if dtype is not None else dtypes.dtype(fill_value)
    return _full(shape, fill_value, dtype, weak)


def _full(shape, fill_value, dtype, weak):
    value = convert_element_type(fill_value, dtype, weak)
    if not shape and not isinstance(value, Tracer) and getattr(value, "aval", None) is None:
        return _host_scalar_to_array(value, dtype, weak)
    return broadcast_in_dim(value, shape, ())


def _host_scalar_to_array(value, dtype, weak):
    """A host scalar result as an Array (lax functions return Arrays): a device array
    eagerly, a literal tracer while staging (inlined into the jaxpr, as in JAX)."""
    return core.constant_array(np.asarray(value, dtype), core.ShapedArray((), dtype, bool(weak)))


def full_like(x, fill_value, dtype=None, shape=None):
    aval = get_aval(x)
    weak = dtype is None and aval.weak_type
    dtype = aval.dtype if dtype is None else dtypes.check_user_dtype(dtype)
    shape = aval.shape if shape is None else canonicalize_shape(shape, "full_like shape")
    return _full(shape, fill_value, dtype, weak)


def zeros_like_array(x):
    return full_like(x, 0)


# ---------------------------------------------------------------------------------------
# Contractions and reductions


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None,
                out_sharding=None):
    (lc, rc), (lb, rb) = dimension_numbers
    dn = ((tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
          (tuple(int(d) for d in lb), tuple(int(d) for d in rb)))
    dn = (([*dn[0][0]], [*dn[0][1]]), ([*dn[1][0]], [*dn[1][1]]))
    dn = _DimNums(dn)
    pet = None if preferred_element_type is None else dtypes.check_user_dtype(
        preferred_element_type)
    return _dot.dot_general_p.bind(lhs, rhs, dimension_numbers=dn,
                                   precision=canonicalize_precision(precision),
                                   preferred_element_type=pet, out_sharding=out_sharding)


class _DimNums(tuple):
    """dimension_numbers printed as JAX prints them (lists) but hashable."""

    def __new__(cls, dn):
        return super().__new__(cls, (tuple(tuple(x) for x in dn[0]),
                                     tuple(tuple(x) for x in dn[1])))

    def __repr__(self):
        (lc, rc), (lb, rb) = self
        return f"(({list(lc)}, {list(rc)}), ({list(lb)}, {list(rb)}))"

    __str__ = __repr__


def canonicalize_precision(precision):
    if precision is None:
        return None
    if isinstance(precision, str):
        precision = Precision[precision.upper()]
    if isinstance(precision, Precision):
        return (precision, precision)
    if isinstance(precision, (tuple, list)) and len(precision) == 2:
        return tuple(Precision[p.upper()] if isinstance(p, str) else p for p in precision)
    raise ValueError(f"Precision argument must be one of None, a string in ('default', "
                     f"'high', 'highest'), a lax.Precision, or a pair of them; got {precision}.")


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    la, ra = get_aval(lhs), get_aval(rhs)
    if 1 <= la.ndim <= 2 and 1 <= ra.ndim <= 2 and la.shape[-1] == ra.shape[0]:
        return dot_general(lhs, rhs, (([la.ndim - 1], [0]), ([], [])), precision,
                           preferred_element_type)
    raise TypeError(f"Incompatible shapes for dot: got {la.shape} and {ra.shape}.")


def _reduce(prim, operand, axes, **extra):
    axes = tuple(int(a) for a in axes)
    return prim.bind(operand, axes=axes, **extra)


def reduce_sum(operand, axes, out_sharding=None):
    return _reduce(_red.reduce_sum_p, operand, axes, out_sharding=out_sharding)


def reduce_prod(operand, axes):
    return _reduce(_red.reduce_prod_p, operand, axes)


def reduce_max(operand, axes):
    return _reduce(_red.reduce_max_p, operand, axes)


def reduce_min(operand, axes):
    return _reduce(_red.reduce_min_p, operand, axes)


def reduce_and(operand, axes):
    return _reduce(_red.reduce_and_p, operand, axes)


def reduce_or(operand, axes):
    return _reduce(_red.reduce_or_p, operand, axes)


def reduce_xor(operand, axes):
    return _reduce(_red.reduce_xor_p, operand, axes)


def argmax(operand, axis: int, index_dtype):
    return _red.argmax_p.bind(operand, axes=(int(axis),),
                              index_dtype=dtypes.check_user_dtype(index_dtype))


def argmin(operand, axis: int, index_dtype):
    return _red.argmin_p.bind(operand, axes=(int(axis),),
                              index_dtype=dtypes.check_user_dtype(index_dtype))


def stop_gradient(x):
    """The identity on values, with a zero derivative (applied to every leaf of a pytree)."""
    from cellax.tree_util import tree_map

    def stop(v):
        aval = get_aval(v)
        if not dtypes.is_inexact(aval.dtype):
            return v
        return _ew.stop_gradient_p.bind(v)
    return tree_map(stop, x)


# ---------------------------------------------------------------------------------------
# Gather and scatter

GatherDimensionNumbers = _ix.GatherDimensionNumbers
ScatterDimensionNumbers = _ix.ScatterDimensionNumbers
GatherScatterMode = _ix.GatherScatterMode


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    parsed_mode = GatherScatterMode.from_any(
        GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else mode)
    if parsed_mode == GatherScatterMode.FILL_OR_DROP:
        if fill_value is None:
            fill_value = _ix.default_fill_value(get_aval(operand).dtype)
    else:
        fill_value = None
    return _ix.gather_p.bind(operand, start_indices, dimension_numbers=dimension_numbers,
                             slice_sizes=canonicalize_shape(slice_sizes),
                             unique_indices=bool(unique_indices),
                             indices_are_sorted=bool(indices_are_sorted), mode=parsed_mode,
                             fill_value=fill_value)


def _scatter_with(prim, computation):
    def fn(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
           unique_indices=False, mode=None):
        aval = core.ShapedArray((), get_aval(operand).dtype)
        jaxpr, consts = (None, ()) if computation is None else _ix.reduction_jaxpr(
            computation, aval)
        return prim.bind(operand, scatter_indices, updates, update_jaxpr=jaxpr,
                         update_consts=consts, dimension_numbers=dimension_numbers,
                         indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                         mode=GatherScatterMode.from_any(mode))
    fn.__name__ = fn.__qualname__ = prim.name.replace("-", "_")
    return fn


scatter = _scatter_with(_ix.scatter_p, None)
scatter_add = _scatter_with(_ix.scatter_add_p, add)
scatter_sub = _scatter_with(_ix.scatter_sub_p, sub)
scatter_mul = _scatter_with(_ix.scatter_mul_p, mul)
scatter_min = _scatter_with(_ix.scatter_min_p, min)
scatter_max = _scatter_with(_ix.scatter_max_p, max)

_scatter_apply_cache: dict = {}


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
    """Replace `operand` at the indices with `func(operand)` (repeats apply repeatedly)."""
    dtype = get_aval(operand).dtype
    unused = full(update_shape, 0, dtype)
    try:
        apply = _scatter_apply_cache.setdefault(func, lambda x, _: func(x))
    except TypeError:  # unhashable func
        apply = lambda x, _: func(x)  # noqa: E731
    jaxpr, consts = _ix.reduction_jaxpr(apply, core.ShapedArray((), dtype))
    return _ix.scatter_p.bind(operand, scatter_indices, unused, update_jaxpr=jaxpr,
                              update_consts=consts, dimension_numbers=dimension_numbers,
                              indices_are_sorted=indices_are_sorted,
                              unique_indices=unique_indices,
                              mode=GatherScatterMode.from_any(mode))


_unused = (operator, Any, Sequence, Tracer)


# ---------------------------------------------------------------------------------------
# Collectives over named axes (inside vmap(..., axis_name=...))


def _tree_collective(prim, x, axis_name, **params):
    from cellax.tree_util import tree_flatten, tree_unflatten
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    leaves, tree = tree_flatten(x)
    leaves = [l if hasattr(l, "aval") else convert_element_type(
        l, dtypes.dtype(l), dtypes.dtype_and_weak(l)[1]) for l in leaves]
    return tree_unflatten(tree, prim.bind(*leaves, axes=names, **params))


def psum(x, axis_name, *, axis_index_groups=None):
    """Sum over the named vmap axis (every member gets the total)."""
    from cellax.primitives.collectives import psum_p
    return _tree_collective(psum_p, x, axis_name, axis_index_groups=axis_index_groups)


def pmax(x, axis_name, *, axis_index_groups=None):
    from cellax.primitives.collectives import pmax_p
    return _tree_collective(pmax_p, x, axis_name, axis_index_groups=axis_index_groups)


def pmin(x, axis_name, *, axis_index_groups=None):
    from cellax.primitives.collectives import pmin_p
    return _tree_collective(pmin_p, x, axis_name, axis_index_groups=axis_index_groups)


def pmean(x, axis_name, *, axis_index_groups=None):
    from cellax.interpreters.batching import axis_size
    from cellax.tree_util import tree_map
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    n = 1
    for name in names:
        n *= axis_size(name)
    total = psum(x, axis_name, axis_index_groups=axis_index_groups)
    return tree_map(lambda v: div(v, convert_element_type(n, get_aval(v).dtype)), total)


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
    from cellax.interpreters.batching import axis_size
    from cellax.primitives.collectives import all_gather_p
    from cellax.tree_util import tree_map
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    size = 1
    for name in names:
        size *= axis_size(name)

    def gather(v):
        nd = get_aval(v).ndim
        ax = axis % (nd + (0 if tiled else 1)) if (nd or not tiled) else 0
        return all_gather_p.bind(v, axes=names, all_gather_dimension=ax, axis_size=size,
                                 tiled=tiled, axis_index_groups=axis_index_groups)
    return tree_map(gather, x)


def axis_index(axis_name):
    from cellax.primitives.collectives import axis_index_p
    return axis_index_p.bind(axis_name=axis_name)


def axis_size(axis_name):
    from cellax.interpreters.batching import axis_size as _size
    return _size(axis_name)
