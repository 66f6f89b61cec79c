"""The graph model behind `GraphView`: nodes, edges and clusters built from a jaxpr (plain
dicts, as they go into the payload) and the CSS classes that mark their parts. Split out
of `graph`, which imports these back."""
from __future__ import annotations

from cellax.core import DropVar, Literal
from cellax.pretty import pp_eqn, pp_literal

from cellax_notebook.views import _jaxpr

_LABEL_MAX = 36


# ---------------------------------------------------------------------------------------
# The graph model


def _is_one(lit) -> bool:
    try:
        import numpy as np
        return bool(np.all(np.asarray(lit.val) == 1))
    except Exception:  # noqa: BLE001
        return False


def _short(s: str, n: int = _LABEL_MAX) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _call_like(eqn, sub) -> bool:
    if len(sub.invars) != len(eqn.invars) or len(sub.outvars) != len(eqn.outvars):
        return False
    ok_in = all(getattr(a, "aval", None) == getattr(b, "aval", None)
                for a, b in zip(sub.invars, eqn.invars))
    ok_out = all(getattr(a, "aval", None) == getattr(b, "aval", None)
                 for a, b in zip(sub.outvars, eqn.outvars))
    return ok_in and ok_out


class Model:
    """Nodes, edges and clusters (plain dicts: they go into the payload as they are)."""

    def __init__(self, names: dict, parts: dict, eqn_ids: dict, derivative: bool):
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.clusters: list[dict] = []
        self.names = names
        self.parts = parts
        self.eqn_ids = eqn_ids
        self.derivative = derivative
        self.n_eqns = 0
        self.truncated = 0
        self.inline_literals = False
        self._node_part: dict = {}

    def name(self, v) -> str:
        return self.names.get(v, "?")

    def binder(self, v) -> str:
        return f"{self.name(v)}:{v.aval.str_short()}"

    def node(self, kind: str, label: str, sub: str = "", *, cluster=None, part=None,
             title: str = "", eqn=None, primitive=None, source=None) -> str:
        nid = f"n{len(self.nodes)}"
        self.nodes.append({"id": nid, "kind": kind, "label": label, "sublabel": sub,
                           "cluster": cluster, "part": part, "title": title,
                           "eqn": eqn, "primitive": primitive, "source": source})
        self._node_part[nid] = part
        return nid

    def edge(self, src: str, dst: str, var: str = "", kind: str = "data", lhead=None):
        ps, pd = self._node_part.get(src), self._node_part.get(dst)
        part = None
        if self.derivative:
            if kind == "nest":
                part = ps if ps in ("forward", "backward") else None
            elif pd in ("backward", "seed"):
                part = "residual" if ps == "forward" else "backward"
            elif ps in ("backward", "seed"):
                part = "backward"
            elif ps == "forward":
                part = "forward"
        self.edges.append({"source": src, "target": dst, "var": var, "kind": kind,
                           "part": part, "lhead": lhead})

    def cluster(self, label: str, parent, part, eqn) -> str:
        cid = f"c{len(self.clusters)}"
        self.clusters.append({"id": cid, "label": label, "parent": parent, "part": part,
                              "eqn": eqn})
        return cid


def build_model(closed, *, expand: bool, derivative: bool, parts: dict,
                max_eqns: int | None = None, seeds: set | None = None,
                inline_literals: bool = False) -> Model:
    jaxpr = _jaxpr.as_jaxpr(closed)
    names = _jaxpr.var_names(closed)
    m = Model(names, parts, _jaxpr.eqn_index(closed), derivative)
    m.inline_literals = inline_literals
    seeds = seeds or set()
    env: dict = {}
    top_part = "forward" if derivative else None
    for v in jaxpr.constvars:
        env[v] = m.node("const", m.name(v), v.aval.str_short(), part=top_part,
                        title=f"constant {m.binder(v)}")
    for i, v in enumerate(jaxpr.invars):
        p = "seed" if v in seeds else top_part
        env[v] = m.node("input", m.name(v), v.aval.str_short(), part=p,
                        title=f"input {i}: {m.binder(v)}" + (" (cotangent seed)"
                                                              if v in seeds else ""))
    budget = [max_eqns if max_eqns is not None else 10**9]
    _add_eqns(m, jaxpr, env, None, None, expand, budget)
    for i, v in enumerate(jaxpr.outvars):
        if type(v) is Literal:
            src = m.node("literal", literal_label(v), part=top_part)
        else:
            src = env.get(v)
        part = m._node_part.get(src) if src else None
        out = m.node("output", f"out {i}", v.aval.str_short(),
                     part=part if part != "seed" else "backward",
                     title=f"output {i}: {m.binder(v) if type(v) is not Literal else ''}")
        if src:
            m.edge(src, out, m.name(v) if type(v) is not Literal else "")
    return m


def literal_label(lit) -> str:
    """A literal's value, short: 0.1 rather than 0.10000000149011612."""
    s = pp_literal(lit, False)
    try:
        f = float(s)
    except ValueError:
        return s
    if "." in s or "e" in s:
        t = f"{f:.6g}"
        return t if ("." in t or "e" in t or "n" in t) else t + ".0"
    return s


def _literal_node(m: Model, lit, cluster, part, seedlike: bool) -> str:
    p = "seed" if seedlike else part
    return m.node("literal", literal_label(lit), cluster=cluster, part=p,
                  title=f"literal {pp_literal(lit)}" + (" (cotangent seed)" if seedlike
                                                         else ""))


def _add_eqns(m: Model, jaxpr, env: dict, cluster, inherited, expand: bool,
              budget: list) -> None:
    for k, eqn in enumerate(jaxpr.eqns):
        if budget[0] <= 0:
            rest = len(jaxpr.eqns) - k
            m.truncated += rest
            m.node("more", f"… {rest} more equations", cluster=cluster,
                   title="not drawn: the graph is too large")
            return
        budget[0] -= 1
        m.n_eqns += 1
        part = m.parts.get(id(eqn), inherited)
        prim = eqn.primitive.name
        eid = m.eqn_ids.get(id(eqn))
        src = _jaxpr.source_of(eqn)
        reads_bwd = any(_jaxpr.is_var(v) and m._node_part.get(env.get(v)) in
                        ("backward", "seed") for v in eqn.invars)
        srcs = []
        inlined = []
        for v in eqn.invars:
            if type(v) is Literal and m.inline_literals:
                inlined.append(literal_label(v))
            elif type(v) is Literal:
                seedlike = (m.derivative and part == "backward" and not reads_bwd
                            and id(eqn) in m.parts and _is_one(v))
                srcs.append((_literal_node(m, v, cluster, part, seedlike), ""))
            else:
                srcs.append((env.get(v), m.name(v)))
        subs = list(_jaxpr.sub_jaxprs(eqn.params))
        name = eqn.params.get("name")
        head = f"{prim} {name}" if name is not None else prim
        try:
            text = pp_eqn(eqn)
        except Exception:  # noqa: BLE001 - a tooltip is not worth failing for
            text = prim
        where = f"\n{_jaxpr.short_file(src['file'])}:{src['line']} ({src['function']})" \
            if src else ""
        outs = " ".join(m.binder(v) for v in eqn.outvars if not isinstance(v, DropVar))
        if subs and expand and len(subs) == 1 and _call_like(eqn, subs[0][1]):
            inner = subs[0][1]
            n_inner = sum(1 for _ in _jaxpr.walk_eqns(inner))
            cid = m.cluster(f"{head} · {n_inner} eqn{'s' if n_inner != 1 else ''}",
                            cluster, part, eid)
            inner_env = {}
            for iv, (s, _) in zip(inner.invars, srcs):
                if s is not None:
                    inner_env[iv] = s
            for cv in inner.constvars:
                inner_env[cv] = m.node("const", m.name(cv), cv.aval.str_short(), cluster=cid,
                                       part=part)
            _add_eqns(m, inner, inner_env, cid, part, expand, budget)
            for ov, iov in zip(eqn.outvars, inner.outvars):
                if type(iov) is Literal:
                    env[ov] = _literal_node(m, iov, cid, part, False)
                elif iov in inner_env:
                    env[ov] = inner_env[iov]
            continue
        kind = "call" if subs else "eqn"
        label = _short(head + "".join(" ·" + t for t in inlined))
        nid = m.node(kind, label, _short(outs.replace(":", ": ")), cluster=cluster, part=part,
                     title=text + where, eqn=eid, primitive=prim, source=src)
        seen = set()
        for s, var in srcs:
            if s is not None and (s, var) not in seen:
                seen.add((s, var))
                m.edge(s, nid, var)
        for v in eqn.outvars:
            env[v] = nid
        if subs and expand:
            for label_, sub in subs:
                cid = m.cluster(f"{prim} {label_}", cluster, part, eid)
                sub_env = {}
                first = None
                for v in [*sub.constvars, *sub.invars]:
                    sub_env[v] = m.node("input", m.name(v), v.aval.str_short(), cluster=cid,
                                        part=part, title=f"{label_} input {m.binder(v)}")
                    first = first or sub_env[v]
                _add_eqns(m, sub, sub_env, cid, part, expand, budget)
                for i, v in enumerate(sub.outvars):
                    o = m.node("output", f"{label_} out {i}", v.aval.str_short(), cluster=cid,
                               part=part)
                    first = first or o
                    if type(v) is Literal:
                        m.edge(_literal_node(m, v, cid, part, False), o)
                    elif v in sub_env:
                        m.edge(sub_env[v], o, m.name(v))
                if first:
                    m.edge(nid, first, "", kind="nest", lhead=cid)


def node_classes(n: dict) -> str:
    c = f"cx-n cx-k-{n['kind']}"
    if n["part"]:
        c += f" cx-{ {'forward': 'fwd', 'backward': 'bwd', 'seed': 'seed'}[n['part']] }"
    return c


def edge_classes(e: dict) -> str:
    c = f"cx-e cx-ek-{e['kind']}"
    if e["part"]:
        c += f" cx-e-{ {'forward': 'fwd', 'backward': 'bwd', 'residual': 'res'}[e['part']] }"
    return c
