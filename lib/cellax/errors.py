"""The exceptions cellax raises where JAX raises them (`cellax.errors`).

Messages name the function and argument a traced value came from (when the
trace knows) and say how to fix the problem.
"""
from __future__ import annotations


class JAXTypeError(TypeError):
    pass


class JAXIndexError(IndexError):
    pass


def _origin(tracer) -> str:
    try:
        return tracer._origin_msg()
    except Exception:  # noqa: BLE001 - an error message must never fail to build
        return ""


class ConcretizationTypeError(JAXTypeError):
    """A traced value was used where a concrete Python value is needed."""

    def __init__(self, tracer, context: str = ""):
        self.tracer = tracer
        ctx = f"\n{context}" if context and context not in ("int", "float", "complex") else ""
        fn = f"The problem arose with the `{context}` function. " if context in (
            "int", "float", "complex") else ""
        super().__init__(
            f"Abstract tracer value encountered where concrete value is expected: {tracer}{ctx}\n"
            f"{fn}{_origin(tracer)}"
            "A traced value has no concrete Python value while a function is being transformed. "
            "If the value is a shape, size or loop bound, mark the argument static with "
            "`static_argnums`/`static_argnames` in `jit`; for data-dependent choices use "
            "`lax.cond`, `lax.switch`, `jnp.where` or `lax.while_loop`.")


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool()` (a Python `if`/`while`/`and`/`or`) on a traced value."""

    def __init__(self, tracer, context: str = "bool"):
        self.tracer = tracer
        JAXTypeError.__init__(
            self,
            f"Attempted boolean conversion of traced array with shape {tracer.aval.str_short()}.\n"
            "The problem arose with the `bool` function (a Python `if`, `while`, `and`, `or` "
            f"or `not` on a traced value). {_origin(tracer)}"
            "Python control flow cannot depend on a value that is only known when the compiled "
            "program runs. Fixes: mark the argument static with `static_argnums` or "
            "`static_argnames` in `jit` (it must then be hashable, and each new value "
            "recompiles), or express the choice with `lax.cond`, `lax.switch` or `jnp.where`.")


class TracerIntegerConversionError(JAXTypeError):
    def __init__(self, tracer, context: str = "__index__"):
        self.tracer = tracer
        super().__init__(
            f"The __index__() method was called on traced array with shape "
            f"{tracer.aval.str_short()}. {_origin(tracer)}A traced value cannot be used as a "
            "Python integer (e.g. to index a list or as a size). Mark the argument static with "
            "`static_argnums`/`static_argnames`, or use `lax.dynamic_slice`/`jnp.take`.")


class TracerArrayConversionError(JAXTypeError):
    def __init__(self, tracer):
        self.tracer = tracer
        super().__init__(
            f"The numpy.ndarray conversion method __array__() was called on traced array with "
            f"shape {tracer.aval.str_short()}. {_origin(tracer)}NumPy functions cannot run on "
            "traced values: use the `cellax.numpy` function instead (e.g. `jnp.sum` rather "
            "than `np.sum`), or move the NumPy call outside the transformed function.")


class UnexpectedTracerError(Exception):
    """A tracer escaped the transformation that created it."""


class KeyReuseError(RuntimeError):
    pass


class NonConcreteBooleanIndexError(IndexError):
    def __init__(self, tracer):
        super().__init__(
            f"Array boolean indices must be concrete; got {tracer.aval.str_short()}. Boolean "
            "masks give data-dependent shapes, which cannot be compiled. Use `jnp.where(mask, x, "
            "0)` or pass `size=` to `jnp.nonzero`.")
