"""Convolutions (`lax.conv_general_dilated` and friends) against the reference JAX.

One oracle subprocess computes every case under JAX: values, dtypes, weak types and
shapes of the convolutions, the shape helpers' Python results, the exception types and
messages of bad calls, `make_jaxpr` text and the StableHLO convolution line, and the
gradients of a small CNN. cellax computes the same cases here (eagerly and under jit).
Autodiff (check_grads, order 2, fwd+rev, x64) and vmap-vs-loop checks run in-process.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads
from conftest import run_oracle

SETUP = r"""
import numpy as np
_r = np.random.RandomState(0)
def rn(*s, dt=np.float32):
    return _r.randn(*s).astype(dt)
X1 = rn(2, 3, 10); K1 = rn(4, 3, 3)
X2 = rn(2, 3, 9, 8); K2 = rn(4, 3, 3, 2)
X2H = rn(2, 9, 8, 3); K2H = rn(3, 2, 3, 4)
XD = rn(2, 4, 7, 7); KD = rn(8, 1, 3, 3); KG = rn(6, 2, 3, 3)
XB = rn(4, 3, 6, 5); KB = rn(6, 3, 3, 2)
X3 = rn(1, 2, 6, 5, 7); K3 = rn(3, 2, 2, 3, 2)
X3H = rn(2, 5, 6, 4, 2); K3H = rn(2, 3, 2, 2, 3)
XI = _r.randint(-5, 5, (2, 3, 6, 6)).astype(np.int32)
KI = _r.randint(-3, 3, (2, 3, 3, 3)).astype(np.int32)
XI8 = XI.astype(np.int8); KI8 = KI.astype(np.int8)
XC = (rn(1, 2, 6, 6) + 1j * rn(1, 2, 6, 6)).astype(np.complex64)
KC = (rn(3, 2, 2, 3) + 1j * rn(3, 2, 2, 3)).astype(np.complex64)
XT = rn(2, 5, 6, 3); KT = rn(3, 3, 3, 4)
KL = rn(4, 3 * 2 * 2, 9, 4); KLH = rn(3 * 3 * 3, 4, 6, 5)
lax = jax.lax
"""

CGD = "lax.conv_general_dilated"
CASES: list[tuple[str, str]] = [
    # 1-D
    ("1d_valid_stride", f"{CGD}(X1, K1, (2,), 'VALID')"),
    ("1d_same_lower_dil", f"{CGD}(X1, K1, (1,), 'SAME_LOWER', rhs_dilation=(2,))"),
    ("1d_same_stride3", f"{CGD}(X1, K1, (3,), 'SAME')"),
    ("1d_nwc", f"{CGD}(X1.transpose(0, 2, 1), K1.transpose(2, 1, 0), (1,), [(2, 1)], "
               "dimension_numbers=('NWC', 'WIO', 'NWC'))"),
    # 2-D
    ("2d_same", f"{CGD}(X2, K2, (1, 2), 'SAME', rhs_dilation=(2, 1))"),
    ("2d_valid", f"{CGD}(X2, K2, (2, 1), 'VALID')"),
    ("2d_nhwc_pads_lhsdil", f"{CGD}(X2H, K2H, (1, 1), [(1, 2), (0, 1)], lhs_dilation=(2, 1), "
                            "dimension_numbers=('NHWC', 'HWIO', 'NHWC'))"),
    ("2d_both_dil_stride", f"{CGD}(X2, K2, (2, 3), [(2, 0), (1, 1)], lhs_dilation=(1, 2), "
                           "rhs_dilation=(2, 2))"),
    ("2d_negative_pad", f"{CGD}(X2, K2, (1, 1), [(-1, 0), (0, -2)])"),
    ("2d_out_nhwc", f"{CGD}(X2, K2, (1, 1), 'SAME', dimension_numbers=('NCHW', 'OIHW', 'NHWC'))"),
    ("2d_odd_layout", f"{CGD}(X2H.transpose(1, 0, 3, 2), K2H.transpose(1, 3, 0, 2), (2, 1), "
                      "'SAME', dimension_numbers=('HNCW', 'WOHI', 'CWNH'))"),
    ("2d_dn_object", f"{CGD}(X2, K2, (1, 1), 'VALID', dimension_numbers="
                     "lax.ConvDimensionNumbers((0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2, 3)))"),
    ("2d_depthwise", f"{CGD}(XD, KD, (1, 1), 'SAME', feature_group_count=4)"),
    ("2d_groups_nhwc", f"{CGD}(XD.transpose(0, 2, 3, 1), KG.transpose(2, 3, 1, 0), (2, 2), "
                       "'SAME', dimension_numbers=('NHWC', 'HWIO', 'NHWC'), "
                       "feature_group_count=2)"),
    ("2d_batch_groups", f"{CGD}(XB, KB, (1, 1), 'VALID', batch_group_count=2)"),
    ("2d_batch_groups3", f"{CGD}(jnp.concatenate([XB, XB[:2]]), KB, (1, 2), [(1, 0), (0, 1)], "
                         "batch_group_count=3)"),
    ("2d_precision", f"{CGD}(X2, K2, (1, 1), 'SAME', precision='highest')"),
    ("2d_int32", f"{CGD}(XI, KI, (1, 1), 'SAME')"),
    ("2d_int8_pet", f"{CGD}(XI8, KI8, (1, 1), 'VALID', preferred_element_type=np.int32)"),
    ("2d_f16", f"{CGD}(X2.astype(np.float16), K2.astype(np.float16), (1, 1), 'SAME')"),
    ("2d_bf16_pet", f"{CGD}(jnp.asarray(X2, jnp.bfloat16), jnp.asarray(K2, jnp.bfloat16), "
                    "(1, 1), 'VALID', preferred_element_type=jnp.float32)"),
    ("2d_complex", f"{CGD}(XC, KC, (1, 2), 'SAME')"),
    ("2d_weak", "lax.conv(lax.full((1, 1, 4, 4), 2.0), lax.full((1, 1, 2, 2), 0.5), (1, 1), "
                "'VALID')"),
    ("2d_dn_list", f"{CGD}(X2H, K2H, [2, 1], 'SAME', dimension_numbers=['NHWC', 'HWIO', 'NHWC'])"),
    ("2d_zero_batch", f"{CGD}(X2[:0], K2, (1, 1), 'SAME')"),
    # 3-D
    ("3d_ncdhw", f"{CGD}(X3, K3, (1, 2, 1), [(0, 1), (1, 1), (2, 0)], rhs_dilation=(2, 1, 2))"),
    ("3d_ndhwc_same", f"{CGD}(X3H, K3H, (2, 1, 1), 'SAME', "
                      "dimension_numbers=('NDHWC', 'DHWIO', 'NDHWC'))"),
    # wrappers
    ("conv", "lax.conv(X2, K2, (1, 2), 'SAME')"),
    ("conv_general_padding", "lax.conv_with_general_padding(X2, K2, (1, 1), [(1, 1), (2, 0)], "
                             "(2, 1), (1, 2))"),
    ("conv_transpose_same", "lax.conv_transpose(XT, KT, (2, 2), 'SAME')"),
    ("conv_transpose_valid", "lax.conv_transpose(XT, KT, (2, 1), 'VALID', rhs_dilation=(1, 2))"),
    ("conv_transpose_pairs", "lax.conv_transpose(XT, KT, (2, 2), [(1, 2), (0, 1)])"),
    ("conv_transpose_kernel", "lax.conv_transpose(XT, KT.transpose(0, 1, 3, 2), (2, 2), 'SAME', "
                              "transpose_kernel=True)"),
    ("conv_transpose_consistent", "lax.conv_transpose(XT, KT, (2, 2), [(1, 1), (0, 1)], "
                                  "use_consistent_padding=True)"),
    ("conv_transpose_1d", "lax.conv_transpose(X1.transpose(0, 2, 1), K1.transpose(2, 1, 0), "
                          "(3,), 'SAME')"),
    ("conv_transpose_nchw", "lax.conv_transpose(X2, K2.transpose(1, 0, 2, 3), (2, 1), 'VALID', "
                            "dimension_numbers=('NCHW', 'IOHW', 'NCHW'))"),
    ("patches", "lax.conv_general_dilated_patches(X2, (2, 3), (1, 2), 'SAME')"),
    ("patches_nhwc", "lax.conv_general_dilated_patches(X2H, (3, 2), (2, 1), 'VALID', "
                     "rhs_dilation=(1, 2), dimension_numbers=('NHWC', 'OIHW', 'NCHW'))"),
    ("local", "lax.conv_general_dilated_local(X2, KL, (1, 2), 'SAME', "
              "(2, 2))"),
    ("local_nhwc", "lax.conv_general_dilated_local(X2H, KLH, (2, 1), "
                   "'VALID', (3, 3), dimension_numbers=('NHWC', 'IHWO', 'NHWC'))"),
    # Python-valued helpers
    ("padtype_same", "lax.padtype_to_pads((7, 8, 3), (3, 2, 5), (2, 3, 1), 'SAME')"),
    ("padtype_same_lower", "lax.padtype_to_pads((7, 8), (4, 2), (1, 3), 'SAME_LOWER')"),
    ("padtype_valid", "lax.padtype_to_pads((7, 8), (3, 3), (1, 1), 'VALID')"),
    ("dn_none", "lax.conv_dimension_numbers((1, 2, 3, 4), (5, 2, 1, 1), None)"),
    ("dn_strings", "lax.conv_dimension_numbers((1, 4, 5, 2), (3, 3, 2, 7), "
                   "('NHWC', 'HWIO', 'NHWC'))"),
    ("dn_odd", "lax.conv_dimension_numbers((4, 1, 2, 5, 9), (1, 3, 3, 2, 3), "
               "('HNCWD', 'WOHDI', 'CWDNH'))"),
    ("perms", "lax.conv_general_permutations(('NCHW', 'HWOI', 'NHWC'))"),
    ("shape_tuple", "lax.conv_shape_tuple((2, 3, 9, 8), (4, 3, 3, 2), (2, 1), 'SAME')"),
    ("shape_tuple_pads", "lax.conv_shape_tuple((4, 3, 9, 8), (4, 3, 3, 2), (2, 1), "
                         "[(1, 0), (2, 2)], 2)"),
    ("general_shape", "lax.conv_general_shape_tuple((2, 9, 8, 3), (3, 2, 3, 4), (2, 3), "
                      "'VALID', ('NHWC', 'HWIO', 'NHWC'))"),
    ("transpose_shape", "lax.conv_transpose_shape_tuple((2, 5, 6, 3), (3, 3, 3, 4), (2, 2), "
                        "'SAME', ('NHWC', 'HWIO', 'NHWC'))"),
    ("transpose_shape_pairs", "lax.conv_transpose_shape_tuple((2, 3, 5, 6), (4, 3, 3, 2), "
                              "(2, 1), [(1, 1), (0, 2)], ('NCHW', 'OIHW', 'NCHW'))"),
]

_BAD = "lax.conv_general_dilated(X2, K2, (1, 1), 'SAME'"
ERRORS: dict[str, str] = {
    "feature_mismatch": "lax.conv_general_dilated(X2, KG, (1, 1), 'SAME')",
    "groups_dont_divide": "lax.conv_general_dilated(XD, KD, (1, 1), 'SAME', feature_group_count=3)",
    "groups_out_features": "lax.conv_general_dilated(XD, KD[:6], (1, 1), 'SAME', "
                           "feature_group_count=4)",
    "groups_bad_count": f"{_BAD}, feature_group_count=0)",
    "batch_groups_dont_divide": "lax.conv_general_dilated(XB[:3], KB, (1, 1), 'SAME', "
                                "batch_group_count=2)",
    "batch_groups_out": "lax.conv_general_dilated(XB, KB[:5], (1, 1), 'SAME', "
                        "batch_group_count=2)",
    "both_groups": "lax.conv_general_dilated(XB, KB[:, :1], (1, 1), 'SAME', "
                   "feature_group_count=3, batch_group_count=2)",
    "dn_length": f"{_BAD}, dimension_numbers=('NCHW', 'OIHW'))",
    "dn_not_strings": f"{_BAD}, dimension_numbers=((0, 1, 2, 3), 'OIHW', 'NCHW'))",
    "dn_wrong_type": f"{_BAD}, dimension_numbers={{'lhs': 'NCHW'}})",
    "dn_missing_char": f"{_BAD}, dimension_numbers=('NXHW', 'OIHW', 'NCHW'))",
    "dn_duplicate": f"{_BAD}, dimension_numbers=('NCHH', 'OIHH', 'NCHH'))",
    "dn_spatial_mismatch": f"{_BAD}, dimension_numbers=('NCHW', 'OIHX', 'NCHW'))",
    "dn_spec_length": f"{_BAD}, dimension_numbers=('NCHWD', 'OIHW', 'NCHW'))",
    "ndim_mismatch": "lax.conv_general_dilated(X2, K1, (1, 1), 'SAME')",
    "strides_length": "lax.conv_general_dilated(X2, K2, (1,), [(0, 0), (0, 0)])",
    "pads_length": "lax.conv_general_dilated(X2, K2, (1, 1), [(0, 0)])",
    "padding_string": "lax.conv_general_dilated(X2, K2, (1, 1), 'FULL')",
    "padding_not_pairs": "lax.conv_general_dilated(X2, K2, (1, 1), [1, 2])",
    "string_pad_lhs_dil": f"{_BAD}, lhs_dilation=(2, 1))",
    "dtype_mismatch": "lax.conv_general_dilated(X2, K2.astype(np.float16), (1, 1), 'SAME')",
    "pet_narrow": f"{_BAD}, preferred_element_type=np.float16)",
    "pet_int_to_uint": "lax.conv_general_dilated(XI, KI, (1, 1), 'SAME', "
                       "preferred_element_type=np.uint32)",
    "negative_pad_too_big": "lax.conv_general_dilated(X2, K2, (1, 1), [(-5, -5), (0, 0)])",
    "bad_dilation": "lax.conv_general_dilated(X2, K2, (1, 1), 'VALID', rhs_dilation=(0, 1))",
}

# Functions whose jaxprs must print exactly as JAX's.
JAXPRS: dict[str, tuple[str, str]] = {
    "conv2d": ("lambda x, w: lax.conv_general_dilated(x, w, (1, 2), 'SAME', rhs_dilation=(2, 1))",
               "(X2, K2)"),
    "conv2d_nhwc": ("lambda x, w: lax.conv_general_dilated(x, w, (1, 1), [(1, 1), (0, 0)], "
                    "dimension_numbers=('NHWC', 'HWIO', 'NHWC'), precision='highest', "
                    "preferred_element_type=jnp.float32, feature_group_count=1)", "(X2H, K2H)"),
    "conv2d_grad_w": ("lambda x, w: jax.grad(lambda w: lax.conv(x, w, (2, 1), 'VALID').sum())(w)",
                      "(X2, K2)"),
}

# A small CNN: conv (NHWC) -> tanh -> grouped strided conv -> tanh -> dense.
CNN = r"""
def cnn_loss(params, x):
    w1, w2, w3 = params
    h = lax.conv_general_dilated(x, w1, (1, 1), 'SAME', dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
    h = jnp.tanh(h)
    h = lax.conv_general_dilated(h, w2, (2, 2), 'VALID', rhs_dilation=(1, 2),
                                 dimension_numbers=('NHWC', 'HWIO', 'NHWC'), feature_group_count=2)
    h = jnp.tanh(h).reshape(h.shape[0], -1)
    return jnp.mean((h @ w3 - 1.0) ** 2)
CNN_ARGS = ((rn(3, 3, 2, 4) * 0.3, rn(3, 2, 2, 6) * 0.3, rn(2 * 2 * 6, 3) * 0.3), rn(2, 6, 5, 2))
"""

_ORACLE = r"""
import json, re
import numpy as np
import jax
import jax.numpy as jnp
exec(SETUP)
exec(CNN)

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    if isinstance(x, np.integer) or type(x) in (bool, int, float, str):
        return {"py": int(x) if isinstance(x, np.integer) else x}
    weak = bool(getattr(x, "weak_type", False))
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" or str(x.dtype) == "bfloat16" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}

out = {"cases": {}, "errors": {}, "jaxprs": {}, "hlo": {}}
for name, src in CASES:
    try:
        out["cases"][name] = {"ok": encode(eval(src))}
    except Exception as e:
        out["cases"][name] = {"error": [type(e).__name__, str(e)]}
for name, src in ERRORS.items():
    try:
        eval(src)
        out["errors"][name] = None
    except Exception as e:
        out["errors"][name] = [type(e).__name__, str(e)]
for name, (fn, args) in JAXPRS.items():
    out["jaxprs"][name] = str(jax.make_jaxpr(eval(fn))(*eval(args)))
    text = jax.jit(eval(fn)).lower(*eval(args)).as_text()
    out["hlo"][name] = [l.strip() for l in text.splitlines() if "stablehlo.convolution" in l]
loss, g = jax.value_and_grad(cnn_loss, (0, 1))(*CNN_ARGS)
out["cnn"] = encode([loss, g])
print(json.dumps(out))
"""


def _oracle_code() -> str:
    return (f"SETUP = {SETUP!r}\nCNN = {CNN!r}\nCASES = {CASES!r}\nERRORS = {ERRORS!r}\n"
            f"JAXPRS = {JAXPRS!r}\n" + _ORACLE)


@pytest.fixture(scope="module")
def reference(request):
    code = _oracle_code()
    cache = getattr(request.config, "cache", None)
    key = f"cellax/conv_oracle/{hashlib.sha256(code.encode()).hexdigest()[:16]}"
    if cache is not None:
        hit = cache.get(key, None)
        if hit is not None:
            return hit
    result = run_oracle(code)
    if cache is not None:
        cache.set(key, result)
    return result


def _namespace():
    ns = {"jax": jax, "jnp": jnp, "np": np}
    exec(SETUP, ns)
    exec(CNN, ns)
    return ns


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    if isinstance(x, np.integer) or type(x) in (bool, int, float, str):
        return {"py": int(x) if isinstance(x, np.integer) else x}
    aval = getattr(x, "aval", None)
    weak = bool(aval.weak_type) if aval is not None else False
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" or str(x.dtype) == "bfloat16" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}


def _assert_same(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for k, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{k}]")
        return
    if "py" in want:
        assert got == want, (where, got, want)
        return
    assert "dtype" in got, (where, got, want)
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"]), (where, got, want)
    assert got["weak"] == want["weak"], (where, "weak_type", got["weak"], want["weak"])
    g, w = np.array(got["values"], np.float64), np.array(want["values"], np.float64)
    if want["dtype"].startswith(("int", "uint")):
        np.testing.assert_array_equal(g, w, err_msg=where)
    else:
        tol = 1e-2 if want["dtype"] in ("float16", "bfloat16") else 1e-4
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=where)


_PY_VALUED = {"padtype_same", "padtype_same_lower", "padtype_valid", "dn_none", "dn_strings",
              "dn_odd", "perms", "shape_tuple", "shape_tuple_pads", "general_shape",
              "transpose_shape", "transpose_shape_pairs"}


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_matches_jax(reference, name):
    src = dict(CASES)[name]
    want = reference["cases"][name]
    assert "ok" in want, f"the reference raised for {name}: {want}"
    ns = _namespace()
    _assert_same(_encode(eval(src, ns)), want["ok"], f"{name} (eager)")
    if name in _PY_VALUED:
        return
    # The same call staged under jit (arrays as arguments, everything else static).
    ns2 = _namespace()
    names = [k for k in ("X1", "K1", "X2", "K2", "X2H", "K2H", "XD", "KD", "KG", "XB", "KB",
                         "X3", "K3", "X3H", "K3H", "XI", "KI", "XI8", "KI8", "XC", "KC", "XT",
                         "KT", "KL", "KLH") if k in src]
    fn = eval(f"lambda {', '.join(names)}: {src}", ns2)
    got = jax.jit(fn)(*[ns2[k] for k in names])
    _assert_same(_encode(got), want["ok"], f"{name} (jit)")


def test_dimension_numbers_repr():
    # ConvDimensionNumbers is a NamedTuple, printed (and compared) as JAX's.
    dn = lax.conv_dimension_numbers((1, 4, 5, 2), (3, 3, 2, 7), ("NHWC", "HWIO", "NHWC"))
    assert isinstance(dn, lax.ConvDimensionNumbers)
    assert repr(dn) == ("ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), "
                        "out_spec=(0, 3, 1, 2))")
    assert lax.conv_dimension_numbers(None, None, dn) is dn


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERRORS[name], _namespace())
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)
    assert str(info.value) == want[1], (name, str(info.value), want[1])


@pytest.mark.parametrize("name", list(JAXPRS))
def test_jaxpr_and_stablehlo_match(reference, name):
    ns = _namespace()
    fn, args = JAXPRS[name]
    f, a = eval(fn, ns), eval(args, ns)
    assert str(jax.make_jaxpr(f)(*a)) == reference["jaxprs"][name]
    text = jax.jit(f).lower(*a).as_text()
    ours = [line.strip() for line in text.splitlines() if "stablehlo.convolution" in line]
    assert ours == reference["hlo"][name]


def test_cnn_grad_matches_jax(reference):
    ns = _namespace()
    loss, g = jax.value_and_grad(ns["cnn_loss"], (0, 1))(*ns["CNN_ARGS"])
    _assert_same(_encode([loss, g]), reference["cnn"], "cnn")
    loss2, g2 = jax.jit(jax.value_and_grad(ns["cnn_loss"], (0, 1)))(*ns["CNN_ARGS"])
    _assert_same(_encode([loss2, g2]), reference["cnn"], "cnn (jit)")


# ---------------------------------------------------------------------------------------
# Autodiff: check_grads, order 2, forward and reverse, in float64.

GRAD_CONFIGS = {
    "1d_stride_pad": (dict(window_strides=(2,), padding=[(1, 2)]), (2, 2, 7), (3, 2, 3)),
    "2d_strides_both_dil": (dict(window_strides=(2, 1), padding=[(1, 0), (2, 1)],
                                 lhs_dilation=(1, 2), rhs_dilation=(2, 1)),
                            (2, 2, 5, 4), (3, 2, 2, 2)),
    "2d_nhwc_same": (dict(window_strides=(1, 2), padding="SAME",
                          dimension_numbers=("NHWC", "HWIO", "NHWC")),
                     (1, 5, 4, 2), (3, 2, 2, 3)),
    "2d_depthwise": (dict(window_strides=(1, 1), padding="VALID", feature_group_count=3,
                          rhs_dilation=(1, 2)), (2, 3, 5, 6), (6, 1, 2, 2)),
    "2d_batch_groups": (dict(window_strides=(2, 1), padding=[(0, 1), (1, 0)],
                             batch_group_count=2), (4, 2, 5, 4), (4, 2, 2, 2)),
    "3d_groups_layout": (dict(window_strides=(1, 2, 1), padding="SAME", feature_group_count=2,
                              dimension_numbers=("NDHWC", "OIDHW", "NCDHW")),
                         (1, 3, 4, 3, 4), (4, 2, 2, 2, 1)),
    "2d_negative_pad": (dict(window_strides=(1, 1), padding=[(-1, 1), (0, -1)]),
                        (1, 2, 5, 5), (2, 2, 2, 2)),
}


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("name", list(GRAD_CONFIGS))
def test_check_grads(x64, name):
    kw, ls, rs = GRAD_CONFIGS[name]
    rng = np.random.RandomState(1)
    x, w = rng.randn(*ls), rng.randn(*rs)

    def f(x, w):
        return lax.conv_general_dilated(x, w, **kw)

    # Jointly in (lhs, rhs): the directions perturb both, so both transposes are checked.
    check_grads(f, (x, w), order=2, modes=("fwd", "rev"))


def test_check_grads_wrappers(x64):
    rng = np.random.RandomState(2)
    x, w = rng.randn(1, 4, 5, 2), rng.randn(3, 2, 2, 3)
    check_grads(lambda x, w: lax.conv_transpose(x, w, (2, 2), "SAME"), (x, w), order=2)
    xc, wc = rng.randn(1, 3, 5, 4), rng.randn(2, 6, 3, 2)
    check_grads(lambda x, w: lax.conv_general_dilated_local(x, w, (2, 2), "SAME", (2, 1)),
                (xc, wc), order=1)


def test_grad_of_complex_and_mixed_precision(x64):
    rng = np.random.RandomState(3)
    x = rng.randn(1, 2, 5, 4) + 1j * rng.randn(1, 2, 5, 4)
    w = rng.randn(2, 2, 2, 2) + 1j * rng.randn(2, 2, 2, 2)
    check_grads(lambda x, w: lax.conv(x, w, (1, 1), "SAME"), (x, w), order=1)
    x32, w32 = x.real.astype(np.float32), w.real.astype(np.float32)
    g = jax.grad(lambda x, w: lax.conv(x, w, (1, 1), "SAME",
                                       preferred_element_type=jnp.float64).sum(), (0, 1))(
        x32, w32)
    assert [a.dtype for a in g] == [np.float32, np.float32]


# ---------------------------------------------------------------------------------------
# vmap against a Python loop: over lhs, over rhs, over both, with groups and layouts.

VMAP_CONFIGS = {
    "plain": (dict(window_strides=(2, 1), padding="SAME"), (2, 3, 5, 4), (4, 3, 2, 2)),
    "nhwc_dil": (dict(window_strides=(1, 1), padding=[(1, 0), (0, 2)], lhs_dilation=(2, 1),
                      rhs_dilation=(1, 2), dimension_numbers=("NHWC", "HWIO", "NHWC")),
                 (2, 4, 3, 3), (2, 2, 3, 2)),
    "odd_layout": (dict(window_strides=(1, 2), padding="VALID",
                        dimension_numbers=("HCNW", "WIHO", "WHCN")), (4, 2, 3, 5), (2, 2, 3, 4)),
    "feature_groups": (dict(window_strides=(1, 1), padding="SAME", feature_group_count=2),
                       (2, 4, 4, 4), (6, 2, 3, 3)),
    "batch_groups": (dict(window_strides=(1, 1), padding="VALID", batch_group_count=2),
                     (4, 3, 4, 4), (4, 3, 2, 2)),
    "batch_groups_nhwc": (dict(window_strides=(1, 1), padding="SAME", batch_group_count=3,
                               dimension_numbers=("NHWC", "OIHW", "NHWC")),
                          (6, 3, 4, 2), (6, 2, 2, 2)),
    "1d": (dict(window_strides=(2,), padding="SAME"), (2, 3, 7), (4, 3, 3)),
}


@pytest.mark.parametrize("name", list(VMAP_CONFIGS))
@pytest.mark.parametrize("which", ["lhs", "rhs", "both"])
def test_vmap_matches_loop(name, which):
    kw, ls, rs = VMAP_CONFIGS[name]
    rng = np.random.RandomState(4)
    b = 3
    x = rng.randn(b, *ls).astype(np.float32)
    w = rng.randn(b, *rs).astype(np.float32)

    def f(x, w):
        return lax.conv_general_dilated(x, w, **kw)

    # One mapped position per case, different across cases (leading, inner, trailing).
    in_axis = {"lhs": 1, "rhs": -1, "both": 0}[which]
    xs = np.moveaxis(x, 0, in_axis) if which != "rhs" else x[0]
    ws = np.moveaxis(w, 0, 2 if which == "both" else in_axis) if which != "lhs" else w[0]
    axes = (in_axis if which != "rhs" else None,
            (2 if which == "both" else in_axis) if which != "lhs" else None)
    got = jax.vmap(f, in_axes=axes)(xs, ws)
    want = np.stack([np.asarray(f(x[i] if which != "rhs" else x[0],
                                  w[i] if which != "lhs" else w[0])) for i in range(b)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4,
                               err_msg=f"{name} {which}")


def test_vmap_of_grad_and_empty_batch():
    rng = np.random.RandomState(5)
    x = rng.randn(3, 1, 2, 5, 5).astype(np.float32)
    w = rng.randn(2, 2, 3, 3).astype(np.float32)

    def loss(x, w):
        return jnp.sum(jnp.tanh(lax.conv(x, w, (1, 1), "SAME")))

    got = jax.vmap(jax.grad(loss, 1), (0, None))(x, w)
    want = np.stack([np.asarray(jax.grad(loss, 1)(x[i], w)) for i in range(3)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)
    empty = jax.vmap(lambda x: lax.conv(x, w, (1, 1), "VALID"))(x[:0])
    assert empty.shape == (0, 1, 2, 3, 3)
