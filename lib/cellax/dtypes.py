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

# The narrow types from ml_dtypes. NumPy sees most of them as opaque void types
# (dtype.kind "V"), so everything below classifies dtypes by set membership, never by kind.
float8_e3m4 = np.dtype(ml_dtypes.float8_e3m4)
float8_e4m3 = np.dtype(ml_dtypes.float8_e4m3)
float8_e4m3b11fnuz = np.dtype(ml_dtypes.float8_e4m3b11fnuz)
float8_e4m3fn = np.dtype(ml_dtypes.float8_e4m3fn)
float8_e4m3fnuz = np.dtype(ml_dtypes.float8_e4m3fnuz)
float8_e5m2 = np.dtype(ml_dtypes.float8_e5m2)
float8_e5m2fnuz = np.dtype(ml_dtypes.float8_e5m2fnuz)
float8_e8m0fnu = np.dtype(ml_dtypes.float8_e8m0fnu)
float6_e2m3fn = np.dtype(ml_dtypes.float6_e2m3fn)
float6_e3m2fn = np.dtype(ml_dtypes.float6_e3m2fn)
float4_e2m1fn = np.dtype(ml_dtypes.float4_e2m1fn)
int1, int2, int4 = (np.dtype(getattr(ml_dtypes, n)) for n in ("int1", "int2", "int4"))
uint1, uint2, uint4 = (np.dtype(getattr(ml_dtypes, n)) for n in ("uint1", "uint2", "uint4"))

_float8_types = [float8_e3m4, float8_e4m3, float8_e8m0fnu, float8_e4m3b11fnuz, float8_e4m3fn,
                 float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz]
_float6_types = [float6_e2m3fn, float6_e3m2fn]
_float4_types = [float4_e2m1fn]
_narrow_float_types = [*_float4_types, *_float6_types, *_float8_types]
_narrow_signed_types = [int1, int2, int4]
_narrow_unsigned_types = [uint1, uint2, uint4]
_narrow_int_types = [*_narrow_signed_types, *_narrow_unsigned_types]

_int_types = [int8, int16, int32, int64]
_uint_types = [uint8, uint16, uint32, uint64]
_float_types = [bfloat16, float16, float32, float64]
_complex_types = [complex64, complex128]
supported_dtypes = frozenset([bool_, *_int_types, *_uint_types, *_float_types, *_complex_types,
                              *_narrow_float_types, *_narrow_int_types])

# Dtype classes as JAX sees them (for kinds, predicates and issubdtype).
signed_dtypes = frozenset([*_narrow_signed_types, *_int_types])
unsigned_dtypes = frozenset([*_narrow_unsigned_types, *_uint_types])
floating_dtypes = frozenset([*_narrow_float_types, *_float_types])
complex_dtypes = frozenset(_complex_types)
custom_float_dtypes = frozenset([*_narrow_float_types, bfloat16])
narrow_dtypes = frozenset([*_narrow_float_types, *_narrow_int_types])
_KIND = {bool_: "b", **{d: "i" for d in signed_dtypes}, **{d: "u" for d in unsigned_dtypes},
         **{d: "f" for d in floating_dtypes}, **{d: "c" for d in complex_dtypes}}


def kind(dt) -> str:
    """NumPy's one-letter kind ("b", "i", "u", "f", "c"), with the ml_dtypes types placed
    where JAX places them (int4 is "i", float8_e4m3fn is "f") instead of NumPy's "V"."""
    dt = np.dtype(dt)
    return _KIND.get(dt) or dt.kind


def supports_inf(dt) -> bool:
    dt = np.dtype(dt)
    if dt in (float8_e4m3b11fnuz, float8_e4m3fn, float8_e4m3fnuz, float8_e5m2fnuz):
        return False
    return is_inexact(dt)


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


def _scalar_type(x):
    if isinstance(x, type) and issubclass(x, np.generic):
        return x
    return np.dtype(x).type


_CUSTOM_FLOAT_TYPES = frozenset(d.type for d in custom_float_dtypes)
_NARROW_SIGNED_TYPES = frozenset(d.type for d in _narrow_signed_types)
_NARROW_UNSIGNED_TYPES = frozenset(d.type for d in _narrow_unsigned_types)


def issubdtype(a, b) -> bool:
    """`jnp.issubdtype`: NumPy's, except that bfloat16, the float8/6/4 types and the
    2/4-bit integers sit under floating / signedinteger / unsignedinteger, as in JAX."""
    if a is None:
        return False
    try:
        a_t, b_t = _scalar_type(a), _scalar_type(b)
    except TypeError:
        return bool(np.issubdtype(a, b))
    if a_t in _CUSTOM_FLOAT_TYPES:
        return b_t in (a_t, np.floating, np.inexact, np.number, np.generic)
    if a_t in _NARROW_SIGNED_TYPES:
        return b_t in (a_t, np.signedinteger, np.integer, np.number, np.generic)
    if a_t in _NARROW_UNSIGNED_TYPES:
        return b_t in (a_t, np.unsignedinteger, np.integer, np.number, np.generic)
    return bool(np.issubdtype(a_t, b_t))


def is_float(dt) -> bool:
    return dt.kind == "f" or dt in floating_dtypes


def is_inexact(dt) -> bool:
    return dt.kind in "fc" or dt in floating_dtypes


def is_complex(dt) -> bool:
    return dt.kind == "c"


def is_integer(dt) -> bool:
    return dt.kind in "iu" or dt in _KIND and _KIND[dt] in "iu"


def is_signed_integer(dt) -> bool:
    return dt.kind == "i" or dt in _narrow_signed_types


def is_unsigned_integer(dt) -> bool:
    return dt.kind == "u" or dt in _narrow_unsigned_types


def finfo(dt):
    """`jnp.finfo` (ml_dtypes' finfo knows bfloat16 and the float8/6/4 types)."""
    return ml_dtypes.finfo(_finfo_arg(dt))


def iinfo(dt):
    """`jnp.iinfo` (ml_dtypes' iinfo knows int1/2/4 and uint1/2/4)."""
    return ml_dtypes.iinfo(_finfo_arg(dt))


def _finfo_arg(dt):
    # Arrays, tracers and jnp scalar types: use their dtype; dtypes and strings pass as-is.
    inner = getattr(dt, "dtype", None)
    return inner if isinstance(inner, np.dtype) else dt


def max_identity(dt) -> np.ndarray:
    """The identity of max over `dt`: -inf, or finfo.min for floats without infinities
    (float8_e4m3fn...), iinfo.min for integers (int4 included), False for bool."""
    dt = np.dtype(dt)
    if is_inexact(dt):
        return np.array(-np.inf if supports_inf(dt) else finfo(dt).min, dt)
    if dt == bool_:
        return np.array(False)
    return np.array(iinfo(dt).min, dt)


def min_identity(dt) -> np.ndarray:
    dt = np.dtype(dt)
    if is_inexact(dt):
        return np.array(np.inf if supports_inf(dt) else finfo(dt).max, dt)
    if dt == bool_:
        return np.array(True)
    return np.array(iinfo(dt).max, dt)


def itemsize_bits(dt) -> int:
    """Bits per element (4 for int4, 8 for bool), as JAX's `dtypes.itemsize_bits`."""
    if dt is None:
        raise ValueError("dtype cannot be None.")
    dt = np.dtype(dt)
    if dt == bool_:
        return 8
    if is_integer(dt):
        return int(iinfo(dt).bits)
    if is_float(dt):
        return int(finfo(dt).bits)
    if is_complex(dt):
        return 2 * int(finfo(dt).bits)
    raise ValueError(f"unexpected input: dtype={dt!r}")


# ---------------------------------------------------------------------------------------
# The promotion lattice. Nodes are dtypes plus the three weak categories below; an edge
# a -> b means a promotes to b. The result type of several inputs is their least upper
# bound in this partial order.

WEAK_INT, WEAK_FLOAT, WEAK_COMPLEX = "int*", "float*", "complex*"


def _lattice(x64: bool) -> dict:
    # The narrow types hang off the weak nodes with no way up: they combine with weakly
    # typed values (Python scalars) and with themselves, and with nothing else.
    return {
        bool_: [WEAK_INT],
        WEAK_INT: [uint8, int8, *_narrow_int_types],
        uint8: [int16, uint16], uint16: [int32, uint32],
        uint32: [int64, uint64] if x64 else [int32, uint64], uint64: [WEAK_FLOAT],
        int8: [int16], int16: [int32], int32: [int64], int64: [WEAK_FLOAT],
        WEAK_FLOAT: [*_narrow_float_types, bfloat16, float16, WEAK_COMPLEX],
        bfloat16: [float32], float16: [float32], float32: [float64, complex64],
        float64: [complex128],
        WEAK_COMPLEX: [complex64], complex64: [complex128], complex128: [],
        **{t: [] for t in _narrow_int_types}, **{t: [] for t in _narrow_float_types},
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


class TypePromotionError(ValueError):
    """Raised when two dtypes have no implicit promotion path (e.g. two different float8
    types, or a float8 type with float32), as JAX's `jax.dtypes.TypePromotionError`."""


TypePromotionError.__module__ = "cellax.dtypes"


def _node(dt: np.dtype, weak: bool):
    if not weak or dt == bool_:
        return dt
    return _WEAK_OF_KIND[kind(dt)]


@functools.lru_cache(maxsize=1024)
def _join(x64: bool, nodes: frozenset):
    """The least upper bound of `nodes`, or None when they have no common upper bound."""
    ub = _UB[x64]
    common = frozenset.intersection(*(ub[n] for n in nodes))
    least = [c for c in common if common <= ub[c]]
    if not least:
        return None
    assert len(least) == 1, nodes
    return least[0]


_PY_TYPE_OF_WEAK = {WEAK_INT: int, WEAK_FLOAT: float, WEAK_COMPLEX: complex}


def _no_promotion_path(nodes) -> TypePromotionError:
    names = tuple(str(_PY_TYPE_OF_WEAK.get(n, n)) if isinstance(n, str) else str(n)
                  for n in nodes)
    head = f"Input dtypes {names} have no available implicit dtype promotion path."
    if any(n in _float8_types for n in nodes):
        why = "8-bit floats do not support implicit promotion"
    elif any(n in _float6_types for n in nodes):
        why = "6-bit floats do not support implicit promotion"
    elif any(n in _float4_types for n in nodes):
        why = "4-bit floats do not support implicit promotion"
    elif any(n in _narrow_int_types for n in nodes):
        return TypePromotionError(
            f"{head} To avoid unintended promotion, 1-bit, 2-bit and 4-bit integers do not "
            "support implicit promotion. If you'd like your inputs to be promoted to another "
            "type, you can do so explicitly using e.g. x.astype('int32')")
    else:
        return TypePromotionError(
            f"{head} Try explicitly casting inputs to the desired output type.")
    return TypePromotionError(
        f"{head} To avoid unintended promotion, {why}. If you'd like your inputs to be "
        "promoted to another type, you can do so explicitly using e.g. x.astype('float32')")


def _least_upper_bound(x64: bool, nodes: list):
    # `nodes` keeps the callers' order (deduplicated) for the error message.
    nodes = list(dict.fromkeys(nodes))
    out = _join(x64, frozenset(nodes))
    if out is None:
        raise _no_promotion_path(nodes)
    return out


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
    dts = [p[0] for p in pairs]
    if len(set(dts)) == 1 and not all(w for _, w in pairs):
        return first[0], False
    # (JAX names the nodes of a failed promotion in set order, which varies from run to
    # run with the dtypes' hashes; we keep the arguments' order.)
    if all(w for _, w in pairs):
        node = _least_upper_bound(_x64, dts)
        out = _WEAK_DEFAULTS[node]() if isinstance(node, str) else node
        return out, out != bool_
    node = _least_upper_bound(_x64, [_node(d, w) for d, w in pairs])
    if isinstance(node, str):
        return _WEAK_DEFAULTS[node](), True
    return node, False


_WEAK_PY_TYPES = {int: WEAK_INT, float: WEAK_FLOAT, complex: WEAK_COMPLEX}


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
    out = _least_upper_bound(True, nodes)
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
for _d in [*_int_types, *_uint_types, float16, float32, float64, *_complex_types,
           *_narrow_float_types, *_narrow_int_types]:
    # JAX's short names: float8_e4m3fn -> f8_e4m3fn, uint4 -> u4, complex64 -> c64.
    _SHORT[_d] = (_d.name.replace("float", "f").replace("uint", "u").replace("int", "i")
                  .replace("complex", "c"))
del _d
