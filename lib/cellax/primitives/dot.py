"""dot_general: contractions with batch dimensions (matmul, dot, einsum's backbone)."""
from __future__ import annotations

import numpy as np

from cellax.core import Primitive, ShapedArray
from cellax.interpreters.lowering import i64_array, tensor_type
from cellax.primitives.elementwise import _standard

dot_general_p = Primitive("dot_general")
dot_general_p.hidden_params = ("out_sharding",)
dot_general_p.hide_if_none = ("precision", "preferred_element_type")


def _dot_general_abstract_eval(lhs, rhs, *, dimension_numbers, precision=None,
                               preferred_element_type=None, out_sharding=None):
    (lc, rc), (lb, rb) = dimension_numbers
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise TypeError(f"dot_general requires equal numbers of lhs and rhs contracting and "
                        f"batch dimensions, got dimension_numbers {dimension_numbers}.")
    for dims, aval, side in ((lc, lhs, "lhs"), (rc, rhs, "rhs"), (lb, lhs, "lhs"),
                             (rb, rhs, "rhs")):
        if any(not 0 <= d < aval.ndim for d in dims):
            raise TypeError(f"dot_general requires {side} dimension numbers to be in range "
                            f"for its shape {aval.shape}, got {dimension_numbers}.")
    if any(lhs.shape[a] != rhs.shape[b] for a, b in zip(lb, rb)):
        raise TypeError(f"dot_general requires lhs batch dimensions and rhs batch dimensions "
                        f"to have the same shape, got {tuple(lhs.shape[a] for a in lb)} and "
                        f"{tuple(rhs.shape[b] for b in rb)}.")
    if any(lhs.shape[a] != rhs.shape[b] for a, b in zip(lc, rc)):
        raise TypeError(f"dot_general requires contracting dimensions to have the same shape, "
                        f"got {tuple(lhs.shape[a] for a in lc)} and "
                        f"{tuple(rhs.shape[b] for b in rc)}.")
    if lhs.dtype != rhs.dtype and preferred_element_type is None:
        raise TypeError(f"dot_general requires operands of the same dtype, got "
                        f"{lhs.dtype.name} and {rhs.dtype.name}.")
    batch = [lhs.shape[a] for a in lb]
    lfree = [d for i, d in enumerate(lhs.shape) if i not in lc and i not in lb]
    rfree = [d for i, d in enumerate(rhs.shape) if i not in rc and i not in rb]
    dt = np.dtype(preferred_element_type) if preferred_element_type is not None else lhs.dtype
    return ShapedArray((*batch, *lfree, *rfree), dt, lhs.weak_type and rhs.weak_type)


_PRECISION = {None: "DEFAULT", "DEFAULT": "DEFAULT", "HIGH": "HIGH", "HIGHEST": "HIGHEST"}


def _precision_attr(precision) -> str:
    if precision is None:
        return "[#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>]"
    names = [getattr(p, "name", str(p)).split(".")[-1] for p in precision]
    return "[" + ", ".join(f"#stablehlo<precision {n}>" for n in names) + "]"


def _dot_general_lower(ctx, lhs, rhs, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
    (lc, rc), (lb, rb) = dimension_numbers
    la, ra = ctx.avals_in
    out = ctx.avals_out[0]
    if la.dtype != out.dtype:
        lhs = ctx.convert(lhs, la, out.dtype)
        la = ShapedArray(la.shape, out.dtype)
    if ra.dtype != out.dtype:
        rhs = ctx.convert(rhs, ra, out.dtype)
        ra = ShapedArray(ra.shape, out.dtype)
    dn = (f"#stablehlo.dot<lhs_batching_dimensions = [{', '.join(map(str, lb))}], "
          f"rhs_batching_dimensions = [{', '.join(map(str, rb))}], "
          f"lhs_contracting_dimensions = [{', '.join(map(str, lc))}], "
          f"rhs_contracting_dimensions = [{', '.join(map(str, rc))}]>")
    return ctx.op("stablehlo.dot_general", [lhs, rhs], [tensor_type(la), tensor_type(ra)],
                  [tensor_type(out)],
                  {"dot_dimension_numbers": dn,
                   "precision_config": _precision_attr(precision)})[0]


_standard(dot_general_p, _dot_general_abstract_eval, _dot_general_lower)
_unused = i64_array


# ---------------------------------------------------------------------------------------
# Autodiff rules: dot_general is bilinear; its transposes are dot_generals again.

from cellax import core  # noqa: E402
from cellax.interpreters.jvp import Zero, defjvp  # noqa: E402
from cellax.interpreters.transpose import is_undefined_primal  # noqa: E402


def _consecutive(*lengths):
    start = 0
    for n in lengths:
        yield list(range(start, start + n))
        start += n


def _transpose_lhs(ct, lhs_aval, rhs, dimension_numbers, precision, preferred_element_type,
                   swap_ans=False):
    (lc, rc), (lb, rb) = dimension_numbers
    rhs_ndim = core.get_aval(rhs).ndim
    l_kept = [i for i in range(lhs_aval.ndim) if i not in lc and i not in lb]
    r_kept = [i for i in range(rhs_ndim) if i not in rc and i not in rb]
    if swap_ans:
        ans_batch, ans_r, _ = _consecutive(len(lb), len(r_kept), len(l_kept))
    else:
        ans_batch, _, ans_r = _consecutive(len(lb), len(l_kept), len(r_kept))
    dims = ((ans_r, r_kept), (ans_batch, list(rb)))
    lc_sorted_by_rc = [lc[i] for i in np.argsort(rc)]
    out_axes = np.argsort(list(lb) + l_kept + lc_sorted_by_rc)
    from cellax.lax.lax import _DimNums
    res = dot_general_p.bind(ct, rhs, dimension_numbers=_DimNums(dims), precision=precision,
                             preferred_element_type=preferred_element_type, out_sharding=None)
    from cellax.primitives.shape import transpose_p
    perm = tuple(int(i) for i in out_axes)
    res = transpose_p.bind(res, permutation=perm) if perm != tuple(range(len(perm))) else res
    if core.get_aval(res).dtype != lhs_aval.dtype:
        from cellax.primitives.elementwise import convert_element_type_p
        res = convert_element_type_p.bind(res, new_dtype=lhs_aval.dtype, weak_type=False,
                                          sharding=None)
    return res


def _dot_general_transpose(ct, lhs, rhs, *, dimension_numbers, precision=None,
                           preferred_element_type=None, out_sharding=None):
    if type(ct) is Zero:
        return [None, None]
    (lc, rc), (lb, rb) = dimension_numbers
    if is_undefined_primal(lhs):
        return [_transpose_lhs(ct, lhs.aval, rhs, dimension_numbers, precision,
                               preferred_element_type), None]
    swapped = ((rc, lc), (rb, lb))
    return [None, _transpose_lhs(ct, rhs.aval, lhs, swapped, precision,
                                 preferred_element_type, swap_ans=True)]


def _dot_jvp_lhs(t, lhs, rhs, **params):
    return dot_general_p.bind(t, rhs, **params)


def _dot_jvp_rhs(t, lhs, rhs, **params):
    return dot_general_p.bind(lhs, t, **params)


defjvp(dot_general_p, _dot_jvp_lhs, _dot_jvp_rhs)
core.transpose_rules[dot_general_p] = _dot_general_transpose


# ---------------------------------------------------------------------------------------
# Batching rule: a batch dim on both sides becomes a dot_general batch dimension; on one
# side it is a free dimension of that side.

def _dot_general_batch(size, vals, dims, *, dimension_numbers, **params):
    from cellax.lax.lax import _DimNums
    (lhs, rhs), (ld, rd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers

    def shift(ds, bd):
        return [x + (x >= bd) for x in ds]

    if ld is not None and rd is not None:
        new = ((shift(lc, ld), shift(rc, rd)), ([ld, *shift(lb, ld)], [rd, *shift(rb, rd)]))
        out = dot_general_p.bind(lhs, rhs, dimension_numbers=_DimNums(new), **params)
        return out, 0
    if ld is not None:
        new = ((shift(lc, ld), list(rc)), (shift(lb, ld), list(rb)))
        lhs_nd = core.get_aval(lhs).ndim
        free = [i for i in range(lhs_nd) if i not in new[0][0] and i not in new[1][0]]
        out = dot_general_p.bind(lhs, rhs, dimension_numbers=_DimNums(new), **params)
        return out, len(lb) + free.index(ld)
    new = ((list(lc), shift(rc, rd)), (list(lb), shift(rb, rd)))
    lhs_nd = core.get_aval(lhs).ndim
    rhs_nd = core.get_aval(rhs).ndim
    lhs_free = lhs_nd - len(lc) - len(lb)
    free = [i for i in range(rhs_nd) if i not in new[0][1] and i not in new[1][1]]
    out = dot_general_p.bind(lhs, rhs, dimension_numbers=_DimNums(new), **params)
    return out, len(lb) + lhs_free + free.index(rd)


core.batching_rules[dot_general_p] = _dot_general_batch
