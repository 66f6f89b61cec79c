# Run by tests/test_custom_derivatives.py under both libraries (jax/jnp bound by the caller).
import numpy as np
@jax.custom_jvp
def inner(x):
    return 2.0 * x
inner.defjvp(lambda p, t: (inner(p[0]), inner(t[0])))   # applies a custom_jvp fn to tangents

@jax.custom_jvp
def outer(x):
    return jnp.sin(x)
@outer.defjvp
def _(p, t):
    x, = p; dx, = t
    return jnp.sin(x), inner(jnp.cos(x) * dx)
print(jax.grad(outer)(0.3), jax.grad(lambda x: outer(x) * x)(0.7), jax.jit(jax.grad(jax.grad(lambda x: inner(x)**2)))(1.0))
print(jax.vmap(jax.grad(outer))(jnp.array([0.1, 0.2])))
