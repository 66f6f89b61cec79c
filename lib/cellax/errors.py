"""The exceptions cellax raises where JAX raises them (`cellax.errors`).

Class names, bases and the first lines of the messages follow `jax.errors`, so code
that catches or matches JAX's errors keeps working. Messages name the function and
argument a traced value came from (when the trace knows) and end with a line saying
how to fix the problem.
"""
from cellax.backend import JaxRuntimeError  # noqa: F401  (re-exported, as in jax.errors)


class _JAXErrorMixin:
    """Base of cellax's (and JAX's) own error classes."""


class JAXTypeError(_JAXErrorMixin, TypeError):
    """cellax-specific TypeError."""


class JAXIndexError(_JAXErrorMixin, IndexError):
    """cellax-specific IndexError."""


class JaxprTypeError(TypeError):
    """A jaxpr failed type checking (`core.check_jaxpr`)."""


class InconclusiveDimensionOperation(Exception):
    """An operation on symbolic dimensions whose result is not known statically."""


def _origin(tracer) -> str:
    try:
        return tracer._origin_msg()
    except Exception:  # noqa: BLE001 - an error message must never fail to build
        return ""


def _error_repr(tracer) -> str:
    try:
        return f"traced array with shape {tracer.aval.str_short(False)}"
    except Exception:  # noqa: BLE001
        return repr(tracer)


_STATIC_OR_CONTROL_FLOW = (
    "Fix: mark the argument static with `static_argnums`/`static_argnames` in `jit` (it must "
    "then be hashable, and each new value recompiles), or express a data-dependent choice "
    "with `lax.cond`, `lax.switch`, `jnp.where` or `lax.while_loop`.")

_CONVERSION_FUNCTIONS = ("int", "float", "complex")


class ConcretizationTypeError(JAXTypeError):
    """A traced value was used where a concrete Python value is needed."""

    def __init__(self, tracer, context: str = ""):
        self.tracer = tracer
        if context in _CONVERSION_FUNCTIONS:
            context = (f"The problem arose with the `{context}` function. If trying to convert "
                       f"the data type of a value, try using `x.astype({context})` or "
                       f"`jnp.array(x, {context})` instead.")
        super().__init__(
            "Abstract tracer value encountered where concrete value is expected: "
            f"{_error_repr(tracer)}\n{context}{_origin(tracer)}\n{_STATIC_OR_CONTROL_FLOW}")


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool()` (a Python `if`/`while`/`and`/`or`/`not`) on a traced value."""

    def __init__(self, tracer, context: str = "bool"):
        self.tracer = tracer
        JAXTypeError.__init__(
            self,
            f"Attempted boolean conversion of {_error_repr(tracer)}.{_origin(tracer)}\n"
            "Python control flow (`if`, `while`, `and`, `or`, `not`) cannot depend on a value "
            "that is only known when the compiled program runs. " + _STATIC_OR_CONTROL_FLOW)


class TracerIntegerConversionError(JAXTypeError):
    """`__index__` (a list index, `range`, a size) on a traced value."""

    def __init__(self, tracer, context: str = "__index__"):
        self.tracer = tracer
        super().__init__(
            f"The __index__() method was called on {_error_repr(tracer)}{_origin(tracer)}\n"
            "A traced value cannot be used as a Python integer (a list index, a `range` bound, "
            "a size). Fix: mark the argument static with `static_argnums`/`static_argnames` "
            "in `jit`, or index arrays with `lax.dynamic_slice`/`jnp.take`.")


class TracerArrayConversionError(JAXTypeError):
    """`numpy.asarray` (or a NumPy function) on a traced value."""

    def __init__(self, tracer):
        self.tracer = tracer
        super().__init__(
            "The numpy.ndarray conversion method __array__() was called on "
            f"{_error_repr(tracer)}{_origin(tracer)}\n"
            "NumPy functions cannot run on traced values. Fix: use the `cellax.numpy` function "
            "instead (e.g. `jnp.sin` rather than `np.sin`), or move the NumPy call outside the "
            "transformed function.")


class UnexpectedTracerError(JAXTypeError):
    """A tracer escaped the transformation that created it (a leaked tracer)."""


class KeyReuseError(JAXTypeError):
    """A PRNG key was reused."""


class NonConcreteBooleanIndexError(JAXIndexError):
    def __init__(self, tracer):
        self.tracer = tracer
        super().__init__(
            f"Array boolean indices must be concrete; got {tracer}\n"
            "Boolean masks give data-dependent shapes, which cannot be compiled. Use "
            "`jnp.where(mask, x, 0)` or pass `size=` to `jnp.nonzero`.")
