"""Dtype promotion, weak types and canonicalization, against the reference JAX.

Every pair of (bool, ints, uints, bfloat16, floats, complexes, weak Python scalars) is
checked for `jnp.result_type` and for the dtype / weak type of `jnp.add`, with x64 off;
x64 on is checked in subprocesses (env var and `config.update`).
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import cellax
import cellax.numpy as jnp
from cellax import dtypes

NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "bfloat16", "float16", "float32", "float64", "complex64", "complex128",
         "pyint", "pyfloat", "pycomplex"]

# Runs under both libraries: `jnp` is the library's numpy module.
_PAIRS_CODE = """
def val(n):
    if n == "pyint": return 1
    if n == "pyfloat": return 1.0
    if n == "pycomplex": return 1j
    return jnp.asarray(np.ones((), dtype=jnp.dtype(n)))

def pairs(names):
    # jnp.add's result through eval_shape (tracing, no compilation: 324 pairs stay fast);
    # test_eager_binary_ops_agree_with_eval_shape runs a sample of them.
    out = {}
    for a in names:
        for b in names:
            x, y = val(a), val(b)
            r = jax.eval_shape(jnp.add, x, y)
            out[a + "," + b] = [str(jnp.result_type(x, y)), str(r.dtype), bool(r.weak_type)]
    return out
"""


@pytest.fixture(scope="module")
def reference(oracle):
    return oracle(f"""
import json
import numpy as np
import jax, jax.numpy as jnp
{_PAIRS_CODE}
out = {{"pairs": pairs({NAMES!r})}}
out["canon"] = {{k: [str(v.dtype), bool(v.weak_type), repr(v)] for k, v in [
    ("arange3", jnp.arange(3)), ("arange3f", jnp.arange(3.0)),
    ("f64_scalar", jnp.asarray(np.float64(1))), ("i64_list", jnp.asarray(np.int64([1]))),
    ("u64", jnp.asarray(np.array([1, 2], np.uint64))),
    ("c128", jnp.asarray(np.array([1 + 2j], np.complex128))),
    ("pylist", jnp.asarray([1, 2.5])), ("pyints", jnp.asarray([1, 2])),
    ("py1", jnp.asarray(1)), ("py1f", jnp.asarray(1.0)), ("py1j", jnp.asarray(1j)),
    ("pybool", jnp.asarray(True)), ("zeros_float", jnp.zeros(2, float)),
    ("zeros_int", jnp.zeros(2, int)), ("zeros_complex", jnp.zeros(2, complex)),
    ("zeros_f64", jnp.zeros(2, np.float64)), ("full_py", jnp.full((2,), 3)),
    ("full_scalar", jnp.full((), 3.0)), ("ones_scalar_i8", jnp.ones((), jnp.int8)),
    ("zeros_like_weak", jnp.zeros_like(jnp.asarray(2.0))),
    ("jnp_float32", jnp.float32(3.5)), ("jnp_int32_list", jnp.int32([1, 2])),
    ("jnp_int64", jnp.int64(7)), ("jnp_bool", jnp.bool_(1)),
    ("jnp_bf16", jnp.bfloat16(1.5)), ("int8_plus_300", jnp.ones(2, jnp.int8) + 300),
    ("sum_weak", jnp.full(3, 2.0).sum()), ("max_weak", jnp.asarray(2).max()),
    ("mean_int", jnp.arange(3).mean()), ("sum_bool", jnp.asarray([True, False]).sum()),
    ("sum_u8", jnp.ones(3, jnp.uint8).sum()), ("sum_i8", jnp.ones(3, jnp.int8).sum()),
    ("rpow_int", 2 ** jnp.arange(3)), ("rpow_float", 2.0 ** jnp.arange(3)),
    ("pow_int_int", jnp.arange(4) ** jnp.arange(4)), ("pow_concrete", jnp.power(4, 3)),
    ("pow_bool", jnp.array([True, False]) ** 2),
    ("pow_mixed", jnp.arange(3, dtype=jnp.int8) ** jnp.arange(3, dtype=jnp.uint8)),
    ("pow_float_int8", jnp.arange(3.0) ** jnp.arange(3, dtype=jnp.int8)),
]}}
out["result_type"] = [str(jnp.result_type(a, b)) for a in
                      (np.int64, np.float64, int, float, complex, bool, jnp.bfloat16, np.uint8)
                      for b in (int, float, np.int8, np.float16, "float32", jnp.int32)]
out["result_type1"] = [str(jnp.result_type(a)) for a in
                       (int, float, complex, bool, np.int64, np.float64, 1, 1.0,
                        np.float64(1), np.int64(1), np.array(1.0))]
out["promote_types"] = [str(jnp.promote_types(a, b)) for a in
                        (np.int8, np.uint64, jnp.bfloat16, np.float16, int, float, complex, bool)
                        for b in (np.uint8, np.int64, np.float16, np.int32, int, float)]
print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def ours():
    ns = {"jnp": jnp, "np": np, "jax": cellax}
    exec(_PAIRS_CODE, ns)
    return ns["pairs"](NAMES)


@pytest.mark.parametrize("left", NAMES)
def test_binary_promotion_matches_jax(reference, ours, left):
    keys = [f"{left},{right}" for right in NAMES]
    got = {k: ours[k] for k in keys}
    want = {k: reference["pairs"][k] for k in keys}
    # [result_type, dtype of jnp.add, weak_type of jnp.add]
    assert got == want


def test_promotion_is_symmetric(ours):
    for a in NAMES:
        for b in NAMES:
            assert ours[f"{a},{b}"] == ours[f"{b},{a}"], (a, b)


@pytest.mark.parametrize("a,b", [("int8", "uint8"), ("bool", "pyfloat"), ("bfloat16", "float16"),
                                 ("uint32", "int32"), ("int16", "pycomplex"),
                                 ("pyint", "pyfloat"), ("uint64", "int64"), ("bool", "bool")])
def test_eager_binary_ops_agree_with_eval_shape(ours, a, b):
    ns = {"jnp": jnp, "np": np, "jax": cellax}
    exec(_PAIRS_CODE, ns)
    r = jnp.add(ns["val"](a), ns["val"](b))
    assert isinstance(r, cellax.Array)
    assert [str(r.dtype), bool(r.weak_type)] == ours[f"{a},{b}"][1:]
    want = 1 + 1j if "pycomplex" in (a, b) else (1 if a == b == "bool" else 2)
    assert complex(r) == want


def _canon_cases():
    return {
        "arange3": lambda: jnp.arange(3), "arange3f": lambda: jnp.arange(3.0),
        "f64_scalar": lambda: jnp.asarray(np.float64(1)),
        "i64_list": lambda: jnp.asarray(np.int64([1])),
        "u64": lambda: jnp.asarray(np.array([1, 2], np.uint64)),
        "c128": lambda: jnp.asarray(np.array([1 + 2j], np.complex128)),
        "pylist": lambda: jnp.asarray([1, 2.5]), "pyints": lambda: jnp.asarray([1, 2]),
        "py1": lambda: jnp.asarray(1), "py1f": lambda: jnp.asarray(1.0),
        "py1j": lambda: jnp.asarray(1j), "pybool": lambda: jnp.asarray(True),
        "zeros_float": lambda: jnp.zeros(2, float), "zeros_int": lambda: jnp.zeros(2, int),
        "zeros_complex": lambda: jnp.zeros(2, complex),
        "zeros_f64": lambda: jnp.zeros(2, np.float64), "full_py": lambda: jnp.full((2,), 3),
        "full_scalar": lambda: jnp.full((), 3.0),
        "ones_scalar_i8": lambda: jnp.ones((), jnp.int8),
        "zeros_like_weak": lambda: jnp.zeros_like(jnp.asarray(2.0)),
        "jnp_float32": lambda: jnp.float32(3.5), "jnp_int32_list": lambda: jnp.int32([1, 2]),
        "jnp_int64": lambda: jnp.int64(7), "jnp_bool": lambda: jnp.bool_(1),
        "jnp_bf16": lambda: jnp.bfloat16(1.5),
        "int8_plus_300": lambda: jnp.ones(2, jnp.int8) + 300,
        "sum_weak": lambda: jnp.full(3, 2.0).sum(), "max_weak": lambda: jnp.asarray(2).max(),
        "mean_int": lambda: jnp.arange(3).mean(),
        "sum_bool": lambda: jnp.asarray([True, False]).sum(),
        "sum_u8": lambda: jnp.ones(3, jnp.uint8).sum(),
        "sum_i8": lambda: jnp.ones(3, jnp.int8).sum(),
        "rpow_int": lambda: 2 ** jnp.arange(3), "rpow_float": lambda: 2.0 ** jnp.arange(3),
        "pow_int_int": lambda: jnp.arange(4) ** jnp.arange(4),
        "pow_concrete": lambda: jnp.power(4, 3),
        "pow_bool": lambda: jnp.array([True, False]) ** 2,
        "pow_mixed": lambda: jnp.arange(3, dtype=jnp.int8) ** jnp.arange(3, dtype=jnp.uint8),
        "pow_float_int8": lambda: jnp.arange(3.0) ** jnp.arange(3, dtype=jnp.int8),
    }


@pytest.mark.parametrize("name", list(_canon_cases()))
def test_canonicalization_matches_jax(reference, name):
    v = _canon_cases()[name]()
    assert isinstance(v, cellax.Array), type(v)
    assert [str(v.dtype), bool(v.weak_type), repr(v)] == reference["canon"][name]


def test_canonical_defaults_with_x64_off():
    assert jnp.arange(3).dtype == np.int32
    assert jnp.asarray(np.float64(1)).dtype == np.float32
    assert jnp.asarray(np.int64([1])).dtype == np.int32
    assert dtypes.canonicalize_dtype(np.complex128) == np.complex64


def test_result_type_of_dtypes_and_python_types(reference):
    got = [str(jnp.result_type(a, b)) for a in
           (np.int64, np.float64, int, float, complex, bool, jnp.bfloat16, np.uint8)
           for b in (int, float, np.int8, np.float16, "float32", jnp.int32)]
    assert got == reference["result_type"]
    got1 = [str(jnp.result_type(a)) for a in
            (int, float, complex, bool, np.int64, np.float64, 1, 1.0, np.float64(1),
             np.int64(1), np.array(1.0))]
    assert got1 == reference["result_type1"]


def test_promote_types_is_not_canonicalized(reference):
    got = [str(jnp.promote_types(a, b)) for a in
           (np.int8, np.uint64, jnp.bfloat16, np.float16, int, float, complex, bool)
           for b in (np.uint8, np.int64, np.float16, np.int32, int, float)]
    assert got == reference["promote_types"]
    assert jnp.promote_types(np.int8, np.int64) == np.int64  # even with x64 off


def test_scalar_types_are_array_constructors_and_dtypes():
    x = jnp.float32(3.5)
    assert isinstance(x, cellax.Array) and x.shape == () and x.dtype == np.float32
    assert np.dtype(jnp.float32) == np.float32 and np.dtype(jnp.bfloat16) == dtypes.bfloat16
    assert jnp.zeros(2, jnp.int8).dtype == jnp.int8
    assert isinstance(np.float32(1), jnp.float32) and not isinstance(1.0, jnp.int32)
    assert jnp.float32 == np.float32 and hash(jnp.float32) == hash(np.float32)
    assert dtypes.issubdtype(jnp.float32, np.floating)


def test_python_int_out_of_int32_range_overflows():
    with pytest.raises(OverflowError, match="too large to convert to int32"):
        jnp.asarray(2 ** 40)
    with pytest.raises(OverflowError):
        jnp.ones(2) + 2 ** 40
    with pytest.raises(OverflowError):
        jnp.ones(2, jnp.int32) + 2 ** 31
    assert int(jnp.asarray(-2 ** 31)) == -2 ** 31  # the boundary fits
    assert jnp.asarray(2 ** 31, jnp.uint32).dtype == np.uint32  # explicit dtype: fine


# ---------------------------------------------------------------------------------------
# x64 mode, in subprocesses (the flag is process-wide)

_X64_CASES = [
    "jnp.arange(3)", "jnp.arange(3.0)", "jnp.asarray(np.float64(1))",
    "jnp.asarray(np.int64([1]))", "jnp.asarray(1.0)", "jnp.asarray(1)", "jnp.ones(2)",
    "jnp.zeros(2, int)", "jnp.ones(2, jnp.float32) + 1.0", "jnp.ones(2, jnp.int64) + 2**40",
    "jnp.ones(2, jnp.int32) + 2**40",
    "jnp.asarray(np.uint64(3)) + jnp.asarray(np.int64(3))",
    "jnp.asarray(np.uint32(3)) + jnp.asarray(np.int32(3))", "jax.jit(lambda x: x * 2)(1.0)",
    "jnp.asarray([1, 2]).sum()", "jnp.asarray([True]).sum()", "jnp.float64(1.5)",
    "jnp.asarray(1j)", "jnp.arange(3) / 2", "jnp.mean(jnp.arange(3))",
    "jnp.result_type(int, float)", "jnp.result_type(np.int64, 1.0)",
    "jnp.promote_types(np.int32, np.uint32)", "jax.make_jaxpr(lambda x: x + 1)(1.0)",
    "jax.make_jaxpr(lambda x: x + 1)(np.int64(1))", "jax.device_put(np.float64(2.0))",
    "jnp.asarray(np.ones((), np.int16)) + jnp.asarray(np.ones((), np.uint32))",
]

_X64_BODY = f"""
import json
import numpy as np
out = []
for c in {_X64_CASES!r}:
    try:
        out.append(repr(eval(c)))
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
"""


def _run(header: str, env: dict) -> list:
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="1", JAX_PLATFORMS="cpu", **env)
    proc = subprocess.run([sys.executable, "-c", header + _X64_BODY], capture_output=True,
                          text=True, env=full_env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_x64_mode_matches_jax():
    want = _run("import jax, jax.numpy as jnp\n", {"JAX_ENABLE_X64": "1"})
    by_env = _run("import cellax as jax, cellax.numpy as jnp\n", {"CELLAX_ENABLE_X64": "1"})
    by_update = _run("import cellax as jax\njax.config.update('jax_enable_x64', True)\n"
                     "import cellax.numpy as jnp\n", {})
    assert by_env == want
    assert by_update == want
    assert want[0] == "Array([0, 1, 2], dtype=int64)"  # the oracle really ran with x64
