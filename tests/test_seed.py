"""The seed overview's jit example, end to end."""
import numpy as np

import cellax as jax
import cellax.numpy as jnp


def slow_f(x):
    return x * x + x * 2.0


def test_seed_jit_values():
    x = jnp.ones((500, 500))
    fast_f = jax.jit(slow_f)
    out = fast_f(x)
    assert out.shape == (500, 500) and out.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(out), 3.0)
    np.testing.assert_allclose(np.asarray(slow_f(x)), np.asarray(out))


def test_seed_make_jaxpr_text():
    text = str(jax.make_jaxpr(slow_f)(jnp.ones(3)))
    assert text == ("{ lambda ; a:f32[3]. let\n    b:f32[3] = mul a a\n"
                    "    c:f32[3] = mul a 2.0:f32[]\n    d:f32[3] = add b c\n  in (d,) }")
