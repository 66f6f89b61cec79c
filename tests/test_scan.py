"""lax.scan, fori_loop, map and associative_scan: derivatives (check_grads, grad of grad),
vmap against Python loops, composition with jit, lowering, errors, and the same printed
values, jaxprs and error messages as the reference JAX (one script run under both)."""
import difflib

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import core, lax
from cellax.test_util import check_grads
from conftest import run_script


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _rng(seed=0):
    return np.random.default_rng(seed)


def cumsum(xs):
    return lax.scan(lambda c, x: (c + x, c + x), jnp.zeros_like(xs[0]), xs)[1]


def cumprod(xs):
    return lax.scan(lambda c, x: (c * x, c * x), jnp.ones_like(xs[0]), xs)[1]


def rnn_loss(W, U, h0, xs):
    def step(h, x):
        h = jnp.tanh(W @ h + U @ x)
        return h, jnp.sum(h * h)
    h, ys = lax.scan(step, h0, xs)
    return jnp.sum(h) + jnp.sum(ys)


def _rnn_args(dtype=np.float64):
    r = _rng(1)
    return (jnp.asarray(r.normal(size=(3, 3)).astype(dtype) * 0.5),
            jnp.asarray(r.normal(size=(3, 2)).astype(dtype) * 0.5),
            jnp.asarray(r.normal(size=3).astype(dtype)),
            jnp.asarray(r.normal(size=(4, 2)).astype(dtype)))


# ---------------------------------------------------------------------------------------
# Derivatives


def test_check_grads_cumulative(x64):
    xs = jnp.asarray(_rng().uniform(0.5, 1.5, size=(5, 2)))
    check_grads(cumsum, (xs,), order=2, modes=("fwd", "rev"))
    check_grads(cumprod, (xs,), order=2, modes=("fwd", "rev"))
    rev = lambda xs: lax.scan(lambda c, x: (jnp.sin(c) * x, c), 0.3, xs, reverse=True)
    check_grads(rev, (xs[:, 0],), order=2, modes=("fwd", "rev"))


def test_check_grads_rnn(x64):
    check_grads(rnn_loss, _rnn_args(), order=2, modes=("fwd", "rev"))


def test_check_grads_fori_and_map(x64):
    w = jnp.asarray(_rng(2).uniform(0.5, 1.5, size=4))
    fori = lambda w, x: lax.fori_loop(0, 4, lambda i, c: jnp.sin(c) * w[i] + x, x)
    check_grads(fori, (w, 0.7), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: lax.map(lambda r: jnp.tanh(r) * r.sum(), x), (w.reshape(2, 2),),
                order=2, modes=("fwd", "rev"))
    check_grads(lambda x: lax.map(jnp.sin, x, batch_size=3), (w,), order=1,
                modes=("fwd", "rev"))


def test_grad_of_grad_through_scan():
    def f(a):
        return lax.scan(lambda c, x: (c * a + x, c), 1.0, jnp.arange(3.0))[0]
    # f(a) = a^3 + 1 a^1 ... : c1 = a, c2 = a^2 + 1, c3 = a^3 + a + 2
    assert np.allclose(f(2.0), 2.0 ** 3 + 2.0 + 2.0)
    assert np.allclose(jax.grad(f)(2.0), 3 * 4.0 + 1)
    assert np.allclose(jax.grad(jax.grad(f))(2.0), 6 * 2.0)
    assert np.allclose(jax.grad(jax.grad(jax.grad(f)))(2.0), 6.0)
    assert np.allclose(jax.jit(jax.grad(jax.grad(f)))(2.0), 12.0)
    assert np.allclose(jax.grad(jax.jit(jax.grad(f)))(2.0), 12.0)


def test_reverse_mode_is_a_reverse_scan_over_residuals():
    """The known scan saves stacked residuals; the transposed scan runs backwards and takes
    loop-invariant values (the weights) as consts, not stacked."""
    W, U, h0, xs = _rnn_args(np.float32)
    jaxpr = jax.make_jaxpr(jax.grad(rnn_loss, argnums=(0, 1)))(W, U, h0, xs)
    core.check_jaxpr(jaxpr.jaxpr)
    scans = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
    assert [e.params["reverse"] for e in scans] == [False, True]
    fwd, bwd = scans
    assert all(v.aval.shape[0] == 4 for v in fwd.outvars[1:])  # ys and stacked residuals
    assert bwd.invars[0] is jaxpr.jaxpr.invars[0]              # W: an intensive residual
    assert bwd.params["num_consts"] == 1


def test_linearize_and_jvp_match_grad():
    xs = jnp.arange(1.0, 5.0)
    f = lambda xs: lax.scan(lambda c, x: (jnp.sin(c) + x, c * x), 0.5, xs)[1].sum()
    y, f_jvp = jax.linearize(f, xs)
    g = jax.grad(f)(xs)
    t = jnp.asarray(_rng(3).normal(size=4).astype(np.float32))
    assert np.allclose(f_jvp(t), jnp.dot(g, t), rtol=1e-5)
    assert np.allclose(jax.jvp(f, (xs,), (t,))[1], jnp.dot(g, t), rtol=1e-5)
    assert np.allclose(jax.jacfwd(cumprod)(xs), jax.jacrev(cumprod)(xs))


# ---------------------------------------------------------------------------------------
# vmap against a Python loop


def _loop(f, *args, in_axes):
    n = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [f(*[a if ax is None else jnp.asarray(np.take(np.asarray(a), i, axis=ax))
              for a, ax in zip(args, in_axes)])
            for i in range(n)]
    return jax.tree_util.tree_map(lambda *o: np.stack([np.asarray(v) for v in o]), *outs)


@pytest.mark.parametrize("in_axes", [(0, None, None), (None, 0, None), (None, None, 1),
                                     (0, 0, 0), (None, 1, 2)])
def test_vmap_matches_loop(in_axes):
    r = _rng(4)
    a = jnp.asarray(r.normal(size=(3,) if in_axes[0] == 0 else ()).astype(np.float32))
    shapes = {None: (2,), 0: (3, 2), 1: (2, 3)}
    c0 = jnp.asarray(r.normal(size=shapes[in_axes[1]]).astype(np.float32))
    xs_shape = {None: (4, 2), 0: (3, 4, 2), 1: (4, 3, 2), 2: (4, 2, 3)}[in_axes[2]]
    xs = jnp.asarray(r.normal(size=xs_shape).astype(np.float32))

    def f(a, c0, xs):
        def body(c, x):
            h, k = c
            return (jnp.tanh(h * a + x), k + h.sum()), (h * x, k)
        return lax.scan(body, (c0, 0.0), xs)

    got = jax.vmap(f, in_axes=in_axes)(a, c0, xs)
    want = _loop(f, a, c0, xs, in_axes=in_axes)
    jax.tree_util.tree_map(lambda g, w: np.testing.assert_allclose(g, w, rtol=1e-5,
                                                                   atol=1e-6), got, want)
    if in_axes == (0, None, None):  # only a const is batched: the carry becomes batched
        jaxpr = jax.make_jaxpr(jax.vmap(f, in_axes=in_axes))(a, c0, xs)
        scan_eqn = next(e for e in jaxpr.eqns if e.primitive.name == "scan")
        assert scan_eqn.outvars[0].aval.shape == (3, 2)


def test_vmap_of_grad_and_grad_of_vmap():
    xs = jnp.arange(1.0, 5.0)
    f = lambda a: lax.scan(lambda c, x: (c * a + x, c), 0.0, xs)[1].sum()
    a = jnp.array([0.5, 1.0, 1.5])
    want = np.array([jax.grad(f)(float(v)) for v in a])
    np.testing.assert_allclose(jax.vmap(jax.grad(f))(a), want, rtol=1e-6)
    np.testing.assert_allclose(jax.grad(lambda a: jax.vmap(f)(a).sum())(a), want, rtol=1e-6)
    np.testing.assert_allclose(jax.jit(jax.vmap(jax.grad(f)))(a), want, rtol=1e-6)


def test_fori_loop_and_map_under_vmap():
    w = jnp.arange(6.0).reshape(2, 3)
    f = lambda w: lax.fori_loop(0, 3, lambda i, c: c * 0.5 + w[i], 1.0)
    np.testing.assert_allclose(jax.vmap(f)(w), _loop(f, w, in_axes=(0,)), rtol=1e-6)
    g = lambda x: lax.map(lambda r: r * r.sum(), x)
    x = jnp.arange(12.0).reshape(2, 3, 2)
    np.testing.assert_allclose(jax.vmap(g)(x), _loop(g, x, in_axes=(0,)), rtol=1e-6)


# ---------------------------------------------------------------------------------------
# jit, lowering, options


def test_jit_compositions():
    W, U, h0, xs = _rnn_args(np.float32)
    want = rnn_loss(W, U, h0, xs)
    assert np.allclose(jax.jit(rnn_loss)(W, U, h0, xs), want, rtol=1e-5)
    g = jax.grad(rnn_loss, argnums=(0, 1, 2, 3))(W, U, h0, xs)
    for other in (jax.jit(jax.grad(rnn_loss, argnums=(0, 1, 2, 3)))(W, U, h0, xs),
                  jax.grad(jax.jit(rnn_loss), argnums=(0, 1, 2, 3))(W, U, h0, xs)):
        for a, b in zip(g, other):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_lowering_is_a_while_loop():
    f = jax.jit(lambda xs: lax.scan(lambda c, x: (c + x, c * x), 0.0, xs, reverse=True))
    text = f.lower(jnp.ones(5)).as_text()
    assert "stablehlo.while" in text and "stablehlo.dynamic_slice" in text
    assert "stablehlo.dynamic_update_slice" in text
    c, ys = f(jnp.arange(1.0, 4.0))
    assert c == 6.0 and ys.tolist() == [5.0 * 1, 3.0 * 2, 0.0]


def test_scan_options():
    xs = jnp.arange(1.0, 6.0)
    body = lambda c, x: (c + x, c)
    base = lax.scan(body, 0.0, xs)
    for unroll in (2, 5, True, False):
        out = lax.scan(body, 0.0, xs, unroll=unroll)
        assert out[0] == base[0] and out[1].tolist() == base[1].tolist()
    c, ys = lax.scan(body, 0.0, xs, reverse=True)
    assert c == 15.0 and ys.tolist() == [14.0, 12.0, 9.0, 5.0, 0.0]
    c, ys = lax.scan(lambda c, _: (c * 2, c), 1, None, length=4)
    assert c == 16 and ys.tolist() == [1, 2, 4, 8] and ys.dtype == np.int32
    c, ys = lax.scan(lambda c, x: (c + x.sum(), c * x), 1.0, jnp.zeros((0, 2)))
    assert c == 1.0 and ys.shape == (0, 2)
    c, ys = lax.scan(lambda c, x: ({"a": c["a"] + x[0]}, (x[1], None)), {"a": 0.0},
                     (xs, jnp.ones((5, 2))))
    assert c["a"] == 15.0 and ys[0].shape == (5, 2) and ys[1] is None
    with jax.disable_jit():
        c, ys = lax.scan(body, 0.0, xs, reverse=True)
    assert c == 15.0 and ys.tolist() == [14.0, 12.0, 9.0, 5.0, 0.0]


def test_fori_loop_and_map():
    assert lax.fori_loop(0, 5, lambda i, c: c + i, 0) == 10
    assert lax.fori_loop(jnp.int32(2), jnp.int32(5), lambda i, c: c * i, 1.0) == 24.0
    assert lax.fori_loop(5, 2, lambda i, c: c + i, 7) == 7
    jaxpr = jax.make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, c: c * 2.0, x))(1.0)
    assert [e.primitive.name for e in jaxpr.eqns] == ["scan"]
    x = jnp.arange(7.0)
    for bs in (None, 0, 3, 7, 10):
        np.testing.assert_allclose(lax.map(jnp.sin, x, batch_size=bs), np.sin(np.arange(7.0)),
                                   rtol=1e-6)
    out = lax.map(lambda t: {"s": t[0] + t[1], "p": t[0] * t[1]}, (x, x + 1))
    assert out["s"].tolist() == (2 * x + 1).tolist()


def test_fori_loop_traced_bounds():
    f = jax.jit(lambda n, x: lax.fori_loop(0, n, lambda i, c: c * 2.0 + i, x))
    assert f(3, 1.0) == 12.0  # 1 -> 2 -> 5 -> 12


@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_matches_cumulative_loop(reverse):
    r = _rng(5)
    cases = [(jnp.add, np.cumsum), (jnp.multiply, np.cumprod),
             (jnp.maximum, np.maximum.accumulate)]
    for n in (1, 2, 5, 8, 13):
        x = r.normal(size=(n, 3)).astype(np.float32)
        ref = x[::-1] if reverse else x
        for fn, cum in cases if n in (5, 8) else cases[:1]:
            want = cum(ref, axis=0)
            want = want[::-1] if reverse else want
            got = lax.associative_scan(fn, jnp.asarray(x), reverse=reverse)
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    x = r.normal(size=(2, 6)).astype(np.float32)
    np.testing.assert_allclose(lax.associative_scan(jnp.add, jnp.asarray(x), axis=1),
                               np.cumsum(x, axis=1), rtol=1e-5)
    # A pytree: the first-order linear recurrence h_t = a_t h_{t-1} + b_t.
    a, b = r.uniform(0.5, 1.0, size=7).astype(np.float32), r.normal(size=7).astype(np.float32)
    _, hs = lax.associative_scan(lambda p, q: (p[0] * q[0], p[1] * q[0] + q[1]),
                                 (jnp.asarray(a), jnp.asarray(b)))
    h, want = 0.0, []
    for at, bt in zip(a, b):
        h = at * h + bt
        want.append(h)
    np.testing.assert_allclose(hs, want, rtol=1e-5)
    bools = jnp.asarray(r.uniform(size=9) > 0.7)
    np.testing.assert_array_equal(lax.associative_scan(jnp.logical_or, bools),
                                  np.logical_or.accumulate(np.asarray(bools)))


# ---------------------------------------------------------------------------------------
# Errors


def test_errors():
    with pytest.raises(TypeError, match=r"The input carry c has type float32\[\] but the "
                       r"corresponding output carry component has type int32\[\]"):
        lax.scan(lambda c, x: (c.astype(jnp.int32), x), 1.0, jnp.ones(3))
    with pytest.raises(TypeError, match="must have the same pytree structure"):
        lax.scan(lambda c, x: ([c[0], c[1]], x), (1.0, 2.0), jnp.ones(3))
    with pytest.raises(ValueError, match="different leading axis sizes: 3, 4"):
        lax.scan(lambda c, x: (c, x), 1.0, (jnp.ones(3), jnp.ones(4)))
    with pytest.raises(ValueError, match=r"`length` argument of 5 which disagrees with "
                       r"leading axis sizes \[3\]"):
        lax.scan(lambda c, x: (c, x), 1.0, jnp.ones(3), length=5)
    with pytest.raises(ValueError, match="no values to scan over"):
        lax.scan(lambda c, x: (c, x), 1.0, None)
    with pytest.raises(TypeError, match="scan body output must be a pair"):
        lax.scan(lambda c, x: c, 1.0, jnp.ones(3))
    with pytest.raises(TypeError, match="lower and upper arguments to fori_loop"):
        lax.fori_loop(0, 3.0, lambda i, c: c, 1.0)
    with pytest.raises(ValueError, match="same first dimension"):
        lax.associative_scan(jnp.add, (jnp.ones(3), jnp.ones(4)))


# ---------------------------------------------------------------------------------------
# Golden text (in process) and the same script under the reference JAX

GOLDEN_SCAN = """\
{ lambda ; a:f32[] b:f32[3]. let
    c:f32[] d:f32[3] = scan[
      jaxpr={ lambda ; e:f32[] f:f32[]. let
          g:f32[] = convert_element_type[new_dtype=float32 weak_type=False] e
          h:f32[] = mul g f
          i:f32[] = add h 1.0:f32[]
          j:f32[] = sin e
        in (i, j) }
      length=3
      num_carry=1
      num_consts=0
      reverse=False
      unroll=1
    ] a b
  in (c, d) }"""

GOLDEN_FORI = """\
{ lambda ; a:f32[]. let
    _:i32[] b:f32[] = scan[
      jaxpr={ lambda ; c:i32[] d:f32[]. let
          e:i32[] = add c 1:i32[]
          f:f32[] = mul d 2.0:f32[]
          g:f32[] = convert_element_type[new_dtype=float32 weak_type=True] c
          h:f32[] = add f g
        in (e, h) }
      length=3
      num_carry=2
      num_consts=0
      reverse=False
      unroll=1
    ] 0:i32[] a
  in (b,) }"""


def test_golden_jaxprs():
    f = lambda c, xs: lax.scan(lambda c, x: (c * x + 1.0, jnp.sin(c)), c, xs)
    assert str(jax.make_jaxpr(f)(1.0, jnp.arange(3.0))) == GOLDEN_SCAN
    g = lambda x: lax.fori_loop(0, 3, lambda i, c: c * 2.0 + i, x)
    assert str(jax.make_jaxpr(g)(1.0)) == GOLDEN_FORI


SCRIPT_PRELUDE = '''
import numpy as np
from jax import lax
def show(name, v):
    print(name, jax.tree_util.tree_map(
        lambda a: np.round(np.asarray(a, dtype=np.float64), 4).tolist(), v))
xs = jnp.arange(1., 5.)
def f(a, xs):
    return lax.scan(lambda c, x: (c * a + x, c + a), 0.0, xs)
'''

VALUES_SCRIPT = SCRIPT_PRELUDE + '''
show("vmap_const", jax.vmap(f, in_axes=(0, None))(jnp.array([1., 2., 0.5]), xs))
show("vmap_xs_axis1", jax.vmap(f, in_axes=(None, 1))(2.0, jnp.stack([xs, xs * 2], 1)))
def g(c, xs):
    def body(c, x):
        a, b = c
        return (a + x["u"] * b, b * 0.9), {"p": a, "q": (b, x["v"])}
    return lax.scan(body, c, xs, reverse=True)
xs_tree = {"u": jnp.arange(3.), "v": jnp.ones((3, 2))}
show("pytree", g((1.0, 2.0), xs_tree))
show("grad_pytree", jax.grad(lambda c: g(c, xs_tree)[0][0] + g(c, xs_tree)[1]["p"].sum())(
    (1.0, 2.0)))
show("none_xs", lax.scan(lambda c, _: (c * 2., c), 1.0, None, length=4))
show("len0", lax.scan(lambda c, x: (c + x, c * x), 1.0, jnp.zeros((0,))))
def nested(w):
    def outer(c, x):
        d, ys = lax.scan(lambda d, y: (d * w + y, d), c, x)
        return d, ys.sum()
    return lax.scan(outer, 1.0, jnp.ones((3, 2)) * 0.5)
show("nested_grad", jax.grad(lambda w: nested(w)[0] + nested(w)[1].sum())(0.7))
show("nested_gradgrad", jax.grad(jax.grad(lambda w: nested(w)[0]))(0.7))
show("hessian", jax.hessian(lambda x: lax.scan(lambda c, x: (c * x, c), 1.0, x)[0])(xs))
show("jacrev", jax.jacrev(lambda x: lax.scan(lambda c, x: (jnp.sin(c) + x, c), 0.3, x)[1])(xs))
show("grad_vmap", jax.grad(lambda a: jax.vmap(lambda x: f(a, x)[0])(jnp.stack([xs, xs])).sum())(
    1.5))
show("grad_jit", jax.grad(jax.jit(lambda a: f(a, xs)[1].sum()))(1.5))
show("fori_grad", jax.grad(lambda x: lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * x, x))(1.0))
show("fori_dyn", jax.jit(jax.grad(lambda w: lax.fori_loop(0, 3, lambda i, c: c * w[i] + 1.,
                                                          1.0)))(jnp.array([1., 2., 3.])))
show("map_bs", lax.map(lambda t: t ** 2, jnp.arange(7.), batch_size=3))
show("assoc_tree", lax.associative_scan(lambda a, b: (a[0] * b[0], a[1] * b[0] + b[1]),
                                        (jnp.arange(1., 6.), jnp.ones(5))))
show("int_carry", lax.scan(lambda c, x: (c + 1, x * c), 0, xs))
show("linear_transpose", jax.linear_transpose(
    lambda x: lax.scan(lambda c, x: (c + 2. * x, c), 0.0, x), xs)((1.0, jnp.ones(4))))
show("fwd_carry", jax.grad(lambda x: lax.scan(lambda c, x: (c, c * x), x[0], x)[1].sum())(xs))
a = jnp.array([0.3, 0.7])
def h(a, xs):
    return lax.scan(lambda c, x: (c * jnp.sin(a) + x * jnp.exp(a[0]), c.sum()), jnp.zeros(2), xs)
loss = lambda a, xs: h(a, xs)[0].sum() + (h(a, xs)[1] ** 2).sum()
show("hoisted_grad", jax.grad(loss)(a, xs))
show("hoisted_grad_jit", jax.grad(jax.jit(loss))(a, xs))
show("hoisted_grad_grad", jax.grad(lambda a: jax.grad(jax.jit(loss))(a, xs).sum())(a))
show("vmap_psum", jax.vmap(lambda x: lax.scan(lambda c, y: (c + lax.psum(y, 'i') * c, c), 1., x),
                           axis_name='i')(jnp.arange(6.).reshape(2, 3)))
print(repr(lax.scan(lambda c, x: (c + x, c * x), 1, jnp.arange(3))))
print(repr(lax.scan(lambda c, x: (c + x, jnp.sin(c)), 1., jnp.arange(3.))))
print(jax.jvp(lambda x: lax.scan(lambda c, x: (c * 2.0, c), x, None, length=3), (1.0,), (1.0,)))
'''

JAXPR_SCRIPT = SCRIPT_PRELUDE + '''
W = jnp.ones((2, 2)) * 0.5
def k(c, xs):
    return lax.scan(lambda c, x: (c * x + 1.0, jnp.sin(c)), c, xs)
print(jax.make_jaxpr(lambda c, xs: jax.jvp(k, (c, xs), (1.0, jnp.ones(3))))(1.0, jnp.arange(3.)))
print(jax.make_jaxpr(jax.vmap(k))(jnp.ones(2), jnp.ones((2, 3))))
print(jax.make_jaxpr(jax.vmap(k, in_axes=(0, None)))(jnp.ones(2), jnp.ones(3)))
print(jax.make_jaxpr(lambda a, xs: lax.scan(
    lambda c, x: ((c[0], c[1] + x), (x, c[0] * x)), (a, 0.0), xs))(2.0, jnp.ones(3)))
print(jax.make_jaxpr(lambda h: lax.scan(
    lambda c, _: (jnp.tanh(W @ c), c.sum()), h, None, length=4, reverse=True, unroll=2))(
    jnp.ones(2)))
def nested(w):
    def outer(c, x):
        d, ys = lax.scan(lambda d, y: (d * w + y, d), c, x)
        return d, ys.sum()
    return lax.scan(outer, 1.0, jnp.ones((3, 2)))
print(jax.make_jaxpr(nested)(0.7))
print(jax.make_jaxpr(lambda x: lax.fori_loop(0, 4, lambda i, c: (c[0] + i, c[1] * c[0]),
                                             (x, 1.0)))(2))
print(jax.make_jaxpr(lambda n, x: lax.fori_loop(0, n, lambda i, c: c * 2.0 + i, x))(3, 1.0))
print(jax.make_jaxpr(lambda x: lax.map(jnp.sin, x, batch_size=2))(jnp.ones(5)))
print(jax.make_jaxpr(lambda x: lax.associative_scan(jnp.add, x))(jnp.ones(5)))
print(jax.make_jaxpr(lambda x: lax.scan(lambda c, x: (c + x, None), 0, x))(jnp.arange(3)))
def rnn(params, xs):
    W, U, b = params
    def step(h, x):
        h = jnp.tanh(W @ h + U @ x + b)
        return h, jnp.sum(h * h)
    h, ys = lax.scan(step, jnp.zeros(W.shape[0]), xs)
    return jnp.mean(ys) + jnp.sum(h)
params = (jnp.ones((4, 4)), jnp.ones((4, 3)), jnp.ones(4))
# The forward (known) scan of reverse mode; the backward pass's equation order is the
# transposer's business and differs from JAX's outside the scans.
print(str(jax.make_jaxpr(jax.value_and_grad(rnn))(params, jnp.ones((6, 3)))).split(
    "bv:f32[] = reduce_sum")[0].split("bd:f32[4]")[1])
'''

ERRORS_SCRIPT = SCRIPT_PRELUDE + '''
def tryit(f):
    try:
        f()
        print("no error")
    except Exception as e:
        print(type(e).__name__, ":", str(e).split("\\nThe error occurred")[0])
tryit(lambda: lax.scan(lambda c, x: (c.astype(jnp.int32), x), 1.0, jnp.ones(3)))
tryit(lambda: lax.scan(lambda c, x: (jnp.ones(2), x), jnp.ones(3), jnp.ones(3)))
tryit(lambda: lax.scan(lambda carry, x: ({'a': carry['a'], 'b': carry['b'].astype(jnp.int32)},
                                         x), {'a': 1.0, 'b': jnp.float32(2.)}, jnp.ones(3)))
tryit(lambda: lax.scan(lambda c, x: ((c[0].astype(jnp.int32), jnp.ones(3)), x),
                       (1.0, jnp.ones(2)), jnp.ones(3)))
tryit(lambda: lax.scan(lambda c, x: ([c[0], c[1]], x), (1.0, 2.0), jnp.ones(3)))
tryit(lambda: lax.scan(lambda c, x: (c, x), 1.0, (jnp.ones(3), jnp.ones(4))))
tryit(lambda: lax.scan(lambda c, x: (c, x), 1.0, jnp.ones(3), length=5))
tryit(lambda: lax.scan(lambda c, x: (c, x), 1.0, None))
tryit(lambda: lax.scan(lambda c, x: c, 1.0, jnp.ones(3)))
tryit(lambda: lax.scan(3, 1.0, jnp.ones(3)))
tryit(lambda: lax.scan(lambda c, x: (c, x), 1.0, 2.0))
tryit(lambda: lax.scan(lambda c, x: (c, x), 1.0, jnp.ones(3), unroll=-1))
tryit(lambda: lax.fori_loop(0, 3.0, lambda i, c: c, 1.0))
tryit(lambda: lax.fori_loop(jnp.int32(0), jnp.int16(3), lambda i, c: c, 1.0))
tryit(lambda: jax.jit(lambda n: lax.fori_loop(0, n, lambda i, c: c, 1.0, unroll=2))(3))
tryit(lambda: lax.associative_scan(jnp.add, (jnp.ones(3), jnp.ones(4))))
tryit(lambda: jax.jit(lambda n: lax.scan(lambda c, x: (c, x), 1.0, None, length=n))(3))
'''


def _same_as_reference(script: str) -> None:
    ours = run_script(script.replace("from jax import lax", "from cellax import lax"),
                      "cellax")
    ref = run_script(script, "jax")
    if ours != ref:
        diff = "\n".join(difflib.unified_diff(ref.splitlines(), ours.splitlines(), "jax",
                                              "cellax", lineterm=""))
        pytest.fail(f"output differs from the reference JAX:\n{diff}")


@pytest.mark.parametrize("script", ["values", "jaxprs", "errors"])
def test_same_as_reference_jax(script):
    _same_as_reference({"values": VALUES_SCRIPT, "jaxprs": JAXPR_SCRIPT,
                        "errors": ERRORS_SCRIPT}[script])
