"""NumPy indexing (`x[idx]`) and functional updates (`x.at[idx]...`) against the reference JAX.

Every case is an expression over a few fixed arrays. It is evaluated eagerly and under
`jit` (arrays and the scalar index `S` traced) in cellax, and the same in one subprocess
running JAX; values, dtypes, weak types, shapes and error types must agree. A few
`make_jaxpr` texts are compared too (the same primitives are staged).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

PRELUDE = """
import numpy as np
x1 = np.arange(7, dtype=np.float32)
x2 = np.arange(12, dtype=np.float32).reshape(3, 4)
x3 = np.arange(60, dtype=np.int32).reshape(3, 4, 5)
b2 = (np.arange(12).reshape(3, 4) % 3 == 0)
i1 = np.array([0, 2, -1], np.int32)
j2 = np.array([[1], [0]], np.int32)
"""

# (name, expression); names X1 X2 X3 (arrays), S (int32 scalar array, == 2), I (i1 as an
# array), J (j2 as an array) are function arguments (traced under jit); np/jnp/lax free.
CASES = [
    # integers and slices
    ("int", "X1[0]"), ("int_neg", "X1[-1]"), ("int_last", "X1[6]"),
    ("int_oob_clamps", "X1[7]"), ("int_oob_neg", "X1[-8]"), ("int_2d", "X2[-1, 2]"),
    ("np_int", "X2[np.int32(1)]"), ("np_uint", "X2[np.uint8(2)]"), ("np_0d", "X2[np.array(1)]"),
    ("slice", "X1[1:5]"), ("slice_step", "X1[::2]"), ("slice_rev", "X1[::-1]"),
    ("slice_neg_step", "X1[5:1:-2]"), ("slice_neg_start", "X1[-3:]"),
    ("slice_empty", "X1[10:]"), ("slice_empty2", "X1[:-10]"), ("slice_rev3", "X1[::-3]"),
    ("slice_step3", "X1[1:6:3]"), ("slice_2d", "X2[1:, ::-2]"), ("col", "X2[:, 1]"),
    ("ellipsis_int", "X2[..., 1]"), ("none", "X2[None]"), ("none_mid", "X2[:, None]"),
    ("none_end", "X2[..., None]"), ("none_both", "X2[None, ..., None]"),
    ("none_ints", "X2[1, None, 2]"), ("empty_tuple", "X2[()]"), ("ellipsis", "X2[...]"),
    ("ell_3d", "X3[1, ..., 2]"), ("ell_slices", "X3[..., 1:3, ::-1]"),
    ("scalar_ellipsis", "X1[3][...]"), ("scalar_none", "X1[3][None]"),
    # integer arrays
    ("arr", "X2[np.array([0, 2])]"), ("arr_neg", "X2[np.array([-1, 0, -3])]"),
    ("arr_oob_clamps", "X2[np.array([5, -7])]"), ("arr_tuple_list", "X2[[0, 2],]"),
    ("arr_2", "X2[np.array([0, 2]), np.array([1, 3])]"),
    ("arr_bcast", "X2[np.array([[0], [2]]), np.array([1, 3])]"),
    ("arr_split_front", "X3[np.array([0, 2]), :, np.array([1, 3])]"),
    ("arr_contig", "X3[:, np.array([0, 2]), np.array([1, 3])]"),
    ("arr_int_split", "X3[np.array([0, 1]), 1:3, 2]"),
    ("arr_int_contig", "X3[1, np.array([0, 3])]"), ("arr_none", "X3[None, np.array([0, 1])]"),
    ("arr_none_split", "X3[np.array([0, 1]), None, np.array([2, 3])]"),
    ("arr_2d", "X1[np.array([[0, 1], [5, 6]])]"), ("arr_empty", "X2[np.array([], np.int32)]"),
    ("list_empty", "X2[[],]"), ("arr_uint", "X2[np.array([1, 2], np.uint32)]"),
    ("arr_slice_step", "X2[np.array([0, 1]), ::2]"), ("arr_slice_rev", "X2[::-1, np.array([3])]"),
    ("traced_arr", "X2[I]"), ("traced_arr_col", "X2[:, I]"), ("traced_arr_2", "X2[I, I]"),
    ("traced_bcast", "X2[J, I]"), ("traced_arr_3d", "X3[I, :, J]"),
    ("jnp_arr", "X2[jnp.array([2, 0])]"), ("list_of_arrays", "X2[[S, 0],]"),
    # traced scalars: dynamic_slice
    ("dyn", "X2[S]"), ("dyn_slice", "X2[S, 1:3]"), ("dyn_second", "X2[1, S]"),
    ("dyn_rev", "X2[S, ::-1]"), ("dyn_step", "X2[S, ::2]"), ("dyn_none", "X3[None, S, ..., 1]"),
    ("dyn_arr", "X3[S, I]"), ("dyn_neg", "X1[S - 5]"), ("dyn_oob", "X1[S + 10]"),
    # booleans
    ("mask", "X2[np.asarray(b2)]"), ("mask_rows", "X2[np.array([True, False, True])]"),
    ("mask_cols", "X2[:, np.array([True, False, True, True])]"),
    ("mask_list", "X2[[True, False, True],]"), ("true", "X2[True]"), ("false", "X2[False]"),
    ("none_true", "X2[None, True]"), ("mask_and_int", "X3[np.array([True, False, True]), 1]"),
    ("mask_empty", "X2[np.zeros((3, 4), bool)]"),
    # .at[].get
    ("get_fill", "X1.at[np.array([0, 9, -1])].get(mode='fill')"),
    ("get_fill_value", "X1.at[np.array([0, 9])].get(mode='fill', fill_value=-1.0)"),
    ("get_fill_int", "X3.at[np.array([7])].get(mode='fill')"),
    ("get_clip", "X1.at[np.array([0, 9, -9])].get(mode='clip')"),
    ("get_promise", "X2.at[1].get(mode='promise_in_bounds', indices_are_sorted=True)"),
    ("get_nowrap", "X1.at[np.array([-1, 2])].get(mode='fill', wrap_negative_indices=False)"),
    ("get_int_fill", "X1.at[9].get(mode='fill', fill_value=5.0)"),
    ("get_unique", "X2.at[np.array([2, 0])].get(unique_indices=True)"),
    ("get_dyn_fill", "X1.at[S + 10].get(mode='fill')"),
    # .at[] updates
    ("set", "X1.at[2].set(10.0)"), ("set_neg", "X1.at[-1].set(10.0)"),
    ("add_dups", "X1.at[np.array([0, 0, 1])].add(1.0)"),
    ("set_slice", "X1.at[::2].set(jnp.arange(4.0))"), ("set_rev", "X1.at[::-1].set(X1)"),
    ("mul_col", "X2.at[:, 1].mul(2.0)"), ("multiply", "X2.at[0].multiply(3.0)"),
    ("set_arr", "X2.at[I].set(0.0)"), ("set_mask", "X2.at[np.asarray(b2)].set(-1.0)"),
    ("set_oob_dropped", "X2.at[np.array([5, -1])].set(99.0)"),
    ("set_oob_clip", "X2.at[np.array([5, -1])].set(99.0, mode='clip')"),
    ("add_oob_drop", "X1.at[np.array([1, 9])].add(5.0, mode='drop')"),
    ("set_nowrap", "X1.at[-1].set(5.0, wrap_negative_indices=False)"),
    ("min", "X2.at[1].min(3.0)"), ("max", "X2.at[:, 2].max(5.0)"),
    ("divide", "X2.at[1].divide(2.0)"), ("power", "X2.at[1:].power(2)"),
    ("apply", "X1.at[np.array([1, 1, 3])].apply(jnp.sin)"),
    ("subtract", "X2.at[1].subtract(1.0)"),
    ("set_int", "X3.at[..., 0].set(1)"), ("add_int_arr", "X3.at[0, I].add(jnp.arange(5))"),
    ("set_none", "X2.at[None, 1].set(5.0)"),
    ("set_rev_col", "X2.at[::-1, 0].set(jnp.arange(3.0))"), ("set_dyn", "X2.at[S].set(7.0)"),
    ("add_dyn_step", "X2.at[S, ::2].add(1.0)"), ("set_true", "X2.at[True].set(0.0)"),
    ("set_bcast_rows", "X2.at[np.array([0, 2])].set(np.array([1.0, 2, 3, 4], np.float32))"),
    ("set_2arr", "X2.at[J, I].set(-5.0)"), ("set_sorted", "X1.at[1:3].set(0.0, "
                                                          "indices_are_sorted=True, "
                                                          "unique_indices=True)"),
    ("set_int_float", "X3.at[0, 0, 0].set(2.7)"), ("set_bool", "(X2 > 3).at[0].set(True)"),
    ("add_empty", "X1.at[np.array([], np.int32)].add(1.0)"),
    ("set_list", "X1.at[[1, 2],].set([5.0, 6.0])"),
    # errors
    ("err_float", "X2[1.0]"), ("err_too_many", "X2[0, 0, 0]"), ("err_list", "X2[[0, 1]]"),
    ("err_list_nested", "X2[[0, [1]]]"), ("err_str", "X2['a']"),
    ("err_two_ellipsis", "X2[..., ...]"), ("err_mask_shape", "X2[np.array([True, False])]"),
    ("err_zero_step", "X2[1:2:0]"), ("err_float_arr", "X2[np.array([1.5])]"),
    ("err_np_float", "X2[np.float32(1)]"), ("err_dict", "X2[{}]"),
    ("err_size0", "X2[:, :0][:, 0]"), ("err_traced_mask", "X2[X2 > 3]"),
    ("err_traced_slice", "X1[S:S + 2]"), ("err_fill_shape", "X1.at[0].get(mode='fill', "
                                                            "fill_value=np.ones(2))"),
    ("err_mode", "X1.at[0].get(mode='bogus')"),
]

# Cases that can only run eagerly in both libraries (traced booleans, values).
EAGER_ONLY = {"err_traced_mask"}
JAXPR_CASES = ["int", "slice_neg_step", "none_ints", "arr", "arr_bcast", "arr_split_front",
               "dyn", "dyn_step", "mask_rows", "get_fill", "set", "add_dups", "set_dyn",
               "apply", "true"]

DRIVER = """
import json, math, warnings
warnings.simplefilter("ignore")

def encode(r):
    a = np.asarray(r)
    v = a.tolist()
    return {"shape": list(a.shape), "dtype": str(a.dtype),
            "weak": bool(getattr(getattr(r, "aval", None), "weak_type", False)),
            "value": v}

def run(fn, args):
    try:
        return encode(fn(*args))
    except Exception as e:
        return {"error": type(e).__name__, "msg": str(e)[:300]}

X1, X2, X3 = jnp.asarray(x1), jnp.asarray(x2), jnp.asarray(x3)
S, I, J = jnp.asarray(2, jnp.int32), jnp.asarray(i1), jnp.asarray(j2)
ARGS = (X1, X2, X3, S, I, J)
out = {}
for name, expr in CASES:
    fn = eval("lambda X1, X2, X3, S, I, J: " + expr)
    res = {"eager": run(fn, ARGS)}
    if name not in EAGER_ONLY:
        res["jit"] = run(jax.jit(fn), ARGS)
    if name in JAXPR_CASES:
        try:
            res["jaxpr"] = str(jax.make_jaxpr(fn)(*ARGS))
        except Exception as e:
            res["jaxpr"] = type(e).__name__
    out[name] = res
"""


def _program(import_line: str) -> str:
    return (import_line + PRELUDE + f"CASES = {CASES!r}\nEAGER_ONLY = {EAGER_ONLY!r}\n"
            f"JAXPR_CASES = {JAXPR_CASES!r}\n" + DRIVER)


@pytest.fixture(scope="module")
def results():
    # conftest.run_oracle's subprocess, started first so that JAX and cellax run at once.
    code = _program("import jax, jax.numpy as jnp\nfrom jax import lax\n") + \
        "print(json.dumps(out))"
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="1")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        ns: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(_program("import cellax as jax, cellax.numpy as jnp\n"
                          "from cellax import lax\n"), ns)
        got = json.loads(json.dumps(ns["out"]))
    finally:
        stdout, stderr = proc.communicate(timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"oracle failed:\n{stderr}")
    return json.loads(stdout.strip().splitlines()[-1]), got


def _same_value(a, b) -> bool:
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same_value, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= 1e-6 * max(
            1.0, abs(a))
    return a == b


def _check(ref: dict, got: dict, where: str) -> None:
    if "error" in ref:
        assert "error" in got, f"{where}: JAX raised {ref['error']}: {ref['msg']}; got {got}"
        assert got["error"] == ref["error"], (
            f"{where}: JAX raised {ref['error']} ({ref['msg']}), cellax {got['error']} "
            f"({got['msg']})")
        return
    assert "error" not in got, f"{where}: cellax raised {got['error']}: {got['msg']}"
    for k in ("shape", "dtype", "weak"):
        assert got[k] == ref[k], f"{where}: {k} {got[k]} != JAX's {ref[k]}"
    assert _same_value(ref["value"], got["value"]), (
        f"{where}: value {got['value']} != JAX's {ref['value']}")


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_against_jax(results, name):
    ref, got = results
    for mode in ("eager", "jit"):
        if mode in ref[name]:
            _check(ref[name][mode], got[name][mode], f"{name} [{mode}]")


@pytest.mark.parametrize("name", JAXPR_CASES)
def test_jaxpr_matches_jax(results, name):
    ref, got = results
    assert got[name]["jaxpr"] == ref[name]["jaxpr"]


def test_error_messages():
    import cellax.numpy as jnp
    from cellax.errors import NonConcreteBooleanIndexError
    import cellax
    x = jnp.arange(12.0).reshape(3, 4)
    with pytest.raises(IndexError, match="Too many indices: array is 2-dimensional, but 3 "
                                         "were indexed"):
        x[0, 0, 0]
    with pytest.raises(TypeError, match="Indexer must have integer or boolean type, got "
                                        "indexer with type float64"):
        x[1.0]
    with pytest.raises(TypeError, match="non-tuple sequence for multidimensional indexing"):
        x[[0, 1]]
    with pytest.raises(NonConcreteBooleanIndexError):
        cellax.jit(lambda x: x[x > 3])(x)
    with pytest.raises(IndexError, match="Slice entries must be static integers"):
        cellax.jit(lambda x, i: x[i:i + 1])(x, 1)
    with pytest.raises(TypeError, match="immutable|does not support item assignment"):
        x[0] = 1.0


def test_lax_gather_scatter_params_print_like_jax():
    import cellax
    import cellax.numpy as jnp
    from cellax import lax
    x = jnp.arange(12.0).reshape(3, 4)
    dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))
    text = str(cellax.make_jaxpr(lambda x, i: lax.gather(x, i, dn, (1, 2)))(
        x, np.zeros((2, 1), np.int32)))
    assert ("dimension_numbers=GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims="
            "(0,), start_index_map=(0,), operand_batching_dims=(), "
            "start_indices_batching_dims=())") in text
    assert "mode=GatherScatterMode.PROMISE_IN_BOUNDS" in text
    assert "slice_sizes=(1, 2)" in text and "fill_value=None" in text
    with pytest.raises(TypeError, match="Gather op can only collapse slice dims with bound 1"):
        lax.gather(x, np.zeros((2, 1), np.int32), dn, (2, 2))
    with pytest.raises(ValueError, match="indices must have an integer type"):
        lax.gather(x, np.zeros((2, 1), np.float32), dn, (1, 2))
    sdn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
    with pytest.raises(TypeError, match="lax.scatter requires arguments to have the same"):
        lax.scatter_add(x, np.zeros((2, 1), np.int32), jnp.ones((2, 4), jnp.int32), sdn)
    out = lax.scatter_max(x, np.array([[0], [0]], np.int32),
                          jnp.full((2, 4), 5.0), sdn)
    np.testing.assert_array_equal(np.asarray(out)[0], [5, 5, 5, 5])
    # batching dims: a per-row gather (take_along_axis's form)
    bdn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(1,),
                                     start_index_map=(1,), operand_batching_dims=(0,),
                                     start_indices_batching_dims=(0,))
    idx = np.array([[3], [0], [2]], np.int32)
    got = lax.gather(x, idx, bdn, (1, 1))
    np.testing.assert_array_equal(np.asarray(got), [3.0, 4.0, 10.0])
    sbdn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(1,),
                                       scatter_dims_to_operand_dims=(1,),
                                       operand_batching_dims=(0,),
                                       scatter_indices_batching_dims=(0,))
    got = cellax.jit(lambda x: lax.scatter(x, idx, jnp.zeros(3), sbdn))(x)
    want = np.arange(12.0).reshape(3, 4)
    want[[0, 1, 2], [3, 0, 2]] = 0
    np.testing.assert_array_equal(np.asarray(got), want)
