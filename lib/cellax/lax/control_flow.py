"""`lax.cond`, `lax.switch` and `lax.while_loop` (JAX's API, checks and error messages).

Branches and loop functions are traced to jaxprs on the operands' abstract values
(cached per function, as JAX caches them); every value they close over becomes an
explicit operand of the primitive, so the primitives (`cellax.primitives.control_flow`)
only ever carry jaxprs closed over constants of their own making.
"""
from __future__ import annotations

import collections
import inspect
import weakref
from typing import Callable, Sequence

import numpy as np

from cellax import core, dtypes
from cellax.config import config
from cellax.core import Jaxpr, Literal, Tracer, Var
from cellax.interpreters import batching as _batching
from cellax.interpreters import partial_eval as _pe
from cellax.interpreters import staging
from cellax.primitives.control_flow import cond_p, while_p
from cellax.tree_util import (equality_errors, keystr, tree_flatten, tree_flatten_with_path,
                              tree_map, tree_unflatten, treedef_is_leaf)

__all__ = ["cond", "switch", "while_loop"]

_no_operand_sentinel = object()

# ---------------------------------------------------------------------------------------
# Tracing user functions


class _Traced:
    __slots__ = ("jaxpr", "consts", "out_tree", "out_avals", "cached", "derived",
                 "__weakref__")

    def __init__(self, jaxpr, consts, out_tree):
        self.jaxpr = jaxpr            # consts lifted to the leading invars
        self.consts = consts
        self.out_tree = out_tree
        self.out_avals = [v.aval for v in jaxpr.outvars]
        self.cached = False           # whether it is in the trace cache (reused)
        self.derived: dict = {}       # see `_derived`


# Traces are cached per function object, as JAX caches them: weakly where the function
# allows it (an entry dies with its function, and with it the constants it closes over),
# else in a bounded LRU.
_weak_trace_cache: dict = {}   # id(fun) -> (weakref to fun, {key: _Traced})
_strong_trace_cache: collections.OrderedDict = collections.OrderedDict()
_STRONG_CACHE_SIZE = 512


def _cache_lookup(fun, key):
    entry = _weak_trace_cache.get(id(fun))
    if entry is not None and entry[0]() is fun:
        return entry[1].get(key)
    hit = _strong_trace_cache.get((fun, key)) if _hashable(fun) else None
    if hit is not None:
        _strong_trace_cache.move_to_end((fun, key))
    return hit


def _cache_store(fun, key, traced) -> None:
    fid = id(fun)
    entry = _weak_trace_cache.get(fid)
    if entry is not None and entry[0]() is fun:
        entry[1][key] = traced
        return
    try:
        ref = weakref.ref(fun, lambda r, fid=fid: _drop_weak_entry(fid, r))
    except TypeError:
        if _hashable(fun):
            _strong_trace_cache[(fun, key)] = traced
            if len(_strong_trace_cache) > _STRONG_CACHE_SIZE:
                _strong_trace_cache.popitem(last=False)
        return
    _weak_trace_cache[fid] = (ref, {key: traced})


def _drop_weak_entry(fid, ref) -> None:
    entry = _weak_trace_cache.get(fid)
    if entry is not None and entry[0] is ref:
        del _weak_trace_cache[fid]


def _hashable(x) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False


def _derived(traced: Sequence[_Traced], extra, make):
    """`make()`, remembered for these cached traces: what is built from them (merged
    branches, loop jaxprs) must be the same objects each time, so that repeated eager
    calls bind equal params and reuse the compiled primitive. Kept on the first trace
    (it lives as long as that trace's function)."""
    if not all(t.cached for t in traced):
        return make()
    key = (tuple(id(t) for t in traced), extra)
    hit = traced[0].derived.get(key)
    if hit is not None and all(r() is t for r, t in zip(hit[0], traced)):
        return hit[1]
    out = make()
    traced[0].derived[key] = (tuple(weakref.ref(t) for t in traced), out)
    return out


def _trace(fun: Callable, in_tree, in_avals, what: str) -> _Traced:
    """`fun(*args)` traced, `args` a tuple of tree `in_tree` with leaves of `in_avals`;
    cached on the function object, as JAX caches it, unless it closes over values of an
    enclosing transformation."""
    key = (in_tree, tuple(in_avals), what, dtypes.x64_enabled(), _batching.axis_env())
    hit = _cache_lookup(fun, key)
    if hit is not None:
        return hit
    box = {}

    def flat_fun(*xs):
        out = fun(*tree_unflatten(in_tree, xs))
        leaves, box["tree"] = tree_flatten(out)
        return leaves

    dbg = staging.DebugInfo(what, staging.fun_name(fun), staging.fun_source(fun), None)
    jaxpr, consts, _ = staging.trace_to_jaxpr(flat_fun, list(in_avals), dbg)
    lifted = Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.outvars, jaxpr.eqns,
                   jaxpr.debug_info)
    traced = _Traced(lifted, consts, box["tree"])
    if not any(isinstance(c, Tracer) for c in consts):
        traced.cached = True
        _cache_store(fun, key, traced)
    return traced


def _merge_common_consts(traced: Sequence[_Traced]):
    """One operand list for all branches (JAX's `_merge_common_consts`): the concatenation
    of every branch's consts without repeats; each branch takes all of them."""
    consts = [c for t in traced for c in t.consts]
    avals = [v.aval for t in traced for v in t.jaxpr.invars[:len(t.consts)]]
    ids = [id(c) for c in consts]
    first: dict = {}
    for i, cid in enumerate(ids):
        first.setdefault(cid, i)
    keep = [first[cid] == i for i, cid in enumerate(ids)]
    jaxprs, offset, seen = [], 0, {}
    for t in traced:
        j, n = t.jaxpr, len(t.consts)
        # A function used for several branches with the same padding gives one jaxpr
        # object, as in JAX (which then prints it once, hoisted).
        pad_key = (id(t), tuple(avals[:offset]), tuple(avals[offset + n:]))
        if pad_key in seen:
            jaxprs.append(seen[pad_key])
            offset += n
            continue
        padded = [Var(a) for a in avals]
        padded[offset:offset + n] = j.invars[:n]
        offset += n
        subst = {padded[i]: padded[first[cid]] for i, cid in enumerate(ids)
                 if first[cid] != i}
        if subst:
            def sub(v):
                return v if type(v) is Literal else subst.get(v, v)
            eqns = [e.replace(invars=[sub(v) for v in e.invars]) for e in j.eqns]
            outvars = [sub(v) for v in j.outvars]
        else:
            eqns, outvars = j.eqns, j.outvars
        invars = [v for v, k in zip(padded, keep) if k] + list(j.invars[n:])
        seen[pad_key] = Jaxpr([], invars, outvars, eqns, j.debug_info)
        jaxprs.append(seen[pad_key])
    return jaxprs, [c for c, k in zip(consts, keep) if k]


def _jaxpr_forwarding(jaxpr: Jaxpr) -> list:
    """For each output, the index of the input it just passes through, or None."""
    fwd = {v: v for v in jaxpr.invars}
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if len(eqn.invars) == 1 and type(eqn.invars[0]) is not Literal and (
                (name == "convert_element_type"
                 and eqn.params.get("new_dtype") == eqn.invars[0].aval.dtype
                 and eqn.params.get("weak_type") == eqn.invars[0].aval.weak_type
                 and eqn.params.get("sharding") is None)
                or (name == "broadcast_in_dim"
                    and tuple(eqn.params.get("shape")) == eqn.invars[0].aval.shape
                    and eqn.params.get("sharding") is None)):
            src = fwd.get(eqn.invars[0], eqn.invars[0])
            fwd[eqn.outvars[0]] = src
    index = {v: i for i, v in enumerate(jaxpr.invars)}
    return [None if type(v) is Literal else index.get(fwd.get(v, v)) for v in jaxpr.outvars]


def _prune_outputs(jaxpr: Jaxpr, keep: Sequence[bool]) -> Jaxpr:
    if all(keep):
        return jaxpr
    return Jaxpr(jaxpr.constvars, jaxpr.invars,
                 [v for v, k in zip(jaxpr.outvars, keep) if k], jaxpr.eqns, jaxpr.debug_info)


def _asarray(x):
    from cellax.numpy import asarray
    return asarray(x)


def _flatten_operands(operands):
    leaves, tree = tree_flatten(operands)
    avals = [core.get_aval(x) for x in leaves]
    return leaves, tree, avals


# ---------------------------------------------------------------------------------------
# Error messages (JAX's)


def _fun_sourceinfo(fun: Callable) -> str:
    while hasattr(fun, "func") and not hasattr(fun, "__code__"):  # functools.partial
        fun = fun.func
    fun = inspect.unwrap(fun)
    code = getattr(fun, "__code__", None)
    if code is not None:
        return f"{getattr(fun, '__name__', '<unknown>')} at {code.co_filename}:" \
               f"{code.co_firstlineno}"
    name = getattr(fun, "__name__", None)
    return name if isinstance(name, str) and " " not in name else "<unknown>"


class _LeafMeta(type):
    def __repr__(cls):
        return "pytree leaf"


_LEAF = _LeafMeta("Leaf", (), {})()


def _tree_differences(tree1, tree2):
    return list(equality_errors(tree_unflatten(tree1, [_LEAF] * tree1.num_leaves),
                                tree_unflatten(tree2, [_LEAF] * tree2.num_leaves)))


def _capitalize(s: str) -> str:
    return s[0].capitalize() + s[1:]


def _mismatch_extra(a1, a2) -> str:
    mismatches = []
    if a1.dtype != a2.dtype:
        mismatches.append("the dtypes do not match")
    if a1.shape != a2.shape:
        mismatches.append("the shapes do not match")
    if not mismatches:
        return ""
    if len(mismatches) == 1:
        return ", so " + mismatches[0]
    return ", so " + ", ".join(mismatches[:-1]) + ", and " + mismatches[-1]


def _typematch(a1, a2) -> bool:
    return a1.shape == a2.shape and a1.dtype == a2.dtype


def _str_long(aval) -> str:
    return aval.str_short(short_dtypes=False)


def _check_branch_outputs(api_name, name1, name2, f1, f2, t1: _Traced, t2: _Traced) -> None:
    info1, info2 = _fun_sourceinfo(f1), _fun_sourceinfo(f2)
    if t1.out_tree != t2.out_tree:
        diffs = [f"{name1} output{_component(p)} is a {thing1} but {name2} "
                 f"output{_component(p)} is a {thing2}, so {expl}"
                 for p, thing1, thing2, expl in _tree_differences(t1.out_tree, t2.out_tree)]
        if not diffs:
            return
        if len(diffs) == 1:
            differences = f"{diffs[0]}.\n"
        else:
            differences = ("\n".join(f"  * {d};\n" for d in diffs[:-1])
                           + f"  * {diffs[-1]}.\n")
        raise TypeError(
            f"{api_name} branch outputs must have the same pytree structure, but they "
            f"differ:\n\n{name1} is {info1}\n{name2} is {info2}\n\n{differences}\n"
            f"Revise {name1} and/or {name2} so that they have the same pytree structure.")
    if all(_typematch(a1, a2) for a1, a2 in zip(t1.out_avals, t2.out_avals)):
        return
    paths = _leaf_paths(t1.out_tree)
    diffs = [f"the output of {name1}{_component(p)} has type {_str_long(a1)} but the "
             f"corresponding output of {name2} has type {_str_long(a2)}"
             f"{_mismatch_extra(a1, a2)}"
             for p, a1, a2 in zip(paths, t1.out_avals, t2.out_avals) if not _typematch(a1, a2)]
    if len(diffs) == 1:
        differences = f"{_capitalize(diffs[0])}.\n"
    else:
        differences = ("\n".join(f"  * {d};" for d in diffs[:-1]) + f"\n  * {diffs[-1]}.\n")
    raise TypeError(
        f"{api_name} branches must have equal output types but they differ.\n\n"
        f"{name1} is {info1}\n{name2} is {info2}\n\n{differences}\n"
        f"Revise {name1} and/or {name2} so that all output types match.")


def _component(path) -> str:
    return f" at path {keystr(path)}" if path else ""


def _leaf_paths(tree) -> list:
    try:
        leaves_with_paths, _ = tree_flatten_with_path(
            tree_unflatten(tree, [0] * tree.num_leaves))
    except Exception:  # noqa: BLE001 - a node type that cannot hold placeholder leaves
        return [()] * tree.num_leaves
    return [p for p, _ in leaves_with_paths]


def _check_carry_type(name, body_fun, in_tree, in_avals, out_tree, out_avals,
                      init=None) -> None:
    """JAX's check that a loop body (while_loop's, scan's) gives back a carry of the input
    carry's structure and types. `init`, the initial carry where the caller has it, names
    the leaves in messages; otherwise placeholder leaves in `in_tree` do."""
    try:
        sig = inspect.signature(body_fun)
    except (ValueError, TypeError):
        sig = None
    carry_name = list(sig.parameters)[0] if sig is not None and sig.parameters else None
    if carry_name:
        def component(p):
            return (f"the input carry component {carry_name}{keystr(p)}" if p
                    else f"the input carry {carry_name}")
    else:
        def component(p):
            return f"the input carry at path {keystr(p)}" if p else "the input carry"
    if in_tree != out_tree:
        in_carry = tree_unflatten(in_tree, in_avals)
        try:
            out_carry = tree_unflatten(out_tree, out_avals)
        except Exception:  # noqa: BLE001
            out_carry = None
        if out_carry is None:
            differences = (f"the input tree structure is:\n{in_tree}\n"
                           f"the output tree structure is:\n{out_tree}\n")
        else:
            diffs = [f"{component(p)} is a {t1} but the corresponding component of the "
                     f"carry output is a {t2}, so {expl}"
                     for p, t1, t2, expl in equality_errors(in_carry, out_carry)]
            if not diffs:
                return
            if len(diffs) == 1:
                differences = f"{_capitalize(diffs[0])}.\n"
            else:
                differences = ("\n".join(f"  * {d};\n" for d in diffs[:-1])
                               + f"  * {diffs[-1]}.\n")
        raise TypeError(
            f"{name} function carry input and carry output must have the same pytree "
            f"structure, but they differ:\n\n{differences}\nRevise the function so that the "
            "carry output has the same pytree structure as the carry input.")
    if all(_typematch(a, b) for a, b in zip(in_avals, out_avals)):
        return
    paths = _leaf_paths(in_tree) if init is None else [
        p for p, _ in tree_flatten_with_path(init)[0]]
    diffs = [f"{component(p)} has type {_str_long(a)} but the corresponding output carry "
             f"component has type {_str_long(b)}{_mismatch_extra(a, b)}"
             for p, a, b in zip(paths, in_avals, out_avals) if not _typematch(a, b)]
    if len(diffs) == 1:
        differences = f"{_capitalize(diffs[0])}.\n"
    else:
        differences = ("\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n")
    raise TypeError(
        f"{name} function carry input and carry output must have equal types, but they "
        f"differ:\n\n{differences}\nRevise the function so that all output types match the "
        "corresponding input types.")


# ---------------------------------------------------------------------------------------
# cond and switch


def _bind_cond(index, traced: Sequence[_Traced], leaves, order=None):
    """Merge the branches' consts into operands, drop outputs every branch forwards from
    the same input, and bind `cond`. `order`: the branches' positions in `cond` (their
    consts are merged in the order given)."""
    def make():
        jaxprs, consts = _merge_common_consts(traced)
        if order is not None:
            jaxprs = [jaxprs[i] for i in order]
        fwds = [_jaxpr_forwarding(j) for j in jaxprs]
        in_fwd = [xs[0] if len(set(xs)) == 1 else None for xs in zip(*fwds)]
        keep = [f is None for f in in_fwd]
        branches = tuple(core.ClosedJaxpr(_prune_outputs(j, keep), []) for j in jaxprs)
        return branches, consts, in_fwd

    branches, consts, in_fwd = _derived(traced, order, make)
    outs = cond_p.bind(index, *consts, *leaves, branches=branches)
    all_inputs = [*consts, *leaves]
    it = iter(outs)
    out = [next(it) if f is None else _asarray(all_inputs[f]) for f in in_fwd]
    return tree_unflatten(traced[0].out_tree, out)


def switch(index, branches: Sequence[Callable], *operands, operand=_no_operand_sentinel):
    """Apply the branch chosen by `index` (clamped into range) to `operands`."""
    if not all(callable(b) for b in branches):
        raise TypeError("lax.switch: branches argument should be a sequence of callables.")
    if operand is not _no_operand_sentinel:
        if operands:
            raise TypeError("if 'operand' keyword is passed then no positional operands can "
                            f"be passed, got operand={operand!r} and positional operands "
                            f"{operands!r}")
        operands = (operand,)
    if len(np.shape(index)) != 0:
        raise TypeError(f"Branch index must be scalar, got {index} of shape "
                        f"{np.shape(index)}.")
    try:
        index_dtype = dtypes.result_type(index)
    except TypeError as err:
        raise TypeError(f"Index type must be an integer, got {index}.") from err
    if index_dtype.kind not in "iu":
        raise TypeError(f"Index type must be an integer, got {index} as {index_dtype}")
    branches = tuple(branches)
    if len(branches) == 0:
        raise ValueError("Empty branch sequence")
    if len(branches) == 1:
        return branches[0](*operands)
    from cellax import lax
    index = lax.convert_element_type(index, np.int32)
    index = lax.clamp(np.array(0, np.int32), index, np.array(len(branches) - 1, np.int32))
    if config.jax_disable_jit and _is_concrete(index):
        return branches[int(index)](*operands)
    leaves, in_tree, avals = _flatten_operands(tuple(operands))
    traced = [_trace(b, in_tree, avals, "switch") for b in branches]
    for i, t in enumerate(traced[1:]):
        _check_branch_outputs("switch", "branch 0", f"branch{i + 1}", branches[0],
                              branches[i + 1], traced[0], t)
    return _bind_cond(index, traced, leaves)


def _is_concrete(x) -> bool:
    return not isinstance(x, Tracer) or x.to_concrete_value() is not None


def cond(pred, true_fun: Callable, false_fun: Callable, *operands,
         operand=_no_operand_sentinel):
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, as one primitive."""
    if not (callable(true_fun) and callable(false_fun)):
        # the old form: cond(pred, true_operand, true_fun, false_operand, false_fun)
        if callable(false_fun) and len(operands) == 2 and callable(operands[1]):
            x_true, f_true, x_false, f_false = true_fun, false_fun, *operands
            return cond(pred, lambda x, _: f_true(x), lambda _, x: f_false(x), x_true, x_false)
        raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
    if operand is not _no_operand_sentinel:
        if operands:
            raise TypeError("if 'operand' keyword is passed then no positional operands can "
                            f"be passed, got operand={operand!r} and positional operands "
                            f"{operands!r}")
        operands = (operand,)
    if pred is None:
        raise TypeError("cond predicate is None")
    if isinstance(pred, Sequence) or np.ndim(pred) != 0:
        raise TypeError(f"Pred must be a scalar, got {pred} of " +
                        (f"type {type(pred)}" if isinstance(pred, Sequence)
                         else f"shape {np.shape(pred)}."))
    try:
        pred_dtype = dtypes.result_type(pred)
    except TypeError as err:
        raise TypeError(f"Pred type must be either boolean or number, got {pred}.") from err
    if pred_dtype.kind != "b":
        if pred_dtype.kind in "iuf":
            pred = pred != 0
        else:
            raise TypeError(f"Pred type must be either boolean or number, got {pred_dtype}.")
    if config.jax_disable_jit and _is_concrete(pred):
        return true_fun(*operands) if pred else false_fun(*operands)
    leaves, in_tree, avals = _flatten_operands(tuple(operands))
    t_true = _trace(true_fun, in_tree, avals, "cond")
    t_false = _trace(false_fun, in_tree, avals, "cond")
    _check_branch_outputs("cond", "true_fun", "false_fun", true_fun, false_fun, t_true,
                          t_false)
    from cellax import lax
    index = lax.convert_element_type(pred, np.int32)
    # The false branch comes first (the index is int(pred)); consts merge true first.
    return _bind_cond(index, [t_true, t_false], leaves, order=(1, 0))


# ---------------------------------------------------------------------------------------
# while_loop


class _AvalHolder:
    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
    """Repeat `val = body_fun(val)` while `cond_fun(val)`; one primitive (not reverse-mode
    differentiable: use `scan` or `fori_loop` with static bounds for that)."""
    if not (callable(body_fun) and callable(cond_fun)):
        raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.")
    from cellax import lax
    if config.jax_disable_jit:
        try:
            val = tree_map(_asarray, init_val)
            while cond_fun(val):
                val = tree_map(_asarray, body_fun(val))
            return val
        except core.ConcretizationTypeError:
            pass  # e.g. under vmap: fall back to the primitive

    leaves, args_tree = tree_flatten((init_val,))
    in_tree = tree_flatten(init_val)[1]
    avals = [core.get_aval(x) for x in leaves]

    def trace_both(avals):
        tc = _trace(cond_fun, args_tree, avals, "while_cond")
        tb = _trace(body_fun, args_tree, avals, "while_body")
        if not treedef_is_leaf(tc.out_tree) or len(tc.out_avals) != 1:
            raise TypeError(f"cond_fun must return a boolean scalar, but got pytree "
                            f"{tc.out_tree}.")
        pa = tc.out_avals[0]
        if pa.shape != () or pa.dtype != dtypes.bool_:
            raise TypeError(f"cond_fun must return a boolean scalar, but got output type(s) "
                            f"{tc.out_avals}.")
        return tc, tb

    tc, tb = trace_both(avals)
    if len(tb.out_avals) != len(avals):
        _check_carry_type("while_loop body", body_fun, in_tree, avals, tb.out_tree,
                          tb.out_avals)
        raise AssertionError("while_loop: carry structure check did not raise")
    # A weakly typed init (e.g. a Python scalar) takes the type the body gives it.
    changed = False
    new_leaves = []
    for x, a, b in zip(leaves, avals, tb.out_avals):
        if a.weak_type and not _typematch(a, b):
            x = lax.convert_element_type(x, dtypes.result_type(x, _AvalHolder(b)))
            changed = True
        new_leaves.append(x)
    if changed:
        leaves = new_leaves
        avals = [core.get_aval(x) for x in leaves]
        tc, tb = trace_both(avals)
    _check_carry_type("while_loop body", body_fun, in_tree, avals, tb.out_tree, tb.out_avals)

    cond_closed, body_closed, move_to_const, cond_consts, body_consts = _derived(
        (tc, tb), "while", lambda: _loop_jaxprs(tc, tb))
    init_vals = list(leaves)
    new_body_consts = []
    if any(move_to_const):
        new_body_consts = [x for x, m in zip(init_vals, move_to_const) if m]
        init_vals = [x for x, m in zip(init_vals, move_to_const) if not m]
    outs = while_p.bind(*cond_consts, *new_body_consts, *body_consts, *init_vals,
                        cond_nconsts=len(cond_consts), cond_jaxpr=cond_closed,
                        body_nconsts=len(new_body_consts) + len(body_consts),
                        body_jaxpr=body_closed)
    if any(move_to_const):
        it, moved_it = iter(outs), iter(new_body_consts)
        outs = [next(moved_it) if m else next(it) for m in move_to_const]
    return tree_unflatten(tb.out_tree, outs)


def _loop_jaxprs(tc: _Traced, tb: _Traced):
    """(cond jaxpr, body jaxpr, which carries became body consts, cond consts, body
    consts) for `while`."""
    cond_jaxpr, cond_consts = tc.jaxpr, tc.consts
    body_jaxpr, body_consts = tb.jaxpr, tb.consts
    n_bc = len(body_consts)
    # A carry the body passes through unchanged and the condition does not read is a
    # body constant instead (cheaper, and stays unbatched under vmap).
    body_fwd = _jaxpr_forwarding(body_jaxpr)
    carry_nofwd = [n_bc + i != f for i, f in enumerate(body_fwd)]
    n_cc = len(cond_consts)
    cond_used = _used_inputs(cond_jaxpr)
    keep_cond_carry = [u or nf for u, nf in zip(cond_used[n_cc:], carry_nofwd)]
    move_to_const = [not k for k in keep_cond_carry]
    if any(move_to_const):
        live_eqns = _pe.dce_jaxpr(cond_jaxpr)[0].eqns
        cond_jaxpr = Jaxpr([], [*cond_jaxpr.invars[:n_cc],
                                *[v for v, k in zip(cond_jaxpr.invars[n_cc:], keep_cond_carry)
                                  if k]],
                           cond_jaxpr.outvars, live_eqns, cond_jaxpr.debug_info)
        bi = body_jaxpr.invars
        moved = [v for v, m in zip(bi[n_bc:], move_to_const) if m]
        kept = [v for v, m in zip(bi[n_bc:], move_to_const) if not m]
        body_jaxpr = Jaxpr([], [*moved, *bi[:n_bc], *kept],
                           [v for v, m in zip(body_jaxpr.outvars, move_to_const) if not m],
                           body_jaxpr.eqns, body_jaxpr.debug_info)
    return (core.ClosedJaxpr(cond_jaxpr, []), core.ClosedJaxpr(body_jaxpr, []), move_to_const,
            cond_consts, body_consts)


def _used_inputs(jaxpr: Jaxpr) -> list[bool]:
    live = {v for v in jaxpr.outvars if type(v) is not Literal}
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outvars) or getattr(eqn.primitive, "has_effects", False):
            live.update(v for v in eqn.invars if type(v) is not Literal)
    return [v in live for v in jaxpr.invars]

