"""`jnp.roots` and `jnp.polyfit`: the polynomial functions that need linear algebra
(eigenvalues of the companion matrix; a column-scaled least-squares fit)."""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes, lax
from cellax.numpy import _core
import cellax.numpy as jnp
from cellax.numpy._util import dtype_of, ensure_arraylike, jit, promote_dtypes_inexact


def _complex_of(dt):
    return np.dtype(np.complex128) if np.dtype(dt) == np.float64 else (
        np.dtype(dt) if dtypes.is_complex(dt) else np.dtype(np.complex64))


@jit
def _roots_no_zeros(p):
    n = p.shape[0]
    if n < 2:
        return _core.zeros((0,), _complex_of(dtype_of(p)))
    from cellax.numpy import linalg
    # Companion matrix: ones on the subdiagonal, -p[1:] / p[0] along the first row.
    companion = jnp.diag(_core.ones((n - 2,), dtype_of(p)), -1)
    companion = companion.at[0, :].set(_core.negative(p[1:]) / p[0])
    return linalg.eigvals(companion)


@jit
def _roots_with_zeros(p, num_leading_zeros):
    n = p.shape[0]
    p = _core.where(num_leading_zeros == n, _core.ones_like(p), p)  # all zero: no LAPACK NaN
    roots = _roots_no_zeros(jnp.roll(p, _core.negative(num_leading_zeros)))
    roots = lax.sort_key_val(roots == 0, roots)[1]  # the spurious zero roots go last
    keep = _core.arange(roots.shape[0]) < roots.shape[0] - num_leading_zeros
    return _core.where(keep, roots, complex(np.nan, np.nan))


def roots(p, *, strip_zeros=True):
    p = ensure_arraylike("roots", p)
    (p,) = promote_dtypes_inexact(p)
    p = _core.atleast_1d(p)
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    if p.shape[0] < 2:
        return _core.zeros((0,), _complex_of(dtype_of(p)))
    is_zero = p == 0
    leading = _core.where(_core.all(is_zero), p.shape[0], _core.argmin(is_zero))
    if strip_zeros:
        leading = int(core.concrete_or_error(
            leading, "The error occurred in the jnp.roots() function. To use this within a "
            "JIT-compiled context, pass strip_zeros=False, but be aware that leading zeros "
            "will result in some returned roots being set to NaN."))
        return _roots_no_zeros(p[leading:])
    return _roots_with_zeros(p, leading)


@jit(static_argnames=("deg", "rcond", "full", "cov"))
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    if w is None:
        x, y = ensure_arraylike("polyfit", x, y)
    else:
        x, y, w = ensure_arraylike("polyfit", x, y, w)
    deg = int(core.concrete_or_error(deg, "deg must be int"))
    order = deg + 1
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.shape[0] == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    x, y = promote_dtypes_inexact(x, y)
    if rcond is None:
        rcond = x.shape[0] * float(dtypes.finfo(dtype_of(x)).eps)
    rcond = float(core.concrete_or_error(rcond, "rcond must be float"))

    lhs, rhs = jnp.vander(x, order), y
    if w is not None:
        (w,) = promote_dtypes_inexact(w)
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if rhs.ndim == 2 else w)

    from cellax.numpy import linalg
    # Columns scaled to unit norm: a better-conditioned least-squares problem.
    scale = _core.sqrt(_core.sum(lhs * lhs, axis=0))
    lhs = lhs / scale[None, :]
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale[None, :]).T if c.ndim > 1 else c / scale

    if full:
        return c, resids, rank, s, _core.asarray(rcond)
    if cov:
        vbase = linalg.inv(_core.dot(lhs.T, lhs)) / jnp.outer(scale, scale)
        if cov == "unscaled":
            fac = _core.array(1.0)
        else:
            if x.shape[0] <= order:
                raise ValueError("the number of data points must exceed order"
                                 " to scale the covariance matrix")
            fac = resids / (x.shape[0] - order)
        if y.ndim == 1:
            return c, vbase * _core.atleast_1d(fac)[None]
        return c, vbase[:, :, None] * _core.atleast_1d(fac)[None, None, :]
    return c
