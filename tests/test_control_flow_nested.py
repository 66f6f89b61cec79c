"""Nested control flow across transformations: scan inside cond inside vmap, with grad of
grad and jit, gives exactly what the reference JAX gives."""
from conftest import run_script

SCRIPT = '''
import numpy as np
lax = jax.lax

def f(p, x):
    def branch_a(x):
        return lax.scan(lambda c, xi: (c * p + xi, c), 0.0, x)[0]

    def branch_b(x):
        return jnp.sum(x) * p

    return lax.cond(x[0] > 0, branch_a, branch_b, x)

xs = jnp.asarray(np.linspace(-1, 1, 12).reshape(4, 3).astype(np.float32))
batched = lambda p: jnp.sum(jax.vmap(f, in_axes=(None, 0))(p, xs))
print(np.asarray(jax.vmap(f, in_axes=(None, 0))(0.5, xs)).round(5).tolist())
print(np.asarray(jax.grad(batched)(0.5)).round(5).tolist())
print(np.asarray(jax.grad(jax.grad(batched))(0.5)).round(5).tolist())
print(np.asarray(jax.jit(jax.vmap(jax.grad(f), in_axes=(None, 0)))(0.5, xs)).round(5).tolist())

def g(x):
    return lax.fori_loop(0, 3, lambda i, c: lax.cond(c.sum() > 1.0, jnp.sin, jnp.cos, c) * x, x)

print(np.asarray(jax.jacfwd(g)(jnp.arange(1.0, 3.0))).round(5).tolist())
print(np.asarray(jax.jacrev(g)(jnp.arange(1.0, 3.0))).round(5).tolist())
'''


def test_nested_control_flow_matches_reference():
    assert run_script(SCRIPT, "cellax") == run_script(SCRIPT, "jax")
