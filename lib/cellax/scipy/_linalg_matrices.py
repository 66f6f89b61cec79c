"""Special-matrix constructors of `cellax.scipy.linalg` (block_diag, toeplitz, hankel,
circulant, companion, pascal, hilbert, dft, ...). Vector-argument constructors broadcast
over leading dimensions like JAX's (`jnp.vectorize` with a gufunc signature)."""
from __future__ import annotations

import math
import operator
from functools import partial

import numpy as np

import cellax.numpy as jnp
from cellax import core, dtypes, lax
from cellax.numpy._util import (check_arraylike, jit, promote_args_inexact, promote_dtypes)


def _shape(x):
    return core.get_aval(x).shape


def _dtype(x):
    return core.get_aval(x).dtype


@jit
def block_diag(*arrs):
    """The block-diagonal matrix with the (at most 2-D) arguments on the diagonal."""
    if len(arrs) == 0:
        arrs = (jnp.zeros((1, 0)),)
    arrs = tuple(promote_dtypes(*arrs))
    bad = [i for i, a in enumerate(arrs) if np.ndim(a) > 2]
    if bad:
        raise ValueError(f"Arguments to jax.scipy.linalg.block_diag must have at most 2 "
                         f"dimensions, got {arrs[bad[0]]} at argument {bad[0]}.")
    mats = [jnp.atleast_2d(a) for a in arrs]
    dt = _dtype(mats[0])
    total = sum(_shape(a)[1] for a in mats)
    padded, col = [], 0
    for a in mats:
        cols = _shape(a)[1]
        padded.append(lax.pad(a, dt.type(0), ((0, 0, 0), (col, total - cols - col, 0))))
        col += cols
    return jnp.concatenate(padded, axis=0)


# ---------------------------------------------------------------------------------------
# Constructors from vectors


def _strong(x):
    # JAX builds toeplitz / hankel with a convolution, whose result is never weakly typed.
    return lax.convert_element_type(x, _dtype(x), weak_type=False)


def toeplitz(c, r=None):
    """The Toeplitz matrix with first column c and first row r (default conj(c))."""
    if r is None:
        check_arraylike("toeplitz", c)
        r = jnp.conjugate(jnp.asarray(c))
    else:
        check_arraylike("toeplitz", c, r)
    return _toeplitz(jnp.atleast_1d(jnp.asarray(c)), jnp.atleast_1d(jnp.asarray(r)))


@partial(jnp.vectorize, signature="(m),(n)->(m,n)")
def _toeplitz(c, r):
    nrows, = _shape(c)
    ncols, = _shape(r)
    if nrows == 0 or ncols == 0:
        return jnp.empty((nrows, ncols), dtype=jnp.promote_types(_dtype(c), _dtype(r)))
    # Entry (i, j) is c[i - j] below the diagonal and r[j - i] above it: one gather from
    # [c reversed, r without its first entry].
    elems = jnp.concatenate((c[::-1], r[1:]))
    idx = (nrows - 1) - np.arange(nrows)[:, None] + np.arange(ncols)[None, :]
    return _strong(elems[idx])


def hankel(c, r=None):
    """The Hankel matrix with first column c and last row r (default zeros)."""
    if r is None:
        check_arraylike("hankel", c)
        c = jnp.asarray(c)
        r = jnp.zeros_like(c)
    else:
        check_arraylike("hankel", c, r)
        c = jnp.asarray(c)
        r = jnp.asarray(r)
    if c.ndim == 0:
        raise ValueError("hankel: c must be at least 1-dimensional, got a scalar.")
    if r.ndim == 0:
        raise ValueError("hankel: r must be at least 1-dimensional, got a scalar.")
    if c.ndim < r.ndim:
        c = lax.expand_dims(c, range(r.ndim - c.ndim))
    elif r.ndim < c.ndim:
        r = lax.expand_dims(r, range(c.ndim - r.ndim))
    return _hankel(c, r)


@partial(jnp.vectorize, signature="(m),(n)->(m,n)")
def _hankel(c, r):
    nrows, = _shape(c)
    ncols, = _shape(r)
    if nrows == 0 or ncols == 0:
        return jnp.empty((nrows, ncols), dtype=jnp.result_type(c, r))
    v = jnp.concatenate((c, r[1:]))
    return _strong(v[np.arange(nrows)[:, None] + np.arange(ncols)[None, :]])


def circulant(c):
    """The circulant matrix whose first column is c."""
    check_arraylike("circulant", c)
    return _circulant(jnp.atleast_1d(jnp.asarray(c)))


@partial(jnp.vectorize, signature="(n)->(n,n)")
def _circulant(c):
    n, = _shape(c)
    return c[(np.arange(n)[:, None] - np.arange(n)[None, :]) % max(n, 1)]


def leslie(f, s):
    """The Leslie matrix: fecundities f on the first row, survival rates s below the
    diagonal."""
    check_arraylike("leslie", f, s)
    f = jnp.atleast_1d(f)
    s = jnp.atleast_1d(s)
    if _shape(f)[-1] < 2:
        raise ValueError(f"The length of f along the last axis must be at least 2; got "
                         f"shape {_shape(f)}.")
    if _shape(s)[-1] != _shape(f)[-1] - 1:
        raise ValueError(f"Incorrect lengths for f and s. The length of s along the last "
                         f"axis must be one less than the length of f; got f shape "
                         f"{_shape(f)} and s shape {_shape(s)}.")
    return _leslie(f, s)


@partial(jnp.vectorize, signature="(n),(m)->(n,n)")
def _leslie(f, s):
    f, s = promote_dtypes(f, s)
    return jnp.diag(s, k=-1).at[0].set(f)


def companion(a):
    """The companion matrix of the polynomial with coefficients a (highest first)."""
    a, = promote_args_inexact("companion", a)
    a = jnp.atleast_1d(a)
    if _shape(a)[-1] < 2:
        raise ValueError(f"The length of `a` along the last axis must be at least 2; got "
                         f"shape {_shape(a)}.")
    return _companion(a)


@partial(jnp.vectorize, signature="(n)->(m,m)")
def _companion(a):
    first_row = -a[1:] / a[0]
    m = _shape(a)[0] - 1
    return jnp.eye(m, m, k=-1, dtype=_dtype(first_row)).at[0].set(first_row)


def fiedler(a):
    """The symmetric Fiedler matrix |a_i - a_j|."""
    check_arraylike("fiedler", a)
    a = jnp.atleast_1d(a)
    return jnp.abs(a[..., None] - a[..., None, :])


def fiedler_companion(a):
    """Fiedler's pentadiagonal companion matrix of the polynomial a (highest first)."""
    a, = promote_args_inexact("fiedler_companion", a)
    a = jnp.atleast_1d(a)
    if _shape(a)[-1] == 0:
        raise ValueError(f"fiedler_companion requires the last axis of 'a' to have nonzero "
                         f"length, but got an array of shape {_shape(a)}.")
    return _fiedler_companion(a)


@partial(jnp.vectorize, signature="(n)->(m,m)")
def _fiedler_companion(a):
    n = _shape(a)[0] - 1
    if n == 0:
        return jnp.zeros((0, 0), dtype=_dtype(a))
    a = a / a[0]
    if n == 1:
        return -a[1:].reshape(1, 1)
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    above = -a[np.minimum(i + 2, n)]
    below = -a[np.minimum(i + 1, n)]
    even, odd = i % 2 == 0, i % 2 == 1
    one = jnp.array(1, dtype=_dtype(a))
    zero = jnp.array(0, dtype=_dtype(a))
    conditions = [(i == 0) & (j == 0), (i == 1) & (j == 0), (j == i + 1) & even,
                  (j == i + 2) & even, (j == i - 1) & even & (i >= 2),
                  (j == i - 2) & odd & (i >= 3)]
    choices = [-a[1], one, above, one, below, one]
    return jnp.select([jnp.asarray(c) for c in conditions], choices, default=zero)


@jit(static_argnames=("n", "mode"))
def convolution_matrix(a, n: int, mode: str = "full"):
    """The Toeplitz matrix T with T @ v == convolve(a, v, mode) for len(v) == n."""
    n = operator.index(n)
    if n <= 0:
        raise ValueError(f"n must be a positive integer; got {n}.")
    check_arraylike("convolution_matrix", a)
    a = jnp.asarray(a)
    if a.ndim == 0:
        raise ValueError("convolution_matrix: a must be at least 1-dimensional, got a "
                         "scalar.")
    m = _shape(a)[-1]
    if m < 1:
        raise ValueError(f"len(a) must be at least 1; got shape {_shape(a)}.")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"mode must be one of 'full', 'valid', 'same'; got {mode!r}.")
    pads = [(0, 0)] * (a.ndim - 1) + [(0, n - 1)]
    az = jnp.pad(a, pads)
    raz = jnp.pad(jnp.flip(a, axis=-1), pads)
    total = m + n - 1
    if mode == "same":
        trim = min(n, m) - 1
        tb = trim // 2
        te = trim - tb
    elif mode == "valid":
        tb = te = min(n, m) - 1
    else:
        tb = te = 0
    col0 = lax.slice_in_dim(az, tb, total - te, axis=-1)
    row0 = lax.slice_in_dim(raz, total - n - tb, total - tb, axis=-1)
    return toeplitz(col0, row0)


# ---------------------------------------------------------------------------------------
# Constructors from a size


@jit(static_argnames=("n",))
def hilbert(n: int):
    """The Hilbert matrix 1 / (i + j + 1)."""
    a = lax.broadcasted_iota(dtypes.default_float_dtype(), (n, 1), 0)
    return 1 / (a + a.T + 1)


@jit(static_argnames=("n",))
def invhilbert(n: int):
    """The inverse of the n x n Hilbert matrix (closed form, floating point)."""
    from cellax.scipy.special import comb
    a = jnp.arange(n, dtype=dtypes.default_float_dtype())
    i = a[:, None]
    j = a[None, :]
    s = i + j
    return ((-1.0) ** s * (s + 1.0) * comb(n + i, n - j - 1) * comb(n + j, n - i - 1)
            * comb(s, i) ** 2)


def _binom(n, k):
    return lax.exp(lax.lgamma(n + 1.0) - lax.lgamma(n - k + 1.0) - lax.lgamma(k + 1.0))


_binom_jit = jit(_binom, name="_binom")


def _check_kind(kind, article):
    if kind is None:
        kind = "symmetric"
    valid = ["symmetric", "lower", "upper"]
    if kind not in valid:
        raise ValueError(f"Expected kind to be {article}: {valid}; got {kind}")
    return kind


@jit(static_argnames=("n", "kind"))
def pascal(n: int, kind: str | None = None):
    """The Pascal matrix of binomial coefficients (float32, computed through lgamma)."""
    kind = _check_kind(kind, "on of")
    a = jnp.arange(n, dtype=np.float32)
    L = _binom_jit(a[:, None], a[None, :])
    if kind == "lower":
        return L
    if kind == "upper":
        return L.T
    return jnp.dot(L, L.T)


@jit(static_argnames=("n", "kind"))
def invpascal(n: int, kind: str | None = None):
    """The inverse of the Pascal matrix."""
    kind = _check_kind(kind, "one of")
    a = jnp.arange(n, dtype=dtypes.default_float_dtype())
    i = a[:, None]
    j = a[None, :]
    L_inv = (-1.0) ** (i - j) * _binom_jit(i, j)
    if kind == "lower":
        return L_inv
    if kind == "upper":
        return L_inv.T
    return jnp.dot(L_inv.T, L_inv)


@jit(static_argnames=("n", "full"))
def helmert(n: int, full: bool = False):
    """The Helmert matrix ((n-1) x n, or n x n with `full`): orthonormal rows orthogonal
    to the all-ones vector."""
    if n < 1:
        raise ValueError(f"n must be a positive integer; got {n}.")
    i = jnp.arange(n - 1)[:, None]
    j = jnp.arange(n)[None, :]
    k = i + 1
    kf = k.astype(dtypes.default_float_dtype())
    denom = jnp.sqrt(kf * (kf + 1))
    H = jnp.where(j <= i, 1.0 / denom, jnp.where(j == k, -kf / denom, jnp.zeros_like(denom)))
    if full:
        first = jnp.full((1, n), 1.0 / jnp.sqrt(n), dtype=_dtype(H))
        H = jnp.concatenate([first, H], axis=0)
    return H


@jit(static_argnames=("n", "dtype"))
def hadamard(n: int, dtype=int):
    """The Sylvester-construction Hadamard matrix of order n (a power of 2)."""
    if n < 1 or not math.log2(n).is_integer():
        raise ValueError(f"n must be a positive power of 2; got {n}.")
    H = jnp.ones((1, 1), dtype=dtype)
    for _ in range(int(math.log2(n))):
        H = jnp.block([[H, H], [H, -H]])
    return H


@jit(static_argnames=("n", "scale", "dtype"))
def dft(n: int, scale: str | None = None, *, dtype=None):
    """The discrete Fourier transform matrix exp(-2 pi i j k / n), optionally scaled."""
    if scale is not None and scale not in ("sqrtn", "n"):
        raise ValueError(f"scale must be None, 'sqrtn', or 'n'; got {scale!r}.")
    if dtype is None:
        dtype = dtypes.default_complex_dtype()
    else:
        dtype = dtypes.check_user_dtype(dtype, "dft")
        if not dtypes.is_complex(dtype):
            raise ValueError(f"dtype must be a complex floating-point type; got {dtype}.")
    a = jnp.arange(n, dtype=dtype)
    omegas = jnp.exp(-2j * np.pi * a[:, None] * a[None, :] / n)
    if scale == "sqrtn":
        omegas = omegas / jnp.sqrt(n)
    elif scale == "n":
        omegas = omegas / n
    return omegas
