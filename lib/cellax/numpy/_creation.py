"""Array creation and dtype helpers of `cellax.numpy` beyond `_core`: linspace with
array endpoints and `axis`, logspace, geomspace, fromfunction, copy, frombuffer, window
functions, `can_cast`/`isdtype`/`isscalar`, the NumPy-named scalar types (`double`,
`int_`, ...) and NumPy pass-throughs that JAX re-exports."""
from __future__ import annotations

import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.numpy import _core
from cellax.numpy._util import dtype_of, ensure_arraylike, jit, shape_of

# ---------------------------------------------------------------------------------------
# Ranges


def _linspace_axis(start, stop, num, endpoint, dtype, axis, retstep=False):
    """JAX's `_linspace`: start*(1-t) + stop*t, exact at both ends."""
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    start, stop = ensure_arraylike("linspace", start, stop)
    if dtype is None:
        dtype = _core.to_inexact_dtype(dtypes.result_type(start, stop))
    else:
        dtype = dtypes.check_user_dtype(dtype, "linspace")
    comp = _core.to_inexact_dtype(dtype)
    start = lax.convert_element_type(start, comp)
    stop = lax.convert_element_type(stop, comp)
    bounds = list(_core.broadcast_shapes(shape_of(start), shape_of(stop)))
    bstart = _core.broadcast_to(start, bounds)
    bstop = _core.broadcast_to(stop, bounds)
    axis = len(bounds) + axis + 1 if axis < 0 else axis
    bounds.insert(axis, 1)
    div = (num - 1) if endpoint else num
    if num > 1:
        delta = lax.div(lax.sub(stop, start), _core.asarray(div, dtype=comp))
        iota_shape = [1] * len(bounds)
        iota_shape[axis] = div
        real_dt = np.dtype(dtypes.finfo(comp).dtype)
        step = lax.div(lax.reshape(lax.iota(real_dt, div), iota_shape),
                       _core.asarray(div, dtype=real_dt))
        step = lax.convert_element_type(step, comp)
        one_minus = lax.sub(lax.convert_element_type(1, comp), step)
        out = _core.add(_core.multiply(lax.reshape(bstart, bounds), one_minus),
                        _core.multiply(lax.reshape(bstop, bounds), step))
        if endpoint:
            out = lax.concatenate([out, lax.expand_dims(bstop, (axis,))], axis)
    elif num == 1:
        delta = _core.asarray(np.nan if endpoint else lax.sub(stop, start), dtype=comp)
        out = lax.reshape(bstart, bounds)
    else:
        empty_shape = list(_core.broadcast_shapes(shape_of(start), shape_of(stop)))
        empty_shape.insert(axis, 0)
        delta = lax.full((), np.nan, comp)
        out = _core.zeros(empty_shape, dtype)
    if dtypes.is_integer(dtype) and not dtypes.is_integer(dtype_of(out)):
        out = lax.floor(out)
    result = lax.convert_element_type(out, dtype)
    return (result, delta) if retstep else result


@jit(static_argnames=("num", "endpoint", "retstep", "dtype", "axis"))
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return _linspace_axis(start, stop, num, endpoint, dtype, axis, retstep)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    num = operator.index(core.concrete_or_error(num, "'num' argument of jnp.linspace"))
    axis = operator.index(core.concrete_or_error(axis, "'axis' argument of jnp.linspace"))
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "linspace")
    return _linspace(start, stop, num, endpoint, retstep, dtype, axis)


@jit(static_argnames=("num", "endpoint", "dtype", "axis"))
def _logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if dtype is None:
        dtype = _core.to_inexact_dtype(dtypes.result_type(start, stop))
    comp = _core.to_inexact_dtype(dtype)
    start, stop = ensure_arraylike("logspace", start, stop)
    start = lax.convert_element_type(start, comp)
    stop = lax.convert_element_type(stop, comp)
    lin = _linspace_axis(start, stop, num, endpoint, None, axis)
    return lax.convert_element_type(_core.power(base, lin), dtype)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    num = operator.index(core.concrete_or_error(num, "'num' argument of jnp.logspace"))
    axis = operator.index(core.concrete_or_error(axis, "'axis' argument of jnp.logspace"))
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "logspace")
    return _logspace(start, stop, num, endpoint, base, dtype, axis)


@jit(static_argnames=("num", "endpoint", "dtype", "axis"))
def _geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    from cellax.numpy._math import log10
    if dtype is None:
        dtype = _core.to_inexact_dtype(dtypes.result_type(start, stop))
    comp = _core.to_inexact_dtype(dtype)
    start, stop = ensure_arraylike("geomspace", start, stop)
    start = lax.convert_element_type(start, comp)
    stop = lax.convert_element_type(stop, comp)
    sign = _core.sign(start)
    res = _core.multiply(sign, _logspace(log10(_core.true_divide(start, sign)),
                                         log10(_core.true_divide(stop, sign)), num,
                                         endpoint=endpoint, base=10.0, dtype=comp, axis=0))
    nd = len(shape_of(res))
    axis = _core._canon_axis(axis, nd)
    if axis != 0:
        res = lax.transpose(res, (*range(1, axis + 1), 0, *range(axis + 1, nd)))
    return lax.convert_element_type(res, dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    num = operator.index(core.concrete_or_error(num, "'num' argument of jnp.geomspace"))
    axis = operator.index(core.concrete_or_error(axis, "'axis' argument of jnp.geomspace"))
    if dtype is not None:
        dtype = dtypes.check_user_dtype(dtype, "geomspace")
    return _geomspace(start, stop, num, endpoint, dtype, axis)


# ---------------------------------------------------------------------------------------
# Constructors


def copy(a, order=None):
    _core._check_arraylike("copy", a)
    return _core.array(a, copy=True, order=order)


def fromfunction(function, shape, *, dtype=float, **kwargs):
    from cellax.vectorization import vmap
    shape = core.canonicalize_shape(shape, "shape argument of jnp.fromfunction()")
    for i in range(len(shape)):
        in_axes = [0 if i == j else None for j in range(len(shape))]
        function = vmap(function, in_axes=tuple(in_axes[::-1]))
    return function(*(_core.arange(s, dtype=dtype) for s in shape), **kwargs)


def frombuffer(buffer, dtype=float, count=-1, offset=0):
    return _core.asarray(np.frombuffer(buffer=buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string, dtype=float, count=-1, *, sep):
    return _core.asarray(np.fromstring(string, dtype=dtype, count=count, sep=sep))


def fromiter(*args, **kwargs):
    raise NotImplementedError(
        "jnp.fromiter() is not implemented because it may be non-pure and thus unsafe for use "
        "with JIT and other JAX transformations. Consider using jnp.asarray(np.fromiter(...)) "
        "instead, although care should be taken if np.fromiter is used within a jax "
        "transformations because of its potential side-effect of consuming the iterable "
        "object; for more information see "
        "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#pure-functions")


def fromfile(*args, **kwargs):
    raise NotImplementedError(
        "jnp.fromfile() is not implemented because it may be non-pure and thus unsafe for use "
        "with JIT and other JAX transformations. Consider using jnp.asarray(np.fromfile(...)) "
        "instead, although care should be taken if np.fromfile is used within jax "
        "transformations because of its potential side-effect of consuming the file object; "
        "for more information see "
        "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#pure-functions")


def load(file, *args, **kwargs):
    out = np.load(file, *args, **kwargs)
    if isinstance(out, np.ndarray):
        if out.dtype == np.dtype("V2"):  # bfloat16 saved by jnp.save
            out = out.view(dtypes.bfloat16)
        try:
            return _core.asarray(out)
        except (TypeError, ValueError):
            return out
    return out


# ---------------------------------------------------------------------------------------
# Window functions


def _window(name, M):
    M = int(core.concrete_or_error(M, f"M argument of jnp.{name}"))
    dt = dtypes.default_float_dtype()
    if M <= 1:
        return M, None, lax.full((M,), 1, dt)
    return M, lax.iota(dt, M), None


@jit(static_argnames=("M",), inline=True)
def blackman(M):
    M, n, done = _window("blackman", M)
    if done is not None:
        return done
    m = _core
    return m.add(m.subtract(0.42, m.multiply(0.5, m.cos(m.true_divide(
        m.multiply(2 * np.pi, n), M - 1)))), m.multiply(0.08, m.cos(m.true_divide(
            m.multiply(4 * np.pi, n), M - 1))))


@jit(static_argnames=("M",), inline=True)
def bartlett(M):
    M, n, done = _window("bartlett", M)
    if done is not None:
        return done
    m = _core
    return m.subtract(1, m.true_divide(m.absolute(m.subtract(m.add(m.multiply(2, n), 1), M)),
                                       M - 1))


@jit(static_argnames=("M",), inline=True)
def hamming(M):
    M, n, done = _window("hamming", M)
    if done is not None:
        return done
    m = _core
    return m.subtract(0.54, m.multiply(0.46, m.cos(m.true_divide(m.multiply(2 * np.pi, n),
                                                                  M - 1))))


@jit(static_argnames=("M",), inline=True)
def hanning(M):
    M, n, done = _window("hanning", M)
    if done is not None:
        return done
    m = _core
    return m.multiply(0.5, m.subtract(1, m.cos(m.true_divide(m.multiply(2 * np.pi, n),
                                                             M - 1))))


# ---------------------------------------------------------------------------------------
# dtype helpers

_SIGNED = set(dtypes.signed_dtypes)  # with int1/int2/int4, as in JAX
_UNSIGNED = set(dtypes.unsigned_dtypes)
_FLOATS = set(dtypes.floating_dtypes)  # with bfloat16 and the float8/6/4 types
_COMPLEX = {np.dtype(np.complex64), np.dtype(np.complex128)}
_DTYPE_KINDS = {
    "bool": {np.dtype(bool)}, "signed integer": _SIGNED, "unsigned integer": _UNSIGNED,
    "integral": _SIGNED | _UNSIGNED, "real floating": _FLOATS, "complex floating": _COMPLEX,
    "numeric": _SIGNED | _UNSIGNED | _FLOATS | _COMPLEX,
}


def isdtype(dtype, kind):
    the_dtype = np.dtype(dtype)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    options = set()
    for k in kinds:
        if isinstance(k, str) and k in _DTYPE_KINDS:
            options.update(_DTYPE_KINDS[k])
            continue
        try:
            options.add(np.dtype(k))
        except TypeError as e:
            if isinstance(k, str):
                raise ValueError(f"Unrecognized kind={k!r} expected one of "
                                 f"{list(_DTYPE_KINDS.keys())}, or a compatible input for "
                                 f"jnp.dtype()") from None
            raise TypeError(f"Expected kind to be a dtype, string, or tuple; got kind={k!r}"
                            ) from e
    return the_dtype in options


def can_cast(from_, to, casting="safe"):
    return np.can_cast(from_, to, casting)


def iscomplexobj(x):
    if isinstance(x, (complex, np.complexfloating)):
        return True
    if x is None or isinstance(x, (bool, int, float, str, np.generic)):
        return False
    try:
        typ = x.dtype.type
    except AttributeError:
        typ = _core.asarray(x).dtype.type
    return np.issubdtype(typ, np.complexfloating)


def isrealobj(x):
    return not iscomplexobj(x)


def isscalar(element):
    if np.isscalar(element):
        return True
    if isinstance(element, (np.ndarray, ArrayImpl, Tracer)):
        return len(shape_of(element)) == 0
    if getattr(element, "__jax_array__", None) is not None:
        return len(shape_of(_core.asarray(element))) == 0
    return False


_make = _core._make_scalar_type
double = float_ = _make(np.float64)
single = _make(np.float32)
cdouble = complex_ = _make(np.complex128)
csingle = _make(np.complex64)
int_ = _make(np.int64)
uint = _make(np.uint64)
bool = _core.bool_  # noqa: A001 - the Array API alias

ComplexWarning = np.exceptions.ComplexWarning
array_repr = np.array_repr
array_str = np.array_str
character, complexfloating, flexible, floating, generic = (
    np.character, np.complexfloating, np.flexible, np.floating, np.generic)
inexact, integer, number, object_ = np.inexact, np.integer, np.number, np.object_
signedinteger, unsignedinteger = np.signedinteger, np.unsignedinteger
iterable = np.iterable
save, savez = np.save, np.savez
get_printoptions, set_printoptions, printoptions = (
    np.get_printoptions, np.set_printoptions, np.printoptions)


@jit(static_argnames=("M",), inline=True)
def kaiser(M, beta):
    from cellax.numpy._math import i0
    M, n, done = _window("kaiser", M)
    if done is not None:
        return done
    m = _core
    alpha = 0.5 * (M - 1)
    return m.true_divide(i0(m.multiply(beta, m.sqrt(m.subtract(1, m.power(m.true_divide(
        m.subtract(n, alpha), alpha), 2))))), i0(beta))
