"""`cellax.Array`: the device array type.

Arrays are jaxlib's C++ array objects (a device buffer plus an aval and a sharding),
extended here with NumPy-style operators and methods, `__repr__` in JAX's form and
conversions to host values. `cellax.Array` is the abstract type that both concrete
arrays and tracers are instances of (for `isinstance` checks), as in JAX.
"""
from __future__ import annotations

import abc

import numpy as np

from cellax import backend, core, dtypes
from cellax.numpy import _array_methods

ArrayImpl = backend.ArrayImpl


class Array(abc.ABC):
    """The type of cellax arrays; concrete arrays and tracers are registered subclasses."""

    __slots__ = ()


Array.register(ArrayImpl)
Array.register(core.Tracer)


def _value(self) -> np.ndarray:
    v = self._npy_value
    if v is None:
        v = backend.to_numpy(self)
        v.flags.writeable = False
        self._npy_value = v
    return v


def _array(self, dtype=None, copy=None):
    v = _value(self)
    if dtype is not None and np.dtype(dtype) != v.dtype:
        return v.astype(dtype)
    return v.copy() if copy else v


def _repr(self) -> str:
    if self.is_deleted():
        return f"Array(<deleted>, shape={self.shape}, dtype={self.dtype.name})"
    v = _value(self)
    weak = ", weak_type=True" if self.aval.weak_type else ""
    dt = self.dtype.name
    prefix = "Array("
    if v.size == 0 and v.shape != (0,):
        return f"Array([], shape={v.shape}, dtype={dt}{weak})"
    body = np.array2string(v, separator=", ", prefix=prefix,
                           formatter=_formatter(v))
    return f"{prefix}{body}, dtype={dt}{weak})"


def _formatter(v):
    if v.dtype == dtypes.bfloat16:
        return {"all": lambda x: np.format_float_positional(float(x), trim="-")
                if np.isfinite(float(x)) else str(float(x))}
    return None


def _str(self) -> str:
    return str(_value(self))


def _scalar_conv(kind):
    def conv(self):
        if self.aval.size != 1:
            raise TypeError(f"Only scalar arrays can be converted to Python scalars; got an "
                            f"array of shape {self.shape}.")
        return kind(_value(self).reshape(()))
    return conv


def _bool(self):
    if self.aval.size != 1:
        raise ValueError(f"The truth value of an array with more than one element is "
                         f"ambiguous (shape {self.shape}). Use a.any() or a.all()")
    return bool(_value(self).reshape(()))


def _index(self):
    if self.aval.shape != () or self.dtype.kind not in "iub":
        raise TypeError(f"only integer scalar arrays can be converted to a scalar index, got "
                        f"{self.aval.str_short()}")
    return int(_value(self))


def _len(self):
    if not self.aval.shape:
        raise TypeError("len() of unsized object")
    return self.aval.shape[0]


def _iter(self):
    if not self.aval.shape:
        raise TypeError("iteration over a 0-d array")
    v = _value(self)
    from cellax import lax
    if self.aval.ndim == 1:
        return (lax.index_in_dim(self, i, keepdims=False) for i in range(v.shape[0]))
    return (lax.index_in_dim(self, i, keepdims=False) for i in range(v.shape[0]))


def _hash(self):
    raise TypeError("unhashable type: 'Array'")


def _format(self, spec):
    if self.aval.ndim == 0:
        return format(_value(self)[()], spec)
    return format(str(self), spec)


def _block_until_ready(self):
    backend.block_until_ready_many([self])
    return self


def _devices(self):
    return {self._sharding._device}


def _copy(self):
    from cellax import dispatch
    return dispatch.put(_value(self), self.aval, self._sharding._device)


_props = {
    "shape": lambda self: self.aval.shape,
    "dtype": lambda self: self.aval.dtype,
    "ndim": lambda self: len(self.aval.shape),
    "size": lambda self: self.aval.size,
    "weak_type": lambda self: self.aval.weak_type,
    "nbytes": lambda self: self.aval.size * self.aval.dtype.itemsize,
    "itemsize": lambda self: self.aval.dtype.itemsize,
    "sharding": lambda self: self._sharding,
    "device": lambda self: self._sharding._device,
    "committed": lambda self: self._committed,
}
for _n, _f in _props.items():
    setattr(ArrayImpl, _n, property(_f))

ArrayImpl.__array__ = _array
ArrayImpl.__array_priority__ = 100
ArrayImpl.__repr__ = _repr
ArrayImpl.__str__ = _str
ArrayImpl.__float__ = _scalar_conv(float)
ArrayImpl.__int__ = _scalar_conv(int)
ArrayImpl.__complex__ = _scalar_conv(complex)
ArrayImpl.__bool__ = _bool
ArrayImpl.__index__ = _index
ArrayImpl.__len__ = _len
ArrayImpl.__iter__ = _iter
ArrayImpl.__hash__ = _hash
ArrayImpl.__format__ = _format
ArrayImpl.block_until_ready = _block_until_ready
ArrayImpl.devices = _devices
ArrayImpl.copy = _copy
ArrayImpl.__copy__ = _copy
ArrayImpl.__deepcopy__ = lambda self, memo: _copy(self)
_array_methods.install(ArrayImpl)
