"""cellax.scipy.linalg against the reference JAX's jax.scipy.linalg: values (with
tolerances; sign-ambiguous factors through reconstructions), dtypes, weak types,
shapes, tuple structure, gradients and error types; then in-process check_grads,
vmap-vs-loop and jit-vs-eager checks."""
import json

import numpy as np
import pytest

from conftest import run_script

CODE = r'''
import json, warnings
import numpy as np
import importlib
SL = importlib.import_module(jax.__name__ + '.scipy.linalg')
out = {}

def put(name, y):
    if isinstance(y, (tuple, list)):
        out[name + "#len"] = ["tuple", [len(y)], False, [], []]
        for i, t in enumerate(y):
            put(f"{name}[{i}]", t)
        return
    a = np.asarray(y)
    v = a.astype(np.complex128) if a.dtype.kind == "c" else a.astype(np.float64)
    out[name] = [str(a.dtype), list(a.shape), bool(getattr(y, "weak_type", False)),
                 np.real(v).ravel().tolist(), np.imag(v).ravel().tolist()]

def err(name, f):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f()
        out[name] = "no error"
    except Exception as e:
        out[name] = type(e).__name__

def safe(name, f):
    try:
        put(name, f())
    except Exception as e:
        out[name] = "ERR " + type(e).__name__

rng = np.random.default_rng(0)
def mat(*shape, dtype=np.float32):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return np.asarray(x, dtype)
def spd(n, dtype=np.float32, batch=()):
    a = mat(*batch, n, n, dtype=dtype)
    return np.asarray(a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n), dtype)
def H(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))

A = mat(4, 4); B = mat(4, 3); W = mat(3, 5); BA = mat(2, 4, 4); C = mat(4, 4, dtype=np.complex64)
S = spd(4); SC = spd(3, np.complex64); SB = spd(3, batch=(2,))
TRI = np.tril(A) + 4 * np.eye(4, dtype=np.float32); TRIC = np.triu(C) + 4 * np.eye(4, dtype=np.complex64)
v4 = mat(4)
for nm, x in [("S", S), ("SC", SC), ("SB", SB)]:
    safe(f"chol_{nm}", lambda: SL.cholesky(x)); safe(f"cholL_{nm}", lambda: SL.cholesky(x, lower=True))
    for low in (False, True):
        safe(f"chofac_{nm}_{low}", lambda: SL.cho_factor(x, lower=low))
        safe(f"chosolve_{nm}_{low}", lambda: SL.cho_solve(SL.cho_factor(x, lower=low), np.ones(x.shape[-1], x.dtype)))
        safe(f"chosolve_mat_{nm}_{low}", lambda: SL.cho_solve(SL.cho_factor(x, lower=low), np.ones(x.shape[:-1] + (2,), x.dtype)))
        safe(f"solve_pos_{nm}_{low}", lambda: SL.solve(x, np.ones(x.shape[-1], x.dtype), assume_a="pos", lower=low))
        safe(f"solve_posm_{nm}_{low}", lambda: SL.solve(x, np.ones(x.shape[:-1] + (2,), x.dtype), assume_a="pos", lower=low))
    safe(f"eigh_w_{nm}", lambda: SL.eigh(x, eigvals_only=True))
    safe(f"eigh_rec_{nm}", lambda: (lambda w, v: (v * w[..., None, :].astype(v.dtype)) @ H(v))(*SL.eigh(x)))
    safe(f"eigh_U_{nm}", lambda: SL.eigh(x, lower=False)[0])
safe("chol_int", lambda: SL.cholesky(np.array([[4, 2], [2, 3]])))
safe("solve_pos_bcast", lambda: SL.solve(SB, np.ones((1, 3, 2), np.float32), assume_a="pos"))
for nm, x in [("A", A), ("BA", BA), ("C", C)]:
    safe(f"det_{nm}", lambda: SL.det(x)); safe(f"inv_{nm}", lambda: SL.inv(x))
    for aa in ("gen", "sym", "her"):
        safe(f"solve_{aa}_{nm}", lambda: SL.solve(x, np.ones(x.shape[-1:], x.dtype), assume_a=aa))
    safe(f"lufac_{nm}", lambda: SL.lu_factor(x))
    for t in (0, 1, 2):
        safe(f"lusolve_{nm}_{t}", lambda: SL.lu_solve(SL.lu_factor(x), np.ones(x.shape[-1], x.dtype), trans=t))
        safe(f"lusolve_mat_{nm}_{t}", lambda: SL.lu_solve(SL.lu_factor(x), np.ones(x.shape[:-1] + (3,), x.dtype), trans=t))
    safe(f"expm_{nm}", lambda: SL.expm(x)); safe(f"expm_big_{nm}", lambda: SL.expm(7 * x))
    safe(f"expm_tiny_{nm}", lambda: SL.expm(0.01 * x)); safe(f"expm_mid_{nm}", lambda: SL.expm(0.2 * x))
    safe(f"expm_frechet_{nm}", lambda: SL.expm_frechet(x, np.ones_like(x)))
    safe(f"expm_frechet_only_{nm}", lambda: SL.expm_frechet(x, x, compute_expm=False))
    safe(f"svd_s_{nm}", lambda: SL.svd(x, compute_uv=False))
safe("expm_upper", lambda: SL.expm(np.triu(A), upper_triangular=True)); safe("expm_nan", lambda: SL.expm(1e6 * A))
safe("expm_maxsq", lambda: SL.expm(50 * A, max_squarings=3)); safe("expm_int", lambda: SL.expm(np.array([[0, 1], [0, 0]])))
for nm, x in [("A", A), ("B", B), ("W", W), ("C", C)]:
    safe(f"lu_{nm}", lambda: SL.lu(x)); safe(f"lu_pl_{nm}", lambda: SL.lu(x, permute_l=True))
    for fm in (True, False):
        safe(f"svd_rec_{nm}_{fm}", lambda: (lambda u, s, vh: (u[..., :, :s.shape[-1]] * s[..., None, :].astype(u.dtype)) @ vh[..., :s.shape[-1], :])(*SL.svd(x, full_matrices=fm)))
        safe(f"svd_shapes_{nm}_{fm}", lambda: np.array([t.shape for t in SL.svd(x, full_matrices=fm)[::2]]))
    for mode in ("full", "economic"):
        safe(f"qr_rec_{nm}_{mode}", lambda: jnp.matmul(*SL.qr(x, mode=mode)))
        safe(f"qr_orth_{nm}_{mode}", lambda: (lambda q, r: H(q) @ q)(*SL.qr(x, mode=mode)))
        safe(f"qr_{nm}_{mode}", lambda: SL.qr(x, mode=mode))
    safe(f"qr_r_{nm}", lambda: SL.qr(x, mode="r"))
    for side in ("right", "left"):
        for meth in ("qdwh", "svd"):
            safe(f"polar_{nm}_{side}_{meth}", lambda: SL.polar(x, side=side, method=meth))
    m, n = x.shape; k = min(m, n)
    for conj in (False, True):
        safe(f"qrmul_r_{nm}_{conj}", lambda: SL.qr_multiply(x, mat(2, m, dtype=x.dtype), conjugate=conj))
        safe(f"qrmul_l_{nm}_{conj}", lambda: SL.qr_multiply(x, mat(k, 2, dtype=x.dtype), mode="left", conjugate=conj))
    safe(f"qrmul_1d_{nm}", lambda: SL.qr_multiply(x, mat(m, dtype=x.dtype)))
safe("polar_batch", lambda: SL.polar(mat(2, 4, 3), method="svd")); safe("polar_batch_qdwh", lambda: SL.polar(mat(2, 4, 3)))
safe("polar_sing", lambda: SL.polar(np.array([[1.0, 0.0], [0.0, 0.0]], np.float32), method="svd"))
for tr in (0, 1, 2, "N", "T", "C"):
    for low in (False, True):
        safe(f"strsm_{tr}_{low}", lambda: SL.solve_triangular(TRI if low else TRI.T, B, trans=tr, lower=low))
        safe(f"strsm_c_{tr}_{low}", lambda: SL.solve_triangular(TRIC.T if low else TRIC, C, trans=tr, lower=low, unit_diagonal=True))
safe("strsm_vec", lambda: SL.solve_triangular(TRI, v4, lower=True)); safe("strsm_batch", lambda: SL.solve_triangular(np.stack([TRI, TRI.T * 2]), np.ones((2, 4, 1), np.float32)))
safe("strsm_bcast", lambda: SL.solve_triangular(TRI, np.ones((3, 4, 2), np.float32), lower=True))
safe("strsm_int", lambda: SL.solve_triangular(np.array([[2, 0], [1, 1]]), np.array([2, 3]), lower=True))
safe("lu_solve_batched1d", lambda: SL.lu_solve(SL.lu_factor(BA), np.ones((2, 4), np.float32)))
safe("eigh_batch", lambda: SL.eigh(SB, eigvals_only=True))
# special matrices
safe("block_diag", lambda: SL.block_diag(A[:2, :3], np.array([1, 2]), 5.0, np.ones((0, 2)))); safe("block_diag_empty", lambda: SL.block_diag())
safe("block_diag_int", lambda: SL.block_diag(np.array([[1, 2]]), 3)); safe("block_diag_c", lambda: SL.block_diag(C[:2, :2], A[:1, :1]))
safe("toeplitz", lambda: SL.toeplitz(v4)); safe("toeplitz_r", lambda: SL.toeplitz(v4, W[0])); safe("toeplitz_c", lambda: SL.toeplitz(C[0]))
safe("toeplitz_int", lambda: SL.toeplitz(np.array([1, 2, 3]), np.array([1, 5]))); safe("toeplitz_batch", lambda: SL.toeplitz(B.T, A[:2]))
safe("toeplitz_scalar", lambda: SL.toeplitz(3.0)); safe("toeplitz_empty", lambda: SL.toeplitz(np.zeros(0), np.ones(2)))
safe("hankel", lambda: SL.hankel(v4)); safe("hankel_r", lambda: SL.hankel(v4, W[0])); safe("hankel_batch", lambda: SL.hankel(B.T, W[0]))
safe("hankel_int", lambda: SL.hankel(np.array([1, 2, 3]), np.array([3, 4])))
safe("circulant", lambda: SL.circulant(v4)); safe("circulant_batch", lambda: SL.circulant(B)); safe("circulant_int", lambda: SL.circulant(np.array([1, 2, 3])))
safe("leslie", lambda: SL.leslie(v4, W[0, :3])); safe("leslie_batch", lambda: SL.leslie(np.ones((2, 3)), np.ones(2, np.int32)))
safe("companion", lambda: SL.companion(v4)); safe("companion_int", lambda: SL.companion(np.array([1, 2, 3]))); safe("companion_batch", lambda: SL.companion(B.T))
safe("fiedler", lambda: SL.fiedler(v4)); safe("fiedler_int", lambda: SL.fiedler(np.array([1, 4, 2]))); safe("fiedler_batch", lambda: SL.fiedler(B))
for nn in (1, 2, 3, 4, 6):
    safe(f"fiedler_companion_{nn}", lambda: SL.fiedler_companion(mat(nn)))
safe("fiedler_companion_batch", lambda: SL.fiedler_companion(B))
for mode in ("full", "same", "valid"):
    for nn in (2, 4, 6):
        safe(f"convmat_{mode}_{nn}", lambda: SL.convolution_matrix(v4, nn, mode))
safe("convmat_batch", lambda: SL.convolution_matrix(B, 3)); safe("convmat_int", lambda: SL.convolution_matrix(np.array([1, 2, 3]), 2))
for nn in (0, 1, 3, 5):
    safe(f"hilbert_{nn}", lambda: SL.hilbert(nn)); safe(f"invhilbert_{nn}", lambda: SL.invhilbert(nn))
    for kind in (None, "lower", "upper"):
        safe(f"pascal_{nn}_{kind}", lambda: SL.pascal(nn, kind)); safe(f"invpascal_{nn}_{kind}", lambda: SL.invpascal(nn, kind))
    if nn:
        safe(f"helmert_{nn}", lambda: SL.helmert(nn)); safe(f"helmert_full_{nn}", lambda: SL.helmert(nn, full=True))
    safe(f"dft_{nn}", lambda: SL.dft(nn)); safe(f"dft_sq_{nn}", lambda: SL.dft(nn, "sqrtn")); safe(f"dft_n_{nn}", lambda: SL.dft(nn, "n"))
for nn in (1, 2, 8):
    safe(f"hadamard_{nn}", lambda: SL.hadamard(nn)); safe(f"hadamard_f_{nn}", lambda: SL.hadamard(nn, dtype=jnp.float32))
safe("dft_c128", lambda: SL.dft(3, dtype=np.complex64))
# tridiagonal
dd = mat(6); ee = mat(5)
safe("eigh_tri_w", lambda: SL.eigh_tridiagonal(dd, ee, eigvals_only=True))
safe("eigh_tri_sel", lambda: SL.eigh_tridiagonal(dd, ee, eigvals_only=True, select="i", select_range=(1, 3)))
safe("eigh_tri_c", lambda: SL.eigh_tridiagonal(dd.astype(np.complex64), (ee + 1j * mat(5)).astype(np.complex64), eigvals_only=True))
def tri_rec(d, e):
    w, v = SL.eigh_tridiagonal(d, e)
    T = jnp.diag(d) + jnp.diag(e, 1) + jnp.diag(jnp.conj(e), -1)
    return [w, T @ v - v * w[None, :].astype(v.dtype), H(v) @ v]
safe("eigh_tri_vec", lambda: tri_rec(dd, ee)); safe("eigh_tri_vec_c", lambda: tri_rec(dd.astype(np.complex64), (ee + 1j * mat(5)).astype(np.complex64)))
safe("eigh_tri_vec_n1", lambda: SL.eigh_tridiagonal(dd[:1], ee[:0]))
safe("eigh_tri_clust", lambda: tri_rec(np.ones(5, np.float32), np.full(4, 1e-6, np.float32)))
# sylvester
safe("sylv_eigen", lambda: SL.solve_sylvester(A + 5 * np.eye(4, dtype=np.float32), W[:, :3] @ W[:, :3].T + np.eye(3, dtype=np.float32), B, method="eigen"))
safe("sylv_sing", lambda: SL.solve_sylvester(np.eye(2, dtype=np.float32), -np.eye(2, dtype=np.float32), np.ones((2, 2), np.float32), method="eigen"))
# jit
safe("jit_expm", lambda: jax.jit(SL.expm)(A)); safe("jit_cho", lambda: jax.jit(lambda a, b: SL.cho_solve(SL.cho_factor(a), b))(S, B))
safe("jit_lu", lambda: jax.jit(SL.lu)(B)); safe("jit_strsm", lambda: jax.jit(SL.solve_triangular, static_argnames="lower")(TRI, B, lower=True))
# grads
safe("g_cho_solve", lambda: jax.grad(lambda a, b: SL.cho_solve((a, True), b).sum(), (0, 1))(np.linalg.cholesky(S), B))
safe("g_cho_solve_u", lambda: jax.grad(lambda a, b: SL.cho_solve((a, False), b).sum(), (0, 1))(np.linalg.cholesky(S).T, B))
safe("g_solve", lambda: jax.grad(lambda a, b: SL.solve(a, b).sum(), (0, 1))(A, B))
safe("g_solve_pos", lambda: jax.grad(lambda a, b: (SL.solve(a, b, assume_a="pos") ** 2).sum(), (0, 1))(S, B))
safe("g_solve_pos_v", lambda: jax.grad(lambda a, b: (SL.solve(a, b, assume_a="pos", lower=True) ** 2).sum(), (0, 1))(S, B[:, 0]))
for tr in (0, 1, 2):
    safe(f"g_strsm_{tr}", lambda: jax.grad(lambda a, b: (SL.solve_triangular(a, b, trans=tr, lower=True) ** 2).sum(), (0, 1))(TRI, B))
safe("g_strsm_unit", lambda: jax.grad(lambda a, b: (SL.solve_triangular(a, b, unit_diagonal=True) ** 2).sum(), (0, 1))(TRI.T, B))
for nm, x in [("A", A), ("A7", 7 * A), ("Asmall", 0.1 * A)]:
    safe(f"g_expm_{nm}", lambda: jax.grad(lambda a: (SL.expm(a) * np.arange(16, dtype=np.float32).reshape(4, 4)).sum())(x))
safe("g_expm_c", lambda: jax.grad(lambda a: jnp.real(SL.expm(a)).sum())(0.5 * C.real.astype(np.float32)))
safe("g_expm_frechet", lambda: jax.grad(lambda a: SL.expm_frechet(a, jnp.ones_like(a), compute_expm=False).sum())(0.5 * A))
safe("g_det", lambda: jax.grad(SL.det)(mat(5, 5))); safe("g_inv", lambda: jax.grad(lambda a: (SL.inv(a) ** 2).sum())(A))
safe("g_lu_solve", lambda: jax.grad(lambda a, b: SL.lu_solve(SL.lu_factor(a), b, trans=1).sum(), (0, 1))(A, B))
safe("g_polar", lambda: jax.grad(lambda a: SL.polar(a, method="svd")[0].sum())(B))
safe("g_cholesky", lambda: jax.grad(lambda a: SL.cholesky(a).sum())(S))
# errors
err("e_solve_assume", lambda: SL.solve(A, B, assume_a="bad")); err("e_strsm_trans", lambda: SL.solve_triangular(A, B, trans=3))
err("e_lu_solve_trans", lambda: SL.lu_solve(SL.lu_factor(A), B, trans=5)); err("e_qr_mode", lambda: SL.qr(A, mode="raw"))
err("e_expm_nonsq", lambda: SL.expm(B)); err("e_expm_1d", lambda: SL.expm(v4)); err("e_expm_f16", lambda: SL.expm(A.astype(np.float16)))
err("e_frechet_shape", lambda: SL.expm_frechet(A, BA)); err("e_frechet_e", lambda: SL.expm_frechet(A, B))
err("e_eigh_b", lambda: SL.eigh(S, S)); err("e_eigh_type", lambda: SL.eigh(S, type=2)); err("e_eigh_eigvals", lambda: SL.eigh(S, eigvals=(0, 1)))
err("e_polar_1d", lambda: SL.polar(v4)); err("e_polar_side", lambda: SL.polar(A, side="up")); err("e_polar_method", lambda: SL.polar(A, method="x"))
err("e_polar_qdwh_wide", lambda: SL.polar(W)); err("e_polar_qdwh_left", lambda: SL.polar(B, side="left"))
err("e_block_diag_3d", lambda: SL.block_diag(BA)); err("e_toeplitz_list", lambda: SL.toeplitz([1, 2], object()))
err("e_hankel_scalar", lambda: SL.hankel(1.0)); err("e_leslie_short", lambda: SL.leslie(np.ones(1), np.ones(0))); err("e_leslie_len", lambda: SL.leslie(np.ones(2), np.ones(2)))
err("e_companion", lambda: SL.companion(np.ones(1))); err("e_fc_empty", lambda: SL.fiedler_companion(np.zeros(0)))
err("e_convmat_n", lambda: SL.convolution_matrix(v4, 0)); err("e_convmat_mode", lambda: SL.convolution_matrix(v4, 2, "x")); err("e_convmat_scalar", lambda: SL.convolution_matrix(1.0, 2))
err("e_pascal_kind", lambda: SL.pascal(3, "x")); err("e_invpascal_kind", lambda: SL.invpascal(3, "x")); err("e_helmert", lambda: SL.helmert(0))
err("e_hadamard", lambda: SL.hadamard(3)); err("e_dft_scale", lambda: SL.dft(3, "x")); err("e_dft_dtype", lambda: SL.dft(3, dtype=np.float32))
err("e_tri_dtype", lambda: SL.eigh_tridiagonal(dd, ee.astype(np.float64) if False else ee.astype(np.int32))); err("e_tri_sel", lambda: SL.eigh_tridiagonal(dd, ee, select="v"))
err("e_tri_sel2", lambda: SL.eigh_tridiagonal(dd, ee, select="q")); err("e_tri_range", lambda: SL.eigh_tridiagonal(dd, ee, select="i"))
err("e_tri_range2", lambda: SL.eigh_tridiagonal(dd, ee, select="i", select_range=(3, 1)))
err("e_sylv_shape", lambda: SL.solve_sylvester(A, A, B)); err("e_sylv_method", lambda: SL.solve_sylvester(A, A, A, method="x"))
err("e_qrmul_mode", lambda: SL.qr_multiply(A, A, mode="x")); err("e_qrmul_l", lambda: SL.qr_multiply(B, A, mode="left")); err("e_qrmul_r", lambda: SL.qr_multiply(B, W))
err("e_pos_shape", lambda: SL.solve(S, np.ones((2, 4, 4, 1)), assume_a="pos")); err("e_chol_nonsq", lambda: SL.cholesky(B))
err("e_det_nonsq", lambda: SL.det(B)); err("e_inv_nonsq", lambda: SL.inv(B)); err("e_lu_factor_1d", lambda: SL.lu_factor(v4))
err("e_lu_3d", lambda: SL.lu(BA))
err("e_list", lambda: SL.circulant([1, 2]))
print(json.dumps(out))
'''

CODE_X64 = r'''
import json, importlib
import numpy as np
jax.config.update("jax_enable_x64", True)
SL = importlib.import_module(jax.__name__ + '.scipy.linalg')
out = {}
def put(name, y):
    if isinstance(y, (tuple, list)):
        for i, t in enumerate(y):
            put(f"{name}[{i}]", t)
        return
    a = np.asarray(y)
    v = a.astype(np.complex128)
    out[name] = [str(a.dtype), list(a.shape), np.real(v).ravel().tolist(), np.imag(v).ravel().tolist()]
rng = np.random.default_rng(5)
A = rng.standard_normal((5, 5)); B = rng.standard_normal((5, 2))
Z = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
S = A @ A.T + 5 * np.eye(5)
for s in (0.005, 0.1, 0.5, 1.5, 3.0, 10.0):
    put(f"expm_{s}", SL.expm(s * A))
put("expm_z", SL.expm(Z)); put("expm_frechet", SL.expm_frechet(A, np.outer(B[:, 0], B[:, 1])))
put("cho_solve", SL.cho_solve(SL.cho_factor(S), B)); put("solve_pos", SL.solve(S, B, assume_a="pos"))
put("lu_solve", SL.lu_solve(SL.lu_factor(A), B, trans=1)); put("strsm", SL.solve_triangular(np.triu(A) + 5 * np.eye(5), B, trans="T"))
put("polar", SL.polar(A)); put("polar_z", SL.polar(Z)); put("eigh_tri", SL.eigh_tridiagonal(A[0], A[1, :4], eigvals_only=True))
put("invhilbert", SL.invhilbert(6)); put("invpascal", SL.invpascal(5)); put("pascal", SL.pascal(5)); put("helmert", SL.helmert(4, full=True))
put("hilbert", SL.hilbert(3)); put("dft", SL.dft(4)); put("hadamard", SL.hadamard(4))
put("g_expm", jax.grad(lambda a: (SL.expm(a) * np.arange(25.0).reshape(5, 5)).sum())(0.7 * A))
put("g_expm_big", jax.grad(lambda a: SL.expm(a)[0, 1])(3.0 * A))
put("g_solve_pos", jax.grad(lambda a, b: (SL.solve(a, b, assume_a="pos") ** 2).sum(), (0, 1))(S, B))
put("g_cho_solve", jax.grad(lambda c, b: SL.cho_solve((c, False), b).sum(), (0, 1))(np.linalg.cholesky(S).T, B))
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def all_results():
    from concurrent.futures import ThreadPoolExecutor
    jobs = [(CODE, "jax"), (CODE, "cellax"), (CODE_X64, "jax"), (CODE_X64, "cellax")]
    with ThreadPoolExecutor(len(jobs)) as pool:
        outs = list(pool.map(lambda job: run_script(*job, timeout=900), jobs))
    return [json.loads(o.strip().splitlines()[-1]) for o in outs]


def _compare(ref, got, rtol, atol, meta=3):
    assert set(ref) == set(got), sorted(set(ref) ^ set(got))
    bad = []
    for name in sorted(ref):
        r, g = ref[name], got[name]
        if isinstance(r, str) or isinstance(g, str):
            if r != g:
                bad.append(f"{name}: JAX {r}, cellax {g}")
            continue
        if r[:meta] != g[:meta]:
            bad.append(f"{name}: dtype/shape/weak {g[:meta]} != JAX {r[:meta]}")
            continue
        rv = np.array(r[-2]) + 1j * np.array(r[-1])
        gv = np.array(g[-2]) + 1j * np.array(g[-1])
        finite = np.abs(rv)[np.isfinite(rv)]
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        if not np.allclose(gv, rv, rtol=rtol, atol=atol * scale, equal_nan=True):
            bad.append(f"{name}: max abs diff {np.nanmax(np.abs(gv - rv))}")
    assert not bad, "\n".join(bad)


def test_against_jax_float32(all_results):
    ref, got = all_results[0], all_results[1]
    assert len(ref) > 400
    _compare(ref, got, rtol=2e-4, atol=2e-4)


def test_errors_match_jax(all_results):
    ref, got = all_results[0], all_results[1]
    errs = {k: v for k, v in ref.items() if k.startswith("e_")}
    assert len(errs) >= 50 and all(v != "no error" for v in errs.values())
    assert {k: got[k] for k in errs} == errs


def test_against_jax_x64(all_results):
    ref, got = all_results[2], all_results[3]
    _compare(ref, got, rtol=1e-9, atol=1e-9, meta=2)


# ---------------------------------------------------------------------------------------
# In-process (cellax only; no JAX in this process)

import cellax  # noqa: E402
import cellax.numpy as jnp  # noqa: E402
import cellax.scipy.linalg as SL  # noqa: E402
from cellax.test_util import check_grads  # noqa: E402

RNG = np.random.default_rng(11)
A4 = RNG.standard_normal((4, 4))
SPD4 = A4 @ A4.T + 4 * np.eye(4)
TRI4 = np.tril(A4) + 3 * np.eye(4)
RHS = RNG.standard_normal((4, 2))
TALL = RNG.standard_normal((5, 3))

JAX_NAMES = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
             "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm",
             "expm_frechet", "fiedler", "fiedler_companion", "funm", "hadamard", "hankel",
             "helmert", "hessenberg", "hilbert", "inv", "invhilbert", "invpascal", "leslie",
             "lu", "lu_factor", "lu_solve", "pascal", "polar", "qr", "qr_multiply", "rsf2csf",
             "schur", "solve", "solve_sylvester", "solve_triangular", "sqrtm", "svd",
             "toeplitz"]
# Not provided: they need a Schur / Hessenberg factorization, which cellax does not have.
MISSING = {"funm", "hessenberg", "rsf2csf", "schur", "sqrtm"}


@pytest.fixture
def x64():
    cellax.config.update("jax_enable_x64", True)
    yield
    cellax.config.update("jax_enable_x64", False)


def test_namespace_coverage():
    assert len(JAX_NAMES) == 40
    have = {n for n in JAX_NAMES if callable(getattr(SL, n, None))}
    assert have == set(JAX_NAMES) - MISSING
    assert sorted(SL.__all__) == sorted(have)
    assert cellax.scipy.linalg is SL


GRADS = {
    "expm": (lambda a: SL.expm(a), 0.6 * A4[:3, :3]),
    "expm_large_norm": (lambda a: SL.expm(a), 2.5 * A4),
    "expm_upper": (lambda a: SL.expm(jnp.triu(a), upper_triangular=True), 0.5 * A4),
    "expm_frechet": (lambda a: SL.expm_frechet(a, jnp.asarray(TRI4 / 4),
                                               compute_expm=False), 0.5 * A4),
    "cho_solve_c": (lambda c: SL.cho_solve((c, True), RHS), np.linalg.cholesky(SPD4)),
    "cho_solve_b": (lambda b: SL.cho_solve((jnp.asarray(np.linalg.cholesky(SPD4).T), False),
                                           b), RHS),
    # solve(assume_a='pos') factors one triangle but differentiates as a full matrix (as
    # JAX does), so finite differences agree only along symmetric directions.
    "solve_pos": (lambda a: SL.solve((a + a.T) / 2, RHS, assume_a="pos"), SPD4),
    "solve_pos_b": (lambda b: SL.solve(jnp.asarray(SPD4), b, assume_a="pos", lower=True),
                    RHS[:, 0]),
    "solve_gen": (lambda a: SL.solve(a, RHS), A4 + 3 * np.eye(4)),
    "solve_triangular_T": (lambda a: SL.solve_triangular(a, RHS, trans="T", lower=True),
                           TRI4),
    "solve_triangular_b": (lambda b: SL.solve_triangular(jnp.asarray(TRI4.T), b, trans=2,
                                                         unit_diagonal=True), RHS),
    "lu_solve": (lambda a: SL.lu_solve(SL.lu_factor(a), RHS, trans=1), A4 + 3 * np.eye(4)),
    "det": (SL.det, A4),
    "inv": (SL.inv, A4 + 3 * np.eye(4)),
    "cholesky_upper": (lambda a: SL.cholesky((a + a.T) / 2), SPD4),
    "polar_svd": (lambda a: SL.polar(a, method="svd"), TALL),
    "lu_permute_l": (lambda a: SL.lu(a, permute_l=True), A4),
    "qr_economic": (lambda a: SL.qr(a, mode="economic"), TALL),
    "toeplitz": (lambda c: SL.toeplitz(c, c[::-1] * 2), A4[0]),
    "block_diag": (lambda a: SL.block_diag(a, 2 * a[:2, :3]), A4),
}
ORDER2 = {"expm", "solve_pos"}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_check_grads_float64(name, x64):
    f, x = GRADS[name]
    check_grads(f, (jnp.asarray(x),), order=2 if name in ORDER2 else 1,
                modes=("fwd", "rev"), atol=1e-4, rtol=1e-4)


def _b(shape, spd=False, tril=False):
    x = RNG.standard_normal((3, *shape))
    if spd:
        x = x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])
    if tril:
        x = np.tril(x) + 3 * np.eye(shape[-1])
    return jnp.asarray(x, jnp.float32)


VMAPS = {
    "expm": (SL.expm, 0.5 * _b((3, 3))),
    "expm_frechet": (lambda a, e: SL.expm_frechet(a, e), 0.5 * _b((3, 3)), _b((3, 3))),
    "cho_solve": (lambda a, b: SL.cho_solve(SL.cho_factor(a), b), _b((3, 3), spd=True),
                  _b((3, 2))),
    "solve_pos": (lambda a, b: SL.solve(a, b, assume_a="pos"), _b((3, 3), spd=True),
                  _b((3,))),
    "solve_triangular": (lambda a, b: SL.solve_triangular(a, b, lower=True, trans=1),
                         _b((3, 3), tril=True), _b((3, 2))),
    "lu_solve": (lambda a, b: SL.lu_solve(SL.lu_factor(a), b), _b((3, 3), spd=True),
                 _b((3,))),
    "lu": (SL.lu, _b((3, 4))),
    "polar": (SL.polar, _b((4, 3))),
    "toeplitz": (SL.toeplitz, _b((4,)), _b((3,))),
    "eigh_tridiagonal": (lambda d, e: SL.eigh_tridiagonal(d, e, eigvals_only=True),
                         _b((5,)), _b((4,))),
    "qr_multiply": (lambda a, c: SL.qr_multiply(a, c), _b((4, 3)), _b((2, 4))),
}


@pytest.mark.parametrize("name", sorted(VMAPS))
def test_vmap_matches_loop(name):
    f, *args = VMAPS[name]
    got = cellax.tree_util.tree_leaves(cellax.vmap(f)(*args))
    want = [cellax.tree_util.tree_leaves(f(*[a[i] for a in args])) for i in range(3)]
    assert len(got) == len(want[0])
    for j, g in enumerate(got):
        np.testing.assert_allclose(np.asarray(g), np.stack([np.asarray(w[j]) for w in want]),
                                   rtol=2e-5, atol=2e-5)


def test_jit_matches_eager_and_structure():
    a = jnp.asarray(A4 + 3 * np.eye(4), jnp.float32)
    for f in (SL.expm, lambda x: SL.lu(x), lambda x: SL.qr(x, mode="r"),
              lambda x: SL.lu_solve(SL.lu_factor(x), x[0], trans=2),
              lambda x: SL.polar(x), lambda x: SL.eigh(x + x.T)):
        eager = cellax.tree_util.tree_leaves(f(a))
        staged = cellax.tree_util.tree_leaves(cellax.jit(f)(a))
        for e, s in zip(eager, staged, strict=True):
            np.testing.assert_allclose(np.asarray(e), np.asarray(s), rtol=1e-5, atol=1e-5)
    assert type(SL.qr(a, mode="r")) is tuple and len(SL.qr(a, mode="r")) == 1
    assert type(SL.svd(a)) is tuple and type(SL.eigh(a)) is tuple
    assert type(SL.cho_factor(a @ a.T)) is tuple and SL.cho_factor(a @ a.T)[1] is False


def test_reconstructions_and_properties():
    a = jnp.asarray(A4, jnp.float32)
    p, l, u = SL.lu(a)
    np.testing.assert_allclose(np.asarray(p @ l @ u), A4, rtol=1e-5, atol=1e-5)
    unitary, pos = SL.polar(jnp.asarray(TALL, jnp.float32))
    np.testing.assert_allclose(np.asarray(unitary @ pos), TALL, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(unitary.T @ unitary), np.eye(3), atol=1e-5)
    assert np.all(np.linalg.eigvalsh(np.asarray(pos, np.float64)) > 0)
    e = SL.expm(jnp.asarray([[0.0, 1.0], [-1.0, 0.0]]))
    np.testing.assert_allclose(np.asarray(e), [[np.cos(1), np.sin(1)], [-np.sin(1), np.cos(1)]],
                               rtol=1e-6)
    assert np.isnan(np.asarray(SL.expm(jnp.asarray(1e8 * A4, jnp.float32)))).all()
    np.testing.assert_allclose(np.asarray(SL.hilbert(4) @ SL.invhilbert(4)), np.eye(4),
                               atol=2e-2)
    w, v = SL.eigh_tridiagonal(jnp.ones(5), jnp.full(4, 1e-6))
    np.testing.assert_allclose(np.asarray(v.T @ v), np.eye(5), atol=1e-5)
    x = SL.solve_sylvester(jnp.asarray(A4 + 6 * np.eye(4)), jnp.asarray(SPD4[:3, :3]),
                           jnp.asarray(TALL[:4]), method="eigen")
    np.testing.assert_allclose(np.asarray(x @ SPD4[:3, :3] + (A4 + 6 * np.eye(4)) @ x),
                               TALL[:4], rtol=1e-4, atol=1e-4)
    with pytest.raises(NotImplementedError, match="method='eigen'"):
        SL.solve_sylvester(jnp.eye(2), jnp.eye(2), jnp.eye(2))
    with pytest.raises(NotImplementedError, match="pivoting"):
        SL.qr(a, pivoting=True)
    with pytest.warns(FutureWarning, match="batched 1D solves"):
        SL.solve_triangular(jnp.stack([a, a]), jnp.ones((2, 4)))
