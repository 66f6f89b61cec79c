"""`cellax.scipy.linalg`: JAX's `jax.scipy.linalg`, SciPy's names and argument
conventions on the `cellax.lax.linalg` decompositions.

This module holds the factorizations and solves; matrix functions (expm, polar, ...)
live in `_linalg_matfuncs.py` and the special-matrix constructors (toeplitz, pascal, ...)
in `_linalg_matrices.py`. SciPy's `overwrite_*`, `check_finite`, `lwork`, `debug` and
`lapack_driver` arguments are accepted and ignored, as in JAX.
"""
from __future__ import annotations

import warnings
from functools import partial

import numpy as np

import cellax.numpy as jnp
from cellax import core, lax
from cellax.custom_derivatives import custom_jvp
from cellax.lax import linalg as lax_linalg
from cellax.numpy import linalg as jnp_linalg
from cellax.numpy._util import jit, promote_dtypes_inexact
from cellax.scipy._linalg_matfuncs import (eigh_tridiagonal, expm, expm_frechet, polar,
                                           solve_sylvester)
from cellax.scipy._linalg_matrices import (block_diag, circulant, companion,
                                           convolution_matrix, dft, fiedler,
                                           fiedler_companion, hadamard, hankel, helmert,
                                           hilbert, invhilbert, invpascal, leslie, pascal,
                                           toeplitz)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
           "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm",
           "expm_frechet", "fiedler", "fiedler_companion", "hadamard", "hankel", "helmert",
           "hilbert", "inv", "invhilbert", "invpascal", "leslie", "lu", "lu_factor",
           "lu_solve", "pascal", "polar", "qr", "qr_multiply", "solve", "solve_sylvester",
           "solve_triangular", "svd", "toeplitz"]



def _shape(x):
    return core.get_aval(x).shape


def _ndim(x):
    return core.get_aval(x).ndim


def _dtype(x):
    return core.get_aval(x).dtype


def _mT(x):
    nd = _ndim(x)
    return lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _inexact(*xs):
    out = promote_dtypes_inexact(*[jnp.asarray(x) for x in xs])
    return out[0] if len(out) == 1 else out


def _rhs_signature(name: str, a, b, extra: str = "") -> str:
    """The gufunc signature JAX's scipy solvers vectorize over: a vector right-hand side
    when b is 1-D (or, deprecated, one rank below a with a matching last axis)."""
    if _ndim(b) == 1:
        return f"(n,n),{extra}(n)->(n)"
    if _ndim(a) == _ndim(b) + 1 and _shape(a)[-1] == _shape(b)[-1]:
        warnings.warn(f"jax.scipy.linalg.{name}: batched 1D solves with b.ndim > 1 are "
                      f"deprecated, and in the future will be treated as a batched 2D solve. "
                      f"Use {name}(..., b[..., None]).squeeze(-1) to avoid this warning.",
                      category=FutureWarning)
        return f"(n,n),{extra}(n)->(n)"
    return f"(n,n),{extra}(n,k)->(n,k)"


# ---------------------------------------------------------------------------------------
# Cholesky


@jit(static_argnames=("lower",))
def _cholesky(a, lower: bool):
    a = _inexact(a)
    l = lax_linalg.cholesky(a if lower else jnp.conj(_mT(a)), symmetrize_input=False)
    return l if lower else jnp.conj(_mT(l))


def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """The Cholesky factor of a Hermitian positive-definite matrix (upper by default)."""
    del overwrite_a, check_finite
    return _cholesky(a, lower)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """(c, lower): the Cholesky factor in the form `cho_solve` takes."""
    del overwrite_a, check_finite
    return (cholesky(a, lower=lower), lower)


@jit(static_argnames=("lower",))
def _cho_solve(c, b, lower: bool):
    c, b = _inexact(c, b)
    sig = _rhs_signature("cho_solve", c, b)
    # c c^H = A (lower) or c^H c = A (upper): two triangular solves, the first with the
    # factor that stands on the left.
    first = partial(lax_linalg.triangular_solve, left_side=True, lower=lower,
                    transpose_a=not lower, conjugate_a=not lower)
    second = partial(lax_linalg.triangular_solve, left_side=True, lower=lower,
                     transpose_a=lower, conjugate_a=lower)
    b = jnp.vectorize(first, signature=sig)(c, b)
    return jnp.vectorize(second, signature=sig)(c, b)


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """Solve A x = b given `cho_factor(A)`."""
    del overwrite_b, check_finite
    c, lower = c_and_lower
    return _cho_solve(c, b, lower)


# ---------------------------------------------------------------------------------------
# SVD, eigh, det, inv


@jit(static_argnames=("full_matrices", "compute_uv"))
def _svd(a, *, full_matrices: bool, compute_uv: bool):
    a = _inexact(a)
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """(u, s, vh) with a = u diag(s) vh, or s alone without compute_uv."""
    del overwrite_a, check_finite, lapack_driver
    return _svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def det(a, overwrite_a: bool = False, check_finite: bool = True):
    del overwrite_a, check_finite
    return jnp_linalg.det(a)


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
    del overwrite_a, check_finite
    return jnp_linalg.inv(a)


@jit(static_argnames=("lower", "eigvals_only", "eigvals", "type"))
def _eigh(a, b, lower: bool, eigvals_only: bool, eigvals, type: int):
    if b is not None:
        raise NotImplementedError("Only the b=None case of eigh is implemented")
    if type != 1:
        raise NotImplementedError("Only the type=1 case of eigh is implemented.")
    if eigvals is not None:
        raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
    a = _inexact(a)
    v, w = lax_linalg.eigh(a, lower=lower)
    return w if eigvals_only else (w, v)


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, turbo: bool = True,
         eigvals=None, type: int = 1, check_finite: bool = True):
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix: (w, v)."""
    del overwrite_a, overwrite_b, turbo, check_finite
    return _eigh(a, b, lower, eigvals_only, eigvals, type)


# ---------------------------------------------------------------------------------------
# LU


@jit(static_argnames=("overwrite_a", "check_finite"))
def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
    """(lu, piv): the packed LU factors and LAPACK's 0-based row swaps."""
    del overwrite_a, check_finite
    a = _inexact(a)
    lu_, pivots, _ = lax_linalg.lu(a)
    return (lu_, pivots)


def _lu_solve_core(lu_, perm, b, trans: int):
    m = _shape(lu_)[0]
    x = jnp.reshape(b, (m, int(np.prod(_shape(b)[1:], dtype=int))))
    if trans == 0:
        x = x[perm, :]
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True,
                                        unit_diagonal=True)
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False)
    elif trans in (1, 2):
        conj = trans == 2
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False,
                                        transpose_a=True, conjugate_a=conj)
        x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True,
                                        unit_diagonal=True, transpose_a=True,
                                        conjugate_a=conj)
        _, inverse = lax.sort_key_val(perm, lax.iota(np.int32, _shape(perm)[0]))
        x = x[inverse, :]
    else:
        raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
    return jnp.reshape(x, _shape(b))


@jit(static_argnames=("trans", "overwrite_b", "check_finite"))
def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
    """Solve A x = b (trans=0), A^T x = b (1) or A^H x = b (2) given `lu_factor(A)`."""
    del overwrite_b, check_finite
    lu_, pivots = lu_and_piv
    lu_, b = _inexact(lu_, b)
    m = _shape(lu_)[-2]
    perm = lax_linalg.lu_pivots_to_permutation(pivots, m)
    sig = _rhs_signature("lu_solve", lu_, b, extra="(n),")
    return jnp.vectorize(partial(_lu_solve_core, trans=trans), signature=sig)(lu_, perm, b)


@jit(static_argnames=("permute_l",), name="_lu")
def _lu(a, permute_l: bool):
    a = _inexact(a)
    lu_, _, permutation = lax_linalg.lu(a)
    dtype = _dtype(a)
    shape = _shape(a)
    if len(shape) != 2:
        raise ValueError(f"jax.scipy.linalg.lu expects a 2-D matrix; got a.shape={shape} "
                         f"(too many values to unpack)")
    m, n = shape
    p = jnp.real(jnp.array(permutation[None, :] == jnp.arange(m, dtype=np.int32)[:, None],
                           dtype=dtype))
    k = min(m, n)
    l = jnp.tril(lu_, -1)[:, :k] + jnp.eye(m, k, dtype=dtype)
    u = jnp.triu(lu_)[:k, :]
    if permute_l:
        return (jnp.matmul(p, l, precision=lax.Precision.HIGHEST), u)
    return (p, l, u)


@jit(static_argnames=("permute_l", "overwrite_a", "check_finite"))
def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """(p, l, u) with a = p @ l @ u, or (p @ l, u) with permute_l."""
    del overwrite_a, check_finite
    return _lu(a, permute_l)


# ---------------------------------------------------------------------------------------
# QR


@jit(static_argnames=("mode", "pivoting"), name="_qr")
def _qr(a, mode: str, pivoting: bool):
    if mode in ("full", "r"):
        full_matrices = True
    elif mode == "economic":
        full_matrices = False
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    a = _inexact(a)
    q, r = lax_linalg.qr(a, pivoting=pivoting, full_matrices=full_matrices)
    if mode == "r":
        return (r,)
    return (q, r)


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
    """(q, r) for mode 'full' / 'economic', (r,) for mode 'r'. Column pivoting is not
    implemented in cellax (NotImplementedError)."""
    del overwrite_a, lwork, check_finite
    return _qr(a, mode, pivoting)


def qr_multiply(a, c, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False):
    """(Q @ c, r) (mode 'left') or (c @ Q, r) (mode 'right') for the QR decomposition of
    `a`, with conj(Q) when `conjugate`."""
    del overwrite_a, overwrite_c
    a, c = _inexact(a, c)
    if mode not in ("right", "left"):
        raise ValueError(f"mode must be 'right' or 'left', got {mode!r}")
    if pivoting:
        raise NotImplementedError("qr_multiply with pivoting=True is not implemented in "
                                  "cellax.")
    onedim = _ndim(c) == 1
    if onedim:
        c = c[:, None] if mode == "left" else c[None, :]
    m, n = _shape(a)[-2:]
    k = min(m, n)
    if mode == "left":
        if _shape(c)[-2] != k:
            raise ValueError(f"Array shapes are not compatible for Q @ c operation: a has "
                             f"shape {tuple(_shape(a))} so Q has {k} columns, but c has "
                             f"{_shape(c)[-2]} rows (expected {k}).")
    elif _shape(c)[-1] != m:
        raise ValueError(f"Array shapes are not compatible for c @ Q operation: a has shape "
                         f"{tuple(_shape(a))} so Q has {m} rows, but c has {_shape(c)[-1]} "
                         f"columns (expected {m}).")
    batch = tuple(np.broadcast_shapes(_shape(a)[:-2], _shape(c)[:-2]))
    a = jnp.broadcast_to(a, batch + _shape(a)[-2:])
    c = jnp.broadcast_to(c, batch + _shape(c)[-2:])
    q, r = lax_linalg.qr(a, full_matrices=True)
    q = q[..., :, :k]
    if conjugate:
        q = jnp.conj(q)
    hi = lax.Precision.HIGHEST
    cq = jnp.matmul(q, c, precision=hi) if mode == "left" else jnp.matmul(c, q, precision=hi)
    if onedim:
        cq = cq.ravel()
    return (cq, jnp.triu(r[..., :k, :]))


# ---------------------------------------------------------------------------------------
# Solves


def _broadcasted_matvec(a, x):
    batch = tuple(np.broadcast_shapes(_shape(a)[:-2], _shape(x)[:-1]))
    nb = len(batch)
    a = jnp.broadcast_to(a, (*batch, *_shape(a)[-2:]))
    x = jnp.broadcast_to(x, (*batch, _shape(x)[-1]))
    return lax.dot_general(a, x, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))),
                           precision=lax.Precision.HIGHEST)


def _check_solve_shapes(a, b):
    sa, sb = _shape(a), _shape(b)
    if not (len(sa) >= 2 and len(sb) in (len(sa), len(sa) - 1)
            and sa[-1] == sa[-2] == sb[len(sa) - 2]):
        raise ValueError(f"The arguments to solve must have shapes a=[..., m, m] and "
                         f"b=[..., m, k] or b=[..., m]; got a={sa} and b={sb}")


def _pos_solve(a, b, lower):
    """a^-1 b for positive-definite a and b of a's rank or one less, via Cholesky; the
    derivative reuses the factors (dx = a^-1 (db - da x)), so it stays linear in the
    tangents and transposes through the triangular solves."""
    vector = _ndim(a) == _ndim(b) + 1

    @custom_jvp
    def psolve(a, b):
        factors = cho_factor(lax.stop_gradient(a), lower=lower)
        return _cho_apply(factors, b, vector)

    @psolve.defjvp
    def psolve_jvp(primals, tangents):
        a, b = primals
        da, db = tangents
        factors = cho_factor(a, lower=lower)
        x = _cho_apply(factors, b, vector)
        if vector:
            rhs = db - _broadcasted_matvec(da, x)
        else:
            rhs = db - jnp.matmul(da, x, precision=lax.Precision.HIGHEST)
        return x, _cho_apply(factors, rhs, vector)

    return psolve(a, b)


def _cho_apply(factors, b, vector: bool):
    c, lower = factors
    if vector:
        return _cho_solve(c, b[..., None], lower)[..., 0]
    return _cho_solve(c, b, lower)


@jit(static_argnames=("assume_a", "lower"))
def _solve(a, b, assume_a: str, lower: bool):
    if assume_a != "pos":
        return jnp_linalg.solve(a, b)
    a, b = _inexact(a, b)
    _check_solve_shapes(a, b)
    vector = _ndim(a) == _ndim(b) + 1
    # As JAX's custom_linear_solve: a's batch dimensions broadcast against b's, and the
    # result must have b's shape.
    col = _shape(b) if vector else _shape(b)[:-1]
    batch = tuple(np.broadcast_shapes(_shape(a)[:-2], col[:-1]))
    if (*batch, col[-1]) != tuple(col):
        raise ValueError(f"matvec() output shapes must match b, got [{(*batch, col[-1])}] "
                         f"and [{tuple(col)}]")
    a = jnp.broadcast_to(a, (*batch, *_shape(a)[-2:]))
    return _pos_solve(a, b, lower)


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen"):
    """Solve a x = b; assume_a='pos' uses a Cholesky factorization (reading the `lower`
    triangle), the others an LU factorization."""
    del overwrite_a, overwrite_b, debug, check_finite
    valid = ["gen", "sym", "her", "pos"]
    if assume_a not in valid:
        raise ValueError(f"Expected assume_a to be one of {valid}; got {assume_a!r}")
    return _solve(a, b, assume_a, lower)


@jit(static_argnames=("trans", "lower", "unit_diagonal"))
def _solve_triangular(a, b, trans, lower: bool, unit_diagonal: bool):
    if trans == 0 or trans == "N":
        transpose_a, conjugate_a = False, False
    elif trans == 1 or trans == "T":
        transpose_a, conjugate_a = True, False
    elif trans == 2 or trans == "C":
        transpose_a, conjugate_a = True, True
    else:
        raise ValueError(f"Invalid 'trans' value {trans}")
    a, b = _inexact(a, b)
    sig = _rhs_signature("solve_triangular", a, b)
    fn = partial(lax_linalg.triangular_solve, left_side=True, lower=lower,
                 transpose_a=transpose_a, conjugate_a=conjugate_a,
                 unit_diagonal=unit_diagonal)
    return jnp.vectorize(fn, signature=sig)(a, b)


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
    """Solve op(a) x = b for triangular a; trans 0/'N', 1/'T' or 2/'C'."""
    del overwrite_b, debug, check_finite
    return _solve_triangular(a, b, trans, lower, unit_diagonal)
