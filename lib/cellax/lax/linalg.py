"""`cellax.lax.linalg`: JAX's `jax.lax.linalg` — matrix decompositions and triangular
solves on batches of matrices (leading dimensions are batch dimensions)."""
from __future__ import annotations

import enum

from cellax import core
from cellax.primitives.linalg import (cholesky_p, lu_p, lu_pivots_to_permutation_p,
                                      triangular_solve_p)
from cellax.primitives.linalg import tril as _tril
from cellax.primitives.linalg_decomp import eig_p, eigh_p, qr_p, svd_p, symmetrize

__all__ = ["cholesky", "cholesky_p", "eig", "eig_p", "eigh", "eigh_p", "lu", "lu_p",
           "lu_pivots_to_permutation", "lu_pivots_to_permutation_p", "qr", "qr_p", "svd",
           "svd_p", "triangular_solve", "triangular_solve_p", "EigImplementation",
           "EighImplementation", "SvdAlgorithm"]


class EigImplementation(enum.Enum):
    CUSOLVER = "cusolver"
    MAGMA = "magma"
    LAPACK = "lapack"


class EighImplementation(enum.Enum):
    QR = "qr"
    JACOBI = "jacobi"
    QDWH = "qdwh"


class SvdAlgorithm(enum.Enum):
    DEFAULT = "default"
    QR = "QR"
    JACOBI = "Jacobi"
    POLAR = "polar"
    DIVIDE_AND_CONQUER = "divide_and_conquer"


def _arr(x):
    from cellax.numpy._util import arr
    return arr(x)


def cholesky(x, *, symmetrize_input: bool = True):
    """The lower Cholesky factor L of Hermitian positive-definite `x` (L L^H = x); a
    matrix of NaNs where the factorization fails."""
    x = _arr(x)
    if symmetrize_input:
        x = symmetrize(x)
    return _tril(cholesky_p.bind(x))


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
    """Solve op(a) x = b (left_side) or x op(a) = b for triangular `a`; op transposes
    and/or conjugates as asked. A `b` of one rank less than `a` is a single vector."""
    from cellax import lax
    a, b = _arr(a), _arr(b)
    conjugate_a = bool(conjugate_a) and core.get_aval(a).dtype.kind == "c"
    singleton = core.get_aval(b).ndim == core.get_aval(a).ndim - 1
    if singleton:
        b = lax.expand_dims(b, (-1 if left_side else -2,))
    out = triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                  transpose_a=bool(transpose_a), conjugate_a=conjugate_a,
                                  unit_diagonal=bool(unit_diagonal))
    if singleton:
        nd = core.get_aval(out).ndim
        out = lax.squeeze(out, (nd - 1,) if left_side else (nd - 2,))
    return out


def lu(x):
    """LU decomposition with partial pivoting: (lu, pivots, permutation) with
    x[..., permutation, :] == L @ U."""
    return tuple(lu_p.bind(_arr(x)))


def lu_pivots_to_permutation(pivots, permutation_size: int):
    """The permutation made by applying the row swaps `pivots` in order."""
    return lu_pivots_to_permutation_p.bind(_arr(pivots),
                                           permutation_size=int(permutation_size))


def qr(x, *, pivoting: bool = False, full_matrices: bool = True, use_magma=None):
    """QR decomposition (q, r) of a batch of [..., m, n] matrices."""
    if pivoting:
        raise NotImplementedError("qr with pivoting=True is not implemented in cellax.")
    q, r = qr_p.bind(_arr(x), full_matrices=bool(full_matrices), pivoting=False,
                     use_magma=use_magma)
    return q, r


def eigh(x, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index=None, implementation=None):
    """Eigendecomposition (v, w) of a Hermitian matrix: x = v diag(w) v^H, w ascending."""
    x = _arr(x)
    if symmetrize_input:
        x = symmetrize(x)
    v, w = eigh_p.bind(x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                       subset_by_index=None if subset_by_index is None
                       else tuple(subset_by_index),
                       algorithm=implementation)
    return v, w


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True, subset_by_index=None,
        algorithm=None):
    """Singular values, or (u, s, vh) with x = u diag(s) vh; s descending."""
    out = svd_p.bind(_arr(x), full_matrices=bool(full_matrices),
                     compute_uv=bool(compute_uv),
                     subset_by_index=None if subset_by_index is None
                     else tuple(subset_by_index), algorithm=algorithm)
    if compute_uv:
        s, u, vh = out
        return u, s, vh
    return out[0]


def eig(x, *, compute_left_eigenvectors: bool = True, compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False, implementation=None, use_magma=None):
    """Eigendecomposition of a general square matrix: [w, vl?, vr?] (complex)."""
    if use_magma is not None:
        implementation = EigImplementation.MAGMA if use_magma else EigImplementation.LAPACK
    return eig_p.bind(_arr(x), compute_left_eigenvectors=bool(compute_left_eigenvectors),
                      compute_right_eigenvectors=bool(compute_right_eigenvectors),
                      enable_eigvec_derivs=bool(enable_eigvec_derivs),
                      implementation=implementation)

