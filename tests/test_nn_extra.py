"""`cellax.nn`: log1mexp, logmeanexp, dot_product_attention and the block-scaled matmul
entry points, against the reference JAX (values, dtypes, shapes, gradients, errors)."""
from __future__ import annotations

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import nn
from cellax.test_util import check_grads

SETUP = r"""
import numpy as np
_rng = np.random.RandomState(0)
X = np.array([1e-7, 1e-3, 0.1, 0.5, 0.69, 0.6931472, 0.7, 1.0, 3.0, 20.0, 100.0,
              0.0, np.inf, -1.0], np.float32)
M = _rng.randn(3, 4).astype(np.float32)
W = M > -0.3
W[1] = False
Q = _rng.randn(2, 5, 4, 3).astype(np.float32)
K = _rng.randn(2, 6, 4, 3).astype(np.float32)
V = _rng.randn(2, 6, 4, 3).astype(np.float32)
K2 = K[:, :, :2]
V2 = V[:, :, :2]
K1 = K[:, :, :1]
V1 = V[:, :, :1]
BIAS = _rng.randn(2, 4, 5, 6).astype(np.float32)
BIAS1 = _rng.randn(1, 1, 5, 6).astype(np.float32)
MASK = _rng.rand(2, 4, 5, 6) > 0.3
MASK1 = _rng.rand(1, 1, 5, 6) > 0.3
QL = np.array([3, 5], np.int32)
KL = np.array([6, 2], np.int32)
"""

ATT = "nn.dot_product_attention"
CASES = [
    ("log1mexp", "lambda x: nn.log1mexp(x)", "(X,)"),
    ("log1mexp_x64", "lambda x: nn.log1mexp(x.astype(np.float64))", "(X,)"),
    ("log1mexp_int", "lambda x: nn.log1mexp(x)", "(np.array([1, 2, 5], np.int32),)"),
    ("log1mexp_scalar", "lambda: nn.log1mexp(2.0)", "()"),
    ("logmeanexp", "lambda x: nn.logmeanexp(x)", "(M,)"),
    ("logmeanexp_axis", "lambda x: nn.logmeanexp(x, axis=1)", "(M,)"),
    ("logmeanexp_axes_keep", "lambda x: nn.logmeanexp(x, axis=(0, 1), keepdims=True)",
     "(M,)"),
    ("logmeanexp_axis0_keep", "lambda x: nn.logmeanexp(x, axis=0, keepdims=True)", "(M,)"),
    ("logmeanexp_where", "lambda x, w: nn.logmeanexp(x, axis=1, where=w)", "(M, W)"),
    ("logmeanexp_where_all", "lambda x, w: nn.logmeanexp(x, where=w)", "(M, W)"),
    ("logmeanexp_x64", "lambda x: nn.logmeanexp(x.astype(np.float64), axis=0)", "(M,)"),
    ("logmeanexp_int", "lambda: nn.logmeanexp(np.array([1, 2, 3], np.int32))", "()"),
    ("att", f"lambda q, k, v: {ATT}(q, k, v)", "(Q, K, V)"),
    ("att_3d", f"lambda q, k, v: {ATT}(q[0], k[0], v[0])", "(Q, K, V)"),
    ("att_gqa", f"lambda q, k, v: {ATT}(q, k, v)", "(Q, K2, V2)"),
    ("att_mqa", f"lambda q, k, v: {ATT}(q, k, v)", "(Q, K1, V1)"),
    ("att_scale", f"lambda q, k, v: {ATT}(q, k, v, scale=0.25)", "(Q, K, V)"),
    ("att_bias", f"lambda q, k, v, b: {ATT}(q, k, v, bias=b)", "(Q, K, V, BIAS)"),
    ("att_bias_gqa", f"lambda q, k, v, b: {ATT}(q, k, v, b)", "(Q, K2, V2, BIAS)"),
    ("att_bias_bcast", f"lambda q, k, v, b: {ATT}(q, k, v, b)", "(Q, K2, V2, BIAS1)"),
    ("att_bias_3d", f"lambda q, k, v, b: {ATT}(q, k, v, b[0])", "(Q, K, V, BIAS)"),
    ("att_mask", f"lambda q, k, v, m: {ATT}(q, k, v, mask=m)", "(Q, K, V, MASK)"),
    ("att_mask_gqa", f"lambda q, k, v, m: {ATT}(q, k, v, mask=m)", "(Q, K2, V2, MASK1)"),
    ("att_causal", f"lambda q, k, v: {ATT}(q, k, v, is_causal=True)", "(Q, K, V)"),
    ("att_causal_bias_mask", f"lambda q, k, v, b, m: {ATT}(q, k, v, b, m, is_causal=True)",
     "(Q, K2, V2, BIAS, MASK)"),
    ("att_qlen", f"lambda q, k, v, l: {ATT}(q, k, v, query_seq_lengths=l)", "(Q, K, V, QL)"),
    ("att_kvlen", f"lambda q, k, v, l: {ATT}(q, k, v, key_value_seq_lengths=l)",
     "(Q, K, V, KL)"),
    ("att_both_len", f"lambda q, k, v, a, b: {ATT}(q, k, v, query_seq_lengths=a, "
     "key_value_seq_lengths=b, is_causal=True)", "(Q, K, V, QL, KL)"),
    ("att_window", f"lambda q, k, v: {ATT}(q, k, v, local_window_size=1)", "(Q, K, V)"),
    ("att_window_tuple", f"lambda q, k, v: {ATT}(q, k, v, local_window_size=(2, 0), "
     "is_causal=True)", "(Q, K2, V2)"),
    ("att_xla", f"lambda q, k, v: {ATT}(q, k, v, implementation='xla')", "(Q, K, V)"),
    ("att_residual", f"lambda q, k, v, m: {ATT}(q, k, v, mask=m, return_residual=True)",
     "(Q, K, V, MASK)"),
    ("att_residual_3d", f"lambda q, k, v: {ATT}(q[1], k[1], v[1], return_residual=True)",
     "(Q, K2, V2)"),
    ("att_bf16", f"lambda q, k, v: {ATT}(q.astype(jnp.bfloat16), k.astype(jnp.bfloat16), "
     "v.astype(jnp.bfloat16))", "(Q, K, V)"),
    ("att_f16_gqa", f"lambda q, k, v: {ATT}(q.astype(np.float16), k.astype(np.float16), "
     "v.astype(np.float16), is_causal=True)", "(Q, K2, V2)"),
    ("att_x64", f"lambda q, k, v, b: {ATT}(q.astype(np.float64), k.astype(np.float64), "
     "v.astype(np.float64), b)", "(Q, K, V, BIAS)"),
    ("sdg_none", "lambda a, b: nn.scaled_dot_general(a, b, (((2,), (2,)), ((0,), (0,))))",
     "(Q[:, :, 0], K[:, :, 0])"),
    ("sdg_none_bf16", "lambda a, b: nn.scaled_dot_general(a, b, (((1,), (0,)), ((), ())), "
     "preferred_element_type=jnp.bfloat16)", "(M, M.T)"),
]
X64_CASES = {"log1mexp_x64", "logmeanexp_x64", "att_x64"}

GRAD_CASES = [
    ("g_log1mexp", "lambda x: jnp.sum(nn.log1mexp(x) * jnp.arange(4.0))",
     "(np.array([0.01, 0.6, 0.8, 5.0], np.float32),)"),
    ("g_logmeanexp", "lambda x: jnp.sum(nn.logmeanexp(x, axis=0) * jnp.arange(4.0))", "(M,)"),
    ("g_logmeanexp_where", "lambda x, w: nn.logmeanexp(x, where=w)", "(M, W)"),
    ("g_att_q", f"lambda q, k, v, b: jnp.sum({ATT}(q, k, v, b, is_causal=True) ** 2)",
     "(Q, K2, V2, BIAS)"),
    ("g_att_kvb", f"lambda k, v, b, q, m: jnp.sum(jnp.sin({ATT}(q, k, v, b, m, "
     "key_value_seq_lengths=np.array([4, 6], np.int32))))", "(K2, V2, BIAS1, Q, MASK)"),
]
GRAD_ARGNUMS = {"g_att_kvb": (0, 1, 2)}

ERROR_CASES = {
    "cudnn": f"{ATT}(Q, K, V, implementation='cudnn')",
    "bad_impl": f"{ATT}(Q, K, V, implementation='flash')",
    "dtype_mismatch": f"{ATT}(Q, K.astype(np.float16), V)",
    "value_shape": f"{ATT}(Q, K, V[:, :5])",
    "query_dim": f"{ATT}(Q[..., :2], K, V)",
    "heads": f"{ATT}(Q[:, :, :3], K2, V2)",
    "mask_dtype": f"{ATT}(Q, K, V, mask=MASK.astype(np.int32))",
    "bias_rank": f"{ATT}(Q, K, V, bias=np.zeros((1, 1, 1, 5, 6), np.float32))",
    "qlen_dtype": f"{ATT}(Q, K, V, query_seq_lengths=QL.astype(np.float32))",
    "kvlen_shape": f"{ATT}(Q, K, V, key_value_seq_lengths=np.array([1, 2, 3], np.int32))",
    "log1mexp_list": "nn.log1mexp([1.0])",
    "config_mode": "nn.get_scaled_dot_general_config('fp8')",
}

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
import jax.nn as nn
exec(SETUP)

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    weak = bool(getattr(x, "weak_type", False))
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" or str(x.dtype) == "bfloat16" else x
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}

out = {"cases": {}, "errors": {}, "grads": {}}
for name, fn, args in CASES:
    jax.config.update("jax_enable_x64", name in X64)
    out["cases"][name] = encode(eval(fn)(*eval(args)))
    jax.config.update("jax_enable_x64", False)
for name, expr in ERRORS.items():
    try:
        eval(expr)
        out["errors"][name] = None
    except Exception as e:
        out["errors"][name] = [type(e).__name__, str(e)]
for name, fn, args in GRADS:
    out["grads"][name] = encode(jax.grad(eval(fn), ARGNUMS.get(name, 0))(*eval(args)))
cfg = nn.get_scaled_dot_general_config("nvfp4")
cfg8 = nn.get_scaled_dot_general_config("mxfp8")
out["configs"] = [[c.mode, c.block_size, np.dtype(c.data_type).name,
                   np.dtype(c.scale_type).name, None if c.global_scale is None else
                   np.asarray(c.global_scale).tolist(), c.infer_only] for c in (cfg, cfg8)]
print(json.dumps(out))
"""


def _namespace():
    ns = {"jax": jax, "jnp": jnp, "np": np, "nn": nn}
    exec(SETUP, ns)
    return ns


@pytest.fixture(scope="module")
def reference(oracle):
    code = (f"SETUP = {SETUP!r}\nCASES = {CASES!r}\nX64 = {X64_CASES!r}\n"
            f"ERRORS = {ERROR_CASES!r}\nGRADS = {GRAD_CASES!r}\nARGNUMS = {GRAD_ARGNUMS!r}\n"
            + _ORACLE)
    return oracle(code)


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    weak = bool(x.aval.weak_type) if hasattr(x, "aval") else False
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" or str(x.dtype) == "bfloat16" else x
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}


def _assert_same(got, want, where, tol=None):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for k, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{k}]", tol)
        return
    assert (got["dtype"], got["shape"], got["weak"]) == \
        (want["dtype"], want["shape"], want["weak"]), (where, got, want)
    if tol is None:
        tol = {"float16": 3e-3, "bfloat16": 2e-2, "float64": 1e-12}.get(want["dtype"], 2e-6)
    np.testing.assert_allclose(np.array(got["values"], np.float64),
                               np.array(want["values"], np.float64), rtol=tol, atol=tol,
                               equal_nan=True, err_msg=where)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in CASES if n == name)
    ns = _namespace()
    jax.config.update("jax_enable_x64", name in X64_CASES)
    try:
        fn, args = eval(fn_src, ns), eval(args_src, ns)
        want = reference["cases"][name]
        _assert_same(_encode(fn(*args)), want, f"{name} (eager)")
        _assert_same(_encode(jax.jit(fn)(*args)), want, f"{name} (jit)")
    finally:
        jax.config.update("jax_enable_x64", False)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [c[0] for c in GRAD_CASES])
def test_grad_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in GRAD_CASES if n == name)
    ns = _namespace()
    got = jax.grad(eval(fn_src, ns), GRAD_ARGNUMS.get(name, 0))(*eval(args_src, ns))
    _assert_same(_encode(got), reference["grads"][name], f"grad {name}", tol=2e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], _namespace())
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)
    if name != "log1mexp_list":  # JAX names jaxlib's list type differently
        assert str(info.value) == want[1], name


@pytest.mark.oracle
def test_scaled_dot_general_configs_match_jax(reference):
    got = []
    for mode in ("nvfp4", "mxfp8"):
        c = nn.get_scaled_dot_general_config(mode)
        got.append([c.mode, c.block_size, np.dtype(c.data_type).name,
                    np.dtype(c.scale_type).name,
                    None if c.global_scale is None else np.asarray(c.global_scale).tolist(),
                    c.infer_only])
    assert got == reference["configs"]
    scale = jnp.array([0.5], jnp.float32)
    assert nn.get_scaled_dot_general_config("nvfp4", scale).global_scale is scale


def test_scaled_matmul_by_its_definition():
    rng = np.random.RandomState(3)
    a, b = rng.randn(2, 3, 8).astype(np.float32), rng.randn(2, 4, 8).astype(np.float32)
    sa, sb = rng.rand(2, 3, 2).astype(np.float32), rng.rand(2, 4, 4).astype(np.float32)
    want = np.einsum("bmk,bnk->bmn", a * np.repeat(sa, 4, -1), b * np.repeat(sb, 2, -1))
    got = nn.scaled_matmul(a, b, sa, sb)
    assert got.dtype == np.float32 and got.shape == (2, 3, 4)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    got16 = jax.jit(nn.scaled_matmul, static_argnames="preferred_element_type")(
        a, b, sa, sb, preferred_element_type=jnp.bfloat16)
    assert got16.dtype == jnp.bfloat16
    with pytest.raises(ValueError, match="dividing"):
        nn.scaled_matmul(a, b, sa[..., :1].repeat(3, -1), sb)
    with pytest.raises(NotImplementedError):
        nn.scaled_dot_general(a, b, (((2,), (2,)), ((0,), (0,))),
                              configs=[nn.get_scaled_dot_general_config("mxfp8")] * 3)


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def test_check_grads_log1mexp_logmeanexp(x64):
    x = np.array([0.05, 0.5, 0.9, 4.0])
    check_grads(nn.log1mexp, (x,), order=2, modes=("fwd", "rev"))
    m = np.random.RandomState(2).randn(3, 4)
    check_grads(lambda v: nn.logmeanexp(v, axis=1), (m,), order=2, modes=("fwd", "rev"))


def test_check_grads_attention():
    # The softmax runs in float32 whatever the input dtype (as in JAX), so finite
    # differences are taken at float32 precision.
    rng = np.random.RandomState(4)
    q, k, v = (rng.randn(1, 3, 2, 2).astype(np.float32), rng.randn(1, 4, 1, 2).astype(
        np.float32), rng.randn(1, 4, 1, 2).astype(np.float32))
    bias = rng.randn(1, 2, 3, 4).astype(np.float32)
    f = lambda q, k, v, b: nn.dot_product_attention(  # noqa: E731
        q, k, v, b, is_causal=True, local_window_size=(2, 1))
    check_grads(f, (q, k, v, bias), order=2, modes=("fwd", "rev"))


def test_attention_vmap_matches_loop():
    rng = np.random.RandomState(5)
    q = rng.randn(3, 4, 2, 2).astype(np.float32)
    k = rng.randn(3, 5, 2, 2).astype(np.float32)
    f = lambda q, k: nn.dot_product_attention(q, k, k, is_causal=True)  # noqa: E731
    got = np.asarray(jax.vmap(f)(q, k))
    want = np.stack([np.asarray(f(q[i], k[i])) for i in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
