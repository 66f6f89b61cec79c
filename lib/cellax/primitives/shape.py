"""Shape primitives: broadcast_in_dim, reshape, transpose, squeeze, concatenate, pad,
rev, slice, dynamic_slice, dynamic_update_slice, iota."""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.lowering import i64_array, tensor_type
from cellax.primitives.elementwise import _standard

# ---------------------------------------------------------------------------------------
broadcast_in_dim_p = Primitive("broadcast_in_dim")
broadcast_in_dim_p.hidden_params = ("shape", "sharding")
broadcast_in_dim_p.hide_if_empty = ("broadcast_dimensions",)


def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions, sharding=None):
    if len(broadcast_dimensions) != x.ndim:
        raise TypeError(f"broadcast_in_dim broadcast_dimensions must have length equal to "
                        f"operand ndim; got broadcast_dimensions {broadcast_dimensions} for "
                        f"operand ndim {x.ndim}.")
    for i, d in enumerate(broadcast_dimensions):
        if not 0 <= d < len(shape):
            raise TypeError(f"broadcast_in_dim broadcast_dimensions must be in range for the "
                            f"output shape {shape}; got {broadcast_dimensions}.")
        if x.shape[i] != 1 and x.shape[i] != shape[d]:
            raise TypeError(f"broadcast_in_dim operand dimension sizes must either be 1, or be "
                            f"equal to their corresponding dimensions in the target broadcast "
                            f"shape; got operand of shape {x.shape}, target broadcast shape "
                            f"{shape}, broadcast_dimensions {broadcast_dimensions}")
    if list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise TypeError(f"broadcast_in_dim broadcast_dimensions must be strictly increasing; "
                        f"got broadcast_dimensions {broadcast_dimensions}")
    return ShapedArray(shape, x.dtype, x.weak_type)


def _broadcast_in_dim_lower(ctx, x, *, shape, broadcast_dimensions, sharding=None):
    return ctx.simple("stablehlo.broadcast_in_dim", [x],
                      {"broadcast_dimensions": i64_array(broadcast_dimensions)})


_standard(broadcast_in_dim_p, _broadcast_in_dim_abstract_eval, _broadcast_in_dim_lower)

# ---------------------------------------------------------------------------------------
reshape_p = Primitive("reshape")


def _reshape_abstract_eval(x, *, new_sizes, dimensions, sharding=None):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise TypeError(f"reshape total size must be unchanged, got new_sizes {new_sizes} "
                        f"(size {int(np.prod(new_sizes, dtype=np.int64))}) for shape {x.shape} "
                        f"(size {x.size}).")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


def _reshape_lower(ctx, x, *, new_sizes, dimensions, sharding=None):
    if dimensions is not None and tuple(dimensions) != tuple(range(ctx.avals_in[0].ndim)):
        aval = ctx.avals_in[0]
        taval = ShapedArray(tuple(aval.shape[d] for d in dimensions), aval.dtype)
        x = ctx.simple("stablehlo.transpose", [x], {"permutation": i64_array(dimensions)},
                       avals_out=[taval])
        return ctx.simple("stablehlo.reshape", [x], avals_in=[taval])
    return ctx.simple("stablehlo.reshape", [x])


_standard(reshape_p, _reshape_abstract_eval, _reshape_lower)

# ---------------------------------------------------------------------------------------
transpose_p = Primitive("transpose")


def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise TypeError(f"transpose permutation isn't a permutation of operand dimensions, got "
                        f"permutation {permutation} for operand shape {x.shape}.")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


_standard(transpose_p, _transpose_abstract_eval,
          lambda ctx, x, *, permutation: ctx.simple(
              "stablehlo.transpose", [x], {"permutation": i64_array(permutation)}))

# ---------------------------------------------------------------------------------------
squeeze_p = Primitive("squeeze")


def _squeeze_abstract_eval(x, *, dimensions):
    for d in dimensions:
        if not 0 <= d < x.ndim or x.shape[d] != 1:
            raise TypeError(f"cannot select an axis to squeeze out which has size not equal to "
                            f"one, got shape={x.shape} and dimensions={dimensions}")
    shape = tuple(s for i, s in enumerate(x.shape) if i not in dimensions)
    return ShapedArray(shape, x.dtype, x.weak_type)


_standard(squeeze_p, _squeeze_abstract_eval,
          lambda ctx, x, *, dimensions: ctx.simple("stablehlo.reshape", [x]))

# ---------------------------------------------------------------------------------------
concatenate_p = Primitive("concatenate")


def _concatenate_abstract_eval(*xs, dimension):
    if not xs:
        raise TypeError("concatenate requires at least one operand")
    x0 = xs[0]
    if not 0 <= dimension < x0.ndim:
        raise TypeError(f"concatenate dimension out of bounds: dimension {dimension} for "
                        f"shapes {', '.join(str(x.shape) for x in xs)}.")
    for x in xs:
        if x.ndim != x0.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape))
                                    if i != dimension):
            raise TypeError(f"Cannot concatenate arrays with shapes that differ in dimensions "
                            f"other than the one being concatenated: concatenating along "
                            f"dimension {dimension} for shapes "
                            f"{', '.join(str(x.shape) for x in xs)}.")
        if x.dtype != x0.dtype:
            raise TypeError(f"concatenate requires arguments to have the same dtypes, got "
                            f"{', '.join(x.dtype.name for x in xs)}.")
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(shape, x0.dtype, all(x.weak_type for x in xs))


_standard(concatenate_p, _concatenate_abstract_eval,
          lambda ctx, *xs, dimension: ctx.simple("stablehlo.concatenate", list(xs),
                                                 {"dimension": f"{dimension} : i64"}))

# ---------------------------------------------------------------------------------------
pad_p = Primitive("pad")


def _pad_abstract_eval(x, padding_value, *, padding_config):
    if padding_value.shape != ():
        raise TypeError(f"padding_value must be a scalar, got shape {padding_value.shape}")
    if padding_value.dtype != x.dtype:
        raise TypeError(f"pad operand and padding_value must be same dtype: got "
                        f"{x.dtype.name} and {padding_value.dtype.name}.")
    if len(padding_config) != x.ndim:
        raise TypeError(f"pad padding_config length {len(padding_config)} does not match "
                        f"operand ndim {x.ndim}")
    shape = []
    for d, (lo, hi, interior) in zip(x.shape, padding_config):
        if interior < 0:
            raise ValueError(f"interior padding in padding_config must be nonnegative, got "
                             f"padding_config {padding_config}")
        size = lo + hi + d + max(d - 1, 0) * interior
        if size < 0:
            raise ValueError(f"Dimension size after padding is not at least 0, got result "
                             f"shape dimension {size} for padding_config {padding_config}")
        shape.append(size)
    return ShapedArray(shape, x.dtype, x.weak_type)


def _pad_lower(ctx, x, pv, *, padding_config):
    lo, hi, interior = zip(*padding_config) if padding_config else ((), (), ())
    return ctx.simple("stablehlo.pad", [x, pv], {
        "edge_padding_low": i64_array(int(v) for v in lo),
        "edge_padding_high": i64_array(int(v) for v in hi),
        "interior_padding": i64_array(int(v) for v in interior)})


_standard(pad_p, _pad_abstract_eval, _pad_lower)

# ---------------------------------------------------------------------------------------
rev_p = Primitive("rev")


def _rev_abstract_eval(x, *, dimensions):
    if any(not 0 <= d < x.ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
        raise TypeError(f"rev dimensions {dimensions} are invalid for operand shape {x.shape}")
    return x


_standard(rev_p, _rev_abstract_eval,
          lambda ctx, x, *, dimensions: ctx.simple("stablehlo.reverse", [x],
                                                   {"dimensions": i64_array(dimensions)}))

# ---------------------------------------------------------------------------------------
slice_p = Primitive("slice")


def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
    if len(start_indices) != x.ndim or len(limit_indices) != x.ndim:
        raise TypeError(f"slice start_indices {start_indices} and limit_indices "
                        f"{limit_indices} must have length equal to the operand ndim {x.ndim}")
    strides = strides or (1,) * x.ndim
    shape = []
    for d, lo, hi, s in zip(x.shape, start_indices, limit_indices, strides):
        if not 0 <= lo <= hi <= d:
            raise TypeError(f"slice indices out of bounds: start_indices {start_indices}, "
                            f"limit_indices {limit_indices} for operand shape {x.shape}")
        shape.append(0 if hi <= lo else (hi - lo + s - 1) // s)
    return ShapedArray(shape, x.dtype, x.weak_type)


def _slice_lower(ctx, x, *, start_indices, limit_indices, strides):
    strides = strides or (1,) * len(start_indices)
    return ctx.simple("stablehlo.slice", [x], {
        "start_indices": i64_array(start_indices), "limit_indices": i64_array(limit_indices),
        "strides": i64_array(strides)})


_standard(slice_p, _slice_abstract_eval, _slice_lower)

# ---------------------------------------------------------------------------------------
dynamic_slice_p = Primitive("dynamic_slice")


def _dynamic_slice_abstract_eval(x, *idx, slice_sizes):
    if len(idx) != x.ndim or len(slice_sizes) != x.ndim:
        raise TypeError(f"dynamic_slice needs one start index and one slice size per operand "
                        f"dimension: operand shape {x.shape}, {len(idx)} indices, "
                        f"slice_sizes {slice_sizes}")
    if any(not 0 <= s <= d for s, d in zip(slice_sizes, x.shape)):
        raise TypeError(f"slice slice_sizes must be less than or equal to operand shape, got "
                        f"slice_sizes {slice_sizes} for operand shape {x.shape}.")
    for i in idx:
        if i.shape != () or i.dtype.kind not in "iu":
            raise TypeError(f"dynamic_slice start indices must be integer scalars, got "
                            f"{i.str_short()}")
    return ShapedArray(slice_sizes, x.dtype, x.weak_type)


def _dynamic_slice_lower(ctx, x, *idx, slice_sizes):
    return ctx.simple("stablehlo.dynamic_slice", [x, *idx],
                      {"slice_sizes": i64_array(slice_sizes)})


_standard(dynamic_slice_p, _dynamic_slice_abstract_eval, _dynamic_slice_lower)

dynamic_update_slice_p = Primitive("dynamic_update_slice")


def _dynamic_update_slice_abstract_eval(x, update, *idx):
    if update.ndim != x.ndim or any(u > d for u, d in zip(update.shape, x.shape)):
        raise TypeError(f"dynamic_update_slice update shape {update.shape} must fit in the "
                        f"operand shape {x.shape}")
    if update.dtype != x.dtype:
        raise TypeError(f"dynamic_update_slice update dtype {update.dtype.name} must match "
                        f"operand dtype {x.dtype.name}")
    if len(idx) != x.ndim:
        raise TypeError(f"dynamic_update_slice needs {x.ndim} start indices, got {len(idx)}")
    return x


_standard(dynamic_update_slice_p, _dynamic_update_slice_abstract_eval,
          lambda ctx, x, u, *idx: ctx.simple("stablehlo.dynamic_update_slice", [x, u, *idx]))

# ---------------------------------------------------------------------------------------
iota_p = Primitive("iota")


def _iota_abstract_eval(*, dtype, shape, dimension, sharding=None):
    if not 0 <= dimension < len(shape):
        raise ValueError(f"iota dimension must be between 0 and len(shape), got "
                         f"dimension={dimension} for shape {shape}")
    return ShapedArray(shape, dtype, False)


_standard(iota_p, _iota_abstract_eval,
          lambda ctx, *, dtype, shape, dimension, sharding=None: ctx.simple(
              "stablehlo.iota", [], {"iota_dimension": f"{dimension} : i64"}))


def _unused():  # keep imports meaningful for linters
    return core, dtypes, tensor_type
