"""`cellax.random` against the reference `jax.random`: the same key gives the same bits.

Every case is a Python expression evaluated twice: under JAX in one oracle
subprocess, and here under cellax (`jax`, `jnp`, `random`, `np` bound to the
cellax/NumPy modules). Results are compared bit for bit: floats as their bit
patterns, keys as their uint32 data.
"""
from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import random
from cellax.config import config

SEEDS = [0, 1, 42, -1, 2**31, 2**40]
SHAPES = [(), (3,), (100, 3), (2, 3, 4)]


def _cases() -> dict[str, str]:
    c: dict[str, str] = {}
    for s in [*SEEDS, 2**32 - 1, 2**32, -2**40, 2**63 - 1, True, "np.int8(-1)",
              "np.uint32(7)", "np.int64(2**40)", "jnp.int32(-5)"]:
        c[f"key_data/{s}"] = f"random.key_data(random.key({s}))"
        c[f"PRNGKey/{s}"] = f"random.PRNGKey({s})"
    # Programs are compiled per (function, shape, dtype) and seeds are run-time values, so
    # every seed is checked on every shape at little cost; half floats on one shape.
    for s, shape in itertools.product(SEEDS, SHAPES):
        c[f"bits/{s}/{shape}"] = f"random.bits(random.key({s}), {shape})"
        c[f"split/{s}/{shape}"] = f"random.split(random.key({s}), {shape})"
        c[f"uniform/{s}/{shape}"] = f"random.uniform(random.key({s}), {shape})"
        c[f"normal/{s}/{shape}"] = f"random.normal(random.key({s}), {shape})"
    for s, dt in itertools.product(SEEDS, ["float16", "bfloat16"]):
        c[f"uniform/{s}/{dt}"] = f"random.uniform(random.key({s}), (100, 3), jnp.{dt})"
        c[f"normal/{s}/{dt}"] = f"random.normal(random.key({s}), (100, 3), jnp.{dt})"
    c["bits_uint8"] = "random.bits(random.key(3), (2, 3, 4), jnp.uint8)"
    c["seed_overview"] = "random.normal(random.key(0), (100, 3))"
    c["split_default"] = "random.split(random.key(0))"
    c["split_chain"] = "random.split(random.split(random.key(1), 3)[2], (2, 3, 4))"
    c["split_iter"] = "[random.key_data(k) for k in random.split(random.key(2), 3)]"
    c["split_zero"] = "random.split(random.key(0), 0)"
    c["fold_in"] = "random.fold_in(random.key(0), 7)"
    c["fold_in_chain"] = "random.fold_in(random.fold_in(random.key(42), 3), 2**31)"
    c["fold_in_np_neg"] = "random.fold_in(random.key(5), np.int32(-1))"
    c["fold_in_float"] = "random.fold_in(random.key(5), 3.7)"
    c["fold_in_array"] = "random.fold_in(random.key(5), jnp.uint32(2**32 - 1))"
    c["fold_in_then_split"] = "random.split(random.fold_in(random.key(9), 11), 4)"
    c["raw_split"] = "random.split(random.PRNGKey(42), 3)"
    c["raw_fold_in"] = "random.fold_in(random.PRNGKey(42), 3)"
    c["raw_normal"] = "random.normal(random.PRNGKey(42), (3,))"
    c["raw_np_key"] = "random.uniform(np.array([0, 42], np.uint32), (3,))"
    c["wrap_key_data"] = "random.normal(random.wrap_key_data(random.PRNGKey(7)), (3,))"
    c["wrapped_batch"] = ("random.key_data(random.wrap_key_data("
                          "jnp.arange(6, dtype=jnp.uint32).reshape(3, 2))[1])")
    c["uniform_range"] = "random.uniform(random.key(1), (100, 3), minval=-2.5, maxval=3.0)"
    c["uniform_array_range"] = ("random.uniform(random.key(1), (100, 3), "
                                "minval=jnp.array([0., 1., 2.]), maxval=5.)")
    c["uniform_empty_range"] = "random.uniform(random.key(1), (100, 3), minval=5., maxval=3.)"
    c["uniform_bf16_range"] = \
        "random.uniform(random.key(2), (100, 3), jnp.bfloat16, 0.1, 0.7)"
    c["normal_int_shape"] = "random.normal(random.key(3), 3)"
    c["normal_list_shape"] = "random.normal(random.key(3), [100, 3])"
    c["normal_complex"] = "random.normal(random.key(3), (6,), jnp.complex64)"
    # int32 bounds given as Python ints share one program (shape (20,)).
    c["randint"] = "random.randint(random.key(0), (20,), 0, 10)"
    c["randint_neg"] = "random.randint(random.key(1), (20,), -5, 5)"
    c["randint_full_range"] = "random.randint(random.key(4), (20,), -2**31, 2**31 - 1)"
    c["randint_empty"] = "random.randint(random.key(4), (20,), 5, 3)"
    c["randint_int8"] = "random.randint(random.key(2), (20,), -128, 128, jnp.int8)"
    c["randint_uint8_256"] = "random.randint(random.key(2), (20,), 0, 256, jnp.uint8)"
    c["randint_uint32"] = \
        "random.randint(random.key(4), (20,), 0, jnp.uint32(4000000000), jnp.uint32)"
    c["randint_array_bounds"] = ("random.randint(random.key(6), (2, 3), jnp.array([0, 10, 20]), "
                                 "jnp.array([5, 15, 1000]))")
    c["randint_float_bounds"] = "random.randint(random.key(6), (20,), 0.5, 9.7)"
    # Under jit: keys as arguments and results, keys made from traced seeds (one program,
    # as each jitted function is compiled anew).
    c["jit"] = ("jax.jit(lambda k, s: [random.normal(k, (100, 3)), "
                "random.normal(k, (100, 3), jnp.float16), random.split(k, 4)[2], "
                "random.fold_in(k, 12), random.normal(random.key(s), (3,)), "
                "random.key_data(random.key(s)), random.randint(k, (9,), -3, 17), "
                "[random.uniform(x) for x in random.split(k, 3)]])(random.key(8), -7)")
    return c


CASES = _cases()

X64_CASES = {
    "x64/key_big": "random.key_data(random.key(2**40 + 3))",
    "x64/key_neg": "random.key_data(random.key(-1))",
    "x64/key_max": "random.PRNGKey(2**63 - 1)",
    "x64/jit": ("jax.jit(lambda k, s: [random.bits(k, (5,)), random.uniform(k, (5,)), "
                "random.normal(k, (3, 2)), random.normal(k, (3, 2), jnp.float32), "
                "random.randint(k, (6,), -2**40, 2**40), "
                "random.key_data(random.key(s))])(random.key(1), 2**40 + 3)"),
}

ERROR_CASES = {
    "bad_key_shape": "random.normal(jnp.zeros(3, jnp.uint32))",
    "bad_key_dtype": "random.normal(jnp.zeros(2, jnp.int32))",
    "bad_key_scalar": "random.normal(0)",
    "bad_key_list": "random.normal([0, 0])",
    "batched_raw_key": "random.normal(jnp.zeros((3, 2), jnp.uint32))",
    "batched_split": "random.split(random.split(random.key(0), 3))",
    "float_seed": "random.key(1.5)",
    "array_seed": "random.key(jnp.ones(2, jnp.int32))",
    "key_seed": "random.key(random.key(0))",
    "huge_seed": "random.key(2**64)",
    "bits_signed": "random.bits(random.key(0), (2,), jnp.int32)",
    "uniform_int": "random.uniform(random.key(0), (2,), jnp.int32)",
    "normal_int": "random.normal(random.key(0), (2,), jnp.int32)",
    "randint_float": "random.randint(random.key(0), (2,), 0, 3, jnp.float32)",
    "randint_bcast": "random.randint(random.key(0), (5,), 0, jnp.arange(3))",
    "randint_bcast_shape": "random.randint(random.key(0), (3,), 0, jnp.ones((2, 3), jnp.int32))",
    "uniform_bcast": "random.uniform(random.key(0), (2, 3), minval=jnp.zeros(4))",
    "fold_in_array": "random.fold_in(random.key(0), jnp.ones(2))",
    "fold_in_negative": "random.fold_in(random.key(0), -1)",
    "split_float": "random.split(random.key(0), 2.0)",
    "key_to_numpy": "np.asarray(random.key(0))",
    "key_bool": "bool(random.key(0))",
    "key_len": "len(random.key(0))",
    "key_iter": "iter(random.key(0))",
}

# Errors whose messages are compared exactly (the rest: the exception type).
SAME_MESSAGE = {"bad_key_dtype", "batched_raw_key", "batched_split", "array_seed", "key_seed",
                "bits_signed", "uniform_int", "normal_int", "randint_bcast",
                "randint_bcast_shape", "uniform_bcast", "fold_in_array", "fold_in_negative",
                "split_float", "key_to_numpy", "key_bool", "key_len", "key_iter"}

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
from jax import random

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    if jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
        x = random.key_data(x)
    x = np.asarray(x)
    dt = str(x.dtype)
    if x.dtype.kind in "fcV" or dt == "bfloat16":
        if x.dtype.kind == "c":
            x = x.view(x.real.dtype)
        x = x.view(np.dtype(f"uint{x.dtype.itemsize * 8}"))
    return {"dtype": dt, "shape": list(x.shape), "bits": x.ravel().tolist()}

def run(cases):
    out = {}
    for name, expr in cases.items():
        out[name] = encode(eval(expr))
    return out

def errors(cases):
    out = {}
    for name, expr in cases.items():
        try:
            eval(expr)
            out[name] = None
        except Exception as e:
            out[name] = [type(e).__name__, str(e)]
    return out

res = {"cases": run(CASES), "errors": errors(ERRORS)}
jax.config.update("jax_enable_x64", True)
res["x64"] = run(X64)
print(json.dumps(res))
"""


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    if isinstance(x, random.KeyArray):
        x = random.key_data(x)
    x = np.asarray(x)
    dt = str(x.dtype)
    if x.dtype.kind in "fcV" or dt == "bfloat16":
        if x.dtype.kind == "c":
            x = x.view(x.real.dtype)
        x = x.view(np.dtype(f"uint{x.dtype.itemsize * 8}"))
    return {"dtype": dt, "shape": list(x.shape), "bits": x.ravel().tolist()}


_NAMESPACE = {"jax": jax, "jnp": jnp, "random": random, "np": np}


@pytest.fixture(scope="module")
def reference(oracle, tmp_path_factory):
    code = (f"CASES = {CASES!r}\nERRORS = {ERROR_CASES!r}\nX64 = {X64_CASES!r}\n" + _ORACLE)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return oracle(code)
    # Under xdist, the workers of one session share a single oracle run.
    shared = tmp_path_factory.getbasetemp().parent
    digest = hashlib.sha256(code.encode()).hexdigest()[:16]
    path = shared / f"random_oracle_{digest}.json"
    with open(shared / f"random_oracle_{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text())
        result = oracle(code)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result))
        os.replace(tmp, path)
        return result


def _assert_same(got, want, name):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), name
        for g, w in zip(got, want):
            _assert_same(g, w, name)
        return
    assert got["dtype"] == want["dtype"], (name, got["dtype"], want["dtype"])
    assert got["shape"] == want["shape"], (name, got["shape"], want["shape"])
    np.testing.assert_array_equal(np.array(got["bits"], dtype=object),
                                  np.array(want["bits"], dtype=object), err_msg=name)


@pytest.mark.parametrize("name", list(CASES))
def test_bit_identical(reference, name):
    got = _encode(eval(CASES[name], dict(_NAMESPACE)))
    _assert_same(got, reference["cases"][name], name)


def test_bit_identical_x64(reference):
    config.update("jax_enable_x64", True)
    try:
        for name, expr in X64_CASES.items():
            _assert_same(_encode(eval(expr, dict(_NAMESPACE))), reference["x64"][name], name)
    finally:
        config.update("jax_enable_x64", False)


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], dict(_NAMESPACE))
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)
    if name in SAME_MESSAGE:
        assert str(info.value) == want[1]


# ---------------------------------------------------------------------------------------
# Behaviour of key arrays (no oracle needed)


def test_seed_overview_values():
    xs = random.normal(random.key(0), (100, 3))
    assert xs.shape == (100, 3) and xs.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(xs[0]),
                                  np.array([1.6226422, 2.0252647, -0.43359444], np.float32))


def test_key_array_basics():
    k = random.key(0)
    assert k.shape == () and k.ndim == 0 and k.size == 1
    assert str(k.dtype) == "key<fry>" and repr(k.dtype) == "key<fry>"
    assert k.dtype.name == "key<fry>" and k.dtype.itemsize == 8
    assert repr(k) == "Array((), dtype=key<fry>) overlaying:\n[0 0]"
    assert isinstance(k, jax.Array)
    assert random.key_impl(k) == "threefry2x32"
    ks = random.split(k, 4)
    assert ks.shape == (4,) and len(ks) == 4
    assert [x.shape for x in ks] == [()] * 4
    assert ks[1:3].shape == (2,) and ks[-1].shape == ()
    assert ks.reshape(2, 2).shape == (2, 2) and ks.reshape(2, 2)[1, 0].shape == ()
    assert ks.reshape(2, 2).T.shape == (2, 2) and ks.ravel().shape == (4,)
    np.testing.assert_array_equal(np.asarray(random.key_data(ks.reshape(2, 2)[1, 0])),
                                  np.asarray(random.key_data(ks[2])))
    assert bool(k == random.key(0)) and not bool(k == random.key(1))
    assert bool(k != random.key(1))
    leaves = jax.tree_util.tree_leaves(k)
    assert len(leaves) == 1 and leaves[0].shape == (2,) and leaves[0].dtype == np.uint32


def test_eager_equals_jit():
    def draws(k):
        return [random.normal(k, (100, 3)),
                random.uniform(k, (100, 3), jnp.bfloat16, -1.0, 2.0),
                random.normal(k, (100, 3), jnp.float16),
                random.bits(k, (2, 3, 4), jnp.uint8),
                random.key_data(random.split(k, (2, 3, 4))),
                random.key_data(random.fold_in(k, 99)),
                random.randint(k, (20,), -9, 9)]
    k = random.key(17)
    for a, b in zip(draws(k), jax.jit(draws)(k)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(np.asarray(a).view(np.uint8), np.asarray(b).view(np.uint8))


def test_keys_through_jit():
    k = random.key(3)
    out = jax.jit(lambda k: k)(k)
    assert isinstance(out, random.KeyArray) and out.shape == ()
    ks = jax.jit(lambda k: random.split(k, 3))(k)
    assert isinstance(ks, random.KeyArray) and ks.shape == (3,)
    a, b = jax.jit(lambda k: tuple(random.split(k)))(k)
    np.testing.assert_array_equal(np.asarray(random.key_data(a)),
                                  np.asarray(random.key_data(random.split(k)[0])))
    assert isinstance(b, random.KeyArray)
    # A raw key stays raw through split/fold_in.
    raw = random.PRNGKey(3)
    assert random.split(raw).shape == (2, 2) and random.split(raw).dtype == np.uint32
    assert random.fold_in(raw, 1).shape == (2,)


def test_key_data_roundtrip():
    ks = random.split(random.key(5), (2, 3))
    data = random.key_data(ks)
    assert data.shape == (2, 3, 2) and data.dtype == np.uint32
    back = random.wrap_key_data(data)
    assert back.shape == (2, 3)
    assert bool(jnp.all(back == ks))
    assert random.key_data(random.PRNGKey(5)).shape == (2,)


def test_threefry_known_answer():
    # Random123's known-answer vectors for Threefry-2x32 with 20 rounds.
    from cellax.primitives.random_bits import threefry2x32
    u = np.uint32
    cases = [((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
             ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
             ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]
    for (k1, k2), (x1, x2), want in cases:
        got = threefry2x32(u(k1), u(k2), u(x1), u(x2))
        assert tuple(int(np.asarray(g)) for g in got) == want
