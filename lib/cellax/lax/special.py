"""`jax.lax`'s special functions: incomplete gamma and beta, scaled Bessel functions,
Hurwitz zeta, polygamma and the derivative of gamma samples."""
from __future__ import annotations

from cellax import core
from cellax.lax.lax import _promote_scalar_args, broadcast_in_dim
from cellax.primitives.elementwise import broadcast_shapes, polygamma_p  # noqa: F401
from cellax.primitives.special import (  # noqa: F401
    bessel_i0e_p, bessel_i1e_p, igamma_grad_a_p, igamma_p, igammac_p, random_gamma_grad_p,
    regularized_incomplete_beta_p, zeta_p)


def _bind(prim, *args):
    return prim.bind(*_promote_scalar_args(prim.name, *args))


def igamma(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    return _bind(igamma_p, a, x)


def igammac(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _bind(igammac_p, a, x)


def igamma_grad_a(a, x):
    """dP(a, x)/da."""
    return _bind(igamma_grad_a_p, a, x)


def random_gamma_grad(a, x):
    """The derivative of a sample `x` of Gamma(a, 1) with respect to `a`."""
    a, x = _promote_scalar_args("random_gamma_grad", a, x)
    avals = [core.get_aval(v) for v in (a, x)]
    rank = max(v.ndim for v in avals)
    # NumPy-style broadcasting (JAX broadcasts these operands before computing).
    shapes = [(1,) * (rank - v.ndim) + v.shape for v in avals]
    shape = broadcast_shapes("random_gamma_grad", *shapes)
    a, x = [v if av.shape == shape else
            broadcast_in_dim(v, shape, tuple(range(rank - av.ndim, rank)))
            for v, av in zip((a, x), avals)]
    return random_gamma_grad_p.bind(a, x)


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    return _bind(regularized_incomplete_beta_p, a, b, x)


def bessel_i0e(x):
    """exp(-|x|) I0(x)."""
    return _bind(bessel_i0e_p, x)


def bessel_i1e(x):
    """exp(-|x|) I1(x)."""
    return _bind(bessel_i1e_p, x)


def zeta(x, q):
    """The Hurwitz zeta function sum_n (n + q)^-x."""
    return _bind(zeta_p, x, q)


def polygamma(m, x):
    """The m-th derivative of digamma."""
    return _bind(polygamma_p, m, x)
