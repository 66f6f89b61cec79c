"""The benchmark workloads, written once and run on both cellax and the reference JAX.

This module imports neither library: every in-process workload receives the library as
arguments (`jax`, `jnp`), bound by the worker as `import cellax as jax, cellax.numpy as
jnp` or `import jax, jax.numpy as jnp`. The two must never share a process.

Adding a workload is one small function:

    @workload("my_thing", "what it measures", target=1.0)
    def my_thing(jax, jnp, b):
        x = jnp.ones(4)
        return b.per_call(lambda: jnp.cos(x), number=b.n(500, 100))

It returns seconds (per call / per run); `b` is the timing helper (`Bench` below).
`requires=("grad", "vmap")` names attributes of the top-level module: a workload whose
attributes cellax lacks is skipped on both sides with a note (`later=True` files it
under "(later issues)"). A `process_workload` returns the source of a `python -c`
program, timed by the driver in fresh interpreters minus a bare `python -c pass`.
"""
from __future__ import annotations

import functools
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Workload:
    name: str
    title: str
    target: float                 # the ratio cellax/JAX to stay at or below
    fn: Callable
    requires: tuple[str, ...] = ()
    later: bool = False
    process: bool = False         # timed by the driver in fresh interpreters
    notes: list = field(default_factory=list)


WORKLOADS: list[Workload] = []


def workload(name: str, title: str, *, target: float, requires=(), later=False):
    def register(fn):
        WORKLOADS.append(Workload(name, title, target, fn, tuple(requires), later))
        return fn
    return register


def process_workload(name: str, title: str, *, target: float, requires=(), later=False):
    def register(fn):
        WORKLOADS.append(Workload(name, title, target, fn, tuple(requires), later,
                                  process=True))
        return fn
    return register


class Bench:
    """Timing helpers; each returns the median over `repeat` timed samples, in seconds.

    The garbage collector stays on, as in user code: a library that makes more garbage
    pays for its collections. (Forcing `gc.collect()` before each sample was tried and
    doubled small timings for both libraries by evicting the CPU caches.)
    """

    def __init__(self, jax, quick: bool):
        self.jax = jax
        self.quick = quick

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def block(self, out):
        return self.jax.block_until_ready(out)

    def per_call(self, fn, *, number: int, repeat: int | None = None, warmup: int = 3) -> float:
        """Per-call time of `fn()` over `number` back-to-back calls; the last result is
        blocked on inside the timed region, so asynchronous dispatch is charged its work."""
        repeat = repeat or self.n(7, 3)
        for _ in range(warmup):
            self.block(fn())
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                out = fn()
            self.block(out)
            samples.append((time.perf_counter() - t0) / number)
        return statistics.median(samples)

    def fresh(self, make, run, *, repeat: int, warmup: int = 1, block: bool = True) -> float:
        """Time `run(make())` where `make()` (untimed) builds something new each sample:
        a new function object, so that no trace or compile cache keyed on it can hit.
        The untimed warm-up samples take one-time costs (thread pools spun up by the
        first big computation, lazily built tables) that are no part of the workload."""
        samples = []
        for i in range(warmup + repeat):
            thing = make()
            t0 = time.perf_counter()
            out = run(thing)
            if block:
                self.block(out)
            dt = time.perf_counter() - t0
            if i >= warmup:
                samples.append(dt)
            del thing, out
        return statistics.median(samples)


# ---------------------------------------------------------------------------------------
# Shared inputs and the seed's model (jax-overview: predict / loss)

def _make_slow_f():
    def slow_f(x):
        # Element-wise ops see a large benefit from fusion
        return x * x + x * 2.0
    return slow_f


def _make_loss(jnp):
    """A new (predict, loss) pair each call: JAX caches traces on the function object."""
    def predict(params, inputs):
        for W, b in params:
            outputs = jnp.dot(inputs, W) + b
            inputs = jnp.tanh(outputs)  # inputs to the next layer
        return outputs                # no activation on last layer

    def loss(params, inputs, targets):
        preds = predict(params, inputs)
        return jnp.sum((preds - targets)**2)
    return loss


@functools.lru_cache(maxsize=None)
def _mlp_data(jnp, sizes=(784, 512, 512, 10), batch=32):
    rng = np.random.default_rng(0)
    params = [(jnp.asarray(rng.standard_normal((m, n), dtype=np.float32) * 0.01),
               jnp.asarray(rng.standard_normal((n,), dtype=np.float32) * 0.01))
              for m, n in zip(sizes[:-1], sizes[1:])]
    x = jnp.asarray(rng.standard_normal((batch, sizes[0]), dtype=np.float32))
    y = jnp.asarray(rng.standard_normal((batch, sizes[-1]), dtype=np.float32))
    return params, x, y


@functools.lru_cache(maxsize=None)
def _big_ones(jnp):
    return jnp.ones((5000, 5000))


def _small(jnp):
    return jnp.asarray(np.arange(4, dtype=np.float32))


# ---------------------------------------------------------------------------------------
# Workloads for the current issues

@process_workload("import", "import X; import X.numpy (fresh interpreter)", target=1.0)
def import_time(module: str) -> str:
    return f"import {module}; import {module}.numpy"


@workload("jit_dispatch", "cached jit dispatch: x*2+1 on f32[4]", target=1.5,
          requires=("jit",))
def jit_dispatch(jax, jnp, b):
    f = jax.jit(lambda x: x * 2 + 1)
    x = _small(jnp)
    return b.per_call(lambda: f(x), number=b.n(2000, 500), warmup=20)


@workload("eager_sin", "eager op: jnp.sin(x) on f32[4]", target=1.0)
def eager_sin(jax, jnp, b):
    x = _small(jnp)
    return b.per_call(lambda: jnp.sin(x), number=b.n(2000, 500), warmup=20)


@workload("eager_add", "eager op: x + x on f32[4]", target=1.0)
def eager_add(jax, jnp, b):
    x = _small(jnp)
    return b.per_call(lambda: x + x, number=b.n(2000, 500), warmup=20)


@workload("mlp_trace", "make_jaxpr(loss) of the MLP 784-512-512-10, batch 32", target=1.0,
          requires=("make_jaxpr",))
def mlp_trace(jax, jnp, b):
    params, x, y = _mlp_data(jnp)
    return b.fresh(lambda: _make_loss(jnp),
                   lambda loss: jax.make_jaxpr(loss)(params, x, y),
                   repeat=b.n(50, 15), warmup=3, block=False)


@workload("slow_f_first", "jit(slow_f)(x) first call, x f32[5000,5000]", target=1.0,
          requires=("jit",))
def slow_f_first(jax, jnp, b):
    x = _big_ones(jnp)
    return b.fresh(_make_slow_f, lambda f: jax.jit(f)(x), repeat=b.n(3, 2))


@workload("slow_f_steady", "jit(slow_f)(x) steady state, x f32[5000,5000]", target=1.05,
          requires=("jit",))
def slow_f_steady(jax, jnp, b):
    x = _big_ones(jnp)
    f = jax.jit(_make_slow_f())
    return b.per_call(lambda: f(x), number=1, repeat=b.n(15, 5), warmup=2)


# ---------------------------------------------------------------------------------------
# Later issues: run only once the API exists in cellax

@workload("grad_tanh_eager", "eager grad(jnp.tanh)(1.0)", target=1.0,
          requires=("grad",), later=True)
def grad_tanh_eager(jax, jnp, b):
    g = jax.grad(jnp.tanh)
    return b.per_call(lambda: g(1.0), number=b.n(100, 30), repeat=b.n(5, 3), warmup=5)


@workload("mlp_grad_trace", "make_jaxpr(grad(loss)) of the MLP", target=1.0,
          requires=("grad", "make_jaxpr"), later=True)
def mlp_grad_trace(jax, jnp, b):
    params, x, y = _mlp_data(jnp)
    return b.fresh(lambda: _make_loss(jnp),
                   lambda loss: jax.make_jaxpr(jax.grad(loss))(params, x, y),
                   repeat=b.n(20, 5), warmup=3, block=False)


@workload("mlp_jit_grad_first", "jit(grad(loss)) first call", target=1.0,
          requires=("grad", "jit"), later=True)
def mlp_jit_grad_first(jax, jnp, b):
    params, x, y = _mlp_data(jnp)
    return b.fresh(lambda: jax.jit(jax.grad(_make_loss(jnp))),
                   lambda g: g(params, x, y), repeat=b.n(3, 2))


@workload("mlp_jit_grad_step", "jit(grad(loss)) steady step", target=1.05,
          requires=("grad", "jit"), later=True)
def mlp_jit_grad_step(jax, jnp, b):
    params, x, y = _mlp_data(jnp)
    g = jax.jit(jax.grad(_make_loss(jnp)))
    return b.per_call(lambda: g(params, x, y), number=b.n(20, 5), repeat=b.n(5, 3))


@workload("perex_grads_first", "jit(vmap(grad(loss), (None,0,0))) first call",
          target=1.0, requires=("grad", "vmap", "jit"), later=True)
def perex_grads_first(jax, jnp, b):
    params, x, y = _mlp_data(jnp)
    return b.fresh(lambda: jax.jit(jax.vmap(jax.grad(_make_loss(jnp)), in_axes=(None, 0, 0))),
                   lambda g: g(params, x, y), repeat=1)


@workload("perex_grads_step", "jit(vmap(grad(loss), (None,0,0))) steady step",
          target=1.05, requires=("grad", "vmap", "jit"), later=True)
def perex_grads_step(jax, jnp, b):
    params, x, y = _mlp_data(jnp)
    g = jax.jit(jax.vmap(jax.grad(_make_loss(jnp)), in_axes=(None, 0, 0)))
    return b.per_call(lambda: g(params, x, y), number=1, repeat=b.n(5, 3), warmup=1)


# ---------------------------------------------------------------------------------------
# Control flow: a 1000-step scan RNN, forward + backward (value_and_grad), jitted

def _rnn_data(jnp, hidden=64, inputs=32, steps=1000):
    rng = np.random.default_rng(0)
    params = (jnp.asarray(rng.standard_normal((hidden, hidden), dtype=np.float32) * 0.1),
              jnp.asarray(rng.standard_normal((hidden, inputs), dtype=np.float32) * 0.1),
              jnp.asarray(np.zeros(hidden, np.float32)))
    xs = jnp.asarray(rng.standard_normal((steps, inputs), dtype=np.float32))
    return params, xs


def _make_rnn_loss(jax, jnp):
    """A new loss each call (traces are cached on the function object)."""
    def loss(params, xs):
        W, U, b = params

        def step(h, x):
            h = jnp.tanh(W @ h + U @ x + b)
            return h, jnp.sum(h * h)

        h, ys = jax.lax.scan(step, jnp.zeros(W.shape[0], W.dtype), xs)
        return jnp.mean(ys) + jnp.sum(h)
    return loss


@workload("scan_rnn_grad_first", "jit(value_and_grad(1000-step scan RNN)) first call",
          target=1.0, requires=("grad", "jit", "value_and_grad"))
def scan_rnn_grad_first(jax, jnp, b):
    params, xs = _rnn_data(jnp)
    return b.fresh(lambda: jax.jit(jax.value_and_grad(_make_rnn_loss(jax, jnp))),
                   lambda g: g(params, xs), repeat=b.n(3, 2))


@workload("scan_rnn_grad_step", "jit(value_and_grad(1000-step scan RNN)) steady state",
          target=1.05, requires=("grad", "jit", "value_and_grad"))
def scan_rnn_grad_step(jax, jnp, b):
    params, xs = _rnn_data(jnp)
    g = jax.jit(jax.value_and_grad(_make_rnn_loss(jax, jnp)))
    return b.per_call(lambda: g(params, xs), number=b.n(20, 5), repeat=b.n(7, 3))


# ---------------------------------------------------------------------------------------
# Control flow: a while_loop Newton solver (sqrt of a vector until convergence), jitted

@functools.lru_cache(maxsize=None)
def _newton_data(jnp, n=100_000):
    rng = np.random.default_rng(0)
    return jnp.asarray(rng.uniform(1.0, 1e4, n).astype(np.float32))


def _make_newton_sqrt(jax, jnp):
    """A new solver each call (traces are cached on the function object)."""
    def newton_sqrt(a):
        def cond(c):
            i, y, prev = c
            return (i < 100) & (jnp.max(jnp.abs(y - prev) / y) > 1e-6)

        def body(c):
            i, y, _ = c
            return i + 1, 0.5 * (y + a / y), y

        return jax.lax.while_loop(cond, body, (0, a, a + 1.0))[1]
    return newton_sqrt


@workload("while_newton_first", "jit(while_loop Newton sqrt of f32[100000]) first call",
          target=1.0, requires=("jit", "lax.while_loop"))
def while_newton_first(jax, jnp, b):
    a = _newton_data(jnp)
    return b.fresh(lambda: jax.jit(_make_newton_sqrt(jax, jnp)), lambda f: f(a),
                   repeat=b.n(5, 3))


@workload("while_newton_steady", "jit(while_loop Newton sqrt of f32[100000]) steady state",
          target=1.05, requires=("jit", "lax.while_loop"))
def while_newton_steady(jax, jnp, b):
    a = _newton_data(jnp)
    f = jax.jit(_make_newton_sqrt(jax, jnp))
    return b.per_call(lambda: f(a), number=b.n(20, 5), repeat=b.n(7, 3))


# ---------------------------------------------------------------------------------------
# Breadth (issue 6): eager dispatch of 20 representative jnp functions on small arrays,
# one row each plus their total, and a jitted numerically heavy program.

@functools.lru_cache(maxsize=None)
def _np_small(jnp):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal(16).astype(np.float32))
    y = jnp.asarray(rng.standard_normal(16).astype(np.float32))
    m = jnp.asarray(rng.standard_normal((4, 4)).astype(np.float32))
    return x, y, m


# (row name, call); each call takes (jnp, x, y, m) with x, y f32[16] and m f32[4,4].
EAGER_NUMPY = [
    ("add", lambda jnp, x, y, m: jnp.add(x, y)),
    ("multiply", lambda jnp, x, y, m: jnp.multiply(x, 2.0)),
    ("sin", lambda jnp, x, y, m: jnp.sin(x)),
    ("exp", lambda jnp, x, y, m: jnp.exp(x)),
    ("sqrt_abs", lambda jnp, x, y, m: jnp.sqrt(jnp.abs(x))),
    ("tanh", lambda jnp, x, y, m: jnp.tanh(x)),
    ("maximum", lambda jnp, x, y, m: jnp.maximum(x, y)),
    ("where", lambda jnp, x, y, m: jnp.where(x > 0, x, y)),
    ("clip", lambda jnp, x, y, m: jnp.clip(x, -1.0, 1.0)),
    ("sum", lambda jnp, x, y, m: jnp.sum(m)),
    ("mean_axis", lambda jnp, x, y, m: jnp.mean(m, axis=0)),
    ("max", lambda jnp, x, y, m: jnp.max(x)),
    ("argmax", lambda jnp, x, y, m: jnp.argmax(x)),
    ("matmul", lambda jnp, x, y, m: jnp.matmul(m, m)),
    ("dot", lambda jnp, x, y, m: jnp.dot(x, y)),
    ("reshape", lambda jnp, x, y, m: jnp.reshape(x, (4, 4))),
    ("transpose", lambda jnp, x, y, m: jnp.transpose(m)),
    ("concatenate", lambda jnp, x, y, m: jnp.concatenate([x, y])),
    ("stack", lambda jnp, x, y, m: jnp.stack([x, y])),
    ("cumsum", lambda jnp, x, y, m: jnp.cumsum(x)),
]


def _eager_np_workload(row, call):
    @workload(f"eager_np_{row}", f"eager jnp: {row} on f32[16] / f32[4,4]", target=1.0)
    def run(jax, jnp, b):
        x, y, m = _np_small(jnp)
        return b.per_call(lambda: call(jnp, x, y, m), number=b.n(1000, 200), warmup=20)
    return run


for _row, _call in EAGER_NUMPY:
    _eager_np_workload(_row, _call)


@workload("eager_numpy_20", "eager jnp: the 20 functions above, one call each (total)",
          target=1.0)
def eager_numpy_20(jax, jnp, b):
    x, y, m = _np_small(jnp)
    calls = [c for _, c in EAGER_NUMPY]

    def all20():
        for c in calls:
            out = c(jnp, x, y, m)
        return out
    return b.per_call(all20, number=b.n(100, 25), warmup=5)


def _make_heavy(jax, jnp):
    """A transformer-style block, jitted: layer norm, attention with softmax, a GELU MLP,
    and a residual, on f32[8, 256, 256]; a new function each call."""
    def block(x, wq, wk, wv, w1, w2):
        mu = jnp.mean(x, axis=-1, keepdims=True)
        var = jnp.var(x, axis=-1, keepdims=True)
        h = (x - mu) * jax.lax.rsqrt(var + 1e-5)
        q, k, v = h @ wq, h @ wk, h @ wv
        s = jnp.einsum("bqd,bkd->bqk", q, k) / jnp.sqrt(jnp.float32(q.shape[-1]))
        a = jax.nn.softmax(s, axis=-1)
        h = x + jnp.einsum("bqk,bkd->bqd", a, v)
        z = h @ w1
        z = 0.5 * z * (1.0 + jnp.tanh(0.7978845608 * (z + 0.044715 * z ** 3)))
        return h + z @ w2
    return block


@functools.lru_cache(maxsize=None)
def _heavy_data(jnp):
    rng = np.random.default_rng(0)
    d = 256
    x = jnp.asarray(rng.standard_normal((8, 256, d)).astype(np.float32))
    ws = [jnp.asarray((rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32))
          for s in ((d, d), (d, d), (d, d), (d, 4 * d), (4 * d, d))]
    return (x, *ws)


@workload("heavy_block_steady", "jit(transformer block) f32[8,256,256], steady state",
          target=1.05, requires=("jit", "nn.softmax"))
def heavy_block_steady(jax, jnp, b):
    args = _heavy_data(jnp)
    f = jax.jit(_make_heavy(jax, jnp))
    return b.per_call(lambda: f(*args), number=b.n(10, 3), repeat=b.n(7, 3))


@workload("heavy_block_grad_steady",
          "jit(grad(sum of transformer block)) f32[8,256,256], steady state",
          target=1.05, requires=("jit", "grad", "nn.softmax"))
def heavy_block_grad_steady(jax, jnp, b):
    args = _heavy_data(jnp)
    blk = _make_heavy(jax, jnp)
    f = jax.jit(jax.grad(lambda *a: jnp.sum(blk(*a)), argnums=(0, 1, 4)))
    return b.per_call(lambda: f(*args), number=b.n(5, 2), repeat=b.n(7, 3))


@workload("random_normal_steady", "jit(random.normal(key, (2_000_000,))) steady state",
          target=1.05, requires=("jit", "random.normal"))
def random_normal_steady(jax, jnp, b):
    f = jax.jit(lambda k: jax.random.normal(k, (2_000_000,)))
    k = jax.random.key(0)
    return b.per_call(lambda: f(k), number=b.n(10, 3), repeat=b.n(7, 3))
