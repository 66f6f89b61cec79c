"""Linear-algebra primitives, part 1: cholesky, triangular_solve, lu and
lu_pivots_to_permutation, plus the helpers every decomposition shares.

Each primitive works on the trailing two (one for pivots) dimensions and treats any
leading dimensions as a batch. On CPU the factorizations run jaxlib's LAPACK kernels,
emitted as typed-FFI `stablehlo.custom_call`s on column-major buffers (the layouts ask
XLA for a Fortran-ordered batch of matrices, so no transposes are written by hand);
`backend.lapack_target` registers the kernels on first use. A failed factorization
(LAPACK `info != 0`) fills that matrix of the batch with NaNs, as JAX does.
`triangular_solve` lowers to the native `stablehlo.triangular_solve`.
GPU solver kernels are not wired: lowering a LAPACK-backed op for another platform
raises NotImplementedError naming the op.

The eigen- and singular-value decompositions and QR are in `linalg_decomp.py`.
"""
from __future__ import annotations

import numpy as np

from cellax import core, dtypes
from cellax.core import Primitive, ShapedArray
from cellax.dispatch import apply_primitive
from cellax.interpreters.jvp import Zero, def_nondifferentiable, tangent_aval
from cellax.interpreters.lowering import lower_fun, tensor_type

# ---------------------------------------------------------------------------------------
# Shared: abstract evaluation with batch dimensions

I32 = np.dtype(np.int32)


def check_linalg_operand(name: str, aval: ShapedArray, rank: int = 2, index: int = 0,
                         allowed: str = "fc") -> tuple:
    """Batch shape of an operand whose trailing `rank` dims are the matrix; checks dtype."""
    dt = aval.dtype
    if dt.kind not in allowed or dt == dtypes.bfloat16 or dt == np.float16:
        wanted = {"fc": "floating, complexfloating", "iu": "integer"}.get(allowed, allowed)
        raise TypeError(f"{name} does not accept dtype {dt.name}. Accepted dtypes are "
                        f"subtypes of {wanted}.")
    if aval.ndim < rank:
        raise TypeError(f"Input {index} to {name} must have rank at least {rank}, but got "
                        f"shape={aval.shape}")
    return aval.shape[:aval.ndim - rank]


def complex_dtype(dt: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if np.dtype(dt) in (np.float64, np.complex128) \
        else np.dtype(np.complex64)


def real_dtype(dt: np.dtype) -> np.dtype:
    return np.dtype(np.float64) if np.dtype(dt) in (np.float64, np.complex128) \
        else np.dtype(np.float32)


def standard_linalg(prim: Primitive, abstract_eval, lowering, multiple_results=False):
    prim.multiple_results = multiple_results
    prim.def_impl(lambda *args, **params: apply_primitive(prim, *args, **params))
    prim.def_abstract_eval(abstract_eval)
    core.lowering_rules[prim] = lowering
    core.batching_rules[prim] = _batch_at_front(prim)
    return prim


def _batch_at_front(prim):
    """Every linalg primitive takes leading batch dims: move vmap's batch dim in front
    (broadcasting unbatched operands) and bind once."""
    def rule(size, vals, dims, **params):
        from cellax.interpreters.batching import bdim_at_front
        vals = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
        out = prim.bind(*vals, **params)
        if prim.multiple_results:
            return out, [0] * len(out)
        return out, 0
    return rule


# ---------------------------------------------------------------------------------------
# Shared: LAPACK custom calls


def _layout(ndim: int, column_major: bool) -> str:
    if column_major and ndim >= 2:
        order = [ndim - 2, ndim - 1, *range(ndim - 3, -1, -1)]
    else:
        order = list(range(ndim - 1, -1, -1))
    if not order:
        return "dense<> : tensor<0xindex>"
    body = order[0] if len(order) == 1 else f"[{', '.join(map(str, order))}]"
    return f"dense<{body}> : tensor<{len(order)}xindex>"


def _require_cpu(op_name: str) -> None:
    from cellax import backend
    if backend.default_backend() != "cpu":
        raise NotImplementedError(
            f"cellax.lax.linalg.{op_name} runs LAPACK kernels and is only implemented on "
            f"CPU; GPU solver kernels are not wired in cellax. Run on CPU "
            f"(CELLAX_PLATFORMS=cpu) or place the operands on a CPU device.")


def lapack_call(ctx, op_name: str, routine: str, dtype, operands, avals_in, avals_out,
                attrs: dict | None = None, aliases: dict | None = None) -> list[str]:
    """Emit a LAPACK FFI custom call; returns the SSA names of its results.

    Operands and results of the largest rank are passed column-major (batch dims
    outermost); lower-rank ones (pivots, taus, info) row-major."""
    _require_cpu(op_name)
    from cellax import backend
    target = backend.lapack_target(routine, dtype)
    max_nd = max(a.ndim for a in avals_in)
    config = ", ".join(f"{k} = {v}" for k, v in (attrs or {}).items())
    alias_txt = ", ".join(
        f"#stablehlo.output_operand_alias<output_tuple_indices = "
        f"{'[]' if len(avals_out) == 1 else f'[{o}]'}, operand_index = {i}, "
        f"operand_tuple_indices = []>" for o, i in (aliases or {}).items())
    attr = {
        "api_version": "4 : i32",
        "backend_config": "{" + config + "}",
        "call_target_name": f'"{target}"',
        "has_side_effect": "false",
        "operand_layouts": "[" + ", ".join(_layout(a.ndim, a.ndim == max_nd)
                                           for a in avals_in) + "]",
        "result_layouts": "[" + ", ".join(_layout(a.ndim, a.ndim == max_nd)
                                          for a in avals_out) + "]",
        "mhlo.frontend_attributes": f'{{num_batch_dims = "{max_nd - 2}"}}',
    }
    if alias_txt:
        attr["output_operand_aliases"] = f"[{alias_txt}]"
    return ctx.op("stablehlo.custom_call", list(operands),
                  [tensor_type(a) for a in avals_in], [tensor_type(a) for a in avals_out],
                  attr)


def char_attr(c: str) -> str:
    return f"{ord(c)} : ui8"


def nan_if_not_ok(info, x, ok_if_nonnegative: bool = False):
    """x (batch of matrices/vectors) with every entry NaN where the batch's info says the
    LAPACK call failed."""
    from cellax import lax
    xa = core.get_aval(x)
    ia = core.get_aval(info)
    zero = lax.full((), 0, np.int32)
    ok = lax.ge(info, zero) if ok_if_nonnegative else lax.eq(info, zero)
    ok = lax.broadcast_in_dim(ok, xa.shape, tuple(range(ia.ndim)))
    nan = np.nan + 1j * np.nan if xa.dtype.kind == "c" else np.nan
    return lax.select(ok, x, lax.full(xa.shape, nan, xa.dtype))


# ---------------------------------------------------------------------------------------
# Matrix helpers used by the derivative rules (batched over leading dims)


def _T(x):
    from cellax import lax
    nd = core.get_aval(x).ndim
    return lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x):
    from cellax import lax
    x = _T(x)
    return lax.conj(x) if core.get_aval(x).dtype.kind == "c" else x


def _conj(x):
    from cellax import lax
    return lax.conj(x) if core.get_aval(x).dtype.kind == "c" else x


def _tri_mask(shape, k: int, lower: bool):
    from cellax import lax
    nd = len(shape)
    rows = lax.broadcasted_iota(np.int32, shape, nd - 2)
    cols = lax.broadcasted_iota(np.int32, shape, nd - 1)
    return lax.ge(lax.add(rows, np.int32(k)), cols) if lower else \
        lax.le(lax.add(rows, np.int32(k)), cols)


def tril(x, k: int = 0):
    from cellax import lax
    a = core.get_aval(x)
    return lax.select(_tri_mask(a.shape, k, True), x, lax.full(a.shape, 0, a.dtype))


def triu(x, k: int = 0):
    from cellax import lax
    a = core.get_aval(x)
    return lax.select(_tri_mask(a.shape, k, False), x, lax.full(a.shape, 0, a.dtype))


def eye(dtype, n: int, batch=()):
    from cellax import lax
    shape = (*batch, n, n)
    mask = lax.eq(lax.broadcasted_iota(np.int32, shape, len(batch)),
                  lax.broadcasted_iota(np.int32, shape, len(batch) + 1))
    return lax.convert_element_type(mask, dtype)


def matmul(a, b):
    """Batched matrix product at HIGHEST precision (equal leading batch dims)."""
    from cellax import lax
    na, nb = core.get_aval(a).ndim, core.get_aval(b).ndim
    batch = tuple(range(na - 2))
    return lax.dot_general(a, b, (((na - 1,), (nb - 2,)), (batch, batch)),
                           precision=lax.Precision.HIGHEST)


def diagonal(x):
    """The diagonal of each matrix of a batch, [..., n, n] -> [..., n]."""
    from cellax import lax
    a = core.get_aval(x)
    n = min(a.shape[-2:])
    shape = (*a.shape[:-2], n, n)
    x = lax.slice(x, (0,) * a.ndim, shape)
    on_diag = lax.eq(lax.broadcasted_iota(np.int32, shape, a.ndim - 2),
                     lax.broadcasted_iota(np.int32, shape, a.ndim - 1))
    return lax.reduce_sum(lax.select(on_diag, x, lax.full(shape, 0, a.dtype)), (a.ndim - 1,))


def diag_embed(v):
    """[..., n] -> [..., n, n] with v on the diagonal."""
    from cellax import lax
    a = core.get_aval(v)
    n = a.shape[-1]
    shape = (*a.shape, n)
    vb = lax.broadcast_in_dim(v, shape, tuple(range(a.ndim)))
    return lax.mul(vb, eye(a.dtype, n, a.shape[:-1]))


# ---------------------------------------------------------------------------------------
# cholesky: A = L L^H for Hermitian positive-definite A (lower factor; the upper triangle
# of the result is left unspecified, `lax.linalg.cholesky` zeroes it).

cholesky_p = Primitive("cholesky")


def _cholesky_abstract_eval(a):
    check_linalg_operand("cholesky", a)
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"The input to cholesky must be a square matrix. Got shape "
                         f"{a.shape[-2:]}.")
    return ShapedArray(a.shape, a.dtype, a.weak_type)


def _cholesky_lower(ctx, a):
    aval, = ctx.avals_in
    info_aval = ShapedArray(aval.shape[:-2], I32)
    if aval.size == 0:
        return a
    res, info = lapack_call(ctx, "cholesky", "potrf", aval.dtype, [a], [aval],
                            [aval, info_aval], {"uplo": char_attr("L")}, {0: 0})
    return lower_fun(ctx, lambda i, r: [nan_if_not_ok(i, r)], [info, res],
                     [info_aval, aval])[0]


def _cholesky_jvp(primals, tangents):
    # With A = L L^H: dL = L phi(L^-1 dA L^-H), phi = lower triangle with half diagonal.
    from cellax import lax
    a, = primals
    da, = tangents
    L = tril(cholesky_p.bind(a))
    if type(da) is Zero:
        return L, Zero(tangent_aval(core.get_aval(L)))
    tmp = triangular_solve(L, da, left_side=False, lower=True, transpose_a=True,
                           conjugate_a=True)
    inner = triangular_solve(L, tmp, left_side=True, lower=True)
    n = core.get_aval(a).shape[-1]
    aval = core.get_aval(inner)
    half = lax.sub(lax.full(aval.shape, 1, aval.dtype),
                   lax.mul(eye(aval.dtype, n, aval.shape[:-2]),
                           lax.full(aval.shape, 0.5, aval.dtype)))
    return L, matmul(L, lax.mul(tril(inner), half))


standard_linalg(cholesky_p, _cholesky_abstract_eval, _cholesky_lower)
core.jvp_rules[cholesky_p] = _cholesky_jvp


# ---------------------------------------------------------------------------------------
# triangular_solve: X with op(A) X = B (left_side) or X op(A) = B, A triangular.
# Linear in B; its transpose solves with op(A)^T.

triangular_solve_p = Primitive("triangular_solve")


def _triangular_solve_abstract_eval(a, b, *, left_side, lower, transpose_a, conjugate_a,
                                    unit_diagonal):
    ba = check_linalg_operand("triangular_solve", a, index=0)
    bb = check_linalg_operand("triangular_solve", b, index=1)
    if a.dtype != b.dtype:
        raise TypeError(f"triangular_solve requires arguments to have the same dtypes, got "
                        f"{a.dtype.name}, {b.dtype.name}.")
    if len(ba) != len(bb):
        raise TypeError(f"All inputs to triangular_solve must have the same number of batch "
                        f"dimensions, but got {[len(ba), len(bb)]} batch dimensions for the "
                        f"inputs.")
    if ba != bb:
        raise ValueError(f"triangular_solve requires both arguments to have the same batch "
                         f"dimensions, got {ba} and {bb}.")
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"The first input to triangular_solve must be a square matrix. Got "
                         f"shape {a.shape[-2:]}.")
    common = b.shape[-2] if left_side else b.shape[-1]
    if a.shape[-1] != common:
        raise ValueError(f"Incompatible shapes for arguments to triangular_solve: "
                         f"{a.shape[-2:]} and {b.shape[-2:]}.")
    return ShapedArray(b.shape, b.dtype, a.weak_type and b.weak_type)


def _triangular_solve_lower(ctx, a, b, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
    aa, ab = ctx.avals_in
    if conjugate_a and not transpose_a:
        if aa.dtype.kind == "c":
            a = ctx.op("chlo.conj", [a], [tensor_type(aa)], [tensor_type(aa)])[0]
        conjugate_a = False
    mode = "NO_TRANSPOSE" if not transpose_a else ("ADJOINT" if conjugate_a else "TRANSPOSE")
    if aa.size == 0 or ab.size == 0:
        return ctx.constant(np.zeros(ab.shape, ab.dtype))

    def b_(v):
        return "true" if v else "false"

    return ctx.op("stablehlo.triangular_solve", [a, b], [tensor_type(aa), tensor_type(ab)],
                  [tensor_type(ctx.avals_out[0])],
                  {"left_side": b_(left_side), "lower": b_(lower),
                   "unit_diagonal": b_(unit_diagonal),
                   "transpose_a": f"#stablehlo<transpose {mode}>"})[0]


def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                   transpose_a=bool(transpose_a),
                                   conjugate_a=bool(conjugate_a),
                                   unit_diagonal=bool(unit_diagonal))


def _triangular_solve_jvp(primals, tangents, **params):
    from cellax import lax
    from cellax.interpreters.jvp import add_tangents
    a, b = primals
    da, db = tangents
    x = triangular_solve_p.bind(a, b, **params)
    out = Zero(tangent_aval(core.get_aval(x)))
    if type(db) is not Zero:
        out = add_tangents(out, triangular_solve_p.bind(a, db, **params))
    if type(da) is not Zero:
        # op(A) X = B  =>  op(dA) X + op(A) dX = 0, where only A's used triangle counts.
        k = 1 if params["unit_diagonal"] else 0
        g = tril(da, -k) if params["lower"] else triu(da, k)
        g = lax.neg(g)
        if params["transpose_a"]:
            g = _T(g)
        if params["conjugate_a"]:
            g = _conj(g)
        if params["left_side"]:
            dx = triangular_solve_p.bind(a, matmul(g, x), **params)
        else:
            dx = triangular_solve_p.bind(a, matmul(x, g), **params)
        out = add_tangents(out, dx)
    return x, out


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
    from cellax.interpreters.transpose import is_undefined_primal
    if is_undefined_primal(a):
        raise NotImplementedError("triangular_solve is not linear in its first argument")
    if type(ct) is Zero:
        return [None, None]
    ct_b = triangular_solve_p.bind(a, ct, left_side=left_side, lower=lower,
                                   transpose_a=not transpose_a, conjugate_a=conjugate_a,
                                   unit_diagonal=unit_diagonal)
    return [None, ct_b]


def _triangular_solve_batch(size, vals, dims, **params):
    from cellax import lax
    from cellax.interpreters.batching import bdim_at_front, moveaxis
    (a, b), (da, db) = vals, dims
    if da is None:
        # A shared triangular matrix: fold the batch into B's free dimension.
        bshape = core.get_aval(b).shape
        if params["left_side"]:
            b = moveaxis(b, db, len(bshape) - 1)
            s = core.get_aval(b).shape
            flat = lax.reshape(b, (*s[:-2], s[-2] * s[-1]))
            out = triangular_solve_p.bind(a, flat, **params)
            return lax.reshape(out, s), len(s) - 1
        b = moveaxis(b, db, len(bshape) - 2)
        s = core.get_aval(b).shape
        flat = lax.reshape(b, (*s[:-3], s[-3] * s[-2], s[-1]))
        out = triangular_solve_p.bind(a, flat, **params)
        return lax.reshape(out, s), len(s) - 2
    a = bdim_at_front(a, da, size)
    b = bdim_at_front(b, db, size)
    return triangular_solve_p.bind(a, b, **params), 0


triangular_solve_p.def_impl(lambda *args, **params:
                            apply_primitive(triangular_solve_p, *args, **params))
triangular_solve_p.def_abstract_eval(_triangular_solve_abstract_eval)
core.lowering_rules[triangular_solve_p] = _triangular_solve_lower
core.jvp_rules[triangular_solve_p] = _triangular_solve_jvp
core.transpose_rules[triangular_solve_p] = _triangular_solve_transpose
core.batching_rules[triangular_solve_p] = _triangular_solve_batch


# ---------------------------------------------------------------------------------------
# lu_pivots_to_permutation: LAPACK's sequential row swaps (row i <-> row pivots[i]) as a
# permutation of `permutation_size` rows.

lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")


def _p2p_abstract_eval(pivots, *, permutation_size):
    if pivots.dtype != np.int32:
        raise TypeError(f"lu_pivots_to_permutation requires int32 pivots, got "
                        f"{pivots.dtype.name}.")
    if pivots.ndim < 1:
        raise ValueError("Argument to lu_pivots_to_permutation must have rank >= 1, got "
                         f"shape {pivots.shape}")
    if permutation_size < pivots.shape[-1]:
        raise ValueError(f"Output permutation size {permutation_size} has to exceed the "
                         f"trailing dimension of the pivots. Got pivots size "
                         f"{pivots.shape[-1]}")
    return ShapedArray((*pivots.shape[:-1], permutation_size), np.dtype(np.int32))


def pivots_to_permutation(swaps, permutation_size: int):
    """The permutation for `swaps` (cellax ops; a loop over the swaps, each a masked
    exchange so batches of different swaps run together)."""
    from cellax import lax
    sa = core.get_aval(swaps)
    batch, k = sa.shape[:-1], sa.shape[-1]
    shape = (*batch, permutation_size)
    nd = len(shape)
    iota = lax.broadcasted_iota(np.int32, shape, nd - 1)
    if permutation_size == 0 or k == 0:
        return iota

    def body(i, perm):
        i = lax.convert_element_type(i, np.int32)
        j = lax.reshape(lax.dynamic_slice_in_dim(swaps, i, 1, nd - 1), batch)
        jb = lax.broadcast_in_dim(j, shape, tuple(range(nd - 1)))
        zero = lax.full(shape, 0, np.int32)
        at_i = lax.eq(iota, lax.broadcast_in_dim(i, shape, ()))
        at_j = lax.eq(iota, jb)
        xi = lax.reduce_sum(lax.select(at_i, perm, zero), (nd - 1,))
        xj = lax.reduce_sum(lax.select(at_j, perm, zero), (nd - 1,))
        xi = lax.broadcast_in_dim(xi, shape, tuple(range(nd - 1)))
        xj = lax.broadcast_in_dim(xj, shape, tuple(range(nd - 1)))
        return lax.select(at_j, xi, lax.select(at_i, xj, perm))

    return lax.fori_loop(np.int32(0), np.int32(k), body, iota)


def _p2p_lower(ctx, pivots, *, permutation_size):
    return lower_fun(ctx, lambda p: [pivots_to_permutation(p, permutation_size)], [pivots],
                     ctx.avals_in)[0]


standard_linalg(lu_pivots_to_permutation_p, _p2p_abstract_eval, _p2p_lower)
def_nondifferentiable(lu_pivots_to_permutation_p)  # integers in, integers out


# ---------------------------------------------------------------------------------------
# lu: P A = L U with partial pivoting. Outputs (lu, pivots, permutation): L (unit
# diagonal, below) and U (on and above the diagonal) packed into one matrix, the 0-based
# row swaps, and the permutation they make.

lu_p = Primitive("lu")


def _lu_abstract_eval(a):
    batch = check_linalg_operand("lu", a)
    m, n = a.shape[-2:]
    return [ShapedArray(a.shape, a.dtype, a.weak_type),
            ShapedArray((*batch, min(m, n)), np.dtype(np.int32)),
            ShapedArray((*batch, m), np.dtype(np.int32))]


def _lu_lower(ctx, a):
    aval, = ctx.avals_in
    lu_aval, piv_aval, perm_aval = ctx.avals_out
    batch, m = aval.shape[:-2], aval.shape[-2]
    if aval.size == 0:
        return lower_fun(ctx, lambda x: [x, _zeros(piv_aval), pivots_to_permutation(
            _zeros(piv_aval), m)], [a], [aval])
    info_aval = ShapedArray(batch, I32)
    lu, piv, info = lapack_call(ctx, "lu", "getrf", aval.dtype, [a], [aval],
                                [lu_aval, piv_aval, info_aval], None, {0: 0})

    def finish(lu, piv, info):
        from cellax import lax
        piv = lax.sub(piv, lax.full(piv_aval.shape, 1, np.int32))
        return [nan_if_not_ok(info, lu, ok_if_nonnegative=True), piv,
                pivots_to_permutation(piv, m)]
    return lower_fun(ctx, finish, [lu, piv, info], [lu_aval, piv_aval, info_aval])


def _zeros(aval):
    from cellax import lax
    return lax.full(aval.shape, 0, aval.dtype)


def _lu_jvp(primals, tangents):
    # L U = P A  =>  L^-1 dL + dU U^-1 = L^-1 P dA U^-1 (strictly lower / upper parts).
    from cellax import lax
    a, = primals
    da, = tangents
    lu, pivots, perm = lu_p.bind(a)
    outs = [lu, pivots, perm]
    zeros_int = [Zero(tangent_aval(core.get_aval(pivots))),
                 Zero(tangent_aval(core.get_aval(perm)))]
    if type(da) is Zero:
        return outs, [Zero(tangent_aval(core.get_aval(lu))), *zeros_int]
    aval = core.get_aval(a)
    batch, (m, n) = aval.shape[:-2], aval.shape[-2:]
    k = min(m, n)
    nb = len(batch)
    dt = aval.dtype
    zero = lax.full((), 0, dt)
    l_part = lax.slice(lu, (0,) * aval.ndim, (*batch, m, k))
    l = lax.pad(tril(l_part, -1), zero, [(0, 0, 0)] * nb + [(0, 0, 0), (0, m - k, 0)])
    l = lax.add(l, eye(dt, m, batch))
    u_part = lax.slice(lu, (0,) * aval.ndim, (*batch, k, n))
    u = lax.pad(triu(u_part), zero, [(0, 0, 0)] * nb + [(0, n - k, 0), (0, 0, 0)])
    u_eye = lax.pad(eye(dt, n - k, batch), zero,
                    [(0, 0, 0)] * nb + [(k, 0, 0), (k, 0, 0)])
    u = lax.add(u, u_eye)
    pda = _permute_rows(da, perm)
    la = triangular_solve(l, pda, left_side=True, lower=True, unit_diagonal=True)
    lau = triangular_solve(u, la, left_side=False, lower=False)
    dlu = lax.add(matmul(l, tril(lau, -1)), matmul(triu(lau), u))
    # l and u were padded to square; the packed factor is m x n.
    dlu = lax.slice(dlu, (0,) * aval.ndim, aval.shape)
    return outs, [dlu, *zeros_int]


def _permute_rows(x, perm):
    """x[..., perm, :] for a batch of permutations (a one-hot contraction: cheap for the
    matrix sizes LAPACK handles, and linear in x, so it transposes)."""
    from cellax import lax
    pa = core.get_aval(perm)
    xa = core.get_aval(x)
    m = pa.shape[-1]
    shape = (*pa.shape, m)
    onehot = lax.eq(lax.broadcast_in_dim(perm, shape, tuple(range(pa.ndim))),
                    lax.broadcasted_iota(np.int32, shape, pa.ndim))
    return matmul(lax.convert_element_type(onehot, xa.dtype), x)


standard_linalg(lu_p, _lu_abstract_eval, _lu_lower, multiple_results=True)
core.jvp_rules[lu_p] = _lu_jvp
