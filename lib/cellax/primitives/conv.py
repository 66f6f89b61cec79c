"""conv_general_dilated: XLA's general convolution, with every rule.

The primitive works in the layout named by its `ConvDimensionNumbers`: each spec lists,
in order, the array dimensions holding (batch, feature, spatial...) for lhs and the
output, and (out feature, in feature, spatial...) for rhs. Spatial dimensions of all
three are paired up by position in the specs.

It is bilinear: its jvp applies it to each tangent, and each transpose is another
convolution (the lhs one with a reversed kernel and strides turned into lhs dilation,
the rhs one with the output cotangent playing the kernel). Feature groups and batch
groups trade places across the transposes, and vmap folds the mapped axis into the
batch or feature dimension, growing the group counts where it must.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.interpreters.lowering import bool_array, i64_array, tensor_type
from cellax.primitives.dot import _precision_attr
from cellax.primitives.elementwise import _standard


class ConvDimensionNumbers(NamedTuple):
    """Where batch, feature and spatial dimensions sit in lhs, rhs and the output.

    lhs_spec / out_spec: (batch dim, feature dim, spatial dims...);
    rhs_spec: (out feature dim, in feature dim, spatial dims...)."""
    lhs_spec: Sequence[int]
    rhs_spec: Sequence[int]
    out_spec: Sequence[int]


conv_general_dilated_p = Primitive("conv_general_dilated")


# ---------------------------------------------------------------------------------------
# Shapes


def _dilate_dim(d: int, r: int) -> int:
    return d if r == 1 else max(0, 1 + r * (d - 1))


def dilate_shape(shape, dilation) -> tuple:
    """Each trailing dim of `shape` dilated by its factor (leading dims unchanged)."""
    if not all(int(r) > 0 for r in dilation):
        raise TypeError(f"All dilations must be positive, got {tuple(dilation)}.")
    dilation = (1,) * (len(shape) - len(dilation)) + tuple(dilation)
    return tuple(_dilate_dim(int(d), int(r)) for d, r in zip(shape, dilation))


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1) -> tuple:
    """Output shape of a conv whose operands are in canonical (N, C, spatial...) order."""
    if isinstance(pads, str):
        from cellax.lax.convolution import padtype_to_pads
        pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    if len(pads) != len(lhs_shape) - 2:
        raise TypeError(f"Wrong number of explicit pads for convolution: expected "
                        f"{len(lhs_shape) - 2}, got {len(pads)}.")
    padded = [int(d) + int(lo) + int(hi) for d, (lo, hi) in zip(lhs_shape[2:], pads)]
    if any(p < 0 for p in padded):
        raise ValueError("Negative padding is larger than the size of the corresponding "
                         f"dimension: got padding={pads} for lhs_shape[2:]="
                         f"{tuple(np.int64(d) for d in lhs_shape[2:])}")
    spatial = tuple(max(0, (p - int(k)) // int(s) + 1)
                    for p, k, s in zip(padded, rhs_shape[2:], strides))
    batch = int(lhs_shape[0])
    if batch_group_count > 1:
        batch //= batch_group_count
    return (batch, int(rhs_shape[0])) + spatial


def _take(shape, perm) -> tuple:
    return tuple(int(shape[i]) for i in perm)


def _conv_shape(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count) -> tuple:
    dn = dimension_numbers
    if len(lhs.shape) != len(rhs.shape):
        raise ValueError("conv_general_dilated lhs and rhs must have the same number of "
                         f"dimensions, but got {lhs.shape} and {rhs.shape}.")
    fgc, bgc = feature_group_count, batch_group_count
    if not fgc > 0:
        raise ValueError("conv_general_dilated feature_group_count must be a positive "
                         f"integer, got {fgc}.")
    c_in = lhs.shape[dn.lhs_spec[1]]
    quot, rem = divmod(c_in, fgc)
    if rem:
        raise ValueError("conv_general_dilated feature_group_count must divide lhs feature "
                         f"dimension size, but {fgc} does not divide {c_in}.")
    k_in, k_out = rhs.shape[dn.rhs_spec[1]], rhs.shape[dn.rhs_spec[0]]
    if quot != k_in:
        raise ValueError("conv_general_dilated lhs feature dimension size divided by "
                         "feature_group_count must equal the rhs input feature dimension "
                         f"size, but {c_in} // {fgc} != {k_in}.")
    if k_out % fgc:
        raise ValueError("conv_general_dilated rhs output feature dimension size must be a "
                         f"multiple of feature_group_count, but {k_out} is not a multiple "
                         f"of {fgc}.")
    if not bgc > 0:
        raise ValueError("conv_general_dilated batch_group_count must be a positive "
                         f"integer, got {bgc}.")
    n = lhs.shape[dn.lhs_spec[0]]
    if bgc > 1 and n % bgc:
        raise ValueError("conv_general_dilated batch_group_count must divide lhs batch "
                         f"dimension size, but {bgc} does not divide {n}.")
    if k_out % bgc:
        raise ValueError("conv_general_dilated rhs output feature dimension size must be a "
                         f"multiple of batch_group_count, but {k_out} is not a multiple "
                         f"of {bgc}.")
    if bgc > 1 and fgc > 1:
        raise ValueError("At most one of batch_group_count and feature_group_count may be "
                         f"> 1, got batch_group_count={bgc} and feature_group_count={fgc}")
    if len(dn.rhs_spec) - 2 != len(window_strides):
        raise ValueError("conv_general_dilated window and window_strides must have the same "
                         f"number of dimensions, but got {len(dn.rhs_spec) - 2} and "
                         f"{len(window_strides)}")
    lhs_t = dilate_shape(_take(lhs.shape, dn.lhs_spec), lhs_dilation)
    rhs_t = dilate_shape(_take(rhs.shape, dn.rhs_spec), rhs_dilation)
    out_t = conv_shape_tuple(lhs_t, rhs_t, window_strides, padding, bgc)
    return tuple(out_t[i] for i in np.argsort(dn.out_spec))


def _kind(dt: np.dtype) -> str:
    # 'f' also for ml_dtypes floats (bfloat16 ...), whose numpy kind is 'V'.
    if dt.kind in "iucb":
        return dt.kind
    return "f" if dtypes.is_inexact(dt) else dt.kind


def _check_preferred(input_dtype, preferred) -> None:
    i_dt, p_dt = np.dtype(input_dtype), np.dtype(preferred)
    ik, pk = _kind(i_dt), _kind(p_dt)
    if not (ik in "iu" and pk == "f"):
        for kinds in ("iu", "f", "c"):
            if ik in kinds and pk not in kinds:
                raise TypeError("Input type is incompatible with `preferred_element_type`. "
                                "The compatible combinations of (input_type, "
                                "preferred_element_type) are (integral, integral), "
                                "(integral, floating), (floating, floating), "
                                "(complex, complex.")
        if ik == "i" and pk != "i":
            raise TypeError("`preferred_element_type` must have the same signedness as the "
                            "original type.")
    if p_dt.itemsize < i_dt.itemsize:
        raise TypeError("`preferred_element_type` must not be narrower than the original "
                        "type.")


def _conv_abstract_eval(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count, batch_group_count,
                        precision=None, preferred_element_type=None, out_sharding=None):
    if not isinstance(dimension_numbers, ConvDimensionNumbers):
        raise TypeError("conv_general_dilated dimension_numbers must be a "
                        f"ConvDimensionNumbers, got {dimension_numbers!r}.")
    for aval in (lhs, rhs):
        if aval.dtype == dtypes.float0:
            raise TypeError("Called conv_general_dilated with a float0 argument; float0s do "
                            "not support any operations by design.")
    if lhs.dtype != rhs.dtype:
        raise TypeError("lax.conv_general_dilated requires arguments to have the same "
                        f"dtypes, got {lhs.dtype}, {rhs.dtype}.")
    shape = _conv_shape(lhs, rhs, window_strides=window_strides, padding=padding,
                        lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                        dimension_numbers=dimension_numbers,
                        feature_group_count=feature_group_count,
                        batch_group_count=batch_group_count)
    dt = lhs.dtype
    if preferred_element_type is not None:
        _check_preferred(dt, preferred_element_type)
        dt = np.dtype(preferred_element_type)
    return ShapedArray(shape, dt, lhs.weak_type and rhs.weak_type)


# ---------------------------------------------------------------------------------------
# Lowering: stablehlo.convolution. Complex convolutions become three real ones (Gauss's
# product), as JAX does on CPU and GPU, where XLA's complex convolution is slow or absent.


def _conv_dn_attr(dn: ConvDimensionNumbers) -> str:
    def layout(spec, first, second):
        roles = [""] * len(spec)
        roles[spec[0]], roles[spec[1]] = first, second
        for k, d in enumerate(spec[2:]):
            roles[d] = str(k)
        return "[" + ", ".join(roles) + "]"
    return (f"#stablehlo.conv<{layout(dn.lhs_spec, 'b', 'f')}x"
            f"{layout(dn.rhs_spec, 'o', 'i')}->{layout(dn.out_spec, 'b', 'f')}>")


def _emit_conv(ctx, lhs, rhs, la, ra, out_aval, params) -> str:
    nsp = len(params["window_strides"])
    pads = np.asarray(params["padding"], np.int64).reshape(nsp, 2)
    pad_attr = (f"dense<{pads.tolist()}> : tensor<{nsp}x2xi64>" if nsp
                else "dense<> : tensor<0x2xi64>")
    attrs = {
        "batch_group_count": f"{params['batch_group_count']} : i64",
        "dimension_numbers": _conv_dn_attr(params["dimension_numbers"]),
        "feature_group_count": f"{params['feature_group_count']} : i64",
        "lhs_dilation": i64_array(params["lhs_dilation"]),
        "padding": pad_attr,
        "precision_config": _precision_attr(params["precision"]),
        "rhs_dilation": i64_array(params["rhs_dilation"]),
        "window_reversal": bool_array([False] * nsp),
        "window_strides": i64_array(params["window_strides"]),
    }
    return ctx.op("stablehlo.convolution", [lhs, rhs], [tensor_type(la), tensor_type(ra)],
                  [tensor_type(out_aval)], attrs)[0]


def _conv_lower(ctx, lhs, rhs, **params):
    la, ra = ctx.avals_in
    out = ctx.avals_out[0]
    if la.dtype != out.dtype:
        lhs, la = ctx.convert(lhs, la, out.dtype), ShapedArray(la.shape, out.dtype)
    if ra.dtype != out.dtype:
        rhs, ra = ctx.convert(rhs, ra, out.dtype), ShapedArray(ra.shape, out.dtype)
    if out.dtype.kind != "c":
        return _emit_conv(ctx, lhs, rhs, la, ra, out, params)
    real_dt = np.finfo(out.dtype).dtype
    lr_a, rr_a = ShapedArray(la.shape, real_dt), ShapedArray(ra.shape, real_dt)
    or_a = ShapedArray(out.shape, real_dt)

    def part(op, x, a_c, a_r):
        return ctx.op(op, [x], [tensor_type(a_c)], [tensor_type(a_r)])[0]

    def binop(op, x, y, a):
        return ctx.op(op, [x, y], [tensor_type(a)] * 2, [tensor_type(a)])[0]

    x_re, x_im = part("stablehlo.real", lhs, la, lr_a), part("stablehlo.imag", lhs, la, lr_a)
    y_re, y_im = part("stablehlo.real", rhs, ra, rr_a), part("stablehlo.imag", rhs, ra, rr_a)
    k1 = _emit_conv(ctx, binop("stablehlo.add", x_re, x_im, lr_a), y_re, lr_a, rr_a, or_a,
                    params)
    k2 = _emit_conv(ctx, x_re, binop("stablehlo.subtract", y_im, y_re, rr_a), lr_a, rr_a,
                    or_a, params)
    k3 = _emit_conv(ctx, x_im, binop("stablehlo.add", y_re, y_im, rr_a), lr_a, rr_a, or_a,
                    params)
    re = binop("stablehlo.subtract", k1, k3, or_a)
    im = binop("stablehlo.add", k1, k2, or_a)
    return ctx.op("stablehlo.complex", [re, im], [tensor_type(or_a)] * 2,
                  [tensor_type(out)])[0]


_standard(conv_general_dilated_p, _conv_abstract_eval, _conv_lower)


# ---------------------------------------------------------------------------------------
# Helpers shared by the transpose and batching rules


def _bind(lhs, rhs, **params):
    return conv_general_dilated_p.bind(lhs, rhs, **params)


def _reshape(x, shape):
    from cellax.primitives.shape import reshape_p
    shape = tuple(int(d) for d in shape)
    if tuple(core.get_aval(x).shape) == shape:
        return x
    return reshape_p.bind(x, new_sizes=shape, dimensions=None, sharding=None)


def _merge_axis(src: int, dst: int, x):
    """Fold axis `src` of `x` into axis `dst` (numbered with `src` removed) as its major
    part."""
    from cellax.primitives.shape import transpose_p
    shape = list(core.get_aval(x).shape)
    perm = [i for i in range(len(shape)) if i != src]
    perm.insert(dst, src)
    if perm != list(range(len(shape))):
        x = transpose_p.bind(x, permutation=tuple(perm))
    size = shape.pop(src)
    shape[dst] *= size
    return _reshape(x, shape)


def _split_axis(src: int, major: int, x):
    """Split axis `src` of `x` into (major, rest) in place."""
    shape = list(core.get_aval(x).shape)
    rest, ragged = divmod(shape[src], major)
    assert not ragged
    shape[src:src + 1] = [major, rest]
    return _reshape(x, shape)


def _swap_first_two(spec) -> tuple:
    return (spec[1], spec[0]) + tuple(spec[2:])


def _cast(x, dtype):
    from cellax.primitives.elementwise import convert_element_type_p
    if core.get_aval(x).dtype == dtype:
        return x
    return convert_element_type_p.bind(x, new_dtype=np.dtype(dtype), weak_type=False,
                                       sharding=None)


# ---------------------------------------------------------------------------------------
# Autodiff: bilinear jvp; the two transposes.

from cellax.interpreters.jvp import Zero, defjvp  # noqa: E402
from cellax.interpreters.transpose import is_undefined_primal  # noqa: E402


def _lhs_transpose_pads(in_sp, k_sp, strides, out_sp, padding, lhs_dil, rhs_dil):
    lhs_d = dilate_shape(in_sp, lhs_dil)
    k_d = dilate_shape(k_sp, rhs_dil)
    out_d = dilate_shape(out_sp, strides)
    pads = []
    for ld, kd, od, (lo, _) in zip(lhs_d, k_d, out_d, padding):
        before = kd - lo - 1
        pads.append((int(before), int(ld + kd - 1 - od - before)))
    return tuple(pads)


def _rhs_transpose_pads(in_sp, k_sp, strides, out_sp, padding, lhs_dil, rhs_dil):
    lhs_d = dilate_shape(in_sp, lhs_dil)
    k_d = dilate_shape(k_sp, rhs_dil)
    out_d = dilate_shape(out_sp, strides)
    return tuple((int(lo), int(od - ld + kd - lo - 1))
                 for ld, kd, od, (lo, _) in zip(lhs_d, k_d, out_d, padding))


def _transpose_lhs(ct, lhs_aval, rhs, *, window_strides, padding, lhs_dilation,
                   rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
                   precision, preferred_element_type, out_sharding=None):
    from cellax.primitives.shape import rev_p
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    rhs_shape = core.get_aval(rhs).shape
    groups = 1
    if feature_group_count > 1 or batch_group_count > 1:
        # The groups sit major in the kernel's output features; the transposed conv wants
        # them in its output features, which are the kernel's input-feature axis.
        groups = max(feature_group_count, batch_group_count)
        rhs = _split_axis(rhs_spec[0], groups, rhs)
        rhs = _merge_axis(rhs_spec[0], rhs_spec[1], rhs)
    pads = _lhs_transpose_pads(_take(lhs_aval.shape, lhs_spec[2:]),
                               _take(rhs_shape, rhs_spec[2:]), window_strides,
                               _take(core.get_aval(ct).shape, out_spec[2:]), padding,
                               lhs_dilation, rhs_dilation)
    kernel = rev_p.bind(rhs, dimensions=tuple(rhs_spec[2:])) if len(rhs_spec) > 2 else rhs
    kernel = _cast(kernel, core.get_aval(ct).dtype)
    dn = ConvDimensionNumbers(tuple(out_spec), _swap_first_two(rhs_spec), tuple(lhs_spec))
    out = _bind(ct, kernel, window_strides=tuple(lhs_dilation), padding=pads,
                lhs_dilation=tuple(window_strides), rhs_dilation=tuple(rhs_dilation),
                dimension_numbers=dn, feature_group_count=groups, batch_group_count=1,
                precision=precision, preferred_element_type=preferred_element_type,
                out_sharding=None)
    out = _cast(out, lhs_aval.dtype)
    if batch_group_count > 1:
        out = _split_axis(lhs_spec[1], batch_group_count, out)
        out = _merge_axis(lhs_spec[1], lhs_spec[0], out)
    return out


def _transpose_rhs(ct, lhs, rhs_aval, *, window_strides, padding, lhs_dilation,
                   rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
                   precision, preferred_element_type, out_sharding=None):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    # Feature groups of the forward conv become batch groups here, and vice versa.
    fgc, bgc = batch_group_count, feature_group_count
    pads = _rhs_transpose_pads(_take(core.get_aval(lhs).shape, lhs_spec[2:]),
                               _take(rhs_aval.shape, rhs_spec[2:]), window_strides,
                               _take(core.get_aval(ct).shape, out_spec[2:]), padding,
                               lhs_dilation, rhs_dilation)
    dn = ConvDimensionNumbers(_swap_first_two(lhs_spec), _swap_first_two(out_spec),
                              _swap_first_two(rhs_spec))
    lhs = _cast(lhs, core.get_aval(ct).dtype)
    out = _bind(lhs, ct, window_strides=tuple(rhs_dilation), padding=pads,
                lhs_dilation=tuple(lhs_dilation), rhs_dilation=tuple(window_strides),
                dimension_numbers=dn, feature_group_count=fgc, batch_group_count=bgc,
                precision=precision, preferred_element_type=preferred_element_type,
                out_sharding=None)
    return _cast(out, rhs_aval.dtype)


def _conv_transpose_rule(ct, lhs, rhs, **params):
    if type(ct) is Zero:
        return [None, None]
    if is_undefined_primal(lhs):
        return [_transpose_lhs(ct, lhs.aval, rhs, **params), None]
    if np.prod(core.get_aval(ct).shape) == 0:
        return [None, None]
    return [None, _transpose_rhs(ct, lhs, rhs.aval, **params)]


defjvp(conv_general_dilated_p,
       lambda t, lhs, rhs, **params: _bind(t, rhs, **params),
       lambda t, lhs, rhs, **params: _bind(lhs, t, **params))
core.transpose_rules[conv_general_dilated_p] = _conv_transpose_rule


# ---------------------------------------------------------------------------------------
# Batching: the mapped axis joins the lhs batch dimension (lhs mapped), the kernel's
# output features (rhs mapped), or both with a feature-group per example (both mapped).


def _conv_batch(size, vals, dims, **params):
    lhs, rhs = vals
    ld, rd = dims
    lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
    fgc, bgc = params["feature_group_count"], params["batch_group_count"]
    if size == 0:
        l_shape = list(core.get_aval(lhs).shape)
        r_shape = list(core.get_aval(rhs).shape)
        if ld is not None:
            l_shape.pop(ld)
        if rd is not None:
            r_shape.pop(rd)
        aval = _conv_abstract_eval(ShapedArray(tuple(l_shape), core.get_aval(lhs).dtype),
                                   ShapedArray(tuple(r_shape), core.get_aval(rhs).dtype),
                                   **params)
        from cellax import lax
        return lax.full((0, *aval.shape), 0, aval.dtype), 0

    if ld is not None and rd is not None:
        new = dict(params)
        if bgc > 1:
            lhs = _merge_axis(ld, lhs_spec[0], lhs)
            new["batch_group_count"] = bgc * size
        else:
            lhs = _merge_axis(ld, lhs_spec[1], lhs)
            new["feature_group_count"] = fgc * size
        rhs = _merge_axis(rd, rhs_spec[0], rhs)
        out = _bind(lhs, rhs, **new)
        return _split_axis(out_spec[1], size, out), out_spec[1]

    if ld is not None:
        if bgc == 1:
            lhs = _merge_axis(ld, lhs_spec[0], lhs)
        else:
            # Batch groups must stay major in the batch dimension: split them out, put the
            # mapped axis right below them, and fold both back.
            b = lhs_spec[0]
            lhs = _split_axis(b + int(ld <= b), bgc, lhs)
            lhs = _merge_axis(ld + int(b < ld), b + 1, lhs)
            lhs = _merge_axis(b, b, lhs)
        out = _bind(lhs, rhs, **params)
        return _split_axis(out_spec[0], size, out), out_spec[0]

    if fgc == 1 and bgc == 1:
        rhs = _merge_axis(rd, rhs_spec[0], rhs)
        out = _bind(lhs, rhs, **params)
        return _split_axis(out_spec[1], size, out), out_spec[1]
    # Groups are major in the kernel's output features: keep them outermost with the
    # mapped axis just inside, then unpick the same order from the output features.
    groups = fgc if fgc > 1 else bgc
    o = rhs_spec[0]
    rhs = _split_axis(o + int(rd <= o), groups, rhs)
    rhs = _merge_axis(rd + int(o < rd), o + 1, rhs)
    rhs = _merge_axis(o, o, rhs)
    out = _bind(lhs, rhs, **params)
    f = out_spec[1]
    out = _split_axis(f, groups, out)
    out = _split_axis(f + 1, size, out)
    out = _merge_axis(f, f + 1, out)
    return out, f


core.batching_rules[conv_general_dilated_p] = _conv_batch
