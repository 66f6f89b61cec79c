"""Elementwise math of `cellax.numpy` beyond `_core`'s ufuncs (fmod, hypot, logaddexp,
isclose, gcd, frexp, i0, packbits, ...), all composed from existing lax primitives so every
transformation handles them through its rules for those. Semantics (dtypes, weak types,
edge values) follow `jax.numpy`. The difference and polynomial helpers (diff, poly*,
convolve, gradient, interp, ...) are in `_polynomial`, imported back at the end."""
from __future__ import annotations

import numpy as np

from cellax import dtypes, lax
from cellax.custom_derivatives import custom_jvp
from cellax.numpy import _core
from cellax.numpy._core import _where, isinf, isnan
from cellax.numpy._util import (check_arraylike, const, dtype_of, ensure_arraylike, jit,
                                promote_args, promote_args_inexact, promote_args_numeric,
                                promote_dtypes, promote_dtypes_inexact, shape_of)

_INT_DTYPES = {16: np.int16, 32: np.int32, 64: np.int64}


def _ones(x):
    return lax.full_like(x, 1)


def _zeros(x):
    return lax.full_like(x, 0)


# ---------------------------------------------------------------------------------------
# Division


@jit
def fmod(x1, x2, /):
    check_arraylike("fmod", x1, x2)
    if dtypes.is_integer(dtypes.result_type(x1, x2)):
        x2 = _where(lax.eq(x2, const(x2, 0)), _ones(x2), x2)
    return lax.rem(*promote_args_numeric("fmod", x1, x2))


def _float_divmod(x1, x2):
    # As CPython's float_divmod.
    mod = lax.rem(x1, x2)
    x1_corrected = _where(lax.eq(x2, const(x2, 0)), x1, lax.sub(x1, mod))
    div = lax.div(x1_corrected, x2)
    zero = const(mod, 0)
    ind = lax.bitwise_and(lax.ne(mod, zero), lax.ne(lax.sign(x2), lax.sign(mod)))
    mod = lax.select(ind, lax.add(mod, x2), mod)
    div = lax.select(ind, lax.sub(div, const(div, 1)), div)
    return lax.round(div), mod


@jit
def divmod(x1, x2, /):  # noqa: A001
    x1, x2 = promote_args_numeric("divmod", x1, x2)
    if dtypes.is_integer(dtype_of(x1)):
        return _core.floor_divide(x1, x2), _core.remainder(x1, x2)
    return _float_divmod(x1, x2)


@jit(inline=True)
def float_power(x1, x2, /):
    return lax.pow(*promote_args_inexact("float_power", x1, x2))


@jit(inline=True)
def nextafter(x1, x2, /):
    return lax.nextafter(*promote_args_inexact("nextafter", x1, x2))


@jit(inline=True)
def spacing(x, /):
    (x,) = promote_args_inexact("spacing", x)
    dt = dtype_of(x)
    if dtypes.is_complex(dt):
        raise ValueError("jnp.spacing is not defined for complex inputs.")
    inf = const(x, np.inf)
    if dt == np.float16:
        return lax.sub(lax.nextafter(x, inf), x)
    result = lax.sub(lax.nextafter(x, copysign(inf, x)), x)
    tiny = dtypes.finfo(dt).smallest_subnormal
    return _where(lax.eq(result, const(result, 0)), copysign(tiny, x), result)


# ---------------------------------------------------------------------------------------
# Signs, rounding, magnitudes


@jit
def signbit(x, /):
    (x,) = promote_args("signbit", x)
    dt = dtype_of(x)
    if dtypes.is_integer(dt):
        return lax.lt(x, const(x, 0))
    if dt == dtypes.bool_:
        return lax.full_like(x, False, dtypes.bool_)
    if not dtypes.is_float(dt):
        raise ValueError(f"jax.numpy.signbit is not well defined for {dt}")
    info = dtypes.finfo(dt)
    if info.bits not in _INT_DTYPES:
        raise NotImplementedError("jax.numpy.signbit only supports 16, 32, and 64-bit types.")
    int_type = np.dtype(_INT_DTYPES[info.bits])
    bits = lax.bitcast_convert_type(x, int_type)
    shift = lax.convert_element_type(info.nexp + info.nmant, int_type)
    return lax.convert_element_type(lax.shift_right_arithmetic(bits, shift), dtypes.bool_)


@jit
def copysign(x1, x2, /):
    x1, x2 = promote_args_inexact("copysign", x1, x2)
    if dtypes.is_complex(dtype_of(x1)):
        raise TypeError("copysign does not support complex-valued inputs")
    return _where(signbit(x2), lax.neg(lax.abs(x1)), lax.abs(x1))


@jit(inline=True)
def fabs(x, /):
    x = ensure_arraylike("fabs", x)
    if dtypes.is_complex(dtype_of(x)):
        raise TypeError("ufunc 'fabs' does not support complex dtypes")
    return lax.abs(*promote_args_inexact("fabs", x))


@jit
def trunc(x):
    x = ensure_arraylike("trunc", x)
    if dtype_of(x).kind in "iub":
        return x
    return _where(lax.lt(x, const(x, 0)), lax.ceil(x), lax.floor(x))


@jit
def rint(x, /):
    x = ensure_arraylike("rint", x)
    dt = dtype_of(x)
    if dt.kind in "iub":
        return lax.convert_element_type(x, dtypes.default_float_dtype())
    if dtypes.is_complex(dt):
        return lax.complex(rint(lax.real(x)), rint(lax.imag(x)))
    return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)


@jit
def modf(x, /, out=None):
    x = ensure_arraylike("modf", x)
    (x,) = promote_dtypes_inexact(x)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
    whole = _where(lax.ge(x, const(x, 0)), lax.floor(x), lax.ceil(x))
    return lax.sub(x, whole), whole


@jit
def heaviside(x1, x2, /):
    x1, x2 = ensure_arraylike("heaviside", x1, x2)
    x1, x2 = promote_dtypes_inexact(x1, x2)
    zero = const(x1, 0)
    return _where(lax.lt(x1, zero), zero,
                  _where(lax.gt(x1, zero), const(x1, 1), _where(lax.ne(x1, x1), x1, x2)))


@jit
def hypot(x1, x2, /):
    x1, x2 = promote_args_inexact("hypot", x1, x2)
    if dtypes.is_complex(dtype_of(x1)):
        raise ValueError("jnp.hypot is not well defined for complex-valued inputs. Please "
                         "convert to real values first, such as by using abs(x)")
    x1, x2 = lax.abs(x1), lax.abs(x2)
    idx_inf = lax.bitwise_or(isposinf(x1), isposinf(x2))
    x1, x2 = _core.maximum(x1, x2), _core.minimum(x1, x2)
    zero = lax.eq(x1, const(x1, 0))
    x = _where(zero, x1, lax.mul(x1, lax.sqrt(lax.add(const(x1, 1), lax.square(
        lax.div(x2, _where(zero, _ones(x1), x1)))))))
    return _where(idx_inf, const(x, np.inf), x)


@jit(static_argnames=("deg",))
def angle(z, deg=False):
    z = ensure_arraylike("angle", z)
    re, im = _core.real(z), _core.imag(z)
    dt = dtype_of(re)
    if not dtypes.is_inexact(dt) or (dtypes.is_float(dtype_of(z)) and np.ndim(z) == 0):
        dt = dtypes.default_float_dtype()
        re = lax.convert_element_type(re, dt)
        im = lax.convert_element_type(im, dt)
    result = lax.atan2(im, re)
    return rad2deg(result) if deg else result


@jit
def bitwise_count(x, /):
    (x,) = promote_args_numeric("bitwise_count", x)
    return lax.convert_element_type(lax.population_count(_core.absolute(x)), np.uint8)


# ---------------------------------------------------------------------------------------
# Logarithms, angles


def _replace_inf(x):
    return lax.select(isposinf(_core.real(x)), _zeros(x), x)


def _wrap_between(x, bound):
    # Wrap `x` into (-bound, bound].
    two = const(x, 2 * bound)
    rem = lax.rem(lax.add(x, const(x, bound)), two)
    rem = lax.select(lax.lt(rem, const(x, 0)), lax.add(rem, two), rem)
    return lax.sub(rem, const(x, bound))


def _logaddexp_impl(x1, x2, base2: bool):
    amax = lax.max(x1, x2)
    dt = dtype_of(x1)
    name = "logaddexp2" if base2 else "logaddexp"
    exp_fn = lax.exp2 if base2 else lax.exp
    scale = (lambda v: lax.mul(const(v, 1 / np.log(2)), v)) if base2 else (lambda v: v)
    if dtypes.is_float(dt):
        delta = lax.sub(x1, x2)
        return lax.select(lax.ne(delta, delta), lax.add(x1, x2),
                          lax.add(amax, scale(lax.log1p(exp_fn(lax.neg(lax.abs(delta)))))))
    if dtypes.is_complex(dt):
        delta = lax.sub(lax.add(x1, x2), lax.mul(amax, const(amax, 2)))
        out = lax.add(amax, scale(lax.log1p(exp_fn(delta))))
        bound = np.pi / np.log(2) if base2 else np.pi
        return lax.complex(lax.real(out), _wrap_between(lax.imag(out), bound))
    raise ValueError(f"{name} requires floating-point or complex inputs; got {dt}")


def _make_logaddexp(name: str, base2: bool):
    """The custom_jvp `name` (logaddexp in base e or 2); its jvp rule is `name + "_jvp"`
    (the names show in jaxprs)."""
    exp_fn = lax.exp2 if base2 else lax.exp

    def fun(x1, x2):
        return _logaddexp_impl(x1, x2, base2)

    def jvp(primals, tangents):
        x1, x2 = primals
        t1, t2 = tangents
        out = f(x1, x2)
        t = lax.add(lax.mul(t1, exp_fn(lax.sub(_replace_inf(x1), _replace_inf(out)))),
                    lax.mul(t2, exp_fn(lax.sub(_replace_inf(x2), _replace_inf(out)))))
        return out, t

    fun.__name__ = fun.__qualname__ = name
    jvp.__name__ = jvp.__qualname__ = name + "_jvp"
    f = custom_jvp(fun)
    f.defjvp(jvp)
    return f


_logaddexp = _make_logaddexp("_logaddexp", base2=False)
_logaddexp2 = _make_logaddexp("_logaddexp2", base2=True)


@jit
def logaddexp(x1, x2, /):
    x1, x2 = promote_args_inexact("logaddexp", x1, x2)
    return _logaddexp(*_core.broadcast_arrays(x1, x2))


@jit
def logaddexp2(x1, x2, /):
    x1, x2 = promote_args_inexact("logaddexp2", x1, x2)
    return _logaddexp2(*_core.broadcast_arrays(x1, x2))


@jit(inline=True)
def log2(x, /):
    (x,) = promote_args_inexact("log2", x)
    if dtypes.is_complex(dtype_of(x)):
        r = lax.log(x)
        re, im = lax.real(r), lax.imag(r)
        ln2 = lax.log(np.asarray(2, dtype_of(re)))
        return lax.complex(lax.div(re, ln2), lax.div(im, ln2))
    # A strongly typed constant, as JAX's: log2 of a weak value is strong.
    return lax.div(lax.log(x), lax.log(_core.asarray(2, dtype=dtype_of(x))))


@jit(inline=True)
def log10(x, /):
    (x,) = promote_args_inexact("log10", x)
    dt = dtype_of(x)
    real_dt = np.dtype(dtypes.finfo(dt).dtype)
    one_over_log10 = np.array(0.4342944819032518, real_dt)
    if dtypes.is_complex(dt):
        r = lax.log(x)
        return lax.complex(lax.mul(lax.real(r), one_over_log10),
                           lax.mul(lax.imag(r), one_over_log10))
    return lax.mul(lax.log(x), one_over_log10)


@jit(inline=True)
def deg2rad(x, /):
    (x,) = promote_args_inexact("deg2rad", x)
    return lax.mul(x, const(x, np.pi / 180))


@jit(inline=True)
def rad2deg(x, /):
    (x,) = promote_args_inexact("rad2deg", x)
    return lax.mul(x, const(x, 180 / np.pi))


degrees = rad2deg
radians = deg2rad


@custom_jvp
def _sinc_maclaurin0(x):
    # The value at zero of x -> sin(x)/x (1), with the Maclaurin series' derivatives.
    return lax.add(lax.mul(x, const(x, 0)), const(x, 1))


@_sinc_maclaurin0.defjvp
def _sinc_maclaurin0_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _sinc_maclaurin0(x), lax.mul(t, _sinc_maclaurin1(x))


@custom_jvp
def _sinc_maclaurin1(x):
    return lax.mul(x, const(x, 0))


@_sinc_maclaurin1.defjvp
def _sinc_maclaurin1_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _sinc_maclaurin1(x), lax.mul(t, _sinc_maclaurin2(x))


@custom_jvp
def _sinc_maclaurin2(x):
    return lax.add(lax.mul(x, const(x, 0)), const(x, -1 / 3))


@_sinc_maclaurin2.defjvp
def _sinc_maclaurin2_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _sinc_maclaurin2(x), lax.mul(t, _sinc_maclaurin_odd(x))


def _sinc_maclaurin_odd(x):
    return lax.mul(x, const(x, 0))


@jit
def sinc(x, /):
    x = ensure_arraylike("sinc", x)
    (x,) = promote_dtypes_inexact(x)
    eq_zero = lax.eq(x, const(x, 0))
    pi_x = lax.mul(const(x, np.pi), x)
    safe_pi_x = _where(eq_zero, const(x, 1), pi_x)
    return _where(eq_zero, _sinc_maclaurin0(pi_x), lax.div(lax.sin(safe_pi_x), safe_pi_x))


# ---------------------------------------------------------------------------------------
# Classification and comparison


def _isposneginf(infinity, x, out):
    if out is not None:
        raise NotImplementedError("The 'out' argument to isneginf/isposinf is not supported.")
    dt = dtype_of(x)
    if dtypes.is_float(dt):
        return lax.eq(x, const(x, infinity))
    if dtypes.is_complex(dt):
        raise ValueError("isposinf/isneginf are not well defined for complex types")
    return lax.full_like(x, False, dtypes.bool_)


def isposinf(x, /, out=None):
    return _isposneginf(np.inf, ensure_arraylike("isposinf", x), out)


def isneginf(x, /, out=None):
    return _isposneginf(-np.inf, ensure_arraylike("isneginf", x), out)


@jit
def isreal(x):
    i = _core.imag(x)
    return lax.eq(i, const(i, 0))


@jit
def iscomplex(x):
    i = _core.imag(x)
    return lax.ne(i, const(i, 0))


@jit(static_argnames=("equal_nan",))
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = promote_args("isclose", a, b)
    a, b = promote_args_inexact("isclose", a, b)
    dt = dtype_of(a)
    if dtypes.is_complex(dt):
        dt = np.zeros((), dt).real.dtype
    rtol = lax.convert_element_type(rtol, dt)
    atol = lax.convert_element_type(atol, dt)
    both_nan = lax.bitwise_and(isnan(a), isnan(b))
    check_fin = _core.isfinite(b)
    in_range = lax.le(lax.abs(lax.sub(a, b)), lax.add(atol, lax.mul(rtol, lax.abs(b))))
    out = lax.bitwise_or(lax.eq(a, b), lax.bitwise_and(check_fin, in_range))
    return lax.bitwise_or(out, both_nan) if equal_nan else out


@jit(static_argnames=("equal_nan",))
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    check_arraylike("allclose", a, b)
    return _core.all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    a1, a2 = _core.asarray(a1), _core.asarray(a2)
    if shape_of(a1) != shape_of(a2):
        return _core.asarray(False, dtype=dtypes.bool_)
    eq = _core.equal(a1, a2)
    if equal_nan:
        eq = _core.logical_or(eq, _core.logical_and(isnan(a1), isnan(a2)))
    return _core.all(eq)


def array_equiv(a1, a2):
    a1, a2 = _core.asarray(a1), _core.asarray(a2)
    try:
        eq = _core.equal(a1, a2)
    except ValueError:  # (incompatible shapes raise a TypeError, as in JAX)
        return _core.asarray(False)
    return _core.all(eq)


@jit
def fmax(x1, x2):
    mask = _core.logical_or(_core.greater(x1, x2), isnan(x2))
    return _core.where(mask, x1, x2)


@jit
def fmin(x1, x2):
    mask = _core.logical_or(_core.less(x1, x2), isnan(x2))
    return _core.where(mask, x1, x2)


@jit
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    del copy
    x = ensure_arraylike("nan_to_num", x)
    dt = dtype_of(x)
    if not dtypes.is_inexact(dt):
        return x
    if dtypes.is_complex(dt):
        return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                           nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
    info = dtypes.finfo(dt)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = _core.where(isnan(x), _core.asarray(nan, dtype=dt), x)
    out = _core.where(isposinf(out), _core.asarray(posinf, dtype=dt), out)
    return _core.where(isneginf(out), _core.asarray(neginf, dtype=dt), out)


# ---------------------------------------------------------------------------------------
# Integer number theory


def _euclid_steps(dt: np.dtype) -> int:
    # Euclid's algorithm takes at most ~log_phi(max) steps (consecutive Fibonacci numbers);
    # unrolling that many makes gcd loop-free.
    bits = np.iinfo(dt).bits
    return int(np.ceil(bits * np.log(2) / np.log((1 + 5 ** 0.5) / 2))) + 2


@jit
def gcd(x1, x2):
    x1, x2 = ensure_arraylike("gcd", x1, x2)
    x1, x2 = promote_dtypes(x1, x2)
    if not dtypes.is_integer(dtype_of(x1)):
        raise ValueError("Arguments to jax.numpy.gcd must be integers.")
    x1, x2 = _core.broadcast_arrays(x1, x2)
    a, b = _core.absolute(x1), _core.absolute(x2)
    zero, one = _zeros(b), _ones(b)
    for _ in range(_euclid_steps(dtype_of(a))):  # (a, b) -> (b, a % b) while b != 0
        nz = lax.ne(b, zero)
        a, b = lax.select(nz, b, a), lax.select(nz, lax.rem(a, lax.select(nz, b, one)), zero)
    return a


@jit
def lcm(x1, x2):
    x1, x2 = ensure_arraylike("lcm", x1, x2)
    x1, x2 = promote_dtypes(x1, x2)
    x1, x2 = _core.absolute(x1), _core.absolute(x2)
    if not dtypes.is_integer(dtype_of(x1)):
        raise ValueError("Arguments to jax.numpy.lcm must be integers.")
    d = gcd(x1, x2)
    # x2 and d are nonnegative, so floor division is lax.div (which XLA compiles much
    # faster after the unrolled gcd than floor_divide's sign corrections).
    zero = lax.eq(d, const(d, 0))
    x1, x2, d = _core.broadcast_arrays(x1, x2, d)
    return lax.select(zero, _zeros(d), lax.mul(x1, lax.div(x2, lax.select(zero, _ones(d), d))))


# ---------------------------------------------------------------------------------------
# Mantissa / exponent


def _normalize_float(x):
    info = dtypes.finfo(dtype_of(x))
    int_type = np.dtype(_INT_DTYPES[info.bits])
    cond = lax.lt(lax.abs(x), const(x, info.tiny))
    x1 = _where(cond, lax.mul(x, const(x, 1 << info.nmant)), x)
    x2 = _where(cond, np.asarray(-info.nmant, int_type), np.asarray(0, int_type))
    return lax.bitcast_convert_type(x1, int_type), x2


@custom_jvp
def _frexp(x):
    dt = dtype_of(x)
    info = dtypes.finfo(dt)
    mask = (1 << info.nexp) - 1
    bias = 1 - info.minexp
    x1, x2 = _normalize_float(x)
    it = dtype_of(x1)
    c = lambda v: np.asarray(v, it)  # noqa: E731
    x2 = lax.add(x2, lax.add(lax.sub(lax.bitwise_and(
        lax.shift_right_arithmetic(x1, c(info.nmant)), c(mask)), c(bias)), c(1)))
    x1 = lax.bitwise_and(x1, c(~(mask << info.nmant)))
    x1 = lax.bitwise_or(x1, c((bias - 1) << info.nmant))
    x1 = lax.bitcast_convert_type(x1, dt)
    cond = lax.bitwise_or(lax.bitwise_or(isinf(x), isnan(x)), lax.eq(x, const(x, 0)))
    x2 = _where(cond, _zeros(x2), x2)
    return _where(cond, x, x1), lax.convert_element_type(x2, np.int32)


@_frexp.defjvp
def _frexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    m, e = _frexp(x)
    mdot = lax.mul(t, lax.exp2(lax.neg(lax.convert_element_type(e, dtype_of(t)))))
    return (m, e), (mdot, lax.full_like(e, 0))


@jit
def frexp(x, /):
    x = ensure_arraylike("frexp", x)
    (x,) = promote_dtypes_inexact(x)
    if dtypes.is_complex(dtype_of(x)):
        raise TypeError("frexp does not support complex-valued inputs")
    return _frexp(x)


@jit
def ldexp(x1, x2, /):
    x1, x2 = ensure_arraylike("ldexp", x1, x2)
    d1, d2 = dtype_of(x1), dtype_of(x2)
    if dtypes.is_complex(d1) or dtypes.is_inexact(d2):
        raise ValueError(f"ldexp not supported for input types {(d1, d2)}")
    (x1,) = promote_args_inexact("ldexp", x1)
    x2 = lax.convert_element_type(x2, dtype_of(x1))
    m, e = frexp(x1)
    e = lax.add(lax.convert_element_type(e, dtype_of(x2)), x2)
    x1, x2, m, e = _core.broadcast_arrays(x1, x2, m, e)
    pos = lax.gt(e, const(e, 0))
    m = _where(pos, lax.mul(m, const(m, 2)), m)
    e = _where(pos, lax.sub(e, const(e, 1)), e)
    x = lax.mul(m, lax.exp2(lax.convert_element_type(e, dtype_of(m))))
    return _where(lax.bitwise_or(isinf(x1), lax.eq(x1, const(x1, 0))), x1, x)


# ---------------------------------------------------------------------------------------
# Bessel i0 (Cephes' Chebyshev expansions of i0e, as XLA's own expansion in JAX)

_I0E_A32 = np.array([
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1])
_I0E_B32 = np.array([
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1])
_I0E_A64 = np.array([
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    *_I0E_A32])
_I0E_B64 = np.array([
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    *_I0E_B32])


def _chebyshev(x, coeffs):
    b0, b1, b2 = _zeros(x), _zeros(x), _zeros(x)
    for c in coeffs:
        b2, b1 = b1, b0
        b0 = lax.add(lax.sub(lax.mul(x, b1), b2), const(x, c))
    return lax.mul(const(x, 0.5), lax.sub(b0, b2))


def _i0e(x):
    dt = dtype_of(x)
    if dt not in (np.float32, np.float64):
        return lax.convert_element_type(_i0e(lax.convert_element_type(x, np.float32)), dt)
    a, b = (_I0E_A64, _I0E_B64) if dt == np.float64 else (_I0E_A32, _I0E_B32)
    x = lax.abs(x)
    small = _chebyshev(lax.sub(lax.mul(const(x, 0.5), x), const(x, 2.0)), a)
    large = lax.div(_chebyshev(lax.sub(lax.div(const(x, 32.0), x), const(x, 2.0)), b),
                    lax.sqrt(x))
    return lax.select(lax.le(x, const(x, 8.0)), small, large)


@jit
def i0(x):
    (x,) = promote_args_inexact("i0", x)
    if not dtypes.is_float(dtype_of(x)):
        raise ValueError(f"Unsupported input type to jax.numpy.i0: {dtype_of(x)}")
    ax = lax.abs(x)
    return lax.mul(lax.exp(ax), _i0e(ax))


@jit(static_argnames=("axis", "bitorder"))
def packbits(a, axis=None, bitorder="big"):
    a = ensure_arraylike("packbits", a)
    if dtype_of(a).kind not in "iub":
        raise TypeError("Expected an input array of integer or boolean data type")
    if bitorder not in ["little", "big"]:
        raise ValueError("'order' must be either 'little' or 'big'")
    a = lax.convert_element_type(lax.ne(a, const(a, 0)), np.uint8)
    bits = np.arange(8, dtype=np.uint8)
    if bitorder == "big":
        bits = bits[::-1]
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    a = _core.swapaxes(a, axis, -1)
    s = shape_of(a)
    rem = s[-1] % 8
    if rem:
        a = lax.pad(a, np.uint8(0), (len(s) - 1) * [(0, 0, 0)] + [(0, 8 - rem, 0)])
    s = shape_of(a)
    a = _core.reshape(a, s[:-1] + (s[-1] // 8, 8))
    b = np.broadcast_to(bits, shape_of(a)).astype(np.uint8)
    packed = lax.convert_element_type(_core.sum(lax.shift_left(a, b), -1), np.uint8)
    return _core.swapaxes(packed, axis, -1)


@jit(static_argnames=("axis", "count", "bitorder"))
def unpackbits(a, axis=None, count=None, bitorder="big"):
    a = ensure_arraylike("unpackbits", a)
    if dtype_of(a) != np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if bitorder not in ["little", "big"]:
        raise ValueError("'order' must be either 'little' or 'big'")
    bits = (np.uint8(1) << np.arange(8, dtype=np.uint8)).astype(np.uint8)
    if bitorder == "big":
        bits = bits[::-1]
    if axis is None:
        a = _core.ravel(a)
        axis = 0
    a = _core.swapaxes(a, axis, -1)
    expanded = _core.expand_dims(a, -1)
    b = np.broadcast_to(bits, shape_of(expanded)[:-1] + (8,)).astype(np.uint8)
    un = lax.convert_element_type(lax.gt(lax.bitwise_and(
        _core.broadcast_to(expanded, b.shape), b), np.uint8(0)), np.uint8)
    un = _core.reshape(un, shape_of(un)[:-2] + (-1,))
    if count is not None:
        if count > shape_of(un)[-1]:
            nd = len(shape_of(un))
            un = lax.pad(un, np.uint8(0), (nd - 1) * [(0, 0, 0)] + [
                (0, count - shape_of(un)[-1], 0)])
        else:
            un = un[..., :count]
    return _core.swapaxes(un, axis, -1)


# Moved out by topic; imported back so that `_math.<name>` keeps working.
from cellax.numpy._polynomial import (  # noqa: E402,F401
    convolve, correlate, diff, ediff1d, gradient, interp, poly, polyadd, polyder, polydiv,
    polyint, polymul, polysub, polyval, trapezoid, unwrap, vander)
