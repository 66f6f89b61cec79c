"""Errors: the exception type and message, compared with what the reference JAX raises.

cellax's messages start with JAX's text (the function, the argument a traced value
depends on) and then add a line saying how to fix the problem; JAX's closing
"See https://docs.jax.dev/..." line is not repeated.
"""
import re

import numpy as np
import pytest

import cellax as jax
import cellax.numpy as jnp

# Run by both libraries with identical line numbers (the first line is the import).
SHARED = '''
LEAKED = []

def bool_if():
    def f(x):
        if x > 0:
            return x
        return -x
    return jax.jit(f)(1.0)

def bool_while():
    def f(x):
        while x < 3:
            x = x + 1
        return x
    return jax.jit(f)(1.0)

def bool_second_arg():
    def f(x, y):
        return x if y.sum() > 0 else x
    return jax.jit(f)(1.0, jnp.ones(2))

def bool_kwarg():
    def f(x, *, y):
        return x if y > 0 else x
    return jax.jit(f)(1.0, y=2.0)

def bool_pytree_leaf():
    def f(p):
        return p["w"][0] if p["w"][0] > 0 else 0.0
    return jax.jit(f)({"w": [1.0, 2.0]})

def bool_two_args():
    def f(x, y):
        z = jnp.sin(x) * 2 + y
        return z if z > 0 else z
    return jax.jit(f)(1.0, 2.0)

def bool_three_args():
    def f(x, y, z):
        return x if x + y + z > 0 else x
    return jax.jit(f)(1.0, 2.0, 3.0)

def bool_from_constants():
    def f(x):
        return x if jnp.ones(()) > 0 else x
    return jax.jit(f)(1.0)

def bool_static_argnums():
    def f(n, x):
        return x if x > n else x
    return jax.jit(f, static_argnums=0)(1, 2.0)

def bool_static_argnames():
    def f(x, *, n):
        return x if x > n else x
    return jax.jit(f, static_argnames="n")(2.0, n=1)

def non_array_with_static():
    def f(x, y):
        return x
    return jax.jit(f, static_argnums=1)([1.0, "q"], 1)

def bool_make_jaxpr():
    def f(x):
        return x if x > 0 else x
    return jax.make_jaxpr(f)(1.0)

def float_conversion():
    return jax.jit(lambda x: float(x))(1.0)

def int_conversion():
    def g(x):
        return int(x)
    return jax.jit(g)(1)

def complex_conversion():
    return jax.jit(lambda x: complex(x))(1.0)

def float_of_traced_constant():
    return jax.jit(lambda x: float(jnp.asarray(2.0)) * x)(1.0)

def list_index():
    def g(x, i):
        return x[[0, 1][i]]
    return jax.jit(g)(jnp.ones(2), 1)

def range_bound():
    return jax.jit(lambda n: jnp.ones(3) * sum(range(n)))(3)

def numpy_asarray():
    def g(x):
        return np.asarray(x)
    return jax.jit(g)(jnp.ones(2))

def numpy_ufunc():
    def g(x):
        return np.sin(x)
    return jax.jit(g)(jnp.ones(2))

def traced_shape():
    def g(x, n):
        return jnp.zeros(n)
    return jax.jit(g)(1.0, 3)

def traced_reshape():
    def g(x, n):
        return x.reshape(n, -1)
    return jax.jit(g)(jnp.ones(4), 2)

def traced_arange():
    def g(n):
        return jnp.arange(n)
    return jax.jit(g)(3)

def leaked_then_eager():
    def g(x):
        LEAKED.append(x)
        return x
    jax.jit(g)(1.0)
    return LEAKED[-1] + 1

def leaked_into_jit():
    def g(x):
        LEAKED.append(x * 2)
        return x
    jax.jit(g)(1.0)
    return jax.jit(lambda y: y + LEAKED[-1])(1.0)

def leaked_repr():
    def g(x):
        LEAKED.append(x)
        return x
    jax.jit(g)(1.0)
    return repr(LEAKED[-1])

def tracer_hash():
    return jax.jit(lambda x: hash(x))(1.0)

def shapes_mismatch():
    return jnp.ones(3) + jnp.ones(4)

def shapes_mismatch_jit():
    return jax.jit(lambda x, y: x * y)(jnp.ones((2, 3)), jnp.ones((4, 3)))

def non_array_argument():
    return jax.jit(lambda x: x)({"a": "s"})

def non_hashable_static():
    return jax.jit(lambda x, k: x, static_argnums=1)(jnp.ones(2), [1, 2])

def errors_module():
    return sorted(n for n in dir(jax.errors) if not n.startswith("_"))

def error_hierarchy():
    E = jax.errors
    return {n: [c.__name__ for c in getattr(E, n).__mro__]
            for n in ["ConcretizationTypeError", "TracerBoolConversionError",
                      "TracerArrayConversionError", "TracerIntegerConversionError",
                      "UnexpectedTracerError", "NonConcreteBooleanIndexError",
                      "KeyReuseError", "JaxRuntimeError", "JAXTypeError", "JAXIndexError"]}
'''

NAMES = re.findall(r"^def (\w+)\(\):", SHARED, re.M)

_RUN = """
out = {}
for name in NAMES:
    try:
        out[name] = ["ok", repr(globals()[name]())]
    except Exception as e:
        out[name] = ["err", type(e).__name__, str(e), [c.__name__ for c in type(e).__mro__]]
"""


@pytest.fixture(scope="module")
def reference(oracle):
    return oracle("import json, numpy as np, jax, jax.numpy as jnp\n" + SHARED
                  + f"NAMES = {NAMES!r}\n" + _RUN + "print(json.dumps(out))\n")


@pytest.fixture(scope="module")
def ours():
    ns = {"__name__": "shared"}
    code = ("import json, numpy as np, cellax as jax, cellax.numpy as jnp\n" + SHARED
            + f"NAMES = {NAMES!r}\n" + _RUN)
    exec(compile(code, "<string>", "exec"), ns)
    return ns["out"]


def _jax_text(msg: str) -> str:
    """JAX's message without its closing documentation link."""
    return re.sub(r"\n*See https://docs\.jax\.dev/\S+$", "", msg).rstrip()


def _scrub(msg: str) -> str:
    return re.sub(r"<function (?:\w+\.<locals>\.)?(\S+) at 0x[0-9a-f]+>", r"\1", msg)


# Cases whose whole message starts with JAX's message.
PREFIX_CASES = ["bool_if", "bool_while", "bool_second_arg", "bool_kwarg", "bool_pytree_leaf",
                "bool_two_args", "bool_three_args", "bool_static_argnums",
                "bool_static_argnames", "float_conversion", "int_conversion",
                "complex_conversion", "float_of_traced_constant", "list_index", "range_bound",
                "numpy_asarray", "numpy_ufunc", "traced_arange"]
# Cases whose message is exactly JAX's.
EXACT_CASES = ["traced_shape", "traced_reshape", "shapes_mismatch", "shapes_mismatch_jit",
               "non_hashable_static", "leaked_repr", "errors_module", "error_hierarchy"]


@pytest.mark.parametrize("name", PREFIX_CASES)
def test_error_type_and_message_start_as_in_jax(reference, ours, name):
    want, got = reference[name], ours[name]
    assert want[0] == "err" and got[0] == "err", (want, got)
    assert got[1] == want[1] and got[3] == want[3]  # the type and its bases
    assert got[2].startswith(_jax_text(want[2])), (got[2], want[2])


@pytest.mark.parametrize("name", EXACT_CASES)
def test_error_matches_jax_exactly(reference, ours, name):
    assert ours[name] == reference[name]


@pytest.mark.parametrize("name,path", [("non_array_argument", "x['a']"),
                                       ("non_array_with_static", "x[1]")])
def test_non_array_argument_message(reference, ours, name, path):
    want, got = reference[name], ours[name]
    assert got[1] == want[1] == "TypeError"
    assert _scrub(got[2]) == _scrub(want[2])
    assert f"path {path}." in got[2]


@pytest.mark.parametrize("name", ["leaked_then_eager", "leaked_into_jit"])
def test_leaked_tracer(reference, ours, name):
    want, got = reference[name], ours[name]
    assert got[1] == want[1] == "UnexpectedTracerError" and got[3] == want[3]
    assert got[2].startswith("Encountered an unexpected tracer. A function transformed by ")
    common = re.search(r"The function being traced when the value leaked was .*", want[2])
    assert common.group(0) in got[2]
    assert "float32[]" in got[2]


def test_bool_from_constants(reference, ours):
    # The value depends on no argument: JAX lists the operations that made it.
    want, got = reference["bool_from_constants"], ours["bool_from_constants"]
    assert got[1] == want[1] == "TracerBoolConversionError"
    assert "This value became a tracer due to" in got[2]
    assert "operation a:bool[] = gt 1.0:f32[] 0.0:f32[]" in got[2]


def test_make_jaxpr_bool_error(ours):
    got = ours["bool_make_jaxpr"]
    assert got[1] == "TracerBoolConversionError"
    assert "depends on the value of the argument x" in got[2]


def test_tracer_hash(reference, ours):
    assert ours["tracer_hash"][1] == reference["tracer_hash"][1] == "TypeError"
    assert "unhashable type" in ours["tracer_hash"][2]


def test_bool_error_names_function_argument_and_fixes():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(jax.errors.TracerBoolConversionError) as info:
        jax.jit(f)(1.0)
    msg = str(info.value)
    assert isinstance(info.value, jax.errors.ConcretizationTypeError)
    assert isinstance(info.value, TypeError)
    assert "the function f at" in msg and "for jit" in msg
    assert "the argument x" in msg
    assert "static_argnums" in msg and "lax.cond" in msg


def test_conversion_errors():
    with pytest.raises(jax.errors.ConcretizationTypeError, match="`float` function"):
        jax.jit(lambda x: float(x))(1.0)
    with pytest.raises(jax.errors.ConcretizationTypeError, match="`int` function"):
        jax.jit(lambda x: int(x))(1.0)
    with pytest.raises(jax.errors.TracerArrayConversionError, match="__array__"):
        jax.jit(lambda x: np.asarray(x))(jnp.ones(2))
    with pytest.raises(jax.errors.TracerIntegerConversionError, match="__index__"):
        jax.jit(lambda x, i: [1, 2][i])(1.0, 0)


def test_leaked_tracer_raises_unexpected_tracer_error():
    leaked = []
    jax.jit(lambda x: leaked.append(x) or x)(1.0)
    with pytest.raises(jax.errors.UnexpectedTracerError, match="unexpected tracer"):
        jnp.sin(leaked[0])
    with pytest.raises(jax.errors.UnexpectedTracerError):
        jax.jit(lambda y: y * leaked[0])(2.0)


def test_broadcast_error_names_both_shapes():
    with pytest.raises(TypeError, match=r"add got incompatible shapes for broadcasting: "
                                        r"\(3,\), \(4,\)"):
        jnp.ones(3) + jnp.ones(4)


def test_errors_module_exports_jax_names():
    for name in ["ConcretizationTypeError", "TracerBoolConversionError",
                 "TracerArrayConversionError", "TracerIntegerConversionError",
                 "UnexpectedTracerError", "NonConcreteBooleanIndexError", "KeyReuseError",
                 "JaxRuntimeError", "JAXTypeError", "JAXIndexError", "JaxprTypeError",
                 "InconclusiveDimensionOperation"]:
        assert isinstance(getattr(jax.errors, name), type), name
    assert issubclass(jax.errors.TracerBoolConversionError, jax.errors.ConcretizationTypeError)
