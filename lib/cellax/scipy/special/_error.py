"""Error-function relatives: the Faddeeva function w(z), the scaled complementary error
function, Dawson's integral, the log of the normal CDF and its inverse."""
from __future__ import annotations

import functools

import numpy as np

from cellax import dtypes, lax
from cellax import numpy as jnp
from cellax.custom_derivatives import custom_jvp
from cellax.numpy._util import promote_args_inexact
from cellax.scipy.special._basic import ndtr

_SQRT_PI = float(np.sqrt(np.pi))

# ---------------------------------------------------------------------------------------
# Faddeeva w(z) = exp(-z^2) erfc(-iz), by Weideman's rational expansion (SIAM J. Numer.
# Anal. 31, 1994): with L = sqrt(N / sqrt 2) and Z = (L + iz) / (L - iz),
# w(z) = 2 p(Z) / (L - iz)^2 + 1 / (sqrt(pi) (L - iz)) in the upper half plane, p's
# coefficients from an FFT of the transformed integrand.

_WEIDEMAN_N = 32


@functools.lru_cache(maxsize=None)
def _weideman():
    n = _WEIDEMAN_N
    m = 2 * n
    big_l = np.sqrt(n / np.sqrt(2.0))
    k = np.arange(-m + 1, m)
    t = big_l * np.tan(k * np.pi / (2 * m))
    f = np.concatenate([[0.0], np.exp(-t * t) * (big_l ** 2 + t * t)])
    a = np.real(np.fft.fft(np.fft.fftshift(f))) / (2 * m)
    return big_l, a[1:n + 1][::-1].copy()


def _wofz_upper(z):
    big_l, coeffs = _weideman()
    rdt = np.dtype(z.dtype.char.lower())
    iz = lax.complex(-lax.imag(z), lax.real(z))
    lc = lax.complex(jnp.full_like(lax.real(z), big_l), jnp.zeros_like(lax.real(z)))
    denom = lc - iz
    zz = (lc + iz) / denom
    p = jnp.zeros_like(z)
    for c in coeffs:
        p = p * zz + np.asarray(c, rdt)
    return np.asarray(2, rdt) * p / (denom * denom) + np.asarray(1 / _SQRT_PI, rdt) / denom


@custom_jvp
def _wofz(z):
    upper = lax.imag(z) >= 0
    zu = lax.select(upper, z, -z)
    wu = _wofz_upper(zu)
    # w(-z) = 2 exp(-z^2) - w(z)
    return lax.select(upper, wu, 2 * lax.exp(-(z * z)) - wu)


_wofz.defjvps(lambda t, w, z: t * (-2 * z * w + lax.complex(
    jnp.zeros_like(lax.real(z)), jnp.full_like(lax.real(z), 2 / _SQRT_PI))))


def wofz(z):
    """The Faddeeva function exp(-z^2) erfc(-iz)."""
    z, = promote_args_inexact("wofz", z)
    if not dtypes.is_complex(z.dtype):
        z = lax.convert_element_type(
            z, np.complex128 if z.dtype == np.float64 else np.complex64)
    return _wofz(z)


# ---------------------------------------------------------------------------------------
# erfcx


def _erfcx_real(x):
    dt = x.dtype
    cdt = np.dtype(np.float32) if dt not in (np.float32, np.float64) else dt
    xc = x.astype(cdt)
    nterms = 9 if cdt == np.float64 else 5
    big = xc > float(np.sqrt(np.log(np.finfo(cdt).max)))
    safe = lax.select(big, jnp.ones_like(xc), xc)
    direct = lax.exp(safe * safe) * lax.erfc(safe)
    # erfcx(x) ~ 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2 x^2)^k
    inv2 = 1 / (xc * xc)
    series = jnp.zeros_like(xc)
    coef = [1.0]
    for k in range(1, nterms):
        coef.append(-coef[-1] * (2 * k - 1) / 2)
    for c in reversed(coef):
        series = series * inv2 + np.asarray(c, cdt)
    asym = series / (xc * np.asarray(_SQRT_PI, cdt))
    return lax.select(big, asym, direct).astype(dt)


@custom_jvp
def _erfcx(x):
    return _erfcx_real(x)


_erfcx.defjvps(lambda t, ans, x: t * (2 * x * ans - np.asarray(2 / _SQRT_PI, x.dtype)))


def erfcx(x):
    """exp(x^2) erfc(x)."""
    x, = promote_args_inexact("erfcx", x)
    if dtypes.is_complex(x.dtype):
        return _wofz(lax.complex(-lax.imag(x), lax.real(x)))
    return _erfcx(x)


# ---------------------------------------------------------------------------------------
# Dawson's integral D(x) = exp(-x^2) int_0^x exp(t^2) dt = sqrt(pi)/2 Im w(x) for real x.


@custom_jvp
def _dawsn(x):
    dt = x.dtype
    cdt = np.dtype(np.float32) if dt not in (np.float32, np.float64) else dt
    xc = x.astype(cdt)
    # Odd: compute at |x| (w on the real axis, upper half plane form).
    ax = lax.abs(xc)
    w = _wofz_upper(lax.complex(ax, jnp.zeros_like(ax)))
    d = np.asarray(_SQRT_PI / 2, cdt) * lax.imag(w)
    # Large |x|: D(x) ~ 1/(2x) (1 + 1/(2x^2) + 3/(4x^4) + 15/(8x^6)).
    big = ax > 1e4
    safe = lax.select(big, ax, jnp.ones_like(ax))
    inv2 = 1 / (safe * safe)
    asym = (1 + inv2 * (0.5 + inv2 * (0.75 + inv2 * 1.875))) / (2 * safe)
    d = lax.select(big, asym, d)
    return (jnp.sign(xc) * d).astype(dt)


_dawsn.defjvps(lambda t, ans, x: t * (1 - 2 * x * ans))


def dawsn(x):
    x, = promote_args_inexact("dawsn", x)
    if dtypes.is_complex(x.dtype):
        raise ValueError("dawsn does not support complex-valued inputs.")
    return _dawsn(x)


# ---------------------------------------------------------------------------------------
# log_ndtr and ndtri

_LOG_NDTR_BOUNDS = {np.dtype(np.float32): (-10.0, 5.0), np.dtype(np.float64): (-20.0, 8.0)}
_HALF_LOG_2PI = float(0.5 * np.log(2 * np.pi))


def _log_ndtr_tail(x, series_order):
    """log Phi(x) for x -> -inf: log(phi(x) / -x) + log(sum_n (-1)^n (2n-1)!! / x^(2n))."""
    dt = x.dtype.type
    x2 = x * x
    total = jnp.ones_like(x)
    power = x2
    dfact = 1.0
    for n in range(1, series_order + 1):
        dfact *= 2 * n - 1
        term = dt(dfact) / power
        total = total + (term if n % 2 == 0 else -term)
        power = power * x2
    return -dt(0.5) * x2 - jnp.log(-x) - dt(_HALF_LOG_2PI) + jnp.log(total)


def log_ndtr(x, series_order: int = 3):
    """log of the standard normal CDF, accurate in both tails."""
    return _log_ndtr(x, series_order)


@functools.partial(custom_jvp, nondiff_argnums=(1,))
def _log_ndtr(x, series_order):
    if not isinstance(series_order, int):
        raise TypeError("series_order must be a Python integer.")
    if series_order < 0:
        raise ValueError("series_order must be non-negative.")
    if series_order > 30:
        raise ValueError("series_order must be <= 30.")
    x = jnp.asarray(x)
    bounds = _LOG_NDTR_BOUNDS.get(np.dtype(x.dtype))
    if bounds is None:
        raise TypeError(f"x.dtype={np.dtype(x.dtype)} is not supported.")
    lower, upper = (np.asarray(b, x.dtype) for b in bounds)
    high = x > upper
    # log(1 - e) ~ -e for the upper tail; log(ndtr) in the middle; a series below.
    mid_arg = jnp.where(high, -x, lax.max(x, lower))
    cdf = ndtr(mid_arg)
    return jnp.where(high, -cdf, jnp.where(x > lower, jnp.log(cdf),
                                           _log_ndtr_tail(lax.min(x, lower), series_order)))


@_log_ndtr.defjvp
def _log_ndtr_jvp(series_order, primals, tangents):
    (x,), (t,) = primals, tangents
    ans = _log_ndtr(x, series_order)
    dt = ans.dtype.type
    log_pdf = -dt(0.5) * x * x - dt(_HALF_LOG_2PI)
    return ans, t * jnp.exp(log_pdf - ans)


@custom_jvp
def _ndtri(p):
    dt = p.dtype.type
    # Work in the lower half, q = min(p, 1 - p), and solve log Phi(x) = log q by Newton's
    # method in log space from an asymptotic start, then reflect.
    upper = p > dt(0.5)
    q = jnp.where(upper, dt(1) - p, p)
    q_safe = jnp.where((q > 0) & (q <= 0.5), q, dt(0.25))
    log_q = jnp.log(q_safe)
    t = jnp.sqrt(dt(-2) * log_q)
    # Abramowitz & Stegun 26.2.23 start, good to ~5e-4 on (0, 1/2].
    x = -(t - (dt(2.515517) + t * (dt(0.802853) + t * dt(0.010328)))
          / (dt(1) + t * (dt(1.432788) + t * (dt(0.189269) + t * dt(0.001308)))))
    for _ in range(4 if p.dtype == np.float64 else 3):
        lp = log_ndtr(x)
        log_pdf = -dt(0.5) * x * x - dt(_HALF_LOG_2PI)
        x = x - (lp - log_q) * jnp.exp(lp - log_pdf)
    x = jnp.where(q == dt(0.5), dt(0), x)
    x = jnp.where(upper, -x, x)
    inf = dt(np.inf)
    x = jnp.where(p == 0, -inf, jnp.where(p == 1, inf, x))
    return jnp.where((p < 0) | (p > 1) | jnp.isnan(p), dt(np.nan), x)


_ndtri.defjvps(lambda t, x, p: t * jnp.exp(np.asarray(0.5, x.dtype) * x * x
                                           + np.asarray(_HALF_LOG_2PI, x.dtype)))


def ndtri(p):
    """The inverse of the standard normal CDF."""
    p = jnp.asarray(p)
    if p.dtype not in (np.float32, np.float64):
        raise TypeError(f"x.dtype={p.dtype} is not supported, see docstring for supported "
                        "types.")
    return _ndtri(p)
