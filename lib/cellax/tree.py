"""`cellax.tree`: the short names for the pytree functions of `cellax.tree_util`.

Each name is the `tree_util` function itself (not a wrapper), matching `jax.tree`.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from cellax import tree_util as _tu

__all__ = [
    "all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path", "map",
    "map_with_path", "reduce", "reduce_associative", "static", "structure", "transpose",
    "unflatten",
]

all = _tu.tree_all  # shadows the builtin, as jax.tree does
broadcast = _tu.tree_broadcast
flatten = _tu.tree_flatten
flatten_with_path = _tu.tree_flatten_with_path
leaves = _tu.tree_leaves
leaves_with_path = _tu.tree_leaves_with_path
map = _tu.tree_map  # shadows the builtin, as jax.tree does
map_with_path = _tu.tree_map_with_path
reduce = _tu.tree_reduce
reduce_associative = _tu.tree_reduce_associative
structure = _tu.tree_structure
transpose = _tu.tree_transpose
unflatten = _tu.tree_unflatten


def static(**kwargs: Any) -> Any:
    """`dataclasses.field(...)` marked static for `register_dataclass`'s inferred form."""
    metadata = {"static": True, **(kwargs.pop("metadata", None) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)
