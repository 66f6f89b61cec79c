"""Set operations (`jnp.unique` and friends, union1d, intersect1d, setdiff1d, setxor1d,
isin) against the reference JAX: values, dtypes, weak types and shapes, eagerly and, with
a static `size=`, under `jit`; the ConcretizationTypeError (and its message) under `jit`
without `size=`; exception types for bad input."""
from __future__ import annotations

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from conftest import cached_oracle

SETUP = r"""
import numpy as np
I = np.array([3, 1, 3, 2, 1, 7, 3], np.int32)
J = np.array([2, 9, 3, 3, 0], np.int32)
F = np.array([1., np.nan, -0., 0., 2., np.nan, 1., -np.inf], np.float32)
G = np.array([0., 2., np.nan, 5.], np.float32)
U = np.array([7, 0, 7, 255, 1], np.uint8)
B = np.array([True, False, True, True])
C = np.array([1 + 1j, 1 - 1j, 1 + 1j, np.nan, complex(np.nan, 1), 0], np.complex64)
M = np.array([[1, 2, 1], [0, 5, 0], [1, 2, 1], [0, 5, 1]], np.int32)
M3 = np.array([[[1, 2], [1, 2]], [[0, 0], [1, 2]], [[1, 2], [1, 2]]], np.int32)
E = np.zeros((0,), np.float32)
E2 = np.zeros((3, 0), np.int32)
"""

CASES: list[tuple[str, str, str, bool]] = [
    # (name, function, arguments, also under jit)
    ("unique_int", "lambda x: jnp.unique(x)", "(I,)", False),
    ("unique_all_flags", "lambda x: jnp.unique(x, True, True, True)", "(I,)", False),
    ("unique_float_nan", "lambda x: jnp.unique(x)", "(F,)", False),
    ("unique_nan_not_equal", "lambda x: jnp.unique(x, return_counts=True, equal_nan=False)",
     "(F,)", False),
    ("unique_uint8", "lambda x: jnp.unique(x, return_inverse=True)", "(U,)", False),
    ("unique_bool", "lambda x: jnp.unique(x, return_counts=True)", "(B,)", False),
    ("unique_complex", "lambda x: jnp.unique(x, return_index=True)", "(C,)", False),
    ("unique_2d_flat_inverse", "lambda x: jnp.unique(x, return_inverse=True)", "(M,)", False),
    ("unique_axis0", "lambda x: jnp.unique(x, axis=0, return_index=True, "
     "return_inverse=True, return_counts=True)", "(M,)", False),
    ("unique_axis1", "lambda x: jnp.unique(x, axis=1, return_counts=True)", "(M,)", False),
    ("unique_axis_3d", "lambda x: jnp.unique(x, axis=1, return_inverse=True)", "(M3,)", False),
    ("unique_empty", "lambda x: jnp.unique(x, return_index=True, return_inverse=True, "
     "return_counts=True)", "(E,)", False),
    ("unique_empty_rows", "lambda x: jnp.unique(x, axis=0, return_counts=True)", "(E2,)",
     False),
    ("unique_scalar", "lambda x: jnp.unique(x)", "(np.float32(2.5),)", False),
    ("unique_size", "lambda x: jnp.unique(x, size=6, return_index=True, "
     "return_inverse=True, return_counts=True)", "(I,)", True),
    ("unique_size_fill", "lambda x: jnp.unique(x, size=7, fill_value=-1, "
     "return_counts=True)", "(I,)", True),
    ("unique_size_small", "lambda x: jnp.unique(x, size=2)", "(I,)", True),
    ("unique_size_float", "lambda x: jnp.unique(x, size=8, fill_value=9.0)", "(F,)", True),
    ("unique_size_axis", "lambda x: jnp.unique(x, axis=0, size=4, fill_value=0)", "(M,)",
     True),
    ("unique_size_empty", "lambda x: jnp.unique(x, size=3, fill_value=1.5)", "(E,)", True),
    ("unique_all", "lambda x: tuple(jnp.unique_all(x))", "(F,)", False),
    ("unique_all_size", "lambda x: tuple(jnp.unique_all(x, size=5, fill_value=0))", "(I,)",
     True),
    ("unique_counts", "lambda x: tuple(jnp.unique_counts(x))", "(I,)", False),
    ("unique_inverse", "lambda x: tuple(jnp.unique_inverse(x))", "(M,)", False),
    ("unique_values", "lambda x: jnp.unique_values(x)", "(F,)", False),
    ("unique_values_size", "lambda x: jnp.unique_values(x, size=4)", "(U,)", True),
    ("union1d", "lambda a, b: jnp.union1d(a, b)", "(I, J)", False),
    ("union1d_mixed", "lambda a, b: jnp.union1d(a, b)", "(I, G)", False),
    ("union1d_size", "lambda a, b: jnp.union1d(a, b, size=9, fill_value=-7)", "(I, J)", True),
    ("intersect1d", "lambda a, b: jnp.intersect1d(a, b)", "(I, J)", False),
    ("intersect1d_idx", "lambda a, b: jnp.intersect1d(a, b, return_indices=True)", "(I, J)",
     False),
    ("intersect1d_unique",
     "lambda a, b: jnp.intersect1d(a, b, assume_unique=True, return_indices=True)",
     "(np.array([5, 1, 3], np.int32), np.array([3, 4, 5, 0], np.int32))", False),
    ("intersect1d_float", "lambda a, b: jnp.intersect1d(a, b)", "(F, G)", False),
    ("intersect1d_size", "lambda a, b: jnp.intersect1d(a, b, size=4)", "(I, J)", True),
    ("intersect1d_size_idx",
     "lambda a, b: jnp.intersect1d(a, b, size=4, fill_value=-1, return_indices=True)",
     "(I, J)", True),
    ("intersect1d_size_unique",
     "lambda a, b: jnp.intersect1d(a, b, assume_unique=True, size=3, return_indices=True)",
     "(np.array([5, 1, 3], np.int32), np.array([3, 4, 5, 0], np.int32))", True),
    ("intersect1d_2d", "lambda a, b: jnp.intersect1d(a, b)", "(M, J)", False),
    ("setdiff1d", "lambda a, b: jnp.setdiff1d(a, b)", "(I, J)", False),
    ("setdiff1d_float", "lambda a, b: jnp.setdiff1d(a, b)", "(F, G)", False),
    ("setdiff1d_unique", "lambda a, b: jnp.setdiff1d(a, b, assume_unique=True)",
     "(np.array([5, 1, 3], np.int32), J)", False),
    ("setdiff1d_size", "lambda a, b: jnp.setdiff1d(a, b, size=5)", "(I, J)", True),
    ("setdiff1d_size_fill", "lambda a, b: jnp.setdiff1d(a, b, size=2, fill_value=8)",
     "(I, J)", True),
    ("setdiff1d_empty", "lambda a, b: jnp.setdiff1d(a, b, size=2)", "(E, G)", True),
    ("setxor1d", "lambda a, b: jnp.setxor1d(a, b)", "(I, J)", False),
    ("setxor1d_unique", "lambda a, b: jnp.setxor1d(a, b, assume_unique=True)",
     "(np.array([5, 1, 3], np.int32), np.array([3, 4, 5, 0], np.int32))", False),
    ("setxor1d_float", "lambda a, b: jnp.setxor1d(a, b)", "(F, G)", False),
    ("setxor1d_size", "lambda a, b: jnp.setxor1d(a, b, size=6)", "(I, J)", True),
    ("setxor1d_size_fill", "lambda a, b: jnp.setxor1d(a, b, size=7, fill_value=0)",
     "(I, J)", True),
    ("setxor1d_size_none_valid", "lambda a: jnp.setxor1d(a, a, size=3)", "(J,)", True),
    ("isin", "lambda a, b: (jnp.isin(a, b), jnp.isin(a, b, invert=True))", "(M, J)", True),
    ("isin_float", "lambda a, b: jnp.isin(a, b)", "(F, G)", True),
]

ERROR_CASES = {
    "unique_size_empty_nofill": "jnp.unique(E, size=2)",
    "unique_list": "jnp.unique([1, 2])",
    "unique_axis": "jnp.unique(M, axis=2)",
    "setdiff1d_list": "jnp.setdiff1d([1], J)",
    "intersect1d_list": "jnp.intersect1d(I, [1])",
}

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
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
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": np.where(np.isnan(vals), None, vals).tolist() if x.dtype.kind in "fc"
            else vals.tolist()}

cases = {}
for name, fn, args, _ in CASES:
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
jit_errors = {}
for name, expr in JIT_ERRORS.items():
    try:
        eval(expr)
        jit_errors[name] = None
    except Exception as e:
        jit_errors[name] = [type(e).__name__, str(e)]
print(json.dumps({"cases": cases, "errors": errors, "jit_errors": jit_errors}))
"""

# Under jit without size=: JAX's ConcretizationTypeError, with its message.
JIT_ERRORS = {
    "unique": "jax.jit(jnp.unique)(I)",
    "unique_all": "jax.jit(jnp.unique_all)(I)",
    "unique_values": "jax.jit(jnp.unique_values)(F)",
    "union1d": "jax.jit(jnp.union1d)(I, J)",
    "intersect1d": "jax.jit(jnp.intersect1d)(I, J)",
    "setdiff1d": "jax.jit(jnp.setdiff1d)(I, J)",
    "setxor1d": "jax.jit(jnp.setxor1d)(I, J)",
}


@pytest.fixture(scope="module")
def reference():
    code = (f"SETUP = {SETUP!r}\nCASES = {CASES!r}\nERRORS = {ERROR_CASES!r}\n"
            f"JIT_ERRORS = {JIT_ERRORS!r}\n" + _ORACLE)
    return cached_oracle(code)


def _namespace():
    ns = {"jax": jax, "jnp": jnp, "np": np}
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
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape), "values": vals}


def _assert_same(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for k, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{k}]")
        return
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"]), (where, got, want)
    assert got["weak"] == want["weak"], (where, "weak_type", got["weak"], want["weak"])
    w = np.array(want["values"], dtype=object)
    if w.size == 0:
        assert np.asarray(got["values"]).size == 0, where
        return
    if want["dtype"] == "bool" or want["dtype"].startswith(("int", "uint")):
        np.testing.assert_array_equal(got["values"], w.astype(np.int64), err_msg=where)
        return
    w = np.where(w == None, np.nan, w).astype(np.float64)  # noqa: E711
    np.testing.assert_allclose(got["values"], w, rtol=1e-6, atol=1e-6, equal_nan=True,
                               err_msg=where)


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_matches_jax(reference, name):
    fn_src, args_src, jit_too = next((f, a, j) for n, f, a, j in CASES if n == name)
    want = reference["cases"][name]
    assert "ok" in want, f"the reference raised for {name}: {want}"
    ns = _namespace()
    fn, args = eval(fn_src, ns), eval(args_src, ns)
    _assert_same(_encode(fn(*args)), want["ok"], f"{name} (eager)")
    if jit_too:
        _assert_same(_encode(jax.jit(fn)(*args)), want["ok"], f"{name} (jit)")


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], _namespace())
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)


@pytest.mark.parametrize("name", list(JIT_ERRORS))
def test_jit_without_size_raises_concretization_error(reference, name):
    want = reference["jit_errors"][name]
    assert want is not None and want[0] == "ConcretizationTypeError", want
    with pytest.raises(jax.errors.ConcretizationTypeError) as info:
        eval(JIT_ERRORS[name], _namespace())
    # The hint that names the function and the way out (JAX's wording).
    hint = [line for line in want[1].splitlines() if "The error arose" in line]
    assert hint and hint[0] in str(info.value), (str(info.value), want[1])


def test_unique_with_size_under_vmap_and_grad_free():
    # size= makes unique shape-static, so it composes with vmap.
    x = jnp.asarray(np.array([[3, 1, 3, 2], [5, 5, 5, 0]], np.int32))
    got = jax.vmap(lambda v: jnp.unique(v, size=3, fill_value=-1))(x)
    np.testing.assert_array_equal(np.asarray(got), [[1, 2, 3], [0, 5, -1]])


def test_unique_namedtuple_fields():
    r = jnp.unique_all(jnp.array([2, 2, 1]))
    assert type(r).__name__ == "_UniqueAllResult"
    np.testing.assert_array_equal(np.asarray(r.values), [1, 2])
    np.testing.assert_array_equal(np.asarray(r.counts), [1, 2])
    np.testing.assert_array_equal(np.asarray(r.inverse_indices), [1, 1, 0])
    np.testing.assert_array_equal(np.asarray(r.indices), [2, 0])
