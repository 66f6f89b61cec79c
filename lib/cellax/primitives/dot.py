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
