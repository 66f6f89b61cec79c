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


# ---------------------------------------------------------------------------------------
# Autodiff rules (all shape primitives are linear in their array operands)

from cellax.interpreters.jvp import Zero, def_nondifferentiable, deflinear, instantiate  # noqa
from cellax.interpreters.transpose import is_undefined_primal  # noqa: E402


def _zeros(aval):
    return broadcast_in_dim_p.bind(np.zeros((), aval.dtype)[()], shape=aval.shape,
                                   broadcast_dimensions=(), sharding=None)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions, sharding=None):
    from cellax.primitives.reductions import reduce_sum_p
    in_shape = x.aval.shape
    new_dims = [d for d in range(len(shape)) if d not in broadcast_dimensions]
    expanded = [bd for i, bd in enumerate(broadcast_dimensions)
                if in_shape[i] == 1 and shape[bd] != 1]
    axes = tuple(sorted(new_dims + expanded))
    out = reduce_sum_p.bind(ct, axes=axes, out_sharding=None) if axes else ct
    if expanded:
        out = reshape_p.bind(out, new_sizes=in_shape, dimensions=None, sharding=None)
    return [out]


deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
deflinear(reshape_p, lambda ct, x, *, new_sizes, dimensions, sharding=None: [
    reshape_p.bind(ct, new_sizes=x.aval.shape, dimensions=None, sharding=None)])
deflinear(transpose_p, lambda ct, x, *, permutation: [
    transpose_p.bind(ct, permutation=tuple(int(i) for i in np.argsort(permutation)))])
deflinear(squeeze_p, lambda ct, x, *, dimensions: [
    reshape_p.bind(ct, new_sizes=x.aval.shape, dimensions=None, sharding=None)])
deflinear(rev_p, lambda ct, x, *, dimensions: [rev_p.bind(ct, dimensions=dimensions)])


def _concatenate_transpose(ct, *xs, dimension):
    out, start = [], 0
    for x in xs:
        size = (x.aval if is_undefined_primal(x) else core.get_aval(x)).shape[dimension]
        if is_undefined_primal(x):
            shape = core.get_aval(ct).shape
            starts = [0] * len(shape)
            limits = list(shape)
            starts[dimension], limits[dimension] = start, start + size
            out.append(slice_p.bind(ct, start_indices=tuple(starts),
                                    limit_indices=tuple(limits), strides=None))
        else:
            out.append(None)
        start += size
    return out


deflinear(concatenate_p, _concatenate_transpose)


def _pad_transpose(ct, x, pv, *, padding_config):
    from cellax.primitives.reductions import reduce_sum_p
    lo, hi, interior = zip(*padding_config) if padding_config else ((), (), ())
    unpad = tuple((-lo_, -hi_, 0) for lo_, hi_ in zip(lo, hi))
    zero = np.zeros((), core.get_aval(ct).dtype)[()]
    unpadded = pad_p.bind(ct, zero, padding_config=unpad)
    ushape = core.get_aval(unpadded).shape
    t_x = slice_p.bind(unpadded, start_indices=(0,) * len(ushape), limit_indices=ushape,
                       strides=tuple(i + 1 for i in interior)) if ushape else unpadded
    res = [t_x if is_undefined_primal(x) else None, None]
    if is_undefined_primal(pv):
        total = reduce_sum_p.bind(ct, axes=tuple(range(len(core.get_aval(ct).shape))),
                                  out_sharding=None)
        inner = reduce_sum_p.bind(t_x, axes=tuple(range(len(core.get_aval(t_x).shape))),
                                  out_sharding=None)
        from cellax.primitives.elementwise import sub_p
        res[1] = sub_p.bind(total, inner)
    return res


deflinear(pad_p, _pad_transpose)


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    shape = x.aval.shape
    out_shape = core.get_aval(ct).shape
    strides = strides or (1,) * len(shape)
    real_limits = [s + (o - 1) * st + 1 if o else s
                   for s, o, st in zip(start_indices, out_shape, strides)]
    config = tuple((s, d - lim, st - 1) for s, d, lim, st in
                   zip(start_indices, shape, real_limits, strides))
    zero = np.zeros((), x.aval.dtype)[()]
    if any(o == 0 for o in out_shape):
        return [_zeros(x.aval)]
    return [pad_p.bind(ct, zero, padding_config=config)]


deflinear(slice_p, _slice_transpose)


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
    x, *idx = primals
    out = dynamic_slice_p.bind(x, *idx, slice_sizes=slice_sizes)
    t = tangents[0]
    if type(t) is Zero:
        return out, Zero(core.get_aval(out))
    return out, dynamic_slice_p.bind(t, *idx, slice_sizes=slice_sizes)


def _dynamic_slice_transpose(ct, x, *idx, slice_sizes):
    if type(ct) is Zero:
        return [None] * (1 + len(idx))
    zeros = _zeros(x.aval)
    return [dynamic_update_slice_p.bind(zeros, ct, *idx)] + [None] * len(idx)


core.jvp_rules[dynamic_slice_p] = _dynamic_slice_jvp
core.transpose_rules[dynamic_slice_p] = _dynamic_slice_transpose


def _dynamic_update_slice_jvp(primals, tangents):
    x, u, *idx = primals
    out = dynamic_update_slice_p.bind(x, u, *idx)
    tx, tu = tangents[0], tangents[1]
    if type(tx) is Zero and type(tu) is Zero:
        return out, Zero(core.get_aval(out))
    return out, dynamic_update_slice_p.bind(instantiate(tx), instantiate(tu), *idx)


def _dynamic_update_slice_transpose(ct, x, u, *idx):
    u_aval = u.aval if is_undefined_primal(u) else core.get_aval(u)
    res = [None, None] + [None] * len(idx)
    if is_undefined_primal(x):
        res[0] = dynamic_update_slice_p.bind(ct, _zeros(u_aval), *idx)
    if is_undefined_primal(u):
        res[1] = dynamic_slice_p.bind(ct, *idx, slice_sizes=u_aval.shape)
    return res


core.jvp_rules[dynamic_update_slice_p] = _dynamic_update_slice_jvp
core.transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose
def_nondifferentiable(iota_p)


# ---------------------------------------------------------------------------------------
# Batching rules

from cellax.interpreters import batching as _batching  # noqa: E402


def _broadcast_in_dim_batch(size, vals, dims, *, shape, broadcast_dimensions, sharding=None):
    (x,), (d,) = vals, dims
    x = _batching.moveaxis(x, d, 0)
    return broadcast_in_dim_p.bind(
        x, shape=(size, *shape), broadcast_dimensions=(0, *[b + 1 for b in broadcast_dimensions]),
        sharding=None), 0


def _reshape_batch(size, vals, dims, *, new_sizes, dimensions, sharding=None):
    (x,), (d,) = vals, dims
    x = _batching.moveaxis(x, d, 0)
    if dimensions is not None:
        x = transpose_p.bind(x, permutation=(0, *[i + 1 for i in dimensions]))
    return reshape_p.bind(x, new_sizes=(size, *new_sizes), dimensions=None, sharding=None), 0


def _transpose_batch(size, vals, dims, *, permutation):
    (x,), (d,) = vals, dims
    perm = [p + (p >= d) for p in permutation]
    perm.insert(d, d)
    return transpose_p.bind(x, permutation=tuple(perm)), d


def _squeeze_batch(size, vals, dims, *, dimensions):
    (x,), (d,) = vals, dims
    x = _batching.moveaxis(x, d, 0)
    return squeeze_p.bind(x, dimensions=tuple(i + 1 for i in dimensions)), 0


def _concatenate_batch(size, vals, dims, *, dimension):
    xs = [_batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    return concatenate_p.bind(*xs, dimension=dimension + 1), 0


def _pad_batch(size, vals, dims, *, padding_config):
    (x, pv), (xd, pd) = vals, dims
    if pd is None:
        x = _batching.bdim_at_front(x, xd, size)
        return pad_p.bind(x, pv, padding_config=((0, 0, 0), *padding_config)), 0
    # A batched padding value: pad with zeros, then add the value where padding went.
    from cellax.primitives.elementwise import add_p, mul_p
    x = _batching.bdim_at_front(x, xd, size)
    dt = core.get_aval(x).dtype
    cfg = ((0, 0, 0), *padding_config)
    padded = pad_p.bind(x, np.zeros((), dt)[()], padding_config=cfg)
    zeros = broadcast_in_dim_p.bind(np.zeros((), dt)[()], shape=core.get_aval(x).shape,
                                   broadcast_dimensions=(), sharding=None)
    mask = pad_p.bind(zeros, np.ones((), dt)[()], padding_config=cfg)
    pv = _batching.moveaxis(pv, pd, 0)
    nd = core.get_aval(padded).ndim
    pv_b = broadcast_in_dim_p.bind(pv, shape=core.get_aval(padded).shape,
                                   broadcast_dimensions=(0,), sharding=None)
    _ = nd
    return add_p.bind(padded, mul_p.bind(mask, pv_b)), 0


def _rev_batch(size, vals, dims, *, dimensions):
    (x,), (d,) = vals, dims
    return rev_p.bind(x, dimensions=tuple(i + (i >= d) for i in dimensions)), d


def _slice_batch(size, vals, dims, *, start_indices, limit_indices, strides):
    (x,), (d,) = vals, dims
    starts = list(start_indices)
    limits = list(limit_indices)
    starts.insert(d, 0)
    limits.insert(d, size)
    st = None
    if strides is not None:
        st = list(strides)
        st.insert(d, 1)
        st = tuple(st)
    return slice_p.bind(x, start_indices=tuple(starts), limit_indices=tuple(limits),
                        strides=st), d


def _dynamic_slice_batch(size, vals, dims, *, slice_sizes):
    x, *idx = vals
    xd, *idims = dims
    if all(i is None for i in idims):
        x = _batching.moveaxis(x, xd, 0)
        zero = np.zeros((), core.get_aval(idx[0]).dtype if idx else np.int32)[()]
        return dynamic_slice_p.bind(x, zero, *idx, slice_sizes=(size, *slice_sizes)), 0
    return _dynamic_slice_via_gather(size, vals, dims, slice_sizes), 0


def _index_vector(size, idx, idims):
    """Batched start indices stacked into an int32 array of shape (size, n)."""
    from cellax.primitives.elementwise import convert_element_type_p
    cols = []
    for i, d in zip(idx, idims):
        i = convert_element_type_p.bind(i, new_dtype=np.dtype("int32"), weak_type=False,
                                        sharding=None) if core.get_aval(
            i).dtype != np.int32 else i
        i = _batching.bdim_at_front(i, d, size)
        cols.append(reshape_p.bind(i, new_sizes=(size, 1), dimensions=None, sharding=None))
    return concatenate_p.bind(*cols, dimension=1) if len(cols) > 1 else cols[0]


def _dynamic_slice_via_gather(size, vals, dims, slice_sizes):
    from cellax.lax import lax as _lax
    x, *idx = vals
    xd, *idims = dims
    x = _batching.bdim_at_front(x, xd, size)
    nd = len(slice_sizes)
    indices = _index_vector(size, idx, idims)
    dn = _lax.GatherDimensionNumbers(offset_dims=tuple(range(1, nd + 1)),
                                     collapsed_slice_dims=(),
                                     start_index_map=tuple(range(1, nd + 1)),
                                     operand_batching_dims=(0,),
                                     start_indices_batching_dims=(0,))
    return _lax.gather(x, indices, dn, slice_sizes=(1, *slice_sizes),
                       mode=_lax.GatherScatterMode.CLIP)


def _dynamic_update_slice_batch(size, vals, dims):
    x, u, *idx = vals
    xd, ud, *idims = dims
    x = _batching.bdim_at_front(x, xd, size)
    u = _batching.bdim_at_front(u, ud, size)
    if all(i is None for i in idims):
        zero = np.zeros((), core.get_aval(idx[0]).dtype if idx else np.int32)[()]
        return dynamic_update_slice_p.bind(x, u, zero, *idx), 0
    from cellax.lax import lax as _lax
    nd = len(idx)
    indices = _index_vector(size, idx, idims)
    dn = _lax.ScatterDimensionNumbers(update_window_dims=tuple(range(1, nd + 1)),
                                      inserted_window_dims=(),
                                      scatter_dims_to_operand_dims=tuple(range(1, nd + 1)),
                                      operand_batching_dims=(0,),
                                      scatter_indices_batching_dims=(0,))
    # dynamic_update_slice clamps start indices so the update fits.
    from cellax.primitives import elementwise as ew
    limits = np.asarray([core.get_aval(x).shape[i + 1] - core.get_aval(u).shape[i + 1]
                         for i in range(nd)], np.int32)
    limit_b = broadcast_in_dim_p.bind(limits, shape=(size, nd), broadcast_dimensions=(1,),
                                      sharding=None)
    zeros = broadcast_in_dim_p.bind(np.zeros((), np.int32)[()], shape=(size, nd),
                                    broadcast_dimensions=(), sharding=None)
    indices = ew.clamp_p.bind(zeros, indices, limit_b)
    return _lax.scatter(x, indices, u, dn, indices_are_sorted=True, unique_indices=True,
                        mode=_lax.GatherScatterMode.CLIP), 0


core.batching_rules[broadcast_in_dim_p] = _broadcast_in_dim_batch
core.batching_rules[reshape_p] = _reshape_batch
core.batching_rules[transpose_p] = _transpose_batch
core.batching_rules[squeeze_p] = _squeeze_batch
core.batching_rules[concatenate_p] = _concatenate_batch
core.batching_rules[pad_p] = _pad_batch
core.batching_rules[rev_p] = _rev_batch
core.batching_rules[slice_p] = _slice_batch
core.batching_rules[dynamic_slice_p] = _dynamic_slice_batch
core.batching_rules[dynamic_update_slice_p] = _dynamic_update_slice_batch
# iota takes no operands: it is never batched, but the table is complete.
core.batching_rules[iota_p] = lambda size, vals, dims, **params: (iota_p.bind(**params), None)
