"""The jaxpr type checker accepts what tracing produces and rejects broken jaxprs."""
import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import core


def _programs():
    c = np.arange(3.0, dtype=np.float32)
    inner = jax.jit(lambda v: jnp.tanh(v) * 2)
    return [
        (lambda x: x * x + x * 2.0, (jnp.ones(3),)),
        (lambda x: jnp.sum(jnp.dot(x, x.T)), (jnp.ones((3, 4)),)),
        (lambda x: (x + c, x.astype(jnp.int32), x > 0), (jnp.ones(3),)),
        (lambda x: inner(inner(x)) + 1, (jnp.ones(3),)),
        (lambda x: x.reshape(2, 3).T[::-1, 1:], (jnp.ones(6),)),
        (lambda x, y: jnp.maximum(x, y).mean(axis=0), (jnp.ones((2, 3)), jnp.ones(3))),
    ]


@pytest.mark.parametrize("i", range(len(_programs())))
def test_traced_jaxprs_type_check(i):
    f, args = _programs()[i]
    closed = jax.make_jaxpr(f)(*args)
    core.check_jaxpr(closed.jaxpr)
    # ... and evaluating the jaxpr gives what the function gives.
    got = core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    want = f(*args)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6)


def test_source_locations_point_at_user_code():
    def f(x):
        y = jnp.sin(x)  # this line
        return y * 2
    closed = jax.make_jaxpr(f)(jnp.ones(2))
    sin_eqn = closed.jaxpr.eqns[0]
    assert sin_eqn.primitive.name == "sin"
    assert sin_eqn.source_info.file == __file__
    assert sin_eqn.source_info.function == "f"
    import inspect
    lines, start = inspect.getsourcelines(f)
    assert sin_eqn.source_info.line == start + 1


def test_checker_rejects_use_before_definition():
    closed = jax.make_jaxpr(lambda x: jnp.sin(x) * 2)(jnp.ones(2))
    j = closed.jaxpr
    broken = core.Jaxpr(j.constvars, j.invars, j.outvars, list(reversed(j.eqns)))
    with pytest.raises(core.JaxprTypeError, match="used before definition"):
        core.check_jaxpr(broken)


def test_checker_rejects_wrong_output_type():
    closed = jax.make_jaxpr(lambda x: jnp.sin(x))(jnp.ones(2))
    j = closed.jaxpr
    eqn = j.eqns[0]
    bad_out = core.Var(core.ShapedArray((5,), np.dtype("float32")))
    broken = core.Jaxpr(j.constvars, j.invars, [bad_out],
                        [eqn.replace(outvars=[bad_out])])
    with pytest.raises(core.JaxprTypeError, match="abstract evaluation"):
        core.check_jaxpr(broken)
