"""A jaxpr as nested data for the views, named exactly as `str(jaxpr)` names it.

`structure(closed)` walks a (closed) jaxpr with one naming context of cellax's printer
(so `a`, `b`, ... are the names the text shows) and returns JSON-able dicts:

    JaxprNode = {"id": "j0", "constvars": [binder], "invars": [binder],
                 "eqns": [EqnNode], "outvars": [atom]}
    EqnNode   = {"id": "e3", "primitive": "sin", "text": "d:f32[3] = sin a",
                 "outvars": [binder], "invars": [atom], "params": {name: str},
                 "source": {"file", "line", "function"} | None, "name_stack": str,
                 "subjaxprs": [{"label": "jaxpr", "jaxpr": JaxprNode}]}

A binder is "name:type" ("_:f32[]" for a dropped result); an atom a name or a literal
("2.0:f32[]"). For an equation with sub-jaxprs `text` is its head line, the sub-jaxprs
shown as `{…}`. Ids are unique within one structure, in print order.

`eqn_index(closed)` maps each `JaxprEqn` object to its id in the same numbering.
"""
from __future__ import annotations

import itertools
import linecache
import os
from typing import Any, Iterator

from cellax import pretty
from cellax.core import ClosedJaxpr, Jaxpr, Literal

EQN_WIDTH = 100


def as_jaxpr(j) -> Jaxpr:
    return j.jaxpr if isinstance(j, ClosedJaxpr) else j


def sub_jaxprs(params: dict) -> Iterator[tuple[str, Jaxpr]]:
    """(label, jaxpr) for each jaxpr in an equation's params, e.g. ("branches[1]", j)."""
    for k in sorted(params):
        v = params[k]
        if isinstance(v, (Jaxpr, ClosedJaxpr)):
            yield k, as_jaxpr(v)
        elif isinstance(v, (tuple, list)) and v and all(
                isinstance(x, (Jaxpr, ClosedJaxpr)) for x in v):
            for i, x in enumerate(v):
                yield f"{k}[{i}]", as_jaxpr(x)


def source_of(eqn) -> dict | None:
    si = getattr(eqn, "source_info", None)
    if si is None or getattr(si, "file", None) is None:
        return None
    return {"file": si.file, "line": si.line, "function": si.function}


def name_stack_of(eqn) -> str:
    si = getattr(eqn, "source_info", None)
    return str(getattr(si, "name_stack", "") or "")


def source_line(file: str, line: int) -> str:
    """The text of a source line (notebook cells are in linecache too), or ''."""
    try:
        return linecache.getline(file, int(line)).rstrip("\n")
    except Exception:  # noqa: BLE001 - a missing or odd file just has no text
        return ""


def short_file(file: str) -> str:
    return os.path.basename(file) if file else ""


def is_var(v) -> bool:
    return type(v) is not Literal


def walk_eqns(jaxpr: Jaxpr) -> Iterator[tuple[Any, int]]:
    """Every equation, nested ones included, in print order, with its depth."""
    def go(j, depth):
        for eqn in j.eqns:
            yield eqn, depth
            for _, sub in sub_jaxprs(eqn.params):
                yield from go(sub, depth + 1)
    yield from go(jaxpr, 0)


def _naming_context(jaxpr: Jaxpr):
    """A printer context with every variable already named as `pp_jaxpr` names it."""
    if not jaxpr.eqns and not jaxpr.constvars:
        ctx = pretty._Context()
    else:
        ctx = pretty._Context(pretty._unused_results(jaxpr))
    shared = pretty._shared_jaxprs(jaxpr)
    for name, sub in shared:
        ctx.shared[sub] = name
        ctx.shared_names.add(name)
    for _, sub in shared:
        pretty._pp_skeleton(ctx, sub)
    pretty._pp_skeleton(ctx, jaxpr)
    return ctx


def _params_of(ctx, eqn) -> list:
    rule = pretty.pp_eqn_rules.get(eqn.primitive.name)
    return rule(ctx, eqn) if rule is not None else pretty.shown_params(eqn.primitive,
                                                                      eqn.params)


def _is_jaxpr_value(v) -> bool:
    if isinstance(v, (Jaxpr, ClosedJaxpr)):
        return True
    return isinstance(v, (tuple, list)) and bool(v) and all(
        isinstance(x, (Jaxpr, ClosedJaxpr)) for x in v)


def structure(closed) -> dict:
    jaxpr = as_jaxpr(closed)
    ctx = _naming_context(jaxpr)
    jids = itertools.count()
    eids = itertools.count()

    def atom(v) -> str:
        return ctx.atom(v)

    def eqn_node(eqn, depth) -> dict:
        kvs = _params_of(ctx, eqn)
        subs = list(sub_jaxprs(eqn.params))
        lhs = [ctx.binder(v) for v in eqn.outvars]
        rhs = [atom(v) for v in eqn.invars]
        params = {k: pretty._value_str(v) for k, v in kvs if not _is_jaxpr_value(v)}
        if subs:
            shown = [f"{k}={{…}}" if _is_jaxpr_value(v) else f"{k}={pretty._value_str(v)}"
                     for k, v in kvs]
            text = (" ".join(lhs) + " = " if lhs else "") + eqn.primitive.name + (
                "[" + " ".join(shown) + "]" if shown else "") + (" " + " ".join(rhs)
                                                                  if rhs else "")
        else:
            width = max(40, EQN_WIDTH - 2 * depth)
            text = pretty.format_doc(pretty._pp_eqn(ctx, eqn), width).rstrip()
        node = {"id": f"e{next(eids)}", "primitive": eqn.primitive.name, "text": text,
                "outvars": lhs, "invars": rhs, "params": params,
                "source": source_of(eqn), "name_stack": name_stack_of(eqn),
                "subjaxprs": []}
        for label, sub in subs:
            node["subjaxprs"].append({"label": label, "shared": ctx.shared.get(sub),
                                      "jaxpr": jaxpr_node(sub, depth + 1)})
        return node

    def jaxpr_node(j: Jaxpr, depth: int) -> dict:
        return {"id": f"j{next(jids)}",
                "constvars": [ctx.binder(v) for v in j.constvars],
                "invars": [ctx.binder(v) for v in j.invars],
                "eqns": [eqn_node(e, depth) for e in j.eqns],
                "outvars": [atom(v) for v in j.outvars]}

    return jaxpr_node(jaxpr, 0)


def iter_nodes(node: dict) -> Iterator[dict]:
    """Every EqnNode of a JaxprNode, nested ones included, in print order."""
    for e in node["eqns"]:
        yield e
        for s in e["subjaxprs"]:
            yield from iter_nodes(s["jaxpr"])


def eqn_index(closed) -> dict:
    """id(JaxprEqn) -> "eN", numbered as `structure` numbers them."""
    out = {}
    for i, (eqn, _) in enumerate(walk_eqns(as_jaxpr(closed))):
        out.setdefault(id(eqn), f"e{i}")
    return out


def var_names(closed) -> dict:
    """Var -> printed name, for the whole (nested) jaxpr."""
    ctx = _naming_context(as_jaxpr(closed))
    return ctx.names
