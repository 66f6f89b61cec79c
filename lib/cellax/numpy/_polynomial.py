"""Differences, polynomials and calculus helpers of `cellax.numpy` (diff, ediff1d, poly*,
vander, convolve, correlate, trapezoid, unwrap, gradient, interp), split out of `_math`.
Composed from existing lax primitives; semantics (dtypes, weak types) follow `jax.numpy`."""
from __future__ import annotations

import builtins
import operator

import numpy as np

from cellax import dtypes, lax
from cellax.numpy import _core
from cellax.numpy._util import (arr, const, dtype_of, ensure_arraylike, jit, promote_dtypes,
                                promote_dtypes_inexact, shape_of)


# ---------------------------------------------------------------------------------------
# Differences and polynomials


def diff(a, n=1, axis=-1, prepend=None, append=None):
    a = ensure_arraylike("diff", a)
    n = operator.index(_concrete(n, "'n' argument of jnp.diff"))
    axis = operator.index(_concrete(axis, "'axis' argument of jnp.diff"))
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    nd = np.ndim(a) if not hasattr(a, "aval") else a.aval.ndim
    if nd == 0:
        raise ValueError(f"diff requires input that is at least one dimensional; got {a}")
    axis = _core._canon_axis(axis, nd)
    combined = []
    for extra, first in ((prepend, True), (append, False)):
        if extra is None:
            continue
        extra = ensure_arraylike("diff", extra)
        if not np.ndim(extra) and not getattr(getattr(extra, "aval", None), "ndim", 0):
            shape = list(shape_of(a))
            shape[axis] = 1
            extra = _core.broadcast_to(extra, tuple(shape))
        combined.append((first, extra))
    parts = [e for f, e in combined if f] + [a] + [e for f, e in combined if not f]
    if len(parts) > 1:
        a = _core.concatenate(parts, axis)
    hi = [slice(None)] * nd
    lo = [slice(None)] * nd
    hi[axis] = slice(1, None)
    lo[axis] = slice(None, -1)
    is_bool = dtype_of(a) == dtypes.bool_
    for _ in range(n):
        x, y = a[tuple(hi)], a[tuple(lo)]
        a = _core.not_equal(x, y) if is_bool else _core.subtract(x, y)
    return a


def _concrete(x, context):
    from cellax import core
    return core.concrete_or_error(x, context)


@jit
def ediff1d(ary, to_end=None, to_begin=None):
    a = _core.ravel(ensure_arraylike("ediff1d", ary))
    result = lax.sub(a[1:], a[:-1])
    dt = dtype_of(a)
    if to_begin is not None:
        to_begin = ensure_arraylike("ediff1d", to_begin)
        result = _core.concatenate((_core.ravel(_core.astype(to_begin, dt)), result))
    if to_end is not None:
        to_end = ensure_arraylike("ediff1d", to_end)
        result = _core.concatenate((result, _core.ravel(_core.astype(to_end, dt))))
    return result


@jit(static_argnames=("unroll",))
def polyval(p, x, *, unroll=16):
    p, x = ensure_arraylike("polyval", p, x)
    p, x = promote_dtypes(p, x)
    shape = _core.broadcast_shapes(shape_of(p)[1:], shape_of(x))
    y = lax.full_like(x, 0, shape=shape, dtype=dtype_of(x))
    for i in range(shape_of(p)[0]):  # Horner's rule, unrolled (p's length is static)
        y = _core.add(_core.multiply(y, x), p[i])
    return y


@jit
def polyadd(a1, a2):
    a1, a2 = ensure_arraylike("polyadd", a1, a2)
    a1, a2 = promote_dtypes(a1, a2)
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    if n2 <= n1:
        return a1.at[-n2:].add(a2) if n2 else a1
    return a2.at[-n1:].add(a1) if n1 else a2


@jit
def polysub(a1, a2):
    a1, a2 = ensure_arraylike("polysub", a1, a2)
    a1, a2 = promote_dtypes(a1, a2)
    return polyadd(a1, _core.negative(a2))


@jit(static_argnames=("m",))
def polyder(p, m=1):
    p = ensure_arraylike("polyder", p)
    m = operator.index(_concrete(m, "'m' argument of jnp.polyder"))
    (p,) = promote_dtypes_inexact(p)
    if m < 0:
        raise ValueError("Order of derivative must be positive")
    if m == 0:
        return p
    n = shape_of(p)[0]
    coeff = np.prod(np.arange(m, n)[None, :] - np.arange(m)[:, None], axis=0)
    return _core.multiply(p[:-m], _core.asarray(coeff[::-1], dtype=dtype_of(p)))


@jit(static_argnames=("m",))
def polyint(p, m=1, k=None):
    m = operator.index(_concrete(m, "'m' argument of jnp.polyint"))
    k = 0 if k is None else k
    p, k = ensure_arraylike("polyint", p, k)
    p, k = promote_dtypes_inexact(p, k)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = _core.atleast_1d(k)
    if shape_of(k)[0] == 1:
        k = _core.full((m,), k[0])
    if shape_of(k) != (m,):
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or m.")
    if m == 0:
        return p
    n = shape_of(p)[0]
    grid = np.arange(n + m)[None, :] - np.arange(m)[:, None]
    coeff = np.prod(np.maximum(1, grid), axis=0)[::-1]
    return _core.true_divide(_core.concatenate((p, k)),
                             _core.asarray(coeff, dtype=dtype_of(p)))


@jit(static_argnames=("N", "increasing"))
def vander(x, N=None, increasing=False):
    x = ensure_arraylike("vander", x)
    if np.ndim(x) != 1 and len(shape_of(x)) != 1:
        raise ValueError("x must be a one-dimensional array")
    N = shape_of(x)[0] if N is None else operator.index(N)
    if N < 0:
        raise ValueError("N must be nonnegative")
    iota = lax.iota(dtype_of(x), N)
    if not increasing:
        iota = lax.sub(const(iota, N - 1), iota)
    return _core.power(_core.expand_dims(x, -1), _core.expand_dims(iota, 0))


@jit(static_argnames=("mode", "op", "precision", "preferred_element_type"))
def _conv(x, y, mode, op, precision, preferred_element_type=None):
    # A 1-D cross-correlation through conv_general_dilated, staged as JAX stages it.
    from cellax.numpy import _shape_ops
    if len(shape_of(x)) != 1 or len(shape_of(y)) != 1:
        raise ValueError(f"{op}() only support 1-dimensional inputs.")
    if preferred_element_type is None:
        x, y = promote_dtypes_inexact(x, y)
    else:
        x, y = promote_dtypes(x, y)
    if shape_of(x)[0] == 0 or shape_of(y)[0] == 0:
        raise ValueError(f"{op}: inputs cannot be empty, got shapes {shape_of(x)} and "
                         f"{shape_of(y)}.")
    reverse = False
    if op == "correlate":
        y = _core.conj(y)
        if shape_of(x)[0] < shape_of(y)[0]:
            x, y, reverse = y, x, True
    else:
        if shape_of(x)[0] < shape_of(y)[0]:
            x, y = y, x
        y = _shape_ops._flip(y, None)
    ny = shape_of(y)[0]
    if mode == "valid":
        pad = [(0, 0)]
    elif mode == "same":
        pad = [(ny // 2, ny - ny // 2 - 1)]
    elif mode == "full":
        pad = [(ny - 1, ny - 1)]
    else:
        raise ValueError("mode must be one of ['full', 'same', 'valid']")
    x3 = lax.broadcast_in_dim(x, (1, 1, shape_of(x)[0]), (2,))
    y3 = lax.broadcast_in_dim(y, (1, 1, ny), (2,))
    out = lax.conv_general_dilated(x3, y3, (1,), pad, precision=precision,
                                   preferred_element_type=preferred_element_type)
    if reverse:
        out = lax.rev(out, (2,))
    return lax.squeeze(out, (0, 1))


def _conv1d(name, x, y, mode, precision=None, preferred_element_type=None):
    x, y = ensure_arraylike(name, x, y)
    pet = None if preferred_element_type is None else dtypes.check_user_dtype(
        preferred_element_type)
    return _conv(x, y, mode=mode, op=name, precision=precision, preferred_element_type=pet)


@jit(static_argnames=("mode", "precision", "preferred_element_type"))
def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    return _conv1d("convolve", a, v, mode, precision, preferred_element_type)


@jit(static_argnames=("mode", "precision", "preferred_element_type"))
def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    return _conv1d("correlate", a, v, mode, precision, preferred_element_type)


def polymul(a1, a2, *, trim_leading_zeros=False):
    a1, a2 = ensure_arraylike("polymul", a1, a2)
    a1, a2 = promote_dtypes_inexact(a1, a2)
    if shape_of(a1)[0] == 0:
        a1 = _core.zeros(1, dtype=dtype_of(a2))
    if shape_of(a2)[0] == 0:
        a2 = _core.zeros(1, dtype=dtype_of(a1))
    return convolve(a1, a2, mode="full")


@jit(static_argnames=("axis",))
def trapezoid(y, x=None, dx=1.0, axis=-1):
    if x is None:
        y = ensure_arraylike("trapezoid", y)
        (y,) = promote_dtypes_inexact(y)
        dx = arr(dx)
        if np.ndim(dx) > 0 or len(shape_of(dx)) > 0:
            dx = _core.expand_dims(dx, tuple(range(len(shape_of(y)) - len(shape_of(dx)))))
            dx = _core.moveaxis(dx, axis, -1)
    else:
        y, x = ensure_arraylike("trapezoid", y, x)
        y, x = promote_dtypes_inexact(y, x)
        if len(shape_of(x)) == 1:
            dx = diff(x)
        else:
            dx = _core.moveaxis(diff(x, axis=axis), axis, -1)
    y = _core.moveaxis(y, axis, -1)
    if len(shape_of(dx)) == 0 or shape_of(dx)[-1] == 1:
        dxr = dx if len(shape_of(dx)) == 0 else dx[..., 0]
        return _core.multiply(dxr, _core.subtract(
            _core.sum(y, -1), _core.multiply(0.5, _core.add(y[..., 0], y[..., -1]))))
    return _core.sum(_core.multiply(0.5, _core.multiply(dx, _core.add(y[..., 1:], y[..., :-1]))),
                     -1)


@jit(static_argnames=("axis",))
def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
    from cellax.numpy._reductions import cumsum
    p = ensure_arraylike("unwrap", p)
    p, period = promote_dtypes(p, period)
    if dtypes.is_complex(dtype_of(p)):
        raise ValueError("jnp.unwrap does not support complex inputs.")
    if shape_of(p)[axis] == 0:
        return p
    if discont is None:
        discont = _core.true_divide(period, 2)
    if dtypes.is_integer(dtype_of(p)):
        interval = _core.floor_divide(period, 2)
    else:
        interval = _core.true_divide(period, 2)
    dd = diff(p, axis=axis)
    ddmod = _core.subtract(_core.remainder(_core.add(dd, interval), period), interval)
    ddmod = _core.where(_core.logical_and(_core.equal(ddmod, _core.negative(interval)),
                                          _core.greater(dd, 0)), interval, ddmod)
    ph_correct = _core.where(_core.less(_core.absolute(dd), discont), 0,
                             _core.subtract(ddmod, dd))
    nd = len(shape_of(p))
    ax = _core._canon_axis(axis, nd)
    return _core.concatenate((lax.slice_in_dim(p, 0, 1, axis=ax),
                              _core.add(lax.slice_in_dim(p, 1, None, axis=ax),
                                        cumsum(ph_correct, axis=ax))), axis=ax)


# ---------------------------------------------------------------------------------------
# More polynomial and calculus helpers


@jit
def poly(seq_of_zeros):
    z = ensure_arraylike("poly", seq_of_zeros)
    (z,) = promote_dtypes_inexact(z)
    z = _core.atleast_1d(z)
    sh = shape_of(z)
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:  # a matrix: its characteristic poly
        from cellax.numpy.linalg import eigvals
        z = eigvals(z)
        sh = shape_of(z)
    if len(sh) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    dt = dtype_of(z)
    if sh[0] == 0:
        return _core.ones((), dtype=dt)
    a = _core.ones((1,), dtype=dt)
    for k in range(sh[0]):
        a = convolve(a, _core.stack([_core.asarray(1, dtype=dt), _core.negative(z[k])]),
                     mode="full")
    return a


def polydiv(u, v, *, trim_leading_zeros=False):
    u, v = ensure_arraylike("polydiv", u, v)
    u, v = promote_dtypes_inexact(u, v)
    m = shape_of(u)[0] - 1
    n = shape_of(v)[0] - 1
    scale = _core.true_divide(1.0, v[0])
    q = _core.zeros(builtins.max(m - n + 1, 1), dtype=dtype_of(u))
    for k in range(0, m - n + 1):
        d = _core.multiply(scale, u[k])
        q = q.at[k].set(d)
        u = u.at[k:k + n + 1].add(_core.multiply(_core.negative(d), v))
    if trim_leading_zeros:
        tol = float(np.sqrt(dtypes.finfo(dtype_of(u)).eps))
        un = np.asarray(_concrete(u, "trim_leading_zeros in jnp.polydiv"))
        nz = np.nonzero(np.abs(un) > tol)[0]
        u = u[nz[0]:] if nz.size else u[:0]
    return q, u


@jit(static_argnames=("axis", "edge_order"))
def gradient(f, *varargs, axis=None, edge_order=None):
    if edge_order is not None:
        raise NotImplementedError("The 'edge_order' argument to jnp.gradient is not "
                                  "supported.")
    a, *spacing = promote_dtypes_inexact(*ensure_arraylike("gradient", f, *varargs)) \
        if varargs else promote_dtypes_inexact(ensure_arraylike("gradient", f))
    nd = len(shape_of(a))

    def along(a, h, ax):
        n = shape_of(a)[ax]

        def sl(x, lo, hi):
            m = shape_of(x)[ax]
            lo = lo + m if lo < 0 else lo
            hi = m if hi is None else (hi + m if hi < 0 else hi)
            return lax.slice_in_dim(x, lo, hi, axis=ax)
        upper = _core.subtract(sl(a, 1, 2), sl(a, 0, 1))
        lower = _core.subtract(sl(a, -1, None), sl(a, -2, -1))
        if len(shape_of(h)) == 0:
            inner = _core.true_divide(_core.multiply(_core.subtract(sl(a, 2, None),
                                                                    sl(a, 0, -2)), 0.5), h)
            lower = _core.true_divide(lower, h)
            upper = _core.true_divide(upper, h)
        elif len(shape_of(h)) == 1:
            if shape_of(h)[0] != n:
                raise ValueError("Spacing arrays must have the same length as the dimension "
                                 "along which the gradient is calculated.")
            hs = [1] * nd
            hs[ax] = n
            h = _core.reshape(h, hs)
            upper = _core.true_divide(upper, _core.subtract(sl(h, 1, 2), sl(h, 0, 1)))
            lower = _core.true_divide(lower, _core.subtract(sl(h, -1, None), sl(h, -2, -1)))
            dx1 = _core.subtract(sl(h, 1, -1), sl(h, 0, -2))
            dx2 = _core.subtract(sl(h, 2, None), sl(h, 1, -1))
            m, d, s_ = _core.multiply, _core.true_divide, _core.add
            ca = d(_core.negative(dx2), m(dx1, s_(dx1, dx2)))
            cb = d(_core.subtract(dx2, dx1), m(dx1, dx2))
            cc = d(dx1, m(dx2, s_(dx1, dx2)))
            inner = s_(s_(m(ca, sl(a, 0, -2)), m(cb, sl(a, 1, -1))), m(cc, sl(a, 2, None)))
        else:
            raise ValueError("Spacing arrays must be 1D arrays or scalars.")
        return _core.concatenate((upper, inner, lower), axis=ax)

    if axis is None:
        axes = tuple(range(nd))
    else:
        axes = tuple(_core._canon_axis(i, nd) for i in (
            (axis,) if isinstance(axis, int) else axis))
    if len(axes) == 0:
        return []
    if builtins.min(s for i, s in enumerate(shape_of(a)) if i in axes) < 2:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least 2 elements are required.")
    if len(spacing) == 0:
        dx = [_core.asarray(1.0, dtype=dtype_of(a))] * len(axes)
    elif len(spacing) == 1:
        dx = list(spacing) * len(axes)
    elif len(spacing) == len(axes):
        dx = list(spacing)
    else:
        raise TypeError(f"Invalid number of spacing arguments {len(spacing)} for axis={axis}")
    grads = [along(a, h, ax) for ax, h in zip(axes, dx)]
    return grads[0] if len(axes) == 1 else grads


def interp(x, xp, fp, left=None, right=None, period=None):
    static = []
    if isinstance(left, str) or left is None:
        static.append("left")
    if isinstance(right, str) or right is None:
        static.append("right")
    if period is None:
        static.append("period")
    return _interp_jits(tuple(static))(x, xp, fp, left, right, period)


_INTERP_JITS: dict = {}


def _interp_jits(static):
    f = _INTERP_JITS.get(static)
    if f is None:
        f = _INTERP_JITS[static] = jit(_interp, static_argnames=static)
    return f


def _interp(x, xp, fp, left=None, right=None, period=None):
    from cellax.numpy._shape_ops import searchsorted
    x, xp, fp = ensure_arraylike("interp", x, xp, fp)
    if shape_of(xp) != shape_of(fp) or len(shape_of(xp)) != 1:
        raise ValueError("xp and fp must be one-dimensional arrays of equal size")
    x, xp = promote_dtypes_inexact(x, xp)
    (fp,) = promote_dtypes_inexact(fp)
    extrapolate = []
    for name, v in (("left", left), ("right", right)):
        if isinstance(v, str):
            if v != "extrapolate":
                raise ValueError(f"the only valid string value of `{name}` is 'extrapolate', "
                                 f"but got: {v!r}")
            extrapolate.append(True)
        else:
            extrapolate.append(False)
    if dtypes.is_complex(dtype_of(x)):
        raise ValueError("jnp.interp: complex x values not supported.")
    if period is not None:  # wrap both into [0, period), sort, pad one point each side
        if np.ndim(period) != 0:
            raise ValueError(f"period must be a scalar; got {period}")
        period = _core.absolute(period)
        x, xp = _core.remainder(x, period), _core.remainder(xp, period)
        xp, fp = lax.sort_key_val(xp, fp)
        xp = _core.concatenate([_core.subtract(xp[-1:], period), xp,
                                _core.add(xp[:1], period)])
        fp = _core.concatenate([fp[-1:], fp, fp[:1]])
    n = shape_of(xp)[0]
    i = _core.clip(searchsorted(xp, x, side="right"), 1, n - 1)
    im1 = _core.subtract(i, 1)
    fpi, fpm, xpi, xpm = fp[i], fp[im1], xp[i], xp[im1]
    df = _core.subtract(fpi, fpm)
    dx = _core.subtract(xpi, xpm)
    delta = _core.subtract(x, xpm)
    eps = np.spacing(np.finfo(dtype_of(xp)).eps)
    dx0 = _core.less_equal(_core.absolute(dx), eps)
    f = _core.where(dx0, fpm, _core.add(fpm, _core.multiply(
        _core.true_divide(delta, _core.where(dx0, 1, dx)), df)))
    if not extrapolate[0] and period is None:
        f = _core.where(_core.less(x, xp[0]), fp[0] if left is None else left, f)
    if not extrapolate[1] and period is None:
        f = _core.where(_core.greater(x, xp[-1]), fp[-1] if right is None else right, f)
    return f
