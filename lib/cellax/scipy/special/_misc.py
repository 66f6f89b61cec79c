"""Box-Cox transforms, relative entropies, modified Bessel functions of order 0 and 1,
Bessel functions of the first kind of integer order, and Spence's function."""
from __future__ import annotations

import operator

import numpy as np

from cellax import core, dtypes, lax
from cellax import numpy as jnp
from cellax.numpy._util import promote_args_inexact
from cellax.scipy.special._basic import _xlogx, xlogy


def _box_cox(name, log_fn, x, lmbda):
    x, lmbda = promote_args_inexact(name, x, lmbda)
    zero = lmbda == 0
    safe = jnp.where(zero, jnp.ones_like(lmbda), lmbda)
    lx = log_fn(x)
    return jnp.where(zero, lx, jnp.expm1(safe * lx) / safe)


def boxcox(x, lmbda):
    """(x^lmbda - 1) / lmbda, log(x) at lmbda == 0."""
    return _box_cox("boxcox", jnp.log, x, lmbda)


def boxcox1p(x, lmbda):
    """((1+x)^lmbda - 1) / lmbda, log1p(x) at lmbda == 0."""
    return _box_cox("boxcox1p", jnp.log1p, x, lmbda)


def rel_entr(p, q):
    """p log(p/q) for p, q > 0; 0 at p == 0 <= q; inf elsewhere."""
    p, q = promote_args_inexact("rel_entr", p, q)
    if dtypes.is_complex(p.dtype):
        raise ValueError("rel_entr does not support complex-valued inputs.")
    zero = lax.full_like(p, 0)
    both_pos = (p > zero) & (q > zero)
    p_zero = (p == zero) & (q >= zero)
    sp = jnp.where(both_pos, p, 1)
    sq = jnp.where(both_pos, q, 1)
    val = _xlogx(sp) - xlogy(sp, sq)
    return jnp.where(both_pos, val, jnp.where(p_zero, zero, np.inf))


def kl_div(p, q):
    """p log(p/q) - p + q."""
    p, q = promote_args_inexact("kl_div", p, q)
    if dtypes.is_complex(p.dtype):
        raise ValueError("kl_div does not support complex-valued inputs.")
    return rel_entr(p, q) - p + q


def i0e(x):
    x, = promote_args_inexact("i0e", x)
    return lax.bessel_i0e(x)


def i0(x):
    x, = promote_args_inexact("i0", x)
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i0e(x))


def i1e(x):
    x, = promote_args_inexact("i1e", x)
    return lax.bessel_i1e(x)


def i1(x):
    x, = promote_args_inexact("i1", x)
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x))


def bessel_jn(z, *, v: int, n_iter: int = 50):
    """J_0(z) .. J_v(z), stacked on a new leading axis, by Miller's backward recurrence
    J_{k-1} = (2k / z) J_k - J_{k+1} from k = n_iter, normalised with
    J_0 + 2 sum_k J_2k = 1."""
    z = jnp.asarray(z)
    z, = promote_args_inexact("bessel_jn", z)
    if dtypes.is_complex(z.dtype):
        # JAX's check misses complex dtypes; its recurrence then rejects them.
        raise TypeError(f"bessel_jn does not accept dtype {z.dtype}. Accepted dtypes are "
                        "subtypes of floating.")
    v = operator.index(core.concrete_or_error(v, "Argument v of bessel_jn."))
    n_iter = int(core.concrete_or_error(n_iter, "Argument n_iter of bessel_jn."))
    dt = z.dtype.type

    def step(carry, k):
        nxt, cur, even_sum = carry  # J_{k+2}, J_{k+1} (unnormalised)
        new = dt(2) * (k + dt(1)) * cur / z - nxt
        even = lax.rem(k, dt(2)) == 0
        even_sum = jnp.where(even, even_sum + dt(2) * new, even_sum)
        return (cur, new, even_sum), new

    init = (jnp.zeros_like(z), jnp.full_like(z, 1e-16), jnp.zeros_like(z))
    ks = lax.iota(z.dtype, n_iter + 1)
    (_, _, even_sum), vals = lax.scan(step, init, ks, reverse=True)
    return vals[:v + 1] / (even_sum - vals[0])


def _dilog_small(z, dt):
    """Li2(z) for z in [-1, 1/2]: with u = -log(1 - z), Li2 = sum_n B_n u^(n+1)/(n+1)!."""
    from cellax.scipy.special._gamma import _bernoulli_fractions
    bern = _bernoulli_fractions(36)
    u = -jnp.log1p(-z)
    total = jnp.zeros_like(z)
    power = u
    fact = 1.0
    for n, b in enumerate(bern):
        fact *= n + 1
        if b != 0:
            total = total + dt(float(b) / fact) * power
        power = power * u
    return total


def spence(x):
    """Spence's function: Li2(1 - x) for x >= 0 (NaN for x < 0)."""
    x = jnp.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"x.dtype={x.dtype} is not supported, see docstring for supported "
                        "types.")
    dt = x.dtype.type
    pi2_6 = dt(np.pi ** 2 / 6)
    z = dt(1) - x
    # z < -1: Li2(z) = -pi^2/6 - log(-z)^2 / 2 - Li2(1/z).
    inv = z < -1
    w = jnp.where(inv, dt(1) / jnp.where(inv, z, dt(-2)), z)
    # w > 1/2: Li2(w) = pi^2/6 - log(w) log(1-w) - Li2(1-w).
    refl = w > 0.5
    w2 = jnp.where(refl, dt(1) - w, w)
    core_val = _dilog_small(w2, dt)
    safe_w = jnp.where(refl, w, dt(0.75))
    val = jnp.where(refl, pi2_6 - jnp.log(safe_w) * jnp.log1p(-safe_w) - core_val, core_val)
    safe_z = jnp.where(inv, z, dt(-2))
    val = jnp.where(inv, -pi2_6 - dt(0.5) * jnp.log(-safe_z) ** 2 - val, val)
    val = jnp.where(x == 0, pi2_6, jnp.where(x == 1, dt(0), val))
    return jnp.where((x < 0) | (x == np.inf), dt(np.nan), val)
