"""`cellax.numpy.fft`: NumPy's discrete Fourier transforms (JAX's `jax.numpy.fft`).

Every transform moves its axes to the end, pads or truncates them to the requested
lengths, and calls `cellax.lax.fft` (XLA transforms at most three axes at once, so longer
axis lists are split into chained transforms). Normalisation is applied afterwards as a
multiplication, as JAX does.
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from cellax import dtypes
from cellax.lax.fft import FftType
from cellax.lax.fft import fft as _lax_fft
from cellax.numpy import _core as jnp
from cellax.numpy._shape_ops import pad as _pad
from cellax.numpy._shape_ops import roll as _roll
from cellax.numpy._util import ensure_arraylike, promote_dtypes_inexact

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
           "irfft2", "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

_NORMS = ("backward", "ortho", "forward")


def _norm_factor(lengths, func_name: str, norm: str):
    """The factor the unnormalised transform is multiplied by for `norm`; `lengths` is an
    array of the transformed lengths in the result's dtype."""
    if norm == "backward":
        return jnp.array(1)
    lengths, = promote_dtypes_inexact(lengths)
    inverse = func_name.startswith("i")
    if norm == "ortho":
        root = jnp.sqrt(jnp.prod(lengths))
        return root if inverse else 1 / root
    if norm == "forward":
        total = jnp.prod(lengths)
        return total if inverse else 1 / total
    raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or '
                     f'"forward".')


def _chained(arr, fft_type: FftType, lengths: tuple):
    """`lax.fft` over the trailing len(lengths) axes, three axes at a time."""
    if len(lengths) <= 3:
        return _lax_fft(arr, fft_type, tuple(lengths))
    k = len(lengths)
    inner = 2 if k == 4 else 3
    nd = arr.ndim
    outer_src = tuple(range(nd - k, nd - inner))       # the leading transformed axes
    outer_dst = tuple(range(nd - k + inner, nd))       # ... parked at the end
    outer = FftType.FFT if fft_type in (FftType.FFT, FftType.RFFT) else FftType.IFFT
    if fft_type in (FftType.FFT, FftType.RFFT):
        # A real input's half-spectrum comes from its last axes; the rest are complex.
        arr = _lax_fft(arr, fft_type, tuple(lengths[-inner:]))
        arr = jnp.moveaxis(arr, outer_src, outer_dst)
        arr = _chained(arr, outer, lengths[:-inner])
        return jnp.moveaxis(arr, outer_dst, outer_src)
    # Inverse: finish the complex axes first, the complex-to-real step comes last.
    arr = jnp.moveaxis(arr, outer_src, outer_dst)
    arr = _chained(arr, outer, lengths[:-inner])
    arr = jnp.moveaxis(arr, outer_dst, outer_src)
    return _lax_fft(arr, fft_type, tuple(lengths[-inner:]))


def _transform(func_name: str, fft_type: FftType, a, s, axes, norm):
    full_name = f"jax.numpy.fft.{func_name}"
    arr = ensure_arraylike(full_name, a)
    if s is not None:
        s = tuple(operator.index(n) for n in s)
        if any(n <= 0 for n in s):
            raise ValueError("Shape should be positive.")
    if s is not None and axes is not None and len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    given_axes = axes
    if axes is None:
        axes = range(arr.ndim) if s is None else range(arr.ndim - len(s), arr.ndim)
    axes = tuple(axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
    if given_axes is not None:
        trailing = tuple(range(arr.ndim - len(axes), arr.ndim))
        arr = jnp.moveaxis(arr, given_axes, trailing)
        axes = trailing
    if s is not None:
        target = list(arr.shape)
        for ax, n in zip(axes, s):
            target[ax] = n
        if fft_type == FftType.IRFFT:
            target[-1] = target[-1] // 2 + 1
        if any(t < d for t, d in zip(target, arr.shape)):
            arr = arr[tuple(slice(t) for t in target)]
        if any(t > d for t, d in zip(target, arr.shape)):
            arr = _pad(arr, [(0, t - d) for t, d in zip(target, arr.shape)])
        lengths = s
    elif fft_type == FftType.IRFFT:
        lengths = tuple(arr.shape[ax] for ax in axes[:-1])
        if axes:
            lengths += (max(0, 2 * (arr.shape[axes[-1]] - 1)),)
    else:
        lengths = tuple(arr.shape[ax] for ax in axes)
    out = _chained(arr, fft_type, tuple(lengths))
    if norm is not None:
        out = out * _norm_factor(jnp.array(lengths, dtype=out.dtype), func_name, norm)
    if given_axes is not None:
        out = jnp.moveaxis(out, axes, given_axes)
    return out


def _one_axis(func_name: str, axis) -> None:
    if isinstance(axis, (list, tuple)):
        full = f"jax.numpy.fft.{func_name}"
        raise ValueError(f"{full} does not support multiple axes. Please use {full}n. "
                         f"Got axis = {axis!r}.")


def _transform_1d(func_name, fft_type, a, n, axis, norm):
    _one_axis(func_name, axis)
    return _transform(func_name, fft_type, a, None if n is None else [n],
                      None if axis is None else [axis], norm)


def _transform_2d(func_name, fft_type, a, s, axes, norm):
    if len(axes) != 2:
        raise ValueError(f"jax.numpy.fft.{func_name} only supports 2 axes. "
                         f"Got axes = {axes!r}.")
    return _transform(func_name, fft_type, a, s, axes, norm)


def fft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """One-dimensional discrete Fourier transform along `axis`."""
    return _transform_1d("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """One-dimensional inverse discrete Fourier transform along `axis`."""
    return _transform_1d("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """One-dimensional transform of a real input: the n//2 + 1 non-negative frequencies."""
    return _transform_1d("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Inverse of `rfft`: a real signal of length `n` (2 * (m - 1) by default)."""
    return _transform_1d("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Transform of a signal with Hermitian symmetry (given by its first half): real output."""
    conj_a = jnp.conj(a)
    _one_axis("hfft", axis)
    total = (conj_a.shape[axis] - 1) * 2 if n is None else n
    return _transform_1d("hfft", FftType.IRFFT, conj_a, n, axis, norm) * total


def ihfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Inverse of `hfft`: the half-spectrum of a real signal, conjugated and scaled."""
    _one_axis("ihfft", axis)
    arr = jnp.asarray(a)
    total = arr.shape[axis] if n is None else n
    out = _transform_1d("ihfft", FftType.RFFT, arr, n, axis, norm)
    return jnp.conj(out) * (1 / total)


def fftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
    """N-dimensional discrete Fourier transform over `axes` (all by default)."""
    return _transform("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """N-dimensional inverse discrete Fourier transform."""
    return _transform("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """N-dimensional transform of a real input (half-spectrum along the last axis)."""
    return _transform("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None):
    """Inverse of `rfftn`."""
    return _transform("irfftn", FftType.IRFFT, a, s, axes, norm)


def fft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None):
    """Two-dimensional discrete Fourier transform."""
    return _transform_2d("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """Two-dimensional inverse discrete Fourier transform."""
    return _transform_2d("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """Two-dimensional transform of a real input."""
    return _transform_2d("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None):
    """Inverse of `rfft2`."""
    return _transform_2d("irfft2", FftType.IRFFT, a, s, axes, norm)


def _check_freq_args(func_name: str, n, d) -> None:
    if isinstance(n, (list, tuple)):
        raise ValueError(f"The n argument of jax.numpy.fft.{func_name} only takes an int. "
                         f"Got n = {list(n)}.")
    if isinstance(d, (list, tuple)):
        raise ValueError(f"The d argument of jax.numpy.fft.{func_name} only takes a single "
                         f"value. Got d = {list(d)}.")


def _placed(x, device):
    if device is None:
        return x
    from cellax.api import device_put
    return device_put(x, device)


def fftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of an `n`-point transform with sample spacing `d`:
    [0, 1, ..., n//2 - 1 or so, -n//2, ..., -1] / (d * n)."""
    dtype = dtype or dtypes.default_float_dtype()
    _check_freq_args("fftfreq", n, d)
    out_dtype = dtype
    np_dt = np.dtype(dtype)
    real_dt = (dtypes.float64 if np_dt in (dtypes.int64, dtypes.uint64) else dtypes.float32) \
        if not dtypes.is_inexact(np_dt) else dtypes.finfo(np_dt).dtype
    i = jnp.arange(n, dtype=real_dt)
    k = (i + n // 2) % n - n // 2
    result = k.astype(real_dt) / jnp.array(d * n, dtype=real_dt)
    return _placed(result.astype(out_dtype), device)


def rfftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of `rfft`: [0, 1, ..., n//2] / (d * n)."""
    dtype = dtype or dtypes.default_float_dtype()
    _check_freq_args("rfftfreq", n, d)
    k = jnp.arange(0, n // 2 + 1, dtype=dtype)
    result = k / jnp.array(d * n, dtype=dtype)
    return _placed(result, device)


def _shifts(x, axes, sign: int):
    if axes is None:
        return tuple(range(x.ndim)), [sign * (n // 2) for n in x.shape]
    if isinstance(axes, int):
        return axes, sign * (x.shape[axes] // 2)
    return axes, [sign * (x.shape[ax] // 2) for ax in axes]


def fftshift(x, axes: None | int | Sequence[int] = None):
    """Move the zero frequency to the centre (roll each axis by half its length)."""
    x = ensure_arraylike("fftshift", x)
    axes, shift = _shifts(x, axes, 1)
    return _roll(x, shift, axes)


def ifftshift(x, axes: None | int | Sequence[int] = None):
    """Inverse of `fftshift`."""
    x = ensure_arraylike("ifftshift", x)
    axes, shift = _shifts(x, axes, -1)
    return _roll(x, shift, axes)
