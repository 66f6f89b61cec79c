"""Cumulative reductions, windowed reductions (pooling), generic `lax.reduce` and
`reduce_precision` against the reference JAX: values, dtypes, weak types and shapes;
`make_jaxpr` text; error types. Then, in-process: `check_grads` (order 2, fwd + rev,
float64) of every differentiable primitive of the family and vmap against a Python loop.

The oracle runs `CODE` once under JAX in a subprocess; cellax runs the same `CODE` here.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads
from conftest import run_oracle

CODE = r'''
import numpy as np
R = {}
rng = np.random.RandomState(0)
F = rng.randn(3, 4).astype(np.float32)
I = rng.randint(-5, 6, (3, 4)).astype(np.int32)
B = F > 0
P = (np.abs(F) + 0.5).astype(np.float32)
NF = np.array([1., np.nan, -2., np.inf, 3., -np.inf], np.float32)
IMG = rng.randn(2, 5, 6, 3).astype(np.float32)
TIE = (np.arange(2 * 5 * 6 * 3).reshape(2, 5, 6, 3) % 4).astype(np.float32)
IIMG = rng.randint(-9, 10, (2, 5, 6, 3)).astype(np.int32)
X2 = rng.randn(7, 8).astype(np.float32)

PENDING = []

def record(name, y):
    leaves = y if isinstance(y, (tuple, list)) else [y]
    out = []
    for leaf in leaves:
        a = np.asarray(leaf)
        flat = a.ravel()
        if np.iscomplexobj(flat):
            flat = np.concatenate([flat.real, flat.imag])
        out.append({"dtype": str(a.dtype), "shape": list(a.shape),
                    "weak": "weak_type=True" in repr(leaf),
                    "v": [None if np.isnan(v) else float(v) for v in
                          flat.astype(np.float64)]})
    R["val:" + name] = out

def val(name, f):
    PENDING.append((name, f))

def flush():
    """Run the pending cases staged together as one program (one compile); if that fails,
    case by case, recording each error's type."""
    cases = list(PENDING)
    PENDING.clear()
    try:
        ys = jax.jit(lambda: [f() for _, f in cases])()
    except Exception:
        ys = None
    for k, (name, f) in enumerate(cases):
        if ys is not None:
            record(name, ys[k])
            continue
        try:
            record(name, jax.jit(f)())
        except Exception as e:  # a mismatch if only one side raises
            R["val:" + name] = {"error": type(e).__name__}

def jpr(name, f, *args):
    R["jaxpr:" + name] = str(jax.make_jaxpr(f)(*args))

def err(name, f):
    try:
        f()
        R["err:" + name] = "no error"
    except Exception as e:
        R["err:" + name] = type(e).__name__

maxpool = lambda x, pad="VALID", s=(1, 2, 2, 1): lax.reduce_window(
    x, -jnp.inf, lax.max, (1, 2, 2, 1), s, pad)
avgpool = lambda x, pad="VALID": lax.reduce_window(
    x, 0., lax.add, (1, 2, 2, 1), (1, 2, 2, 1), pad) / 4.

# --- cumulative reductions (lax) ---
for nm in ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"]:
    fn = getattr(lax, nm)
    for ax in (0, 1):
        for rev in (False, True):
            val(f"lax.{nm}.f32.{ax}.{rev}",
                lambda fn=fn, ax=ax, rev=rev: fn(jnp.asarray(F), ax, rev))
            if nm != "cumlogsumexp":
                val(f"lax.{nm}.i32.{ax}.{rev}",
                    lambda fn=fn, ax=ax, rev=rev: fn(jnp.asarray(I), ax, rev))
    val(f"lax.{nm}.special", lambda fn=fn: fn(jnp.asarray(NF)))
    val(f"lax.{nm}.empty", lambda fn=fn: fn(jnp.zeros((0, 3)), 0))
    val(f"lax.{nm}.weak", lambda fn=fn: fn(lax.full((3,), 2.0), 0))
    err(f"lax.{nm}.bool", lambda: fn(jnp.asarray(B), 0))
    err(f"lax.{nm}.axis", lambda: fn(jnp.asarray(F), 2))
    err(f"lax.{nm}.negaxis", lambda: fn(jnp.asarray(F), -1))

flush()
# --- cumulative reductions (jnp) ---
for nm in ["cumsum", "cumprod", "nancumsum", "nancumprod"]:
    fn = getattr(jnp, nm)
    val(f"jnp.{nm}.none", lambda fn=fn: fn(F))
    val(f"jnp.{nm}.ax1", lambda fn=fn: fn(F, axis=1))
    val(f"jnp.{nm}.neg", lambda fn=fn: fn(F, axis=-2))
    val(f"jnp.{nm}.int", lambda fn=fn: fn(I, axis=0))
    val(f"jnp.{nm}.bool", lambda fn=fn: fn(B, axis=1))
    val(f"jnp.{nm}.dtype_bool", lambda fn=fn: fn(I, axis=1, dtype=bool))
    val(f"jnp.{nm}.dtype_f", lambda fn=fn: fn(I, axis=1, dtype=jnp.float32))
    val(f"jnp.{nm}.nan", lambda fn=fn: fn(NF))
    val(f"jnp.{nm}.scalar", lambda fn=fn: fn(3.0))
    err(f"jnp.{nm}.axis", lambda: fn(F, axis=5))
for nm in ["cumulative_sum", "cumulative_prod"]:
    fn = getattr(jnp, nm)
    val(f"jnp.{nm}.ax1", lambda fn=fn: fn(F, axis=1))
    val(f"jnp.{nm}.init", lambda fn=fn: fn(F, axis=0, include_initial=True))
    val(f"jnp.{nm}.int8", lambda fn=fn: fn(np.array([100, 27, -3], np.int8)))
    val(f"jnp.{nm}.bool", lambda fn=fn: fn(B[0]))
    err(f"jnp.{nm}.scalar", lambda: fn(jnp.asarray(1.0)))
    err(f"jnp.{nm}.noaxis", lambda: fn(F))

flush()
# --- reduce_window ---
for pad in ["VALID", "SAME", "SAME_LOWER", ((0, 0), (1, 0), (0, 2), (0, 0))]:
    p = str(pad)
    val(f"maxpool.{p}", lambda pad=pad: maxpool(IMG, pad))
    val(f"avgpool.{p}", lambda pad=pad: avgpool(IMG, pad))
    val(f"minpool.{p}", lambda pad=pad: lax.reduce_window(
        IMG, jnp.inf, lax.min, (1, 3, 2, 1), (1, 1, 2, 1), pad))
    val(f"maxpool.int.{p}", lambda pad=pad: lax.reduce_window(
        IIMG, jnp.iinfo(jnp.int32).min, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), pad))
    val(f"sumpool.int.{p}", lambda pad=pad: lax.reduce_window(
        IIMG, 0, lax.add, (1, 2, 3, 1), (1, 1, 2, 1), pad))
    val(f"mulpool.{p}", lambda pad=pad: lax.reduce_window(
        IMG, 1., lax.mul, (1, 2, 2, 1), (1, 2, 2, 1), pad))
val("rw.dilations", lambda: lax.reduce_window(X2, 0., lax.add, (2, 3), (1, 2), "SAME",
                                              base_dilation=(2, 1), window_dilation=(1, 2)))
val("rw.max.dilations", lambda: lax.reduce_window(X2, -np.inf, lax.max, (3, 2), (2, 1),
                                                  ((1, 1), (0, 1)), (1, 2), (2, 1)))
val("rw.bool.max", lambda: lax.reduce_window(B, False, lax.max, (2, 2), (1, 1)))
val("rw.bool.min", lambda: lax.reduce_window(B, True, lax.min, (2, 1), (1, 1)))
val("rw.generic_lambda", lambda: lax.reduce_window(X2, 0., lambda a, b: a + 2 * b, (2, 2),
                                                   (2, 2)))
val("rw.add_init1", lambda: lax.reduce_window(X2, 1., lax.add, (2, 2), (1, 1)))
val("rw.variadic", lambda: lax.reduce_window(
    (X2, np.arange(56, dtype=np.int32).reshape(7, 8)), (-np.inf, 0),
    lambda a, b: (lax.max(a[0], b[0]), lax.select(a[0] >= b[0], a[1], b[1])),
    (2, 2), (2, 2)))
val("rw.shape_tuple", lambda: np.array(lax.reduce_window_shape_tuple(
    (7, 8), (2, 3), (2, 1), ((1, 0), (0, 2)), (1, 2), (2, 1))))

flush()
# --- reduce ---
val("reduce.add", lambda: lax.reduce(F, 0., lax.add, (0,)))
val("reduce.add_weak", lambda: lax.reduce(jnp.asarray([1.0, 2.0]) * 2, 0., lax.add, (0,)))
val("reduce.mul", lambda: lax.reduce(F, 1., lax.mul, (1,)))
val("reduce.max", lambda: lax.reduce(I, np.int32(np.iinfo(np.int32).min), lax.max, (0, 1)))
val("reduce.min", lambda: lax.reduce(F, np.inf, lax.min, (1,)))
val("reduce.or", lambda: lax.reduce(B, False, lax.bitwise_or, (1,)))
val("reduce.and", lambda: lax.reduce(I, np.int32(-1), lax.bitwise_and, (1,)))
val("reduce.xor", lambda: lax.reduce(I, np.int32(0), lax.bitwise_xor, (0,)))
val("reduce.generic", lambda: lax.reduce(F, 0., lambda a, b: a + b * b, (0,)))
val("reduce.nonidentity", lambda: lax.reduce(F, 1., lax.add, (0,)))
val("reduce.variadic", lambda: lax.reduce(
    (F, np.arange(12, dtype=np.int32).reshape(3, 4)), (-np.inf, 0),
    lambda a, b: (lax.max(a[0], b[0]), lax.select(a[0] >= b[0], a[1], b[1])), (1,)))
val("reduce.dict", lambda: lax.reduce({"a": F, "b": F}, {"a": 0., "b": 1.},
                                      lambda x, y: {"a": x["a"] + y["a"],
                                                    "b": x["b"] * y["b"]}, (0,))["b"])
flush()
# --- reduce_precision ---
RP = np.array([1.2345678, 65504., 65520., 1e-8, 3e38, -2.5e-5, np.nan, np.inf], np.float32)
val("rp.f16", lambda: lax.reduce_precision(RP, 5, 10))
val("rp.bf16", lambda: lax.reduce_precision(RP, 8, 7))
val("rp.e4m3", lambda: lax.reduce_precision(RP, 4, 3))
val("rp.weak", lambda: lax.reduce_precision(1.1, 5, 2))

flush()
# --- derivatives through the reference's rules ---
g = lambda f: jax.grad(lambda x: jnp.sum(f(x) * jnp.arange(f(x).size).reshape(
    f(x).shape).astype(jnp.float32)))
val("grad.maxpool", lambda: g(maxpool)(IMG))
val("grad.maxpool.ties", lambda: g(maxpool)(TIE))
val("grad.maxpool.same_s1", lambda: g(lambda x: maxpool(x, "SAME", (1, 1, 1, 1)))(TIE))
val("grad.minpool.pad", lambda: g(lambda x: lax.reduce_window(
    x, jnp.inf, lax.min, (3, 2), (2, 1), ((1, 1), (0, 1))))(X2))
val("grad.avgpool.same", lambda: g(lambda x: avgpool(x, "SAME"))(IMG))
val("grad.sum.dil", lambda: g(lambda x: lax.reduce_window(
    x, 0., lax.add, (2, 3), (1, 2), "SAME", base_dilation=(2, 1),
    window_dilation=(1, 2)))(X2))
val("grad.max.basedil", lambda: g(lambda x: lax.reduce_window(
    x, -jnp.inf, lax.max, (2, 3), (1, 2), "SAME", base_dilation=(2, 1)))(X2))
val("jvp.mulpool", lambda: jax.jvp(lambda x: lax.reduce_window(
    x, 1., lax.mul, (2, 3), (1, 2), "SAME", (2, 1)), (X2,), (X2 * 2,)))
val("jvp.variadic", lambda: jax.jvp(lambda x: lax.reduce_window(
    (x, x * 2), (1., 0.), lambda a, b: (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]),
    (2, 2), (1, 1)), (X2 / 4,), (X2,)))
val("jvp.maxpool", lambda: jax.jvp(maxpool, (IMG,), (TIE,)))
val("grad.cummax.ties", lambda: jax.grad(lambda x: (lax.cummax(x) * jnp.arange(6.)).sum())(
    jnp.array([1., 3., 3., 2., 3., 5.])))
val("grad.cummin.ties", lambda: jax.grad(lambda x: (lax.cummin(x, reverse=True) * jnp.arange(
    6.)).sum())(jnp.array([1., 3., 1., 2., 1., 5.])))
val("grad.rw.negpad", lambda: g(lambda x: lax.reduce_window(x, 0., lax.add, (2,), (2,),
                                                            ((-1, 1),)))(jnp.arange(8.)))
val("cplx.cumsum", lambda: lax.cumsum(jnp.asarray(F + 1j * F[::-1]), 1))
val("cplx.cummax", lambda: lax.cummax(jnp.asarray((np.arange(6) % 3 + 1j * (np.arange(6) % 2))
                                                  .astype(np.complex64))))
val("rw.scalar", lambda: lax.reduce_window(jnp.float32(3.), 0., lax.add, (), ()))
val("reduce.empty", lambda: lax.reduce(jnp.ones((0, 3)), 0., lambda a, b: a + b, (0,)))
val("hess.maxpool", lambda: jax.jvp(g(maxpool), (IMG,), (TIE,))[1])
for nm in ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"]:
    val(f"grad.{nm}", lambda nm=nm: g(lambda x: getattr(lax, nm)(x, 1, True))(P))
val("grad.reduce_generic", lambda: g(lambda x: lax.reduce(x, 0., lambda a, b: a + b * b,
                                                          (1,)))(F))
val("grad.reduce_prec", lambda: g(lambda x: lax.reduce_precision(x, 5, 3))(F))

flush()
# --- jaxprs ---
jpr("jnp.cumsum", jnp.cumsum, F)
jpr("jnp.cumsum.ax1", lambda x: jnp.cumsum(x, axis=1), F)
jpr("jnp.cumsum.bool", jnp.cumsum, B)
jpr("jnp.cumprod.ax0", lambda x: jnp.cumprod(x, axis=0, dtype=jnp.float32), I)
jpr("jnp.nancumsum", jnp.nancumsum, NF)
jpr("jnp.cumulative_sum", lambda x: jnp.cumulative_sum(x, axis=1, include_initial=True), F)
jpr("jnp.cumulative_prod", lambda x: jnp.cumulative_prod(x, axis=1), F)
jpr("lax.cummax", lambda x: lax.cummax(x, 1, True), F)
jpr("lax.cumlogsumexp", lambda x: lax.cumlogsumexp(x), F)
jpr("maxpool", maxpool, IMG)
jpr("maxpool.same", lambda x: maxpool(x, "SAME"), IMG)
jpr("avgpool", avgpool, IMG)
jpr("mulpool", lambda x: lax.reduce_window(x, 1., lax.mul, (1, 2, 2, 1), (1, 2, 2, 1),
                                           "SAME"), IMG)
jpr("grad.maxpool", jax.grad(lambda x: maxpool(x).sum()), IMG)
jpr("jvp.maxpool", lambda x: jax.jvp(maxpool, (x,), (x,)), IMG)
jpr("grad.avgpool", jax.grad(lambda x: avgpool(x, "SAME").sum()), IMG)
jpr("vmap.maxpool", jax.vmap(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2, 2),
                                                         (1, 2))), IMG[:, :, :, 0])
jpr("reduce.generic", lambda x: lax.reduce(x, 0., lambda a, b: a + b, (0,)), F)
jpr("reduce.monoid", lambda x: lax.reduce(x, 0., lax.add, (0,)), F)
jpr("reduce.variadic", lambda x: lax.reduce((x, x), (0., 1.), lambda a, b: (
    a[0] + b[0], a[1] * b[1]), (0, 1)), F)
jpr("reduce_precision", lambda x: lax.reduce_precision(x, 5, 10), F)

# --- errors ---
err("rw.window_len", lambda: maxpool(IMG[0]))
err("rw.strides_len", lambda: lax.reduce_window(X2, 0., lax.add, (2, 2), (1, 1, 1)))
err("rw.zero_window", lambda: lax.reduce_window(X2, 0., lax.add, (0, 2), (1, 1)))
err("rw.zero_stride", lambda: lax.reduce_window(X2, 0., lax.add, (2, 2), (0, 1)))
err("rw.pad_type", lambda: lax.reduce_window(X2, 0., lax.add, (2, 2), (1, 1), "FULL"))
err("rw.dtype", lambda: lax.reduce_window(X2, np.int32(1), lax.mul, (2, 2), (1, 1)))
err("rw.tree", lambda: lax.reduce_window((X2, X2), 0., lax.add, (2, 2), (1, 1)))
err("rw.sum_bool", lambda: lax.reduce_window(B, False, lax.add, (2, 2), (1, 1)))
err("reduce.tree", lambda: lax.reduce((F, F), 0., lax.add, (0,)))
err("reduce.dtype", lambda: lax.reduce(F, np.int32(2), lax.mul, (0,)))
err("rp.int", lambda: lax.reduce_precision(I, 5, 10))
err("rp.exp0", lambda: lax.reduce_precision(F, 0, 10))
err("rp.mant", lambda: lax.reduce_precision(F, 5, -1))
'''

ORACLE = "import jax, jax.numpy as jnp\nfrom jax import lax\n" + CODE + \
    "\nimport json\nprint(json.dumps(R))\n"


def _ours() -> dict:
    ns = {"jax": jax, "jnp": jnp, "lax": lax}
    exec(CODE, ns)  # noqa: S102 - our own test code, run under cellax
    return json.loads(json.dumps(ns["R"]))


@pytest.fixture(scope="module")
def results():
    return _ours(), run_oracle(ORACLE)


def _close(a, b) -> bool:
    a = np.array([np.nan if v is None else v for v in a], np.float64)
    b = np.array([np.nan if v is None else v for v in b], np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=2e-5, atol=2e-5,
                                                   equal_nan=True))


def _mismatches(prefix, ours, ref, same):
    keys = sorted(k for k in ref if k.startswith(prefix))
    assert keys and set(keys) == {k for k in ours if k.startswith(prefix)}
    return [(k, ours[k], ref[k]) for k in keys if not same(ours[k], ref[k])]


def _same_value(o, r) -> bool:
    if isinstance(r, dict) or isinstance(o, dict):
        return o == r
    if len(o) != len(r):
        return False
    return all(a["dtype"] == b["dtype"] and a["shape"] == b["shape"]
               and a["weak"] == b["weak"] and _close(a["v"], b["v"]) for a, b in zip(o, r))


def _report(bad):
    return "\n".join(f"{k}:\n  ours: {str(o)[:600]}\n  jax:  {str(r)[:600]}"
                     for k, o, r in bad[:8])


def test_values_dtypes_shapes_match_jax(results):
    ours, ref = results
    bad = _mismatches("val:", ours, ref, _same_value)
    assert not bad, _report(bad)
    assert sum(k.startswith("val:") for k in ref) > 150


def test_jaxprs_match_jax(results):
    ours, ref = results
    bad = _mismatches("jaxpr:", ours, ref, lambda a, b: a == b)
    assert not bad, _report(bad)


def test_error_types_match_jax(results):
    ours, ref = results
    bad = _mismatches("err:", ours, ref, lambda a, b: a == b)
    assert not bad, _report(bad)
    assert all(v != "no error" for k, v in ref.items() if k.startswith("err:"))


def test_jit_matches_eager():
    x = np.random.RandomState(1).randn(2, 7, 6, 3).astype(np.float32)

    def f(x):
        mp = lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
        gen = lax.reduce_window(x, 1., lax.mul, (1, 2, 1, 1), (1, 1, 1, 1), "VALID")
        return (mp, gen, lax.cumlogsumexp(x, 1, True), jnp.cumsum(x, axis=2),
                lax.reduce(x, 0., lambda a, b: a + b * b, (1, 2)))

    for a, b in zip(f(x), jax.jit(f)(x)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------
# check_grads: order 2, forward and reverse, float64


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _distinct(*shape, seed=0):
    # distinct, well-separated values: no ties for max/min, stable finite differences
    n = int(np.prod(shape))
    v = np.random.RandomState(seed).permutation(n).astype(np.float64) / 3.0 - n / 6.0
    return v.reshape(shape)


def _sga(t, x):
    return lax.select_and_gather_add_p.bind(
        t, x, select_prim=lax.ge_p, window_dimensions=(2, 3), window_strides=(1, 2),
        padding=((0, 1), (1, 1)), base_dilation=(1, 1), window_dilation=(1, 1))


def _sas(s, x):
    return lax.select_and_scatter_add_p.bind(
        s, x, select_prim=lax.le_p, window_dimensions=(2, 3), window_strides=(1, 2),
        padding=((0, 1), (1, 1)))


GRAD_CASES = {
    "cumsum": (lambda x: lax.cumsum(x, 1, True), (3, 4)),
    "cumprod": (lambda x: lax.cumprod(x, 0), (3, 4)),
    "cummax": (lambda x: lax.cummax(x, 1), (3, 4)),
    "cummin": (lambda x: lax.cummin(x, 0, True), (3, 4)),
    "cumlogsumexp": (lambda x: lax.cumlogsumexp(x, 1), (3, 4)),
    "reduce_window_sum": (lambda x: lax.reduce_window(
        x, 0., lax.add, (2, 3), (2, 1), "SAME", base_dilation=(2, 1),
        window_dilation=(1, 2)), (4, 5)),
    "reduce_window_max": (lambda x: lax.reduce_window(
        x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME"), (2, 5, 4, 2)),
    "reduce_window_min": (lambda x: lax.reduce_window(
        x, jnp.inf, lax.min, (3, 2), (1, 1), ((1, 1), (0, 1))), (4, 5)),
    "reduce_window": (lambda x: lax.reduce_window(
        x, 1., lax.mul, (2, 2), (1, 1), "SAME"), (3, 4)),
    # (1 + a)(1 + b) - 1: a monoid with identity 0 that is not one JAX recognises
    "reduce": (lambda x: lax.reduce(x, 0., lambda a, b: a + b + a * b, (0,)), (5, 3)),
    "reduce_precision": (lambda x: lax.reduce_precision(x, 11, 52), (3, 4)),
    "select_and_gather_add": (lambda t: _sga(t, jnp.asarray(_distinct(4, 5, seed=3))),
                              (4, 5)),
    "select_and_scatter_add": (lambda s: _sas(s, jnp.asarray(_distinct(4, 5, seed=4))),
                               (4, 3)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_check_grads_order2(name, x64):
    f, shape = GRAD_CASES[name]
    x = _distinct(*shape)
    if name in ("cumprod", "cumlogsumexp", "reduce"):
        x = x / x.size
    check_grads(f, (jnp.asarray(x),), order=2, modes=("fwd", "rev"))


def test_max_pool_grad_routes_to_argmax():
    x = jnp.asarray(_distinct(1, 4, 4, 1).astype(np.float32))
    g = jax.grad(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1),
                                             (1, 2, 2, 1), "VALID").sum())(x)
    g = np.asarray(g)[0, :, :, 0]
    xv = np.asarray(x)[0, :, :, 0]
    for i in (0, 2):
        for j in (0, 2):
            block = xv[i:i + 2, j:j + 2]
            want = (block == block.max()).astype(np.float32)
            np.testing.assert_array_equal(g[i:i + 2, j:j + 2], want)


# ---------------------------------------------------------------------------------------
# vmap against a Python loop

VMAP_CASES = {
    "cumsum": lambda x: lax.cumsum(x, 1),
    "cumprod": lambda x: lax.cumprod(x, 0, True),
    "cummax": lambda x: lax.cummax(x, 0),
    "cummin": lambda x: lax.cummin(x, 1, True),
    "cumlogsumexp": lambda x: lax.cumlogsumexp(x, 1),
    "reduce_window_sum": lambda x: lax.reduce_window(x, 0., lax.add, (2, 2), (1, 2), "SAME"),
    "reduce_window_max": lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2, 3), (1, 1)),
    "reduce_window_min": lambda x: lax.reduce_window(x, jnp.inf, lax.min, (3, 1), (2, 1),
                                                     "SAME"),
    "reduce_window": lambda x: lax.reduce_window(x, 1., lax.mul, (2, 2), (1, 1)),
    "reduce": lambda x: lax.reduce(x, 0., lambda a, b: a + b * b, (1,)),
    "reduce_precision": lambda x: lax.reduce_precision(x, 5, 4),
    "select_and_gather_add": lambda x: _sga(x * 2, x),
    "select_and_scatter_add": lambda x: _sas(x[:, 1:4] + 1, x),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
@pytest.mark.parametrize("in_axis", [0, 1])
def test_vmap_matches_loop(name, in_axis):
    f = VMAP_CASES[name]
    xs = np.random.RandomState(2).randn(3, 4, 6).astype(np.float32)  # 3 examples of (4, 6)
    batched = np.moveaxis(xs, 0, in_axis)
    got = np.asarray(jax.vmap(f, in_axes=in_axis)(jnp.asarray(batched)))
    want = np.stack([np.asarray(f(jnp.asarray(x))) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_vmap_variadic_reduce_window_and_grad():
    xs = np.random.RandomState(5).randn(3, 4, 6).astype(np.float32)
    idx = np.arange(24, dtype=np.int32).reshape(4, 6)

    def argmax_pool(x):
        return lax.reduce_window((x, idx), (-jnp.inf, 0), lambda a, b: (
            lax.max(a[0], b[0]), lax.select(a[0] >= b[0], a[1], b[1])), (2, 2), (2, 2))

    got = jax.vmap(argmax_pool)(jnp.asarray(xs))
    for k in range(3):
        want = argmax_pool(jnp.asarray(xs[k]))
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g)[k], np.asarray(w))
    gv = jax.vmap(jax.grad(lambda x: lax.reduce_window(
        x, -jnp.inf, lax.max, (2, 2), (2, 2)).sum()))(jnp.asarray(xs))
    gl = [jax.grad(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2, 2), (2, 2)).sum())(
        jnp.asarray(x)) for x in xs]
    np.testing.assert_array_equal(np.asarray(gv), np.stack([np.asarray(g) for g in gl]))
