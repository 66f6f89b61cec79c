"""The `fft` primitive: complex, real-to-complex and complex-to-real discrete Fourier
transforms over the trailing `len(fft_lengths)` axes (XLA's `stablehlo.fft`)."""
from __future__ import annotations

import enum
import math

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.lowering import i64_array, tensor_type
from cellax.primitives.elementwise import _standard


class FftType(enum.IntEnum):
    """Which transform `fft` computes (the values are XLA's and JAX's)."""

    FFT = 0    # complex -> complex, forward
    IFFT = 1   # complex -> complex, inverse (scaled by 1/N)
    RFFT = 2   # real -> complex, keeps the n//2 + 1 non-redundant frequencies
    IRFFT = 3  # complex (Hermitian half-spectrum) -> real, inverse


def _complex_of(dt: np.dtype) -> np.dtype:
    return dtypes.complex128 if np.dtype(dt) in (dtypes.float64, dtypes.complex128) \
        else dtypes.complex64


def _real_of(dt: np.dtype) -> np.dtype:
    return dtypes.float64 if np.dtype(dt) == dtypes.complex128 else dtypes.float32


fft_p = Primitive("fft")


def _fft_abstract_eval(x, *, fft_type, fft_lengths):
    fft_type = FftType(fft_type)
    lengths = tuple(fft_lengths)
    k = len(lengths)
    if k > x.ndim:
        raise ValueError(f"FFT input shape {x.shape} must have at least as many input "
                         f"dimensions as fft_lengths {lengths}.")
    minor = x.shape[x.ndim - k:]
    if fft_type == FftType.RFFT:
        if x.dtype not in (dtypes.float32, dtypes.float64):
            raise ValueError(f"RFFT input must be float32 or float64, got {x.dtype}")
        if minor != lengths:
            raise ValueError(f"RFFT input shape {x.shape} minor dimensions must be equal to "
                             f"fft_lengths {lengths}")
        shape = x.shape[:x.ndim - k] + lengths[:-1] + (lengths[-1] // 2 + 1,)
        return ShapedArray(shape, _complex_of(x.dtype), x.weak_type)
    if not dtypes.is_complex(x.dtype):
        raise ValueError(f"{fft_type.name} input must be complex64 or complex128, got "
                         f"{x.dtype}")
    if fft_type == FftType.IRFFT:
        if minor[:-1] != lengths[:-1]:
            raise ValueError(f"IRFFT input shape {x.shape} minor dimensions must be equal to "
                             f"all except the last fft_length, got fft_lengths={lengths}")
        # XLA rejects a half-spectrum of the wrong length; say so before compiling.
        if k and minor[-1] != lengths[-1] // 2 + 1:
            raise ValueError(f"IRFFT input shape {x.shape} must have last dimension "
                             f"fft_lengths[-1] // 2 + 1 = {lengths[-1] // 2 + 1}, got "
                             f"fft_lengths={lengths}")
        return ShapedArray(x.shape[:x.ndim - k] + lengths, _real_of(x.dtype), x.weak_type)
    if minor != lengths:
        raise ValueError(f"FFT input shape {x.shape} minor dimensions must be equal to "
                         f"fft_lengths {lengths}")
    return ShapedArray(x.shape, x.dtype, x.weak_type)


def _fft_lower(ctx, x, *, fft_type, fft_lengths):
    name = FftType(fft_type).name
    return ctx.op("stablehlo.fft", [x], [tensor_type(ctx.avals_in[0])],
                  [tensor_type(ctx.avals_out[0])],
                  {"fft_length": i64_array(fft_lengths),
                   "fft_type": f"#stablehlo<fft_type {name}>"})[0]


_standard(fft_p, _fft_abstract_eval, _fft_lower)


def fft_bind(x, fft_type, fft_lengths):
    """`fft_p.bind` with canonical params (an FftType, a tuple of ints)."""
    return fft_p.bind(x, fft_type=FftType(fft_type),
                      fft_lengths=tuple(int(n) for n in fft_lengths))


# ---------------------------------------------------------------------------------------
# Transposes. Cotangents follow JAX's convention for complex linear maps: the transpose
# T of a linear f satisfies <ct, f(x)> = <T(ct), x> with <a, b> = Re(sum(a * b)) (no
# conjugation), which for complex -> complex maps is the plain matrix transpose.
#
# FFT / IFFT: the DFT matrix W[j, k] = exp(-2πi jk/N) is symmetric, and so is its inverse
# conj(W)/N, so each of them is its own transpose.
#
# RFFT: y = R x keeps the rows k = 0..n//2 of W (real x). Then <t, R x> = Re(t^T R x) =
# x . Re(R^T t), so the transpose is Re(sum_k t_k exp(-2πi kn/N)). A C2R inverse transform
# computes x_n = (1/N) sum_k c_k Re(Y_k exp(+2πi kn/N)) with c_k = 1 at DC and Nyquist and
# 2 elsewhere (the weights for the dropped conjugate half), so the transpose is
# N * irfft(conj(t) / c). In several dimensions the leading axes are ordinary FFTs, which
# the same identity carries through.
#
# IRFFT: x_n = (1/N) sum_k c_k Re(Y_k exp(+2πi kn/N)); then <t, x> = Re(sum_k Y_k g_k)
# with g_k = (c_k / N) sum_n t_n exp(+2πi kn/N) = (c_k / N) conj(rfft(t)_k) for real t.
# Through the leading (inverse, symmetric) FFT axes this stays (c / N) * conj(rfftn(t)).

def _hermitian_weights(n_last: int, m: int, dtype, ndim: int):
    """The c_k above as a constant broadcastable against an array of rank `ndim` whose
    last axis has the `m` = n_last // 2 + 1 non-redundant frequencies."""
    c = np.full((m,), 2.0)
    c[0] = 1.0
    if n_last % 2 == 0:
        c[-1] = 1.0
    return c.astype(dtype).reshape((1,) * (ndim - 1) + (m,))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
    from cellax.interpreters.jvp import Zero
    from cellax.primitives import elementwise as ew
    if type(ct) is Zero:
        return [None]
    fft_type = FftType(fft_type)
    if fft_type in (FftType.FFT, FftType.IFFT):
        return [fft_bind(ct, fft_type, fft_lengths)]
    ct_aval = core.get_aval(ct)
    n_total = math.prod(fft_lengths)
    if fft_type == FftType.RFFT:
        real_dt = _real_of(ct_aval.dtype)
        w = _hermitian_weights(fft_lengths[-1], ct_aval.shape[-1], ct_aval.dtype,
                               ct_aval.ndim)
        scaled = ew.div_p.bind(ew.conj_p.bind(ct, input_dtype=ct_aval.dtype), w)
        out = fft_bind(scaled, FftType.IRFFT, fft_lengths)
        return [ew.mul_p.bind(out, np.asarray(n_total, real_dt)[()])]
    # IRFFT: ct is real.
    y = fft_bind(ct, FftType.RFFT, fft_lengths)
    y_aval = core.get_aval(y)
    w = _hermitian_weights(fft_lengths[-1], y_aval.shape[-1], y_aval.dtype, y_aval.ndim)
    w = w / np.asarray(n_total, w.dtype)
    return [ew.mul_p.bind(ew.conj_p.bind(y, input_dtype=y_aval.dtype), w)]


from cellax.interpreters.jvp import deflinear  # noqa: E402

deflinear(fft_p, _fft_transpose)


# ---------------------------------------------------------------------------------------
# Batching: the transform acts on the trailing axes, so a leading batch axis is free.

def _fft_batch(size, vals, dims, *, fft_type, fft_lengths):
    from cellax.primitives.shape import transpose_p
    (x,), (d,) = vals, dims
    if d != 0:
        nd = core.get_aval(x).ndim
        perm = (d, *[i for i in range(nd) if i != d])
        x = transpose_p.bind(x, permutation=perm)
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths), 0


core.batching_rules[fft_p] = _fft_batch
