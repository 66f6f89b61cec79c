"""`cellax.lax.fft` and `FftType` (JAX's `jax.lax.fft`): casts the operand to the
transform's input dtype and binds the `fft` primitive, staged as `jit[name=fft]` with the
transform type and lengths static, as JAX stages it."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from cellax import dtypes
from cellax.core import get_aval
from cellax.primitives import elementwise as _ew
from cellax.primitives.fft import FftType, fft_bind, fft_p

__all__ = ["fft", "fft_p", "FftType"]

_BY_NAME = {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT,
            "irfft": FftType.IRFFT}


def _as_fft_type(fft_type) -> FftType:
    if isinstance(fft_type, str):
        typ = _BY_NAME.get(fft_type.lower()) if fft_type in (
            *_BY_NAME, *(k.upper() for k in _BY_NAME)) else None
        if typ is None:
            raise ValueError(f"Unknown FFT type '{fft_type}'")
        return typ
    if isinstance(fft_type, FftType):
        return fft_type
    raise TypeError(f"Unknown FFT type value '{fft_type}'")


def _inexact(dt: np.dtype) -> np.dtype:
    """The float a bool/int dtype becomes (64-bit ints become float64), as JAX does."""
    if dtypes.is_inexact(dt):
        return dt
    return dtypes.float64 if dt in (dtypes.int64, dtypes.uint64) else dtypes.float32


def _convert(x, dt):
    aval = get_aval(x)
    dt = dtypes.canonicalize_dtype(dt)
    if aval.dtype == dt and not aval.weak_type:
        return x
    return _ew.convert_element_type_p.bind(x, new_dtype=dt, weak_type=False, sharding=None)


def fft(x, fft_type: FftType | str, fft_lengths: Sequence[int]):
    """Discrete Fourier transform of `fft_type` over the trailing `len(fft_lengths)` axes."""
    return _staged()(x, fft_type, fft_lengths)


def _fft_body(x, fft_type, fft_lengths):
    typ = _as_fft_type(fft_type)
    dt = get_aval(x).dtype
    if typ == FftType.RFFT:
        if dtypes.is_complex(dt):
            raise ValueError("only real valued inputs supported for rfft")
        x = _convert(x, _inexact(dt))
    else:
        inexact = _inexact(dt)
        x = _convert(x, dtypes.complex128 if inexact in (dtypes.float64, dtypes.complex128)
                     else dtypes.complex64)
    if len(fft_lengths) == 0:
        return x  # XLA has no rank-0 transform; the identity is what it would compute
    return fft_bind(x, typ, tuple(fft_lengths))


_fft_body.__name__ = _fft_body.__qualname__ = "fft"
_STAGED = []


def _staged():
    if not _STAGED:
        from cellax.api import jit
        _STAGED.append(jit(_fft_body, static_argnums=(1, 2)))
    return _STAGED[0]

