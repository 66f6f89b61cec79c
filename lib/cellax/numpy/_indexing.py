"""NumPy-style indexing (`x[...]`) and functional updates (`x.at[...].set(...)`)."""
from __future__ import annotations

import numpy as np

from cellax import core, lax
from cellax.core import Tracer, get_aval


def _is_int_index(i) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def getitem(x, idx):
    if not isinstance(idx, tuple):
        idx = (idx,)
    aval = get_aval(x)
    # Expand the Ellipsis into full slices.
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if sum(1 for i in idx if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_real > aval.ndim:
        raise IndexError(f"Too many indices: {aval.ndim}-dimensional array indexed with "
                         f"{n_real} regular indices.")
    expanded = []
    for i in idx:
        if i is Ellipsis:
            expanded.extend([slice(None)] * (aval.ndim - n_real))
        else:
            expanded.append(i)
    expanded.extend([slice(None)] * (aval.ndim - sum(1 for i in expanded if i is not None)))
    if all(i is None or isinstance(i, slice) or _is_int_index(i) for i in expanded):
        return _static_index(x, aval, expanded)
    if all(i is None or isinstance(i, slice) or _is_int_index(i) or _is_scalar_traced_int(i)
           for i in expanded):
        return _dynamic_index(x, aval, expanded)
    raise NotImplementedError(
        f"Indexing with {tuple(type(i).__name__ for i in idx)} is not supported yet: use "
        "integers, slices, None and Ellipsis.")


def _is_scalar_traced_int(i) -> bool:
    aval = getattr(i, "aval", None)
    return aval is not None and aval.shape == () and aval.dtype.kind in "iu"


def _static_index(x, aval, expanded):
    starts, limits, strides, squeeze_dims, rev_dims = [], [], [], [], []
    new_axes = []
    dim = 0
    out_pos = 0
    for i in expanded:
        if i is None:
            new_axes.append(out_pos)
            out_pos += 1
            continue
        size = aval.shape[dim]
        if _is_int_index(i):
            j = int(i)
            if not -size <= j < size:
                raise IndexError(f"index {j} is out of bounds for axis {dim} with size {size}")
            j %= size
            starts.append(j)
            limits.append(j + 1)
            strides.append(1)
            squeeze_dims.append(dim)
        else:
            start, stop, step = i.indices(size)
            if step > 0:
                starts.append(start)
                limits.append(max(stop, start))
                strides.append(step)
            else:
                n = len(range(start, stop, step))
                # Reverse, then take a forward slice of the reversed axis.
                rev_start = size - 1 - start
                starts.append(rev_start)
                limits.append(rev_start + (n - 1) * (-step) + 1 if n else rev_start)
                strides.append(-step)
                rev_dims.append(dim)
            out_pos += 1
        dim += 1
    if rev_dims:
        x = lax.rev(x, rev_dims)
    if (starts != [0] * aval.ndim or limits != list(aval.shape)
            or any(s != 1 for s in strides)):
        x = lax.slice(x, starts, limits, strides if any(s != 1 for s in strides) else None)
    if squeeze_dims:
        x = lax.squeeze(x, squeeze_dims)
    if new_axes:
        x = lax.expand_dims(x, new_axes)
    return x


def _dynamic_index(x, aval, expanded):
    starts, sizes, squeeze_dims, new_axes = [], [], [], []
    dim, out_pos = 0, 0
    static = []
    for i in expanded:
        if i is None:
            new_axes.append(out_pos)
            out_pos += 1
            continue
        size = aval.shape[dim]
        if isinstance(i, slice):
            static.append((dim, i))
            starts.append(np.int32(0))
            sizes.append(size)
            out_pos += 1
        else:
            j = i
            if _is_int_index(j):
                j = np.int32(int(j) % size)
            else:
                j = lax.select(lax.lt(j, lax.convert_element_type(0, j.aval.dtype)),
                               lax.add(j, lax.convert_element_type(size, j.aval.dtype)), j)
            starts.append(j)
            sizes.append(1)
            squeeze_dims.append(dim)
        dim += 1
    idx_dt = np.int32
    starts = [lax.convert_element_type(s, idx_dt) if hasattr(s, "aval") else s for s in starts]
    out = lax.dynamic_slice(x, starts, sizes)
    # Apply the static slices on the kept dimensions.
    full = [slice(None) if d not in dict(static) else dict(static)[d] for d in range(aval.ndim)]
    out = _static_index(out, get_aval(out), [slice(None) if d in squeeze_dims else full[d]
                                             for d in range(aval.ndim)])
    if squeeze_dims:
        out = lax.squeeze(out, squeeze_dims)
    if new_axes:
        out = lax.expand_dims(out, new_axes)
    return out


class _IndexUpdateHelper:
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.array, idx)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def get(self, **kw):
        return getitem(self.array, self.index)

    def _unsupported(self, *a, **kw):
        raise NotImplementedError(".at[...] updates are not supported yet")

    set = add = multiply = mul = divide = power = min = max = apply = _unsupported


_unused = (core, Tracer)
