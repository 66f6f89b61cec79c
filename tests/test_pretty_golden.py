"""Golden tests: `make_jaxpr` prints exactly the reference JAX's text.

Each program is source text run twice: here under cellax, and in one subprocess
under the reference JAX (`run_oracle`), with `jax`, `jnp`, `lax` and `np` bound.
A program defines `f` and `args`; both sides print `jax.make_jaxpr(f)(*args)`.
"""
from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

import cellax
import cellax.numpy as cjnp
from cellax import lax as clax

from conftest import run_oracle

# name -> program source (defines `f` and `args`).
PROGRAMS: dict[str, str] = {
    "elementwise_literals": """
        def f(x):
            return jnp.sin(x) * 2.0 + 1
        args = (np.ones(3, np.float32),)
    """,
    "float_literals_inf_nan": """
        def f(x):
            return jnp.maximum(x, -jnp.inf) + jnp.nan * x - 0.1
        args = (np.ones((2, 3), np.float32),)
    """,
    "int_literals_bool": """
        def f(i, b):
            return i * 3 + 7, jnp.logical_and(b, True)
        args = (np.arange(4, dtype=np.int32), np.array([True, False]))
    """,
    "promotion_int_plus_float": """
        def f(i, x):
            return i + x, i + 2.5, x + 2
        args = (np.arange(3, dtype=np.int32), np.ones(3, np.float32))
    """,
    "promotion_weak_strong": """
        def f(x, h):
            return x + h, h * 3.0, x + np.float32(1.5)
        args = (np.ones(3, np.float32), np.ones(3, np.float16))
    """,
    "broadcasting_rank_promotion": """
        def f(x, y, s):
            return x + y, x * s, y - s
        args = (np.ones((2, 3), np.float32), np.ones(3, np.float32), np.float32(2.0))
    """,
    "broadcast_keepdims_shape": """
        def f(x, y):
            return x + y
        args = (np.ones((4, 1), np.float32), np.ones((1, 5), np.float32))
    """,
    "reductions": """
        def f(x):
            return (jnp.sum(x), jnp.max(x, axis=0), jnp.min(x, axis=1, keepdims=True),
                    jnp.mean(x, axis=-1))
        args = (np.ones((3, 4), np.float32),)
    """,
    "argmax": """
        def f(x):
            return jnp.argmax(x), jnp.argmax(x, axis=1)
        args = (np.ones((3, 4), np.float32),)
    """,
    "reshape_transpose": """
        def f(x):
            return x.reshape(4, 3).T, jnp.transpose(x.reshape(2, 2, 3), (1, 2, 0))
        args = (np.ones((3, 4), np.float32),)
    """,
    "slicing": """
        def f(x):
            return x[1:, 0], x[::-1], x[0]
        args = (np.ones((3, 4), np.float32),)
    """,
    "dot_matmul": """
        def f(a, b, v):
            return jnp.dot(a, b), a @ b, jnp.matmul(b.T, a.T), jnp.dot(v, v)
        args = (np.ones((3, 4), np.float32), np.ones((4, 5), np.float32),
                np.ones(4, np.float32))
    """,
    "matmul_batched_and_vectors": """
        def f(a, b, v, m):
            return a @ b, v @ m, m @ v, v @ v, jnp.matmul(m, b), jnp.dot(v, 2.0)
        args = (np.ones((2, 1, 3, 4), np.float32), np.ones((5, 4, 6), np.float32),
                np.ones(4, np.float32), np.ones((4, 4), np.float32))
    """,
    "dot_mixed_dtypes": """
        def f(i, x):
            return jnp.dot(i, x), jnp.dot(i, i), i @ x
        args = (np.ones((3, 3), np.int32), np.ones((3, 3), np.float32))
    """,
    "closed_over_constants": """
        W = np.arange(6, dtype=np.float32).reshape(2, 3)
        V = jnp.arange(2.0)
        def f(x):
            return jnp.dot(W, x) + V * W[0, 0] + V, W * 2
        args = (np.ones(3, np.float32),)
    """,
    "python_scalar_outputs": """
        def f(x):
            return x, 1.0, 2
        args = (np.ones(2, np.float32),)
    """,
    "pytree_multiple_outputs": """
        def f(d):
            a, b = d["a"], d["b"]
            return {"sum": a + b, "prod": (a * b, a - b)}
        args = ({"a": np.ones(2, np.float32), "b": np.ones(2, np.float32)},)
    """,
    "unused_results": """
        def f(x, y):
            z = jnp.sin(x)
            return y * 2
        args = (np.ones(2, np.float32), np.ones(2, np.float32))
    """,
    "nested_jit_once": """
        @jax.jit
        def g(a):
            return jnp.cos(a) + 1.0
        def f(x):
            return g(x) * 2.0
        args = (np.ones(3, np.float32),)
    """,
    "nested_jit_twice_let": """
        @jax.jit
        def g(a):
            return jnp.cos(a) + 1.0
        def f(x):
            return g(g(x))
        args = (np.ones(3, np.float32),)
    """,
    "nested_jit_two_functions": """
        @jax.jit
        def g(a, b):
            return a * b, a + b
        @jax.jit
        def h(a):
            u, v = g(a, a)
            return u - v
        def f(x):
            return h(x) + h(x * 2.0)
        args = (np.ones(3, np.float32),)
    """,
    "jit_closing_over_constant": """
        C = np.arange(3, dtype=np.float32)
        @jax.jit
        def g(a):
            return a + C
        def f(x):
            return g(x) * 3.0
        args = (np.ones(3, np.float32),)
    """,
    "jit_outer_jit": """
        def f(x, y):
            return jnp.tanh(x) + y
        f = jax.jit(f)
        args = (np.ones(3, np.float32), np.ones(3, np.float32))
    """,
    "zeros_arange_astype": """
        def f(x):
            z = jnp.zeros((2, 3))
            r = jnp.arange(3)
            return z + x, r + 1, x.astype(jnp.int32), jnp.ones(3, jnp.int32)
        args = (np.ones((2, 3), np.float32),)
    """,
    "comparison_to_bool": """
        def f(x, y):
            return x > y, x == 0.0, (x < 1).astype(jnp.float32)
        args = (np.ones(3, np.float32), np.zeros(3, np.float32))
    """,
    "mlp_loss": """
        def predict(params, x):
            for W, b in params[:-1]:
                x = jnp.tanh(jnp.dot(x, W) + b)
            W, b = params[-1]
            return jnp.dot(x, W) + b
        def f(params, x, targets):
            preds = predict(params, x)
            return jnp.sum((preds - targets) ** 2)
        sizes = [8, 16, 16, 4]
        params = [(np.ones((m, n), np.float32), np.ones(n, np.float32))
                  for m, n in zip(sizes[:-1], sizes[1:])]
        args = (params, np.ones((5, 8), np.float32), np.ones((5, 4), np.float32))
    """,
    "long_equations_wrap": """
        def f(a, b):
            return lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,))))
        args = (np.ones((7, 5, 6), np.float32), np.ones((7, 6, 9), np.float32))
    """,
    "many_inputs_wrap": """
        def f(*xs):
            return sum(xs[1:], xs[0])
        args = tuple(np.ones((10, 10), np.float32) for _ in range(14))
    """,
    "where_and_clip": """
        def f(x):
            return jnp.where(x > 0, x, 0.0), jnp.clip(x, 0.0, 1.0), jnp.where(x < 1, -jnp.inf, x)
        args = (np.ones(3, np.float32),)
    """,
    "where_twice_shared": """
        def f(x, y):
            return jnp.where(x > y, x, y) + jnp.where(y > x, x, y)
        args = (np.ones(3, np.float32), np.ones(3, np.float32))
    """,
    "unary_math": """
        def f(x):
            return (jnp.square(x), x ** 3, x ** 0.5, jnp.sqrt(x), jnp.exp(x), jnp.log(x),
                    abs(x), -x, jnp.tanh(x), jnp.arctan2(x, x))
        args = (np.ones(3, np.float32),)
    """,
    "numpy_scalar_literals": """
        def f(x):
            return (x * np.float32(0.1) + np.float64(0.2), x + np.int32(3),
                    x * np.array(2.0, np.float32), x * 1j)
        args = (np.ones(3, np.float32),)
    """,
    "int_and_bool_ops": """
        def f(i, b):
            return i + 2**20, i * -3, i & 1, i << 2, b & True, b | False, ~b
        args = (np.ones(3, np.int32), np.ones(3, bool))
    """,
    "convert_dtypes": """
        def f(x, i, b):
            return (x.astype(jnp.float16), i.astype(jnp.float32), b.astype(jnp.int32),
                    np.float32(2) * i, x.astype(bool))
        args = (np.ones(3, np.float32), np.ones(3, np.int32), np.ones(3, bool))
    """,
    "creation_like": """
        def f(x):
            return (jnp.zeros_like(x), jnp.ones_like(x, dtype=jnp.int32), jnp.full((2,), 3.0),
                    jnp.full_like(x, 7))
        args = (np.ones(3, np.float32),)
    """,
    "reductions_int_bool": """
        def f(i, b):
            return jnp.mean(i), jnp.sum(i), jnp.sum(i > 0), jnp.any(b), jnp.all(i > 0, axis=0)
        args = (np.ones((3, 4), np.int32), np.ones(3, bool))
    """,
    "argmin_keepdims": """
        def f(x):
            return (jnp.argmin(x, axis=0), jnp.argmax(x, axis=1, keepdims=True),
                    jnp.max(x, keepdims=True))
        args = (np.ones((3, 4), np.float32),)
    """,
    "reshape_family": """
        def f(x):
            return (x.ravel(), x.reshape(-1, 2), jnp.squeeze(x[None]), jnp.swapaxes(x, 0, 1),
                    jnp.expand_dims(x, 0), x[:, None], jnp.concatenate([x, x]))
        args = (np.ones((3, 4), np.float32),)
    """,
    "lax_direct": """
        def f(x, y):
            return (lax.add(x, y), lax.max(x, y), lax.select(x > y, x, y),
                    lax.reduce_sum(x, (0,)), lax.broadcast_in_dim(x, (2, 3), (1,)))
        args = (np.ones(3, np.float32), np.ones(3, np.float32))
    """,
    "no_arguments": """
        def f():
            return jnp.ones(3) * 2
        args = ()
    """,
    "jit_static_argnums": """
        from functools import partial
        @partial(jax.jit, static_argnums=1)
        def g(x, n):
            return x * n
        def f(x):
            return g(x, 2), g(x, 3)
        args = (np.ones(3, np.float32),)
    """,
    "jit_literal_argument": """
        @jax.jit
        def g(x, y):
            return x * y
        def f(x):
            return g(x, 2.0)
        args = (np.ones(3, np.float32),)
    """,
    "jit_unused_result": """
        @jax.jit
        def g(x):
            return x * 2, jnp.sin(x)
        def f(x):
            a, b = g(x)
            return a
        args = (np.ones(3, np.float32),)
    """,
    "jit_passthrough_outputs": """
        @jax.jit
        def g(x, y):
            return y, x + 1.0, x
        def f(x, y):
            return g(x, y)
        args = (np.ones(3, np.float32), np.ones(3, np.float32))
    """,
    "jit_big_body_hoisted": """
        @jax.jit
        def g(x):
            for _ in range(12):
                x = jnp.sin(x)
            return x
        def f(x):
            return g(x) + 1.0
        args = (np.ones(3, np.float32),)
    """,
    "jit_lambda_name": """
        g = jax.jit(lambda x: x + 1.0)
        def f(x):
            return g(x) * g(x)
        args = (np.ones(3, np.float32),)
    """,
    "jit_nested_wrapping": """
        @jax.jit
        def g(a, b, c, d, e, f_, g_, h):
            return jnp.dot(a, b) + c * d * e * f_ * g_ * h
        def f(*xs):
            return g(*xs)
        args = tuple(np.ones((16, 16), np.float32) for _ in range(8))
    """,
    "wrap_many_operands": """
        def f(*xs):
            return jnp.concatenate(xs)
        args = tuple(np.ones((3, 2), np.float32) for _ in range(25))
    """,
    "wrap_long_param": """
        def f(x):
            return x.reshape((1, 2, 1, 3) + (1,) * 20 + (2, 2))
        args = (np.ones((24,), np.float32),)
    """,
    "wrap_many_constvars": """
        Cs = [np.full((7, 7), i, np.float32) for i in range(12)]
        def f(x):
            for c in Cs:
                x = x + c
            return x
        args = (np.ones((7, 7), np.float32),)
    """,
    "names_past_z": """
        def f(*xs):
            return [jnp.sin(x) for x in xs]
        args = tuple(np.ones(2, np.float32) for _ in range(40))
    """,
    "shared_names_skipped_by_vars": """
        @jax.jit
        def a(x):
            return x + 1.0
        @jax.jit
        def b(x):
            return a(x) * a(x)
        def f(p, q, r, s, t, u):
            return b(p) + b(q) + r + s + t + u
        args = tuple(np.ones(2, np.float32) for _ in range(6))
    """,
    "jit_three_levels": """
        @jax.jit
        def a(x):
            return x + 1.0
        @jax.jit
        def b(x):
            return a(x) * 2.0
        @jax.jit
        def c(x):
            return b(x) - a(x)
        def f(x):
            return c(x)
        args = (np.ones(3, np.float32),)
    """,
}

_ORACLE_DRIVER = """
import json
import jax
import jax.numpy as jnp
from jax import lax
import numpy as np
programs = json.loads({programs!r})
out = {{}}
for name, src in programs.items():
    env = dict(jax=jax, jnp=jnp, lax=lax, np=np)
    try:
        exec(src, env)
        closed = jax.make_jaxpr(env["f"])(*env["args"])
        out[name] = dict(text=str(closed), eqns=[repr(e) for e in closed.eqns])
    except Exception as e:
        out[name] = dict(text="ERROR: " + type(e).__name__ + ": " + str(e), eqns=[])
print(json.dumps(out))
"""


def _programs() -> dict[str, str]:
    return {name: textwrap.dedent(src) for name, src in PROGRAMS.items()}


def cellax_jaxpr(src: str):
    env = dict(jax=cellax, jnp=cjnp, lax=clax, np=np)
    exec(src, env)
    return cellax.make_jaxpr(env["f"])(*env["args"])


def cellax_text(src: str) -> str:
    return str(cellax_jaxpr(src))


@pytest.fixture(scope="module")
def reference() -> dict[str, dict]:
    """name -> {"text": str(jaxpr), "eqns": [repr(eqn), ...]} from the reference JAX."""
    return run_oracle(_ORACLE_DRIVER.format(programs=json.dumps(_programs())))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_make_jaxpr_text_matches_jax(name, reference):
    want = reference[name]["text"]
    assert not want.startswith("ERROR"), want
    got = cellax_text(_programs()[name])
    assert got == want, f"\n--- cellax\n{got}\n--- jax\n{want}"


@pytest.mark.parametrize("name", ["mlp_loss", "nested_jit_once", "jit_unused_result",
                                  "zeros_arange_astype", "wrap_long_param"])
def test_eqn_repr_matches_jax(name, reference):
    closed = cellax_jaxpr(_programs()[name])
    assert [repr(e) for e in closed.eqns] == reference[name]["eqns"]


def test_str_of_closed_jaxpr_and_jaxpr_agree():
    closed = cellax_jaxpr(_programs()["nested_jit_twice_let"])
    assert str(closed) == str(closed.jaxpr) == repr(closed.jaxpr)
    assert str(closed).startswith("let g = { lambda ; a:f32[3]. let")


if __name__ == "__main__":  # a quick side-by-side view: python tests/test_pretty_golden.py
    import sys
    ref = {k: v["text"] for k, v in run_oracle(
        _ORACLE_DRIVER.format(programs=json.dumps(_programs()))).items()}
    only = sys.argv[1:]
    for name, src in _programs().items():
        if only and name not in only:
            continue
        try:
            got = cellax_text(src)
        except Exception as e:  # noqa: BLE001
            got = f"ERROR: {type(e).__name__}: {e}"
        status = "OK  " if got == ref[name] else "DIFF"
        print(f"== {status} {name}")
        if got != ref[name]:
            print(f"--- cellax\n{got}\n--- jax\n{ref[name]}")
