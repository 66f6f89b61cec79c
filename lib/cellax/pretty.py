"""Printing jaxprs in the reference JAX's text format, character for character.

`pp_jaxpr(jaxpr)` is what `str(jaxpr)` and `str(closed_jaxpr)` show; `pp_eqn(eqn)` is
`repr(eqn)`. tests/test_pretty_golden.py holds the output equal to JAX 0.10's.

Layout. A jaxpr is built into a small document (text, break, concat, group, nest) and
laid out at 80 columns by a Wadler-Lindig printer: a group is printed on one line,
its breaks as their flat text, when its flat width fits in what is left of the line;
otherwise its breaks become newlines at the current nesting. Whether a group fits is
decided by that group alone, not by what follows it. The documents have JAX's shape:

    { lambda CONSTVARS; INVARS. let EQN; EQN; ... in (OUTS,) }

is one group (so a small jaxpr prints on one line); equations sit two columns in from
`let`; the binders in a variable list wrap only when the line is full; an equation's
params form one group, `[k=v ...]` flat or one param a line (dot_general, jit with a
nested jaxpr); a jaxpr in a param is printed in place, nested in its equation.

Sharing. Sub-jaxprs met more than once while walking the params of named equations
(`jit[name=g ...]` called twice), and any sub-jaxpr with more than 10 equations, are
printed once before the main jaxpr as `let g = { ... } in` and referred to by name
(`jit[name=g jaxpr=g]`); a second `g` becomes `g1`. Variable names never take a
shared jaxpr's name.

Names. One naming context serves the whole print, so names are unique across nested
jaxprs: `a` ... `z`, `ba`, `bb` ... (base-26 digits, JAX's scheme), handed out in the
order binders and uses are printed. Results of the top-level jaxpr that nothing reads
print as `_`. A `jit` equation's inner jaxpr reuses the names of the equation's
operands and results for its own inputs and outputs.

Params. Sorted by name, printed with `str` (a jaxpr param is printed nested; a tuple of
jaxprs in parentheses). A primitive hides params from the printout with attributes:

    hidden_params   names never printed (implied by the binder's type, or internal)
    hide_if_none    names printed only when the value is not None
    hide_if_empty   names printed only when the value is a non-empty sequence
    hide_if_false   names printed only when the value is true (for a tuple: when any
                    entry is true), e.g. flags whose default is off
    leading_params  names printed first, in this order, before the sorted rest

Literals print as `value:dtype[]` with the value as JAX shows it (`2.0`, `3`, `True`,
`inf`, `nan`, `0.10000000149011612` for float32(0.1)). Primitives needing more than the
attributes register a function in `pp_eqn_rules` (keyed by primitive name) that returns
the list of (name, value) params to print, as `jit`'s rule does here.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Iterator

import numpy as np

from cellax import core
from cellax.core import ClosedJaxpr, Jaxpr, Literal

__all__ = ["pp_jaxpr", "pp_eqn", "pp_literal", "pp_eqn_rules", "WIDTH"]

WIDTH = 80

# ---------------------------------------------------------------------------------------
# Documents. Each node is a tuple whose slot 1 is its width when printed flat:
#   (_TEXT, w, s)   (_BRK, w, s)   (_CAT, w, [children])   (_GROUP, w, child)
#   (_NEST, w, n, child)
#   (_EQN, w, flat_text, parts): an equation without nested jaxprs, kept as its flat
#       text; its document is built from `parts` only when it does not fit its line.

_TEXT, _BRK, _CAT, _GROUP, _NEST, _EQN = range(6)
_NIL = (_TEXT, 0, "")


def _text(s: str):
    return (_TEXT, len(s), s)


def _cat(children: list):
    w = 0
    for c in children:
        w += c[1]
    return (_CAT, w, children)


def _group(child):
    return (_GROUP, child[1], child)


def _nest(n: int, child):
    return (_NEST, child[1], n, child)


_SPACE = (_BRK, 1, " ")
_EMPTY_BRK = (_BRK, 0, "")
_SEMI_BRK = (_BRK, 2, "; ")
_VAR_SEP = _cat([_NIL, _group(_SPACE)])
_OUT_SEP = _cat([_text(","), _group(_SPACE)])


def _join(sep, docs: list) -> tuple:
    if not docs:
        return _NIL
    if len(docs) == 1:
        return docs[0]
    parts = [docs[0]]
    for d in docs[1:]:
        parts.append(sep)
        parts.append(d)
    return _cat(parts)


def _flat(doc, out: list) -> None:
    kind = doc[0]
    if kind == _TEXT or kind == _BRK:
        out.append(doc[2])
    elif kind == _CAT:
        for c in doc[2]:
            _flat(c, out)
    elif kind == _GROUP:
        _flat(doc[2], out)
    elif kind == _NEST:
        _flat(doc[3], out)
    else:  # _EQN
        out.append(doc[2])


def format_doc(doc, width: int = WIDTH) -> str:
    """Lay `doc` out in `width` columns (the top level is in break mode)."""
    out: list[str] = []
    k = 0  # current column
    stack = [(0, False, doc)]
    pop, push = stack.pop, stack.append
    while stack:
        indent, flat, d = pop()
        kind = d[0]
        if kind == _TEXT:
            out.append(d[2])
            k += d[1]
        elif kind == _CAT:
            for c in reversed(d[2]):
                push((indent, flat, c))
        elif kind == _BRK:
            if flat:
                out.append(d[2])
                k += d[1]
            else:
                out.append("\n" + " " * indent)
                k = indent
        elif kind == _GROUP:
            if flat or d[1] <= width - k:
                _flat(d[2], out)  # a group that fits prints flat, all its subgroups too
                k += d[1]
            else:
                push((indent, False, d[2]))
        elif kind == _NEST:
            push((indent + d[2], flat, d[3]))
        elif flat or d[1] <= width - k:  # _EQN: every group in it fits, so all flat
            out.append(d[2])
            k += d[1]
        else:
            push((indent, False, _simple_eqn_doc(*d[3])))
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Naming


def _encode_name(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> ba: base-26 digits, as JAX names variables."""
    s = ""
    while not s or n:
        n, i = divmod(n, 26)
        s = chr(97 + i) + s
    return s


class _Context:
    """Names for variables and shared jaxprs, for one print."""

    __slots__ = ("names", "counter", "shared", "shared_names", "types")

    def __init__(self, names: dict | None = None):
        self.names: dict = dict(names) if names else {}
        self.counter = 0
        self.shared: dict = {}  # Jaxpr -> name
        self.shared_names: set = set()
        self.types: dict = {}  # aval -> "f32[3]"

    def binder(self, v) -> str:
        name = self.name(v)
        aval = v.aval
        t = self.types.get(aval)
        if t is None:
            t = self.types[aval] = aval.str_short()
        return f"{name}:{t}"

    def name(self, v) -> str:
        n = self.names.get(v)
        if n is None:
            if isinstance(v, core.DropVar):
                return "_"
            while True:
                n = _encode_name(self.counter)
                self.counter += 1
                if n not in self.shared_names:
                    break
            self.names[v] = n
        return n

    def atom(self, v) -> str:
        return pp_literal(v) if type(v) is Literal else self.name(v)

    def suggest_same_names(self, for_vars, like_vars) -> None:
        """Name each var of `for_vars` (not yet named) like its partner in `like_vars`."""
        if len(for_vars) != len(like_vars):
            return
        used = set()
        names = self.names
        for for_v, like_v in zip(for_vars, like_vars):
            if (type(like_v) is not Literal and like_v not in used
                    and type(for_v) is not Literal and for_v not in names):
                used.add(like_v)
                names[for_v] = self.name(like_v)


def _unused_results(jaxpr: Jaxpr) -> dict:
    """Equation results nothing reads (printed `_` in the top-level jaxpr)."""
    dropped = {}
    used = {v for v in jaxpr.outvars if type(v) is not Literal}
    for eqn in reversed(jaxpr.eqns):
        for v in eqn.outvars:
            if v not in used:
                dropped[v] = "_"
        used.update(v for v in eqn.invars if type(v) is not Literal)
    return dropped


# ---------------------------------------------------------------------------------------
# Atoms, params, equations and jaxprs


def pp_literal(lit: Literal, print_dtype: bool = True) -> str:
    aval = lit.aval
    val = lit.val
    if np.shape(val):
        s = "[...]"
    else:
        dt = getattr(aval, "dtype", None)
        try:
            s = str(np.asarray(val, dt).item())
        except (TypeError, ValueError, OverflowError):
            s = str(np.asarray(val).item())
    return f"{s}:{aval.str_short()}" if print_dtype else s


def _vars_doc(items: list, sep=_VAR_SEP):
    return _nest(2, _group(_join(sep, [_text(x) for x in items])))


def _pp_vars(ctx: _Context, vs, binders: bool, sep=_VAR_SEP):
    return _vars_doc([ctx.binder(v) for v in vs] if binders else [ctx.atom(v) for v in vs],
                     sep)


_ADDRESS = re.compile(r" at 0x([0-9a-fA-F]+)")


def _is_structured(v) -> bool:
    """Whether a param value prints as a nested document (a jaxpr, a tuple of them)."""
    if isinstance(v, (Jaxpr, ClosedJaxpr)):
        return True
    return type(v) is tuple and len(v) > 0 and all(
        isinstance(j, (Jaxpr, ClosedJaxpr)) for j in v)


def _value_str(v: Any) -> str:
    if isinstance(v, frozenset):
        return "frozenset({" + ", ".join(repr(e) for e in sorted(v)) + "})"
    s = str(v)
    if " at 0x" in s:  # no addresses in the printout: it must not vary run to run
        s = _ADDRESS.sub(lambda m: " at 0x" + "X" * len(m.group(1)), s)
    return s


def _pp_value(ctx: _Context, v: Any):
    if isinstance(v, ClosedJaxpr):
        return _pp_jaxpr(ctx, v.jaxpr)
    if isinstance(v, Jaxpr):
        return _pp_jaxpr(ctx, v)
    if _is_structured(v):
        docs = [_pp_jaxpr(ctx, j.jaxpr if isinstance(j, ClosedJaxpr) else j) for j in v]
        return _group(_cat([_nest(2, _cat([_text("("), _EMPTY_BRK, _join(_SPACE, docs)])),
                            _EMPTY_BRK, _text(")")]))
    return _text(_value_str(v))


def _is_empty(v) -> bool:
    try:
        return len(v) == 0
    except TypeError:
        return False


def _is_false(v) -> bool:
    if isinstance(v, tuple):
        return not any(v)
    return not v


def shown_params(primitive, params: dict) -> list:
    """The (name, value) params an equation shows, in order (see the module docstring)."""
    hidden = getattr(primitive, "hidden_params", ())
    if_none = getattr(primitive, "hide_if_none", ())
    if_empty = getattr(primitive, "hide_if_empty", ())
    if_false = getattr(primitive, "hide_if_false", ())
    leading = getattr(primitive, "leading_params", ())
    out = []
    for k in (*[k for k in leading if k in params],
              *sorted(k for k in params if k not in leading)):
        if k in hidden:
            continue
        v = params[k]
        if (v is None and k in if_none) or (k in if_empty and _is_empty(v)) or (
                k in if_false and _is_false(v)):
            continue
        out.append((k, v))
    return out


pp_eqn_rules: dict[str, Callable[[Any, dict], list]] = {}


def _params_doc(items: list):
    if not items:
        return _NIL
    return _group(_cat([_nest(2, _cat([_text("["), _EMPTY_BRK, _join(_SPACE, items)])),
                        _EMPTY_BRK, _text("]")]))


def _simple_eqn_doc(lhs: list, name: str, params: list, rhs: list):
    doc = [_text(name), _params_doc([_text(p) for p in params]), _text(" "), _vars_doc(rhs)]
    if lhs:
        return _cat([_vars_doc(lhs), _text(" = "), *doc])
    return _cat(doc)


def _pp_eqn(ctx: _Context, eqn):
    prim = eqn.primitive
    rule = pp_eqn_rules.get(prim.name)
    kvs = rule(ctx, eqn) if rule is not None else shown_params(prim, eqn.params)
    # Names are handed out in print order: results, then jaxprs in params, then operands.
    lhs = [ctx.binder(v) for v in eqn.outvars]
    if not any(_is_structured(v) for _, v in kvs):
        params = [f"{k}={_value_str(v)}" for k, v in kvs]
        rhs = [ctx.atom(v) for v in eqn.invars]
        flat = (" = ".join((" ".join(lhs), prim.name)) if lhs else prim.name) + (
            "[" + " ".join(params) + "]" if params else "") + " " + " ".join(rhs)
        return (_EQN, len(flat), flat, (lhs, prim.name, params, rhs))
    params = _params_doc([_cat([_text(f"{k}="), _pp_value(ctx, v)]) for k, v in kvs])
    doc = [_text(prim.name), params, _text(" "), _pp_vars(ctx, eqn.invars, False)]
    if lhs:
        return _cat([_vars_doc(lhs), _text(" = "), *doc])
    return _cat(doc)


def _pp_skeleton(ctx: _Context, jaxpr: Jaxpr):
    consts = _pp_vars(ctx, jaxpr.constvars, True)
    ins = _pp_vars(ctx, jaxpr.invars, True)
    eqns = _join(_SEMI_BRK, [_pp_eqn(ctx, e) for e in jaxpr.eqns])
    outs = _cat([_text("("), _pp_vars(ctx, jaxpr.outvars, False, _OUT_SEP),
                 _text(")" if len(jaxpr.outvars) != 1 else ",)")])
    body = _cat([_text("{ lambda "), consts, _text("; "), ins, _text(". let"),
                 _nest(2, _cat([_SPACE, eqns])), _SPACE, _text("in "), outs])
    return _group(_cat([_nest(2, body), _text(" }")]))


def _pp_jaxpr(ctx: _Context, jaxpr: Jaxpr):
    name = ctx.shared.get(jaxpr)
    if name is not None:
        return _text(name)
    return _pp_skeleton(ctx, jaxpr)


def _jaxprs_in_params(params: dict) -> Iterator[Jaxpr]:
    for val in params.values():
        for v in (val if type(val) is tuple else (val,)):
            if isinstance(v, Jaxpr):
                yield v
            elif isinstance(v, ClosedJaxpr):
                yield v.jaxpr


def _shared_jaxprs(top: Jaxpr) -> list[tuple[str, Jaxpr]]:
    """Sub-jaxprs to print once up front: those seen more than once under named
    equations, and big ones (over 10 equations). Breadth-first order, unique names."""
    counts: Counter = Counter()
    names: dict = {}
    queue = [top]
    i = 0
    while i < len(queue):
        jaxpr = queue[i]
        i += 1
        counts[jaxpr] += 1
        if jaxpr is not top and len(jaxpr.eqns) > 10:
            counts[jaxpr] += 1
        for eqn in jaxpr.eqns:
            name = eqn.params.get("name")
            if name is None:
                queue.extend(_jaxprs_in_params(eqn.params))
                continue
            name = str(name).strip("<>")
            for sub in _jaxprs_in_params(eqn.params):
                queue.append(sub)
                names.setdefault(sub, name)
    used: Counter = Counter()
    shared = []
    for jaxpr, c in counts.items():
        if c == 1:
            continue
        name = names.get(jaxpr, "jaxpr")
        n = used[name]
        used[name] += 1
        if n > 0:
            name += str(n)
            used[name] += 1
        shared.append((name, jaxpr))
    return shared


def jaxpr_doc(jaxpr: Jaxpr):
    """The document for a top-level jaxpr (shared sub-jaxprs hoisted in front)."""
    if not jaxpr.eqns and not jaxpr.constvars:  # nothing to hoist, nothing to drop
        ctx = _Context()
        return _pp_skeleton(ctx, jaxpr)
    ctx = _Context(_unused_results(jaxpr))
    shared = _shared_jaxprs(jaxpr)
    for name, sub in shared:
        ctx.shared[sub] = name
        ctx.shared_names.add(name)
    docs = []
    for name, sub in shared:
        docs.append(_cat([_text(f"let {name} = "), _pp_skeleton(ctx, sub), _text(" in"),
                          _SPACE]))
    docs.append(_pp_skeleton(ctx, jaxpr))
    return _cat(docs) if len(docs) > 1 else docs[0]


def pp_jaxpr(jaxpr: Jaxpr | ClosedJaxpr, width: int = WIDTH) -> str:
    """The text `jax.make_jaxpr` shows for `jaxpr`."""
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    return format_doc(jaxpr_doc(jaxpr), width)


def pp_eqn(eqn, width: int = WIDTH) -> str:
    """One equation on its own, with fresh names (what `repr(eqn)` shows)."""
    return format_doc(_pp_eqn(_Context(), eqn), width).rstrip()


# ---------------------------------------------------------------------------------------
# Rules for primitives whose printing the attributes cannot express


def _jit_rule(ctx: _Context, eqn) -> list:
    params = eqn.params
    closed = params["jaxpr"]
    inner = closed.jaxpr if isinstance(closed, ClosedJaxpr) else closed
    if inner not in ctx.shared:
        ctx.suggest_same_names(inner.invars, eqn.invars)
        ctx.suggest_same_names(inner.outvars, eqn.outvars)
    # name first; donation and keep_unused only when they say something.
    kvs = [("name", params["name"])]
    rest = []
    for k in sorted(params):
        v = params[k]
        if k == "name" or k in ("inline", "device"):
            continue
        if k in ("donated_invars", "keep_unused") and _is_false(v):
            continue
        rest.append((k, v))
    return kvs + rest


pp_eqn_rules["jit"] = _jit_rule
pp_eqn_rules["pjit"] = _jit_rule
