"""Convolutions in `cellax.lax`: `conv_general_dilated` and its convenience wrappers,
dimension-number parsing, padding and shape helpers, patches and unshared (local) convs."""
from __future__ import annotations

import math
import operator
from typing import Sequence, Union

import numpy as np

from cellax import dtypes
from cellax.core import get_aval
from cellax.primitives.conv import (ConvDimensionNumbers, conv_general_dilated_p,
                                    conv_shape_tuple, dilate_shape)

__all__ = [
    "ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv",
    "conv_dimension_numbers", "conv_general_dilated", "conv_general_dilated_local",
    "conv_general_dilated_p", "conv_general_dilated_patches", "conv_general_permutations",
    "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose",
    "conv_transpose_shape_tuple", "conv_with_general_padding", "padtype_to_pads",
]

ConvGeneralDilatedDimensionNumbers = Union[tuple[str, str, str], ConvDimensionNumbers, None]


# ---------------------------------------------------------------------------------------
# Padding and dimension numbers


def padtype_to_pads(in_shape, window_shape, window_strides, padding) -> list:
    """(low, high) pads per spatial dim for 'SAME', 'SAME_LOWER' or 'VALID'."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode not in ("SAME", "SAME_LOWER", "VALID"):
            raise RuntimeError("Unrecognized padding type: expected 'VALID', 'SAME', or "
                               f"'SAME_LOWER', got {padding}.")
    else:
        mode = getattr(padding, "name", None)
        if mode not in ("SAME", "SAME_LOWER", "VALID"):
            raise TypeError(f"Unknown padding type: {padding}.")
    if mode == "VALID":
        return [(0, 0)] * len(in_shape)
    pads = []
    for d, k, s in zip(in_shape, window_shape, window_strides):
        d, k, s = int(d), int(k), int(s)
        out = -(-d // s)
        total = max(0, (out - 1) * s + k - d)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if mode == "SAME" else (big, small))
    return pads


def conv_general_permutations(dimension_numbers) -> tuple:
    """(lhs_perm, rhs_perm, out_perm) for spec strings such as ('NHWC', 'HWIO', 'NHWC'):
    each lists the dims of (batch|out-feature, feature|in-feature, spatial...) with the
    spatial dims ordered as they appear in the rhs spec."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (a, b) in enumerate(pairs):
        spec = dimension_numbers[i]
        if not spec.count(a) == spec.count(b) == 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters "
                            f"'{a}' and '{b}' exactly once, got {spec}.")
        if len(spec) != len(set(spec)):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {spec}.")
    spatial = [set(s) - set(p) for s, p in zip(dimension_numbers, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError("convolution dimension_numbers elements must each have the same set "
                        f"of spatial characters, got {dimension_numbers}.")

    def perm(spec, pair, order_by_rhs):
        sp = [i for i, c in enumerate(spec) if c not in pair]
        if order_by_rhs:
            sp.sort(key=lambda i: rhs_spec.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1]), *sp)

    return (perm(lhs_spec, pairs[0], True), perm(rhs_spec, pairs[1], False),
            perm(out_spec, pairs[2], True))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
    """Canonical `ConvDimensionNumbers` from None, spec strings, or ConvDimensionNumbers."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError("convolution requires lhs and rhs ndim to be equal, got "
                        f"{len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, (list, tuple)):
        raise TypeError("convolution dimension_numbers must be tuple/list or None, got "
                        f"{type(dimension_numbers)}.")
    if len(dimension_numbers) != 3:
        raise TypeError("convolution dimension_numbers list/tuple must be length 3, got "
                        f"{len(dimension_numbers)}.")
    if not all(isinstance(s, str) for s in dimension_numbers):
        raise TypeError("convolution dimension_numbers elements must be strings, got "
                        f"{tuple(map(type, dimension_numbers))}.")
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != len(lhs_shape):
            raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the "
                            f"ndim of lhs and rhs, got {len(spec)} for lhs and rhs shapes "
                            f"{tuple(lhs_shape)} and {tuple(rhs_shape)}.")
    return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))


# ---------------------------------------------------------------------------------------
# The general convolution and its wrappers


def conv_general_dilated(lhs, rhs, window_strides: Sequence[int], padding,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                         feature_group_count: int = 1, batch_group_count: int = 1,
                         precision=None, preferred_element_type=None, out_sharding=None):
    """General N-d convolution with strides, padding, lhs ("transposed") and rhs
    ("atrous") dilation, layouts and feature/batch groups (XLA's ConvGeneralDilated)."""
    from cellax.lax.lax import canonicalize_precision
    l_shape, r_shape = get_aval(lhs).shape, get_aval(rhs).shape
    dn = conv_dimension_numbers(l_shape, r_shape, dimension_numbers)
    nsp = len(l_shape) - 2
    if lhs_dilation is None:
        lhs_dilation = (1,) * nsp
    elif isinstance(padding, str) and any(d != 1 for d in lhs_dilation):
        raise ValueError("String padding is not implemented for transposed convolution "
                         "using this op. Please either exactly specify the required padding "
                         "or use conv_transpose.")
    if rhs_dilation is None:
        rhs_dilation = (1,) * (len(r_shape) - 2)
    if isinstance(padding, str):
        k_sp = [r_shape[i] for i in dn.rhs_spec[2:]]
        k_eff = dilate_shape(k_sp, rhs_dilation)
        padding = padtype_to_pads([l_shape[i] for i in dn.lhs_spec[2:]], k_eff,
                                  window_strides, padding)
    else:
        try:
            padding = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
        except (ValueError, TypeError) as e:
            raise ValueError("padding argument to conv_general_dilated should be a string or "
                             f"a sequence of (low, high) pairs, got {padding}") from e
    pet = None if preferred_element_type is None else dtypes.check_user_dtype(
        preferred_element_type, "conv_general_dilated")
    return conv_general_dilated_p.bind(
        lhs, rhs, window_strides=tuple(int(s) for s in window_strides),
        padding=tuple((int(lo), int(hi)) for lo, hi in padding),
        lhs_dilation=tuple(int(d) for d in lhs_dilation),
        rhs_dilation=tuple(int(d) for d in rhs_dilation), dimension_numbers=dn,
        feature_group_count=feature_group_count, batch_group_count=batch_group_count,
        precision=canonicalize_precision(precision), preferred_element_type=pet,
        out_sharding=out_sharding)


def conv(lhs, rhs, window_strides: Sequence[int], padding: str, precision=None,
         preferred_element_type=None):
    """`conv_general_dilated` in NCHW/OIHW layout with no dilation."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides: Sequence[int], padding,
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision=None,
                              preferred_element_type=None):
    """`conv_general_dilated` in NCHW/OIHW layout with explicit dilations."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_pads(k: int, s: int, padding) -> tuple:
    """(before, after) padding of the fractionally strided conv that undoes a forward conv
    with kernel extent `k`, stride `s` and `padding` along one dimension."""
    if padding == "SAME":
        total = k + s - 2
        before = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        before = k - 1
    elif isinstance(padding, tuple):
        before, after = (k - p - 1 for p in padding)
        total = before + after
    else:
        raise ValueError(f"Invalid padding mode: {padding}")
    return before, total - before


_TRANSPOSE_DEFAULT_DN = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                         4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides: Sequence[int], padding,
                   rhs_dilation: Sequence[int] | None = None,
                   dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                   transpose_kernel: bool = False, precision=None,
                   preferred_element_type=None, use_consistent_padding: bool = False):
    """Fractionally strided ("transposed") convolution; TensorFlow's layout by default."""
    from cellax.lax.lax import rev, transpose
    l_shape, r_shape = get_aval(lhs).shape, get_aval(rhs).shape
    assert len(l_shape) == len(r_shape) and len(l_shape) >= 2
    nd = len(l_shape)
    if dimension_numbers is None:
        if nd not in _TRANSPOSE_DEFAULT_DN:
            raise ValueError("No 4+ dimensional dimension_number defaults.")
        dimension_numbers = _TRANSPOSE_DEFAULT_DN[nd]
    dn = conv_dimension_numbers(l_shape, r_shape, dimension_numbers)
    k_sp = [r_shape[i] for i in dn.rhs_spec[2:]]
    if rhs_dilation is None:
        rhs_dilation = (1,) * (nd - 2)
    if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
        k_eff = dilate_shape(k_sp, rhs_dilation)
        per_dim = [padding] * len(strides) if isinstance(padding, str) else padding
        pads = tuple(_transpose_pads(k, s, tuple(p) if not isinstance(p, str) else p)
                     for k, s, p in zip(k_eff, strides, per_dim))
    else:
        pads = padding
    if transpose_kernel:
        rhs = rev(rhs, tuple(dn.rhs_spec[2:]))
        perm = list(range(nd))
        o, i = dn.rhs_spec[0], dn.rhs_spec[1]
        perm[o], perm[i] = perm[i], perm[o]
        rhs = transpose(rhs, perm)
    return conv_general_dilated(lhs, rhs, (1,) * (nd - 2), pads, strides, rhs_dilation, dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


# ---------------------------------------------------------------------------------------
# Shape helpers


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers) -> tuple:
    lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
    lhs_t = [lhs_shape[i] for i in lhs_perm]
    rhs_t = [rhs_shape[i] for i in rhs_perm]
    out_t = conv_shape_tuple(lhs_t, rhs_t, window_strides, padding)
    return tuple(out_t[i] for i in np.argsort(out_perm))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers) -> tuple:
    lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
    lhs_t = [int(lhs_shape[i]) for i in lhs_perm]
    rhs_t = [int(rhs_shape[i]) for i in rhs_perm]
    if isinstance(padding, str):
        padding = [_transpose_pads(k, s, padding) for k, s in zip(rhs_t[2:], window_strides)]
    totals = [int(np.sum(p)) for p in padding]
    space = [(i - 1) * s - k + 2 + p
             for i, k, s, p in zip(lhs_t[2:], rhs_t[2:], window_strides, totals)]
    out_t = (lhs_t[0], rhs_t[0], *space)
    return tuple(out_t[i] for i in np.argsort(out_perm))


# ---------------------------------------------------------------------------------------
# Patches and unshared convolution


def conv_general_dilated_patches(lhs, filter_shape: Sequence[int],
                                 window_strides: Sequence[int], padding,
                                 lhs_dilation: Sequence[int] | None = None,
                                 rhs_dilation: Sequence[int] | None = None,
                                 dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
    """The receptive-field patches of `conv_general_dilated`, flattened into the output
    feature dimension as (channel, *filter dims in rhs-spec order)."""
    from cellax.lax.lax import Precision
    if isinstance(lhs, (list, tuple, int, float, complex, bool)):
        lhs = np.asarray(lhs)
    aval = get_aval(lhs)
    filter_shape = tuple(int(d) for d in filter_shape)
    dn = conv_dimension_numbers(aval.shape, (1, 1) + filter_shape, dimension_numbers)
    window = math.prod(filter_shape)
    channels = aval.shape[dn.lhs_spec[1]]
    # One-hot kernel: output feature (c, w) picks window position w of channel c.
    eye = np.eye(window, dtype=aval.dtype)
    kernel = np.broadcast_to(eye, (channels, window, window))
    kernel = kernel.reshape(channels * window, 1, *filter_shape)
    kernel = np.moveaxis(kernel, (0, 1), (dn.rhs_spec[0], dn.rhs_spec[1]))
    kernel = np.ascontiguousarray(kernel)
    return conv_general_dilated(
        lhs, kernel, window_strides, padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dn,
        precision=None if precision is None else (precision, Precision.DEFAULT),
        feature_group_count=channels, preferred_element_type=preferred_element_type)


def conv_general_dilated_local(lhs, rhs, window_strides: Sequence[int], padding,
                               filter_shape: Sequence[int],
                               lhs_dilation: Sequence[int] | None = None,
                               rhs_dilation: Sequence[int] | None = None,
                               dimension_numbers=None, precision=None):
    """Unshared ("locally connected") convolution: a separate kernel at each output
    location; rhs's I dimension holds (channel, *window) flattened."""
    from cellax.lax.lax import canonicalize_precision, dot_general, transpose
    if isinstance(lhs, (list, tuple, int, float, complex, bool)):
        lhs = np.asarray(lhs)
    c_prec = canonicalize_precision(precision)
    if c_prec is None:
        lhs_prec = None
    elif isinstance(c_prec, tuple) and len(c_prec) == 2:
        lhs_prec = c_prec[0]
    else:
        raise ValueError(f"Unsupported precision for conv_general_dilated_local: {precision}")
    patches = conv_general_dilated_patches(
        lhs, filter_shape, window_strides, padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dimension_numbers, precision=lhs_prec)
    lhs_spec, rhs_spec, out_spec = conv_dimension_numbers(
        get_aval(lhs).shape, (1, 1) + tuple(filter_shape), dimension_numbers)
    out_sp, rhs_sp = list(out_spec[2:]), list(rhs_spec[2:])
    order = sorted(range(len(out_sp)), key=lambda k: out_sp[k])
    batch_l = sorted(out_sp)
    batch_r = [rhs_sp[k] for k in order]
    out = dot_general(patches, rhs, (([out_spec[1]], [rhs_spec[1]]), (batch_l, batch_r)),
                      precision=precision)
    # dot_general gives (spatial in sorted out order..., N, O); put N and O where the
    # out spec wants them.
    nd = get_aval(out).ndim
    rest = list(range(nd - 2))
    perm = [None] * nd
    perm[out_spec[0]], perm[out_spec[1]] = nd - 2, nd - 1
    it = iter(rest)
    for i in range(nd):
        if perm[i] is None:
            perm[i] = next(it)
    return transpose(out, perm)
