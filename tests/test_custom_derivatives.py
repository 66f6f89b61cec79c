"""custom_jvp, custom_vjp and checkpoint: same printed results and jaxprs as the reference
JAX (the same script runs under both, each in its own interpreter)."""
import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from conftest import run_script

SCRIPT = '''
@jax.custom_jvp
def f(x):
    return jnp.sin(x)

@f.defjvp
def f_jvp(p, t):
    return f(p[0]), 2.0 * t[0]

print(jax.make_jaxpr(f)(1.0))
print(jax.make_jaxpr(jax.grad(f))(1.0))
print(jax.grad(f)(1.0), jax.jvp(f, (1.0,), (3.0,)))
print(jax.jit(jax.grad(f))(1.0), jax.grad(jax.jit(f))(2.0))

@jax.custom_vjp
def g(x):
    return jnp.sin(x)

def g_fwd(x):
    return jnp.sin(x), jnp.cos(x)

def g_bwd(res, ct):
    return (res * ct * 3.0,)

g.defvjp(g_fwd, g_bwd)
print(jax.make_jaxpr(g)(1.0))
print(jax.make_jaxpr(jax.grad(g))(1.0))
print(jax.grad(g)(1.0), jax.jit(jax.grad(g))(1.0), jax.grad(jax.jit(g))(1.0))
print(jax.grad(lambda x: jnp.sum(g(x) ** 2))(jnp.arange(3.0)))

h = jax.checkpoint(lambda x: jnp.sin(jnp.sin(x)))
print(jax.make_jaxpr(h)(1.0))
print(jax.make_jaxpr(jax.grad(h))(1.0))
print(jax.grad(h)(1.0), jax.grad(jax.grad(h))(1.0), jax.jit(jax.grad(h))(1.0))

@jax.custom_jvp
def safe_log1pexp(x):
    return jnp.log1p(jnp.exp(x))

safe_log1pexp.defjvps(lambda t, ans, x: t * (1.0 - 1.0 / (1.0 + jnp.exp(x))))
print(jax.grad(safe_log1pexp)(3.0), jax.grad(jax.grad(safe_log1pexp))(3.0))

try:
    jax.jvp(g, (1.0,), (1.0,))
except TypeError as e:
    print("TypeError", e)

def bad_bwd(res, ct):
    return (res, res)

g.defvjp(g_fwd, bad_bwd)
try:
    jax.grad(g)(1.0)
except TypeError as e:
    print("TypeError", e)
'''


@pytest.fixture(scope="module")
def outputs():
    return run_script(SCRIPT, "cellax"), run_script(SCRIPT, "jax")


def test_same_output_as_reference(outputs):
    ours, ref = outputs
    assert ours == ref


def test_custom_vjp_bwd_sees_residuals_in_process():
    @jax.custom_vjp
    def clip_grad(x):
        return x

    def fwd(x):
        return x, None

    def bwd(_, ct):
        return (jnp.clip(ct, -1.0, 1.0),)

    clip_grad.defvjp(fwd, bwd)
    g = jax.grad(lambda x: jnp.sum(clip_grad(x) * jnp.asarray([5.0, 0.5, -3.0])))(jnp.ones(3))
    np.testing.assert_allclose(np.asarray(g), [1.0, 0.5, -1.0])


def test_custom_jvp_applied_to_tangents_transposes_like_jax():
    """A custom_jvp rule that calls another custom_jvp function on its tangents: reverse
    mode transposes the inner call as its primal function (as JAX does)."""
    from conftest import run_script
    code = open(__file__.replace("test_custom_derivatives.py", "_nested_custom_jvp.py")).read()
    assert run_script(code, "cellax") == run_script(code, "jax")


def test_custom_jvp_nondiff_defaults_and_traced_nondiff_args_like_jax():
    """A defaulted nondiff argument left out, and a nondiff argument that is a tracer of an
    enclosing jit (it becomes a leading operand, JAX's num_consts): values as JAX's."""
    from conftest import run_script
    code = open(__file__.replace("test_custom_derivatives.py", "_custom_jvp_nondiff.py")).read()
    got = run_script(code, "cellax")
    assert got.splitlines()[0] == "9.0 6.0 27.0"
    assert got == run_script(code, "jax")


def test_custom_vjp_traced_nondiff_argument_raises_unexpected_tracer_error():
    import functools

    from cellax.errors import UnexpectedTracerError

    @functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
    def g(x, n):
        return x * n
    g.defvjp(lambda x, n: (g(x, n), x), lambda n, res, ct: (ct * n,))
    assert float(jax.grad(g)(3.0, 2.0)) == 2.0  # a concrete nondiff argument is fine
    with pytest.raises(UnexpectedTracerError, match="nondiff_argnums"):
        jax.jit(lambda x, n: g(x, n))(3.0, 2.0)
