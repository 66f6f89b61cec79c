"""The IPython magics (`%load_ext cellax`), driven through an in-process IPython shell."""
import re

import numpy as np
import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.error import UsageError  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

import cellax  # noqa: E402
import cellax.numpy as jnp  # noqa: E402
from cellax_notebook.magics import (CellaxMagicError, DeviceTable, ProfileResult,  # noqa: E402
                                    TextView, _split_line)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "cellax")
    yield ip
    import cellax_notebook
    cellax_notebook.unload_ipython_extension(ip)


@pytest.fixture
def ip(shell):
    shell.user_ns.clear()
    shell.init_user_ns()
    run(shell, "import cellax, cellax.numpy as jnp\nfrom cellax import lax\nimport numpy as np")
    return shell


class Ran:
    def __init__(self, result, cap):
        self.result = result
        self.error = result.error_in_exec
        self.value = result.result
        self.stdout = _ANSI.sub("", cap.stdout)
        self.outputs = cap.outputs

    def mimetypes(self):
        return {k for o in self.outputs for k in o.data}


def run(ip, code) -> Ran:
    with capture_output() as cap:
        r = ip.run_cell(code)
    return Ran(r, cap)


def ok(ip, code) -> Ran:
    r = run(ip, code)
    assert r.error is None, f"{type(r.error).__name__}: {r.error}\n{r.stdout}"
    return r


def fails(ip, code, kind=CellaxMagicError) -> Ran:
    r = run(ip, code)
    assert isinstance(r.error, kind), f"expected {kind.__name__}, got {r.error!r}\n{r.stdout}"
    assert "Traceback" not in r.stdout and "---------" not in r.stdout, r.stdout
    return r


def _views_present(r: Ran) -> bool:
    return any(t.startswith("application/vnd.cellax.") for t in r.mimetypes())


# ---------------------------------------------------------------------------------------
# loading


def test_load_twice_and_unload(shell):
    magics = shell.magics_manager.magics
    for name in ("jit", "grad"):
        assert name in magics["cell"]
    for name in ("grad", "jaxpr", "hlo", "devices", "profile", "cellax_summary"):
        assert name in magics["line"]
    shell.run_line_magic("load_ext", "cellax")  # already loaded: no-op
    import cellax_notebook
    cellax_notebook.unload_ipython_extension(shell)
    assert "jaxpr" not in shell.magics_manager.magics["line"]
    cellax_notebook.load_ipython_extension(shell)
    assert "jaxpr" in shell.magics_manager.magics["line"]


def test_split_line():
    assert _split_line("f(x, y) --graph") == ["f(x, y)", "--graph"]
    assert _split_line("g(a, 'b c', [1, 2]) -n 3") == ["g(a, 'b c', [1, 2])", "-n", "3"]
    assert _split_line("  ") == []


# ---------------------------------------------------------------------------------------
# %%jit


def test_jit_outputs_written_back(ip):
    ok(ip, "x = jnp.arange(3.0)\nw = 2.0")
    r = ok(ip, "%%jit\ny = jnp.sin(x) * w\nz = y.sum()\nk = 3\nz")
    ns = ip.user_ns
    np.testing.assert_allclose(ns["y"], np.sin(np.arange(3.0)) * 2, rtol=1e-6)
    np.testing.assert_allclose(ns["z"], (np.sin(np.arange(3.0)) * 2).sum(), rtol=1e-6)
    assert isinstance(ns["y"], cellax.Array)
    assert ns["k"] == 3 and type(ns["k"]) is int  # not traced: stays a Python value
    np.testing.assert_allclose(r.value, ns["z"])  # the last expression is the cell result
    assert re.search(r"\[%%jit\] compiled in .* · ran in .* · cpu", r.stdout), r.stdout
    # the status line comes under the displayed value
    assert r.stdout.index("Out[") < r.stdout.index("[%%jit]")


def test_jit_cache_hit_and_recompile(ip):
    ok(ip, "x = jnp.ones(3)")
    cell = "%%jit\ny = x * 2 + 1\ny"
    assert "compiled in" in ok(ip, cell).stdout
    r = ok(ip, cell)
    assert "cache hit" in r.stdout
    ok(ip, "x = jnp.ones(3) * 5")  # new values, same shape and dtype: still a hit
    r = ok(ip, cell)
    assert "cache hit" in r.stdout
    np.testing.assert_allclose(r.value, [11.0, 11.0, 11.0])
    ok(ip, "x = jnp.ones(4)")  # new shape: recompiles
    r = ok(ip, cell)
    assert "compiled in" in r.stdout and ip.user_ns["y"].shape == (4,)
    ok(ip, "x = jnp.ones(3)")  # back to the first shape: its program is still cached
    assert "cache hit" in ok(ip, cell).stdout


def test_jit_static_names(ip):
    ok(ip, "x = jnp.ones(2)\nn = 3")
    cell = "%%jit --static n\nacc = x\nfor i in range(n):\n    acc = acc * 2\nacc"
    r = ok(ip, cell)
    np.testing.assert_allclose(r.value, [8.0, 8.0])
    assert "cache hit" in ok(ip, cell).stdout
    ok(ip, "n = 4")  # a new static value recompiles
    r = ok(ip, cell)
    assert "cache hit" not in r.stdout
    np.testing.assert_allclose(r.value, [16.0, 16.0])


def test_jit_non_array_values_are_closed_over(ip):
    ok(ip, "x = jnp.ones(2)\nscale = {'a': 'text'}\ndef helper(v):\n    return v + 1")
    r = ok(ip, "%%jit\ny = helper(x) * len(scale['a'])\ny")
    np.testing.assert_allclose(r.value, [8.0, 8.0])
    ok(ip, "def helper(v):\n    return v - 1")  # a redefined function: traced anew
    r = ok(ip, "%%jit\ny = helper(x) * len(scale['a'])\ny")
    np.testing.assert_allclose(r.value, [0.0, 0.0])


def test_jit_functions_defined_in_cell_stay_usable(ip):
    ok(ip, "x = jnp.arange(3.0)\nc = 10.0")
    ok(ip, "%%jit\ndef f(a):\n    return a * c\ng = lambda a: f(a) + 1\nout = g(x)")
    np.testing.assert_allclose(ip.user_ns["out"], [1.0, 11.0, 21.0])
    # plain Python functions now, usable at other shapes and with concrete control flow
    r = ok(ip, "f(jnp.ones(5)).shape, g(2.0), (f(1.0) > 0)")
    assert r.value[0] == (5,)
    assert float(r.value[1]) == 21.0 and bool(r.value[2])
    ok(ip, "import types\nassert isinstance(f, types.FunctionType)")


def test_jit_function_closing_over_cell_value(ip):
    ok(ip, "x = jnp.arange(3.0)")
    ok(ip, "%%jit\nscale = x.sum()\ndef f(a):\n    return a * scale\ny = f(x)")
    np.testing.assert_allclose(ip.user_ns["y"], [0.0, 3.0, 6.0])
    np.testing.assert_allclose(ok(ip, "f(1.0)").value, 3.0)  # sees the written-back scale


def test_jit_control_flow_error_points_at_cell_line(ip):
    ok(ip, "x = 1.5")
    r = fails(ip, "%%jit\ny = x * 2\nif x > 0:\n    y = y + 1\ny")
    assert r.error.line == 3
    msg = str(r.error)
    assert "line 3" in msg and "if x > 0:" in msg
    assert "--static x" in msg and "lax.cond" in msg
    assert "TracerBoolConversionError" in msg
    assert "line 3" in r.stdout and "Traceback" not in r.stdout
    r = ok(ip, "%%jit --static x\ny = x * 2\nif x > 0:\n    y = y + 1\ny")
    assert float(r.value) == 4.0


def test_jit_range_error_suggests_static(ip):
    ok(ip, "x = jnp.ones(2)\nn = 3")
    r = fails(ip, "%%jit\nacc = x\nfor i in range(n):\n    acc = acc + i\nacc")
    assert r.error.line == 3 and "--static n" in str(r.error)


def test_jit_error_inside_function_from_other_cell(ip):
    ok(ip, "def bad(v):\n    if v.sum() > 0:\n        return v\n    return -v\nx = jnp.ones(2)")
    r = fails(ip, "%%jit\na = x + 1\nb = bad(a)\nb")
    msg = str(r.error)
    assert r.error.line == 3 and "b = bad(a)" in msg
    assert "in bad (" in msg and "if v.sum() > 0:" in msg


def test_jit_ordinary_errors_are_short(ip):
    ok(ip, "x = jnp.ones(2)")
    r = fails(ip, "%%jit\ny = x + 1\nz = undefined_name * y\nz")
    assert r.error.line == 3 and "NameError" in str(r.error)
    r = fails(ip, "%%jit\ny = x +\n")
    assert r.error.line == 2 and "SyntaxError" in str(r.error)
    r = fails(ip, "%%jit\nraise SystemExit(3)")  # nothing ends the kernel
    assert "SystemExit" in str(r.error)


def test_jit_bad_arguments(ip):
    ok(ip, "x = jnp.ones(2)\ns = 'a'")
    for line in ("%%jit --bogus", "%%jit --static nothere", "%%jit --static s",
                 "%%jit --donate s", "%%jit --device 99", "%%jit --device tpu",
                 "%%jit --show nope", "%%jit --static 1x"):
        fails(ip, f"{line}\nx + 1", UsageError)
    fails(ip, "%%jit\n", UsageError)
    fails(ip, "%%jit\nreturn x", CellaxMagicError)


def test_jit_pytree_inputs_and_mutation(ip):
    ok(ip, "params = {'w': jnp.ones(2), 'b': 0.5}\nx = jnp.arange(2.0)")
    ok(ip, "%%jit\nparams['w'] = params['w'] * 3\ny = x @ params['w'] + params['b']")
    np.testing.assert_allclose(ip.user_ns["params"]["w"], [3.0, 3.0])
    np.testing.assert_allclose(ip.user_ns["y"], 3.5)


def test_jit_numpy_and_scalar_inputs_tuple_result(ip):
    ok(ip, "a = np.arange(4, dtype=np.float32)\nt = 2")
    r = ok(ip, "%%jit\nb = a * t\nb.sum(), b.max()")
    assert isinstance(r.value, tuple)
    np.testing.assert_allclose(r.value, (12.0, 6.0))
    ok(ip, "t = 5")  # a Python number is an input: a new value needs no new program
    r = ok(ip, "%%jit\nb = a * t\nb.sum(), b.max()")
    assert "cache hit" in r.stdout and float(r.value[0]) == 30.0


def test_jit_semicolon_suppresses_result(ip):
    ok(ip, "x = jnp.ones(2)")
    r = ok(ip, "%%jit\ny = x * 2\ny;")
    assert r.value is None and "Out[" not in r.stdout and "[%%jit]" in r.stdout
    np.testing.assert_allclose(ip.user_ns["y"], [2.0, 2.0])


def test_jit_device_and_donate(ip):
    ok(ip, "x = jnp.ones(3)")
    r = ok(ip, "%%jit --device 0 --donate x\nx = x + 1\nx")
    np.testing.assert_allclose(ip.user_ns["x"], [2.0, 2.0, 2.0])
    assert str(cellax.devices()[0]) in r.stdout
    ok(ip, f"%%jit --device {cellax.devices()[0].platform}\ny = x * 2")


def test_jit_show(ip):
    ok(ip, "x = jnp.arange(3.0)")
    r = ok(ip, "%%jit --show jaxpr,stablehlo,hlo,timing\ny = jnp.sin(x)\ny")
    if _views_present(r):
        html = "".join(o.data.get("text/html", "") for o in r.outputs)
        assert "sin" in html
    else:  # without the views: the texts are printed
        assert "sin" in r.stdout and "stablehlo.sine" in r.stdout and "HloModule" in r.stdout
        assert "execute" in r.stdout
    r = ok(ip, "%%jit --show timing\ny = jnp.sin(x)\ny")  # on a cache hit too
    assert "cache hit" in r.stdout


def test_jit_cell_with_only_definitions(ip):
    ok(ip, "%%jit\nimport math\ndef sq(v):\n    return v * v")
    assert float(ok(ip, "sq(jnp.float32(3))").value) == 9.0


# ---------------------------------------------------------------------------------------
# %%grad / %grad


def test_grad_cell_matches_cellax_grad(ip):
    ok(ip, "x = jnp.array([0.5, -1.0, 2.0])\nw = 1.5")
    r = ok(ip, "%%grad x w\nh = jnp.tanh(x * w)\nloss = jnp.sum(h ** 2)\nloss")
    ns = ip.user_ns

    def loss(x, w):
        return jnp.sum(jnp.tanh(x * w) ** 2)

    gx, gw = cellax.grad(loss, argnums=(0, 1))(ns["x"], ns["w"])
    np.testing.assert_allclose(ns["d_x"], gx, rtol=1e-6)
    np.testing.assert_allclose(ns["d_w"], gw, rtol=1e-6)
    np.testing.assert_allclose(r.value, loss(ns["x"], ns["w"]), rtol=1e-6)
    # names the cell binds are written back, as concrete arrays
    assert not isinstance(ns["loss"], cellax.core.Tracer)
    np.testing.assert_allclose(ns["h"], np.tanh(np.array([0.5, -1.0, 2.0]) * 1.5), rtol=1e-6)
    assert "d_x" in r.stdout and "d_w" in r.stdout


def test_grad_cell_out_and_pytree(ip):
    ok(ip, "p = {'a': jnp.ones(2), 'b': 2.0}")
    r = ok(ip, "%%grad p --out L\njnp.sum(p['a'] * p['b'])")
    np.testing.assert_allclose(ip.user_ns["d_p"]["a"], [2.0, 2.0])
    np.testing.assert_allclose(ip.user_ns["d_p"]["b"], 2.0)
    np.testing.assert_allclose(ip.user_ns["L"], 4.0)
    assert float(r.value) == 4.0


def test_grad_cell_errors(ip):
    ok(ip, "x = jnp.ones(3)")
    r = fails(ip, "%%grad x\ny = x * 2\ny")  # not a scalar: points at the last line
    assert r.error.line == 3 and "scalar" in str(r.error)
    fails(ip, "%%grad x\ny = jnp.sum(x)")  # no last expression
    fails(ip, "%%grad nothere\njnp.sum(x)", UsageError)
    fails(ip, "%%grad\njnp.sum(x)", UsageError)
    fails(ip, "%%grad x --argnums 0\njnp.sum(x)", UsageError)
    fails(ip, "%%grad x --bogus\njnp.sum(x)", UsageError)


def test_grad_cell_graph(ip):
    ok(ip, "x = jnp.ones(3)")
    r = ok(ip, "%%grad x --graph\njnp.sum(jnp.sin(x))")
    assert _views_present(r) or "cos" in r.stdout


def test_grad_line(ip):
    ok(ip, "def f(a, b):\n    return jnp.sum(jnp.sin(a) * b)\nx = jnp.arange(3.0)\ny = 2.0")
    r = ok(ip, "%grad f(x, y)")
    expected = cellax.grad(lambda a, b: jnp.sum(jnp.sin(a) * b))(ip.user_ns["x"], 2.0)
    np.testing.assert_allclose(r.value, expected, rtol=1e-6)
    np.testing.assert_allclose(ip.user_ns["d_x"], expected, rtol=1e-6)
    r = ok(ip, "%grad f(x, y) --argnums 0,1 --out v")
    assert isinstance(r.value, tuple) and len(r.value) == 2
    gy = cellax.grad(lambda a, b: jnp.sum(jnp.sin(a) * b), argnums=1)(ip.user_ns["x"], 2.0)
    np.testing.assert_allclose(ip.user_ns["d_y"], gy, rtol=1e-6)
    np.testing.assert_allclose(ip.user_ns["v"], jnp.sum(jnp.sin(ip.user_ns["x"]) * 2.0))
    r = ok(ip, "g = %grad f(x, y) --argnums 1\ng")
    np.testing.assert_allclose(r.value, gy, rtol=1e-6)
    r = ok(ip, "%grad f(x, y) --graph")
    assert _views_present(r) or "cos" in r.stdout
    fails(ip, "%grad f", UsageError)
    fails(ip, "%grad f(x, y) --argnums 5", UsageError)
    fails(ip, "%grad f(x, y) --argnums a", UsageError)
    fails(ip, "%grad f(x y)", UsageError)
    fails(ip, "%grad nothere(x)")
    fails(ip, "%grad jnp.sin(x)")  # not a scalar: a clean error


# ---------------------------------------------------------------------------------------
# %jaxpr, %hlo, %devices, %profile


def test_jaxpr(ip):
    ok(ip, "def f(a):\n    return jnp.sin(a) * 2\nx = jnp.ones(3)")
    r = ok(ip, "%jaxpr f(x)")
    text = r.stdout
    assert "sin" in text and "f32[3]" in text
    if not isinstance(r.value, cellax.core.ClosedJaxpr):  # the IR view
        assert _views_present(r) or "sin" in text
    fails(ip, "%jaxpr", UsageError)
    fails(ip, "%jaxpr 1 +", UsageError)
    fails(ip, "%jaxpr x", UsageError)  # not a call
    fails(ip, "%jaxpr f(undefined)")
    r = fails(ip, "%jaxpr f('text')")
    assert "f(" in str(r.error)


def test_hlo(ip):
    ok(ip, "def f(a):\n    return jnp.sin(a) * 2\nx = jnp.ones(3)")
    r = ok(ip, "%hlo f(x)")
    assert isinstance(r.value, TextView) and "stablehlo.sine" in r.value.text
    assert "stablehlo.sine" in r.stdout
    r = ok(ip, "%hlo f(x) --stage optimized")
    assert "HloModule" in r.value.text
    assert "<pre" in r.value._repr_mimebundle_()["text/html"]
    ok(ip, "jf = cellax.jit(f)")
    assert "stablehlo" in ok(ip, "%hlo jf(x)").value.text
    fails(ip, "%hlo f(x) --stage nope", UsageError)


def test_devices(ip):
    r = ok(ip, "%devices")
    assert isinstance(r.value, DeviceTable)
    assert "platform" in r.stdout and cellax.devices()[0].platform in r.stdout
    assert "<table>" in r.value._repr_mimebundle_()["text/html"]
    fails(ip, "%devices --bogus", UsageError)


def test_profile(ip):
    ok(ip, "def f(a):\n    return jnp.sum(jnp.sin(a) @ a.T)\nx = jnp.ones((8, 8))")
    r = ok(ip, "p = %profile f(x) -n 3 -r 2\np")
    p = ip.user_ns["p"]
    assert isinstance(p, ProfileResult)
    for stage in ("trace", "lower", "compile", "execute"):
        assert len(p[stage]) == 2 and all(t > 0 for t in p[stage]), stage
        assert p["median"][stage] > 0
    assert p["number"] == 3 and p["repeat"] == 2
    assert p["cost"].get("flops", 0) > 0 and p["flops_per_s"] > 0
    assert p["device"] == str(cellax.devices()[0])
    assert "execute" in r.stdout or _views_present(r)
    p2 = ok(ip, "%profile f(x) -r 1").value  # -n chosen automatically
    assert p2["number"] >= 1 and len(p2["execute"]) == 1
    fails(ip, "%profile f(x) -r 0", UsageError)
    fails(ip, "%profile f(x) -n two", UsageError)
    fails(ip, "%profile f", UsageError)


# ---------------------------------------------------------------------------------------
# %cellax_summary


def test_cellax_summary(ip):
    r = ok(ip, "%cellax_summary")
    assert "off" in r.stdout
    ok(ip, "%cellax_summary on")
    try:
        ok(ip, "x = jnp.ones(7)")
        r = ok(ip, "%%jit\ny = x * 3 + 1")
        m = re.search(r"\[cellax\] (\d+) compilations? · compile .* · device .* · wall", r.stdout)
        assert m and int(m.group(1)) >= 1, r.stdout
        r = ok(ip, "%%jit\ny = x * 3 + 1")  # a cache hit: no compilation
        assert "[cellax] 0 compilations" in r.stdout
    finally:
        ok(ip, "%cellax_summary off")
    assert "[cellax]" not in ok(ip, "z = 1").stdout
    fails(ip, "%cellax_summary maybe", UsageError)


def test_jit_line_numbers_with_blank_lines_and_bad_inputs(ip):
    ok(ip, "x = 2.0\nbig = 2 ** 40")
    r = fails(ip, "%%jit\n\n# a comment\n\nwhile x > 0:\n    x = x - 1")
    assert r.error.line == 5 and "while x > 0:" in str(r.error)
    r = fails(ip, "%%jit\ny = big + x")
    assert "--static big" in str(r.error)
    ok(ip, "%%jit --static big\nhalf = big // 2\ny = x * 2")  # Python arithmetic: static
    assert ip.user_ns["half"] == 2 ** 39 and float(ip.user_ns["y"]) == 4.0


def test_grad_cell_integer_input_is_a_clean_error(ip):
    ok(ip, "k = jnp.arange(3)")
    r = fails(ip, "%%grad k\njnp.sum(k * 1.0)")
    assert "float" in str(r.error) or "real" in str(r.error)
