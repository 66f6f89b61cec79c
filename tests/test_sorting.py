"""Sorting, top-k and order statistics against the reference JAX.

`lax.sort`/`sort_key_val`/`top_k`/`approx_max_k`/`approx_min_k` and `jnp.sort`/`argsort`/
`lexsort`/`partition`/`argpartition`/`sort_complex`/`searchsorted` and the quantile family
run once under the reference JAX (one oracle subprocess for the module) and here, eagerly
and under `jit`. Values (NaNs equal, and the sign of zeros, so that -0.0/0.0 order shows),
dtypes, weak types and shapes must agree; so must exception types for bad input and the
`make_jaxpr` text. Derivatives are checked numerically (`check_grads`, order 2, fwd+rev,
x64) and `vmap` against a Python loop.
"""
from __future__ import annotations

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads
from conftest import cached_oracle

SETUP = r"""
import numpy as np
_rng = np.random.RandomState(0)
FN = np.array([3., np.nan, -0., 0., -np.inf, 1., np.nan, np.inf, -1., 0., -0., 1.],
              np.float32)
F = _rng.randn(3, 5).astype(np.float32)
F3 = _rng.randn(2, 3, 4).astype(np.float32)
FT = np.array([[2., 1., 2., 0.], [1., 1., -0., 0.], [5., 3., 3., 5.]], np.float32)
I = np.array([[5, -5, 7, 0, 5], [3, -8, 2, 9, 3], [-1, 4, 6, -3, 4]], np.int32)
U = np.array([3, 7, 0, 250, 7, 1], np.uint8)
B = np.array([True, False, True, False, False, True])
C = np.array([1 + 2j, 1 - 1j, np.nan, -1j, 1 + 2j, 0, complex(0, np.nan), -0. + 0j],
             np.complex64)
E = np.zeros((0,), np.float32)
E2 = np.zeros((0, 3), np.float32)
H = F.astype(np.float16)
NM = np.array([[1., np.nan, 3., 2.], [np.nan, np.nan, np.nan, np.nan],
               [2., -1., np.nan, 0.5]], np.float32)
Q = np.array([0., 0.1, 0.5, 0.77, 1.], np.float32)
SRT = np.array([-1., 0., 0.5, 2., 2., 7., np.nan], np.float32)
K1 = np.array([1, 0, 1, 0, 1, 0], np.int32)
K2 = np.array([3., 2., 1., 3., np.nan, -0.], np.float32)
W = np.array([1., 2., 0., 1., 3.], np.float32)
"""

CASES: list[tuple[str, str, str]] = [
    # --- lax.sort ----------------------------------------------------------------------
    ("lax_sort_nan", "lambda x: lax.sort(x)", "(FN,)"),
    ("lax_sort_2d_dim0", "lambda x: lax.sort(x, dimension=0)", "(F,)"),
    ("lax_sort_unstable", "lambda x: lax.sort(x, is_stable=False)", "(F3,)"),
    ("lax_sort_int", "lambda x: lax.sort(x)", "(I,)"),
    ("lax_sort_uint8", "lambda x: lax.sort(x)", "(U,)"),
    ("lax_sort_bool", "lambda x: lax.sort(x)", "(B,)"),
    ("lax_sort_complex", "lambda x: lax.sort(x)", "(C,)"),
    ("lax_sort_f16", "lambda x: lax.sort(x, dimension=0)", "(H,)"),
    ("lax_sort_empty", "lambda x: lax.sort(x)", "(E,)"),
    ("lax_sort_empty2", "lambda x: lax.sort(x, dimension=0)", "(E2,)"),
    ("lax_sort_tuple", "lambda x, y: lax.sort((x, y))", "(FN, np.arange(12, dtype=np.int32))"),
    ("lax_sort_num_keys", "lambda x, y, z: lax.sort((x, y, z), num_keys=2)",
     "(K1, K2, np.arange(6.0, dtype=np.float32))"),
    ("lax_sort_three_keys", "lambda x: lax.sort((x[0], x[1], x[2]), num_keys=3)", "(FT,)"),
    ("lax_sort_weak", "lambda x: lax.sort(lax.full((3,), 2.0) - x)", "(1.5,)"),
    ("sort_key_val", "lambda k, v: lax.sort_key_val(k, v)", "(FN, np.arange(12.0))"),
    ("sort_key_val_dim", "lambda k, v: lax.sort_key_val(k, v, dimension=0)", "(FT, FT * 2)"),
    # --- top_k / approx ----------------------------------------------------------------
    ("top_k", "lambda x: lax.top_k(x, 3)", "(F,)"),
    ("top_k_ties", "lambda x: lax.top_k(x, 4)", "(FT,)"),
    ("top_k_nan", "lambda x: lax.top_k(x, 5)", "(FN,)"),
    ("top_k_axis0", "lambda x: lax.top_k(x, 2, axis=0)", "(F3,)"),
    ("top_k_int", "lambda x: lax.top_k(x, 2)", "(I,)"),
    ("top_k_uint8", "lambda x: lax.top_k(x, 6)", "(U,)"),
    ("top_k_bool", "lambda x: lax.top_k(x, 3)", "(B,)"),
    ("top_k_zero", "lambda x: lax.top_k(x, 0)", "(F,)"),
    ("approx_max_k", "lambda x: lax.approx_max_k(x, 2)", "(F,)"),
    ("approx_min_k", "lambda x: lax.approx_min_k(x, 2, reduction_dimension=0)", "(F3,)"),
    ("approx_ties", "lambda x: (lax.approx_max_k(x, 3), lax.approx_min_k(x, 3))", "(FT,)"),
    # --- jnp.sort / argsort ------------------------------------------------------------
    ("sort_nan", "lambda x: jnp.sort(x)", "(FN,)"),
    ("sort_desc", "lambda x: jnp.sort(x, descending=True)", "(FN,)"),
    ("sort_axis0", "lambda x: jnp.sort(x, axis=0)", "(F3,)"),
    ("sort_axis_none", "lambda x: jnp.sort(x, axis=None)", "(I,)"),
    ("sort_unstable", "lambda x: jnp.sort(x, stable=False, axis=1)", "(F3,)"),
    ("sort_bool", "lambda x: jnp.sort(x)", "(B,)"),
    ("sort_uint8", "lambda x: jnp.sort(x, descending=True)", "(U,)"),
    ("sort_complex_in", "lambda x: jnp.sort(x)", "(C,)"),
    ("sort_empty", "lambda x: jnp.sort(x, axis=0)", "(E2,)"),
    ("sort_scalar_none", "lambda x: jnp.sort(x, axis=None)", "(np.float32(2.0),)"),
    ("sort_method", "lambda x: jnp.asarray(x).sort(axis=0)", "(I,)"),
    ("argsort_nan", "lambda x: jnp.argsort(x)", "(FN,)"),
    ("argsort_desc", "lambda x: jnp.argsort(x, descending=True)", "(FN,)"),
    ("argsort_desc_unstable_ties", "lambda x: jnp.argsort(x, descending=True, stable=False)",
     "(np.array([1., 1., 1.], np.float32),)"),
    ("argsort_ties", "lambda x: jnp.argsort(x, axis=1)", "(FT,)"),
    ("argsort_desc_ties", "lambda x: jnp.argsort(x, axis=1, descending=True)", "(FT,)"),
    ("argsort_axis0", "lambda x: jnp.argsort(x, axis=0)", "(I,)"),
    ("argsort_none", "lambda x: jnp.argsort(x, axis=None)", "(F3,)"),
    ("argsort_bool", "lambda x: jnp.argsort(x)", "(B,)"),
    ("argsort_complex", "lambda x: jnp.argsort(x)", "(C,)"),
    ("argsort_dtype", "lambda x: jnp.argsort(x, dtype=np.int16)", "(U,)"),
    ("argsort_empty", "lambda x: jnp.argsort(x)", "(E,)"),
    ("argsort_method", "lambda x: jnp.asarray(x).argsort(descending=True)", "(U,)"),
    ("lexsort", "lambda a, b: jnp.lexsort((a, b))", "(K2, K1)"),
    ("lexsort_2d", "lambda x: jnp.lexsort(x)", "(FT,)"),
    ("lexsort_axis0", "lambda x: jnp.lexsort([x, -x], axis=0)", "(I,)"),
    ("lexsort_scalar", "lambda x: jnp.lexsort([x])", "(np.float32(1),)"),
    ("partition", "lambda x: jnp.partition(x, 2)", "(F,)"),
    ("partition_neg_kth", "lambda x: jnp.partition(x, -1, axis=0)", "(F3,)"),
    ("partition_int", "lambda x: jnp.partition(x, 1)", "(I,)"),
    ("partition_uint8", "lambda x: jnp.partition(x, 3)", "(U,)"),
    ("argpartition", "lambda x: jnp.argpartition(x, 2)", "(F,)"),
    ("argpartition_axis0", "lambda x: jnp.argpartition(x, 1, axis=0)", "(F3,)"),
    ("argpartition_uint8", "lambda x: jnp.argpartition(x, 2)", "(U,)"),
    ("sort_complex_f", "lambda x: jnp.sort_complex(x)", "(F,)"),
    ("sort_complex_int", "lambda x: jnp.sort_complex(x)", "(I,)"),
    ("sort_complex_c", "lambda x: jnp.sort_complex(x)", "(C,)"),
    ("searchsorted", "lambda a, v: (jnp.searchsorted(a, v), jnp.searchsorted(a, v, 'right'))",
     "(SRT, FN)"),
    ("searchsorted_sorter", "lambda a, v: jnp.searchsorted(a, v, sorter=jnp.argsort(a))",
     "(K2, FN)"),
    # --- quantiles ---------------------------------------------------------------------
    ("median", "lambda x: jnp.median(x)", "(F,)"),
    ("median_axis", "lambda x: (jnp.median(x, axis=0), jnp.median(x, axis=-1))", "(F3,)"),
    ("median_axes_keep", "lambda x: jnp.median(x, axis=(0, 2), keepdims=True)", "(F3,)"),
    ("median_int", "lambda x: jnp.median(x, axis=1)", "(I,)"),
    ("median_bool", "lambda x: jnp.median(x)", "(B,)"),
    ("median_nan", "lambda x: jnp.median(x, axis=1)", "(NM,)"),
    ("median_f16", "lambda x: jnp.median(x, axis=0)", "(H,)"),
    ("median_keep_none", "lambda x: jnp.median(x, keepdims=True)", "(F3,)"),
    ("nanmedian", "lambda x: (jnp.nanmedian(x), jnp.nanmedian(x, axis=1))", "(NM,)"),
    ("nanmedian_keep", "lambda x: jnp.nanmedian(x, axis=0, keepdims=True)", "(NM,)"),
    ("quantile_linear", "lambda x, q: jnp.quantile(x, q, axis=1)", "(F, Q)"),
    ("quantile_lower", "lambda x, q: jnp.quantile(x, q, axis=1, method='lower')", "(F, Q)"),
    ("quantile_higher", "lambda x, q: jnp.quantile(x, q, method='higher')", "(F3, Q)"),
    ("quantile_midpoint", "lambda x, q: jnp.quantile(x, q, axis=0, method='midpoint')",
     "(F3, Q)"),
    ("quantile_nearest", "lambda x: jnp.quantile(x, np.float32(0.5), method='nearest')",
     "(np.arange(6, dtype=np.float32),)"),
    ("quantile_nearest_q", "lambda x, q: jnp.quantile(x, q, axis=-1, method='nearest')",
     "(F, Q)"),
    ("quantile_icdf", "lambda x, q: jnp.quantile(x, q, axis=1, method='inverted_cdf')",
     "(F, Q)"),
    ("quantile_icdf_w", "lambda x, w: jnp.quantile(x, 0.4, method='inverted_cdf', weights=w)",
     "(np.arange(5.0, dtype=np.float32), W)"),
    ("quantile_icdf_w_axis",
     "lambda x, w: jnp.quantile(x, np.array([0.2, 0.9], np.float32), axis=1,"
     " method='inverted_cdf', weights=w)", "(F, W)"),
    ("quantile_keepdims_q", "lambda x, q: jnp.quantile(x, q, axis=(1,), keepdims=True)",
     "(F3, Q)"),
    ("quantile_int", "lambda x: jnp.quantile(x, 0.3)", "(I,)"),
    ("quantile_scalar_q", "lambda x: jnp.quantile(x, 0.25, axis=1)", "(F,)"),
    ("quantile_nan_row", "lambda x: jnp.quantile(x, 0.25, axis=1)", "(NM,)"),
    ("nanquantile", "lambda x, q: jnp.nanquantile(x, q, axis=1)", "(NM, Q)"),
    ("nanquantile_methods",
     "lambda x: [jnp.nanquantile(x, 0.4, axis=1, method=m) for m in "
     "('lower', 'higher', 'midpoint', 'nearest', 'inverted_cdf')]", "(NM,)"),
    ("nanquantile_none", "lambda x: jnp.nanquantile(x, 0.5)", "(NM,)"),
    ("percentile", "lambda x: jnp.percentile(x, 30, axis=1)", "(F,)"),
    ("percentile_q", "lambda x, q: jnp.percentile(x, q * 100, axis=(0, 2))", "(F3, Q)"),
    ("percentile_int_q", "lambda x: jnp.percentile(x, np.array([10, 90]))", "(I,)"),
    ("nanpercentile", "lambda x: jnp.nanpercentile(x, 75, axis=1, keepdims=True)", "(NM,)"),
]

# Bad inputs: the exception type must match JAX's.
ERROR_CASES = {
    "sort_num_keys": "lax.sort(F, num_keys=2)",
    "sort_tuple_num_keys": "lax.sort((F, F), num_keys=3)",
    "sort_empty_tuple": "lax.sort(())",
    "sort_shapes": "lax.sort((F, F3))",
    "sort_dim": "lax.sort(F, dimension=2)",
    "jnp_sort_axis": "jnp.sort(F, axis=3)",
    "jnp_sort_kind": "jnp.sort(F, kind='quicksort')",
    "jnp_argsort_order": "jnp.argsort(F, order='x')",
    "jnp_sort_list": "jnp.sort([3, 1, 2])",
    "top_k_big": "lax.top_k(F, 6)",
    "top_k_neg": "lax.top_k(F, -1)",
    "top_k_complex": "lax.top_k(C, 1)",
    "top_k_scalar": "lax.top_k(np.float32(1), 1)",
    "approx_int": "lax.approx_max_k(I, 1)",
    "approx_k0": "lax.approx_max_k(F, 0)",
    "lexsort_empty": "jnp.lexsort(())",
    "lexsort_shapes": "jnp.lexsort((F, F3))",
    "partition_complex": "jnp.partition(C, 1)",
    "partition_kth": "jnp.partition(F, 7)",
    "quantile_method": "jnp.quantile(F, 0.5, method='bogus')",
    "quantile_complex": "jnp.quantile(C, 0.5)",
    "quantile_q_rank": "jnp.quantile(F, np.ones((2, 2), np.float32))",
    "quantile_out": "jnp.quantile(F, 0.5, overwrite_input=True)",
    "quantile_repeated": "jnp.quantile(F3, 0.5, axis=(0, 0))",
    "quantile_weights_method": "jnp.quantile(F, 0.5, weights=F)",
    "quantile_weights_shape": "jnp.quantile(F, 0.5, axis=1, method='inverted_cdf', "
                              "weights=np.ones(3, np.float32))",
    "median_axis": "jnp.median(F, axis=2)",
}

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
from jax import lax
exec(SETUP)

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    weak = bool(getattr(x, "weak_type", False))
    x = np.asarray(x)
    vals = x
    if x.dtype.kind == "f":
        vals = x.astype(np.float64)
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    out = {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
           "values": np.where(np.isnan(vals), None, vals).tolist() if x.dtype.kind in "fc"
           else vals.tolist()}
    if x.dtype.kind in "fc":
        out["sign"] = np.signbit(vals).tolist()
    return out

cases = {}
for name, fn, args in CASES:
    try:
        cases[name] = {"ok": encode(eval(fn)(*eval(args)))}
    except Exception as e:
        cases[name] = {"error": [type(e).__name__, str(e)]}
errors = {}
for name, expr in ERRORS.items():
    try:
        eval(expr)
        errors[name] = None
    except Exception as e:
        errors[name] = [type(e).__name__, str(e)]
jaxprs = {name: str(jax.make_jaxpr(eval(fn))(*eval(args))) for name, fn, args in JAXPRS}
print(json.dumps({"cases": cases, "errors": errors, "jaxprs": jaxprs}))
"""

JAXPR_CASES = [
    ("jnp_sort", "jnp.sort", "(F,)"),
    ("jnp_sort_desc_axis0", "lambda x: jnp.sort(x, axis=0, descending=True)", "(F,)"),
    ("jnp_sort_none", "lambda x: jnp.sort(x, axis=None)", "(F,)"),
    ("jnp_argsort", "jnp.argsort", "(F,)"),
    ("jnp_argsort_desc", "lambda x: jnp.argsort(x, descending=True)", "(FN,)"),
    ("lax_sort", "lax.sort", "(F,)"),
    ("lax_sort_tuple", "lambda x, y: lax.sort((x, y), num_keys=2, is_stable=False)",
     "(F, F)"),
    ("lax_sort_key_val", "lambda x, y: lax.sort_key_val(x, y, dimension=0)", "(F, I)"),
    ("lax_top_k", "lambda x: lax.top_k(x, 2)", "(F,)"),
    ("lax_approx", "lambda x: lax.approx_min_k(x, 2)", "(F,)"),
    ("jnp_sort_complex_in", "jnp.sort", "(C,)"),
    ("jnp_lexsort", "lambda a, b: jnp.lexsort((a, b))", "(K2, K1)"),
]


@pytest.fixture(scope="module")
def reference():
    code = (f"SETUP = {SETUP!r}\nCASES = {CASES!r}\nERRORS = {ERROR_CASES!r}\n"
            f"JAXPRS = {JAXPR_CASES!r}\n" + _ORACLE)
    return cached_oracle(code)


def _namespace():
    ns = {"jax": jax, "jnp": jnp, "lax": lax, "np": np}
    exec(SETUP, ns)
    return ns


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    aval = getattr(x, "aval", None)
    weak = bool(aval.weak_type) if aval is not None else False
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    out = {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape), "values": vals}
    if x.dtype.kind in "fc":
        out["sign"] = np.signbit(vals).tolist()
    return out


def _assert_same(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for k, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{k}]")
        return
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"]), (where, got, want)
    assert got["weak"] == want["weak"], (where, "weak_type", got["weak"], want["weak"])
    if want["dtype"] == "bool" or want["dtype"].startswith(("int", "uint")):
        np.testing.assert_array_equal(got["values"], np.array(want["values"]), err_msg=where)
        return
    w = np.array(want["values"], dtype=object)
    if w.size == 0:
        assert np.asarray(got["values"]).size == 0, where
        return
    w = np.where(w == None, np.nan, w).astype(np.float64)  # noqa: E711
    tol = 2e-3 if want["dtype"] == "float16" else 2e-6
    np.testing.assert_allclose(got["values"], w, rtol=tol, atol=tol, equal_nan=True,
                               err_msg=where)
    # The sign of zeros (and of NaNs) shows whether -0.0/0.0 kept their order.
    finite = np.isfinite(w) & (w == 0)
    assert np.array_equal(np.array(got["sign"])[finite], np.array(want["sign"])[finite]), (
        where, "signs of zeros", got["sign"], want["sign"])


# Value-dependent shapes or Python-level errors: eager only.
_EAGER_ONLY: set = set()


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in CASES if n == name)
    want = reference["cases"][name]
    assert "ok" in want, f"the reference raised for {name}: {want}"
    ns = _namespace()
    fn, args = eval(fn_src, ns), eval(args_src, ns)
    _assert_same(_encode(fn(*args)), want["ok"], f"{name} (eager)")
    if name not in _EAGER_ONLY:
        _assert_same(_encode(jax.jit(fn)(*args)), want["ok"], f"{name} (jit)")


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], _namespace())
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)


@pytest.mark.parametrize("name", [c[0] for c in JAXPR_CASES])
def test_jaxpr_text_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in JAXPR_CASES if n == name)
    ns = _namespace()
    got = str(jax.make_jaxpr(eval(fn_src, ns))(*eval(args_src, ns)))
    assert got == reference["jaxprs"][name]


def test_sort_lowers_to_one_stablehlo_sort_with_total_order():
    text = jax.jit(lambda x: lax.sort(x)).lower(jnp.ones(4)).as_text()
    assert text.count("stablehlo.sort") == 1
    assert "TOTALORDER" in text


def test_top_k_lowers_to_chlo_top_k():
    text = jax.jit(lambda x: lax.top_k(x, 2)).lower(jnp.ones((3, 4))).as_text()
    assert "chlo.top_k" in text


# ---------------------------------------------------------------------------------------
# Derivatives


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


_R = np.random.RandomState(3)
# Distinct values (no ties), so that finite differences see a smooth function.
_X = (np.arange(24.0).reshape(2, 3, 4) * 0.37 % 5.1 + _R.rand(2, 3, 4) * 0.01)

GRAD_FNS = {
    "sort": lambda x: lax.sort(x, dimension=1),
    "sort_multi": lambda x: (lax.sort((x, jnp.sin(x)), dimension=2)[1],
                             lax.sort((jnp.floor(x), x, x * x), num_keys=2)[2]),
    "sort_key_val": lambda x: lax.sort_key_val(x[0], x[1] * 2.0)[1],
    "jnp_sort_desc": lambda x: jnp.sort(x, axis=None, descending=True),
    "top_k": lambda x: (lax.top_k(x, 2)[0], lax.top_k(x, 1, axis=0)[0]),
    "approx_k": lambda x: (lax.approx_max_k(x, 3)[0],
                           lax.approx_min_k(x, 2, reduction_dimension=1)[0]),
    "median": lambda x: jnp.median(x, axis=2),
    "quantiles": lambda x: (jnp.quantile(x, jnp.array([0.2, 0.7]), axis=(0, 2)),
                            jnp.nanquantile(x, 0.3, axis=1)),
    "partition": lambda x: jnp.partition(x, 1),
}


@pytest.mark.parametrize("name", list(GRAD_FNS))
def test_check_grads(name, x64):
    # partition is top_k twice (checked to order 2 above); order 1 keeps this file fast.
    order = 1 if name == "partition" else 2
    check_grads(GRAD_FNS[name], (jnp.asarray(_X),), order=order, modes=("fwd", "rev"))


def test_sort_jvp_permutes_tangents():
    x = jnp.array([3.0, 1.0, 2.0])
    t = jnp.array([10.0, 20.0, 30.0])
    y, ty = jax.jvp(lambda v: lax.sort(v), (x,), (t,))
    np.testing.assert_array_equal(np.asarray(y), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(ty), [20.0, 30.0, 10.0])
    (vals, idx), (tv, _) = jax.jvp(lambda v: lax.top_k(v, 2), (x,), (t,))
    np.testing.assert_array_equal(np.asarray(tv), [10.0, 30.0])
    g = jax.grad(lambda v: jnp.median(v))(jnp.array([4.0, 1.0, 3.0, 2.0]))
    np.testing.assert_allclose(np.asarray(g), [0.0, 0.0, 0.5, 0.5])


# ---------------------------------------------------------------------------------------
# vmap against a Python loop

VMAP_FNS = {
    "sort": lambda v: lax.sort(v, dimension=0),
    "sort_tuple": lambda v: lax.sort((v[0], v[1], v[2]), num_keys=2)[2],
    "sort_key_val_unbatched_vals": lambda v: lax.sort_key_val(
        v[0], jnp.arange(5.0))[1],
    "top_k": lambda v: lax.top_k(v, 2),
    "top_k_axis0": lambda v: lax.top_k(v, 3, axis=0)[1],
    "approx_max_k": lambda v: lax.approx_max_k(v, 2),
    "approx_min_k_dim0": lambda v: lax.approx_min_k(v, 2, reduction_dimension=0)[1],
    "argsort": lambda v: jnp.argsort(v, axis=0, descending=True),
    "median": lambda v: jnp.median(v, axis=1),
    "quantile": lambda v: jnp.quantile(v, jnp.array([0.1, 0.6]), method="nearest"),
    "partition": lambda v: jnp.argpartition(v, 2),
}


@pytest.mark.parametrize("name", list(VMAP_FNS))
@pytest.mark.parametrize("in_axis", [0, 1])
def test_vmap_matches_loop(name, in_axis):
    f = VMAP_FNS[name]
    x = np.round(np.random.RandomState(1).randn(4, 3, 5) * 2).astype(np.float32)
    x[0, 1, 2] = np.nan
    xs = jnp.asarray(np.moveaxis(x, 0, in_axis))
    got = jax.vmap(f, in_axes=in_axis)(xs)
    want = [f(jnp.asarray(x[i])) for i in range(4)]
    got_l = jax.tree_util.tree_leaves(got)
    want_l = [jnp.stack(ws) for ws in zip(*[jax.tree_util.tree_leaves(w) for w in want])]
    for g, w in zip(got_l, want_l):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), equal_nan=True)


def test_vmap_of_grad_of_sort():
    x = jnp.asarray(_X.astype(np.float32))
    got = jax.vmap(jax.grad(lambda v: (lax.sort(v) * jnp.arange(4.0)).sum()))(x[0])
    want = jnp.stack([jax.grad(lambda v: (lax.sort(v) * jnp.arange(4.0)).sum())(x[0, i])
                      for i in range(3)])
    np.testing.assert_allclose(np.asarray(got), np.asarray(want))
