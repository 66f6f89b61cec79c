"""vmap of gather and the scatter family: against a Python loop for every combination of
batched / unbatched operand, indices and updates (in_axes None, 0, 1), eager and under jit;
composition with grad; one gather per vmapped indexing op (no loop); and the reference
JAX's values and equations for a few cases."""
import itertools
import json

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from conftest import run_oracle

SIZE = 3  # the vmapped axis
RNG = np.random.default_rng(7)


def _f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _ints(lo, hi, *shape):
    return RNG.integers(lo, hi, shape).astype(np.int32)


def _unique(n, k):
    return RNG.permutation(n)[:k].astype(np.int32)


def _examples(make):
    """SIZE independent examples of one argument."""
    return [make() for _ in range(SIZE)]


def _batch(examples, axis):
    return examples[0] if axis is None else np.stack(examples, axis=axis)


def _loop(f, in_axes, args):
    outs = []
    for k in range(SIZE):
        sliced = [a if ax is None else np.take(np.asarray(a), k, axis=ax)
                  for a, ax in zip(args, in_axes)]
        outs.append(np.asarray(f(*[jnp.asarray(s) for s in sliced])))
    return np.stack(outs)


def _check(f, in_axes, examples, *, jit=False):
    args = [_batch(ex, ax) for ex, ax in zip(examples, in_axes)]
    want = _loop(f, in_axes, args)
    g = jax.vmap(f, in_axes=in_axes)
    if jit:
        g = jax.jit(g)
    got = np.asarray(g(*[jnp.asarray(a) for a in args]))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _all_axes(nargs):
    """Every (None / 0 / 1) combination with at least one batched argument."""
    return [c for c in itertools.product((None, 0, 1), repeat=nargs)
            if any(a is not None for a in c)]


# -- gathers ------------------------------------------------------------------------------

_GDN = lax.GatherDimensionNumbers


def _lax_gather_windows(x, i):
    # Windows of 2 rows x 3 columns starting at the rows in i[:, 0].
    dn = _GDN(offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=(0,))
    return lax.gather(x, i, dn, slice_sizes=(2, 3), mode="clip")


def _lax_gather_batching_dims(x, i):
    # A gather that already has batching dims: row r reads x[r, i[r, 0]].
    dn = _GDN(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
              operand_batching_dims=(0,), start_indices_batching_dims=(0,))
    return lax.gather(x, i, dn, slice_sizes=(1, 1), mode="promise_in_bounds")


GATHERS = {
    # name: (f, per-argument example makers)
    "rows": (lambda x, i: x[i], (lambda: _f32(5, 4), lambda: _ints(-5, 5, 3))),
    "cols": (lambda x, i: x[:, i], (lambda: _f32(5, 4), lambda: _ints(0, 4, 2, 2))),
    "slice_then_index": (lambda x, i: x[1:, i, ::2],
                         (lambda: _f32(4, 5, 3), lambda: _ints(0, 5, 2))),
    "index_then_int": (lambda x, i: x[i, 2], (lambda: _f32(5, 4), lambda: _ints(0, 5, 3))),
    "get_fill": (lambda x, i: x.at[i].get(mode="fill", fill_value=-7.0),
                 (lambda: _f32(5, 4), lambda: _ints(-8, 8, 4))),
    "get_clip": (lambda x, i: x.at[i].get(mode="clip"),
                 (lambda: _f32(5, 4), lambda: _ints(-3, 9, 4))),
    "take_along": (lambda x, i: jnp.take_along_axis(x, i, axis=1),
                   (lambda: _f32(5, 4), lambda: _ints(0, 4, 5, 2))),
    "lax_windows": (_lax_gather_windows, (lambda: _f32(5, 4), lambda: _ints(-1, 6, 2, 1))),
    "lax_batching_dims": (_lax_gather_batching_dims,
                          (lambda: _f32(5, 4), lambda: _ints(0, 4, 5, 1))),
    "int_operand": (lambda x, i: x[i], (lambda: _ints(0, 100, 6, 2), lambda: _ints(0, 6, 3))),
}


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name", sorted(GATHERS))
def test_gather_vs_loop(name, jit):
    f, makers = GATHERS[name]
    examples = [_examples(m) for m in makers]
    for in_axes in _all_axes(2):
        _check(f, in_axes, examples, jit=jit)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_two_index_arrays_vs_loop(jit):
    def f(x, i, j):
        return x[i, :, j]

    examples = [_examples(lambda: _f32(4, 3, 5)), _examples(lambda: _ints(0, 4, 2)),
                _examples(lambda: _ints(-5, 5, 2))]
    for in_axes in _all_axes(3):
        _check(f, in_axes, examples, jit=jit)


# -- scatters -----------------------------------------------------------------------------

_SDN = lax.ScatterDimensionNumbers


def _lax_scatter_add_windows(x, i, u):
    # Adds 2x3 windows u[k] at rows i[k, 0], columns 1..3.
    starts = jnp.concatenate([i, jnp.ones_like(i)], axis=1)
    dn = _SDN(update_window_dims=(1, 2), inserted_window_dims=(),
              scatter_dims_to_operand_dims=(0, 1))
    return lax.scatter_add(x, starts, u, dn, mode="clip")


def _lax_scatter_batching_dims(x, i, u):
    # Row r gets u[r] added at column i[r, 0].
    dn = _SDN(update_window_dims=(), inserted_window_dims=(1,),
              scatter_dims_to_operand_dims=(1,), operand_batching_dims=(0,),
              scatter_indices_batching_dims=(0,))
    return lax.scatter_add(x, i, u, dn)


def _lax_scatter_sub(x, i, u):
    dn = _SDN(update_window_dims=(1,), inserted_window_dims=(0,),
              scatter_dims_to_operand_dims=(0,))
    return lax.scatter_sub(x, i[:, None], u, dn)


_X = lambda: _f32(5, 4)  # noqa: E731
_U = lambda: _f32(3, 4)  # noqa: E731
_DUP = lambda: _ints(0, 5, 3)  # noqa: E731
_UNIQ = lambda: _unique(5, 3)  # noqa: E731

SCATTERS = {
    "set": (lambda x, i, u: x.at[i].set(u), (_X, _UNIQ, _U)),
    "set_unique_sorted": (lambda x, i, u: x.at[i].set(
        u, unique_indices=True, indices_are_sorted=True), (_X, lambda: np.sort(_UNIQ()), _U)),
    "add": (lambda x, i, u: x.at[i].add(u), (_X, _DUP, _U)),
    "subtract": (lambda x, i, u: x.at[i].subtract(u), (_X, _DUP, _U)),
    "multiply": (lambda x, i, u: x.at[i].multiply(u), (_X, _DUP, _U)),
    "min": (lambda x, i, u: x.at[i].min(u), (_X, _DUP, _U)),
    "max": (lambda x, i, u: x.at[i].max(u), (_X, _DUP, _U)),
    "add_drop": (lambda x, i, u: x.at[i].add(u, mode="drop"),
                 (_X, lambda: _ints(-7, 7, 3), _U)),
    "set_clip": (lambda x, i, u: x.at[i].set(u, mode="clip"),
                 (_X, lambda: _unique(9, 3) - 2, _U)),
    "cols_add": (lambda x, i, u: x.at[:, i].add(u),
                 (_X, lambda: _ints(0, 4, 2), lambda: _f32(5, 2))),
    "lax_windows": (_lax_scatter_add_windows,
                    (_X, lambda: _ints(0, 4, 2, 1), lambda: _f32(2, 2, 3))),
    "lax_batching_dims": (_lax_scatter_batching_dims,
                          (_X, lambda: _ints(0, 4, 5, 1), lambda: _f32(5))),
    "lax_sub": (_lax_scatter_sub, (_X, _DUP, _U)),
    "int_add": (lambda x, i, u: x.at[i].add(u),
                (lambda: _ints(0, 9, 5, 2), _DUP, lambda: _ints(0, 9, 3, 2))),
}
# Every in_axes combination for a few scatters run eagerly (the rule is shared by the
# whole family); a representative set for the rest, and under jit, keeps the run short.
_FULL = {"set", "add", "lax_windows", "lax_batching_dims"}
_SOME = [(0, None, None), (None, 0, None), (None, None, 0), (0, 0, None), (None, 1, 1),
         (1, None, 1), (1, 1, 0)]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name", sorted(SCATTERS))
def test_scatter_vs_loop(name, jit):
    f, makers = SCATTERS[name]
    examples = [_examples(m) for m in makers]
    for in_axes in (_all_axes(3) if name in _FULL and not jit else _SOME):
        _check(f, in_axes, examples, jit=jit)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_scatter_scalar_update_and_apply(jit):
    x, i = _examples(_X), _examples(_DUP)
    s = _examples(lambda: np.float32(RNG.standard_normal()))
    for in_axes in _all_axes(2):
        _check(lambda x, i: x.at[i].apply(jnp.sin), in_axes, [x, i], jit=jit)
    for in_axes in [(0, None, 0), (None, None, 0), (None, 0, None), (0, 0, 0)]:
        _check(lambda x, i, s: x.at[i, 1].set(s), in_axes, [x, _examples(_UNIQ), s], jit=jit)


def test_vmap_of_jit_and_nested_vmap():
    x = RNG.standard_normal((2, SIZE, 5, 4)).astype(np.float32)
    i = RNG.integers(0, 5, (2, SIZE, 3)).astype(np.int32)
    u = RNG.standard_normal((2, SIZE, 3, 4)).astype(np.float32)
    f = jax.jit(lambda x, i, u: x.at[i].add(u)[i[::-1]])
    got = jax.vmap(jax.vmap(f, (0, None, 0)), (None, 0, 0))(x[0], i, u)
    want = np.stack([np.stack([np.asarray(f(x[0, b], i[a], u[a, b])) for b in range(SIZE)])
                     for a in range(2)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


# -- composition with grad ----------------------------------------------------------------


def _gather_loss(x, i):
    return jnp.sum(jnp.sin(x[i]) ** 2)


def _scatter_loss(x, i, u):
    return jnp.sum(jnp.cos(x.at[i].add(u * x[i])) ** 2)


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None), (1, 0)])
def test_vmap_of_grad_through_gather(in_axes):
    ex = [_examples(_X), _examples(_DUP)]
    args = [jnp.asarray(_batch(e, ax)) for e, ax in zip(ex, in_axes)]
    want = _loop(jax.grad(_gather_loss), in_axes, args)
    for g in (jax.vmap(jax.grad(_gather_loss), in_axes),
              jax.jit(jax.vmap(jax.grad(_gather_loss), in_axes))):
        np.testing.assert_allclose(np.asarray(g(*args)), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("in_axes", [(0, 0, 0), (None, 0, 0), (0, None, None), (1, None, 1)])
def test_vmap_of_grad_through_scatter_add(in_axes):
    ex = [_examples(_X), _examples(_DUP), _examples(_U)]
    args = [jnp.asarray(_batch(e, ax)) for e, ax in zip(ex, in_axes)]
    for argnum in (0, 2):
        grad = jax.grad(_scatter_loss, argnums=argnum)
        want = _loop(grad, in_axes, args)
        got = jax.vmap(grad, in_axes)(*args)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("in_axes", [(0, 0, 0), (None, 0, 0), (0, None, None), (None, 1, 1)])
def test_grad_of_vmap_through_scatter_add_and_gather(in_axes):
    ex = [_examples(_X), _examples(_DUP), _examples(_U)]
    args = [jnp.asarray(_batch(e, ax)) for e, ax in zip(ex, in_axes)]

    def total(x, u):
        return jnp.sum(jax.vmap(_scatter_loss, in_axes)(x, args[1], u))

    gx, gu = jax.grad(total, argnums=(0, 1))(args[0], args[2])
    for got, argnum in ((gx, 0), (gu, 2)):
        per_example = _loop(jax.grad(_scatter_loss, argnums=argnum), in_axes, args)
        ax = in_axes[argnum]
        want = per_example.sum(0) if ax is None else np.moveaxis(per_example, 0, ax)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    gj = jax.jit(jax.grad(total, argnums=(0, 1)))(args[0], args[2])
    np.testing.assert_allclose(np.asarray(gj[0]), np.asarray(gx), rtol=1e-5, atol=1e-6)


# -- no loops: one gather / scatter per op -------------------------------------------------


def _prim_names(closed):
    names = []

    def walk(jaxpr):
        for e in jaxpr.eqns:
            names.append(e.primitive.name)
            for v in e.params.values():
                inner = getattr(v, "jaxpr", v)
                if hasattr(inner, "eqns"):
                    walk(inner)
    walk(closed.jaxpr)
    return names


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None)])
def test_one_gather_no_loop(in_axes):
    x = jnp.ones((SIZE, 5, 4)) if in_axes[0] == 0 else jnp.ones((5, 4))
    i = jnp.zeros((SIZE, 3), jnp.int32) if in_axes[1] == 0 else jnp.zeros(3, jnp.int32)
    names = _prim_names(jax.make_jaxpr(jax.vmap(lambda x, i: x[i], in_axes))(x, i))
    assert names.count("gather") == 1, names
    assert not {"while", "scan", "concatenate"} & set(names), names
    names = _prim_names(jax.make_jaxpr(jax.vmap(lambda x, i: x.at[i].add(1.0), in_axes))(x, i))
    assert names.count("scatter-add") == 1 and "gather" not in names, names
    assert not {"while", "scan", "concatenate"} & set(names), names


# -- the reference JAX ---------------------------------------------------------------------

_ORACLE_X = RNG.standard_normal((SIZE, 5, 4)).astype(np.float32)
_ORACLE_I = RNG.integers(-6, 6, (SIZE, 3)).astype(np.int32)
_ORACLE_U = RNG.standard_normal((3, SIZE, 4)).astype(np.float32)

_ORACLE_CODE = """
import json
import numpy as np
import jax, jax.numpy as jnp
from jax import lax
X = jnp.asarray(np.array({x}, np.float32))
I = jnp.asarray(np.array({i}, np.int32))
U = jnp.asarray(np.array({u}, np.float32))
{body}
"""

_ORACLE_BODY = """
dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                start_index_map=(0,))
def g(x, i):
    return lax.gather(x, i[:, None], dn, slice_sizes=(1, 4), mode="clip")
sdn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                  scatter_dims_to_operand_dims=(0,))
def s(x, i, u):
    return lax.scatter_add(x, i[:, None], u, sdn, mode="drop")
out = {
  "cols": jax.vmap(lambda x, i: x[:, i])(X, I % 4),
  "fill": jax.vmap(lambda x, i: x.at[i].get(mode="fill", fill_value=2.5), (None, 0))(X[0], I),
  "add": jax.vmap(lambda x, i, u: x.at[i].add(u), (None, 0, 1))(X[0], I, U),
  "max": jax.jit(jax.vmap(lambda x, i, u: x.at[i].max(u), (0, None, 1)))(X, I[0], U),
  "grad": jax.vmap(jax.grad(lambda x, i: jnp.sum(jnp.sin(x[i]) ** 2)))(X, I),
}
for name, in_axes, args in [("gather_jaxpr_op", (0, None), (X, I[0])),
                            ("gather_jaxpr_idx", (None, 0), (X[0], I)),
                            ("gather_jaxpr_both", (0, 0), (X, I))]:
    out[name] = str(jax.make_jaxpr(jax.vmap(g, in_axes))(*args))
for name, in_axes, args in [("scatter_jaxpr_op", (0, None, 1), (X, I[0], U)),
                            ("scatter_jaxpr_idx", (None, 0, None), (X[0], I, U[:, 0])),
                            ("scatter_jaxpr_upd", (None, None, 1), (X[0], I[0], U)),
                            ("scatter_jaxpr_all", (0, 0, 1), (X, I, U))]:
    out[name] = str(jax.make_jaxpr(jax.vmap(s, in_axes))(*args))
print(json.dumps({k: v if isinstance(v, str) else np.asarray(v).tolist()
                  for k, v in out.items()}))
"""


def _indexing_eqns(text):
    """The printed gather / scatter equations of a jaxpr (each up to its closing `]`)."""
    eqns, current = [], None
    for line in text.splitlines():
        if current is None and ("= gather[" in line or "= scatter" in line):
            current = [line.strip()]
        elif current is not None:
            current.append(line.strip())
            if line.strip().startswith("]"):
                eqns.append("\n".join(current))
                current = None
    assert eqns, text
    return eqns


@pytest.fixture(scope="module")
def reference():
    code = _ORACLE_CODE.format(x=_ORACLE_X.tolist(), i=_ORACLE_I.tolist(),
                               u=_ORACLE_U.tolist(), body=_ORACLE_BODY)
    return run_oracle(code)


def test_against_reference_jax(reference):
    # Run the same body with cellax bound to the same names.
    ns = {"json": json, "np": np, "jax": jax, "jnp": jnp, "lax": lax,
          "X": jnp.asarray(_ORACLE_X), "I": jnp.asarray(_ORACLE_I),
          "U": jnp.asarray(_ORACLE_U), "print": lambda s: ns.__setitem__("_out", s)}
    exec(_ORACLE_BODY, ns)
    mine = json.loads(ns["_out"])
    for name, want in reference.items():
        if isinstance(want, str):
            # The same gather / scatter equation: the batch dimension lands in the same
            # dimension numbers (printed alike) as JAX's rules put it.
            assert _indexing_eqns(mine[name]) == _indexing_eqns(want), \
                f"{name}:\n{mine[name]}\n!=\n{want}"
        else:
            np.testing.assert_allclose(np.asarray(mine[name]), np.asarray(want), rtol=1e-5,
                                       atol=1e-6, err_msg=name)
