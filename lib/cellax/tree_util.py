"""Pytrees: cellax's registry of container types and the functions over it.

This module owns cellax's pytree registries (built on the C++ pytree module
that `cellax.backend` re-exports), the registration API for user types, the key
types and key-path helpers, `Partial`, and the structure-mismatch diagnostics used
when two trees should line up but do not. The public surface mirrors
`jax.tree_util` name for name and behaviour for behaviour.

cellax keeps registries of its own rather than the process-wide default one,
which the `jax` package uses: registering a type with cellax must not change what
`jax` sees when both are imported, and vice versa.
"""
from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
import textwrap
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, Self, TypeVar

from cellax.backend import pytree

__all__ = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "Partial",
    "PyTreeDef", "SequenceKey", "all_leaves", "build_tree", "default_registry",
    "flatten_one_level", "flatten_one_level_with_keys", "is_tree_node", "keystr",
    "register_dataclass", "register_pytree_node", "register_pytree_node_class",
    "register_pytree_with_keys", "register_pytree_with_keys_class", "register_static",
    "tree_all", "tree_broadcast", "tree_flatten", "tree_flatten_with_path", "tree_leaves",
    "tree_leaves_with_path", "tree_map", "tree_map_with_path", "tree_reduce",
    "tree_reduce_associative", "tree_structure", "tree_transpose", "tree_unflatten",
    "treedef_children", "treedef_is_leaf", "treedef_tuple",
]

T = TypeVar("T")
Typ = TypeVar("Typ", bound=type[Any])
H = TypeVar("H", bound=Hashable)

Leaf = Any
PyTree = Any
KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyLeafPair = tuple[Any, Any]
KeyPath = tuple[Any, ...]

PyTreeDef = pytree.PyTreeDef
SequenceKey: Any = pytree.SequenceKey
DictKey: Any = pytree.DictKey
GetAttrKey: Any = pytree.GetAttrKey
FlattenedIndexKey: Any = pytree.FlattenedIndexKey


def _make_registry(name: str, *, none_is_node: bool) -> Any:
    registry = pytree.PyTreeRegistry(
        enable_none=none_is_node, enable_tuple=True, enable_namedtuple=True,
        enable_list=True, enable_dict=True)
    # A PyTreeDef pickles its registry by reference (module + name), so these must
    # name the attribute under which the registry is reachable.
    registry.__module__ = __name__
    registry.__name__ = name
    return registry


default_registry = _make_registry("default_registry", none_is_node=True)
# The same node types, except that None is a leaf: for APIs that must see Nones as values.
none_leaf_registry = _make_registry("none_leaf_registry", none_is_node=False)
# jit's fast path flattens arguments with this name. Today it is the default registry;
# the separate name leaves room for types that only dispatch should unpack.
dispatch_registry = default_registry

# Every registration goes to each distinct registry so they never disagree.
_registries = (default_registry, none_leaf_registry)

# Bound once: tree_flatten and friends sit on jit's dispatch hot path.
_flatten = default_registry.flatten
_flatten_with_path = default_registry.flatten_with_path


# ---------------------------------------------------------------------------------------
# Flattening and rebuilding

def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list[Leaf], PyTreeDef]:
    """Flatten `tree` into its leaves (left to right) and its structure."""
    return _flatten(tree, is_leaf)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Leaf]) -> Any:
    """Rebuild the pytree described by `treedef`, filling its leaves from `leaves`."""
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Leaf]:
    """The leaves of `tree`, in flattening order."""
    return _flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The PyTreeDef of `tree`."""
    return _flatten(tree, is_leaf)[1]


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose elements have the given structures."""
    return pytree.treedef_tuple(default_registry, list(treedefs))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root node's immediate children."""
    return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is a single node (a leaf, or a childless node such as None)."""
    return treedef.num_nodes == 1


def treedef_is_strict_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is exactly one leaf (None and `()` are not)."""
    return treedef.num_nodes == 1 and treedef.num_leaves == 1


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every element of `iterable` is a leaf."""
    if is_leaf is None:
        return pytree.all_leaves(default_registry, iterable)
    items = list(iterable)
    leaves = _flatten(items, is_leaf)[0]
    # With a predicate, an item is a leaf exactly when flattening hands it back unchanged.
    return len(leaves) == len(items) and all(a is b for a, b in zip(items, leaves))


def is_tree_node(typ: type) -> bool:
    """Whether `typ` is a pytree node type (built in, registered, or a namedtuple)."""
    return default_registry.is_node(typ)


def build_tree(treedef: PyTreeDef, xs: Any) -> Any:
    """Build a pytree of shape `treedef` from `xs`, a nested tuple of nodes' children.

    `xs` mirrors the node structure: each node of `treedef` corresponds to an
    iterable of its children in `xs`, and each leaf of `treedef` to a leaf value.
    """
    return treedef.from_iterable_tree(xs)


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
    """Split a pytree node into (children, node metadata), without recursing."""
    out = default_registry.flatten_one_level(tree)
    if out is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return out


def flatten_one_level_with_keys(tree: Any) -> tuple[Iterable[KeyLeafPair], Hashable]:
    """Like `flatten_one_level`, with each child paired with its key."""
    out = default_registry.flatten_one_level_with_keys(tree)
    if out is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return out


# ---------------------------------------------------------------------------------------
# Mapping and reducing

def _flatten_other(treedef: PyTreeDef, other: Any, tree: Any,
                   is_leaf: Callable[..., bool] | None, name: str) -> list[Any]:
    try:
        return treedef.flatten_up_to(other)
    except Exception:
        # The C++ message names only the innermost disagreement; describe it by key path.
        explain = next(_prefix_error((), tree, other, is_leaf), None)
        if explain is None:
            raise
    raise explain(name) from None


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Apply `f` leafwise; each tree in `rest` must have `tree`'s structure as a prefix."""
    leaves, treedef = _flatten(tree, is_leaf)
    if not rest:
        return treedef.unflatten(map(f, leaves))
    others = [_flatten_other(treedef, r, tree, is_leaf, "tree_map tree") for r in rest]
    return treedef.unflatten(map(f, leaves, *others))


def tree_flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                           is_leaf_takes_path: bool = False
                           ) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Flatten `tree` into (key path, leaf) pairs and its structure."""
    if is_leaf is not None and not is_leaf_takes_path:
        leaf_only = is_leaf

        def is_leaf(_: Any, x: Any) -> bool:
            return leaf_only(x)
    return _flatten_with_path(tree, is_leaf)


def tree_leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                          is_leaf_takes_path: bool = False) -> list[tuple[KeyPath, Any]]:
    """The (key path, leaf) pairs of `tree`."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                       is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """Like `tree_map`, but `f` also receives each leaf's key path as its first argument."""
    path_leaves, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    paths = [p for p, _ in path_leaves]
    leaves = [x for _, x in path_leaves]
    # Only for describing a mismatch, where paths are not tracked: a path-taking
    # predicate sees the empty path there.
    leaf_pred = None
    if is_leaf is not None:
        leaf_pred = (lambda x: is_leaf((), x)) if is_leaf_takes_path else is_leaf
    others = [_flatten_other(treedef, r, tree, leaf_pred, "tree_map_with_path tree")
              for r in rest]
    return treedef.unflatten(map(f, paths, leaves, *others))


class _Missing:
    """Marks an argument that was not passed (None is a meaningful initializer)."""

    def __repr__(self) -> str:
        return "<unspecified>"


_MISSING: Any = _Missing()


def tree_reduce(function: Callable[[T, Any], T], tree: Any, initializer: Any = _MISSING,
                is_leaf: Callable[[Any], bool] | None = None) -> T:
    """Fold `function` over the leaves of `tree`, left to right."""
    leaves = _flatten(tree, is_leaf)[0]
    if initializer is _MISSING:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def _reduce_halves(xs: list[Any], operation: Callable[[Any, Any], Any], identity: Any) -> Any:
    if not xs:
        if identity is _MISSING:
            raise TypeError("Must specify identity for parallel reduction of empty sequence.")
        return identity
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return operation(_reduce_halves(xs[:mid], operation, identity),
                     _reduce_halves(xs[mid:], operation, identity))


def tree_reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                            identity: Any = _MISSING,
                            is_leaf: Callable[[Any], bool] | None = None) -> T:
    """Combine the leaves with an associative `operation`, as a balanced binary tree."""
    return _reduce_halves(_flatten(tree, is_leaf)[0], operation, identity)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every leaf of `tree` is truthy."""
    return all(_flatten(tree, is_leaf)[0])


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """Turn an outer-of-inner pytree into an inner-of-outer one."""
    flat, treedef = _flatten(pytree_to_transpose)
    if inner_treedef is None:
        first_inner = outer_treedef.flatten_up_to(pytree_to_transpose)[0]
        inner_treedef = _flatten(first_inner)[1]
    n_inner = inner_treedef.num_leaves
    n_outer = outer_treedef.num_leaves
    if treedef.num_leaves != n_inner * n_outer:
        raise TypeError(f"Mismatch\n{treedef}\n != \n{outer_treedef.compose(inner_treedef)}")
    rows = [flat[i * n_inner:(i + 1) * n_inner] for i in range(n_outer)]
    return inner_treedef.unflatten(outer_treedef.unflatten(col) for col in zip(*rows))


def broadcast_prefix(prefix_tree: Any, full_tree: Any,
                     is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    """Repeat each leaf of `prefix_tree` once per leaf of the matching `full_tree` subtree."""
    out: list[Any] = []

    def extend(x: Any, subtree: Any) -> None:
        out.extend([x] * _flatten(subtree)[1].num_leaves)

    try:
        tree_map(extend, prefix_tree, full_tree, is_leaf=is_leaf)
    except ValueError:
        explain = next(_prefix_error((), prefix_tree, full_tree, is_leaf), None)
        if explain is None:
            raise
        raise explain("broadcast_prefix prefix_tree") from None
    return out


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """`full_tree`'s structure, with leaves taken from the matching `prefix_tree` leaf."""
    return _flatten(full_tree)[1].unflatten(broadcast_prefix(prefix_tree, full_tree, is_leaf))


# ---------------------------------------------------------------------------------------
# Registration

def register_pytree_node(nodetype: type[T],
                         flatten_func: Callable[[T], tuple[Iterable[Any], Hashable]],
                         unflatten_func: Callable[[Any, Iterable[Any]], T],
                         flatten_with_keys_func: Callable[[T], tuple[Iterable[KeyLeafPair],
                                                                     Hashable]] | None = None
                         ) -> None:
    """Make `nodetype` a pytree node: flatten_func(x) -> (children, hashable aux data),
    unflatten_func(aux_data, children) -> x."""
    for registry in _registries:
        registry.register_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func)


def register_pytree_with_keys(nodetype: type[T],
                              flatten_with_keys: Callable[[T], tuple[Iterable[KeyLeafPair],
                                                                     Hashable]],
                              unflatten_func: Callable[[Any, Iterable[Any]], T],
                              flatten_func: Callable[[T], tuple[Iterable[Any], Hashable]]
                              | None = None) -> None:
    """Make `nodetype` a pytree node whose children carry keys (for key paths).

    `flatten_func`, when given, must return the same children and aux data without
    the keys; it only makes key-less flattening faster.
    """
    if not flatten_func:
        def flatten_func(x):
            keyed, aux = flatten_with_keys(x)
            return [child for _, child in keyed], aux
    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: Typ) -> Typ:
    """Class decorator: register a class with `tree_flatten` / classmethod `tree_unflatten`."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: Typ) -> Typ:
    """Class decorator: register a class with `tree_flatten_with_keys` and `tree_unflatten`
    (and optionally a faster key-less `tree_flatten`)."""
    flatten_func = (lambda x: x.tree_flatten()) if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
                              flatten_func)
    return cls


def register_dataclass(nodetype: Typ, data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None,
                       drop_fields: Sequence[str] = ()) -> Typ:
    """Register a dataclass-like type: `data_fields` are children, `meta_fields` static.

    For a dataclass both may be omitted: fields are data unless declared with
    `metadata={"static": True}`. Rebuilding calls `nodetype(**fields)`.
    """
    if data_fields is None or meta_fields is None:
        if (data_fields is None) != (meta_fields is None):
            raise TypeError(
                "register_dataclass: data_fields and meta_fields must both be specified "
                f"when either is specified. Got {data_fields=} {meta_fields=}.")
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(
                "register_dataclass: data_fields and meta_fields are required when "
                f"nodetype is not a dataclass. Got {nodetype=}.")
        fields = dataclasses.fields(nodetype)
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    # Copies: the caller may mutate the lists they passed after registering.
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)

    if dataclasses.is_dataclass(nodetype):
        init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init}
        init_fields -= set(drop_fields)
        given = {*data_fields, *meta_fields}
        if given != init_fields:
            msg = ("data_fields and meta_fields must include all dataclass fields with "
                   "``init=True`` and only them.")
            if missing := init_fields - given:
                msg += (f" Missing fields: {missing}. Add them to drop_fields to suppress "
                        "this error.")
            if unexpected := given - init_fields:
                msg += f" Unexpected fields: {unexpected}."
            raise ValueError(msg)
    if overlap := set(data_fields) & set(meta_fields):
        raise ValueError(
            f"data_fields and meta_fields must not overlap. Overlapping fields: {overlap}.")

    for registry in _registries:
        registry.register_dataclass_node(nodetype, list(data_fields), list(meta_fields))
    return nodetype


def register_static(cls: type[H]) -> type[H]:
    """Register `cls` as a pytree with no children: instances live in the treedef,
    so they must be hashable, and jit treats them as static."""
    register_pytree_with_keys(cls, lambda x: ((), x), lambda x, _: x)
    return cls


register_pytree_with_keys(
    collections.OrderedDict,
    lambda d: (tuple((DictKey(k), v) for k, v in d.items()), tuple(d)),
    lambda keys, values: collections.OrderedDict(zip(keys, values, strict=True)),
    lambda d: (list(d.values()), tuple(d)),
)


def _defaultdict_flatten_with_keys(d: collections.defaultdict) -> tuple[tuple, tuple]:
    # Sorted like dict, so insertion order never changes the structure.
    keys = tuple(sorted(d))
    return tuple((DictKey(k), d[k]) for k in keys), (d.default_factory, keys)


def _defaultdict_flatten(d: collections.defaultdict) -> tuple[list, tuple]:
    keys = tuple(sorted(d))
    return [d[k] for k in keys], (d.default_factory, keys)


register_pytree_with_keys(
    collections.defaultdict,
    _defaultdict_flatten_with_keys,
    lambda aux, values: collections.defaultdict(aux[0], zip(aux[1], values, strict=True)),
    _defaultdict_flatten,
)


# ---------------------------------------------------------------------------------------
# Partial

class _HashableCallableShim:
    """Stands in for a functools.partial passed to `Partial`.

    functools.partial collapses a partial of a partial into one object, which would
    move the inner partial's arguments into the outer one's pytree children. Hiding
    the inner partial behind this shim keeps its arguments static (part of the
    treedef), while calls, hashing and equality still behave like the wrapped object.
    """

    def __init__(self, fun: Callable[..., Any]):
        self.fun = fun

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fun(*args, **kwargs)

    def __hash__(self) -> int:
        return hash(self.fun)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _HashableCallableShim):
            return self.fun == other.fun
        return self.fun == other

    def __repr__(self) -> str:
        return f"_HashableCallableShim({self.fun!r})"


class Partial(functools.partial):
    """A functools.partial that is a pytree: bound arguments are its children and the
    function is static. Use it to pass closures over arrays through transformations."""

    def __new__(cls, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Self:
        if not isinstance(func, functools.partial):
            return super().__new__(cls, func, *args, **kwargs)
        shim = _HashableCallableShim(func)
        out = super().__new__(cls, shim, *args, **kwargs)
        # Only after construction (functools.partial looks for `.func` to merge): let
        # code that inspects `p.func.func` / `.args` / `.keywords` still find them.
        shim.func, shim.args, shim.keywords = func.func, func.args, func.keywords
        return out


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]),
)


# ---------------------------------------------------------------------------------------
# Key paths

def _raw_key(key: Any) -> Any:
    if isinstance(key, SequenceKey):
        return key.idx
    if isinstance(key, (DictKey, FlattenedIndexKey)):
        return key.key
    if isinstance(key, GetAttrKey):
        return key.name
    return key


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Render a key path: `['a'][0].b` by default; `a/0/b` with simple=True, separator='/'."""
    if simple:
        return separator.join(str(_raw_key(k)) for k in keys)
    return separator.join(map(str, keys))


# ---------------------------------------------------------------------------------------
# Structure-mismatch diagnostics

def _child_keys(tree: Any) -> tuple[Any, ...]:
    return tuple(k for k, _ in flatten_one_level_with_keys(tree)[0])


def _prefix_error(key_path: KeyPath, prefix_tree: Any, full_tree: Any,
                  is_leaf: Callable[[Any], bool] | None = None
                  ) -> Iterator[Callable[[str], ValueError]]:
    """Yield error builders (taking the prefix tree's display name) for each place where
    `prefix_tree` fails to be a prefix of `full_tree`."""
    if treedef_is_strict_leaf(_flatten(prefix_tree, is_leaf)[1]):
        return  # a leaf is a prefix of anything
    where = keystr(key_path)

    if type(prefix_tree) is not type(full_tree):  # exact: a subclass is a different node
        p_ty, f_ty = type(prefix_tree), type(full_tree)
        yield lambda name: ValueError(
            "pytree structure error: different types at key path\n"
            f"    {name}{where}\n"
            f"At that key path, the prefix pytree {name} has a subtree of type\n"
            f"    {p_ty}\n"
            "but at the same key path the full pytree has a subtree of different type\n"
            f"    {f_ty}.")
        return

    p_children, p_meta = flatten_one_level(prefix_tree)
    f_children, f_meta = flatten_one_level(full_tree)
    p_children, f_children = tuple(p_children), tuple(f_children)
    p_keys, f_keys = _child_keys(prefix_tree), _child_keys(full_tree)

    if isinstance(prefix_tree, (list, tuple)):
        # For sequences the length is the informative difference, not the index keys.
        if len(prefix_tree) != len(full_tree):
            ty, n_p, n_f = type(prefix_tree), len(prefix_tree), len(full_tree)
            yield lambda name: ValueError(
                f"pytree structure error: different lengths of {ty.__name__} at key path\n"
                f"    {name}{where}\n"
                f"At that key path, the prefix pytree {name} has a subtree of type "
                f"{ty.__name__} of length {n_p}, but the full pytree has a subtree of the "
                f"same type but of length {n_f}.")
            return
    elif len(p_children) != len(f_children):
        try:
            diff = set(p_keys).symmetric_difference(f_keys)
        except TypeError:  # unhashable keys
            diff = None
        ty = type(prefix_tree)
        p_names = " ".join(str(_raw_key(k)) for k in p_keys)
        f_names = " ".join(str(_raw_key(k)) for k in f_keys)
        diff_text = ("" if diff is None else
                     "so the symmetric difference on key sets is\n"
                     f"    {' '.join(str(_raw_key(k)) for k in diff)}")
        n_p, n_f = len(p_children), len(f_children)
        yield lambda name: ValueError(
            "pytree structure error: different numbers of pytree children at key path\n"
            f"    {name}{where}\n"
            f"At that key path, the prefix pytree {name} has a subtree of type\n"
            f"    {ty}\n"
            f"with {n_p} child keys\n"
            f"    {p_names}\n"
            "but at the same key path the full pytree has a subtree of the same type but "
            f"with {n_f} child keys\n"
            f"    {f_names}\n" + diff_text)
        return

    if p_meta != f_meta:
        ty, p_str, f_str = type(prefix_tree), str(p_meta), str(f_meta)
        ndiff = textwrap.indent(
            "\n".join(difflib.ndiff(p_str.splitlines(), f_str.splitlines())), "    ")
        yield lambda name: ValueError(
            "pytree structure error: different pytree metadata at key path\n"
            f"    {name}{where}\n"
            f"At that key path, the prefix pytree {name} has a subtree of type\n"
            f"    {ty}\n"
            "with metadata\n"
            f"    {p_str}\n"
            "but at the same key path the full pytree has a subtree of the same type but "
            "with metadata\n"
            f"    {f_str}\n"
            "so the diff in the metadata at these pytree nodes is\n"
            f"{ndiff}")
        return

    # Same node at the root, so the disagreement is further down.
    for key, p_child, f_child in zip(p_keys, p_children, f_children):
        yield from _prefix_error((*key_path, key), p_child, f_child, is_leaf)


def prefix_errors(prefix_tree: Any, full_tree: Any,
                  is_leaf: Callable[[Any], bool] | None = None
                  ) -> list[Callable[[str], ValueError]]:
    """Error builders for every place `prefix_tree` is not a prefix of `full_tree`;
    call one with the prefix tree's display name to get the ValueError."""
    return list(_prefix_error((), prefix_tree, full_tree, is_leaf))


def equality_errors(tree1: Any, tree2: Any, is_leaf: Callable[[Any], bool] | None = None
                    ) -> Iterator[tuple[KeyPath, str, str, str]]:
    """Describe where two trees' structures differ, as (key path, what tree1 has there,
    what tree2 has there, why they differ) tuples."""
    yield from _equality_errors((), tree1, tree2, is_leaf)


def _equality_errors(path: KeyPath, t1: Any, t2: Any, is_leaf: Callable[[Any], bool] | None
                     ) -> Iterator[tuple[KeyPath, str, str, str]]:
    if (treedef_is_strict_leaf(_flatten(t1, is_leaf)[1])
            and treedef_is_strict_leaf(_flatten(t2, is_leaf)[1])):
        return
    if type(t1) is not type(t2):
        yield path, str(type(t1)), str(type(t2)), "their Python types differ"
        return
    if isinstance(t1, (list, tuple)) and len(t1) != len(t2):
        name = type(t1).__name__
        yield (path, f"{name} of length {len(t1)}", f"{name} of length {len(t2)}",
               "the lengths do not match")
        return
    c1, meta1 = flatten_one_level(t1)
    c2, meta2 = flatten_one_level(t2)
    c1, c2 = tuple(c1), tuple(c2)
    k1, k2 = _child_keys(t1), _child_keys(t2)
    if len(c1) != len(c2):
        try:
            diff = " ".join(repr(_raw_key(k)) for k in set(k1).symmetric_difference(k2))
        except TypeError:
            diff = ""
        s1, s2 = ("ren" if len(c) > 1 else "" for c in (c1, c2))
        yield (path, f"{type(t1)} with {len(c1)} child{s1}",
               f"{type(t2)} with {len(c2)} child{s2}",
               "the numbers of children do not match"
               + (diff and f", with the symmetric difference of key sets: {{{diff}}}"))
        return
    if meta1 != meta2:
        yield (path, f"{type(t1)} with pytree metadata {meta1}",
               f"{type(t2)} with pytree metadata {meta2}",
               "the pytree node metadata does not match")
        return
    for key, a, b in zip(k1, c1, c2):
        yield from _equality_errors((*path, key), a, b, is_leaf)
