"""Contractions of `cellax.numpy` beyond dot/matmul: einsum (a greedy pairwise path, each
step one `dot_general` as in JAX's `_einsum`), tensordot, inner, kron, cross, vecdot,
matvec, vecmat, cov and corrcoef."""
from __future__ import annotations

import builtins
import collections
import itertools
import string

import numpy as np

from cellax import dtypes, lax
from cellax.numpy import _core
from cellax.numpy._util import (arr, canon_axis, check_arraylike, dtype_of, ensure_arraylike,
                                jit, promote_args_inexact, shape_of)


def _ndim(x) -> int:
    return len(shape_of(x))


# ---------------------------------------------------------------------------------------
# tensordot, inner, kron, cross


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    a, b = ensure_arraylike("tensordot", a, b)
    na, nb = _ndim(a), _ndim(b)
    if preferred_element_type is None:
        pet, weak = dtypes.result_type(a, b, return_weak_type_flag=True)
    else:
        pet, weak = dtypes.check_user_dtype(preferred_element_type, "tensordot"), False
    if type(axes) is int:
        if axes > builtins.min(na, nb):
            raise TypeError(f"Number of tensordot axes (axes {axes}) exceeds input ranks "
                            f"({shape_of(a)} and {shape_of(b)})")
        contracting = tuple(range(na - axes, na)), tuple(range(axes))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        ax1, ax2 = axes
        if isinstance(ax1, int) and isinstance(ax2, int):
            contracting = (canon_axis(ax1, na),), (canon_axis(ax2, nb),)
        elif isinstance(ax1, (tuple, list)) and isinstance(ax2, (tuple, list)):
            if len(ax1) != len(ax2):
                raise TypeError(f"tensordot requires axes lists to have equal length, got "
                                f"{ax1} and {ax2}.")
            contracting = (tuple(canon_axis(i, na) for i in ax1),
                           tuple(canon_axis(i, nb) for i in ax2))
        else:
            raise TypeError(f"tensordot requires both axes lists to be either ints, tuples or "
                            f"lists, got {ax1} and {ax2}")
    else:
        raise TypeError("tensordot axes argument must be an int, a pair of ints, or a pair of "
                        "lists/tuples of ints.")
    for i, j in zip(*contracting):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise TypeError(f"dot_general requires contracting dimensions to have the same "
                            f"shape, got {tuple(shape_of(a)[k] for k in contracting[0])} and "
                            f"{tuple(shape_of(b)[k] for k in contracting[1])}.")
    out = lax.dot_general(a, b, (contracting, ((), ())), precision, pet)
    return lax.convert_element_type(out, pet, weak)


def inner(a, b, *, precision=None, preferred_element_type=None):
    a, b = ensure_arraylike("inner", a, b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        if preferred_element_type is not None:
            a = _core.astype(a, preferred_element_type)
            b = _core.astype(b, preferred_element_type)
        return _core.multiply(a, b)
    return tensordot(a, b, (-1, -1), precision=precision,
                     preferred_element_type=preferred_element_type)


@jit(inline=True)
def kron(a, b):
    check_arraylike("kron", a, b)
    a, b = _core.promote_dtypes(arr(a), arr(b))
    na, nb = _ndim(a), _ndim(b)
    if na < nb:
        a = _core.expand_dims(a, tuple(range(nb - na)))
    elif nb < na:
        b = _core.expand_dims(b, tuple(range(na - nb)))
    n = _ndim(a)
    a_r = _core.expand_dims(a, tuple(range(1, 2 * n, 2)))
    b_r = _core.expand_dims(b, tuple(range(0, 2 * n, 2)))
    out_shape = tuple(int(x) * int(y) for x, y in zip(shape_of(a), shape_of(b)))
    return _core.reshape(_core.multiply(a_r, b_r), out_shape)


@jit(static_argnames=("axisa", "axisb", "axisc", "axis"), inline=True)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    check_arraylike("cross", a, b)
    a, b = arr(a), arr(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _core.moveaxis(a, axisa, -1)
    b = _core.moveaxis(b, axisb, -1)
    if shape_of(a)[-1] not in (2, 3) or shape_of(b)[-1] not in (2, 3):
        raise ValueError("Dimension must be either 2 or 3 for cross product")
    m, s = _core.multiply, _core.subtract
    if shape_of(a)[-1] == 2 and shape_of(b)[-1] == 2:
        return s(m(a[..., 0], b[..., 1]), m(a[..., 1], b[..., 0]))
    a0, a1 = a[..., 0], a[..., 1]
    a2 = a[..., 2] if shape_of(a)[-1] == 3 else _core.zeros_like(a0)
    b0, b1 = b[..., 0], b[..., 1]
    b2 = b[..., 2] if shape_of(b)[-1] == 3 else _core.zeros_like(b0)
    c = _core.stack(_core.broadcast_arrays(s(m(a1, b2), m(a2, b1)), s(m(a2, b0), m(a0, b2)),
                                           s(m(a0, b1), m(a1, b0))))
    return _core.moveaxis(c, 0, axisc)


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    x1, x2 = ensure_arraylike("jnp.vecdot", x1, x2)
    if shape_of(x1)[axis] != shape_of(x2)[axis]:
        raise ValueError(f"axes must match; got shapes {shape_of(x1)} and {shape_of(x2)} with "
                         f"axis={axis}")
    x1 = _core.moveaxis(x1, axis, -1)
    x2 = _core.moveaxis(x2, axis, -1)
    out = _core.matmul(_core.expand_dims(_core.conj(x1), -2), _core.expand_dims(x2, -1),
                       precision=precision, preferred_element_type=preferred_element_type)
    return out[..., 0, 0]


@jit
def matvec(x1, x2, /):
    x1, x2 = ensure_arraylike("matvec", x1, x2)
    if _ndim(x1) < 2 or _ndim(x2) < 1:
        raise ValueError("matvec requires x1.ndim >= 2 and x2.ndim >= 1")
    return _core.matmul(x1, _core.expand_dims(x2, -1))[..., 0]


@jit
def vecmat(x1, x2, /):
    x1, x2 = ensure_arraylike("matvec", x1, x2)
    if _ndim(x1) < 1 or _ndim(x2) < 2:
        raise ValueError("vecmat requires x1.ndim >= 1 and x2.ndim >= 2")
    return _core.matmul(_core.expand_dims(_core.conj(x1), -2), x2)[..., 0, :]


# ---------------------------------------------------------------------------------------
# einsum


def _parse_einsum_input(operands):
    """(subscripts 'ab,bc->ac' with ellipses expanded, operand list)."""
    if isinstance(operands[0], str):
        subscripts = operands[0].replace(" ", "")
        ops = list(operands[1:])
    else:  # interleaved: op0, sublist0, op1, sublist1, ..., [output sublist]
        rest = list(operands)
        ops, subs = [], []
        while len(rest) >= 2:
            ops.append(rest.pop(0))
            subs.append(rest.pop(0))
        out_sub = rest[0] if rest else None

        def conv(sub):
            return "".join("..." if s is Ellipsis else string.ascii_letters[int(s)]
                           for s in sub)
        subscripts = ",".join(conv(s) for s in subs)
        if out_sub is not None:
            subscripts += "->" + conv(out_sub)
    check_arraylike("einsum", *ops)
    ops = [arr(o) for o in ops]
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
        explicit = True
    else:
        inputs, output, explicit = subscripts, None, False
    in_list = inputs.split(",")
    if len(in_list) != len(ops):
        raise ValueError(f"Number of einsum subscripts ({len(in_list)}) must be equal to the "
                         f"number of operands ({len(ops)}).")
    used = set(subscripts) - set(".,->")
    for c in used:
        if c not in string.ascii_letters:
            raise ValueError(f"Character {c} is not a valid symbol.")
    free = [c for c in string.ascii_letters if c not in used]
    ell_ndim = 0
    for sub, op in zip(in_list, ops):
        if "..." in sub:
            ell_ndim = builtins.max(ell_ndim, _ndim(op) - (len(sub) - 3))
    ell = "".join(free[:ell_ndim])
    new_in = []
    for sub, op in zip(in_list, ops):
        if "..." in sub:
            n = _ndim(op) - (len(sub) - 3)
            if n < 0:
                raise ValueError("Ellipsis lengths do not match.")
            sub = sub.replace("...", ell[len(ell) - n:] if n else "")
        if len(sub) != _ndim(op):
            raise ValueError(f"Einstein sum subscript '{sub}' does not contain the correct "
                             f"number of indices for operand with shape {shape_of(op)}.")
        new_in.append(sub)
    if explicit:
        if "..." in output:
            output = output.replace("...", ell)
        for c in output:
            if output.count(c) > 1:
                raise ValueError(f"Output character '{c}' appeared more than once in the "
                                 f"output.")
            if c not in "".join(new_in):
                raise ValueError(f"Output character '{c}' did not appear in the input")
    else:
        counts = collections.Counter("".join(new_in))
        output = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    # Broadcast sizes must agree (a size-1 dimension broadcasts, as in NumPy).
    sizes: dict[str, int] = {}
    for sub, op in zip(new_in, ops):
        for c, d in zip(sub, shape_of(op)):
            if sizes.get(c, 1) not in (1, d) and d != 1:
                raise ValueError(f"Size of label '{c}' for operand does not match previous "
                                 f"terms ({sizes[c]} vs {d}).")
            sizes[c] = builtins.max(sizes.get(c, 1), d)
    return new_in, output, ops, sizes


def _greedy_path(inputs, output, sizes):
    """Contractions as (operand positions, contracted names, 'a,b->c'), popping the chosen
    operands and appending the result, like opt_einsum's paths."""
    names = list(inputs)
    contractions = []
    if len(names) == 1:
        contracted = frozenset(set(names[0]) - set(output))
        return [((0,), contracted, f"{names[0]}->{output}")]
    while len(names) > 1:
        best = None
        for i, j in itertools.combinations(range(len(names)), 2):
            others = set(output).union(*(set(n) for k, n in enumerate(names) if k not in (i, j)))
            union = set(names[i]) | set(names[j])
            keep = [c for c in dict.fromkeys(names[i] + names[j]) if c in others]
            cost = int(np.prod([sizes[c] for c in keep])) if keep else 1
            flops = int(np.prod([sizes[c] for c in union])) if union else 1
            key = (cost, flops)
            if best is None or key < best[0]:
                best = (key, i, j, keep, union, others)
        _, i, j, keep, union, others = best
        contracted = frozenset(c for c in union if c not in others)
        result = output if len(names) == 2 else "".join(keep)
        contractions.append(((i, j), contracted, f"{names[i]},{names[j]}->{result}"))
        for k in sorted((i, j), reverse=True):
            names.pop(k)
        names.append(result)
    return contractions


def _removechars(s, chars):
    return s.translate(str.maketrans(dict.fromkeys(chars)))


def _delta(shape, axes):
    base = lax.broadcasted_iota(np.int32, shape, axes[0])
    mask = None
    for ax in axes[1:]:
        eq = lax.eq(base, lax.broadcasted_iota(np.int32, shape, ax))
        mask = eq if mask is None else lax.bitwise_and(mask, eq)
    return mask


@jit(static_argnames=("contractions", "precision", "preferred_element_type"), inline=True)
def _einsum(operands, contractions, precision, preferred_element_type):
    if preferred_element_type is None:
        pet, weak = dtypes.result_type(*operands, return_weak_type_flag=True)
    else:
        pet, weak = dtypes.check_user_dtype(preferred_element_type, "einsum"), False

    def reduce_sum(x, axes):
        if dtypes.result_type(x, pet) != dtype_of(x):
            x = lax.convert_element_type(x, pet)
        if dtype_of(x) == dtypes.bool_:
            return lax.reduce_or(x, axes)
        return lax.reduce_sum(x, axes)

    def sum_uniques(operand, names, uniques):
        if uniques:
            axes = [names.index(n) for n in uniques]
            operand = reduce_sum(operand, axes)
            names = _removechars(names, uniques)
        return operand, names

    def sum_repeats(operand, names, counts, keep_names):
        for name, count in counts.items():
            if count > 1:
                axes = [i for i, n in enumerate(names) if n == name]
                eye = _delta(shape_of(operand), axes)
                operand = lax.select(eye, operand, lax.full_like(operand, 0))
                if name not in keep_names:
                    operand = reduce_sum(operand, axes)
                    names = names.replace(name, "")
                else:
                    operand = reduce_sum(operand, axes[:-1])
                    names = names.replace(name, "", count - 1)
        return operand, names

    def filter_singleton_dims(operand, names, other_shape, other_names):
        keep = [shape_of(operand)[i] != 1 or j == -1 or other_shape[j] == 1
                for i, j in enumerate(map(other_names.find, names))]
        sqez = [i for i, k in enumerate(keep) if not k]
        kept = [i for i, k in enumerate(keep) if k]
        return lax.squeeze(operand, sqez), "".join(names[i] for i in kept)

    operands = list(operands)
    for operand_indices, contracted_set, einstr in contractions:
        contracted_names = sorted(contracted_set)
        input_str, result_names = einstr.split("->")
        input_names = input_str.split(",")
        if len(operand_indices) == 1:
            operand = operands.pop(operand_indices[0])
            (names,) = input_names
            counts = collections.Counter(names)
            uniques = [n for n in contracted_names if counts[n] == 1]
            operand, names = sum_uniques(operand, names, uniques)
            operand, names = sum_repeats(operand, names, counts, result_names)
        else:
            i, j = operand_indices
            lhs, rhs = operands[i], operands[j]
            for k in sorted((i, j), reverse=True):
                operands.pop(k)
            lhs_names, rhs_names = input_names
            lhs, lhs_names = filter_singleton_dims(lhs, lhs_names, shape_of(rhs), rhs_names)
            rhs, rhs_names = filter_singleton_dims(rhs, rhs_names, shape_of(lhs), lhs_names)
            lc, rc = collections.Counter(lhs_names), collections.Counter(rhs_names)
            lhs_uniques = [n for n in contracted_names if lc[n] == 1 and rc[n] == 0]
            lhs, lhs_names = sum_uniques(lhs, lhs_names, lhs_uniques)
            rhs_uniques = [n for n in contracted_names if rc[n] == 1 and lc[n] == 0]
            rhs, rhs_names = sum_uniques(rhs, rhs_names, rhs_uniques)
            lhs, lhs_names = sum_repeats(lhs, lhs_names, lc, result_names + rhs_names)
            rhs, rhs_names = sum_repeats(rhs, rhs_names, rc, result_names + lhs_names)
            both = set(lhs_names) | set(rhs_names)
            contracted_names = [x for x in contracted_names if x in both]
            common = set(lhs_names) & set(rhs_names)
            batch_names = [x for x in result_names if x in common]
            lhs_batch = tuple(lhs_names.find(n) for n in batch_names)
            rhs_batch = tuple(rhs_names.find(n) for n in batch_names)
            for n in contracted_names:
                if shape_of(lhs)[lhs_names.index(n)] != shape_of(rhs)[rhs_names.index(n)]:
                    raise ValueError(f"Incompatible reduction dimensions: lhs.shape="
                                     f"{shape_of(lhs)} lhs_names={lhs_names} rhs.shape="
                                     f"{shape_of(rhs)} rhs_names={rhs_names}")
            batch_str = "".join(batch_names)
            lhs_cont = tuple(lhs_names.index(n) for n in contracted_names)
            rhs_cont = tuple(rhs_names.index(n) for n in contracted_names)
            deleted = batch_str + "".join(contracted_names)
            rem_lhs = _removechars(lhs_names, deleted)
            rem_rhs = _removechars(rhs_names, deleted)
            names = batch_str + rem_rhs + rem_lhs
            if names == result_names:
                operand = lax.dot_general(rhs, lhs, ((rhs_cont, lhs_cont),
                                                     (rhs_batch, lhs_batch)), precision, pet)
            else:
                names = batch_str + rem_lhs + rem_rhs
                operand = lax.dot_general(lhs, rhs, ((lhs_cont, rhs_cont),
                                                     (lhs_batch, rhs_batch)), precision, pet)
        if names != result_names:
            operand = lax.transpose(operand, tuple(names.index(n) for n in result_names))
        operands.append(operand)
    return lax.convert_element_type(operands[0], pet, weak)


def einsum(*operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None, out_sharding=None):
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    inputs, output, ops, sizes = _parse_einsum_input(operands)
    # Broadcast size-1 dimensions against the other operands' sizes where a label only
    # appears once per operand (NumPy's einsum broadcasting).
    contractions = tuple(_greedy_path(inputs, output, sizes))
    pet = None if preferred_element_type is None else dtypes.check_user_dtype(
        preferred_element_type, "einsum")
    return _einsum(ops, contractions, lax.canonicalize_precision(precision), pet)


def einsum_path(subscripts, *operands, optimize="auto"):
    inputs, output, ops, sizes = _parse_einsum_input((subscripts, *operands))
    contractions = _greedy_path(inputs, output, sizes)
    path = [c[0] for c in contractions]
    lines = ["  Complete contraction:  " + ",".join(inputs) + "->" + output]
    lines += [f"  {c[2]}" for c in contractions]
    return ["einsum_path", *path], "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Covariance


@jit(static_argnames=("rowvar", "bias", "ddof", "dtype"))
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    from cellax.numpy._reductions import average
    if y is not None:
        m, y = promote_args_inexact("cov", m, y)
        if _ndim(y) > 2:
            raise ValueError("y has more than 2 dimensions")
    else:
        (m,) = promote_args_inexact("cov", m)
    if _ndim(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    if dtype is not None and not dtypes.is_inexact(dtypes.check_user_dtype(dtype)):
        raise ValueError(f"cov: dtype must be a subclass of float or complex; got dtype={dtype}")
    X = _core.atleast_2d(m)
    if not rowvar and _ndim(m) != 1:
        X = _core.transpose(X)
    if shape_of(X)[0] == 0:
        return _core.reshape(_core.asarray(np.array([], np.float32)), (0, 0))
    if y is not None:
        y2 = _core.atleast_2d(y)
        if not rowvar and shape_of(y2)[0] != 1:
            y2 = _core.transpose(y2)
        X = _core.concatenate((X, y2), axis=0)
    if shape_of(X)[1] == 0:
        shape = () if shape_of(X)[0] == 1 else (shape_of(X)[0], shape_of(X)[0])
        return _core.full(shape, np.nan, dtype=dtype_of(X))
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    w = None
    if fweights is not None:
        fweights = ensure_arraylike("cov", fweights)
        if _ndim(fweights) > 1:
            raise RuntimeError("cannot handle multidimensional fweights")
        if shape_of(fweights)[0] != shape_of(X)[1]:
            raise RuntimeError("incompatible numbers of samples and fweights")
        if not dtypes.is_integer(dtype_of(fweights)):
            raise TypeError("fweights must be integer.")
        w = _core.absolute(fweights)
    if aweights is not None:
        aweights = ensure_arraylike("cov", aweights)
        if _ndim(aweights) > 1:
            raise RuntimeError("cannot handle multidimensional aweights")
        if shape_of(aweights)[0] != shape_of(X)[1]:
            raise RuntimeError("incompatible numbers of samples and aweights")
        aweights = _core.absolute(aweights)
        w = aweights if w is None else _core.multiply(w, aweights)
    if dtype is not None:
        X = _core.astype(X, dtype)
        w = _core.astype(w, dtype) if w is not None else w
    avg, w_sum = average(X, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if w is None:
        f = shape_of(X)[1] - ddof
    elif ddof == 0:
        f = w_sum
    elif aweights is None:
        f = _core.subtract(w_sum, ddof)
    else:
        f = _core.subtract(w_sum, _core.true_divide(
            _core.multiply(ddof, _core.sum(_core.multiply(w, aweights))), w_sum))
    X = _core.subtract(X, avg[:, None])
    X_T = _core.transpose(X) if w is None else _core.transpose(
        _core.multiply(X, lax.broadcast_to_rank(w, _ndim(X))))
    return _core.squeeze(_core.true_divide(_core.dot(X, _core.conj(X_T)), f))


@jit(static_argnames=("rowvar", "dtype"))
def corrcoef(x, y=None, rowvar=True, dtype=None):
    check_arraylike("corrcoef", x)
    if dtype is not None and not dtypes.is_inexact(dtypes.check_user_dtype(dtype)):
        raise ValueError(f"corrcoef: dtype must be a subclass of float or complex; got "
                         f"dtype={dtype}")
    c = cov(x, y, rowvar, dtype=dtype)
    if _ndim(c) == 0:
        return _core.true_divide(c, c)
    from cellax.numpy._shape_ops import diag
    d = diag(c)
    std = _core.astype(_core.sqrt(_core.real(d)), dtype_of(c))
    c = _core.true_divide(_core.true_divide(c, std[:, None]), std[None, :])
    real_part = _core.clip(_core.real(c), -1, 1)
    if dtypes.is_complex(dtype_of(c)):
        return lax.complex(real_part, _core.clip(_core.imag(c), -1, 1))
    return real_part
