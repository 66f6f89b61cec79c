"""`cellax.Array`: the device array type.

Arrays are jaxlib's C++ array objects (a device buffer plus an aval and a sharding),
extended here with NumPy-style operators and methods, `__repr__` in JAX's form and
conversions to host values. `cellax.Array` is the abstract type that both concrete
arrays and tracers are instances of (for `isinstance` checks), as in JAX.
"""
from __future__ import annotations

import abc

import numpy as np

from cellax import backend, core
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
        if self.is_deleted():
            raise RuntimeError(
                f"Array has been deleted with shape={self.aval.str_short(False)}.")
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
    # JAX's Array.__repr__: NumPy's array2string with JAX's prefix, the dtype moved onto its
    # own line when it would overflow the line width.
    prefix = "Array("
    dtype_str = f"dtype={self.dtype.name}"
    if self.aval.weak_type:
        dtype_str += ", weak_type=True"
    line_width = np.get_printoptions()["linewidth"]
    if self.aval.size == 0:
        s = f"[], shape={self.shape}"
    else:
        s = np.array2string(_value(self), prefix=prefix, suffix=",", separator=", ",
                            max_line_width=line_width)
    last_line_len = len(s) - s.rfind("\n") + 1
    sep = " "
    if last_line_len + len(dtype_str) + 2 > line_width:
        sep = " " * len(prefix)
    return f"{prefix}{s},{sep}{dtype_str})"


def _str(self) -> str:
    return str(_value(self))


def _scalar_conv(kind):
    def conv(self):
        if self.aval.ndim > 0:
            raise TypeError("Only scalar arrays can be converted to Python scalars; "
                            f"got arr.ndim={self.aval.ndim}")
        return kind(_value(self)[()])
    return conv


def _bool(self):
    size = self.aval.size
    if size == 0:
        raise ValueError("The truth value of an empty array is ambiguous. Use `array.size > 0` "
                         "to check that an array is not empty.")
    if size > 1:
        raise ValueError("The truth value of an array with more than one element is "
                         "ambiguous. Use a.any() or a.all()")
    return bool(_value(self).reshape(()))


def _index(self):
    if self.aval.shape != () or self.dtype.kind not in "iu":
        raise TypeError("Only integer scalar arrays can be converted to a scalar index.")
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


def _reconstruct_array(value: np.ndarray, weak_type: bool):
    """Unpickling: the host value back on the default device, with its weak type."""
    from cellax import dispatch
    return dispatch.put(value, core.ShapedArray(value.shape, value.dtype, weak_type), None)


def _reduce(self):
    return (_reconstruct_array, (np.array(_value(self)), self.aval.weak_type))


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
ArrayImpl.__hash__ = None  # unhashable, like NumPy arrays (and JAX's)
ArrayImpl.__format__ = _format
ArrayImpl.block_until_ready = _block_until_ready
ArrayImpl.devices = _devices
ArrayImpl.copy = _copy
ArrayImpl.__copy__ = _copy
ArrayImpl.__deepcopy__ = lambda self, memo: _copy(self)
ArrayImpl.__reduce__ = _reduce
_array_methods.install(ArrayImpl)


def _repr_mimebundle(self, include=None, exclude=None):
    # Notebooks: small arrays (up to 2-D, a hundred or so elements) also as an HTML table
    # when the notebook layer is installed. The text is `repr(self)`, unchanged.
    bundle = {"text/plain": _repr(self)}
    if (include is None or "text/html" in include) and not (exclude and "text/html" in exclude):
        try:
            from cellax_notebook.views import array_html
            if self.aval.size <= 120 and 0 < self.aval.ndim <= 2:
                html = array_html(_value(self), self.aval.str_short().split("[")[0],
                                  self.aval.shape, str(self._sharding._device),
                                  self.aval.weak_type)
                if html:
                    bundle["text/html"] = html
        except Exception:  # noqa: BLE001 - rich display must never break printing
            pass
    if include is not None and "text/plain" not in include:
        del bundle["text/plain"]
    elif exclude and "text/plain" in exclude:
        del bundle["text/plain"]
    return bundle


ArrayImpl._repr_mimebundle_ = _repr_mimebundle
