"""Operators and methods shared by device arrays (`cellax.Array`) and tracers.

Installed onto jaxlib's array class and onto `core.Tracer`, so that `x + 1`,
`x.sum()`, `x[0]` behave the same eagerly and under every transformation.
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.numpy import _core as jnp
from cellax.numpy import _indexing


_ACCEPTED = (ArrayImpl, Tracer, np.ndarray, np.generic, bool, int, float, complex)
# Like JAX: these containers are refused with a TypeError rather than NotImplemented (so
# `[1, 2] + x` does not fall back to list concatenation's message).
_REJECTED = (list, tuple, set, dict)


def _defer(op, opchar="?", swap=False):
    """Binary operator that returns NotImplemented for unknown operand types."""
    def method(self, other):
        if hasattr(other, "__jax_array__") and not isinstance(other, (ArrayImpl, Tracer)):
            other = other.__jax_array__()
        if isinstance(other, _ACCEPTED):
            return op(other, self) if swap else op(self, other)
        if type(other) in _REJECTED:
            a, b = (other, self) if swap else (self, other)
            raise TypeError(f"unsupported operand type(s) for {opchar}: "
                            f"{type(a).__name__!r} and {type(b).__name__!r}")
        return NotImplemented
    return method


def _rdefer(op, opchar="?"):
    return _defer(op, opchar, swap=True)


def _matmul_check(a, b):
    return jnp.matmul(a, b)


def _pow(a, b):
    return jnp.power(a, b)


_BINARY = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "truediv": jnp.true_divide,
    "floordiv": jnp.floor_divide, "mod": jnp.remainder, "pow": _pow,
    "matmul": _matmul_check, "and": jnp.bitwise_and, "or": jnp.bitwise_or,
    "xor": jnp.bitwise_xor, "lshift": jnp.left_shift, "rshift": jnp.right_shift,
}
_OPCHARS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
            "pow": "**", "matmul": "@", "and": "&", "or": "|", "xor": "^", "lshift": "<<",
            "rshift": ">>", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
            "ge": ">="}
_COMPARE = {"eq": jnp.equal, "ne": jnp.not_equal, "lt": jnp.less, "le": jnp.less_equal,
            "gt": jnp.greater, "ge": jnp.greater_equal}


def _divmod(a, b):
    return jnp.floor_divide(a, b), jnp.remainder(a, b)


def _astype(self, dtype, copy=False, device=None):
    return jnp.astype(self, dtype)


def _reshape(self, *args, order="C", **kw):
    shape = args[0] if len(args) == 1 and not isinstance(args[0], (int, np.integer)) else args
    if "shape" in kw:
        shape = kw["shape"]
    return jnp.reshape(self, shape, order)


def _transpose(self, *args):
    if not args or (len(args) == 1 and args[0] is None):
        return jnp.transpose(self)
    axes = args[0] if len(args) == 1 and not isinstance(args[0], (int, np.integer)) else args
    return jnp.transpose(self, axes)


def _item(self, *args):
    return np.asarray(self).item(*args)


def _tolist(self):
    return np.asarray(self).tolist()


def _at(self):
    return _indexing._IndexUpdateHelper(self)


_METHODS = {
    "astype": _astype, "reshape": _reshape, "transpose": _transpose,
    "sum": jnp.sum, "mean": jnp.mean, "max": jnp.max, "min": jnp.min, "prod": jnp.prod,
    "all": jnp.all, "any": jnp.any, "argmax": jnp.argmax, "argmin": jnp.argmin,
    "var": jnp.var, "std": jnp.std, "ravel": jnp.ravel, "flatten": jnp.ravel,
    "squeeze": jnp.squeeze, "swapaxes": jnp.swapaxes, "dot": jnp.dot, "clip": jnp.clip,
    "round": jnp.round, "conj": jnp.conj, "conjugate": jnp.conj,
    "item": _item, "tolist": _tolist,
}

def _lazy(module: str, name: str, swap: bool = False):
    """A method forwarding to `cellax.numpy.<module>.<name>` (imported on first use);
    `swap` passes the array second (`a.compress(c)` is `jnp.compress(c, a)`)."""
    def method(self, *args, **kwargs):
        import importlib
        fn = getattr(importlib.import_module(f"cellax.numpy.{module}"), name)
        if swap:
            return fn(args[0], self, *args[1:], **kwargs)
        return fn(self, *args, **kwargs)
    method.__name__ = name
    return method


_METHODS.update({
    "choose": _lazy("_shape_ops", "choose"), "compress": _lazy("_shape_ops", "compress", True),
    "copy": _lazy("_creation", "copy"), "cumprod": _lazy("_reductions", "cumprod"),
    "cumsum": _lazy("_reductions", "cumsum"), "diagonal": _lazy("_shape_ops", "diagonal"),
    "nonzero": _lazy("_shape_ops", "nonzero"), "ptp": _lazy("_reductions", "ptp"),
    "repeat": _lazy("_shape_ops", "repeat"), "searchsorted": _lazy("_shape_ops", "searchsorted"),
    "take": _lazy("_shape_ops", "take"), "trace": _lazy("_shape_ops", "trace"),
    "sort": _lazy("_sorting", "sort"), "argsort": _lazy("_sorting", "argsort"),
})

_PROPS = {
    "T": jnp.transpose, "mT": jnp.matrix_transpose, "real": jnp.real, "imag": jnp.imag,
    "at": _at,
}


def _getitem(self, idx):
    return _indexing.getitem(self, idx)


def install(cls) -> None:
    for name, fn in _BINARY.items():
        setattr(cls, f"__{name}__", _defer(fn, _OPCHARS[name]))
        setattr(cls, f"__r{name}__", _rdefer(fn, _OPCHARS[name]))
    for name, fn in _COMPARE.items():
        setattr(cls, f"__{name}__", _defer(fn, _OPCHARS[name]))
    cls.__divmod__ = _defer(_divmod, "divmod()")
    cls.__rdivmod__ = _rdefer(_divmod, "divmod()")
    cls.__neg__ = lambda self: jnp.negative(self)
    cls.__pos__ = lambda self: self
    cls.__abs__ = lambda self: jnp.absolute(self)
    cls.__invert__ = lambda self: jnp.invert(self)
    cls.__getitem__ = _getitem
    for name, fn in _METHODS.items():
        setattr(cls, name, fn)
    for name, fn in _PROPS.items():
        setattr(cls, name, property(fn))


install(Tracer)
_unused = (core, dtypes, lax)
