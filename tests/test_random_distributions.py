"""The distributions of `cellax.random` against the reference `jax.random`.

Every case is a Python expression run twice: under JAX in one oracle subprocess (cached
for the module) and here under cellax. Samples are compared bit for bit (floats as their
bit patterns), in float32 and under x64, eagerly, under jit and under vmap over typed
and raw keys. Gradients (gamma's implicit reparameterisation, normal-based samplers) are
compared to JAX's to a few ulps. Errors are compared by type (and message where stable).
Statistical sanity checks and the `random_gamma` primitive's rules need no oracle.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax, random
from cellax.config import config
from cellax.primitives.random_gamma import random_gamma_p

K = "random.key(3)"
COV = "jnp.array([[2.0, 0.5], [0.5, 1.0]])"


def _cases() -> dict[str, str]:
    c: dict[str, str] = {}
    for f in ["exponential", "cauchy", "laplace", "logistic", "gumbel"]:
        c[f] = f"random.{f}({K}, (2, 3))"
    for f in ["exponential", "gumbel", "maxwell"]:
        c[f"{f}/f16"] = f"random.{f}({K}, (7,), jnp.float16)"
    c["logistic/raw_key"] = "random.logistic(random.PRNGKey(5), (7,))"
    c["maxwell"] = f"random.maxwell({K}, (5,))"
    c["gumbel/high"] = f"random.gumbel({K}, (9,), mode='high')"
    c["gumbel/highest"] = f"random.gumbel({K}, (9,), mode='highest')"
    c["pareto"] = f"random.pareto({K}, jnp.array([1., 2., 3.]), (2, 3))"
    c["rayleigh"] = f"random.rayleigh({K}, jnp.array([1., 2.]))"
    c["wald"] = f"random.wald({K}, jnp.array([0.5, 2., 3.]), (2, 3))"
    c["triangular"] = f"random.triangular({K}, jnp.zeros(3), jnp.array([.1, .5, .9]), 2.)"
    c["lognormal"] = f"random.lognormal({K}, 0.5, (6,))"
    c["lognormal/complex"] = f"random.lognormal({K}, 0.5, (3,), jnp.complex64)"
    c["truncated_normal"] = f"random.truncated_normal({K}, jnp.array([-1., 0.]), 2.0)"
    c["truncated_normal/f16"] = f"random.truncated_normal({K}, -1.0, 2.0, (8,), jnp.float16)"
    c["double_sided_maxwell"] = f"random.double_sided_maxwell({K}, jnp.array([0., 1.]), 2.0)"
    c["weibull_min"] = f"random.weibull_min({K}, 2, 3, (6,))"
    # Gamma family (one array of shapes covers the a < 1, a == 1 and a > 1 branches).
    c["gamma"] = f"random.gamma({K}, jnp.array([0.01, 0.5, 1.0, 3.0, 100.0]))"
    c["gamma/f16_raw_key"] = "random.gamma(random.PRNGKey(7), 2.0, (4,), jnp.float16)"
    c["loggamma"] = f"random.loggamma({K}, jnp.array([0.001, 0.5, 1.0, 3.0]), (2, 4))"
    c["beta"] = f"random.beta({K}, jnp.array([0.5, 1.0, 3.0]), 2.0)"
    c["dirichlet"] = f"random.dirichlet({K}, jnp.array([0.5, 1.0, 3.0]), (4,))"
    c["t"] = f"random.t({K}, jnp.array([1.0, 5.0]))"
    c["f"] = f"random.f({K}, jnp.array([1., 2.]), 5.0)"
    c["ball"] = f"random.ball({K}, 2, 3, (4,))"  # generalized_normal, int p
    # Discrete.
    c["bernoulli"] = f"random.bernoulli({K}, jnp.array([0.1, 0.5, 0.9]))"
    c["bernoulli/high"] = f"random.bernoulli({K}, 0.3, (10,), mode='high')"
    c["rademacher"] = f"random.rademacher({K}, (10,))"
    c["categorical"] = \
        f"random.categorical({K}, jnp.arange(12.).reshape(3, 4) / 5, axis=0, shape=(2, 4))"
    c["categorical/no_replace"] = (f"random.categorical({K}, jnp.arange(12.).reshape(3, 4) / 5,"
                                   " shape=(2, 3), replace=False)")
    c["permutation/int"] = f"random.permutation({K}, 10)"
    c["permutation/axis1"] = f"random.permutation({K}, jnp.arange(12).reshape(3, 4), axis=1)"
    c["permutation/independent"] = \
        f"random.permutation({K}, jnp.arange(12).reshape(3, 4), axis=1, independent=True)"
    c["permutation/two_rounds"] = f"random.permutation({K}, 3000)"
    c["choice"] = f"random.choice({K}, jnp.arange(12.).reshape(3, 4), (2,), axis=1)"
    c["choice/no_replace"] = f"random.choice({K}, 10, (5,), replace=False)"
    c["choice/p"] = f"random.choice({K}, 4, (6,), p=jnp.array([0.1, 0.2, 0.3, 0.4]))"
    c["choice/p_no_replace"] = \
        f"random.choice({K}, 4, (3,), replace=False, p=jnp.array([0.1, 0.2, 0.3, 0.4]))"
    c["choice/empty"] = f"random.choice({K}, 3, (0,))"
    c["poisson"] = f"random.poisson({K}, jnp.array([0.0, 0.5, 5.0, 20.0, 1000.0]))"
    c["geometric"] = f"random.geometric({K}, jnp.array([0.1, 0.9]))"
    c["binomial"] = (f"random.binomial({K}, jnp.array([5., 50., 1000., -1., jnp.inf, 5.]), "
                     "jnp.array([0.2, 0.7, 0.5, 0.5, 0.3, jnp.nan]))")
    c["multinomial"] = (f"random.multinomial({K}, jnp.array([5., 100.]), "
                        "jnp.array([0.2, 0.3, 0.5]), shape=(2, 3))")
    # Linear algebra.
    for m in ["cholesky", "eigh", "svd"]:
        c[f"multivariate_normal/{m}"] = (f"random.multivariate_normal({K}, jnp.array([1., -1.])"
                                         f", {COV}, (4,), method='{m}')")
    c["multivariate_normal/batch_cov"] = \
        f"random.multivariate_normal({K}, jnp.zeros(2), jnp.stack([{COV}, 2 * {COV}]))"
    c["orthogonal/wide"] = f"random.orthogonal({K}, 2, (2,), m=4)"
    c["orthogonal/tall"] = f"random.orthogonal({K}, 4, m=2)"
    # Under jit (one program), and under vmap over typed and raw keys.
    c["jit"] = f"jax.jit(lambda k: [{ALL}])(random.key(11))"
    # vmap inside one jit keeps the compile count down; eager vmap on a few samplers.
    c["vmap"] = f"jax.jit(jax.vmap(lambda k: [{VMAPPED}]))(random.split(random.key(11), 3))"
    c["vmap_eager_raw"] = ("jax.vmap(lambda k: [random.gamma(k, 0.7, (2,)), random.cauchy(k),"
                           " random.permutation(k, 5)])(random.split(random.PRNGKey(4), 2))")
    c["vmap/gamma_a"] = ("jax.vmap(lambda k, a: random.gamma(k, a, (3,)))"
                         f"(random.split({K}, 4), jnp.arange(1., 5.))")
    return c


def _calls(table) -> str:
    return ", ".join(f"random.{name}{args}" for name, args in table.items())


CHEAP_CALLS = {
    "exponential": "(k, (4,))", "cauchy": "(k, (4,))", "laplace": "(k, (4,))",
    "logistic": "(k, (4,))", "gumbel": "(k, (4,))", "pareto": "(k, 2.0, (4,))",
    "rayleigh": "(k, 2.0, (4,))", "wald": "(k, 1.5, (4,))",
    "triangular": "(k, 0., .4, 1., (4,))", "lognormal": "(k, 0.5, (4,))",
    "truncated_normal": "(k, -1., 1., (4,))", "weibull_min": "(k, 1., 2., (4,))",
    "bernoulli": "(k, 0.3, (4,))", "rademacher": "(k, (4,))",
    "categorical": "(k, jnp.array([0., 1., 2.]), shape=(4,))", "permutation": "(k, 6)",
    "choice": "(k, 5, (3,), False)", "geometric": "(k, 0.3, (4,))",
    "multivariate_normal": "(k, jnp.zeros(2), jnp.eye(2) * 2, (3,))", "orthogonal": "(k, 3)",
}
LOOPED_CALLS = {
    "gamma": "(k, 0.7, (4,))", "loggamma": "(k, 0.7, (4,))", "beta": "(k, 0.5, 2., (4,))",
    "dirichlet": "(k, jnp.array([.5, 1., 2.]), (2,))", "chisquare": "(k, 3., (4,))",
    "generalized_normal": "(k, 1.5, (4,))", "poisson": "(k, 4., (4,))",
    "binomial": "(k, 20., 0.4, (4,))", "multinomial": "(k, 10., jnp.array([.2, .3, .5]))",
}
ALL = _calls({**CHEAP_CALLS, **LOOPED_CALLS})
VMAPPED = _calls({**LOOPED_CALLS, **{n: CHEAP_CALLS[n] for n in
                                     ["laplace", "wald", "categorical", "choice", "orthogonal"]}})

# maxwell and double_sided_maxwell end in a reduction (the norm of three normals): they
# are bit-identical only because Threefry lowers on CPU as JAX's does (a rolled loop), so
# XLA fuses the reduction with the same neighbours and sums in the same order.
ULP_CASES = {
    "maxwell/jit": "jax.jit(lambda k: random.maxwell(k, (4,)))(random.key(11))",
    "double_sided_maxwell/vmap": ("jax.vmap(lambda k: random.double_sided_maxwell(k, 0., 1., "
                                  "(4,)))(random.split(random.key(11), 3))"),
}

# Gradients: the same functions to a few float32 ulps (special-function rounding).
GRAD_CASES = {
    "gamma": f"jax.grad(lambda a: random.gamma({K}, a).sum())(jnp.array([0.3, 1., 4.]))",
    "gamma/jvp": f"jax.jvp(lambda a: random.gamma({K}, a, (4,)), (2.0,), (1.0,))",
    "loggamma": f"jax.grad(lambda a: random.loggamma({K}, a, (4,)).sum())(0.7)",
    "beta": f"jax.grad(lambda a, b: random.beta({K}, a, b, (4,)).sum(), (0, 1))(0.7, 2.0)",
    "normal_based": (f"jax.grad(lambda s: (s * random.normal({K}, (4,))).sum() + "
                     f"random.lognormal({K}, s, (4,)).sum() + "
                     f"random.truncated_normal({K}, -s, 2.0, (4,)).sum() + "
                     f"random.rayleigh({K}, s, (4,)).sum() + "
                     f"random.multivariate_normal({K}, jnp.ones(2) * s, jnp.eye(2)).sum())"
                     "(0.5)"),
}

X64_CASES = {
    "x64/jit": ("jax.jit(lambda k: [random.gamma(k, 0.7, (4,)), random.beta(k, 0.5, 2., (4,)), "
                "random.poisson(k, 4., (4,)), random.binomial(k, 20., 0.4, (4,)), "
                "random.cauchy(k, (4,)), random.wald(k, 1.5, (4,)), "
                "random.truncated_normal(k, -1., 1., (4,)), random.geometric(k, 0.3, (4,)), "
                "random.multivariate_normal(k, jnp.zeros(2), jnp.eye(2) * 2, (3,))])"
                "(random.PRNGKey(9))"),
    "x64/gamma_f32": f"random.gamma({K}, jnp.array([0.4, 3.0]), dtype=jnp.float32)",
    "x64/poisson_i32": f"random.poisson({K}, 7.0, (5,), jnp.int32)",
}

ERROR_CASES = {
    "exponential_int": f"random.exponential({K}, (7,), jnp.int32)",
    "gumbel_mode": f"random.gumbel({K}, (9,), mode='x')",
    "pareto_bcast": f"random.pareto({K}, jnp.array([1., 2., 3.]), (4,))",
    "gamma_bcast": f"random.gamma({K}, jnp.ones(3), (4,))",
    "gamma_int": f"random.gamma({K}, 2.0, (4,), jnp.int32)",
    "loggamma_int": f"random.loggamma({K}, 2.0, (4,), jnp.int32)",
    "dirichlet_scalar": f"random.dirichlet({K}, 1.0)",
    "t_complex": f"random.t({K}, 1+2j, (2,))",
    "bernoulli_int_p": f"random.bernoulli({K}, 1, (10,))",
    "bernoulli_mode": f"random.bernoulli({K}, 0.5, (10,), mode='x')",
    "bernoulli_bcast": f"random.bernoulli({K}, jnp.array([0.1, 0.5, 0.9]), (2,))",
    "categorical_int": f"random.categorical({K}, jnp.arange(4))",
    "permutation_float": f"random.permutation({K}, 3.0)",
    "choice_too_many": f"random.choice({K}, 3, (5,), replace=False)",
    "choice_shape_int": f"random.choice({K}, 3, 5)",
    "choice_bad_p": f"random.choice({K}, 3, (2,), p=jnp.ones(4))",
    "geometric_float": f"random.geometric({K}, 0.3, (10,), jnp.float32)",
    "mvn_method": f"random.multivariate_normal({K}, jnp.zeros(2), {COV}, method='qr')",
    "mvn_cov_shape": f"random.multivariate_normal({K}, jnp.zeros(3), {COV})",
    "mvn_mean_scalar": f"random.multivariate_normal({K}, 0.0, {COV})",
    "batched_key": "random.gamma(random.split(random.key(0), 2), 1.0)",
}
ERROR_TYPE_ONLY = {"batched_key"}

CASES = _cases()

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
from jax import random

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    x = np.asarray(x)
    dt = str(x.dtype)
    vals = None
    if x.dtype.kind in "fc" or dt == "bfloat16":
        if x.dtype.kind == "c":
            x = x.view(x.real.dtype)
        vals = x.astype(np.float64).ravel().tolist()
        x = x.view(np.dtype(f"uint{x.dtype.itemsize * 8}"))
    return {"dtype": dt, "shape": list(x.shape), "bits": x.ravel().tolist(), "vals": vals}

def run(cases):
    return {name: encode(eval(expr)) for name, expr in cases.items()}

def errors(cases):
    out = {}
    for name, expr in cases.items():
        try:
            eval(expr)
            out[name] = None
        except Exception as e:
            out[name] = [type(e).__name__, str(e)]
    return out

res = {"cases": run(CASES), "ulp": run(ULP), "grads": run(GRADS), "errors": errors(ERRORS)}
jax.config.update("jax_enable_x64", True)
res["x64"] = run(X64)
print(json.dumps(res))
"""


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    x = np.asarray(x)
    dt = str(x.dtype)
    vals = None
    if x.dtype.kind in "fc" or dt == "bfloat16":
        if x.dtype.kind == "c":
            x = x.view(x.real.dtype)
        vals = x.astype(np.float64).ravel().tolist()
        x = x.view(np.dtype(f"uint{x.dtype.itemsize * 8}"))
    return {"dtype": dt, "shape": list(x.shape), "bits": x.ravel().tolist(), "vals": vals}


_NAMESPACE = {"jax": jax, "jnp": jnp, "random": random, "np": np}


@pytest.fixture(scope="module")
def reference(oracle):
    code = (f"CASES = {CASES!r}\nULP = {ULP_CASES!r}\nGRADS = {GRAD_CASES!r}\n"
            f"ERRORS = {ERROR_CASES!r}\nX64 = {X64_CASES!r}\n" + _ORACLE)
    return oracle(code, timeout=600)


def _pairs(got, want, name):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), name
        for g, w in zip(got, want):
            yield from _pairs(g, w, name)
        return
    assert got["dtype"] == want["dtype"], (name, got["dtype"], want["dtype"])
    assert got["shape"] == want["shape"], (name, got["shape"], want["shape"])
    yield got, want


def _assert_bits(got, want, name):
    for g, w in _pairs(got, want, name):
        np.testing.assert_array_equal(np.array(g["bits"], dtype=object),
                                      np.array(w["bits"], dtype=object), err_msg=name)


def _eval(expr):
    return _encode(eval(expr, dict(_NAMESPACE)))


@pytest.mark.parametrize("name", list(CASES))
def test_bit_identical(reference, name):
    _assert_bits(_eval(CASES[name]), reference["cases"][name], name)


@pytest.mark.parametrize("name", list(ULP_CASES))
def test_reductions_of_samples_bit_identical(reference, name):
    for g, w in _pairs(_eval(ULP_CASES[name]), reference["ulp"][name], name):
        assert g["bits"] == w["bits"], (name, g["vals"], w["vals"])


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradients_match(reference, name):
    for g, w in _pairs(_eval(GRAD_CASES[name]), reference["grads"][name], name):
        np.testing.assert_allclose(g["vals"], w["vals"], rtol=2e-6, atol=1e-7, err_msg=name)


def test_bit_identical_x64(reference):
    config.update("jax_enable_x64", True)
    try:
        for name, expr in X64_CASES.items():
            _assert_bits(_eval(expr), reference["x64"][name], name)
        with pytest.raises(ValueError, match="cannot safely cast argument of type float64"):
            random.beta(random.key(3), np.float64(0.5), 2.0, (2,), jnp.float32)
    finally:
        config.update("jax_enable_x64", False)


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], dict(_NAMESPACE))
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)
    if name not in ERROR_TYPE_ONLY:
        assert str(info.value) == want[1]


# ---------------------------------------------------------------------------------------
# No oracle needed


def test_every_jax_random_name_exists():
    names = ["ball", "bernoulli", "beta", "binomial", "categorical", "cauchy", "chisquare",
             "choice", "dirichlet", "double_sided_maxwell", "exponential", "f", "gamma",
             "generalized_normal", "geometric", "gumbel", "laplace", "loggamma", "logistic",
             "lognormal", "maxwell", "multinomial", "multivariate_normal", "orthogonal",
             "pareto", "permutation", "poisson", "rademacher", "random_gamma_p", "rayleigh",
             "t", "triangular", "truncated_normal", "wald", "weibull_min"]
    assert [n for n in names if not hasattr(random, n)] == []
    assert set(names) <= set(random.__all__)


STATS = {  # name: (draw, mean, variance)
    "exponential": (lambda k: random.exponential(k, (10000,)), 1.0, 1.0),
    "gamma": (lambda k: random.gamma(k, 3.0, (10000,)), 3.0, 3.0),
    "gamma_small": (lambda k: random.gamma(k, 0.5, (10000,)), 0.5, 0.5),
    "beta": (lambda k: random.beta(k, 2.0, 3.0, (10000,)), 0.4, 0.04),
    "poisson": (lambda k: random.poisson(k, 4.0, (10000,)), 4.0, 4.0),
    "poisson_large": (lambda k: random.poisson(k, 40.0, (10000,)), 40.0, 40.0),
    "binomial": (lambda k: random.binomial(k, 30.0, 0.4, (10000,)), 12.0, 7.2),
    "geometric": (lambda k: random.geometric(k, 0.25, (10000,)), 4.0, 12.0),
    "laplace": (lambda k: random.laplace(k, (10000,)), 0.0, 2.0),
    "rayleigh": (lambda k: random.rayleigh(k, 1.0, (10000,)), math.sqrt(math.pi / 2),
                 (4 - math.pi) / 2),
    "chisquare": (lambda k: random.chisquare(k, 4.0, (10000,)), 4.0, 8.0),
    "truncated_normal": (lambda k: random.truncated_normal(k, 0.0, 10.0, (10000,)),
                         math.sqrt(2 / math.pi), 1 - 2 / math.pi),
}


@pytest.mark.parametrize("name", list(STATS))
def test_moments(name):
    draw, mean, var = STATS[name]
    x = np.asarray(draw(random.key(123)), np.float64)
    se = math.sqrt(var / x.size)
    assert abs(x.mean() - mean) < 5 * se, (x.mean(), mean)
    assert abs(x.var() - var) < 0.1 * var, (x.var(), var)


def test_sampler_ranges():
    k = random.key(1)
    u = np.asarray(random.truncated_normal(k, -0.5, 0.25, (5000,)))
    assert u.min() > -0.5 and u.max() < 0.25
    d = np.asarray(random.dirichlet(k, jnp.array([0.1, 1.0, 5.0]), (100,)))
    np.testing.assert_allclose(d.sum(-1), 1.0, rtol=1e-5)
    p = np.asarray(random.permutation(k, 50))
    assert sorted(p.tolist()) == list(range(50))
    c = np.asarray(random.choice(k, 20, (20,), replace=False))
    assert sorted(c.tolist()) == list(range(20))
    m = np.asarray(random.multinomial(k, 25.0, jnp.array([0.1, 0.2, 0.7]), shape=(4, 3)))
    np.testing.assert_array_equal(m.sum(-1), 25.0)
    o = np.asarray(random.orthogonal(k, 4))
    np.testing.assert_allclose(o @ o.T, np.eye(4), atol=1e-5)


def test_random_gamma_primitive_vmap_matches_loop():
    keys = random.key_data(random.split(random.key(2), 3))
    a = jnp.array([[0.3, 1.0], [2.0, 5.0], [0.05, 9.0]])
    for in_axes in [(0, 0), (None, 0), (0, None)]:
        ka = keys if in_axes[0] == 0 else keys[0]
        aa = a if in_axes[1] == 0 else a[0]
        out = jax.vmap(lambda k, x: random_gamma_p.bind(k, x, log_space=False),
                       in_axes)(ka, aa)
        loop = jnp.stack([random_gamma_p.bind(ka[i] if in_axes[0] == 0 else ka,
                                              aa[i] if in_axes[1] == 0 else aa,
                                              log_space=False) for i in range(3)])
        np.testing.assert_array_equal(np.asarray(out), np.asarray(loop))
    # A batch of keys is one more leading key dimension.
    batched = random_gamma_p.bind(keys, a, log_space=True)
    assert batched.shape == (3, 2)
    np.testing.assert_array_equal(np.asarray(batched[1]),
                                  np.asarray(random_gamma_p.bind(keys[1], a[1], log_space=True)))


def test_random_gamma_eager_equals_jit_and_jaxpr():
    k = random.key_data(random.key(4))
    a = jnp.array([0.2, 1.0, 7.5])
    eager = random_gamma_p.bind(k, a, log_space=False)
    staged = jax.jit(lambda k, a: random_gamma_p.bind(k, a, log_space=False))(k, a)
    np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged))
    text = str(jax.make_jaxpr(lambda k, a: random_gamma_p.bind(k, a, log_space=True))(k, a))
    assert "random_gamma[log_space=True]" in text


def test_gamma_gradient_is_implicit_reparameterisation():
    # d sample / d a = -(dF/da) / (dF/dx) at the sample, with F the gamma CDF
    # (the regularized lower incomplete gamma function); checked by central differences.
    if not hasattr(lax, "igamma"):
        pytest.skip("lax.igamma is not available")
    k = random.key(9)
    a = jnp.array([0.4, 1.3, 6.0], jnp.float32)
    x = random.gamma(k, a)
    g = np.asarray(jax.grad(lambda a: random.gamma(k, a).sum())(a), np.float64)
    a64, x64 = np.asarray(a, np.float64), np.asarray(x, np.float64)
    config.update("jax_enable_x64", True)
    try:
        h = 1e-5
        ja, jx = jnp.asarray(a64), jnp.asarray(x64)
        dfda = (np.asarray(lax.igamma(ja + h, jx)) - np.asarray(lax.igamma(ja - h, jx))) / (2 * h)
        dfdx = (np.asarray(lax.igamma(ja, jx + h * jx)) -
                np.asarray(lax.igamma(ja, jx - h * jx))) / (2 * h * x64)
    finally:
        config.update("jax_enable_x64", False)
    np.testing.assert_allclose(g, -dfda / dfdx, rtol=1e-3)


def test_gamma_jvp_agrees_with_vjp():
    k = random.key(6)
    f = lambda a: random.gamma(k, a, (3,)) * jnp.array([1.0, -2.0, 0.5])  # noqa: E731
    a = 1.7
    _, tangent = jax.jvp(f, (a,), (1.0,))
    grad = jax.grad(lambda a: f(a).sum())(a)
    np.testing.assert_allclose(float(tangent.sum()), float(grad), rtol=1e-6)
    # Under jit, and the second composition order, the same numbers.
    np.testing.assert_allclose(float(jax.jit(jax.grad(lambda a: f(a).sum()))(a)), float(grad),
                               rtol=1e-6)
