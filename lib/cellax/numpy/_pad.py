"""Padding of `cellax.numpy` (`jnp.pad` and its modes), split out of `_shape_ops`."""
from __future__ import annotations

import builtins

import numpy as np

from cellax import core, dtypes, lax
from cellax.backend import ArrayImpl
from cellax.core import Tracer
from cellax.numpy import _core
from cellax.numpy._shape_ops import _flip, _ndim, repeat
from cellax.numpy._util import arr, dtype_of, ensure_arraylike, jit, shape_of


# ---------------------------------------------------------------------------------------
# Padding


def _broadcast_to_pairs(nvals, nd, name):
    nvals = np.asarray(_tree_concrete(nvals, f"{name} argument of jnp.pad"))
    if nvals.shape == (nd, 2):
        return tuple((nv[0], nv[1]) for nv in nvals)
    if nvals.shape == (1, 2):
        return tuple((nvals[0, 0], nvals[0, 1]) for _ in range(nd))
    if nvals.shape == (2,):
        return tuple((nvals[0], nvals[1]) for _ in range(nd))
    if nvals.shape == (1,):
        return tuple((nvals[0], nvals[0]) for _ in range(nd))
    if nvals.shape == ():
        v = nvals.flat[0]
        return tuple((v, v) for _ in range(nd))
    raise ValueError(f"jnp.pad: {name} with nd={nd} has unsupported shape {nvals.shape}. "
                     f"Valid shapes are ({nd}, 2), (1, 2), (2,), (1,), or ().")


def _tree_concrete(x, context):
    if isinstance(x, (list, tuple)):
        return type(x)(_tree_concrete(v, context) for v in x)
    if isinstance(x, Tracer):
        return np.asarray(core.concrete_or_error(x, context))
    if isinstance(x, ArrayImpl):
        return np.asarray(x)
    return x


def _check_no_padding(axis_padding, mode):
    if axis_padding[0] > 0 or axis_padding[1] > 0:
        raise ValueError(f"Cannot apply '{mode}' padding to empty axis")


def _pad_constant(a, pad_width, constant_values):
    nd = _ndim(a)
    cv = lax.convert_element_type(constant_values, dtype_of(a), dtypes.dtype_and_weak(a)[1])
    cnd = _ndim(cv)
    if cnd == 0:
        return lax.pad(a, cv, [(int(lo), int(hi), 0) for lo, hi in pad_width])
    if cnd == 1:
        if shape_of(cv)[-1] == 1:
            return lax.pad(a, _core.squeeze(cv), [(int(lo), int(hi), 0) for lo, hi in pad_width])
        if shape_of(cv)[-1] != 2:
            raise ValueError(f"jnp.pad: constant_values has unsupported shape {shape_of(cv)}. "
                             f"If the shape is 1D or 2D, the last dimension must be of size 1 "
                             f"or 2.")
    cv = _core.broadcast_to(cv, (nd, 2))
    for i in range(nd):
        widths = [(0, 0, 0)] * nd
        if pad_width[i][0] != 0:
            widths[i] = (int(pad_width[i][0]), 0, 0)
            a = lax.pad(a, cv[i, 0], widths)
        if pad_width[i][1] != 0:
            widths[i] = (0, int(pad_width[i][1]), 0)
            a = lax.pad(a, cv[i, 1], widths)
    return a


def _pad_wrap(a, pad_width):
    for i in range(_ndim(a)):
        size = shape_of(a)[i]
        if size == 0:
            _check_no_padding(pad_width[i], "wrap")
            continue
        lr, lrem = builtins.divmod(int(pad_width[i][0]), size)
        rr, rrem = builtins.divmod(int(pad_width[i][1]), size)
        parts = []
        if lrem > 0:
            parts.append(lax.slice_in_dim(a, size - lrem, size, axis=i))
        parts += (lr + rr + 1) * [a]
        if rrem > 0:
            parts.append(lax.slice_in_dim(a, 0, rrem, axis=i))
        a = lax.concatenate(parts, i)
    return a


def _pad_symmetric_or_reflect(a, pad_width, mode, reflect_type):
    for i in range(_ndim(a)):
        axis_size = shape_of(a)[i]
        if axis_size == 0:
            _check_no_padding(pad_width[i], mode)
            continue
        if pad_width[i][0] == 0 and pad_width[i][1] == 0:
            continue

        def build(a, padding, before):
            edge = lax.slice_in_dim(a, 0, 1, axis=i) if before else \
                lax.slice_in_dim(a, shape_of(a)[i] - 1, None, axis=i)
            offset = 1 if (mode == "reflect" and axis_size > 1) else 0
            while padding > 0:
                curr = builtins.min(padding, axis_size - offset)
                padding -= curr
                n = shape_of(a)[i]
                if before:
                    start, stop = offset, offset + curr
                else:
                    start = n - (curr + offset)
                    stop = n if (mode == "symmetric" or axis_size == 1) else n - 1
                x = _flip(lax.slice_in_dim(a, start, stop, axis=i), i)
                if reflect_type == "odd":
                    x = _core.subtract(_core.multiply(2, edge), x)
                    if axis_size > 1:
                        edge = lax.slice_in_dim(x, 0, 1, axis=i) if before else \
                            lax.slice_in_dim(x, shape_of(x)[i] - 1, None, axis=i)
                a = lax.concatenate([x, a] if before else [a, x], i)
            return a
        a = build(a, int(pad_width[i][0]), True)
        a = build(a, int(pad_width[i][1]), False)
    return a


def _pad_edge(a, pad_width):
    for i in range(_ndim(a)):
        n = shape_of(a)[i]
        if n == 0:
            _check_no_padding(pad_width[i], "edge")
            continue
        before = repeat(lax.slice_in_dim(a, 0, 1, axis=i), int(pad_width[i][0]), axis=i)
        after = repeat(lax.slice_in_dim(a, n - 1, n, axis=i), int(pad_width[i][1]), axis=i)
        a = lax.concatenate([before, a, after], i)
    return a


def _pad_linear_ramp(a, pad_width, end_values):
    from cellax.numpy._creation import _linspace_axis
    weak = dtypes.dtype_and_weak(a)[1]
    for ax in range(_ndim(a)):
        n = shape_of(a)[ax]
        eb = _core.squeeze(lax.slice_in_dim(a, 0, 1, axis=ax), ax)
        ea = _core.squeeze(lax.slice_in_dim(a, n - 1, None, axis=ax), ax)
        rb = _linspace_axis(end_values[ax][0], eb, int(pad_width[ax][0]), False, dtype_of(a),
                            ax)
        ra = _linspace_axis(end_values[ax][1], ea, int(pad_width[ax][1]), False, dtype_of(a),
                            ax)
        rb = lax.convert_element_type(rb, dtype_of(a), weak)
        ra = _flip(lax.convert_element_type(ra, dtype_of(a), weak), ax)
        a = lax.concatenate([rb, a, ra], ax)
    return a


def _pad_stats(a, pad_width, stat_length, stat_func):
    weak = dtypes.dtype_and_weak(a)[1]
    for i in range(_ndim(a)):
        if stat_length is None:
            sb = sa = stat_func(a, axis=i, keepdims=True)
        else:
            n = shape_of(a)[i]
            lb, la = (int(v) for v in stat_length[i])
            if lb == 0 or la == 0:
                raise ValueError("stat_length of 0 yields no value for padding")
            lb, la = builtins.min(lb, n), builtins.min(la, n)
            sb = stat_func(lax.slice_in_dim(a, 0, lb, axis=i), axis=i, keepdims=True)
            sa = stat_func(lax.slice_in_dim(a, n - la, None, axis=i), axis=i, keepdims=True)
        if dtypes.is_integer(dtype_of(a)):
            sb, sa = _core.round(sb), _core.round(sa)
        sb = lax.convert_element_type(sb, dtype_of(a), weak)
        sa = lax.convert_element_type(sa, dtype_of(a), weak)
        before = repeat(sb, int(pad_width[i][0]), axis=i)
        after = repeat(sa, int(pad_width[i][1]), axis=i)
        a = lax.concatenate([before, a, after], i)
    return a


def _pad_empty(a, pad_width):
    for i in range(_ndim(a)):
        s = shape_of(a)
        before = _core.zeros_like(a, shape=s[:i] + (int(pad_width[i][0]),) + s[i + 1:])
        after = _core.zeros_like(a, shape=s[:i] + (int(pad_width[i][1]),) + s[i + 1:])
        a = lax.concatenate([before, a, after], i)
    return a


def pad(array, pad_width, mode="constant", **kwargs):
    a = ensure_arraylike("pad", array)
    nd = _ndim(a)
    pw = _broadcast_to_pairs(pad_width, nd, "pad_width")
    if pw and not builtins.all(isinstance(p, (int, np.integer)) for pair in pw for p in pair):
        raise TypeError("`pad_width` must be of integral type.")
    if callable(mode):
        raise NotImplementedError("jnp.pad with a callable mode is not supported in cellax")
    allowed = {"empty": [], "edge": [], "wrap": [], "constant": ["constant_values"],
               "linear_ramp": ["end_values"], "maximum": ["stat_length"],
               "mean": ["stat_length"], "median": ["stat_length"],
               "minimum": ["stat_length"], "reflect": ["reflect_type"],
               "symmetric": ["reflect_type"]}
    try:
        unsupported = set(kwargs) - set(allowed[mode])
    except KeyError:
        raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.") from None
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    if nd == 0:
        return a
    if np.any(np.array(pw) < 0):
        raise ValueError("index can't contain negative values")
    pw = tuple((int(lo), int(hi)) for lo, hi in pw)
    if mode == "constant":
        return _pad(a, pw, mode, arr(kwargs.get("constant_values", 0)), None, None, "even")
    if mode == "linear_ramp":
        ev = _broadcast_to_pairs(kwargs.get("end_values", 0), nd, "end_values")
        ev = tuple(tuple(float(v) if not isinstance(v, (int, np.integer)) else int(v)
                         for v in pair) for pair in ev)
    else:
        ev = None
    sl = kwargs.get("stat_length")
    if sl is not None:
        sl = tuple(tuple(int(v) for v in pair) for pair in _broadcast_to_pairs(sl, nd,
                                                                              "stat_length"))
    return _pad(a, pw, mode, None, sl, ev, kwargs.get("reflect_type", "even"))


@jit(static_argnames=("pw", "mode", "stat_length", "end_values", "reflect_type"))
def _pad(a, pw, mode, constant_values, stat_length, end_values, reflect_type):
    if mode == "constant":
        return _pad_constant(a, pw, constant_values)
    if mode == "wrap":
        return _pad_wrap(a, pw)
    if mode in ("symmetric", "reflect"):
        if reflect_type not in ("even", "odd"):
            raise ValueError(f"Unimplemented reflect_type '{reflect_type}' for np.pad.")
        return _pad_symmetric_or_reflect(a, pw, mode, reflect_type)
    if mode == "edge":
        return _pad_edge(a, pw)
    if mode == "linear_ramp":
        return _pad_linear_ramp(a, pw, end_values)
    if mode in ("maximum", "minimum", "mean", "median"):
        from cellax.numpy._quantiles import median
        fn = {"maximum": _core.max, "minimum": _core.min, "mean": _core.mean,
              "median": median}[mode]
        return _pad_stats(a, pw, stat_length, fn)
    if mode == "empty":
        return _pad_empty(a, pw)
    raise NotImplementedError(f"jnp.pad mode '{mode}' is not supported")
