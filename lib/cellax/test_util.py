"""Testing helpers for users and for our own tests: `check_grads`, `check_jvp`, `check_vjp`.

Derivatives are checked against central finite differences (forward mode) and by the
inner-product identity <vjp(ct), t> == <ct, jvp(t)> (reverse mode), recursively up to
the requested order.
"""
from __future__ import annotations

import itertools
from typing import Callable, Sequence

import numpy as np

from cellax import dtypes
from cellax.tree_util import tree_flatten, tree_map, tree_unflatten

_DEFAULT_EPS = {np.dtype("float16"): 1e-1, dtypes.bfloat16: 1e-1,
                np.dtype("float32"): 1e-3, np.dtype("float64"): 1e-5}
_DEFAULT_TOL = {np.dtype("float16"): 1e-1, dtypes.bfloat16: 1e-1,
                np.dtype("float32"): 2e-2, np.dtype("float64"): 1e-5}


def _dtype_of(tree):
    """The widest inexact dtype of the leaves, as cellax sees them (a Python float is a
    float32 with x64 off, so float32 tolerances apply)."""
    leaves = tree_flatten(tree)[0]
    dts = [dtypes.dtype(x) for x in leaves]
    dts = [d for d in dts if d.kind in "fc" or d == dtypes.bfloat16]
    if not dts:
        return np.dtype("float32")
    return max(dts, key=lambda d: d.itemsize)


def _real_dtype(dt):
    return np.dtype(dt.char.lower()) if dt.kind == "c" else dt


def _inner(xs, ys) -> float:
    total = 0.0
    for x, y in zip(tree_flatten(xs)[0], tree_flatten(ys)[0]):
        x, y = np.asarray(x, np.complex128), np.asarray(y, np.complex128)
        total += float(np.real(np.vdot(x, y)))
    return total


def _rand_like(rng, tree):
    def make(x):
        x = np.asarray(x)
        if x.dtype.kind not in "fc":
            return np.zeros(x.shape, x.dtype)
        v = rng.standard_normal(x.shape)
        if x.dtype.kind == "c":
            v = v + 1j * rng.standard_normal(x.shape)
        return np.asarray(v, x.dtype)
    return tree_map(make, tree)


def _axpy(a, x, y):
    """y + a * x, leafwise, as cellax arrays of y's dtypes (the function under test may use
    array methods NumPy lacks, such as `.at`)."""
    from cellax.numpy import asarray

    def leaf(xi, yi):
        dt = np.asarray(yi).dtype
        wide = np.complex128 if dt.kind == "c" else np.float64
        return asarray(np.asarray(np.asarray(yi, wide) + a * np.asarray(xi, wide), dt))
    return tree_map(leaf, x, y)


def _assert_close(name, x, y, atol, rtol):
    for i, (a, b) in enumerate(zip(tree_flatten(x)[0], tree_flatten(y)[0])):
        a, b = np.asarray(a, np.complex128), np.asarray(b, np.complex128)
        if not np.allclose(a, b, atol=atol, rtol=rtol, equal_nan=True):
            raise AssertionError(
                f"{name}: leaf {i} differs beyond atol={atol}, rtol={rtol}:\n"
                f"got      {a}\nexpected {b}\nmax abs difference {np.max(np.abs(a - b))}")


def check_jvp(f: Callable, f_jvp: Callable, args: Sequence, atol=None, rtol=None, eps=None,
              rng=None) -> None:
    """Compare `f_jvp(args, tangents)` with central differences of `f`."""
    rng = rng or np.random.default_rng(0)
    dt = _real_dtype(_dtype_of(args))
    eps = eps or _DEFAULT_EPS.get(dt, 1e-3)
    atol = atol or _DEFAULT_TOL.get(dt, 2e-2)
    rtol = rtol or _DEFAULT_TOL.get(dt, 2e-2)
    tangents = _rand_like(rng, tuple(args))
    _, t_out = f_jvp(tuple(args), tangents)
    plus = f(*_axpy(eps, tangents, tuple(args)))
    minus = f(*_axpy(-eps, tangents, tuple(args)))
    numeric = tree_map(lambda p, m: (np.asarray(p, np.float64 if np.asarray(p).dtype.kind != "c"
                                                else np.complex128) - np.asarray(m)) / (2 * eps),
                       plus, minus)
    _assert_close("JVP vs finite differences", t_out, numeric, atol, rtol)


def _wide(x):
    return np.complex128 if np.asarray(x).dtype.kind == "c" else np.float64


def check_vjp(f: Callable, f_vjp: Callable, args: Sequence, atol=None, rtol=None, eps=None,
              rng=None) -> None:
    """Check <vjp(ct), t> == <ct, jvp(t)> with jvp from finite differences."""
    rng = rng or np.random.default_rng(1)
    dt = _real_dtype(_dtype_of(args))
    eps = eps or _DEFAULT_EPS.get(dt, 1e-3)
    atol = atol or _DEFAULT_TOL.get(dt, 2e-2)
    rtol = rtol or _DEFAULT_TOL.get(dt, 2e-2)
    out, pullback = f_vjp(*args)
    tangents = _rand_like(rng, tuple(args))
    cts = _rand_like(rng, out)
    # conj(vjp(conj(ct))), as JAX's check_vjp: with JAX's (unconjugated) cotangent
    # convention this makes the identity hold for non-holomorphic and real<->complex maps.
    ct_in = tree_map(np.conj, pullback(tree_map(np.conj, cts)))
    plus = f(*_axpy(eps, tangents, tuple(args)))
    minus = f(*_axpy(-eps, tangents, tuple(args)))
    numeric = tree_map(lambda p, m: (np.asarray(p, _wide(p)) - np.asarray(m, _wide(m)))
                       / (2 * eps), plus, minus)
    lhs = _inner(ct_in, tangents)
    rhs = _inner(cts, numeric)
    _assert_close("VJP inner product <vjp(ct), t> vs <ct, jvp(t)>", lhs, rhs, atol, rtol)


def check_grads(f: Callable, args: Sequence, order: int, modes=("fwd", "rev"), atol=None,
                rtol=None, eps=None) -> None:
    """Check derivatives of `f` at `args` up to `order`, in forward and/or reverse mode."""
    from cellax.autodiff import jvp, vjp
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"Unrecognized mode: {mode!r}; expected 'fwd' or 'rev'.")

    def _check(fun, fun_args, k):
        if "fwd" in modes:
            check_jvp(fun, lambda a, t: jvp(fun, a, t), fun_args, atol, rtol, eps)
            if k > 1:
                tangents = _rand_like(np.random.default_rng(k), fun_args)
                _check(lambda *a: jvp(fun, a, tangents)[1], fun_args, k - 1)
        if "rev" in modes:
            check_vjp(fun, lambda *a: vjp(fun, *a), fun_args, atol, rtol, eps)
            if k > 1:
                out = fun(*fun_args)
                cts = _rand_like(np.random.default_rng(k + 7), out)
                _check(lambda *a: vjp(fun, *a)[1](cts), fun_args, k - 1)

    _check(f, args, order)


_unused = (itertools, tree_unflatten)
