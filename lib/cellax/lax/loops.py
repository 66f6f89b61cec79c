"""Loops: `scan`, `fori_loop`, `map` and `associative_scan` (JAX's `jax.lax` API).

`scan` traces its body once into a jaxpr and binds the `scan` primitive
(`cellax.primitives.scan`); `fori_loop` with a static trip count and `map` are scans;
`associative_scan` is JAX's parallel prefix algorithm written with slices, pads and
concatenations (no primitive of its own).
"""
from __future__ import annotations

import weakref
from typing import Callable

import numpy as np

from cellax import core, dtypes
from cellax.core import ClosedJaxpr, Jaxpr, ShapedArray, Tracer
from cellax.interpreters import staging
from cellax.interpreters.staging import DebugInfo
from cellax.lax.control_flow import _check_carry_type
from cellax.primitives.scan import scan_p
from cellax.tree_util import tree_flatten, tree_map, tree_unflatten

__all__ = ["scan", "fori_loop", "map", "associative_scan"]

def _canonicalize_axis(axis: int, ndim: int) -> int:
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def _is_concrete(x) -> bool:
    return not isinstance(x, Tracer) or x.to_concrete_value() is not None


# ---------------------------------------------------------------------------------------
# scan

class _AvalStr:
    """Prints an aval the way JAX's error messages show one (`~float32[]` when weak)."""

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return ("~" if self.aval.weak_type else "") + self.aval.str_short(False)


# Traced bodies, keyed on the body function (as JAX does, the trace of a function is
# reused for the same argument types). Entries whose consts hold tracers are not kept.
_trace_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _trace_body(f, init_tree, carry_avals, xs_tree, x_avals):
    key = (init_tree, tuple(carry_avals), xs_tree, tuple(x_avals), dtypes.x64_enabled())
    try:
        per_fun = _trace_cache.get(f)
    except TypeError:  # not weak-referenceable
        per_fun = None
    if per_fun is not None:
        hit = per_fun.get(key)
        if hit is not None:
            return hit
    box = {}

    def flat_body(*args):
        carry = tree_unflatten(init_tree, args[:len(carry_avals)])
        x = tree_unflatten(xs_tree, args[len(carry_avals):])
        out = f(carry, x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            leaves, tree = tree_flatten(out)
            shown = tree_unflatten(tree, [_AvalStr(core.get_aval(v)) for v in leaves])
            raise TypeError(f"scan body output must be a pair, got {shown}.")
        c_flat, box["carry_tree"] = tree_flatten(out[0])
        y_flat, box["ys_tree"] = tree_flatten(out[1])
        box["n_carry"] = len(c_flat)
        return [*c_flat, *y_flat]

    dbg = DebugInfo("scan", staging.fun_name(f), staging.fun_source(f), None)
    jaxpr, consts, _ = staging.trace_to_jaxpr(flat_body, [*carry_avals, *x_avals], dbg)
    # Closed-over values become leading operands (the scan's consts), as in JAX.
    jaxpr = Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.outvars, jaxpr.eqns,
                  jaxpr.debug_info)
    res = (jaxpr, consts, box["carry_tree"], box["ys_tree"], box["n_carry"])
    if per_fun is None:
        try:
            per_fun = _trace_cache.setdefault(f, {})
        except TypeError:
            per_fun = None
    if per_fun is not None and not any(isinstance(c, Tracer) for c in consts):
        if len(per_fun) > 64:
            per_fun.clear()
        per_fun[key] = res
    return res


def _infer_scan_length(xs_flat, length) -> int:
    try:
        lengths = [x.shape[0] for x in xs_flat]
    except (AttributeError, IndexError):
        bad = [x for x in xs_flat if not getattr(x, "shape", ())]
        raise ValueError("scan got value with no leading axis to scan over: "
                         f"{', '.join(str(x) for x in bad)}.") from None
    if length is not None:
        try:
            length = int(core.concrete_or_error(length))
        except core.ConcretizationTypeError:
            raise _length_concretization_error(length) from None
        if not all(length == n for n in lengths):
            raise ValueError(f"scan got `length` argument of {length} which disagrees with "
                             f"leading axis sizes {lengths}.")
        return length
    unique = set(lengths)
    if len(unique) > 1:
        raise ValueError("scan got values with different leading axis sizes: "
                         f"{', '.join(str(n) for n in lengths)}.")
    if not unique:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    return unique.pop()


def _length_concretization_error(length):
    return core.ConcretizationTypeError(
        length, "The `length` argument to `scan` expects a concrete `int` value. For "
        "scan-like iteration with a dynamic length, use `while_loop` or `fori_loop`.")


def _forwarding(jaxpr: Jaxpr) -> list:
    """For each output, the index of the input it is (unchanged), else None."""
    index = {v: i for i, v in enumerate(jaxpr.invars)}
    return [index.get(v) if type(v) is not core.Literal else None for v in jaxpr.outvars]


def _abstractify(x) -> ShapedArray:
    try:
        return core.get_aval(x)
    except TypeError:
        raise TypeError(f"Value {x!r} of type {type(x)} is not a valid JAX type") from None


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1, _split_transpose: bool = False):
    """Scan `f` over leading array axes of `xs` while carrying along state: returns
    `(final carry, stacked ys)` (JAX's `lax.scan`)."""
    if not callable(f):
        raise TypeError("lax.scan: f argument should be a callable.")
    init_flat, init_tree = tree_flatten(init)
    xs_flat, xs_tree = tree_flatten(xs)
    length = _infer_scan_length(xs_flat, length)

    from cellax.config import config
    if config.jax_disable_jit:
        return _scan_python(f, init, xs_flat, xs_tree, length, reverse)

    init_avals = [_abstractify(x) for x in init_flat]
    x_avals = [ShapedArray(a.shape[1:], a.dtype, a.weak_type)
               for a in (_abstractify(x) for x in xs_flat)]
    jaxpr, consts, carry_tree, ys_tree, n_carry = _trace_body(f, init_tree, init_avals,
                                                              xs_tree, x_avals)
    out_avals = jaxpr.out_avals
    if carry_tree != init_tree:
        _check_carry_type("scan body", f, init_tree, init_avals, carry_tree,
                          out_avals[:n_carry], init=init)
    # A weakly typed init (a Python scalar) takes the type the body gives the carry.
    changed = False
    for i, (x, a, b) in enumerate(zip(init_flat, init_avals, out_avals[:n_carry])):
        if a.weak_type and not (a.shape == b.shape and a.dtype == b.dtype):
            from cellax import lax
            init_flat[i] = lax.convert_element_type(x, dtypes.result_type(x, b))
            changed = True
    if changed:
        init_avals = [_abstractify(x) for x in init_flat]
        jaxpr, consts, carry_tree, ys_tree, n_carry = _trace_body(f, init_tree, init_avals,
                                                                  xs_tree, x_avals)
        out_avals = jaxpr.out_avals
    _check_carry_type("scan body", f, init_tree, init_avals, carry_tree,
                      out_avals[:n_carry], init=init)

    unroll = core.concrete_or_error(
        unroll, "The `unroll` argument to `scan` expects a concrete `int` or `bool` value.")
    if isinstance(unroll, (bool, np.bool_)):
        unroll = max(length, 1) if unroll else 1
    unroll = int(unroll)
    if unroll < 0:
        raise ValueError("`unroll` must be a `bool` or a non-negative `int`.")

    num_carry, num_xs = len(init_flat), len(xs_flat)
    num_ys = len(out_avals) - num_carry
    consts = list(consts)
    args = [*init_flat, *xs_flat]

    # A carry the body passes through unchanged is read-only: make it a const.
    fwd = _forwarding(jaxpr)
    carry_fwd = fwd[:num_carry]
    move = [f_ == len(consts) + i for i, f_ in enumerate(carry_fwd)]
    new_consts = []
    if any(move):
        keep_out = [not m for m in move] + [True] * num_ys
        invars = jaxpr.invars
        c_in, carry_in, x_in = (invars[:len(consts)], invars[len(consts):len(consts) + num_carry],
                                invars[len(consts) + num_carry:])
        moved_in = [v for v, m in zip(carry_in, move) if m]
        kept_in = [v for v, m in zip(carry_in, move) if not m]
        jaxpr = Jaxpr([], [*moved_in, *c_in, *kept_in, *x_in],
                      [v for v, k in zip(jaxpr.outvars, keep_out) if k], jaxpr.eqns,
                      jaxpr.debug_info)
        new_consts = [a for a, m in zip(init_flat, move) if m]
        args = [a for a, m in zip(init_flat, move) if not m] + list(xs_flat)
        consts = [*new_consts, *consts]
        num_carry -= len(new_consts)

    # A y that is an x unchanged is not copied through the loop.
    fwd = _forwarding(jaxpr)
    ext_fwd = [i - len(consts) if i is not None and i >= num_carry + len(consts) else None
               for i in fwd[num_carry:]]
    if any(i is not None for i in ext_fwd):
        jaxpr = Jaxpr([], jaxpr.invars,
                      jaxpr.outvars[:num_carry] + [v for v, i in zip(jaxpr.outvars[num_carry:],
                                                                     ext_fwd) if i is None],
                      jaxpr.eqns, jaxpr.debug_info)

    outs = scan_p.bind(*consts, *args, reverse=bool(reverse), length=length,
                       jaxpr=ClosedJaxpr(jaxpr, []), num_consts=len(consts),
                       num_carry=num_carry, unroll=unroll)
    carry_out, ys_out = outs[:num_carry], iter(outs[num_carry:])
    ys = [next(ys_out) if i is None else args[i] for i in ext_fwd]
    if any(move):
        it_c, it_m = iter(carry_out), iter(new_consts)
        carry_out = [next(it_m) if m else next(it_c) for m in move]
    return tree_unflatten(init_tree, carry_out), tree_unflatten(ys_tree, ys)


def _scan_python(f, init, xs_flat, xs_tree, length, reverse):
    """scan under `disable_jit()`: a Python loop."""
    from cellax import lax
    if length == 0:
        raise ValueError("zero-length scan is not supported in disable_jit() mode because "
                         "the output type is unknown.")
    carry, ys = init, []
    order = range(length - 1, -1, -1) if reverse else range(length)
    for i in order:
        x = tree_unflatten(xs_tree, [lax.index_in_dim(x, i, keepdims=False) for x in xs_flat])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    stacked = tree_map(lambda *y: lax.concatenate([lax.expand_dims(v, (0,)) for v in y], 0),
                       *ys)
    return carry, stacked


# ---------------------------------------------------------------------------------------
# fori_loop

_fori_bodies: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _fori_scan_body(body_fun):
    """The scan body for a static-trip-count fori_loop, one per `body_fun` (so that the
    scan's trace cache sees the same function each time)."""
    try:
        hit = _fori_bodies.get(body_fun)
    except TypeError:
        hit = None
    if hit is not None:
        return hit
    ref = weakref.ref(body_fun) if _weakrefable(body_fun) else (lambda: body_fun)

    def scanned_fun(loop_carry, _):
        i, x = loop_carry
        return (i + 1, ref()(i, x)), None

    try:
        _fori_bodies[body_fun] = scanned_fun
    except TypeError:
        pass
    return scanned_fun


def _weakrefable(x) -> bool:
    try:
        weakref.ref(x)
        return True
    except TypeError:
        return False


def fori_loop(lower, upper, body_fun: Callable, init_val, *,
              unroll: int | bool | None = None):
    """`for i in range(lower, upper): val = body_fun(i, val)` (JAX's `lax.fori_loop`).
    A scan when the trip count is static (reverse-differentiable), else a while_loop."""
    if not callable(body_fun):
        raise TypeError("lax.fori_loop: body_fun argument should be callable.")
    lower_dtype, upper_dtype = dtypes.dtype(lower), dtypes.dtype(upper)
    if lower_dtype == upper_dtype:
        dtype = lower_dtype
    else:
        dtype = None
        if (np.issubdtype(lower_dtype, np.signedinteger)
                and np.issubdtype(upper_dtype, np.signedinteger)):
            lower_weak = dtypes.dtype_and_weak(lower)[1]
            upper_weak = dtypes.dtype_and_weak(upper)[1]
            if lower_weak and not upper_weak:
                dtype = upper_dtype
            elif not lower_weak and upper_weak:
                dtype = lower_dtype
        if dtype is None:
            raise TypeError("lower and upper arguments to fori_loop must have equal types, "
                            f"got {lower_dtype.name} and {upper_dtype.name}")

    use_scan = False
    if _is_concrete(lower) and _is_concrete(upper):
        try:
            lower_, upper_ = int(lower), int(upper)
            use_scan = True
        except TypeError:
            use_scan = False

    if use_scan:
        if unroll is None:
            unroll = False
        length = max(upper_ - lower_, 0)
        from cellax.config import config
        if config.jax_disable_jit and length == 0:
            return init_val
        (_, result), _ = scan(_fori_scan_body(body_fun), (lower_, init_val), None,
                              length=length, unroll=unroll)
        return result

    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are "
                         "statically known.")
    while_loop = _lazy_while_loop()
    from cellax import lax
    if lower_dtype != dtype:
        lower = lax.convert_element_type(lower, dtype)
    if upper_dtype != dtype:
        upper = lax.convert_element_type(upper, dtype)

    def cond_fun(loop_carry):
        i, hi, _ = loop_carry
        return lax.lt(i, hi)

    def while_body(loop_carry):
        i, hi, x = loop_carry
        return lax.add(i, lax.convert_element_type(1, core.get_aval(i).dtype)), hi, \
            body_fun(i, x)

    _, _, result = while_loop(cond_fun, while_body, (lower, upper, init_val))
    return result


def _lazy_while_loop():
    try:
        from cellax.lax import control_flow
        return control_flow.while_loop
    except (ImportError, AttributeError):
        raise NotImplementedError(
            "fori_loop with traced (non-static) bounds needs lax.while_loop, which cellax "
            "does not provide yet. Pass Python ints (or concrete arrays) as the bounds, or "
            "use lax.scan with a static length.") from None


# ---------------------------------------------------------------------------------------
# map


def _batch_and_remainder(x, batch_size: int):
    leaves, treedef = tree_flatten(x)
    if not leaves:
        return x, None
    if batch_size == 0:
        num_batches, remainder = 0, leaves[0].shape[0]
    else:
        num_batches, remainder = divmod(leaves[0].shape[0], batch_size)
    batch_elems = num_batches * batch_size
    if num_batches == 0:
        return None, tree_unflatten(treedef, [leaf[batch_elems:] for leaf in leaves])
    scan_leaves = [leaf[:batch_elems].reshape(num_batches, batch_size, *leaf.shape[1:])
                   for leaf in leaves]
    if remainder:
        return (tree_unflatten(treedef, scan_leaves),
                tree_unflatten(treedef, [leaf[batch_elems:] for leaf in leaves]))
    return tree_unflatten(treedef, scan_leaves), None


def map(f: Callable, xs, *, batch_size: int | None = None):  # noqa: A001
    """`jnp.stack([f(x) for x in xs])` as one scan (JAX's `lax.map`); with `batch_size`,
    `vmap(f)` over batches of that size (the remainder in a separate vmap)."""
    if batch_size is not None:
        from cellax import lax
        from cellax.vectorization import vmap
        scan_xs, remainder_xs = _batch_and_remainder(xs, batch_size)

        def g(_, x):
            return (), vmap(f)(x)

        scan_ys = scan(g, (), scan_xs)[1] if scan_xs is not None else None

        def flatten(x):
            return x.reshape(-1, *x.shape[2:])

        if scan_ys is None:
            return vmap(f)(remainder_xs)
        if remainder_xs is not None:
            remainder_ys = vmap(f)(remainder_xs)
            return tree_map(lambda x, y: lax.concatenate([flatten(x), y], 0), scan_ys,
                            remainder_ys)
        return tree_map(flatten, scan_ys)

    def g(_, x):
        return (), f(x)

    return scan(g, (), xs)[1]


# ---------------------------------------------------------------------------------------
# associative_scan


def associative_scan(fn: Callable, elems, reverse: bool = False, axis: int = 0):
    """Inclusive scan of `elems` along `axis` with the associative `fn`, by the parallel
    prefix algorithm (JAX's `lax.associative_scan`)."""
    from cellax import lax
    if not callable(fn):
        raise TypeError("lax.associative_scan: fn argument should be callable.")
    elems_flat, tree = tree_flatten(elems)
    if reverse:
        elems_flat = [lax.rev(e, [axis]) for e in elems_flat]

    def combine(a_flat, b_flat):
        c = fn(tree_unflatten(tree, a_flat), tree_unflatten(tree, b_flat))
        return tree_flatten(c)[0]

    axis = _canonicalize_axis(axis, elems_flat[0].ndim)
    num_elems = int(elems_flat[0].shape[axis])
    if not all(int(e.shape[axis]) == num_elems for e in elems_flat[1:]):
        raise ValueError("Array inputs to associative_scan must have the same first "
                         f"dimension. (saw: {[e.shape for e in elems_flat]})")

    def _scan(elems):
        num = elems[0].shape[axis]
        if num < 2:
            return elems
        reduced = combine([_slice_in_dim(e, 0, -1, stride=2, axis=axis) for e in elems],
                          [_slice_in_dim(e, 1, None, stride=2, axis=axis) for e in elems])
        odd = _scan(reduced)
        if num % 2 == 0:
            even = combine([_slice_in_dim(e, 0, -1, axis=axis) for e in odd],
                           [_slice_in_dim(e, 2, None, stride=2, axis=axis) for e in elems])
        else:
            even = combine(odd, [_slice_in_dim(e, 2, None, stride=2, axis=axis)
                                 for e in elems])
        even = [lax.concatenate([_slice_in_dim(e, 0, 1, axis=axis), r], axis)
                for e, r in zip(elems, even)]
        return [_interleave(a, b, axis) for a, b in zip(even, odd)]

    scans = _scan(elems_flat)
    if reverse:
        scans = [lax.rev(s, [axis]) for s in scans]
    return tree_unflatten(tree, scans)


def _slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """JAX's `lax.slice_in_dim`, which always passes explicit strides (printed
    `strides=(1,)`)."""
    from cellax import lax
    shape = operand.shape
    start, limit, strides = [0] * len(shape), list(shape), [1] * len(shape)
    d = shape[axis]
    start_index = 0 if start_index is None else start_index
    limit_index = d if limit_index is None else limit_index
    start[axis] = start_index + d if start_index < 0 else start_index
    limit[axis] = limit_index + d if limit_index < 0 else limit_index
    strides[axis] = stride
    return lax.slice(operand, start, limit, strides)


def _interleave(a, b, axis: int):
    """Interleave `a` and `b` (of static shapes) along `axis`: a0 b0 a1 b1 ..."""
    from cellax import lax
    a_len, b_len = a.shape[axis], b.shape[axis]
    assert a_len == b_len or a_len == b_len + 1
    a_pad = [(0, 0, 0)] * a.ndim
    b_pad = [(0, 0, 0)] * b.ndim
    a_pad[axis] = (0, 1 if a_len == b_len else 0, 1)
    b_pad[axis] = (1, 0 if a_len == b_len else 1, 1)
    op = lax.bitwise_or if a.dtype == np.bool_ else lax.add
    return op(lax.pad(a, np.zeros((), a.dtype)[()], a_pad),
              lax.pad(b, np.zeros((), b.dtype)[()], b_pad))

