"""`cellax.numpy.linalg`: JAX's `jax.numpy.linalg` on the `cellax.lax.linalg`
decompositions (determinants, solves, inverses, norms, least squares, ...)."""
from __future__ import annotations

import builtins
import itertools
import math
import operator
from typing import NamedTuple

import numpy as np

import cellax.numpy as jnp
from cellax import core, lax
from cellax.custom_derivatives import custom_jvp
from cellax.lax import linalg as lax_linalg
from cellax.numpy import _linalg_basic
from cellax.numpy._util import canon_axis, ensure_arraylike, jit, promote_dtypes_inexact

__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm", "EigResult", "EighResult", "QRResult", "SlogdetResult",
           "SVDResult"]


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class QRResult(NamedTuple):
    Q: object
    R: object


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


def _shape(x):
    return core.get_aval(x).shape


def _ndim(x):
    return core.get_aval(x).ndim


def _dtype(x):
    return core.get_aval(x).dtype


def _T(x):
    nd = _ndim(x)
    return lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x):
    return jnp.conj(_T(x))


def _mm(a, b):
    return jnp.matmul(a, b, precision=lax.Precision.HIGHEST)


def _inexact(name, a):
    a = ensure_arraylike(name, a)
    a, = promote_dtypes_inexact(a)
    return a


# ---------------------------------------------------------------------------------------
# Decompositions


@jit(static_argnames=("upper", "symmetrize_input"))
def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
    a = _inexact("jnp.linalg.cholesky", a)
    L = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return jnp.conj(_T(L)) if upper else L


@jit(static_argnames=("full_matrices", "compute_uv", "hermitian", "subset_by_index"))
def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index=None):
    a = _inexact("jnp.linalg.svd", a)
    if hermitian:
        v, w = lax_linalg.eigh(a, subset_by_index=subset_by_index)
        s = lax.abs(w)
        nd = _ndim(s)
        if not compute_uv:
            return lax.rev(lax.sort(s, dimension=nd - 1), (nd - 1,))
        sign = lax.sign(w)
        idx = lax.broadcasted_iota(np.int32, _shape(s), nd - 1)
        s, idx, sign = lax.sort((s, idx, sign), dimension=nd - 1, num_keys=1)
        s, idx, sign = (lax.rev(t, (nd - 1,)) for t in (s, idx, sign))
        u = jnp.take_along_axis(v, idx[..., None, :], axis=-1)
        vh = _H(u * sign[..., None, :].astype(_dtype(u)))
        return SVDResult(u, s, vh)
    if compute_uv:
        u, s, vh = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=True,
                                  subset_by_index=subset_by_index)
        return SVDResult(u, s, vh)
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=False,
                          subset_by_index=subset_by_index)


def svdvals(x, /):
    x = ensure_arraylike("jnp.linalg.svdvals", x)
    return svd(x, compute_uv=False, hermitian=False)


@jit(static_argnames=("mode",))
def qr(a, mode: str = "reduced"):
    a = _inexact("jnp.linalg.qr", a)
    if mode == "raw":
        raise NotImplementedError("jnp.linalg.qr(mode='raw') is not implemented in cellax.")
    if mode in ("reduced", "r", "full"):
        full_matrices = False
    elif mode == "complete":
        full_matrices = True
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    q, r = lax_linalg.qr(a, pivoting=False, full_matrices=full_matrices)
    if mode == "r":
        return r
    return QRResult(q, r)


def eig(a):
    a = _inexact("jnp.linalg.eig", a)
    w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


@jit
def eigvals(a):
    a = _inexact("jnp.linalg.eigvals", a)
    return lax_linalg.eig(a, compute_left_eigenvectors=False,
                          compute_right_eigenvectors=False)[0]


@jit(static_argnames=("UPLO", "symmetrize_input"))
def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True):
    a = ensure_arraylike("jnp.linalg.eigh", a)
    if UPLO is None or UPLO == "L":
        lower = True
    elif UPLO == "U":
        lower = False
    else:
        raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
    a, = promote_dtypes_inexact(a)
    v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


@jit(static_argnames=("UPLO", "symmetrize_input"))
def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):
    a = _inexact("jnp.linalg.eigvalsh", a)
    w, _ = eigh(a, UPLO, symmetrize_input=symmetrize_input)
    return w


# ---------------------------------------------------------------------------------------
# Solves and inverses. `_solve` factors A once and solves with L and U; its derivative
# reuses the factorization (dX = A^-1 (dB - dA X)), so it is linear in the tangents and
# reverse mode transposes it through the triangular solves.


def _lu_solve(lu, perm, b):
    x = jnp.take_along_axis(b, perm[..., :, None], axis=-2)
    x = lax_linalg.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    return lax_linalg.triangular_solve(lu, x, left_side=True, lower=False)


@custom_jvp
def _solve(a, b):
    lu, _, perm = lax_linalg.lu(lax.stop_gradient(a))
    return _lu_solve(lu, perm, b)


def _solve_plain(a, b):
    """a^-1 b for square [..., n, n] a and [..., n, k] b of the same batch shape, without
    a custom derivative: used inside derivative rules, where it must stay transposable."""
    lu, _, perm = lax_linalg.lu(a)
    return _lu_solve(lu, perm, b)


@_solve.defjvp
def _solve_jvp(primals, tangents):
    a, b = primals
    da, db = tangents
    lu, _, perm = lax_linalg.lu(a)
    x = _lu_solve(lu, perm, b)
    return x, _lu_solve(lu, perm, db - _mm(da, x))


@jit
def solve(a, b):
    a, b = ensure_arraylike("jnp.linalg.solve", a, b)
    a, b = promote_dtypes_inexact(a, b)
    if _ndim(a) < 2:
        raise ValueError(f"left hand array must be at least two dimensional; got "
                         f"a.shape={_shape(a)}")
    sa, sb = _shape(a), _shape(b)
    if len(sb) > 1 and len(sa) == len(sb) + 1 and sa[-1] == sb[-1] and sa[-1] != sb[-2]:
        raise ValueError(f"Invalid shapes for solve: {sa}, {sb}. Prior to JAX v0.5.0, this "
                         f"would have been treated as a batched 1-dimensional solve. To "
                         f"recover this behavior, use solve(a, b[..., None]).squeeze(-1).")
    if sa[-1] != sa[-2]:
        raise ValueError(f"solve: a must be a square matrix (or a batch of them), got "
                         f"shape {sa}")
    vector = len(sb) == 1
    if vector:
        b = b[:, None]
        sb = _shape(b)
    if sb[-2] != sa[-1]:
        raise ValueError(f"solve: a of shape {sa} and b of shape "
                         f"{sb[:-1] if vector else sb} do not match")
    batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    a = jnp.broadcast_to(a, (*batch, *sa[-2:]))
    b = jnp.broadcast_to(b, (*batch, *sb[-2:]))
    x = _solve(a, b)
    return x[..., 0] if vector else x


@jit
def inv(a):
    a = ensure_arraylike("jnp.linalg.inv", a)
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"Argument to inv must have shape [..., n, n], got {s}.")
    return solve(a, lax.broadcast(jnp.eye(s[-1], dtype=_dtype(a)), s[:-2]))


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: only one of rtol and rcond may be specified.")
        rtol = rcond
    return _pinv(a, rtol, hermitian)


def _pinv_impl(a, rtol, hermitian):
    a = _inexact("jnp.linalg.pinv", a)
    m, n = _shape(a)[-2:]
    if m == 0 or n == 0:
        return jnp.zeros((*_shape(a)[:-2], n, m), _dtype(a))
    x = jnp.conj(a)
    if rtol is None:
        rtol = 10.0 * builtins.max(m, n) * jnp.array(jnp.finfo(_dtype(x)).eps)
    rtol = jnp.asarray(rtol)
    u, s, vh = svd(x, full_matrices=False, hermitian=hermitian)
    rtol = lax.expand_dims(rtol[..., None], range(_ndim(s) - _ndim(rtol) - 1))
    cutoff = rtol * s[..., 0:1]
    s = jnp.where(s > cutoff, s, np.inf).astype(_dtype(u))
    res = _mm(_T(vh), jnp.divide(_T(u), s[..., None]))
    return lax.convert_element_type(res, _dtype(x))


_pinv = custom_jvp(_pinv_impl, nondiff_argnums=(1, 2))


@_pinv.defjvp
def _pinv_jvp(rtol, hermitian, primals, tangents):
    # The derivative of the Moore-Penrose inverse (Golub & Pereyra 1973).
    a, = primals
    da, = tangents
    p = _pinv(a, rtol, hermitian)
    if hermitian:
        a = (a + _H(a)) / 2
        da = (da + _H(da)) / 2
    m, n = _shape(a)[-2:]
    if m >= n:
        s = _mm(_mm(p, _H(p)), _H(da))
        t = _mm(_mm(_H(da), _H(p)), p)
        dp = -_mm(_mm(p, da), p) + s - _mm(_mm(s, a), p) + t - _mm(_mm(p, a), t)
    else:
        s = _mm(p, _mm(_H(p), _H(da)))
        t = _mm(_H(da), _mm(_H(p), p))
        dp = -_mm(p, _mm(da, p)) + s - _mm(s, _mm(a, p)) + t - _mm(p, _mm(a, t))
    return p, dp


@jit(static_argnames=("n",))
def matrix_power(a, n: int):
    x = ensure_arraylike("jnp.linalg.matrix_power", a)
    if _ndim(x) < 2:
        raise TypeError(f"{_ndim(x)}-dimensional array given. Array must be at least "
                        f"two-dimensional")
    if _shape(x)[-2] != _shape(x)[-1]:
        raise TypeError("Last 2 dimensions of the array must be square")
    try:
        n = operator.index(n)
    except TypeError as err:
        raise TypeError(f"exponent must be an integer, got {n}") from err
    if n == 0:
        return jnp.broadcast_to(jnp.eye(_shape(x)[-2], dtype=_dtype(x)), _shape(x))
    if n < 0:
        x = inv(x)
        n = -n
    if n == 1:
        return x
    if n == 2:
        return x @ x
    if n == 3:
        return (x @ x) @ x
    z = result = None
    while n > 0:
        z = x if z is None else z @ z
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else result @ z
    return result


def tensorinv(a, ind: int = 2):
    x = ensure_arraylike("tensorinv", a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"ind must be a positive integer; got ind={ind}")
    s = _shape(x)
    contracting, batch = s[:ind], s[ind:]
    flat = (math.prod(contracting), math.prod(batch))
    if flat[0] != flat[1]:
        raise ValueError(f"tensorinv is only possible when the product of the first `ind` "
                         f"dimensions equals that of the remaining dimensions. got "
                         f"arr.shape={s} with ind={ind}.")
    return inv(x.reshape(flat)).reshape(*batch, *contracting)


def tensorsolve(a, b, axes=None):
    a, b = ensure_arraylike("tensorsolve", a, b)
    if axes is not None:
        a = jnp.moveaxis(a, axes, len(axes) * (_ndim(a) - 1,))
    sa, sb = _shape(a), _shape(b)
    out_shape = sa[len(sb):]
    if sa[:len(sb)] != sb:
        raise ValueError(f"After moving axes to end, leading shape of a must match shape of "
                         f"b. got a.shape={sa}, b.shape={sb}")
    if math.prod(sb) != math.prod(out_shape):
        raise ValueError(f"Input arrays must have prod(a.shape[:b.ndim]) == "
                         f"prod(a.shape[b.ndim:]); got a.shape={sa}, b.ndim={len(sb)}.")
    a = a.reshape(math.prod(sb), math.prod(out_shape))
    return solve(a, b.ravel()).reshape(out_shape)


# ---------------------------------------------------------------------------------------
# Determinants


def _det_2x2(a):
    return a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]


def _det_3x3(a):
    return (a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2]
            + a[..., 0, 1] * a[..., 1, 2] * a[..., 2, 0]
            + a[..., 0, 2] * a[..., 1, 0] * a[..., 2, 1]
            - a[..., 0, 2] * a[..., 1, 1] * a[..., 2, 0]
            - a[..., 0, 0] * a[..., 1, 2] * a[..., 2, 1]
            - a[..., 0, 1] * a[..., 1, 0] * a[..., 2, 2])


def _slogdet_from_lu(a):
    dt = _dtype(a)
    n = _shape(a)[-1]
    if n <= 2:
        d = a[..., 0, 0] if n == 1 else _det_2x2(a)
        return jnp.sign(d), jnp.real(jnp.log(jnp.abs(d)))
    lu, pivot, _ = lax_linalg.lu(a)
    diag = jnp.diagonal(lu, axis1=-2, axis2=-1)
    is_zero = jnp.any(diag == jnp.array(0, dtype=dt), axis=-1)
    parity = jnp.count_nonzero(pivot != jnp.arange(n, dtype=np.int32), axis=-1)
    if dt.kind == "c":
        sign = jnp.prod(diag / jnp.abs(diag).astype(dt), axis=-1)
    else:
        sign = jnp.array(1, dtype=dt)
        parity = parity + jnp.count_nonzero(diag < 0, axis=-1)
    sign = jnp.where(is_zero, jnp.array(0, dtype=dt),
                     sign * jnp.array(-2 * (parity % 2) + 1, dtype=dt))
    logdet = jnp.where(is_zero, jnp.array(-np.inf, dtype=dt),
                       jnp.sum(jnp.log(jnp.abs(diag)).astype(dt), axis=-1))
    return sign, jnp.real(logdet)


_slogdet_core = custom_jvp(_slogdet_from_lu)


@_slogdet_core.defjvp
def _slogdet_jvp(primals, tangents):
    # d log det A = tr(A^-1 dA); its real part moves log|det|, its imaginary part the sign.
    x, = primals
    g, = tangents
    sign, ans = _slogdet_core(x)
    ans_dot = jnp.trace(_solve_plain(x, g), axis1=-1, axis2=-2)
    if _dtype(x).kind == "c":
        sign_dot = (ans_dot - jnp.real(ans_dot).astype(_dtype(ans_dot))) * sign
        ans_dot = jnp.real(ans_dot)
    else:
        sign_dot = jnp.zeros_like(sign)
    return (sign, ans), (sign_dot, ans_dot)


@jit(static_argnames=("method",))
def slogdet(a, *, method: str | None = None):
    a = _inexact("jnp.linalg.slogdet", a)
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {s}")
    if method is None or method == "lu":
        return SlogdetResult(*_slogdet_core(a))
    if method == "qr":
        raise NotImplementedError("slogdet(method='qr') is not implemented in cellax.")
    raise ValueError(f"Unknown slogdet method '{method}'. Supported methods are 'lu' "
                     f"(`None`), and 'qr'.")


def _det_general(a):
    sign, logdet = _slogdet_core(a)
    return sign * jnp.exp(logdet).astype(_dtype(sign))


_det_core = custom_jvp(_det_general)


@_det_core.defjvp
def _det_jvp(primals, tangents):
    x, = primals
    g, = tangents
    y = _det_core(x)
    return y, y * jnp.trace(_solve_plain(x, g), axis1=-1, axis2=-2)


@jit
def det(a):
    a = _inexact("jnp.linalg.det", a)
    s = _shape(a)
    if len(s) >= 2 and s[-1] == 2 and s[-2] == 2:
        return _det_2x2(a)
    if len(s) >= 2 and s[-1] == 3 and s[-2] == 3:
        return _det_3x3(a)
    if len(s) >= 2 and s[-1] == s[-2]:
        return _det_core(a)
    raise ValueError(f"Argument to _det() must have shape [..., n, n], got {s}")


# ---------------------------------------------------------------------------------------
# Norms, rank, condition number, least squares


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):
    x = ensure_arraylike("jnp.linalg.vector_norm", x)
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        msg = f"Invalid order '{ord}' for vector norm."
        if ord == "inf":
            msg += "Use 'jax.numpy.inf' instead."
        if ord == "-inf":
            msg += "Use '-jax.numpy.inf' instead."
        raise ValueError(msg)
    if ord == np.inf:
        return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return jnp.sum(x != 0, dtype=jnp.finfo(_dtype(x)).dtype, axis=axis,
                       keepdims=keepdims)
    if ord == 1:
        return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
    abs_x = jnp.abs(x)
    dt = _dtype(abs_x)
    p = lax.convert_element_type(np.asarray(ord, dt), dt, core.get_aval(abs_x).weak_type)
    out = jnp.sum(abs_x ** p, axis=axis, keepdims=keepdims)
    return jnp.power(out, 1.0 / p)


@jit(static_argnames=("ord", "axis", "keepdims"))
def norm(x, ord=None, axis=None, keepdims: bool = False):
    x = _inexact("jnp.linalg.norm", x)
    nd = _ndim(x)
    if axis is None:
        if ord is None:
            return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), keepdims=keepdims))
        axis = tuple(range(nd))
    elif isinstance(axis, tuple):
        axis = tuple(canon_axis(a, nd) for a in axis)
    else:
        axis = (canon_axis(axis, nd),)
    if len(axis) == 1:
        return vector_norm(x, ord=2 if ord is None else ord, axis=axis, keepdims=keepdims)
    if len(axis) != 2:
        raise ValueError(f"Improper number of axes for norm: axis={axis}. Pass one axis to "
                         f"compute a vector-norm, or two axes to compute a matrix-norm.")
    row, col = axis
    if ord is None or ord in ("f", "fro"):
        return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), axis=axis, keepdims=keepdims))
    if isinstance(ord, str) and ord != "nuc":
        raise ValueError(f"Invalid order '{ord}' for matrix norm.")
    if ord in (1, -1):
        if not keepdims and col > row:
            col -= 1
        sums = jnp.sum(jnp.abs(x), axis=row, keepdims=keepdims)
        return (jnp.max(sums, axis=col, keepdims=keepdims, initial=0) if ord == 1
                else jnp.min(sums, axis=col, keepdims=keepdims))
    if ord in (np.inf, -np.inf):
        if not keepdims and row > col:
            row -= 1
        sums = jnp.sum(jnp.abs(x), axis=col, keepdims=keepdims)
        return (jnp.max(sums, axis=row, keepdims=keepdims, initial=0) if ord == np.inf
                else jnp.min(sums, axis=row, keepdims=keepdims))
    if ord in ("nuc", 2, -2):
        y = jnp.moveaxis(x, axis, (-2, -1))
        s = svd(y, compute_uv=False)
        if ord == 2:
            y = jnp.max(s, axis=-1, initial=0)
        elif ord == -2:
            y = jnp.min(s, axis=-1)
        else:
            y = jnp.sum(s, axis=-1)
        if keepdims:
            y = jnp.expand_dims(y, axis)
        return y
    raise ValueError(f"Invalid order '{ord}' for matrix norm.")


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):
    x = ensure_arraylike("jnp.linalg.matrix_norm", x)
    return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


@jit(static_argnames=("hermitian",))
def matrix_rank(M, rtol=None, *, hermitian: bool = False, tol=None):
    M = ensure_arraylike("jnp.linalg.matrix_rank", M)
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
        rtol = tol
    M, = promote_dtypes_inexact(M)
    if _ndim(M) < 2:
        return jnp.any(M != 0).astype(np.int32)
    S = svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
    if rtol is None:
        rtol = (jnp.max(S, axis=-1) * np.asarray(builtins.max(_shape(M)[-2:]), _dtype(S))
                * jnp.finfo(_dtype(S)).eps)
    rtol = jnp.expand_dims(rtol, np.ndim(rtol))
    return jnp.sum(S > rtol, axis=-1)


def cond(x, p=None):
    a = ensure_arraylike("cond", x)
    s = _shape(a)
    if len(s) < 2:
        raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got "
                         f"arr.shape={s}")
    if s[-1] == 0 or s[-2] == 0:
        raise ValueError(f"jnp.linalg.cond: input array must not be empty; got arr.shape={s}")
    if p is None or p == 2:
        sv = svdvals(a)
        return sv[..., 0] / sv[..., -1]
    if p == -2:
        sv = svdvals(a)
        r = sv[..., -1] / sv[..., 0]
    else:
        if s[-2] != s[-1]:
            raise ValueError(f"jnp.linalg.cond: for p={p}, array must be square; got "
                             f"arr.shape={s}")
        r = norm(a, ord=p, axis=(-2, -1)) * norm(inv(a), ord=p, axis=(-2, -1))
    return jnp.where(jnp.isnan(r) & ~jnp.isnan(a).any(axis=(-2, -1)), np.inf, r)


def _lstsq(a, b, rcond, *, numpy_resid: bool = False):
    a, b = promote_dtypes_inexact(a, b)
    if _shape(a)[0] != _shape(b)[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    b_ndim = _ndim(b)
    if b_ndim == 1:
        b = b[:, None]
    if _ndim(a) != 2:
        raise TypeError(f"{_ndim(a)}-dimensional array given. Array must be two-dimensional")
    if _ndim(b) != 2:
        raise TypeError(f"{_ndim(b)}-dimensional array given. Array must be one or "
                        f"two-dimensional")
    m, n = _shape(a)
    dt = _dtype(a)
    if m * n == 0:
        s = jnp.zeros((0,), dtype=dt)
        rank = jnp.array(0, dtype=int)
        x = jnp.zeros((n, *_shape(b)[1:]), dtype=dt)
    else:
        if rcond is None:
            rcond = float(jnp.finfo(dt).eps) * builtins.max(n, m)
        else:
            rcond = jnp.where(rcond < 0, jnp.finfo(dt).eps, rcond)
        u, s, vt = svd(a, full_matrices=False)
        mask = (s > 0) & (s >= jnp.array(rcond, dtype=_dtype(s)) * s[0])
        rank = mask.sum()
        safe_s = jnp.where(mask, s, 1).astype(dt)
        s_inv = jnp.where(mask, 1 / safe_s, 0)[:, None]
        utb = _mm(jnp.conj(u).T, b)
        x = _mm(jnp.conj(vt).T, s_inv * utb)
    if numpy_resid and (rank < n or m <= n):
        resid = jnp.asarray([])
    else:
        resid = norm(b - _mm(a, x), axis=0) ** 2
    if b_ndim == 1:
        x = x.ravel()
    return x, resid, rank, s


def _lstsq_staged(a, b, rcond):
    return _lstsq(a, b, rcond, numpy_resid=False)


_lstsq_staged.__name__ = _lstsq_staged.__qualname__ = "_lstsq"
_jit_lstsq = jit(_lstsq_staged)


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
    a, b = ensure_arraylike("jnp.linalg.lstsq", a, b)
    if numpy_resid:
        return _lstsq(a, b, rcond, numpy_resid=True)
    return _jit_lstsq(a, b, rcond)


# ---------------------------------------------------------------------------------------
# Products and array-API spellings


def multi_dot(arrays, *, precision=None):
    arrs = [ensure_arraylike("jnp.linalg.multi_dot", a) for a in arrays]
    if len(arrs) < 2:
        raise ValueError(f"multi_dot requires at least two arrays; got "
                         f"len(arrays)={len(arrs)}")
    if not (_ndim(arrs[0]) in (1, 2) and _ndim(arrs[-1]) in (1, 2)
            and all(_ndim(a) == 2 for a in arrs[1:-1])):
        raise ValueError(f"multi_dot: input arrays must all be two-dimensional, except for "
                         f"the first and last array which may be 1 or 2 dimensional. Got "
                         f"array shapes {[_shape(a) for a in arrs]}")
    if any(_shape(a)[-1] != _shape(b)[0] for a, b in zip(arrs[:-1], arrs[1:])):
        raise ValueError(f"multi_dot: last dimension of each array must match first "
                         f"dimension of following array. Got array shapes "
                         f"{[_shape(a) for a in arrs]}")
    axes = [(i, i + 1) for i in range(len(arrs))]
    if _ndim(arrs[0]) == 1:
        axes[0] = axes[0][1:]
    if _ndim(arrs[-1]) == 1:
        axes[-1] = axes[-1][:1]
    return _linalg_basic.einsum(*itertools.chain(*zip(arrs, axes)), optimize="auto",
                                precision=precision)


def cross(x1, x2, /, *, axis=-1):
    x1, x2 = ensure_arraylike("jnp.linalg.outer", x1, x2)
    if _shape(x1)[axis] != 3 or _shape(x2)[axis] != 3:
        raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they have x1.shape[axis]={_shape(x1)[axis]} and "
                         f"x2.shape[axis]={_shape(x2)[axis]}")
    return _linalg_basic.cross(x1, x2, axis=axis)


def outer(x1, x2, /):
    x1, x2 = ensure_arraylike("jnp.linalg.outer", x1, x2)
    if _ndim(x1) != 1 or _ndim(x2) != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={_ndim(x1)} x2.ndim={_ndim(x2)}")
    return x1[:, None] * x2[None, :]


def matrix_transpose(x, /):
    x = ensure_arraylike("jnp.linalg.matrix_transpose", x)
    if _ndim(x) < 2:
        raise ValueError(f"matrix_transpose requires at least 2 dimensions; got "
                         f"ndim={_ndim(x)}")
    return _T(x)


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
    x1, x2 = ensure_arraylike("jnp.linalg.vecdot", x1, x2)
    return _linalg_basic.vecdot(x1, x2, axis=axis, precision=precision,
                                preferred_element_type=preferred_element_type)


def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
    x1, x2 = ensure_arraylike("jnp.linalg.matmul", x1, x2)
    return jnp.matmul(x1, x2, precision=precision,
                      preferred_element_type=preferred_element_type)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None,
              out_sharding=None):
    x1, x2 = ensure_arraylike("jnp.linalg.tensordot", x1, x2)
    return _linalg_basic.tensordot(x1, x2, axes=axes, precision=precision,
                                   preferred_element_type=preferred_element_type)


def diagonal(x, /, *, offset: int = 0):
    x = ensure_arraylike("jnp.linalg.diagonal", x)
    return jnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset: int = 0, dtype=None):
    x = ensure_arraylike("jnp.linalg.trace", x)
    return jnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)

