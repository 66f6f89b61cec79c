"""Tests for cellax.tree_util and cellax.tree.

Most checks run one shared script twice: in this process against cellax, and in a
subprocess against the reference `jax.tree_util` (jaxlib keeps process-wide state, so
jax is never imported here). The script summarises each tree as JSON-able values:
leaves, treedef text, key paths, node counts, mapped results and error messages.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import importlib.util
import json
import os
import pickle
import random
import subprocess
import sys
import textwrap
import types

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cellax.tree as ctree
import cellax.tree_util as tu
from cellax.backend import pytree

# ---------------------------------------------------------------------------------------
# The shared script. `tu` and `tree` are bound to cellax.tree_util / cellax.tree here and
# to jax.tree_util / jax.tree in the oracle; it leaves its findings in RESULTS.

SHARED = textwrap.dedent('''
import collections, dataclasses, functools, random

Point = collections.namedtuple("Point", ["x", "y"])

@tu.register_dataclass
@dataclasses.dataclass
class Inferred:
    a: object
    b: object
    tag: str = tree.static(default="t")

@dataclasses.dataclass
class Explicit:
    w: object
    n: int

tu.register_dataclass(Explicit, data_fields=["w"], meta_fields=["n"])

@tu.register_pytree_node_class
class Box:
    def __init__(self, items, label):
        self.items, self.label = items, label
    def tree_flatten(self):
        return self.items, self.label
    @classmethod
    def tree_unflatten(cls, label, items):
        return cls(list(items), label)
    def __repr__(self):
        return f"Box({self.items!r}, {self.label!r})"

@tu.register_pytree_with_keys_class
class Pair:
    def __init__(self, left, right):
        self.left, self.right = left, right
    def tree_flatten_with_keys(self):
        return ((tu.GetAttrKey("left"), self.left), (tu.GetAttrKey("right"), self.right)), None
    @classmethod
    def tree_unflatten(cls, _, children):
        return cls(*children)
    def __repr__(self):
        return f"Pair({self.left!r}, {self.right!r})"

class Keyed:
    def __init__(self, d):
        self.d = d
    def __repr__(self):
        return f"Keyed({self.d!r})"

tu.register_pytree_with_keys(
    Keyed,
    lambda k: (tuple((tu.DictKey(n), k.d[n]) for n in sorted(k.d)), tuple(sorted(k.d))),
    lambda names, vals: Keyed(dict(zip(names, vals))))

class Plain:
    def __init__(self, *xs):
        self.xs = xs
    def __repr__(self):
        return f"Plain{self.xs!r}"

tu.register_pytree_node(Plain, lambda p: (p.xs, None), lambda _, xs: Plain(*xs))

@tu.register_static
class Tag:
    def __init__(self, s):
        self.s = s
    def __eq__(self, other):
        return type(other) is Tag and other.s == self.s
    def __hash__(self):
        return hash(self.s)
    def __repr__(self):
        return f"Tag({self.s!r})"


def random_tree(rng, depth):
    r = rng.random()
    if depth == 0 or r < 0.3:
        return rng.choice([rng.randint(-9, 99), None, "s", 1.5])
    n = rng.randint(0, 3)
    kids = [random_tree(rng, depth - 1) for _ in range(n)]
    kind = rng.randrange(7)
    if kind == 0:
        return tuple(kids)
    if kind == 1:
        return kids
    if kind == 2:
        return {rng.choice("abcdef") + str(i): k for i, k in enumerate(kids)}
    if kind == 3:
        return collections.OrderedDict((("zyx"[i % 3] + str(i)), k) for i, k in enumerate(kids))
    if kind == 4:
        return Point(*(kids + [None, None])[:2])
    if kind == 5:
        return Inferred(*(kids + [0, 0])[:2])
    return Plain(*kids)


TREES = {
    "leaf_int": 3,
    "leaf_str": "hello",
    "none": None,
    "empty_tuple": (),
    "empty_list": [],
    "empty_dict": {},
    "nested": (1, [2, (3, None)], {"b": 4, "a": (5, [])}),
    "dict_sorted": {"z": 1, "a": 2, "m": {"y": 3, "b": 4}},
    "dict_int_keys": {3: "c", 1: "a", 2: "b"},
    "ordered_dict": collections.OrderedDict([("z", 1), ("a", [2, 3])]),
    "defaultdict": collections.defaultdict(list, {"b": 1, "a": (2,)}),
    "namedtuple": Point(1, Point((2, 3), None)),
    "inferred_dataclass": Inferred([1, 2], {"k": 3}, tag="hi"),
    "explicit_dataclass": Explicit(w=(1, 2), n=7),
    "node_class": Box([1, (2, 3)], "lbl"),
    "keys_class": Pair(1, [2, {"q": 3}]),
    "with_keys": Keyed({"b": 1, "a": (2, 3)}),
    "plain_node": Plain(1, (2, 3), None),
    "static": (Tag("s"), 1, [Tag("t")]),
    "partial": tu.Partial(max, 1, key=None),
    "partial_of_partial": tu.Partial(functools.partial(max, 1), 2),
    "deep": [[[[[[1]]]]]],
    "mixed": {"p": Point(x=[1], y={"u": None}), "o": collections.OrderedDict(b=2, a=1)},
}
rng = random.Random(1234)
for i in range(40):
    TREES[f"random_{i}"] = random_tree(rng, 4)


def attempt(thunk):
    try:
        return ["ok", repr(thunk())]
    except Exception as e:
        return ["error", type(e).__name__, str(e)]


def describe(t):
    leaves, treedef = tu.tree_flatten(t)
    path_leaves, treedef2 = tu.tree_flatten_with_path(t)
    return {
        "leaves": repr(leaves),
        "treedef": str(treedef),
        "treedef_repr": repr(treedef),
        "same_treedef_with_path": treedef == treedef2,
        "num_leaves": treedef.num_leaves,
        "num_nodes": treedef.num_nodes,
        "is_leaf": tu.treedef_is_leaf(treedef),
        "children": [str(c) for c in tu.treedef_children(treedef)]
                    if treedef.num_nodes > 1 else None,
        "paths": [tu.keystr(p) for p, _ in path_leaves],
        "simple_paths": [tu.keystr(p, simple=True, separator="/") for p, _ in path_leaves],
        "path_leaves": repr([x for _, x in path_leaves]),
        "roundtrip": repr(tu.tree_unflatten(treedef, leaves)),
        "mapped": repr(tu.tree_map(lambda x: [x], t)),
        "mapped_with_path": repr(tu.tree_map_with_path(lambda p, x: (len(p), x), t)),
        "map_two": attempt(lambda: tu.tree_map(lambda a, b: (a, b), t, t)),
        "none_is_leaf": repr(tu.tree_leaves(t, is_leaf=lambda x: x is None)),
        "tuples_are_leaves": repr(tu.tree_leaves(t, is_leaf=lambda x: isinstance(x, tuple))),
        "all_leaves": tu.all_leaves(leaves),
        "all_leaves_self": tu.all_leaves([t]),
        "tree_all": tu.tree_all(t),
        "count": tu.tree_reduce(lambda acc, _: acc + 1, t, 0),
        "is_node": tu.is_tree_node(type(t)),
        "one_level": attempt(lambda: tuple(map(repr, tu.flatten_one_level(t)))),
        "tree_leaves_fn": repr(tree.leaves(t)),
        "structure_fn": str(tree.structure(t)),
    }


RESULTS = {"trees": {name: describe(t) for name, t in TREES.items()}}

# Structure mismatches: each entry runs and records its outcome (value or error).
def tm(a, b):
    return lambda: tu.tree_map(lambda *xs: xs, a, b)

def tmp(a, b):
    return lambda: tu.tree_map_with_path(lambda p, *xs: xs, a, b)

MISMATCH = {
    "tuple_len": tm((1, 2), (1,)),
    "list_len": tm([1, [2, 3]], [1, [2]]),
    "type": tm((1, 2), [1, 2]),
    "nested_type": tm({"a": (1, 2)}, {"a": [1, 2]}),
    "dict_missing_key": tm({"a": 1, "b": 2}, {"a": 1}),
    "dict_extra_key": tm({"a": 1}, {"a": 1, "z": 2}),
    "dict_diff_key": tm({"a": 1, "b": 2}, {"a": 1, "c": 2}),
    "none_vs_leaf": tm({"a": None}, {"a": 1}),
    "leaf_vs_none": tm({"a": 1}, {"a": None}),
    "leaf_prefix": tm((1, 2), ((1, 2), [3, {"x": 4}])),
    "namedtuple_vs_tuple": tm(Point(1, 2), (1, 2)),
    "ordered_dict_order": tm(collections.OrderedDict(a=1, b=2),
                             collections.OrderedDict(b=1, a=2)),
    "dataclass_meta": tm(Explicit(w=1, n=1), Explicit(w=1, n=2)),
    "deep_path": tm({"a": [1, (2, {"k": 3})]}, {"a": [1, (2, {"j": 3})]}),
    "static_meta": tm((Tag("a"), 1), (Tag("b"), 1)),
    "with_path_len": tmp([1, 2, 3], [1, 2]),
    "three_trees": lambda: tu.tree_map(lambda *xs: xs, (1, 2), (3, 4), (5,)),
    "too_few_leaves": lambda: tu.tree_unflatten(tu.tree_structure((1, 2)), [1]),
    "too_many_leaves": lambda: tu.tree_unflatten(tu.tree_structure((1, 2)), [1, 2, 3]),
    "unsortable_keys": lambda: tu.tree_leaves({1: "a", "b": 2}),
    "one_level_leaf": lambda: tu.flatten_one_level(3),
    "transpose_mismatch": lambda: tu.tree_transpose(
        tu.tree_structure([0, 0]), tu.tree_structure((0, 0)), [(1, 2), (3,)]),
    "reduce_empty": lambda: tu.tree_reduce(lambda a, b: a + b, ()),
    "reduce_assoc_empty": lambda: tu.tree_reduce_associative(lambda a, b: a + b, []),
    "broadcast_bad": lambda: tu.tree_broadcast((1, 2), [1, 2]),
}
RESULTS["mismatch"] = {name: attempt(f) for name, f in MISMATCH.items()}


@dataclasses.dataclass
class Dc3:
    x: int
    y: int
    z: int = dataclasses.field(default=0, init=False)

class NotDc:
    pass

REGISTRATION = {
    "dc_missing": lambda: tu.register_dataclass(Dc3, data_fields=["x"], meta_fields=[]),
    "dc_unexpected": lambda: tu.register_dataclass(Dc3, ["x", "y", "q"], []),
    "dc_overlap": lambda: tu.register_dataclass(NotDc, ["x"], ["x"]),
    "dc_half": lambda: tu.register_dataclass(Dc3, data_fields=["x", "y"]),
    "dc_not_dataclass": lambda: tu.register_dataclass(NotDc),
    "duplicate": lambda: tu.register_pytree_node(Plain, lambda p: ((), None), lambda _, c: 0),
    "dc_drop": lambda: str(tu.tree_structure(
        tu.register_dataclass(Dc3, ["x"], [], drop_fields=["y"])(1, 2))),
}
RESULTS["registration"] = {name: attempt(f) for name, f in REGISTRATION.items()}

outer = tu.tree_structure([0, 0, 0])
inner = tu.tree_structure({"a": 0, "b": (0, 0)})
MISC = {
    "transpose": lambda: tu.tree_transpose(
        outer, inner, [{"a": i, "b": (10 * i, 100 * i)} for i in range(3)]),
    "transpose_infer": lambda: tu.tree_transpose(outer, None, [(i, -i) for i in range(3)]),
    "transpose_fn": lambda: tree.transpose(
        tu.tree_structure((0, 0)), tu.tree_structure([0, 0]), ([1, 2], [3, 4])),
    "treedef_tuple": lambda: str(tu.treedef_tuple([outer, inner, tu.tree_structure(None)])),
    "treedef_tuple_eq": lambda: tu.treedef_tuple([outer, inner]) ==
        tu.tree_structure(([1, 2, 3], {"a": 1, "b": (2, 3)})),
    "compose": lambda: str(outer.compose(inner)),
    "reduce_init": lambda: tu.tree_reduce(lambda a, b: a + [b], {"b": 1, "a": 2}, []),
    "reduce_noinit": lambda: tu.tree_reduce(lambda a, b: a * 10 + b, [1, (2, 3)]),
    "reduce_none_init": lambda: tu.tree_reduce(lambda a, b: (a, b), (1,), None),
    "reduce_assoc": lambda: tu.tree_reduce_associative(lambda a, b: f"({a}{b})", list("abcde")),
    "reduce_assoc_identity": lambda: tu.tree_reduce_associative(
        lambda a, b: a + b, [], identity=7),
    "reduce_fn": lambda: tree.reduce(lambda a, b: a - b, [10, 2, 3]),
    "all_true": lambda: tu.tree_all([1, (True, {"a": 2})]),
    "all_false": lambda: tu.tree_all([1, (0, {"a": 2})]),
    "all_is_leaf": lambda: tu.tree_all([[], 1], is_leaf=lambda x: x == []),
    "all_leaves_pred": lambda: tu.all_leaves([(1, 2), 3], is_leaf=lambda x: isinstance(x, tuple)),
    "all_leaves_pred_no": lambda: tu.all_leaves([(1, 2), [3]],
                                                is_leaf=lambda x: isinstance(x, tuple)),
    "all_leaves_none": lambda: tu.all_leaves([None, 1]),
    "broadcast": lambda: tu.tree_broadcast((1, 2, 3), (0, {"a": 0, "b": 0}, (0, 0))),
    "broadcast_fn": lambda: tree.broadcast({"a": 1, "b": None}, {"a": [0, 0], "b": None}),
    "is_leaf_path": lambda: [
        (tu.keystr(p), x) for p, x in tu.tree_leaves_with_path(
            {"a": [1, 2], "b": (3, [4])}, is_leaf=lambda p, x: len(p) == 2,
            is_leaf_takes_path=True)],
    "map_with_path_is_leaf": lambda: tu.tree_map_with_path(
        lambda p, x, y: (tu.keystr(p), x, y), {"a": (1, 2), "b": 3}, {"a": "A", "b": "B"},
        is_leaf=lambda x: isinstance(x, tuple)),
    "map_is_leaf": lambda: tu.tree_map(lambda x, y: (x, y), [(1, 2), 3], [4, 5],
                                       is_leaf=lambda x: isinstance(x, tuple)),
    "map_none_prefix": lambda: tu.tree_map(lambda x, y: (x, y), [1, None], [(2, 3), None]),
    "map_fn_multi": lambda: tree.map(lambda *xs: sum(xs), [1, 2], [3, 4], [5, 6]),
    "flatten_fn": lambda: repr(tree.flatten({"b": [1], "a": 2})),
    "flatten_with_path_fn": lambda: [(tu.keystr(p), x)
                                     for p, x in tree.flatten_with_path([1, {"k": 2}])[0]],
    "leaves_with_path_fn": lambda: [tu.keystr(p, simple=True, separator=".")
                                    for p, _ in tree.leaves_with_path(Pair(1, {"k": [2]}))],
    "map_with_path_fn": lambda: tree.map_with_path(lambda p, x: tu.keystr(p), (1, [2])),
    "unflatten_fn": lambda: tree.unflatten(tree.structure((0, {"a": 0})), ["x", "y"]),
    "keystr_raw": lambda: [tu.keystr((tu.SequenceKey(0), tu.DictKey("a"), tu.GetAttrKey("b"),
                                      tu.FlattenedIndexKey(2))),
                           tu.keystr((tu.SequenceKey(0), tu.DictKey("a"), tu.GetAttrKey("b"),
                                      tu.FlattenedIndexKey(2)), simple=True),
                           tu.keystr(("x", 1), separator="|"),
                           tu.keystr((tu.DictKey(1), tu.DictKey("1")), simple=True,
                                     separator=",")],
    "key_reprs": lambda: [repr(tu.SequenceKey(3)), repr(tu.DictKey("a")),
                          repr(tu.GetAttrKey("n")), repr(tu.FlattenedIndexKey(1))],
    "partial_call": lambda: tu.Partial(max, 3)(1, 2),
    "partial_nested_call": lambda: tu.Partial(functools.partial(max, 5), 2)(9),
    "partial_nested_attrs": lambda: (
        tu.Partial(functools.partial(max, 5), 2).func.func is max,
        tu.Partial(functools.partial(max, 5), 2).func.args),
    "partial_map": lambda: tu.tree_map(lambda x: x * 2, tu.Partial(max, 1, 2)).args,
    "partial_repr": lambda: repr(tu.Partial(max, 1)),
    "flatten_one_level_dict": lambda: tu.flatten_one_level({"b": 1, "a": 2}),
    "flatten_one_level_keys": lambda: tu.flatten_one_level_with_keys(Pair(1, 2))[0],
    "is_tree_node": lambda: [tu.is_tree_node(t) for t in
                             (int, tuple, list, dict, type(None), Point, Box, Tag, str)],
    "inferred_fields": lambda: tu.tree_flatten_with_path(Inferred(1, 2, tag="q")),
    "treedef_eq": lambda: tu.tree_structure((1, [2])) == tu.tree_structure(("a", ["b"])),
    "treedef_neq": lambda: tu.tree_structure((1, [2])) == tu.tree_structure((1, (2,))),
    "tree_transpose_kinds": lambda: tu.tree_transpose(
        tu.tree_structure(Point(0, 0)), tu.tree_structure([0, 0]), Point([1, 2], [3, 4])),
}
RESULTS["misc"] = {name: attempt(f) for name, f in MISC.items()}
''')

ORACLE = textwrap.dedent('''
import json, sys, types
import jax
from jax import tree_util as tu
from jax import tree
cases = sys.modules["cases"] = types.ModuleType("cases")
cases.tu, cases.tree = tu, tree
exec(compile(sys.stdin.read(), "<shared>", "exec", dont_inherit=True), vars(cases))
print(json.dumps(cases.RESULTS))
''')


def _run_shared_here() -> dict:
    # A real module named like the oracle's, so class reprs in messages agree and
    # dataclasses can find their module.
    cases = sys.modules["cases"] = types.ModuleType("cases")
    cases.tu, cases.tree = tu, ctree
    exec(compile(SHARED, "<shared>", "exec", dont_inherit=True), vars(cases))
    # Through JSON so both sides are compared in the same form (tuples become lists).
    return json.loads(json.dumps(cases.RESULTS))


OURS = _run_shared_here()


@pytest.fixture(scope="module")
def reference() -> dict:
    if importlib.util.find_spec("jax") is None:
        pytest.skip("the reference jax (test extra) is not installed")
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)  # the oracle must not see cellax
    proc = subprocess.run([sys.executable, "-c", ORACLE], input=SHARED, capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(OURS["trees"]))
def test_tree_matches_jax(reference, name):
    ours, theirs = OURS["trees"][name], reference["trees"][name]
    for field in theirs:
        assert ours[field] == theirs[field], field


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(OURS["mismatch"]))
def test_mismatch_matches_jax(reference, name):
    assert OURS["mismatch"][name] == reference["mismatch"][name]


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(OURS["registration"]))
def test_registration_matches_jax(reference, name):
    assert OURS["registration"][name] == reference["registration"][name]


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(OURS["misc"]))
def test_misc_matches_jax(reference, name):
    assert OURS["misc"][name] == reference["misc"][name]


def test_shared_script_exercises_errors():
    # Guard against the oracle comparison passing vacuously because nothing failed.
    kinds = {name: r[0] for name, r in OURS["mismatch"].items()}
    assert kinds["tuple_len"] == "error" and kinds["leaf_prefix"] == "ok"
    assert OURS["mismatch"]["type"][1] == "ValueError"
    assert "different types at key path\n    tree_map tree\n" in OURS["mismatch"]["type"][2]
    assert "tree_map tree['a'][1][1]" in OURS["mismatch"]["deep_path"][2]
    assert OURS["trees"]["nested"]["treedef"] == \
        "PyTreeDef((*, [*, (*, None)], {'a': (*, []), 'b': *}))"


# ---------------------------------------------------------------------------------------
# In-process behaviour


def test_basic_flatten_unflatten():
    tree = (1, {"b": [2, None], "a": 3})
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [1, 3, 2]
    assert str(treedef) == "PyTreeDef((*, {'a': *, 'b': [*, None]}))"
    assert tu.tree_unflatten(treedef, ["x", "y", "z"]) == ("x", {"a": "y", "b": ["z", None]})
    assert tu.tree_leaves(tree) == leaves and tu.tree_structure(tree) == treedef


def test_registries_are_cellax_own():
    # jax uses jaxlib's process-wide default registry; cellax must neither read nor write it.
    assert tu.default_registry is not pytree.default_registry()
    assert tu.dispatch_registry is tu.default_registry

    class Mine:
        def __init__(self, v):
            self.v = v

    tu.register_pytree_node(Mine, lambda m: ((m.v,), None), lambda _, c: Mine(*c))
    m = Mine((1, 2))
    assert tu.tree_leaves(m) == [1, 2]
    assert tu.none_leaf_registry.flatten(m)[0] == [1, 2]
    assert pytree.default_registry().flatten(m)[0] == [m]
    assert not pytree.default_registry().is_node(collections.OrderedDict)


def test_none_leaf_registry():
    leaves, treedef = tu.none_leaf_registry.flatten((None, [1, None]))
    assert leaves == [None, 1, None] and str(treedef) == "PyTreeDef((*, [*, *]))"
    assert tu.tree_leaves((None, [1, None])) == [1]


def test_tree_map_is_leaf_and_multiple_trees():
    out = tu.tree_map(lambda x, y: (x, y), [(1, 2), 3], [{"k": 4}, 5],
                      is_leaf=lambda x: isinstance(x, tuple))
    assert out == [((1, 2), {"k": 4}), (3, 5)]


def test_tree_map_error_names_the_key_path():
    with pytest.raises(ValueError, match=r"different lengths of list at key path\n"
                                         r"    tree_map tree\['a'\]\n"):
        tu.tree_map(lambda x, y: x, {"a": [1, 2]}, {"a": [1]})


def test_tree_map_error_respects_is_leaf():
    # The mismatch under a subtree that is_leaf made a leaf is not an error; the real
    # one (the length of 'b') is what gets reported.
    with pytest.raises(ValueError, match=r"tree_map tree\['b'\]"):
        tu.tree_map(lambda x, y: x, {"a": (1, 2), "b": [1, 2]}, {"a": 0, "b": [1]},
                    is_leaf=lambda x: isinstance(x, tuple))


def test_function_call_order_and_count():
    seen = []
    tu.tree_map(lambda x: seen.append(x), {"b": 2, "a": [1, 0]})
    assert seen == [1, 0, 2]


def test_pickle_treedefs():
    tree = (1, collections.OrderedDict(b=2, a=[3]), {"c": None})
    treedef = tu.tree_structure(tree)
    restored = pickle.loads(pickle.dumps(treedef))
    assert restored == treedef
    assert restored.unflatten([1, 2, 3]) == tree


@dataclasses.dataclass
class _Params:
    w: object
    b: object
    name: str = ctree.static(default="layer")


tu.register_dataclass(_Params)


def test_register_dataclass_inferred():
    p = _Params(w=[1, 2], b=3, name="dense")
    leaves, treedef = tu.tree_flatten(p)
    assert leaves == [1, 2, 3]
    assert str(treedef) == "PyTreeDef(CustomNode(_Params[('dense',)], [[*, *], *]))"
    assert tu.tree_map(lambda x: x * 10, p) == _Params(w=[10, 20], b=30, name="dense")
    paths = [tu.keystr(k) for k, _ in tu.tree_leaves_with_path(p)]
    assert paths == [".w[0]", ".w[1]", ".b"]


def test_register_dataclass_copies_field_lists():
    @dataclasses.dataclass
    class C:
        x: int
        y: int

    data, meta = ["x"], ["y"]
    tu.register_dataclass(C, data_fields=data, meta_fields=meta)
    data.append("y")
    assert tu.tree_leaves(C(1, 2)) == [1]


def test_register_static_and_duplicates():
    @tu.register_static
    class Mode(str):
        pass

    leaves, treedef = tu.tree_flatten((Mode("train"), 1))
    assert leaves == [1]
    assert tu.tree_unflatten(treedef, [5])[0] == "train"
    with pytest.raises(ValueError):
        tu.register_static(Mode)


def test_partial_is_a_pytree():
    p = tu.Partial(lambda a, b, c=0: a + b + c, 1, c=10)
    leaves, treedef = tu.tree_flatten(p)
    assert leaves == [1, 10]
    q = tu.tree_unflatten(treedef, [2, 20])
    assert isinstance(q, tu.Partial) and q(3) == 25
    assert tu.tree_structure(tu.Partial(p.func, 7, c=1)) == treedef


def test_partial_of_partial_keeps_inner_args_static():
    inner = functools.partial(lambda a, b: a * 10 + b, 4)
    p = tu.Partial(inner, 2)
    assert tu.tree_leaves(p) == [2]
    assert p() == 42
    assert p.func.func is inner.func and p.func.args == (4,)


def test_tree_namespace_aliases_are_the_functions():
    # No wrapper layer between cellax.tree and tree_util (hot path, identical signatures).
    assert ctree.map is tu.tree_map and ctree.flatten is tu.tree_flatten
    assert ctree.leaves is tu.tree_leaves and ctree.structure is tu.tree_structure
    assert ctree.unflatten is tu.tree_unflatten and ctree.reduce is tu.tree_reduce
    assert ctree.all is tu.tree_all and ctree.transpose is tu.tree_transpose
    assert ctree.flatten_with_path is tu.tree_flatten_with_path
    assert ctree.map_with_path is tu.tree_map_with_path
    assert ctree.leaves_with_path is tu.tree_leaves_with_path


def test_build_tree():
    treedef = tu.tree_structure((0, [0, 0], {"a": 0}))
    assert tu.build_tree(treedef, (1, (2, 3), (4,))) == (1, [2, 3], {"a": 4})


def test_equality_errors_and_prefix_errors():
    errs = list(tu.equality_errors({"a": (1, 2), "b": 1}, {"a": (1, 2, 3), "b": 1}))
    assert errs == [((tu.DictKey("a"),), "tuple of length 2", "tuple of length 3",
                     "the lengths do not match")]
    assert list(tu.equality_errors([1, {"x": 2}], [3, {"x": 4}])) == []
    (make,) = tu.prefix_errors((1, [2]), (1, (2,)))
    assert "different types at key path\n    in_axes[1]\n" in str(make("in_axes"))
    assert tu.broadcast_prefix((1, 2), (0, [0, 0, 0])) == [1, 2, 2, 2]


# ---------------------------------------------------------------------------------------
# Properties over generated trees

_leaf = st.one_of(st.integers(-5, 5), st.none(), st.text(max_size=2))
_trees = st.recursive(
    _leaf,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.lists(kids, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=2), kids, max_size=3),
        st.dictionaries(st.text(max_size=2), kids, max_size=3).map(collections.OrderedDict),
    ),
    max_leaves=12,
)


def _follow(tree, path):
    for key in path:
        if isinstance(key, tu.SequenceKey):
            tree = tree[key.idx]
        elif isinstance(key, tu.DictKey):
            tree = tree[key.key]
        else:
            raise AssertionError(key)
    return tree


@settings(max_examples=60, deadline=None)
@given(_trees)
def test_roundtrip_and_paths(tree):
    leaves, treedef = tu.tree_flatten(tree)
    assert tu.tree_unflatten(treedef, leaves) == tree
    assert tu.tree_map(lambda x: x, tree) == tree
    assert treedef.num_leaves == len(leaves)
    path_leaves = tu.tree_leaves_with_path(tree)
    assert [x for _, x in path_leaves] == leaves
    for path, leaf in path_leaves:
        assert _follow(tree, path) is leaf
    assert tu.tree_structure(tu.tree_map(lambda x: 0, tree)) == treedef


@settings(max_examples=30, deadline=None)
@given(_trees)
def test_transpose_involution(tree):
    outer = tu.tree_structure(tree)
    assume(outer.num_leaves > 0)  # like jax, an empty outer tree cannot be transposed
    inner = tu.tree_structure((0, [0]))
    stacked = tu.tree_map(lambda x: (x, [random.random()]), tree)
    swapped = tu.tree_transpose(outer, inner, stacked)
    assert tu.tree_structure(swapped[0]) == outer
    assert tu.tree_transpose(inner, outer, swapped) == stacked
