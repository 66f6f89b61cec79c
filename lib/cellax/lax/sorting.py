"""`cellax.lax` sorting: `sort`, `sort_key_val`, `top_k`, `approx_max_k`, `approx_min_k`."""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from cellax import core
from cellax.core import get_aval
from cellax.primitives.sorting import approx_top_k_p, sort_p, top_k_p


def _canonicalize_axis(axis, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def _as_operand(x):
    if isinstance(x, (core.Tracer,)) or hasattr(x, "aval"):
        return x
    from cellax.numpy import _core
    return _core.asarray(x)


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
    """Sorts `operand` (or a sequence of operands, lexicographically on the first
    `num_keys`) along `dimension`; NaNs sort last and -0.0 equals 0.0."""
    if isinstance(operand, Sequence):
        if len(operand) == 0:
            raise TypeError("Sort requires at least one operand")
        if not 1 <= num_keys <= len(operand):
            raise ValueError(f"num_keys={num_keys} must be between 1 and "
                             f"len(operand)={len(operand)}")
        ops = [_as_operand(x) for x in operand]
        dimension = _canonicalize_axis(dimension, len(np.shape(ops[0])))
        return tuple(sort_p.bind(*ops, dimension=dimension, is_stable=bool(is_stable),
                                 num_keys=num_keys))
    if num_keys != 1:
        raise ValueError(f"num_keys={num_keys} must equal 1 for a single operand.")
    operand = _as_operand(operand)
    dimension = _canonicalize_axis(dimension, len(np.shape(operand)))
    return sort_p.bind(operand, dimension=dimension, is_stable=bool(is_stable), num_keys=1)[0]


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
    """Sorts `keys` along `dimension` and applies the same permutation to `values`."""
    keys, values = _as_operand(keys), _as_operand(values)
    dimension = _canonicalize_axis(dimension, len(np.shape(keys)))
    k, v = sort_p.bind(keys, values, dimension=dimension, is_stable=bool(is_stable),
                       num_keys=1)
    return k, v


def top_k(operand, k: int, *, axis: int = -1):
    """The `k` largest entries of `operand` along `axis` (largest first; equal entries
    in index order) and their int32 indices."""
    k = int(core.concrete_or_error(k, "The k argument of top_k"))
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    operand = _as_operand(operand)
    axis = _canonicalize_axis(axis, get_aval(operand).ndim)
    return tuple(top_k_p.bind(operand, k=k, axis=axis))


def _approx_k(operand, k, reduction_dimension, recall_target, is_max_k,
              reduction_input_size_override, aggregate_to_topk):
    return tuple(approx_top_k_p.bind(
        _as_operand(operand), k=int(k), reduction_dimension=int(reduction_dimension),
        recall_target=float(recall_target), is_max_k=is_max_k,
        reduction_input_size_override=int(reduction_input_size_override),
        aggregate_to_topk=bool(aggregate_to_topk)))


def approx_max_k(operand, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True):
    """The `k` largest values of a floating `operand` along `reduction_dimension` and their
    indices. Approximate on TPU in JAX; exact here (as JAX on CPU and GPU)."""
    return _approx_k(operand, k, reduction_dimension, recall_target, True,
                     reduction_input_size_override, aggregate_to_topk)


def approx_min_k(operand, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True):
    """The `k` smallest values of a floating `operand` along `reduction_dimension` and their
    indices (exact, as JAX off TPU)."""
    return _approx_k(operand, k, reduction_dimension, recall_target, False,
                     reduction_input_size_override, aggregate_to_topk)


__all__ = ["sort", "sort_key_val", "top_k", "approx_max_k", "approx_min_k", "sort_p",
           "top_k_p", "approx_top_k_p"]
