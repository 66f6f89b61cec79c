"""The core: eager op-by-op dispatch and its cache, eager/jit agreement, tracing to
jaxprs (literals, constants), abstract values and shapes."""
import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import core, dispatch, lax
from cellax.core import ShapedArray


@pytest.fixture
def compile_counter(monkeypatch):
    calls = []
    real = dispatch.compile_closed_jaxpr

    def counting(closed, name, *args, **kwargs):
        calls.append(name)
        return real(closed, name, *args, **kwargs)

    monkeypatch.setattr(dispatch, "compile_closed_jaxpr", counting)
    return calls


def test_eager_primitive_compiles_once_per_signature(compile_counter):
    x = jnp.asarray(np.linspace(0.0, 1.0, 3 * 17 * 5, dtype=np.float32).reshape(3, 17, 5))
    compile_counter.clear()
    y1 = lax.cos(x)
    assert compile_counter == ["cos"]
    y2 = lax.cos(x + 1)  # same (primitive, params, avals): cached
    assert compile_counter.count("cos") == 1
    np.testing.assert_allclose(np.asarray(y1), np.cos(np.asarray(x)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(y2), np.cos(np.asarray(x) + 1), rtol=1e-6)
    lax.cos(x[0])  # new aval: compiles
    assert compile_counter.count("cos") == 2
    keys = [k for k in dispatch._eager_cache if k[0].name == "cos"]
    assert any(k[2] == (ShapedArray((3, 17, 5), np.dtype("float32")),) for k in keys)


def test_eager_cache_distinguishes_params_and_weak_types(compile_counter):
    x = jnp.ones((2, 19))
    compile_counter.clear()
    lax.reduce_sum(x, (0,))
    lax.reduce_sum(x, (1,))  # different params
    assert compile_counter.count("reduce_sum") == 2
    lax.reduce_sum(x, (1,))
    assert compile_counter.count("reduce_sum") == 2
    x.sum(axis=1)  # jnp.sum: one executable per (avals, static axis), named after it
    x.sum(axis=1)
    assert compile_counter.count("sum") == 1
    w = jnp.full((2, 19), 1.0)  # weak f32[2,19]
    compile_counter.clear()
    lax.exp(w)
    lax.exp(x)  # strong: another signature
    lax.exp(w)
    assert compile_counter.count("exp") == 2


def test_jit_compiles_once(compile_counter):
    f = jax.jit(lambda a, b: jnp.tanh(a @ b) + 1)
    a, b = jnp.ones((4, 23)), jnp.ones((23, 2))
    a2 = a * 2
    compile_counter.clear()
    f(a, b)
    f(a2, b)
    assert compile_counter == ["<lambda>"]


FUNCTIONS = {
    "poly": lambda x: x * x + x * 2.0 - 1,
    "trig": lambda x: jnp.sin(x) * jnp.cos(x) + jnp.tanh(x),
    "exp_log": lambda x: jnp.log1p(jnp.exp(x)) - jnp.sqrt(jnp.abs(x) + 1),
    "reductions": lambda x: (x.sum(0), x.mean(1), x.max(), jnp.argmax(x, axis=1)),
    "matmul": lambda x: x @ x.T + jnp.eye(x.shape[0]),
    "where": lambda x: jnp.where(x > 0.5, x, -x),
    "int_ops": lambda x: (x.astype(jnp.int32) // 3, (x * 10).astype(jnp.int32) % 7,
                          2 ** jnp.arange(5)),
    "pytree": lambda x: {"a": x[0], "b": [x[1:] * 2, x.reshape(-1)[:3]]},
    "scalars": lambda x: (x * jnp.float32(2) + jnp.zeros(()) - jnp.asarray(1.0)),
    "division": lambda x: (x / 3, 1 / (x + 1), x.astype(jnp.int32) / 2),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_eager_and_jit_agree(name):
    f = FUNCTIONS[name]
    x = jnp.asarray(np.random.RandomState(0).rand(4, 6).astype(np.float32))
    eager, jitted = f(x), jax.jit(f)(x)
    le, te = jax.tree_util.tree_flatten(eager)
    lj, tj = jax.tree_util.tree_flatten(jitted)
    assert te == tj
    for a, b in zip(le, lj):
        assert a.dtype == b.dtype and a.shape == b.shape and a.weak_type == b.weak_type
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-6, atol=1e-6)


# Jaxprs of functions that make constants while tracing, compared with JAX's text.
JAXPR_CASES = {
    "zeros_scalar": ("lambda: jnp.ones(())", "()"),
    "scalar_constants": ("lambda x: x + jnp.ones(()) + jnp.zeros((), jnp.int32) "
                         "+ jnp.full((), 2.0)", "(1.0,)"),
    "jnp_float32": ("lambda x: x * jnp.float32(2)", "(1.0,)"),
    "asarray_scalar": ("lambda x: jnp.asarray(2.0) * x", "(1.0,)"),
    "array_const": ("lambda x: jnp.array([1., 2.]) * x", "(1.0,)"),
    "captured_scalar_array": ("lambda x: x * CAPTURED", "(1.0,)"),
    "numpy_scalar": ("lambda x: (x, np.float32(1), 2.0)", "(1.0,)"),
    "weak_int_literal": ("lambda x: x * 2 + 1", "(jnp.ones(3, jnp.int8),)"),
    "power": ("lambda x, y: (x ** 2, x ** y)", "(jnp.ones(3), 2.0)"),
}

_JAXPR_RUN = """
CAPTURED = jnp.asarray(3.0)
out = {{}}
for name, (fn, args) in {cases!r}.items():
    out[name] = str(jax.make_jaxpr(eval(fn))(*eval(args)))
"""


@pytest.fixture(scope="module")
def reference_jaxprs(oracle):
    return oracle("import json, numpy as np, jax, jax.numpy as jnp\n"
                  + _JAXPR_RUN.format(cases=JAXPR_CASES) + "print(json.dumps(out))\n")


@pytest.mark.parametrize("name", list(JAXPR_CASES))
def test_constants_in_jaxprs_match_jax(reference_jaxprs, name):
    ns = {"np": np, "jax": jax, "jnp": jnp}
    exec(_JAXPR_RUN.format(cases={name: JAXPR_CASES[name]}), ns)
    assert ns["out"][name] == reference_jaxprs[name]


def test_scalar_constants_under_jit_are_tracers_but_run():
    seen = []

    def f(x):
        c = jnp.float32(2)
        seen.append((isinstance(c, core.Tracer), isinstance(c, jax.Array)))
        return x * c + jnp.zeros(())

    assert float(jax.jit(f)(3.0)) == 6.0
    assert seen == [(True, True)]


def test_traced_jaxprs_type_check():
    for name, args in [("poly", (jnp.ones(3),)), ("reductions", (jnp.ones((2, 3)),)),
                       ("scalars", (jnp.ones(2),)), ("int_ops", (jnp.ones(4),))]:
        f = FUNCTIONS[name]
        closed = jax.make_jaxpr(f)(*args)
        core.check_jaxpr(closed.jaxpr)
        out = core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
        want = jax.tree_util.tree_leaves(f(*args))
        for a, b in zip(out, want):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_shaped_array_identity_includes_weak_type():
    a = ShapedArray((2, 3), np.dtype("float32"))
    assert a == ShapedArray((2, 3), np.dtype("float32")) and hash(a) == hash(a.update())
    assert a != a.update(weak_type=True)
    assert a.str_short() == "f32[2,3]" and a.str_short(False) == "float32[2,3]"
    assert repr(a.update(weak_type=True)) == "ShapedArray(float32[2,3], weak_type=True)"


def test_get_aval():
    assert core.get_aval(1.0) == ShapedArray((), np.dtype("float32"), True)
    assert core.get_aval(True) == ShapedArray((), np.dtype("bool"), False)
    assert core.get_aval(np.ones((2,), np.float64)) == ShapedArray((2,), np.dtype("float32"))
    assert core.get_aval(np.int64(3)) == ShapedArray((), np.dtype("int32"))
    with pytest.raises(TypeError):
        core.get_aval("a string")
    with pytest.raises(OverflowError):
        core.get_aval(2 ** 40)


def test_canonicalize_shape():
    assert core.canonicalize_shape(3) == (3,)
    assert core.canonicalize_shape((2, np.int64(3))) == (2, 3)
    assert core.canonicalize_shape([jnp.asarray(2)]) == (2,)
    for bad in [(2.0,), ("a",), (True,)]:
        with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values"):
            core.canonicalize_shape(bad)


def test_trace_state_is_restored_after_errors():
    with pytest.raises(ZeroDivisionError):
        jax.jit(lambda x: 1 / 0)(1.0)
    assert core.trace_state_clean()
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.make_jaxpr(lambda x: x if x > 0 else x)(1.0)
    assert core.trace_state_clean()
    assert float(jnp.ones(()) + 1) == 2.0


def test_eval_shape_and_shape_dtype_struct():
    out = jax.eval_shape(lambda x, y: (x @ y, x.sum()),
                         jax.ShapeDtypeStruct((2, 3), jnp.float32), jnp.ones((3, 4)))
    assert out[0].shape == (2, 4) and out[0].dtype == np.float32 and out[1].shape == ()
    s = jax.ShapeDtypeStruct((2,), np.float64)
    assert s.dtype == np.float64  # not canonicalized, as in JAX
    assert jax.eval_shape(lambda v: v * 2, s).dtype == np.float32  # the traced aval is
