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


def _defer(op):
    """Binary operator that returns NotImplemented for unknown operand types."""
    def method(self, other):
        if not (isinstance(other, (ArrayImpl, Tracer, np.ndarray, np.generic, bool, int, float,
                                   complex)) or hasattr(other, "__jax_array__")):
            return NotImplemented
        return op(self, other)
    return method


def _rdefer(op):
    def method(self, other):
        if not (isinstance(other, (ArrayImpl, Tracer, np.ndarray, np.generic, bool, int, float,
                                   complex)) or hasattr(other, "__jax_array__")):
            return NotImplemented
        return op(other, self)
    return method


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

_PROPS = {
    "T": jnp.transpose, "mT": jnp.matrix_transpose, "real": jnp.real, "imag": jnp.imag,
    "at": _at,
}


def _getitem(self, idx):
    return _indexing.getitem(self, idx)


def install(cls) -> None:
    for name, fn in _BINARY.items():
        setattr(cls, f"__{name}__", _defer(fn))
        setattr(cls, f"__r{name}__", _rdefer(fn))
    for name, fn in _COMPARE.items():
        setattr(cls, f"__{name}__", _defer(fn))
    cls.__divmod__ = _defer(_divmod)
    cls.__rdivmod__ = _rdefer(_divmod)
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
