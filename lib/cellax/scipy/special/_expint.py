"""Exponential and trigonometric integrals: Ei, E1, E_n, Si and Ci.

Small arguments use power series, large ones continued fractions (the Lentz method) or
asymptotic series; all loops have fixed trip counts so they trace to static jaxprs."""
from __future__ import annotations

import numpy as np

from cellax import dtypes, lax
from cellax import numpy as jnp
from cellax.custom_derivatives import custom_jvp
from cellax.numpy._util import promote_args_inexact

_EULER = float(np.euler_gamma)


def _no_complex(name, x):
    if dtypes.is_complex(x.dtype):
        raise ValueError(f"{name} does not support complex-valued inputs.")


def _iters(dt, f32, f64):
    return f64 if np.dtype(dt) == np.float64 else f32


# ---------------------------------------------------------------------------------------
# E_n(x), n >= 1 real, x > 0


def _expn_series(n, x):
    """E_n(x) = (-x)^(n-1)/(n-1)! (psi(n) - log x) - sum_{k != n-1} (-x)^k / ((k-n+1) k!)
    for integer n >= 1 (x <= 1)."""
    dt = x.dtype.type
    nm1 = n - dt(1)
    safe_nm1 = jnp.where(nm1 == 0, dt(1), nm1)
    total = jnp.where(nm1 == 0, -jnp.log(x) - dt(_EULER), dt(1) / safe_nm1)
    fact = jnp.ones_like(x)  # (-x)^k / k!
    for k in range(1, _iters(dt, 20, 30)):
        fact = fact * (-x) / dt(k)
        at_pole = nm1 == dt(k)
        denom = jnp.where(at_pole, dt(1), dt(k) - nm1)
        term = jnp.where(at_pole, fact * (lax.digamma(n) - jnp.log(x)), -fact / denom)
        total = total + term
    return total


def _expn_cfrac(n, x):
    """E_n(x) = e^-x / (x + n - 1*n/(x + n + 2 - 2(n+1)/(x + n + 4 - ...))) for x > 1."""
    dt = x.dtype.type
    tiny = dt(np.finfo(x.dtype).tiny * 1e10)
    d0 = dt(1) / (x + n)

    def step(i, carry):
        b, c, d, h = carry
        fi = lax.convert_element_type(i, x.dtype)
        an = -fi * (n - dt(1) + fi)
        b = b + dt(2)
        d = dt(1) / (an * d + b)
        c = b + an / c
        return b, c, d, h * c * d

    _, _, _, h = lax.fori_loop(1, _iters(dt, 60, 120), step,
                               (x + n, jnp.full_like(x, 1) / tiny, d0, d0))
    return h * jnp.exp(-x)


def _expn_impl(n, x):
    # The cases in JAX's order of precedence (its piecewise lets a later case win):
    # x > 1 uses the continued fraction for every n; then n == 0; then x == 0 (where the
    # reference gives 1/n for n >= 2, not E_n(0) = 1/(n-1); kept for compatibility);
    # then the domain errors; the series elsewhere.
    dt = x.dtype.type
    large = x > 1
    xs = jnp.where(x > 0, jnp.minimum(x, dt(1)), dt(0.5))
    ns = jnp.where(n >= 1, n, dt(1))
    series = _expn_series(ns, xs)
    series = jnp.where(jnp.isnan(x), x, series)
    val = jnp.where((n < 0) | (x < 0), dt(np.nan), series)
    safe_n = jnp.where(n == 1, dt(2), jnp.where(n == 0, dt(1), n))
    val = jnp.where((x == 0) & (n < 2), dt(np.inf), val)
    val = jnp.where((x == 0) & (n >= 2), dt(1) / safe_n, val)
    val = jnp.where((n == 0) & (x >= 0), jnp.exp(-x) / x, val)
    xl = jnp.where(large, x, dt(2))
    return jnp.where(large, _expn_cfrac(n, xl), val)


def expn(n, x):
    """The generalised exponential integral E_n(x) = int_1^inf e^(-xt) / t^n dt."""
    n, x = promote_args_inexact("expn", n, x)
    _no_complex("expn", x)
    n, x = jnp.broadcast_arrays(n, x)
    return _expn(n, x)


# n is not differentiated (JAX makes it a nondiff argument); it may be traced here.
@custom_jvp
def _expn(n, x):
    return _expn_impl(n, x)


@_expn.defjvp
def _expn_jvp(primals, tangents):
    (n, x), (_, t) = primals, tangents
    return _expn(n, x), -t * _expn(n - 1, x)


def exp1(x):
    """E_1(x)."""
    x, = promote_args_inexact("exp1", x)
    _no_complex("exp1", x)
    return expn(1, x)


# ---------------------------------------------------------------------------------------
# Ei(x) = -E1(-x) for x < 0; for x > 0 a power series, then an asymptotic series.


def _expi_pos(x):
    dt = x.dtype.type
    cut = dt(_iters(dt, 25.0, 50.0))
    xs = jnp.where(x < cut, x, dt(1))
    def step(k, carry):
        term, total = carry
        fk = lax.convert_element_type(k, x.dtype)
        term = term * xs / fk
        return term, total + term / fk

    _, total = lax.fori_loop(1, _iters(dt, 60, 120), step,
                             (jnp.ones_like(x), jnp.zeros_like(x)))
    series = dt(_EULER) + jnp.log(xs) + total
    xl = jnp.where(x < cut, cut, x)
    asym = jnp.ones_like(x)
    term = jnp.ones_like(x)
    for k in range(1, _iters(dt, 12, 30)):
        term = term * dt(k) / xl
        asym = asym + term
    asym = jnp.exp(xl) / xl * asym
    return jnp.where(x < cut, series, asym)


@custom_jvp
def expi(x):
    """The exponential integral Ei(x) = -PV int_{-x}^inf e^-t / t dt."""
    x, = promote_args_inexact("expi", x)
    _no_complex("expi", x)
    dt = x.dtype.type
    neg = x < 0
    pos = jnp.where(neg, dt(1), x)
    val = jnp.where(neg, -exp1(jnp.where(neg, -x, dt(1))), _expi_pos(pos))
    # Like JAX, NaN at 0 and at -inf.
    return jnp.where((x == 0) | (x == -np.inf), dt(np.nan), val)


@expi.defjvp
def _expi_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return expi(x), jnp.exp(x) / x * t


# ---------------------------------------------------------------------------------------
# Si and Ci


def _sici_alternating_series(x):
    """Si = sum_k (-1)^k x^(2k+1) / ((2k+1)(2k+1)!), Ci = gamma + log x +
    sum_{k>=1} (-1)^k x^(2k) / (2k (2k)!)."""
    dt = x.dtype.type
    x2 = x * x
    si = jnp.zeros_like(x)
    ci = jnp.zeros_like(x)
    odd = x  # (-1)^k x^(2k+1) / (2k+1)!
    even = jnp.ones_like(x)  # (-1)^k x^(2k) / (2k)!
    for k in range(_iters(dt, 14, 22)):
        si = si + odd / dt(2 * k + 1)
        if k:
            ci = ci + even / dt(2 * k)
        odd = -odd * x2 / dt((2 * k + 2) * (2 * k + 3))
        even = -even * x2 / dt((2 * k + 1) * (2 * k + 2))
    return si, dt(_EULER) + jnp.log(x) + ci


def _sici_cfrac(x):
    """E1(ix) = -Ci(x) + i (Si(x) - pi/2), by the Lentz method on its continued fraction
    1/(1+ix - 1/(3+ix - 4/(5+ix - ...))) times e^(-ix), in real arithmetic."""
    dt = x.dtype.type
    big = dt(1) / dt(np.finfo(x.dtype).tiny * 1e10)

    def cdiv(ar, ai, br, bi):
        den = br * br + bi * bi
        return (ar * br + ai * bi) / den, (ai * br - ar * bi) / den

    br, bi = jnp.ones_like(x), x
    cr, ci_ = jnp.full_like(x, big), jnp.zeros_like(x)
    dr, di = cdiv(jnp.ones_like(x), jnp.zeros_like(x), br, bi)
    hr, hi = dr, di
    def step(i, carry):
        br, cr, ci_, dr, di, hr, hi = carry
        fi = lax.convert_element_type(i, x.dtype)
        a = -(fi - dt(1)) ** 2
        br = br + dt(2)
        # d = 1 / (a d + b); c = b + a / c
        dr, di = cdiv(jnp.ones_like(x), jnp.zeros_like(x), a * dr + br, a * di + bi)
        qr, qi = cdiv(jnp.broadcast_to(a, x.shape), jnp.zeros_like(x), cr, ci_)
        cr, ci_ = br + qr, bi + qi
        er, ei = cr * dr - ci_ * di, cr * di + ci_ * dr
        return br, cr, ci_, dr, di, hr * er - hi * ei, hr * ei + hi * er

    _, _, _, _, _, hr, hi = lax.fori_loop(2, _iters(dt, 40, 80), step,
                                          (br, cr, ci_, dr, di, hr, hi))
    cs, sn = jnp.cos(x), jnp.sin(x)
    hr, hi = hr * cs + hi * sn, hi * cs - hr * sn
    return dt(np.pi / 2) + hi, -hr


def _sici_asymptotic(x):
    # Si ~ pi/2 - cos(x)/x, Ci ~ sin(x)/x for huge x.
    dt = x.dtype.type
    fin = jnp.isfinite(x)
    safe = jnp.where(fin, x, dt(1))
    return (dt(np.pi / 2) - jnp.where(fin, jnp.cos(safe) / safe, dt(0)),
            jnp.where(fin, jnp.sin(safe) / safe, dt(0)))


@custom_jvp
def sici(x):
    """The sine and cosine integrals Si(x) = int_0^x sin t / t dt and
    Ci(x) = gamma + log x + int_0^x (cos t - 1) / t dt (of |x|)."""
    x, = promote_args_inexact("sici", x)
    if dtypes.is_complex(x.dtype):
        raise ValueError(f"Argument `x` to sici must be real-valued. Got dtype {x.dtype}.")
    dt = x.dtype.type
    ax = jnp.abs(x)
    small = ax <= 4
    huge = ax > 1e9
    si_s, ci_s = _sici_alternating_series(jnp.where(small, ax, dt(1)))
    mid = jnp.where(small | huge, dt(5), ax)
    si_c, ci_c = _sici_cfrac(mid)
    si_a, ci_a = _sici_asymptotic(jnp.where(huge, ax, dt(1e10)))
    si = jnp.where(small, si_s, jnp.where(huge, si_a, si_c))
    ci = jnp.where(small, ci_s, jnp.where(huge, ci_a, ci_c))
    si = jnp.sign(x) * si
    ci = jnp.where(jnp.isneginf(x), dt(np.nan), ci)
    return si, ci


@sici.defjvp
def _sici_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    out = sici(x)
    return out, (jnp.sinc(x / np.pi) * t, jnp.cos(x) / x * t)
