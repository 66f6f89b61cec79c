"""cellax.lax.linalg and cellax.numpy.linalg against the reference JAX, plus gradients
(check_grads), vmap-vs-loop, jit-vs-eager and error behaviour.

Decompositions are compared through quantities that do not depend on the sign/phase
choices of the factors: reconstructions (Q R, U S Vh, V diag(w) V^-1), orthogonality,
singular values and eigenvalues."""
import json

import numpy as np
import pytest

from conftest import run_script

CODE = r'''
import json
import numpy as np
L = jnp.linalg
LL = jax.lax.linalg
out = {}

def put(name, y):
    if isinstance(y, (tuple, list)):
        for i, t in enumerate(y):
            put(f"{name}[{i}]", t)
        return
    a = np.asarray(y)
    v = a.astype(np.complex128) if a.dtype.kind == "c" else a.astype(np.float64)
    out[name] = [str(a.dtype), list(a.shape), bool(getattr(y, "weak_type", False)),
                 np.real(v).ravel().tolist(), np.imag(v).ravel().tolist()]

def err(name, f):
    try:
        f()
        out[name] = "no error"
    except Exception as e:
        out[name] = type(e).__name__

rng = np.random.default_rng(42)
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
for nm, x in [("A", A), ("BA", BA), ("C", C)]:
    put(f"det_{nm}", L.det(x)); put(f"slogdet_{nm}", L.slogdet(x)); put(f"inv_{nm}", L.inv(x))
    put(f"solve_{nm}", L.solve(x, np.ones(x.shape[-1:], x.dtype)))
    put(f"eigvals_{nm}", np.sort_complex(np.asarray(L.eigvals(x))))
put("det2", L.det(A[:2, :2])); put("det3", L.det(A[:3, :3])); put("det5", L.det(mat(5, 5)))
put("slogdet2", L.slogdet(A[:2, :2])); put("slogdet_sing", L.slogdet(np.ones((4, 4), np.float32)))
put("det_int", L.det(np.array([[1, 2], [3, 4]])))
put("solve_mat", L.solve(A, B)); put("solve_bcast", L.solve(BA, B))
for nm, x in [("S", S), ("SC", SC), ("SB", SB)]:
    put(f"chol_{nm}", L.cholesky(x)); put(f"cholU_{nm}", L.cholesky(x, upper=True))
    put(f"eigvalsh_{nm}", L.eigvalsh(x))
    w, v = L.eigh(x)
    put(f"eigh_w_{nm}", w); put(f"eigh_rec_{nm}", (v * w[..., None, :].astype(v.dtype)) @ H(v))
put("chol_fail", L.cholesky(-S))
for nm, x in [("A", A), ("B", B), ("W", W), ("BA", BA), ("C", C)]:
    put(f"svdvals_{nm}", L.svdvals(x))
    for fm in (True, False):
        u, s, vh = L.svd(x, full_matrices=fm)
        k = s.shape[-1]
        put(f"svd_rec_{nm}_{fm}", (u[..., :, :k] * s[..., None, :].astype(u.dtype)) @ vh[..., :k, :])
        put(f"svd_shapes_{nm}_{fm}", np.array([*u.shape, *vh.shape]))
        put(f"svd_orth_{nm}_{fm}", H(u) @ u)
    for mode in ("reduced", "complete"):
        q, r = L.qr(x, mode=mode)
        put(f"qr_rec_{nm}_{mode}", q @ r); put(f"qr_orth_{nm}_{mode}", H(q) @ q)
        put(f"qr_absdiag_{nm}_{mode}", jnp.abs(jnp.diagonal(r, axis1=-2, axis2=-1)))
        put(f"qr_tril_{nm}_{mode}", jnp.tril(r, -1))
    put(f"qr_r_{nm}", jnp.abs(L.qr(x, mode="r")))
    put(f"pinv_{nm}", L.pinv(x)); put(f"rank_{nm}", L.matrix_rank(x))
    put(f"cond_{nm}", L.cond(x))
    for o in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
        put(f"norm_{nm}_{o}", L.norm(x, o, axis=(-2, -1)))
    put(f"norm_{nm}_keep", L.norm(x, 2, axis=(-1, -2), keepdims=True))
    put(f"matrix_norm_{nm}", L.matrix_norm(x)); put(f"matrix_norm_nuc_{nm}", L.matrix_norm(x, ord="nuc"))
for o in [None, 0, 1, 2, 3, 0.5, -1, np.inf, -np.inf]:
    put(f"vnorm_{o}", L.norm(A[0], o)); put(f"vnorm_ax_{o}", L.norm(BA, o, axis=1))
    put(f"vector_norm_{o}", L.vector_norm(BA, ord=o if o is not None else 2, axis=(0, 2), keepdims=True))
put("norm_all", L.norm(BA)); put("norm_int", L.norm(np.array([3, 4])))
for p in [None, 1, -1, 2, -2, np.inf, -np.inf, "fro"]:
    put(f"cond_p_{p}", L.cond(A, p))
put("cond_sing", L.cond(np.array([[1.0, 2.0], [0.0, 0.0]], np.float32)))
lu, piv, perm = LL.lu(B)
put("lu_B", lu); put("lu_piv", piv); put("lu_perm", perm)
put("lu_BA", LL.lu(BA)); put("lu_W", LL.lu(W))
put("p2p", LL.lu_pivots_to_permutation(np.array([[2, 2, 3], [1, 1, 2]], np.int32), 5))
put("trsm_ll", LL.triangular_solve(np.tril(A) + 4 * np.eye(4, dtype=np.float32), B, left_side=True, lower=True))
put("trsm_ut", LL.triangular_solve(np.triu(A) + 4 * np.eye(4, dtype=np.float32), W[:, :4], left_side=False, lower=False, transpose_a=True))
put("trsm_cc", LL.triangular_solve(np.triu(C) + 4 * np.eye(4, dtype=np.complex64), C, left_side=True, lower=False, transpose_a=True, conjugate_a=True, unit_diagonal=True))
put("trsm_vec", LL.triangular_solve(np.tril(A) + 4 * np.eye(4, dtype=np.float32), A[0], left_side=True, lower=True))
put("lax_chol", LL.cholesky(S)); put("lax_eigh_w", LL.eigh(S)[1]); put("lax_svd_s", LL.svd(B, compute_uv=False))
w, vl, vr = LL.eig(A)
put("eig_right", A @ vr - vr * w[None, :]); put("eig_left", H(vl) @ A - w[:, None] * H(vl))
put("eig_norms", jnp.linalg.norm(vr, axis=0))
wc, vc = L.eig(C)
put("eig_C", C @ vc - vc * wc[None, :])
x, res, rank, s = L.lstsq(B, A[:, :2]); put("lstsq", (x, res, rank, s))
put("lstsq_vec", L.lstsq(W.T, W[0], rcond=1e-3)[0]); put("lstsq_resid", L.lstsq(B, A[0], numpy_resid=True)[1])
for n in [0, 1, 2, 3, 5, -2]:
    put(f"mpow_{n}", L.matrix_power(A, n))
put("mpow_int", L.matrix_power(np.array([[1, 1], [1, 0]]), 10))
put("multi_dot", L.multi_dot([A, B, W, mat(5)])); put("multi_dot2", L.multi_dot([A[0], A]))
T = mat(2, 3, 6)
put("tensorinv", L.tensorinv(T.reshape(6, 2, 3), ind=1)); put("tensorsolve", L.tensorsolve(mat(2, 3, 6), mat(2, 3)))
put("tensorsolve_axes", L.tensorsolve(mat(6, 2, 3), mat(2, 3), axes=(0,)))
put("cross", L.cross(A[:, :3], B[:, :3])); put("outer", L.outer(A[0], B[0])); put("diag", L.diagonal(W, offset=1))
put("trace", L.trace(BA)); put("mT", L.matrix_transpose(BA)); put("vecdot", L.vecdot(A, B.T[:1]))
put("matmul", L.matmul(A, B)); put("tensordot", L.tensordot(A, B, axes=1))
put("svd_herm", L.svd(S, hermitian=True)[1]); put("svdvals_herm", L.svd(S, compute_uv=False, hermitian=True))
put("rank_herm", L.matrix_rank(S, hermitian=True)); put("rank_tol", L.matrix_rank(np.diag([1.0, 1e-3, 0.0]).astype(np.float32), rtol=1e-2))
put("pinv_rtol", L.pinv(np.diag([1.0, 1e-3, 2.0]).astype(np.float32), rtol=1e-2)); put("pinv_herm", L.pinv(S, hermitian=True))
put("eigh_U", L.eigh(A, UPLO="U")[0]); put("eigvalsh_nosym", L.eigvalsh(A, symmetrize_input=False))
put("jit_det", jax.jit(L.det)(BA)); put("jit_qr_rec", jax.jit(lambda x: jnp.matmul(*L.qr(x)))(B))
put("jit_inv", jax.jit(L.inv)(A)); put("jit_norm", jax.jit(L.norm, static_argnames="ord")(A, ord="nuc"))
# gradients
put("g_det", jax.grad(L.det)(mat(5, 5))); put("g_det3", jax.grad(L.det)(A[:3, :3]))
put("g_slogdet", jax.grad(lambda x: L.slogdet(x)[1])(A)); put("g_inv", jax.grad(lambda x: L.inv(x).sum())(A))
put("g_solve", jax.grad(lambda x, y: L.solve(x, y).sum(), (0, 1))(A, B))
put("g_pinv", jax.grad(lambda x: L.pinv(x).sum())(B)); put("g_norm_nuc", jax.grad(lambda x: L.norm(x, "nuc"))(B))
put("g_norm_2", jax.grad(lambda x: L.norm(x, 2))(B)); put("g_norm_v", jax.grad(lambda x: L.norm(x, 3))(A[0]))
put("g_chol", jax.grad(lambda x: L.cholesky(x).sum())(S)); put("g_eigvalsh", jax.grad(lambda x: L.eigvalsh(x)[-1])(S))
put("g_svdvals", jax.grad(lambda x: L.svdvals(x).sum())(W)); put("g_eigvals", jax.grad(lambda x: jnp.real(L.eigvals(x)).sum())(A))
put("g_qr_r", jax.grad(lambda x: jnp.abs(L.qr(x)[1]).sum())(B)); put("g_lstsq", jax.grad(lambda x: L.lstsq(x, A[:, 0])[0].sum())(B))
put("g_trsm", jax.grad(lambda a, b: LL.triangular_solve(a, b, left_side=True, lower=True).sum(), (0, 1))(np.tril(A) + 4 * np.eye(4, dtype=np.float32), B))
# errors
err("e_det_nonsq", lambda: L.det(B)); err("e_det_1d", lambda: L.det(A[0]))
err("e_inv_nonsq", lambda: L.inv(B)); err("e_chol_nonsq", lambda: L.cholesky(B))
err("e_chol_1d", lambda: L.cholesky(A[0])); err("e_eigh_nonsq", lambda: L.eigh(B))
err("e_eig_nonsq", lambda: L.eig(B)); err("e_svd_1d", lambda: L.svd(A[0]))
err("e_qr_mode", lambda: L.qr(A, mode="bad")); err("e_solve_1d", lambda: L.solve(A[0], A[0]))
err("e_slogdet_nonsq", lambda: L.slogdet(B)); err("e_norm_ord", lambda: L.norm(A, "bad"))
err("e_norm_axes", lambda: L.norm(BA, axis=(0, 1, 2))); err("e_vnorm_str", lambda: L.norm(A[0], "inf"))
err("e_mpow_nonsq", lambda: L.matrix_power(B, 2)); err("e_mpow_float", lambda: L.matrix_power(A, 1.5))
err("e_multi_dot", lambda: L.multi_dot([A])); err("e_multi_dot_shape", lambda: L.multi_dot([A, W]))
err("e_trsm_shape", lambda: LL.triangular_solve(A, W, left_side=True)); err("e_lu_1d", lambda: LL.lu(A[0]))
err("e_lu_int", lambda: LL.lu(np.ones((2, 2), np.int32))); err("e_cond_1d", lambda: L.cond(A[0]))
err("e_tensorinv", lambda: L.tensorinv(B)); err("e_outer", lambda: L.outer(A, A))
err("e_cross", lambda: L.cross(A, A)); err("e_mT", lambda: L.matrix_transpose(A[0]))
print(json.dumps(out))
'''

CODE_X64 = r'''
import json
import numpy as np
jax.config.update("jax_enable_x64", True)
L = jnp.linalg
out = {}
rng = np.random.default_rng(7)
A = rng.standard_normal((5, 5)); B = rng.standard_normal((5, 3))
Z = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
S = A @ A.T + 5 * np.eye(5)
def put(name, y):
    a = np.asarray(y)
    v = a.astype(np.complex128)
    out[name] = [str(a.dtype), list(a.shape), np.real(v).ravel().tolist(), np.imag(v).ravel().tolist()]
put("det", L.det(A)); put("inv", L.inv(A)); put("solve", L.solve(A, B)); put("chol", L.cholesky(S))
put("eigvalsh", L.eigvalsh(S)); put("svdvals", L.svdvals(B)); put("pinv", L.pinv(B)); put("slogdet_z", L.slogdet(Z))
put("inv_z", L.inv(Z)); put("det_z", L.det(Z)); put("norm_nuc", L.norm(B, "nuc")); put("lstsq", L.lstsq(B, A[:, 0])[0])
put("qr_rec", jnp.matmul(*L.qr(B))); put("eigvals", jnp.sort(jnp.abs(L.eigvals(A))))
put("g_det", jax.grad(L.det)(A)); put("g_det_z", jax.grad(lambda x: jnp.real(L.det(x)))(Z))
put("g_inv", jax.grad(lambda x: L.inv(x)[0, 1])(A))
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def all_results():
    # The four scripts are independent subprocesses: start them together.
    from concurrent.futures import ThreadPoolExecutor
    jobs = [(CODE, "jax"), (CODE, "cellax"), (CODE_X64, "jax"), (CODE_X64, "cellax")]
    with ThreadPoolExecutor(len(jobs)) as pool:
        outs = list(pool.map(lambda job: run_script(*job), jobs))
    return [json.loads(o.strip().splitlines()[-1]) for o in outs]


@pytest.fixture(scope="module")
def results(all_results):
    return all_results[0], all_results[1]


@pytest.fixture(scope="module")
def results_x64(all_results):
    return all_results[2], all_results[3]


def _compare(ref, got, rtol, atol):
    assert set(ref) == set(got)
    bad = []
    for name in sorted(ref):
        r, g = ref[name], got[name]
        if isinstance(r, str):
            if r != g:
                bad.append(f"{name}: JAX raised {r}, cellax {g}")
            continue
        if r[:3] != g[:3] and len(r) == 5:
            bad.append(f"{name}: dtype/shape/weak {g[:3]} != JAX {r[:3]}")
            continue
        if r[:2] != g[:2]:
            bad.append(f"{name}: dtype/shape {g[:2]} != JAX {r[:2]}")
            continue
        rv = np.array(r[-2]) + 1j * np.array(r[-1])
        gv = np.array(g[-2]) + 1j * np.array(g[-1])
        finite = np.abs(rv)[np.isfinite(rv)]
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        if not np.allclose(gv, rv, rtol=rtol, atol=atol * scale, equal_nan=True):
            bad.append(f"{name}: max abs diff {np.nanmax(np.abs(gv - rv))}")
    assert not bad, "\n".join(bad)


def test_against_jax_float32(results):
    ref, got = results
    _compare(ref, got, rtol=2e-4, atol=2e-4)


def test_against_jax_x64(results_x64):
    ref, got = results_x64
    _compare(ref, got, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------------
# In-process: gradients, vmap, jit (cellax only; no JAX in this process)

import cellax  # noqa: E402
import cellax.numpy as jnp  # noqa: E402
from cellax import lax  # noqa: E402
from cellax.lax import linalg as LL  # noqa: E402
from cellax.test_util import check_grads  # noqa: E402

RNG = np.random.default_rng(3)
A5 = RNG.standard_normal((4, 4)) + 2 * np.eye(4)
TALL = RNG.standard_normal((5, 3))
WIDE = RNG.standard_normal((3, 5))
SPD = A5 @ A5.T + 4 * np.eye(4)
LOWER = np.tril(A5) + 3 * np.eye(4)


@pytest.fixture
def x64():
    cellax.config.update("jax_enable_x64", True)
    yield
    cellax.config.update("jax_enable_x64", False)


def _sym(f):
    return lambda x: f((x + x.T) / 2)


GRADS = {
    "cholesky": (lambda x: LL.cholesky(x), SPD),
    "cholesky_p": (_sym(lambda x: jnp.tril(lax.linalg.cholesky_p.bind(x))), SPD),
    "triangular_solve_a": (lambda a: LL.triangular_solve(a, TALL[:4], left_side=True,
                                                         lower=True), LOWER),
    "triangular_solve_right_t": (lambda a: LL.triangular_solve(a, WIDE[:, :4], lower=True,
                                                               transpose_a=True), LOWER),
    "triangular_solve_b": (lambda b: LL.triangular_solve(LOWER, b, left_side=True, lower=True,
                                                         unit_diagonal=True), TALL[:4]),
    "lu": (lambda x: LL.lu(x)[0], A5),
    "lu_wide": (lambda x: LL.lu(x)[0], WIDE),
    "qr_square": (lambda x: LL.qr(x), A5),
    "qr_tall": (lambda x: LL.qr(x, full_matrices=False), TALL),
    "qr_wide": (lambda x: LL.qr(x), WIDE),
    "eigh": (lambda x: LL.eigh(x)[1], SPD),
    "eigh_vec_proj": (lambda x: jnp.abs(LL.eigh(x)[0]), SPD),
    "svd_s": (lambda x: LL.svd(x, compute_uv=False), TALL),
    "svd_uv": (lambda x: [jnp.abs(t) for t in LL.svd(x, full_matrices=False)], WIDE),
    "eig_w": (lambda x: LL.eig(x, compute_left_eigenvectors=False,
                               compute_right_eigenvectors=False)[0], A5),
    "eig_vr": (lambda x: LL.eig(x, compute_left_eigenvectors=False,
                                enable_eigvec_derivs=True), A5),
    "det": (jnp.linalg.det, A5),
    "det5": (jnp.linalg.det, RNG.standard_normal((5, 5)) + 2 * np.eye(5)),
    "slogdet": (lambda x: jnp.linalg.slogdet(x)[1], A5),
    "inv": (jnp.linalg.inv, A5),
    "solve": (lambda x: jnp.linalg.solve(x, TALL[:4]), A5),
    "solve_b": (lambda b: jnp.linalg.solve(A5, b), TALL[:4]),
    "pinv": (jnp.linalg.pinv, TALL),
    "norm_fro": (jnp.linalg.norm, TALL),
    "norm_nuc": (lambda x: jnp.linalg.norm(x, "nuc"), TALL),
    "norm_2": (lambda x: jnp.linalg.norm(x, 2), WIDE),
    "norm_vec3": (lambda x: jnp.linalg.norm(x, 3, axis=0), TALL),
}


ORDER2 = {"cholesky", "triangular_solve_a", "lu", "qr_square", "eigh", "svd_s", "det",
          "pinv"}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_check_grads_float64(name, x64):
    f, x = GRADS[name]
    # eig's second derivative needs eigenvector derivatives (an error without opt-in, as
    # in JAX); the rest keep the suite fast.
    order = 2 if name in ORDER2 else 1
    check_grads(f, (jnp.asarray(x),), order=order, modes=("fwd", "rev"), atol=1e-4,
                rtol=1e-4)


def test_check_grads_float32():
    check_grads(lambda x: LL.cholesky(x), (jnp.asarray(SPD, jnp.float32),), order=1,
                modes=("fwd", "rev"), atol=5e-2, rtol=5e-2)
    check_grads(jnp.linalg.inv, (jnp.asarray(A5, jnp.float32),), order=1,
                modes=("fwd", "rev"), atol=5e-2, rtol=5e-2)


def _batched(shape, spd=False):
    x = RNG.standard_normal((3, *shape))
    if spd:
        x = x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])
    return jnp.asarray(x, jnp.float32)


VMAPS = {
    "cholesky": (lambda x: LL.cholesky(x), _batched((3, 3), True)),
    "triangular_solve": (lambda a, b: LL.triangular_solve(a, b, left_side=True, lower=True),
                         _batched((3, 3), True), _batched((3, 2))),
    "triangular_solve_a_unbatched": (lambda b: LL.triangular_solve(
        jnp.asarray(LOWER[:3, :3], jnp.float32), b, left_side=True, lower=True),
        _batched((3, 2))),
    "triangular_solve_right_unbatched": (lambda b: LL.triangular_solve(
        jnp.asarray(LOWER[:3, :3], jnp.float32), b, left_side=False, lower=True),
        _batched((2, 3))),
    "lu": (LL.lu, _batched((4, 3))),
    "lu_pivots_to_permutation": (lambda p: LL.lu_pivots_to_permutation(p, 4),
                                 jnp.asarray([[1, 2, 2], [3, 1, 2], [0, 1, 2]], jnp.int32)),
    "qr": (LL.qr, _batched((4, 3))),
    "eigh": (LL.eigh, _batched((3, 3), True)),
    "svd": (LL.svd, _batched((3, 4))),
    "eig": (LL.eig, _batched((3, 3))),
    "solve": (jnp.linalg.solve, _batched((3, 3), True), _batched((3,))),
    "det": (jnp.linalg.det, _batched((4, 4))),
}


@pytest.mark.parametrize("name", sorted(VMAPS))
def test_vmap_matches_loop(name):
    f, *args = VMAPS[name]
    got = cellax.vmap(f)(*args)
    want = [f(*[a[i] for a in args]) for i in range(3)]
    got_l = cellax.tree_util.tree_leaves(got)
    want_l = [cellax.tree_util.tree_leaves(w) for w in want]
    assert len(got_l) == len(want_l[0])
    for j, g in enumerate(got_l):
        stacked = np.stack([np.asarray(w[j]) for w in want_l])
        np.testing.assert_allclose(np.asarray(g), stacked, rtol=1e-5, atol=1e-5)


def test_vmap_of_grad_and_in_axes():
    xs = _batched((3, 3), True)
    g = cellax.vmap(cellax.grad(lambda x: jnp.linalg.slogdet(x)[1]))(xs)
    for i in range(3):
        np.testing.assert_allclose(np.asarray(g[i]),
                                   np.linalg.inv(np.asarray(xs[i])).T, rtol=1e-4, atol=1e-4)
    out = cellax.vmap(LL.cholesky, in_axes=2, out_axes=1)(jnp.moveaxis(xs, 0, 2))
    np.testing.assert_allclose(np.asarray(jnp.moveaxis(out, 1, 0)),
                               np.linalg.cholesky(np.asarray(xs)), rtol=1e-5, atol=1e-5)


def test_jit_matches_eager_and_jaxpr_params():
    a = jnp.asarray(TALL, jnp.float32)
    for f in (lambda x: LL.qr(x), lambda x: LL.svd(x), lambda x: LL.lu(x),
              lambda x: jnp.linalg.pinv(x)):
        for e, j in zip(cellax.tree_util.tree_leaves(f(a)),
                        cellax.tree_util.tree_leaves(cellax.jit(f)(a))):
            np.testing.assert_allclose(np.asarray(e), np.asarray(j), rtol=1e-6, atol=1e-6)
    text = str(cellax.make_jaxpr(lambda x: LL.svd(x))(a))
    assert "svd[\n      algorithm=None\n      compute_uv=True\n      full_matrices=True" in text
    text = str(cellax.make_jaxpr(lambda x: LL.qr(x))(a))
    assert "qr[full_matrices=True pivoting=False use_magma=None]" in text
    text = str(cellax.make_jaxpr(lambda x: LL.eigh(x))(jnp.eye(3)))
    assert "lower=True" in text and "sort_eigenvalues=True" in text


def test_failures_give_nans_and_errors():
    bad = -jnp.eye(3)
    assert np.isnan(np.tril(np.asarray(LL.cholesky(bad)))[np.tril_indices(3)]).all()
    assert np.isnan(np.asarray(lax.linalg.cholesky_p.bind(bad))).all()
    with pytest.raises(ValueError, match="square"):
        LL.cholesky(jnp.ones((2, 3)), symmetrize_input=False)
    with pytest.raises(TypeError, match="rank at least 2"):
        LL.lu(jnp.ones(3))
    with pytest.raises(TypeError, match="does not accept dtype int32"):
        LL.qr(jnp.ones((2, 2), jnp.int32))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        LL.triangular_solve(jnp.eye(3), jnp.ones((2, 2)), left_side=True)
    with pytest.raises(NotImplementedError, match="enable_eigvec_derivs"):
        cellax.jvp(lambda x: LL.eig(x)[1], (jnp.eye(2),), (jnp.eye(2),))


def test_namespaces():
    import cellax.numpy.linalg as nl
    assert nl is jnp.linalg and cellax.lax.linalg is LL
    names = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
             "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power",
             "matrix_rank", "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr",
             "slogdet", "solve", "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve",
             "trace", "vecdot", "vector_norm"]
    assert all(callable(getattr(nl, n)) for n in names) and len(names) == 31
    for n in ["cholesky", "triangular_solve", "lu", "lu_pivots_to_permutation", "qr", "eigh",
              "svd", "eig"]:
        assert callable(getattr(LL, n)) and hasattr(LL, n + "_p")
