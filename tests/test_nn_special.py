"""cellax.nn, cellax.nn.initializers and cellax.scipy.special against the reference JAX."""
from conftest import run_script

CODE = r'''
import numpy as np
import importlib
nn = importlib.import_module(jax.__name__ + '.nn')
sp = importlib.import_module(jax.__name__ + '.scipy.special')

def show(name, y):
    if isinstance(y, tuple):
        for i, t in enumerate(y):
            show(f"{name}[{i}]", t)
        return
    a = np.asarray(y)
    print(name, str(a.dtype), a.shape, np.round(a.astype(np.float64), 5).tolist())

x = jnp.array([-7.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 3.0, 6.0, 9.0], jnp.float32)
for f in ["relu", "relu6", "sigmoid", "softplus", "soft_sign", "silu", "swish", "log_sigmoid",
          "leaky_relu", "hard_tanh", "elu", "celu", "selu", "hard_sigmoid", "hard_silu",
          "hard_swish", "sparse_plus", "mish", "tanh", "standardize", "identity",
          "squareplus", "sparse_sigmoid"]:
    show(f, getattr(nn, f)(x))
show("relu_int", nn.relu(jnp.array([-2, 3])))
show("gelu_t", nn.gelu(x)); show("gelu_f", nn.gelu(x, approximate=False))
show("leaky02", nn.leaky_relu(x, 0.2)); show("elu2", nn.elu(x, 2.0)); show("celu2", nn.celu(x, 0.5))
m = jnp.arange(12.0).reshape(3, 4) / 3 - 1
show("glu", nn.glu(m)); show("glu0", nn.glu(jnp.arange(8.0).reshape(4, 2), axis=0))
show("stdz0", nn.standardize(m, axis=0)); show("stdz_stable", nn.standardize(m, algorithm="stable"))
edge = jnp.array([[1.0, 2.0, 3.0], [-np.inf, 0.0, 1.0], [np.inf, 1.0, 2.0],
                  [-np.inf, -np.inf, -np.inf], [np.nan, 1.0, 0.0]])
wh = jnp.array([True, False, True])
for ax in [-1, 0, None]:
    show(f"softmax{ax}", nn.softmax(edge, axis=ax)); show(f"log_softmax{ax}", nn.log_softmax(edge, axis=ax))
    show(f"lse{ax}", nn.logsumexp(edge, axis=ax)); show(f"splse{ax}", sp.logsumexp(edge, axis=ax, keepdims=True))
show("softmax_where", nn.softmax(m, where=jnp.array([True, False, True, True])))
show("log_softmax_where", nn.log_softmax(m, where=jnp.array([True, False, True, True])))
show("sp_softmax", sp.softmax(m, axis=1)); show("sp_log_softmax", sp.log_softmax(m, axis=0))
show("lse_b", sp.logsumexp(m, axis=1, b=jnp.array([1.0, -2.0, 0.0, 0.5])))
show("lse_sign", sp.logsumexp(m, axis=1, b=jnp.array([1.0, -2.0, 0.0, 0.5]), return_sign=True))
show("lse_where", sp.logsumexp(edge, axis=1, where=wh))
show("lse_int", sp.logsumexp(jnp.array([1, 2, 3])))
show("one_hot", nn.one_hot(jnp.array([0, 2, 5, -1]), 4))
show("one_hot_ax0", nn.one_hot(jnp.array([[0, 1], [2, 3]]), 3, axis=0, dtype=jnp.int32))
show("one_hot_bf16", nn.one_hot(jnp.array([1]), 2, dtype=jnp.bfloat16))
p = jnp.array([0.0, 1e-4, 0.1, 0.5, 0.9, 1.0])
y = jnp.array([-3.0, -0.5, 0.0, 0.5, 1.5, 4.0])
for f in ["erf", "erfc", "expit", "ndtr", "gammaln", "digamma"]:
    show(f, getattr(sp, f)(y))
show("erfinv", sp.erfinv(jnp.array([-1.0, -0.9, 0.0, 0.3, 0.99, 1.0])))
show("logit", sp.logit(p)); show("entr", sp.entr(jnp.array([-1.0, 0.0, 0.5, 1.0, 2.0])))
show("erf_int", sp.erf(jnp.array([0, 1])))
show("xlogy", sp.xlogy(jnp.array([0.0, 0.0, 1.0, 2.0, 0.0]), jnp.array([0.0, 2.0, 3.0, 0.5, np.nan])))
show("xlog1py", sp.xlog1py(jnp.array([0.0, 1.0, 2.0, 0.0]), jnp.array([-1.0, 3.0, 0.5, 1.0])))
show("g_xlogy", jax.grad(lambda a, b: sp.xlogy(a, b).sum(), (0, 1))(jnp.array([1.0, 2.0]), jnp.array([3.0, 0.5])))
show("g_entr", jax.grad(lambda a: sp.entr(a).sum())(jnp.array([0.5, 2.0])))
show("g_logit", jax.grad(lambda a: sp.logit(a).sum())(jnp.array([0.2, 0.7])))
v = jnp.array([0.5, -1.0, 2.0, 0.0])
show("g_softmax", jax.grad(lambda a: (nn.softmax(a) * jnp.arange(4.0)).sum())(v))
show("g_log_softmax", jax.grad(lambda a: (nn.log_softmax(a) * jnp.arange(4.0)).sum())(v))
show("g_lse", jax.grad(lambda a: sp.logsumexp(a))(v))
show("g_lse_b", jax.grad(lambda a: sp.logsumexp(a, b=jnp.array([1.0, 2.0, 0.5, 1.0])))(v))
show("g_gelu", jax.grad(lambda a: nn.gelu(a).sum())(v))
show("g_gelu_f", jax.grad(lambda a: nn.gelu(a, approximate=False).sum())(v))
show("g_softplus", jax.grad(lambda a: nn.softplus(a).sum())(v))
show("g_relu", jax.grad(lambda a: (nn.relu(a) + nn.relu6(a * 3)).sum())(v))
show("jit_softmax", jax.jit(nn.softmax)(m))
show("vmap_lse", jax.vmap(sp.logsumexp)(m))
I = importlib.import_module(jax.__name__ + '.nn.initializers')
k = jax.random.PRNGKey(3)
for name in ["glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
             "lecun_uniform", "lecun_normal", "he_uniform", "he_normal", "kaiming_uniform",
             "kaiming_normal"]:
    show(name, getattr(I, name)()(k, (3, 4)))
show("he_conv", I.he_normal(in_axis=(0, 1), out_axis=2)(k, (2, 3, 4)))
show("zeros", I.zeros(k, (2, 2))); show("ones", I.ones(k, (2,), jnp.int32))
show("constant", I.constant(0.5)(k, (2,))); show("uniform", I.uniform(0.3)(k, (3,)))
show("normal", I.normal(2.0)(k, (3,))); show("tn", I.truncated_normal(1.5)(k, (5,)))
for mode in ["fan_in", "fan_out", "fan_avg"]:
    for dist in ["uniform", "normal", "truncated_normal"]:
        r = I.variance_scaling(0.7, mode, dist)(k, (4, 5))
        a = np.asarray(r); print(mode, dist, a.dtype, a.tobytes().hex())
a = np.asarray(I.glorot_normal()(k, (6, 7))); print("bits", a.tobytes().hex())
'''


def test_nn_special_match_jax():
    ours = run_script(CODE, "cellax")
    ref = run_script(CODE, "jax")
    ol, rl = ours.splitlines(), ref.splitlines()
    diffs = [(o, r) for o, r in zip(ol, rl) if o != r]
    assert not diffs and len(ol) == len(rl), "\n".join(f"ours: {o}\njax:  {r}" for o, r in diffs[:10])
