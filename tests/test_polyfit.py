"""jnp.roots and jnp.polyfit (built on jnp.linalg) print exactly what the reference JAX
prints: roots with and without strip_zeros, fits with weights, full=True, cov=True, 2-D y,
and the ConcretizationTypeError of roots under jit."""
from conftest import run_script

SCRIPT = r'''
import numpy as np
p = np.array([1., -6., 11., -6.], np.float32)
r = np.asarray(jnp.roots(p)); print(np.sort_complex(r).round(4).tolist(), r.dtype)
print(np.asarray(jnp.roots(np.array([0., 0., 1., 2.]))).round(4).tolist())
print(np.asarray(jnp.roots(np.array([0., 1., 2.]), strip_zeros=False)).tolist())
x = np.linspace(0, 1, 8).astype(np.float32); y = (3 * x**2 - x + 0.5 + 0.01*np.sin(9*x)).astype(np.float32)
print(np.asarray(jnp.polyfit(x, y, 2)).round(4).tolist())
c, res, rk, s, rc = jnp.polyfit(x, y, 2, full=True); print(np.asarray(res).round(6).tolist(), int(rk), np.asarray(s).round(4).tolist(), float(rc))
c, V = jnp.polyfit(x, y, 2, cov=True); print(np.asarray(V).round(5).tolist())
print(np.asarray(jnp.polyfit(x, np.stack([y, 2*y], 1), 1, w=np.ones(8, np.float32))).round(4).tolist())
try: jax.jit(jnp.roots)(p)
except Exception as e: print(type(e).__name__)
m = np.array([[2., 1.], [0.5, 3.]], np.float32)
print(np.asarray(jnp.poly(m)).round(4).tolist())
'''


def test_roots_and_polyfit_match_jax():
    got = run_script(SCRIPT, "cellax")
    assert "ConcretizationTypeError" in got and "complex64" in got
    assert got == run_script(SCRIPT, "jax")
