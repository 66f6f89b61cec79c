"""Collectives over named axes: psum, pmax, pmin, all_gather, axis_index.

Inside `vmap(..., axis_name=name)` these reduce or gather over the batch axis of that
name (the batching trace's `collective_rules`). The axis environment records the names
and sizes of the enclosing vmaps, so `jit` inside `vmap` can stage them; outside any
such vmap they raise NameError, as in JAX.
"""
from __future__ import annotations

import numpy as np

from cellax import core
from cellax.core import Primitive, ShapedArray
from cellax.interpreters import batching
from cellax.interpreters.jvp import Zero, deflinear, def_nondifferentiable, defjvp

from cellax.interpreters.batching import axis_size  # noqa: E402  (the axis environment)


def _check_names(names) -> None:
    for n in names:
        axis_size(n)


def _names(axis_name) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


# ---------------------------------------------------------------------------------------


def _unbound_impl(prim):
    def impl(*args, axes, **params):
        raise NameError(f"unbound axis name: {axes[0]}. `{prim.name}` must run inside "
                        f"vmap(..., axis_name={axes[0]!r}) (or a transformation binding it).")
    return impl


def _def_collective(name: str, multiple_results: bool = True) -> Primitive:
    prim = Primitive(name)
    prim.multiple_results = multiple_results
    prim.axis_name_param = "axes"
    prim.def_impl(_unbound_impl(prim))

    def lower(ctx, *args, **params):
        raise NameError(f"unbound axis name in `{name}`: collectives need an enclosing "
                        "vmap with that axis_name.")
    core.lowering_rules[prim] = lower
    return prim


def _reduction_collective(name, reduce_fn, unbatched_fn):
    prim = _def_collective(name)

    def abstract_eval(*avals, axes, axis_index_groups=None):
        _check_names(axes)
        return [ShapedArray(a.shape, a.dtype, a.weak_type) for a in avals]

    prim.def_abstract_eval(abstract_eval)

    def rule(trace, vals, dims, *, axes, axis_index_groups=None):
        outs = []
        for v, d in zip(vals, dims):
            outs.append(unbatched_fn(v, trace.axis_size) if d is None else reduce_fn(v, d))
        rest = tuple(n for n in axes if n != trace.axis_name)
        if rest:
            outs = prim.bind(*outs, axes=rest, axis_index_groups=axis_index_groups)
        return outs, [None] * len(outs)

    batching.collective_rules[prim] = rule

    def batch_rule(size, vals, dims, *, axes, axis_index_groups=None):
        # A collective over an outer axis applied to values batched by an inner vmap:
        # elementwise in the inner batch dim.
        return prim.bind(*vals, axes=axes, axis_index_groups=axis_index_groups), list(dims)

    core.batching_rules[prim] = batch_rule
    return prim


def _sum_over(v, d):
    from cellax.primitives.reductions import reduce_sum_p
    return reduce_sum_p.bind(v, axes=(d,), out_sharding=None)


def _times_size(v, size):
    from cellax.primitives.elementwise import mul_p
    return mul_p.bind(v, np.asarray(size, core.get_aval(v).dtype)[()])


def _max_over(v, d):
    from cellax.primitives.reductions import reduce_max_p
    return reduce_max_p.bind(v, axes=(d,))


def _min_over(v, d):
    from cellax.primitives.reductions import reduce_min_p
    return reduce_min_p.bind(v, axes=(d,))


psum_p = _reduction_collective("psum", _sum_over, _times_size)
pmax_p = _reduction_collective("pmax", _max_over, lambda v, size: v)
pmin_p = _reduction_collective("pmin", _min_over, lambda v, size: v)

# psum is linear; its transpose (a broadcast of the cotangent) is psum again under vmap.
def _psum_transpose(cts, *args, axes, axis_index_groups=None):
    from cellax.interpreters.jvp import instantiate
    return list(psum_p.bind(*[instantiate(c) for c in cts], axes=axes,
                            axis_index_groups=axis_index_groups))


deflinear(psum_p, _psum_transpose)


def _pminmax_jvp(prim):
    def rule(primals, tangents, *, axes, axis_index_groups=None):
        from cellax.primitives import elementwise as ew
        outs = prim.bind(*primals, axes=axes, axis_index_groups=axis_index_groups)
        touts = []
        for x, t, o in zip(primals, tangents, outs):
            if type(t) is Zero:
                touts.append(Zero(core.get_aval(o)))
                continue
            dt = core.get_aval(x).dtype
            mask = ew.convert_element_type_p.bind(ew.eq_p.bind(x, o), new_dtype=dt,
                                                  weak_type=False, sharding=None)
            num = psum_p.bind(ew.mul_p.bind(t, mask), axes=axes, axis_index_groups=None)[0]
            den = psum_p.bind(mask, axes=axes, axis_index_groups=None)[0]
            touts.append(ew.div_p.bind(num, den))
        return outs, touts
    return rule


core.jvp_rules[pmax_p] = _pminmax_jvp(pmax_p)
core.jvp_rules[pmin_p] = _pminmax_jvp(pmin_p)

# ---------------------------------------------------------------------------------------
all_gather_p = _def_collective("all_gather", multiple_results=False)


def _all_gather_abstract_eval(x, *, axes, all_gather_dimension, axis_size, tiled,
                              axis_index_groups=None):
    _check_names(axes)
    shape = list(x.shape)
    if tiled:
        shape[all_gather_dimension] *= axis_size
    else:
        shape.insert(all_gather_dimension, axis_size)
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


all_gather_p.def_abstract_eval(_all_gather_abstract_eval)


def _all_gather_rule(trace, vals, dims, *, axes, all_gather_dimension, axis_size, tiled,
                     axis_index_groups=None):
    (x,), (d,) = vals, dims
    if len(axes) > 1:
        raise NotImplementedError("all_gather over several axis names is not supported")
    x = batching.bdim_at_front(x, d, trace.axis_size)
    out = batching.moveaxis(x, 0, all_gather_dimension)
    if tiled:
        from cellax.primitives.shape import reshape_p
        shape = list(core.get_aval(out).shape)
        k = all_gather_dimension
        shape[k:k + 2] = [shape[k] * shape[k + 1]]
        out = reshape_p.bind(out, new_sizes=tuple(shape), dimensions=None, sharding=None)
    return out, None


batching.collective_rules[all_gather_p] = _all_gather_rule
deflinear(all_gather_p, lambda ct, x, **params: [_all_gather_transpose(ct, x, **params)])


def _all_gather_transpose(ct, x, *, axes, all_gather_dimension, axis_size, tiled,
                          axis_index_groups=None):
    # Each member keeps its own slice of the summed cotangent.
    from cellax.primitives.shape import dynamic_slice_p, reshape_p
    summed = psum_p.bind(ct, axes=axes, axis_index_groups=None)[0]
    idx = axis_index_p.bind(axis_name=axes[0])
    shape = core.get_aval(summed).shape
    k = all_gather_dimension
    starts = [np.zeros((), np.int32)[()]] * len(shape)
    sizes = list(shape)
    from cellax.primitives.elementwise import mul_p
    if tiled:
        chunk = shape[k] // axis_size
        starts[k] = mul_p.bind(idx, np.asarray(chunk, np.int32)[()])
        sizes[k] = chunk
        return dynamic_slice_p.bind(summed, *starts, slice_sizes=tuple(sizes))
    starts[k] = idx
    sizes[k] = 1
    piece = dynamic_slice_p.bind(summed, *starts, slice_sizes=tuple(sizes))
    return reshape_p.bind(piece, new_sizes=x.aval.shape, dimensions=None, sharding=None)


def _all_gather_batch(size, vals, dims, *, all_gather_dimension, **params):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    return all_gather_p.bind(x, all_gather_dimension=all_gather_dimension + 1, **params), 0


core.batching_rules[all_gather_p] = _all_gather_batch

# ---------------------------------------------------------------------------------------
axis_index_p = Primitive("axis_index")
axis_index_p.axis_name_param = "axis_name"


def _axis_index_abstract_eval(*, axis_name):
    _check_names(_names(axis_name))
    return ShapedArray((), np.dtype("int32"), False)


axis_index_p.def_abstract_eval(_axis_index_abstract_eval)


def _axis_index_unbound(*args, axis_name):
    raise NameError(f"unbound axis name: {axis_name}. axis_index must run inside "
                    f"vmap(..., axis_name={axis_name!r}).")


axis_index_p.def_impl(_axis_index_unbound)
core.lowering_rules[axis_index_p] = lambda ctx, **p: _axis_index_unbound(**p)


def _axis_index_rule(trace, vals, dims, *, axis_name):
    from cellax.primitives.shape import iota_p
    return iota_p.bind(dtype=np.dtype("int32"), shape=(trace.axis_size,), dimension=0,
                       sharding=None), 0


batching.collective_rules[axis_index_p] = _axis_index_rule
core.batching_rules[axis_index_p] = lambda size, vals, dims, **p: (axis_index_p.bind(**p),
                                                                  None)
def_nondifferentiable(axis_index_p)
_unused = defjvp
