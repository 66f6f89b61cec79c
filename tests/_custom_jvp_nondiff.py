# Run by tests/test_custom_derivatives.py under both libraries (jax/jnp bound by the caller).
import functools
@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def f(x, n=2):
    return x ** n
@f.defjvp
def f_jvp(n, primals, tangents):
    x, = primals; t, = tangents
    return f(x, n), n * x ** (n - 1) * t
print(f(3.0), jax.grad(f)(3.0), jax.grad(f)(3.0, 3))
print(jax.jit(lambda x, n: f(x, n))(3.0, 2))
print(jax.jit(jax.grad(lambda x, n: f(x, n)))(3.0, 3))
print(jax.vmap(lambda x, n: f(x, n), in_axes=(0, None))(jnp.array([1., 2.]), 2))
print(jax.jit(lambda x, n: jax.grad(f)(x, n))(3.0, 2))
