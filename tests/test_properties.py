"""Property-based comparison of cellax.numpy with the reference jax.numpy.

Hypothesis draws shapes (including empty and 0-d), dtypes (bool, ints, uints, float16,
bfloat16, float32, complex64) and values (including NaN, +-inf, -0.0, extremes), and for
binary functions broadcast-compatible shape pairs and Python scalars (weak types). Each
case runs under the reference JAX in a long-lived server process (tests/jax_server.py) and
here under cellax; both must agree on whether an exception is raised (and its type), and
otherwise on shapes, dtypes, weak types and values (NaNs in the same places).

Examples per function: CELLAX_PROPERTY_EXAMPLES (default 8, what CI runs; the draws are
derandomized so CI is reproducible). For a long sweep:
    CELLAX_PROPERTY_EXAMPLES=300 .venv/bin/python -m pytest tests/test_properties.py -n 2
"""
from __future__ import annotations

import os

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cellax
import cellax.numpy as cjnp
from cellax import lax as clax
from jax_server import JaxServer, flatten_result

pytestmark = pytest.mark.oracle

EXAMPLES = int(os.environ.get("CELLAX_PROPERTY_EXAMPLES", "8"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)

BOOL = [np.dtype(bool)]
INT = [np.dtype(t) for t in ("int8", "int32", "uint8", "uint32")]
FLOAT = [np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16), np.dtype(np.float32)]
COMPLEX = [np.dtype(np.complex64)]
REAL = BOOL + INT + FLOAT
ALL = REAL + COMPLEX
NUMERIC = INT + FLOAT + COMPLEX
INEXACT = FLOAT + COMPLEX

_CELLAX_SCOPE = {"jax": cellax, "jnp": cjnp, "lax": clax, "np": np}
_CELLAX_FUNS: dict = {}


@pytest.fixture(scope="module")
def server():
    s = JaxServer()
    yield s
    s.close()


# ---------------------------------------------------------------------------------------
# Strategies

def _elements(dt: np.dtype):
    if dt == np.dtype(bool):
        return st.booleans()
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return st.one_of(st.integers(-4, 4).filter(lambda v: info.min <= v <= info.max),
                         st.integers(int(info.min), int(info.max)))
    if dt.kind == "c":
        part = st.floats(width=32, allow_nan=True, allow_infinity=True)
        return st.builds(complex, part, part)
    width = 16 if dt == np.dtype(np.float16) else 32
    return st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.inf, -np.inf, np.nan]),
                     st.floats(width=width, allow_nan=True, allow_infinity=True))


def arrays(dt: np.dtype, shape):
    if dt == np.dtype(ml_dtypes.bfloat16):  # hypothesis has no bfloat16: draw f32, round
        return hnp.arrays(np.float32, shape, elements=_elements(np.dtype(np.float32))).map(
            lambda a: a.astype(ml_dtypes.bfloat16))
    return hnp.arrays(dt, shape, elements=_elements(dt))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def _python_scalar(dt: np.dtype):
    if dt == np.dtype(bool):
        return st.booleans()
    if dt.kind in "iu":
        return st.integers(-3, 5)
    if dt.kind == "c":
        return st.builds(complex, st.floats(-3, 3), st.floats(-3, 3))
    return st.one_of(st.floats(-3, 3), st.sampled_from([np.inf, np.nan, -0.0]))


# ---------------------------------------------------------------------------------------
# Running and comparing

def _run_cellax(source, args, kwargs):
    fn = _CELLAX_FUNS.get(source)
    if fn is None:
        fn = _CELLAX_FUNS[source] = eval(source, dict(_CELLAX_SCOPE))  # noqa: S307
    try:
        out = fn(*args, **kwargs)
        return ("ok", flatten_result(out, np.asarray))
    except Exception as e:  # noqa: BLE001
        return ("err", type(e).__name__, str(e))


def _tolerance(dt: np.dtype):
    if dt in (np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16)):
        return dict(rtol=2e-2, atol=1e-2)
    if dt in (np.dtype(np.float64), np.dtype(np.complex128)):
        return dict(rtol=1e-12, atol=1e-12)
    return dict(rtol=2e-6, atol=1e-6)


def compare(server, source, args, kwargs=None):
    kwargs = kwargs or {}
    ref = server.call(source, args, kwargs)
    got = _run_cellax(source, args, kwargs)
    where = f"{source} on {_describe(args)}"
    if ref[0] == "err":
        assert got[0] == "err", (f"{where}: JAX raised {ref[1]}: {ref[2][:300]}\n"
                                 f"but cellax returned {got[1]}")
        assert got[1] == ref[1], (f"{where}: JAX raised {ref[1]}: {ref[2][:300]}\n"
                                  f"cellax raised {got[1]}: {got[2][:300]}")
        return
    assert got[0] == "ok", f"{where}: cellax raised {got[1]}: {got[2][:500]}"
    r_leaves, g_leaves = ref[1], got[1]
    assert len(g_leaves) == len(r_leaves), where
    for r, g in zip(r_leaves, g_leaves):
        assert g.shape == r.shape, f"{where}: shape {g.shape} != JAX {r.shape}"
        assert g.dtype == r.dtype, f"{where}: dtype {g.dtype} != JAX {r.dtype}"
        assert g.weak_type == r.weak_type, f"{where}: weak_type {g.weak_type} != {r.weak_type}"
        rv, gv = np.asarray(r.value), np.asarray(g.value)
        if rv.dtype.kind in "biu":
            np.testing.assert_array_equal(gv, rv, err_msg=where)
        else:
            tol = _tolerance(rv.dtype)
            if rv.dtype == np.dtype(ml_dtypes.bfloat16):
                rv, gv = rv.astype(np.float32), gv.astype(np.float32)
            np.testing.assert_allclose(gv, rv, equal_nan=True, err_msg=where, **tol)


def _describe(args):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(f"{a.dtype}{list(a.shape)}")
        else:
            out.append(repr(a))
    return "(" + ", ".join(out) + ")"


# ---------------------------------------------------------------------------------------
# Unary elementwise functions: (name, dtypes drawn)

UNARY = {
    "abs": ALL, "negative": NUMERIC, "positive": NUMERIC, "sign": NUMERIC, "floor": REAL,
    "ceil": REAL, "trunc": REAL, "rint": REAL, "round": ALL, "fix": REAL, "sqrt": ALL,
    "cbrt": REAL, "square": ALL, "reciprocal": ALL, "exp": ALL, "exp2": ALL, "expm1": ALL,
    "log": ALL, "log2": ALL, "log10": ALL, "log1p": ALL, "sin": ALL, "cos": ALL, "tan": ALL,
    "arcsin": ALL, "arccos": ALL, "arctan": ALL, "sinh": ALL, "cosh": ALL, "tanh": ALL,
    "arcsinh": ALL, "arccosh": REAL, "arctanh": REAL, "deg2rad": REAL, "rad2deg": REAL,
    "isnan": ALL, "isinf": ALL, "isfinite": ALL, "signbit": REAL, "logical_not": ALL,
    "invert": BOOL + INT, "conj": ALL, "real": ALL, "imag": ALL, "angle": ALL, "fabs": REAL,
    "sinc": REAL, "nan_to_num": ALL, "i0": FLOAT, "bitwise_count": INT,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(server, name):
    @SETTINGS
    @given(data=st.data())
    def run(data):
        dt = data.draw(st.sampled_from(UNARY[name]), label="dtype")
        x = data.draw(arrays(dt, data.draw(SHAPES, label="shape")), label="x")
        compare(server, f"lambda x: jnp.{name}(x)", [x])
    run()


# ---------------------------------------------------------------------------------------
# Binary functions: broadcasting shape pairs, dtype pairs (promotion), Python scalars

BINARY = {
    # divide: no bool operands: XLA's simplifier turns convert(bool) / y into
    # select(bool, 1 / y, 0), so False / 0 gives JAX 0 instead of NaN, depending on how
    # the HLO happens to be shaped; that is XLA's business, not a rule of jnp.
    "add": ALL, "subtract": NUMERIC, "multiply": ALL, "divide": NUMERIC,
    "true_divide": NUMERIC,
    "floor_divide": REAL, "remainder": REAL, "mod": REAL, "fmod": REAL, "power": NUMERIC,
    "float_power": REAL, "maximum": ALL, "minimum": ALL, "fmax": REAL, "fmin": REAL,
    "arctan2": REAL, "hypot": REAL, "logaddexp": FLOAT, "logaddexp2": FLOAT,
    "copysign": REAL, "nextafter": FLOAT, "heaviside": REAL, "equal": ALL,
    "not_equal": ALL, "less": REAL, "less_equal": REAL, "greater": REAL,
    "greater_equal": REAL, "logical_and": ALL, "logical_or": ALL, "logical_xor": ALL,
    "bitwise_and": BOOL + INT, "bitwise_or": BOOL + INT, "bitwise_xor": BOOL + INT,
    "left_shift": INT, "right_shift": INT, "gcd": INT, "lcm": INT,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasting(server, name):
    @SETTINGS
    @given(data=st.data())
    def run(data):
        shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3,
                                                             max_side=3), label="shapes")
        d1 = data.draw(st.sampled_from(BINARY[name]), label="dtype x")
        d2 = data.draw(st.sampled_from(BINARY[name]), label="dtype y")
        x = data.draw(arrays(d1, shapes.input_shapes[0]), label="x")
        y = data.draw(arrays(d2, shapes.input_shapes[1]), label="y")
        scalar = data.draw(st.sampled_from([None, 0, 1]), label="python scalar operand")
        if scalar == 0:
            x = data.draw(_python_scalar(d1), label="x scalar")
        elif scalar == 1:
            y = data.draw(_python_scalar(d2), label="y scalar")
        compare(server, f"lambda x, y: jnp.{name}(x, y)", [x, y])
    run()


# ---------------------------------------------------------------------------------------
# Reductions: axis None / int / tuple, keepdims, and the nan-aware variants

REDUCTIONS = {
    "sum": ALL, "prod": ALL, "max": REAL, "min": REAL, "mean": ALL, "var": ALL, "std": ALL,
    "all": ALL, "any": ALL, "argmax": REAL, "argmin": REAL, "nansum": NUMERIC,
    "nanmean": INEXACT, "nanmax": REAL, "nanmin": REAL, "ptp": REAL,
    "count_nonzero": ALL, "cumsum": NUMERIC, "cumprod": NUMERIC,
}
_SINGLE_AXIS = {"argmax", "argmin", "cumsum", "cumprod"}
_NO_KEEPDIMS = {"cumsum", "cumprod"}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction(server, name):
    @SETTINGS
    @given(data=st.data())
    def run(data):
        dt = data.draw(st.sampled_from(REDUCTIONS[name]), label="dtype")
        shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
                          label="shape")
        x = data.draw(arrays(dt, shape), label="x")
        nd = len(shape)
        axis_choices = [None] + list(range(-nd, nd))
        if name not in _SINGLE_AXIS and nd >= 2:
            axis_choices.append(tuple(sorted({0, nd - 1})))
        axis = data.draw(st.sampled_from(axis_choices), label="axis")
        kwargs = {"axis": axis}
        if name not in _NO_KEEPDIMS:
            kwargs["keepdims"] = data.draw(st.booleans(), label="keepdims")
        compare(server, f"lambda x, **kw: jnp.{name}(x, **kw)", [x], kwargs)
    run()


# ---------------------------------------------------------------------------------------
# Shape manipulation

def _perm(nd):
    return st.permutations(list(range(nd))).map(tuple)


SHAPE_OPS = {
    "transpose": lambda d, nd: ("lambda x, p: jnp.transpose(x, p)", [d.draw(_perm(nd))]),
    "ravel": lambda d, nd: ("lambda x: jnp.ravel(x)", []),
    "reshape_flat": lambda d, nd: ("lambda x: jnp.reshape(x, (-1,))", []),
    "flip": lambda d, nd: ("lambda x: jnp.flip(x)", []),
    "roll": lambda d, nd: ("lambda x, s: jnp.roll(x, s)", [d.draw(st.integers(-5, 5))]),
    "expand_dims": lambda d, nd: ("lambda x, a: jnp.expand_dims(x, a)",
                                  [d.draw(st.integers(-nd - 1, nd))]),
    "squeeze": lambda d, nd: ("lambda x: jnp.squeeze(x)", []),
    "concatenate_self": lambda d, nd: ("lambda x: jnp.concatenate([x, x], axis=-1)", []),
    "stack_self": lambda d, nd: ("lambda x, a: jnp.stack([x, x], axis=a)",
                                 [d.draw(st.integers(-nd - 1, nd))]),
    "tile": lambda d, nd: ("lambda x, r: jnp.tile(x, r)", [d.draw(st.integers(0, 3))]),
    "repeat": lambda d, nd: ("lambda x, r: jnp.repeat(x, r)", [d.draw(st.integers(0, 3))]),
    "swapaxes": lambda d, nd: ("lambda x: jnp.swapaxes(x, 0, -1)", []),
    "moveaxis": lambda d, nd: ("lambda x: jnp.moveaxis(x, 0, -1)", []),
    "atleast_2d": lambda d, nd: ("lambda x: jnp.atleast_2d(x)", []),
    "pad": lambda d, nd: ("lambda x, w: jnp.pad(x, w)", [d.draw(st.integers(0, 2))]),
    "broadcast_to": lambda d, nd: ("lambda x: jnp.broadcast_to(x, (2,) + x.shape)", []),
    "triu": lambda d, nd: ("lambda x, k: jnp.triu(x, k)", [d.draw(st.integers(-2, 2))]),
    "diagonal": lambda d, nd: ("lambda x: jnp.diagonal(x)", []),
    "where_self": lambda d, nd: ("lambda x: jnp.where(x, x, 0)", []),
    "clip": lambda d, nd: ("lambda x: jnp.clip(x, 0, 2)", []),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_op(server, name):
    @SETTINGS
    @given(data=st.data())
    def run(data):
        dt = data.draw(st.sampled_from(REAL), label="dtype")
        shape = data.draw(SHAPES, label="shape")
        x = data.draw(arrays(dt, shape), label="x")
        source, extra = SHAPE_OPS[name](data, len(shape))
        compare(server, source, [x, *extra])
    run()


def test_the_server_reports_errors(server):
    """The comparison can fail: a JAX error is seen as an error, and a wrong value fails."""
    assert server.call("lambda x: jnp.add(x, 'a')", [np.ones(2, np.float32)])[0] == "err"
    with pytest.raises(AssertionError):
        ref = server.call("lambda x: x + 1", [np.ones(2, np.float32)])
        np.testing.assert_allclose(ref[1][0].value, np.ones(2, np.float32))


# ---------------------------------------------------------------------------------------
# Sorting, searching, set operations, FFT and linear algebra over random inputs

def _vector(d):
    return hnp.array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=6)


def _square(d):
    n = d.draw(st.integers(1, 4), label="n")
    batch = d.draw(st.sampled_from([(), (2,)]), label="batch")
    return (*batch, n, n)


MISC = {
    # name: (source, dtypes, shape strategy(data) -> shape)
    "sort": ("lambda x: jnp.sort(x)", REAL, lambda d: d.draw(SHAPES)),
    "sort_axis0_desc": ("lambda x: jnp.sort(x, axis=0, descending=True)", REAL,
                        lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))),
    "argsort_stable": ("lambda x: jnp.argsort(x, stable=True)", REAL, lambda d: d.draw(SHAPES)),
    "lexsort": ("lambda x: jnp.lexsort((x, -x))", FLOAT + INT, _vector),
    "searchsorted": ("lambda x: jnp.searchsorted(jnp.sort(x), x)", FLOAT + INT, _vector),
    "median": ("lambda x: jnp.median(x, axis=-1)", FLOAT + INT,
               lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))),
    "quantile": ("lambda x: jnp.quantile(x, jnp.array([0.1, 0.5, 0.9]), axis=0)", FLOAT + INT,
                 lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))),
    "nanpercentile": ("lambda x: jnp.nanpercentile(x, 75.0)", FLOAT,
                      lambda d: d.draw(SHAPES)),
    "unique_size": ("lambda x: jnp.unique(x, size=4, fill_value=0)", REAL, _vector),
    "unique_counts": ("lambda x: jnp.unique(x, return_counts=True)", INT + BOOL, _vector),
    "isin": ("lambda x: jnp.isin(x, x[::2])", REAL, _vector),
    "top_k": ("lambda x: lax.top_k(x, 1 if x.shape[-1] else 0)", FLOAT + INT,
              lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))),
    "cummax": ("lambda x: lax.cummax(x, 0)", FLOAT + INT,
               lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))),
    "fft": ("lambda x: jnp.fft.fft(x)", [np.dtype(np.float32), np.dtype(np.complex64)],
            lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6))),
    "rfft_irfft": ("lambda x: jnp.fft.irfft(jnp.fft.rfft(x), n=x.shape[-1])",
                   [np.dtype(np.float32)],
                   lambda d: d.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1,
                                                     max_side=6))),
    "norm": ("lambda x: jnp.linalg.norm(x)", FLOAT + COMPLEX, lambda d: d.draw(SHAPES)),
}
# Linear algebra on random square matrices: finite values only (LAPACK's NaN handling is
# its own), compared to a looser tolerance (different blockings round differently).
LINALG = {
    "det": "lambda a: jnp.linalg.det(a)",
    "slogdet": "lambda a: jnp.linalg.slogdet(a)",
    "solve": "lambda a: jnp.linalg.solve(a + 4 * jnp.eye(a.shape[-1]), a[..., :1])",
    "inv": "lambda a: jnp.linalg.inv(a + 4 * jnp.eye(a.shape[-1]))",
    "eigvalsh": "lambda a: jnp.linalg.eigvalsh(a + jnp.swapaxes(a, -1, -2))",
    "svdvals": "lambda a: jnp.linalg.svd(a, compute_uv=False)",
    "cholesky": ("lambda a: jnp.linalg.cholesky(a @ jnp.swapaxes(a, -1, -2) "
                 "+ jnp.eye(a.shape[-1]))"),
}


@pytest.mark.parametrize("name", sorted(MISC))
def test_sorting_sets_fft(server, name):
    source, dts, shapes = MISC[name]

    @SETTINGS
    @given(data=st.data())
    def run(data):
        dt = data.draw(st.sampled_from(dts), label="dtype")
        x = data.draw(arrays(dt, shapes(data)), label="x")
        compare(server, source, [x])
    run()


@pytest.mark.parametrize("name", sorted(LINALG))
def test_linalg_random_matrices(server, name):
    @SETTINGS
    @given(data=st.data())
    def run(data):
        shape = _square(data)
        x = data.draw(hnp.arrays(np.float32, shape, elements=st.floats(-2, 2, width=32)),
                      label="a")
        ref = server.call(LINALG[name], [x])
        got = _run_cellax(LINALG[name], [x], {})
        assert ref[0] == got[0] == "ok", (name, ref, got)
        for r, g in zip(ref[1], got[1]):
            assert (g.shape, g.dtype) == (r.shape, r.dtype), name
            np.testing.assert_allclose(g.value, r.value, rtol=2e-4, atol=2e-4, err_msg=name)
    run()
