"""Autodiff through gather and the scatters: finite-difference checks (forward and reverse,
order 2, float64), gradient values against the reference JAX (float32), composition
with jit, and the random-bits primitives' zero derivatives."""
import concurrent.futures

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads
from conftest import run_oracle


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _a(x):
    # check_grads calls f on NumPy arrays for the finite differences.
    return jnp.asarray(x)


RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
V3 = RNG.standard_normal(3)
IDX = np.array([3, 0, 1])
REP = np.array([0, 2, 2])
MASK = np.array([[True, False, True, False, True]] * 2 + [[False] * 5, [True] * 5])

# A gather reading one row per index and one reading 2x2 windows.
ROW_DN = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))
WIN_DN = lax.GatherDimensionNumbers(offset_dims=(1, 2), collapsed_slice_dims=(),
                                    start_index_map=(0, 1))
WIN_IDX = np.array([[0, 0], [2, 3], [2, 3], [1, 1]])
ROW_SDN = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
# Batched gather: row b of the operand is indexed by row b of the indices.
BATCH_DN = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(1,),
                                      start_index_map=(1,), operand_batching_dims=(0,),
                                      start_indices_batching_dims=(0,))
BATCH_IDX = np.array([[[0], [4], [4]], [[1], [1], [2]], [[3], [0], [2]], [[4], [4], [4]]])


def _f_set_max_v():
    # Some updates win, some lose (no ties: finite differences need a smooth point).
    return X, X[0, IDX] + np.array([1.0, -1.0, 0.5])


FWD_REV_CASES = {
    "int_array": (lambda x: jnp.sin(_a(x)[IDX]), (X,)),
    "repeated": (lambda x: _a(x)[jnp.array([0, 2, 2])] ** 2, (X,)),
    "slice_and_array": (lambda x: jnp.cos(_a(x)[1:, IDX]), (X,)),
    "concrete_mask": (lambda x: _a(x)[MASK] ** 3, (X,)),
    "set_unique": (lambda x, v: jnp.tanh(_a(x).at[2].set(_a(v)[0])), (X, V3)),
    "set_array": (lambda x, v: _a(x).at[IDX].set(jnp.outer(v, jnp.ones(5))) ** 2, (X, V3)),
    "set_repeated": (lambda x, v: _a(x)[0].at[REP].set(v) ** 2, (X, V3)),
    "add_repeated": (lambda x, v: _a(x)[1].at[REP].add(v) ** 2, (X, V3)),
    "subtract": (lambda x, v: _a(x)[1].at[REP].subtract(v) ** 2, (X, V3)),
    "multiply_x": (lambda x: _a(x)[2].at[REP].multiply(V3) ** 2, (X,)),
    "multiply_unique": (lambda x, v: _a(x).at[1].multiply(_a(v)[1]) ** 2, (X, V3)),
    "max": (lambda x, v: _a(x).at[0, IDX].max(v) ** 2, _f_set_max_v()),
    "min": (lambda x, v: _a(x).at[0, IDX].min(v) ** 2, _f_set_max_v()),
    "max_repeated": (lambda x, v: _a(x)[3].at[REP].max(v) ** 2, (X, V3)),
    "max_dropped": (lambda x, v: _a(x)[3].at[np.array([4, 9, 4])].max(v) ** 2, (X, V3)),
    "set_clip": (lambda x, v: _a(x)[2].at[np.array([9, 4, 1])].set(v, mode="clip") ** 2,
                 (X, V3)),
    "set_dropped": (lambda x, v: _a(x)[2].at[np.array([9, 1, 1])].set(v) ** 2, (X, V3)),
    "get_fill": (lambda x: _a(x).at[np.array([0, 7, -9, 2])].get(mode="fill",
                                                                   fill_value=0.0) ** 2, (X,)),
    "get_clip": (lambda x: _a(x).at[np.array([0, 7, 2])].get(mode="clip") ** 2, (X,)),
    "lax_gather_rows": (lambda x: lax.gather(_a(x), np.array([[1], [3], [3]]), ROW_DN,
                                             (1, 5)) ** 2, (X,)),
    "lax_gather_windows": (lambda x: jnp.sin(lax.gather(_a(x), WIN_IDX, WIN_DN, (2, 2))),
                           (X,)),
    "lax_gather_batched": (lambda x: lax.gather(_a(x), BATCH_IDX, BATCH_DN, (1, 1)) ** 2,
                           (X,)),
    "lax_scatter_add": (lambda x, u: lax.scatter_add(_a(x), np.array([[0], [2], [0]]),
                                                     _a(u) ** 2, ROW_SDN) ** 2,
                        (X, RNG.standard_normal((3, 5)))),
}


@pytest.mark.parametrize("name", sorted(FWD_REV_CASES))
def test_check_grads(name, x64):
    f, args = FWD_REV_CASES[name]
    check_grads(f, args, order=2, modes=("fwd", "rev"))


# -- gradient values against the reference JAX -------------------------------------------

VALUE_SRC = """
import numpy as np
rng = np.random.default_rng(1)
x = rng.standard_normal((4, 5)).astype(np.float32)
v = rng.standard_normal(3).astype(np.float32)
u = rng.standard_normal((3, 5)).astype(np.float32)
w = x[0, [3, 0, 1]] + np.array([1.0, -1.0, 0.0], np.float32)   # wins, loses, ties
idx = np.array([3, 0, 1])
rep = np.array([0, 2, 2])
row_dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))
win_dn = lax.GatherDimensionNumbers(offset_dims=(1, 2), collapsed_slice_dims=(),
                                    start_index_map=(0, 1))
row_sdn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
s = lambda y: jnp.sum(jnp.sin(y))
fns = {
    "int_array": (lambda x: s(x[idx]), (x,)),
    "repeated": (lambda x: s(x[jnp.array([0, 2, 2])] * 2.0), (x,)),
    "slice_and_array": (lambda x: s(x[1:, idx]), (x,)),
    "mask": (lambda x: s(x[np.array([True, False, True, True])]), (x,)),
    "negative": (lambda x: s(x[:, jnp.array([-1, 0, -1])]), (x,)),
    "oob_get": (lambda x: s(x[0, jnp.array([0, 9])]), (x,)),
    "get_fill": (lambda x: s(x[0].at[jnp.array([0, 9, 2])].get(mode="fill", fill_value=1.0)),
                 (x,)),
    "get_clip": (lambda x: s(x[0].at[jnp.array([0, 9, 2])].get(mode="clip")), (x,)),
    "set_unique": (lambda x, v: s(x.at[2, 1].set(v[0] * 3.0)), (x, v)),
    "set_array": (lambda x, v: s(x.at[0, idx].set(v)), (x, v)),
    "set_repeated": (lambda x, v: s(x[0].at[rep].set(v)), (x, v)),
    "set_rows_repeated": (lambda x, u: s(x.at[rep].set(u)), (x, u)),
    "add": (lambda x, v: s(x[1].at[rep].add(v)), (x, v)),
    "add_oob": (lambda x, v: s(x[1].at[jnp.array([0, 7, 1])].add(v)), (x, v)),
    "subtract": (lambda x, v: s(x[1].at[rep].subtract(v)), (x, v)),
    "multiply": (lambda x: s(x[2].at[rep].multiply(v)), (x,)),
    "multiply_unique": (lambda x, v: s(x.at[1].multiply(v[2])), (x, v)),
    "max": (lambda x, w: s(x.at[0, idx].max(w)), (x, w)),
    "min": (lambda x, w: s(x.at[0, idx].min(w)), (x, w)),
    "max_repeated": (lambda x, v: s(x[3].at[rep].max(v)), (x, v)),
    "max_all_tie": (lambda x: s(x[3].at[rep].max(jnp.stack([x[3, 0], x[3, 2], x[3, 2]]))),
                    (x,)),
    "min_repeated": (lambda x, v: s(x[3].at[rep].min(v)), (x, v)),
    "max_dropped": (lambda x, v: s(x[3].at[jnp.array([4, 9, 4])].max(v)), (x, v)),
    "set_clip": (lambda x, v: s(x[2].at[jnp.array([9, 4, 1])].set(v, mode="clip")), (x, v)),
    "set_dropped": (lambda x, v: s(x[2].at[jnp.array([9, 1, 1])].set(v)), (x, v)),
    "add_clip": (lambda x, v: s(x[2].at[jnp.array([9, 4, 4])].add(v, mode="clip")), (x, v)),
    "lax_gather_rows": (lambda x: s(lax.gather(x, np.array([[1], [3], [3]]), row_dn, (1, 5))),
                        (x,)),
    "lax_gather_windows": (lambda x: s(lax.gather(x, np.array([[0, 0], [2, 3], [2, 3]]),
                                                  win_dn, (2, 2))), (x,)),
    "lax_scatter_add": (lambda x, u: s(lax.scatter_add(x, np.array([[0], [2], [0]]), u ** 2,
                                                       row_sdn)), (x, u)),
}
with_jit = ("repeated", "set_repeated", "max_repeated", "lax_gather_windows")
results = {}
for name, (f, args) in fns.items():
    argnums = tuple(range(len(args)))
    val, grads = jax.value_and_grad(f, argnums=argnums)(*args)
    results[name] = {"value": float(val), "grads": [np.asarray(g).tolist() for g in grads]}
    if name in with_jit:
        g2 = jax.jit(jax.grad(f, argnums=argnums))(*args)
        g3 = jax.grad(jax.jit(f), argnums=argnums)(*args)
        results[name]["jit_grad"] = [np.asarray(g).tolist() for g in g2]
        results[name]["grad_jit"] = [np.asarray(g).tolist() for g in g3]
# The staged derivative programs print as JAX's.
y = x[0].copy()
printed_fns = {
    "gather": (lambda x: s(x[idx]), (x,)),
    "set_repeated": (lambda y, v: s(y.at[rep].set(v)), (y, v)),
    "set_unique": (lambda y, v: s(y.at[idx].set(v, unique_indices=True)), (y, v)),
    "add": (lambda y, v: s(y.at[rep].add(v)), (y, v)),
}
printed = {}
for name, (f, args) in printed_fns.items():
    printed[name] = str(jax.make_jaxpr(jax.grad(f, argnums=(0, 1)[:len(args)]))(*args))
results = {"values": results, "printed": printed}
"""


@pytest.fixture(scope="module")
def value_results():
    # The reference runs in its own process while we compute ours.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        reference = pool.submit(run_oracle, "import json\nimport jax\nimport jax.numpy as jnp\n"
                                "from jax import lax\n" + VALUE_SRC +
                                "print(json.dumps(results))")
        ours = {"jax": jax, "jnp": jnp, "lax": lax}
        exec(VALUE_SRC, ours)
        return ours["results"], reference.result()


def test_gradient_values_match_jax(value_results):
    ours, reference = (r["values"] for r in value_results)
    assert sorted(ours) == sorted(reference)
    for name in sorted(reference):
        got, want = ours[name], reference[name]
        np.testing.assert_allclose(got["value"], want["value"], rtol=1e-5, err_msg=name)
        assert sorted(got) == sorted(want), name
        for key in sorted(set(want) - {"value"}):
            assert len(got[key]) == len(want[key]), name
            for i, (g, w) in enumerate(zip(got[key], want[key])):
                np.testing.assert_allclose(np.asarray(g), np.asarray(w, np.float32),
                                           rtol=1e-5, atol=1e-6,
                                           err_msg=f"{name} {key} argument {i}")


def test_derivative_jaxprs_print_as_jax(value_results):
    ours, reference = (r["printed"] for r in value_results)
    assert [name for name in sorted(reference) if ours[name] != reference[name]] == []


# -- composition with jit (float64, finite differences) ----------------------------------


@pytest.mark.parametrize("name", ["set_repeated", "max", "lax_gather_windows"])
def test_jit_compositions(name, x64):
    f, args = FWD_REV_CASES[name]

    def loss(*a):
        return jnp.sum(jnp.sin(f(*a)))

    argnums = tuple(range(len(args)))
    expected = jax.grad(loss, argnums=argnums)(*args)
    for g in (jax.jit(jax.grad(loss, argnums=argnums)),
              jax.grad(jax.jit(loss), argnums=argnums),
              jax.jit(jax.grad(jax.jit(loss), argnums=argnums))):
        for a, b in zip(g(*args), expected):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)
    check_grads(jax.jit(f), args, order=1, modes=("fwd", "rev"))


# -- rules that are not there, with JAX's errors ------------------------------------------


def test_scatter_mul_updates_need_unique_indices():
    f = lambda v: jnp.sum(jnp.ones(3).at[jnp.array([0, 1, 1])].multiply(v))  # noqa: E731
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        jax.grad(f)(jnp.ones(3))


def test_indices_have_no_tangent():
    x = jnp.arange(5.0)
    t = jax.jvp(lambda x: x[jnp.array([1, 1, 4])], (x,), (jnp.ones(5),))[1]
    np.testing.assert_array_equal(np.asarray(t), np.ones(3, np.float32))


# -- random bits: integer outputs, zero derivatives ---------------------------------------


def test_random_bits_nondifferentiable():
    def f(x):
        key = jax.random.PRNGKey(0)
        noise = jax.random.normal(key, (3,))
        return jnp.sum(x * noise)

    x = jnp.arange(3.0)
    noise = jax.random.normal(jax.random.PRNGKey(0), (3,))
    np.testing.assert_allclose(np.asarray(jax.grad(f)(x)), np.asarray(noise), rtol=1e-6)
    from cellax import core
    from cellax.primitives.random_bits import iota_2x32_shape_p, threefry2x32_p
    assert threefry2x32_p in core.jvp_rules and iota_2x32_shape_p in core.jvp_rules

    def bits_as_float(s):
        k = lax.convert_element_type(s, jnp.uint32)  # an integer tracer, zero tangent
        _, lo = threefry2x32_p.bind(k, k, jnp.zeros(3, jnp.uint32),
                                    jnp.arange(3, dtype=jnp.uint32))
        return s * lax.convert_element_type(lo >> 24, jnp.float32)

    out, t = jax.jvp(bits_as_float, (2.0,), (1.0,))
    np.testing.assert_allclose(np.asarray(t), np.asarray(out) / 2.0)
    g = jax.jit(jax.grad(lambda s: jnp.sum(bits_as_float(s))))(2.0)
    np.testing.assert_allclose(float(g), float(jnp.sum(out)) / 2.0)
