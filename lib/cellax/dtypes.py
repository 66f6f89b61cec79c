"""Dtypes: canonicalization (x64 off by default), weak types and JAX's promotion lattice.

A value's type is (dtype, weak_type). Python scalars are weakly typed: they take
the dtype of whatever they combine with. With x64 disabled, 64-bit inputs are
canonicalized to their 32-bit counterparts, as in JAX.
"""
from __future__ import annotations

import functools

import ml_dtypes
import numpy as np

from cellax.config import config

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = (np.dtype(t) for t in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (np.dtype(t) for t in ("uint8", "uint16", "uint32", "uint64"))
float16, float32, float64 = (np.dtype(t) for t in ("float16", "float32", "float64"))
bfloat16 = np.dtype(ml_dtypes.bfloat16)
complex64, complex128 = np.dtype("complex64"), np.dtype("complex128")
# The dtype of tangents of integer and boolean values (JAX's float0: zero-sized).
float0 = np.dtype([("float0", np.void, 0)])

_int_types = [int8, int16, int32, int64]
_uint_types = [uint8, uint16, uint32, uint64]
_float_types = [bfloat16, float16, float32, float64]
_complex_types = [complex64, complex128]
supported_dtypes = frozenset([bool_, *_int_types, *_uint_types, *_float_types, *_complex_types])

_x64 = False


def _set_x64(value) -> None:
    global _x64
    _x64 = bool(value)
    from cellax import backend
    backend.set_x64_state(_x64)


def x64_enabled() -> bool:
    return _x64


config.on_change("jax_enable_x64", _set_x64)

_CANONICAL_32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


def canonicalize_dtype(dtype) -> np.dtype:
    """The dtype JAX would use for `dtype` under the current x64 setting."""
    dtype = np.dtype(dtype)
    if _x64:
        return dtype
    return _CANONICAL_32.get(dtype, dtype)


def default_int_dtype() -> np.dtype:
    return int64 if _x64 else int32


def default_uint_dtype() -> np.dtype:
    return uint64 if _x64 else uint32


def default_float_dtype() -> np.dtype:
    return float64 if _x64 else float32


def default_complex_dtype() -> np.dtype:
    return complex128 if _x64 else complex64


_python_scalar_kinds = {bool: "b", int: "i", float: "f", complex: "c"}


def python_scalar_type_dtype(t: type) -> np.dtype:
    """The dtype a Python scalar of type `t` (bool, int, float, complex) takes."""
    kind = _python_scalar_kinds.get(t)
    if kind is None:
        for pt, k in _python_scalar_kinds.items():
            if issubclass(t, pt):
                kind = k
                break
    return {"b": lambda: bool_, "i": default_int_dtype, "f": default_float_dtype,
            "c": default_complex_dtype}[kind]()


def python_scalar_dtype(x) -> np.dtype:
    """The dtype of the Python scalar `x`; OverflowError for an int out of its range
    (as in JAX: with x64 off, Python ints must fit in int32)."""
    dt = python_scalar_type_dtype(type(x))
    if dt.kind == "i" and not isinstance(x, bool):
        info = np.iinfo(dt)
        if not info.min <= x <= info.max:
            raise OverflowError(f"Python int {x} too large to convert to {dt.name}")
    return dt


def is_python_scalar(x) -> bool:
    return type(x) in _python_scalar_kinds


def check_user_dtype(dtype, fun_name: str | None = None) -> np.dtype:
    """Validate a user-supplied dtype and canonicalize it (`float` -> float32 with x64 off)."""
    if dtype is None:
        raise ValueError("dtype must be specified.")
    if isinstance(dtype, type) and dtype in _python_scalar_kinds:
        return python_scalar_type_dtype(dtype)
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"Cannot interpret {dtype!r} as a data type"
                        + (f" in {fun_name}" if fun_name else "")) from e
    if np_dtype not in supported_dtypes:
        raise TypeError(f"JAX only supports number and bool dtypes, got dtype {np_dtype}"
                        + (f" in {fun_name}" if fun_name else ""))
    return canonicalize_dtype(np_dtype)


def dtype(x) -> np.dtype:
    """The canonical dtype of a value, array, scalar type or dtype-like."""
    if type(x) in _python_scalar_kinds:
        return python_scalar_dtype(x)
    if isinstance(x, type) and x in _python_scalar_kinds:
        return python_scalar_type_dtype(x)
    dt = getattr(x, "dtype", None)
    if isinstance(dt, np.dtype):
        return dt if getattr(x, "aval", None) is not None else canonicalize_dtype(dt)
    return check_user_dtype(x)


def issubdtype(a, b) -> bool:
    if a is None:
        return False
    return np.issubdtype(a, b) if not _is_custom_float(a) else (
        b in (np.floating, np.inexact, np.number, np.generic) or np.dtype(a) == np.dtype(b)
        if not isinstance(b, np.dtype) or b != bfloat16 else np.dtype(a) == b)


def _is_custom_float(a) -> bool:
    try:
        return np.dtype(a) == bfloat16
    except TypeError:
        return False


def is_float(dt) -> bool:
    return dt.kind == "f" or dt == bfloat16


def is_inexact(dt) -> bool:
    return dt.kind in "fc" or dt == bfloat16


def is_complex(dt) -> bool:
    return dt.kind == "c"


def is_integer(dt) -> bool:
    return dt.kind in "iu"


def finfo(dt):
    return ml_dtypes.finfo(dt)


def iinfo(dt):
    return np.iinfo(dt)


# ---------------------------------------------------------------------------------------
# The promotion lattice. Nodes are dtypes plus the three weak categories below; an edge
# a -> b means a promotes to b. The result type of several inputs is their least upper
# bound in this partial order.

WEAK_INT, WEAK_FLOAT, WEAK_COMPLEX = "int*", "float*", "complex*"


def _lattice(x64: bool) -> dict:
    return {
        bool_: [WEAK_INT],
        WEAK_INT: [uint8, int8],
        uint8: [int16, uint16], uint16: [int32, uint32],
        uint32: [int64, uint64] if x64 else [int32, uint64], uint64: [WEAK_FLOAT],
        int8: [int16], int16: [int32], int32: [int64], int64: [WEAK_FLOAT],
        WEAK_FLOAT: [bfloat16, float16, WEAK_COMPLEX],
        bfloat16: [float32], float16: [float32], float32: [float64, complex64],
        float64: [complex128],
        WEAK_COMPLEX: [complex64], complex64: [complex128], complex128: [],
    }


def _upper_bounds(x64: bool) -> dict:
    edges = _lattice(x64)
    closure = {}
    for node in edges:
        seen, todo = {node}, [node]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        closure[node] = frozenset(seen)
    return closure


_UB = {True: _upper_bounds(True), False: _upper_bounds(False)}
_WEAK_OF_KIND = {"i": WEAK_INT, "u": WEAK_INT, "f": WEAK_FLOAT, "c": WEAK_COMPLEX}


def _node(dt: np.dtype, weak: bool):
    if not weak or dt == bool_:
        return dt
    return WEAK_FLOAT if dt == bfloat16 else _WEAK_OF_KIND[dt.kind]


@functools.lru_cache(maxsize=1024)
def _join(x64: bool, nodes: frozenset):
    ub = _UB[x64]
    common = frozenset.intersection(*(ub[n] for n in nodes))
    least = [c for c in common if common <= ub[c]]
    assert len(least) == 1, nodes
    return least[0]


_WEAK_DEFAULTS = {WEAK_INT: default_int_dtype, WEAK_FLOAT: default_float_dtype,
                  WEAK_COMPLEX: default_complex_dtype}


def promote_types(dtypes_and_weak) -> tuple[np.dtype, bool]:
    """Result (dtype, weak_type) of combining (dtype, weak_type) pairs, as JAX does."""
    pairs = list(dtypes_and_weak)
    if len(pairs) == 1:
        return pairs[0]
    first = pairs[0]
    if all(p == first for p in pairs):
        return first
    dts = {p[0] for p in pairs}
    if len(dts) == 1 and not all(w for _, w in pairs):
        return first[0], False
    if all(w for _, w in pairs):
        node = _join(_x64, frozenset(dts))
        out = _WEAK_DEFAULTS[node]() if isinstance(node, str) else node
        return out, out != bool_
    node = _join(_x64, frozenset(_node(d, w) for d, w in pairs))
    if isinstance(node, str):
        return _WEAK_DEFAULTS[node](), True
    return node, False


_WEAK_PY_TYPES = {int: WEAK_INT, float: WEAK_FLOAT, complex: WEAK_COMPLEX}
_PY_TYPE_OF_WEAK = {WEAK_INT: int, WEAK_FLOAT: float, WEAK_COMPLEX: complex}


def promote_types_strict(a, b) -> np.dtype:
    """`jnp.promote_types`: the least upper bound of two dtypes on the full 64-bit lattice,
    not canonicalized (int64 stays int64 with x64 off); the Python types int, float and
    complex are weak, as in JAX."""
    nodes = []
    for t in (a, b):
        node = _WEAK_PY_TYPES.get(t) if isinstance(t, type) else None
        if node is None:
            node = np.dtype(t)
            if node not in supported_dtypes:
                raise TypeError(f"JAX only supports number and bool dtypes, got dtype {node}")
        nodes.append(node)
    out = _join(True, frozenset(nodes))
    return np.dtype(_PY_TYPE_OF_WEAK.get(out, out))


def dtype_and_weak(x) -> tuple[np.dtype, bool]:
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval.dtype, aval.weak_type
    if type(x) in _python_scalar_kinds:
        return python_scalar_dtype(x), type(x) is not bool
    if isinstance(x, type) and x in _python_scalar_kinds:
        return python_scalar_type_dtype(x), x is not bool
    return dtype(x), False


def result_type(*args, return_weak_type_flag: bool = False):
    """JAX's `result_type`: the promoted dtype of arrays, scalars and dtypes."""
    if not args:
        raise ValueError("at least one array or dtype is required")
    dt, weak = promote_types(dtype_and_weak(default_float_dtype() if a is None else a)
                             for a in args)
    return (dt, weak) if return_weak_type_flag else dt


def short_name(dt: np.dtype) -> str:
    """The short form used in jaxprs and reprs: f32, i32, bf16, bool, c64..."""
    return _SHORT.get(dt) or dt.name


_SHORT = {bool_: "bool", bfloat16: "bf16"}
for _d in [*_int_types, *_uint_types, float16, float32, float64, *_complex_types]:
    _SHORT[_d] = _d.kind.replace("i", "i") + str(_d.itemsize * 8) if _d.kind != "c" else (
        "c" + str(_d.itemsize * 8))
    if _d.kind == "f":
        _SHORT[_d] = "f" + str(_d.itemsize * 8)
    elif _d.kind == "u":
        _SHORT[_d] = "u" + str(_d.itemsize * 8)
del _d
