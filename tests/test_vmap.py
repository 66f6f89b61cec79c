"""vmap: against a Python loop for every primitive family, against the reference JAX for the
seed's examples and the Jacobians, composition with jit/grad, and JAX's errors."""
import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from conftest import run_script

RNG = np.random.default_rng(0)


def _loop(f, in_axes, args, size):
    outs = []
    for i in range(size):
        sliced = [a if ax is None else np.take(np.asarray(a), i, axis=ax)
                  for a, ax in zip(args, in_axes)]
        outs.append(f(*[jnp.asarray(s) for s in sliced]))
    return outs


def _check_against_loop(f, in_axes, args, out_axis=0):
    sizes = {np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None}
    (size,) = sizes
    got = jax.vmap(f, in_axes=in_axes, out_axes=out_axis)(*[jnp.asarray(a) for a in args])
    want = _loop(f, in_axes, args, size)
    got_leaves = jax.tree_util.tree_leaves(got)
    want_leaves = [jax.tree_util.tree_leaves(w) for w in want]
    for k, g in enumerate(got_leaves):
        stacked = np.stack([np.asarray(w[k]) for w in want_leaves], axis=out_axis)
        np.testing.assert_allclose(np.asarray(g), stacked, rtol=2e-5, atol=2e-5)
        assert np.asarray(g).dtype == stacked.dtype


A = RNG.standard_normal((3, 4, 5)).astype(np.float32)
B = RNG.standard_normal((3, 4, 5)).astype(np.float32)
M = RNG.standard_normal((3, 5, 2)).astype(np.float32)
I = RNG.integers(0, 4, (3, 4)).astype(np.int32)

UNARY = {
    "sin": jnp.sin, "exp": jnp.exp, "tanh": jnp.tanh, "abs": jnp.abs, "square": jnp.square,
    "neg": lambda x: -x, "pow3": lambda x: x ** 3, "astype": lambda x: x.astype(jnp.int32),
    "sum0": lambda x: jnp.sum(x, axis=0), "sum1": lambda x: x.sum(1), "sum_all": jnp.sum,
    "max": lambda x: jnp.max(x, axis=1), "min_keep": lambda x: jnp.min(x, 0, keepdims=True),
    "prod": lambda x: jnp.prod(x, axis=-1), "argmax": lambda x: jnp.argmax(x, axis=1),
    "argmin": lambda x: jnp.argmin(x), "mean": jnp.mean, "any": lambda x: jnp.any(x > 0, 0),
    "transpose": lambda x: x.T, "reshape": lambda x: x.reshape(20), "reshape2": lambda x:
    x.reshape(2, 10).T, "squeeze": lambda x: x[:1].squeeze(0), "expand": lambda x: x[None],
    "broadcast": lambda x: jnp.broadcast_to(x[0], (3, 5)), "slice": lambda x: x[1:, ::2],
    "rev": lambda x: x[::-1], "index": lambda x: x[2], "concat": lambda x: jnp.concatenate(
        [x, x * 2], axis=1), "pad": lambda x: lax.pad(x, 1.5, ((1, 0, 1), (0, 2, 0))),
    "dynamic_slice": lambda x: lax.dynamic_slice(x, (1, 2), (2, 2)),
    "dynamic_update_slice": lambda x: lax.dynamic_update_slice(x, x[:1, :2] * 0, (2, 1)),
    "iota_add": lambda x: x + jnp.arange(5.0), "where": lambda x: jnp.where(x > 0, x, 0.0),
    "clip": lambda x: jnp.clip(x, -0.5, 0.5), "select_scalar": lambda x: lax.select(
        True, x, -x), "gather": lambda x: x[jnp.array([0, 2, 2])],
    "scatter": lambda x: x.at[1].set(0.0), "scatter_add": lambda x: x.at[jnp.array([0, 0])]
    .add(1.0), "matvec": lambda x: x @ jnp.ones(5), "jit": jax.jit(lambda x: jnp.sin(x) * 2),
    "cumulative_nested_jit": jax.jit(lambda x: jax.jit(jnp.cos)(x) + x.sum()),
    "custom_jvp": jax.custom_jvp(lambda x: jnp.sin(x)),
    "checkpoint": jax.checkpoint(lambda x: jnp.sin(jnp.sin(x))),
}
UNARY["custom_jvp"].defjvp(lambda p, t: (jnp.sin(p[0]), jnp.cos(p[0]) * t[0]))


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unary_vs_loop(name, axis):
    f = UNARY[name]
    x = np.moveaxis(A, 0, axis)
    _check_against_loop(f, (axis,), (x,))


BINARY = {
    "add": jnp.add, "mul": jnp.multiply, "div": jnp.divide, "max": jnp.maximum,
    "gt": jnp.greater, "sub_bcast": lambda x, y: x - y[0], "dot": lambda x, y: jnp.dot(x, y.T),
    "matmul": lambda x, y: x @ y.T, "einsum_like": lambda x, y: jnp.sum(x * y, axis=-1),
    "concat": lambda x, y: jnp.concatenate([x, y]), "where": lambda x, y: jnp.where(
        x > y, x, y), "dynamic_index": lambda x, y: lax.dynamic_slice(
            x, (jnp.argmax(y[:, 0]).astype(jnp.int32), 0), (1, 5)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 2), (-1, 0)])
def test_binary_vs_loop(name, in_axes):
    f = BINARY[name]
    xs = [A if ax is None or ax == 0 else np.moveaxis(A, 0, ax) for ax in in_axes[:1]]
    ys = [B if ax is None or ax == 0 else np.moveaxis(B, 0, ax) for ax in in_axes[1:]]
    x = A[0] if in_axes[0] is None else xs[0]
    y = B[0] if in_axes[1] is None else ys[0]
    _check_against_loop(f, in_axes, (x, y))


def test_dot_general_batch_folded_into_one_op():
    closed = jax.make_jaxpr(jax.vmap(lambda W, x: jnp.dot(W, x), in_axes=(None, 0)))(
        jnp.ones((4, 3)), jnp.ones((5, 3)))
    names = [e.primitive.name for e in closed.jaxpr.eqns]
    assert names.count("dot_general") == 1
    closed = jax.make_jaxpr(jax.vmap(jnp.dot))(jnp.ones((5, 4, 3)), jnp.ones((5, 3)))
    (dot,) = [e for e in closed.jaxpr.eqns if e.primitive.name == "dot_general"]
    (_, (lb, rb)) = dot.params["dimension_numbers"]
    assert list(lb) == [0] and list(rb) == [0]   # a real batch dimension


def test_in_axes_pytrees_kwargs_and_out_axes():
    params = {"w": jnp.ones((3, 2)), "b": jnp.arange(2.0)}
    xs = jnp.arange(12.0).reshape(4, 3)
    f = lambda p, x: x @ p["w"] + p["b"]  # noqa: E731
    out = jax.vmap(f, in_axes=({"w": None, "b": None}, 0))(params, xs)
    np.testing.assert_allclose(np.asarray(out), np.asarray(xs) @ np.ones((3, 2)) + [0, 1])
    out2 = jax.vmap(f, in_axes=(None, 0), out_axes=1)(params, xs)
    assert out2.shape == (2, 4)
    out3 = jax.vmap(lambda x, *, scale: x * scale)(xs, scale=jnp.arange(4.0))
    np.testing.assert_allclose(np.asarray(out3), np.asarray(xs) * np.arange(4.0)[:, None])
    out4 = jax.vmap(lambda x: (x, 2.0), out_axes=(0, None))(xs)
    assert float(out4[1]) == 2.0
    out5 = jax.vmap(lambda: jnp.ones(2), axis_size=3)()
    assert out5.shape == (3, 2)


def test_composition_orders():
    f = lambda w, x: jnp.sum(jnp.tanh(x @ w) ** 2)  # noqa: E731
    w = jnp.asarray(RNG.standard_normal((3, 2)).astype(np.float32))
    xs = jnp.asarray(RNG.standard_normal((5, 3)).astype(np.float32))
    per_ex = [np.asarray(jax.grad(f)(w, xs[i])) for i in range(5)]
    for g in (jax.vmap(jax.grad(f), (None, 0)), jax.jit(jax.vmap(jax.grad(f), (None, 0))),
              jax.vmap(jax.jit(jax.grad(f)), (None, 0)), jax.vmap(jax.grad(jax.jit(f)),
                                                               (None, 0))):
        np.testing.assert_allclose(np.asarray(g(w, xs)), np.stack(per_ex), rtol=1e-5,
                                   atol=1e-6)
    total = jax.grad(lambda w: jnp.sum(jax.vmap(f, (None, 0))(w, xs)))(w)
    np.testing.assert_allclose(np.asarray(total), np.sum(per_ex, 0), rtol=1e-5, atol=1e-5)


def test_vmap_of_custom_vjp_and_random_keys():
    @jax.custom_vjp
    def g(x):
        return jnp.sin(x)
    g.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), lambda c, ct: (2.0 * c * ct,))
    xs = jnp.arange(3.0)
    np.testing.assert_allclose(np.asarray(jax.vmap(g)(xs)), np.sin(np.arange(3.0)), rtol=1e-6)
    gr = jax.vmap(jax.grad(g))(xs)
    np.testing.assert_allclose(np.asarray(gr), 2 * np.cos(np.arange(3.0)), rtol=1e-6)
    keys = jax.random.split(jax.random.key(1), 3)
    samples = jax.vmap(lambda k: jax.random.normal(k, (2,)))(keys)
    for i in range(3):
        np.testing.assert_array_equal(np.asarray(samples[i]),
                                      np.asarray(jax.random.normal(keys[i], (2,))))


def test_collectives():
    x = jnp.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(np.asarray(jax.vmap(lambda v: lax.psum(v, "i"),
                                                   axis_name="i")(x)), [[6, 9]] * 3)
    np.testing.assert_allclose(np.asarray(jax.vmap(lambda v: lax.pmean(v, "i"),
                                                   axis_name="i")(x)), [[2, 3]] * 3)
    np.testing.assert_allclose(np.asarray(jax.vmap(lambda v: lax.pmin(v, "i"),
                                                   axis_name="i")(x)), [[0, 1]] * 3)
    idx = jax.vmap(lambda v: lax.axis_index("i"), axis_name="i")(x)
    np.testing.assert_array_equal(np.asarray(idx), [0, 1, 2])
    gathered = jax.vmap(lambda v: lax.all_gather(v, "i"), axis_name="i")(x)
    assert gathered.shape == (3, 3, 2)
    np.testing.assert_allclose(np.asarray(gathered[1]), np.asarray(x))
    with pytest.raises(NameError, match="unbound axis name"):
        lax.psum(x, "i")


def test_errors():
    with pytest.raises(ValueError, match="vmap got inconsistent sizes for array axes to be "
                                         "mapped:\n  \\* one axis had size 2: axis 0 of "
                                         "argument x"):
        jax.vmap(lambda x, y: x + y)(jnp.ones(2), jnp.ones(3))
    with pytest.raises(ValueError, match="vmap was requested to map its argument along axis "
                                         "2, which implies that its rank should be at least "
                                         "3, but is only 1"):
        jax.vmap(lambda x: x, in_axes=2)(jnp.ones(3))
    with pytest.raises(ValueError, match="vmap has mapped output but out_axes is None"):
        jax.vmap(lambda x: x, out_axes=None)(jnp.ones(3))
    with pytest.raises(ValueError, match="in_axes"):
        jax.vmap(lambda x, y: x, in_axes=(0,))(jnp.ones(3), jnp.ones(3))


SEED_SCRIPT = """
import numpy as np

def l1_distance(x, y):
    assert x.ndim == y.ndim == 1
    return jnp.sum(jnp.abs(x - y))

def pairwise_distances(dist1D, xs):
    return jax.vmap(jax.vmap(dist1D, (0, None)), (None, 0))(xs, xs)

xs = jax.random.normal(jax.random.key(0), (100, 3))
dists = pairwise_distances(l1_distance, xs)
print(dists.shape, np.asarray(dists)[:3, :5].round(5).tolist())

rng = np.random.RandomState(0)
sizes = [784, 512, 512, 10]
params = [(jnp.asarray(rng.randn(m, n).astype(np.float32) * 0.05),
           jnp.asarray(rng.randn(n).astype(np.float32) * 0.05))
          for m, n in zip(sizes[:-1], sizes[1:])]
inputs = jnp.asarray(rng.randn(8, 784).astype(np.float32))
targets = jnp.asarray(rng.randn(8, 10).astype(np.float32))

def predict(params, inputs):
    for W, b in params:
        outputs = jnp.dot(inputs, W) + b
        inputs = jnp.tanh(outputs)
    return outputs

def loss(params, inputs, targets):
    preds = predict(params, inputs)
    return jnp.sum((preds - targets)**2)

grad_loss = jax.jit(jax.grad(loss))
perex_grads = jax.jit(jax.vmap(grad_loss, in_axes=(None, 0, 0)))
g = perex_grads(params, inputs, targets)
print([tuple(l.shape) for l in jax.tree_util.tree_leaves(g)])
print([float(np.asarray(l).sum().round(3)) for l in jax.tree_util.tree_leaves(g)])

f = lambda x: jnp.sin(x) * x[0] + x ** 2
x = jnp.arange(1.0, 4.0)
print(np.asarray(jax.jacfwd(f)(x)).round(5).tolist())
print(np.asarray(jax.jacrev(f)(x)).round(5).tolist())
print(np.asarray(jax.hessian(lambda x: jnp.sum(jnp.sin(x) * x ** 2))(x)).round(4).tolist())
print(np.asarray(jax.jacfwd(jax.jacrev(lambda x: jnp.sum(jnp.tanh(x) ** 2)))(x)).round(4).tolist())
jac = jax.jacrev(lambda p, x: {"out": p["w"] @ x}, argnums=(0, 1))({"w": jnp.ones((2, 3))}, x)
print(jax.tree_util.tree_structure(jac), [l.shape for l in jax.tree_util.tree_leaves(jac)])
"""


def test_seed_examples_and_jacobians_match_reference():
    assert run_script(SEED_SCRIPT, "cellax") == run_script(SEED_SCRIPT, "jax")


# Every primitive is exercised by the vmap-vs-loop tables above (directly or through the
# function named after it), or in the files named below. A new primitive must join them.
VMAP_COVERED = {
    "sin": "sin", "exp": "exp", "tanh": "tanh", "abs": "abs", "square": "square",
    "neg": "neg", "integer_pow": "pow3", "convert_element_type": "astype",
    "reduce_sum": "sum0", "reduce_max": "max", "reduce_min": "min_keep",
    "reduce_prod": "prod", "argmax": "argmax", "argmin": "argmin", "reduce_or": "any",
    "transpose": "transpose", "reshape": "reshape", "squeeze": "squeeze",
    "broadcast_in_dim": "broadcast", "slice": "slice", "rev": "rev",
    "concatenate": "concat", "pad": "pad", "dynamic_slice": "dynamic_slice",
    "dynamic_update_slice": "dynamic_update_slice", "iota": "iota_add",
    "select_n": "where", "max": "max", "min": "clip", "clamp": "clip",
    "gather": "gather", "scatter": "scatter", "scatter-add": "scatter_add",
    "dot_general": "dot", "jit": "jit", "custom_jvp_call": "custom_jvp",
    "remat2": "checkpoint", "add": "add", "mul": "mul", "div": "div", "gt": "gt",
    "sub": "sub_bcast",
}
VMAP_COVERED_ELSEWHERE = {
    # test_vmap.py: collectives, custom_vjp and random keys have their own tests
    "psum", "pmax", "pmin", "all_gather", "axis_index", "custom_vjp_call", "custom_lin",
    "threefry2x32", "iota_2x32_shape",
    # tests/test_vmap_indexing.py
    "scatter-sub", "scatter-mul", "scatter-min", "scatter-max",
    # the control-flow test files (empty2 has no operands)
    "cond", "while", "scan", "empty2",
    # tests/test_sorting.py (vmap vs a loop, in_axes 0 and 1)
    "sort", "top_k", "approx_top_k",
    # tests/test_fft.py (vmap vs a loop, each fft_type, several in_axes)
    "fft",
    # tests/test_special.py (vmap vs a loop, three in_axes)
    "igamma", "igammac", "igamma_grad_a", "random_gamma_grad", "regularized_incomplete_beta",
    "bessel_i0e", "bessel_i1e", "zeta",
    # tests/test_conv.py (vmap over lhs, rhs and both vs a loop)
    "conv_general_dilated",
    # tests/test_windowed.py (vmap vs a loop, in_axes 0 and 1)
    "cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp", "reduce_window_sum",
    "reduce_window_max", "reduce_window_min", "reduce_window", "select_and_gather_add",
    "select_and_scatter_add", "reduce", "reduce_precision",
    # tests/test_linalg.py (vmap vs a loop; batched and unbatched operands)
    "cholesky", "triangular_solve", "lu", "lu_pivots_to_permutation", "qr", "eigh", "svd",
    "eig",
    # tests/test_random_distributions.py (vmap over keys and a vs a loop)
    "random_gamma",
}
# Elementwise primitives share one rule per family (vectorized / broadcasting), which the
# table checks through the family members above.
ELEMENTWISE_FAMILY = {
    "sign", "floor", "ceil", "is_finite", "exp2", "log", "log1p", "expm1", "logistic",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
    "sqrt", "rsqrt", "cbrt", "erf", "erfc", "erf_inv", "lgamma", "digamma", "not",
    "population_count", "clz", "imag", "real", "conj", "round", "stop_gradient", "rem",
    "pow", "atan2", "nextafter", "and", "or", "xor", "shift_left", "shift_right_arithmetic",
    "shift_right_logical", "complex", "eq", "ne", "lt", "le", "ge", "add_any", "polygamma",
    "bitcast_convert_type", "reduce_and", "reduce_xor",
}


def test_every_primitive_is_vmap_checked():
    from test_primitive_rules import PRIMS
    tables = set(UNARY) | set(BINARY)
    missing = sorted(n for n in PRIMS if n not in VMAP_COVERED_ELSEWHERE
                     and n not in ELEMENTWISE_FAMILY and VMAP_COVERED.get(n) not in tables)
    assert missing == [], f"primitives without a vmap-vs-loop case: {missing}"
    from cellax import core
    from cellax.interpreters import batching
    for name in ELEMENTWISE_FAMILY & set(PRIMS):
        rule = core.batching_rules.get(PRIMS[name])
        assert rule is not None, name
    _ = batching


FLOAT_UNARY = ["sign", "floor", "ceil", "is_finite", "exp2", "log", "log1p", "expm1",
               "logistic", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
               "acosh", "atanh", "sqrt", "rsqrt", "cbrt", "erf", "erfc", "erf_inv", "lgamma",
               "digamma", "imag", "real", "conj", "round", "stop_gradient"]
INT_UNARY = ["bitwise_not", "population_count", "clz"]
FLOAT_BINARY = ["rem", "pow", "atan2", "nextafter", "complex", "eq", "ne", "lt", "le", "ge",
                "max", "min"]
INT_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "shift_left",
              "shift_right_arithmetic", "shift_right_logical"]


def _domain(name, x):
    if name in ("log", "sqrt", "rsqrt", "lgamma", "digamma", "log1p"):
        return np.abs(x) + 0.5
    if name == "acosh":
        return np.abs(x) + 1.5
    if name in ("asin", "acos", "atanh", "erf_inv"):
        return np.tanh(x) * 0.9
    if name in ("imag", "real", "conj"):
        return (x + 1j * np.cos(x)).astype(np.complex64)
    return x


@pytest.mark.parametrize("name", FLOAT_UNARY + INT_UNARY)
@pytest.mark.parametrize("axis", [0, 1])
def test_elementwise_family_unary_vs_loop(name, axis):
    f = getattr(lax, name)
    x = _domain(name, A[:, :, 0]) if name not in INT_UNARY else I
    _check_against_loop(f, (axis,), (np.moveaxis(x, 0, axis),))


@pytest.mark.parametrize("name", FLOAT_BINARY + INT_BINARY)
@pytest.mark.parametrize("in_axes", [(0, 0), (None, 1), (1, None)])
def test_elementwise_family_binary_vs_loop(name, in_axes):
    f = getattr(lax, name)
    if name in INT_BINARY:
        x, y = I, (I % 3).astype(np.int32)
    else:
        x, y = np.abs(A[:, :, 0]) + 0.5, B[:, :, 0]
    args = [x[0] if ax is None else np.moveaxis(x, 0, ax) for x, ax in zip((x, y), in_axes)]
    _check_against_loop(f, in_axes, args)
