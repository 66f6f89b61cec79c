"""The core: abstract values, jaxprs, primitives, traces and the current-trace context.

Every operation is a `Primitive` applied with `bind`. `bind` hands the primitive to
the current trace (a context value: JAX's "stackless" design). The default trace
evaluates eagerly; transformations install their own trace while they run and
delegate to the trace they were started from (their `parent`).
"""
from __future__ import annotations

import itertools
import operator
import os
import sys
import threading
from typing import Any, Callable, Sequence

import numpy as np

from cellax import dtypes, errors
from cellax.errors import (ConcretizationTypeError, TracerArrayConversionError,
                           TracerBoolConversionError, TracerIntegerConversionError,
                           UnexpectedTracerError)

# ---------------------------------------------------------------------------------------
# Abstract values


class ShapedArray:
    """The abstract value of an array: shape, dtype and whether the dtype is weak."""

    __slots__ = ("shape", "dtype", "weak_type", "_hash")
    sharding = None  # read by jaxlib when it builds arrays

    def __init__(self, shape, dtype, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.weak_type = weak_type
        self._hash = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def update(self, shape=None, dtype=None, weak_type=None) -> ShapedArray:
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def strip_weak_type(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype, False) if self.weak_type else self

    def __eq__(self, other):
        return (type(other) is ShapedArray and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        h = self._hash
        if h is None:
            h = self._hash = hash((self.shape, self.dtype, self.weak_type))
        return h

    def str_short(self, short_dtypes: bool = True) -> str:
        name = dtypes.short_name(self.dtype) if short_dtypes else self.dtype.name
        return f"{name}[{','.join(map(str, self.shape))}]"

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short(False)}{weak})"

    __str__ = str_short


def raise_to_shaped(aval: ShapedArray) -> ShapedArray:
    return aval


class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (input and output of `eval_shape`)."""

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, *, weak_type: bool = False, sharding=None):
        self.shape = tuple(shape)
        # Not canonicalized (as in JAX): ShapeDtypeStruct((2,), float64) keeps float64; the
        # aval made from it when tracing is canonical.
        self.dtype = np.dtype(dtype) if dtype is not None else None
        self.weak_type = weak_type
        self.sharding = sharding

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"


# ---------------------------------------------------------------------------------------
# Jaxprs

_var_ids = itertools.count()


class Var:
    __slots__ = ("aval", "id")

    def __init__(self, aval: ShapedArray):
        self.aval = aval
        self.id = next(_var_ids)

    def __repr__(self):
        return f"Var(id={self.id}){self.aval.str_short()}"


class DropVar(Var):
    """An equation output nobody reads (printed `_`)."""

    __slots__ = ()


class Literal:
    """A scalar constant inlined into an equation (printed `2.0:f32[]`)."""

    __slots__ = ("val", "aval")

    def __init__(self, val, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val})"


class SourceInfo:
    __slots__ = ("file", "line", "function", "name_stack")

    def __init__(self, file: str | None, line: int | None, function: str | None,
                 name_stack: str = ""):
        self.file, self.line, self.function, self.name_stack = file, line, function, name_stack

    def __repr__(self):
        return f"{self.file}:{self.line} ({self.function})"


class JaxprEqn:
    __slots__ = ("invars", "outvars", "primitive", "params", "source_info")

    def __init__(self, invars, outvars, primitive, params, source_info=None):
        self.invars = list(invars)
        self.outvars = list(outvars)
        self.primitive = primitive
        self.params = params
        self.source_info = source_info

    def replace(self, **kw) -> JaxprEqn:
        new = JaxprEqn(self.invars, self.outvars, self.primitive, self.params, self.source_info)
        for k, v in kw.items():
            setattr(new, k, v)
        return new

    def __repr__(self):
        from cellax.pretty import pp_eqn
        return pp_eqn(self)


class Jaxpr:
    __slots__ = ("constvars", "invars", "outvars", "eqns", "debug_info")

    def __init__(self, constvars, invars, outvars, eqns, debug_info=None):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.outvars = list(outvars)
        self.eqns = list(eqns)
        self.debug_info = debug_info

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def __str__(self):
        from cellax.pretty import pp_jaxpr
        return pp_jaxpr(self)

    __repr__ = __str__

    def pretty_print(self, **kw) -> str:
        return str(self)


class ClosedJaxpr:
    """A jaxpr together with the values of its constvars."""

    __slots__ = ("jaxpr", "consts", "_hash")

    def __init__(self, jaxpr: Jaxpr, consts: Sequence[Any]):
        self.jaxpr = jaxpr
        self.consts = list(consts)
        self._hash = None

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __hash__(self):
        # Identity semantics: a jaxpr is the unit the compile cache is keyed on.
        return id(self.jaxpr)

    def __eq__(self, other):
        return isinstance(other, ClosedJaxpr) and other.jaxpr is self.jaxpr and all(
            a is b for a, b in zip(self.consts, other.consts))

    def __str__(self):
        from cellax.pretty import pp_jaxpr
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__

    def _repr_mimebundle_(self, include=None, exclude=None):
        # In a notebook: the IR view (jaxpr tab) when the notebook layer is installed.
        # `repr`/`str` stay the plain text; so does this bundle without the layer.
        try:
            from cellax_notebook.views import IRView
            return IRView(self)._repr_mimebundle_(include, exclude)
        except Exception:  # noqa: BLE001 - rich display must never break printing
            return {"text/plain": str(self)}

    def pretty_print(self, **kw) -> str:
        return str(self)


# ---------------------------------------------------------------------------------------
# Primitives


class Primitive:
    """A named operation. Its rules live in tables keyed by the primitive."""

    multiple_results = False

    def __init__(self, name: str):
        self.name = name
        self.impl: Callable | None = None
        self.abstract_eval: Callable | None = None

    def __repr__(self):
        return self.name

    def bind(self, *args, **params):
        return _ctx.trace.process_primitive(self, args, params)

    def def_impl(self, fn):
        self.impl = fn
        return fn

    def def_abstract_eval(self, fn):
        self.abstract_eval = fn
        return fn


# Rule tables, filled in by primitives/*.py right under each primitive's definition.
lowering_rules: dict[Primitive, Callable] = {}
jvp_rules: dict[Primitive, Callable] = {}
transpose_rules: dict[Primitive, Callable] = {}
batching_rules: dict[Primitive, Callable] = {}

# ---------------------------------------------------------------------------------------
# Traces and tracers


class Trace:
    """An interpreter of primitives. `parent` is the trace it delegates primal work to."""

    live = True

    def process_primitive(self, primitive, args, params):
        raise NotImplementedError

    def invalidate(self):
        self.live = False


class EvalTrace(Trace):
    """Runs primitives eagerly (op-by-op XLA through `Primitive.impl`)."""

    def process_primitive(self, primitive, args, params):
        for a in args:
            if isinstance(a, Tracer):
                raise escaped_tracer_error(a, primitive)
        return primitive.impl(*args, **params)

    def __repr__(self):
        return "EvalTrace"


eval_trace = EvalTrace()


class _TraceContext(threading.local):
    def __init__(self):
        self.trace: Trace = eval_trace
        # A label recorded in the source info of staged equations (e.g. "transpose" while
        # the backward pass runs), so that views can tell the parts of a program apart.
        self.name_stack: str = ""


class name_scope:
    """Context manager appending `name` to the name stack of equations staged inside."""

    __slots__ = ("name", "prev")

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.prev = _ctx.name_stack
        _ctx.name_stack = f"{self.prev}/{self.name}" if self.prev else self.name

    def __exit__(self, *exc):
        _ctx.name_stack = self.prev
        return False


_ctx = _TraceContext()


def current_trace() -> Trace:
    return _ctx.trace


class set_current_trace:
    """Context manager installing `trace` as the current trace."""

    __slots__ = ("trace", "prev")

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self):
        prev = self.prev = _ctx.trace
        new = _ctx.trace = self.trace
        if (prev is eval_trace) is not (new is eval_trace):
            _set_jit_trace_key(new is not eval_trace)
        return new

    def __exit__(self, *exc):
        cur = _ctx.trace
        prev = _ctx.trace = self.prev
        if (prev is eval_trace) is not (cur is eval_trace):
            _set_jit_trace_key(prev is not eval_trace)
        return False


# Part of the C++ jit cache key: whether a transformation is active. Executables are only
# cached outside transformations; under one, jit calls go back to Python. Bound once below
# (backend.set_tracing_state): this runs each time a JVP rule hands work to its parent.
_set_jit_trace_key = None


def trace_state_clean() -> bool:
    return _ctx.trace is eval_trace


class Tracer:
    """A value flowing through a trace. Operators come from `cellax.numpy` (shared with Array)."""

    __slots__ = ("_trace", "__weakref__")
    __array_priority__ = 1000

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    def to_concrete_value(self):
        """The concrete value behind this tracer, if the trace knows it; else None."""
        return None

    def _concrete_or_raise(self, error_cls, what: str):
        value = self.to_concrete_value()
        if value is None:
            raise error_cls(self, what)
        return value

    def __bool__(self):
        return bool(self._concrete_or_raise(TracerBoolConversionError, "bool"))

    def __int__(self):
        return int(self._concrete_or_raise(ConcretizationTypeError, "int"))

    def __float__(self):
        return float(self._concrete_or_raise(ConcretizationTypeError, "float"))

    def __complex__(self):
        return complex(self._concrete_or_raise(ConcretizationTypeError, "complex"))

    def __index__(self):
        value = self._concrete_or_raise(TracerIntegerConversionError, "__index__")
        value = np.asarray(value)
        if value.ndim or value.dtype.kind not in "iub":  # a float is no index, even if whole
            if value.ndim:
                raise TypeError("Only integer scalar arrays can be converted to a scalar "
                                "index.")
            return operator.index(value.item())
        return int(value)

    def __array__(self, dtype=None, copy=None):
        value = self.to_concrete_value()
        if value is None:
            raise TracerArrayConversionError(self)
        return np.asarray(value, dtype=dtype)

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        from cellax import lax
        return (lax.index_in_dim(self, i, keepdims=False) for i in range(self.aval.shape[0]))

    __hash__ = None  # unhashable, like arrays: `hash(x)` names the tracer's type

    def __repr__(self):
        return f"Traced<{self.aval}>with<{self._trace}>"

    def _origin_msg(self) -> str:
        return ""


def _register_tracer_class():
    global _set_jit_trace_key
    from cellax import backend
    backend.set_tracer_class(Tracer)
    _set_jit_trace_key = backend.set_tracing_state


_register_tracer_class()


def escaped_tracer_error(tracer: Tracer, primitive=None) -> UnexpectedTracerError:
    """The error for a tracer used after its trace finished (JAX's message, then a fix)."""
    try:
        type_str = tracer.aval.str_short(False)
    except Exception:  # noqa: BLE001 - an error message must never fail to build
        type_str = "?"
    msg = ("Encountered an unexpected tracer. A function transformed by cellax had a side "
           "effect, allowing for a reference to an intermediate value with type "
           f"{type_str} wrapped in a {type(tracer).__name__} to escape the scope of the "
           "transformation.\nTransformations require that functions explicitly return their "
           "outputs, and disallow saving intermediate values to global state.")
    dbg = getattr(tracer._trace, "debug_info", None)
    if dbg is not None:
        where = f" at {dbg.func_src}" if dbg.func_src else ""
        msg += (f"\nThe function being traced when the value leaked was {dbg.func_name}{where} "
                f"traced for {dbg.traced_for}.")
    if primitive is not None:
        msg += f"\nThe leaked value was used by `{primitive}`."
    msg += ("\nFix: return the value from the transformed function instead of storing it "
            "(in a global, a list or an attribute outside the function), or pass it in as an "
            "argument.")
    return UnexpectedTracerError(msg)


def get_aval(x) -> ShapedArray:
    """The abstract value of an array, tracer, NumPy array or Python scalar."""
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval
    t = type(x)
    if t is float or t is int or t is complex or t is bool:
        return ShapedArray((), dtypes.python_scalar_dtype(x), t is not bool)
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, _check_np_dtype(x.dtype))
    if isinstance(x, (bool, int, float, complex)):  # subclasses, e.g. numpy's bool_ handled above
        return ShapedArray((), dtypes.python_scalar_dtype(x), not isinstance(x, bool))
    if hasattr(x, "__jax_array__"):
        return get_aval(x.__jax_array__())
    raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid cellax type")


def _check_np_dtype(dt: np.dtype) -> np.dtype:
    if dt not in dtypes.supported_dtypes:
        raise TypeError(f"Arrays of dtype {dt} are not supported by cellax: only numeric and "
                        "bool dtypes are.")
    return dtypes.canonicalize_dtype(dt)


def constant_array(value: np.ndarray, aval: ShapedArray, device=None):
    """An array made by a constructor from a host value (`jnp.asarray(2.0)`, `jnp.zeros(())`):
    a device array eagerly; while staging, a scalar becomes a literal tracer (so it is
    inlined into the jaxpr, as in JAX) and a larger value a device array (a constvar)."""
    if device is None and not aval.shape:
        trace = _ctx.trace
        while trace is not None:  # transformations delegate to the trace they run on
            make = getattr(trace, "literal_tracer", None)
            if make is not None:
                return make(value, aval)
            trace = getattr(trace, "parent", None)
    from cellax import dispatch
    return dispatch.put(value, aval, device)


def is_valid_jaxtype(x) -> bool:
    try:
        get_aval(x)
        return True
    except TypeError:
        return False


# ---------------------------------------------------------------------------------------
# Source locations: the user's frame that issued an operation

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_internal_code: dict = {}


def _code_is_internal(code) -> bool:
    fn = code.co_filename
    r = fn.startswith(_PKG_DIR) or fn.startswith("<frozen") or "/contextlib.py" in fn
    _internal_code[code] = r
    return r


def user_source_info() -> SourceInfo:
    """The innermost frame outside cellax (the user's line that issued the operation)."""
    f = sys._getframe(2)
    internal = _internal_code
    while f is not None:
        code = f.f_code
        r = internal.get(code)
        if r is None:
            r = _code_is_internal(code)
        if not r:
            return SourceInfo(code.co_filename, f.f_lineno, code.co_name, _ctx.name_stack)
        f = f.f_back
    return SourceInfo(None, None, None)


# ---------------------------------------------------------------------------------------
# Interpreting jaxprs


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any], *args) -> list:
    """Evaluate `jaxpr` by binding its primitives under the current trace."""
    env: dict[Var, Any] = {}

    def read(v):
        return v.val if type(v) is Literal else env[v]

    if len(args) != len(jaxpr.invars):
        raise TypeError(f"eval_jaxpr: expected {len(jaxpr.invars)} arguments, got {len(args)}")
    for v, x in zip(jaxpr.constvars, consts):
        env[v] = x
    for v, x in zip(jaxpr.invars, args):
        env[v] = x
    for eqn in jaxpr.eqns:
        outs = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
        if eqn.primitive.multiple_results:
            for v, x in zip(eqn.outvars, outs):
                env[v] = x
        else:
            env[eqn.outvars[0]] = outs
    return [read(v) for v in jaxpr.outvars]


def jaxpr_as_fun(closed: ClosedJaxpr) -> Callable:
    return lambda *args: eval_jaxpr(closed.jaxpr, closed.consts, *args)


JaxprTypeError = errors.JaxprTypeError


def check_jaxpr(jaxpr: Jaxpr) -> None:
    """Type-check a jaxpr: every var defined once before use; every equation's outputs
    match its primitive's abstract evaluation. Used by the tests."""
    defined: set = set()

    def define(v, where):
        if isinstance(v, DropVar):
            return
        if v in defined:
            raise JaxprTypeError(f"variable {v} defined twice ({where})")
        defined.add(v)

    def check_use(v, where):
        if isinstance(v, Literal):
            if not isinstance(v.aval, ShapedArray) or v.aval.shape != np.shape(v.val):
                raise JaxprTypeError(f"bad literal {v} in {where}")
            return
        if v not in defined:
            raise JaxprTypeError(f"variable {v} used before definition in {where}")

    for v in jaxpr.constvars:
        define(v, "constvars")
    for v in jaxpr.invars:
        define(v, "invars")
    for i, eqn in enumerate(jaxpr.eqns):
        where = f"equation {i} ({eqn.primitive})"
        for v in eqn.invars:
            check_use(v, where)
        out = eqn.primitive.abstract_eval(*[v.aval for v in eqn.invars], **eqn.params)
        out = list(out) if eqn.primitive.multiple_results else [out]
        got = [v.aval for v in eqn.outvars]
        if [(a.shape, a.dtype) for a in out] != [(a.shape, a.dtype) for a in got]:
            raise JaxprTypeError(f"{where}: abstract evaluation gives {out}, jaxpr says {got}")
        for sub in jaxprs_in_params(eqn.params):
            check_jaxpr(sub)
        for v in eqn.outvars:
            define(v, where)
    for v in jaxpr.outvars:
        check_use(v, "outvars")


def jaxprs_in_params(params) -> list[Jaxpr]:
    out = []
    for v in params.values():
        vs = v if isinstance(v, (tuple, list)) else (v,)
        for x in vs:
            if isinstance(x, ClosedJaxpr):
                out.append(x.jaxpr)
            elif isinstance(x, Jaxpr):
                out.append(x)
    return out


# ---------------------------------------------------------------------------------------
# Helpers shared by the rules


def concrete_or_error(value, context: str = ""):
    """A concrete (non-traced) Python/NumPy value, or a ConcretizationTypeError."""
    if isinstance(value, Tracer):
        c = value.to_concrete_value()
        if c is None:
            raise ConcretizationTypeError(value, context)
        return c
    return value


def canonicalize_shape(shape, context: str = "") -> tuple[int, ...]:
    """A shape as a tuple of Python ints; TypeError (JAX's message) for anything else,
    e.g. a traced size under `jit` or a float."""
    if isinstance(shape, (int, np.integer)) or (
            isinstance(shape, Tracer) and not shape.aval.shape) or (
            getattr(shape, "ndim", None) == 0):
        shape = (shape,)
    try:
        out = []
        for d in shape:
            if isinstance(d, Tracer):
                c = d.to_concrete_value()
                if c is None:
                    raise TypeError
                d = c
            if isinstance(d, (bool, np.bool_)):
                raise TypeError
            out.append(operator.index(d))
        return tuple(out)
    except TypeError:
        pass
    try:
        shown = tuple(shape)
    except TypeError:
        shown = shape
    msg = f"Shapes must be 1D sequences of concrete values of integer type, got {shown}."
    tracers = [d for d in shown if isinstance(d, Tracer)] if isinstance(shown, tuple) else []
    if tracers:
        msg += ("\nIf using `jit`, try using `static_argnums` or applying `jit` to smaller "
                "subfunctions.")
        for t in tracers:
            msg += t._origin_msg()
    raise TypeError(msg)
