"""`cellax.lax.fft`, the `fft` primitive and `cellax.numpy.fft` against the reference JAX.

A table of cases `(name, function source, arguments source, x64)` is run once by the
reference JAX (one subprocess for the module) and here, eagerly and under `jit`: values
(allclose, NaNs equal), dtypes, weak types and shapes must agree. Bad inputs must raise
JAX's exception types; `make_jaxpr` text of the jnp transforms must equal JAX's; gradients
are checked by finite differences (order 2, forward and reverse, float64) for every
transform type and against JAX's values; `vmap` is checked against a Python loop.
"""
from __future__ import annotations

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp
from cellax import lax
from cellax.test_util import check_grads

SETUP = r"""
import numpy as np
_rng = np.random.RandomState(0)
R1 = _rng.randn(7).astype(np.float32)
R1E = _rng.randn(8).astype(np.float32)
R2 = _rng.randn(4, 6).astype(np.float32)
R2O = _rng.randn(5, 3).astype(np.float32)
R3 = _rng.randn(2, 3, 5).astype(np.float32)
R4 = _rng.randn(2, 3, 2, 4).astype(np.float32)
R5 = _rng.randn(2, 2, 3, 2, 3).astype(np.float32)
C1 = (_rng.randn(8) + 1j * _rng.randn(8)).astype(np.complex64)
C2 = (_rng.randn(3, 4) + 1j * _rng.randn(3, 4)).astype(np.complex64)
C2O = (_rng.randn(4, 5) + 1j * _rng.randn(4, 5)).astype(np.complex64)
C3 = (_rng.randn(2, 3, 4) + 1j * _rng.randn(2, 3, 4)).astype(np.complex64)
C4 = (_rng.randn(2, 3, 2, 3) + 1j * _rng.randn(2, 3, 2, 3)).astype(np.complex64)
I2 = np.arange(12, dtype=np.int32).reshape(3, 4) % 5 - 2
B1 = np.array([True, False, True, True, False])
H2 = R2.astype(np.float16)
D2 = R2.astype(np.float64)
Z2 = C2.astype(np.complex128)
"""


def _cases() -> list[tuple[str, str, str, bool]]:
    cases = []
    norms = [None, "backward", "ortho", "forward"]

    def add(name, fn, args, x64=False):
        cases.append((name, fn, args, x64))

    # One-dimensional transforms: odd/even lengths, axes, n (pad and truncate), norms.
    for f in ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]:
        real_in = f in ("rfft", "ihfft")
        ins = ["R1", "R1E", "R2", "R3"] if real_in else ["C1", "C2", "C2O", "C3"]
        if f in ("fft", "ifft"):
            ins += ["R2", "I2"]
        for i, a in enumerate(ins):
            for norm in norms if i == 0 else [None]:
                add(f"{f}_{a}_{norm}", f"lambda x: jnp.fft.{f}(x, norm={norm!r})", f"({a},)")
        add(f"{f}_axis0", f"lambda x: jnp.fft.{f}(x, axis=0)", f"({ins[2]},)")
        add(f"{f}_axis_mid", f"lambda x: jnp.fft.{f}(x, axis=1, norm='ortho')", f"({ins[3]},)")
        add(f"{f}_pad", f"lambda x: jnp.fft.{f}(x, n=9)", f"({ins[2]},)")
        add(f"{f}_trunc", f"lambda x: jnp.fft.{f}(x, n=2, axis=0, norm='forward')",
            f"({ins[2]},)")
        add(f"{f}_n_odd", f"lambda x: jnp.fft.{f}(x, n=5, axis=-1)", f"({ins[3]},)")
        add(f"{f}_x64", f"lambda x: jnp.fft.{f}(x, norm='ortho')",
            "(D2,)" if real_in else "(Z2,)", True)
        add(f"{f}_x64_f32in", f"lambda x: jnp.fft.{f}(x)", f"({ins[2]},)", True)
    # N-dimensional transforms.
    for f in ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]:
        real_in = f.startswith("rfft")
        ins = ["R2", "R2O", "R3"] if real_in else ["C2", "C2O", "C3"]
        for i, a in enumerate(ins):
            for norm in norms if i == 1 else [None]:
                add(f"{f}_{a}_{norm}", f"lambda x: jnp.fft.{f}(x, norm={norm!r})", f"({a},)")
        add(f"{f}_axes", f"lambda x: jnp.fft.{f}(x, axes=(0, 2))", f"({ins[2]},)")
        add(f"{f}_axes_rev", f"lambda x: jnp.fft.{f}(x, axes=(-1, 0), norm='ortho')",
            f"({ins[2]},)")
        add(f"{f}_s", f"lambda x: jnp.fft.{f}(x, s=(3, 7))", f"({ins[2]},)")
        add(f"{f}_s_axes", f"lambda x: jnp.fft.{f}(x, s=(5, 2), axes=(1, 0))",
            f"({ins[2]},)")
        add(f"{f}_x64", f"lambda x: jnp.fft.{f}(x, norm='forward')",
            "(D2,)" if real_in else "(Z2,)", True)
        if f.endswith("n"):
            add(f"{f}_1axis", f"lambda x: jnp.fft.{f}(x, axes=[1])", f"({ins[2]},)")
            add(f"{f}_s_only", f"lambda x: jnp.fft.{f}(x, s=[4])", f"({ins[2]},)")
    # Four and five transformed axes are chained (XLA transforms at most three at once).
    add("fftn_4d", "lambda x: jnp.fft.fftn(x, norm='ortho')", "(C4,)")
    add("ifftn_4d", "lambda x: jnp.fft.ifftn(x)", "(C4,)")
    add("rfftn_4d", "lambda x: jnp.fft.rfftn(x)", "(R4,)")
    add("irfftn_4d", "lambda x: jnp.fft.irfftn(x, s=(2, 3, 2, 5))", "(C4,)")
    add("fftn_5d", "lambda x: jnp.fft.fftn(x)", "(R5,)")
    add("rfftn_5d", "lambda x: jnp.fft.rfftn(x, norm='forward')", "(R5,)")
    add("irfftn_5d", "lambda x: jnp.fft.irfftn(jnp.fft.rfftn(x), s=x.shape)", "(R5,)")
    # Dtypes: ints and bools become complex64 (complex128 for int64 under x64), float16 too.
    add("fft_bool", "lambda x: jnp.fft.fft(x)", "(B1,)")
    add("fft_f16", "lambda x: jnp.fft.fft(x)", "(H2,)")
    add("ifft_f64_x32", "lambda x: jnp.fft.ifft(x)", "(D2,)")
    add("rfft_int", "lambda x: jnp.fft.rfft(x)", "(I2,)")
    add("rfft_bool", "lambda x: jnp.fft.rfft(x)", "(B1,)")
    add("fft_int64_x64", "lambda x: jnp.fft.fft(x.astype(np.int64))", "(I2,)", True)
    add("rfft_int32_x64", "lambda x: jnp.fft.rfft(x)", "(I2,)", True)
    add("irfft_real_in", "lambda x: jnp.fft.irfft(x)", "(R2,)")
    add("hfft_real_in", "lambda x: jnp.fft.hfft(x, n=6)", "(R2,)")
    add("fftn_scalar", "lambda: jnp.fft.fftn(np.float32(2.5))", "()")
    add("fft_python_scalar_list", "lambda x: jnp.fft.fft(x, n=3)", "(np.array([1., 2.]),)")
    # lax.fft directly, with strings and enums, several lengths.
    for t in ["fft", "ifft", "FFT", "IFFT"]:
        add(f"lax_{t}", f"lambda x: jax.lax.fft(x, {t!r}, (3, 4))", "(C2,)")
    add("lax_rfft", "lambda x: jax.lax.fft(x, jax.lax.FftType.RFFT, (4, 6))", "(R2,)")
    add("lax_irfft", "lambda x: jax.lax.fft(x, 'irfft', (3, 6))", "(C2,)")
    add("lax_irfft_odd", "lambda x: jax.lax.fft(x, 'irfft', (7,))", "(C2,)")
    add("lax_fft3", "lambda x: jax.lax.fft(x, 'fft', (2, 3, 4))", "(C3,)")
    add("lax_rfft_real_int", "lambda x: jax.lax.fft(x, 'rfft', (4,))", "(I2,)")
    add("lax_empty_lengths", "lambda x: jax.lax.fft(x, 'fft', ())", "(R2,)")
    add("lax_x64", "lambda x: jax.lax.fft(x, 'rfft', (4, 6))", "(D2,)", True)
    # Frequencies and shifts.
    for n in [1, 4, 7, 10]:
        add(f"fftfreq_{n}", f"lambda: jnp.fft.fftfreq({n})", "()")
        add(f"rfftfreq_{n}", f"lambda: jnp.fft.rfftfreq({n}, 0.25)", "()")
    add("fftfreq_d", "lambda: jnp.fft.fftfreq(9, d=0.1)", "()")
    add("fftfreq_d_array", "lambda: jnp.fft.fftfreq(6, d=jnp.float32(0.5))", "()")
    add("fftfreq_f16", "lambda: jnp.fft.fftfreq(5, 0.5, dtype=jnp.float16)", "()")
    add("fftfreq_int", "lambda: jnp.fft.fftfreq(5, dtype=jnp.int32)", "()")
    add("fftfreq_c64", "lambda: jnp.fft.fftfreq(6, dtype=jnp.complex64)", "()")
    add("rfftfreq_int", "lambda: jnp.fft.rfftfreq(5, dtype=jnp.int32)", "()")
    add("fftfreq_x64", "lambda: jnp.fft.fftfreq(8, 0.3)", "()", True)
    add("rfftfreq_x64", "lambda: jnp.fft.rfftfreq(9)", "()", True)
    add("fftfreq_device", "lambda: jnp.fft.fftfreq(4, device=jax.devices()[0])", "()")
    add("fftshift", "lambda x: jnp.fft.fftshift(x)", "(R3,)")
    add("fftshift_axis", "lambda x: jnp.fft.fftshift(x, axes=1)", "(R3,)")
    add("fftshift_axes", "lambda x: jnp.fft.fftshift(x, axes=(0, -1))", "(C3,)")
    add("ifftshift", "lambda x: jnp.fft.ifftshift(x)", "(R3,)")
    add("ifftshift_axis", "lambda x: jnp.fft.ifftshift(x, axes=-1)", "(R1,)")
    add("ifftshift_axes", "lambda x: jnp.fft.ifftshift(x, [2, 1])", "(R3,)")
    add("shift_roundtrip", "lambda x: jnp.fft.ifftshift(jnp.fft.fftshift(x))", "(I2,)")
    add("roundtrip", "lambda x: jnp.fft.irfftn(jnp.fft.rfftn(x), x.shape)", "(R3,)")
    return cases


CASES = _cases()
_EAGER_ONLY = {"fftfreq_device"}

ERROR_CASES = {
    "fft_list": "jnp.fft.fft([1., 2.])",
    "fftshift_list": "jnp.fft.fftshift([1, 2])",
    "fft_axis_tuple": "jnp.fft.fft(R2, axis=(0, 1))",
    "hfft_axis_tuple": "jnp.fft.hfft(C2, axis=(0,))",
    "fft_n0": "jnp.fft.fft(R2, n=0)",
    "irfft_n_neg": "jnp.fft.irfft(C2, n=-2)",
    "fftn_repeat": "jnp.fft.fftn(R2, axes=(0, 0))",
    "fftn_s_axes": "jnp.fft.fftn(R2, s=(2,), axes=(0, 1))",
    "fft2_3axes": "jnp.fft.fft2(R3, axes=(0, 1, 2))",
    "norm_bad": "jnp.fft.fft(R2, norm='bad')",
    "axis_oob": "jnp.fft.fft(R2, axis=2)",
    "scalar": "jnp.fft.fft(2.0)",
    "rfft_complex": "jnp.fft.rfft(C2)",
    "rfft_f16": "jnp.fft.rfft(H2)",
    "fftfreq_list": "jnp.fft.fftfreq([4])",
    "fftfreq_dlist": "jnp.fft.fftfreq(4, [1.])",
    "rfftfreq_list": "jnp.fft.rfftfreq((4,))",
    "lax_bad_type": "jax.lax.fft(R2, 'foo', (6,))",
    "lax_bad_type_int": "jax.lax.fft(R2, 3, (6,))",
    "lax_lengths": "jax.lax.fft(R2, 'fft', (5,))",
    "lax_too_many": "jax.lax.fft(R2, 'fft', (1, 4, 6))",
    "lax_list_lengths": "jax.lax.fft(R2, 'fft', [6])",
    "prim_irfft_real": "jax.lax.fft_p.bind(R2, fft_type=jax.lax.FftType.IRFFT, "
                       "fft_lengths=(10,))",
    "prim_rfft_lengths": "jax.lax.fft_p.bind(R2, fft_type=jax.lax.FftType.RFFT, "
                         "fft_lengths=(4,))",
    "prim_irfft_minor": "jax.lax.fft_p.bind(C3, fft_type=jax.lax.FftType.IRFFT, "
                        "fft_lengths=(2, 6))",
}

# jax.grad of real-valued losses through the transforms, compared with JAX's values.
GRAD_CASES = [
    ("g_fft", "lambda x: jnp.sum(jnp.real(jnp.fft.fft(x) * jnp.conj(jnp.fft.fft(x))) "
     "* jnp.arange(7.0))", "(R1,)"),
    ("g_rfft", "lambda x: jnp.sum(jnp.real(jnp.fft.rfft(x, norm='ortho')) * "
     "jnp.arange(4.0))", "(R2,)"),
    ("g_rfft_imag", "lambda x: jnp.sum(jnp.imag(jnp.fft.rfft(x)) ** 2)", "(R1E,)"),
    ("g_irfft", "lambda x: jnp.sum(jnp.fft.irfft(x * (1 + 2j), n=9) * jnp.arange(9.0))",
     "(R2,)"),
    ("g_rfftn", "lambda x: jnp.sum(jnp.real(jnp.fft.rfftn(x)) ** 2 "
     "- jnp.imag(jnp.fft.rfftn(x)))", "(R3,)"),
    ("g_irfftn", "lambda x: jnp.sum(jnp.fft.irfftn(x.astype(jnp.complex64) * 1j, s=(4, 5)) "
     "** 3)", "(R2,)"),
    ("g_hfft", "lambda x: jnp.sum(jnp.fft.hfft(x + 0.5j) ** 2)", "(R1E,)"),
    ("g_ihfft", "lambda x: jnp.sum(jnp.imag(jnp.fft.ihfft(x, norm='forward')) ** 3)", "(R1,)"),
    ("g_fft2", "lambda x: jnp.sum(jnp.real(jnp.fft.ifft2(x)) * x)", "(R2O,)"),
    ("g_complex_in", "lambda x: jnp.sum(jnp.real(jnp.fft.fftn(x + 1j * x[::-1])) ** 2)",
     "(R2,)"),
]

JAXPR_CASES = [
    ("jaxpr_fft", "jnp.fft.fft", "(R2,)"),
    ("jaxpr_ifft_complex", "jnp.fft.ifft", "(C2,)"),
    ("jaxpr_rfft", "jnp.fft.rfft", "(R2,)"),
    ("jaxpr_irfft", "jnp.fft.irfft", "(C2,)"),
    ("jaxpr_fft2", "jnp.fft.fft2", "(C3,)"),
    ("jaxpr_lax_fft", "lambda x: jax.lax.fft(x, 'ifft', (3, 4))", "(C2,)"),
]

_ORACLE = r"""
import json
import numpy as np
import jax
import jax.numpy as jnp
exec(SETUP)

def encode(x):
    if isinstance(x, (list, tuple)):
        return [encode(y) for y in x]
    weak = bool(getattr(x, "weak_type", False))
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}

out = {"cases": {}, "errors": {}, "grads": {}, "jaxprs": {}}
for name, fn, args, x64 in CASES:
    jax.config.update("jax_enable_x64", x64)
    try:
        out["cases"][name] = {"ok": encode(eval(fn)(*eval(args)))}
    except Exception as e:
        out["cases"][name] = {"error": [type(e).__name__, str(e)]}
jax.config.update("jax_enable_x64", False)
for name, expr in ERRORS.items():
    try:
        eval(expr)
        out["errors"][name] = None
    except Exception as e:
        out["errors"][name] = [type(e).__name__, str(e)]
for name, fn, args in GRADS:
    out["grads"][name] = encode(jax.grad(eval(fn))(*eval(args)))
for name, fn, args in JAXPRS:
    out["jaxprs"][name] = str(jax.make_jaxpr(eval(fn))(*eval(args)))
print(json.dumps(out))
"""


def _namespace():
    ns = {"jax": jax, "jnp": jnp, "np": np}
    exec(SETUP, ns)
    return ns


@pytest.fixture(scope="module")
def reference(oracle):
    code = (f"SETUP = {SETUP!r}\nCASES = {CASES!r}\nERRORS = {ERROR_CASES!r}\n"
            f"GRADS = {GRAD_CASES!r}\nJAXPRS = {JAXPR_CASES!r}\n" + _ORACLE)
    return oracle(code)


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _encode(x):
    if isinstance(x, (list, tuple)):
        return [_encode(y) for y in x]
    aval = getattr(x, "aval", None)
    weak = bool(aval.weak_type) if aval is not None else False
    x = np.asarray(x)
    vals = x.astype(np.float64) if x.dtype.kind == "f" else x
    if x.dtype.kind == "c":
        vals = np.stack([x.real, x.imag], -1).astype(np.float64)
    return {"dtype": str(x.dtype), "weak": weak, "shape": list(x.shape),
            "values": vals.tolist()}


def _assert_same(got, want, where, tol=None):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for k, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{k}]", tol)
        return
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"]), (where, got, want)
    assert got["weak"] == want["weak"], (where, "weak_type", got["weak"], want["weak"])
    g, w = np.array(got["values"]), np.array(want["values"])
    if want["dtype"].startswith(("int", "uint", "bool")):
        np.testing.assert_array_equal(g, w, err_msg=where)
        return
    if tol is None:
        tol = {"float16": 2e-2, "float64": 1e-10, "complex128": 1e-10}.get(want["dtype"], 2e-5)
    scale = max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)
    np.testing.assert_allclose(g, w, rtol=tol, atol=tol * scale, equal_nan=True,
                               err_msg=where)


@pytest.mark.oracle
def test_cases_match_jax(reference):
    """Every case, eager and under jit (one test, so the oracle's compile cost is paid once
    and failures are listed together)."""
    failures = []
    ns = _namespace()
    for name, fn_src, args_src, use_x64 in CASES:
        want = reference["cases"][name]
        jax.config.update("jax_enable_x64", use_x64)
        try:
            assert "ok" in want, f"the reference raised: {want}"
            fn, args = eval(fn_src, ns), eval(args_src, ns)
            _assert_same(_encode(fn(*args)), want["ok"], f"{name} (eager)")
            if name not in _EAGER_ONLY:
                _assert_same(_encode(jax.jit(fn)(*args)), want["ok"], f"{name} (jit)")
        except Exception as e:  # noqa: BLE001 - collected and reported below
            failures.append(f"{name}: {type(e).__name__}: {str(e)[:400]}")
        finally:
            jax.config.update("jax_enable_x64", False)
    assert not failures, f"{len(failures)} of {len(CASES)} cases differ:\n" + \
        "\n".join(failures[:20])


def test_case_table_is_broad():
    names = {c[0].split("_")[0] for c in CASES}
    for f in ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
              "irfft2", "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq",
              "fftshift", "ifftshift"]:
        assert f in names, f
    assert len(CASES) > 180
    assert sum(c[3] for c in CASES) >= 20


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match(reference, name):
    want = reference["errors"][name]
    assert want is not None, f"the reference raised nothing for {name}"
    with pytest.raises(Exception) as info:
        eval(ERROR_CASES[name], _namespace())
    assert type(info.value).__name__ == want[0], (name, repr(info.value), want)
    if name not in ("lax_list_lengths", "fft_list", "fftshift_list"):
        # Same message (JAX's has a jaxlib type name where ours says `list`).
        assert str(info.value).split("\n")[0] == want[1].split("\n")[0], (name, want)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [c[0] for c in GRAD_CASES])
def test_grad_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in GRAD_CASES if n == name)
    ns = _namespace()
    got = _encode(jax.grad(eval(fn_src, ns))(*eval(args_src, ns)))
    _assert_same(got, reference["grads"][name], f"grad {name}", tol=1e-4)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [c[0] for c in JAXPR_CASES])
def test_make_jaxpr_text_matches_jax(reference, name):
    fn_src, args_src = next((f, a) for n, f, a in JAXPR_CASES if n == name)
    ns = _namespace()
    got = str(jax.make_jaxpr(eval(fn_src, ns))(*eval(args_src, ns)))
    assert got == reference["jaxprs"][name]


def test_jnp_fft_is_a_module_and_an_attribute():
    import importlib
    mod = importlib.import_module("cellax.numpy.fft")
    assert jnp.fft is mod
    from cellax.numpy.fft import rfftfreq
    assert rfftfreq is jnp.fft.rfftfreq
    assert sorted(mod.__all__) == sorted(
        ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
         "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"])
    assert [t.name for t in lax.FftType] == ["FFT", "IFFT", "RFFT", "IRFFT"]
    assert lax.fft_p.name == "fft" and int(lax.FftType.IRFFT) == 3


def test_lowering_is_stablehlo_fft():
    x = np.ones((4, 6), np.float32)
    text = jax.jit(lambda v: lax.fft(v, "rfft", (4, 6))).lower(x).as_text()
    assert "stablehlo.fft" in text and "type =  RFFT" not in text
    assert "type = RFFT, length = [4, 6]" in text
    c = np.ones((3, 4), np.complex64)
    text = jax.jit(lambda v: lax.fft(v, "irfft", (6,))).lower(c).as_text()
    assert "type = IRFFT, length = [6]" in text and "tensor<3x6xf32>" in text


# --- derivatives -----------------------------------------------------------------------

_rng = np.random.RandomState(1)


def _cplx(*shape):
    return _rng.randn(*shape) + 1j * _rng.randn(*shape)


@pytest.mark.parametrize("typ,lengths", [
    ("fft", (5,)), ("fft", (3, 4)), ("ifft", (4,)), ("ifft", (2, 3, 3)),
    # The Hermitian weights differ for even and odd last lengths (no Nyquist bin if odd).
    ("rfft", (4,)), ("rfft", (5,)), ("rfft", (3, 4)), ("rfft", (2, 3, 5)),
    ("irfft", (4,)), ("irfft", (5,)), ("irfft", (3, 4)), ("irfft", (2, 3, 5))])
def test_check_grads_primitive(x64, typ, lengths):
    """Order-2 forward and reverse derivatives of each transform type, against finite
    differences (float64): the RFFT/IRFFT transposes carry the Hermitian weights."""
    batch = (2,)
    if typ == "rfft":
        x = _rng.randn(*batch, *lengths)
    elif typ == "irfft":
        x = _cplx(*batch, *lengths[:-1], lengths[-1] // 2 + 1)
    else:
        x = _cplx(*batch, *lengths)
    check_grads(lambda v: lax.fft(v, typ, lengths), (x,), order=2, modes=("fwd", "rev"))


JNP_GRAD_FUNS = {
    "fft": (lambda x: jnp.fft.fft(x, norm="ortho"), "c", (3, 5)),
    "ifft_n": (lambda x: jnp.fft.ifft(x, n=6, axis=0), "c", (3, 5)),
    "rfft": (lambda x: jnp.fft.rfft(x), "r", (3, 6)),
    "rfft_odd_pad": (lambda x: jnp.fft.rfft(x, n=7, norm="forward"), "r", (2, 5)),
    "irfft": (lambda x: jnp.fft.irfft(x), "c", (2, 4)),
    "irfft_n_odd": (lambda x: jnp.fft.irfft(x, n=5, axis=0, norm="ortho"), "c", (4, 3)),
    "fft2": (lambda x: jnp.fft.fft2(x), "r", (3, 4)),
    "ifftn": (lambda x: jnp.fft.ifftn(x, axes=(0, 2)), "c", (2, 3, 3)),
    "rfftn": (lambda x: jnp.fft.rfftn(x, norm="ortho"), "r", (2, 3, 4)),
    "irfftn": (lambda x: jnp.fft.irfftn(x, s=(3, 4)), "c", (3, 3)),
    "rfft2": (lambda x: jnp.fft.rfft2(x, s=(4, 5)), "r", (3, 4)),
    "irfft2": (lambda x: jnp.fft.irfft2(x), "c", (2, 3)),
    "hfft": (lambda x: jnp.fft.hfft(x, n=7), "c", (2, 4)),
    "ihfft": (lambda x: jnp.fft.ihfft(x), "r", (2, 5)),
    "rfftn_4d": (lambda x: jnp.fft.rfftn(x), "r", (2, 2, 3, 2)),
    "irfftn_4d": (lambda x: jnp.fft.irfftn(x), "c", (2, 2, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(JNP_GRAD_FUNS))
def test_check_grads_jnp(x64, name):
    f, kind, shape = JNP_GRAD_FUNS[name]
    x = _rng.randn(*shape) if kind == "r" else _cplx(*shape)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_grad_of_jit_and_jit_of_grad(x64):
    x = _rng.randn(3, 6)
    loss = lambda v: jnp.sum(jnp.real(jnp.fft.rfft(v) * jnp.conj(jnp.fft.rfft(v))))  # noqa: E731
    g1 = jax.grad(jax.jit(loss))(x)
    g2 = jax.jit(jax.grad(loss))(x)
    # d/dx_n sum_k |X_k|^2 = 2 Re(sum_k X_k e^{+2πikn/6}) over the kept bins k = 0..3,
    # which is 2 * 6 * irfft(X / w) with irfft's Hermitian weights w = (1, 2, 2, 1).
    expect = 2 * 6 * np.fft.irfft(np.fft.rfft(x) / np.array([1., 2., 2., 1.]), n=6)
    np.testing.assert_allclose(np.asarray(g1), np.asarray(g2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(g1), expect, rtol=1e-10, atol=1e-10)


# --- vmap ------------------------------------------------------------------------------

VMAP_FUNS = {
    "fft": (lambda v: lax.fft(v, "fft", (4,)), "c", (3, 5, 4), 1),
    "ifft2": (lambda v: lax.fft(v, "ifft", (3, 4)), "c", (2, 3, 4), 0),
    "rfft": (lambda v: lax.fft(v, "rfft", (6,)), "r", (3, 6, 2), 2),
    "irfft": (lambda v: lax.fft(v, "irfft", (2, 6)), "c", (3, 2, 4), 0),
    "jnp_rfftn": (lambda v: jnp.fft.rfftn(v, norm="ortho"), "r", (2, 3, 4), 1),
    "jnp_hfft": (lambda v: jnp.fft.hfft(v, axis=0), "c", (3, 4, 2), 2),
    "jnp_fftshift": (lambda v: jnp.fft.fftshift(jnp.fft.fft(v)), "r", (3, 5), 0),
}


@pytest.mark.parametrize("name", sorted(VMAP_FUNS))
def test_vmap_matches_loop(name):
    f, kind, shape, axis = VMAP_FUNS[name]
    x = (_rng.randn(*shape) if kind == "r" else _cplx(*shape)).astype(
        np.float32 if kind == "r" else np.complex64)
    got = np.asarray(jax.vmap(f, in_axes=axis)(x))
    want = np.stack([np.asarray(f(np.take(x, i, axis))) for i in range(shape[axis])])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_vmap_of_grad(x64):
    xs = _rng.randn(4, 5)
    loss = lambda v: jnp.sum(jnp.fft.irfft(jnp.fft.rfft(v) * (1 + 1j)) ** 2)  # noqa: E731
    got = jax.vmap(jax.grad(loss))(xs)
    want = np.stack([np.asarray(jax.grad(loss)(x)) for x in xs])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)

