"""lax.cond, lax.switch and lax.while_loop: jaxpr text and values equal to the reference JAX
(one script run under both), derivatives (check_grads; reverse mode refused for while),
vmap against Python loops, composition with jit and grad, nested control flow, lowering,
and JAX's errors."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads
from conftest import run_script


def _both(script: str):
    with ThreadPoolExecutor(2) as pool:
        ref, ours = pool.map(lambda lib: run_script(script, lib), ["jax", "cellax"])
    return ref, ours


def _assert_same_lines(ref: str, ours: str):
    ref_lines, our_lines = ref.splitlines(), ours.splitlines()
    for i, (a, b) in enumerate(zip(ref_lines, our_lines)):
        assert a == b, f"line {i + 1} differs:\nreference: {a!r}\ncellax:    {b!r}\n\n{ours}"
    assert len(ref_lines) == len(our_lines), ours


# ---------------------------------------------------------------------------------------
# Golden jaxpr text

JAXPR_SCRIPT = r'''
import numpy as np
lax = jax.lax
def P(f, *a):
    print(jax.make_jaxpr(f)(*a))

# cond: bool / numeric / concrete predicates, pytrees, forwarded outputs, closures
P(lambda p, x: lax.cond(p, lambda x: x + 1, lambda x: x * 2, x), True, 1.0)
P(lambda p, x: lax.cond(p, lambda x: x + 1., lambda x: x * 2., x), 1.0, jnp.ones(3))
P(lambda p, x: lax.cond(p, lambda x: x + 1., lambda x: x * 2., x), 3, 2.0)
P(lambda x: lax.cond(True, lambda x: x + 1., lambda x: x * 2., x), 2.0)
P(lambda p, x: lax.cond(p, lambda x: x, lambda x: x, x), True, 2.0)
P(lambda p, x, y: lax.cond(p, lambda x, y: (x, y + 1), lambda x, y: (x, y * 2), x, y),
  True, 2.0, 3.0)
P(lambda p, t: lax.cond(p, lambda t: {'a': t[0] * 2, 'b': [t[1]]},
                        lambda t: {'a': t[0] + 1, 'b': [t[1] * 3]}, t),
  True, (jnp.ones(2), jnp.ones((2, 3))))
c1, c2 = jnp.arange(3.), jnp.ones(3) * 2
P(lambda p, x: lax.cond(p, lambda x: x * c1, lambda x: x + c1 * c2, x), True, jnp.ones(3))
P(lambda p, x: lax.cond(p, lambda: x, lambda: x * 2), True, 2.0)
P(lambda p, x: lax.cond(p, lambda: 1.0, lambda: 2.0), True, 2.0)
P(lambda p, x: lax.cond(p, x, lambda x: x + 1, x, lambda x: x - 1), True, 2.0)
P(lambda p, x: lax.cond(p, lambda x: x + 1, lambda x: x - 1, operand=x), True, 2.0)
P(lambda p, x: lax.cond(p > 0, lambda x: x.astype(jnp.int32),
                        lambda x: jnp.zeros(x.shape, jnp.int32), x), 1.0, jnp.ones(2))

def f2(x):
    return jnp.sin(x) * 2
y3 = jnp.ones(3)
def g3(x):
    return x * y3
P(lambda p, x: lax.cond(p, f2, f2, x), True, 1.0)  # one jaxpr, printed once
P(lambda p, x: lax.cond(p, g3, g3, x), True, jnp.ones(3))
P(lambda i, x: lax.switch(i, [f2, g3, f2], x), 1, jnp.ones(3))

# switch: index conversion and clamping
P(lambda i, x: lax.switch(i, [lambda x: x + 1., lambda x: x * 2.], x), np.int32(1), 1.0)
P(lambda i, x: lax.switch(i, [jnp.sin, jnp.cos, jnp.tan], x), np.uint8(1), 1.0)
P(lambda i, x: lax.switch(i, [lambda x: x, lambda x: x * 2.], x), 1, jnp.ones(2))
P(lambda i, x: lax.switch(i, [lambda x: x + 1.], x), np.int32(1), 1.0)

# while_loop: consts, weak-typed init, carries moved to body consts, big bodies hoisted
P(lambda x: lax.while_loop(lambda c: c < 10., lambda c: c * 2., x), 1.0)
P(lambda x: lax.while_loop(lambda c: c < 10, lambda c: c + 1, 0), 1.0)
P(lambda x: lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] + x, c[2]),
                           (0, x, 3.0)), 1.0)
P(lambda x, y: lax.while_loop(lambda c: c[0] < y, lambda c: (c[0] * x, c[1]), (x, y)),
  1.0, 2.0)
P(lambda x: lax.while_loop(lambda c: jnp.sum(c) < 10., lambda c: c * 2., x), jnp.ones(3))
def big(x):
    for i in range(12):
        x = jnp.sin(x) + i
    return x
P(lambda x: lax.while_loop(lambda c: c < 3., big, x), 1.0)

# nesting
def cond_in_while(x):
    def body(c):
        i, v = c
        return i + 1, lax.cond(i < 2, lambda v: v * 2., lambda v: v + 1., v)
    return lax.while_loop(lambda c: c[0] < 5, body, (0, x))
P(cond_in_while, 1.0)
P(lambda p, x: lax.cond(p, lambda x: lax.while_loop(lambda c: c < 10., lambda c: c * 2., x),
                        lambda x: x, x), True, 1.0)
P(lambda p, q, x: lax.cond(p, lambda x: lax.cond(q, jnp.sin, jnp.cos, x),
                           lambda x: x * 3., x), True, False, 2.0)
P(jax.jit(lambda p, x: lax.cond(p, jax.jit(jnp.sin), jnp.cos, x)), True, 1.0)

# transformations
f = lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x)
P(lambda p, x: jax.jvp(lambda x: f(p, x), (x,), (1.0,)), True, 1.0)
P(lambda p, x: jax.grad(lambda x: f(p, x))(x), True, 1.0)
g = lambda p, x, y: lax.cond(p, lambda x, y: x * y, lambda x, y: x + jnp.sin(y), x, y)
P(lambda p, x, y: jax.grad(g, argnums=(1, 2))(p, x, y), True, 1.0, 2.0)
P(lambda i, x: jax.grad(lambda x: lax.switch(i, [jnp.sin, jnp.cos, lambda x: x * x], x))(x),
  1, 1.0)
P(jax.grad(lambda x: jnp.sum(lax.cond(x[0] > 0, jnp.sin, lambda x: x * 2., x))), jnp.ones(3))
P(jax.grad(lambda x: lax.cond(x > 0, lambda x: lax.cond(x > 1, jnp.sin, jnp.cos, x),
                              lambda x: x ** 2, x)), jnp.float32(1.5))
P(jax.grad(jax.jit(lambda x: lax.cond(x > 0, jnp.sin, jnp.cos, x))), 1.0)
P(jax.jit(jax.grad(lambda x: lax.cond(x > 0, jnp.sin, jnp.cos, x))), 1.0)
P(jax.vmap(f, (None, 0)), True, jnp.ones(3))
P(jax.vmap(f), jnp.array([True, False]), jnp.ones(2))
P(jax.vmap(lambda i, x: lax.switch(i, [jnp.sin, jnp.cos, lambda x: x * x], x), (0, None)),
  jnp.array([0, 1, 2]), 1.0)
w = lambda x: lax.while_loop(lambda c: c[1] < 10., lambda c: (c[0] + 1, c[1] * x), (0, x))
P(lambda x: jax.jvp(w, (x,), (1.0,))[1][1], 2.0)
P(lambda x: jax.linearize(w, x)[1](1.0)[1], 2.0)
P(jax.vmap(w), jnp.array([2.0, 3.0]))
P(jax.vmap(lambda x, n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * x),
                                       (0, x))), jnp.array([2.0, 3.0]), jnp.array([3, 4]))
P(jax.vmap(lambda x, n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * x),
                                       (0, x)), (0, None)), jnp.array([2.0, 3.0]), 3)
'''


def test_jaxpr_text_matches_reference():
    ref, ours = _both(JAXPR_SCRIPT)
    _assert_same_lines(ref, ours)


# ---------------------------------------------------------------------------------------
# Values and error messages, compared with the reference

VALUES_SCRIPT = r'''
import numpy as np
lax = jax.lax
def show(*xs):
    for x in jax.tree_util.tree_leaves(xs):
        print(np.asarray(x).dtype, np.round(np.asarray(x, np.float64), 4).tolist())
f = jax.jit(lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x))
show(f(True, 1.0), f(False, 1.0), lax.cond(True, jnp.sin, jnp.cos, 1.0))
show(jax.jit(jax.grad(f, 1))(True, 1.0), jax.grad(jax.jit(f), 1)(False, 1.0))
show(jax.jit(jax.vmap(f))(jnp.array([True, False, True]), jnp.arange(3.)))
sw = jax.jit(lambda i, x: lax.switch(i, [jnp.sin, jnp.cos, lambda x: x * x], x))
show([sw(i, 1.5) for i in (-2, 0, 1, 2, 7)], jax.vmap(sw)(jnp.arange(-1, 4), jnp.arange(5.)))
w = jax.jit(lambda x: lax.while_loop(lambda c: c[1] < 10., lambda c: (c[0] + 1, c[1] * x),
                                     (0, x)))
show(w(2.0), jax.vmap(w)(jnp.array([1.5, 2.0, 3.0, 11.0])))
show(jax.jit(lambda x: jax.jvp(lambda x: w(x)[1], (x,), (1.0,)))(2.0))
show(lax.while_loop(lambda c: c < 3, lambda c: c + 1.5, 0),
     lax.while_loop(lambda c: c < 3., lambda c: c + 1.5, 0.),
     lax.while_loop(lambda c: c < 3, lambda c: c + jnp.int32(1), 0))
show(lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1]), (0, 3.0)))
h = lambda x: lax.cond(x > 0, lambda x: lax.cond(x > 1, jnp.sin, jnp.cos, x) * x,
                       lambda x: x ** 3, x)
show(jax.jit(jax.vmap(jax.grad(h)))(jnp.array([-1.0, 0.5, 2.0])),
     jax.jit(jax.vmap(jax.grad(jax.grad(h))))(jnp.array([-1.0, 0.5, 2.0])))
def err(fn):
    try:
        fn()
        print("no error")
    except Exception as e:
        print(type(e).__name__ + ":", e)
err(lambda: lax.cond(True, lambda x: x, lambda x: x.astype(jnp.int32), 1.0))
def tf(x): return (x, x)
def ff(x): return [x, x]
err(lambda: lax.cond(True, tf, ff, 1.0))
err(lambda: lax.cond(True, lambda x: {'a': x, 'b': x * 2},
                     lambda x: {'a': x, 'b': jnp.ones(3)}, 1.0))
err(lambda: lax.cond(True, lambda x: (x, x, jnp.int32(1)), lambda x: (jnp.ones(2), x, 1.0),
                     1.0))
err(lambda: lax.cond(jnp.array([True, False]), lambda x: x, lambda x: x, 1.0))
err(lambda: lax.cond("a", lambda x: x, lambda x: x, 1.0))
err(lambda: lax.cond(None, lambda x: x, lambda x: x, 1.0))
err(lambda: lax.cond(1 + 2j, lambda x: x, lambda x: x, 1.0))
err(lambda: lax.cond(True, 1, lambda x: x, 1.0))
err(lambda: lax.cond(True, lambda x, y: x, lambda x, y: y, 1.0, operand=2.0))
err(lambda: lax.switch(1, [], 1.0))
err(lambda: lax.switch(1.0, [lambda x: x, lambda x: x], 1.0))
err(lambda: lax.switch(jnp.array([1, 2]), [lambda x: x, lambda x: x], 1.0))
err(lambda: lax.switch(1, [lambda x: x, 3], 1.0))
err(lambda: lax.switch(1, [lambda x: x, lambda x: (x, x), lambda x: x * 2], 1.0))
err(lambda: lax.switch(1, [lambda x: x, lambda x: x, lambda x: x.astype(int)], 1.0))
err(lambda: lax.while_loop(lambda c: c < 3, lambda c: c.astype(jnp.float32), jnp.int32(0)))
err(lambda: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, jnp.ones(2)),
                           (0, jnp.ones(3))))
err(lambda: lax.while_loop(lambda c: c, lambda c: c + 1, 0))
err(lambda: lax.while_loop(lambda c: (c < 3, c < 2), lambda c: c + 1, 0))
err(lambda: lax.while_loop(lambda c: jnp.array([True, False]), lambda c: c + 1, 0))
err(lambda: lax.while_loop(1, lambda c: c + 1, 0))
err(lambda: jax.grad(lambda x: lax.while_loop(lambda c: c < 3., lambda c: c * 2., x))(1.0))
'''


def test_values_and_errors_match_reference():
    ref, ours = _both(VALUES_SCRIPT)
    _assert_same_lines(ref.replace("<string>", "?"), ours.replace("<string>", "?"))


# ---------------------------------------------------------------------------------------
# Derivatives


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


# Branches defined once: their traces (and the compiled programs) are cached on the
# function objects, as in JAX, so the many evaluations check_grads makes stay cheap.
def _true_branch(x, y):
    return jnp.sin(x) * y


def _false_branch(x, y):
    return (jnp.cos(y) * x, x)[0] ** 2


def _cond_fn(x, y):
    return lax.cond(jnp.sum(x) > 0, _true_branch, _false_branch, x, y)


_BRANCHES = [jnp.sin, lambda x: x ** 3, lambda x: jnp.exp(x) * x, lambda x: x * 2.0]


def _switch_fn(x):
    return lax.switch(jnp.argmax(x), _BRANCHES, x)


def _while_fn(x):
    def body(c):
        i, v, acc = c
        return i + 1, jnp.sin(v) * x + 0.5, acc + v * v
    return lax.while_loop(lambda c: c[0] < 4, body, (0, x, jnp.zeros_like(x)))[1:]


def test_check_grads_cond(x64):
    # Both branches in one test: they share the compiled programs (one `cond` each time).
    for sign in (1.0, -1.0):
        x = np.array([0.3, 0.7]) * sign
        check_grads(_cond_fn, (x, np.array([1.1, -0.4])), order=2, modes=("fwd", "rev"))


def test_check_grads_switch(x64):
    for which in (0, 1, 2):
        x = np.array([0.1, 0.2, 0.3]) + 0.5 * np.eye(3)[which]
        check_grads(_switch_fn, (x,), order=2, modes=("fwd", "rev"))


def test_check_grads_while_forward(x64):
    check_grads(_while_fn, (np.array([0.3, -0.2]),), order=2, modes=("fwd",))


def test_while_reverse_mode_raises():
    msg = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop "
           "with dynamic start/stop values. Try using lax.scan")
    with pytest.raises(ValueError, match=msg):
        jax.grad(lambda x: jnp.sum(_while_fn(x)[0]))(jnp.ones(2))
    with pytest.raises(ValueError, match="Reverse-mode"):
        jax.jit(jax.grad(lambda x: jnp.sum(jax.jit(_while_fn)(x)[0])))(jnp.ones(2))
    # forward mode and linearize work
    y, f_jvp = jax.linearize(lambda x: _while_fn(x)[0], jnp.ones(2))
    np.testing.assert_allclose(f_jvp(jnp.ones(2)), jax.jvp(lambda x: _while_fn(x)[0],
                                                          (jnp.ones(2),), (jnp.ones(2),))[1])


def test_grad_compositions_with_jit():
    def f(x):
        return lax.cond(x > 1.0, lambda x: jnp.sin(x) * x, lambda x: x ** 3, x)

    def want(x):
        return np.cos(x) * x + np.sin(x) if x > 1.0 else 3 * x ** 2

    for x in (0.5, 2.0):
        for g in (jax.grad(f), jax.jit(jax.grad(f)), jax.grad(jax.jit(f)),
                  jax.jit(jax.grad(jax.jit(f)))):
            np.testing.assert_allclose(g(x), want(x), rtol=1e-5)
    xs = jnp.array([0.5, 2.0, 3.0])
    np.testing.assert_allclose(jax.vmap(jax.grad(f))(xs), [want(v) for v in (0.5, 2.0, 3.0)],
                               rtol=1e-5)
    np.testing.assert_allclose(jax.grad(lambda x: jnp.sum(jax.vmap(f)(x)))(xs),
                               [want(v) for v in (0.5, 2.0, 3.0)], rtol=1e-5)
    # grad of grad of grad through nested conds
    h = jax.grad(jax.grad(jax.grad(lambda x: lax.cond(x > 0, lambda x: lax.cond(
        x > 1, jnp.sin, jnp.cos, x), lambda x: x ** 4, x))))
    np.testing.assert_allclose([h(-1.0), h(0.5), h(2.0)],
                               [-24.0, np.sin(0.5), -np.cos(2.0)], rtol=1e-5)


def test_grad_with_unused_and_integer_outputs():
    def f(x):
        a, i, b = lax.cond(x > 0, lambda x: (x * 2, jnp.int32(1), jnp.sin(x)),
                           lambda x: (x, jnp.int32(2), x * x), x)
        return a + i
    assert jax.grad(f)(1.0) == 2.0 and jax.grad(f)(-1.0) == 1.0
    g = jax.grad(lambda x, y: lax.cond(True, lambda x, y: x, lambda x, y: y, x, y), (0, 1))
    assert [float(v) for v in g(1.0, 2.0)] == [1.0, 0.0]


# ---------------------------------------------------------------------------------------
# vmap against Python loops


def _loop(f, *args):
    outs = [f(*[a[i] for a in args]) for i in range(len(args[0]))]
    return jax.tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *outs)


def _assert_tree_close(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=2e-5, atol=2e-6)


def test_vmap_cond_batched_predicate():
    f = lambda p, x: lax.cond(p, lambda x: (jnp.sin(x), x * 2), lambda x: (x, jnp.cos(x)), x)
    p = jnp.array([True, False, True, False])
    x = jnp.arange(8.0).reshape(4, 2)
    _assert_tree_close(jax.vmap(f)(p, x), _loop(f, p, x))
    _assert_tree_close(jax.jit(jax.vmap(f))(p, x), _loop(f, p, x))


def test_vmap_cond_batched_operands_only():
    f = lambda x, y: lax.cond(True, lambda x, y: x * y, lambda x, y: 1.0, x, y)
    x = jnp.arange(3.0)
    out = jax.vmap(f, (0, None))(x, 2.0)
    np.testing.assert_allclose(out, [0.0, 2.0, 4.0])
    g = lambda p, x: lax.cond(p, lambda x: x, lambda x: 1.0, x)
    np.testing.assert_allclose(jax.vmap(g, (None, 0))(False, x), [1.0, 1.0, 1.0])


def test_vmap_switch_batched_index_clamped():
    f = lambda i, x: lax.switch(i, [jnp.sin, jnp.cos, lambda x: x * x], x)
    i = jnp.array([-3, 0, 1, 2, 5])
    x = jnp.linspace(0.0, 1.0, 5)
    _assert_tree_close(jax.vmap(f)(i, x), _loop(f, i, x))
    _assert_tree_close(jax.vmap(f, (0, None))(i, 0.5),
                       np.stack([np.asarray(f(k, 0.5)) for k in np.asarray(i)]))


def newton_sqrt(x):
    def cond(c):
        i, y, prev = c
        return (i < 50) & (jnp.abs(y - prev) > 1e-6 * y)

    def body(c):
        i, y, _ = c
        return i + 1, 0.5 * (y + x / y), y
    return lax.while_loop(cond, body, (0, x, x + 1.0))


def test_vmap_while_batched_condition_runs_until_all_done():
    x = jnp.array([1.0, 4.0, 100.0, 1e4])
    iters, y, _ = jax.vmap(newton_sqrt)(x)
    want_iters, want_y, _ = _loop(newton_sqrt, x)
    np.testing.assert_array_equal(iters, want_iters)  # each element stops on its own
    np.testing.assert_allclose(y, np.sqrt(np.asarray(x)), rtol=1e-5)
    np.testing.assert_allclose(y, want_y, rtol=1e-6)
    assert len(set(np.asarray(iters).tolist())) > 1
    _assert_tree_close(jax.jit(jax.vmap(newton_sqrt))(x), _loop(newton_sqrt, x))


def test_vmap_while_unbatched_condition_and_nested_vmap():
    g = lambda x, n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * x),
                                    (0, x))[1]
    xs, ns = jnp.array([1.1, 1.2]), jnp.array([1, 2, 3])
    got = jax.vmap(jax.vmap(g, (0, None)), (None, 0))(xs, ns)
    want = [[float(xv) ** (int(n) + 1) for xv in np.asarray(xs)] for n in np.asarray(ns)]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(jax.vmap(g, (0, None))(xs, 2), np.asarray(xs) ** 3, rtol=1e-5)
    np.testing.assert_allclose(jax.vmap(jax.vmap(g))(jnp.array([[1.1, 1.2], [1.3, 1.4]]),
                                                     jnp.array([[1, 2], [3, 4]])),
                               [[1.1 ** 2, 1.2 ** 3], [1.3 ** 4, 1.4 ** 5]], rtol=1e-5)


def test_nested_control_flow_under_transformations():
    def f(x):
        def body(c):
            i, v = c
            v = lax.cond(i < 2, lambda v: v * 2.0,
                         lambda v: lax.cond(v > 3.0, jnp.sin, lambda v: v + 1.0, v), v)
            return i + 1, v
        return lax.while_loop(lambda c: c[0] < 5, body, (0, x))[1]

    def ref(x):
        for i in range(5):
            x = x * 2.0 if i < 2 else (np.sin(x) if x > 3.0 else x + 1.0)
        return x
    xs = jnp.array([0.1, 0.6, 1.0, 2.0])
    np.testing.assert_allclose(jax.vmap(f)(xs), [ref(float(v)) for v in np.asarray(xs)],
                               rtol=1e-5)
    np.testing.assert_allclose(jax.jit(jax.vmap(f))(xs), jax.vmap(f)(xs), rtol=1e-6)
    t = jax.vmap(lambda x: jax.jvp(f, (x,), (1.0,))[1])(xs)
    eps = 1e-3
    fd = [(ref(float(v) + eps) - ref(float(v) - eps)) / (2 * eps) for v in np.asarray(xs)]
    np.testing.assert_allclose(t, fd, rtol=2e-2)
    w = lambda p, x: lax.cond(p, lambda x: lax.while_loop(lambda c: c < 10., lambda c: c * 2.,
                                                         x), jnp.cos, x)
    np.testing.assert_allclose(jax.vmap(w)(jnp.array([True, False]), jnp.array([1.0, 2.0])),
                               [16.0, np.cos(2.0)], rtol=1e-6)


# ---------------------------------------------------------------------------------------
# Structure: lowering, jaxpr checks, eager caching, disable_jit


def test_lowering_uses_stablehlo_control_flow():
    text = jax.jit(lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x)).lower(True, 1.0).as_text()
    assert "stablehlo.case" in text
    text = jax.jit(lambda x: newton_sqrt(x)[1]).lower(2.0).as_text()
    assert "stablehlo.while" in text
    text = jax.jit(jax.vmap(lambda x: newton_sqrt(x)[1])).lower(jnp.ones(3)).as_text()
    assert "stablehlo.while" in text and "stablehlo.or" in text
    # nested jit calls inside the regions
    f = jax.jit(lambda p, x: lax.cond(p, jax.jit(jnp.sin), jnp.cos, x))
    np.testing.assert_allclose([f(True, 1.0), f(False, 1.0)], [np.sin(1.0), np.cos(1.0)],
                               rtol=1e-6)
    g = jax.jit(lambda x: lax.while_loop(lambda c: c < 10., jax.jit(lambda c: c * 2.), x))
    assert float(g(1.0)) == 16.0


def test_jaxprs_typecheck():
    from cellax.core import check_jaxpr
    f = lambda x: lax.cond(jnp.sum(x) > 0, lambda x: jnp.sin(x) * x, lambda x: x * 2.0, x)
    for fn in (jax.grad(lambda x: jnp.sum(f(x))), jax.vmap(f), jax.jacfwd(f),
               jax.vmap(jax.grad(lambda x: jnp.sum(f(x))))):
        check_jaxpr(jax.make_jaxpr(fn)(jnp.ones((3, 3))).jaxpr)
    for fn in (jax.vmap(newton_sqrt), jax.vmap(lambda x: jax.jvp(newton_sqrt, (x,), (x,))[1][1])):
        check_jaxpr(jax.make_jaxpr(fn)(jnp.ones(3)).jaxpr)


def test_eager_calls_reuse_the_compiled_primitive():
    from cellax import dispatch
    f = lambda x: lax.cond(x[0] > 0, jnp.sin, jnp.cos, x)
    x = jnp.ones(3)
    f(x)
    lax.while_loop(jnp.isnan, jnp.sin, 1.0)
    n = len(dispatch._eager_cache)
    for _ in range(3):
        f(x)
        f(-x)
        lax.while_loop(jnp.isnan, jnp.sin, 1.0)
    assert len(dispatch._eager_cache) == n


def test_trace_cache_entry_dies_with_its_function():
    import gc
    from cellax.lax import control_flow as cf
    big = jnp.ones(1000)

    def make():
        return lambda x: x + big
    f = make()
    lax.cond(True, f, f, big)
    assert id(f) in cf._weak_trace_cache
    fid = id(f)
    del f
    gc.collect()
    assert fid not in cf._weak_trace_cache


def test_disable_jit_runs_python():
    seen = []

    def body(c):
        seen.append(float(c))
        return c + 1.0
    with jax.disable_jit():
        out = lax.while_loop(lambda c: c < 3.0, body, 0.0)
        assert lax.cond(True, lambda: float(out), lambda: 0.0) == 3.0
    assert seen == [0.0, 1.0, 2.0]


def test_error_types():
    with pytest.raises(TypeError, match="cond branches must have equal output types"):
        lax.cond(True, lambda: 1.0, lambda: jnp.ones(2))
    with pytest.raises(TypeError, match="carry input and carry output must have equal types"):
        lax.while_loop(lambda c: c < 3, lambda c: c.astype(jnp.float32), jnp.int32(0))
    with pytest.raises(TypeError, match="Pred must be a scalar"):
        lax.cond(jnp.ones(2) > 0, lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="cond_fun must return a boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1, 0)
    with pytest.raises(ValueError, match="Empty branch sequence"):
        lax.switch(0, [])
