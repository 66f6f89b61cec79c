"""Matrix functions of `cellax.scipy.linalg`: expm (Pade scaling and squaring),
expm_frechet, polar (QDWH or SVD), eigh_tridiagonal (Sturm bisection plus inverse
iteration) and solve_sylvester (eigendecomposition method)."""
from __future__ import annotations

from functools import partial

import numpy as np

import cellax.numpy as jnp
from cellax import core, dtypes, lax
from cellax.lax import linalg as lax_linalg
from cellax.numpy import linalg as jnp_linalg
from cellax.numpy._util import jit, promote_dtypes_inexact

_HI = lax.Precision.HIGHEST


def _shape(x):
    return core.get_aval(x).shape


def _dtype(x):
    return core.get_aval(x).dtype


def _dot(a, b):
    return jnp.dot(a, b, precision=_HI)


# ---------------------------------------------------------------------------------------
# expm: scale A by 2^-s so its 1-norm is small, take the Pade approximant of the degree
# the norm calls for (Higham 2005), and square the result s times. Everything is traced
# (switch / cond / scan), so the derivative comes from differentiating the algorithm.

_PADE = {
    3: (120., 60., 12., 1.),
    5: (30240., 15120., 3360., 420., 30., 1.),
    7: (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
    9: (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
        3960., 90., 1.),
    13: (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.),
}


def _pade_low(degree, A):
    """(U, V) with U odd and V even in A, for degrees 3, 5, 7, 9."""
    b = _PADE[degree]
    n = _shape(A)[0]
    ident = jnp.eye(n, n, dtype=_dtype(A))
    powers = [ident, _dot(A, A)]
    while len(powers) < (degree + 1) // 2:
        powers.append(_dot(powers[-1], powers[1]) if len(powers) > 2
                      else _dot(powers[1], powers[1]))
    odd = b[degree] * powers[-1]
    for j in range(len(powers) - 2, -1, -1):
        odd = odd + b[2 * j + 1] * powers[j]
    even = b[degree - 1] * powers[-1]
    for j in range(len(powers) - 2, -1, -1):
        even = even + b[2 * j] * powers[j]
    return _dot(A, odd), even


def _pade13(A):
    b = _PADE[13]
    n = _shape(A)[0]
    ident = jnp.eye(n, n, dtype=_dtype(A))
    A2 = _dot(A, A)
    A4 = _dot(A2, A2)
    A6 = _dot(A4, A2)
    U = _dot(A, _dot(A6, b[13] * A6 + b[11] * A4 + b[9] * A2)
             + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = _dot(A6, b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 \
        + b[2] * A2 + b[0] * ident
    return U, V


@jit(name="_calc_P_Q")
def _calc_P_Q(A):
    if A.ndim != 2 or _shape(A)[0] != _shape(A)[1]:
        raise ValueError("expected A to be a square matrix")
    a_l1 = jnp_linalg.norm(A, 1)
    dt = _dtype(A)
    if dt in (np.float64, np.complex128):
        maxnorm = 5.371920351148152
        conds = [0.01495585217958292, 0.253939833006323, 0.9504178996162932,
                 2.097847961257068]
        branches = [partial(_pade_low, 3), partial(_pade_low, 5), partial(_pade_low, 7),
                    partial(_pade_low, 9), _pade13]
    elif dt in (np.float32, np.complex64):
        maxnorm = 3.92572478313866
        conds = [0.4258730016922831, 1.880152677804762]
        branches = [partial(_pade_low, 3), partial(_pade_low, 5), partial(_pade_low, 7)]
    else:
        raise TypeError(f"A.dtype={dt} is not supported.")
    n_squarings = jnp.maximum(0, jnp.floor(jnp.log2(a_l1 / maxnorm)))
    A = A / 2 ** n_squarings.astype(dt)
    idx = jnp.digitize(a_l1, jnp.array(conds, dtype=_dtype(a_l1)))
    U, V = lax.switch(idx, branches, A)
    return U + V, -U + V, n_squarings


@jit(static_argnames=("max_squarings",), name="_squaring")
def _squaring(R, n_squarings, max_squarings: int):
    def step(carry, i):
        return lax.cond(i < n_squarings, lambda x: _dot(x, x), lambda x: x, carry), None

    out, _ = lax.scan(step, R, jnp.arange(max_squarings, dtype=_dtype(n_squarings)))
    return out


@jit(static_argnames=("upper_triangular", "max_squarings"))
def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
    """The matrix exponential of a (batch of) square matrices; NaN where more than
    `max_squarings` squarings would be needed."""
    A, = promote_dtypes_inexact(jnp.asarray(A))
    if A.ndim < 2 or _shape(A)[-1] != _shape(A)[-2]:
        raise ValueError(f"Expected A to be a (batched) square matrix, got "
                         f"A.shape={_shape(A)!r}.")
    if A.ndim > 2:
        return jnp.vectorize(partial(expm, upper_triangular=upper_triangular,
                                     max_squarings=max_squarings),
                             signature="(n,n)->(n,n)")(A)
    P, Q, n_squarings = _calc_P_Q(A)

    def overflow(args):
        return jnp.full_like(args[0], np.nan)

    def compute(args):
        _, P, Q = args
        if upper_triangular:
            from cellax.scipy.linalg import solve_triangular
            R = solve_triangular(Q, P)
        else:
            R = jnp_linalg.solve(Q, P)
        return _squaring(R, n_squarings, max_squarings)

    return lax.cond(n_squarings > max_squarings, overflow, compute, (A, P, Q))


@jit(static_argnames=("method", "compute_expm"))
def expm_frechet(A, E, *, method: str | None = None, compute_expm: bool = True):
    """The Frechet derivative of expm at A in direction E (with expm(A) first unless
    compute_expm=False): the forward-mode derivative of `expm`."""
    del method
    from cellax import jvp
    A = jnp.asarray(A)
    E = jnp.asarray(E)
    sa, se = _shape(A), _shape(E)
    # JAX compares A.shape[-2] with A.shape[1]; kept for identical errors.
    if len(sa) < 2 or sa[-2] != sa[1]:
        raise ValueError(f"expected A to be a (batched) square matrix, got A.shape={sa}")
    if len(se) < 2 or se[-2] != se[-1]:
        raise ValueError(f"expected E to be a (batched) square matrix, got E.shape={se}")
    if sa != se:
        raise ValueError(f"expected A and E to be the same shape, got A.shape={sa} "
                         f"E.shape={se}")
    fun = partial(expm, upper_triangular=False, max_squarings=16)
    expm_a, frechet = jvp(fun, (A,), (E,))
    return (expm_a, frechet) if compute_expm else frechet


# ---------------------------------------------------------------------------------------
# polar: a = u p with u unitary and p positive semidefinite (side='right'; p u for
# side='left'). QDWH (Nakatsukasa, Bai & Gygi 2010) or the SVD.


def _qdwh(x, max_iterations: int, eps):
    """Unitary polar factor and Hermitian factor of a tall full-rank x by the QR-based
    dynamically weighted Halley iteration: early steps (large c) use a stacked QR, later
    ones a Cholesky factorization, and a final Newton-Schulz step polishes."""
    m, n = _shape(x)
    dt = _dtype(x)
    if eps is None:
        eps = float(dtypes.finfo(dt).eps)
    one_norm = jnp_linalg.norm(x, ord=1)
    inf_norm = jnp_linalg.norm(x, ord=np.inf)
    scale = lax.rsqrt(one_norm) * lax.rsqrt(inf_norm)
    scale = jnp.where(one_norm == 0, 1, scale)
    u = x * scale.astype(dt)
    ident = jnp.eye(n, dtype=dt)

    def qr_step(u, params):
        a_minus_e_by_sqrt_c, sqrt_c, e = params[0], params[1], params[2]
        y = jnp.concatenate([sqrt_c * u, ident], axis=0)
        q, _ = lax_linalg.qr(y, full_matrices=False)
        q1, q2 = q[:m], q[m:]
        return e * u + a_minus_e_by_sqrt_c * (q1 @ jnp.conj(q2.T))

    def chol_step(u, params):
        a_minus_e, c, e = params[0], params[1], params[2]
        z = c * (jnp.conj(u.T) @ u) + ident
        y = lax_linalg.cholesky(z, symmetrize_input=False)
        w = jnp.conj(lax_linalg.triangular_solve(y, u.T, left_side=True, lower=True,
                                                 conjugate_a=True))
        w = lax_linalg.triangular_solve(y, w, left_side=True, lower=True, transpose_a=True,
                                        conjugate_a=True)
        return e * u + a_minus_e * jnp.conj(w.T)

    # The weights depend only on the lower bound l of the smallest singular value, so
    # they are computed here in Python.
    l, tol_l = eps, 10.0 * eps / 2.0
    tol_norm = float(np.cbrt(tol_l))
    qr_coefs, chol_coefs = [], []
    k = 0
    while l + tol_l < 1 and k < max_iterations:
        k += 1
        l2 = l * l
        dd = (4 * (1 / l2 - 1) / l2) ** (1 / 3)
        sqd = (1.0 + dd) ** (1 / 2)
        a = sqd + (2 - dd + 2 * (2 - l2) / (l2 * sqd)) ** (1 / 2)
        b = (a - 1) ** 2 / 4
        c = a + b - 1
        l = l * (a + b * l2) / (1 + c * l2)
        e = b / c
        if c > 100:
            qr_coefs.append(((a - e) / c ** 0.5, c ** 0.5, e))
        else:
            chol_coefs.append((a - e, c, e))

    def run(u, coefs, step, check):
        if not coefs:
            return u, jnp.array(True)
        table = jnp.array(coefs).astype(dt)

        def body(i, state):
            u, _ = state
            new = step(u, lax.dynamic_index_in_dim(table, i, keepdims=False))
            going = jnp_linalg.norm(new - u) > tol_norm if check else jnp.array(True)
            return new, going
        return lax.fori_loop(0, len(coefs), body, (u, jnp.array(True)))

    u, _ = run(u, qr_coefs, qr_step, False)
    u, going = run(u, chol_coefs, chol_step, True)
    halley = jnp.array((3 - 1 / 3, 3.0, 1 / 3)).astype(dt)

    def cond_fun(state):
        i, _, going = state
        return jnp.logical_and(going, i < max_iterations)

    def body_fun(state):
        i, u, _ = state
        new = chol_step(u, halley)
        return i + 1, new, jnp_linalg.norm(new - u) > tol_norm

    _, u, _ = lax.while_loop(cond_fun, body_fun,
                             (jnp.array(len(qr_coefs) + len(chol_coefs)), u, going))
    u = 1.5 * u - 0.5 * u @ (jnp.conj(u.T) @ u)
    h = jnp.conj(u.T) @ x
    return u, (h + jnp.conj(h.T)) / 2


@jit(static_argnames=("side", "method"), name="_polar_2d")
def _polar_2d(a, side: str, method: str, eps, max_iterations):
    m, n = _shape(a)
    if method == "qdwh":
        iters = 10 if max_iterations is None else int(max_iterations)
        if m >= n and side == "right":
            unitary, posdef = _qdwh(a, iters, eps)
        elif m < n and side == "left":
            unitary, posdef = _qdwh(jnp.conj(a.T), iters, eps)
            unitary, posdef = jnp.conj(unitary.T), jnp.conj(posdef.T)
        else:
            raise NotImplementedError(
                f"method='qdwh' only supports mxn matrices where m < n where side='right' "
                f"and m >= n side='left', got {_shape(a)} with side={side!r}")
    elif method == "svd":
        u, s, vh = lax_linalg.svd(a, full_matrices=False)
        s = s.astype(_dtype(u))
        unitary = u @ vh
        if side == "right":
            posdef = (jnp.conj(vh.T) * s[None, :]) @ vh
        else:
            posdef = (u * s[None, :]) @ jnp.conj(u.T)
    else:
        raise ValueError(f"Unknown polar decomposition method {method}.")
    return unitary, posdef


@jit(static_argnames=("side", "method"))
def polar(a, side: str = "right", *, method: str = "qdwh", eps=None, max_iterations=None):
    """(u, p): a = u p (side='right') or a = p u (side='left'), u with orthonormal
    columns and p Hermitian positive semidefinite."""
    a = jnp.asarray(a)
    if a.ndim < 2:
        raise ValueError("The input `a` must be at least a 2-D array.")
    if side not in ("right", "left"):
        raise ValueError("The argument `side` must be either 'right' or 'left'.")
    sig = "(m,n)->(m,n),(n,n)" if side == "right" else "(m,n)->(m,n),(m,m)"
    return jnp.vectorize(partial(_polar_2d, side=side, method=method, eps=eps,
                                 max_iterations=max_iterations), signature=sig)(a)


# ---------------------------------------------------------------------------------------
# eigh_tridiagonal


def _sturm_count(alpha, beta_sq, pivmin, alpha0_perturbation, x):
    """For each shift in x, the number of eigenvalues of the tridiagonal matrix below it
    (the negative pivots of the LDL^T factorization of T - x I)."""
    n = _shape(alpha)[0]
    q = alpha[0] - x
    count = jnp.where(q < 0, 1, 0).astype(np.int32)
    q = jnp.where(alpha[0] == x, alpha0_perturbation, q)

    def step(i, state):
        q, count = state
        q = alpha[i] - beta_sq[i - 1] / q - x
        neg = q <= pivmin
        return jnp.where(neg, jnp.minimum(q, -pivmin), q), count + neg.astype(np.int32)

    _, count = lax.fori_loop(1, n, step, (q, count))
    return count


def _tridiagonal_inverse_solve(dl, d, du, b, tiny):
    """Solve tridiagonal systems (rows of d, rhs b: [k, n]) by elimination without
    pivoting, replacing (near-)zero pivots by `tiny` as inverse iteration needs."""
    def fwd(carry, xs):
        c_prev, y_prev = carry
        dl_i, d_i, du_i, b_i = xs
        piv = d_i - dl_i * c_prev
        piv = jnp.where(jnp.abs(piv) < tiny, tiny.astype(_dtype(piv)), piv)
        c = du_i / piv
        y = (b_i - dl_i * y_prev) / piv
        return (c, y), (c, y)

    zeros = jnp.zeros_like(d[:, 0])
    _, (cs, ys) = lax.scan(fwd, (zeros, zeros), (dl.T, d.T, du.T, b.T))

    def bwd(x_next, xs):
        c, y = xs
        x = y - c * x_next
        return x, x

    _, xs = lax.scan(bwd, zeros, (cs, ys), reverse=True)
    return xs.T


def _inverse_iteration(alpha, beta, eigvals, key):
    from cellax import random
    n = _shape(alpha)[0]
    k = _shape(eigvals)[0]
    dt = jnp.result_type(alpha, beta)
    dl = jnp.pad(jnp.conj(beta), (1, 0))
    du = jnp.pad(beta, (0, 1))
    eps = float(np.finfo(_dtype(eigvals)).eps)
    t_norm = jnp.maximum(jnp.abs(eigvals[0]), jnp.abs(eigvals[-1]))
    tiny = eps * jnp.maximum(t_norm, float(np.finfo(_dtype(eigvals)).tiny))
    gaptol = np.sqrt(eps) * t_norm
    close = (eigvals[1:] - eigvals[:-1]) < gaptol
    left_close = jnp.pad(close, (1, 0), constant_values=False)
    right_close = jnp.pad(close, (0, 1), constant_values=False)
    # Eigenvalues closer than gaptol form clusters whose vectors are re-orthogonalized.
    cluster_id = jnp.cumsum(~left_close) - 1
    in_cluster = left_close | right_close
    base = np.dtype(dtypes.finfo(dt).dtype)
    v = random.normal(key, (k, n), dtype=base).astype(dt)
    v = v / jnp.linalg.norm(v, axis=-1, keepdims=True).astype(dt)
    shifted = alpha[None, :] - eigvals[:, None].astype(dt)
    dlb = jnp.broadcast_to(dl[None, :], (k, n))
    dub = jnp.broadcast_to(du[None, :], (k, n))

    def orthogonalize(ev):
        # Gram-Schmidt within each cluster, in eigenvalue order (a sequential loop over
        # the k vectors; vectors outside clusters are untouched).
        def body(i, ev):
            same = (cluster_id == cluster_id[i]) & (jnp.arange(k) < i) & in_cluster[i]
            prev = ev * same[:, None].astype(dt)
            vi = ev[i] - prev.T @ (jnp.conj(prev) @ ev[i])
            vi = vi / jnp.linalg.norm(vi).astype(dt)
            return ev.at[i].set(jnp.where(in_cluster[i], vi, ev[i]))
        return lax.fori_loop(0, k, body, ev)

    def step(state):
        i, v, nrm, _ = state
        new = _tridiagonal_inverse_solve(dlb, shifted, dub, v, tiny)
        nrm_new = jnp.linalg.norm(new, axis=-1, keepdims=True)
        new = orthogonalize(new / nrm_new.astype(dt))
        return i + 1, new, nrm_new[:, 0], nrm

    def going(state):
        i, _, nrm, nrm_old = state
        return (i < 5) & jnp.any(nrm >= 1.1 * nrm_old)

    rdt = _dtype(eigvals)
    _, v, _, _ = lax.while_loop(going, step, (0, v, jnp.ones(k, rdt), jnp.zeros(k, rdt)))
    return v


@jit(static_argnames=("eigvals_only", "select", "select_range"))
def eigh_tridiagonal(d, e, *, eigvals_only: bool = False, select: str = "a",
                     select_range=None, tol=None, key=None):
    """Eigenvalues (ascending; bisection on Sturm counts) and, unless eigvals_only,
    eigenvectors (inverse iteration) of the Hermitian tridiagonal matrix with diagonal d
    and off-diagonal e."""
    alpha = jnp.asarray(d)
    beta = jnp.asarray(e)
    ok = (np.float32, np.float64, np.complex64, np.complex128)
    if _dtype(alpha) != _dtype(beta):
        raise TypeError(f"diagonal and off-diagonal values must have same dtype, got "
                        f"{_dtype(alpha)} and {_dtype(beta)}")
    if _dtype(alpha) not in ok or _dtype(beta) not in ok:
        raise TypeError(f"Only float32 and float64 inputs are supported as inputs to "
                        f"jax.scipy.linalg.eigh_tridiagonal, got {_dtype(alpha)} and "
                        f"{_dtype(beta)}")
    n = _shape(alpha)[0]
    if n <= 1:
        w = jnp.real(alpha)
        return w if eigvals_only else (w, jnp.eye(n, dtype=_dtype(alpha)))
    if _dtype(alpha).kind == "c":
        alpha = jnp.real(alpha)
        beta_sq = jnp.real(beta * jnp.conj(beta))
        beta_abs = jnp.sqrt(beta_sq)
    else:
        beta_abs = jnp.abs(beta)
        beta_sq = jnp.square(beta)
    row_sum = jnp.concatenate([beta_abs[:1], beta_abs[:-1] + beta_abs[1:], beta_abs[-1:]])
    est_max = jnp.max(alpha + row_sum)
    est_min = jnp.min(alpha - row_sum)
    t_norm = jnp.maximum(jnp.abs(est_min), jnp.abs(est_max))
    rdt = _dtype(alpha)
    fi = np.finfo(rdt)
    one = np.ones([], rdt)
    safemin = np.maximum(one / fi.max, (one + fi.eps) * fi.tiny)
    pivmin = safemin * jnp.maximum(1, jnp.max(beta_sq))
    alpha0_perturbation = jnp.square(fi.eps * beta_abs[0])
    abs_tol = fi.eps * t_norm
    if tol is not None:
        abs_tol = jnp.maximum(tol, abs_tol)
    max_it = fi.nmant + 1
    if select == "a":
        targets = jnp.arange(n, dtype=np.int32)
    elif select == "i":
        if select_range is None:
            raise ValueError("for select='i', select_range must be specified.")
        if select_range[0] > select_range[1]:
            raise ValueError("Got empty index range in select_range.")
        targets = jnp.arange(select_range[0], select_range[1] + 1, dtype=np.int32)
    elif select == "v":
        raise NotImplementedError("eigh_tridiagonal(..., select='v') is not implemented")
    else:
        raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
    fudge = 2.1
    slack = jnp.array(n, rdt) * fudge * fi.eps * t_norm
    shape = _shape(targets)
    lo = jnp.broadcast_to(est_min - slack - 2 * fudge * pivmin, shape)
    hi = jnp.broadcast_to(est_max + slack + fudge * pivmin, shape)
    mid = 0.5 * (hi + lo)
    pivmin = jnp.broadcast_to(pivmin, shape)
    alpha0_perturbation = jnp.broadcast_to(alpha0_perturbation, shape)

    def cond(state):
        i, lo, _, hi = state
        return (i < max_it) & (abs_tol < jnp.max(hi - lo))

    def body(state):
        i, lo, mid, hi = state
        counts = _sturm_count(alpha, beta_sq, pivmin, alpha0_perturbation, mid)
        lo = jnp.where(counts <= targets, mid, lo)
        hi = jnp.where(counts > targets, mid, hi)
        return i + 1, lo, 0.5 * (lo + hi), hi

    _, _, mid, _ = lax.while_loop(cond, body, (0, lo, mid, hi))
    if eigvals_only:
        return mid
    if key is None:
        from cellax import random
        key = random.key(42)
    vecs = _inverse_iteration(alpha, beta, mid, key)
    return mid, vecs.T


# ---------------------------------------------------------------------------------------
# solve_sylvester: A X + X B = C


@jit(static_argnames=("method",), name="_solve_sylvester_2d")
def _solve_sylvester_2d(A, B, C, *, method: str, tol):
    m, n = _shape(C)[-2:]
    if method == "eigen":
        ra, ua = jnp_linalg.eig(A)
        rb, ub = jnp_linalg.eig(B)
        f = jnp_linalg.solve(ua, C.astype(_dtype(ra)) @ ub)
        y = f / (ra[:, None] + rb[None, :])
        X = ua[:m, :m] @ y[:m, :n] @ jnp_linalg.inv(ub)[:n, :n]
    elif method == "schur":
        raise NotImplementedError(
            "solve_sylvester(method='schur') needs the Schur decomposition, which cellax "
            "does not implement; use method='eigen'.")
    else:
        raise ValueError(f"Unrecognized method {method}. The two valid methods are either "
                         f"\"schur\" or \"eigen\".")
    if _dtype(C).kind != "c":
        X = X.real
    singular = jnp.any(jnp.abs(jnp_linalg.eigvals(A)[:, None]
                               + jnp_linalg.eigvals(B)[None, :]) < tol)
    return lax.cond(singular, lambda: jnp.zeros_like(X) * np.nan, lambda: X)


@jit(static_argnames=("method",))
def solve_sylvester(A, B, C, *, method: str = "schur", tol: float = 1e-8):
    """X with A X + X B = C (NaNs where A and -B share an eigenvalue within `tol`).
    Only method='eigen' is implemented in cellax."""
    A, B, C = promote_dtypes_inexact(jnp.asarray(A), jnp.asarray(B), jnp.asarray(C))
    m, n = _shape(C)[-2:]
    if _shape(A)[-2:] != (m, m) or _shape(B)[-2:] != (n, n):
        raise ValueError(f"Incompatible shapes for Sylvester equation:\nA: {_shape(A)}\n"
                         f"B: {_shape(B)}\nC: {_shape(C)}")
    return jnp.vectorize(partial(_solve_sylvester_2d, method=method, tol=tol),
                         signature="(m,m),(n,n),(m,n)->(m,n)")(A, B, C)
