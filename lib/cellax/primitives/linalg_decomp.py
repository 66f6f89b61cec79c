"""Linear-algebra primitives, part 2: qr, eigh, svd and eig (LAPACK on CPU).

QR is Householder QR (`geqrf`) followed by forming Q from the reflectors (`orgqr` /
`ungqr`); eigh is divide-and-conquer `syevd`/`heevd` (eigenvalues ascending); svd is
divide-and-conquer `gesdd`; eig is `geev`. Shared helpers live in `linalg.py`.
"""
from __future__ import annotations

import numpy as np

from cellax import core
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.jvp import Zero, tangent_aval
from cellax.primitives.linalg import (I32, _H, _T, char_attr, check_linalg_operand,
                                      complex_dtype, diag_embed, diagonal, eye, lapack_call,
                                      lower_fun, matmul, nan_if_not_ok, real_dtype,
                                      standard_linalg, tril, triu)
from cellax.primitives.linalg import triangular_solve as _trsolve


def _lax():
    from cellax import lax
    return lax


# ---------------------------------------------------------------------------------------
# qr: A = Q R. full_matrices: Q is m x m and R m x n; else Q is m x k, R k x n, k=min(m,n).

qr_p = Primitive("qr")


def _qr_abstract_eval(a, *, full_matrices, pivoting, use_magma):
    batch = check_linalg_operand("qr", a)
    if pivoting:
        raise NotImplementedError("qr with pivoting=True is not implemented in cellax.")
    m, n = a.shape[-2:]
    k = m if full_matrices else min(m, n)
    return [ShapedArray((*batch, m, k), a.dtype, a.weak_type),
            ShapedArray((*batch, k, n), a.dtype, a.weak_type)]


def _qr_lower(ctx, a, *, full_matrices, pivoting, use_magma):
    lax = _lax()
    aval, = ctx.avals_in
    q_aval, r_aval = ctx.avals_out
    batch, (m, n) = aval.shape[:-2], aval.shape[-2:]
    nb = len(batch)
    if m == 0 or n == 0:
        k = q_aval.shape[-1]
        return lower_fun(ctx, lambda x: [
            lax.broadcast_in_dim(_eye_rect(aval.dtype, m, k), q_aval.shape, (nb, nb + 1)),
            lax.full(r_aval.shape, 0, aval.dtype)], [a], [aval])
    taus_aval = ShapedArray((*batch, min(m, n)), aval.dtype)
    r, taus = lapack_call(ctx, "qr", "geqrf", aval.dtype, [a], [aval], [aval, taus_aval],
                          None, {0: 0})
    # The reflectors live below R's diagonal; Q needs an m x (m or k) operand to expand.
    if m < n:
        q_in_aval = ShapedArray((*batch, m, m), aval.dtype)
        q_in = lower_fun(ctx, lambda x: [lax.slice(x, (0,) * aval.ndim, (*batch, m, m))],
                         [r], [aval])[0]
    elif full_matrices and m > n:
        q_in_aval = ShapedArray((*batch, m, m), aval.dtype)
        q_in = lower_fun(ctx, lambda x: [lax.pad(x, lax.full((), 0, aval.dtype),
                                                 [(0, 0, 0)] * (nb + 1) + [(0, m - n, 0)])],
                         [r], [aval])[0]
    else:
        q_in_aval, q_in = aval, r
    routine = "ungqr" if aval.dtype.kind == "c" else "orgqr"
    q, = lapack_call(ctx, "qr", routine, aval.dtype, [q_in, taus], [q_in_aval, taus_aval],
                     [q_in_aval], None, {0: 0})
    if q_in_aval.shape != q_aval.shape:
        q = lower_fun(ctx, lambda x: [lax.slice(x, (0,) * aval.ndim, q_aval.shape)], [q],
                      [q_in_aval])[0]
    r = lower_fun(ctx, lambda x: [triu(lax.slice(x, (0,) * aval.ndim, r_aval.shape))], [r],
                  [aval])[0]
    return [q, r]


def _eye_rect(dtype, m, k):
    lax = _lax()
    return lax.convert_element_type(
        lax.eq(lax.broadcasted_iota(np.int32, (m, k), 0),
               lax.broadcasted_iota(np.int32, (m, k), 1)), dtype)


def _thin_qr_jvp(q, r, dx):
    # Q^H dX R^-1 = Q^H dQ + dR R^-1: the first term is skew-Hermitian, the second upper.
    lax = _lax()
    dx_rinv = _trsolve(r, dx)  # right-side solve: dX R^-1
    qt_dx_rinv = matmul(_H(q), dx_rinv)
    low = tril(qt_dx_rinv, -1)
    do = lax.sub(low, _H(low))
    aval = core.get_aval(qt_dx_rinv)
    if aval.dtype.kind == "c":
        n = aval.shape[-1]
        imag_diag = lax.sub(qt_dx_rinv, lax.convert_element_type(lax.real(qt_dx_rinv),
                                                                 aval.dtype))
        do = lax.add(do, lax.mul(eye(aval.dtype, n, aval.shape[:-2]), imag_diag))
    dq = lax.add(matmul(q, lax.sub(do, qt_dx_rinv)), dx_rinv)
    dr = matmul(lax.sub(qt_dx_rinv, do), r)
    return dq, dr


def _qr_jvp(primals, tangents, *, full_matrices, pivoting, use_magma):
    lax = _lax()
    x, = primals
    dx, = tangents
    q, r = qr_p.bind(x, full_matrices=full_matrices, pivoting=pivoting, use_magma=use_magma)
    if type(dx) is Zero:
        return [q, r], [Zero(tangent_aval(core.get_aval(q))),
                        Zero(tangent_aval(core.get_aval(r)))]
    xa = core.get_aval(x)
    batch, (m, n) = xa.shape[:-2], xa.shape[-2:]
    nd = xa.ndim
    if m < n:
        # X = Q [R1 R2]: R1 from the square QR of X1, and R2 = Q^H X2.
        x2 = lax.slice(x, (*[0] * (nd - 1), m), xa.shape)
        dx1 = lax.slice(dx, (0,) * nd, (*batch, m, m))
        dx2 = lax.slice(dx, (*[0] * (nd - 1), m), xa.shape)
        r1 = lax.slice(r, (0,) * nd, (*batch, m, m))
        dq, dr1 = _thin_qr_jvp(q, r1, dx1)
        dr2 = lax.add(matmul(_H(dq), x2), matmul(_H(q), dx2))
        return [q, r], [dq, lax.concatenate([dr1, dr2], nd - 1)]
    if full_matrices and m > n:
        raise NotImplementedError(
            "Unimplemented case of QR decomposition derivative: the derivative of qr "
            "with full_matrices=True of a tall matrix (m > n) is not implemented in "
            "cellax; use full_matrices=False (mode='reduced').")
    dq, dr = _thin_qr_jvp(q, r, dx)
    return [q, r], [dq, dr]


standard_linalg(qr_p, _qr_abstract_eval, _qr_lower, multiple_results=True)
core.jvp_rules[qr_p] = _qr_jvp


# ---------------------------------------------------------------------------------------
# eigh: A = V diag(w) V^H for Hermitian A; eigenvalues ascending. Only the `lower` (or
# upper) triangle of A is read.

eigh_p = Primitive("eigh")


def _eigh_abstract_eval(a, *, lower, sort_eigenvalues, subset_by_index, algorithm):
    batch = check_linalg_operand("eigh", a)
    n = a.shape[-1]
    if a.shape[-2] != n:
        raise ValueError(f"Argument to symmetric eigendecomposition must have shape "
                         f"[..., n, n], got shape {a.shape[-2:]}")
    if subset_by_index is not None and tuple(subset_by_index) != (0, n):
        raise NotImplementedError("subset_by_index not supported on CPU and GPU")
    return [ShapedArray(a.shape, a.dtype, a.weak_type),
            ShapedArray((*batch, n), real_dtype(a.dtype), a.weak_type)]


def _eigh_lower(ctx, a, *, lower, sort_eigenvalues, subset_by_index, algorithm):
    aval, = ctx.avals_in
    v_aval, w_aval = ctx.avals_out
    if algorithm is not None:
        raise NotImplementedError(f"eigh algorithm {algorithm} is not supported on CPU.")
    if aval.shape[-1] == 0:
        return lower_fun(ctx, lambda x: [x, _lax().full(w_aval.shape, 0, w_aval.dtype)],
                         [a], [aval])
    info_aval = ShapedArray(aval.shape[:-2], I32)
    routine = "heevd" if aval.dtype.kind == "c" else "syevd"
    v, w, info = lapack_call(ctx, "eigh", routine, aval.dtype, [a], [aval],
                             [v_aval, w_aval, info_aval],
                             {"mode": char_attr("V"), "uplo": char_attr("L" if lower else "U")},
                             {0: 0})
    return lower_fun(ctx, lambda v, w, i: [nan_if_not_ok(i, v), nan_if_not_ok(i, w)],
                     [v, w, info], [v_aval, w_aval, info_aval])


def symmetrize(x):
    lax = _lax()
    return lax.div(lax.add(x, _H(x)), lax.full((), 2, core.get_aval(x).dtype))


def _eigh_jvp(primals, tangents, **params):
    # Distinct eigenvalues: dw = diag(V^H dA V), dV = V (F o V^H dA V), F_ij = 1/(w_j-w_i).
    lax = _lax()
    a, = primals
    da, = tangents
    v, w = eigh_p.bind(symmetrize(a), **params)
    if type(da) is Zero:
        return [v, w], [Zero(tangent_aval(core.get_aval(v))),
                        Zero(tangent_aval(core.get_aval(w)))]
    aa = core.get_aval(a)
    n, batch = aa.shape[-1], aa.shape[:-2]
    wc = lax.convert_element_type(w, aa.dtype)
    i = eye(aa.dtype, n, batch)
    shape = (*batch, n, n)
    wj = lax.broadcast_in_dim(wc, shape, (*range(len(batch)), len(batch) + 1))
    wi = lax.broadcast_in_dim(wc, shape, tuple(range(len(batch) + 1)))
    f = lax.sub(lax.integer_pow(lax.add(i, lax.sub(wj, wi)), -1), i)
    vdav = matmul(matmul(_H(v), da), v)
    dv = matmul(v, lax.mul(f, vdav))
    dvdav = diagonal(vdav)
    dw = lax.real(dvdav) if aa.dtype.kind == "c" else dvdav
    return [v, w], [dv, dw]


standard_linalg(eigh_p, _eigh_abstract_eval, _eigh_lower, multiple_results=True)
core.jvp_rules[eigh_p] = _eigh_jvp


# ---------------------------------------------------------------------------------------
# svd: A = U diag(s) V^H, s descending. Outputs (s, u, vt), or (s,) without compute_uv.

svd_p = Primitive("svd")


def _svd_shapes(shape, full_matrices):
    batch, (m, n) = shape[:-2], shape[-2:]
    k = min(m, n)
    return ((*batch, k), (*batch, m, m if full_matrices else k),
            (*batch, n if full_matrices else k, n))


def _svd_abstract_eval(a, *, full_matrices, compute_uv, subset_by_index, algorithm):
    check_linalg_operand("svd", a)
    k = min(a.shape[-2:])
    if subset_by_index is not None and tuple(subset_by_index) != (0, k):
        raise NotImplementedError("subset_by_index not implemented for CPU and GPU")
    s, u, vt = _svd_shapes(a.shape, full_matrices)
    out = [ShapedArray(s, real_dtype(a.dtype), a.weak_type)]
    if compute_uv:
        out += [ShapedArray(u, a.dtype, a.weak_type), ShapedArray(vt, a.dtype, a.weak_type)]
    return out


def _svd_lower(ctx, a, *, full_matrices, compute_uv, subset_by_index, algorithm):
    lax = _lax()
    aval, = ctx.avals_in
    batch, (m, n) = aval.shape[:-2], aval.shape[-2:]
    s_shape, u_shape, vt_shape = _svd_shapes(aval.shape, full_matrices)
    s_aval = ShapedArray(s_shape, real_dtype(aval.dtype))
    u_aval = ShapedArray(u_shape, aval.dtype)
    vt_aval = ShapedArray(vt_shape, aval.dtype)
    if algorithm is not None and str(algorithm).split(".")[-1] not in ("DEFAULT",
                                                                       "DIVIDE_AND_CONQUER"):
        raise NotImplementedError(f"svd algorithm {algorithm} is not supported on CPU.")
    if m == 0 or n == 0:
        def empty(x):
            out = [lax.full(s_shape, 0, s_aval.dtype)]
            if compute_uv:
                nb = len(batch)
                out += [lax.broadcast_in_dim(_eye_rect(aval.dtype, *u_shape[-2:]), u_shape,
                                             (nb, nb + 1)),
                        lax.broadcast_in_dim(_eye_rect(aval.dtype, *vt_shape[-2:]), vt_shape,
                                             (nb, nb + 1))]
            return out
        return lower_fun(ctx, empty, [a], [aval])
    info_aval = ShapedArray(batch, I32)
    mode = "N" if not compute_uv else ("A" if full_matrices else "S")
    _, s, u, vt, info = lapack_call(ctx, "svd", "gesdd", aval.dtype, [a], [aval],
                                    [aval, s_aval, u_aval, vt_aval, info_aval],
                                    {"mode": char_attr(mode)}, {0: 0})
    if not compute_uv:
        return lower_fun(ctx, lambda s, i: [nan_if_not_ok(i, s)], [s, info],
                         [s_aval, info_aval])
    return lower_fun(ctx, lambda s, u, vt, i: [nan_if_not_ok(i, s), nan_if_not_ok(i, u),
                                               nan_if_not_ok(i, vt)],
                     [s, u, vt, info], [s_aval, u_aval, vt_aval, info_aval])


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm):
    lax = _lax()
    a, = primals
    da, = tangents
    aa = core.get_aval(a)
    batch, (m, n) = aa.shape[:-2], aa.shape[-2:]
    dt = aa.dtype
    nb = len(batch)
    s, u, vt = svd_p.bind(a, full_matrices=False, compute_uv=True,
                          subset_by_index=subset_by_index, algorithm=algorithm)
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            "Singular value decomposition JVP not implemented for full matrices")
    if compute_uv:
        primal_out = svd_p.bind(a, full_matrices=full_matrices, compute_uv=True,
                                subset_by_index=subset_by_index, algorithm=algorithm) \
            if full_matrices else [s, u, vt]
        primal_out = list(primal_out)
    else:
        primal_out = [s]
    if type(da) is Zero:
        return primal_out, [Zero(tangent_aval(core.get_aval(o))) for o in primal_out]
    ut, v = _H(u), _H(vt)
    ds_mat = matmul(matmul(ut, da), v)
    dsd = diagonal(ds_mat)
    ds = lax.real(dsd) if dt.kind == "c" else dsd
    if not compute_uv:
        return primal_out, [ds]
    k = min(m, n)
    shape = (*batch, k, k)
    s_row = lax.broadcast_in_dim(s, shape, (*range(nb), nb + 1))   # s_j
    s_col = lax.broadcast_in_dim(s, shape, tuple(range(nb + 1)))   # s_i
    rdt = core.get_aval(s).dtype
    i_r = eye(rdt, k, batch)
    s_diffs = lax.mul(lax.add(s_row, s_col), lax.sub(s_row, s_col))
    f = lax.sub(lax.div(lax.full(shape, 1, rdt), lax.add(s_diffs, i_r)), i_r)
    fc = lax.convert_element_type(f, dt)
    s_row_c = lax.convert_element_type(s_row, dt)
    s_col_c = lax.convert_element_type(s_col, dt)
    dss = lax.mul(s_row_c, ds_mat)
    sds = lax.mul(s_col_c, ds_mat)
    s_zero = lax.convert_element_type(lax.eq(s, lax.full_like(s, 0)), rdt)
    s_inv = lax.sub(lax.div(lax.full_like(s, 1), lax.add(s, s_zero)), s_zero)
    s_inv_mat = lax.convert_element_type(diag_embed(s_inv), dt)
    half = lax.full((), 0.5, dt)
    dudv_diag = lax.mul(lax.mul(half, lax.sub(ds_mat, _H(ds_mat))), s_inv_mat)
    du = matmul(u, lax.add(lax.mul(fc, lax.add(dss, _H(dss))), dudv_diag))
    dv = matmul(v, lax.mul(fc, lax.add(sds, _H(sds))))
    if m > n:
        dav = matmul(da, v)
        corr = lax.sub(dav, matmul(u, matmul(ut, dav)))
        du = lax.add(du, lax.div(corr, lax.broadcast_in_dim(
            lax.convert_element_type(s, dt), (*batch, m, k), (*range(nb), nb + 1))))
    if n > m:
        dahu = matmul(_H(da), u)
        corr = lax.sub(dahu, matmul(v, matmul(vt, dahu)))
        dv = lax.add(dv, lax.div(corr, lax.broadcast_in_dim(
            lax.convert_element_type(s, dt), (*batch, n, k), (*range(nb), nb + 1))))
    return primal_out, [ds, du, _H(dv)]


standard_linalg(svd_p, _svd_abstract_eval, _svd_lower, multiple_results=True)
core.jvp_rules[svd_p] = _svd_jvp


# ---------------------------------------------------------------------------------------
# eig: general eigendecomposition A vr_j = w_j vr_j, vl_j^H A = w_j vl_j^H (complex
# outputs; each eigenvector has unit 2-norm and a real largest component, as LAPACK).

eig_p = Primitive("eig")


def _eig_abstract_eval(a, *, compute_left_eigenvectors, compute_right_eigenvectors,
                       enable_eigvec_derivs, implementation):
    batch = check_linalg_operand("eig", a)
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"The input to eig must be a square matrix. Got shape "
                         f"{a.shape[-2:]}.")
    cdt = complex_dtype(a.dtype)
    out = [ShapedArray(a.shape[:-1], cdt, a.weak_type)]
    out += [ShapedArray(a.shape, cdt, a.weak_type)] * (
        int(compute_left_eigenvectors) + int(compute_right_eigenvectors))
    _ = batch
    return out


def _eig_lower(ctx, a, *, compute_left_eigenvectors, compute_right_eigenvectors,
               enable_eigvec_derivs, implementation):
    lax = _lax()
    aval, = ctx.avals_in
    if implementation is not None and str(implementation).split(".")[-1] != "LAPACK":
        raise ValueError("Only the lapack implementation is supported on CPU.")
    batch = aval.shape[:-2]
    cdt = complex_dtype(aval.dtype)
    real = aval.dtype.kind == "f"
    w_aval = ShapedArray(aval.shape[:-1], aval.dtype)
    vec_aval = ShapedArray(aval.shape, cdt)
    info_aval = ShapedArray(batch, I32)
    avals_out = [w_aval, vec_aval, vec_aval, info_aval]
    if real:
        avals_out = [w_aval, *avals_out]
    mode = {True: char_attr("V"), False: char_attr("N")}
    outs = lapack_call(ctx, "eig", "geev", aval.dtype, [a], [aval], avals_out,
                       {"compute_left": mode[bool(compute_left_eigenvectors)],
                        "compute_right": mode[bool(compute_right_eigenvectors)]})
    ins = outs
    in_avals = avals_out

    def finish(*xs):
        if real:
            wr, wi, vl, vr, info = xs
            w = lax.complex(wr, wi)
        else:
            w, vl, vr, info = xs
        res = [nan_if_not_ok(info, w)]
        if compute_left_eigenvectors:
            res.append(nan_if_not_ok(info, vl))
        if compute_right_eigenvectors:
            res.append(nan_if_not_ok(info, vr))
        return res
    return lower_fun(ctx, finish, ins, in_avals)


def _solve(a, b):
    """a^-1 b for batches of square matrices (through lu and triangular solves)."""
    from cellax.primitives.linalg import _permute_rows, lu_p
    lu, _, perm = lu_p.bind(a)
    x = _permute_rows(b, perm)
    x = _trsolve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    return _trsolve(lu, x, left_side=True, lower=False)


def _eig_vec_jvp(w, v, da):
    # Distinct eigenvalues: with P = V^-1 dA V, dw = diag(P) and dV = V (F o P) + V diag(c),
    # c fixed by LAPACK's normalisation (unit norm, real largest-magnitude component).
    lax = _lax()
    va = core.get_aval(v)
    batch, n = va.shape[:-2], va.shape[-1]
    nb = len(batch)
    shape = (*batch, n, n)
    i = eye(va.dtype, n, batch)
    wj = lax.broadcast_in_dim(w, shape, (*range(nb), nb + 1))
    wi = lax.broadcast_in_dim(w, shape, tuple(range(nb + 1)))
    f = lax.sub(lax.div(lax.full(shape, 1, va.dtype), lax.add(i, lax.sub(wj, wi))), i)
    p = matmul(_solve(v, da), v)
    dw = diagonal(p)
    u = matmul(v, lax.mul(f, p))
    k = lax.argmax(lax.abs(v), va.ndim - 2, np.int32)
    mask = lax.convert_element_type(
        lax.eq(lax.broadcasted_iota(np.int32, shape, nb),
               lax.broadcast_in_dim(k, shape, (*range(nb), nb + 1))), va.dtype)
    re = lax.neg(lax.real(lax.reduce_sum(lax.mul(lax.conj(v), u), (nb,))))
    im = lax.neg(lax.div(lax.imag(lax.reduce_sum(lax.mul(mask, u), (nb,))),
                         lax.real(lax.reduce_sum(lax.mul(mask, v), (nb,)))))
    c = lax.complex(re, im)
    dv = lax.add(u, lax.mul(v, lax.broadcast_in_dim(c, shape, (*range(nb), nb + 1))))
    return dw, dv


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
    lax = _lax()
    a, = primals
    da, = tangents
    want_vecs = compute_left_eigenvectors or compute_right_eigenvectors
    if want_vecs and not enable_eigvec_derivs:
        raise NotImplementedError(
            "Derivatives of non-symmetric eigenvectors are only valid under assumptions "
            "on the input that cellax cannot check. Pass enable_eigvec_derivs=True to "
            "cellax.lax.linalg.eig to opt in.")
    outs = eig_p.bind(a, compute_left_eigenvectors=compute_left_eigenvectors,
                      compute_right_eigenvectors=True,
                      enable_eigvec_derivs=enable_eigvec_derivs,
                      implementation=implementation)
    w, vr = outs[0], outs[-1]
    primal_out = [w]
    if compute_left_eigenvectors:
        primal_out.append(outs[1])
    if compute_right_eigenvectors:
        primal_out.append(vr)
    if type(da) is Zero:
        return primal_out, [Zero(tangent_aval(core.get_aval(o))) for o in primal_out]
    cdt = core.get_aval(vr).dtype
    da = lax.convert_element_type(da, cdt)
    nd = core.get_aval(vr).ndim
    if not want_vecs:
        return primal_out, [lax.reduce_sum(lax.mul(_solve(vr, da), _T(vr)), (nd - 1,))]
    dw, dvr = _eig_vec_jvp(w, vr, da)
    tangent_out = [dw]
    if compute_left_eigenvectors:
        _, dvl = _eig_vec_jvp(lax.conj(w), outs[1], _H(da))
        tangent_out.append(dvl)
    if compute_right_eigenvectors:
        tangent_out.append(dvr)
    return primal_out, tangent_out


standard_linalg(eig_p, _eig_abstract_eval, _eig_lower, multiple_results=True)
core.jvp_rules[eig_p] = _eig_jvp
