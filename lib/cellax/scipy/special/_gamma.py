"""Gamma-family special functions: gamma and its sign and logarithm, beta, binomial
coefficients, Pochhammer symbols, incomplete gamma / beta, polygamma, Hurwitz zeta and
Bernoulli numbers."""
from __future__ import annotations

import operator
from fractions import Fraction

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.custom_derivatives import custom_jvp
from cellax.numpy._util import promote_args_inexact


def _no_complex(name, x):
    if dtypes.is_complex(x.dtype):
        raise ValueError(f"{name} does not support complex-valued inputs.")


def _fill(x, v):
    return lax.full_like(x, v)


def gammasgn(x):
    """The sign of Gamma(x): NaN at poles, -inf and NaN; -1 for -0."""
    x, = promote_args_inexact("gammasgn", x)
    _no_complex("gammasgn", x)
    fl = lax.floor(x)
    negative = x < 0
    undefined = (negative & (x == fl)) | jnp.isnan(x)
    # Gamma is negative on (-2k-1, -2k) and at -0.
    minus = (negative & (jnp.fmod(fl, 2) != 0)) | ((x == 0) & jnp.signbit(x))
    return lax.select(undefined, _fill(x, np.nan),
                      lax.select(minus, _fill(x, -1.), _fill(x, 1.)))


def gamma(x):
    x, = promote_args_inexact("gamma", x)
    if dtypes.is_complex(x.dtype):
        raise NotImplementedError("gamma of complex inputs is not implemented in cellax.")
    return gammasgn(x) * lax.exp(lax.lgamma(x))


def loggamma(x):
    """log Gamma(x) for x > 0 (NaN elsewhere, as SciPy's real `loggamma`)."""
    x, = promote_args_inexact("loggamma", x)
    if dtypes.is_complex(x.dtype):
        raise NotImplementedError("loggamma of complex inputs is not implemented in cellax.")
    return jnp.where(x > 0, lax.lgamma(x), np.nan)


def _log_beta(a, b):
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def betaln(a, b):
    """log |B(a, b)|."""
    a, b = promote_args_inexact("betaln", a, b)
    # Summing the smaller arguments first keeps the cancellation down for large a + b.
    lo, hi = lax.min(a, b), lax.max(a, b)
    return _log_beta(lo, hi)


def beta(a, b):
    a, b = promote_args_inexact("beta", a, b)
    _no_complex("beta", a)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * lax.exp(betaln(a, b))


def factorial(n, exact: bool = False):
    """n! as Gamma(n + 1); 0 for negative n."""
    if exact:
        raise NotImplementedError("factorial with exact=True")
    n, = promote_args_inexact("factorial", n)
    return jnp.where(n < 0, 0, lax.exp(lax.lgamma(n + 1)))


def comb(N, k, *, repetition: bool = False):
    """The binomial coefficient C(N, k) (0 outside 0 <= k <= N), or with repetition
    C(N + k - 1, k)."""
    N, k = promote_args_inexact("comb", N, k)
    if repetition:
        return jnp.where((k == 0) & (N >= 0), 1.0, comb(N + k - 1, k))
    valid = (N >= 0) & (k >= 0) & (k <= N)
    n_ok = jnp.where(valid, N, 0.0)
    k_ok = jnp.where(valid, k, 0.0)
    log_c = lax.lgamma(n_ok + 1) - lax.lgamma(k_ok + 1) - lax.lgamma(n_ok - k_ok + 1)
    return jnp.where(valid, lax.exp(log_c), 0.0)


@custom_jvp
def poch(z, m):
    """The rising factorial Gamma(z + m) / Gamma(z)."""
    z, m = promote_args_inexact("poch", z, m)
    if dtypes.is_complex(z.dtype):
        raise ValueError("jnp.poch does not support complex-valued inputs.")
    return jnp.where(m == 0., jnp.array(1, dtype=z.dtype), gamma(z + m) / gamma(z))


poch.defjvps(
    lambda t, out, z, m: (lax.digamma(z + m) - lax.digamma(z)) * poch(z, m) * t,
    lambda t, out, z, m: lax.digamma(z + m) * poch(z, m) * t)


def multigammaln(a, d):
    """log of the multivariate gamma function of dimension d."""
    d = int(core.concrete_or_error(d, "d argument of multigammaln"))
    a, d_ = promote_args_inexact("multigammaln", a, d)
    dt = a.dtype.type
    const = dt(0.25) * d_ * (d_ - dt(1)) * dt(np.log(np.pi))
    shifts = jnp.arange(d, dtype=d_.dtype) / dt(2)
    terms = lax.lgamma(jnp.expand_dims(a, -1) - shifts.reshape((1,) * a.ndim + (d,)))
    return jnp.sum(terms, axis=-1) + const


def gammainc(a, x):
    a, x = promote_args_inexact("gammainc", a, x)
    return lax.igamma(a, x)


def gammaincc(a, x):
    a, x = promote_args_inexact("gammaincc", a, x)
    return lax.igammac(a, x)


def betainc(a, b, x):
    a, b, x = promote_args_inexact("betainc", a, b, x)
    _no_complex("betainc", x)
    return lax.betainc(a, b, x)


def polygamma(n, x):
    n_dt = dtypes.dtype(n)
    if n_dt.kind not in "iu":
        raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype "
                         f"{n_dt}.")
    n, x = promote_args_inexact("polygamma", n, x)
    _no_complex("polygamma", x)
    return lax.polygamma(n, x)


# ---------------------------------------------------------------------------------------
# Hurwitz zeta: the primitive for values; derivatives through an Euler-Maclaurin sum,
# zeta(s, q) = sum_{k<N} (q+k)^-s + (q+N)^(1-s)/(s-1) + (q+N)^-s/2
#              + sum_j B_2j/(2j)! s(s+1)...(s+2j-2) (q+N)^(-s-2j+1).


def _bernoulli_fractions(n: int) -> list[Fraction]:
    """B_0..B_n (with B_1 = -1/2) by the Akiyama-Tanigawa algorithm."""
    out, row = [], []
    for m in range(n + 1):
        row.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        out.append(row[0])
    if n >= 1:
        out[1] = -out[1]
    return out


_B2J = [float(b) for b in _bernoulli_fractions(40)[2::2]]


def _zeta_euler_maclaurin(s, q):
    dt = s.dtype.type
    n = 8 if s.dtype == np.float32 else 16
    # lax.pow throughout: jnp.power would treat a concrete integral `s` as static.
    total = jnp.zeros_like(s)
    for k in range(n):
        total = total + lax.pow(q + dt(k), -s)
    qn = q + dt(n)
    total = total + lax.pow(qn, dt(1) - s) / (s - dt(1)) + dt(0.5) * lax.pow(qn, -s)
    rising = s  # s (s+1) ... (s+2j-2), times qn^(-s-2j+1)
    inv_qn = dt(1) / qn
    power = lax.pow(qn, -s) * inv_qn
    fact = 2.0
    for j in range(1, n + 1):
        total = total + dt(_B2J[j - 1] / fact) * rising * power
        rising = rising * (s + dt(2 * j - 1)) * (s + dt(2 * j))
        power = power * inv_qn * inv_qn
        fact *= (2 * j + 1) * (2 * j + 2)
    return total


@custom_jvp
def zeta(x, q=None):
    """The Hurwitz zeta function sum_n (n + q)^-x."""
    if q is None:
        raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                                  "compute the Hurwitz Zeta function.")
    x, q = promote_args_inexact("zeta", x, q)
    return lax.zeta(x, q)


@zeta.defjvp
def _zeta_jvp(primals, tangents):
    from cellax import jvp
    x, q = primals
    if q is None:
        raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                                  "compute the Hurwitz Zeta function.")
    x, q = promote_args_inexact("zeta", x, q)
    tx, tq = tangents
    tx = jnp.broadcast_to(jnp.asarray(tx, x.dtype), x.shape)
    tq = jnp.broadcast_to(jnp.asarray(tq, q.dtype), q.shape)
    return jvp(_zeta_euler_maclaurin, (x, q), (tx, tq))


def bernoulli(n: int):
    """The Bernoulli numbers B_0..B_n (B_1 = -1/2)."""
    n = operator.index(core.concrete_or_error(n, "Argument n of bernoulli"))
    if n < 0:
        raise ValueError("n must be a non-negative integer.")
    vals = _bernoulli_fractions(n)
    return jnp.array([float(v) for v in vals], dtype=dtypes.default_float_dtype())
