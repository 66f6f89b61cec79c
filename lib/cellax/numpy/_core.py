"""The core of `cellax.numpy`: array creation, NumPy-style promotion and broadcasting,
ufuncs and reductions. Functions take arrays, tracers, NumPy arrays or Python scalars."""
from __future__ import annotations

import builtins
import operator
from typing import Any, Sequence

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer, get_aval

# ---------------------------------------------------------------------------------------
# Dtypes exposed as in jax.numpy



class _ScalarMeta(type):
    """JAX's scalar types: `jnp.float32(x)` makes a 0-d (or n-d) *array*, not a NumPy
    scalar, and `jnp.float32` works wherever a dtype is expected."""

    dtype: np.dtype

    @property
    def __numpy_dtype__(cls) -> np.dtype:  # NumPy >= 2.4 protocol
        return cls.dtype

    def __hash__(cls) -> int:
        return hash(cls.dtype.type)

    def __eq__(cls, other) -> bool:
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other) -> bool:
        return not cls == other

    def __call__(cls, x):
        return asarray(x, dtype=cls.dtype)

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, cls.dtype.type)


def _make_scalar_type(np_type) -> _ScalarMeta:
    t = _ScalarMeta(np.dtype(np_type).name if np_type is not np.bool_ else "bool",
                    (object,), {"dtype": np.dtype(np_type)})
    t.__module__ = "cellax.numpy"
    return t


bool_ = _make_scalar_type(np.bool_)
int8, int16, int32, int64 = map(_make_scalar_type, (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = map(_make_scalar_type,
                                    (np.uint8, np.uint16, np.uint32, np.uint64))
float16, float32, float64 = map(_make_scalar_type, (np.float16, np.float32, np.float64))
bfloat16 = _make_scalar_type(dtypes.bfloat16)
(float8_e3m4, float8_e4m3, float8_e4m3b11fnuz, float8_e4m3fn, float8_e4m3fnuz, float8_e5m2,
 float8_e5m2fnuz, float8_e8m0fnu, float6_e2m3fn, float6_e3m2fn, float4_e2m1fn, int1, int2,
 int4, uint1, uint2, uint4) = map(_make_scalar_type, (
    dtypes.float8_e3m4, dtypes.float8_e4m3, dtypes.float8_e4m3b11fnuz, dtypes.float8_e4m3fn,
    dtypes.float8_e4m3fnuz, dtypes.float8_e5m2, dtypes.float8_e5m2fnuz, dtypes.float8_e8m0fnu,
    dtypes.float6_e2m3fn, dtypes.float6_e3m2fn, dtypes.float4_e2m1fn, dtypes.int1, dtypes.int2,
    dtypes.int4, dtypes.uint1, dtypes.uint2, dtypes.uint4))
complex64, complex128 = map(_make_scalar_type, (np.complex64, np.complex128))
dtype = np.dtype
inf, nan, pi, e, euler_gamma = np.inf, np.nan, np.pi, np.e, np.euler_gamma
newaxis = None
ndarray = ArrayImpl
issubdtype = dtypes.issubdtype
finfo = dtypes.finfo
iinfo = dtypes.iinfo


def result_type(*args):
    return dtypes.result_type(*args)


def promote_types(a, b):
    return dtypes.promote_types_strict(a, b)


def _is_array_like(x) -> bool:
    return isinstance(x, (ArrayImpl, Tracer, np.ndarray, np.generic, bool, int, float, complex))


def _check_arraylike(fun_name: str, *args) -> None:
    for pos, a in enumerate(args):
        if not _is_array_like(a) and not hasattr(a, "__jax_array__"):
            raise TypeError(f"{fun_name} requires ndarray or scalar arguments, got "
                            f"{type(a)} at position {pos}.")


# ---------------------------------------------------------------------------------------
# Creation


def asarray(a, dtype=None, order=None, *, copy=None, device=None):
    """Convert to a cellax array (on the default device); arrays and tracers pass through."""
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "asarray")
    if isinstance(a, (ArrayImpl, Tracer)):
        return a if dtype is None else lax.convert_element_type(a, dtype)
    if hasattr(a, "__jax_array__"):
        return asarray(a.__jax_array__(), dtype)
    if isinstance(a, (list, tuple)) and _contains_traced(a):
        return stack([asarray(x, dtype) for x in a]) if a else asarray(np.asarray(a), dtype)
    weak = dtype is None and type(a) in (int, float, complex)
    value = np.asarray(a) if not isinstance(a, (list, tuple)) else _nested_to_np(a)
    if value.dtype == object:
        raise TypeError(f"asarray: cannot convert object of type {type(a).__name__} to an "
                        f"array; only numbers, bools, lists of them and arrays are supported.")
    target = dtype if dtype is not None else (
        dtypes.python_scalar_dtype(a) if weak else core.get_aval(value).dtype)
    value = value.astype(target, copy=False)
    aval = core.ShapedArray(value.shape, target, weak)
    return core.constant_array(value, aval, device)


def _nested_to_np(a):
    value = np.asarray(a)
    if value.dtype == object:
        value = np.asarray([np.asarray(x) for x in a])
    # A list of Python floats/ints gives float64/int64 in NumPy; JAX canonicalizes.
    return value


def _contains_traced(seq) -> bool:
    for x in seq:
        if isinstance(x, (Tracer, ArrayImpl)):
            return True
        if isinstance(x, (list, tuple)) and _contains_traced(x):
            return True
    return False


def array(object, dtype=None, copy=True, order="K", ndmin=0):  # noqa: A002
    if order is not None and order != "K":
        raise NotImplementedError("Only implemented for order='K'")
    if object is None:
        raise ValueError("None is not a valid value for jnp.array")
    out = asarray(object, dtype)
    if ndmin > ndim(out):
        out = lax.broadcast(out, (1,) * (ndmin - ndim(out)))
    return out


def zeros(shape, dtype=None, *, device=None):
    return lax.full(shape, 0, dtypes.check_user_dtype(dtype) if dtype is not None
                    else dtypes.default_float_dtype())


def ones(shape, dtype=None, *, device=None):
    return lax.full(shape, 1, dtypes.check_user_dtype(dtype) if dtype is not None
                    else dtypes.default_float_dtype())


def empty(shape, dtype=None, *, device=None):
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None, *, device=None):
    if ndim(fill_value) == 0:
        return lax.full(shape, fill_value, dtype)
    return broadcast_to(asarray(fill_value, dtype), shape)


def zeros_like(a, dtype=None, shape=None):
    return lax.full_like(a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    return lax.full_like(a, 1, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None):
    if ndim(fill_value) == 0:
        return lax.full_like(a, fill_value, dtype, shape)
    shape = _shape(a) if shape is None else shape
    dtype = dtypes.result_type(a) if dtype is None else dtype
    return broadcast_to(asarray(fill_value, dtype=dtype), shape)


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


def arange(start, stop=None, step=None, dtype=None):
    # With one argument it is `stop` (as JAX's message says).
    first = "stop" if stop is None and step is None else "start"
    start = core.concrete_or_error(start, f"It arose in the jnp.arange argument '{first}'")
    stop = core.concrete_or_error(stop, "It arose in the jnp.arange argument 'stop'")
    step = core.concrete_or_error(step, "It arose in the jnp.arange argument 'step'")
    if dtype is None:
        dtype = dtypes.result_type(*(v for v in (start, stop, step) if v is not None))
    dtype = dtypes.check_user_dtype(dtype, "arange")
    if stop is None and step is None:
        size = builtins.max(int(np.ceil(start)), 0)
        return lax.iota(dtype, size)
    values = np.arange(start, stop, step if step is not None else 1)
    return asarray(values.astype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    num = int(core.concrete_or_error(num, "jnp.linspace num"))
    dt = dtypes.check_user_dtype(dtype) if dtype is not None else \
        dtypes.result_type(start, stop, float(0))
    computation = to_inexact_dtype(dt)
    start_a, stop_a = asarray(start, computation), asarray(stop, computation)
    div = (num - 1) if endpoint else num
    i = lax.convert_element_type(lax.iota(dtypes.default_int_dtype(), num), computation)
    step = divide(subtract(stop_a, start_a), div) if div > 0 else zeros((), computation)
    out = add(start_a, multiply(i, step)) if num > 1 else reshape(start_a, (1,))[:num]
    if endpoint and num > 1:
        out = lax.concatenate([out[:-1], reshape(stop_a, (1,))], 0)
    out = lax.convert_element_type(out, dt)
    return (out, step) if retstep else out


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    dt = dtypes.check_user_dtype(dtype) if dtype is not None else dtypes.default_float_dtype()
    rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
    return lax.convert_element_type(lax.eq(lax.add(rows, np.int32(k)), cols), dt)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


# ---------------------------------------------------------------------------------------
# Promotion and broadcasting


def promote_dtypes(*args):
    """Convert arguments to their common (dtype, weak_type), as jnp's binary ops do."""
    if len(args) < 2:
        return list(args)
    pairs = [dtypes.dtype_and_weak(a) for a in args]
    dt, weak = dtypes.promote_types(pairs)
    return [lax.convert_element_type(a, dt, weak) if p != (dt, weak) else a
            for a, p in zip(args, pairs)]


_INT_TO_INEXACT = {np.dtype(k): np.dtype(v) for k, v in [
    ("bool", "float32"), ("int8", "float32"), ("uint8", "float32"), ("int16", "float32"),
    ("uint16", "float32"), ("int32", "float32"), ("uint32", "float32"),
    ("int64", "float64"), ("uint64", "float64")]}


def to_inexact_dtype(dt) -> np.dtype:
    """The inexact dtype an integer/bool dtype computes in, as JAX: float32 for up to 32
    bits, float64 for 64 (so int32 stays float32 even with x64 on)."""
    dt = np.dtype(dt)
    return _INT_TO_INEXACT.get(dt, dt)


def promote_dtypes_inexact(*args):
    out = promote_dtypes(*args)
    pairs = [dtypes.dtype_and_weak(a) for a in out]
    dt, weak = pairs[0]
    if not dtypes.is_inexact(dt):
        new = to_inexact_dtype(dt)
        return [lax.convert_element_type(a, new, w) for a, (_, w) in zip(out, pairs)]
    return out


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    shapes = [tuple(s) for s in shapes]
    ndim_out = builtins.max((len(s) for s in shapes), default=0)
    result = []
    for i in range(ndim_out):
        sizes = {s[len(s) - ndim_out + i] for s in shapes if len(s) - ndim_out + i >= 0}
        sizes.discard(1)
        if len(sizes) > 1:
            raise ValueError(f"Incompatible shapes for broadcasting: shapes="
                             f"{[tuple(s) for s in shapes]}")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def _rank_promote(fun_name: str, *args):
    """Give non-scalar operands equal rank (leading 1s), the form lax ops accept."""
    shapes = [np.shape(a) if not hasattr(a, "aval") else a.aval.shape for a in args]
    try:
        out_shape = broadcast_shapes(*shapes)
    except ValueError:
        raise TypeError(f"{fun_name} got incompatible shapes for broadcasting: "
                        f"{', '.join(str(tuple(s)) for s in shapes)}.") from None
    rank = len(out_shape)
    return [a if len(s) in (0, rank) else lax.broadcast_to_rank(a, rank)
            for a, s in zip(args, shapes)]


def _binary_ufunc(name: str, lax_fn, *, inexact: bool = False, bool_fn=None):
    def fn(x1, x2, /):
        _check_arraylike(name, x1, x2)
        x1, x2 = (promote_dtypes_inexact if inexact else promote_dtypes)(x1, x2)
        if bool_fn is not None and dtypes.dtype_and_weak(x1)[0] == dtypes.bool_:
            return bool_fn(*_rank_promote(bool_fn.__name__, x1, x2))
        return lax_fn(*_rank_promote(op_name, x1, x2))
    # Broadcasting errors name the lax operation, as in JAX ("add got incompatible shapes").
    op_name = getattr(lax_fn, "__name__", "<lambda>")
    op_name = name if op_name == "<lambda>" else op_name
    fn.__name__ = name
    fn.__qualname__ = name
    return _eager_fast(fn)


def _unary_ufunc(name: str, lax_fn, *, inexact: bool = False):
    def fn(x, /):
        _check_arraylike(name, x)
        if inexact:
            (x,) = promote_dtypes_inexact(x) if not dtypes.is_inexact(
                dtypes.dtype_and_weak(x)[0]) else (x,)
        if isinstance(x, (bool, int, float, complex)):
            x = lax.convert_element_type(x, dtypes.python_scalar_dtype(x), True)
        return lax_fn(x)
    fn.__name__ = name
    fn.__qualname__ = name
    return _eager_fast(fn)


def _eager_fast(fn, static_argnames=()):
    """Wrap a jnp function in an inlined jit: called eagerly it runs through the C++
    dispatch fast path (one cached executable per signature, static arguments in the
    key); under a transformation it is inlined, so jaxprs show its primitives, not a
    nested jit."""
    import functools

    from cellax.api import jit
    # The C++ dispatch object itself is the public function: an eager call never enters
    # Python; tracer arguments (or an active transformation) send it to the Python path.
    cpp = jit(fn, inline=True, static_argnames=static_argnames)._cpp
    functools.update_wrapper(cpp, fn)
    return cpp


def _to_inexact(x):
    dt, weak = dtypes.dtype_and_weak(x)
    if dtypes.is_inexact(dt):
        return x
    return lax.convert_element_type(x, to_inexact_dtype(dt), weak)


add = _binary_ufunc("add", lax.add, bool_fn=lax.bitwise_or)
subtract = _binary_ufunc("subtract", lax.sub)
multiply = _binary_ufunc("multiply", lax.mul, bool_fn=lax.bitwise_and)
true_divide = divide = _binary_ufunc("true_divide", lax.div, inexact=True)
maximum = _binary_ufunc("maximum", lax.max)
minimum = _binary_ufunc("minimum", lax.min)
arctan2 = _binary_ufunc("arctan2", lax.atan2, inexact=True)
equal = _binary_ufunc("equal", lax.eq)
not_equal = _binary_ufunc("not_equal", lax.ne)
less = _binary_ufunc("less", lax.lt)
less_equal = _binary_ufunc("less_equal", lax.le)
greater = _binary_ufunc("greater", lax.gt)
greater_equal = _binary_ufunc("greater_equal", lax.ge)
bitwise_and = _binary_ufunc("bitwise_and", lax.bitwise_and)
bitwise_or = _binary_ufunc("bitwise_or", lax.bitwise_or)
bitwise_xor = _binary_ufunc("bitwise_xor", lax.bitwise_xor)
logical_and = _binary_ufunc("logical_and", lambda a, b: lax.bitwise_and(_as_bool(a), _as_bool(b)))
logical_or = _binary_ufunc("logical_or", lambda a, b: lax.bitwise_or(_as_bool(a), _as_bool(b)))
logical_xor = _binary_ufunc("logical_xor", lambda a, b: lax.bitwise_xor(_as_bool(a), _as_bool(b)))
left_shift = _binary_ufunc("left_shift", lax.shift_left)
right_shift = _binary_ufunc(
    "right_shift", lambda a, b: (lax.shift_right_logical if dtypes.kind(get_aval(a).dtype) == "u"
                                 else lax.shift_right_arithmetic)(a, b))


def _as_bool(x):
    aval = get_aval(x)
    if aval.dtype == dtypes.bool_:
        return x
    # JAX's `lax._const(x, 0)`: weak only for a weakly typed scalar x
    return lax.ne(x, lax.convert_element_type(0, aval.dtype, aval.weak_type and not aval.shape))


def subtract_bool_check(x1, x2):
    return subtract(x1, x2)


def floor_divide(x1, x2, /):
    _check_arraylike("floor_divide", x1, x2)
    x1, x2 = _rank_promote("floor_divide", *_promote_numeric(x1, x2))
    dt = dtypes.dtype_and_weak(x1)[0]
    if dtypes.kind(dt) == "u":
        return lax.div(x1, x2)
    if dtypes.is_integer(dt):
        q = lax.div(x1, x2)
        zero = lax.convert_element_type(0, dt, True)
        fix = lax.bitwise_and(lax.ne(lax.sign(x1), lax.sign(x2)), lax.ne(lax.rem(x1, x2), zero))
        return _where(fix, lax.sub(q, lax.convert_element_type(1, dt, True)), q)
    if dtypes.is_complex(dt):
        raise TypeError("floor_divide does not support complex-valued inputs")
    # As CPython's float_divmod (and JAX): exact at the quotient's integer boundaries.
    mod = lax.rem(x1, x2)
    zero = lax.convert_element_type(0, dt, True)
    x1_corrected = _where(lax.eq(x2, zero), x1, lax.sub(x1, mod))
    div = lax.div(x1_corrected, x2)
    ind = lax.bitwise_and(lax.ne(mod, zero), lax.ne(lax.sign(x2), lax.sign(mod)))
    div = lax.select(*broadcast_arrays(ind, lax.sub(div, lax.convert_element_type(1, dt, True)),
                                       div))
    return lax.round(div)


def remainder(x1, x2, /):
    _check_arraylike("remainder", x1, x2)
    x1, x2 = _rank_promote("remainder", *_promote_numeric(x1, x2))
    dt = dtypes.dtype_and_weak(x1)[0]
    zero = lax.convert_element_type(0, dt, True)
    if dtypes.is_integer(dt):  # x % 0 is 0, as in JAX
        x2 = _where(lax.eq(x2, zero), lax.full_like(x2, 1), x2)
    r = lax.rem(x1, x2)
    fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(x2, zero)))
    return lax.select(*broadcast_arrays(fix, lax.add(r, x2), r))


mod = remainder


def power(x1, x2, /):
    _check_arraylike("power", x1, x2)
    # As in JAX: a concrete integer scalar exponent unrolls into integer_pow; integer bases
    # use binary exponentiation; float bases with integer exponents keep the base's dtype.
    if not isinstance(x2, Tracer) or x2.to_concrete_value() is not None:
        try:
            y = operator.index(x2)
        except TypeError:
            pass
        else:
            (x1,) = _promote_numeric(x1)
            return lax.integer_pow(x1, y)
    x1, x2 = _rank_promote("power", x1, x2)
    p1, p2 = _promote_numeric(x1, x2)
    dt, weak = dtypes.dtype_and_weak(p1)
    if dtypes.is_integer(dt):
        return _pow_int_int(p1, p2, dt, weak)
    d1, w1 = dtypes.dtype_and_weak(x1)
    d2, w2 = dtypes.dtype_and_weak(x2)
    if dtypes.is_inexact(d1) and dtypes.is_integer(d2):
        x1 = x1 if hasattr(x1, "aval") else lax.convert_element_type(x1, d1, w1)
        return lax.pow(x1, lax.convert_element_type(x2, d1, w2))
    return lax.pow(p1, p2)


pow = power  # noqa: A001


def _promote_numeric(*args):
    """promote_dtypes, with bool promoted to the default integer type."""
    out = promote_dtypes(*args) if len(args) > 1 else [
        asarray(a) if isinstance(a, (bool, int, float, complex)) else a for a in args]
    dt, weak = dtypes.dtype_and_weak(out[0])
    if dt == dtypes.bool_:
        out = [lax.convert_element_type(a, dtypes.default_int_dtype(), weak) for a in out]
    return out


def _pow_int_int(x1, x2, dt, weak):
    x1, x2 = broadcast_arrays(x1, x2)
    zero = lax.convert_element_type(0, dt, weak)
    one = lax.convert_element_type(1, dt, weak)
    # pow(0, y) is 0 for y != 0 and 1 for y == 0.
    acc = where(lax.bitwise_and(lax.eq(x1, zero), lax.ne(x2, zero)), zero, one)
    for _ in range(6):  # more bits would overflow for any |x1| > 1
        acc = where(lax.ne(lax.bitwise_and(x2, one), zero), lax.mul(acc, x1), acc)
        x1 = lax.mul(x1, x1)
        x2 = lax.shift_right_logical(x2, one)
    return acc


negative = _unary_ufunc("negative", lax.neg)
positive = _unary_ufunc("positive", lambda x: x)
sign = _unary_ufunc("sign", lax.sign)
floor = _unary_ufunc("floor", lambda x: lax.floor(x) if dtypes.is_inexact(
    get_aval(x).dtype) else x)
ceil = _unary_ufunc("ceil", lambda x: lax.ceil(x) if dtypes.is_inexact(
    get_aval(x).dtype) else x)
exp = _unary_ufunc("exp", lax.exp, inexact=True)
exp2 = _unary_ufunc("exp2", lax.exp2, inexact=True)
log = _unary_ufunc("log", lax.log, inexact=True)
log1p = _unary_ufunc("log1p", lax.log1p, inexact=True)
expm1 = _unary_ufunc("expm1", lax.expm1, inexact=True)
tanh = _unary_ufunc("tanh", lax.tanh, inexact=True)
sin = _unary_ufunc("sin", lax.sin, inexact=True)
cos = _unary_ufunc("cos", lax.cos, inexact=True)
tan = _unary_ufunc("tan", lax.tan, inexact=True)
arcsin = _unary_ufunc("arcsin", lax.asin, inexact=True)
arccos = _unary_ufunc("arccos", lax.acos, inexact=True)
arctan = _unary_ufunc("arctan", lax.atan, inexact=True)
sinh = _unary_ufunc("sinh", lax.sinh, inexact=True)
cosh = _unary_ufunc("cosh", lax.cosh, inexact=True)
arcsinh = _unary_ufunc("arcsinh", lax.asinh, inexact=True)
arccosh = _unary_ufunc("arccosh", lax.acosh, inexact=True)
arctanh = _unary_ufunc("arctanh", lax.atanh, inexact=True)
sqrt = _unary_ufunc("sqrt", lax.sqrt, inexact=True)
cbrt = _unary_ufunc("cbrt", lax.cbrt, inexact=True)
def _isfinite(x):
    dt = get_aval(x).dtype
    if dtypes.is_complex(dt):  # both parts finite
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    return lax.is_finite(x) if dtypes.is_inexact(dt) else full_like(x, True, dtypes.bool_)


isfinite = _unary_ufunc("isfinite", _isfinite)
absolute = abs = _unary_ufunc("absolute", lambda x: x if dtypes.kind(get_aval(
    x).dtype) in "ub" else lax.abs(x))
invert = bitwise_not = _unary_ufunc("invert", lax.bitwise_not)
logical_not = _unary_ufunc("logical_not", lambda x: lax.bitwise_not(_as_bool(x)))
real = _unary_ufunc("real", lambda x: lax.real(x) if get_aval(x).dtype.kind == "c" else x)
imag = _unary_ufunc("imag", lambda x: lax.imag(x) if get_aval(x).dtype.kind == "c"
                    else zeros_like(x))
conjugate = conj = _unary_ufunc("conjugate", lambda x: lax.conj(x) if get_aval(
    x).dtype.kind == "c" else x)
square = _unary_ufunc("square", lambda x: lax.square(
    x if get_aval(x).dtype != dtypes.bool_ else
    lax.convert_element_type(x, dtypes.default_int_dtype())))
reciprocal = _unary_ufunc("reciprocal", lambda x: lax.integer_pow(x, -1), inexact=True)


def isnan(x, /):
    return not_equal(x, x)


def isinf(x, /):
    dt = dtypes.dtype_and_weak(x)[0]
    if not dtypes.is_inexact(dt):
        return full_like(x, False, dtypes.bool_)
    return equal(absolute(x), lax.convert_element_type(np.inf, dt, False))


def _round(a, decimals=0, out=None):
    _check_arraylike("round", a)
    decimals = operator.index(core.concrete_or_error(decimals, "'decimals' argument of "
                                                               "jnp.round"))
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.round is not supported.")
    dt = dtypes.dtype_and_weak(a)[0]
    if dtypes.is_integer(dt):
        if decimals < 0:
            raise NotImplementedError("integer np.round not implemented for decimals < 0")
        return asarray(a)
    if not dtypes.is_inexact(dt):
        raise ValueError(f"data type {dt.type} not inexact")
    if decimals > np.log10(float(dtypes.finfo(dt).max)):
        return asarray(a)  # beyond the input's precision: a no-op

    def round_real(x):
        if decimals == 0:
            return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)
        comp = dtypes.float32 if get_aval(x).dtype == dtypes.float16 else get_aval(x).dtype
        x = lax.convert_element_type(x, comp)
        factor = lax.convert_element_type(10.0 ** decimals, comp)
        out = lax.div(lax.round(lax.mul(x, factor), lax.RoundingMethod.TO_NEAREST_EVEN), factor)
        return lax.convert_element_type(out, get_aval(x).dtype if comp == dt else dt)

    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    if dtypes.is_complex(dt):
        return lax.complex(round_real(lax.real(a)), round_real(lax.imag(a)))
    return round_real(a)


_round.__name__ = _round.__qualname__ = "round"


def _make_round():
    from cellax.api import jit
    return jit(_round, static_argnames=("decimals",))  # a `jit[name=round]`, as in JAX


round = around = _make_round()  # noqa: A001


_JITTED: dict = {}


def _jitted(fn):
    """`fn` under `jit`, made on first use. JAX stages some jnp functions as an inner
    `jit[name=...]` equation (and `make_jaxpr` shows it); these do the same."""
    f = _JITTED.get(fn)
    if f is None:
        from cellax.api import jit
        f = _JITTED[fn] = jit(fn)
    return f


def _clip(arr, min=None, max=None):  # noqa: A002
    _check_arraylike("clip", arr)
    if min is not None:
        arr = maximum(min, arr)
    if max is not None:
        arr = minimum(max, arr)
    return arr


_clip.__name__ = _clip.__qualname__ = "clip"
_clip_cpp = None


def clip(arr, min=None, max=None):  # noqa: A002
    global _clip_cpp
    if _clip_cpp is None:  # a `jit[name=clip]`, as in JAX; its C++ object on eager calls
        _clip_cpp = _jitted(_clip)._cpp
    return _clip_cpp(arr, min, max)


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    if x is None and y is None:
        from cellax.numpy._shape_ops import nonzero
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError(f"Either both or neither of the x and y arguments should be provided "
                         f"to jax.numpy.where, got {x} and {y}.")
    _check_arraylike("where", condition, x, y)
    return _jitted(_where)(condition, x, y)


def _where(condition, x, y):
    condition = _as_bool(condition)
    x, y = promote_dtypes(x, y)
    if ndim(condition) == 0:  # select takes a scalar predicate as it is
        x, y = broadcast_arrays(x, y)
    else:
        condition, x, y = broadcast_arrays(condition, x, y)
    if 0 in _shape(x):
        return x
    return lax.select(condition, x, y)


def _shape(x):
    aval = getattr(x, "aval", None)
    return aval.shape if aval is not None else np.shape(x)


# ---------------------------------------------------------------------------------------
# Shapes


def shape(a):
    return _shape(a)


def ndim(a):
    return len(_shape(a))


def size(a, axis=None):
    s = _shape(a)
    return int(np.prod(s)) if axis is None else s[axis]


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    shape = newshape if shape is None else shape
    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    aval = get_aval(a)
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, Tracer)):
        shape = (shape,)
    shape = list(core.canonicalize_shape(shape))
    if shape.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1]))
        if known == 0 or aval.size % known:
            raise TypeError(f"cannot reshape array of shape {aval.shape} (size {aval.size}) "
                            f"into shape {tuple(shape)}")
        shape[shape.index(-1)] = aval.size // known
    if int(np.prod(shape)) != aval.size:
        raise TypeError(f"cannot reshape array of shape {aval.shape} (size {aval.size}) into "
                        f"shape {tuple(shape)} (size {int(np.prod(shape))})")
    if order == "F":
        return transpose(lax.reshape(transpose(a), shape[::-1]))
    return lax.reshape(a, tuple(shape))


def ravel(a, order="C"):
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    nd = get_aval(a).ndim
    axes = tuple(range(nd))[::-1] if axes is None else tuple(_canon_axis(x, nd) for x in axes)
    return lax.transpose(a, axes)


def matrix_transpose(x, /):
    nd = ndim(x)
    if nd < 2:
        raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got "
                         f"ndim={nd}")
    return transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def swapaxes(a, axis1, axis2):
    perm = np.arange(ndim(a))  # out-of-range axes raise IndexError, as in JAX
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return lax.transpose(a, [int(p) for p in perm])


def moveaxis(a, source, destination):
    nd = ndim(a)
    src = [_canon_axis(s, nd) for s in np.atleast_1d(source)]
    dst = [_canon_axis(d, nd) for d in np.atleast_1d(destination)]
    perm = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return lax.transpose(a, perm)


def _canon_axis(axis, nd: int) -> int:
    axis = int(core.concrete_or_error(axis, "axis"))
    if not -nd <= axis < builtins.max(nd, 1) or (nd == 0 and axis not in (0, -1)):
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {nd}")
    return axis % nd if nd else 0


def expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = ndim(a) + len(axes)
    return lax.expand_dims(asarray(a) if not hasattr(a, "aval") else a,
                           [_canon_axis(x, nd) for x in axes])


def squeeze(a, axis=None):
    s = _shape(a)
    if axis is None:
        axes = [i for i, d in enumerate(s) if d == 1]
    else:
        axes = [_canon_axis(x, len(s)) for x in ((axis,) if isinstance(axis, int) else axis)]
        for ax in axes:
            if s[ax] != 1:
                raise ValueError(f"cannot select an axis to squeeze out which has size not "
                                 f"equal to one, got shape={s} and dimensions={tuple(axes)}")
    return lax.squeeze(a, axes)


def broadcast_to(array, shape):
    array = asarray(array) if not isinstance(array, (ArrayImpl, Tracer)) else array
    shape = core.canonicalize_shape(shape, "broadcast_to shape")
    aval = get_aval(array)
    if aval.shape == shape:
        return array
    nd = len(shape)
    if aval.ndim > nd:
        raise ValueError(f"Cannot broadcast to shape with fewer dimensions: arr_shape="
                         f"{aval.shape} shape={shape}")
    lead = nd - aval.ndim
    for d_in, d_out in zip(aval.shape, shape[lead:]):
        if d_in != 1 and d_in != d_out:
            raise ValueError(f"Incompatible shapes for broadcasting: {aval.shape} and "
                             f"requested shape {shape}")
    squeeze_dims = [i for i, (d_in, d_out) in enumerate(zip(aval.shape, shape[lead:]))
                    if d_in == 1 and d_out != 1]
    if squeeze_dims:
        array = lax.squeeze(array, squeeze_dims)
    kept = [i + lead for i in range(aval.ndim) if i not in squeeze_dims]
    return lax.broadcast_in_dim(array, shape, kept)


def broadcast_arrays(*args):
    shape = broadcast_shapes(*(_shape(a) for a in args))
    return [broadcast_to(a, shape) for a in args]


def concatenate(arrays, axis=0, dtype=None):
    arrays = [asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a for a in arrays]
    if not arrays:
        raise ValueError("Need at least one array to concatenate.")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    arrays = promote_dtypes(*arrays)
    if dtype is not None:
        arrays = [lax.convert_element_type(a, dtype) for a in arrays]
    nd = ndim(arrays[0])
    if nd == 0:
        raise ValueError("Zero-dimensional arrays cannot be concatenated.")
    return lax.concatenate(arrays, _canon_axis(axis, nd))


def stack(arrays, axis=0, dtype=None):
    arrays = [asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a for a in arrays]
    if not arrays:
        raise ValueError("Need at least one array to stack.")
    shapes = {_shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"All input arrays must have the same shape, got "
                         f"{[_shape(a) for a in arrays]}.")
    nd = ndim(arrays[0]) + 1
    ax = _canon_axis(axis, nd)
    return concatenate([expand_dims(a, ax) for a in arrays], ax, dtype)


_stack_fast = _eager_fast(stack, ("axis", "dtype"))


def stack(arrays, axis=0, dtype=None):  # noqa: F811
    if not isinstance(arrays, (list, tuple)):
        if isinstance(arrays, (ArrayImpl, Tracer, np.ndarray)):
            return _stack_fast(arrays, _static_axis(axis), dtype)
        arrays = list(arrays)
    return _stack_fast(arrays, _static_axis(axis), dtype)


def hstack(tup):
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, 0 if ndim(arrs[0]) == 1 else 1)


def vstack(tup):
    return concatenate([atleast_2d(a) for a in tup], 0)


def atleast_1d(*arys):
    out = [reshape(a, (1,)) if ndim(a) == 0 else asarray(a) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    out = []
    for a in arys:
        a = asarray(a)
        out.append(lax.broadcast_to_rank(a, 2) if ndim(a) < 2 else a)
    return out[0] if len(out) == 1 else out


# ---------------------------------------------------------------------------------------
# Reductions


def _reduction_axes(a, axis) -> tuple[int, ...]:
    nd = ndim(a)
    if axis is None:
        return tuple(range(nd))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = tuple(_canon_axis(x, nd) for x in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in 'axis': {axis}")
    return out


def _keepdims(out, a, axes, keepdims):
    if not keepdims:
        return out
    return lax.expand_dims(out, tuple(axes))  # broadcast_in_dim, as JAX stages it


def _reduction_init_val(dt, init_val):
    """The identity `init_val` as a NumPy scalar of `dt` (ints saturate at +-inf)."""
    if dt == dtypes.bool_:
        return np.array(init_val > 0, dt)
    if np.isinf(init_val) and dtypes.is_integer(dt):
        info = dtypes.iinfo(dt)
        return np.array(info.min if init_val < 0 else info.max, dt)
    return np.array(init_val, dt)


def _promote_integer_dtype(dt):
    if dt == dtypes.bool_ or (dt.kind == "i" and dt.itemsize < dtypes.default_int_dtype().itemsize):
        return dtypes.default_int_dtype()
    if dt.kind == "u" and dt.itemsize < dtypes.default_uint_dtype().itemsize:
        return dtypes.default_uint_dtype()
    return dt


def _reduce(name, lax_fn, a, axis, dtype, keepdims, where, initial, bool_op=None,
            promote_int=False, *, binop=None, init_val=0, has_identity=True,
            upcast_f16=False, numeric=False):
    """JAX's `_reduction`: optional `where` mask (masked-out entries become the identity)
    and `initial` (combined with the result by `binop`)."""
    _check_arraylike(name, a)
    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    if where is not None:
        _check_arraylike(name, where)
    if initial is None and not has_identity and where is not None:
        raise ValueError(f"reduction operation {name} does not have an identity, so to use a "
                         f"where mask one has to specify 'initial'")
    if numeric and get_aval(a).dtype == dtypes.bool_:
        a = lax.convert_element_type(a, dtypes.default_int_dtype(), get_aval(a).weak_type)
    axes = _reduction_axes(a, axis)
    if initial is None and not has_identity:
        s = _shape(a)
        if builtins.any(s[ax] == 0 for ax in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             f"identity")
    dt = get_aval(a).dtype
    if dtype is None:
        result_dtype = _promote_integer_dtype(dt) if promote_int else dt
    else:
        result_dtype = dtypes.check_user_dtype(dtype, name)
    comp = result_dtype
    if upcast_f16 and comp in (dtypes.float16, dtypes.bfloat16):
        comp = dtypes.float32
    a = lax.convert_element_type(a, comp)  # reductions give strongly typed results
    use_bool = bool_op is not None and comp == dtypes.bool_
    fn = bool_op if use_bool else lax_fn
    if where is not None:
        a = _where(where, a, _reduction_init_val(comp, init_val))
    out = fn(a, axes)
    if initial is not None:
        init = lax.convert_element_type(initial, comp)
        if np.shape(init) != () and _shape(init) != ():
            raise ValueError(f"initial value must be a scalar. Got array of shape "
                             f"{_shape(init)}")
        op = binop[1] if use_bool else binop[0]
        out = op(init, out)
    out = _keepdims(out, a, axes, keepdims)
    return lax.convert_element_type(out, result_dtype)


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,  # noqa: A001
        promote_integers=True):
    return _reduce("sum", lax.reduce_sum, a, axis, dtype, keepdims, where, initial,
                   lax.reduce_or, promote_int=promote_integers, binop=(lax.add, lax.bitwise_or),
                   init_val=0, upcast_f16=dtype is None, numeric=True)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
    return _reduce("prod", lax.reduce_prod, a, axis, dtype, keepdims, where, initial,
                   lax.reduce_and, promote_int=promote_integers,
                   binop=(lax.mul, lax.bitwise_and), init_val=1, upcast_f16=dtype is None,
                   numeric=True)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    return _reduce("max", lax.reduce_max, a, axis, None, keepdims, where, initial,
                   bool_op=lax.reduce_or, binop=(lax.max, lax.bitwise_or), init_val=-np.inf,
                   has_identity=False)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    return _reduce("min", lax.reduce_min, a, axis, None, keepdims, where, initial,
                   bool_op=lax.reduce_and, binop=(lax.min, lax.bitwise_and), init_val=np.inf,
                   has_identity=False)




def _cast_to_bool(a):
    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    if dtypes.is_complex(get_aval(a).dtype):
        a = lax.real(a)
    return _as_bool(a)


def all(a, axis=None, out=None, keepdims=False, *, where=None):  # noqa: A001
    _check_arraylike("all", a)
    return _reduce("all", lax.reduce_and, _cast_to_bool(a), axis, None, keepdims, where,
                   None, init_val=True)


def any(a, axis=None, out=None, keepdims=False, *, where=None):  # noqa: A001
    _check_arraylike("any", a)
    return _reduce("any", lax.reduce_or, _cast_to_bool(a), axis, None, keepdims, where,
                   None, init_val=False)


def _upcast_f16(dt):
    return dtypes.float32 if dt in (dtypes.float16, dtypes.bfloat16) else dt


def _count(a, axis, keepdims, where, dt):
    if where is None:
        n = int(np.prod([_shape(a)[ax] for ax in _reduction_axes(a, axis)]))
        return lax.convert_element_type(n, dt)
    return sum(broadcast_to(where, _shape(a)), axis, dtype=dt, keepdims=keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    _check_arraylike("mean", a)
    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    if dtype is None:
        result_dtype = to_inexact_dtype(get_aval(a).dtype)
    else:
        result_dtype = dtypes.check_user_dtype(dtype, "mean")
    comp = _upcast_f16(result_dtype) if dtype is None else result_dtype
    normalizer = _count(a, axis, keepdims, where, comp)
    total = sum(a, axis, dtype=comp, keepdims=keepdims, where=where)
    return lax.convert_element_type(lax.div(total, normalizer), result_dtype)


def _var_promote_types(a_dtype, dtype):
    if dtype is not None:
        if not dtypes.is_complex(dtype) and dtypes.is_complex(a_dtype):
            raise ValueError("jax.numpy.var does not yet support real dtype parameters when "
                             "computing the variance of an array of complex values. The "
                             "semantics of numpy.var seem unclear in this case. Please comment "
                             "on https://github.com/jax-ml/jax/issues/2283 if this behavior is "
                             "important to you.")
        comp = dtype
    elif not dtypes.is_inexact(a_dtype):
        dtype = comp = to_inexact_dtype(a_dtype)
    else:
        dtype = np.zeros((), a_dtype).real.dtype
        comp = a_dtype
    return _upcast_f16(comp), np.dtype(dtype)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        mean=None, correction=None):
    if correction is None:
        correction = ddof
    elif not isinstance(ddof, int) or ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    _check_arraylike("var", a)
    a = asarray(a) if not isinstance(a, (ArrayImpl, Tracer)) else a
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "var")
    comp, dtype = _var_promote_types(get_aval(a).dtype, dtype)
    a = lax.convert_element_type(a, comp)
    a_mean = (_mean_fn(a, axis, dtype=comp, keepdims=True, where=where) if mean is None
              else astype(mean, comp))
    centered = lax.sub(*_rank_promote("sub", a, a_mean))
    if dtypes.is_complex(comp):
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
        comp = get_aval(centered).dtype
    else:
        centered = lax.square(centered)
    normalizer = _count(a, axis, keepdims, where, comp)
    normalizer = lax.sub(normalizer, lax.convert_element_type(correction, comp))
    result = sum(centered, axis, dtype=comp, keepdims=keepdims, where=where)
    result = lax.convert_element_type(lax.div(result, normalizer), dtype)
    return _where(lax.gt(normalizer, lax.convert_element_type(0, comp)), result, np.nan)




def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        mean=None, correction=None):
    if correction is None:
        correction = ddof
    elif not isinstance(ddof, int) or ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    _check_arraylike("std", a)
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "std")
        if not dtypes.is_inexact(dtype):
            raise ValueError(f"dtype argument to jnp.std must be inexact; got {dtype}")
    return lax.sqrt(var(a, axis=axis, dtype=dtype, correction=correction, keepdims=keepdims,
                        where=where, mean=mean))


def argmax(a, axis=None, out=None, keepdims=False):
    a = asarray(a)
    if axis is None:
        out = lax.argmax(ravel(a), 0, dtypes.default_int_dtype())
        return _keepdims(out, a, tuple(range(ndim(a))), keepdims)
    axis = _canon_axis(axis, ndim(a))
    out = lax.argmax(a, axis, dtypes.default_int_dtype())
    return _keepdims(out, a, (axis,), keepdims)


def argmin(a, axis=None, out=None, keepdims=False):
    a = asarray(a)
    if axis is None:
        out = lax.argmin(ravel(a), 0, dtypes.default_int_dtype())
        return _keepdims(out, a, tuple(range(ndim(a))), keepdims)
    axis = _canon_axis(axis, ndim(a))
    out = lax.argmin(a, axis, dtypes.default_int_dtype())
    return _keepdims(out, a, (axis,), keepdims)


# Eager calls of the reductions run as one cached executable each through the C++ jit
# path (axis, dtype, keepdims... in its key), as JAX's inline jits do; under a
# transformation they are inlined, so jaxprs show the primitives. The public functions
# only make their static arguments hashable and reject `out`.


def _static_axis(axis):
    """`axis` as None, an int or a tuple of ints (lists and concrete arrays accepted)."""
    if axis is None or type(axis) is int:
        return axis
    if isinstance(axis, (tuple, list)):
        return tuple(operator.index(core.concrete_or_error(a, "axis")) for a in axis)
    value = core.concrete_or_error(axis, "axis")
    if np.ndim(value) == 0:
        return operator.index(value)
    return tuple(operator.index(a) for a in np.asarray(value).ravel())


def _check_out(name, out):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")


_REDUCE_STATIC = ("axis", "dtype", "keepdims", "promote_integers")
_sum_fast = _eager_fast(sum, _REDUCE_STATIC)
_prod_fast = _eager_fast(prod, _REDUCE_STATIC)
_max_fast = _eager_fast(max, ("axis", "keepdims"))
_min_fast = _eager_fast(min, ("axis", "keepdims"))
_all_fast = _eager_fast(all, ("axis", "keepdims"))
_any_fast = _eager_fast(any, ("axis", "keepdims"))
_mean_fast = _eager_fast(mean, ("axis", "dtype", "keepdims"))
_var_fast = _eager_fast(var, ("axis", "dtype", "keepdims", "ddof", "correction"))
_std_fast = _eager_fast(std, ("axis", "dtype", "keepdims", "ddof", "correction"))
_argmax_fast = _eager_fast(argmax, ("axis", "keepdims"))
_argmin_fast = _eager_fast(argmin, ("axis", "keepdims"))


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,  # noqa: A001
        promote_integers=True):
    _check_out("sum", out)
    return _sum_fast(a, _static_axis(axis), dtype, None, keepdims, initial, where,
                     promote_integers)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
    _check_out("prod", out)
    return _prod_fast(a, _static_axis(axis), dtype, None, keepdims, initial, where,
                      promote_integers)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    _check_out("max", out)
    return _max_fast(a, _static_axis(axis), None, keepdims, initial, where)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    _check_out("min", out)
    return _min_fast(a, _static_axis(axis), None, keepdims, initial, where)


amax, amin = max, min


def all(a, axis=None, out=None, keepdims=False, *, where=None):  # noqa: A001
    _check_out("all", out)
    return _all_fast(a, _static_axis(axis), None, keepdims, where=where)


def any(a, axis=None, out=None, keepdims=False, *, where=None):  # noqa: A001
    _check_out("any", out)
    return _any_fast(a, _static_axis(axis), None, keepdims, where=where)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    _check_out("mean", out)
    return _mean_fast(a, _static_axis(axis), dtype, None, keepdims, where=where)


_mean_fn = mean


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        mean=None, correction=None):
    _check_out("var", out)
    return _var_fast(a, _static_axis(axis), dtype, None, ddof, keepdims, where=where,
                     mean=mean, correction=correction)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        mean=None, correction=None):
    _check_out("std", out)
    return _std_fast(a, _static_axis(axis), dtype, None, ddof, keepdims, where=where,
                     mean=mean, correction=correction)


def argmax(a, axis=None, out=None, keepdims=False):
    _check_out("argmax", out)
    return _argmax_fast(a, _static_axis(axis), None, keepdims)


def argmin(a, axis=None, out=None, keepdims=False):
    _check_out("argmin", out)
    return _argmin_fast(a, _static_axis(axis), None, keepdims)


# ---------------------------------------------------------------------------------------
# Linear algebra basics


def _dot_result_type(name, a, b, preferred_element_type):
    """(dtype, weak) of a product: JAX multiplies in the promoted dtype, given to
    dot_general as preferred_element_type, without converting the operands first."""
    if preferred_element_type is None:
        return dtypes.promote_types([dtypes.dtype_and_weak(a), dtypes.dtype_and_weak(b)])
    return dtypes.check_user_dtype(preferred_element_type, name), False


def dot(a, b, *, precision=None, preferred_element_type=None):
    _check_arraylike("dot", a, b)  # scalars stay literals, as under JAX's inline jit
    dt, weak = _dot_result_type("dot", a, b, preferred_element_type)
    na, nb = ndim(a), ndim(b)
    if na == 0 or nb == 0:
        contract = ((), ())
    else:
        contract_b = 0 if nb == 1 else nb - 2
        if _shape(a)[-1] != _shape(b)[contract_b]:
            raise TypeError(f"dot_general requires contracting dimensions to have the same "
                            f"shape, got ({_shape(a)[-1]},) and ({_shape(b)[contract_b]},).")
        contract = ((na - 1,), (contract_b,))
    out = lax.dot_general(a, b, (contract, ((), ())), precision, dt)
    return lax.convert_element_type(out, dt, weak)


def matmul(a, b, *, precision=None, preferred_element_type=None):
    _check_arraylike("matmul", a, b)  # scalars stay literals, as under JAX's inline jit
    for i, x in enumerate((a, b)):
        if ndim(x) < 1:
            raise ValueError(f"matmul input operand {i} must have ndim at least 1, but it "
                             f"has ndim {ndim(x)}")
    dt, weak = _dot_result_type("matmul", a, b, preferred_element_type)
    sa, sb = _shape(a), _shape(b)
    a_mat, b_mat = len(sa) > 1, len(sb) > 1
    # Leading (batch) dimensions, aligned from the right; None where an operand has none.
    ba, bb = (sa[:-2] if a_mat else ()), (sb[:-2] if b_mat else ())
    nbatch = builtins.max(len(ba), len(bb))
    ba = (None,) * (nbatch - len(ba)) + tuple(ba)
    bb = (None,) * (nbatch - len(bb)) + tuple(bb)
    # Staged as JAX does: size-1 batch dims squeezed (re-inserted at the end when both
    # sides have one), unmatched ones kept as free dims, then one dot_general and a
    # transpose into broadcast order.
    a_dims = b_dims = 0  # dims of a / b seen so far
    a_squeeze, b_squeeze, both_ones, a_batch, b_batch = [], [], [], [], []
    out_batch, out_a, out_b = [], [], []  # output positions of dot_general's result dims
    for i, (da, db) in enumerate(zip(ba, bb)):
        if da is None:
            out_b.append(i)
            b_dims += 1
        elif db is None:
            out_a.append(i)
            a_dims += 1
        elif da == 1 and db == 1:
            a_squeeze.append(a_dims)
            b_squeeze.append(b_dims)
            both_ones.append(i)
            a_dims += 1
            b_dims += 1
        elif da == 1:
            a_squeeze.append(a_dims)
            out_b.append(i)
            a_dims += 1
            b_dims += 1
        elif db == 1:
            b_squeeze.append(b_dims)
            out_a.append(i)
            a_dims += 1
            b_dims += 1
        elif da == db:
            a_batch.append(a_dims - len(a_squeeze))
            b_batch.append(b_dims - len(b_squeeze))
            out_batch.append(i)
            a_dims += 1
            b_dims += 1
        else:
            raise ValueError(f"Incompatible types for matmul arguments: {get_aval(a)} and "
                             f"{get_aval(b)}")
    if a_mat:
        out_a.append(nbatch)
    if b_mat:
        out_b.append(nbatch + a_mat)
    a = lax.squeeze(a, a_squeeze)
    b = lax.squeeze(b, b_squeeze)
    ca, cb = ndim(a) - 1, ndim(b) - 1 - b_mat
    if _shape(a)[ca] != _shape(b)[cb]:
        raise TypeError(f"dot_general requires contracting dimensions to have the same shape, "
                        f"got ({_shape(a)[ca]},) and ({_shape(b)[cb]},).")
    out = lax.dot_general(a, b, (((ca,), (cb,)), (a_batch, b_batch)), precision, dt)
    out = lax.transpose(out, np.argsort(out_batch + out_a + out_b))
    if both_ones:
        out = lax.expand_dims(out, tuple(both_ones))
    return lax.convert_element_type(out, dt, weak)


# The C++ dispatch objects are the public functions (no Python frame on an eager call).
dot = _eager_fast(dot, ("precision", "preferred_element_type"))
matmul = _eager_fast(matmul, ("precision", "preferred_element_type"))


def vdot(a, b):
    return dot(ravel(conj(a)), ravel(b))


def outer(a, b):
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def astype(x, dtype, /, *, copy=False, device=None):
    return lax.convert_element_type(asarray(x) if not hasattr(x, "aval") else x,
                                    dtypes.check_user_dtype(dtype, "astype"))


_unused = (Any, Sequence)
