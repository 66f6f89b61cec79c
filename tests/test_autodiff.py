"""Automatic differentiation: values against the reference JAX, finite-difference checks,
composition with jit in every order, and JAX's errors."""
import json

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads
from conftest import run_oracle


def tanh(x):
    y = jnp.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


def abs_val(x):
    if x > 0:
        return x
    else:
        return -x


def test_seed_values():
    assert str(jax.grad(tanh)(1.0)) == "0.4199743"
    assert str(jax.grad(jax.grad(jax.grad(tanh)))(1.0)) == "0.6216267"
    assert float(jax.grad(abs_val)(1.0)) == 1.0
    assert float(jax.grad(abs_val)(-1.0)) == -1.0


# -- the seed's MLP, against the reference JAX ------------------------------------------

MLP_SRC = """
import numpy as np
rng = np.random.RandomState(0)
sizes = [6, 5, 4, 3]
raw = [(rng.randn(m, n).astype(np.float32), rng.randn(n).astype(np.float32))
       for m, n in zip(sizes[:-1], sizes[1:])]
x_np = rng.randn(2, 6).astype(np.float32)
y_np = rng.randn(2, 3).astype(np.float32)

def predict(params, inputs):
    for W, b in params:
        outputs = jnp.dot(inputs, W) + b
        inputs = jnp.tanh(outputs)
    return outputs

def loss(params, inputs, targets):
    preds = predict(params, inputs)
    return jnp.sum((preds - targets) ** 2)

params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in raw]
args = (params, jnp.asarray(x_np), jnp.asarray(y_np))
results = {
    "jit_grad": jax.jit(jax.grad(loss))(*args),
    "grad_jit": jax.grad(jax.jit(loss))(*args),
    "jit_grad_jit": jax.jit(jax.grad(jax.jit(loss)))(*args),
    "value_and_grad": jax.value_and_grad(loss, argnums=(0, 1))(*args),
}
jaxpr_text = str(jax.make_jaxpr(jax.grad(loss))(*args))
"""


def _leaves_as_lists(tree):
    return [np.asarray(x).tolist() for x in jax.tree_util.tree_leaves(tree)]


@pytest.fixture(scope="module")
def mlp_oracle():
    code = ("import json, jax, jax.numpy as jnp\n" + MLP_SRC +
            "print(json.dumps({'values': {k: [np.asarray(l).tolist() for l in "
            "jax.tree_util.tree_leaves(v)] for k, v in results.items()}, "
            "'jaxpr': jaxpr_text}))")
    return run_oracle(code)


def test_mlp_gradients_equal_reference(mlp_oracle):
    ns = {"jax": jax, "jnp": jnp}
    exec(MLP_SRC, ns)
    for name, value in ns["results"].items():
        ours = _leaves_as_lists(value)
        ref = mlp_oracle["values"][name]
        assert len(ours) == len(ref), name
        for a, b in zip(ours, ref):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-6, atol=2e-6,
                                       err_msg=name)


def test_mlp_grad_jaxpr_matches_reference(mlp_oracle):
    ns = {"jax": jax, "jnp": jnp}
    exec(MLP_SRC, ns)
    assert ns["jaxpr_text"] == mlp_oracle["jaxpr"]


# -- make_jaxpr(grad(f)) golden programs ----------------------------------------------

GOLDEN = {
    "sin_times_x": "lambda x: jnp.sin(x) * x",
    "seed_tanh": "tanh",
    "jit_inside": "jax.jit(lambda x: jnp.sin(x) * x)",
    "second_order": "jax.grad(tanh)",
    "exp_log": "lambda x: jnp.log(1.0 + jnp.exp(x))",
    "max_min": "lambda x: jnp.maximum(x, 0.5) * jnp.minimum(x, 2.0)",
}
GOLDEN_DEFS = """
def tanh(x):
    y = jnp.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)
"""


@pytest.fixture(scope="module")
def golden_oracle():
    code = ("import json, jax, jax.numpy as jnp\n" + GOLDEN_DEFS +
            f"progs = {{k: eval(v) for k, v in {GOLDEN!r}.items()}}\n"
            "print(json.dumps({k: str(jax.make_jaxpr(jax.grad(f))(1.0)) "
            "for k, f in progs.items()}))")
    return run_oracle(code)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_grad_jaxpr_text_matches_reference(name, golden_oracle):
    ns = {"jax": jax, "jnp": jnp}
    exec(GOLDEN_DEFS, ns)
    f = eval(GOLDEN[name], ns)
    assert str(jax.make_jaxpr(jax.grad(f))(1.0)) == golden_oracle[name]


# -- finite-difference checks (order 2, forward and reverse) --------------------------

@jax.custom_jvp
def _softplus(x):
    return jnp.log1p(jnp.exp(x))


_softplus.defjvps(lambda t, ans, x: t * lax.logistic(x))


@jax.custom_vjp
def _clip_sin(x):
    return jnp.sin(x)


_clip_sin.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), lambda c, ct: (c * ct,))

RNG = np.random.default_rng(0)
POS = np.abs(RNG.standard_normal((3,))) + 0.5
ANY = RNG.standard_normal((2, 3))
UNIT = np.clip(RNG.standard_normal((3,)) * 0.3, -0.8, 0.8)

UNARY = {
    "exp": (jnp.exp, ANY), "log": (jnp.log, POS), "log1p": (jnp.log1p, POS),
    "expm1": (jnp.expm1, ANY), "tanh": (jnp.tanh, ANY), "sin": (jnp.sin, ANY),
    "cos": (jnp.cos, ANY), "tan": (jnp.tan, UNIT), "arcsin": (jnp.arcsin, UNIT),
    "arccos": (jnp.arccos, UNIT), "arctan": (jnp.arctan, ANY), "sinh": (jnp.sinh, ANY),
    "cosh": (jnp.cosh, ANY), "arcsinh": (jnp.arcsinh, ANY), "arccosh": (jnp.arccosh, POS + 1),
    "arctanh": (jnp.arctanh, UNIT), "sqrt": (jnp.sqrt, POS), "cbrt": (jnp.cbrt, POS),
    "abs": (jnp.abs, POS), "square": (jnp.square, ANY), "negative": (jnp.negative, ANY),
    "exp2": (jnp.exp2, ANY), "reciprocal": (jnp.reciprocal, POS),
    "rsqrt": (lax.rsqrt, POS), "logistic": (lax.logistic, ANY), "erf": (lax.erf, ANY),
    "erf_inv": (lax.erf_inv, UNIT), "lgamma": (lax.lgamma, POS + 1),
    "digamma": (lax.digamma, POS + 1), "cube": (lambda x: x ** 3, ANY),
    "sum": (jnp.sum, ANY), "mean0": (lambda x: jnp.mean(x, axis=0), ANY),
    "max": (lambda x: jnp.max(x, axis=1), ANY), "min": (jnp.min, ANY),
    "prod": (lambda x: jnp.prod(x, axis=1), ANY), "transpose": (lambda x: x.T * x.T, ANY),
    "reshape": (lambda x: jnp.sin(x.reshape(3, 2)), ANY),
    "slice": (lambda x: x[1:, ::2] * 2.0, ANY), "rev": (lambda x: x[::-1] ** 2, ANY),
    "index": (lambda x: x[1] * x[0], ANY), "concat": (lambda x: jnp.concatenate([x, x * x]),
                                                      ANY),
    "pad": (lambda x: lax.pad(x, 0.0, ((1, 2, 1), (0, 1, 0))) ** 2, ANY),
    "dynamic_slice": (lambda x: lax.dynamic_slice(x, (1, 1), (1, 2)) ** 2, ANY),
    "dynamic_update_slice": (lambda x: lax.dynamic_update_slice(x, x[:1, :2] ** 2, (1, 1)),
                             ANY),
    "broadcast": (lambda x: jnp.broadcast_to(x[0], (4, 3)) * x[1], ANY),
    "clamp": (lambda x: lax.clamp(-0.3, x, 0.4) * x, ANY),
    "jit": (jax.jit(lambda x: jnp.sin(x) * jnp.cos(x)), ANY),
    "erfc": (lax.erfc, ANY),
    "complex_parts": (lambda x: jnp.real(lax.complex(x, x ** 2) * lax.conj(
        lax.complex(jnp.sin(x), x))) + jnp.imag(lax.complex(x, jnp.cos(x)) ** 2), ANY),
    "checkpoint": (jax.checkpoint(lambda x: jnp.sin(jnp.sin(x)) * x), ANY),
    "custom_jvp": (_softplus, ANY),
    "custom_vjp": (_clip_sin, ANY),
    "psum_in_vmap": (lambda x: jax.vmap(lambda v: v * lax.psum(v ** 2, "i"),
                                        axis_name="i")(x), ANY),
    "pmax_in_vmap": (lambda x: jax.vmap(lambda v: lax.pmax(v, "i") * v, axis_name="i")(x),
                     ANY),
    "all_gather_in_vmap": (lambda x: jax.vmap(lambda v: lax.all_gather(v, "i") * v,
                                              axis_name="i")(x), ANY),
    "vmap_dot": (lambda x: jax.vmap(jnp.dot)(x, x), ANY),
    "gather": (lambda x: x[jnp.array([0, 1, 1])] ** 2, ANY),
    "scatter_add": (lambda x: x.at[jnp.array([0, 0])].add(x[1] ** 2), ANY),
    "nested_jit": (jax.jit(lambda x: jax.jit(jnp.tanh)(x) * x), ANY),
}
BINARY = {
    "add": (jnp.add, ANY, ANY[0]), "sub": (jnp.subtract, ANY, ANY),
    "mul": (jnp.multiply, ANY, ANY[1]), "div": (jnp.divide, ANY, POS),
    "pow": (jnp.power, POS, ANY[0]), "maximum": (jnp.maximum, ANY, ANY * 0.5 + 0.1),
    "arctan2": (jnp.arctan2, ANY, POS), "dot": (jnp.dot, ANY, ANY.T),
    "matmul_batched": (jnp.matmul, RNG.standard_normal((2, 2, 3)),
                       RNG.standard_normal((2, 3, 2))),
    "where": (lambda x, y: jnp.where(x > 0, x * y, y), ANY, ANY),
    "rem": (lambda x, y: lax.rem(x, y), ANY[0], POS),
}


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


# Forward mode through a custom_vjp function is an error, as in JAX.
REV_ONLY = {"custom_vjp"}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_check_grads_unary_float64(name, x64):
    f, x = UNARY[name]
    modes = ("rev",) if name in REV_ONLY else ("fwd", "rev")
    check_grads(f, (jnp.asarray(x),), order=2, modes=modes)


# Every differentiable primitive is exercised by the check_grads tables above (directly
# or through the jnp/lax function named after it). A new primitive must join them.
COVERED = {
    "neg": "negative", "exp": "exp", "exp2": "exp2", "log": "log", "log1p": "log1p",
    "expm1": "expm1", "tanh": "tanh", "logistic": "logistic", "sin": "sin", "cos": "cos",
    "tan": "tan", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh",
    "cosh": "cosh", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
    "sqrt": "sqrt", "rsqrt": "rsqrt", "cbrt": "cbrt", "erf": "erf", "erfc": "erfc",
    "erf_inv": "erf_inv", "lgamma": "lgamma", "digamma": "digamma", "polygamma": "digamma",
    "square": "square", "abs": "abs", "integer_pow": "cube", "real": "complex_parts",
    "imag": "complex_parts", "conj": "complex_parts", "complex": "complex_parts",
    "add": "add", "sub": "sub", "mul": "mul", "div": "div", "rem": "rem", "pow": "pow",
    "max": "maximum", "min": "clamp", "atan2": "arctan2", "add_any": "jit",
    "convert_element_type": "reciprocal", "select_n": "where", "clamp": "clamp",
    "reduce_sum": "sum", "reduce_max": "max", "reduce_min": "min", "reduce_prod": "prod",
    "broadcast_in_dim": "broadcast", "reshape": "reshape", "transpose": "transpose",
    "squeeze": "index", "rev": "rev", "concatenate": "concat", "pad": "pad",
    "slice": "slice", "dynamic_slice": "dynamic_slice",
    "dynamic_update_slice": "dynamic_update_slice", "dot_general": "dot",
    "jit": "nested_jit", "remat2": "checkpoint", "custom_jvp_call": "custom_jvp",
    "custom_vjp_call": "custom_vjp", "custom_lin": "custom_vjp", "psum": "psum_in_vmap",
    "pmax": "pmax_in_vmap", "pmin": "pmax_in_vmap", "all_gather": "all_gather_in_vmap",
    "gather": "gather", "scatter-add": "scatter_add",
}
# Checked in tests/test_autodiff_indexing.py (the rest of the scatter family), and in the
# control-flow test files (cond, while, scan).
COVERED_ELSEWHERE = {"scatter", "scatter-sub", "scatter-mul", "scatter-min", "scatter-max",
                     "cond", "while", "scan",
                     # tests/test_sorting.py (order 2, fwd and rev, x64)
                     "sort", "top_k", "approx_top_k",
                     # tests/test_fft.py (order 2, fwd and rev, each fft_type)
                     "fft",
                     # tests/test_special.py (check_grads order 1; igamma_grad_a and zeta
                     # raise JAX's error; random_gamma_grad forward mode only)
                     "igamma", "igammac", "igamma_grad_a", "random_gamma_grad",
                     "regularized_incomplete_beta", "bessel_i0e", "bessel_i1e", "zeta",
                     "conv_general_dilated",  # tests/test_conv.py (check_grads, order 2)
                     # tests/test_windowed.py (check_grads, order 2, fwd + rev)
                     "cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp",
                     "reduce_window_sum", "reduce_window_max", "reduce_window_min",
                     "reduce_window", "select_and_gather_add", "select_and_scatter_add",
                     "reduce", "reduce_precision",
                     # tests/test_linalg.py (check_grads order 1-2, fwd + rev, x64)
                     "cholesky", "triangular_solve", "lu", "qr", "eigh", "svd", "eig",
                     # tests/test_random_distributions.py (check_grads w.r.t. a, order 1)
                     "random_gamma"}


def test_every_differentiable_primitive_is_grad_checked():
    from test_primitive_rules import PRIMS
    from cellax import core
    from cellax.interpreters import jvp as jvp_mod
    nondiff = set()
    for name, prim in PRIMS.items():
        rule = core.jvp_rules.get(prim)
        if rule is not None and rule.__qualname__.startswith("def_nondifferentiable"):
            nondiff.add(name)
    differentiable = set(PRIMS) - nondiff
    tables = set(UNARY) | set(BINARY)
    missing = sorted(n for n in differentiable
                     if n not in COVERED_ELSEWHERE and COVERED.get(n) not in tables)
    assert missing == [], f"primitives without a check_grads case: {missing}"
    _ = jvp_mod


@pytest.mark.parametrize("name", sorted(BINARY))
def test_check_grads_binary_float64(name, x64):
    f, x, y = BINARY[name]
    check_grads(f, (jnp.asarray(x), jnp.asarray(y)), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", ["exp", "tanh", "sin", "sqrt", "sum", "max", "jit",
                                  "slice"])
def test_check_grads_float32(name):
    f, x = UNARY[name]
    check_grads(f, (jnp.asarray(x, jnp.float32),), order=1, modes=("fwd", "rev"))


# -- gradients equal the reference JAX for a table of functions ------------------------

ORACLE_FUNS = {
    "poly": ("lambda x: jnp.sum(x ** 3 - 2.0 * x)", [0.5, -1.0, 2.0]),
    "softplus": ("lambda x: jnp.sum(jnp.log1p(jnp.exp(x)))", [0.5, -1.0, 2.0]),
    "prod_zero": ("lambda x: jnp.prod(x)", [0.0, 2.0, 3.0]),
    "max_ties": ("lambda x: jnp.max(x)", [1.0, 3.0, 3.0]),
    "norm": ("lambda x: jnp.sqrt(jnp.sum(x * x))", [3.0, 4.0, 0.0]),
    "where": ("lambda x: jnp.sum(jnp.where(x > 0, x, 0.1 * x))", [0.5, -1.0, 2.0]),
    "matvec": ("lambda x: jnp.sum(jnp.tanh(jnp.dot(jnp.outer(x, x), x)))", [0.1, 0.2, 0.3]),
    "mean_var": ("lambda x: jnp.mean(x) * jnp.var(x)", [0.5, -1.0, 2.0]),
    "clip": ("lambda x: jnp.sum(jnp.clip(x, -0.5, 1.0) ** 2)", [0.5, -1.0, 2.0]),
    "abs_sign": ("lambda x: jnp.sum(jnp.abs(x) * jnp.sign(x))", [0.5, -1.0, 2.0]),
}


def test_gradients_equal_reference_jax():
    code = ("import json, jax, jax.numpy as jnp, numpy as np\n"
            f"funs = {ORACLE_FUNS!r}\n"
            "out = {}\n"
            "for k, (src, x) in funs.items():\n"
            "    f = eval(src)\n"
            "    x = jnp.asarray(x, jnp.float32)\n"
            "    out[k] = [np.asarray(jax.grad(f)(x)).tolist(),\n"
            "              np.asarray(jax.grad(lambda v: jnp.sum(jax.grad(f)(v) ** 2))(x))"
            ".tolist()]\n"
            "print(json.dumps(out))")
    ref = run_oracle(code)
    for k, (src, x) in ORACLE_FUNS.items():
        f = eval(src)
        x = jnp.asarray(x, jnp.float32)
        first = np.asarray(jax.grad(f)(x))
        second = np.asarray(jax.grad(lambda v: jnp.sum(jax.grad(f)(v) ** 2))(x))
        np.testing.assert_allclose(first, ref[k][0], rtol=1e-5, atol=1e-6, err_msg=k)
        np.testing.assert_allclose(second, ref[k][1], rtol=1e-5, atol=1e-5, err_msg=k)


# -- API surface ------------------------------------------------------------------------

def test_argnums_has_aux_and_pytrees():
    def f(a, b, c):
        return jnp.sum(a["w"] * b) + c ** 2, {"aux": a["w"].sum()}
    a = {"w": jnp.arange(3.0)}
    b = jnp.ones(3)
    (val, aux), grads = jax.value_and_grad(f, argnums=(0, 2), has_aux=True)(a, b, 3.0)
    assert float(val) == 12.0 and float(aux["aux"]) == 3.0
    np.testing.assert_allclose(np.asarray(grads[0]["w"]), np.ones(3))
    assert float(grads[1]) == 6.0
    g, aux = jax.grad(f, argnums=1, has_aux=True)(a, b, 3.0)
    np.testing.assert_allclose(np.asarray(g), [0.0, 1.0, 2.0])


def test_jvp_linearize_vjp_agree():
    f = lambda x: jnp.sin(x) * x ** 2  # noqa: E731
    x = jnp.arange(1.0, 4.0)
    t = jnp.asarray([0.1, -0.2, 0.3])
    y, ty = jax.jvp(f, (x,), (t,))
    y2, f_jvp = jax.linearize(f, x)
    np.testing.assert_allclose(np.asarray(f_jvp(t)), np.asarray(ty), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(y2), np.asarray(y))
    _, pullback = jax.vjp(f, x)
    ct = jnp.asarray([1.0, 2.0, 3.0])
    (gx,) = pullback(ct)
    # <ct, J t> == <J^T ct, t>
    np.testing.assert_allclose(float(jnp.sum(ct * ty)), float(jnp.sum(gx * t)), rtol=1e-5)


def test_convert_element_type_derivatives():
    x = jnp.asarray([1.5, -2.25])
    t = jnp.asarray([0.5, 1.0])
    _, tout = jax.jvp(lambda v: v.astype(jnp.float16), (x,), (t,))
    assert tout.dtype == jnp.float16
    np.testing.assert_array_equal(np.asarray(tout), np.asarray(t, np.float16))
    g = jax.grad(lambda v: jnp.sum(v.astype(jnp.float16) * 3))(x)
    assert g.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(g), [3.0, 3.0])
    # Casting to an integer type cuts the derivative.
    assert float(jax.grad(lambda v: v.astype(jnp.int32).astype(jnp.float32) + v)(2.5)) == 1.0


def test_linear_transpose():
    f = lambda x: 2.0 * x[::-1] + x.sum()  # noqa: E731
    ft = jax.linear_transpose(f, jnp.ones(3))
    (res,) = ft(jnp.asarray([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(np.asarray(res), [12.0, 10.0, 8.0])


def test_symbolic_zero_for_unused_input():
    closed = jax.make_jaxpr(jax.grad(lambda x, y: jnp.sin(x), argnums=(0, 1)))(1.0, 2.0)
    # Nothing is computed for y's cotangent beyond a zero.
    assert "cos" in str(closed)
    assert sum(1 for e in closed.jaxpr.eqns if e.primitive.name == "mul") == 1


def test_stop_gradient():
    g = jax.grad(lambda x: x * lax.stop_gradient(x))(3.0)
    assert float(g) == 3.0


def test_jvp_of_grad_and_grad_of_jvp():
    f = lambda x: jnp.sin(x) * x  # noqa: E731
    d2 = jax.jvp(jax.grad(f), (1.0,), (1.0,))[1]
    d2b = jax.grad(lambda x: jax.jvp(f, (x,), (1.0,))[1])(1.0)
    expected = 2 * np.cos(1.0) - np.sin(1.0)
    np.testing.assert_allclose(float(d2), expected, rtol=1e-6)
    np.testing.assert_allclose(float(d2b), expected, rtol=1e-6)


# -- errors -----------------------------------------------------------------------------

def test_error_non_scalar_output():
    with pytest.raises(TypeError, match=r"Gradient only defined for scalar-output functions. "
                                        r"Output had shape: \(3,\)"):
        jax.grad(jnp.sin)(jnp.ones(3))


def test_error_integer_input():
    with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs .* "
                                        "but got int32"):
        jax.grad(lambda x: x * 2.0)(jnp.arange(3)[0])


def test_allow_int_gives_float0():
    g = jax.grad(lambda x, y: x * 2.0, argnums=(0, 1), allow_int=True)(1.0, 3)
    assert float(g[0]) == 2.0
    assert np.asarray(g[1]).dtype == jax.dtypes.float0
    assert np.asarray(g[1]).shape == ()


def test_error_bad_argnums():
    with pytest.raises(TypeError, match="argnums"):
        jax.grad(lambda x: x, argnums=3)(1.0)


def test_error_has_aux_not_a_pair():
    with pytest.raises(ValueError, match="has_aux=True requires"):
        jax.grad(lambda x: x, has_aux=True)(1.0)


def test_error_jvp_mismatched_tangent():
    with pytest.raises(TypeError, match="dtypes must be equal"):
        jax.jvp(jnp.sin, (1.0,), (jnp.ones((), jnp.int32),))


_unused = json


def test_has_aux_returns_values_not_tracers():
    from cellax.array import Array
    from cellax.core import Tracer
    x = jnp.arange(3.0)
    (val, aux), g = jax.value_and_grad(lambda v: (jnp.sum(2 * v), 3 * v), has_aux=True)(x)
    assert isinstance(aux, Array) and not isinstance(aux, Tracer)
    np.testing.assert_allclose(np.asarray(aux), [0.0, 3.0, 6.0])
    _, _, aux2 = jax.jvp(lambda v: (jnp.sin(v), {"a": v * 2}), (x,), (x,), has_aux=True)
    assert not isinstance(aux2["a"], Tracer)
    _, _, aux3 = jax.vjp(lambda v: (jnp.sin(v), v * 2), x, has_aux=True)
    assert not isinstance(aux3, Tracer)
    np.testing.assert_allclose(np.asarray(aux3), [0.0, 2.0, 4.0])


def test_grad_of_power_in_a_whole_valued_float_exponent():
    """A float tangent-carrying exponent that happens to be whole (3.0) is no integer
    index: `x ** s` must not take the integer_pow path and drop the exponent's gradient."""
    expect = 2.5 ** 3 * np.log(2.5)
    for g in (jax.grad(lambda s: 2.5 ** s), jax.grad(lambda s: jnp.power(2.5, s)),
              jax.jit(jax.grad(lambda s: 2.5 ** s))):
        np.testing.assert_allclose(float(g(3.0)), expect, rtol=1e-6)
