"""NumPy's index tricks on cellax arrays: `mgrid`, `ogrid`, `r_`, `c_` (and `s_`,
`index_exp`, which are NumPy's own), as in `jax.numpy`."""
from __future__ import annotations

import numpy as np

from cellax import core
from cellax.numpy import _core
from cellax.numpy._creation import linspace


def _make_1d_grid_from_slice(s: slice, op_name: str):
    start = core.concrete_or_error(s.start, f"slice start of jnp.{op_name}") or 0
    stop = core.concrete_or_error(s.stop, f"slice stop of jnp.{op_name}")
    step = core.concrete_or_error(s.step, f"slice step of jnp.{op_name}") or 1
    if np.iscomplex(step):
        return linspace(start, stop, int(abs(step)))
    return _core.arange(start, stop, step)


class _Mgrid:
    def __getitem__(self, key):
        if isinstance(key, slice):
            return _make_1d_grid_from_slice(key, op_name="mgrid")
        out = _core.promote_dtypes(*(_make_1d_grid_from_slice(k, op_name="mgrid")
                                     for k in key))
        out = _shape_ops().meshgrid(*out, indexing="ij", sparse=False)
        if len(out) == 0:
            return _core.arange(0)
        return _core.stack(out, 0)


class _Ogrid:
    def __getitem__(self, key):
        if isinstance(key, slice):
            return _make_1d_grid_from_slice(key, op_name="ogrid")
        out = _core.promote_dtypes(*(_make_1d_grid_from_slice(k, op_name="ogrid")
                                     for k in key))
        return _shape_ops().meshgrid(*out, indexing="ij", sparse=True)


def _shape_ops():
    from cellax.numpy import _shape_ops
    return _shape_ops


class _AxisConcat:
    axis: int
    ndmin: int
    trans1d: int
    op_name: str

    def __getitem__(self, key):
        key_tup = key if isinstance(key, tuple) else (key,)
        params = [self.axis, self.ndmin, self.trans1d, -1]
        directive = key_tup[0]
        if isinstance(directive, str):
            key_tup = key_tup[1:]
            if directive == "r":
                params[-1] = 0
            elif directive == "c":
                params[-1] = 1
            else:
                vec = directive.split(",")
                k = len(vec)
                if k < 4:
                    vec += params[k:]
                else:
                    vec = vec[:3] + [params[-1]]
                try:
                    params = list(map(int, vec))
                except ValueError as err:
                    raise ValueError(f"could not understand directive {directive!r}") from err
        axis, ndmin, trans1d, matrix = params
        output = []
        for item in key_tup:
            if isinstance(item, slice):
                newobj = _make_1d_grid_from_slice(item, op_name=self.op_name)
                item_ndim = 0
            elif isinstance(item, str):
                raise ValueError("string directive must be placed at the beginning")
            else:
                newobj = _core.array(item, copy=False)
                item_ndim = _core.ndim(newobj)
            newobj = _core.array(newobj, copy=False, ndmin=ndmin)
            if trans1d != -1 and ndmin - item_ndim > 0:
                shape_obj = tuple(range(ndmin))
                num_lshifts = ndmin - abs(ndmin + trans1d + 1) % ndmin
                shape_obj = tuple(shape_obj[num_lshifts:] + shape_obj[:num_lshifts])
                newobj = _core.transpose(newobj, shape_obj)
            output.append(newobj)
        res = _core.concatenate(tuple(output), axis=axis)
        if matrix != -1 and _core.ndim(res) == 1:
            res = _core.expand_dims(res, matrix)
        return res

    def __len__(self) -> int:
        return 0


class RClass(_AxisConcat):
    axis = 0
    ndmin = 1
    trans1d = -1
    op_name = "r_"


class CClass(_AxisConcat):
    axis = -1
    ndmin = 2
    trans1d = 0
    op_name = "c_"


mgrid = _Mgrid()
ogrid = _Ogrid()
r_ = RClass()
c_ = CClass()
s_ = np.s_
index_exp = np.index_exp
